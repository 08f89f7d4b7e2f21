#!/usr/bin/env python3
# tests/integration/hostile-client.py pipe|pty LIMIT CMD...: runs CMD
# (hermes-slot, as the user) with its stdout and stderr on an output that
# it fills and never reads, as a hostile client of hermes-slotd would:
#   pipe  a pipe, full, whose O_NONBLOCK flag is cleared again and again
#         (the flag lives in the open file the server shares);
#   pty   the slave side of a pseudo-terminal whose master is never read,
#         full, O_NONBLOCK cleared the same way.
# Stdin is /dev/null. Prints "rc=CODE secs=SECONDS" when CMD exits, or
# "rc=timeout secs=LIMIT" when it has not exited within LIMIT seconds (it
# is then killed). Exits 0 either way; the test reads the line.
import fcntl
import os
import subprocess
import sys
import time


def fill(fd):
    """Writes to fd, non-blocking, until it takes no more. (A terminal
    takes more a moment later, as its buffer moves on: so, again before
    each clearing of O_NONBLOCK.)"""
    fl = fcntl.fcntl(fd, fcntl.F_GETFL)
    fcntl.fcntl(fd, fcntl.F_SETFL, fl | os.O_NONBLOCK)
    for size in (65536, 4096, 512, 64, 1):
        while True:
            try:
                if os.write(fd, b"x" * size) <= 0:
                    break
            except BlockingIOError:
                break
            except OSError:
                break


def main():
    kind, limit, cmd = sys.argv[1], float(sys.argv[2]), sys.argv[3:]
    if kind == "pipe":
        keep, out = os.pipe()  # keep: the read end, held open, never read
    elif kind == "pty":
        keep, out = os.openpty()  # keep: the master, never read
    else:
        sys.exit("hostile-client.py: pipe or pty")
    fill(out)
    start = time.monotonic()
    with open(os.devnull, "rb") as null:
        p = subprocess.Popen(cmd, stdin=null, stdout=out, stderr=out)
    rc = None
    while rc is None:
        fill(out)
        fl = fcntl.fcntl(out, fcntl.F_GETFL)
        fcntl.fcntl(out, fcntl.F_SETFL, fl & ~os.O_NONBLOCK)
        rc = p.poll()
        if rc is None and time.monotonic() - start > limit:
            p.kill()
            p.wait()
            rc = "timeout"
            break
        time.sleep(0.0005)
    print("rc=%s secs=%.2f" % (rc, time.monotonic() - start), flush=True)
    os.close(out)
    os.close(keep)


main()
