#!/bin/sh
# hs6-s6-matrix
# Issue 16: the slot lifecycle on s6's own terms, under a real s6-svscan,
# judged by what s6-svscan and its supervisors say on stderr. After an
# unregister (hermes-unpublish-slot, hermes-slot-server's unregister) s6-svscan
# says nothing more about the slot (s6 2.15 respawned a supervisor for it
# by name every second, forever); an unregister, then a register of the same
# name (through the server, and through the reconcile rerun), then a rescan,
# leaves exactly one s6-supervise per directory, the slot up, and no
# "another instance" line; publish -f over a slot no s6-supervise runs on
# ends with one supervisor; an unrelated slot's gateway keeps
# its pid through all of it. Run on Debian's s6 and on s6-overlay's (the
# matrix in tests/run).
. "${HS6_TOP:?}/tests/integration/lib.sh"

H=$T/home S=$T/scan
mkdir -p "$H/profiles/c" && echo soul >"$H/SOUL.md" && echo soul >"$H/profiles/c/SOUL.md"
for f in "$H" "$H/profiles/c"; do echo '{"gateway_state":"running"}' >"$f/gateway_state.json"; done
need_root_stub "lifecycle"
chown -R "$NOBODY:$NOBODY" "$H"
start_svscan "$S" || exit 1
svscan_pid=${SVSCANS##* }; svscan_pid=${svscan_pid%%:*}
LOG=$T/svscan.log

# register NAME: rendered, seeded and published with the tools (publish
# tells s6-svscan), then up.
register() {
  hermes-render-slot -E -b /usr/bin -h "$H" -r "$NOBODY_NAME" -x "$T/stub-gateway" -u "$S/.gateway-$1.tmp" "$1" >/dev/null &&
    hermes-seed-supervise -g "$NOBODY" "$S/.gateway-$1.tmp" && hermes-publish-slot "$S/.gateway-$1.tmp" "$S/gateway-$1" &&
    s6-svscanctl -a "$S"
}
server() {
  IPCREMOTEEUID=0 hermes-slot-server -u "$NOBODY" -g "$NOBODY" -r "$NOBODY_NAME" -x "$T/stub-gateway" -b /usr/bin -E \
    -t 10000 -l "$T/slotd.lock" "$H" "$S" "$@"
}
reconcile() {
  hermes-register-slots -u "$NOBODY" -g "$NOBODY" -r "$NOBODY_NAME" -x "$T/stub-gateway" -b /usr/bin -E "$H" "$S" >/dev/null
}
gateway_pid() { s6-svstat -o pid "$S/gateway-$1"; }
# one_each NAME: exactly one s6-supervise runs in gateway-NAME and one in
# its log/, none in a hidden or deleted tree.
one_each() {
  _l=$(supervisors "$svscan_pid")
  _n=$(printf '%s\n' "$_l" | grep -c " $S/gateway-$1\$")
  _m=$(printf '%s\n' "$_l" | grep -c " $S/gateway-$1/log\$")
  [ "$_n" = 1 ] && [ "$_m" = 1 ] && supervisors_ok "$svscan_pid" "$S" ||
    { echo "gateway-$1: $_n + $_m supervisors: $(printf '%s' "$_l" | tr '\n' ',')"; return 1; }
}
# log_from LINE: s6-svscan's stderr after its LINE-th line.
log_from() { tail -n "+$(($1 + 1))" "$LOG"; }
# quiet_about NAME LINE: nothing said about gateway-NAME after LINE.
quiet_about() { if log_from "$2" | grep "gateway-$1"; then return 1; fi; }
no_second_instance() { if log_from "$1" | grep "another instance"; then return 1; fi; }
mark() { wc -l <"$LOG"; }

for n in a b u; do register "$n" || { fail "lifecycle: could not register gateway-$n"; exit 1; }; done
for n in a b u; do wait_until 10000 svc_up "$S/gateway-$n" || { fail "lifecycle: gateway-$n never came up"; exit 1; }; done
u_pid=$(gateway_pid u)

# --- unpublish: nothing more about the slot, 3 s after it returns.
check "unpublish: returns 0" hermes-unpublish-slot -t 5000 "$S/gateway-a"
m=$(mark); sleep 3
check "unpublish: s6-svscan says nothing about the slot in the 3 s after" quiet_about a "$m"
check "unpublish: no supervisor left for it" supervisors_ok "$svscan_pid" "$S"

# --- unregister (the server), then register the same name, then a rescan.
check "server: unregister returns 0" server unregister b
m=$(mark); sleep 3
check "server: s6-svscan says nothing about the slot in the 3 s after the unregister" quiet_about b "$m"
mkdir -p "$H/profiles/b" && echo soul >"$H/profiles/b/SOUL.md" && chown -R "$NOBODY:$NOBODY" "$H/profiles/b"
m=$(mark)
check "server: register the same name again" server register b up
s6-svscanctl -a "$S"
check "server: the slot is up" wait_until 10000 svc_up "$S/gateway-b"
sleep 2.5 # two of s6-svscan's one-second respawn periods: a doubled entry would show
check "server: one s6-supervise for gateway-b and one for its log/" one_each b
check "server: no \"another instance\" line" no_second_instance "$m"

# --- the reconcile rerun: default and c registered, c unregistered, the
# rerun registers it again (default is refused: supervised).
reconcile
check "reconcile: c is up" wait_until 10000 svc_up "$S/gateway-c"
check "reconcile: unregister c" server unregister c
m=$(mark)
reconcile
s6-svscanctl -a "$S"
check "reconcile rerun: c is up again" wait_until 10000 svc_up "$S/gateway-c"
sleep 2.5
check "reconcile rerun: one s6-supervise for gateway-c and one for its log/" one_each c
check "reconcile rerun: the default slot kept its one supervisor" one_each default
check "reconcile rerun: no \"another instance\" line" no_second_instance "$m"
if log_from "$m" | grep -q "unable to chdir"; then fail "reconcile rerun: a supervisor was spawned for a gone tree: $(log_from "$m" | grep 'unable to chdir' | head -2 | tr '\n' ' ')"; else ok "reconcile rerun: no supervisor spawned for a gone tree"; fi

# --- publish -f over a slot that no s6-supervise runs on: one put in
# place by hand, s6-svscan not told (a supervisor stopped with -dx would
# be respawned by name within a second, and publish -f then refuses it, as
# documented).
hermes-render-slot -E -b /usr/bin -h "$H" -r "$NOBODY_NAME" -x "$T/stub-gateway" -u "$S/.gateway-d.old" d >/dev/null &&
  hermes-seed-supervise -g "$NOBODY" "$S/.gateway-d.old" && mv "$S/.gateway-d.old" "$S/gateway-d"
hermes-render-slot -E -b /usr/bin -h "$H" -r "$NOBODY_NAME" -x "$T/stub-gateway" -u "$S/.gateway-d.new" d >/dev/null &&
  hermes-seed-supervise -g "$NOBODY" "$S/.gateway-d.new"
m=$(mark)
check "publish -f over the unsupervised slot" hermes-publish-slot -f "$S/.gateway-d.new" "$S/gateway-d"
check "publish -f: the new slot is up" wait_until 10000 svc_up "$S/gateway-d"
sleep 2.5
check "publish -f: one s6-supervise for gateway-d and one for its log/" one_each d
check "publish -f: no \"another instance\" line" no_second_instance "$m"

# --- issue 17: an unregister of a name that has no slot makes nothing:
# 300 of them leave the scandir (and its lock dir) as they were.
before=$(ls -A "$S" "$S/.hermes-s6-locks" | wc -l)
i=0 bad=0
while [ $i -lt 300 ]; do server unregister "never$i" || bad=$((bad + 1)); i=$((i + 1)); done
check "300 unregisters of never-registered names: all exit 0" test "$bad" = 0
check "300 unregisters of never-registered names: the scandir's entry count unchanged" \
  test "$(ls -A "$S" "$S/.hermes-s6-locks" | wc -l)" = "$before"

# --- issue 17: register NAME up racing unregister NAME ends with the
# documented codes only (0, or 1: unregistered before it came up), and the
# slot either complete and supervised or gone.
mkdir -p "$H/profiles/r" && echo soul >"$H/profiles/r/SOUL.md" && chown -R "$NOBODY:$NOBODY" "$H/profiles/r"
codes= i=0
while [ $i -lt 8 ]; do
  server register r up >"$T/reg.out" 2>&1 & rp=$!
  server unregister r >"$T/unreg.out" 2>&1; ur=$?
  wait "$rp"; rr=$?
  codes="$codes $rr/$ur"
  case $rr in 0|1) ;; *) fail "race $i: register exited $rr: $(cat "$T/reg.out")" ;; esac
  server unregister r >/dev/null 2>&1
  i=$((i + 1))
done
codes_ok() { for _c in $codes; do case $_c in 0/0|1/0) ;; *) echo "$_c"; return 1 ;; esac; done; }
check "register/unregister races: codes 0 or 1 only ($codes)" codes_ok
check "register/unregister races: the slot is consistent (absent, no supervisor left)" \
  all absent "$S/gateway-r" "$S/.gateway-r" \; supervisors_ok "$svscan_pid" "$S"

# --- through it all, the unrelated slot's gateway kept its pid.
check "the unrelated slot's gateway kept its pid" test "$(gateway_pid u)" = "$u_pid"
check "the unrelated slot has one supervisor each" one_each u
for n in b c d u default; do hermes-unpublish-slot -t 5000 "$S/gateway-$n" >/dev/null 2>&1; done
m=$(mark); sleep 1.5
check "after every unregister, s6-svscan is quiet" test -z "$(log_from "$m" | grep gateway-)"
check "no lock files left behind the slots" test -z "$(ls -A "$S/.hermes-s6-locks")"
