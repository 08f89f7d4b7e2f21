#!/bin/sh
# The multicall build (one binary, hermes-s6, every tool a symlink to it:
# ./configure --enable-multicall, and what make dist ships) passes the same
# tests as one binary per tool: the dispatch itself, -V on every tool in
# both builds, then a representative part of the integration suite run
# again with HS6_BIN at $B/multicall/bin and HS6_ETC at the scripts
# rendered for it (everything but slotd.sh, the slowest, which the
# overlay-*.sh boots cover through the multicall tarball).
. "${HS6_TOP:?}/tests/integration/lib.sh"

mc=${HS6_BIN%/bin}/multicall/bin
mcetc=${HS6_BIN%/bin}/multicall/test/etc
version=$(sed -n 's/^version=//p' "$HS6_TOP/package/info")
if [ ! -x "$mc/hermes-s6" ]; then
  if [ -x "$HS6_BIN/hermes-s6" ]; then
    skip "multicall: this tree is configured --enable-multicall: the whole suite ran on it"; exit 0
  fi
  fail "multicall: no $mc/hermes-s6 (make test-build builds it)"; exit 1
fi

tools=$(sed -n 's/^  \(hermes-[a-z-]*\).*/\1/p' "$HS6_TOP/package/targets.mak")
n=0 bad=
for t in $tools; do
  n=$((n + 1))
  [ "$(readlink "$mc/$t")" = hermes-s6 ] || bad="$bad $t(link)"
  [ "$("$mc/$t" -V)" = "$t $version" ] || bad="$bad $t(-V multicall)"
  [ "$("$HS6_BIN/$t" -V)" = "$t $version" ] || bad="$bad $t(-V own binary)"
done
if [ -z "$bad" ] && [ "$n" -gt 5 ]; then ok "multicall: $n tools, each a symlink to hermes-s6; -V prints 'NAME $version' in both builds"
else fail "multicall: links or -V wrong for:$bad ($n tools)"; fi
check "multicall: hermes-s6 -V" sh -c "[ \"\$('$mc/hermes-s6' -V)\" = 'hermes-s6 $version' ]"
check_exit 125 "multicall: hermes-s6 TOOL args runs TOOL (dashboard-finish 78 exits 125)" "$mc/hermes-s6" hermes-dashboard-finish 78
check_exit 100 "multicall: hermes-s6 alone is a usage error (100)" "$mc/hermes-s6"
ln -s "$mc/hermes-s6" "$T/hermes-nosuch"
check_exit 100 "multicall: run under an unknown name: exit 100" "$T/hermes-nosuch"
check "multicall: the unknown name is in the one-line message" sh -c "'$T/hermes-nosuch' 2>&1 | grep -qx 'hermes-s6: fatal: unknown tool: hermes-nosuch (see hermes-s6 with no argument for the list)'"
ln -s "$mc/hermes-s6" "$T/hermes-readstate"
check "multicall: a link anywhere, by any path, dispatches on its basename" sh -c "[ \"\$('$T/hermes-readstate' '$T/none')\" = none ]"

for s in readstate render-slot seed-supervise publish-slot unpublish-slot reconcile bootlog dashboard supervise-perms; do
  HS6_BIN=$mc HS6_ETC=$mcetc sh "$HS6_TOP/tests/integration/$s.sh" >"$T/$s.out" 2>&1; rc=$?
  sed -n 's/^\(ok\|FAIL\|skip\) - /\1 - multicall: /p' "$T/$s.out"
  if ! grep -q '^ok - ' "$T/$s.out" || { [ "$rc" != 0 ] && ! grep -q '^FAIL - ' "$T/$s.out"; }; then
    fail "multicall: $s.sh exited $rc: $(tail -3 "$T/$s.out" | tr '\n' ' ')"
  fi
done
