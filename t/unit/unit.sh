# t/unit/unit.sh -- run one cmocka test binary with TAP output for prove.
# Sourced by t/unit/*.t; the binaries are built by `make check TESTS=`.
top=$(cd "$(dirname "$0")/../.." && pwd)
builddir=${ZM_BUILDDIR:-$top/build}
unit_run() {
    if [ ! -x "$builddir/t/unit/$1" ]; then
        echo "1..1"
        echo "not ok 1 - $1 not built in $builddir (is libcmocka-dev installed?)"
        exit 1
    fi
    CMOCKA_MESSAGE_OUTPUT=TAP ZM_SRCDIR=$top exec "$builddir/t/unit/$1"
}
