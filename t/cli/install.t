#!/usr/bin/env bash
# `make install` (DESTDIR) in a build configured with other paths, as a
# package or an operator would: the configuration file the daemon reads
# is put there from the sample, never over an operator's file, and the
# installed man pages name the paths of that build.
#   - --prefix=/opt/zm --sysconfdir=/etc/zm-test: /etc/zm-test/
#     zombie-milter.conf is the sample; zombie-milter(8) and
#     zombie-milter.conf(5) name it and the sample's directory under
#     /opt/zm, and nothing under /usr/local;
#   - installing again over an edited file keeps the edit; uninstalling
#     keeps it too, and removes the file still the sample;
#   - --with-default-config=/etc/zombie-milter/zombie-milter.conf (the
#     Debian package's): the file lands at DESTDIR/etc/zombie-milter/.
# Only the data is installed (make install-data: no compiling).
. "$(dirname "$0")/../lib/common.sh"
plan 11
[ -x "$ZM_TOP/configure" ] || { ok 1 "no configure in $ZM_TOP (run ./autogen.sh)"; exit 1; }

b=$T/build
mkdir -p "$b"
conf_run() { (cd "$b" && "$ZM_TOP/configure" -q "$@") >"$T/configure.out" 2>&1 ||
    { diag "configure $*: $(tail -5 "$T/configure.out")"; return 1; }; }
inst() { make -s -C "$b" "$@" >"$T/make.out" 2>&1 ||
    { diag "make $*: $(tail -5 "$T/make.out")"; return 1; }; }

conf_run --prefix=/opt/zm --sysconfdir=/etc/zm-test
inst install-data DESTDIR="$T/root"; ok $? "make install-data DESTDIR=... succeeds"
f=$T/root/etc/zm-test/zombie-milter.conf
is "$(cmp "$f" "$ZM_TOP/etc/zombie-milter.conf" 2>&1; echo $?)" 0 \
    "the configuration file the daemon reads is installed: the sample, at SYSCONFDIR"
m8=$T/root/opt/zm/share/man/man8/zombie-milter.8
m5=$T/root/opt/zm/share/man/man5/zombie-milter.conf.5
is "$(grep -c '^\.I /etc/zm\\-test/zombie\\-milter\.conf$' "$m8" "$m5" 2>&1 | tr '\n' ' ')" \
    "$m8:1 $m5:1 " "the man pages name it in FILES and SYNOPSIS (zombie-milter(8), .conf(5))"
is "$(grep -A1 '^this build reads$' "$m8" | tail -1)" '.IR /etc/zm\-test/zombie\-milter.conf ,' \
    "zombie-milter(8), -c, says which file this build reads"
like "$(grep -h 'examples' "$m8" "$m5")" "^\.I /opt/zm/share/doc/zombie\\\\-milter/examples/zombie\\\\-milter\.conf" \
    "and where the sample is"
is "$(grep -l /usr/local "$m8" "$m5")" "" "nothing in them names /usr/local"

echo '# a line of the operator' >>"$f"
inst install-data DESTDIR="$T/root"
is "$(tail -1 "$f")" "# a line of the operator" "installing again keeps an operator's file"
like "$(cat "$T/make.out")" "keeping $f: a file is there already" "and says so"
# (the data's uninstall: no program was installed; make distcheck, in
# t/cli/distcheck.t, runs the whole of make uninstall)
inst uninstall-man uninstall-local DESTDIR="$T/root"
ok "$([ -f "$f" ] && [ ! -e "$m8" ]; echo $?)" "uninstalling removes the man pages, not an edited file"
inst install-data DESTDIR="$T/fresh" && inst uninstall-man uninstall-local DESTDIR="$T/fresh"
ok "$([ ! -e "$T/fresh/etc/zm-test/zombie-milter.conf" ]; echo $?)" \
    "and removes the file still the sample"

conf_run --with-default-config=/etc/zombie-milter/zombie-milter.conf
inst install-data DESTDIR="$T/deb"
is "$(cmp "$T/deb/etc/zombie-milter/zombie-milter.conf" "$ZM_TOP/etc/zombie-milter.conf" 2>&1; echo $?)" 0 \
    "--with-default-config: the file lands at DESTDIR/etc/zombie-milter/zombie-milter.conf"
zm_done
