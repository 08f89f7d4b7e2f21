#!/bin/sh
# hs6-s6-matrix: tests/run runs this on s6 2.11 and on s6-overlay's 2.15
# The symlink attacks of SPEC.md ("Security") against a service seeded in the
# group layout and supervised by a real s6-svscan: the unprivileged uid can
# plant nothing in supervise/ or event/, and a root-only victim file stays
# byte-identical while that uid drives the service up and down.
. "${HS6_TOP:?}/tests/integration/lib.sh"

if ! is_root; then
  skip "seed-security: needs root (s6-svscan as root, attacks as uid $NOBODY)"
  exit 0
fi

G=$NOBODY
S=$T/scan
V=$T/victim
start_svscan "$S" || exit 1

# The victim: a root-only file that s6-supervise, as root, must never write.
printf 'root only: do not touch\n' >"$V"
chmod 0600 "$V"
cp -p "$V" "$T/victim.orig"
stat -c '%i %u %g %a %s %Y' "$V" >"$T/victim.stat"
# Another service's control FIFO: an ftrig1 symlink to it would inject commands.
mkdir -p "$T/other/supervise"
mkfifo -m 0600 "$T/other/supervise/control"

for name in a b; do
  mkdir -p "$S/.$name/log"
  printf '#!/usr/bin/execlineb -P\nsleep 1000\n' >"$S/.$name/run"
  printf '#!/usr/bin/execlineb -P\ncat\n' >"$S/.$name/log/run"
  chmod 0755 "$S/.$name/run" "$S/.$name/log/run"
done
hermes-seed-supervise -g "$G" "$S/.a" || fail "seed-security: seeding a failed"
hermes-seed-supervise -e -g "$G" "$S/.b" || fail "seed-security: seeding b failed"
mv "$S/.a" "$S/a" && mv "$S/.b" "$S/b" && s6-svscanctl -a "$S"
for d in "$S/a" "$S/a/log" "$S/b"; do
  wait_until 5000 svc_up "$d" || fail "seed-security: $d did not come up"
done

# A 39-character ftrig1 name, the shape of the FIFOs s6-ftrig-wait creates
# (ftrig1:@ + 24 hex digits of a TAI64N stamp + : + 6 random characters).
FTRIG=ftrig1:@400000006566aabb11223344:Xy7kQ2
[ ${#FTRIG} = 39 ] || fail "seed-security: the ftrig1 name is ${#FTRIG} characters, not 39"

# plant NAME LINK TARGET: as nobody, ln -s TARGET LINK must fail with EACCES
# and leave no LINK behind.
plant() {
  _n=$1 _l=$2 _t=$3
  _o=$(as_nobody ln -s "$_t" "$_l" 2>&1); _r=$?
  if [ "$_r" = 0 ] || [ -L "$_l" ]; then fail "$_n: the symlink was planted"
  elif ! printf %s "$_o" | grep -q 'Permission denied'; then fail "$_n: failed, but not with EACCES: $_o"
  else ok "$_n"
  fi
}

plant "seed-security: nobody cannot plant supervise/status.new" "$S/a/supervise/status.new" "$V"
plant "seed-security: nobody cannot plant supervise/death_tally.new" "$S/a/supervise/death_tally.new" "$V"
plant "seed-security: nobody cannot plant supervise/lock" "$S/a/supervise/lock.new" "$V"
plant "seed-security: nobody cannot plant event/$FTRIG" "$S/a/event/$FTRIG" "$V"
plant "seed-security: nobody cannot plant an ftrig1 link to another control FIFO" "$S/a/event/$FTRIG" "$T/other/supervise/control"
plant "seed-security: nobody cannot plant log/supervise/status.new" "$S/a/log/supervise/status.new" "$V"
plant "seed-security: nobody cannot plant log/event/$FTRIG" "$S/a/log/event/$FTRIG" "$V"
# denied NAME CMD...: CMD, run as nobody, fails with EACCES.
denied() {
  _n=$1; shift
  _o=$(as_nobody "$@" 2>&1) && { fail "$_n: $* succeeded"; return; }
  if printf %s "$_o" | grep -q 'Permission denied'; then ok "$_n"; else fail "$_n: failed, but not with EACCES: $_o"; fi
}
denied "seed-security: nobody cannot read commands from control" sh -c "exec 3<'$S/a/supervise/control'"
denied "seed-security: nobody cannot list supervise/" ls "$S/a/supervise"
denied "seed-security: nobody cannot write s6-supervise's status" sh -c "printf x >>'$S/a/supervise/status'"
denied "seed-security: nobody cannot replace supervise/status" mv -f "$S/a/supervise/control" "$S/a/supervise/status"
denied "seed-security: nobody cannot remove supervise/control" rm -f "$S/a/supervise/control"
denied "seed-security: nobody cannot make a FIFO in event/" mkfifo "$S/a/event/$FTRIG"
check "seed-security: the layout is still root's" \
  all stat_is %u:%g:%a "0:$G:710" "$S/a/supervise" \; stat_is %u:%g:%a 0:0:3730 "$S/a/event"

# Round trips by nobody: every state change makes s6-supervise write
# status.new and notify event/; none of it may reach the victim.
round_trips() {
  for _i in 1 2 3 4 5; do
    as_nobody s6-svc -d "$1" && wait_until 5000 svc_down "$1" || return 1
    as_nobody s6-svc -u "$1" && wait_until 5000 svc_up "$1" || return 1
  done
  as_nobody s6-svc -t "$1" && wait_until 5000 svc_up "$1"
}
check "seed-security: nobody drives a up and down five times" round_trips "$S/a"
check "seed-security: nobody drives a/log up and down five times" round_trips "$S/a/log"
check "seed-security: the victim is byte-identical" cmp "$V" "$T/victim.orig"
check "seed-security: the victim's inode, owner, mode, size and mtime are unchanged" \
  output_is "$(cat "$T/victim.stat")" stat -c '%i %u %g %a %s %Y' "$V"
check "seed-security: no symlink anywhere under the service" output_is '' find "$S/a" -type l

# -e is the documented risk: the group may create entries in event/ (the
# sticky bit keeps it from removing s6's). Shown, so that the doc stays true.
check "seed-security: with -e the group can create in event/ (documented risk)" \
  all as_uid "$NOBODY" "$G" ln -s "$T/decoy" "$S/b/event/$FTRIG" \; test -L "$S/b/event/$FTRIG"
rm -f "$S/b/event/$FTRIG"
check "seed-security: with -e supervise/ is still closed" not as_uid "$NOBODY" "$G" ln -s "$V" "$S/b/supervise/status.new"
check "seed-security: the victim is still byte-identical at the end" cmp "$V" "$T/victim.orig"
