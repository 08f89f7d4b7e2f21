#!/bin/sh
# hs6-s6-matrix: tests/run runs this on s6 2.11 and on s6-overlay's 2.15
# hermes-seed-supervise: bad input and chainloading, then against a real
# s6-svscan: a seeded service (group layout, -e, owner layout) is adopted by
# s6-supervise and the unprivileged uid can drive it and its logger; a
# service s6 already made root-only is opened with -f.
. "${HS6_TOP:?}/tests/integration/lib.sh"

P=hermes-seed-supervise
G=$NOBODY
is_root || G=$(id -g)          # a non-root caller can only give its own groups
# s6-svperms names groups through NSS: nogroup on Debian.
GNAME=$(getent group "$G" | cut -d: -f1)
: "${GNAME:=$G}"

# make_service DIR: a longrun that sleeps, with a logger that cats.
make_service() {
  mkdir -p "$1/log"
  printf '#!/usr/bin/execlineb -P\nsleep 1000\n' >"$1/run"
  printf '#!/usr/bin/execlineb -P\ncat\n' >"$1/log/run"
  chmod 0755 "$1/run" "$1/log/run"
}

# unseeded DIR: neither DIR nor DIR/log got a supervise/ or an event/.
unseeded() {
  for _d in "$1" "$1/log"; do
    [ -e "$_d/supervise" ] || [ -L "$_d/supervise" ] && return 1
    [ -e "$_d/event" ] || [ -L "$_d/event" ] && return 1
  done
  return 0
}

# one_line CODE NAME CMD...: CMD exits CODE with exactly one line on stderr,
# "hermes-seed-supervise: fatal: ..." or "...: usage: ...", nothing on stdout.
one_line() {
  _c=$1 _n=$2; shift 2
  "$@" >"$T/out" 2>"$T/err"; _r=$?
  if [ "$_r" != "$_c" ]; then fail "$_n: exit $_r, wanted $_c: $(head -2 "$T/err" | tr '\n' ' ')"
  elif [ "$(wc -l <"$T/err")" != 1 ] || [ -s "$T/out" ]; then fail "$_n: not one line on stderr: $(cat "$T/out" "$T/err" | tr '\n' '|')"
  elif ! grep -Eq "^$P: (fatal|usage): " "$T/err"; then fail "$_n: badly formed message: $(cat "$T/err")"
  else ok "$_n"
  fi
}

# layout DIR SUP CTL EV: mode_of supervise/, supervise/control, event/.
layout() {
  [ "$(mode_of "$1/supervise")" = "$2" ] && [ "$(mode_of "$1/supervise/control")" = "$3" ] &&
    [ "$(mode_of "$1/event")" = "$4" ] && [ ! -e "$1/supervise/event" ]
}
GROUP_SUP="0:$G:710:directory" GROUP_CTL="0:$G:620:fifo" GROUP_EV="0:0:3730:directory"
EGROUP_EV="0:$G:3730:directory"
OWNER_SUP="$NOBODY:$G:755:directory" OWNER_CTL="$NOBODY:$G:660:fifo" OWNER_EV="$NOBODY:$G:3730:directory"

# ---- bad input: one line, the documented code, nothing created -------------

D=$T/bad
make_service "$D"
mkdir "$T/target"
ln -s "$T/target" "$T/link"
: >"$T/file"

one_line 100 "seed: no argument is a usage error" $P
one_line 100 "seed: -g without a value is a usage error" $P -g
one_line 100 "seed: an unknown option is a usage error" $P -z -g "$G" "$D"
one_line 100 "seed: no gid is an error" $P "$D"
one_line 100 "seed: -u alone gives no gid" $P -u "$NOBODY" "$D"
one_line 100 "seed: non-numeric gid" $P -g nogroup "$D"
one_line 100 "seed: negative gid" $P -g -5 "$D"
one_line 100 "seed: gid with trailing bytes" $P -g 65534x "$D"
one_line 100 "seed: gid beyond 32 bits" $P -g 99999999999 "$D"
one_line 100 "seed: gid 4294967295 (chown's -1, \"leave alone\") is refused" $P -g 4294967295 "$D"
one_line 100 "seed: non-numeric uid" $P -o -u nobody -g "$G" "$D"
one_line 100 "seed: -o without a uid" $P -o -g "$G" "$D"
one_line 100 "seed: -U with UID and GID unset" env -u UID -u GID $P -U "$D"
one_line 100 "seed: -U with GID unset" env -u GID UID=65534 $P -U "$D"
one_line 100 "seed: -U with a non-numeric GID" env UID=65534 GID=nogroup $P -U "$D"
check "seed: bad options created nothing" unseeded "$D"
one_line 111 "seed: missing servicedir" $P -g "$G" "$T/missing"
check_not "seed: missing servicedir is not created" test -e "$T/missing"
one_line 111 "seed: servicedir that is a symlink" $P -g "$G" "$T/link"
one_line 111 "seed: servicedir that is a symlink, with a trailing slash" $P -g "$G" "$T/link/"
check "seed: the symlink's target is left empty" empty_dir "$T/target"
one_line 111 "seed: servicedir that is a file" $P -g "$G" "$T/file"
check "seed: the message says why" grep -q "$T/file is not a directory" "$T/err"
check "seed: the file is left as it was" all test ! -s "$T/file" \; stat_is %a 644 "$T/file"
ln -s "$T/target" "$D/log/event"
one_line 111 "seed: a symlink as log/event" $P -g "$G" "$D"
check "seed: the message names the symlink" grep -q "$D/log/event is a symbolic link: not followed" "$T/err"
rm "$D/log/event"
check "seed: a symlink in log/ stopped everything before creating" unseeded "$D"
ln -s "$T/target" "$D/supervise"
one_line 111 "seed: a symlink as supervise" $P -f -g "$G" "$D"
rm "$D/supervise"
check "seed: after every refusal the symlink target is still empty" empty_dir "$T/target"
check "seed: after every refusal the service has no skeleton" unseeded "$D"

# ---- chainloading ------------------------------------------------------------

C=$T/chain
make_service "$C"
check_exit 7 "seed: the exit code of prog propagates" $P -g "$G" "$C" sh -c 'exit 7'
check "seed: prog runs after the skeleton exists" $P -g "$G" "$C" sh -c "test -p '$C/supervise/control' && test -d '$C/log/event'"
check "seed: prog gets the environment" env HS6_SEED_TEST=yes $P -g "$G" "$C" sh -c '[ "$HS6_SEED_TEST" = yes ]'
check "seed: prog gets its arguments" $P -g "$G" "$C" sh -c '[ "$#" = 2 ] && [ "$1" = "a b" ] && [ "$2" = -g ]' sh "a b" -g
# (a PATH of searchable directories: one we cannot search makes execvp say EACCES)
check_exit 127 "seed: prog not found in PATH is 127" env PATH="$HS6_BIN:/usr/bin:/bin" $P -g "$G" "$C" hs6-no-such-program
check_exit 127 "seed: prog not found by path is 127" $P -g "$G" "$C" "$T/no-such-program"
printf '#!/bin/sh\nexit 0\n' >"$T/noexec"
chmod 0644 "$T/noexec"
check_exit 126 "seed: prog that cannot be executed is 126" $P -g "$G" "$C" "$T/noexec"
check_exit 111 "seed: prog does not run when seeding fails" $P -g "$G" "$T/missing" touch "$T/ran"
check_not "seed: prog did not run" test -e "$T/ran"
check_exit 0 "seed: no prog exits 0" $P -g "$G" "$C"

# ---- live, against s6-svscan ---------------------------------------------------

if ! is_root; then
  skip "seed: live under s6-svscan: needs root (s6-svscan as root, controlled by uid $NOBODY)"
  exit 0
fi

S=$T/scan
start_svscan "$S" || exit 1

# publish NAME: rename .NAME into place and wait for both supervisors.
publish() {
  mv "$S/.$1" "$S/$1" && s6-svscanctl -a "$S" &&
    wait_until 5000 supervised "$S/$1" && wait_until 5000 supervised "$S/$1/log" &&
    wait_until 5000 svc_up "$S/$1" && wait_until 5000 svc_up "$S/$1/log"
}

# nobody_drives DIR: as uid 65534, s6-svstat -o up,pid, s6-svc -d, -u, -t.
nobody_drives() {
  _st=$(as_nobody s6-svstat -o up,pid "$1") || return 1
  echo "$_st" | grep -Eqx 'true [0-9]+' || { echo "s6-svstat said: $_st"; return 1; }
  _pid=${_st#true }
  as_nobody s6-svc -d "$1" && wait_until 5000 svc_down "$1" || return 1
  [ "$(as_nobody s6-svstat -o up "$1")" = false ] || return 1
  as_nobody s6-svc -u "$1" && wait_until 5000 svc_up "$1" || return 1
  _st=$(as_nobody s6-svstat -o pid "$1") && [ "$_st" != "$_pid" ] || return 1
  _pid=$_st
  as_nobody s6-svc -t "$1" && wait_until 5000 restarted "$1" "$_pid"
}
# restarted DIR PID: the service is up with another pid than PID.
restarted() { [ "$(s6-svstat -o pid "$1")" != "$2" ] && svc_up "$1"; }

# Group layout: seeded under a dot name, renamed in.
make_service "$S/.a"
check "seed: group layout on a staging dir" $P -g "$G" "$S/.a"
check "seed: group layout of the service" layout "$S/.a" "$GROUP_SUP" "$GROUP_CTL" "$GROUP_EV"
check "seed: group layout of its log" layout "$S/.a/log" "$GROUP_SUP" "$GROUP_CTL" "$GROUP_EV"
check "seed: s6-svscan did not pick up the dot-prefixed staging dir" all sleep 0.2 \; not s6-svok "$S/.a" \; test ! -e "$S/.a/supervise/lock"
check "seed: published service and logger come up" publish a
check "seed: s6-supervise adopted the skeleton as it was" layout "$S/a" "$GROUP_SUP" "$GROUP_CTL" "$GROUP_EV"
check "seed: s6-supervise adopted the log skeleton as it was" layout "$S/a/log" "$GROUP_SUP" "$GROUP_CTL" "$GROUP_EV"
check "seed: s6-supervise made its own files root 0644" stat_is %u:%g:%a 0:0:644 "$S/a/supervise/lock" "$S/a/supervise/status"
check "seed: nobody drives the service (svstat -o up,pid, svc -d -u -t)" nobody_drives "$S/a"
check "seed: nobody drives its logger" nobody_drives "$S/a/log"
once_then_up() { as_nobody s6-svc -O "$1" && as_nobody s6-svc -u "$1"; }
check "seed: nobody can send -O and -u" once_then_up "$S/a"
wait_until 5000 svc_up "$S/a"
check_not "seed: without -e nobody cannot subscribe (s6-svwait)" as_nobody s6-svwait -u -t 1000 "$S/a"
check_not "seed: without -e nobody cannot create in event/" as_nobody mkfifo "$S/a/event/ftrig1:@x"
check_not "seed: without -e nobody cannot create in log/event/" as_nobody touch "$S/a/log/event/x"
s6-svperms "$S/a" "$S/a/log" >"$T/perms" 2>&1
check "seed: s6-svperms reports status: group $GNAME" grep -qx "$S/a status: group $GNAME" "$T/perms"
check "seed: s6-svperms reports control: group $GNAME" grep -qx "$S/a control: group $GNAME" "$T/perms"
check "seed: s6-svperms reports the log the same" all grep -qx "$S/a/log status: group $GNAME" "$T/perms" \; grep -qx "$S/a/log control: group $GNAME" "$T/perms"
check "seed: s6-svperms reports events: group root" grep -qx "$S/a events: group root" "$T/perms"
skeleton_stat() { stat -c '%n %i %u %g %a' "$S/a/supervise" "$S/a/supervise/"* "$S/a/event" "$S/a/log/supervise" "$S/a/log/event"; }
second_run_changes_nothing() {
  _before=$(skeleton_stat) || return 1
  $P -g "$G" "$S/a" || return 1
  output_is "$_before" skeleton_stat
}
check "seed: a second run on the supervised service changes nothing" second_run_changes_nothing

# -e: event subscription for the group.
make_service "$S/.b"
check "seed: -e layout" all $P -e -g "$G" "$S/.b" \; stat_is %u:%g:%a:%F "$EGROUP_EV" "$S/.b/event" "$S/.b/log/event"
check "seed: -e service published" publish b
check "seed: -e nobody drives the service" nobody_drives "$S/b"
check "seed: -e nobody s6-svwait -u on an up service" as_nobody s6-svwait -u -t 2000 "$S/b"
check "seed: -e nobody s6-svlisten1 -d around s6-svc -d" as_nobody s6-svlisten1 -d -t 5000 "$S/b" s6-svc -d "$S/b"
check "seed: -e nobody s6-svlisten1 -u around s6-svc -u" as_nobody s6-svlisten1 -u -t 5000 "$S/b" s6-svc -u "$S/b"
check "seed: -e nobody s6-svwait on the logger" as_nobody s6-svwait -u -t 2000 "$S/b/log"
check "seed: -e s6-svperms reports events: group $GNAME" prints_line "$S/b events: group $GNAME" s6-svperms "$S/b"

# Fix mode: a service s6-supervise set up root-only.
make_service "$S/.c"
check "seed: unseeded service published" publish c
check "seed: s6-supervise made supervise/ root-only" \
  all stat_is %u:%g:%a 0:0:700 "$S/c/supervise" \; stat_is %u:%g:%a 0:0:600 "$S/c/supervise/control"
as_nobody s6-svc -d "$S/c" >"$T/eacces" 2>&1
check "seed: nobody gets EACCES from s6-svc on it" all grep -q 'Permission denied' "$T/eacces" \; prints_line true s6-svstat -o up "$S/c"
check_not "seed: nobody gets nothing from s6-svstat on it" as_nobody s6-svstat "$S/c"
stat -c '%n %i %u %g %a %s' "$S/c/supervise/status" "$S/c/supervise/lock" "$S/c/log/supervise/lock" >"$T/s6files"
check "seed: without -f an adopted service stays root-only" \
  all $P -g "$G" "$S/c" \; stat_is %u:%g:%a 0:0:700 "$S/c/supervise" \; stat_is %u:%g:%a 0:0:600 "$S/c/supervise/control"
check "seed: -f on the supervised service" $P -f -g "$G" "$S/c"
check "seed: -f gave the group layout" layout "$S/c" "$GROUP_SUP" "$GROUP_CTL" "$GROUP_EV"
check "seed: -f gave the group layout to the log" layout "$S/c/log" "$GROUP_SUP" "$GROUP_CTL" "$GROUP_EV"
check "seed: -f left s6-supervise's own files alone" \
  same_output "$T/s6files" stat -c '%n %i %u %g %a %s' "$S/c/supervise/status" "$S/c/supervise/lock" "$S/c/log/supervise/lock"
check "seed: after -f nobody drives the service" nobody_drives "$S/c"
check "seed: after -f nobody drives its logger" nobody_drives "$S/c/log"
check "seed: after -f s6-svperms reports the group" prints_line "$S/c control: group $GNAME" s6-svperms "$S/c"

# Owner model.
make_service "$S/.d"
check "seed: -o layout" $P -o -u "$NOBODY" -g "$G" "$S/.d"
check "seed: -o layout of the service" layout "$S/.d" "$OWNER_SUP" "$OWNER_CTL" "$OWNER_EV"
check "seed: -o layout of its log" layout "$S/.d/log" "$OWNER_SUP" "$OWNER_CTL" "$OWNER_EV"
check "seed: -o service published" publish d
check "seed: -o adopted as it was" layout "$S/d" "$OWNER_SUP" "$OWNER_CTL" "$OWNER_EV"
check "seed: -o nobody drives the service" nobody_drives "$S/d"
check "seed: -o nobody s6-svwait" as_nobody s6-svwait -u -t 2000 "$S/d"

# -U: the ids from s6-envuidgid's variables.
make_service "$S/.e"
check "seed: -U -o takes UID and GID" env UID=$NOBODY GID=$G $P -U -o "$S/.e"
check "seed: -U -o layout" layout "$S/.e" "$OWNER_SUP" "$OWNER_CTL" "$OWNER_EV"
rm -rf "$S/.e"
