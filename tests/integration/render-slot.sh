#!/bin/sh
# hermes-render-slot: files and modes, the start state, the scripts'
# behaviour (finish codes, quoting of odd values), and nothing left behind
# on bad input or a failed system call.
. "$HS6_TOP/tests/integration/lib.sh"

S=$T/scan
mkdir -p "$S"
R="hermes-render-slot -E -b /usr/bin"
st=$S/.gateway-a.tmp

check "renders a slot" env -u HERMES_GATEWAY_STATE -u GATEWAY_MULTIPLEX_PROFILES $R "$st" a
modes=$(cd "$st" && stat -c '%n %a %F' type run finish log log/run | tr '\n' ';')
want="type 644 regular file;run 755 regular file;finish 755 regular file;log 755 directory;log/run 755 regular file;"
if [ "$modes" = "$want" ]; then ok "files and modes"; else fail "files and modes: $modes"; fi
check "staging dir is 0755" test "$(stat -c %a "$st")" = 755
check "type is longrun" test "$(cat "$st/type")" = longrun
check "run shebang is BINDIR/execlineb -P" test "$(head -1 "$st/run")" = "#!/usr/bin/execlineb -P"
check "finish shebang is BINDIR/execlineb -S1" test "$(head -1 "$st/finish")" = "#!/usr/bin/execlineb -S1"
check_not "-E: no with-contenv" grep -q with-contenv "$st/run" "$st/log/run"
check "-p NAME for a named profile" grep -qF '"hermes" -p a gateway run --replace' "$st/run"
check "log/run runs s6-log 1 n10 s1000000 T" grep -qF 's6-log 1 n10 s1000000 T ${h}/logs/gateways/a' "$st/log/run"
check "down file when there is no state" test -f "$st/down"
check "without -E, run starts with with-contenv" sh -c "hermes-render-slot -b /usr/bin '$S/.w' a && sed -n 2p '$S/.w/run' | grep -qx with-contenv && sed -n 2p '$S/.w/log/run' | grep -qx with-contenv"
check "default bindir is configure's shebangdir" sh -c "hermes-render-slot '$S/.w' a && head -1 '$S/.w/run' | grep -q '^#!/.*/execlineb -P\$'"
check "default profile: no -p" sh -c "$R '$S/.w' default && grep -qF '\"hermes\" gateway run --replace' '$S/.w/run'"

# Start state: down file or not.
down_for() {  # down_for ENV PROFILE OPTIONS...: prints down or up
  _e=$1 _p=$2; shift 2
  env -u HERMES_GATEWAY_STATE -u GATEWAY_MULTIPLEX_PROFILES $_e $R "$@" "$S/.s" "$_p" >/dev/null 2>&1 || { echo error; return; }
  if [ -e "$S/.s/down" ]; then echo down; else echo up; fi
}
state_is() {  # state_is WANT NAME ENV PROFILE OPTIONS...
  _w=$1 _n=$2; shift 2
  _g=$(down_for "$@")
  if [ "$_g" = "$_w" ]; then ok "start state: $_n"; else fail "start state: $_n: $_g, wanted $_w"; fi
}
state_is down "unset state" "" p
state_is up "running" "HERMES_GATEWAY_STATE=running" p
state_is down "stopped" "HERMES_GATEWAY_STATE=stopped" p
state_is down "Running (case matters)" "HERMES_GATEWAY_STATE=Running" p
state_is down "running, multiplex=yes, named" "HERMES_GATEWAY_STATE=running GATEWAY_MULTIPLEX_PROFILES=yes" p
state_is up "running, multiplex=yes, default" "HERMES_GATEWAY_STATE=running GATEWAY_MULTIPLEX_PROFILES=yes" default
state_is up "running, multiplex=no, named" "HERMES_GATEWAY_STATE=running GATEWAY_MULTIPLEX_PROFILES=no" p
state_is down "running, multiplex=on (upstream's rule), named" "HERMES_GATEWAY_STATE=running GATEWAY_MULTIPLEX_PROFILES=on" p
state_is down "running, multiplex=tRuE (any case), named" "HERMES_GATEWAY_STATE=running GATEWAY_MULTIPLEX_PROFILES=tRuE" p
state_is up "running, multiplex=off, named" "HERMES_GATEWAY_STATE=running GATEWAY_MULTIPLEX_PROFILES=off" p
state_is up "-u wins over stopped" "HERMES_GATEWAY_STATE=stopped" p -u
state_is up "-u wins over multiplex" "HERMES_GATEWAY_STATE=running GATEWAY_MULTIPLEX_PROFILES=1" p -u
state_is down "-d wins over running" "HERMES_GATEWAY_STATE=running" p -d
check "down file is empty, 0644" test "$(stat -c '%s %a' "$S/.s/down")" = "0 644"

# finish: 0 and 78 exit 125, anything else 0 (not 178 or 05: case anchors a|b as ^a|b$).
for c in 0 78; do check_exit 125 "finish $c exits 125" "$st/finish" "$c" 0; done
for c in 1 178 780 05 256 7 8; do check_exit 0 "finish $c exits 0" "$st/finish" "$c" 15; done

# Bad input: exit 100, nothing written.
check_exit 100 "invalid profile name" $R "$S/.bad" Bad
check "invalid profile: nothing written" test ! -e "$S/.bad"
check_exit 100 "profile name with a dot" $R "$S/.bad" a.b
check_exit 100 "staging not dot-prefixed" $R "$S/bad" a
check "not dot-prefixed: nothing written" test ! -e "$S/bad"
check_exit 100 "relative home" $R -h opt/data "$S/.bad" a
check_exit 100 "home with a newline" $R -h "/opt/da
ta" "$S/.bad" a
check_exit 100 "empty user" $R -r "" "$S/.bad" a
check_exit 100 "bindir with a blank" hermes-render-slot -b "/usr/b in" "$S/.bad" a
check "bad options: nothing written" test ! -e "$S/.bad"
check_exit 100 "unknown option" $R -z "$S/.bad" a
check_exit 111 "missing parent" $R "$S/nope/.x" a
check "-b pointing nowhere renders anyway" sh -c "hermes-render-slot -b /nonexistent '$S/.nb' a && head -1 '$S/.nb/run' | grep -qx '#!/nonexistent/execlineb -P'"
check "chains into prog" $R "$S/.c" a test -d "$S/.c/log"
check_exit 3 "chains with the exit code of prog" $R "$S/.c" a sh -c 'exit 3'

# A leftover staging dir is removed without following symlinks.
mkdir -p "$T/precious"; echo keep >"$T/precious/file"
mkdir -p "$S/.left/log"; ln -s "$T/precious" "$S/.left/link"; ln -s "$T/precious/file" "$S/.left/log/run"
check "replaces a leftover staging dir" $R "$S/.left" a
check "leftover's symlinks not followed" test "$(cat "$T/precious/file")" = keep
check "leftover replaced by a fresh slot" sh -c "[ ! -e '$S/.left/link' ] && [ -f '$S/.left/log/run' ] && [ ! -L '$S/.left/log/run' ]"
ln -s "$T/precious" "$S/.ls"
check "a leftover symlink is removed, not followed" sh -c "$R '$S/.ls' a && [ ! -L '$S/.ls' ] && [ -d '$S/.ls' ] && [ -f '$T/precious/file' ] && [ ! -e '$T/precious/run' ]"

# Unwritable parent: 111, nothing left.
if is_root; then
  mkdir -p "$T/ro"; chmod 0755 "$T/ro"
  check_exit 111 "unwritable parent (as uid $NOBODY)" as_nobody $R "$T/ro/.x" a
  check "unwritable parent: nothing left" test ! -e "$T/ro/.x"
else
  skip "unwritable parent: needs root to switch to uid $NOBODY"
fi

# A failed system call half-way: no partial staging dir.
if command -v strace >/dev/null 2>&1; then
  check_exit 111 "failed mkdir of log/ (injected EIO)" strace -f -o /dev/null -e trace=mkdirat -e inject=mkdirat:error=EIO:when=2 $R "$S/.inj" a
  check "failed mkdir of log/: staging removed" test ! -e "$S/.inj"
  check_exit 111 "failed write of run (injected ENOSPC)" strace -f -o /dev/null -e trace=write -e inject=write:error=ENOSPC:when=2 $R "$S/.inj" a
  check "failed write: staging removed" test ! -e "$S/.inj"
else
  skip "injected failures: strace not installed"
fi

# Odd values in scripts: quoted, never substituted. Run the rendered run
# and log/run directly (no supervisor needed) with the stub.
odd="$T/odd \"dir\" \\ \${uid} \$h {x} #y"
mkdir -p "$odd/bin"; cp "$HS6_TOP/tests/stub-gateway" "$odd/bin/stub \$uid"; chmod 0755 "$odd/bin/stub \$uid"
export STUB_DIR="$T/stubrec"; mkdir -p "$STUB_DIR"; chmod 0777 "$STUB_DIR"; echo 0 >"$STUB_DIR/odd.exit"
check "renders odd home and prog" $R -h "$odd" -x "$odd/bin/stub \$uid" -r "$(id -un)" "$S/.odd" odd
if is_root && getent passwd "$NOBODY" >/dev/null; then
  chown "$NOBODY" "$odd"
  check "run with odd values executes the stub" sh -c "cd '$S/.odd' && HOME=/nonexistent ./run" 
  # as root, run drops to the user named by -r: rendered with root's name it stays root
  check "run set HOME and cwd to the odd home" grep -qF "|home=$odd|cwd=$odd|" "$STUB_DIR/odd.rec"
  $R -h "$odd" -x "$odd/bin/stub \$uid" -r "$(getent passwd "$NOBODY" | cut -d: -f1)" "$S/.odd2" odd
  rm -f "$STUB_DIR/odd.rec"
  check "run as root drops to the -r user" sh -c "cd '$S/.odd2' && ./run; grep -qF '|uid=$NOBODY|' '$STUB_DIR/odd.rec'"
  rm -f "$STUB_DIR/odd.rec"
  check "run as the user itself does not call s6-setuidgid" sh -c "cd '$S/.odd2' && s6-applyuidgid -u $NOBODY -g $NOBODY -G '' ./run; grep -qF '|uid=$NOBODY|' '$STUB_DIR/odd.rec'"
  # The cd into home comes after the root test and the drop: with . in
  # PATH, root never runs an id, eltest or s6-setuidgid planted in home.
  for c in id eltest s6-setuidgid; do
    printf '#!/bin/sh\necho "$0" >>"%s/hijacked"\nexit 1\n' "$T" >"$odd/$c"; chmod 0755 "$odd/$c"
  done
  rm -f "$STUB_DIR/odd.rec"
  check "run as root, PATH with .: nothing from home runs as root, the gateway starts" \
    sh -c "cd '$S/.odd2' && PATH=.:\$PATH ./run; test -s '$STUB_DIR/odd.rec' && ! test -e '$T/hijacked'"
  rm -f "$odd/id" "$odd/eltest" "$odd/s6-setuidgid"
  # log/run: empty HERMES_HOME means home; the logger is stopped by EOF on stdin.
  check "log/run with an empty HERMES_HOME logs under the odd home" sh -c "cd '$S/.odd2/log' && echo hello | HERMES_HOME= ./run && grep -q hello '$odd/logs/gateways/odd/current'"
  check "log dir created by the user" test "$(stat -c %u "$odd/logs/gateways/odd")" = "$NOBODY"
  mkdir -p "$T/hh"; chown "$NOBODY" "$T/hh"
  check "log/run follows HERMES_HOME when set" sh -c "cd '$S/.odd2/log' && echo hi | HERMES_HOME='$T/hh' ./run && grep -q hi '$T/hh/logs/gateways/odd/current'"
  : >"$T/hh/logs/gateways/odd/lock"
  check "log/run removes a stale lock" sh -c "cd '$S/.odd2/log' && echo again | HERMES_HOME='$T/hh' ./run && grep -q again '$T/hh/logs/gateways/odd/current'"
  check "no chown as root: a root-owned log dir stays root's and log/run falls back to stdout, saying so" sh -c "mkdir -p '$T/rh/logs/gateways/odd' && chmod 0755 '$T/rh/logs/gateways/odd' && cd '$S/.odd2/log' && (echo x | HERMES_HOME='$T/rh' ./run) 2>&1 | grep -q 'unable to use .*logging to stdout instead' && [ \$(stat -c %u '$T/rh/logs/gateways/odd') = 0 ] && [ ! -e '$T/rh/logs/gateways/odd/current' ]"
else
  skip "odd values at run time: needs root and a passwd entry for uid $NOBODY"
fi
