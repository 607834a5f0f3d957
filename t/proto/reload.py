"""reload.py PID CONF LOG -- SIGHUP reloads, step by step (raw client).

The milter (pid PID) was started on CONF; this script rewrites CONF,
sends SIGHUP, waits for the reload's log line in LOG, and sends messages
from client addresses, printing one line per message:

    QID REPLY [CODE TEXT]        (REPLY continue, accept, tempfail, ...)

and "RELOAD N" after each reload (N: its number).  The limit is a window
of LIMIT messages worth 60 points, tempfail at 50, so a host is deferred
(451, the reply_tempfail text) from its LIMIT+1th message on.
Environment: ZM_PORT."""
import os
import signal
import sys
import time
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from rawmilter import Failure, Milter, cstr, run  # noqa: E402

PID, CONF, LOG = int(sys.argv[1]), sys.argv[2], sys.argv[3]
PORT = os.environ["ZM_PORT"]
NAMES = {b"c": "continue", b"a": "accept", b"t": "tempfail", b"r": "reject"}
reloads = 0


def write_conf(limit, text, length=60, socket_port=None, extra=""):
    with open(CONF + ".new", "w") as f:
        f.write('socket = "inet:%s@127.0.0.1"\nlog_level = "debug"\n'
                'spf = false\nbulk = false\nthreshold_tag = 0\n'
                'threshold_tempfail = 50\nthreshold_reject = 0\n'
                'threshold_quarantine = 0\n'
                'reply_tempfail = "%s"\n'
                'window "w" {\n  length = %d\n  buckets = 6\n'
                '  messages = %d\n  points = 60\n}\n%s'
                % (socket_port or PORT, text, length, limit, extra))
    os.rename(CONF + ".new", CONF)


def reload(expect):
    """SIGHUP, then wait until the log has one more line with expect"""
    global reloads
    with open(LOG) as f:
        before = f.read().count(expect)
    os.kill(PID, signal.SIGHUP)
    deadline = time.monotonic() + 15
    while time.monotonic() < deadline:
        with open(LOG) as f:
            if f.read().count(expect) > before:
                reloads += 1
                print("RELOAD %d" % reloads, flush=True)
                return
        time.sleep(0.05)
    raise Failure("no new \"%s\" line in the log within 15 s" % expect)


def start(qid, addr):
    m = Milter(PORT, qid, timeout=15)
    m.negotiate()
    m.connect("client.example.net", b"4", 25, addr.encode())
    m.macro(b"M", [(b"i", qid.encode()), (b"{mail_addr}", b"a@example.org")])
    m.mail(b"<a@example.org>")
    m.rcpt(b"<r@example.com>")
    return m


def finish(m, qid):
    (cmd, data), _ = m.eom()
    line = "%s %s" % (qid, NAMES.get(cmd, "other"))
    if cmd == b"y":
        line = "%s replycode %s" % (qid, cstr(data))
    print(line, flush=True)
    m.quit()


def message(qid, addr):
    finish(start(qid, addr), qid)


def main():
    A, B = "192.0.2.10", "192.0.2.20"
    for q in ("M1", "M2", "M3"):
        message(q, A)
    write_conf(5, "NEW slow down")
    reload("reload: config")
    for q in ("M4", "M5", "M6"):
        message(q, A)
    for i in range(5):
        message("B%d" % (i + 1), B)
    p = start("P", B)               # MAIL FROM under the limit of 5, NEW
    write_conf(5, "NEWER slow down")
    reload("reload: config")
    finish(p, "P")                  # its end: still the old text
    message("Q", B)                 # the next message: the new one
    with open(CONF, "a") as f:
        f.write("bogus = 1\n")
    reload("keeping the running configuration")
    message("M7", A)
    write_conf(5, "NEWER slow down", length=120,
               socket_port=int(PORT) + 1)
    reload("reload: config")
    message("M8", A)


run(main)
