#!/bin/bash
# lib/window.lua is tested as Lua: run by a private redis-server with
# explicit times against a reference model of the windows (see
# window_lua.py): window edges, an idle key coming back, take-backs, and
# 2000 random calls.  The same file is what the milter embeds.
. "$(dirname "$0")/rtest.sh"
command -v redis-server >/dev/null 2>&1 || proto_skip_all "redis-server not installed"
command -v python3 >/dev/null 2>&1 || proto_skip_all "python3 not installed"

zm_redis_start || { ok 1 "redis-server starts"; plan "$zm_ntest"; exit 1; }
rt_checks "window.lua" python3 "$ZM_REDIS_TDIR/window_lua.py" "$ZM_REDIS_PORT" \
    "$ZM_TOP/lib/window.lua"
plan "$zm_ntest"
zm_done
