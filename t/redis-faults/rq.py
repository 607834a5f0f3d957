"""rq.py -- query the driver's results: rq.py FILE.jsonl PY-EXPRESSION

The expression sees R (the records, in order) and the helpers below; a
list result is printed one item a line, anything else with str().
    fb(r)     the decision's fallback= value or None (no decision: "?")
    act(r)    the decision's action= value or None
    sel(prefix)  the records whose qid starts with prefix
"""
import json
import sys

R = []
with open(sys.argv[1]) as f:
    for line in f:
        line = line.strip()
        if line:
            R.append(json.loads(line))


def fb(r):
    d = r.get("decision")
    if d is None:
        return "?"
    return d.get("fallback")


def act(r):
    d = r.get("decision")
    return None if d is None else d.get("action")


def sel(prefix):
    return [r for r in R if r["qid"].startswith(prefix)]


def brief(r):
    d = r.get("decision") or {}
    return "%s %s t=%.3fs (mail %.3fs) %s%s%s %s" % (
        r["qid"], r["host"], r["t"], r.get("t_mail") or 0, r["stage"], "/" + str(r["reply"]),
        (" " + " ".join(str(x) for x in (r["code"], r["xcode"], r["text"])))
        if r.get("code") else "",
        ("error=" + r["error"]) if r.get("error") else d.get("line", "(no decision line)"))


res = eval(sys.argv[2])
if isinstance(res, (list, tuple)):
    for x in res:
        print(x)
elif isinstance(res, bool):
    print(int(res))
else:
    print(res)
