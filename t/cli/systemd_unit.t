#!/usr/bin/env bash
# contrib/systemd/zombie-milter.service passes `systemd-analyze verify`.
#
# verify needs the binaries the unit runs to exist, so it checks a copy
# whose ExecStartPre=, ExecStart= and ExecReload= name the built binary.
# It exits 0 even on a misspelled directive or a bad value, which it only
# warns about: a unit passes here when verify exits 0 and says nothing.
# Broken copies prove that the check catches both, and a missing
# binary.  The man pages the
# unit names in Documentation= are looked for in man/ (--man=no: the
# system's man would look in /usr/share/man).  systemd is not PID 1 on
# the test machines, and need not be.
. "$(dirname "$0")/../lib/common.sh"
command -v systemd-analyze >/dev/null ||
    { echo "1..0 # SKIP no systemd-analyze (Debian package systemd)"; exit 0; }
plan 8
unit=$ZM_TOP/contrib/systemd/zombie-milter.service
[ -x "$ZM_BIN" ] || { ok 1 "no milter binary at $ZM_BIN"; exit 1; }

# verify_unit FILE: prints what verify said, returns its exit status
verify_unit() {
    systemd-analyze verify --man=no "$1" 2>&1
}

# a copy named as the original (the unit's name is its file's)
mkdir "$T/good" "$T/typo" "$T/value"
sed "s|/usr/sbin/zombie-milter|$ZM_BIN|g" "$unit" >"$T/good/zombie-milter.service"
n=$(grep -c "^Exec[A-Za-z]*=$ZM_BIN " "$T/good/zombie-milter.service")
is "$n" 3 "the copy runs the built binary (ExecStartPre, ExecStart, ExecReload)"

out=$(verify_unit "$T/good/zombie-milter.service"); rc=$?
is "$rc" 0 "systemd-analyze verify exits 0"
is "$out" "" "and has nothing to say about the unit"

sed 's/^ProtectHome=/ProtectHomme=/' "$T/good/zombie-milter.service" \
    >"$T/typo/zombie-milter.service"
out=$(verify_unit "$T/typo/zombie-milter.service")
like "$out" "Unknown key 'ProtectHomme'" "a misspelled directive is caught (verify warns about it)"
sed 's/^RestrictNamespaces=yes/RestrictNamespaces=maybe/' "$T/good/zombie-milter.service" \
    >"$T/value/zombie-milter.service"
out=$(verify_unit "$T/value/zombie-milter.service")
like "$out" "maybe" "so is a bad value"

mkdir "$T/nobin"
sed "s|$ZM_BIN|$T/no-such-binary|g" "$T/good/zombie-milter.service" \
    >"$T/nobin/zombie-milter.service"
out=$(verify_unit "$T/nobin/zombie-milter.service"); rc=$?
ok "$([ "$rc" -ne 0 ] && printf '%s' "$out" | grep -q 'no-such-binary is not executable'; echo $?)" \
    "and a binary that is not there fails it (exit status)"

docs=$(sed -n 's/^Documentation=//p' "$unit")
missing=
for d in $docs; do
    case $d in
    man:*) p=${d#man:}; f="$ZM_TOP/man/${p%(*}.$(echo "$p" | sed 's/.*(\(.*\))/\1/')"
        [ -f "$f" ] || missing="$missing $d" ;;
    *) missing="$missing $d" ;;
    esac
done
is "$missing" "" "the man pages named in Documentation= are in man/"
like "$docs" "man:zombie-milter\\(8\\) man:zombie-milter\\.conf\\(5\\)" "both of them"
zm_done
