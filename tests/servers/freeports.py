#!/usr/bin/env python3
# freeports.py N - print N distinct loopback port numbers that are free for
# both UDP and TCP right now (the test servers bind them a moment later).
#
# Two things could take such a port between this check and the bind, and
# both were seen in make check ("Address already in use"):
# - the kernel, as the local port of an outgoing connection: so the ports
#   come from below the ephemeral range (/proc/sys/net/ipv4/ip_local_port_range);
# - another suite running at the same time: so each port handed out is
#   reserved for 15 minutes by a file in $TMPDIR/ds-freeports, created with
#   O_EXCL (atomic between processes); older files are taken over.
import os
import random
import socket
import sys
import time

HOLD = 15 * 60


def free(port):
    for kind in (socket.SOCK_DGRAM, socket.SOCK_STREAM):
        s = socket.socket(socket.AF_INET, kind)
        try:
            s.bind(("127.0.0.1", port))
        except OSError:
            return False
        finally:
            s.close()
    return True


def ephemeral_low():
    try:
        with open("/proc/sys/net/ipv4/ip_local_port_range") as f:
            return int(f.read().split()[0])
    except (OSError, ValueError, IndexError):
        return 32768


def reserve(folder, port):
    path = os.path.join(folder, str(port))
    try:
        if time.time() - os.stat(path).st_mtime > HOLD:
            os.unlink(path)
    except OSError:
        pass
    try:
        os.close(os.open(path, os.O_CREAT | os.O_EXCL | os.O_WRONLY, 0o644))
        return True
    except FileExistsError:
        return False


def main():
    n = int(sys.argv[1]) if len(sys.argv) > 1 else 1
    folder = os.path.join(os.environ.get("TMPDIR", "/tmp"), "ds-freeports")
    os.makedirs(folder, mode=0o1777, exist_ok=True)
    lo, hi = 15000, ephemeral_low()
    if hi - lo < 1000:      # an unusual range: fall back to above it
        lo, hi = 61000, 65000
    out = []
    rng = random.SystemRandom()
    for _ in range(100000):
        if len(out) == n:
            break
        p = rng.randrange(lo, hi)
        if p not in out and free(p) and reserve(folder, p):
            out.append(p)
    if len(out) < n:
        sys.exit("freeports: no %d free ports in %d..%d" % (n, lo, hi - 1))
    print(" ".join(str(p) for p in out))


main()
