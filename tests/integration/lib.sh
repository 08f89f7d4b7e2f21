# Sourced by every integration test. Gives: ok/fail/skip reporting, a
# temporary directory cleaned at exit, real s6-svscan processes started on
# temporary scandirs and stopped by pid, and helpers to act as an
# unprivileged uid.
#
# A test prints exactly one line per check: "ok - NAME", "FAIL - NAME: WHY"
# or "skip - NAME: WHY"; tests/run counts them.
set -u
: "${HS6_BIN:?run through make check}"
: "${HS6_TOP:?run through make check}"
PATH="$HS6_BIN:/usr/lib/execline/bin:$PATH"
export PATH
umask 022

# The s6 under test: 2.11 (Debian's) or 2.15 (s6-overlay's, when tests/run
# lends it /package: see "# hs6-s6-matrix" there).
if [ -z "${HS6_S6_VERSION:-}" ]; then
  case $(command -v s6-svscan) in /package/*) HS6_S6_VERSION=2.15 ;; *) HS6_S6_VERSION=2.11 ;; esac
fi
export HS6_S6_VERSION

NOBODY=65534                        # a real unprivileged uid and gid, no passwd entry needed
T=$(mktemp -d /tmp/hs6-test.XXXXXX) || exit 111
chmod 0755 "$T"
SVSCANS=""                          # "pid:scandir ..." started by this test

ok() { echo "ok - $*"; }
fail() { echo "FAIL - $*"; }
skip() { echo "skip - $*"; }

# check NAME CMD...: ok when CMD exits 0, else FAIL with its exit code and output.
check() {
  _n=$1; shift
  if _o=$("$@" 2>&1); then ok "$_n"; else fail "$_n: exit $? from $*: $(printf %s "$_o" | tail -3 | tr '\n' ' ')"; fi
}

# check_exit CODE NAME CMD...: ok when CMD exits CODE.
check_exit() {
  _c=$1 _n=$2; shift 2
  _o=$("$@" 2>&1); _r=$?
  if [ "$_r" = "$_c" ]; then ok "$_n"; else fail "$_n: exit $_r, wanted $_c, from $*: $(printf %s "$_o" | tail -3 | tr '\n' ' ')"; fi
}

# check_not NAME CMD...: ok when CMD fails.
check_not() {
  _n=$1; shift
  if _o=$("$@" 2>&1); then fail "$_n: $* succeeded: $_o"; else ok "$_n"; fi
}

is_root() { [ "$(id -u)" = 0 ]; }

# as_nobody CMD...: run CMD as uid/gid 65534 with no supplementary groups.
as_nobody() { s6-applyuidgid -u "$NOBODY" -g "$NOBODY" -G '' "$@"; }
# as_uid UID GID CMD...
as_uid() { _u=$1 _g=$2; shift 2; s6-applyuidgid -u "$_u" -g "$_g" -G '' "$@"; }

# now_cs: the monotonic clock (/proc/uptime, seconds since boot) in
# hundredths of a second, in $_now; no fork.
now_cs() {
  read -r _now _ </proc/uptime
  _now=$((${_now%.*} * 100 + 1${_now#*.} - 100))
}

# wait_until TIMEOUT_MS CMD...: poll CMD until it succeeds, or until
# TIMEOUT_MS have passed on the monotonic clock (then 1). However slow the
# machine, CMD is tried once more after the deadline. The pause between
# tries grows from 10 to 80 ms: a quick event is seen quickly, and a long
# wait does not fork two processes every 10 ms (the suite runs
# several scripts at once on two cores, and is bound by their CPU time).
wait_until() {
  now_cs; _wu_end=$((_now + ($1 + 9) / 10)); shift
  _wu_p=0.01
  while ! "$@" >/dev/null 2>&1; do
    now_cs; [ "$_now" -ge "$_wu_end" ] && { "$@" >/dev/null 2>&1; return; }
    sleep $_wu_p
    case $_wu_p in 0.01) _wu_p=0.02 ;; 0.02) _wu_p=0.04 ;; *) _wu_p=0.08 ;; esac
  done
}

# start_svscan SCANDIR: a real s6-svscan on SCANDIR (created), recorded for cleanup.
start_svscan() {
  mkdir -p "$1"
  s6-svscan -t 0 "$1" </dev/null >>"$T/svscan.log" 2>&1 &
  SVSCANS="$SVSCANS $!:$1"
  wait_until 5000 test -p "$1/.s6-svscan/control" || { echo "FAIL - s6-svscan did not start on $1"; return 1; }
}

# stop_svscans: stop every s6-svscan this test started, by its pid.
stop_svscans() {
  for _e in $SVSCANS; do
    _pid=${_e%%:*} _dir=${_e#*:}
    s6-svscanctl -t "$_dir" 2>/dev/null
    wait_until 5000 not kill -0 "$_pid" ||
      { kill -9 "$_pid"; echo "FAIL - s6-svscan $_pid on $_dir did not stop on -t"; }
    wait "$_pid" 2>/dev/null
  done
  SVSCANS=""
}

cleanup() { stop_svscans; rm -rf "$T"; }
trap cleanup EXIT
trap 'exit 130' INT TERM

# dist_lock, dist_unlock: make dist rewrites $B/dist and the tarball, and
# tests/run runs scripts side by side: a script holds this lock from its
# make dist until it is done with the tarball (fd 9; at the latest, exit).
dist_lock() { exec 9>"${HS6_BIN%/bin}/.dist.lock" && flock 9; }
dist_unlock() { exec 9>&-; }

# svc_up DIR: the service is supervised and up (s6-svstat says so).
svc_up() { [ "$(s6-svstat -o up "$1" 2>/dev/null)" = true ]; }
svc_down() { [ "$(s6-svstat -o up "$1" 2>/dev/null)" = false ]; }
# supervised DIR: an s6-supervise holds DIR/supervise/lock.
supervised() { s6-svok "$1" 2>/dev/null; }

# mode_of PATH: "uid:gid:octal-mode:type" as stat prints it.
mode_of() { stat -c '%u:%g:%a:%F' "$1"; }

# ---- assertions without nested quoting ------------------------------------
# Each helper below is a command for check, check_not and wait_until: it
# exits 0 when its assertion holds, else 1, after saying on stdout what it
# saw (check puts that in the FAIL line). Arguments are passed as they are,
# never through sh -c, so each "$VAR" is quoted once, where it is written.
#
#   check "slot complete" all test -f "$S/a/run" \; absent "$S/.a"
#   check "modes" stat_is %u:%g:%a 0:65534:710 "$S/a/supervise" "$S/a/log/supervise"
#   check "type" content_is longrun "$S/a/type"
#   check "count" output_is 14 grep -c action=failed "$T/out"

# all CMD [\; CMD]...: every CMD succeeds. They run in turn (words split at
# each lone ";"), up to the first that fails. Not nested.
all() {
  while [ $# -gt 0 ]; do
    _all_k=0
    for _all_a; do [ "$_all_a" = ";" ] && break; _all_k=$((_all_k + 1)); done
    [ "$_all_k" -gt 0 ] || { echo "all: an empty command"; return 1; }
    run_first "$_all_k" "$@" || { echo "all: failed: $(run_first "$_all_k" echo "$@")"; return 1; }
    shift "$_all_k"
    [ $# -gt 0 ] && shift
  done
  return 0
}

# run_first K WORD...: runs the first K words as a command, the rest unused.
run_first() {
  _rf_k=$1; shift
  _rf_n=$#
  _rf_i=0
  for _rf_a; do  # the list is expanded once: appending to "$@" is safe
    [ "$_rf_i" -lt "$_rf_k" ] || break
    set -- "$@" "$_rf_a"; _rf_i=$((_rf_i + 1))
  done
  shift "$_rf_n"
  "$@"
}

# absent PATH...: nothing at any PATH, not even a dangling symlink. With a
# glob ("$S"/.gateway-*), also true when it matches nothing.
absent() {
  for _p; do
    if [ -e "$_p" ] || [ -L "$_p" ]; then echo "present: $_p"; return 1; fi
  done
  return 0
}

# empty_dir DIR: DIR is a directory with no entries.
empty_dir() {
  [ -d "$1" ] || { echo "not a directory: $1"; return 1; }
  _ed=$(ls -A "$1") || return 1
  [ -z "$_ed" ] || { echo "$1 holds:" $_ed; return 1; }
}

# output_is EXPECTED CMD...: CMD succeeds and prints EXPECTED (trailing
# newlines aside, as in "$(CMD)").
output_is() {
  _oi_want=$1; shift
  _oi_got=$("$@") || { echo "exit $? from $*"; return 1; }
  [ "$_oi_got" = "$_oi_want" ] || { echo "$* printed '$_oi_got', wanted '$_oi_want'"; return 1; }
}

# content_is EXPECTED FILE: FILE holds EXPECTED (trailing newlines aside).
content_is() { output_is "$1" cat "$2"; }

# lines_is N FILE...: the files hold N lines in all.
lines_is() { _li_n=$1; shift; output_is "$_li_n" count_lines "$@"; }
count_lines() { cat "$@" | wc -l; }

# stat_is FORMAT EXPECTED PATH...: stat -c FORMAT prints EXPECTED for each
# PATH (symlinks not followed).
stat_is() {
  _si_f=$1 _si_w=$2; shift 2
  [ $# -gt 0 ] || { echo "stat_is: no path"; return 1; }
  for _si_p; do output_is "$_si_w" stat -c "$_si_f" "$_si_p" || return 1; done
}

# same_output FILE CMD...: CMD succeeds and prints exactly what FILE holds.
same_output() {
  _so_f=$1; shift
  "$@" >"$T/.same_output" || { echo "exit $? from $*"; return 1; }
  cmp -s "$T/.same_output" "$_so_f" || { echo "$* printed: $(head -c 200 "$T/.same_output" | tr '\n' ' ')"; return 1; }
}

# every_line ERE FILE: FILE can be read and each of its lines matches ERE.
every_line() {
  _el_n=$(grep -cvE -- "$1" "$2")
  [ "$_el_n" = 0 ] || { echo "${_el_n:-?} lines of $2 do not match $1"; return 1; }
}

# not CMD...: CMD fails (for use inside all; on its own, use check_not).
not() { if "$@" >/dev/null 2>&1; then echo "succeeded: $*"; return 1; fi; return 0; }

# prints_line LINE CMD...: one line of CMD's output is exactly LINE (CMD's
# exit code aside, as in CMD | grep -qxF LINE).
prints_line() {
  _pl_l=$1; shift
  _pl_o=$("$@")
  printf '%s\n' "$_pl_o" | grep -qxF -- "$_pl_l" || { echo "$* printed: $(printf %s "$_pl_o" | head -5 | tr '\n' ' ')"; return 1; }
}

# ---- live slots under a real s6-svscan -------------------------------------
# need_root_stub NAME: unless root with a passwd entry for uid $NOBODY,
# "skip - NAME: ..." and the test ends. Else: NOBODY_NAME set, $H given to
# $NOBODY, STUB_DIR=$T/stub (exported, 0777, where the stub gateway
# records) and the stub gateway copied to $T/stub-gateway.
need_root_stub() {
  if ! is_root || ! getent passwd "$NOBODY" >/dev/null; then
    skip "$1: needs root and a passwd entry for uid $NOBODY"; exit 0
  fi
  NOBODY_NAME=$(getent passwd "$NOBODY" | cut -d: -f1)
  chown "$NOBODY:$NOBODY" "$H"
  STUB_DIR="$T/stub"; export STUB_DIR; mkdir -p "$STUB_DIR"; chmod 0777 "$STUB_DIR"
  cp "$HS6_TOP/tests/stub-gateway" "$T/stub-gateway"; chmod 0755 "$T/stub-gateway"
}

# ---- slots under a real s6-svscan: issue 10's invariant ---------------------

# supervisors SVSCAN_PID: "NAME CWD" of every live s6-supervise child of
# that s6-svscan, one a line (zombies aside): NAME its argument, as
# s6-svscan gave it (gateway-a, gateway-a/log), CWD where it runs now (a
# renamed tree's path, or one ending in " (deleted)"). Four forks in all,
# however many supervisors: the machine is busy, and the kill tests call
# it often.
supervisors() {
  _sv_ps=$(ps -o pid=,stat=,args= --ppid "$1")
  set --
  for _sv_i in $(printf '%s\n' "$_sv_ps" | awk '$3 == "s6-supervise" && $2 !~ /^[ZX]/ { print $1 }'); do
    set -- "$@" "/proc/$_sv_i/cwd"
  done
  [ $# -gt 0 ] || return 0
  ls -l "$@" >"$T/.supervisors" 2>/dev/null
  printf '%s\n' "$_sv_ps" | awk '
    NR == FNR { if ($3 == "s6-supervise" && $2 !~ /^[ZX]/) arg[$1] = $4; next }
    { p = $0; sub(/^.* \/proc\//, "", p); sub(/\/cwd -> .*/, "", p)
      d = $0; sub(/^.* -> /, "", d)
      if (p in arg) print arg[p] " " d }' - "$T/.supervisors"
}
# slot_incomplete DIR: why the visible slot DIR is not complete, or nothing.
# Complete: type, run, finish, log/run, supervise/control and event/, the
# same two under log/.
slot_incomplete() {
  for _f in type run finish log/run; do [ -f "$1/$_f" ] || echo "${1##*/}/$_f missing"; done
  for _x in "" /log; do
    [ -p "$1$_x/supervise/control" ] || echo "${1##*/}$_x/supervise/control missing"
    [ -d "$1$_x/event" ] || echo "${1##*/}$_x/event missing"
  done
}
# supervisors_ok SVSCAN_PID SCANDIR: at most one supervisor per name, none
# on a dot-named (hidden) or deleted tree.
supervisors_ok() {
  supervisors "$1" | awk -v h="$2/." '{ if (seen[$1]++ || index($2, h) == 1 || / \(deleted\)$/) bad = 1 } END { exit bad }'
}
# slot_invariant SVSCAN_PID SCANDIR: every gateway-* in SCANDIR complete,
# supervisors_ok; prints what is wrong and exits 1 if anything is.
slot_invariant() {
  _w=
  for _d in "$2"/gateway-*; do [ -e "$_d" ] && _w="$_w$(slot_incomplete "$_d")"; done
  # A supervisor told to exit releases its lock just before it is gone:
  # give the stragglers a moment (5 s on the clock: only a failure waits
  # it out).
  wait_until 5000 supervisors_ok "$1" "$2" || _w="$_w supervisors: $(supervisors "$1" | tr '\n' ',')"
  [ -z "$_w" ] || { echo "$_w"; return 1; }
}
