#!/usr/bin/env python3
"""soakdrive.py -- the customers of contrib/soak.sh: many hosts, a steady
rate, through a real MTA with XCLIENT (t/lib/smtpclient.py).

    soakdrive.py hosts --hosts N --listed PERCENT --slots S --out FILE
    soakdrive.py run --port PORT --hosts-file FILE --messages M
                     --rate R --workers W --ctl DIR --out FILE.jsonl

"hosts" writes the plan of the customers, one line each:

    ADDR SLOT LISTED

ADDR an IPv4 address of 198.18.0.0/15 (four a /24, up to eight when
there are more than 2,048 of them: no more than the sample
configuration's prefix_hosts_per_window) or, for one host in ten, an
IPv6 address in a /64 of its own under 2001:db8::/32 (four a /56); SLOT the part of the run in which the host sends (hosts are spread
evenly over S slots); LISTED 1 for the PERCENT of the hosts that the
soak's DNSBL lists.

"run" sends M messages at R a second: each host its share, in sessions of
one to three messages, a slot's hosts in their own stretch of the run, in
the order of a schedule fixed by the seed.  W threads work through the
schedule; a session starts at its time, or as soon as a thread is free.
Each message's body is words drawn for that message (no two messages
alike, so no bulk signal).  One line of JSON per message:

    {"id": "h17-3", "host": ADDR, "slot": S, "t0": SECONDS, "t1": SECONDS,
     "stage": "eom", "code": 250, "text": "2.0.0 Ok: queued as ..."}

t0 and t1 are when the message's transaction began and ended, in seconds
since the start.  The id is in the message's X-ZM-Test-Id header.

The fault schedule talks to it through files in the control directory:
CTL/t0 holds the start (seconds since the epoch) once it has begun; when
CTL/middata appears, a probe session (host 192.0.2.200) sends a message
up to the middle of its text, creates CTL/middata.ready, waits (30 s at
most) for CTL/middata.go, sends the rest and records the reply as
"probe-N"; the files are then removed.  When every message is sent, it
waits for CTL/stop (the schedule's end) before it exits.  At the end it
prints one summary line on standard error; the exit status is 1 if a
client thread died of an error of its own (its traceback on standard
error), 0 otherwise.  Loopback only.
"""
import argparse
import json
import os
import random
import sys
import threading
import time
import traceback

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import smtpclient  # noqa: E402

SENDER = "soak@soak.zm-test.net"
RCPT = "someone@remote.example"
PROBE_ADDR = "192.0.2.200"
WORDS = ("invoice order meeting report garden holiday project river "
         "window market letter summer budget train coffee paper school "
         "family music doctor camera travel dinner ticket office basket "
         "picture weather friday monday account harbour library")


def host_addr(i, v6, per24=4):
    if v6:
        k, m = divmod(i, 4)
        return "2001:db8:%x:%x::1" % (0x100 + k // 256, ((k % 256) << 8) | m)
    k, m = divmod(i, per24)
    return "198.%d.%d.%d" % (18 + k // 256, k % 256, 10 + m)


def cmd_hosts(a):
    rnd = random.Random(a.seed)
    n6 = a.hosts // 10
    n4 = a.hosts - n6
    per24 = max(4, -(-n4 // 512))
    if per24 > 8:
        sys.exit("soakdrive.py: at most 4096 IPv4 hosts (eight a /24 of "
                 "198.18.0.0/15), and %d asked" % n4)
    hosts = [host_addr(i, False, per24) for i in range(n4)]
    hosts += [host_addr(i, True) for i in range(n6)]
    rnd.shuffle(hosts)
    listed = set(rnd.sample(range(a.hosts), a.hosts * a.listed // 100))
    with open(a.out, "w") as f:
        for i, h in enumerate(hosts):
            f.write("%s %d %d\n" % (h, i * a.slots // a.hosts,
                                    1 if i in listed else 0))
    return 0


def body(rnd, words):
    lines = []
    for _ in range(4):
        lines.append(" ".join(rnd.choice(words) for _ in range(9)))
    return "\r\n".join(lines) + "\r\n"


class Run:
    def __init__(self, a):
        self.a = a
        self.lock = threading.Lock()
        self.out = open(a.out, "w")
        self.start = time.monotonic()
        self.next = 0
        self.sessions = []
        self.lag = 0.0
        self.counts = {}
        self.stopped = False
        self.nprobe = 0
        self.died = 0

    def now(self):
        return time.monotonic() - self.start

    def record(self, rec):
        with self.lock:
            self.out.write(json.dumps(rec) + "\n")
            self.out.flush()
            key = "%s %03d" % (rec["stage"], rec["code"])
            self.counts[key] = self.counts.get(key, 0) + 1

    def plan(self):
        """the sessions: (start time, host, slot, first seq, count)"""
        a = self.a
        rnd = random.Random(a.seed)
        hosts = []
        with open(a.hosts_file) as f:
            for line in f:
                addr, slot, _ = line.split()
                hosts.append((addr, int(slot)))
        nslots = max(s for _, s in hosts) + 1
        per = [a.messages // len(hosts)] * len(hosts)
        for i in range(a.messages - sum(per)):
            per[i] += 1
        sessions = {s: [] for s in range(nslots)}
        for i, (addr, slot) in enumerate(hosts):
            seq = 1
            while seq <= per[i]:
                n = min(rnd.randint(1, 3), per[i] - seq + 1)
                sessions[slot].append((i, addr, slot, seq, n))
                seq += n
        plan = []
        sent = 0
        for s in range(nslots):
            rnd.shuffle(sessions[s])
            for (i, addr, slot, seq, n) in sessions[s]:
                plan.append((sent / a.rate, i, addr, slot, seq, n))
                sent += n
        return plan

    def session(self, t_start, i, addr, slot, seq, n, words):
        try:
            s = smtpclient.connect("127.0.0.1", self.a.port, addr=addr,
                                   helo="pc%d.customer.example" % i,
                                   timeout=60)
        except (OSError, smtpclient.smtplib.SMTPException,
                smtpclient.SetupError) as e:
            t = self.now()
            for k in range(seq, seq + n):
                self.record({"id": "h%d-%d" % (i, k), "host": addr,
                             "slot": slot, "t0": t, "t1": t, "stage": "conn",
                             "code": 0, "text": "set-up failed: %s" % e})
            return
        closed = False
        for k in range(seq, seq + n):
            mid = "h%d-%d" % (i, k)
            t0 = self.now()
            if closed:
                stage, code, text = "conn", 0, "session closed"
            else:
                rnd = random.Random("%d-%s" % (self.a.seed, mid))
                stage, code, text, closed = smtpclient.transaction(
                    s, mid, SENDER, [RCPT], body=body(rnd, words))
            self.record({"id": mid, "host": addr, "slot": slot, "t0": t0,
                         "t1": self.now(), "stage": stage, "code": code,
                         "text": text})
        if not closed:
            try:
                s.quit()
            except (OSError, smtpclient.smtplib.SMTPException):
                pass

    def worker(self, plan, words):
        while True:
            with self.lock:
                if self.next >= len(plan):
                    return
                job = plan[self.next]
                self.next += 1
            wait = job[0] - self.now()
            if wait > 0:
                time.sleep(wait)
            else:
                with self.lock:
                    self.lag = max(self.lag, -wait)
            try:
                self.session(*job, words=words)
            except Exception:
                traceback.print_exc()
                with self.lock:
                    self.died += 1
                return

    def probe(self):
        ctl = self.a.ctl
        trigger = os.path.join(ctl, "middata")
        while not self.stopped:
            if not os.path.exists(trigger):
                time.sleep(0.05)
                continue
            self.nprobe += 1
            mid = "probe-%d" % self.nprobe

            def halfway():
                open(trigger + ".ready", "w").close()
                for _ in range(600):
                    if os.path.exists(trigger + ".go"):
                        return
                    time.sleep(0.05)

            t0 = self.now()
            try:
                s = smtpclient.connect("127.0.0.1", self.a.port,
                                       addr=PROBE_ADDR, timeout=60)
                stage, code, text, closed = smtpclient.transaction(
                    s, mid, SENDER, [RCPT], mid_data=halfway)
                s.close()
            except (OSError, smtpclient.smtplib.SMTPException,
                    smtpclient.SetupError) as e:
                stage, code, text = "conn", 0, "set-up failed: %s" % e
                open(trigger + ".ready", "w").close()
            self.record({"id": mid, "host": PROBE_ADDR, "slot": -1,
                         "t0": t0, "t1": self.now(), "stage": stage,
                         "code": code, "text": text})
            for f in (trigger, trigger + ".ready", trigger + ".go"):
                try:
                    os.unlink(f)
                except FileNotFoundError:
                    pass



def cmd_run(a):
    r = Run(a)
    plan = r.plan()
    with open(os.path.join(a.ctl, "t0.new"), "w") as f:
        f.write("%.3f\n" % (time.time() - r.now()))
    os.rename(os.path.join(a.ctl, "t0.new"), os.path.join(a.ctl, "t0"))
    words = WORDS.split()
    threads = [threading.Thread(target=r.worker, args=(plan, words))
               for _ in range(a.workers)]
    probe = threading.Thread(target=r.probe)
    for t in threads + [probe]:
        t.start()
    for t in threads:
        t.join()
    while not os.path.exists(os.path.join(a.ctl, "stop")):
        time.sleep(0.1)
    r.stopped = True
    probe.join()
    sys.stderr.write("soakdrive.py: %d sessions, %.1f s, max lag %.2f s: %s\n"
                     % (len(plan), r.now(), r.lag,
                        ", ".join("%s=%d" % kv for kv in sorted(r.counts.items()))))
    if r.died:
        sys.stderr.write("soakdrive.py: %d client threads died\n" % r.died)
    return 1 if r.died else 0


def main():
    ap = argparse.ArgumentParser()
    sub = ap.add_subparsers(dest="cmd", required=True)
    h = sub.add_parser("hosts")
    h.add_argument("--hosts", type=int, required=True)
    h.add_argument("--listed", type=int, default=2)
    h.add_argument("--slots", type=int, default=20)
    h.add_argument("--seed", type=int, default=1)
    h.add_argument("--out", required=True)
    r = sub.add_parser("run")
    r.add_argument("--port", type=int, required=True)
    r.add_argument("--hosts-file", required=True)
    r.add_argument("--messages", type=int, required=True)
    r.add_argument("--rate", type=float, required=True)
    r.add_argument("--workers", type=int, default=20)
    r.add_argument("--seed", type=int, default=1)
    r.add_argument("--ctl", required=True)
    r.add_argument("--out", required=True)
    a = ap.parse_args()
    return cmd_hosts(a) if a.cmd == "hosts" else cmd_run(a)


if __name__ == "__main__":
    sys.exit(main())
