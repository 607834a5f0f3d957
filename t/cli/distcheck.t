#!/usr/bin/env bash
# `make distcheck` builds, tests and installs from the release tarball.
. "$(dirname "$0")/../lib/common.sh"
plan 2
out=$(make -C "$ZM_BUILDDIR" distcheck 2>&1); rc=$?
is "$rc" 0 "make distcheck succeeds"
like "$out" "zombie-milter-[0-9.]+\.tar\.gz" "and names the tarball"
[ "$rc" = 0 ] || diag "$(printf '%s\n' "$out" | tail -20)"
rm -f "$ZM_BUILDDIR"/zombie-milter-*.tar.gz
zm_done
