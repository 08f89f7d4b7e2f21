#!/bin/sh
# Issue 10: a late s6-supervise. s6-svscan forks an s6-supervise for a slot
# it has just seen; if publish -f exchanges the slot out or unpublish hides
# it between that child's chdir and its lock, the child runs in the tree
# being removed, after every check of supervise/lock. Here such a child is
# made by hand, deterministically: a process enters the slot's dir (or its
# log/) before the operation, waits until a given entry of that dir is gone
# (a point in the removal, slowed down by strace's delay injection), then
# execs s6-supervise there. Whatever the point, the operation ends with the
# tree gone and that s6-supervise dead: it may never keep running in a
# hidden or deleted tree. All of it with Debian's s6-supervise (s6 2.11),
# then with s6 2.15's, as s6-overlay 3.2 pins it, from the harness in
# ../shared (skipped when that is not there).
. "${HS6_TOP:?}/tests/integration/lib.sh"

if ! is_root || ! command -v strace >/dev/null; then
  skip "late supervisor: needs root and strace"; exit 0
fi
S=$T/scan
mkdir -p "$S"

# render NAME DIR: a rendered and seeded, never supervised slot tree at DIR.
render() {
  hermes-render-slot -E -b /usr/bin -u "$2" "$1" >/dev/null &&
    hermes-seed-supervise -g "$NOBODY" "$2" >/dev/null
}

# late DIR WHEN: prints the pid of a process that enters DIR now, then,
# once DIR/WHEN is gone (at once when WHEN is "-"; WHEN "+F" waits for F
# to appear first), execs s6-supervise on its cwd, as s6-svscan's child
# would. Each wait gives up after 100000 looks (the operation is over).
late() {
  ( cd "$1" || exit 111
    w=${2#+} n=0
    if [ "$2" != "$w" ]; then
      until [ -e "$w" ]; do n=$((n + 1)); [ "$n" -lt 100000 ] || exit 0; done
    fi
    if [ "$w" != - ]; then
      while [ -e "$w" ] || [ -L "$w" ]; do n=$((n + 1)); [ "$n" -lt 100000 ] || exit 0; done
    fi
    exec "$SUPERVISE" . ) >"$T/late.out" 2>&1 &
  echo $!
}

# gone PID: PID has exited (a zombie of this shell counts as exited).
gone() { ! [ -d "/proc/$1" ] || grep -q '^[^ ]* ([^)]*) [ZX]' "/proc/$1/stat" 2>/dev/null; }

# slow CMD...: CMD with every unlinkat and rmdir-by-unlinkat delayed 15 ms,
# so that a late s6-supervise can start at any point of a removal.
slow() { strace -f -qq -o /dev/null -e trace=unlinkat -e inject=unlinkat:delay_exit=15000 "$@"; }

# verdict NAME OP_EXIT PID TREE...: the operation exited 0, PID is gone
# within 10 s (a deadline on the clock: only a failure waits it out),
# and no TREE is left.
verdict() {
  _n=$1 _r=$2 _p=$3; shift 3
  _w=
  [ "$_r" = 0 ] || _w="exit $_r: $(tail -2 "$T/op.err" | tr '\n' ' ')"
  if ! wait_until 10000 gone "$_p"; then
    _w="$_w; the late s6-supervise $_p still runs in $(readlink "/proc/$_p/cwd")"
    kill -9 "$_p" 2>/dev/null
  fi
  wait "$_p" 2>/dev/null
  for _d in "$@"; do [ ! -e "$_d" ] || _w="$_w; $_d left"; done
  if [ -z "$_w" ]; then ok "$_n"; else fail "$_n: $_w"; fi
}

# cases VERSION: every case, with the s6-supervise at $SUPERVISE.
cases() {
# The points: entries of a slot dir and of its log/, in no fixed order of
# removal (getdents order), so each is tried.
for sub in . log; do
  # (Nothing makes a supervise/lock in a tree that was never supervised:
  # the teardown only looks.)
  for when in supervise/control supervise event run type finish; do
    [ "$sub" = log ] && [ "$when" = type ] && continue
    [ "$sub" = log ] && [ "$when" = finish ] && continue

    # unpublish: the late one entered before the slot was hidden.
    render r "$S/.gateway-r.1"; hermes-publish-slot "$S/.gateway-r.1" "$S/gateway-r" || return 1
    pid=$(late "$S/gateway-r/$sub" "$when")
    slow hermes-unpublish-slot -t 3000 "$S/gateway-r" 2>"$T/op.err"; r=$?
    verdict "late supervisor ($1): unpublish, one starting in $sub once $when is gone" "$r" "$pid" \
      "$S/gateway-r" "$S/.gateway-r"

    # publish -f: the late one entered the tree that is exchanged out.
    render p "$S/.gateway-p.1"; hermes-publish-slot "$S/.gateway-p.1" "$S/gateway-p" || return 1
    render p "$S/.gateway-p.2"
    pid=$(late "$S/gateway-p/$sub" "$when")
    slow hermes-publish-slot -f "$S/.gateway-p.2" "$S/gateway-p" 2>"$T/op.err"; r=$?
    verdict "late supervisor ($1): publish -f, one starting in the replaced $sub once $when is gone" "$r" "$pid" \
      "$S/.gateway-p.2"
    hermes-unpublish-slot -t 3000 "$S/gateway-p" 2>/dev/null
  done
done

# At once, before the operation looks: the late one is then simply the
# slot's supervisor, told to exit like any other.
render r "$S/.gateway-r.1"; hermes-publish-slot "$S/.gateway-r.1" "$S/gateway-r" || return 1
pid=$(late "$S/gateway-r" -)
wait_until 10000 supervised "$S/gateway-r"
slow hermes-unpublish-slot -t 3000 "$S/gateway-r" 2>"$T/op.err"; r=$?
verdict "late supervisor ($1): unpublish of a slot whose supervisor started first" "$r" "$pid" "$S/gateway-r" "$S/.gateway-r"
}

SUPERVISE=$(command -v s6-supervise)
cases "s6 2.11" || fail "late supervisor (s6 2.11): a slot could not be set up"

# s6 2.15's, built (static) by the harness; its build is cached.
OV_BUILD=${HS6_SHARED:-$HS6_TOP/../shared}/s6-overlay/build
if [ ! -x "$OV_BUILD" ]; then
  skip "late supervisor (s6 2.15): no s6-overlay harness at $OV_BUILD"
elif ! b=$("$OV_BUILD" 2>"$T/build.err"); then
  skip "late supervisor (s6 2.15): the harness cannot be built here: $(tail -1 "$T/build.err")"
else
  for SUPERVISE in "$b"/overlay/package/admin/s6-2.15*/command/s6-supervise; do :; done
  if [ -x "$SUPERVISE" ]; then
    cases "s6 2.15" || fail "late supervisor (s6 2.15): a slot could not be set up"
  else
    fail "late supervisor (s6 2.15): no s6-supervise in the harness build $b"
  fi
fi

# --- A tree that cannot be removed (more than 256 levels in event/, which
# the group may write with seed -e) is left under the slot's hidden name,
# stopped: supervise/ a regular file in it and in its log/, so that an
# s6-supervise started there (late, or by hand) exits at once. Once the
# plant is gone, the next unpublish of the slot removes it.
SUPERVISE=$(command -v s6-supervise)
plant() { (cd "$1" && i=0 && while [ $i -lt 300 ]; do mkdir d && cd d || exit 1; i=$((i + 1)); done); }
# disarmed DIR: supervise an empty regular file, in DIR and in its log/ if
# that is still there (the removal may have got through it).
disarmed() { [ -f "$1/supervise" ] && [ ! -s "$1/supervise" ] && { [ ! -e "$1/log" ] || [ -f "$1/log/supervise" ]; }; }
# dies_at_once DIR: an s6-supervise started in DIR is gone within 10 s.
dies_at_once() {
  ( cd "$1" && exec "$SUPERVISE" . ) >/dev/null 2>&1 & _p=$!
  if wait_until 10000 gone "$_p"; then wait "$_p" 2>/dev/null; return 0; fi
  kill -9 "$_p"; wait "$_p" 2>/dev/null; return 1
}

render r "$S/.gateway-r.1"; hermes-publish-slot "$S/.gateway-r.1" "$S/gateway-r" || exit 1
plant "$S/gateway-r/event"
pid=$(late "$S/gateway-r" supervise/control)
hermes-unpublish-slot -t 3000 "$S/gateway-r" 2>"$T/op.err"; r=$?
if [ "$r" = 111 ] && grep -q "left in place, stopped: no s6-supervise can start on it" "$T/op.err" &&
   [ ! -e "$S/gateway-r" ] && disarmed "$S/.gateway-r" && wait_until 10000 gone "$pid"; then
  ok "unremovable tree: unpublish exits 111, the tree stays hidden (not put back half-removed), disarmed, the late supervisor gone"
else
  fail "unremovable tree: unpublish exit $r: $(cat "$T/op.err"); slot: $(ls -A "$S" | tr '\n' ' '); late $pid: $(readlink "/proc/$pid/cwd")"
  kill -9 "$pid" 2>/dev/null
fi
wait "$pid" 2>/dev/null
check "unremovable tree: an s6-supervise started on the disarmed tree exits at once" dies_at_once "$S/.gateway-r"
check "unremovable tree: ... and on its log/, if the removal left one" \
  sh -c "[ ! -d '$S/.gateway-r/log' ] || { cd '$S/.gateway-r/log' && timeout 2 '$SUPERVISE' . >/dev/null 2>&1; [ \$? = 100 ]; }"
rm -rf "$S/.gateway-r/event"
check "unremovable tree: the plant gone, a rerun removes the disarmed tree" \
  sh -c "hermes-unpublish-slot -t 3000 '$S/gateway-r' && [ ! -e '$S/.gateway-r' ]"

render p "$S/.gateway-p.1"; hermes-publish-slot "$S/.gateway-p.1" "$S/gateway-p" || exit 1
plant "$S/gateway-p/event"
render p "$S/.gateway-p.2"
hermes-publish-slot -f "$S/.gateway-p.2" "$S/gateway-p" 2>"$T/op.err"; r=$?
if [ "$r" = 0 ] && grep -q "is published, but the tree it replaced is not gone" "$T/op.err" &&
   [ -f "$S/gateway-p/run" ] && [ ! -e "$S/.gateway-p.2" ] && disarmed "$S/.gateway-p"; then
  ok "unremovable tree: publish -f publishes, warns, and leaves the replaced tree stopped under the hidden name"
else
  fail "unremovable tree: publish -f exit $r: $(cat "$T/op.err"); $(ls -A "$S" | tr '\n' ' ')"
fi
check "unremovable tree: an s6-supervise started on the replaced tree exits at once" dies_at_once "$S/.gateway-p"
rm -rf "$S/.gateway-p/event"
check "unremovable tree: the plant gone, the next unpublish of the slot removes the replaced tree and the slot" \
  sh -c "hermes-unpublish-slot -t 3000 '$S/gateway-p' && [ ! -e '$S/.gateway-p' ] && [ ! -e '$S/gateway-p' ]"

# --- hermes-render-slot into a staging name whose leftover is a tree a
# killed publish -f exchanged out, with a supervisor on it: the leftover is
# torn down (its supervisor stopped), never deleted under it. And a slot's
# hidden name is refused as a staging name.
render w "$S/.gateway-w.tmp"
( cd "$S/.gateway-w.tmp" && exec "$SUPERVISE" . ) >/dev/null 2>&1 & pid=$!
wait_until 10000 supervised "$S/.gateway-w.tmp"
hermes-render-slot -E -b /usr/bin -u "$S/.gateway-w.tmp" w >/dev/null 2>"$T/op.err"; r=$?
if [ "$r" = 0 ] && wait_until 10000 gone "$pid" && [ -f "$S/.gateway-w.tmp/run" ] && [ ! -e "$S/.gateway-w.tmp/supervise" ]; then
  ok "render: a leftover with a live supervisor is torn down (supervisor stopped), then rendered afresh"
else
  fail "render over a supervised leftover: exit $r: $(cat "$T/op.err"); supervisor $pid in $(readlink "/proc/$pid/cwd")"
  kill -9 "$pid" 2>/dev/null
fi
wait "$pid" 2>/dev/null
rm -rf "$S/.gateway-w.tmp"
check_exit 100 "render: a slot's hidden name (.gateway-w) is refused as a staging dir" \
  hermes-render-slot -E -b /usr/bin -u "$S/.gateway-w" w

