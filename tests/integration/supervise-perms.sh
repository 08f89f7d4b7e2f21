#!/bin/sh
# hs6-s6-matrix: tests/run runs this on s6 2.11 and on s6-overlay's 2.15
# cont-init.d/015-supervise-perms on a servicedirs tree already supervised,
# root-only, by a real s6-svscan (as s6-rc leaves it before cont-init.d):
# afterwards uid 65534 controls the hermes services and still cannot touch
# s6-overlay's own (s6rc-*, s6-linux-*).
. "${HS6_TOP:?}/tests/integration/lib.sh"

P=$HS6_ETC/cont-init.d/015-supervise-perms

# Not root (s6-overlay's USER mode): the services are the user's already.
if is_root; then unpriv() { as_nobody "$@"; }; else unpriv() { "$@"; }; fi
mkdir -p "$T/sd-user/svc"
out=$(unpriv env HERMES_S6RC_SERVICEDIRS="$T/sd-user" HERMES_USER=nobody "$P" 2>&1); rc=$?
check "015 not as root: exits 0" test "$rc" = 0
case $out in
  *'not root: '*'nothing to open'*) ok "015 not as root: says it has nothing to open" ;;
  *) fail "015 not as root: says it has nothing to open: it said: $out" ;;
esac
check_not "015 not as root: touches nothing" test -e "$T/sd-user/svc/supervise"

if ! is_root; then
  skip "015: absent servicedirs, live: need root (s6-supervise and chown)"
  exit 0
fi
check_exit 0 "015: an absent servicedirs root is not an error" \
  env HERMES_S6RC_SERVICEDIRS="$T/nowhere" HERMES_USER=nobody "$P"
check "015: ... and says so" sh -c "env HERMES_S6RC_SERVICEDIRS='$T/nowhere' '$P' 2>&1 | grep -q 'does not exist'"

# As s6-rc lays it out: /run/s6-rc is a symlink to the live directory.
mkdir -p "$T/s6-rc:s6-rc-init:hs6test/servicedirs"
ln -s "$T/s6-rc:s6-rc-init:hs6test" "$T/s6-rc"
SD=$T/s6-rc/servicedirs
SCAN=$T/scan
mkdir -p "$SCAN"
for s in dashboard main-hermes s6rc-oneshot-runner s6-linux-init-shutdownd; do
  mkdir -p "$SD/$s"
  printf '#!/bin/sh\nexec sleep 600\n' > "$SD/$s/run"
  chmod 0755 "$SD/$s/run"
  ln -s "$SD/$s" "$SCAN/$s"       # s6-rc links its servicedirs into the scandir
done
mkdir -p "$SD/main-hermes/log"
printf '#!/bin/sh\nexec cat >/dev/null\n' > "$SD/main-hermes/log/run"
chmod 0755 "$SD/main-hermes/log/run"

start_svscan "$SCAN" || exit 1
for s in dashboard main-hermes main-hermes/log s6rc-oneshot-runner s6-linux-init-shutdownd; do
  wait_until 5000 svc_up "$SD/$s" || fail "015: $s did not come up"
done
check_not "015: before: nobody cannot s6-svstat a service" as_nobody s6-svstat "$SD/dashboard"

check_exit 0 "015: exits 0 when every service is done" \
  env HERMES_S6RC_SERVICEDIRS="$SD" HERMES_USER=nobody "$P"

check "015: supervise/ is root:65534 0710" sh -c "[ \$(stat -c %u:%g:%a '$SD/dashboard/supervise') = 0:65534:710 ]"
check "015: supervise/control is root:65534 0620" sh -c "[ \$(stat -c %u:%g:%a '$SD/dashboard/supervise/control') = 0:65534:620 ]"
check "015: event/ is root:root 3730" sh -c "[ \$(stat -c %u:%g:%a '$SD/dashboard/event') = 0:0:3730 ]"
G=$(getent group 65534 | cut -d: -f1); G=${G:-65534}   # s6-svperms prints the name
check "015: s6-svperms reports the group layout" \
  sh -c "s6-svperms '$SD/dashboard' | grep -qx '$SD/dashboard status: group $G' && s6-svperms '$SD/dashboard' | grep -qx '$SD/dashboard control: group $G'"
for s in dashboard main-hermes main-hermes/log; do
  check "015: nobody can s6-svstat $s" as_nobody s6-svstat "$SD/$s"
done
check "015: nobody can s6-svc -d dashboard" as_nobody s6-svc -d "$SD/dashboard"
check "015: ... and it goes down" wait_until 5000 svc_down "$SD/dashboard"
check "015: nobody can s6-svc -u dashboard" as_nobody s6-svc -u "$SD/dashboard"
check "015: ... and it comes back up" wait_until 5000 svc_up "$SD/dashboard"
check "015: nobody can restart the logger (s6-svc -t main-hermes/log)" as_nobody s6-svc -t "$SD/main-hermes/log"
for s in s6rc-oneshot-runner s6-linux-init-shutdownd; do
  check_not "015: nobody still cannot s6-svstat $s" as_nobody s6-svstat "$SD/$s"
  check_not "015: nobody still cannot s6-svc -d $s" as_nobody s6-svc -d "$SD/$s"
  check "015: $s/supervise stays root 0700" sh -c "[ \$(stat -c %u:%g:%a '$SD/$s/supervise') = 0:0:700 ]"
  check "015: $s is still up" svc_up "$SD/$s"
done
check_exit 0 "015: running it again changes nothing and succeeds" \
  env HERMES_S6RC_SERVICEDIRS="$SD" HERMES_USER=nobody "$P"
check "015: a second run leaves the layout as it was" sh -c "[ \$(stat -c %u:%g:%a '$SD/dashboard/supervise') = 0:65534:710 ]"

# One bad service (event/ is a symlink) is reported; the others are still done.
B2=$T/servicedirs2
mkdir -p "$B2/good" "$B2/bad" "$T/elsewhere"
ln -s "$T/elsewhere" "$B2/bad/event"
env HERMES_S6RC_SERVICEDIRS="$B2" HERMES_USER=nobody "$P" >"$T/bad.out" 2>&1; rc=$?
if [ "$rc" = 1 ]; then ok "015: one failing service makes it exit 1"; else fail "015: one failing service: exit $rc, wanted 1: $(cat "$T/bad.out")"; fi
check "015: ... with a warning that names it" grep -q "warning: $B2/bad stays root-only" "$T/bad.out"
check "015: ... and the other service is still done" sh -c "[ \$(stat -c %u:%g:%a '$B2/good/supervise') = 0:65534:710 ]"
check "015: ... and nothing was done through the symlink" sh -c "[ -z \"\$(ls -A '$T/elsewhere')\" ]"

check_not "015: an unknown HERMES_USER fails" env HERMES_S6RC_SERVICEDIRS="$B2" HERMES_USER=no-such-user-hs6 "$P"

# The s6rc-*/s6-linux-* exclusion looks at the service's name only: a root
# path that itself contains "/s6rc-" must not exclude every service.
R2=$T/s6rc-parent/servicedirs
mkdir -p "$R2/web" "$R2/s6rc-fdholder"
check_exit 0 "015: a root under a dir named s6rc-* runs" env HERMES_S6RC_SERVICEDIRS="$R2" HERMES_USER=nobody "$P"
check "015: ... and still seeds its services by name" test -p "$R2/web/supervise/control"
check_not "015: ... and still skips s6rc-* by name" test -e "$R2/s6rc-fdholder/supervise"
