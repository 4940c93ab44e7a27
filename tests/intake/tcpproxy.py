#!/usr/bin/env python3
# tcpproxy.py LISTEN_PORT TARGET_PORT MODE BYTES - a TCP relay on 127.0.0.1
# for imap_fail.sh: every connection to LISTEN_PORT is relayed to
# 127.0.0.1:TARGET_PORT until the server has sent BYTES bytes on it; then
#   stall  the server's data is held back (a server that stopped answering
#          mid-command: the client must time out);
#   cut    on the first connection only, BYTES bytes after the first
#          "FETCH (" the server sends, both sides are closed (a server that
#          dropped the connection mid-fetch); later connections pass through.
# Prints "accept N" (flushed) for every connection, so a test can count them.
import socket
import sys
import threading

lport, tport, mode, limit = int(sys.argv[1]), int(sys.argv[2]), sys.argv[3], int(sys.argv[4])
lock = threading.Lock()
count = [0]


def serve(c, n):
    try:
        s = socket.create_connection(("127.0.0.1", tport))
    except OSError:
        c.close()
        return
    sent = [0]
    armed = mode == "stall" or n == 1

    def up():
        try:
            while True:
                d = c.recv(65536)
                if not d:
                    break
                s.sendall(d)
        except OSError:
            pass

    threading.Thread(target=up, daemon=True).start()
    try:
        while True:
            d = s.recv(65536)
            if not d:
                break
            if armed and mode == "cut":
                at = d.find(b"FETCH (")
                if at >= 0:
                    c.sendall(d[:at + limit])
                    break
            elif armed and sent[0] + len(d) > limit:
                d = d[:max(0, limit - sent[0])]
                if d:
                    c.sendall(d)
                if mode == "cut":
                    break
                threading.Event().wait()	# stall: hold it for ever
            c.sendall(d)
            sent[0] += len(d)
    except OSError:
        pass
    for x in (c, s):
        try:
            x.shutdown(socket.SHUT_RDWR)
        except OSError:
            pass
        x.close()


ls = socket.socket()
ls.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
ls.bind(("127.0.0.1", lport))
ls.listen(16)
while True:
    c, _ = ls.accept()
    with lock:
        count[0] += 1
        n = count[0]
    print("accept", n, flush=True)
    threading.Thread(target=serve, args=(c, n), daemon=True).start()
