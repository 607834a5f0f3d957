"""milter_load.py -- drive a milter with many hosts, for the contrib/bench
scripts.

usage: milter_load.py PORT HOSTS MSGS_PER_HOST RCPTS [FIRST_HOST]

Each host (addresses from 198.18.0.0/15, the benchmarking range of RFC
2544: data only, never contacted), numbered from FIRST_HOST (default 0),
opens one milter connection and sends MSGS_PER_HOST messages of RCPTS
recipients, one after another.  Prints the replies counted and the time
from CONNECT to the end-of-message reply of each connection's first
message and of the later ones: mean, p50, p99, in milliseconds.
Uses the test suite's milter protocol client (t/proto/rawmilter.py).
"""
import os
import sys
import time

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "..", "t", "proto"))
from rawmilter import Milter  # noqa: E402


def stats(name, xs):
    if not xs:
        return
    xs = sorted(xs)
    pick = lambda q: xs[min(len(xs) - 1, int(q * len(xs)))]
    print("%-14s n=%-6d mean=%.3f ms  p50=%.3f ms  p99=%.3f ms" % (
        name, len(xs), 1000 * sum(xs) / len(xs), 1000 * pick(0.5), 1000 * pick(0.99)))


def main():
    port, hosts, per_host, rcpts = (int(a) for a in sys.argv[1:5])
    first = int(sys.argv[5]) if len(sys.argv) > 5 else 0
    replies, first_msg, later_msg = {}, [], []
    for h in range(first, first + hosts):
        addr = "198.%d.%d.%d" % (18 + (h >> 16), (h >> 8) & 255, h & 255)
        t = time.monotonic()
        m = Milter(port, "load")
        m.negotiate()
        m.connect("client.example", b"4", 25, addr.encode())
        for i in range(per_host):
            m.macro(b"M", [(b"i", b"Q%dx%d" % (h, i))])
            m.mail(b"<sender@example.org>")
            for r in range(rcpts):
                m.rcpt(b"<r%d@example.net>" % r)
            (cmd, _), _ = m.eom()
            now = time.monotonic()
            (first_msg if i == 0 else later_msg).append(now - t)
            t = now
            replies[cmd] = replies.get(cmd, 0) + 1
        m.quit()
    print("replies: " + " ".join("%s=%d" % (k.decode(), v) for k, v in sorted(replies.items())))
    stats("first message", first_msg)
    stats("later messages", later_msg)


main()
