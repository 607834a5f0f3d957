# t/lib/sendmail.sh -- a private Sendmail 8.17 relaying to smtp-sink.
#
# Source it after t/lib/common.sh and t/lib/postfix.sh (whose sink and
# reply helpers it shares).  It gives:
#   zm_sendmail_install       fetches Debian's sendmail-bin, sendmail-cf,
#                             sendmail-base and libwrap0 with apt-get
#                             download and unpacks them into $ZM_SM_CACHE
#                             (kept between runs); nothing is installed as
#                             a package, Postfix stays installed
#   zm_sendmail_start MILTER [MC-LINE...]   (ZM_SM_LOCAL_DOMAINS: the
#                             domains it delivers locally, whose unknown
#                             users it refuses; ZM_SM_NO_TEMPFAIL set:
#                             the milter line without F=T;
#                             ZM_SM_SASL_USERS="USER:PASSWORD ...": SMTP
#                             AUTH PLAIN and LOGIN against those)
#                             builds a private sendmail.cf with m4 from the
#                             unpacked cf/ tree: SMTP on 127.0.0.1:$ZM_SM_PORT,
#                             every message relayed to the sink, the
#                             milter lines of contrib/sendmail/zombie-milter.mc
#                             with S= pointed at inet:MILTER@127.0.0.1
#                             (none if MILTER is "none"), the MC-LINEs
#                             added; starts it; it is stopped at exit
#   zm_sendmail_stop
#   zm_sm_send LABEL ADDR COUNT [smtpclient.py options]
#                             one session from ADDR (a loopback address
#                             such as 127.0.0.7: Sendmail has no XCLIENT,
#                             the client binds to it); reply lines to
#                             $T/replies as zm_send does
#   zm_sm_queue_count         messages in the private queue
#   zm_sendmail_diag          the SMTP traffic log and the queue, with diag
#   zm_sm_fail_setup MSG      a set-up step failed: MSG, the milters' logs
#                             ($T/*.log), Sendmail's (and a running private
#                             Postfix's) diagnosis, exit 1
#
# Pitfalls handled here (see the issue that brought it): the binary is
# setgid, so the loader would ignore LD_LIBRARY_PATH (the extracted
# libwrap): a copy without the bit is run; Sendmail sleeps 60 s at start
# when the host name has no dot: it runs in a UTS namespace of its own
# named relay.zm-test.example; OSTYPE(linux), not debian (absolute paths
# under /etc/mail); private queue, pid, status, help files and service
# switch (hosts from files: no DNS at all); DontBlameSendmail for the
# sticky /tmp; the default MSA on port 587 is off.  SASL: Sendmail clears
# its environment, so SASL_CONF_PATH is ignored; it runs in a mount
# namespace of its own in which a copy of the SASL plugin directory, with
# a Sendmail.conf pointing at a private sasldb (written with Perl's
# DB_File: Berkeley DB, as libsasl2's sasldb plugin reads it), is bound
# over the system's.  Nothing listens or connects beyond loopback.

ZM_SM_CACHE=${ZM_SM_CACHE:-/var/tmp/zm-sendmail}
ZM_SM_DIR=$T/sendmail
ZM_SM_HOSTNAME=relay.zm-test.example
ZM_SM_PKGS=(sendmail-bin sendmail-cf sendmail-base libwrap0)

zm_sendmail_install() {
    local root=$ZM_SM_CACHE/root d
    [ -x "$ZM_SM_CACHE/sendmail" ] && [ -f "$root/usr/share/sendmail/cf/m4/cf.m4" ] &&
        return 0
    mkdir -p "$ZM_SM_CACHE/deb" || return 1
    rm -rf "$root" "$ZM_SM_CACHE"/deb/*.deb
    if ! (cd "$ZM_SM_CACHE/deb" && apt-get download "${ZM_SM_PKGS[@]}") \
        >"$ZM_SM_CACHE/download.out" 2>&1; then
        # no package lists yet: fetch them, once
        apt-get update -qq >>"$ZM_SM_CACHE/download.out" 2>&1
        (cd "$ZM_SM_CACHE/deb" && apt-get download "${ZM_SM_PKGS[@]}") \
            >>"$ZM_SM_CACHE/download.out" 2>&1 || {
            diag "apt-get download ${ZM_SM_PKGS[*]} failed:"
            diag "$(cat "$ZM_SM_CACHE/download.out")"
            return 1
        }
    fi
    for d in "$ZM_SM_CACHE"/deb/*.deb; do
        dpkg -x "$d" "$root" || return 1
    done
    # a copy without the setgid bit, so that LD_LIBRARY_PATH counts
    cp "$root/usr/libexec/sendmail/sendmail" "$ZM_SM_CACHE/sendmail.new" &&
        chmod 0755 "$ZM_SM_CACHE/sendmail.new" &&
        mv "$ZM_SM_CACHE/sendmail.new" "$ZM_SM_CACHE/sendmail"
}

# the milter lines of contrib/sendmail/zombie-milter.mc, S= at port $1
# ("none": no milter), F=T dropped when ZM_SM_NO_TEMPFAIL is set
zm__sm_milter_mc() {
    [ "$1" = none ] && return 0
    sed -e "s/S=inet:8895@127\.0\.0\.1/S=inet:$1@127.0.0.1/" \
        ${ZM_SM_NO_TEMPFAIL:+-e 's/F=T, //'} \
        "$ZM_TOP/contrib/sendmail/zombie-milter.mc"
}

# the private SASL set-up for ZM_SM_SASL_USERS: prints the mount to
# make, "PRIVATE-DIR SYSTEM-DIR"
zm__sm_sasl() {
    local sys dir=$ZM_SM_DIR/sasl2
    sys=$(ls -d /usr/lib/*/sasl2 2>/dev/null | head -1)
    [ -n "$sys" ] || { diag "no SASL plugin directory (libsasl2-modules)"; return 1; }
    mkdir -p "$dir"
    cp -a "$sys"/. "$dir"/
    printf '%s\n' 'pwcheck_method: auxprop' 'auxprop_plugin: sasldb' \
        'mech_list: PLAIN LOGIN' "sasldb_path: $ZM_SM_DIR/sasldb2" \
        >"$dir/Sendmail.conf"
    # the keys libsasl2's sasldb plugin looks up: user NUL realm NUL
    # property; the realm is the server's name
    perl -MDB_File -MFcntl -e '
        my ($path, $realm, @users) = @ARGV;
        tie my %db, "DB_File", $path, O_RDWR | O_CREAT, 0600, $DB_HASH
            or die "$path: $!\n";
        for (@users) {
            my ($u, $p) = split /:/, $_, 2;
            $db{"$u\0$realm\0userPassword"} = $p;
        }
        untie %db;' "$ZM_SM_DIR/sasldb2" "$ZM_SM_HOSTNAME" $ZM_SM_SASL_USERS ||
        return 1
    chmod 600 "$ZM_SM_DIR/sasldb2"
    printf '%s %s\n' "$dir" "$sys"
}

zm_sendmail_start() {
    local milter=$1 cf=$ZM_SM_CACHE/root/usr/share/sendmail/cf l mnt=
    local sasl=()
    shift
    if [ -z "${ZM_SINK_PORT:-}" ]; then
        diag "zm_sendmail_start: start the sink first"; return 1
    fi
    zm_sendmail_install || return 1
    ZM_SM_PORT=$(zm_free_port)
    mkdir -p "$ZM_SM_DIR/mqueue"
    chmod 755 "$ZM_SM_DIR"
    chmod 700 "$ZM_SM_DIR/mqueue"
    printf '%s\n' ${ZM_SM_LOCAL_DOMAINS:-} >"$ZM_SM_DIR/local-host-names"
    : >"$ZM_SM_DIR/relay-domains"
    : >"$ZM_SM_DIR/statistics"
    : >"$ZM_SM_DIR/helpfile"
    printf 'hosts\tfiles\naliases\tfiles\n' >"$ZM_SM_DIR/service.switch"
    {
        cat <<EOF
divert(-1)
# private test instance, written by t/lib/sendmail.sh
divert(0)dnl
OSTYPE(\`linux')dnl
define(\`confCW_FILE', \`-o $ZM_SM_DIR/local-host-names')dnl
define(\`confCR_FILE', \`-o $ZM_SM_DIR/relay-domains')dnl
define(\`QUEUE_DIR', \`$ZM_SM_DIR/mqueue')dnl
define(\`confPID_FILE', \`$ZM_SM_DIR/sendmail.pid')dnl
define(\`STATUS_FILE', \`$ZM_SM_DIR/statistics')dnl
define(\`HELP_FILE', \`$ZM_SM_DIR/helpfile')dnl
undefine(\`ALIAS_FILE')dnl
define(\`confSERVICE_SWITCH_FILE', \`$ZM_SM_DIR/service.switch')dnl
define(\`confDONT_PROBE_INTERFACES', \`True')dnl
define(\`confBIND_OPTS', \`-DNSRCH -DEFNAMES')dnl
define(\`confDONT_BLAME_SENDMAIL', \`GroupWritableDirPathSafe,TrustStickyBit')dnl
define(\`SMART_HOST', \`[127.0.0.1]')dnl
define(\`RELAY_MAILER_ARGS', \`TCP \$h $ZM_SINK_PORT')dnl
define(\`ESMTP_MAILER_ARGS', \`TCP \$h $ZM_SINK_PORT')dnl
define(\`confTO_QUEUERETURN', \`1h')dnl
FEATURE(\`no_default_msa')dnl
FEATURE(\`use_cw_file')dnl
FEATURE(\`accept_unresolvable_domains')dnl
FEATURE(\`accept_unqualified_senders')dnl
DAEMON_OPTIONS(\`Port=$ZM_SM_PORT, Addr=127.0.0.1, Name=MTA, Listen=256')dnl
RELAY_DOMAIN(\`127')dnl
EOF
        zm__sm_milter_mc "$milter"
        if [ -n "${ZM_SM_SASL_USERS:-}" ]; then
            echo "define(\`confAUTH_MECHANISMS', \`PLAIN LOGIN')dnl"
            echo "TRUST_AUTH_MECH(\`PLAIN LOGIN')dnl"
        fi
        for l in "$@"; do printf '%s\n' "$l"; done
        echo "MAILER(\`local')dnl"
        echo "MAILER(\`smtp')dnl"
    } >"$ZM_SM_DIR/sendmail.mc"
    if ! m4 -D_CF_DIR_="$cf/" "$cf/m4/cf.m4" "$ZM_SM_DIR/sendmail.mc" \
        >"$ZM_SM_DIR/sendmail.cf" 2>"$ZM_SM_DIR/m4.out"; then
        diag "m4 failed on $ZM_SM_DIR/sendmail.mc:"
        diag "$(cat "$ZM_SM_DIR/m4.out")"
        return 1
    fi
    if [ -n "${ZM_SM_SASL_USERS:-}" ]; then
        read -r -a sasl < <(zm__sm_sasl) && [ ${#sasl[@]} = 2 ] ||
            { diag "the private SASL set-up failed"; return 1; }
        mnt="mount --bind '${sasl[0]}' '${sasl[1]}' &&"
    fi
    zm_cleanups+=("zm_sendmail_stop")
    LD_LIBRARY_PATH=$ZM_SM_CACHE/root/usr/lib/x86_64-linux-gnu \
        zm_bg unshare --uts --mount sh -c "$mnt hostname $ZM_SM_HOSTNAME &&
            exec '$ZM_SM_CACHE/sendmail' -C '$ZM_SM_DIR/sendmail.cf' -bD \
            -X '$ZM_SM_DIR/traffic.log'" >"$ZM_SM_DIR/start.out" 2>&1
    ZM_SM_PID=$!
    if ! zm_port_listening "$ZM_SM_PORT" 15; then
        diag "sendmail not listening on 127.0.0.1:$ZM_SM_PORT:"
        diag "$(cat "$ZM_SM_DIR/start.out")"
        return 1
    fi
}

zm_sendmail_stop() {
    [ -n "${ZM_SM_PID:-}" ] || return 0
    kill -TERM "$ZM_SM_PID" 2>/dev/null
    pkill -TERM -f -- "-C $ZM_SM_DIR/sendmail.cf" 2>/dev/null
    wait "$ZM_SM_PID" 2>/dev/null
    ZM_SM_PID=
    return 0
}

zm_sm_send() {
    local label=$1 addr=$2 count=$3 out
    shift 3
    if ! out=$(python3 "$ZM_TOP/t/lib/smtpclient.py" --port "$ZM_SM_PORT" \
        --bind "$addr" --count "$count" --label "$label" "$@" \
        2>"$T/client.err"); then
        diag "client $label ($addr) failed: $(cat "$T/client.err")"
    fi
    printf '%s\n' "$out" >>"$T/replies"
}

zm_sm_queue_count() {
    find "$ZM_SM_DIR/mqueue" -type f -name 'qf*' | wc -l
}

zm_sendmail_diag() {
    diag "--- sendmail SMTP traffic ($ZM_SM_DIR/traffic.log, last 60 lines):"
    diag "$(tail -60 "$ZM_SM_DIR/traffic.log" 2>/dev/null)"
    diag "--- sendmail start-up output:"
    diag "$(cat "$ZM_SM_DIR/start.out" 2>/dev/null)"
    diag "--- sendmail queue: $(zm_sm_queue_count) messages"
}

zm_sm_fail_setup() {
    local f
    diag "$1"
    for f in "$T"/*.log; do
        [ -f "$f" ] && diag "$f:" && diag "$(cat "$f")"
    done
    zm_sendmail_diag
    [ -f "${ZM_PF_CONF:-}/main.cf" ] && zm_postfix_diag
    exit 1
}
