#!/usr/bin/env python3
"""dns_blackhole.py PORT READY-FILE [ADDRESS] -- a DNS server on
ADDRESS:PORT (default 127.0.0.1; a loopback address only) that
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
    addr = sys.argv[3] if len(sys.argv) > 3 else "127.0.0.1"
    if not addr.startswith("127."):
        sys.exit("dns_blackhole.py: loopback addresses only")
    u = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    u.bind((addr, port))
    port = u.getsockname()[1]
    t = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    t.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    try:
        t.bind((addr, port))
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
