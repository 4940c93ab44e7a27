#!/usr/bin/env python3
# freeports.py N - print N distinct loopback port numbers that are free for
# both UDP and TCP right now (the test servers bind them a moment later).
import random
import socket
import sys

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

n = int(sys.argv[1]) if len(sys.argv) > 1 else 1
out = []
rng = random.SystemRandom()
while len(out) < n:
    p = rng.randrange(20000, 60000)
    if p not in out and free(p):
        out.append(p)
print(" ".join(str(p) for p in out))
