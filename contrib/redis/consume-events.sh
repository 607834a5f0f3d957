#!/usr/bin/env bash
# contrib/redis/consume-events.sh -- follow zombie-milter's quarantine events.
#
#   contrib/redis/consume-events.sh [HMAC-KEY-FILE]
#
# Waits on the stream zm:events with `redis-cli XREAD BLOCK 0`, from the
# next event on, and prints one line per event: its stream id, host, user
# and reasons.  Given the milter's hmac_key_file, it also checks each
# event's "sig" (sig=good, sig=BAD or sig=missing).  It remembers the id of
# the last event read, so none is missed between two reads.  Ctrl-C stops
# it.  Needs redis-cli and python3.
#
# Environment:
#   REDIS_CLI  the redis-cli command and its options (default "redis-cli"),
#              e.g. "redis-cli -h 10.0.0.5 -p 6379 --user ops", with the
#              password in REDISCLI_AUTH (redis-cli reads it from there)
#   STREAM     the stream (default "zm:events", that is redis_prefix + events)
set -euo pipefail
read -r -a cli <<<"${REDIS_CLI:-redis-cli}"
stream=${STREAM:-zm:events}
keyfile=${1:-}
if [ -n "$keyfile" ] && [ ! -r "$keyfile" ]; then
    echo "$0: cannot read $keyfile" >&2
    exit 1
fi

# stdin: XREAD's reply as --raw prints it, one line each: the stream name,
# then per event its id, the field name "json" and the event.
show='
import hashlib, hmac, json, sys

key = None
if len(sys.argv) > 1 and sys.argv[1]:
    with open(sys.argv[1], "rb") as f:
        key = f.read().rstrip(b"\r\n")
lines = sys.stdin.read().split("\n")[1:]
for i in range(0, len(lines) - 2, 3):
    eid, text = lines[i], lines[i + 2]
    try:
        ev = json.loads(text)
    except ValueError:
        print("%s not JSON: %r" % (eid, text))
        continue
    out = "%s host=%s user=%s reasons=%s" % (
        eid, ev.get("host") or "-", ev.get("user") or "-",
        ",".join(ev.get("reasons") or []) or "-")
    if key is not None:
        body = {k: v for k, v in ev.items() if k != "sig"}
        msg = json.dumps(body, separators=(",", ":"), sort_keys=True)
        good = hmac.new(key, msg.encode(), hashlib.sha256).hexdigest()
        sig = ev.get("sig")
        out += " sig=" + ("missing" if not isinstance(sig, str) else
                          "good" if hmac.compare_digest(sig, good) else "BAD")
    print(out, flush=True)
'

last='$'
while :; do
    reply=$("${cli[@]}" --raw XREAD COUNT 100 BLOCK 0 STREAMS "$stream" "$last" \
        2>&1) || true
    if [ "${reply%%$'\n'*}" != "$stream" ]; then
        # Not a reply with events: Redis down, a refused login, ...
        echo "$0: ${reply:-no reply}; retrying in 5 s" >&2
        sleep 5
        continue
    fi
    printf '%s\n' "$reply" | python3 -c "$show" "$keyfile"
    last=$(printf '%s\n' "$reply" | awk 'NR > 1 && NR % 3 == 2 { id = $0 } END { print id }')
done
