#!/bin/sh
# hs6-s6-matrix: tests/run runs this on s6 2.11 and on s6-overlay's 2.15
# Crash consistency of render -> seed -> publish: killed with SIGKILL at
# random points 200 times, the scandir holds no slot or a complete one
# (never a half one under its real name), and rerunning always succeeds.
. "$HS6_TOP/tests/integration/lib.sh"

S=$T/scan
mkdir -p "$S"
if ! command -v perl >/dev/null 2>&1; then skip "crash: perl not installed"; exit 0; fi
hermes-render-slot -E -b /usr/bin -u "$T/.ref" c >/dev/null
set -- hermes-render-slot -E -b /usr/bin -u "$S/.gateway-c.tmp" c \
  hermes-seed-supervise -g "$NOBODY" "$S/.gateway-c.tmp" \
  hermes-publish-slot -f "$S/.gateway-c.tmp" "$S/gateway-c"
# How long one chain takes: kill points are spread over 1.5 times that.
t0=$(date +%s%N); for i in 1 2 3 4 5 6 7 8 9 10; do "$@" || break; done; t1=$(date +%s%N)
us=$(( (t1 - t0) / 10000 * 3 / 2 ))
[ "$us" -lt 500 ] && us=500
rm -rf "$S/gateway-c"
if out=$(perl "$HS6_TOP/tests/crash-harness" 200 "$us" "$S/gateway-c" "$T/.ref" -- "$@" 2>&1); then
  ok "crash: 200 kills within ${us} us: $(echo "$out" | tail -1)"
else
  fail "crash: $(echo "$out" | tail -5 | tr '\n' ' ')"
fi
check "crash: only the slot and maybe a dot staging dir remain" sh -c "[ -z \"\$(ls -A '$S' | grep -v -e '^gateway-c\$' -e '^\.gateway-c\.tmp\$' -e '^\.hermes-s6-locks\$')\" ]"
