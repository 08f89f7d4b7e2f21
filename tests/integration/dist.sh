#!/bin/sh
# make dist: the release tarball lists every binary, script and page at
# the path an s6-overlay image wants, owner 0:0, modes from package/modes;
# binaries are static and stripped; the .sha256 beside it verifies; the
# layout and the scripts do not depend on ./configure's paths.
. "${HS6_TOP:?}/tests/integration/lib.sh"

cd "$HS6_TOP" || exit 111
B=${HS6_BIN#"$HS6_TOP"/}; B=${B%/bin}       # the build dir tests/run was given
case $B in /*) skip "dist: $HS6_BIN is not under $HS6_TOP: make dist would rebuild everything"; exit 0 ;; esac
version=$(sed -n 's/^version=//p' package/info)
arch=$(${CXX:-g++} -dumpmachine | cut -d- -f1)
name=hermes-s6-$version-$arch
tgz=$B/$name.tar.gz

dist_lock   # the whole test reads $B's tarball: no other make dist meanwhile
if ! make -s --no-print-directory B="$B" dist >"$T/make.out" 2>&1; then
  fail "dist: make B=$B dist failed: $(tail -3 "$T/make.out" | tr '\n' ' ')"
  exit 1
fi
ok "dist: make dist builds $tgz"
check "dist: the .sha256 beside it verifies" sh -c "cd '$B' && sha256sum -c --quiet '$name.tar.gz.sha256'"
tar -tvzf "$tgz" > "$T/list" || { fail "dist: tar cannot list $tgz"; exit 1; }

# has MODE PATH: the listing has PATH with that mode string and owner 0/0.
has() { awk -v m="$1" -v p="$2" '$1 == m && $2 == "0/0" && $6 == p { found = 1 } END { exit !found }' "$T/list"; }
# The multicall build: usr/bin/hermes-s6, and every tool a symlink to it.
check "dist: usr/bin/hermes-s6 is there, 0755 root" has -rwxr-xr-x usr/bin/hermes-s6
for f in "$HS6_BIN"/hermes-*; do
  b=$(basename "$f")
  [ "$b" = hermes-s6 ] && continue
  check "dist: usr/bin/$b is a symlink to hermes-s6" \
    awk -v p="usr/bin/$b" '$1 == "lrwxrwxrwx" && $6 == p && $7 == "->" && $8 == "hermes-s6" { found = 1 } END { exit !found }' "$T/list"
done
check "dist: COPYING, NEWS and VERSION in /usr/share/doc/hermes-s6, 0644 root" sh -c \
  "for f in COPYING NEWS VERSION; do awk -v p=usr/share/doc/hermes-s6/\$f '\$1 == \"-rw-r--r--\" && \$2 == \"0/0\" && \$6 == p { found = 1 } END { exit !found }' '$T/list' || exit 1; done"
# The size bound of the release (issue 19): at most 1 MB gzipped, at most
# 1.5 MB of installed binaries.
tgz_bytes=$(wc -c < "$tgz")
bin_bytes=$(awk '$6 ~ /^usr\/bin\// { s += $3 } END { print s + 0 }' "$T/list")
check "dist: the tarball is at most 1 MB gzipped ($tgz_bytes bytes)" test "$tgz_bytes" -le 1048576
check "dist: the binaries are at most 1.5 MB in all ($bin_bytes bytes)" test "$bin_bytes" -le 1572864
check "dist: cont-init.d/015-supervise-perms, 0755 root" has -rwxr-xr-x etc/cont-init.d/015-supervise-perms
check "dist: s6-rc.d/dashboard/run, 0755 root" has -rwxr-xr-x etc/s6-overlay/s6-rc.d/dashboard/run
check "dist: s6-rc.d/dashboard/finish, 0755 root" has -rwxr-xr-x etc/s6-overlay/s6-rc.d/dashboard/finish
check "dist: s6-rc.d/dashboard/type, 0644 root" has -rw-r--r-- etc/s6-overlay/s6-rc.d/dashboard/type
check "dist: dashboard in the user bundle, user-bundles.d" has -rw-r--r-- etc/s6-overlay/user-bundles.d/user/contents.d/dashboard
check "dist: nothing in s6-rc.d/user (s6-overlay would write /etc at boot)" sh -c "! grep -q ' etc/s6-overlay/s6-rc.d/user' '$T/list'"
check "dist: dashboard after base" has -rw-r--r-- etc/s6-overlay/s6-rc.d/dashboard/dependencies.d/base
check "dist: the html docs, 0644 root" has -rw-r--r-- usr/share/doc/hermes-s6/html/index.html
check "dist: directories are 0755 root" has drwxr-xr-x usr/bin/
check "dist: every entry is owned by 0/0" sh -c "! awk '\$2 != \"0/0\"' '$T/list' | grep -q ."
check "dist: VERSION says package/info's version" sh -c "tar -xzOf '$tgz' usr/share/doc/hermes-s6/VERSION | grep -qx '$version'"
check "dist: nothing outside usr/ and etc/" sh -c "! awk '{print \$6}' '$T/list' | grep -Ev '^(usr|etc)/' | grep -q ."

mkdir -p "$T/x"
tar -xzf "$tgz" -C "$T/x"
check "dist: binaries are static (no program interpreter)" sh -c "! readelf -l '$T/x/usr/bin/hermes-s6' | grep -q 'program interpreter'"
check "dist: binaries are stripped (no .symtab)" sh -c "! readelf -S '$T/x/usr/bin/hermes-s6' | grep -q '\.symtab'"
check "dist: -V through a link prints the version" sh -c "[ \"\$('$T/x/usr/bin/hermes-readstate' -V)\" = 'hermes-readstate $version' ]"
check "dist: the extracted binary runs" sh -c "'$T/x/usr/bin/hermes-dashboard-finish' 78; [ \$? = 125 ]"
check "dist: scripts carry with-contenv and no placeholder" \
  sh -c "grep -qx with-contenv '$T/x/etc/cont-init.d/015-supervise-perms' && ! grep -rq '@[A-Z]*@' '$T/x/etc'"
# The installed 015 parses and runs under execline with a with-contenv
# that execs its arguments (the real one is s6-overlay's).
mkdir -p "$T/fake"
printf '#!/bin/sh\nexec "$@"\n' > "$T/fake/with-contenv"
chmod 0755 "$T/fake/with-contenv"
check "dist: the installed 015 runs through with-contenv (absent servicedirs: exit 0)" \
  env PATH="$T/fake:$PATH" HERMES_S6RC_SERVICEDIRS="$T/nowhere" /usr/bin/execlineb -P "$T/x/etc/cont-init.d/015-supervise-perms"
check "dist: the installed dashboard run runs through with-contenv (disabled: exit 0)" \
  env -u HERMES_DASHBOARD PATH="$T/fake:$PATH" /usr/bin/execlineb -P "$T/x/etc/s6-overlay/s6-rc.d/dashboard/run"
check "dist: scripts are rendered for s6-overlay: /command's execlineb, /usr/bin's binaries" \
  sh -c "head -1 '$T/x/etc/cont-init.d/02-reconcile-profiles' | grep -qx '#!/command/execlineb -P' && grep -q '^/usr/bin/hermes-register-slots ' '$T/x/etc/cont-init.d/02-reconcile-profiles'"

# A tree configured for another prefix makes the same layout. In a copy
# with this build: configure rewrites config.mak, and only the shebang dir
# is compiled into the binaries, so the copied objects (times kept) stay
# current: config.mak is dated back rather than everything rebuilt (a
# rebuild would prove nothing more here, and took minutes).
C=$T/prefix-copy
mkdir -p "$C"
{ tar -C "$HS6_TOP" --exclude=./.git --exclude="./$B" -cf - . | tar -C "$C" -xf - &&
  (cd "$HS6_TOP" && tar -cf - "$B/bin" "$B/obj" "$B"/*.a $(ls -d "$B/pch" "$B/gen" 2>/dev/null)) | tar -C "$C" -xf -; } ||
  { fail "dist, other prefix: unable to copy the tree"; exit 1; }
if (cd "$C" && ./configure --prefix=/some/where --sysconfdir=/some/where/etc >"$T/conf.out" 2>&1 &&
    touch -d @0 config.mak &&
    make -s --no-print-directory B="$B" dist >"$T/make2.out" 2>&1); then
  ok "dist, --prefix=/some/where: make dist succeeds"
  tar -tvzf "$C/$tgz" > "$T/list2"
  check "dist, --prefix=/some/where: the same list of paths and modes" \
    sh -c "[ \"\$(awk '{print \$1, \$2, \$6}' '$T/list')\" = \"\$(awk '{print \$1, \$2, \$6}' '$T/list2')\" ]"
  mkdir -p "$T/x2"; tar -xzf "$C/$tgz" -C "$T/x2"
  check "dist, --prefix=/some/where: the same scripts (no /some/where in them)" diff -r "$T/x/etc" "$T/x2/etc"
else
  fail "dist, --prefix=/some/where: make dist failed: $(tail -3 "$T/conf.out" "$T/make2.out" | tr '\n' ' ')"
fi
