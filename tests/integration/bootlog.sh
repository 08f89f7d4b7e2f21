#!/bin/sh
# hermes-bootlog: usage, parent creation, the rotation boundary, concurrent
# appenders, symlink and hard-link refusal, and the privilege drop.
. "${HS6_TOP:?}/tests/integration/lib.sh"

L=$T/home/logs/container-boot.log
mkdir -p "$T/home"

check_exit 100 "bootlog: no argument is a usage error" hermes-bootlog
check_exit 100 "bootlog: a logfile without words is a usage error" hermes-bootlog "$L"
check_exit 100 "bootlog: -s needs a number" hermes-bootlog -s 1k "$L" x
check_exit 100 "bootlog: -u without -g is a usage error" hermes-bootlog -u 65534 "$L" x
check_exit 100 "bootlog: -U without UID/GID is a usage error" env -u UID -u GID hermes-bootlog -U "$L" x
nl='
'
check_exit 100 "bootlog: a word with a newline is refused" hermes-bootlog "$L" "profile=a${nl}2026-01-01T00:00:00+0000 profile=forged"
check_exit 100 "bootlog: a word with a carriage return is refused" hermes-bootlog "$L" "$(printf 'a\rb')"
check_not "bootlog: a refused word writes nothing" test -e "$T/home/logs"

check "bootlog: creates the parent directory and appends" hermes-bootlog "$L" profile=a prior_state=running action=started
check "bootlog: the line is TIMESTAMP words" \
  grep -Eqx '[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}[+-][0-9]{4} profile=a prior_state=running action=started' "$L"
check "bootlog: the parent directory is 0755 whatever the umask" sh -c "umask 077; hermes-bootlog '$T/u/x.log' a && [ \$(stat -c %a '$T/u') = 755 ] && [ \$(stat -c %a '$T/u/x.log') = 644 ]"
check_exit 111 "bootlog: only one level of parent is created" hermes-bootlog "$T/a/b/x.log" a

# Rotation at the default 262144 bytes: 262143 stays, 262144 rotates and
# replaces an older .1.
R=$T/rot/boot.log
mkdir -p "$T/rot"
echo old > "$R.1"
head -c 262143 /dev/zero > "$R"
hermes-bootlog "$R" below
check "bootlog: 262143 bytes is not rotated" all test "$(stat -c %s "$R")" -gt 262143 \; content_is old "$R.1"
head -c 262144 /dev/zero > "$R"
hermes-bootlog "$R" at
check "bootlog: 262144 bytes is rotated to .1, replacing it" \
  all stat_is %s 262144 "$R.1" \; grep -q ' at$' "$R" \; lines_is 1 "$R"
printf '0123456789' > "$R"
check "bootlog: -s 10 rotates a 10-byte file" all hermes-bootlog -s 10 "$R" s \; content_is 0123456789 "$R.1"
printf '012345678' > "$R"
check "bootlog: -s 10 keeps a 9-byte file" all hermes-bootlog -s 10 "$R" s \; output_is 012345678 head -c 9 "$R"

# 20 processes x 50 lines, each line long enough to show interleaving.
C=$T/conc/boot.log
pad=$(head -c 300 /dev/zero | tr '\0' x)
i=1
while [ $i -le 20 ]; do
  ( j=1; while [ $j -le 50 ]; do hermes-bootlog "$C" "w=$i" "n=$j" "$pad" || echo "writer $i line $j failed" >&2; j=$((j + 1)); done ) 2>>"$T/conc.err" &
  i=$((i + 1))
done
wait
# About 340 KB: rotated once at 256 KiB, so both files hold everything.
check "bootlog: 20 concurrent writers x 50 lines: 1000 whole lines" \
  all every_line '^[0-9T:+-]{24} w=[0-9]+ n=[0-9]+ x{300}$' "$C.1" \; every_line '^[0-9T:+-]{24} w=[0-9]+ n=[0-9]+ x{300}$' "$C" \; \
    lines_is 1000 "$C.1" "$C" \; test ! -s "$T/conc.err"
check "bootlog: every writer's every line is there once" \
  sh -c "[ \$(cat '$C.1' '$C' | awk '{print \$2, \$3}' | sort -u | wc -l) = 1000 ]"

# Concurrent appenders while the file keeps rotating: no line is torn.
K=$T/crot/boot.log
i=1
while [ $i -le 10 ]; do
  ( j=1; while [ $j -le 30 ]; do hermes-bootlog -s 2000 "$K" "w=$i" "n=$j" "$pad" || echo fail >&2; j=$((j + 1)); done ) 2>>"$T/crot.err" &
  i=$((i + 1))
done
wait
check "bootlog: concurrent appends with rotation: whole lines only, no failure" \
  all test ! -s "$T/crot.err" \; every_line '^[0-9T:+-]{24} w=[0-9]+ n=[0-9]+ x{300}$' "$K" \; \
    every_line '^[0-9T:+-]{24} w=[0-9]+ n=[0-9]+ x{300}$' "$K.1"

# A symlink or a hard link in place of the log is never written through.
S=$T/sym
mkdir -p "$S/logs"
echo precious > "$S/target"
ln -s "$S/target" "$S/logs/boot.log"
check_exit 111 "bootlog: a symlinked logfile is refused" hermes-bootlog "$S/logs/boot.log" forged
check "bootlog: the symlink's target is not written" content_is precious "$S/target"
ln -s "$S/nowhere" "$S/logs/dangling.log"
check_exit 111 "bootlog: a dangling symlink is refused" hermes-bootlog "$S/logs/dangling.log" forged
check_not "bootlog: the dangling symlink's target is not created" test -e "$S/nowhere"
ln -s "$S/logs" "$S/linkdir"
check_exit 111 "bootlog: a symlinked parent directory is refused" hermes-bootlog "$S/linkdir/new.log" forged
check_not "bootlog: nothing is created through it" test -e "$S/logs/new.log"
echo precious > "$S/shadow"
ln "$S/shadow" "$S/logs/hard.log"
check_exit 111 "bootlog: a hard-linked logfile is refused" hermes-bootlog "$S/logs/hard.log" forged
check "bootlog: the other name of the hard link is not written" content_is precious "$S/shadow"

# Privilege drop.
if is_root; then
  P=$T/priv
  mkdir -p "$P/rootonly" "$P/open"
  chmod 0700 "$P/rootonly"; chmod 0777 "$P/open"
  check_exit 111 "bootlog: -u 65534 -g 65534 cannot write a root-only 0700 directory" \
    hermes-bootlog -u 65534 -g 65534 "$P/rootonly/boot.log" x
  check_not "bootlog: nothing was written there" test -e "$P/rootonly/boot.log"
  check_exit 111 "bootlog: -u 65534 -g 65534 cannot create a log directory in a root 0755 one" \
    hermes-bootlog -u 65534 -g 65534 "$P/newdir/boot.log" x
  check "bootlog: -u 65534 -g 65534 creates a file owned by 65534" \
    all hermes-bootlog -u 65534 -g 65534 "$P/open/boot.log" x \; stat_is %u:%g 65534:65534 "$P/open/boot.log"
  check "bootlog: -U under s6-envuidgid nobody creates its directory as 65534" \
    all s6-envuidgid nobody hermes-bootlog -U "$P/open/logs/boot.log" x \; stat_is %u:%g 65534:65534 "$P/open/logs" "$P/open/logs/boot.log"
  echo rootline > "$P/open/root.log"; chmod 0644 "$P/open/root.log"
  check_exit 111 "bootlog: after the drop a root-owned 0644 log cannot be appended" \
    hermes-bootlog -u 65534 -g 65534 "$P/open/root.log" x
else
  skip "bootlog: privilege drop: needs root"
fi

# Already running as the target ids, unprivileged (as under s6-setuidgid,
# which leaves the primary group as a supplementary one): nothing to drop.
mkdir -p "$T/same"
if is_root; then
  chown "$NOBODY:$NOBODY" "$T/same"
  check "bootlog: -u/-g of the ids it already runs as, unprivileged, is fine" \
    as_nobody hermes-bootlog -u "$NOBODY" -g "$NOBODY" "$T/same/boot.log" already dropped
else
  skip "bootlog: -u/-g of the ids it already runs as: needs root (as_nobody, chown)"
fi
check_exit 100 "bootlog: -u 4294967295 (no-change id) is a usage error" hermes-bootlog -u 4294967295 -g 65534 "$T/same/x.log" x

# A short write (here RLIMIT_FSIZE; a full disk alike) leaves no half line.
head -c 1000 /dev/zero | tr '\0' a > "$T/short.log"; echo >> "$T/short.log"
long=$(head -c 1500 /dev/zero | tr '\0' b)   # crosses 2 blocks, be they 512 (dash) or 1024 bytes (bash)
sh -c 'ulimit -f 2; exec hermes-bootlog -s 0 "$1" "$2"' x "$T/short.log" "$long" 2>/dev/null; rc=$?
check "bootlog: a short write fails with 111" [ "$rc" = 111 ]
check "bootlog: ... and is cut back off the file" [ "$(wc -c < "$T/short.log")" = 1001 ]
