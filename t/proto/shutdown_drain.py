"""shutdown_drain.py MILTER_PID LOG {drain|timeout} -- the milter stopping
while connections are open (raw client).

drain:   connection X is inside a message (MAIL FROM answered); connection
         Y is accepted but has sent nothing.  SIGTERM; X finishes its
         message (RCPT, end of message: answered; libmilter serves until
         its listener notices the stop) and quits.  Once the milter logs
         "stopping", Y negotiates: it must get no session (the connection
         ends: the milter frees nothing a late first callback could use,
         and exits).
timeout: X is inside a message and stays open, silent.  SIGTERM; the
         milter must exit by itself (its drain gives up after 5 s), X's
         connection then being closed.
Prints one line per step; exit status 0 when every step went as said."""
import os
import signal
import socket
import sys
import time
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from rawmilter import Failure, Milter, rname, run

PORT = os.environ["ZM_PORT"]
PID, LOG, MODE = int(sys.argv[1]), sys.argv[2], sys.argv[3]


def wait_log(text, secs):
    deadline = time.monotonic() + secs
    while time.monotonic() < deadline:
        with open(LOG, errors="replace") as f:
            if text in f.read():
                return True
        time.sleep(0.05)
    return False


def open_message(qid):
    x = Milter(PORT, "X", timeout=20)
    x.negotiate()
    cmd, _ = x.connect("client.example.net", b"4", 25, b"192.0.2.60")
    if cmd is not None and cmd != b"c":
        x.fail("connect", "reply %s" % rname(cmd))
    x.macro(b"M", [(b"i", qid), (b"{mail_addr}", b"a@example.org")])
    cmd, _ = x.mail(b"<a@example.org>")
    if cmd is not None and cmd != b"c":
        x.fail("mail", "reply %s" % rname(cmd))
    print("X: inside a message")
    return x


def main():
    x = open_message(b"DRAINX" if MODE == "drain" else b"HOLDX")
    y = Milter(PORT, "Y", timeout=20) if MODE == "drain" else None
    os.kill(PID, signal.SIGTERM)
    if MODE == "drain":
        cmd, _ = x.rcpt(b"<r@example.com>")
        if cmd is not None and cmd != b"c":
            x.fail("rcpt", "reply %s" % rname(cmd))
        (cmd, _), _ = x.eom()
        print("X: end of message answered %s" % rname(cmd))
        x.quit()
    if not wait_log("stopping", 15):
        raise Failure("the milter did not log \"stopping\" within 15 s")
    print("milter: stopping")
    if MODE == "timeout":
        # the milter gives up waiting for X and exits: X sees the end
        x.s.settimeout(15)
        try:
            data = x.s.recv(1)
        except OSError:
            data = b""
        print("X: connection closed by the exiting milter" if data == b""
              else "X: unexpected data %r" % data)
        return
    try:
        y.negotiate()
        raise Failure("Y: negotiated a session after the stop")
    except (Failure, OSError) as e:
        if "after the stop" in str(e):
            raise
        print("Y: no session after the stop (connection ended)")


run(main)
