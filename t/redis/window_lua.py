#!/usr/bin/env python3
"""window_lua.py -- lib/window.lua, run as Lua in a real Redis, against a
reference model of the sliding windows (the semantics of lib/window.c).

    window_lua.py PORT LUA-FILE [PREVIOUS-LUA-FILE]

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
    a take-back is checked by the read that follows it (the script
    answers a take-back with the counts of its last add, the model with
    those at the take-back's time: neither is used);
  - 2000 random calls (seed 12): gaps of 0 s to 3 h (now and then 2 days),
    adds of 1 message and 1-50 recipients, reads, take-backs of earlier
    adds.
Then the observations (lib/window.lua's second part) against a model of
their generations: a value counts while it was last seen in this
half-window generation or the one before, up to its kind's cap; a body
counts its recipients until bulk_window after it was first seen; refusals
count until behaviour_window after the first:
  - 700 random messages from one host (8 sender domains, 40 recipient
    domains, 10 distinct values, 5 bodies; caps 6, 30, 8), time going on
    by 0 s to 6 h, a third of them refused (taken back, or in monitor
    mode only recorded): every answer (windows, distinct counts, the
    body's recipients, refusals) equals the model's;
  - the sweep: values gone from the counts are deleted from the hash a
    few calls after their generation ended, in a small hash (one HSCAN
    step) and in a large one (many steps);
  - constant cost: 300 messages on a key as busy as the caps allow call
    no HGETALL and no HSCAN (INFO commandstats);
  - hostile bytes in the key (a head of 4 numbers, one ahead of now by
    days, 16-digit numbers, "nan", a cursor Redis refuses, garbage
    counts): every call answers, counts are never negative, and the
    windows count on from the ring;
  - the windows changed by a reload (fewer buckets, then wider ones): a
    window after the change, the counts equal the model's again;
  - a relay still on the previous script writing the same key, half of
    the messages at random: neither script's counts are above the
    model's, nor below it by more than what the other added to the
    bucket of this script's head (the previous script cannot see the
    head's);
  - an upgrade: 400 random calls of the previous script
    (t/redis/window_v1.lua, window_lua.py's third argument), then 400 of
    this one on the same key: the windows equal the model's throughout,
    and the observations from the first call of this script on.
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

    def __init__(self, windows=WINDOWS):
        self.windows = windows
        self.rings = [dict() for _ in windows]   # ring index -> [slot, m, r]

    def update(self, now, dm, dr):
        out = [now]
        for (width, n), ring in zip(self.windows, self.rings):
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


BW = KW = 3600                  # behaviour_window, bulk_window
LM = BW // 120                  # a generation, in minutes
CAPS = {"F": 6, "R": 30, "B": 256, "D": 8}


class ObsModel:
    """the observations of one subject: the last minute each value was
    seen, each body's recipients and first minute, the refusals"""

    def __init__(self, caps):
        self.caps = caps
        self.seen = {}          # field -> minute last seen
        self.bodies = {}        # field -> [rcpts, first minute]
        self.z = None           # [refusals, first minute]

    def live(self, field, nowmin):
        return self.seen[field] // LM >= nowmin // LM - 1

    def count(self, kind, nowmin):
        return sum(1 for f in self.seen if f[0] == kind and self.live(f, nowmin))

    def update(self, now, dm, dr, refusal, fields):
        nowmin = now // 60
        if self.z and (nowmin - self.z[1]) * 60 >= BW:
            self.z = None
        if refusal:
            self.z = [self.z[0] + 1, self.z[1]] if self.z else [1, nowmin]
        body = 0
        for f in fields:
            f = f.split("=")[0]
            k = f[0]
            if k == "B":
                b = self.bodies.get(f)
                if b and (nowmin - b[1]) * 60 < KW:
                    b[0] = max(0, b[0] + dr)
                    body = b[0]
                elif dr > 0:
                    self.bodies[f] = [dr, nowmin]
                    body = dr
            elif f in self.seen and self.live(f, nowmin):
                self.seen[f] = nowmin
            elif dm > 0 and self.count(k, nowmin) < self.caps[k]:
                self.seen[f] = nowmin
        return [self.count("F", nowmin), self.count("R", nowmin), body,
                self.z[0] if self.z else 0, self.count("D", nowmin)]


def obs_args(refusal, fields, caps=CAPS):
    return [BW, KW, caps["F"], caps["R"], caps["B"], caps["D"],
            1 if refusal else 0] + fields


def main():
    port, path = int(sys.argv[1]), sys.argv[2]
    rd = Redis(port)
    sha = rd.call("SCRIPT", "LOAD", open(path, "rb").read())
    fails = []
    ncalls = 0

    def call(key, model, now, dm, dr, what, compare=True):
        nonlocal ncalls
        ncalls += 1
        args = [dm, dr, now, 3600, len(WINDOWS)]
        for w, n in WINDOWS:
            args += [w, n]
        got = rd.call("EVALSHA", sha, 1, key, *args)
        want = model.update(now, dm, dr)
        if compare and got != want and len(fails) < 5:
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
    call(k, m, base + 200, -1, -1, "back", False)   # its 10 s bucket is gone
    h = call(k, m, base + 200, 0, 0, "back")
    check(g[1:3] == [0, 0] and h[1:] == [0, 0, 1, 1, 0, 0] and not fails,
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
            call(k, m, t, -1, -r, "random take-back", False)   # at the add's own time
            call(k, m, now, 0, 0, "read after a take-back")
        else:
            call(k, m, now, 0, 0, "random read")
    check(not fails, "2000 random calls (adds, reads, take-backs, idle gaps): every "
          "answer equals the model's", "; ".join(fails))

    # observations against the model
    def ocall(key, wm, om, now, dm, dr, refusal, fields, what, sha=sha, compare=True,
              compare_obs=True):
        nonlocal ncalls
        ncalls += 1
        args = [dm, dr, now, 90000, len(WINDOWS)]
        for w, n in WINDOWS:
            args += [w, n]
        got = rd.call("EVALSHA", sha, 1, key, *(args + obs_args(refusal, fields)))
        want = wm.update(now, dm, dr) + om.update(now, dm, dr, refusal, fields)
        n = 1 + 2 * len(WINDOWS)
        bad = (compare and got[:n] != want[:n]) or (compare_obs and got[n:] != want[n:])
        if bad and len(fails) < 5:
            fails.append("%s: t=%d %+d/%+d %s%s: got %s, want %s" % (
                what, now, dm, dr, "refusal " if refusal else "", fields, got, want))
        return got

    def message(rng):
        fields = ["F%06x" % rng.randrange(8)]
        fields += ["R%06x" % d for d in rng.sample(range(40), rng.randint(1, 5))]
        fields += ["D%06x=192.0.2.%d" % ((v,) * 2) for v in [rng.randrange(10)]]
        fields += ["B%06x" % rng.randrange(5)]
        return fields

    def random_obs(key, rng, wm, om, now, calls, sha=sha, checked=True):
        for _ in range(calls):
            now += rng.choice([0, 0, 1, 10, 59, 60, 61, 300, 1799, 1800, 1801, 3600,
                               5400, 7200, rng.randint(0, 21600)])
            f = message(rng)
            r = rng.randint(1, 9)
            ocall(key, wm, om, now, 1, r, False, f, "message", sha, compare_obs=checked)
            y = rng.random()
            if y < 0.3:
                # refused: taken back at the add's time, or (monitor mode)
                # only recorded
                dm, dr = (-1, -r) if y < 0.2 else (0, 0)
                ocall(key, wm, om, now, dm, dr, True, [f[-1]] if dm else [],
                      "refusal", sha, compare=dm == 0, compare_obs=checked and dm == 0)
                ocall(key, wm, om, now, 0, 0, False, [], "read", sha, compare_obs=checked)
        return now

    fails.clear()
    rng = random.Random(7)
    k = "t:obs"
    rd.call("DEL", k)
    random_obs(k, rng, Model(), ObsModel(CAPS), base, 700)
    check(not fails, "700 random messages with observations, a third refused: "
          "every answer (windows, distinct counts, body, refusals) equals the model's",
          "; ".join(fails))

    # the sweep: a small hash (one HSCAN step), then a large one
    for n, what in ((20, "a small hash"), (600, "a large hash")):
        fails.clear()
        k = "t:sweep%d" % n
        rd.call("DEL", k)
        caps = dict(CAPS, R=1000)
        wm, om = Model(), ObsModel(caps)
        t0 = base - base % (LM * 60)
        # a first message: the key's "o" is written from the second on
        rd.call("EVALSHA", sha, 1, k, 1, 1, t0, 90000, 1, 10, 6,
                *obs_args(False, ["R%06x" % 0xfffff1], caps))
        for i in range(0, n, 100):
            rs = ["R%06x" % d for d in range(i, min(n, i + 100))]
            rd.call("EVALSHA", sha, 1, k, 1, 1, t0, 90000, 1, 10, 6,
                    *obs_args(False, rs, caps))
        before = rd.call("HLEN", k)
        steps = 0
        t = t0 + 2 * LM * 60 + 5            # two generations on: all of them out
        while steps < 100 and rd.call("HLEN", k) > 5:
            rd.call("EVALSHA", sha, 1, k, 1, 1, t, 90000, 1, 10, 6,
                    *obs_args(False, ["R%06x" % 0xfffff0], caps))
            steps += 1
        left = sorted(f for f in rd.call("HKEYS", k) if f[0] in "FRDB")
        check(left == ["R%06x" % 0xfffff0] and before >= n,
              "the sweep deletes the %d recipient domains gone from the counts from %s "
              "(%d fields) in %d call(s)" % (n, what, before, steps),
              "fields left: %s" % left[:8])

    # constant cost: no whole-hash read on a busy key
    k = "t:busy"
    rd.call("DEL", k)
    busy = dict(CAPS, R=301)
    t = base
    for i in range(0, 301, 100):
        rd.call("EVALSHA", sha, 1, k, 1, 1, t, 90000, 3, 10, 6, 300, 12, 3600, 24,
                *obs_args(False, ["R%06x" % d for d in range(i, min(301, i + 100))] +
                          ["F%06x" % d for d in range(6)] + ["D%06x" % d for d in range(8)],
                          busy))
    for i in range(256):
        rd.call("EVALSHA", sha, 1, k, 1, 1, t, 90000, 3, 10, 6, 300, 12, 3600, 24,
                *obs_args(False, ["B%06x" % i], busy))
    fields = rd.call("HLEN", k)
    rd.call("CONFIG", "RESETSTAT")
    for i in range(300):
        rd.call("EVALSHA", sha, 1, k, 1, 1, t + i, 90000, 3, 10, 6, 300, 12, 3600, 24,
                *obs_args(False, ["F%06x" % (i % 6), "R%06x" % (i % 301), "D%06x" % (i % 8),
                                  "B%06x" % (i % 256)], busy))
    stats = rd.call("INFO", "commandstats")
    called = sorted(l.split(":")[0][8:] for l in stats.split("\r\n") if l.startswith("cmdstat_"))
    check(fields > 550 and not [c for c in called if c in ("hgetall", "hscan", "hkeys", "hvals")],
          "300 messages on a key of %d fields (every cap full) read it by name only: %s"
          % (fields, " ".join(called)), "commands: %s" % called)

    # hostile bytes in the key
    fails.clear()
    k = "t:hostile"
    hostile = [("a", "1:2:3:4"), ("a", "99999999999:0:0"), ("a", "1234567890123456:1:1"),
               ("b", "x"), ("o", "1:2:3"), ("o", "99:nan:1:1"), ("q", "::"), ("Z", "nan"),
               ("Z", "1234567890123456"), ("x", "99999999999999999999"), ("x", "-1"),
               ("F000001", "nan"), ("B000001", "1e9"), ("a0", "1:999999999999999999:1")]
    t = base
    for f, v in hostile:
        rd.call("DEL", k)
        for i in range(3):
            rd.call("EVALSHA", sha, 1, k, 1, 1, t + 11 * i, 90000, 3, 10, 6, 300, 12, 3600, 24,
                    *obs_args(False, ["F000001", "R000001", "B000001"]))
        rd.call("HSET", k, f, v)
        try:
            got = [rd.call("EVALSHA", sha, 1, k, 1, 1, t + 40 + i, 90000, 3, 10, 6, 300, 12,
                           3600, 24, *obs_args(False, ["F000001", "R000001", "B000001"]))
                   for i in range(3)]
        except RuntimeError as e:
            fails.append("%s=%s: %s" % (f, v, e))
            continue
        if any(x < 0 for g_ in got for x in g_) or got[2][1] != got[1][1] + 1:
            fails.append("%s=%s: %s" % (f, v, got))
    rd.call("DEL", k)
    check(not fails, "hostile bytes in %d fields: every call answers, no count is negative, "
          "the windows count on" % len(hostile), "; ".join(fails))

    # the windows changed by a reload
    fails.clear()
    k = "t:reload"
    rd.call("DEL", k)
    t = base
    adds = []
    for spec in ([(10, 6)], [(10, 3)], [(300, 12)]):
        wm = Model(spec)
        for when, m_ in adds:
            wm.update(when, m_, m_)
        length = spec[0][0] * spec[0][1]
        end = t + 2 * length
        while t < end:
            t += 7
            adds.append((t, 1))
            got = rd.call("EVALSHA", sha, 1, k, 1, 1, t, 90000, 1, *spec[0])
            want = wm.update(t, 1, 1)
            if t - (end - 2 * length) >= length and got != want and len(fails) < 5:
                fails.append("%s t=%d: got %s, want %s" % (spec, t, got, want))
    check(not fails, "windows changed by a reload (10 s x 6, then x 3, then 300 s x 12): a "
          "window after each change the counts equal the model's", "; ".join(fails))

    # a relay on the previous script, every other message
    if len(sys.argv) > 3:
        fails.clear()
        old = rd.call("SCRIPT", "LOAD", open(sys.argv[3], "rb").read())
        k = "t:mixed"
        rd.call("DEL", k)
        wm = Model()
        adds = {}                       # (script, window, slot) -> its adds there
        last = {}                       # (script, window) -> the slot it last wrote
        t = base
        rng = random.Random(3)
        for i in range(600):
            t += rng.choice([1, 2, 5, 5, 9])
            me, other = ("new", "old") if rng.random() < 0.5 else ("old", "new")
            args = [1, 1, t, 90000, 3, 10, 6, 300, 12, 3600, 24]
            got = rd.call("EVALSHA", sha if me == "new" else old, 1, k, *args)
            want = wm.update(t, 1, 1)
            for w, (width, n) in enumerate(WINDOWS):
                adds[me, w, t // width] = adds.get((me, w, t // width), 0) + 1
                last[me, w] = t // width
                # what this script cannot see yet: the previous script's
                # adds in the bucket of this one's head, this one's in
                # the bucket of its head (not yet in the ring)
                theirs = adds.get((other, w, last.get(("new", w))), 0)
                if not (want[1 + 2 * w] - theirs <= got[1 + 2 * w] <= want[1 + 2 * w]) \
                        and len(fails) < 5:
                    fails.append("t=%d %s script, window %d: got %d, want %d (the other's in "
                                 "this bucket: %d)" % (t, me, w, got[1 + 2 * w],
                                                       want[1 + 2 * w], theirs))
        check(not fails, "a relay on the previous script writing half the messages: either "
              "script's counts within the model's, less what the other added to the bucket "
              "of this script's head",
              "; ".join(fails))

    # an upgrade: the previous script, then this one, on one key
    if len(sys.argv) > 3:
        fails.clear()
        old = rd.call("SCRIPT", "LOAD", open(sys.argv[3], "rb").read())
        rng = random.Random(5)
        k = "t:upgrade"
        rd.call("DEL", k)
        wm, om = Model(), ObsModel(dict(CAPS, F=1000, R=1000, D=1000))
        now = random_obs(k, rng, wm, om, base, 400, old, checked=False)
        n0 = len(fails)
        om.caps = CAPS
        random_obs(k, rng, wm, om, now, 400)
        check(not fails, "400 calls of the previous script, then 400 of this one on the "
              "same key: the windows equal the model's throughout, the observations "
              "from the upgrade on", "%d before the upgrade; %s" % (n0, "; ".join(fails)))
    print("# %d calls of the script in all" % ncalls)


if __name__ == "__main__":
    main()
