#!/bin/sh
# doc/html/install.html works as written: its Dockerfile is
# example/Dockerfile, word for word; the builder stage installs every
# Debian package a build needs (package/ensure-deps build); both
# TARGETARCH values map to the architectures make dist names; and the
# image step, run here on the tarball make dist made (checked with
# sha256sum -c, extracted with tar -xzpf, as the image's RUN does), gives
# the layout the overlay-*.sh tests boot.
. "${HS6_TOP:?}/tests/integration/lib.sh"

cd "$HS6_TOP" || exit 111
# The <pre> that starts with the syntax line, unescaped.
awk '/^<pre>$/ { inpre = 1; buf = ""; next }
     /^<\/pre>/ { if (inpre && buf ~ /^# syntax=docker/) { printf "%s", buf; exit } inpre = 0; next }
     inpre { buf = buf $0 "\n" }' doc/html/install.html |
  sed -e 's/&lt;/</g' -e 's/&gt;/>/g' -e 's/&amp;/\&/g' > "$T/Dockerfile"
check "install page: its Dockerfile is example/Dockerfile, word for word" cmp "$T/Dockerfile" example/Dockerfile
pkgs=$(sed -n 's/^pkgs="\(.*\)"$/\1/p' package/ensure-deps | head -1)
missing=
for p in $pkgs; do grep -q "apt-get install.* $p\( \|$\)" example/Dockerfile || missing="$missing $p"; done
if [ -n "$pkgs" ] && [ -z "$missing" ]; then ok "install page: the builder stage installs what a build needs ($pkgs)"
else fail "install page: the builder stage lacks:$missing (ensure-deps build: $pkgs)"; fi
check "install page: amd64 maps to x86_64 and arm64 to aarch64, in both RUN steps" \
  test "$(grep -c 'amd64) arch=x86_64 ;; arm64) arch=aarch64 ;;' example/Dockerfile)" = 2
check "install page: every s6-overlay tarball is checked against its .sha256" \
  grep -q 'sha256sum -c "$f.sha256"' example/Dockerfile
check "install page: the hermes-s6 tarball is checked against its .sha256" \
  grep -q 'sha256sum -c hermes-s6-\*-"$arch".tar.gz.sha256' example/Dockerfile

# The image step on this tree's tarball.
B=${HS6_BIN#"$HS6_TOP"/}; B=${B%/bin}
case $B in /*) skip "install page: $HS6_BIN is not under $HS6_TOP"; exit 0 ;; esac
if ! out=$(make -s --no-print-directory B="$B" dist 2>"$T/dist.err"); then
  fail "install page: make dist: $(tail -3 "$T/dist.err" | tr '\n' ' ')"; exit 1
fi
tgz=$(printf '%s\n' "$out" | tail -1)
mkdir -p "$T/release" "$T/root"
cp "$tgz" "$tgz.sha256" "$T/release/"
arch=$(${CXX:-g++} -dumpmachine | cut -d- -f1)
check "install page: the image step verifies and extracts the tarball" \
  sh -c "cd '$T/release' && sha256sum -c hermes-s6-*-'$arch'.tar.gz.sha256 >/dev/null && tar -C '$T/root' -xzpf hermes-s6-*-'$arch'.tar.gz"
check "install page: ... giving /usr/bin/hermes-s6, its links, the scripts and VERSION" \
  all test -x "$T/root/usr/bin/hermes-s6" \; test -L "$T/root/usr/bin/hermes-register-slots" \; \
  test -x "$T/root/etc/cont-init.d/02-reconcile-profiles" \; test -s "$T/root/usr/share/doc/hermes-s6/VERSION"
