# hs6-s6-matrix: tests/run runs this on s6 2.11 and on s6-overlay's 2.15
# hermes-register-slots, hermes-bootlog, hermes-readstate and
# hermes-seed-supervise against a user who fights back, and the smaller
# refusals of issue 10 item 7; the profile cap; the dry run; USER mode.
. "$HS6_TOP/tests/integration/lib.sh"

R=hermes-register-slots
# A uid of its own, used by no other test: the SIGSTOP loop below stops
# every process of its uid, and other tests (in parallel) use 65534.
U=61731

# --- issue 10 item 1: the user SIGSTOPs every process of its uid, in a
# loop, during the boot: the boot still ends, every slot registered and
# the boot log written (it used to hang: a child that had dropped to the
# user wrote the log, and a stopped child is waited for forever)
if is_root; then
  H=$T/stop S=$T/stop-scan
  mkdir -p "$H/profiles"; for p in a b c; do mkdir -p "$H/profiles/$p"; echo soul > "$H/profiles/$p/SOUL.md"; done
  chown -R "$U:$U" "$H"; mkdir -p "$S"
  # Not through as_uid (a function: $! would be a subshell's pid).
  s6-applyuidgid -u "$U" -g "$U" -G '' sh -c 'while :; do kill -STOP -1 2>/dev/null; done' &
  loop=$!
  # Ten boots: the old child lived about a millisecond, and the loop
  # caught it in about half of the boots (measured: 11 hangs in 20).
  rc=0 rc2=0 i=0
  while [ $i -lt 10 ] && [ "$rc" = 0 ] && [ "$rc2" = 0 ]; do
    rm -rf "$S"; mkdir -p "$S"
    timeout 10 "$R" -u "$U" -g "$U" -E -b /usr/bin "$H" "$S" >"$T/stop.out" 2>&1; rc=$?
    timeout 10 hermes-bootlog -u "$U" -g "$U" "$H/logs/other.log" stopped loop >/dev/null 2>&1; rc2=$?
    i=$((i + 1))
  done
  kill "$loop" 2>/dev/null; wait "$loop" 2>/dev/null
  # Anything of that uid still there (only this test uses it): gone.
  s6-applyuidgid -u "$U" -g "$U" -G '' kill -KILL -1 2>/dev/null
  if [ "$rc" = 0 ]; then ok "SIGSTOP loop of the user: the reconcile ends (exit 0)"
  else fail "SIGSTOP loop of the user: the reconcile ends: exit $rc (124: hung): $(tail -2 "$T/stop.out" | tr '\n' ' ')"; fi
  check "SIGSTOP loop of the user: every slot registered" \
    sh -c "[ \$(ls '$S' | grep -c '^gateway-') = 4 ]"
  check "SIGSTOP loop of the user: the boot log is written, the user's" \
    sh -c "[ \$(grep -c 'action=' '$H/logs/container-boot.log') = 40 ] && [ \$(stat -c %u '$H/logs/container-boot.log') = $U ]"
  if [ "$rc2" = 0 ]; then ok "SIGSTOP loop of the user: hermes-bootlog -u ends (exit 0)"
  else fail "SIGSTOP loop of the user: hermes-bootlog -u ends: exit $rc2"; fi
else
  skip "SIGSTOP loop of the user: needs root (another uid to stop, chown)"
fi

# --- the cap: 600 profiles, HERMES_MAX_PROFILES default 100
H=$T/cap S=$T/cap-scan
mkdir -p "$H/profiles" "$S"
# p000 to p599: one mkdir and one touch, not 1,800 forks.
set --
for a in 0 1 2 3 4 5; do for b in 0 1 2 3 4 5 6 7 8 9; do for c in 0 1 2 3 4 5 6 7 8 9; do
  set -- "$@" "$H/profiles/p$a$b$c"
done; done; done
mkdir "$@"
for p; do set -- "$@" "$p/SOUL.md"; shift; done
touch "$@"
is_root && chown -R "$U:$U" "$H"
env -u HERMES_MAX_PROFILES "$R" -u "$U" -g "$U" -E -b /usr/bin "$H" "$S" >"$T/cap.out" 2>"$T/cap.err"; rc=$?
check "cap: 600 profiles, exit 0" [ "$rc" = 0 ]
check "cap: the default slot and the first 100 in byte order get a slot, nothing else" \
  sh -c "[ \$(ls '$S' | grep -c '^gateway-') = 101 ] && [ -d '$S/gateway-default' ] && [ -d '$S/gateway-p099' ] && [ ! -e '$S/gateway-p100' ]"
check "cap: the 500 beyond it are one line, logged and printed, not one each" \
  all output_is 1 grep -c 'skipped=500 reason=beyond_max_profiles max=100 first=p100$' "$T/cap.out" \; \
      output_is 1 grep -c 'skipped=500 reason=beyond_max_profiles max=100 first=p100$' "$H/logs/container-boot.log"
check_not "cap: ... no action=skipped line for them" grep -q 'action=skipped' "$T/cap.out"
check "cap: one warning for them all, naming the cap and the first skipped" \
  all output_is 1 grep -c . "$T/cap.err" \; grep -q "warning: 500 profiles beyond HERMES_MAX_PROFILES=100 skipped, from $H/profiles/p100 on" "$T/cap.err"
S2=$T/cap-scan2; mkdir -p "$S2"
HERMES_MAX_PROFILES=2 "$R" -u "$U" -g "$U" -E -b /usr/bin -l "$T/cap2.log" "$H" "$S2" >/dev/null 2>&1
check "cap: HERMES_MAX_PROFILES=2 gives the default slot and two" \
  sh -c "[ \"\$(ls '$S2' | tr '\n' ' ')\" = 'gateway-default gateway-p000 gateway-p001 ' ]"
S3=$T/cap-scan3; mkdir -p "$S3"
HERMES_MAX_PROFILES=0 "$R" -u "$U" -g "$U" -E -b /usr/bin -l "$T/cap3.log" "$H" "$S3" >/dev/null 2>&1
check "cap: HERMES_MAX_PROFILES=0 still registers the default slot" \
  sh -c "[ \"\$(ls '$S3' | tr '\n' ' ')\" = 'gateway-default ' ]"

# --- the dry run touches nothing
H=$T/dry S=$T/dry-scan
mkdir -p "$H/profiles/a" "$H/profiles/b" "$S"
: > "$H/profiles/a/SOUL.md"; : > "$H/profiles/b/SOUL.md"
printf '{"gateway_state":"running"}' > "$H/profiles/a/gateway_state.json"
echo 1 > "$H/profiles/a/gateway.pid"
is_root && chown -R "$U:$U" "$H"
tree() { (cd "$T" && find dry dry-scan -printf '%p %y %u:%g %m %s\n' | sort); }
before=$(tree)
"$R" -n -u "$U" -g "$U" -E -b /usr/bin "$H" "$S" >"$T/dry.out" 2>&1; rc=$?
check "dry run: exit 0" [ "$rc" = 0 ]
check "dry run: one line per profile, in the boot log's words" \
  sh -c "[ \"\$(cat '$T/dry.out' | tr '\n' '|')\" = 'dry run: profile=default prior_state=none action=registered|dry run: profile=a prior_state=running action=started|dry run: profile=b prior_state=none action=registered|' ]"
if [ "$(tree)" = "$before" ]; then ok "dry run: nothing touched (no slot, no log, gateway.pid still there)"
else fail "dry run: the trees changed"; fi

# ... and 02 asked for it with HERMES_RECONCILE_DRY_RUN=1
if getent passwd nobody >/dev/null 2>&1; then
  HERMES_RECONCILE_DRY_RUN=1 HERMES_HOME=$H S6_PROFILE_GATEWAY_SCANDIR=$S HERMES_USER=nobody \
    "$HS6_ETC/cont-init.d/02-reconcile-profiles" >"$T/dry02.out" 2>&1; rc=$?
  check "02 with HERMES_RECONCILE_DRY_RUN=1: the dry run's lines, exit 0" \
    sh -c "[ '$rc' = 0 ] && [ \$(grep -c '^dry run: profile=' '$T/dry02.out') = 3 ]"
  if [ "$(tree)" = "$before" ]; then ok "02 with HERMES_RECONCILE_DRY_RUN=1: nothing touched"
  else fail "02 with HERMES_RECONCILE_DRY_RUN=1: the trees changed"; fi
else
  skip "02 dry run: no passwd entry for nobody (s6-envuidgid)"
fi

# --- issue 10 item 7: a closed stdout is 111, never SIGPIPE (141)
P=$T/rs; mkdir -p "$P"
# closed_pipe CMD...: CMD with its stdout on a pipe whose reader has
# closed it (the reader says so in $T/closed, then exits).
closed_pipe() {
  rm -f "$T/closed"
  ( wait_until 10000 test -e "$T/closed"; "$@" ) | { exec 0<&-; : >"$T/closed"; }
}
rc=$(closed_pipe sh -c 'hermes-readstate "$1"; echo $? > "$2"' sh "$P" "$T/rs.rc"; cat "$T/rs.rc")
check "readstate: a closed stdout exits 111, not 141" [ "$rc" = 111 ]
S=$T/pipe-scan; mkdir -p "$S"
closed_pipe sh -c '"$@" 2>"$0.err"; echo $? >"$0.rc"' "$T/pipe" "$R" -u "$U" -g "$U" -E -b /usr/bin -l "$T/pipe.log" "$H" "$S"
check "register-slots: a closed stdout exits 111, not 141, after the work is done" \
  sh -c "[ \$(cat '$T/pipe.rc') = 111 ] && [ -d '$S/gateway-a' ] && grep -q 'unable to write to stdout' '$T/pipe.err'"

# --- readstate -f does not follow .. out of the profile dir
mkdir -p "$T/prof/p"; printf '{"gateway_state":"running"}' > "$T/prof/outside.json"
printf '{"gateway_state":"stopped"}' > "$T/prof/p/in.json"
check "readstate -f ../outside.json: none, not the file outside" \
  sh -c "[ \"\$(hermes-readstate -f ../outside.json '$T/prof/p' 2>/dev/null)\" = none ]"
check "readstate -f sub/../../outside.json: none" \
  sh -c "mkdir -p '$T/prof/p/sub' && [ \"\$(hermes-readstate -f sub/../../outside.json '$T/prof/p' 2>/dev/null)\" = none ]"
check "readstate -f in.json still read" sh -c "[ \"\$(hermes-readstate -f in.json '$T/prof/p')\" = stopped ]"

# --- a path with a newline: one message line
nl="$T/a
b"
hermes-seed-supervise -g 1 "$nl" 2>"$T/nl.err"; rc=$?
check "a path with a newline: one message line, the newline escaped" \
  sh -c "[ '$rc' = 111 ] && [ \$(wc -l < '$T/nl.err') = 1 ] && grep -q 'a\\\\nb' '$T/nl.err'"

# --- seed-supervise refuses / and a scandir
check_exit 100 "seed-supervise refuses /" hermes-seed-supervise -g 1 /
check_exit 100 "seed-supervise refuses // too" hermes-seed-supervise -g 1 //
mkdir -p "$T/scan/.s6-svscan"
check_exit 100 "seed-supervise refuses a scan directory" hermes-seed-supervise -g 1 "$T/scan"
check_not "... and makes nothing there" test -e "$T/scan/supervise"

# --- hermes-bootlog as root without ids follows no symlink above the log dir
if is_root; then
  mkdir -p "$T/real"; ln -s "$T/real" "$T/up"
  check_exit 111 "bootlog as root: a symlink above the log dir is refused" hermes-bootlog "$T/up/logs/boot.log" x
  check_not "... and nothing is created through it" test -e "$T/real/logs"
  check "bootlog as root: a plain path still works" hermes-bootlog "$T/real/logs/boot.log" x
else
  skip "bootlog as root, symlink above: needs root"
fi

# --- USER mode: run as the application user, every slot is registered,
# none seeded (that user's own s6-supervise makes supervise/ and event/)
if is_root; then
  H=$T/usermode S=$T/usermode-scan
  mkdir -p "$H/profiles/a" "$S"; : > "$H/profiles/a/SOUL.md"
  chown -R "$U:$U" "$H" "$S"
  as_uid "$U" "$U" "$R" -u "$U" -g "$U" -E -b /usr/bin "$H" "$S" >"$T/um.out" 2>&1; rc=$?
  check "USER mode: exit 0, both slots registered" sh -c "[ '$rc' = 0 ] && [ -d '$S/gateway-default' ] && [ -d '$S/gateway-a' ]"
  check "USER mode: no supervise/ or event/ seeded" \
    sh -c "[ -z \"\$(find '$S' -name supervise -o -name event)\" ]"
  check "USER mode: the boot log is written" grep -q 'profile=a' "$H/logs/container-boot.log"
else
  skip "USER mode: needs root (to become another user)"
fi

# --- issue 18: in a private scandir (root's, written by no one else) the
# slots are built without re-opening or re-checking what root just made;
# in one that others can write (0775, or setgid), the careful path checks
# every entry. Both give the same trees, entry for entry.
if is_root; then
  H=$T/trees
  mkdir -p "$H/profiles/a" "$H/profiles/b"; : > "$H/profiles/a/SOUL.md"; : > "$H/profiles/b/SOUL.md"
  printf '{"desired_state":"running"}\n' > "$H/profiles/a/gateway_state.json"
  chown -R "$U:$U" "$H"
  for m in 0755 0775 2755; do
    S=$T/trees-scan-$m; mkdir -p "$S"; chmod "$m" "$S"
    "$R" -u "$U" -g "$U" -E -b /usr/bin "$H" "$S" >/dev/null 2>&1 || fail "trees: register-slots in a $m scandir failed"
    (cd "$S" && find gateway-* -printf '%y %U:%G %m %p\n' | LC_ALL=C sort) > "$T/trees-$m"
  done
  check "private scandir: the group layout, down only for b" \
    sh -c "grep -qx 'd 0:$U 710 gateway-a/supervise' '$T/trees-0755' && grep -qx 'p 0:$U 620 gateway-b/log/supervise/control' '$T/trees-0755' &&
           grep -qx 'd 0:0 3730 gateway-a/log/event' '$T/trees-0755' && grep -qx 'f 0:0 644 gateway-b/down' '$T/trees-0755' &&
           ! grep -q 'gateway-a/down' '$T/trees-0755'"
  check "a group-writable scandir (careful path): the same trees" cmp -s "$T/trees-0755" "$T/trees-0775"
  # (a setgid scandir gives its group to what is made in it: the careful
  # path's explicit ids are checked, not the group of the slot dirs)
  check "a setgid scandir (careful path): the same skeleton" \
    sh -c "grep -E 'supervise|event' '$T/trees-0755' > '$T/sk-a'; grep -E 'supervise|event' '$T/trees-2755' > '$T/sk-b'; cmp -s '$T/sk-a' '$T/sk-b'"
else
  skip "private and shared scandirs: needs root"
fi
