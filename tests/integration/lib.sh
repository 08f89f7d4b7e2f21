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

# wait_until TIMEOUT_MS CMD...: poll CMD every 10 ms until it succeeds.
wait_until() {
  _ms=$1; shift
  while ! "$@" >/dev/null 2>&1; do
    [ "$_ms" -le 0 ] && return 1
    sleep 0.01; _ms=$((_ms - 10))
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
    _i=0
    while kill -0 "$_pid" 2>/dev/null && [ "$_i" -lt 500 ]; do sleep 0.01; _i=$((_i + 1)); done
    kill -0 "$_pid" 2>/dev/null && { kill -9 "$_pid"; echo "FAIL - s6-svscan $_pid on $_dir did not stop on -t"; }
    wait "$_pid" 2>/dev/null
  done
  SVSCANS=""
}

cleanup() { stop_svscans; rm -rf "$T"; }
trap cleanup EXIT
trap 'exit 130' INT TERM

# svc_up DIR: the service is supervised and up (s6-svstat says so).
svc_up() { [ "$(s6-svstat -o up "$1" 2>/dev/null)" = true ]; }
svc_down() { [ "$(s6-svstat -o up "$1" 2>/dev/null)" = false ]; }
# supervised DIR: an s6-supervise holds DIR/supervise/lock.
supervised() { s6-svok "$1" 2>/dev/null; }

# mode_of PATH: "uid:gid:octal-mode:type" as stat prints it.
mode_of() { stat -c '%u:%g:%a:%F' "$1"; }
