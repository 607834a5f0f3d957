"""blackhole.py PORT READY-FILE -- a TCP port on 127.0.0.1 where connect()
hangs: it listens with a backlog of 0 and fills that backlog itself, so
the kernel drops every further SYN (the client sees a connect timeout, as
with a firewalled or unroutable Redis).  Runs until killed."""
import os
import socket
import sys
import time

port = int(sys.argv[1])
lst = socket.socket()
lst.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
lst.bind(("127.0.0.1", port))
lst.listen(0)
fill = []
for _ in range(3):      # one fills the queue; stop at the first that hangs
    c = socket.socket()
    c.settimeout(0.3)
    try:
        c.connect(("127.0.0.1", port))
    except OSError:
        break
    fill.append(c)
probe = socket.socket()
probe.settimeout(0.3)
try:
    probe.connect(("127.0.0.1", port))
    sys.exit("blackhole: connect to %d still succeeds" % port)
except OSError:
    pass
open(sys.argv[2], "w").close()
while True:
    time.sleep(60)
