#!/usr/bin/env python3
# dnsfail.py PORT MODE PIDFILE - a broken DNS server on 127.0.0.1:PORT (UDP),
# for the enrichment tests:
#   servfail   answers every query with RCODE 2 (SERVFAIL), question copied
#   blackhole  reads every query and never answers (timeouts)
# Writes its pid to PIDFILE; runs until killed.
import os
import socket
import sys

port, mode, pidfile = int(sys.argv[1]), sys.argv[2], sys.argv[3]
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.bind(("127.0.0.1", port))
with open(pidfile, "w") as f:
    f.write("%d\n" % os.getpid())

def question_end(pkt):
    i = 12
    while i < len(pkt):
        n = pkt[i]
        if n == 0:
            return i + 5
        if n & 0xC0:
            return i + 6
        i += n + 1
    return None

while True:
    pkt, peer = s.recvfrom(4096)
    if mode == "blackhole" or len(pkt) < 12:
        continue
    end = question_end(pkt)
    if end is None or end > len(pkt):
        continue
    flags = 0x8000 | (pkt[2] & 0x79) << 8 | 0x80 | 2   # QR, opcode+RD copied, RA, SERVFAIL
    hdr = pkt[0:2] + bytes([flags >> 8, flags & 0xFF]) + b"\x00\x01" + b"\x00" * 6
    s.sendto(hdr + pkt[12:end], peer)
