#!/bin/sh
# cont-init.d/02-reconcile-profiles on hostile volumes (owned by uid 65534,
# who may plant anything in them): symlinked profile dirs, profiles/ or
# logs/container-boot.log or gateway.pid as symlinks out of the volume, a
# FIFO or 10 MiB state file, a 243-byte name, an unwritable logs/. The boot
# always finishes, registers every other profile, and changes nothing
# outside the volume and the scandir (a sentinel tree is checksummed).
. "${HS6_TOP:?}/tests/integration/lib.sh"

P=$HS6_ETC/cont-init.d/02-reconcile-profiles

if ! is_root; then
  skip "02 bad volumes: needs root (root working in a volume owned by uid 65534)"
  exit 0
fi

# The sentinel tree: everything the volumes point at, outside them.
O=$T/outside
mkdir -p "$O/prof" "$O/profiles/alpha"
echo soul > "$O/prof/SOUL.md"
printf '{"desired_state":"running"}\n' > "$O/prof/gateway_state.json"
echo 42 > "$O/prof/gateway.pid"
echo soul > "$O/profiles/alpha/SOUL.md"
printf '{"desired_state":"running"}\n' > "$O/profiles/alpha/gateway_state.json"
echo 42 > "$O/profiles/alpha/gateway.pid"
echo "root only" > "$O/rootonly"; chmod 0600 "$O/rootonly"
echo 4242 > "$O/pidfile"
echo '{}' > "$O/processes.json"
sentinel() { (cd "$O" && find . -printf '%p %y %u:%g %m %s %l\n' | sort && find . -type f -exec sha256sum {} + | sort) | sha256sum; }
before=$(sentinel)

export HERMES_USER=nobody HERMES_GATEWAY_PROG=/bin/true
unset GATEWAY_MULTIPLEX_PROFILES
# run02 HOME SCANDIR TAG: 02 under a 60 s timeout; output in $T/TAG.out/.err, exit code in $T/TAG.rc
run02() {
  mkdir -p "$2"
  HERMES_HOME=$1 S6_PROFILE_GATEWAY_SCANDIR=$2 timeout 60 "$P" >"$T/$3.out" 2>"$T/$3.err"
  echo $? > "$T/$3.rc"
}
rc_is() { [ "$(cat "$T/$1.rc")" = "$2" ]; }
slots() { (cd "$1" && ls -d gateway-* 2>/dev/null | tr '\n' ' '); }

# --- volume 1: every hostile profile next to good ones
H=$T/home1 S=$T/scan1
mkdir -p "$H/profiles"
printf '{"desired_state":"running"}\n' > "$H/gateway_state.json"
ln -s "$O/pidfile" "$H/gateway.pid"
ln -s "$O/processes.json" "$H/processes.json"
mk() { mkdir -p "$H/profiles/$1" && echo soul > "$H/profiles/$1/SOUL.md"; }
mk good-a; printf '{"desired_state":"running"}\n' > "$H/profiles/good-a/gateway_state.json"
mk good-z
ln -s "$O/prof" "$H/profiles/linked"
mk fifo; mkfifo "$H/profiles/fifo/gateway_state.json"
mk big; head -c 10485760 /dev/zero | tr '\0' ' ' > "$H/profiles/big/gateway_state.json"
printf '{"desired_state":"running"}' >> "$H/profiles/big/gateway_state.json"
N243=$(printf '%0243d' 0 | tr 0 a)
N242=$(printf '%0242d' 0 | tr 0 b)
mk "$N243"; mk "$N242"
mk statelink; ln -s "$O/prof/gateway_state.json" "$H/profiles/statelink/gateway_state.json"
mk pidlink; ln -s "$O/profiles/alpha/gateway.pid" "$H/profiles/pidlink/gateway.pid"
mkdir -p "$H/logs"
ln -s "$O/rootonly" "$H/logs/container-boot.log"
chown -R "$NOBODY:$NOBODY" "$H"

run02 "$H" "$S" v1
check "bad volume: the boot finishes and exits 0 (no profile failed)" rc_is v1 0
want="gateway-$N242 gateway-big gateway-default gateway-fifo gateway-good-a gateway-good-z gateway-pidlink gateway-statelink "
got=$(slots "$S")
if [ "$got" = "$want" ]; then ok "bad volume: every other profile is registered"; else fail "bad volume: slots: $got"; fi
check_not "bad volume: the symlinked profile dir has no slot" test -e "$S/gateway-linked"
check "bad volume: ... and is skipped with a warning" grep -q 'skipping .*profiles/linked: a symbolic link' "$T/v1.err"
check "bad volume: ... logged skipped" grep -q 'profile=linked prior_state=none action=skipped' "$T/v1.out"
check "bad volume: the FIFO state file is state none, with a warning" \
  all grep -q 'profile=fifo prior_state=none action=registered' "$T/v1.out" \; grep -q fifo/gateway_state.json "$T/v1.err"
check "bad volume: the 10 MiB state file is state none, with a warning" \
  all grep -q 'profile=big prior_state=none action=registered' "$T/v1.out" \; grep -q big/gateway_state.json "$T/v1.err"
check "bad volume: a symlinked state file is not followed (state none)" \
  grep -q 'profile=statelink prior_state=none action=registered' "$T/v1.out"
check "bad volume: the 243-byte name is skipped, logged cut to 64 bytes" \
  grep -q "profile=$(printf '%064d' 0 | tr 0 a)\.\.\. prior_state=none action=skipped" "$T/v1.out"
check "bad volume: ... and has no slot" absent "$S"/*aaaa*
check "bad volume: the 242-byte name (the longest) is registered and down" \
  all test -d "$S/gateway-$N242" \; test -e "$S/gateway-$N242/down"
check "bad volume: no staging dir left" absent "$S"/.gateway-*
check "bad volume: logs/container-boot.log as a symlink: a warning" grep -q 'container-boot.log is a symbolic link' "$T/v1.err"
check "bad volume: ... the link is still the link" output_is "$O/rootonly" readlink "$H/logs/container-boot.log"
check "bad volume: ... and the root-only file it points to is unwritten" content_is 'root only' "$O/rootonly"
check_not "bad volume: ... no .1 made of it" test -e "$H/logs/container-boot.log.1"
check_not "bad volume: HERMES_HOME/gateway.pid symlink removed" test -L "$H/gateway.pid"
check_not "bad volume: HERMES_HOME/processes.json symlink removed" test -L "$H/processes.json"
check_not "bad volume: profiles/pidlink/gateway.pid symlink removed" test -L "$H/profiles/pidlink/gateway.pid"
check "bad volume: the files they pointed to are intact" \
  all content_is 4242 "$O/pidfile" \; content_is 42 "$O/profiles/alpha/gateway.pid" \; test -f "$O/processes.json"

# --- volume 2: profiles/ itself a symlink (to a tree with a valid profile)
H=$T/home2 S=$T/scan2
mkdir -p "$H"
ln -s "$O/profiles" "$H/profiles"
chown -R -h "$NOBODY:$NOBODY" "$H"
run02 "$H" "$S" v2
check "profiles/ a symlink: the boot exits 0" rc_is v2 0
check "profiles/ a symlink: only the default slot" output_is 'gateway-default ' slots "$S"
check "profiles/ a symlink: a warning that names it" grep -q 'warning: .*profiles.*no named profiles registered' "$T/v2.err"
check "profiles/ a symlink: the boot log has only the default line" \
  all lines_is 1 "$H/logs/container-boot.log" \; grep -q 'profile=default ' "$H/logs/container-boot.log"

# --- volume 3: logs/ root-owned 0755: the log (written as 65534) cannot be made
H=$T/home3 S=$T/scan3
mkdir -p "$H/profiles/one" "$H/logs"
echo soul > "$H/profiles/one/SOUL.md"
chown -R "$NOBODY:$NOBODY" "$H"
chown 0:0 "$H/logs"; chmod 0755 "$H/logs"
run02 "$H" "$S" v3
check "unwritable logs/: the boot exits 0 (the log is a warning, not a failure)" rc_is v3 0
check "unwritable logs/: both slots registered" output_is 'gateway-default gateway-one ' slots "$S"
check "unwritable logs/: a warning says the log was not written" grep -q 'boot log .* was not written' "$T/v3.err"
check "unwritable logs/: ... permission denied, so it was written as the user" grep -q 'Permission denied' "$T/v3.err"
check_not "unwritable logs/: root did not write it either" test -e "$H/logs/container-boot.log"
check "unwritable logs/: the lines are still on stdout" grep -q '^reconcile: profile=one prior_state=none action=registered' "$T/v3.out"

# --- volume 4: an existing root-owned log in a user-writable logs/: still not written by root
H=$T/home4 S=$T/scan4
mkdir -p "$H/logs"
chown -R "$NOBODY:$NOBODY" "$H"
echo "root's line" > "$H/logs/container-boot.log"; chmod 0644 "$H/logs/container-boot.log"
run02 "$H" "$S" v4
check "root-owned log: the boot exits 0" rc_is v4 0
check "root-owned log: not appended to" content_is "root's line" "$H/logs/container-boot.log"

# --- HERMES_HOME or the scandir that cannot be opened: 111, nothing done
H=$T/home5; ln -s "$T/home1" "$H"
run02 "$H" "$T/scan5" v5
check "HERMES_HOME a symlink: exit 111" rc_is v5 111
check "HERMES_HOME a symlink: ... and nothing registered" output_is '' slots "$T/scan5"
run02 "$T/nowhere" "$T/scan6" v6
check "HERMES_HOME missing: exit 111" rc_is v6 111
H=$T/home7; mkdir -p "$H"; chown "$NOBODY:$NOBODY" "$H"
HERMES_HOME=$H S6_PROFILE_GATEWAY_SCANDIR=$T/noscan timeout 60 "$P" >/dev/null 2>&1
check "scandir missing: exit 111" [ $? = 111 ]

# --- a profile that fails to register does not stop the others: its slot
# name in the scandir is taken by a regular file, which publish refuses
# to replace
H=$T/home8 S=$T/scan8
mkdir -p "$H/profiles/first" "$H/profiles/mid" "$H/profiles/zlast" "$S"
for p in first mid zlast; do echo soul > "$H/profiles/$p/SOUL.md"; done
chown -R "$NOBODY:$NOBODY" "$H"
echo "not a slot" > "$S/gateway-mid"
run02 "$H" "$S" v8
check "one failing profile: exit 1" rc_is v8 1
check "one failing profile: the others are registered" \
  all test -d "$S/gateway-default" \; test -d "$S/gateway-first" \; test -d "$S/gateway-zlast"
check "one failing profile: it is logged failed, in its place" \
  sh -c "sed 's/^[^ ]* //' '$H/logs/container-boot.log' | tr '\n' ' ' | grep -q 'profile=first prior_state=none action=registered profile=mid prior_state=none action=failed profile=zlast '"
check "one failing profile: what was there is left as it was" content_is 'not a slot' "$S/gateway-mid"
check "one failing profile: no staging dir left" absent "$S"/.gateway-*

# --- a profile whose child dies after rendering (seeding fails: the
# scandir, a tmpfs, runs out of inodes) leaves no staging dir behind. A
# slot is 13 inodes (7 rendered with down, 6 seeded); the root is 1.
H=$T/home9 S=$T/scan9
mkdir -p "$H/profiles/a" "$H/profiles/b" "$S"
for p in a b; do echo soul > "$H/profiles/$p/SOUL.md"; done
chown -R "$NOBODY:$NOBODY" "$H"
trap 'umount "$S" 2>/dev/null; cleanup' EXIT
if mount -t tmpfs -o size=1m,nr_inodes=24,mode=0755 hs6-test "$S" 2>/dev/null; then
  run02 "$H" "$S" v9
  check "seed fails (no inodes): exit 1" rc_is v9 1
  check "seed fails (no inodes): the default slot is registered" test -d "$S/gateway-default"
  check "seed fails (no inodes): a and b logged failed" \
    all grep -q 'profile=a prior_state=none action=failed' "$T/v9.out" \; grep -q 'profile=b prior_state=none action=failed' "$T/v9.out"
  check "seed fails (no inodes): no staging dir left" absent "$S"/.gateway-*
  umount "$S"
else
  skip "seed fails (no inodes): cannot mount a tmpfs here"
fi

after=$(sentinel)
if [ "$before" = "$after" ]; then ok "bad volumes: nothing outside the volumes and scandirs changed"
else fail "bad volumes: the sentinel tree $O changed: $(cd "$O" && find . -printf '%p %y %u:%g %m %s %l\n' | sort | tr '\n' ' ')"; fi
