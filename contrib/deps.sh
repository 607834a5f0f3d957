#!/usr/bin/env bash
# contrib/deps.sh -- install the Debian packages zombie-milter needs.
#
#   contrib/deps.sh build   what building needs
#   contrib/deps.sh test    that, plus the test peers (redis-server,
#                           rbldnsd, postfix, miltertest, python3, what a
#                           private Sendmail needs), clang with
#                           libFuzzer (the fuzz targets), and what the
#                           unit's and the package's tests need
#   contrib/deps.sh fuzz    what building the fuzz targets needs
# Installs only what is missing; needs root (or sudo) when something is.
set -euo pipefail

build_pkgs=(autoconf automake make gcc pkg-config libmilter-dev
    libconfuse-dev libhiredis-dev libspf2-dev libunbound-dev libjansson-dev
    libssl-dev libcmocka-dev libmicrohttpd-dev)
fuzz_pkgs=(clang libclang-rt-14-dev)
# The Sendmail tests unpack Debian's sendmail-bin privately (never
# installed: it would replace Postfix); these are what it needs to run,
# and the SASL plugins its AUTH test uses.
sendmail_run_pkgs=(m4 libdb5.3 libldap-2.5-0 libnsl2 libsasl2-2
    libsasl2-modules libsasl2-modules-db)
# The unit's test (systemd-analyze is in systemd: in a container without
# systemd as PID 1 installing it starts nothing) and the package's:
# dpkg-buildpackage, debhelper (which brings dh-autoreconf), lintian.  No
# fakeroot: debian/control says Rules-Requires-Root: no.
pkg_pkgs=(systemd dpkg-dev debhelper lintian)
# promtool (package prometheus) checks the metrics endpoint's output.
test_pkgs=(redis-server rbldnsd postfix miltertest python3 perl procps curl
    prometheus "${sendmail_run_pkgs[@]}" "${fuzz_pkgs[@]}" "${pkg_pkgs[@]}")

case ${1:-build} in
build) want=("${build_pkgs[@]}") ;;
test) want=("${build_pkgs[@]}" "${test_pkgs[@]}") ;;
fuzz) want=("${build_pkgs[@]}" "${fuzz_pkgs[@]}") ;;
*) echo "usage: $0 build|test|fuzz" >&2; exit 2 ;;
esac

missing=()
for p in "${want[@]}"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'ok installed' ||
        missing+=("$p")
done
[ ${#missing[@]} -eq 0 ] && exit 0

echo "installing: ${missing[*]}" >&2
sudo=()
[ "$(id -u)" -eq 0 ] || sudo=(sudo)
# Postfix asks how to configure the system's mail; the tests run private
# instances, so the system one stays unconfigured and stopped.
echo "postfix postfix/main_mailer_type select No configuration" |
    "${sudo[@]}" debconf-set-selections
# Nor may a package start its service (redis-server, prometheus): the
# tests start their own.  policy-rc.d says so to invoke-rc.d, for the
# length of the install, unless the machine has one of its own.
policy=/usr/sbin/policy-rc.d
if [ ! -e "$policy" ]; then
    printf '#!/bin/sh\nexit 101\n' | "${sudo[@]}" tee "$policy" >/dev/null
    "${sudo[@]}" chmod 755 "$policy"
    trap '"${sudo[@]}" rm -f "$policy"' EXIT
fi
"${sudo[@]}" apt-get update -qq
DEBIAN_FRONTEND=noninteractive "${sudo[@]}" apt-get install -y -qq \
    --no-install-recommends "${missing[@]}" >/dev/null
