#!/bin/sh
# hs6-s6-matrix: tests/run runs this on s6 2.11 and on s6-overlay's 2.15
# hermes-publish-slot: NOREPLACE against a concurrent publisher, -f exchange
# with a reader that never sees the slot missing, refusal on a live slot,
# and injected failures that leave the slot as it was and no staging dir.
. "$HS6_TOP/tests/integration/lib.sh"

S=$T/scan
mkdir -p "$S"
R="hermes-render-slot -E -b /usr/bin -u"
render() { $R "$S/$1" "${2:-a}" >/dev/null; }
ino() { stat -c %i "$1" 2>/dev/null; }
no_dots() { [ -z "$(cd "$S" && ls -A | grep '^\.' | grep -v -e '^\.s6-svscan$' -e '^\.hermes-s6-locks$')" ]; }

render .a1
check "publishes into an absent slot" hermes-publish-slot "$S/.a1" "$S/gateway-a"
check "slot is complete, staging gone" sh -c "[ -f '$S/gateway-a/run' ] && [ -f '$S/gateway-a/log/run' ] && [ ! -e '$S/.a1' ]"
i0=$(ino "$S/gateway-a")
render .a2
check_exit 1 "existing slot without -f: exit 1" hermes-publish-slot "$S/.a2" "$S/gateway-a"
check "existing slot without -f: slot unchanged, staging removed" sh -c "[ '$(ino "$S/gateway-a")' = '$i0' ] && [ ! -e '$S/.a2' ]"
msg=$(render .a2; hermes-publish-slot "$S/.a2" "$S/gateway-a" 2>&1)
case $msg in *"already registered"*) ok "says already registered" ;; *) fail "says already registered: $msg" ;; esac

# Bad arguments.
render .b1
check_exit 100 "staging not dot-prefixed" hermes-publish-slot "$S/gateway-a" "$S/gateway-b"
check "not dot-prefixed: that dir is left alone" test -f "$S/gateway-a/run"
check_exit 100 "slot dot-prefixed" hermes-publish-slot "$S/.b1" "$S/.gateway-b"
mkdir -p "$T/other"
check_exit 100 "staging and slot in different dirs" hermes-publish-slot "$S/.b1" "$T/other/gateway-b"
check "different dirs: staging removed, nothing published" sh -c "[ ! -e '$S/.b1' ] && [ ! -e '$T/other/gateway-b' ]"
render .b2
check "same dir through another spelling (dev/ino, not strings)" hermes-publish-slot "$S/../scan/./.b2" "$S/gateway-b"
check_exit 111 "missing staging dir" hermes-publish-slot "$S/.nope" "$S/gateway-c"
echo x >"$S/.file"
check_exit 111 "staging that is a file" hermes-publish-slot "$S/.file" "$S/gateway-c"
check "staging that is a file: removed, nothing published" sh -c "[ ! -e '$S/.file' ] && [ ! -e '$S/gateway-c' ]"
ln -s "$S/gateway-a" "$S/gateway-l"; render .l1
check_exit 111 "-f on a slot that is a symlink" hermes-publish-slot -f "$S/.l1" "$S/gateway-l"
check "symlink slot: left as it was" sh -c "[ -L '$S/gateway-l' ] && [ ! -e '$S/.l1' ]"
rm -f "$S/gateway-l"

# Two publishers race for one absent slot: exactly one wins, each time.
bad=0
for i in 1 2 3 4 5 6 7 8 9 10 11 12 13 14 15 16 17 18 19 20; do
  rm -rf "$S/gateway-r"; render .r1 r; render .r2 r
  hermes-publish-slot "$S/.r1" "$S/gateway-r" 2>/dev/null & p1=$!
  hermes-publish-slot "$S/.r2" "$S/gateway-r" 2>/dev/null & p2=$!
  wait $p1; r1=$?; wait $p2; r2=$?
  case "$r1$r2" in 01|10) ;; *) bad=$((bad + 1)); echo "race $i: exits $r1 $r2" ;; esac
  [ -f "$S/gateway-r/log/run" ] && [ ! -e "$S/.r1" ] && [ ! -e "$S/.r2" ] || { bad=$((bad + 1)); echo "race $i: bad tree"; }
done
if [ "$bad" = 0 ]; then ok "NOREPLACE: 20 races, one winner each, the other exits 1"; else fail "NOREPLACE races: $bad bad"; fi

# -f on a dead slot (no supervisor) while a reader keeps looking at it.
: >"$T/gaps"
( n=0; while [ ! -e "$T/stop" ]; do [ -e "$S/gateway-a/run" ] || echo gap >>"$T/gaps"; n=$((n + 1)); done; echo "$n" >"$T/looks" ) & reader=$!
bad=0
for i in 1 2 3 4 5 6 7 8 9 10 11 12 13 14 15 16 17 18 19 20 21 22 23 24 25 26 27 28 29 30; do
  render .f a; echo "$i" >"$S/.f/generation"
  hermes-publish-slot -f "$S/.f" "$S/gateway-a" || bad=$((bad + 1))
  [ "$(cat "$S/gateway-a/generation")" = "$i" ] || bad=$((bad + 1))
done
touch "$T/stop"; wait $reader
if [ "$bad" = 0 ]; then ok "-f replaces a dead slot 30 times"; else fail "-f replaces a dead slot: $bad failures"; fi
if [ ! -s "$T/gaps" ] && [ "$(cat "$T/looks")" -gt 30 ]; then ok "-f: a concurrent reader never saw the slot missing ($(cat "$T/looks") looks)"; else fail "-f: reader saw $(wc -l <"$T/gaps") gaps"; fi
check "-f: no dot leftovers (old trees removed)" no_dots
check "-f on an unsupervised slot leaves no supervise/ behind" test ! -e "$S/gateway-a/supervise"

# Injected failures: slot exactly as before, staging removed.
if command -v strace >/dev/null 2>&1; then
  rm -rf "$S/gateway-i"; render .i
  check_exit 111 "NOREPLACE rename fails (injected EIO)" strace -f -o /dev/null -e trace=renameat2 -e inject=renameat2:error=EIO hermes-publish-slot "$S/.i" "$S/gateway-i"
  check "failed rename: staging removed, no slot" sh -c "[ ! -e '$S/.i' ] && [ ! -e '$S/gateway-i' ]"
  i0=$(ino "$S/gateway-a"); g0=$(cat "$S/gateway-a/generation"); render .i
  check_exit 111 "exchange fails (injected EIO on the 2nd renameat2)" strace -f -o /dev/null -e trace=renameat2 -e inject=renameat2:error=EIO:when=2 hermes-publish-slot -f "$S/.i" "$S/gateway-a"
  # Nothing is made in the slot to look at it: exactly as before.
  check "failed exchange: slot as before (same inode, content, nothing added), staging removed" \
    sh -c "[ '$(ino "$S/gateway-a")' = '$i0' ] && [ \"\$(cat '$S/gateway-a/generation')\" = '$g0' ] && [ ! -e '$S/gateway-a/supervise' ] && [ ! -e '$S/.i' ]"
  hermes-seed-supervise -g "$NOBODY" "$S/gateway-a"; before=$(cd "$S/gateway-a" && find . | sort | tr '\n' ' '); render .i
  strace -f -o /dev/null -e trace=renameat2 -e inject=renameat2:error=EIO:when=2 hermes-publish-slot -f "$S/.i" "$S/gateway-a" 2>/dev/null
  after=$(cd "$S/gateway-a" && find . | sort | tr '\n' ' ')
  if [ "$before" = "$after" ]; then ok "failed exchange on a seeded slot: the same entries"; else fail "failed exchange on a seeded slot: $before -> $after"; fi
  render .i; echo new >"$S/.i/generation"
  o=$(strace -f -o /dev/null -e trace=unlinkat -e inject=unlinkat:error=EIO:when=1 hermes-publish-slot -f "$S/.i" "$S/gateway-a" 2>&1); r=$?
  case "$r:$o" in 0:*warning*) ok "old tree removal fails: published anyway, with a warning" ;; *) fail "old tree removal fails: exit $r: $o" ;; esac
  check "old tree removal fails: the new slot is in place" test "$(cat "$S/gateway-a/generation")" = new
  check "the next render of the staging dir clears the leftover" sh -c "$R '$S/.i' a && [ ! -e '$S/.i/generation' ]"
  rm -rf "$S/.i"
else
  skip "injected failures: strace not installed"
fi

# A live slot is never replaced.
if is_root; then
  start_svscan "$S" || exit 1
  check "live slot is supervised" wait_until 5000 supervised "$S/gateway-a"
  check "live logger is supervised" wait_until 5000 supervised "$S/gateway-a/log"
  i0=$(ino "$S/gateway-a"); render .live
  o=$(hermes-publish-slot -f "$S/.live" "$S/gateway-a" 2>&1); r=$?
  case "$r:$o" in *"unregister it first"*) [ "$r" = 1 ] && ok "-f on a live slot: exit 1, unregister it first" || fail "-f on a live slot: exit $r" ;; *) fail "-f on a live slot: exit $r: $o" ;; esac
  check "live slot untouched, staging removed, still supervised" sh -c "[ '$(ino "$S/gateway-a")' = '$i0' ] && [ ! -e '$S/.live' ] && s6-svok '$S/gateway-a'"
else
  skip "live slot refusal: needs root for s6-svscan"
fi
