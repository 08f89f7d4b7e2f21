#!/bin/sh
# End to end in s6-overlay's USER mode (Docker's "USER hermes"): the whole
# container, /init included, runs as the application user 10000:10000. One
# boot with the dashboard on: it does not hang, nothing writes /etc, 015
# says it has nothing to open, the dashboard runs (as the user, on
# loopback) under the user's control; 02 registers every slot without
# seeding (the user's own s6-supervise makes supervise/), the gateways run
# directly as the user, with their start states and the boot log.
. "${HS6_TOP:?}/tests/integration/overlay-lib"
ov_need "overlay user mode"
ov_image
ov_layer
V=$T/vol
ov_volume "$V"

# Can this tree's hermes-register-slots register slots when it is not
# root? (It must not seed or chown then: issue 12, the LIB side.) Probed
# out of the container, as uid 65534 on its own dirs.
mkdir -p "$T/probe/home" "$T/probe/scan"; chown -R "$NOBODY:$NOBODY" "$T/probe"
as_nobody hermes-register-slots -u "$NOBODY" -g "$NOBODY" -E -b /usr/bin "$T/probe/home" "$T/probe/scan" >"$T/probe.out" 2>&1
registers=no unseeded=no
[ -d "$T/probe/scan/gateway-default" ] && registers=yes
[ "$registers" = yes ] && [ ! -e "$T/probe/scan/gateway-default/supervise" ] && unseeded=yes

O=$T/boot
ov_booted "overlay user mode" "the container boots as $OV_UID and runs CMD (no hang)" "$O" \
  --mode user --uid "$OV_UID:$OV_UID" --bind "$V:/opt/data:rw" -e HERMES_DASHBOARD=1 \
  -- /hs6-test/check -d on -c dashboard -c gateway-alpha
check "overlay user mode: CMD runs as the user" ov_has "$O" "id=$OV_UID:$OV_UID"
check "overlay user mode: nothing written to /etc" sh -c "[ -f '$O/etc-upper' ] && [ ! -s '$O/etc-upper' ]"
check "overlay user mode: no s6-overlay deprecation warning" sh -c "! grep -q deprecated '$O/console.log'"
check "overlay user mode: 015 says it has nothing to open" grep -q '015-supervise-perms: not root: .* nothing to open' "$O/console.log"
check "overlay user mode: the dashboard is up" ov_has "$O" "dashboard=true true "
check "overlay user mode: the dashboard runs as the user in the volume, on loopback:9119, --no-open" \
  sh -c "head -1 '$O/results/dashboard.rec' | grep -qx 'uid=$OV_UID cwd=/opt/data home=/opt/data argv=dashboard --host 127.0.0.1 --port 9119 --no-open'"
check "overlay user mode: the user takes the dashboard down and up" ov_has "$O" "ctl:dashboard=down,up"

if [ -d "$T/image/etc/s6-overlay/s6-rc.d/hermes-slotd" ]; then
  check "overlay user mode: hermes-slotd has nothing to serve, says so, stays down" \
    grep -q 'hermes-slotd: not running as root' "$O/console.log"
fi

if [ "$registers" = no ]; then
  skip "overlay user mode: the profile slots: this tree's hermes-register-slots cannot register a slot when not root (it seeds; the LIB change of issue 12): $(tail -1 "$T/probe.out")"
  exit 0
fi
slots=$(ov_gateway_slots "$O")
check "overlay user mode: 02 registers default alpha beta gamma" \
  test "$slots" = "gateway-alpha gateway-beta gateway-default gateway-gamma "
check "overlay user mode: default and alpha (running) are up" sh -c "grep -qx 'slot:default=true true ' '$O/results/check.txt' && grep -qx 'slot:alpha=true true ' '$O/results/check.txt'"
check "overlay user mode: beta and gamma are registered down" sh -c "grep -qx 'slot:beta=false false ' '$O/results/check.txt' && grep -qx 'slot:gamma=false false ' '$O/results/check.txt'"
check "overlay user mode: the user takes alpha down and up" ov_has "$O" "ctl:gateway-alpha=down,up"
check "overlay user mode: the gateways run directly as the user" \
  sh -c "grep -q '^argv=gateway run --replace|uid=$OV_UID|home=/opt/data|cwd=/opt/data|' '$O/results/default.rec'"
check "overlay user mode: the boot log has the profiles' lines" \
  sh -c "grep -q 'profile=default prior_state=running action=started' '$V/logs/container-boot.log' && grep -q 'profile=beta prior_state=stopped action=registered' '$V/logs/container-boot.log'"
check "overlay user mode: stale gateway.pid and processes.json swept" \
  sh -c "! ls '$V/gateway.pid' '$V/profiles/alpha/processes.json' 2>/dev/null | grep -q ."
if [ "$unseeded" = no ]; then
  skip "overlay user mode: slots not seeded: this tree's hermes-register-slots still seeds supervise/ when not root (the LIB change of issue 12)"
else
  check "overlay user mode: the slots' supervise/ are the user's s6-supervise's own (0700), not seeded" \
    sh -c "[ \"\$(grep '^supervise:' '$O/results/check.txt' | cut -d= -f2 | sort -u)\" = '$OV_UID:$OV_UID:700' ]"
fi
