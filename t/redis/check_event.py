"""check_event.py -- check one quarantine event JSON against the spec.

    python3 check_event.py JSON key=value...

keys: host, user, prefix (a value or "null"; prefix defaults to null),
user_hosts, prefix_hosts (the host keys listed, comma-separated and
sorted; "" for none, the default), score, reasons (the decision
line's reasons=, comma-separated), relay, since, until (the block
record's; "-" to skip), qtime (quarantine_time), queue_id (or "null";
"*" = any string or null),
keyfile (HMAC key file; "-" = no "sig" expected), now (unix time).

Prints one "PASS text" or "FAIL text: detail" line per check, for
rt_checks in rtest.sh.
"""

import hashlib
import hmac
import json
import re
import sys


def main():
    raw = sys.argv[1]
    a = dict(w.partition("=")[::2] for w in sys.argv[2:])

    def check(cond, text, detail=""):
        if cond:
            print("PASS " + text)
        else:
            print("FAIL " + text + (": " + detail if detail else ""))

    def opt(v):
        return None if v == "null" else v

    try:
        ev = json.loads(raw)
    except ValueError as e:
        check(False, "event is JSON", "%s: %r" % (e, raw))
        return
    check(isinstance(ev, dict), "event is a JSON object", repr(raw))
    if not isinstance(ev, dict):
        return
    signed = a.get("keyfile", "-") != "-"
    want = {"event", "host", "prefix", "user", "user_hosts", "prefix_hosts",
            "score", "reasons", "relay", "since", "until", "queue_id",
            "v"} | ({"sig"} if signed else set())
    check(set(ev) == want, "event has exactly the keys %s" % ",".join(sorted(want)),
          "got %s" % ",".join(sorted(ev)))
    stripped = re.sub(r'"(?:\\.|[^"\\])*"', '""', raw)
    check(not re.search(r"\s", stripped), "event JSON is compact (no whitespace)", repr(raw))
    check(ev.get("event") == "quarantine", 'event "event":"quarantine"', repr(ev.get("event")))
    check(ev.get("host", "missing") == opt(a["host"]), 'event "host" is %s' % a["host"],
          repr(ev.get("host", "missing")))
    check(ev.get("user", "missing") == opt(a["user"]), 'event "user" is %s' % a["user"],
          repr(ev.get("user", "missing")))
    check(ev.get("prefix", "missing") == opt(a.get("prefix", "null")),
          'event "prefix" is %s' % a.get("prefix", "null"),
          repr(ev.get("prefix", "missing")))
    for k in ("user_hosts", "prefix_hosts"):
        got = ev.get(k)
        want_list = [h for h in a.get(k, "").split(",") if h]
        check(isinstance(got, list) and sorted(got) == want_list,
              'event "%s" lists %s' % (k, a.get(k, "") or "none"), repr(got))
    sc = ev.get("score")
    check(type(sc) is int and sc == int(a["score"]), 'event "score" is the number %s' % a["score"],
          repr(sc))
    check(ev.get("reasons") == a["reasons"].split(","),
          'event "reasons" is the list of the logged reasons %s' % a["reasons"],
          repr(ev.get("reasons")))
    check(ev.get("relay") == a["relay"], 'event "relay" is %s' % a["relay"], repr(ev.get("relay")))
    since, until = ev.get("since"), ev.get("until")
    check(type(since) is int and abs(since - int(a["now"])) <= 30,
          'event "since" is a unix time near now', "%r, now %s" % (since, a["now"]))
    if a.get("since", "-") != "-":
        check(since == int(a["since"]), 'event "since" equals the block record\'s',
              "%r vs %s" % (since, a["since"]))
    check(type(until) is int and type(since) is int and until == since + int(a["qtime"]),
          'event "until" is since + quarantine_time (%s)' % a["qtime"], "%r, %r" % (since, until))
    if a.get("until", "-") != "-":
        check(until == int(a["until"]), 'event "until" equals the block record\'s',
              "%r vs %s" % (until, a["until"]))
    if a["queue_id"] == "*":
        q = ev.get("queue_id", "missing")
        check(q is None or (isinstance(q, str) and q != "missing"),
              'event "queue_id" is a string or null', repr(q))
    else:
        check(ev.get("queue_id", "missing") == opt(a["queue_id"]),
              'event "queue_id" is %s' % a["queue_id"], repr(ev.get("queue_id", "missing")))
    v = ev.get("v")
    check(type(v) is int and v == 1, 'event "v" is the number 1', repr(v))
    if signed:
        with open(a["keyfile"], "rb") as f:
            key = f.read().rstrip(b"\n")
        body = {k: x for k, x in ev.items() if k != "sig"}
        msg = json.dumps(body, separators=(",", ":"), sort_keys=True)
        good = hmac.new(key, msg.encode(), hashlib.sha256).hexdigest()
        sig = ev.get("sig")
        check(isinstance(sig, str) and re.fullmatch(r"[0-9a-f]{64}", sig or "") is not None,
              'event "sig" is 64 lower-case hex digits', repr(sig))
        check(sig == good, 'event "sig" is HMAC-SHA256(key, sorted compact JSON without sig)',
              "got %r, expected %r over %r" % (sig, good, msg))


main()
