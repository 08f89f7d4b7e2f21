#!/bin/sh
# hs6-s6-matrix: tests/run runs this on s6 2.11 and on s6-overlay's 2.15
# Issue 10, against a real s6-svscan: hermes-unpublish-slot refuses what is
# not a slot; finishes when the application user fills the control FIFO
# and when the gateway ignores SIGTERM (escalation), within its bound; is
# killed with SIGKILL at every system call and then rerun, leaving the
# invariant and no hidden supervisor; and the logger of a slot whose log
# dir is a symlink keeps the gateway's output going, once, without a crash
# loop and without writing outside the volume.
. "${HS6_TOP:?}/tests/integration/lib.sh"

S=$T/scan H=$T/home
mkdir -p "$S" "$H"
need_root_stub "unpublish hostile"
# A gateway that ignores SIGTERM (sleep inherits the ignored signal).
printf '#!/bin/sh\ntrap "" TERM\necho stubborn started\n: >"$STUB_DIR/stubborn.ready"\nexec sleep 1000\n' >"$T/stubborn"; chmod 0755 "$T/stubborn"
slot() {  # slot NAME [PROG]: render, seed and publish gateway-NAME
  hermes-render-slot -E -b /usr/bin -h "$H" -r "$NOBODY_NAME" -x "${2:-$T/stub-gateway}" -u "$S/.gateway-$1.s" "$1" \
    hermes-seed-supervise -g "$NOBODY" "$S/.gateway-$1.s" \
    hermes-publish-slot "$S/.gateway-$1.s" "$S/gateway-$1"
}
now_ms() { echo $(($(date +%s%N) / 1000000)); }
# dead PID: gone, or a zombie (killed; its reaper is not ours).
dead() { [ ! -e "/proc/$1" ] || [ "$(cut -d' ' -f3 "/proc/$1/stat" 2>/dev/null)" = Z ]; }
start_svscan "$S" || exit 1
svscan_pid=${SVSCANS# }; svscan_pid=${svscan_pid%%:*}
live_supervisors() { supervisors "$svscan_pid"; }  # lib.sh
no_supervisor_of() { ! live_supervisors | grep -q "^$1 "; }
up() {  # up NAME: published, scanned, service and logger up
  s6-svscanctl -a "$S" && wait_until 5000 svc_up "$S/gateway-$1" && wait_until 5000 svc_up "$S/gateway-$1/log"
}

# --- not a slot
o=$(hermes-unpublish-slot "$S/.s6-svscan" 2>&1); r=$?
if [ "$r" = 100 ] && [ "$(printf '%s\n' "$o" | wc -l)" = 1 ] && [ -p "$S/.s6-svscan/control" ]; then
  ok "hostile: .s6-svscan is refused: exit 100, one line, left alone"
else
  fail "hostile: .s6-svscan: exit $r: $o"
fi
mkdir -p "$S/gateway-norun"; echo keep >"$S/gateway-norun/data"
check_exit 100 "hostile: a gateway-* dir without run is refused" hermes-unpublish-slot "$S/gateway-norun"
check "hostile: ... and left alone" test -f "$S/gateway-norun/data"
rm -rf "$S/gateway-norun"

# --- the user fills the control FIFO during unpublish
slot f >/dev/null && up f || fail "hostile: slot f did not come up"
svc=$(s6-svstat -o pid "$S/gateway-f")
fillers=
for i in 1 2 3; do
  timeout 30 s6-applyuidgid -u "$NOBODY" -g "$NOBODY" -G '' sh -c "exec cat /dev/zero >'$S/gateway-f/supervise/control'" 2>/dev/null &
  fillers="$fillers $!"
done
sleep 0.3
t0=$(now_ms); o=$(hermes-unpublish-slot -t 3000 "$S/gateway-f" 2>&1); r=$?; t1=$(now_ms)
if [ "$r" = 0 ] && [ ! -e "$S/gateway-f" ] && [ ! -e "$S/.gateway-f" ]; then
  ok "hostile: unpublish with the user filling control: exit 0, slot gone ($((t1 - t0)) ms)"
else
  fail "hostile: unpublish with the user filling control: exit $r after $((t1 - t0)) ms: $o"
fi
if dead "$svc" && wait_until 1000 no_supervisor_of gateway-f; then ok "hostile: ... the gateway and both supervisors are gone"
else fail "hostile: ... left: gateway $svc $(dead "$svc" || echo alive), $(live_supervisors | tr '\n' ,)"; fi
for p in $fillers; do wait "$p" 2>/dev/null; done

# --- a gateway that ignores SIGTERM
slot t "$T/stubborn" >/dev/null && up t && wait_until 5000 test -e "$STUB_DIR/stubborn.ready" ||
  fail "hostile: slot t did not come up"
svc=$(s6-svstat -o pid "$S/gateway-t")
t0=$(now_ms); o=$(hermes-unpublish-slot -t 500 "$S/gateway-t" 2>&1); r=$?; t1=$(now_ms)
if [ "$r" = 0 ] && dead "$svc" && [ ! -e "$S/gateway-t" ] && [ ! -e "$S/.gateway-t" ]; then
  ok "hostile: a gateway that ignores SIGTERM is killed, slot gone, exit 0 ($((t1 - t0)) ms)"
else
  fail "hostile: a gateway that ignores SIGTERM: exit $r, pid $svc dead: $(dead "$svc" && echo yes), $(ls -A "$S" | tr '\n' ' '): $o"
fi
if [ $((t1 - t0)) -lt 5500 ]; then ok "hostile: ... within -t 500 + the escalation bound ($((t1 - t0)) ms)"; else fail "hostile: ... took $((t1 - t0)) ms"; fi
case $o in *"did not stop in time"*) ok "hostile: ... and says it killed them" ;; *) fail "hostile: no warning about the kill: $o" ;; esac
check "hostile: ... no supervisor left for it" wait_until 1000 no_supervisor_of gateway-t

# --- SIGKILL at every system call of unpublish, then a rerun
if command -v strace >/dev/null 2>&1; then
  # Each round's slot: a copy of one rendered, seeded template, published
  # by rename, both supervisors started (the services may still be starting).
  hermes-render-slot -E -b /usr/bin -h "$H" -r "$NOBODY_NAME" -x "$T/stub-gateway" -u "$T/.tpl" k >/dev/null
  hermes-seed-supervise -g "$NOBODY" "$T/.tpl"
  # Cheap scripts (the kills are in unpublish, not in them): each round
  # starts a service and a logger.
  printf '#!/bin/sh\nexec sleep 1000\n' >"$T/.tpl/run"; printf '#!/bin/sh\nexec cat >/dev/null\n' >"$T/.tpl/log/run"
  slot_k() {
    cp -a "$T/.tpl" "$S/.gateway-k.s" && hermes-publish-slot "$S/.gateway-k.s" "$S/gateway-k" && s6-svscanctl -a "$S" &&
      wait_until 5000 supervised "$S/gateway-k" && wait_until 5000 supervised "$S/gateway-k/log"
  }
  slot_k && wait_until 5000 svc_up "$S/gateway-k" && wait_until 5000 svc_up "$S/gateway-k/log" || fail "hostile: slot k did not come up"
  strace -f -qq -o "$T/trace" hermes-unpublish-slot "$S/gateway-k" >/dev/null 2>&1
  # The kill points. After a SIGKILL only two things remain of the run: what
  # it changed on disk and what it told (wrote or signalled to) the
  # supervisors. A kill anywhere between two such system calls leaves what
  # a kill right after the first one leaves; strace kills on entry, before
  # the call takes effect. So killing at every system call that changes
  # something, and at the one after it, covers every state a kill can
  # leave. From the first call on the scandir on (a kill before it is a run
  # that never started); in the removal (from the first unlinkat on), whose
  # states differ only in how much of the tree is left, every 4th unlinkat.
  awk -v scan="$S" '
    { if (!match($0, /^[0-9]+ +[a-z0-9_]+\(/)) next
      call = $2; sub(/\(.*/, "", call); i++; seen[call]++
      if (!started && index($0, scan)) started = 1
      if (!started) next
      side = call ~ /^(mkdirat|renameat2|write|unlinkat|fchmod|fchown|kill|pidfd_send_signal|tgkill)$/ ||
             (call == "openat" && $0 ~ /O_CREAT/)
      if (call == "unlinkat" && ++unl > 1 && unl % 4 != 1) side = 0
      if (side || after) print i, call, seen[call]
      after = side }' "$T/trace" >"$T/points"
  bad=0 first= n=0 killed=0
  while read -r i call k; do
    n=$((n + 1))
    slot_k >/dev/null 2>&1 || { bad=$((bad + 1)); first=${first:-"call $i ($call #$k): setup failed"}; continue; }
    strace -f -qq -o /dev/null -e trace="$call" -e inject="$call:signal=KILL:when=$k" \
      hermes-unpublish-slot "$S/gateway-k" >/dev/null 2>&1
    [ $? = 137 ] && killed=$((killed + 1))
    if ! hermes-unpublish-slot -t 5000 "$S/gateway-k" 2>>"$T/kill.err"; then
      bad=$((bad + 1)); first=${first:-"call $i ($call #$k): the rerun failed"}; continue
    fi
    if [ -e "$S/gateway-k" ] || [ -e "$S/.gateway-k" ] || ! wait_until 1000 no_supervisor_of gateway-k; then
      bad=$((bad + 1)); first=${first:-"call $i ($call #$k): left $(ls -A "$S" | tr '\n' ' ') $(live_supervisors | tr '\n' ,)"}
    fi
  done <"$T/points"
  total=$(grep -cE '^[0-9]+ +[a-z0-9_]+\(' "$T/trace")
  if [ "$bad" = 0 ] && [ "$n" -ge 12 ] && [ "$killed" -ge $((n * 3 / 4)) ]; then
    ok "hostile: SIGKILL at $n kill points of unpublish ($killed killed; of $total calls), then a rerun: slot gone, no hidden supervisor"
  else fail "hostile: SIGKILL at $n kill points ($killed killed): $bad bad; first: $first; $(tail -2 "$T/kill.err" | tr '\n' ' ')"; fi
else
  skip "hostile: SIGKILL at every system call: strace not installed"
fi

# --- a symlinked log dir: one to a dir the user can write, one to a root-only dir
mkdir -p "$H/logs/gateways" "$T/out-user" "$T/out-root"
chown -R "$NOBODY:$NOBODY" "$H/logs" "$T/out-user"
ln -s "$T/out-user" "$H/logs/gateways/lu"; ln -s "$T/out-root" "$H/logs/gateways/lr"
for n in lu lr; do
  slot "$n" >/dev/null && s6-svscanctl -a "$S" && wait_until 5000 svc_up "$S/gateway-$n" ||
    fail "hostile: slot $n did not come up"
done
sleep 0.3
p_lu=$(s6-svstat -o pid "$S/gateway-lu/log") p_lr=$(s6-svstat -o pid "$S/gateway-lr/log")
sleep 2.2
bad=
for n in lu lr; do
  eval "p=\$p_$n"
  [ "$(s6-svstat -o up,pid "$S/gateway-$n/log")" = "true $p" ] || bad="$bad $n(logger restarted: $p -> $(s6-svstat -o pid "$S/gateway-$n/log"))"
  svc_up "$S/gateway-$n" || bad="$bad $n(gateway down)"
done
if [ -z "$bad" ]; then ok "hostile: symlinked log dirs: the gateways run, the loggers do not crash-loop (same pid for 2 s)"
else fail "hostile: symlinked log dirs:$bad: $(grep -e gateway-lu -e gateway-lr "$T/svscan.log" | tail -3 | tr '\n' ' ')"; fi
check "hostile: ... nothing written outside the volume" sh -c "[ -z \"\$(ls -A '$T/out-user' '$T/out-root' | grep -v ':\$' | grep .)\" ]"
check "hostile: ... the gateway's output goes to the container's log" \
  sh -c "grep -q 'stub lu started' '$T/svscan.log' && grep -q 'stub lr started' '$T/svscan.log'"
n_warn=$(grep -c 'gateway-lu/log: warning: unable to use' "$T/svscan.log")
if [ "$n_warn" = 1 ]; then ok "hostile: ... and the logger says so once"; else fail "hostile: the logger warned $n_warn times"; fi
for n in lu lr; do hermes-unpublish-slot "$S/gateway-$n" || fail "hostile: unpublish gateway-$n"; done
