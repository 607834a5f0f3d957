#!/bin/bash
# What contrib/ gives Prometheus users parses: the alert rules pass
# `promtool check rules`, and every query of the Grafana dashboard is
# valid PromQL (each checked as a recording rule) naming only metrics the
# milter serves (zombie-milter(8), METRICS).
. "$(dirname "$0")/../lib/common.sh"
command -v promtool >/dev/null || { echo "1..1"; echo "not ok 1 - promtool not installed (contrib/deps.sh test)"; exit 1; }
plan 4

rules=$ZM_TOP/contrib/prometheus/zombie-milter.rules.yml
dash=$ZM_TOP/contrib/grafana/zombie-milter.json
promtool check rules "$rules" >"$T/rules.out" 2>&1
is "$?" 0 "promtool check rules: the alert rules"
python3 - "$dash" >"$T/dash.yml" <<'PYEOF'
import json, sys
d = json.load(open(sys.argv[1]))
print("groups:\n  - name: dashboard\n    rules:")
for i, p in enumerate(d["panels"]):
    for t in p["targets"]:
        e = t["expr"].replace("$instance", ".*")
        print("      - record: dashboard_%d_%s\n        expr: %s" % (i, t["refId"], json.dumps(e)))
PYEOF
is "$?" 0 "the dashboard is JSON with a query in each target"
promtool check rules "$T/dash.yml" >"$T/dash.out" 2>&1
is "$?" 0 "every dashboard query is valid PromQL"
# the names the METRICS section lists: the line after each .TP
served=$(awk '/^\.SH/ { in_m = ($0 == ".SH METRICS") } in_m && tp { print $2 } { tp = ($0 == ".TP") }' \
    "$ZM_TOP/man/zombie-milter.8" | sort -u)
unknown=$(cat "$rules" "$T/dash.yml" | grep -o 'zombie_milter_[a-z_]*' | sed 's/^zombie_milter_//; s/_\(bucket\|sum\|count\)$//' |
    sort -u | while read -r m; do printf '%s\n' "$served" | grep -qx "$m" || echo "$m"; done)
is "$unknown" "" "every metric they name is one zombie-milter(8) lists"
[ "$zm_nfail" -gt 0 ] && diag "$(cat "$T/rules.out" "$T/dash.out" 2>/dev/null)"
zm_done
