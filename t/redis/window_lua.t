#!/bin/bash
# lib/window.lua is tested as Lua: run by a private redis-server with
# explicit times against a reference model of the windows and of the
# observations (see window_lua.py): window edges, an idle key coming
# back, take-backs, 2000 random calls; 700 random messages with their
# domains, values, bodies and refusals; the sweep of what left the
# counts; no whole-hash read on a busy key; and keys written by the
# previous version of the script (t/redis/window_v1.lua) read on without
# a count lost.  The same file is what the milter embeds.
. "$(dirname "$0")/rtest.sh"
command -v redis-server >/dev/null 2>&1 || proto_skip_all "redis-server not installed"
command -v python3 >/dev/null 2>&1 || proto_skip_all "python3 not installed"

zm_redis_start || { ok 1 "redis-server starts"; plan "$zm_ntest"; exit 1; }
rt_checks "window.lua" python3 "$ZM_REDIS_TDIR/window_lua.py" "$ZM_REDIS_PORT" \
    "$ZM_TOP/lib/window.lua" "$ZM_REDIS_TDIR/window_v1.lua"
plan "$zm_ntest"
zm_done
