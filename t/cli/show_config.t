#!/bin/bash
# -s prints the settings that differ from the defaults, in the file's own
# syntax (as postconf -n does), -S all of them; both can be pasted back:
#   - the sample configuration (every option at its default) prints
#     nothing with -s;
#   - a file changing a few things prints exactly those with -s, the
#     password only as a comment, never its value;
#   - -S of it, pasted back as a file, passes -n and prints the same
#     again (-S and -s), so relays can be diffed;
#   - a bad file: the FILE:LINE error, exit 1, nothing printed.
. "$(dirname "$0")/../lib/common.sh"
plan 9
[ -x "$ZM_BIN" ] || { ok 1 "no milter binary at $ZM_BIN"; exit 1; }

out=$("$ZM_BIN" -s -c "$ZM_TOP/etc/zombie-milter.conf" 2>&1)
rc=$?
is "$rc/$out" "0/" "the sample config: -s prints nothing (every option at its default)"

cat >"$T/a.conf" <<'CONF'
# a relay of ours
mode = "monitor"          # watch first
redis = "127.0.0.1:6379"
redis_password = "s3cret"
threshold_tag = 25
window "5m" {
    length = 300
    buckets = 5
    messages = 100
    points = 60
}
CONF
"$ZM_BIN" -s -c "$T/a.conf" >"$T/a.s" 2>&1
is "$?" 0 "-s of a changed file exits 0"
is "$(cat "$T/a.s")" 'mode="monitor"
window "5m" {
  length=300
  buckets=5
  messages=100
  recipients=0
  points=60
}
threshold_tag=25
redis="127.0.0.1:6379"
# redis_password is set (not shown)' "-s prints exactly what differs, the password as a comment"
"$ZM_BIN" -S -c "$T/a.conf" >"$T/b.conf" 2>&1
ok "$([ "$(grep -c . "$T/b.conf")" -ge 60 ] && ! grep -q s3cret "$T/a.s" "$T/b.conf"; echo $?)" \
    "-S prints every option ($(grep -c . "$T/b.conf") lines), never the password"
out=$("$ZM_BIN" -n -c "$T/b.conf" 2>&1)
is "$?" 0 "-S's output pasted back is a valid file"
"$ZM_BIN" -S -c "$T/b.conf" >"$T/c.conf" 2>&1
is "$(diff <(grep -v redis_password "$T/b.conf") <(grep -v redis_password "$T/c.conf"))" "" \
    "and prints the same again with -S, but for the password"
"$ZM_BIN" -s -c "$T/b.conf" >"$T/b.s" 2>&1
is "$(diff <(grep -v redis_password "$T/a.s") "$T/b.s")" "" \
    "and with -s, but for the password it does not carry"

printf 'mode = "monitor"\n# a comment\nthreshold_tag = -5\n' >"$T/bad.conf"
out=$("$ZM_BIN" -s -c "$T/bad.conf" 2>&1)
rc=$?
is "$rc" 1 "-s of a bad file exits 1"
is "$out" "zombie-milter: $T/bad.conf:3: threshold_tag: -5 is out of range 0..100000" \
    "and prints only the FILE:LINE error"
zm_done
