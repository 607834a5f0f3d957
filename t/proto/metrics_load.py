"""metrics_load.py METRICS-PORT HOSTS MESSAGES OUTDIR -- load and scrapes.

HOSTS threads each connect from their own address (198.18.0.N) and send
MESSAGES messages of two recipients on one connection; the listed host
192.0.2.99 sends MESSAGES more on a connection of its own.  Meanwhile
the main thread scrapes http://127.0.0.1:METRICS-PORT/metrics without a
pause, checks every scrape answers 200 and that no counter ever goes
down, and keeps the scrape taken midway as OUTDIR/mid.prom.

Prints "SENT N", "SCRAPES N", "DECREASED N" (counters that went down
between two scrapes: must be 0).  Exit status 0 when every message got
its final reply and every scrape answered 200.  Environment: ZM_PORT."""
import os
import re
import sys
import threading
import urllib.request
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from rawmilter import Failure, Milter, run  # noqa: E402

MPORT, HOSTS, MESSAGES, OUT = (sys.argv[1], int(sys.argv[2]),
                               int(sys.argv[3]), sys.argv[4])
PORT = os.environ["ZM_PORT"]
URL = "http://127.0.0.1:%s/metrics" % MPORT
SAMPLE = re.compile(r"^(zombie_milter_\w+(?:\{[^}]*\})?) (\S+)$")
lock = threading.Lock()
done = threading.Event()
sent = 0
errors = []


def client(n, addr):
    global sent
    try:
        m = Milter(PORT, "H%d" % n, timeout=15)
        m.negotiate()
        m.connect("client.example.net", b"4", 25, addr)
        for i in range(MESSAGES):
            qid = ("H%dN%d" % (n, i)).encode()
            m.macro(b"M", [(b"i", qid), (b"{mail_addr}", b"a@example.org")])
            cmd, _ = m.mail(b"<a@example.org>")
            with lock:
                sent += 1
            if cmd is not None and cmd != b"c":
                continue        # refused at MAIL FROM: the message ends
            m.rcpt(b"<r1@example.com>")
            m.rcpt(b"<r2@example.net>")
            m.eom(macros=[(b"i", qid)])
        m.quit()
    except (Failure, OSError) as e:
        errors.append("H%d: %s" % (n, e))


def scrape():
    with urllib.request.urlopen(URL, timeout=10) as r:
        if r.status != 200:
            raise Failure("scrape answered %d" % r.status)
        return r.read().decode()


def counters(text):
    vals = {}
    for line in text.splitlines():
        m = SAMPLE.match(line)
        if m and (m.group(1).split("{")[0].endswith("_total") or
                  "_bucket" in m.group(1) or "_count" in m.group(1)):
            vals[m.group(1)] = float(m.group(2))
    return vals


def main():
    threads = [threading.Thread(target=client, args=(
        n, ("198.18.0.%d" % (n + 1)).encode())) for n in range(HOSTS)]
    threads.append(threading.Thread(target=client, args=(
        HOSTS, b"192.0.2.99")))
    for t in threads:
        t.start()
    scrapes = decreased = 0
    last = {}
    mid = None
    while any(t.is_alive() for t in threads):
        text = scrape()
        scrapes += 1
        now = counters(text)
        decreased += sum(1 for k, v in last.items() if now.get(k, 0) < v)
        last = now
        if mid is None and sent >= (HOSTS + 1) * MESSAGES // 2:
            mid = text
    for t in threads:
        t.join()
    with open(os.path.join(OUT, "mid.prom"), "w") as f:
        f.write(mid if mid is not None else scrape())
    print("SENT %d" % sent)
    print("SCRAPES %d" % scrapes)
    print("DECREASED %d" % decreased)
    if errors:
        raise Failure("; ".join(errors))


run(main)
