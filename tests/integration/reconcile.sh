#!/bin/sh
# hs6-s6-matrix: tests/run runs this on s6 2.11 and on s6-overlay's 2.15
# cont-init.d/02-reconcile-profiles end to end: a volume made by
# bench/make-home (12 profiles, owned by uid 65534) plus the special cases,
# reconciled into the scandir of a live s6-svscan with HERMES_USER=nobody.
# Every expected slot exists with the right start state, runs the stub
# gateway as 65534 and is driven by 65534; the skipped names are skipped;
# the boot log has one line per profile, in order, rotated at 262144 bytes.
# Then the reruns: over unsupervised slots (same result), over live slots
# (refused per profile, slots untouched), and after unpublishing them.
. "${HS6_TOP:?}/tests/integration/lib.sh"

P=$HS6_ETC/cont-init.d/02-reconcile-profiles
MAKE_HOME=${HS6_MAKE_HOME:-$HS6_TOP/tests/bench/make-home}   # a copy of ../shared/bench/make-home

if ! is_root; then
  skip "02: end to end: needs root (s6-svscan as root, chown, uid 65534)"
  exit 0
fi
[ -f "$MAKE_HOME" ] || { fail "02: end to end: $MAKE_HOME not found"; exit 1; }

H=$T/home SCAN=$T/scan STUB_DIR=$T/stub
export STUB_DIR
mkdir -p "$STUB_DIR" && chown "$NOBODY:$NOBODY" "$STUB_DIR"
cp "$HS6_TOP/tests/stub-gateway" "$T/stub-gateway" && chmod 0755 "$T/stub-gateway"

# The volume: make-home's 12 profiles (states cycle through i % 6:
# desired running, stopped, BOM + draining, desired stopped, not JSON,
# no file) and the special cases.
sh "$MAKE_HOME" "$H" 12
mk() { mkdir -p "$H/profiles/$1" && echo soul > "$H/profiles/$1/SOUL.md"; }
mk default; printf '{"desired_state":"running"}\n' > "$H/profiles/default/gateway_state.json"
mk Bad.Name; printf '{"desired_state":"running"}\n' > "$H/profiles/Bad.Name/gateway_state.json"
mk -dash
mk q-degraded; printf '{"gateway_state":"degraded"}\n' > "$H/profiles/q-degraded/gateway_state.json"
mkdir -p "$H/profiles/nosoul"; printf '{"desired_state":"running"}\n' > "$H/profiles/nosoul/gateway_state.json"
echo x > "$H/profiles/afile"
# The boot log, full: it must be rotated, replacing an older .1.
mkdir -p "$H/logs"
head -c 262144 /dev/zero | tr '\0' 'o' > "$H/logs/container-boot.log"
echo "an older rotation" > "$H/logs/container-boot.log.1"
prefill=$(sha256sum < "$H/logs/container-boot.log")
chown -R "$NOBODY:$NOBODY" "$H"

state_of() {  # the prior state make-home gives profile pI
  case $(($1 % 6)) in 0|2) echo running ;; 1|3) echo stopped ;; *) echo none ;; esac
}
# The expected log fields, in order: default first, then profiles/ in byte order.
{
  echo "profile=default prior_state=running action=started"
  echo "profile=-dash prior_state=none action=skipped"
  echo "profile=Bad.Name prior_state=none action=skipped"
  echo "profile=default prior_state=none action=skipped"
  for i in 0 1 10 11 2 3 4 5 6 7 8 9; do
    s=$(state_of $i); a=registered; [ "$s" = running ] && a=started
    echo "profile=p$i prior_state=$s action=$a"
  done
  echo "profile=q-degraded prior_state=running action=started"
} > "$T/expected"
UP="default p0 p2 p6 p8 q-degraded"
DOWN="p1 p3 p4 p5 p7 p9 p10 p11"

export HERMES_HOME="$H" S6_PROFILE_GATEWAY_SCANDIR="$SCAN" HERMES_USER=nobody HERMES_GATEWAY_PROG="$T/stub-gateway"
unset GATEWAY_MULTIPLEX_PROFILES

start_svscan "$SCAN" || exit 1
"$P" >"$T/out1" 2>"$T/err1"; rc=$?
if [ "$rc" = 0 ]; then ok "02: exits 0"; else fail "02: exits 0: exit $rc: $(tail -3 "$T/err1" | tr '\n' ' ')"; fi

# --- the slots
n=$(ls -d "$SCAN"/gateway-* 2>/dev/null | wc -l)
if [ "$n" = 14 ]; then ok "02: 14 slots (default, p0..p11, q-degraded)"; else fail "02: 14 slots: $n: $(ls "$SCAN" | tr '\n' ' ')"; fi
for p in $UP $DOWN; do
  [ -d "$SCAN/gateway-$p" ] || fail "02: slot gateway-$p is missing"
done
for p in nosoul Bad.Name -dash afile; do
  check_not "02: no slot for profiles/$p" test -e "$SCAN/gateway-$p"
done
check "02: no staging dir left" absent "$SCAN"/.gateway-*
bad=
for p in $UP; do [ -e "$SCAN/gateway-$p/down" ] && bad="$bad $p"; done
for p in $DOWN; do [ -e "$SCAN/gateway-$p/down" ] || bad="$bad $p"; done
if [ -z "$bad" ]; then ok "02: down file exactly on the slots whose state is not running"; else fail "02: down files wrong for:$bad"; fi
check "02: supervise/ seeded in the group layout (root:65534 0710)" \
  all stat_is %u:%g:%a 0:65534:710 "$SCAN/gateway-p0/supervise" \; stat_is %u:%g:%a 0:65534:620 "$SCAN/gateway-p0/supervise/control"

# --- the boot log
L=$H/logs/container-boot.log
sed 's/^[^ ]* //' "$L" > "$T/got" 2>/dev/null
if cmp -s "$T/expected" "$T/got"; then ok "02: boot log: one line per profile, in order, with prior_state and action"
else fail "02: boot log lines: $(diff "$T/expected" "$T/got" | head -6 | tr '\n' ' ')"; fi
check "02: boot log lines start with a timestamp" \
  every_line '^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}[+-][0-9]{4} profile=' "$L"
check "02: boot log written as the user (65534)" stat_is %u 65534 "$L"
check "02: rotation at 262144 bytes: the full log became .1" \
  sh -c "[ \"\$(sha256sum < '$L.1')\" = '$prefill' ]"
check_not "02: rotation replaced the older .1" grep -q "an older rotation" "$L.1"
check "02: stdout says the same, one reconcile: line each" \
  same_output "$T/expected" sed -n 's/^reconcile: //p' "$T/out1"

# --- the warnings
for p in Bad.Name -dash 'profiles/default'; do
  check "02: warns about $p" grep -q -- "warning: skipping .*$p" "$T/err1"
done
check_not "02: a directory without SOUL.md is silently not a profile" grep -q nosoul "$T/err1"
check_not "02: afile is silently not a profile" grep -q afile "$T/err1"
check "02: the invalid state file of p4 is named in a warning" grep -q "p4/gateway_state.json" "$T/err1"
check_not "02: ... without echoing its content" grep -q "not json" "$T/err1"
check_not "02: stale gateway.pid swept from HERMES_HOME" test -e "$H/gateway.pid"
check_not "02: stale gateway.pid swept from profiles/p3" test -e "$H/profiles/p3/gateway.pid"
check "02: profiles/Bad.Name is left alone" test -f "$H/profiles/Bad.Name/gateway_state.json"

# --- under s6-svscan
s6-svscanctl -a "$SCAN"
for p in $UP $DOWN; do
  wait_until 5000 supervised "$SCAN/gateway-$p" || fail "02: gateway-$p is not supervised"
done
bad=
for p in $UP; do wait_until 5000 svc_up "$SCAN/gateway-$p" || bad="$bad $p"; done
if [ -z "$bad" ]; then ok "02: running/draining/degraded/desired running slots are up"; else fail "02: not up:$bad"; fi
bad=
for p in $DOWN; do svc_down "$SCAN/gateway-$p" || bad="$bad $p"; done
if [ -z "$bad" ]; then ok "02: the other slots are down"; else fail "02: not down:$bad"; fi
bad=
for p in $UP; do
  wait_until 5000 test -s "$STUB_DIR/$p.rec" || { bad="$bad $p(no start)"; continue; }
  pid=$(s6-svstat -o pid "$SCAN/gateway-$p")
  [ "$(stat -c %u "/proc/$pid" 2>/dev/null)" = 65534 ] || bad="$bad $p(pid $pid uid $(stat -c %u "/proc/$pid" 2>&1))"
  grep -q 'uid=65534|' "$STUB_DIR/$p.rec" || bad="$bad $p(rec)"
done
if [ -z "$bad" ]; then ok "02: every up gateway runs as 65534"; else fail "02: gateway uid:$bad"; fi
check "02: default runs 'gateway run --replace' with HOME=HERMES_HOME" \
  grep -q "^argv=gateway run --replace|uid=65534|home=$H|cwd=$H|" "$STUB_DIR/default.rec"
check "02: p0 runs '-p p0 gateway run --replace'" grep -q '^argv=-p p0 gateway run --replace|' "$STUB_DIR/p0.rec"
bad=
for p in $DOWN; do [ -e "$STUB_DIR/$p.rec" ] && bad="$bad $p"; done
if [ -z "$bad" ]; then ok "02: down slots never started"; else fail "02: started though down:$bad"; fi
check "02: logger writes logs/gateways/p0 as the user" \
  wait_until 5000 stat_is %u 65534 "$H/logs/gateways/p0/current"

# --- the user drives the slots
check "02: nobody can s6-svstat gateway-p1" as_nobody s6-svstat "$SCAN/gateway-p1"
check "02: nobody can s6-svc -u gateway-p1" as_nobody s6-svc -u "$SCAN/gateway-p1"
p1_up_as_user() {
  wait_until 5000 svc_up "$SCAN/gateway-p1" && wait_until 5000 test -s "$STUB_DIR/p1.rec" &&
    grep -q 'uid=65534|' "$STUB_DIR/p1.rec"
}
check "02: ... and it comes up as 65534" p1_up_as_user
check "02: nobody can s6-svc -d gateway-p0" as_nobody s6-svc -d "$SCAN/gateway-p0"
check "02: ... and it goes down" wait_until 5000 svc_down "$SCAN/gateway-p0"
check "02: nobody can s6-svstat -o up,pid gateway-default" as_nobody s6-svstat -o up,pid "$SCAN/gateway-default"
check_not "02: uid 65533 (not in the group) cannot s6-svc gateway-default" as_uid 65533 65533 s6-svc -d "$SCAN/gateway-default"

# --- rerun while the slots are live: each publish refuses ("unregister it
# first"), so each profile fails; the live slots are left exactly as they are.
pid_before=$(s6-svstat -o pid "$SCAN/gateway-default")
"$P" >"$T/out2" 2>"$T/err2"; rc=$?
if [ "$rc" = 1 ]; then ok "02: rerun over live slots exits 1"; else fail "02: rerun over live slots exits 1: exit $rc"; fi
check "02: ... each registrable profile is logged failed" \
  all output_is 14 grep -c action=failed "$T/out2" \; output_is 3 grep -c action=skipped "$T/out2"
check "02: ... saying: unregister it first" grep -q "unregister it first" "$T/err2"
check "02: ... the live default gateway is untouched (same pid)" \
  output_is "$pid_before" s6-svstat -o pid "$SCAN/gateway-default"
check "02: ... gateway-p0 still down as the user left it" svc_down "$SCAN/gateway-p0"
check "02: ... no staging dir left" absent "$SCAN"/.gateway-*

# --- after unpublishing them, a rerun registers them all again
bad=
for s in "$SCAN"/gateway-*; do hermes-unpublish-slot "$s" 2>>"$T/err3" || bad="$bad ${s##*/}"; done
if [ -z "$bad" ]; then ok "02: hermes-unpublish-slot removes every live slot"; else fail "02: unpublish failed:$bad"; fi
"$P" >"$T/out3" 2>>"$T/err3"; rc=$?
if [ "$rc" = 0 ]; then ok "02: rerun after unpublish exits 0"; else fail "02: rerun after unpublish exits 0: exit $rc: $(tail -3 "$T/err3" | tr '\n' ' ')"; fi
check "02: ... with the same log fields" same_output "$T/expected" sed -n 's/^reconcile: //p' "$T/out3"
s6-svscanctl -a "$SCAN"
all_up() { for p in $UP; do wait_until 5000 svc_up "$SCAN/gateway-$p" || return 1; done; }
check "02: ... and the up slots come back up" all_up

# --- rerun on a scandir whose slots are not supervised (no s6-svscan on it):
# the existing slots are replaced, with the same result.
S2=$T/scan2; mkdir -p "$S2"
S6_PROFILE_GATEWAY_SCANDIR=$S2 "$P" >"$T/out4" 2>"$T/err4"; rc1=$?
find "$S2" -name down | sort > "$T/down4"
echo stale > "$S2/gateway-p1/stale-entry"
S6_PROFILE_GATEWAY_SCANDIR=$S2 "$P" >"$T/out5" 2>"$T/err5"; rc2=$?
if [ "$rc1$rc2" = 00 ]; then ok "02: unsupervised rerun: both runs exit 0"; else fail "02: unsupervised rerun: exits $rc1 then $rc2: $(tail -2 "$T/err5" | tr '\n' ' ')"; fi
check "02: unsupervised rerun: the same log fields" same_output "$T/expected" sed -n 's/^reconcile: //p' "$T/out5"
check "02: unsupervised rerun: the same slots and down files" \
  sh -c "[ \$(ls -d '$S2'/gateway-* | wc -l) = 14 ] && find '$S2' -name down | sort | cmp -s - '$T/down4'"
check_not "02: unsupervised rerun: the old slot was replaced, not merged" test -e "$S2/gateway-p1/stale-entry"
check "02: unsupervised rerun: no staging dir left" absent "$S2"/.gateway-*
check_not "02: unsupervised rerun: no old tree left" sh -c "ls -a '$S2' | grep -v -e '^gateway-' -e '^\.hermes-s6-locks$' | grep -qv '^\.\.\?$'"

# --- GATEWAY_MULTIPLEX_PROFILES: named profiles all start down, default as its state says
S3=$T/scan3; mkdir -p "$S3"
GATEWAY_MULTIPLEX_PROFILES=true S6_PROFILE_GATEWAY_SCANDIR=$S3 "$P" >"$T/out6" 2>&1
check "02: multiplex: default up, every named profile down" \
  sh -c "[ ! -e '$S3/gateway-default/down' ] && [ \$(ls '$S3'/gateway-p*/down '$S3'/gateway-q-degraded/down | wc -l) = 13 ]"

# --- an inherited SIG_IGN for SIGCHLD must not turn published profiles into failures
S4=$T/scan4; mkdir -p "$S4"
if S6_PROFILE_GATEWAY_SCANDIR=$S4 perl -e '$SIG{CHLD} = "IGNORE"; exec @ARGV or exit 127' "$P" >"$T/out7" 2>&1; then
  if grep -q 'action=failed' "$T/out7"; then fail "02: SIGCHLD ignored: profiles reported failed: $(head -3 "$T/out7" | tr '\n' ' ')"
  else ok "02: SIGCHLD ignored by the caller: every profile registered, exit 0"; fi
else
  fail "02: SIGCHLD ignored: exit $?: $(grep -m3 'fatal\|failed' "$T/out7" | tr '\n' ' ')"
fi

# --- HERMES_GATEWAY_PROG set but empty means the default "hermes", as an
# empty home or scandir means theirs: every profile is registered, exit 0.
S5=$T/scan5; mkdir -p "$S5"
HERMES_GATEWAY_PROG= S6_PROFILE_GATEWAY_SCANDIR=$S5 "$P" >"$T/out8" 2>&1; rc=$?
if [ "$rc" = 0 ] && [ "$(ls -d "$S5"/gateway-* | wc -l)" = 14 ] &&
   grep -q '^s6-setuidgid "nobody" cd "[^"]*" "hermes" -p p0 gateway run --replace$' "$S5/gateway-p0/run"; then
  ok "02: an empty HERMES_GATEWAY_PROG means hermes: 14 slots, exit 0"
else
  fail "02: an empty HERMES_GATEWAY_PROG: exit $rc, $(ls "$S5" | wc -l) slots: $(grep -m2 'fatal\|usage' "$T/out8" | tr '\n' ' ')"
fi

# --- empty HERMES_HOME / S6_PROFILE_GATEWAY_SCANDIR mean the defaults (as ${VAR:-default}), not ""
out=$(hermes-register-slots -u "$NOBODY" -g "$NOBODY" -r nobody "" "$T/no-such-scandir" 2>&1)
case $out in
  *"/opt/data"*) ok "register-slots: an empty home means /opt/data" ;;
  *) fail "register-slots: an empty home: $out" ;;
esac
