#!/bin/sh
# hs6-s6-matrix: tests/run runs this on s6 2.11 and on s6-overlay's 2.15
# hermes-dashboard-finish, then the dashboard service (the rendered
# s6-overlay/s6-rc.d/dashboard scripts) under a real s6-svscan: disabled it reports
# down and is never restarted; enabled and crashing it is restarted; exit
# 78 keeps it down even when enabled.
. "${HS6_TOP:?}/tests/integration/lib.sh"

F=hermes-dashboard-finish
for v in 1 true TRUE True yes YES Yes; do
  check_exit 0 "dashboard-finish: HERMES_DASHBOARD=$v restarts" env HERMES_DASHBOARD=$v $F 1 -1 dashboard 42
done
for v in on tRuE 0 false no ' 1' '1 ' yes.; do
  check_exit 125 "dashboard-finish: HERMES_DASHBOARD='$v' keeps it down" env HERMES_DASHBOARD="$v" $F 0
done
check_exit 125 "dashboard-finish: empty HERMES_DASHBOARD keeps it down" env HERMES_DASHBOARD= $F 0
check_exit 125 "dashboard-finish: unset HERMES_DASHBOARD keeps it down" env -u HERMES_DASHBOARD $F 0
check_exit 125 "dashboard-finish: exit code 78 beats a truthy value" env HERMES_DASHBOARD=1 $F 78 -1 dashboard 42
check_exit 0 "dashboard-finish: killed by a signal (256) and enabled restarts" env HERMES_DASHBOARD=yes $F 256 15
check_exit 0 "dashboard-finish: -v reads another variable" env -u HERMES_DASHBOARD OTHER=True $F -v OTHER 0
check_exit 125 "dashboard-finish: -v ignores HERMES_DASHBOARD" env -u OTHER HERMES_DASHBOARD=1 $F -v OTHER 0
check_exit 100 "dashboard-finish: no exitcode is a usage error" $F
check_exit 100 "dashboard-finish: -v without a name is a usage error" $F -v

D=$HS6_ETC/s6-overlay/s6-rc.d/dashboard
check "dashboard: the test copy has no with-contenv and runs Debian's execlineb" \
  sh -c "head -1 '$D/run' | grep -qx '#!/usr/bin/execlineb -P' && ! grep -Eq 'with-contenv|@[A-Z]+@' '$D/run' '$D/finish'"
check "dashboard: type is longrun" sh -c "[ \"\$(cat '$D/type')\" = longrun ]"

# run itself, out of a supervisor: exactly the 7 spellings start the
# command, as in hermes-dashboard-finish; a newline anywhere is no match
# (a regex compiled with REG_NEWLINE would match "yes\n" and "x\nyes").
# As root it drops to nobody, so the record dir is open to everyone.
mkdir -p "$T/spell/home" "$T/spell/rec"; chmod 0777 "$T/spell/rec"
printf '#!/bin/sh\necho ran >>"$STUB_LOG"\n' >"$T/spell/stub"; chmod 0755 "$T/spell/stub"
spell_run() {  # spell_run VALUE: run with HERMES_DASHBOARD=VALUE, the command's record in $T/spell/rec/log
  rm -f "$T/spell/rec/log"
  env HERMES_DASHBOARD="$1" HERMES_USER=nobody HERMES_HOME="$T/spell/home" HERMES_DASHBOARD_CMD="$T/spell/stub" \
    STUB_LOG="$T/spell/rec/log" "$D/run" </dev/null >/dev/null 2>&1
}
dash_off() {  # dash_off SHOWN VALUE
  spell_run "$2"; _r=$?
  if [ "$_r" = 0 ] && [ ! -e "$T/spell/rec/log" ]; then ok "dashboard/run: HERMES_DASHBOARD='$1': exits 0, command not run"
  else fail "dashboard/run: HERMES_DASHBOARD='$1': exit $_r, command record: $(cat "$T/spell/rec/log" 2>&1 | tr '\n' ' ')"; fi
}
dash_on() {  # dash_on VALUE
  spell_run "$1"; _r=$?
  if [ "$_r" = 0 ] && [ "$(cat "$T/spell/rec/log" 2>/dev/null)" = ran ]; then ok "dashboard/run: HERMES_DASHBOARD=$1: runs the command"
  else fail "dashboard/run: HERMES_DASHBOARD=$1: exit $_r, command record: $(cat "$T/spell/rec/log" 2>&1 | tr '\n' ' ')"; fi
}
both_off() {  # both_off SHOWN VALUE: run stays off, and finish agrees (125)
  dash_off "$1" "$2"
  check_exit 125 "dashboard-finish: HERMES_DASHBOARD='$1' keeps it down too" env HERMES_DASHBOARD="$2" $F 0
}
nl='
'
for v in 1 true TRUE True yes YES Yes; do dash_on "$v"; done
both_off 'x<NL>yes' "x${nl}yes"
both_off 'yes<NL>' "yes${nl}"
both_off '<NL>yes' "${nl}yes"
both_off 'yes<NL>x' "yes${nl}x"
both_off '1<NL>' "1${nl}"
both_off 'true<NL><NL>' "true${nl}${nl}"
for v in on tRuE 0 false no ' 1' '1 ' yes. '' '*' 'y*' '?' '[1]' 'yes|no' '1|true'; do dash_off "$v" "$v"; done

# The command: "hermes dashboard --host H --port P --no-open", H and P
# from HERMES_DASHBOARD_HOST/PORT, unset or empty meaning loopback and 9119
# (as upstream: a dashboard on every interface is not a default); a
# non-empty HERMES_DASHBOARD_CMD replaces the whole command.
mkdir -p "$T/spell/bin"
printf '#!/bin/sh\necho "hermes $*" >>"$STUB_LOG"\n' >"$T/spell/bin/hermes"; chmod 0755 "$T/spell/bin/hermes"
cmd_run() {  # cmd_run WANT NAME VAR=VALUE...: the command recorded is WANT
  _w=$1 _n=$2; shift 2
  rm -f "$T/spell/rec/log"
  env -u HERMES_DASHBOARD_CMD -u HERMES_DASHBOARD_HOST -u HERMES_DASHBOARD_PORT PATH="$T/spell/bin:$PATH" \
    HERMES_DASHBOARD=1 HERMES_USER=nobody HERMES_HOME="$T/spell/home" STUB_LOG="$T/spell/rec/log" "$@" \
    "$D/run" </dev/null >/dev/null 2>&1; _r=$?
  _g=$(cat "$T/spell/rec/log" 2>&1)
  if [ "$_r" = 0 ] && [ "$_g" = "$_w" ]; then ok "dashboard/run: $_n"
  else fail "dashboard/run: $_n: exit $_r, ran '$_g', wanted '$_w'"; fi
}
cmd_run "hermes dashboard --host 127.0.0.1 --port 9119 --no-open" "default command binds loopback, port 9119, --no-open"
cmd_run "hermes dashboard --host 127.0.0.1 --port 9119 --no-open" "empty HOST, PORT and CMD mean the defaults" \
  HERMES_DASHBOARD_HOST= HERMES_DASHBOARD_PORT= HERMES_DASHBOARD_CMD=
cmd_run "hermes dashboard --host 0.0.0.0 --port 8080 --no-open" "HERMES_DASHBOARD_HOST and _PORT are passed" \
  HERMES_DASHBOARD_HOST=0.0.0.0 HERMES_DASHBOARD_PORT=8080
cmd_run "hermes dashboard --host ::1 --port 9119 --no-open" "an IPv6 host, the default port" HERMES_DASHBOARD_HOST=::1
cmd_run "ran" "HERMES_DASHBOARD_CMD replaces the whole command (host and port unused)" \
  HERMES_DASHBOARD_CMD="$T/spell/stub" HERMES_DASHBOARD_HOST=0.0.0.0 HERMES_DASHBOARD_PORT=1
cmd_run "hermes x y" "HERMES_DASHBOARD_CMD is split on spaces and tabs" HERMES_DASHBOARD_CMD="hermes  x	y"

# The cd into HERMES_HOME comes after the root test and the drop: with . in
# PATH, root never runs an id, eltest or s6-setuidgid planted there.
if is_root; then
  for c in id eltest s6-setuidgid; do
    printf '#!/bin/sh\necho "$0" >>"%s/hijacked"\nexit 1\n' "$T" >"$T/spell/home/$c"; chmod 0755 "$T/spell/home/$c"
  done
  rm -f "$T/spell/rec/log"
  (cd "$T" && PATH=.:$PATH HERMES_DASHBOARD=1 HERMES_USER=nobody HERMES_HOME="$T/spell/home" \
    HERMES_DASHBOARD_CMD="$T/spell/stub" STUB_LOG="$T/spell/rec/log" "$D/run" </dev/null >/dev/null 2>&1)
  if [ "$(cat "$T/spell/rec/log" 2>/dev/null)" = ran ] && [ ! -e "$T/hijacked" ]; then
    ok "dashboard/run as root, PATH with .: nothing from HERMES_HOME runs as root, the command runs"
  else
    fail "dashboard/run as root, PATH with .: ran from HERMES_HOME: $(cat "$T/hijacked" 2>&1 | tr '\n' ' '), command record: $(cat "$T/spell/rec/log" 2>&1)"
  fi
  rm -f "$T/spell/home/id" "$T/spell/home/eltest" "$T/spell/home/s6-setuidgid" "$T/hijacked"
else
  skip "dashboard/run as root with . in PATH: needs root"
fi

if ! is_root; then
  skip "dashboard: live under s6-svscan: needs root (it drops to nobody)"
  exit 0
fi

# The dashboard stand-in: records who ran it and where, exits STUB_EXIT.
mkdir -p "$T/home" "$T/runs"
chmod 0777 "$T/runs"
cat > "$T/stub" <<'EOS'
#!/bin/sh
echo "$(id -u) $(pwd) $HOME" >> "$STUB_LOG"
exit "${STUB_EXIT:-1}"
EOS
chmod 0755 "$T/stub"

# live NAME HERMES_DASHBOARD STUB_EXIT: a scandir with the dashboard in it,
# under an s6-svscan whose environment is the container's.
live() {
  mkdir -p "$T/$1/dashboard"
  cp "$D/type" "$D/run" "$D/finish" "$T/$1/dashboard/"
  export HERMES_USER=nobody HERMES_HOME="$T/home" HERMES_DASHBOARD_CMD="$T/stub" STUB_LOG="$T/runs/$1" STUB_EXIT="$3"
  if [ -n "$2" ]; then export HERMES_DASHBOARD="$2"; else unset HERMES_DASHBOARD; fi
  start_svscan "$T/$1"
  unset HERMES_USER HERMES_HOME HERMES_DASHBOARD_CMD STUB_LOG STUB_EXIT HERMES_DASHBOARD
}
lines() { [ -f "$1" ] && [ "$(wc -l < "$1")" -ge "$2" ]; }
stays_down() { [ "$(s6-svstat -o up,wantedup "$1" 2>/dev/null)" = "false false" ]; }

live off "" 1
live crash yes 1
live config 1 78

# Disabled: run exits 0, finish 125: down, not wanted up, never restarted.
wait_until 5000 stays_down "$T/off/dashboard"
check "dashboard: disabled: s6-svstat reports it down and not wanted up" stays_down "$T/off/dashboard"
since=$(s6-svstat -o updownsince "$T/off/dashboard")
# Crashing and enabled: restarted (s6-supervise waits 1 s between quick deaths).
wait_until 6000 lines "$T/runs/crash" 2
check "dashboard: enabled and crashing: restarted" lines "$T/runs/crash" 2
check "dashboard: runs the command as HERMES_USER, in HERMES_HOME, with HOME set" \
  sh -c "[ \"\$(sort -u '$T/runs/crash')\" = '65534 $T/home $T/home' ]"
# Enabled but exit 78: down for good after one run.
wait_until 5000 stays_down "$T/config/dashboard"
# Long enough for a wanted-up dashboard to have been restarted: the
# crashing one is restarted twice more (s6-supervise waits 1 s between
# quick deaths). An event, not a sleep; the deadline only ends a hang.
_k=$(wc -l < "$T/runs/crash")
check "dashboard: enabled and crashing: restarted twice more meanwhile" wait_until 20000 lines "$T/runs/crash" $((_k + 2))
check "dashboard: disabled: not restarted (still down, same down-since)" \
  sh -c "[ \"\$(s6-svstat -o up,wantedup,updownsince '$T/off/dashboard')\" = 'false false $since' ]"
check_not "dashboard: disabled: the dashboard command never ran" test -e "$T/runs/off"
check "dashboard: enabled, exit 78: down and not wanted up" stays_down "$T/config/dashboard"
check "dashboard: enabled, exit 78: ran exactly once" sh -c "[ \$(wc -l < '$T/runs/config') = 1 ]"
check "dashboard: enabled and crashing: still wanted up" \
  sh -c "[ \"\$(s6-svstat -o wantedup '$T/crash/dashboard')\" = true ]"
