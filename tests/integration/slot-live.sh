#!/bin/sh
# hs6-s6-matrix: tests/run runs this on s6 2.11 and on s6-overlay's 2.15
# hermes-render-slot -> hermes-seed-supervise -> hermes-publish-slot against
# a real s6-svscan: the stub gateway runs as the unprivileged user with the
# right argv, HOME and cwd; down slots wait for the user's s6-svc -u; finish
# keeps exits 0 and 78 down and restarts anything else; the logger writes
# under HOME/logs/gateways/NAME as the user.
. "$HS6_TOP/tests/integration/lib.sh"

if ! is_root; then skip "slot-live: needs root (s6-svscan as root, slots that drop to uid 65534)"; exit 0; fi
NOBODY_NAME=$(getent passwd "$NOBODY" | cut -d: -f1)
if [ -z "$NOBODY_NAME" ]; then skip "slot-live: uid $NOBODY has no passwd entry for s6-setuidgid"; exit 0; fi

S=$T/scan H=$T/home
export STUB_DIR="$T/stub"
mkdir -p "$S" "$H" "$STUB_DIR"
chown "$NOBODY:$NOBODY" "$H"; chmod 0755 "$H"; chmod 0777 "$STUB_DIR"
cp "$HS6_TOP/tests/stub-gateway" "$T/stub-gateway"; chmod 0755 "$T/stub-gateway"
start_svscan "$S" || exit 1

# slot NAME RENDER-OPTIONS...: the whole chain, as cont-init 02 runs it.
slot() {
  _name=$1; shift
  hermes-render-slot -E -b /usr/bin -h "$H" -r "$NOBODY_NAME" -x "$T/stub-gateway" "$@" "$S/.gateway-$_name.tmp" "$_name" \
    hermes-seed-supervise -g "$NOBODY" "$S/.gateway-$_name.tmp" \
    hermes-publish-slot "$S/.gateway-$_name.tmp" "$S/gateway-$_name"
}
rescan() { s6-svscanctl -a "$S"; }
starts() { [ -f "$STUB_DIR/$1.rec" ] && wc -l <"$STUB_DIR/$1.rec" | tr -d ' ' || echo 0; }
rec_has() { grep -qF -- "$2" "$STUB_DIR/$1.rec" 2>/dev/null; }

check "chain publishes the default slot (-u)" slot default -u
check "chain publishes a named slot (-u)" slot alpha -u
rescan
check "default slot is up" wait_until 5000 svc_up "$S/gateway-default"
check "alpha slot is up" wait_until 5000 svc_up "$S/gateway-alpha"
wait_until 5000 test -s "$STUB_DIR/default.rec"; wait_until 5000 test -s "$STUB_DIR/alpha.rec"
check "default runs as uid $NOBODY" rec_has default "|uid=$NOBODY|"
check "default argv has no -p" rec_has default "argv=gateway run --replace|"
check "alpha argv is -p alpha gateway run --replace" rec_has alpha "argv=-p alpha gateway run --replace|"
check "alpha runs as uid $NOBODY" rec_has alpha "|uid=$NOBODY|"
check "HOME and cwd are the home" rec_has alpha "|home=$H|cwd=$H|"
check "both supervised-child markers are 1" rec_has alpha "|s6child=1|child=1"

check "logger writes current under HOME/logs/gateways/alpha" \
  wait_until 5000 grep -q 'stub alpha started' "$H/logs/gateways/alpha/current"
if [ -f "$H/logs/gateways/alpha/current" ]; then
  o=$(stat -c %u "$H/logs/gateways/alpha/current") d=$(stat -c %u "$H/logs/gateways/alpha")
  if [ "$o:$d" = "$NOBODY:$NOBODY" ]; then ok "log dir and current owned by the user"; else fail "log dir and current owned by the user: $d, $o"; fi
else
  fail "log dir and current owned by the user: no current"
fi
check "the default slot's logger writes its current too" wait_until 5000 grep -q 'stub default started' "$H/logs/gateways/default/current"

# A down slot stays down until the user says otherwise.
check "chain publishes a down slot (-d)" slot beta -d
rescan
check "beta is supervised" wait_until 5000 supervised "$S/gateway-beta"
check "beta is down" svc_down "$S/gateway-beta"
sleep 0.3
check "beta's gateway never started" test "$(starts beta)" = 0
check "the user brings beta up with s6-svc -u" as_nobody s6-svc -u "$S/gateway-beta"
check "beta comes up" wait_until 5000 svc_up "$S/gateway-beta"
check "beta's gateway ran as the user" wait_until 5000 rec_has beta "|uid=$NOBODY|"
check "the user reads s6-svstat" as_nobody s6-svstat "$S/gateway-beta"
check "the user brings beta down with s6-svc -d" as_nobody s6-svc -d "$S/gateway-beta"
check "beta goes down" wait_until 5000 svc_down "$S/gateway-beta"

# The environment decides when neither -u nor -d is given.
HERMES_GATEWAY_STATE=running GATEWAY_MULTIPLEX_PROFILES=yes slot gamma >/dev/null 2>&1
HERMES_GATEWAY_STATE=running slot delta >/dev/null 2>&1
rescan
check "running + multiplex: a named slot stays down" wait_until 5000 svc_down "$S/gateway-gamma"
check "running: the slot comes up" wait_until 5000 svc_up "$S/gateway-delta"

# finish: 0 and 78 keep the slot down, anything else restarts it.
echo 0 >"$STUB_DIR/zero.exit"; echo 78 >"$STUB_DIR/config.exit"; echo 1 >"$STUB_DIR/one.exit"
slot zero -u; slot config -u; slot one -u
rescan
check "exit 1 is restarted" wait_until 5000 sh -c "[ \$(wc -l <'$STUB_DIR/one.rec') -ge 2 ]"
wait_until 5000 test -s "$STUB_DIR/zero.rec"; wait_until 5000 test -s "$STUB_DIR/config.rec"
check "exit 0 leaves the slot down" wait_until 3000 svc_down "$S/gateway-zero"
check "exit 78 leaves the slot down" wait_until 3000 svc_down "$S/gateway-config"
sleep 1.2   # s6-supervise would restart after 1 s: give it the chance to
check "exit 0 is not restarted" test "$(starts zero)" = 1
check "exit 78 is not restarted" test "$(starts config)" = 1
n=$(s6-svstat -o normallyup,wantedup "$S/gateway-zero" 2>/dev/null)
if [ "$n" = "true false" ]; then ok "finish 125: s6-svstat says normally up, not wanted up"; else fail "finish 125 state: $n"; fi
check_not "s6-svscan's output has no fatal or warning line (scripts are quiet)" grep -qE 'fatal|warning' "$T/svscan.log"
