#!/bin/sh
# hs6-s6-matrix: tests/run runs this on s6 2.11 and on s6-overlay's 2.15
# hermes-slotd live: the service's run script (test copy) supervised by a
# real s6-svscan, HERMES_USER=nobody; uid 65534 registers, drives, lists
# and unregisters its profiles through the socket with hermes-slot; every
# refusal leaves the scandir as it was; the races end with complete slots
# only, one supervisor each.
. "${HS6_TOP:?}/tests/integration/lib.sh"

if ! is_root; then
  skip "slotd: live service: needs root (s6-svscan as root, the server runs as root, uid 65534)"
  exit 0
fi

H=$T/home SCAN=$T/scan STUB_DIR=$T/stub SOCK=$T/run/slotd/socket
export STUB_DIR
mkdir -p "$STUB_DIR" "$T/run" && chown "$NOBODY:$NOBODY" "$STUB_DIR"
cp "$HS6_TOP/tests/stub-gateway" "$T/stub-gateway" && chmod 0755 "$T/stub-gateway"
mk() { mkdir -p "$H/profiles/$1" && echo soul > "$H/profiles/$1/SOUL.md"; }
mkdir -p "$H" && echo soul > "$H/SOUL.md"
for p in alpha beta gamma envp kill same both cap1 cap2; do mk $p; done
i=1; while [ $i -le 20 ]; do mk "c$i"; i=$((i + 1)); done
i=1; while [ $i -le 5 ]; do mk "k$i"; i=$((i + 1)); done
printf '{"desired_state":"running"}\n' > "$H/profiles/gamma/gateway_state.json"
mkdir -p "$H/profiles/nosoul" "$T/elsewhere" && echo soul > "$T/elsewhere/SOUL.md"
ln -s "$T/elsewhere" "$H/profiles/linked"
chown -R "$NOBODY:$NOBODY" "$H"

# The service, as s6-rc would lay it out (run, finish), in the scandir.
mkdir -p "$SCAN"
cp -R "$HS6_ETC/s6-overlay/s6-rc.d/hermes-slotd" "$SCAN/hermes-slotd"
rm -rf "$SCAN/hermes-slotd/type" "$SCAN/hermes-slotd/dependencies.d"
# An empty variable in the service's environment: without the emptyenv
# in run, a client could give it any value.
export HERMES_HOME="$H" S6_PROFILE_GATEWAY_SCANDIR="$SCAN" HERMES_USER=nobody \
  HERMES_GATEWAY_PROG="$T/stub-gateway" HERMES_SLOTD_SOCKET="$SOCK" HERMES_MAX_PROFILES=27 HERMES_EMPTY=
unset GATEWAY_MULTIPLEX_PROFILES
start_svscan "$SCAN" || exit 1
svscan_pid=${SVSCANS# }; svscan_pid=${svscan_pid%%:*}
wait_until 5000 test -S "$SOCK" || { fail "slotd: the socket $SOCK never appeared: $(tail -5 "$T/svscan.log" | tr '\n' ' ')"; exit 1; }

slot() { as_nobody hermes-slot -s "$SOCK" "$@"; }
# complete NAME: the slot has every file and the supervise skeleton, twice.
complete() { [ -z "$(slot_incomplete "$SCAN/gateway-$1")" ]; }  # lib.sh
# supervisors_of NAME: how many s6-supervise run on gateway-NAME (not its
# logger), of this test's s6-svscan (lib.sh's supervisors: four forks
# however many slots, where a ps -e per slot cost a quarter of this
# script's CPU time).
supervisors_of() {
  supervisors "$svscan_pid" | awk -v n="gateway-$1" -v d="$SCAN/gateway-$1" '$1 == n && $2 == d' | wc -l
}
# all_complete: issue 10's invariant (every gateway-* complete, at most one
# supervisor per name, none on a hidden tree: lib.sh's slot_invariant),
# and no staging left.
all_complete() {
  _bad=$(slot_invariant "$svscan_pid" "$SCAN")
  ls -a "$SCAN" | grep -q '^\.slotd-' && _bad="$_bad staging-left:$(ls -a "$SCAN" | grep '^\.slotd-' | tr '\n' ' ')"
  [ -z "$_bad" ] || { echo "$_bad"; return 1; }
}
snap() { ls -a "$SCAN"; }

# --- the normal path
check "slotd: register alpha up as 65534" slot register alpha up
check "slotd: ... supervised at once (the server waited for its lock)" supervised "$SCAN/gateway-alpha"
check "slotd: ... and up" wait_until 5000 svc_up "$SCAN/gateway-alpha"
check "slotd: register beta down" slot register beta down
check "slotd: ... supervised and down" sh -c "s6-svok '$SCAN/gateway-beta' && [ \"\$(s6-svstat -o up,normallyup '$SCAN/gateway-beta')\" = 'false false' ]"
check "slotd: register gamma (no state given): the boot rule, desired_state running: up" slot register gamma
check "slotd: ... up" wait_until 5000 svc_up "$SCAN/gateway-gamma"
check "slotd: register default: HERMES_HOME itself (its slot is absent here)" slot register default down
check "slotd: gateway runs as 65534 with HOME=HERMES_HOME" \
  wait_until 5000 grep -q "^argv=-p alpha gateway run --replace|uid=65534|home=$H|cwd=$H|" "$STUB_DIR/alpha.rec"
check "slotd: supervise/ in the group layout (root:65534 0710)" \
  sh -c "[ \$(stat -c %u:%g:%a '$SCAN/gateway-alpha/supervise') = 0:65534:710 ]"
check "slotd: 65534 stops alpha with s6-svc -d" as_nobody s6-svc -d "$SCAN/gateway-alpha"
check "slotd: ... down" wait_until 5000 svc_down "$SCAN/gateway-alpha"
check "slotd: 65534 starts beta with s6-svc -u" as_nobody s6-svc -u "$SCAN/gateway-beta"
check "slotd: ... up" wait_until 5000 svc_up "$SCAN/gateway-beta"
check "slotd: 65534 reads them with s6-svstat" as_nobody s6-svstat "$SCAN/gateway-alpha"

# The listing against s6-svstat, as the user.
as_nobody hermes-list-slots "$SCAN" > "$T/list" 2>"$T/list.err"
bad=
for p in alpha beta gamma default; do
  line=$(grep "^$p " "$T/list")
  set -- $(as_nobody s6-svstat -o up,pid,wantedup,normallyup "$SCAN/gateway-$p")
  up=down; [ "$1" = true ] && up=up
  pid=-; [ "$2" != -1 ] && pid=$2
  w=want-down; [ "$3" = true ] && w=want-up
  nu=normally-down; [ "$4" = true ] && nu=normally-up
  case $line in "$p $up $pid "*" $w $nu") ;; *) bad="$bad [$line] vs [$*]" ;; esac
done
if [ -z "$bad" ] && [ "$(wc -l < "$T/list")" = 5 ] && [ "$(head -1 "$T/list")" = "PROFILE STATE PID SECONDS WANT NORMALLY" ]; then ok "slotd: hermes-list-slots matches s6-svstat for each slot, under its header"
else fail "slotd: listing vs s6-svstat:$bad; $(cat "$T/list" "$T/list.err" | tr '\n' ' ')"; fi
if command -v python3 >/dev/null 2>&1; then
  check "slotd: hermes-list-slots -j: a JSON array with profile, up, pid" sh -c "
    $(command -v hermes-list-slots) -j '$SCAN' | python3 -c '
import json, sys
a = json.load(sys.stdin)
d = {o[\"profile\"]: o for o in a}
assert sorted(d) == [\"alpha\", \"beta\", \"default\", \"gamma\"], d
assert d[\"beta\"][\"up\"] is True and isinstance(d[\"beta\"][\"pid\"], int)
assert d[\"alpha\"][\"up\"] is False and d[\"alpha\"][\"pid\"] is None
'"
else
  skip "slotd: hermes-list-slots -j parsed: python3 is not installed"
fi

check "slotd: unregister alpha" slot unregister alpha
check_not "slotd: ... gateway-alpha is gone" test -e "$SCAN/gateway-alpha"
check "slotd: ... and no s6-supervise is left for it" sh -c "[ \$(ps -eo pid=,args= | grep 's6-supervise .*gateway-alpha' | while read -r p a; do readlink /proc/\$p/cwd; done | grep -c '^$SCAN/') = 0 ]"
check "slotd: unregister of an absent slot: 0" slot unregister alpha
check_exit 1 "slotd: register of a registered profile: 1, already registered" slot register beta
check "slotd: ... with the server's message passed through" sh -c "as_nobody() { s6-applyuidgid -u $NOBODY -g $NOBODY -G '' \"\$@\"; }; as_nobody hermes-slot -s '$SOCK' register beta 2>&1 | grep -q 'already registered'"

# --- refusals, with nothing changed
snap > "$T/before"
refused() {  # refused CODE NAME CMD...: exits CODE and the scandir is unchanged
  _c=$1 _n=$2; shift 2
  _o=$("$@" 2>&1); _r=$?
  snap > "$T/after"
  if [ "$_r" = "$_c" ] && cmp -s "$T/before" "$T/after"; then ok "$_n"
  else fail "$_n: exit $_r (wanted $_c), scandir $(diff "$T/before" "$T/after" | tr '\n' ' '): $(printf %s "$_o" | tail -2 | tr '\n' ' ')"; fi
}
refused 111 "slotd: refused: uid 65533 (the socket dir is root:GROUP 0750)" \
  as_uid 65533 65533 hermes-slot -s "$SOCK" register alpha
refused 111 "slotd: refused: uid 65533 in the group: s6-ipcserver-access denies it" \
  s6-applyuidgid -u 65533 -g "$NOBODY" -G '' hermes-slot -s "$SOCK" register alpha
check "slotd: ... and logs the denial" grep -q "deny pid [0-9]* uid 65533" "$T/svscan.log"
long=$(printf "%0243d" 0)
refused 100 "slotd: refused: ../x" slot register ../x
refused 100 "slotd: refused: an uppercase name" slot register Alpha
refused 100 "slotd: refused: a 243-byte name" slot register "$long"
refused 100 "slotd: refused: a name with a newline" slot register "alpha
"
refused 100 "slotd: refused: an empty name" slot register ""
refused 100 "slotd: refused: a name like an option (-x)" slot register -x
refused 100 "slotd: refused: an extra argument" slot register alpha up now
refused 100 "slotd: refused: unregister with a state" slot unregister beta down
refused 100 "slotd: refused: a start state other than up/down" slot register alpha sideways
refused 100 "slotd: refused: an unknown verb" slot remove beta
refused 100 "slotd: refused: no verb" as_nobody s6-sudo "$SOCK"
refused 100 "slotd: refused: a profile dir that is a symlink" slot register linked
refused 100 "slotd: refused: a profile dir without SOUL.md" slot register nosoul
refused 100 "slotd: refused: no such profile" slot register nothere
check "slotd: each request logged: client uid, verb, name, result" \
  grep -q "^hermes-slotd: uid=65534 verb=register name=linked args=2 result=100" "$T/svscan.log"

# The client's environment changes nothing (s6-sudo without -e sends it).
as_nobody env HERMES_HOME=/etc PATH=/tmp/evil HERMES_GATEWAY_PROG=/tmp/evil S6_PROFILE_GATEWAY_SCANDIR=/tmp/evil \
  HERMES_USER=root HERMES_EMPTY=/tmp/evil GATEWAY_MULTIPLEX_PROFILES=1 \
  "$(command -v s6-sudo)" "$SOCK" register envp up > "$T/envp.out" 2>&1; rc=$?
if [ "$rc" = 0 ] && complete envp && grep -q "$T/stub-gateway" "$SCAN/gateway-envp/run" && ! grep -rq /tmp/evil "$SCAN/gateway-envp" &&
   ! grep -q /etc "$SCAN/gateway-envp/run" && wait_until 5000 grep -q "uid=65534|home=$H|" "$STUB_DIR/envp.rec"; then
  ok "slotd: client HERMES_HOME=/etc PATH=/tmp/evil HERMES_GATEWAY_PROG=/tmp/evil ...: ignored, the server's own settings used"
else fail "slotd: client environment: exit $rc: $(cat "$T/envp.out" | tr '\n' ' ')"; fi
check_not "slotd: ... /tmp/evil never created" test -e /tmp/evil

# --- races
pids=; i=1; while [ $i -le 20 ]; do (slot register "c$i" down; echo $? > "$T/rc.c$i") & pids="$pids $!"; i=$((i + 1)); done; wait $pids
bad=; i=1; while [ $i -le 20 ]; do [ "$(cat "$T/rc.c$i")" = 0 ] && supervised "$SCAN/gateway-c$i" || bad="$bad c$i"; i=$((i + 1)); done
if [ -z "$bad" ]; then ok "slotd: 20 concurrent registers of distinct names: all registered and supervised"; else fail "slotd: 20 concurrent:$bad"; fi
check "slotd: ... every slot complete, one supervisor each" all_complete

pids=; i=1; while [ $i -le 10 ]; do (slot register same down 2>/dev/null; echo $? > "$T/rs.$i") & pids="$pids $!"; i=$((i + 1)); done; wait $pids
wins=$(cat "$T"/rs.* | grep -cx 0); ones=$(cat "$T"/rs.* | grep -cx 1)
if [ "$wins" = 1 ] && [ "$ones" = 9 ] && [ "$(supervisors_of same)" = 1 ]; then ok "slotd: 10 concurrent registers of one name: exactly one wins, 9 get 1"
else fail "slotd: same name: $wins won, $ones got 1, $(supervisors_of same) supervisors: $(cat "$T"/rs.* | tr '\n' ' ')"; fi

# A register racing an unregister of the same name: either order, never half.
check "slotd: both: registered" slot register both down
(slot unregister both; echo $? > "$T/ru") & p1=$!; (slot register both down 2>/dev/null; echo $? > "$T/rr") & wait $p1 $!
if all_complete >/dev/null && [ "$(cat "$T/ru")" = 0 ] && [ "$(supervisors_of both)" -le 1 ] &&
   { { [ "$(cat "$T/rr")" = 1 ] && ! [ -e "$SCAN/gateway-both" ]; } || { [ "$(cat "$T/rr")" = 0 ] && supervised "$SCAN/gateway-both"; }; }; then
  ok "slotd: register during an unregister of the same name: one order or the other, nothing half-made"
else fail "slotd: register vs unregister: unregister $(cat "$T/ru"), register $(cat "$T/rr"), $(all_complete)"; fi

# The cap: 27 named slots (HERMES_MAX_PROFILES=27).
n=$(ls -d "$SCAN"/gateway-* | grep -vc 'gateway-default$')
check "slotd: register up to the cap ($n named slots now)" sh -c "[ $n -le 26 ]"
check "slotd: cap1 fills the cap" slot register cap1 down
while [ "$(ls -d "$SCAN"/gateway-* | grep -vc 'gateway-default$')" -lt 27 ]; do
  x=$(ls "$H/profiles" | grep '^k' | head -1); [ -n "$x" ] || break
  slot register "$x" down >/dev/null 2>&1; mv "$H/profiles/$x" "$H/profiles/used-$x"
done
snap > "$T/before"
refused 3 "slotd: refused beyond the cap (HERMES_MAX_PROFILES=27): exit 3" slot register cap2
check "slotd: ... unregister makes room again" sh -c "as_nobody() { s6-applyuidgid -u $NOBODY -g $NOBODY -G '' \"\$@\"; }; as_nobody hermes-slot -s '$SOCK' unregister cap1 && as_nobody hermes-slot -s '$SOCK' register cap2 down"
for x in cap2 k1 k2 k3 k4 k5; do slot unregister "$x" >/dev/null 2>&1; done

# A client SIGKILLed mid-request: the server finishes or undoes it.
bad=
for d in 0 0.005 0.02 0.05 0.1; do
  slot unregister kill >/dev/null 2>&1
  slot register kill up >/dev/null 2>&1 & cpid=$!
  sleep $d; kill -9 $cpid 2>/dev/null; wait $cpid 2>/dev/null
  sleep 0.3
  [ -e "$SCAN/gateway-kill" ] && ! complete kill && bad="$bad $d:half"
  r=$(all_complete) || bad="$bad $d:$r"
done
if [ -z "$bad" ]; then ok "slotd: client SIGKILLed mid-request (5 delays): no half slot, no staging left"; else fail "slotd: client killed:$bad"; fi
check "slotd: ... and the service keeps serving" sh -c "as_nobody() { s6-applyuidgid -u $NOBODY -g $NOBODY -G '' \"\$@\"; }; as_nobody hermes-slot -s '$SOCK' unregister kill && as_nobody hermes-slot -s '$SOCK' register kill down"

# The service killed (SIGKILL to s6-ipcserverd) during a request, restarted by s6-supervise.
before=$(ls -d "$SCAN"/gateway-* | wc -l)
slot unregister kill >/dev/null 2>&1
(slot register kill down >/dev/null 2>&1) & p1=$!; sleep 0.02
s6-svc -k "$SCAN/hermes-slotd"; wait $p1
check "slotd: service killed: s6-supervise restarts it and it serves again" \
  wait_until 5000 sh -c "as_nobody() { s6-applyuidgid -u $NOBODY -g $NOBODY -G '' \"\$@\"; }; as_nobody hermes-slot -s '$SOCK' unregister kill"
after=$(ls -d "$SCAN"/gateway-* | wc -l)
r=$(all_complete)
if [ $? = 0 ] && [ "$after" -ge $((before - 1)) ]; then ok "slotd: service killed: no slot lost ($before then $after) or half-made"
else fail "slotd: service killed: $before then $after slots: $r"; fi

# A register during the boot reconcile (02 on the same scandir).
"$HS6_ETC/cont-init.d/02-reconcile-profiles" >"$T/02.out" 2>&1 &
rpid=$!
slot unregister gamma >/dev/null 2>&1; slot register gamma >/dev/null 2>&1
wait $rpid
s6-svscanctl -a "$SCAN"
sleep 1
r=$(all_complete)
if [ $? = 0 ]; then ok "slotd: register during the boot reconcile: every slot complete, one supervisor each"; else fail "slotd: during 02: $r"; fi

# A server killed mid-transaction leaves its staging dir (.slotd-NAME,
# never supervised: a dot name); the next request sweeps it under the lock.
mkdir -p "$SCAN/.slotd-ghost/supervise"
check "slotd: a killed server's staging dir is swept by the next register" sh -c \
  "as_nobody() { s6-applyuidgid -u $NOBODY -g $NOBODY -G '' \"\$@\"; }; as_nobody hermes-slot -s '$SOCK' register kill down; ! [ -e '$SCAN/.slotd-ghost' ]"

# 015-supervise-perms leaves hermes-slotd's control root-only.
mkdir -p "$T/sd/hermes-slotd/supervise" "$T/sd/dashboard/supervise"
mkfifo -m 0600 "$T/sd/hermes-slotd/supervise/control" "$T/sd/dashboard/supervise/control"
chmod 0700 "$T/sd/hermes-slotd/supervise" "$T/sd/dashboard/supervise"
HERMES_S6RC_SERVICEDIRS=$T/sd "$HS6_ETC/cont-init.d/015-supervise-perms" >/dev/null 2>&1
check "slotd: 015 opens the dashboard's control to the group (the contrast)" \
  sh -c "[ \$(stat -c %u:%g:%a '$T/sd/dashboard/supervise/control') = 0:65534:620 ]"
check "slotd: 015 leaves hermes-slotd's supervise root-only" \
  sh -c "[ \$(stat -c %u:%g:%a '$T/sd/hermes-slotd/supervise') = 0:0:700 ] && [ \$(stat -c %u:%g:%a '$T/sd/hermes-slotd/supervise/control') = 0:0:600 ]"

# A client whose stderr is a pipe it filled and never reads: the server's
# message fails instead of hanging root (and the next request is served).
mkfifo -m 0666 "$T/full"
exec 7<>"$T/full"
timeout 2 sh -c "cat /dev/zero > '$T/full'" 2>/dev/null
check_exit 100 "slotd: a client stderr pipe that is full: the refusal still ends (100)" \
  timeout 20 s6-applyuidgid -u "$NOBODY" -g "$NOBODY" -G '' sh -c "exec hermes-slot -s '$SOCK' register nothere >/dev/null 2>'$T/full'"
exec 7<&-
check "slotd: ... and the service serves the next one" slot unregister nothere
