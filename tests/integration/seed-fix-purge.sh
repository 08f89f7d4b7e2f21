# hs6-s6-matrix: tests/run runs this on s6 2.11 and on s6-overlay's 2.15
# hermes-seed-supervise -f on a service whose supervise/ was the user's
# (the reference "owner" layout) and whose event/ was open to the group:
# what the user planted there while it could (SPEC.md's symlink attacks)
# is removed, s6's own files and subscription FIFOs are kept, and a live
# s6-supervise keeps working with root's writes landing nowhere else.
. "$HS6_TOP/tests/integration/lib.sh"
if ! is_root; then
  skip "seed -f purge: needs root (chown to uid 65534)"; exit 0
fi
victim=$T/victim; printf 'root only\n' > "$victim"; chmod 0600 "$victim"
sum0=$(cksum < "$victim")
S=$T/scan; mkdir -p "$S"
svc=$T/scan/.svc; mkdir -p "$svc"
printf '#!/usr/lib/execline/bin/execlineb -P\nsleep 100000\n' > "$svc/run"; chmod 0755 "$svc/run"
# The reference layout: everything the user's.
hermes-seed-supervise -o -u "$NOBODY" -g "$NOBODY" "$svc"
mv "$svc" "$S/svc"; svc=$S/svc
start_svscan "$S" || exit 1
wait_until 5000 supervised "$svc" || fail "seed -f purge: the service was not supervised"
# The user plants the proven attacks.
as_nobody sh -c "ln -s '$victim' '$svc/supervise/status.new'; ln -s '$victim' '$svc/supervise/death_tally.new'
  ln -s '$victim' '$svc/event/ftrig1:@40000000aaaaaaaaaaaaaaaaaaaaaa'; mkfifo '$svc/event/ftrig1:@40000000bbbbbbbbbbbbbbbbbbbbbb'"
mkfifo "$svc/event/ftrig1:@40000000cccccccccccccccccccccc"
check "seed -f purge: the planted symlinks exist before the fix" test -L "$svc/supervise/status.new"
hermes-seed-supervise -f -g "$NOBODY" "$svc" >"$T/fix.out" 2>&1; rc=$?
check "seed -f purge: exits 0" [ "$rc" = 0 ]
check "seed -f purge: says what it removed" grep -q 'warning: removing .*/supervise/status.new' "$T/fix.out"
check_not "seed -f purge: supervise/status.new symlink removed" test -L "$svc/supervise/status.new"
check_not "seed -f purge: supervise/death_tally.new symlink removed" test -L "$svc/supervise/death_tally.new"
check_not "seed -f purge: event/ftrig1 symlink removed" test -L "$svc/event/ftrig1:@40000000aaaaaaaaaaaaaaaaaaaaaa"
check_not "seed -f purge: the user's FIFO in event/ goes (no -e: the group may not subscribe)" test -p "$svc/event/ftrig1:@40000000bbbbbbbbbbbbbbbbbbbbbb"
check "seed -f purge: root's own subscription FIFO in event/ is kept" test -p "$svc/event/ftrig1:@40000000cccccccccccccccccccccc"
check "seed -f purge: s6-supervise's lock and status are kept" test -f "$svc/supervise/lock" -a -f "$svc/supervise/status"
check "seed -f purge: supervise/ is root:GID 0710 now" [ "$(mode_of "$svc/supervise")" = "0:$NOBODY:710:directory" ]
check "seed -f purge: the user can still control it" sh -c "s6-applyuidgid -u $NOBODY -g $NOBODY -G '' s6-svc -d '$svc' && s6-applyuidgid -u $NOBODY -g $NOBODY -G '' s6-svc -u '$svc'"
wait_until 5000 svc_up "$svc"
check_not "seed -f purge: the user cannot plant again" as_nobody ln -s "$victim" "$svc/supervise/status.new"
check "seed -f purge: the root-only victim is byte-identical after the round trips" [ "$(cksum < "$victim")" = "$sum0" ]
out=$(hermes-seed-supervise -f -g "$NOBODY" "$svc" 2>&1)
check "seed -f purge: a second -f finds nothing to remove" [ -z "$out" ]

# control itself swapped for a symlink while supervise/ was the user's:
# fix mode takes supervise/ first, then replaces control with a FIFO of its
# own (the supervisor listens again once restarted), never writing through.
svc2=$S/.svc2; mkdir -p "$svc2"
hermes-seed-supervise -o -u "$NOBODY" -g "$NOBODY" "$svc2"
as_nobody sh -c "rm '$svc2/supervise/control' && ln -s '$victim' '$svc2/supervise/control'"
hermes-seed-supervise -f -g "$NOBODY" "$svc2" >"$T/fix2.out" 2>&1; rc=$?
check "seed -f purge: a symlinked control is replaced (exit 0)" [ "$rc" = 0 ]
check "seed -f purge: ... by a FIFO root:GID 0620" [ "$(mode_of "$svc2/supervise/control")" = "0:$NOBODY:620:fifo" ]
check "seed -f purge: ... with a warning to restart the service" grep -q 'replacing .*control' "$T/fix2.out"
check "seed -f purge: ... and the victim is untouched" [ "$(cksum < "$victim")" = "$sum0" ]

# A planted directory that cannot be removed (deeper than remove_tree goes)
# does not shield the symlinks next to it: they go first, and -f dies 111.
svc3=$S/.svc3; mkdir -p "$svc3"
hermes-seed-supervise -o -u "$NOBODY" -g "$NOBODY" "$svc3"
as_nobody sh -c "cd '$svc3/supervise' && mkdir deep && cd deep && i=0 && while [ \$i -lt 300 ]; do mkdir d && cd d; i=\$((i + 1)); done"
as_nobody ln -s "$victim" "$svc3/supervise/status.new"
hermes-seed-supervise -f -g "$NOBODY" "$svc3" >"$T/fix3.out" 2>&1; rc=$?
check "seed -f purge: an unremovable planted dir makes -f exit 111" [ "$rc" = 111 ]
check_not "seed -f purge: ... but the symlink beside it is gone" test -L "$svc3/supervise/status.new"
check "seed -f purge: ... and the user can no longer enter the planted dir" \
  sh -c "[ \$(stat -c %u:%a '$svc3/supervise/deep') = 0:700 ]"
rm -rf "$svc3"
