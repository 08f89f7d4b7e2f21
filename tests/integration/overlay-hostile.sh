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
