#!/bin/sh
# End to end, as root, on a hostile volume (one boot): profile dirs that
# are symbolic links out of the volume, invalid names, a FIFO, a symlink and
# deep JSON as gateway_state.json, a stale gateway.pid that is a symlink to
# a file in /etc, and logs/ a symbolic link to /etc. The boot completes,
# the good profiles are registered with the state they can have, nothing
# is written to /etc, nothing is followed.
. "${HS6_TOP:?}/tests/integration/overlay-lib"
ov_need "overlay hostile volume"
ov_image
ov_layer
V=$T/vol
P=$V/profiles
mkdir -p "$P"
ov_state "$V" running
for p in alpha fifo linkstate deep; do mkdir -p "$P/$p"; echo "# $p" >"$P/$p/SOUL.md"; done
ov_state "$P/alpha" running
ln -s /etc/hostname "$P/alpha/gateway.pid"                 # a stale file planted as a symlink
mkfifo "$P/fifo/gateway_state.json"                         # would hang a reader
ln -s /etc/passwd "$P/linkstate/gateway_state.json"         # a state read through a symlink
awk 'BEGIN { for (i = 0; i < 100000; i++) printf "["; }' >"$P/deep/gateway_state.json"
ln -s /etc "$P/evil"                                        # a profile dir out of the volume
ln -s ../profiles/alpha "$P/alias"                          # a profile dir twice
for n in UPPER with.dot -dash _under "$(printf 'new\nline')" "$(printf '%0243d' 0 | tr 0 a)"; do
  mkdir -p "$P/$n" && echo x >"$P/$n/SOUL.md"
done
ln -s /etc "$V/logs"                                        # the boot log and the gateways' logs
chown -R -h "$OV_UID:$OV_UID" "$V"

O=$T/boot
ov_booted "overlay hostile" "the boot completes" "$O" --bind "$V:/opt/data:rw" -- /hs6-test/check
slots=$(ov_gateway_slots "$O")
check "overlay hostile: the slots are default alpha deep fifo linkstate, nothing else" \
  test "$slots" = "gateway-alpha gateway-deep gateway-default gateway-fifo gateway-linkstate "
check "overlay hostile: default and alpha (running) are up" sh -c "grep -qx 'slot:default=true true ' '$O/results/check.txt' && grep -qx 'slot:alpha=true true ' '$O/results/check.txt'"
for p in fifo linkstate deep; do
  check "overlay hostile: $p (state unreadable) is registered down" ov_has "$O" "slot:$p=false false "
done
check "overlay hostile: the symlinked profile dirs are skipped with a warning" \
  sh -c "grep -q 'skipping /opt/data/profiles/evil' '$O/console.log' && grep -q 'skipping /opt/data/profiles/alias' '$O/console.log'"
check "overlay hostile: the planted gateway.pid symlink is gone" sh -c "! test -L '$P/alpha/gateway.pid'"
check "overlay hostile: nothing written to /etc (no boot log through logs -> /etc)" sh -c "[ -f '$O/etc-upper' ] && [ ! -s '$O/etc-upper' ]"
check "overlay hostile: the boot log that cannot be written is a warning" grep -q 'boot log .* was not written' "$O/console.log"
check "overlay hostile: the volume's links are still links" sh -c "test -L '$V/logs' && test -L '$P/evil' && test -L '$P/linkstate/gateway_state.json'"

# ---- a client that fights back, against the real hermes-slotd (issue 17)
# A second boot on the same volume: hermes's client with its stdout and
# stderr on a pipe it keeps full (clearing O_NONBLOCK in a loop), then on
# a full terminal, asks for a refused request; each ends within 15 s, and
# root's next request is served. The container's /usr is the host's: the
# hostile client (python3) is there when the host has it.
if [ ! -d "$T/image/etc/s6-overlay/s6-rc.d/hermes-slotd" ]; then
  skip "overlay hostile, hermes-slotd: not in this tree's image"
elif [ ! -x /usr/bin/python3 ]; then
  skip "overlay hostile, hermes-slotd: no /usr/bin/python3 (the hostile client)"
else
  cp "$HS6_TOP/tests/integration/hostile-client.py" "$T/layer/hs6-test/hostile-client.py"
  cat >"$T/layer/hs6-test/hostile-check" <<'EOF2'
#!/bin/sh
PATH=/command:/usr/local/bin:/usr/bin:/bin; export PATH
# waitfor SECONDS CMD...: CMD until it succeeds, or until SECONDS have passed
# on the monotonic clock (/proc/uptime); tried once more at the deadline.
waitfor() { read -r _t _ </proc/uptime; _end=$((${_t%.*} + $1)); shift
  while ! "$@" >/dev/null 2>&1; do
    read -r _t _ </proc/uptime; [ "${_t%.*}" -ge "$_end" ] && { "$@" >/dev/null 2>&1; return; }; sleep 0.05
  done; }
{
  waitfor 20 test -S /run/hermes-slotd/socket; echo "socket=$?"
  for k in pipe pty; do
    echo "$k:$(/usr/bin/python3 /hs6-test/hostile-client.py $k 15 s6-setuidgid hermes hermes-slot register nothere)"
    hermes-slot unregister nothere; echo "root-after-$k=$?"
  done
  echo done
} >/results/hostile.txt 2>&1
exit 0
EOF2
  chmod 0755 "$T/layer/hs6-test/hostile-check" "$T/layer/hs6-test/hostile-client.py"
  O2=$T/boot2
  ov_boot "$O2" --bind "$V:/opt/data:rw" -- /hs6-test/hostile-check; rc=$?
  R=$O2/results/hostile.txt
  if [ "$rc" != 0 ] || ! grep -qx done "$R" 2>/dev/null; then
    fail "overlay hostile, hermes-slotd: boot-test exited $rc: $(tail -2 "$O2.err" "$R" 2>&1 | tr '\n' ' ')"
  else
    check "overlay hostile, hermes-slotd: the service is up" grep -qx socket=0 "$R"
    for k in pipe pty; do
      line=$(sed -n "s/^$k:rc=//p" "$R")
      secs=${line#* secs=}
      if [ "${line%% *}" = 100 ] && [ "${secs%%.*}" -lt 15 ]; then ok "overlay hostile, hermes-slotd: a full $k, O_NONBLOCK cleared in a loop: register nothere ends, 100, in ${secs}s"
      else fail "overlay hostile, hermes-slotd: a full $k: rc=$line (wanted 100 within 15 s)"; fi
      check "overlay hostile, hermes-slotd: ... root's next request is served" grep -qx "root-after-$k=0" "$R"
    done
    check "overlay hostile, hermes-slotd: ... the messages the client did not take are dropped, and the service's log says so" \
      grep -q "verb=register name=nothere .*messages: [0-9]* of [0-9]* bytes dropped" "$O2/console.log"
  fi
fi
