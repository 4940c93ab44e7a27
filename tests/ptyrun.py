#!/usr/bin/env python3
# ptyrun.py OUT CMD... - run CMD with its stderr on a new pseudo-terminal
# (stdin /dev/null, stdout discarded) and write everything it drew there to
# OUT; exits with CMD's status.  For tests of what a command does on a TTY.
import os
import subprocess
import sys

m, s = os.openpty()
p = subprocess.Popen(sys.argv[2:], stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=s)
os.close(s)
out = b""
while True:
    try:
        d = os.read(m, 65536)
    except OSError:		# EIO: the slave side is closed
        break
    if not d:
        break
    out += d
p.wait()
with open(sys.argv[1], "wb") as f:
    f.write(out)
sys.exit(p.returncode)
