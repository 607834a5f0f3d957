"""redis_cost_load.py -- drive a milter with many hosts for redis-cost.sh.

usage: redis_cost_load.py PORT HOSTS MSGS_PER_HOST RCPTS

Each host (addresses from 198.18.0.0/15, the benchmarking range of RFC
2544: data only, never contacted) opens one milter connection and sends
MSGS_PER_HOST messages of RCPTS recipients.  Prints the replies counted.
Uses the test suite's milter protocol client (t/proto/rawmilter.py).
"""
import os
import sys

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "..", "t", "proto"))
from rawmilter import Milter  # noqa: E402


def main():
    port, hosts, per_host, rcpts = (int(a) for a in sys.argv[1:5])
    replies = {}
    for h in range(hosts):
        addr = "198.%d.%d.%d" % (18 + (h >> 16), (h >> 8) & 255, h & 255)
        m = Milter(port, "load")
        m.negotiate()
        m.connect("client.example", b"4", 25, addr.encode())
        for i in range(per_host):
            m.macro(b"M", [(b"i", b"Q%dx%d" % (h, i))])
            m.mail(b"<sender@example.org>")
            for r in range(rcpts):
                m.rcpt(b"<r%d@example.net>" % r)
            (cmd, _), _ = m.eom()
            replies[cmd] = replies.get(cmd, 0) + 1
        m.quit()
    print(" ".join("%s=%d" % (k.decode(), v) for k, v in sorted(replies.items())))


main()
