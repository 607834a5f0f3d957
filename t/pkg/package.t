#!/usr/bin/env bash
# The Debian package, built, checked, installed, run and purged.
#
# It is built from what is committed (`git archive HEAD`: changes not
# committed are not in it) in a temp dir with `dpkg-buildpackage -us -uc
# -b`; its contents and conffiles are checked with dpkg-deb, lintian must
# report no error; then it is installed on this machine (apt-get, which
# brings any runtime library missing), the user zombie-milter must exist,
# `zombie-milter -n` must pass on the installed configuration, the
# milter must start as that user and stop on SIGTERM, and the installed
# unit must pass `systemd-analyze verify`; then it is purged, and the
# binary and /etc/zombie-milter must be gone.  Where systemd runs
# (PID 1), the install starts the service, and the test checks that it
# runs.
#
# It leaves the machine as it found it: the package is purged and the
# user it made removed on any exit (trap); it does not run where
# zombie-milter is installed already.  Needs root.  Slow (a whole
# compile), so contrib/test.sh runs it once, after the suite, not once
# per build.
. "$(dirname "$0")/../lib/common.sh"
skip_all() { echo "1..0 # SKIP $1"; exit 0; }
[ "$(id -u)" = 0 ] || skip_all "installs a package: needs root"
for c in dpkg-buildpackage dh lintian apt-get git; do
    command -v "$c" >/dev/null || skip_all "no $c (contrib/deps.sh test installs it)"
done
git -C "$ZM_TOP" rev-parse -q --verify HEAD >/dev/null ||
    skip_all "not a git checkout: the package is built from what is committed"
if [ "$(dpkg-query -W -f='${db:Status-Status}' zombie-milter 2>/dev/null)" != "" ] &&
   [ "$(dpkg-query -W -f='${db:Status-Status}' zombie-milter 2>/dev/null)" != not-installed ]; then
    skip_all "zombie-milter is installed here (dpkg-query -W zombie-milter): purge it first"
fi
plan 36

export DEBIAN_FRONTEND=noninteractive
apt=(apt-get -y -q -o DPkg::Lock::Timeout=300)
had_user=0
getent passwd zombie-milter >/dev/null && had_user=1
had_group=0
getent group zombie-milter >/dev/null && had_group=1
pkg_cleanup() {
    if [ -n "$(dpkg-query -W -f='${db:Status-Status}' zombie-milter 2>/dev/null | grep -v not-installed)" ]; then
        "${apt[@]}" purge zombie-milter
    fi
    [ "$had_user" = 1 ] || ! getent passwd zombie-milter || userdel zombie-milter
    [ "$had_group" = 1 ] || ! getent group zombie-milter || groupdel zombie-milter
}
zm_cleanups+=(pkg_cleanup)

# the version configure.ac gives is the package's
version=$(sed -n 's/^AC_INIT(\[zombie-milter\], \[\([^]]*\)\].*/\1/p' "$ZM_TOP/configure.ac")
arch=$(dpkg --print-architecture)
mkdir "$T/src"
git -C "$ZM_TOP" archive HEAD | tar -x -C "$T/src"
is "$(cd "$T/src" && dpkg-parsechangelog -S Version)" "$version" \
    "debian/changelog is at configure.ac's version ($version)"

(cd "$T/src" && dpkg-buildpackage -us -uc -b) >"$T/build.txt" 2>&1
rc=$?
is "$rc" 0 "dpkg-buildpackage -us -uc -b builds it"
[ "$rc" = 0 ] || diag "$(tail -30 "$T/build.txt")"
deb=$T/zombie-milter_${version}_$arch.deb
ok "$([ -f "$deb" ]; echo $?)" "as zombie-milter_${version}_$arch.deb"
[ -f "$deb" ] || { diag "no package to check"; zm_done; }

list=$(dpkg-deb -c "$deb" | awk '{print $6}')
for f in ./usr/sbin/zombie-milter \
    ./usr/share/man/man8/zombie-milter.8.gz \
    ./usr/share/man/man5/zombie-milter.conf.5.gz \
    ./etc/zombie-milter/zombie-milter.conf \
    ./lib/systemd/system/zombie-milter.service \
    ./usr/share/doc/zombie-milter/README.gz \
    ./usr/share/doc/zombie-milter/copyright \
    ./usr/share/doc/zombie-milter/examples/zombie-milter.conf \
    ./usr/share/doc/zombie-milter/examples/postfix/main.cf.snippet \
    ./usr/share/doc/zombie-milter/examples/sendmail/zombie-milter.mc \
    ./usr/share/doc/zombie-milter/examples/redis/zombie-milter.acl; do
    like "$list" "^$f\$" "the package holds $f"
done
is "$(dpkg-deb -I "$deb" conffiles)" /etc/zombie-milter/zombie-milter.conf \
    "the configuration is its one conffile"
dpkg-deb -x "$deb" "$T/x"
ok "$(cmp -s "$T/x/etc/zombie-milter/zombie-milter.conf" "$ZM_TOP/etc/zombie-milter.conf"; echo $?)" \
    "and it is the sample configuration"
ok "$(cmp -s "$T/x/lib/systemd/system/zombie-milter.service" \
    "$ZM_TOP/contrib/systemd/zombie-milter.service"; echo $?)" \
    "the unit is contrib/systemd/zombie-milter.service"

lintian "$T"/zombie-milter_"${version}"_"$arch".changes >"$T/lintian.txt" 2>&1
rc=$?
errors=$(grep '^E:' "$T/lintian.txt")
is "$rc/$errors" "0/" "lintian reports no error"
grep -q '^[WI]:' "$T/lintian.txt" && diag "lintian: $(grep '^[EWI]:' "$T/lintian.txt")"

# a systemd that runs will start the service: note whether the default
# socket is free for it first
systemd_runs=0
[ -d /run/systemd/system ] && systemd_runs=1
port_free=1
(exec 3<>/dev/tcp/127.0.0.1/8895) 2>/dev/null && port_free=0
"${apt[@]}" install "$deb" >"$T/install.txt" 2>&1
rc=$?
is "$rc" 0 "apt-get installs it"
[ "$rc" = 0 ] || diag "$(tail -20 "$T/install.txt")"
new=$(sed -n '/NEW packages will be installed/,/^[^ ]/p' "$T/install.txt" | grep '^ ')
diag "installed:$(echo $new) (left installed on purge, if more than zombie-milter)"
is "$(dpkg-query -W -f='${db:Status-Status}' zombie-milter 2>/dev/null)" installed \
    "dpkg has it installed"

pw=$(getent passwd zombie-milter)
like "$pw" "^zombie-milter:x:[0-9]+:[0-9]+:.*:/nonexistent:/usr/sbin/nologin\$" \
    "postinst made the system user zombie-milter (no home, no shell)"
uid=$(echo "$pw" | cut -d: -f3)
ok "$([ -n "$uid" ] && [ "$uid" -lt 1000 ]; echo $?)" "a system uid ($uid)"
is "$(id -gn zombie-milter 2>/dev/null)" zombie-milter "its group is zombie-milter"

out=$(/usr/sbin/zombie-milter -n 2>&1); rc=$?
like "$rc $out" "^0 zombie-milter: /etc/zombie-milter/zombie-milter\\.conf: configuration OK" \
    "zombie-milter -n reads /etc/zombie-milter/zombie-milter.conf without -c, and passes it"
like "$(/usr/sbin/zombie-milter -h 2>&1)" "/etc/zombie-milter/zombie-milter\\.conf" \
    "-h names that default"

# as the unit runs it: the user, -f, the installed file (on a port of
# the test's, 8895 may be taken)
port=$(zm_free_port)
setpriv --reuid=zombie-milter --regid=zombie-milter --clear-groups \
    /usr/sbin/zombie-milter -f -c /etc/zombie-milter/zombie-milter.conf \
    -p "inet:$port@127.0.0.1" 2>"$T/milter.log" &
pid=$!
zm_pids+=("$pid")
zm_wait_port "$port" 10
ok $? "the milter starts as zombie-milter on the installed configuration"
is "$(ps -o user= -p "$pid" | tr -d ' ')" zombie-milter "and runs as that user"
kill -TERM "$pid"; wait "$pid"; rc=$?
zm_forget "$pid"
is "$rc" 0 "SIGTERM stops it, exit 0"
[ "$rc" = 0 ] || diag "$(cat "$T/milter.log")"

if command -v systemd-analyze >/dev/null; then
    out=$(systemd-analyze verify /lib/systemd/system/zombie-milter.service 2>&1); rc=$?
    is "$rc/$out" "0/" "the installed unit passes systemd-analyze verify"
else
    ok 0 "# SKIP no systemd-analyze"
fi
if [ "$systemd_runs" = 1 ] && [ "$port_free" = 1 ]; then
    zm_wait_port 8895 10
    ok $? "systemd started the service: it listens on inet:8895@127.0.0.1"
    is "$(systemctl show -p User --value zombie-milter)" zombie-milter "as zombie-milter"
else
    ok 0 "# SKIP systemd is not PID 1 here (or 8895 was taken): nothing started the service"
    ok 0 "# SKIP idem"
fi

"${apt[@]}" purge zombie-milter >"$T/purge.txt" 2>&1
rc=$?
is "$rc" 0 "apt-get purge removes it"
[ "$rc" = 0 ] || diag "$(tail -20 "$T/purge.txt")"
st=$(dpkg-query -W -f='${db:Status-Status}' zombie-milter 2>/dev/null)
is "${st:-not-installed}" not-installed "dpkg knows it no more"
ok "$([ ! -e /usr/sbin/zombie-milter ]; echo $?)" "the binary is gone"
ok "$([ ! -e /etc/zombie-milter ]; echo $?)" "and /etc/zombie-milter"
ok "$([ ! -e /lib/systemd/system/zombie-milter.service ]; echo $?)" "and the unit"
zm_done
