"""reload_load.py PID CONF LOG SESSIONS SIGHUPS -- reloads under load.

SESSIONS threads send messages without a pause, each on its own
connections (a new one every 5 messages), from their own client address,
while the main thread sends SIGHUPS SIGHUPs about 150 ms apart: every
third one with an invalid file (an unknown option appended), the others
with a valid file whose window limit alternates between 100000 and
100001.
Then the load stops and a last reload sets the limit to 2: a fresh host
is deferred from its 3rd message.

Prints "SENT N" (messages sent under load), "ANSWERED N" (final replies
received: continue or accept), "VALID N" and "INVALID N", then "LIMIT
QID REPLY" for the three messages after the last reload.  Exit status
0 when every message got a final reply.  Environment: ZM_PORT."""
import os
import signal
import sys
import threading
import time
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from rawmilter import Failure, Milter, cstr, run  # noqa: E402

PID, CONF, LOG = int(sys.argv[1]), sys.argv[2], sys.argv[3]
SESSIONS, HUPS = int(sys.argv[4]), int(sys.argv[5])
PORT = os.environ["ZM_PORT"]
NAMES = {b"c": "continue", b"a": "accept", b"t": "tempfail", b"r": "reject"}
lock = threading.Lock()
stop = threading.Event()
sent = answered = 0
errors = []


def write_conf(limit, bogus=False):
    with open(CONF + ".new", "w") as f:
        f.write('socket = "inet:%s@127.0.0.1"\nlog_level = "debug"\n'
                'spf = false\nbulk = false\nthreshold_tag = 0\n'
                'threshold_tempfail = 50\nthreshold_reject = 0\n'
                'threshold_quarantine = 0\nreply_tempfail = "LOAD slow"\n'
                'window "w" {\n  length = 60\n  buckets = 6\n'
                '  messages = %d\n  points = 60\n}\n%s'
                % (PORT, limit, "bogus = 1\n" if bogus else ""))
    os.rename(CONF + ".new", CONF)


def one_message(m, qid):
    global sent, answered
    m.macro(b"M", [(b"i", qid.encode()), (b"{mail_addr}", b"a@example.org")])
    with lock:
        sent += 1
    m.mail(b"<a@example.org>")
    m.rcpt(b"<r@example.com>")
    (cmd, data), _ = m.eom()
    if cmd not in (b"c", b"a"):
        raise Failure("%s: reply %r %s" % (qid, cmd, cstr(data)))
    with lock:
        answered += 1


def worker(w):
    addr = ("198.18.%d.%d" % (w // 250, w % 250 + 1)).encode()
    n = 0
    try:
        while not stop.is_set():
            m = Milter(PORT, "W%d" % w, timeout=15)
            m.negotiate()
            m.connect("client.example.net", b"4", 25, addr)
            for _ in range(5):
                n += 1
                one_message(m, "W%dN%d" % (w, n))
                if stop.is_set():
                    break
            m.quit()
    except (Failure, OSError) as e:
        errors.append("W%d: %s" % (w, e))


def count(text):
    with open(LOG) as f:
        return f.read().count(text)


def wait_for(text, n):
    deadline = time.monotonic() + 15
    while count(text) < n:
        if time.monotonic() > deadline:
            raise Failure("no %d \"%s\" lines in the log" % (n, text))
        time.sleep(0.02)


def main():
    threads = [threading.Thread(target=worker, args=(w,))
               for w in range(SESSIONS)]
    for t in threads:
        t.start()
    valid = invalid = 0
    for i in range(HUPS):
        time.sleep(0.15)
        if i % 3 == 2:
            write_conf(100000, bogus=True)
            invalid += 1
        else:
            write_conf(100000 + valid % 2)
            valid += 1
        os.kill(PID, signal.SIGHUP)
        # each reload is done before the next file is written
        wait_for("reload: config", valid)
        wait_for("keeping the running configuration", invalid)
    time.sleep(0.15)
    stop.set()
    for t in threads:
        t.join()
    print("SENT %d" % sent)
    print("ANSWERED %d" % answered)
    print("VALID %d" % valid)
    print("INVALID %d" % invalid)
    if errors:
        raise Failure("; ".join(errors))
    write_conf(2)
    os.kill(PID, signal.SIGHUP)
    wait_for("reload: config", valid + 1)
    for q in ("L1", "L2", "L3"):
        m = Milter(PORT, q, timeout=15)
        m.negotiate()
        m.connect("client.example.net", b"4", 25, b"192.0.2.99")
        m.macro(b"M", [(b"i", q.encode()), (b"{mail_addr}", b"a@example.org")])
        m.mail(b"<a@example.org>")
        m.rcpt(b"<r@example.com>")
        (cmd, data), _ = m.eom()
        print("LIMIT %s %s" % (q, "replycode " + cstr(data) if cmd == b"y"
                               else NAMES.get(cmd, "other")))
        m.quit()


run(main)
