#!/bin/bash
# Configuration errors name their true line, whatever comments precede
# them: mistakes put into the sample configuration itself (see
# config_lines.py); its commented examples stay valid.
. "$(dirname "$0")/../lib/common.sh"
[ -x "$ZM_BIN" ] || { echo "1..1"; echo "not ok 1 - no milter binary at $ZM_BIN"; exit 1; }
export T
PYTHONDONTWRITEBYTECODE=1 python3 "$ZM_TOP/t/cli/config_lines.py"
