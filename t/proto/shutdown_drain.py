"""shutdown_drain.py MILTER_PID LOG {drain|timeout|idle} [TERM|INT] -- the
milter stopping (raw client).  Writes the wall-clock time the signal was
sent (date +%s.%N style) to LOG's directory as MODE.sent.

drain:   connection X is inside a message (MAIL FROM answered); connection
         Y is accepted but has sent nothing.  The signal; once the milter
         says it waits for 1 open connection, Y negotiates: it must get no
         session (the connection ends), while X, still served, finishes
         its message (RCPT, end of message: answered) and quits.
timeout: X is inside a message and stays open, silent.  The signal; the
         milter must exit by itself once X's time is up, X's connection
         then being closed.
idle:    no connection open.  The signal.
Prints one line per step; exit status 0 when every step went as said."""
import os
import signal
import sys
import time
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from rawmilter import Failure, Milter, rname, run

PORT = os.environ["ZM_PORT"]
PID, LOG, MODE = int(sys.argv[1]), sys.argv[2], sys.argv[3]
SIG = sys.argv[4] if len(sys.argv) > 4 else "TERM"


def wait_log(text, secs):
    deadline = time.monotonic() + secs
    while time.monotonic() < deadline:
        with open(LOG, errors="replace") as f:
            if text in f.read():
                return True
        time.sleep(0.02)
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


def send_signal():
    with open(os.path.join(os.path.dirname(LOG), MODE + ".sent"), "w") as f:
        f.write("%.3f\n" % time.time())
    os.kill(PID, getattr(signal, "SIG" + SIG))


def main():
    x = None
    if MODE != "idle":
        x = open_message(b"DRAINX" if MODE == "drain" else b"HOLDX")
    y = Milter(PORT, "Y", timeout=20) if MODE == "drain" else None
    send_signal()
    said = "stopping on SIG%s: " % SIG + (
        "no open connections" if MODE == "idle"
        else "waiting up to 5 s for 1 open connection")
    if not wait_log(said, 15):
        raise Failure("the milter did not log \"%s\" within 15 s" % said)
    print("milter: %s" % said)
    if MODE == "drain":
        try:
            y.negotiate()
            raise Failure("Y: negotiated a session after the stop")
        except (Failure, OSError) as e:
            if "after the stop" in str(e):
                raise
            print("Y: no session after the stop (connection ended)")
        cmd, _ = x.rcpt(b"<r@example.com>")
        if cmd is not None and cmd != b"c":
            x.fail("rcpt", "reply %s" % rname(cmd))
        (cmd, _), _ = x.eom()
        print("X: end of message answered %s" % rname(cmd))
        x.quit()
    elif MODE == "timeout":
        # the milter gives up waiting for X and exits: X sees the end
        x.s.settimeout(15)
        try:
            data = x.s.recv(1)
        except OSError:
            data = b""
        print("X: connection closed by the exiting milter" if data == b""
              else "X: unexpected data %r" % data)


run(main)
