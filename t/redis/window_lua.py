#!/usr/bin/env python3
"""window_lua.py -- lib/window.lua, run as Lua in a real Redis, against a
reference model of the sliding windows (the semantics of lib/window.c).

    window_lua.py PORT LUA-FILE

Loads the script (SCRIPT LOAD) and calls it with explicit times (ARGV[3]),
so that time is the test's: windows of 60 s in 6 buckets, 1 h in 12 and
24 h in 24, as the defaults.  Checked after every call: the time used and
each window's messages and recipients equal the model's.  The calls:
  - window edges: an add at the last second of a bucket, then reads at the
    first second of the next bucket, at the last second the window still
    holds it and at the first second it does not;
  - an idle key coming back: an add, two days of silence, an add: only the
    new one counts;
  - take-backs: an add taken back at its own time, and one taken back
    after its bucket slid out of the ring (nothing to take back);
  - 2000 random calls (seed 12): gaps of 0 s to 3 h (now and then 2 days),
    adds of 1 message and 1-50 recipients, reads, take-backs of earlier
    adds.
Prints "PASS text" / "FAIL text: detail" lines.  Python standard library
only; talks RESP to 127.0.0.1:PORT.
"""
import random
import socket
import sys

WINDOWS = [(10, 6), (300, 12), (3600, 24)]   # (bucket width s, buckets)


class Redis:
    def __init__(self, port):
        self.s = socket.create_connection(("127.0.0.1", port), timeout=10)
        self.f = self.s.makefile("rb")

    def call(self, *args):
        out = [b"*%d\r\n" % len(args)]
        for a in args:
            a = a if isinstance(a, bytes) else str(a).encode()
            out.append(b"$%d\r\n%s\r\n" % (len(a), a))
        self.s.sendall(b"".join(out))
        return self.read()

    def read(self):
        line = self.f.readline().rstrip(b"\r\n")
        kind, rest = line[:1], line[1:]
        if kind == b"+":
            return rest.decode()
        if kind == b"-":
            raise RuntimeError(rest.decode())
        if kind == b":":
            return int(rest)
        if kind == b"$":
            n = int(rest)
            if n < 0:
                return None
            data = self.f.read(n + 2)[:-2]
            return data.decode()
        if kind == b"*":
            return [self.read() for _ in range(int(rest))]
        raise RuntimeError("unexpected reply %r" % line)


class Model:
    """the windows of lib/window.c: a ring of buckets per window"""

    def __init__(self):
        self.rings = [dict() for _ in WINDOWS]   # ring index -> [slot, m, r]

    def update(self, now, dm, dr):
        out = [now]
        for (width, n), ring in zip(WINDOWS, self.rings):
            s = now // width
            b = ring.get(s % n)
            bs = b[0] if b else None
            m, r = (b[1], b[2]) if b and bs == s else (0, 0)
            if dm > 0 or dr > 0 or (bs == s and (dm != 0 or dr != 0)):
                ring[s % n] = [s, max(0, m + dm), max(0, r + dr)]
            tm = tr = 0
            for bs2, m2, r2 in ring.values():
                if bs2 <= s and s - bs2 < n:
                    tm += m2
                    tr += r2
            out += [tm, tr]
        return out


def main():
    port, path = int(sys.argv[1]), sys.argv[2]
    rd = Redis(port)
    sha = rd.call("SCRIPT", "LOAD", open(path, "rb").read())
    fails = []
    ncalls = 0

    def call(key, model, now, dm, dr, what):
        nonlocal ncalls
        ncalls += 1
        args = [dm, dr, now, 3600, len(WINDOWS)]
        for w, n in WINDOWS:
            args += [w, n]
        got = rd.call("EVALSHA", sha, 1, key, *args)
        want = model.update(now, dm, dr)
        if got != want and len(fails) < 5:
            fails.append("%s: t=%d %+d/%+d: got %s, want %s" % (what, now, dm, dr, got, want))
        return got

    def check(cond, text, detail=""):
        print(("PASS " if cond else "FAIL ") + text + ("" if cond else ": " + detail))

    # window edges, in the 1-minute window (10 s buckets)
    m = Model()
    k = "t:edges"
    rd.call("DEL", k)
    base = 1700000000 - 1700000000 % 60
    g = call(k, m, base + 9, 1, 1, "edges")
    e = [call(k, m, base + t, 0, 0, "edges")[1] for t in (10, 59, 60, 69)]
    check(g[1] == 1 and e == [1, 1, 0, 0] and not fails,
          "an add at the last second of a bucket counts until the window has slid past "
          "its bucket (reads %s at +10, +59, +60, +69)" % e, "; ".join(fails))

    # an idle key coming back
    fails.clear()
    m = Model()
    k = "t:idle"
    rd.call("DEL", k)
    call(k, m, base, 1, 5, "idle")
    g = call(k, m, base + 2 * 86400 + 7, 1, 2, "idle")
    check(g[1:] == [1, 2, 1, 2, 1, 2] and not fails,
          "an idle key coming back after two days counts only its new message",
          "got %s; %s" % (g, "; ".join(fails)))

    # take-backs
    fails.clear()
    m = Model()
    k = "t:back"
    rd.call("DEL", k)
    call(k, m, base + 5, 1, 3, "back")
    g = call(k, m, base + 5, -1, -3, "back")
    call(k, m, base + 20, 1, 1, "back")
    h = call(k, m, base + 200, -1, -1, "back")   # its 10 s bucket is gone
    check(g[1:3] == [0, 0] and h[3:5] == [1, 1] and not fails,
          "a take-back at the add's time removes it; after its bucket slid out of the "
          "ring, it takes nothing from the longer windows", "got %s %s; %s" % (g, h, "; ".join(fails)))

    # random calls against the model
    fails.clear()
    rng = random.Random(12)
    m = Model()
    k = "t:random"
    rd.call("DEL", k)
    now = base
    adds = []
    for _ in range(2000):
        x = rng.random()
        now += 2 * 86400 if x < 0.003 else rng.choice([0, 0, 1, 3, 9, 10, 11, 59, 60, 61,
                                                       299, 300, 301, 3599, 3600, 3601,
                                                       rng.randint(0, 10800)])
        y = rng.random()
        if y < 0.6:
            r = rng.randint(1, 50)
            call(k, m, now, 1, r, "random add")
            adds.append((now, r))
        elif y < 0.8 and adds:
            t, r = adds.pop(rng.randrange(len(adds)))
            call(k, m, t, -1, -r, "random take-back")   # at the add's own time
        else:
            call(k, m, now, 0, 0, "random read")
    check(not fails, "2000 random calls (adds, reads, take-backs, idle gaps): every "
          "answer equals the model's", "; ".join(fails))
    print("# %d calls of the script in all" % ncalls)


if __name__ == "__main__":
    main()
