#!/usr/bin/env python3
"""dns_blackhole.py PORT READY-FILE -- a DNS server on 127.0.0.1:PORT that
reads every query and never answers (UDP; a TCP connection is accepted and
held silent too).  PORT 0 picks a free port.  Once bound it writes the port
number to READY-FILE.  Prints one line per datagram, "UNIXTIME QNAME",
line-buffered.  Runs until killed."""
import socket
import sys
import threading
import time


def qname(m):
    o, labels = 12, []
    try:
        while m[o]:
            labels.append(m[o + 1:o + 1 + m[o]].decode("ascii", "replace"))
            o += 1 + m[o]
    except IndexError:
        pass
    return ".".join(labels) or "."


def hold_tcp(t):
    held = []
    while True:
        c, _ = t.accept()
        held.append(c)


def main():
    port, ready = int(sys.argv[1]), sys.argv[2]
    u = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    u.bind(("127.0.0.1", port))
    port = u.getsockname()[1]
    t = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    t.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    try:
        t.bind(("127.0.0.1", port))
        t.listen(16)
        threading.Thread(target=hold_tcp, args=(t,), daemon=True).start()
    except OSError:
        pass                    # TCP port taken: UDP is what matters
    with open(ready + ".tmp", "w") as f:
        f.write("%d\n" % port)
    import os
    os.rename(ready + ".tmp", ready)
    while True:
        m, _ = u.recvfrom(65535)
        print("%.3f %s" % (time.time(), qname(m)), flush=True)


if __name__ == "__main__":
    main()
