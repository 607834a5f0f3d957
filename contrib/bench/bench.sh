# contrib/bench/bench.sh -- the set-up the Redis benchmarks share; source
# it.  It gives top (the source tree), bin (the milter: ZM_BIN, or the
# one of ZM_BUILDDIR, default build/), load (zm-load of that build), dir
# (a temp dir, removed at exit, when every background job is killed) and
# free_port (prints a free TCP port on 127.0.0.1).
top=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
bdir=${ZM_BUILDDIR:-$top/build}
bin=${ZM_BIN:-$bdir/zombie-milter}
load=$bdir/contrib/bench/zm-load
dir=$(mktemp -d)
trap 'kill $(jobs -p) 2>/dev/null; wait 2>/dev/null; rm -rf "$dir"' EXIT
free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
