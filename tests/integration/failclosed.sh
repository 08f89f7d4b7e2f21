#!/bin/sh
# hs6-s6-matrix: tests/run runs this on s6 2.11 and on s6-overlay's 2.15
# The root tests of the rendered slot scripts (run, log/run) and of the
# dashboard's run fail closed: when the test cannot tell (id or eltest
# missing or failing, backtick unable to fork at a pids cgroup limit), the
# script drops to the user or fails; it never runs the command as root.
# The scripts run as root under Debian's real execlineb with a PATH built
# here (execlineb in /usr/bin would put /usr/lib/execline/bin first), so
# that id and eltest can be removed or replaced by stubs.
. "${HS6_TOP:?}/tests/integration/lib.sh"

if ! is_root || ! getent passwd "$NOBODY" >/dev/null; then
  skip "fail-closed root tests: need root and a passwd entry for uid $NOBODY (s6-setuidgid)"
  exit 0
fi
user=$(getent passwd "$NOBODY" | cut -d: -f1)
EXECLINEB=/usr/lib/execline/bin/execlineb

# $T/base: every command of the usual PATH dirs and of this tree's bin,
# except id and eltest. Each scenario dir goes before it in PATH.
# One ln per directory, not one per command (a thousand forks).
mkdir -p "$T/base"
for d in /usr/lib/execline/bin "$HS6_BIN" /usr/local/bin /usr/bin /usr/sbin; do
  set --
  for f in "$d"/*; do
    b=${f##*/}
    case $b in id|eltest) continue ;; esac
    [ -e "$T/base/$b" ] || [ -L "$T/base/$b" ] || set -- "$@" "$f"
  done
  [ $# = 0 ] || ln -s "$@" "$T/base/"
done
mkdir -p "$T/good" "$T/no-id" "$T/id-fails" "$T/no-eltest" "$T/eltest-fails"
ln -s "$(command -v id)" "$T/good/id"
ln -s /usr/lib/execline/bin/eltest "$T/good/eltest"
ln -s /usr/lib/execline/bin/eltest "$T/no-id/eltest"
ln -s /usr/lib/execline/bin/eltest "$T/id-fails/eltest"
printf '#!/bin/sh\nexit 111\n' >"$T/id-fails/id"
ln -s "$(command -v id)" "$T/no-eltest/id"
ln -s "$(command -v id)" "$T/eltest-fails/id"
printf '#!/bin/sh\nexit 111\n' >"$T/eltest-fails/eltest"
chmod 0755 "$T/id-fails/id" "$T/eltest-fails/eltest"
FAULTS="no-id id-fails no-eltest eltest-fails"

# The program stand-in: appends "real-uid effective-uid" to $REC, read from
# /proc (id may be missing), then exits 0.
cat >"$T/prog" <<'EOS'
#!/bin/sh
awk '/^Uid:/ { print $2, $3 }' /proc/self/status >>"$REC"
EOS
chmod 0755 "$T/prog"
mkdir -p "$T/rec"; chmod 0777 "$T/rec"

# A slot for user nobody whose gateway is the stand-in.
S=$T/scan; mkdir -p "$S"
hermes-render-slot -E -b /usr/bin -r "$user" -x "$T/prog" -h "$T/home" "$S/.gateway-p.tmp" p ||
  { fail "render a slot"; exit 0; }
slot=$S/.gateway-p.tmp
mkdir -p "$T/home"; chown "$NOBODY:$NOBODY" "$T/home"

# ran_as_user REC: REC exists and every line in it is "65534 65534".
ran_as_user() { [ -s "$1" ] && [ "$(sort -u "$1")" = "$NOBODY $NOBODY" ]; }
# never_root REC: no line of REC shows uid 0 (an absent REC: never ran).
never_root() { ! grep -qw 0 "$1" 2>/dev/null; }

# run_in PATHDIR REC CMD...: CMD with PATH=PATHDIR:$T/base, its record in REC.
run_in() { _p=$1 _r=$2; shift 2; env PATH="$T/$_p:$T/base" REC="$_r" "$@" </dev/null >/dev/null 2>&1; }

# ---- run ---------------------------------------------------------------
run_in good "$T/rec/run-good" "$EXECLINEB" -P "$slot/run"
check "run as root, id and eltest working: the gateway runs as $NOBODY (control)" ran_as_user "$T/rec/run-good"
run_in good "$T/rec/run-user" s6-applyuidgid -u "$NOBODY" -g "$NOBODY" -G '' "$EXECLINEB" -P "$slot/run"
check "run as $NOBODY, id and eltest working: runs directly (control)" ran_as_user "$T/rec/run-user"
for f in $FAULTS; do
  run_in "$f" "$T/rec/run-$f" "$EXECLINEB" -P "$slot/run"
  check "run as root, $f: the gateway never runs as root" never_root "$T/rec/run-$f"
  check "run as root, $f: the gateway runs as $NOBODY" ran_as_user "$T/rec/run-$f"
done
run_in id-fails "$T/rec/run-user-id-fails" s6-applyuidgid -u "$NOBODY" -g "$NOBODY" -G '' "$EXECLINEB" -P "$slot/run"
check_not "run as $NOBODY, id failing: no guess, the gateway does not start" test -e "$T/rec/run-user-id-fails"

# ---- log/run -----------------------------------------------------------
# The user planted HOME/logs/gateways/p as a symlink to a root-only dir
# holding a lock: root would follow it (mkdir -p, rm -f lock, s6-log).
mkdir -p "$T/victim" "$T/home/logs/gateways"
chown -R "$NOBODY:$NOBODY" "$T/home/logs"
ln -s "$T/victim" "$T/home/logs/gateways/p"
chown -h "$NOBODY:$NOBODY" "$T/home/logs/gateways/p"
untouched() { [ -f "$T/victim/lock" ] && [ ! -e "$T/victim/current" ] && [ "$(ls -A "$T/victim")" = lock ]; }
log_in() { echo "line $1" | env PATH="$T/$1:$T/base" HERMES_HOME="$T/home" "$EXECLINEB" -P "$slot/log/run" >/dev/null 2>&1; }
for f in good $FAULTS; do
  : >"$T/victim/lock"
  log_in "$f"
  check "log/run as root, $f: the symlinked log dir is not written through (no current, lock kept)" untouched
done
rm -f "$T/home/logs/gateways/p"
for f in good $FAULTS; do
  rm -rf "$T/home/logs/gateways/p"
  log_in "$f"
  check "log/run as root, $f: the log dir and current are $NOBODY's" \
    sh -c "[ \"\$(stat -c %u '$T/home/logs/gateways/p' '$T/home/logs/gateways/p/current' 2>&1 | sort -u)\" = $NOBODY ] && grep -q 'line $f' '$T/home/logs/gateways/p/current'"
done

# ---- dashboard/run -----------------------------------------------------
D=$HS6_ETC/s6-overlay/s6-rc.d/dashboard
dash_in() {
  env PATH="$T/$1:$T/base" REC="$T/rec/dash-$1" HERMES_DASHBOARD=1 HERMES_USER="$user" HERMES_HOME="$T/home" \
    HERMES_DASHBOARD_CMD="$T/prog" "$EXECLINEB" -P "$D/run" </dev/null >/dev/null 2>&1
}
dash_in good
check "dashboard/run as root, id and eltest working: runs as $NOBODY (control)" ran_as_user "$T/rec/dash-good"
env PATH="$T/good:$T/base" REC="$T/rec/dash-user" HERMES_DASHBOARD=1 HERMES_USER=root HERMES_HOME="$T/home" \
  HERMES_DASHBOARD_CMD="$T/prog" s6-applyuidgid -u "$NOBODY" -g "$NOBODY" -G '' "$EXECLINEB" -P "$D/run" </dev/null >/dev/null 2>&1
check "dashboard/run as $NOBODY, id and eltest working: runs directly (control)" ran_as_user "$T/rec/dash-user"
for f in $FAULTS; do
  dash_in "$f"
  check "dashboard/run as root, $f: the dashboard never runs as root" never_root "$T/rec/dash-$f"
  check "dashboard/run as root, $f: the dashboard runs as $NOBODY" ran_as_user "$T/rec/dash-$f"
done

# ---- a real fork failure: a pids cgroup that allows 2 processes --------
# The script itself is one; ifelse's child is the second, so backtick
# cannot fork id (EAGAIN), as at a container's pids limit.
CGP=/sys/fs/cgroup/pids
CG=$CGP/hs6-failclosed.$$
if [ -f "$CGP/cgroup.procs" ] && mkdir "$CG" 2>/dev/null; then
  trap 'rmdir "$CG" 2>/dev/null; cleanup' EXIT
  in_cg() {  # in_cg REC CMD...: CMD in the limited cgroup, PATH as usual
    _r=$1; shift
    env PATH="$T/good:$T/base" REC="$_r" HERMES_HOME="$T/home" sh -c 'echo $$ >"$0/cgroup.procs" && exec "$@"' "$CG" "$@"
  }
  if echo 2 >"$CG/pids.max"; then
    in_cg "$T/rec/cg-run" "$EXECLINEB" -P "$slot/run" </dev/null >/dev/null 2>&1
    check "pids limit 2, run as root: the gateway never runs as root" never_root "$T/rec/cg-run"
    check "pids limit 2, run as root: the gateway runs as $NOBODY" ran_as_user "$T/rec/cg-run"
    rm -rf "$T/home/logs/gateways/p"; ln -s "$T/victim" "$T/home/logs/gateways/p"; : >"$T/victim/lock"
    echo cg | in_cg /dev/null "$EXECLINEB" -P "$slot/log/run" >/dev/null 2>&1
    check "pids limit 2, log/run as root: the symlinked log dir is not written through" untouched
    in_cg "$T/rec/cg-dash" env HERMES_DASHBOARD=yes HERMES_USER="$user" HERMES_DASHBOARD_CMD="$T/prog" \
      "$EXECLINEB" -P "$D/run" </dev/null >/dev/null 2>&1
    check "pids limit 2, dashboard/run as root: the dashboard never runs as root" never_root "$T/rec/cg-dash"
    check "pids limit 2, dashboard/run as root: the dashboard runs as $NOBODY" ran_as_user "$T/rec/cg-dash"
  else
    skip "pids limit: cannot write $CG/pids.max"
  fi
  rmdir "$CG" || fail "pids limit: cannot remove $CG"
else
  skip "pids limit: no writable pids cgroup v1 hierarchy at $CGP"
fi
