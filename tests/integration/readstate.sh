#!/bin/sh
# hermes-readstate on real files: hostile state files (FIFOs, symlinks,
# devices, huge files, forged tokens), -a, -v and chainloading, -c on a
# tree with planted symlinks, usage errors. Every run is under timeout 5,
# so a hang is a FAIL, not a stuck suite.
. "$HS6_TOP/tests/integration/lib.sh"

P=$T/profile
mkdir "$P"
ERR=$T/stderr

# rs NAME STATE RC WARNINGS ARGS...: hermes-readstate ARGS prints exactly
# STATE, exits RC, and writes WARNINGS (0 or 1) warning lines and nothing else.
rs() {
  _n=$1 _s=$2 _c=$3 _w=$4; shift 4
  _o=$(timeout 5 hermes-readstate "$@" 2>"$ERR"); _r=$?
  _e=$(grep -c '' "$ERR"); _g=$(grep -c '^hermes-readstate: warning: ' "$ERR")
  if [ "$_r" = 124 ]; then fail "$_n: hung (killed after 5 s)"
  elif [ "$_o" != "$_s" ]; then fail "$_n: printed '$_o', wanted '$_s'"
  elif [ "$_r" != "$_c" ]; then fail "$_n: exit $_r, wanted $_c"
  elif [ "$_e" != "$_w" ] || [ "$_g" != "$_w" ]; then fail "$_n: $_e stderr lines, wanted $_w warning(s): $(tr '\n' ' ' <"$ERR")"
  else ok "$_n"; fi
}

# state CONTENT: write CONTENT (printf format) as the profile's state file.
state() { rm -rf "$P/gateway_state.json"; printf "$1" >"$P/gateway_state.json"; }

# Clean files.
rs "missing state file is none, quietly" none 0 0 "$P"
state '{"gateway_state":"running"}'
rs "gateway_state running" running 0 0 "$P"
rs "trailing slash on profiledir" running 0 0 "$P/"
state '{"gateway_state":"draining"}'
rs "draining maps to running" running 0 0 "$P"
state '{"gateway_state":"degraded","pid":12}'
rs "degraded maps to running" running 0 0 "$P"
state '{"gateway_state":"running","desired_state":"stopped"}'
rs "desired_state wins" stopped 0 0 "$P"
state '{"desired_state":null,"gateway_state":"running"}'
rs "desired_state null falls through" running 0 0 "$P"
state '\357\273\277{"gateway_state":"running"}'
rs "UTF-8 BOM accepted" running 0 0 "$P"
state '{"gateway_state":"stopped","gateway_state":"running"}'
rs "duplicate keys: last wins" running 0 0 "$P"

# -a: 0 when the state autostarts, 1 otherwise; the state is still printed.
rs "-a running exits 0" running 0 0 -a "$P"
state '{"gateway_state":"stopped"}'
rs "-a stopped exits 1" stopped 1 0 -a "$P"
rm -f "$P/gateway_state.json"
rs "-a none exits 1" none 1 0 -a "$P"
rm -f "$T/ran"
rs "-a with prog and no autostart: exit 1, prog not run" "" 1 0 -a "$P" touch "$T/ran"
if [ -e "$T/ran" ]; then fail "-a chained although the state does not autostart"; else ok "-a did not chain"; fi
state '{"gateway_state":"running"}'
rs "-a with prog and autostart chains" yes 0 0 -a "$P" echo yes

# Chainloading: the variable is exported to the chained program.
rs "chain exports HERMES_GATEWAY_STATE" running 0 0 "$P" sh -c 'echo $HERMES_GATEWAY_STATE'
rs "-v names the variable" "running" 0 0 -v X "$P" sh -c 'echo $X'
rs "chain keeps the environment" "running kept" 0 0 -v X "$P" env KEEP=kept sh -c 'echo $X $KEEP'
state '{"gateway_state":"x"'
rs "warning does not change prog's exit code" "none" 7 1 -v X "$P" sh -c 'echo $X; exit 7'
check_exit 127 "chained program not found exits 127" hermes-readstate "$P" "$T/no-such-program"

# Hostile contents: none, one warning, the content never echoed.
state '{"gateway_state":"running\\nprofile=forged action=started"}'
rs "newline in token is none" none 0 1 "$P"
if grep -q forged "$ERR"; then fail "warning echoes the file's content: $(cat "$ERR")"; else ok "warning does not echo the content"; fi
state '{"gateway_state":"a=b"}'
rs "= in token is none" none 0 1 "$P"
state '{"desired_state":"RUNNING","gateway_state":"running"}'
rs "invalid desired_state is none, no fall through" none 0 1 "$P"
state '{"desired_state":1,"gateway_state":"running"}'
rs "non-string desired_state is none" none 0 1 "$P"
state '{"gateway_state":["running"]}'
rs "non-string gateway_state is none" none 0 1 "$P"
state '["running"]'
rs "top-level array is none" none 0 1 "$P"
state '"running"'
rs "top-level string is none" none 0 1 "$P"
state 'null'
rs "top-level null is none" none 0 1 "$P"
state ''
rs "empty file is none" none 0 1 "$P"
state '{"gateway_state":"running",}'
rs "invalid JSON is none" none 0 1 "$P"
state '{"gateway_state":"running","who":"Jos\351"}'
rs "invalid UTF-8 is none" none 0 1 "$P"
{ printf '{"gateway_state":"running","a":'; head -c 60000 /dev/zero | tr '\0' '['; } >"$P/gateway_state.json"
rs "60000 nested [ is none, no crash" none 0 1 "$P"

# What is not a regular file is never opened for reading, or never blocks.
rm -f "$P/gateway_state.json"; mkfifo "$P/gateway_state.json"
t0=$(date +%s%N)
rs "FIFO with no writer is none" none 0 1 "$P"
t1=$(date +%s%N)
# Not opened, so never waited on: rs already fails a readstate that hangs
# (its 5 s bound); this line reports the time, bounded the same way.
if [ $(( (t1 - t0) / 1000000 )) -lt 5000 ]; then ok "FIFO answered in $(( (t1 - t0) / 1000000 )) ms"; else fail "FIFO took $(( (t1 - t0) / 1000000 )) ms"; fi
mkfifo "$P/other.fifo"
rs "-f FIFO is none" none 0 1 -f other.fifo "$P"
rm -f "$P/gateway_state.json"; mkdir "$P/gateway_state.json"
rs "directory is none" none 0 1 "$P"
rmdir "$P/gateway_state.json"
printf '{"gateway_state":"running"}' >"$T/real.json"
ln -s "$T/real.json" "$P/gateway_state.json"
rs "symlink to a good file is not followed" none 0 1 "$P"
rm -f "$P/gateway_state.json"; ln -s /dev/null "$P/gateway_state.json"
rs "symlink to /dev/null is not followed" none 0 1 "$P"
rm -f "$P/gateway_state.json"; ln -s "$P/other.fifo" "$P/gateway_state.json"
rs "symlink to a FIFO is not followed" none 0 1 "$P"
rs "-f /dev/null (a device) is none" none 0 1 -f /dev/null "$P"
rm -f "$P/gateway_state.json"
head -c 10485760 /dev/zero >"$P/gateway_state.json"
rs "10 MiB file is none" none 0 1 "$P"
{ printf '{"gateway_state":"running","pad":"'; head -c 65000 /dev/zero | tr '\0' x; printf '"}'; } >"$P/gateway_state.json"
rs "just under 64 KiB is read" running 0 0 "$P"
printf x >>"$P/gateway_state.json"; head -c 600 /dev/zero | tr '\0' ' ' >>"$P/gateway_state.json"
rs "just over 64 KiB is none" none 0 1 "$P"

# -f: relative to profiledir without following symlinks, or absolute.
mkdir "$P/sub"; printf '{"desired_state":"stopped"}' >"$P/sub/s.json"
rs "-f relative" stopped 0 0 -f sub/s.json "$P"
ln -s sub "$P/sublink"
rs "-f through a symlinked directory is none" none 0 1 -f sublink/s.json "$P"
rs "-f absolute" running 0 0 -f "$T/real.json" "$P"
ln -s "$T/real.json" "$T/real.link"
rs "-f absolute symlink is none" none 0 1 -f "$T/real.link" "$P"
rs "-f missing file warns" none 0 1 -f nothing.json "$P"

# The profile directory itself: a symlink is not followed.
rm -f "$P/gateway_state.json"; printf '{"gateway_state":"running"}' >"$P/gateway_state.json"
ln -s "$P" "$T/plink"
rs "profiledir symlink is none" none 0 1 "$T/plink"
rs "profiledir symlink with slash is none" none 0 1 "$T/plink/"
rs "missing profiledir is none" none 0 1 "$T/nowhere"
: >"$P/gateway.pid"
rs "-c on a symlinked profiledir does nothing" none 0 1 -c "$T/plink"
if [ -e "$P/gateway.pid" ]; then ok "-c left the symlink target's gateway.pid"; else fail "-c removed a file through a symlinked profiledir"; fi

# -c: runtime files removed through the dirfd, a planted symlink removed
# itself, its target left alone.
printf keep >"$T/outside"
rm -f "$P/gateway.pid"; ln -s "$T/outside" "$P/gateway.pid"
printf '[]' >"$P/processes.json"
rs "-c sweeps and still reads" running 0 0 -c "$P"
if [ -e "$P/gateway.pid" ] || [ -L "$P/gateway.pid" ]; then fail "-c left gateway.pid"; else ok "-c removed the gateway.pid symlink"; fi
if [ "$(cat "$T/outside" 2>/dev/null)" = keep ]; then ok "-c left the symlink's target intact"; else fail "-c touched the file outside the profile"; fi
if [ -e "$P/processes.json" ]; then fail "-c left processes.json"; else ok "-c removed processes.json"; fi
rs "-c with nothing to remove is quiet" running 0 0 -c "$P"
mkdir "$P/gateway.pid"
rs "-c on a directory gateway.pid warns" running 0 1 -c "$P"
if [ -d "$P/gateway.pid" ]; then ok "-c left the directory"; else fail "-c removed a directory"; fi
rmdir "$P/gateway.pid"
: >"$P/gateway.pid"
rs "without -c nothing is removed" running 0 0 "$P"
if [ -e "$P/gateway.pid" ]; then ok "gateway.pid kept without -c"; else fail "gateway.pid removed without -c"; fi

# A file the caller cannot read: none, a warning, exit unchanged.
if is_root; then
  chmod 0600 "$P/gateway_state.json"
  _o=$(as_nobody timeout 5 hermes-readstate "$P" 2>"$ERR"); _r=$?
  if [ "$_o" = none ] && [ "$_r" = 0 ] && grep -q '^hermes-readstate: warning: .*Permission denied' "$ERR"; then
    ok "unreadable file is none with a warning"
  else fail "unreadable file: printed '$_o', exit $_r: $(cat "$ERR")"; fi
  chmod 0644 "$P/gateway_state.json"
else
  skip "unreadable file: needs root to switch to uid $NOBODY"
fi

# Usage.
check_exit 100 "no profiledir exits 100" hermes-readstate
check_exit 100 "unknown option exits 100" hermes-readstate -x "$P"
check_exit 100 "-f without argument exits 100" hermes-readstate -f
check_exit 100 "-v with = exits 100" hermes-readstate -v A=B "$P" true
check_exit 100 "-v empty exits 100" hermes-readstate -v '' "$P" true
check_exit 100 "-f empty exits 100" hermes-readstate -f '' "$P"
