#!/bin/sh
# What a newcomer meets first (issue 19): each mistake gets one line that
# names the cause and the variable or script to change, shows the rejected
# input escaped but unaltered, and exits with the documented code.
. "${HS6_TOP:?}/tests/integration/lib.sh"

# one_line CODE NAME ERE CMD...: CMD exits CODE and prints exactly one line
# (stdout and stderr together) matching ERE.
one_line() {
  _c=$1 _n=$2 _re=$3; shift 3
  _o=$("$@" 2>&1); _r=$?
  if [ "$_r" = "$_c" ] && [ "$(printf '%s\n' "$_o" | wc -l)" = 1 ] && printf '%s\n' "$_o" | grep -qE -- "$_re"; then ok "$_n"
  else fail "$_n: exit $_r (wanted $_c), printed: $(printf %s "$_o" | head -3 | tr '\n' '|')"; fi
}

# hermes-slot with no service: names hermes-slotd and HERMES_SLOTD_SOCKET.
one_line 111 "first contact: hermes-slot with no socket names hermes-slotd and HERMES_SLOTD_SOCKET" \
  '^hermes-slot: fatal: hermes-slotd is not running: no socket at /nonexistent/socket .*HERMES_SLOTD_SOCKET' \
  env HERMES_SLOTD_SOCKET=/nonexistent/socket hermes-slot register alpha
if command -v python3 >/dev/null 2>&1; then
  python3 -c "import socket, sys; socket.socket(socket.AF_UNIX).bind(sys.argv[1])" "$T/stale.sock"
  one_line 111 "first contact: hermes-slot on a socket nobody listens on says so" \
    "^hermes-slot: fatal: hermes-slotd is not running: nothing listens at $T/stale.sock " \
    hermes-slot -s "$T/stale.sock" unregister alpha
else
  skip "first contact: a stale socket: python3 is not installed"
fi

# A rejected name: shown escaped, unaltered (not "..?..?etc").
one_line 100 "first contact: an invalid profile name is shown escaped: ..\\x2f..\\x2fetc" \
  '^hermes-slot-server: fatal: invalid profile name \.\.\\x2f\.\.\\x2fetc: ' \
  env IPCREMOTEEUID=65534 hermes-slot-server -u 65534 -g 65534 -l "$T/lock" "$T" "$T" register ../../etc
one_line 100 "first contact: hermes-render-slot shows the rejected name" \
  '^hermes-render-slot: fatal: invalid profile name Bad\\x20Name: ' hermes-render-slot "$T/.stage" "Bad Name"

# hermes-bootlog with its arguments swapped: refused, nothing written.
mkdir -p "$T/cwd"
one_line 100 "first contact: hermes-bootlog hello /path/x.log (swapped) is refused" \
  '^hermes-bootlog: fatal: logfile hello is not an absolute path: the log file comes first' \
  sh -c "cd '$T/cwd' && exec hermes-bootlog hello '$T/x.log'"
check "first contact: ... and writes no file ./hello" empty_dir "$T/cwd"

# hermes-list-slots: a header, and a line that says there is nothing.
mkdir -p "$T/scan/gateway-alpha"
check "first contact: hermes-list-slots starts with its header" \
  output_is "PROFILE STATE PID SECONDS WANT NORMALLY" sh -c "hermes-list-slots '$T/scan' | head -1"
check "first contact: ... then one line per slot" output_is 2 sh -c "hermes-list-slots '$T/scan' | wc -l"
check "first contact: ... no header in -j" sh -c "hermes-list-slots -j '$T/scan' | grep -q '^\[{\"profile\":\"alpha\"'"
mkdir -p "$T/empty"
check "first contact: hermes-list-slots says when there are no slots" \
  output_is "no gateway slots in $T/empty" hermes-list-slots "$T/empty"
check "first contact: ... and -j prints an empty array" output_is "[]" hermes-list-slots -j "$T/empty"

if ! is_root; then
  skip "first contact: the cont-init scripts and publish as non-root: need root"; exit 0
fi
# hermes-publish-slot as non-root on root's scandir: one line.
mkdir -p "$T/rootscan/.gateway-a.tmp"
one_line 111 "first contact: hermes-publish-slot as non-root on root's scandir: one line" \
  "^hermes-publish-slot: fatal: unable to publish into $T/rootscan: Permission denied \(it needs write access to the scandir: run it as root\)$" \
  as_nobody hermes-publish-slot "$T/rootscan/.gateway-a.tmp" "$T/rootscan/gateway-a"

# The cont-init scripts with an unknown HERMES_USER: one line naming the
# variable and the script (02: the tool it runs, which checks it without
# an exec of its own; s6-overlay's cont-init names the script on the line
# before), exit 100 (02) or 1 (015), nothing made.
mkdir -p "$T/home" "$T/boot-scan"
one_line 100 "first contact: 02-reconcile-profiles with an unknown user names its tool and HERMES_USER" \
  '^hermes-register-slots: fatal: HERMES_USER=no-such-user-hs6 is not a user of this image: create it, or set HERMES_USER to the application user$' \
  env HERMES_USER=no-such-user-hs6 HERMES_HOME="$T/home" S6_PROFILE_GATEWAY_SCANDIR="$T/boot-scan" \
  "$HS6_ETC/cont-init.d/02-reconcile-profiles"
check "first contact: ... and registers nothing" empty_dir "$T/boot-scan"
mkdir -p "$T/servicedirs/svc"
one_line 1 "first contact: 015-supervise-perms with an unknown user names itself and HERMES_USER" \
  '^015-supervise-perms: fatal: HERMES_USER=no-such-user-hs6 is not a user of this image' \
  env HERMES_USER=no-such-user-hs6 HERMES_S6RC_SERVICEDIRS="$T/servicedirs" "$HS6_ETC/cont-init.d/015-supervise-perms"
