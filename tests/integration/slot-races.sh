#!/bin/sh
# hs6-s6-matrix: tests/run runs this on s6 2.11 and on s6-overlay's 2.15
# Issue 10: one writer per slot, against a real s6-svscan. Two boot
# reconciles (hermes-register-slots) at once on one scandir, 40 rounds; and
# hermes-publish-slot -f racing hermes-unpublish-slot on one slot, 40
# rounds. After every round the invariant holds: every gateway-* that
# s6-svscan can see is complete (type, run, finish, log/run, supervise/
# with control and event/, the same under log/), and every slot has at most
# one s6-supervise plus its logger's, none of them on a hidden tree. Also:
# a writer that holds the slot's lock makes the others wait, then answer
# "busy" (exit 2).
. "${HS6_TOP:?}/tests/integration/lib.sh"

if ! is_root || ! getent passwd "$NOBODY" >/dev/null; then
  skip "slot races: needs root (s6-svscan, uid $NOBODY with a passwd entry)"; exit 0
fi
NOBODY_NAME=$(getent passwd "$NOBODY" | cut -d: -f1)
S=$T/scan H=$T/home
export STUB_DIR=$T/stub
PROFILES="a b"
mkdir -p "$S" "$STUB_DIR"
for n in $PROFILES; do mkdir -p "$H/profiles/$n"; echo soul >"$H/profiles/$n/SOUL.md"; done
chown -R "$NOBODY:$NOBODY" "$H" "$STUB_DIR"
cp "$HS6_TOP/tests/stub-gateway" "$T/stub-gateway"; chmod 0755 "$T/stub-gateway"

start_svscan "$S" || exit 1
svscan_pid=${SVSCANS# }; svscan_pid=${svscan_pid%%:*}

invariant() { slot_invariant "$svscan_pid" "$S"; }  # lib.sh
unpublish_all() {  # exit 1 if any unpublish failed
  _r=0
  for _d in "$S"/gateway-*; do
    if [ -e "$_d" ]; then hermes-unpublish-slot -t 5000 "$_d" || _r=1; fi
  done
  return $_r
}

# --- a held lock: the others wait, then answer busy
hermes-render-slot -E -b /usr/bin -u "$S/.gateway-l.1" l >/dev/null
hermes-publish-slot "$S/.gateway-l.1" "$S/gateway-l" >/dev/null 2>&1
if [ -f "$S/.hermes-s6-locks/gateway-l" ] && [ "$(stat -c %u:%a:%F "$S/.hermes-s6-locks")" = "0:700:directory" ]; then
  ok "races: the slot lock is SCANDIR/.hermes-s6-locks/gateway-l, in a root-only dir"
else
  fail "races: no lock file $S/.hermes-s6-locks/gateway-l (or its dir is not root 0700)"
fi
s6-setlock "$S/.hermes-s6-locks/gateway-l" sleep 3 & holder=$!
sleep 0.2
hermes-render-slot -E -b /usr/bin -u "$S/.gateway-l.2" l >/dev/null
t0=$(date +%s%N)
hermes-publish-slot -t 400 -f "$S/.gateway-l.2" "$S/gateway-l" 2>"$T/busy.err"; r=$?
t1=$(date +%s%N); ms=$(( (t1 - t0) / 1000000 ))
if [ "$r" = 2 ] && [ "$ms" -ge 350 ] && grep -q busy "$T/busy.err" && [ ! -e "$S/.gateway-l.2" ]; then
  ok "races: publish -f waits for a held slot lock, then exits 2 (busy) after $ms ms, staging removed"
else
  fail "races: publish -f under a held lock: exit $r after $ms ms: $(cat "$T/busy.err")"
fi
hermes-unpublish-slot -t 300 "$S/gateway-l" 2>"$T/busy.err"; r=$?
if [ "$r" = 2 ] && [ -d "$S/gateway-l" ]; then ok "races: unpublish under a held lock: exit 2, slot untouched"
else fail "races: unpublish under a held lock: exit $r: $(cat "$T/busy.err")"; fi
kill "$holder" 2>/dev/null; wait "$holder" 2>/dev/null
check "races: the lock free again, unpublish goes through" hermes-unpublish-slot "$S/gateway-l"

# --- USER mode: the same lock in the user's own scandir; and root refuses
# a lock dir that the user made.
U=$T/userscan; mkdir -p "$U"; chown "$NOBODY:$NOBODY" "$U"
as_nobody hermes-render-slot -E -b /usr/bin -u "$U/.gateway-u.s" u >/dev/null
check "races: USER mode: publish as the user" as_nobody hermes-publish-slot "$U/.gateway-u.s" "$U/gateway-u"
check "races: USER mode: the lock dir is the user's, 0700" test "$(stat -c %u:%a "$U/.hermes-s6-locks")" = "$NOBODY:700"
check "races: USER mode: unpublish as the user" as_nobody hermes-unpublish-slot "$U/gateway-u"
hermes-render-slot -E -b /usr/bin -u "$U/.gateway-u.s" u >/dev/null
o=$(hermes-publish-slot "$U/.gateway-u.s" "$U/gateway-u" 2>&1); r=$?
case "$r:$o" in 111:*"owned by uid $NOBODY"*) ok "races: root refuses a lock dir the user made (111)" ;;
  *) fail "races: root with a user-made lock dir: exit $r: $o" ;; esac
check "races: ... and publishes nothing" test ! -e "$U/gateway-u" -a ! -e "$U/.gateway-u.s"

# --- two reconciles at once, 40 rounds
reconcile() {
  hermes-register-slots -u "$NOBODY" -g "$NOBODY" -r "$NOBODY_NAME" -x "$T/stub-gateway" -b /usr/bin -E \
    -l "$T/boot.log" "$H" "$S" >/dev/null 2>>"$T/reconcile.err"
}
bad=0 first=
for i in $(seq 1 40); do
  reconcile & p1=$!
  reconcile & p2=$!
  [ $((i % 8)) = 0 ] && s6-svscanctl -a "$S"
  wait "$p1"; wait "$p2"
  [ $((i % 4)) = 0 ] && s6-svscanctl -a "$S"
  if ! w=$(invariant); then bad=$((bad + 1)); [ -n "$first" ] || first="round $i: $w"; fi
  # Each slot is there, whole (one of the two runs published it).
  for n in default $PROFILES; do [ -d "$S/gateway-$n" ] || { bad=$((bad + 1)); [ -n "$first" ] || first="round $i: gateway-$n missing"; }; done
  unpublish_all 2>>"$T/reconcile.err" || { bad=$((bad + 1)); [ -n "$first" ] || first="round $i: unpublish failed"; }
done
if [ "$bad" = 0 ]; then ok "races: two reconciles x 40 rounds: the invariant held after every round"
else fail "races: two reconciles x 40 rounds: $bad bad; first: $first; $(tail -2 "$T/reconcile.err" | tr '\n' ' ')"; fi
check "races: no hidden tree left after the reconciles" sh -c "[ -z \"\$(ls -A '$S' | grep '^\.gateway-')\" ]"

# --- publish -f against unpublish, 40 rounds
slot_stage() {  # slot_stage NAME: a rendered, seeded staging dir for gateway-r
  hermes-render-slot -E -b /usr/bin -h "$H" -r "$NOBODY_NAME" -x "$T/stub-gateway" -u "$S/$1" r >/dev/null &&
    hermes-seed-supervise -g "$NOBODY" "$S/$1"
}
bad=0 first=
for i in $(seq 1 40); do
  slot_stage ".gateway-r.s$i" || bad=$((bad + 1))
  [ $((i % 3)) = 0 ] && s6-svscanctl -a "$S"
  hermes-publish-slot -f "$S/.gateway-r.s$i" "$S/gateway-r" 2>>"$T/pu.err" & p1=$!
  hermes-unpublish-slot -t 5000 "$S/gateway-r" 2>"$T/unp.err" & p2=$!
  s6-svscanctl -a "$S"
  wait "$p1"; r1=$?; wait "$p2"; r2=$?
  cat "$T/unp.err" >>"$T/pu.err"
  # publish: 0, or 1 when a live slot was in the way; unpublish: always 0.
  case "$r1:$r2" in 0:0|1:0) ;; *) bad=$((bad + 1)); [ -n "$first" ] || first="round $i: exits $r1 $r2" ;; esac
  if ! w=$(invariant); then bad=$((bad + 1)); [ -n "$first" ] || first="round $i: $w"; fi
  if [ -n "$(ls -A "$S" | grep '^\.gateway-r')" ]; then bad=$((bad + 1)); [ -n "$first" ] || first="round $i: left $(ls -A "$S" | grep '^\.gateway-r' | tr '\n' ' ')"; fi
done
if [ "$bad" = 0 ]; then ok "races: publish -f x unpublish, 40 rounds: the invariant held, nothing hidden left"
else fail "races: publish -f x unpublish, 40 rounds: $bad bad; first: $first; $(tail -2 "$T/pu.err" | tr '\n' ' ')"; fi
unpublish_all || fail "races: the final unpublish failed"
