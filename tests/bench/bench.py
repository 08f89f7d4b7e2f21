#!/usr/bin/env python3
"""make bench: the toolset side by side with the Python baseline, in one run.

Everything is measured here, nothing is judged: medians of interleaved runs
(the machine is shared and noisy), ratios taken within the same run, peak
RSS from wait4 (the largest single process of a run), stripped sizes, and
callgrind instruction counts as the stable figure for regressions.
Prints a table and writes the same rows to B/bench/bench.csv.
"""
import csv
import glob
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time

B = sys.argv[1] if len(sys.argv) > 1 else "build"
TOP = os.getcwd()
BIN = os.path.join(TOP, B, "bin")
ETC = os.path.join(TOP, B, "bench", "etc")
# The scripts' execline commands, as s6-overlay puts them in PATH.
ENV = dict(os.environ, PATH="/usr/lib/execline/bin:" + os.environ.get("PATH", "/usr/bin:/bin"))
SHARED = os.path.normpath(os.path.join(TOP, "..", "shared", "bench"))
MAKE_HOME = os.path.join(TOP, "tests", "bench", "make-home")  # a copy of SHARED/make-home
PY_RECONCILE = os.path.join(SHARED, "py-reconcile")
# The interpreter itself, not a version manager's shim in front of it.
PYTHON = "/usr/bin/python3" if os.path.exists("/usr/bin/python3") else shutil.which("python3")
UID = GID = 65534
SIZES = [int(n) for n in os.environ.get("BENCH_SIZES", "1 10 100 500").split()]
PAIRS = int(os.environ.get("BENCH_PAIRS", "7"))
SPAWNS = int(os.environ.get("BENCH_SPAWNS", "200"))
ROWS = []


SPAWN = os.path.join(TOP, B, "bench", "spawn")
# Scandirs on tmpfs, as /run/service is in a container. The volume copies
# too, unless BENCH_VOLUME_ON_DISK=1: this machine's disk is shared, and an
# unlink on it (both reconcilers remove each profile's stale gateway.pid)
# costs from 0.1 to several ms, which buries the difference under noise.
SCRATCH = "/dev/shm" if os.path.isdir("/dev/shm") else None
VOLUME_ON_DISK = os.environ.get("BENCH_VOLUME_ON_DISK") == "1" or not SCRATCH


def run(argv, env=None):
    """Runs argv once through the small static spawner; returns (seconds,
    peak RSS KiB of the largest process of the run, exit code)."""
    out = subprocess.run([SPAWN] + argv, env=env, stdout=subprocess.PIPE, check=True).stdout.split()
    return int(out[0]) / 1e9, int(out[1]), int(out[2])


def row(section, what, **fields):
    ROWS.append(dict(section=section, what=what, **fields))


def fresh(base, n, tag):
    """A copy of volume n owned by the user, as in the image, and an empty scandir."""
    home = os.path.join(base if VOLUME_ON_DISK else SCRATCH, f"hs6-bench-{os.getpid()}-home-{tag}")
    scandir = os.path.join(SCRATCH or base, f"hs6-bench-{os.getpid()}-scan-{tag}")
    shutil.rmtree(home, ignore_errors=True)
    shutil.rmtree(scandir, ignore_errors=True)
    shutil.copytree(os.path.join(base, f"volume-{n}"), home, symlinks=True)
    subprocess.run(["chown", "-R", f"{UID}:{GID}", home], check=True)
    os.mkdir(scandir)
    return home, scandir


def reconcile(base):
    script = os.path.join(ETC, "cont-init.d", "02-reconcile-profiles")
    print(f"\nBoot reconcile: {script} vs {PYTHON} py-reconcile, {PAIRS} interleaved pairs, "
          f"fresh volume copy (owned by {UID}, on {'disk' if VOLUME_ON_DISK else SCRATCH}) and scandir "
          f"(on {SCRATCH or 'disk'}) per run")
    print(f"{'N':>5} {'toolset ms':>11} {'python ms':>10} {'ratio':>7} {'toolset RSS KiB':>16} {'python RSS KiB':>15}")
    for n in SIZES:
        vol = os.path.join(base, f"volume-{n}")
        subprocess.run(["sh", MAKE_HOME, vol, str(n)], check=True)
        ours, theirs, rss_ours, rss_theirs = [], [], 0, 0
        for _ in range(PAIRS):
            home, scandir = fresh(base, n, "t")
            env = dict(ENV, HERMES_HOME=home, S6_PROFILE_GATEWAY_SCANDIR=scandir, HERMES_USER="nobody")
            t, rss, rc = run([script], env)
            if rc != 0:
                sys.exit(f"bench: fatal: {script} exited {rc} for N={n}")
            ours.append(t); rss_ours = max(rss_ours, rss)
            home, scandir = fresh(base, n, "p")
            t, rss, rc = run([PYTHON, PY_RECONCILE, home, scandir, str(UID), str(GID)])
            if rc != 0:
                sys.exit(f"bench: fatal: py-reconcile exited {rc} for N={n}")
            theirs.append(t); rss_theirs = max(rss_theirs, rss)
        mo, mt = statistics.median(ours) * 1e3, statistics.median(theirs) * 1e3
        print(f"{n:>5} {mo:>11.2f} {mt:>10.2f} {mt / mo:>6.1f}x {rss_ours:>16} {rss_theirs:>15}")
        row("reconcile", f"N={n}", toolset_ms=round(mo, 3), python_ms=round(mt, 3), ratio=round(mt / mo, 2),
            toolset_rss_kib=rss_ours, python_rss_kib=rss_theirs)


def spawn_jobs(base):
    """Each tool doing a minimal real job."""
    d = os.path.join(SCRATCH or base, f"hs6-bench-{os.getpid()}-spawn")
    os.makedirs(os.path.join(d, "prof"), exist_ok=True)
    with open(os.path.join(d, "prof", "gateway_state.json"), "w") as f:
        f.write('{"gateway_state":"running"}\n')
    svc = os.path.join(d, "svc")
    os.makedirs(svc, exist_ok=True)
    jobs = {
        "hermes-dashboard-finish": ["0"],
        "hermes-readstate": [os.path.join(d, "prof")],
        "hermes-seed-supervise": ["-g", str(GID), svc],
        "hermes-render-slot": ["-b", "/usr/bin", "-E", os.path.join(d, ".gateway-x.tmp"), "x"],
        "hermes-publish-slot": [os.path.join(d, ".gateway-p.tmp"), os.path.join(d, "gateway-p")],
        "hermes-unpublish-slot": [os.path.join(d, "gateway-absent")],
        "hermes-bootlog": ["-s", "100000000", os.path.join(d, "boot.log"), "profile=x", "action=bench"],
    }
    home0 = os.path.join(d, "home0")  # the root profile only, owned by the user
    os.makedirs(home0, exist_ok=True)
    with open(os.path.join(home0, "gateway_state.json"), "w") as f:
        f.write('{"gateway_state":"running"}\n')
    subprocess.run(["chown", "-R", f"{UID}:{GID}", home0], check=True)
    os.makedirs(os.path.join(d, "scan0"), exist_ok=True)
    jobs["hermes-register-slots"] = ["-u", str(UID), "-g", str(GID), "-r", "nobody", "-b", "/usr/bin", "-E",
                                     home0, os.path.join(d, "scan0")]
    return {t: a for t, a in jobs.items() if os.path.exists(os.path.join(BIN, t))}


def spawns(base):
    noop = os.path.join(TOP, B, "bench", "noop")
    jobs = spawn_jobs(base)
    print(f"\nSpawn: median of {SPAWNS} spawns each, interleaved with a static no-op C program")
    print(f"{'tool':<26} {'median us':>10} {'no-op us':>9} {'ratio':>6} {'peak RSS KiB':>13} {'stripped bytes':>15} {'exit':>5}")
    for tool, args in jobs.items():
        path = os.path.join(BIN, tool)
        ts, tn, rss, rc = [], [], 0, 0
        for _ in range(SPAWNS):
            if tool == "hermes-publish-slot":  # a fresh staging dir to publish each time
                shutil.rmtree(args[1], ignore_errors=True)
                os.mkdir(args[0])
            elif tool == "hermes-render-slot":  # render into an absent staging dir each time
                shutil.rmtree(args[-2], ignore_errors=True)
            t, r, rc = run([path] + args)
            ts.append(t); rss = max(rss, r)
            t, _, _ = run([noop])
            tn.append(t)
        stripped = os.path.join(base, "stripped")
        subprocess.run(["strip", "-o", stripped, path], check=True)
        size = os.path.getsize(stripped)
        mt, mn = statistics.median(ts) * 1e6, statistics.median(tn) * 1e6
        print(f"{tool:<26} {mt:>10.0f} {mn:>9.0f} {mt / mn:>5.2f}x {rss:>13} {size:>15} {rc:>5}")
        row("spawn", tool, median_us=round(mt, 1), noop_us=round(mn, 1), ratio=round(mt / mn, 3),
            peak_rss_kib=rss, stripped_bytes=size, exit=rc)


def callgrind(base):
    """Instruction counts of one profile's work: the whole 02 script on a volume with the root profile only."""
    if not shutil.which("valgrind"):
        print("\ncallgrind: valgrind not installed, skipped")
        return
    script = os.path.join(ETC, "cont-init.d", "02-reconcile-profiles")
    vol = os.path.join(base, "volume-0")
    subprocess.run(["sh", MAKE_HOME, vol, "0"], check=True)
    shutil.copytree(vol, os.path.join(base, "volume-cg"), symlinks=True)
    home, scandir = fresh(base, "cg", "cg")
    out = os.path.join(base, "cg")
    os.mkdir(out)
    os.chmod(out, 0o1777)  # the boot-log child writes its profile after dropping to the user
    env = dict(ENV, HERMES_HOME=home, S6_PROFILE_GATEWAY_SCANDIR=scandir, HERMES_USER="nobody")
    subprocess.run(["valgrind", "--tool=callgrind", "--trace-children=yes", f"--callgrind-out-file={out}/cg.%p",
                    "--log-file=" + os.path.join(out, "log.%p"), "/usr/bin/execlineb", "-P", script], env=env, check=True,
                   stdout=subprocess.DEVNULL)
    total, per = 0, {}
    files = [f for f in os.listdir(out) if f.startswith("cg.")]
    for f in files:
        cmd, ir = "?", 0
        with open(os.path.join(out, f)) as fh:
            for line in fh:
                if line.startswith("cmd:"):
                    cmd = os.path.basename(line.split()[1])
                elif line.startswith("summary:") or line.startswith("totals:"):
                    ir = int(line.split()[1])
        per[cmd] = per.get(cmd, 0) + ir
        total += ir
    print(f"\ncallgrind (instructions, stable across runs): 02 on a volume with the root profile only; "
          f"the last program each process ran (hermes-register-slots and its forks; Debian's dynamic "
          f"execline and s6 commands before it are not ours), {len(files)} processes")
    for cmd, ir in sorted(per.items(), key=lambda kv: -kv[1]):
        print(f"  {cmd:<28} {ir:>12,}")
        row("callgrind", cmd, instructions=ir)
    print(f"  {'total':<28} {total:>12,}")
    row("callgrind", "total", instructions=total)


def main():
    if os.geteuid() != 0:
        sys.exit("bench: fatal: the reconcile runs as root (it chowns to uid 65534): run make bench as root")
    base = tempfile.mkdtemp(prefix="hs6-bench.")
    os.chmod(base, 0o755)  # the boot log is written as the user, inside
    try:
        print(f"hermes-s6 bench, {time.strftime('%Y-%m-%d %H:%M:%S')}, {os.cpu_count()} cores, python {PYTHON}")
        reconcile(base)
        spawns(base)
        callgrind(base)
    finally:
        shutil.rmtree(base, ignore_errors=True)
        if SCRATCH:
            for d in glob.glob(os.path.join(SCRATCH, f"hs6-bench-{os.getpid()}-*")):
                shutil.rmtree(d, ignore_errors=True)
    path = os.path.join(B, "bench", "bench.csv")
    keys = []
    for r in ROWS:
        keys += [k for k in r if k not in keys]
    with open(path, "w", newline="") as f:
        w = csv.DictWriter(f, fieldnames=keys)
        w.writeheader()
        w.writerows(ROWS)
    print(f"\nCSV: {path}")


if __name__ == "__main__":
    main()
