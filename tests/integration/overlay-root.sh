#!/bin/sh
# End to end, as root (the default of an image): a real s6-overlay v3
# booted as PID 1 with make dist's tarball as a layer, the volume at
# /opt/data, the user hermes. Two boots on the same volume: the first with
# the dashboard off (slots, start states, the gateways as the user, user
# control with s6-svc/s6-svstat as hermes, the boot log, stale files swept,
# /etc not written), the second, the container restarted, with the
# dashboard on (the same states back, nothing duplicated, the dashboard on
# loopback as hermes, under the user's control). Then hermes-slotd's checks.
. "${HS6_TOP:?}/tests/integration/overlay-lib"
ov_need "overlay root"
ov_image
ov_layer
V=$T/vol
ov_volume "$V"

# ---- boot 1: dashboard off ----------------------------------------------
O1=$T/boot1
ov_booted "overlay root, boot 1" "s6-overlay boots the image and runs CMD" "$O1" \
  --bind "$V:/opt/data:rw" -- /hs6-test/check -d off -c gateway-alpha
slots=$(ov_gateway_slots "$O1")
check "overlay root, boot 1: the slots are default alpha beta gamma, nothing else" \
  test "$slots" = "gateway-alpha gateway-beta gateway-default gateway-gamma "
check "overlay root, boot 1: no staging dir left in the scandir" sh -c "! grep '^scandir=' '$O1/results/check.txt' | grep -q '\.gateway'"
check "overlay root, boot 1: default (running) is up, as hermes sees it" ov_has "$O1" "slot:default=true true "
check "overlay root, boot 1: alpha (running) is up" ov_has "$O1" "slot:alpha=true true "
check "overlay root, boot 1: beta (stopped) is registered down" ov_has "$O1" "slot:beta=false false "
check "overlay root, boot 1: gamma (no state) is registered down" ov_has "$O1" "slot:gamma=false false "
check "overlay root, boot 1: every slot's supervise/ is in the group layout, root:hermes 0710" \
  test "$(grep '^supervise:' "$O1/results/check.txt" | cut -d= -f2 | sort -u)" = "0:$OV_UID:710"
check "overlay root, boot 1: hermes takes alpha down and up with s6-svc" ov_has "$O1" "ctl:gateway-alpha=down,up"
check "overlay root, boot 1: s6-overlay's own services stay root-only" ov_has "$O1" "foreign=denied"
check "overlay root, boot 1: the dashboard is down and not wanted up (HERMES_DASHBOARD unset)" ov_has "$O1" "dashboard=false false "
check_not "overlay root, boot 1: the dashboard command never ran" test -e "$O1/results/dashboard.rec"
check "overlay root, boot 1: the gateways run as hermes, HOME and cwd the volume, supervised-child markers set" \
  sh -c "grep -qx 'argv=gateway run --replace|uid=$OV_UID|home=/opt/data|cwd=/opt/data|s6child=1|child=1' '$O1/results/default.rec' &&
         grep -q '^argv=-p alpha gateway run --replace|uid=$OV_UID|' '$O1/results/alpha.rec'"
check "overlay root, boot 1: alpha restarted once by hermes (two starts)" sh -c "[ \$(wc -l < '$O1/results/alpha.rec') = 2 ]"
check_not "overlay root, boot 1: beta and gamma never started" sh -c "ls '$O1/results/' | grep -Eq '^(beta|gamma)\.rec$'"
# The boot log: one line per profile dir, in byte order after default
# (profiles/default and Bad.Name skipped), each after a timestamp.
cat >"$T/bootlog.want" <<'EOF2'
profile=default prior_state=running action=started
profile=Bad.Name prior_state=none action=skipped
profile=alpha prior_state=running action=started
profile=beta prior_state=stopped action=registered
profile=default prior_state=none action=skipped
profile=gamma prior_state=none action=registered
EOF2
sed 's/^[0-9T:+-]* //' "$V/logs/container-boot.log" >"$T/bootlog.got" 2>&1
check "overlay root, boot 1: the boot log has one line per profile, in the boot's words" diff "$T/bootlog.want" "$T/bootlog.got"
check "overlay root, boot 1: the boot log lines are timestamped" \
  sh -c "! grep -vE '^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9:]{8}[+-][0-9]{4} profile=' '$V/logs/container-boot.log'"
check "overlay root, boot 1: the boot log belongs to hermes" sh -c "[ \"\$(stat -c %u:%g '$V/logs/container-boot.log')\" = $OV_UID:$OV_UID ]"
check "overlay root, boot 1: the gateways' logs are on the volume, hermes's" \
  sh -c "grep -q 'stub alpha started' '$V/logs/gateways/alpha/current' && [ \"\$(stat -c %u '$V/logs/gateways/alpha/current')\" = $OV_UID ]"
check "overlay root, boot 1: stale gateway.pid and processes.json swept" \
  sh -c "! ls '$V/gateway.pid' '$V/processes.json' '$V/profiles/alpha/gateway.pid' '$V/profiles/beta/processes.json' 2>/dev/null | grep -q ."
check "overlay root, boot 1: profiles/default and Bad.Name are skipped with a warning on the console" \
  sh -c "grep -q 'warning: skipping /opt/data/profiles/default' '$O1/console.log' && grep -q 'warning: skipping /opt/data/profiles/Bad.Name' '$O1/console.log'"
check "overlay root, boot 1: cont-init 015 and 02 succeed" sh -c "! grep -E 'cont-init.*(exited [1-9]|failed)|015-supervise-perms: warning' '$O1/console.log'"
check "overlay root, boot 1: no s6-overlay deprecation warning" sh -c "! grep -q deprecated '$O1/console.log'"
check "overlay root, boot 1: nothing written to /etc" sh -c "[ -f '$O1/etc-upper' ] && [ ! -s '$O1/etc-upper' ]"

# ---- boot 2: the container restarted on the same volume, dashboard on ---
cp "$V/logs/container-boot.log" "$T/bootlog.1"
find "$V" | LC_ALL=C sort >"$T/tree.1"
O2=$T/boot2
ov_booted "overlay root, boot 2" "the same volume boots again" "$O2" \
  --bind "$V:/opt/data:rw" -e HERMES_DASHBOARD=1 -- /hs6-test/check -d on -c dashboard
check "overlay root, boot 2: the same slots, the same states" \
  sh -c "[ \"\$(grep -E '^(scandir|slot:)' '$O1/results/check.txt')\" = \"\$(grep -E '^(scandir|slot:)' '$O2/results/check.txt')\" ]"
check "overlay root, boot 2: the boot log gained exactly this boot's lines" \
  sh -c "[ \"\$(head -n \$(wc -l < '$T/bootlog.1') '$V/logs/container-boot.log')\" = \"\$(cat '$T/bootlog.1')\" ] &&
         [ \"\$(wc -l < '$V/logs/container-boot.log')\" = \$((2 * \$(wc -l < '$T/bootlog.1'))) ]"
find "$V" | LC_ALL=C sort >"$T/tree.2"
check "overlay root, boot 2: nothing new on the volume (no second log dir, no leftovers)" \
  sh -c "[ \"\$(comm -13 '$T/tree.1' '$T/tree.2' | grep -v '/logs/gateways/[a-z]*/@')\" = '' ]"
check "overlay root, boot 2: each up gateway started once" \
  sh -c "[ \$(wc -l < '$O2/results/default.rec') = 1 ] && [ \$(wc -l < '$O2/results/alpha.rec') = 1 ]"
check "overlay root, boot 2: HERMES_DASHBOARD=1: the dashboard is up, as hermes sees it" ov_has "$O2" "dashboard=true true "
check "overlay root, boot 2: the dashboard runs as hermes in the volume, on loopback:9119, --no-open" \
  sh -c "head -1 '$O2/results/dashboard.rec' | grep -qx 'uid=$OV_UID cwd=/opt/data home=/opt/data argv=dashboard --host 127.0.0.1 --port 9119 --no-open'"
check "overlay root, boot 2: hermes takes the dashboard down and up (015 opened it)" ov_has "$O2" "ctl:dashboard=down,up"
check "overlay root, boot 2: nothing written to /etc" sh -c "[ -f '$O2/etc-upper' ] && [ ! -s '$O2/etc-upper' ]"

# ---- hermes-slotd (issue 11), when the image has it ----------------------
# A third boot on the same volume: the root service hermes-slotd is up, and
# through it (hermes-slot) hermes registers a profile that was not there at
# boot (made by hermes during the boot), sees it run, unregisters it; an
# invalid name and a user other than HERMES_USER are refused.
slotd_checks() {
  if [ ! -d "$T/image/etc/s6-overlay/s6-rc.d/hermes-slotd" ]; then
    skip "overlay root, hermes-slotd: not in this tree's image yet (issue 11)"
    return 0
  fi
  cat >"$T/layer/hs6-test/slotd-check" <<'EOF2'
#!/bin/sh
PATH=/command:/usr/local/bin:/usr/bin:/bin; export PATH
S=/run/service
# waitfor SECONDS CMD...: CMD until it succeeds, or until SECONDS have passed
# on the monotonic clock (/proc/uptime); tried once more at the deadline.
waitfor() { read -r _t _ </proc/uptime; _end=$((${_t%.*} + $1)); shift
  while ! "$@" >/dev/null 2>&1; do
    read -r _t _ </proc/uptime; [ "${_t%.*}" -ge "$_end" ] && { "$@" >/dev/null 2>&1; return; }; sleep 0.05
  done; }
up() { [ "$(s6-setuidgid hermes s6-svstat -o up "$1" 2>/dev/null)" = true ]; }
{
  waitfor 20 test -S /run/hermes-slotd/socket; echo "socket=$?"
  echo "service=$(s6-svstat -o up $S/hermes-slotd 2>&1)"
  s6-setuidgid hermes sh -c 'mkdir -p /opt/data/profiles/delta && echo "# delta" >/opt/data/profiles/delta/SOUL.md'
  s6-setuidgid hermes hermes-slot register delta up; echo "register=$?"
  waitfor 20 up $S/gateway-delta; echo "delta-up=$?"
  waitfor 20 test -s /results/delta.rec
  s6-setuidgid hermes hermes-slot unregister delta; echo "unregister=$?"
  test -e $S/gateway-delta; echo "delta-present=$?"
  s6-setuidgid hermes hermes-slot register Bad.Name up; echo "bad-name=$?"
  s6-applyuidgid -u 65534 -g 65534 -G '' hermes-slot register epsilon up; echo "stranger=$?"
  test -e $S/gateway-epsilon; echo "epsilon-present=$?"
  echo done
} >/results/slotd.txt 2>&1
exit 0
EOF2
  chmod 0755 "$T/layer/hs6-test/slotd-check"
  O3=$T/boot3
  ov_boot "$O3" --bind "$V:/opt/data:rw" -- /hs6-test/slotd-check; rc=$?
  R=$O3/results/slotd.txt
  if [ "$rc" != 0 ] || ! grep -qx done "$R" 2>/dev/null; then
    fail "overlay root, hermes-slotd: boot-test exited $rc: $(tail -2 "$O3.err" "$R" 2>&1 | tr '\n' ' ')"
    return 0
  fi
  check "overlay root, hermes-slotd: the service is up, its socket there" sh -c "grep -qx socket=0 '$R' && grep -qx service=true '$R'"
  check "overlay root, hermes-slotd: hermes registers delta (not there at boot) up" sh -c "grep -qx register=0 '$R' && grep -qx delta-up=0 '$R'"
  check "overlay root, hermes-slotd: the gateway runs as hermes" grep -q "^argv=-p delta gateway run --replace|uid=$OV_UID|" "$O3/results/delta.rec"
  check "overlay root, hermes-slotd: hermes unregisters it, the slot is gone" sh -c "grep -qx unregister=0 '$R' && grep -qx delta-present=1 '$R'"
  check_not "overlay root, hermes-slotd: an invalid name is refused" grep -qx bad-name=0 "$R"
  check "overlay root, hermes-slotd: a user other than HERMES_USER is refused, nothing registered" \
    sh -c "! grep -qx stranger=0 '$R' && grep -qx epsilon-present=1 '$R'"
  check "overlay root, hermes-slotd: nothing written to /etc" sh -c "[ -f '$O3/etc-upper' ] && [ ! -s '$O3/etc-upper' ]"
}
slotd_checks

# ---- boot 4: the container's environment reaches 02 (s6-envdir on
# /run/s6/container_environment, not with-contenv): a dry run asked for
# with -e, and the volume at a HERMES_HOME of its own
V4=$T/vol4
ov_volume "$V4"
O4=$T/boot4
ov_booted "overlay root, boot 4" "a dry run asked for through the container's environment" "$O4" \
  --bind "$V4:/srv/vol4:rw" -e HERMES_HOME=/srv/vol4 -e HERMES_RECONCILE_DRY_RUN=1 -- /hs6-test/check
check "overlay root, boot 4: 02 sees HERMES_HOME and HERMES_RECONCILE_DRY_RUN from the container (dry-run lines)" \
  sh -c "grep -q 'dry run: profile=alpha prior_state=running action=started' '$O4/console.log'"
slots4=$(ov_gateway_slots "$O4")
check "overlay root, boot 4: nothing registered, nothing written to the volume" \
  sh -c "[ -z '$slots4' ] && [ ! -e '$V4/logs/container-boot.log' ] && [ -e '$V4/gateway.pid' ]"
