#!/bin/sh
# make dist ARCH=aarch64: the tarball is cross-compiled (Debian's
# g++-aarch64-linux-gnu, skalibs-dev:arm64), within the size bound, and its
# binaries, run under qemu-aarch64-static, make on a real volume exactly
# what the x86_64 multicall build makes: the boot reconcile
# (hermes-register-slots), then render, seed and publish of one more slot
# by the single tools, readstate, list (text and -j), a boot-log line:
# the same tree, names, modes, owners and file contents (the boot log's
# timestamps aside). Each binary is given to qemu explicitly: binfmt_misc
# need not be registered. Skips with one line only when qemu or the cross
# compiler cannot be installed (package/ensure-deps installs them as root).
. "${HS6_TOP:?}/tests/integration/lib.sh"

cd "$HS6_TOP" || exit 111
B=${HS6_BIN#"$HS6_TOP"/}; B=${B%/bin}
case $B in /*) skip "aarch64: $HS6_BIN is not under $HS6_TOP"; exit 0 ;; esac
if ! is_root; then skip "aarch64: needs root (the volume is owned by uid $NOBODY, the slots seeded for its group)"; exit 0; fi
command -v qemu-aarch64-static >/dev/null 2>&1 || sh package/ensure-deps qemu >"$T/deps.out" 2>&1
if ! command -v qemu-aarch64-static >/dev/null 2>&1; then
  skip "aarch64: qemu-aarch64-static cannot be installed: $(tail -1 "$T/deps.out")"; exit 0
fi
if ! sh package/ensure-deps cross-aarch64 >"$T/deps.out" 2>&1; then
  skip "aarch64: the cross compiler cannot be installed: $(tail -1 "$T/deps.out")"; exit 0
fi

version=$(sed -n 's/^version=//p' package/info)
name=hermes-s6-$version-aarch64
tgz=$B/$name.tar.gz
if ! make -s --no-print-directory B="$B" dist ARCH=aarch64 >"$T/make.out" 2>&1; then
  fail "aarch64: make B=$B dist ARCH=aarch64 failed: $(tail -3 "$T/make.out" | tr '\n' ' ')"; exit 1
fi
ok "aarch64: make dist ARCH=aarch64 builds $tgz"
check "aarch64: the .sha256 beside it verifies" sh -c "cd '$B' && sha256sum -c --quiet '$name.tar.gz.sha256'"
mkdir -p "$T/a64"
tar -xzf "$tgz" -C "$T/a64" || { fail "aarch64: cannot unpack $tgz"; exit 1; }
A=$T/a64/usr/bin
check "aarch64: hermes-s6 is a static aarch64 executable" sh -c \
  "readelf -h '$A/hermes-s6' | grep -q 'Machine:.*AArch64' && ! readelf -l '$A/hermes-s6' | grep -q 'program interpreter'"
tgz_bytes=$(wc -c < "$tgz")
bin_bytes=$(tar -tvzf "$tgz" | awk '$6 ~ /^usr\/bin\// { s += $3 } END { print s + 0 }')
check "aarch64: the tarball is at most 1 MB gzipped ($tgz_bytes bytes)" test "$tgz_bytes" -le 1048576
check "aarch64: the binaries are at most 1.5 MB in all ($bin_bytes bytes)" test "$bin_bytes" -le 1572864
check "aarch64: the same paths, modes and owners as the x86_64 tarball's" sh -c \
  "make -s --no-print-directory B='$B' dist >/dev/null 2>&1 &&
   [ \"\$(tar -tvzf '$B/hermes-s6-$version-x86_64.tar.gz' | awk '{print \$1, \$2, \$6, \$7, \$8}')\" = \"\$(tar -tvzf '$tgz' | awk '{print \$1, \$2, \$6, \$7, \$8}')\" ]"

# The run, once per architecture, in the same place $W (rendered scripts
# name the volume's path): RUN is the prefix (qemu, or nothing), BIN the
# binaries; what was made is then moved to $T/made-ARCH.
W=$T/w
run_all() {
  RUN=$1 BIN=$2 out=$3
  rm -rf "$W"; mkdir -p "$W/vol/profiles" "$W/scan" "$W/res"
  v=$W/vol
  printf '{"gateway_state": "running", "pid": 42}\n' > "$v/gateway_state.json"
  for p in alpha beta gamma Bad.Name; do mkdir -p "$v/profiles/$p"; echo "# $p" > "$v/profiles/$p/SOUL.md"; done
  printf '{"gateway_state": "running"}\n' > "$v/profiles/alpha/gateway_state.json"
  printf '{"desired_state": "stopped", "gateway_state": "running"}\n' > "$v/profiles/beta/gateway_state.json"
  echo 4242 > "$v/profiles/alpha/gateway.pid"; echo '[]' > "$v/profiles/alpha/processes.json"
  chown -R "$NOBODY:$NOBODY" "$v"
  {
    echo "== register"; $RUN "$BIN/hermes-register-slots" -u "$NOBODY" -g "$NOBODY" -r nobody -x hermes -b /command -- "$v" "$W/scan"; echo "exit $?"
    echo "== render"; $RUN "$BIN/hermes-render-slot" -u -h "$v" -r nobody "$W/scan/.gateway-solo.tmp" solo; echo "exit $?"
    echo "== seed"; $RUN "$BIN/hermes-seed-supervise" -e -g "$NOBODY" "$W/scan/.gateway-solo.tmp"; echo "exit $?"
    echo "== publish"; $RUN "$BIN/hermes-publish-slot" "$W/scan/.gateway-solo.tmp" "$W/scan/gateway-solo"; echo "exit $?"
    echo "== publish again (already registered: 1)"; $RUN "$BIN/hermes-render-slot" -d -h "$v" -r nobody "$W/scan/.gateway-solo.tmp" solo &&
      $RUN "$BIN/hermes-publish-slot" "$W/scan/.gateway-solo.tmp" "$W/scan/gateway-solo"; echo "exit $?"
    for p in "$v" "$v/profiles/alpha" "$v/profiles/beta" "$v/profiles/gamma"; do
      echo "== readstate ${p#"$W"/}"; $RUN "$BIN/hermes-readstate" "$p"; echo "exit $?"
    done
    echo "== readstate -a"; $RUN "$BIN/hermes-readstate" -a "$v/profiles/beta"; echo "exit $?"
    echo "== list"; $RUN "$BIN/hermes-list-slots" "$W/scan"; echo "exit $?"
    echo "== list -j"; $RUN "$BIN/hermes-list-slots" -j "$W/scan"; echo "exit $?"
    echo "== bootlog"; $RUN "$BIN/hermes-bootlog" -u "$NOBODY" -g "$NOBODY" "$v/logs/extra.log" hello world; echo "exit $?"
    echo "== dashboard-finish"; HERMES_DASHBOARD=yes $RUN "$BIN/hermes-dashboard-finish" 1; echo "exit $?"
    echo "== -V"; $RUN "$BIN/hermes-readstate" -V; echo "exit $?"
  } > "$W/res/out" 2>&1
  # Timestamps out of the logs: the first word of every line.
  for f in "$v/logs/container-boot.log" "$v/logs/extra.log"; do
    [ -f "$f" ] && sed -i 's/^[0-9T:+-]* //' "$f"
  done
  rm -rf "$out"; mv "$W" "$out"
  # The listing: type, mode, owner, size and link target of everything.
  (cd "$out" && find . -mindepth 1 -printf '%P %y %m %U:%G %s %l\n' | LC_ALL=C sort) > "$out.tree"
  (cd "$out" && find . -type f -print0 | LC_ALL=C sort -z | xargs -0 sha256sum) > "$out.sums"
}

mc=${HS6_BIN%/bin}/multicall/bin
[ -x "$mc/hermes-s6" ] || mc=$HS6_BIN
run_all "" "$mc" "$T/made-x86_64"
run_all qemu-aarch64-static "$A" "$T/made-aarch64"
check "aarch64: the x86_64 run did its job (slots, states, listing)" sh -c \
  "grep -qx 'exit 0' '$T/made-x86_64/res/out' && [ -f '$T/made-x86_64/scan/gateway-alpha/run' ] && [ -f '$T/made-x86_64/scan/gateway-solo/run' ] && grep -q '^solo unsupervised ' '$T/made-x86_64/res/out' && grep -qx 'exit 1' '$T/made-x86_64/res/out'"
check "aarch64: the same output and exit codes" diff "$T/made-x86_64/res/out" "$T/made-aarch64/res/out"
check "aarch64: the same tree: names, types, modes, owners, sizes, link targets" diff "$T/made-x86_64.tree" "$T/made-aarch64.tree"
check "aarch64: the same file contents" diff "$T/made-x86_64.sums" "$T/made-aarch64.sums"
