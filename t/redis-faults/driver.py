"""driver.py -- a stream of messages to one milter, timed, for the Redis
fault tests.  Python standard library + t/proto/rawmilter.py.

    python3 driver.py --port PORT --log MILTER.LOG --out RESULTS.jsonl \
        --dir BARRIER-DIR PLAN-FILE

The plan has one step a line (# comments):
    msg QID HOST [login=L] [rcpts=N] [new]
                        one message (MAIL FROM with the macros i=QID,
                        {mail_addr} and {auth_authen}=L, N recipients,
                        end of message); host 192.0.2.7 or 2001:db8::7.
                        Connections are kept per host (several messages on
                        one) unless `new` or --per-conn messages were sent.
    repeat N PREFIX HOST [opts]   N messages PREFIX1..PREFIXN
    until-redis PREFIX HOST MAXSECS PACE [opts]
                        messages PREFIX1.. every PACE s until one is
                        decided without a fallback= field (Redis answers
                        again), at most MAXSECS s
    pace S              sleep S between the following messages
    sleep S
    mark NAME           create BARRIER-DIR/NAME (tell the test a point is
                        reached)
    wait NAME [SECS]    wait until BARRIER-DIR/NAME exists (the test did
                        its fault), default 30 s
    close               close every connection (QUIT)

Each message gives one JSON line in RESULTS, flushed at once:
  {"qid","host","login","rcpts","stage": "mail"|"eom"|null,
   "reply": "accept"|"continue"|"tempfail"|"reject"|"replycode"|...,
   "code","xcode","text" (of a REPLYCODE), "t": seconds (connect if new +
   MAIL + RCPT + EOM), "t_mail": seconds to the MAIL FROM reply (connect
   if new + MAIL), "start": unix time,
   "decision": {action,host,user,score,reasons,rcpts,stage,fallback,...}
   (parsed from the milter's decision line for QID) or null,
   "error": text if the milter did not answer}
Exit status 0 when every message was answered, 1 otherwise.
"""

import json
import os
import socket
import sys
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)),
                                "..", "proto"))
from rawmilter import Milter, Failure, cstr, parse_decision, rname  # noqa: E402

REPLY = {b"c": "continue", b"a": "accept", b"r": "reject", b"t": "tempfail",
         b"d": "discard", b"y": "replycode"}


class Driver:
    def __init__(self, port, log, out, bdir, per_conn, timeout):
        self.port = port
        self.log = log
        self.out = open(out, "a")
        self.bdir = bdir
        self.per_conn = per_conn
        self.timeout = timeout
        self.conns = {}          # host -> [Milter, messages sent on it]
        self.pace = 0.0
        self.errors = 0
        self.last_send = 0.0
        self.logpos = 0
        self.decisions = {}      # qid -> parsed decision line

    # -- the milter's log ----------------------------------------------
    def read_log(self):
        if not self.log:
            return
        try:
            with open(self.log, "rb") as f:
                f.seek(self.logpos)
                data = f.read()
        except OSError:
            return
        end = data.rfind(b"\n")
        if end < 0:
            return
        self.logpos += end + 1
        for raw in data[:end].split(b"\n"):
            got = parse_decision(raw.decode("latin-1"))
            if got:
                self.decisions[got[0]] = got[1]

    def decision(self, qid):
        # the line is written before the reply is sent; allow a moment
        for _ in range(20):
            self.read_log()
            if qid in self.decisions:
                return self.decisions[qid]
            time.sleep(0.01)
        return None

    # -- connections -----------------------------------------------------
    def conn(self, host, new):
        c = self.conns.get(host)
        if c is not None and (new or c[1] >= self.per_conn):
            c[0].quit()
            c = None
        if c is None:
            m = Milter(self.port, "conn " + host, timeout=self.timeout)
            m.s.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
            m.negotiate()
            fam = b"6" if ":" in host else b"4"
            cmd, data = m.connect("client.example.net", fam, 25, host.encode())
            if cmd is not None and cmd != b"c":
                # exempt or refused at connect: report like a message
                m.quit()
                return None, cmd, data
            c = [m, 0]
            self.conns[host] = c
        c[1] += 1
        return c[0], None, None

    def drop(self, host):
        c = self.conns.pop(host, None)
        if c is not None:
            try:
                c[0].s.close()
            except OSError:
                pass

    def close_all(self):
        for h in list(self.conns):
            self.conns[h][0].quit()
        self.conns = {}

    # -- one message -----------------------------------------------------
    def message(self, qid, host, login=None, rcpts=1, new=False):
        if self.pace and self.last_send:
            d = self.last_send + self.pace - time.time()
            if d > 0:
                time.sleep(d)
        rec = {"qid": qid, "host": host, "login": login, "rcpts": rcpts,
               "stage": None, "reply": None, "code": None, "xcode": None,
               "text": None, "start": time.time(), "error": None}
        self.last_send = rec["start"]
        t0 = time.monotonic()
        try:
            m, cmd, data = self.conn(host, new)
            if m is None:
                rec["stage"] = "connect"
            else:
                pairs = [(b"i", qid.encode()),
                         (b"{mail_addr}", b"sender@example.org")]
                if login:
                    pairs.append((b"{auth_authen}", login.encode()))
                m.macro(b"M", pairs)
                cmd, data = m.mail(b"<sender@example.org>")
                rec["t_mail"] = round(time.monotonic() - t0, 4)
                if cmd is not None and cmd != b"c":
                    rec["stage"] = "mail"
                else:
                    for i in range(rcpts):
                        cmd, data = m.rcpt(b"<rcpt%d@example.com>" % (i + 1))
                        if cmd is not None and cmd != b"c":
                            raise Failure("RCPT: reply %s" % rname(cmd))
                    (cmd, data), _ = m.eom()
                    rec["stage"] = "eom"
            rec["reply"] = REPLY.get(cmd, repr(cmd))
            if cmd == b"y":
                text = cstr(data)
                parts = text.split(" ", 2)
                rec["code"] = parts[0]
                rec["xcode"] = parts[1] if len(parts) > 1 else None
                rec["text"] = parts[2] if len(parts) > 2 else ""
        except (Failure, OSError) as e:
            rec["error"] = str(e)
            self.errors += 1
            self.drop(host)
        rec["t"] = round(time.monotonic() - t0, 4)
        rec["decision"] = self.decision(qid) if rec["error"] is None else None
        self.out.write(json.dumps(rec) + "\n")
        self.out.flush()
        return rec

    # -- the plan --------------------------------------------------------
    @staticmethod
    def opts(words):
        o = {"login": None, "rcpts": 1, "new": False}
        for w in words:
            if w == "new":
                o["new"] = True
            elif w.startswith("login="):
                o["login"] = w[6:]
            elif w.startswith("rcpts="):
                o["rcpts"] = int(w[6:])
            else:
                raise SystemExit("driver: bad option %r" % w)
        return o

    def wait(self, name, secs):
        path = os.path.join(self.bdir, name)
        end = time.time() + secs
        while not os.path.exists(path):
            if time.time() > end:
                raise SystemExit("driver: barrier %s not reached in %s s" % (name, secs))
            time.sleep(0.01)

    def run(self, plan):
        for lineno, line in enumerate(plan, 1):
            w = line.split("#", 1)[0].split()
            if not w:
                continue
            op = w[0]
            if op == "msg":
                self.message(w[1], w[2], **self.opts(w[3:]))
            elif op == "repeat":
                o = self.opts(w[4:])
                for i in range(1, int(w[1]) + 1):
                    self.message("%s%d" % (w[2], i), w[3], **o)
            elif op == "until-redis":
                o = self.opts(w[5:])
                prefix, host, maxs, pace = w[1], w[2], float(w[3]), float(w[4])
                end = time.time() + maxs
                i = 0
                while True:
                    i += 1
                    rec = self.message("%s%d" % (prefix, i), host, **o)
                    d = rec["decision"]
                    if d is not None and "fallback" not in d:
                        break
                    if time.time() > end:
                        break
                    time.sleep(pace)
            elif op == "pace":
                self.pace = float(w[1])
            elif op == "sleep":
                time.sleep(float(w[1]))
            elif op == "mark":
                open(os.path.join(self.bdir, w[1]), "w").close()
            elif op == "wait":
                self.wait(w[1], float(w[2]) if len(w) > 2 else 30)
            elif op == "close":
                self.close_all()
            else:
                raise SystemExit("driver: plan line %d: unknown step %r" % (lineno, op))
            if self.errors >= 5:
                sys.stderr.write("driver: 5 messages unanswered, giving up\n")
                break
        self.close_all()
        return self.errors == 0


def main():
    import argparse
    ap = argparse.ArgumentParser()
    ap.add_argument("--port", required=True)
    ap.add_argument("--log", default=None)
    ap.add_argument("--out", required=True)
    ap.add_argument("--dir", default=".")
    ap.add_argument("--per-conn", type=int, default=4)
    ap.add_argument("--timeout", type=float, default=8.0)
    ap.add_argument("plan")
    a = ap.parse_args()
    with open(a.plan) as f:
        plan = f.readlines()
    d = Driver(a.port, a.log, a.out, a.dir, a.per_conn, a.timeout)
    sys.exit(0 if d.run(plan) else 1)


main()
