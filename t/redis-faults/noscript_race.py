"""noscript_race.py -- two sessions racing for the milter's one Redis
connection (fake_redis.py noscript-slow): both pass MAIL FROM, then S1
sends end of message (its EVALSHA is never answered) and, 50 ms later,
S2 (which waits for the connection, makes a new one and meets -NOSCRIPT).
Prints "QID REPLY MS" for each end of message: REPLY is continue, accept,
tempfail, reject or replycode CODE, MS the milliseconds from sending end
of message to the reply.  Exit status 0 when both were answered."""
import os
import sys
import threading
import time
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)),
                                "..", "proto"))
from rawmilter import Milter, cstr, run  # noqa: E402

PORT = os.environ["ZM_PORT"]
NAMES = {b"c": "continue", b"a": "accept", b"t": "tempfail", b"r": "reject"}


def open_message(qid, addr):
    m = Milter(PORT, qid.decode(), timeout=20)
    m.negotiate()
    m.connect("client.example.net", b"4", 25, addr)
    m.macro(b"M", [(b"i", qid), (b"{mail_addr}", b"a@example.org")])
    m.mail(b"<a@example.org>")
    m.rcpt(b"<r@example.com>")
    return m


def finish(m, qid, out):
    t0 = time.monotonic()
    (cmd, data), _ = m.eom()
    ms = int((time.monotonic() - t0) * 1000)
    what = NAMES.get(cmd, "other")
    if cmd == b"y":
        what = "replycode " + cstr(data).split(" ")[0]
    out[qid] = "%s %s %d" % (qid.decode(), what, ms)
    m.quit()


def main():
    s1 = open_message(b"S1", b"192.0.2.71")
    s2 = open_message(b"S2", b"192.0.2.72")
    out = {}
    t1 = threading.Thread(target=finish, args=(s1, b"S1", out))
    t1.start()
    time.sleep(0.05)
    finish(s2, b"S2", out)
    t1.join()
    print(out[b"S1"])
    print(out[b"S2"])


run(main)
