/*
 * config -- loading and checking the configuration.  See config.h.
 *
 * The options are declared once, in the tables below, with their type,
 * default and bounds; one validation callback per kind checks them while
 * libconfuse parses, so a bad value is reported on its own line.  The
 * defaults here are the ones etc/zombie-milter.conf documents.
 */
#include "zmconfig.h"

#include <confuse.h>
#include <openssl/evp.h>
#include <errno.h>
#include <stddef.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>
#include <unistd.h>

#include "behaviour.h"
#include "config.h"
#include "conftext.h"

#define DISTINCT_MAX	CONFIG_DISTINCT_MAX

/* Integer options and their bounds, top level and in window sections. */
struct int_bound {
	const char *name;
	long min, max;
};

static const struct int_bound int_bounds[] = {
	{ "ipv4_prefix", 8, 32 },
	{ "ipv6_prefix", 16, 128 },
	{ "threshold_tag", 0, 100000 },
	{ "threshold_tempfail", 0, 100000 },
	{ "threshold_reject", 0, 100000 },
	{ "threshold_quarantine", 0, 100000 },
	{ "quarantine_time", 60, 2592000 },
	{ "max_hosts", 100, 10000000 },
	{ "redis_db", 0, 1000 },
	/* A call may wait for a connection, connect, set it up and ask:
	 * C + 3T, which these bounds keep under 8 s (sendmail's R timeout
	 * is 10 s, Postfix's milter_command_timeout 30 s). */
	{ "redis_connect_timeout_ms", 10, 2000 },
	{ "redis_timeout_ms", 10, 2000 },
	{ "redis_connections", 1, 256 },
	{ "event_stream_max", 100, 100000000 },
	{ "event_ttl", 60, 31536000 },
	{ "dns_budget_ms", 10, 10000 },
	{ "dns_cache_size", 16, 10000000 },
	{ "dns_max_queries", 16, 1000000 },
	{ "dns_health_interval", 0, 86400 },
	{ "length", 10, 604800 },
	{ "buckets", 1, WINDOW_BUCKETS_MAX },
	{ "messages", 0, 1000000000 },
	{ "recipients", 0, 1000000000 },
	{ "points", 0, 100000 },
};

/* The signals' integer options: default, bounds, where they go. */
struct sig_int {
	const char *name;
	long def, min, max;
	size_t offset;		/* in struct config_signals */
};

#define SIG(name, def, min, max) \
	{ #name, def, min, max, offsetof(struct config_signals, name) }
#define SIG_POINTS(name, def)	SIG(name, def, 0, 100000)

static const struct sig_int sig_ints[] = {
	SIG(spf_budget_ms, 500, 50, 5000),
	SIG_POINTS(spf_fail_points, 30),
	SIG_POINTS(spf_softfail_points, 10),
	SIG_POINTS(helo_ip_points, 15),
	SIG_POINTS(helo_not_fqdn_points, 10),
	SIG_POINTS(helo_self_points, 40),
	SIG_POINTS(helo_freemail_points, 40),
	SIG(behaviour_window_s, 3600, 60, 86400),
	SIG(rcpt_domains_per_message, 50, 0, DOMAIN_SET_MAX - 1),
	SIG_POINTS(rcpt_domains_per_message_points, 10),
	SIG(rcpt_domains_per_window, 300, 0, DISTINCT_MAX - 1),
	SIG_POINTS(rcpt_domains_per_window_points, 20),
	SIG(rejected_rcpts_min, 5, 1, 10000),
	SIG(rejected_rcpts_percent, 50, 0, 100),
	SIG_POINTS(rejected_rcpts_points, 30),
	SIG(from_domains_per_window, 5, 0, DISTINCT_MAX - 1),
	SIG_POINTS(from_domains_per_window_points, 40),
	SIG(refused_per_window, 20, 0, 100000),
	SIG_POINTS(refused_points, 70),
	SIG(host_logins_per_window, 15, 0, DISTINCT_MAX - 1),
	SIG_POINTS(host_logins_points, 50),
	SIG(user_networks_per_window, 6, 0, DISTINCT_MAX - 1),
	SIG_POINTS(user_networks_points, 50),
	SIG(user_networks_ipv4_prefix, 24, 8, 32),
	SIG(user_networks_ipv6_prefix, 48, 16, 128),
	SIG(prefix_hosts_per_window, 8, 0, DISTINCT_MAX - 1),
	SIG_POINTS(prefix_hosts_points, 50),
	SIG(prefix_rate_factor, 2, 1, 1000),
	SIG(bulk_window_s, 3600, 60, 86400),
	SIG(bulk_host_recipients, 500, 0, 1000000000),
	SIG_POINTS(bulk_host_points, 20),
	SIG(bulk_hosts, 5, 0, 100),	/* the embedded store counts 128 */
	SIG_POINTS(bulk_hosts_points, 40),
};

/* The option's name: the field's, but windows are given in seconds
 * without saying so, like quarantine_time. */
static const char *
sig_option(const struct sig_int *s, char *buf, size_t len)
{
	size_t n = strlen(s->name);

	if (n > 2 && strcmp(s->name + n - 2, "_s") == 0)
		n -= 2;
	snprintf(buf, len, "%.*s", (int)n, s->name);
	return buf;
}

/* String options that take one of a few words. */
struct word_choice {
	const char *option;
	const char *word;
	int value;
};

static const struct word_choice word_choices[] = {
	{ "mode", "enforce", CONFIG_MODE_ENFORCE },
	{ "mode", "monitor", CONFIG_MODE_MONITOR },
	{ "log_level", "error", LOG_ERR },
	{ "log_level", "warning", LOG_WARNING },
	{ "log_level", "notice", LOG_NOTICE },
	{ "log_level", "info", LOG_INFO },
	{ "log_level", "debug", LOG_DEBUG },
	{ "redis_fallback", "local", CONFIG_FALLBACK_LOCAL },
	{ "redis_fallback", "accept", CONFIG_FALLBACK_ACCEPT },
	{ "redis_fallback", "tempfail", CONFIG_FALLBACK_TEMPFAIL },
	{ "type", "ip", DNSBL_KIND_IP },
	{ "type", "domain", DNSBL_KIND_DOMAIN },
};

static const struct config_window default_windows[] = {
	{ "1m", { 60, 6 }, 30, 500, 50 },
	{ "1h", { 3600, 12 }, 300, 2000, 80 },
	{ "24h", { 86400, 24 }, 2000, 10000, 100 },
};

static int validate_int(cfg_t *cfg, cfg_opt_t *opt);
static int validate_word(cfg_t *cfg, cfg_opt_t *opt);
static int validate_exempt(cfg_t *cfg, cfg_opt_t *opt);
static int validate_delegations(cfg_t *cfg, cfg_opt_t *opt);
static int validate_reply(cfg_t *cfg, cfg_opt_t *opt);
static int validate_socket(cfg_t *cfg, cfg_opt_t *opt);
static int validate_socket_mode(cfg_t *cfg, cfg_opt_t *opt);
static int validate_window(cfg_t *cfg, cfg_opt_t *opt);
static int validate_redis(cfg_t *cfg, cfg_opt_t *opt);
static int validate_listen(cfg_t *cfg, cfg_opt_t *opt);
static int validate_token(cfg_t *cfg, cfg_opt_t *opt);
static int validate_secret_file(cfg_t *cfg, cfg_opt_t *opt);
static int validate_dnsbl(cfg_t *cfg, cfg_opt_t *opt);
static int validate_codes(cfg_t *cfg, cfg_opt_t *opt);
static int validate_forwarders(cfg_t *cfg, cfg_opt_t *opt);
static int validate_domains(cfg_t *cfg, cfg_opt_t *opt);

static cfg_opt_t dnsbl_opts[] = {
	CFG_STR("type", "ip", CFGF_NONE),
	CFG_STR_LIST("codes", "{}", CFGF_NONE),
	CFG_END()
};

static cfg_opt_t window_opts[] = {
	CFG_INT("length", 60, CFGF_NONE),
	CFG_INT("buckets", 6, CFGF_NONE),
	CFG_INT("messages", 0, CFGF_NONE),
	CFG_INT("recipients", 0, CFGF_NONE),
	CFG_INT("points", 0, CFGF_NONE),
	CFG_END()
};

static cfg_opt_t top_opts[] = {
	CFG_STR("socket", "inet:8895@127.0.0.1", CFGF_NONE),
	CFG_STR("socket_mode", "0660", CFGF_NONE),
	CFG_STR("socket_group", "", CFGF_NONE),
	CFG_STR("user", "", CFGF_NONE),
	CFG_STR("pid_file", "", CFGF_NONE),
	CFG_STR("metrics_listen", "", CFGF_NONE),
	CFG_STR("log_level", "info", CFGF_NONE),
	CFG_STR("mode", "enforce", CFGF_NONE),
	CFG_INT("ipv4_prefix", 32, CFGF_NONE),
	CFG_INT("ipv6_prefix", 64, CFGF_NONE),
	CFG_STR_LIST("exempt", "{127.0.0.0/8, ::1/128}", CFGF_NONE),
	CFG_STR_LIST("delegated_prefixes", "{\"::/0 56\"}", CFGF_NONE),
	CFG_SEC("window", window_opts, CFGF_MULTI | CFGF_TITLE | CFGF_NO_TITLE_DUPES),
	CFG_INT("threshold_tag", 20, CFGF_NONE),
	CFG_INT("threshold_tempfail", 50, CFGF_NONE),
	CFG_INT("threshold_reject", 80, CFGF_NONE),
	CFG_INT("threshold_quarantine", 120, CFGF_NONE),
	CFG_INT("quarantine_time", 86400, CFGF_NONE),
	CFG_STR("support_url", "https://www.example.net/support/zombie", CFGF_NONE),
	CFG_STR("reply_tempfail",
	    "Too much mail from your connection, try again later; see %u",
	    CFGF_NONE),
	CFG_STR("reply_reject",
	    "Message refused: your connection looks like a spam source; see %u",
	    CFGF_NONE),
	CFG_STR("reply_quarantine",
	    "Your connection is quarantined for sending spam, "
	    "your computer may be infected; see %u", CFGF_NONE),
	CFG_INT("max_hosts", 100000, CFGF_NONE),
	CFG_STR("redis", "", CFGF_NONE),
	CFG_INT("redis_db", 0, CFGF_NONE),
	CFG_STR("redis_user", "", CFGF_NONE),
	CFG_STR("redis_password", "", CFGF_NONE),
	CFG_STR("redis_password_file", "", CFGF_NONE),
	CFG_STR("redis_prefix", "zm:", CFGF_NONE),
	CFG_INT("redis_connect_timeout_ms", 250, CFGF_NONE),
	CFG_INT("redis_timeout_ms", 250, CFGF_NONE),
	CFG_STR("redis_fallback", "local", CFGF_NONE),
	CFG_INT("redis_connections", 8, CFGF_NONE),
	CFG_INT("event_stream_max", 10000, CFGF_NONE),
	CFG_INT("event_ttl", 604800, CFGF_NONE),
	CFG_STR("hmac_key_file", "", CFGF_NONE),
	CFG_STR("relay_name", "", CFGF_NONE),
	CFG_SEC("dnsbl", dnsbl_opts, CFGF_MULTI | CFGF_TITLE | CFGF_NO_TITLE_DUPES),
	CFG_STR_LIST("dns_forwarders", "{}", CFGF_NONE),
	CFG_INT("dns_budget_ms", 300, CFGF_NONE),
	CFG_INT("dns_cache_size", 20000, CFGF_NONE),
	CFG_INT("dns_max_queries", 4096, CFGF_NONE),
	CFG_INT("dns_health_interval", 300, CFGF_NONE),
	CFG_BOOL("spf", cfg_true, CFGF_NONE),
	CFG_STR_LIST("freemail_domains", "{gmail.com, googlemail.com, "
	    "yahoo.com, hotmail.com, outlook.com, live.com, aol.com, "
	    "icloud.com, mail.ru, yandex.ru, gmx.net, gmx.de, web.de}",
	    CFGF_NONE),
	CFG_BOOL("bulk", cfg_true, CFGF_NONE),
	/* sig_ints[] follow, added by config_load() */
	CFG_END()
};

#define NSIG_INTS	(sizeof(sig_ints) / sizeof(sig_ints[0]))
#define NTOP_OPTS	(sizeof(top_opts) / sizeof(top_opts[0]))

/*
 * Report as FILE:LINE: option: reason.  Our validators already say
 * "option: reason"; libconfuse's own messages name the option inside
 * quotes ("no such option 'foo'"), so pull it to the front.  libconfuse
 * gives the error function no user pointer, hence the per-thread buffer.
 */
static __thread char *error_buf;
static __thread size_t error_len;
static __thread const char *error_path;
/* config_reload(): the config in force, whose secrets may serve again. */
static __thread const struct config *reload_running;

static void
error_func(cfg_t *cfg, const char *fmt, va_list ap)
{
	char msg[512], name[128];
	const char *q, *e;
	size_t n;

	vsnprintf(msg, sizeof(msg), fmt, ap);
	if (strchr(msg, ':') == NULL && (q = strstr(msg, "option '")) != NULL &&
	    (e = strchr(q + 8, '\'')) != NULL) {
		n = (size_t)(e - (q + 8));
		if (n >= sizeof(name))
			n = sizeof(name) - 1;
		memcpy(name, q + 8, n);
		name[n] = '\0';
		snprintf(error_buf, error_len, "%s:%d: %s: %s", error_path,
		    cfg->line, name, strncmp(msg, "no such option", 14) == 0
		    ? "unknown option" : msg);
	} else if (strchr(msg, ':') != NULL) {
		snprintf(error_buf, error_len, "%s:%d: %s", error_path,
		    cfg->line, msg);
	} else {
		snprintf(error_buf, error_len, "%s:%d: syntax: %s", error_path,
		    cfg->line, msg);
	}
}

/* A list or section given more than max times: say so, as "OPTION: more
 * than MAX WHAT".  True if it was. */
static bool
too_many(cfg_t *cfg, cfg_opt_t *opt, unsigned max, const char *what)
{
	if (cfg_opt_size(opt) <= max)
		return false;
	cfg_error(cfg, "%s: more than %u %s", opt->name, max, what);
	return true;
}

static int
validate_int(cfg_t *cfg, cfg_opt_t *opt)
{
	long v = cfg_opt_getnint(opt, cfg_opt_size(opt) - 1), min = 0, max = 0;
	char name[64];
	bool found = false;
	size_t i;

	for (i = 0; i < sizeof(int_bounds) / sizeof(int_bounds[0]); i++) {
		if (strcmp(int_bounds[i].name, opt->name) == 0) {
			min = int_bounds[i].min;
			max = int_bounds[i].max;
			found = true;
		}
	}
	for (i = 0; i < sizeof(sig_ints) / sizeof(sig_ints[0]); i++) {
		if (strcmp(sig_option(&sig_ints[i], name, sizeof(name)),
		    opt->name) == 0) {
			min = sig_ints[i].min;
			max = sig_ints[i].max;
			found = true;
		}
	}
	if (found && (v < min || v > max)) {
		cfg_error(cfg, "%s: %ld is out of range %ld..%ld", opt->name, v,
		    min, max);
		return -1;
	}
	return 0;
}

static int
validate_word(cfg_t *cfg, cfg_opt_t *opt)
{
	const char *v = cfg_opt_getnstr(opt, 0);
	char allowed[128] = "";
	size_t i;

	for (i = 0; i < sizeof(word_choices) / sizeof(word_choices[0]); i++) {
		if (strcmp(word_choices[i].option, opt->name) != 0)
			continue;
		if (v != NULL && strcmp(word_choices[i].word, v) == 0)
			return 0;
		if (allowed[0] != '\0')
			strncat(allowed, ", ", sizeof(allowed) - strlen(allowed) - 1);
		strncat(allowed, word_choices[i].word,
		    sizeof(allowed) - strlen(allowed) - 1);
	}
	cfg_error(cfg, "%s: \"%s\" is not one of %s", opt->name,
	    v != NULL ? v : "", allowed);
	return -1;
}

static int
validate_exempt(cfg_t *cfg, cfg_opt_t *opt)
{
	struct netaddr_cidr net;
	unsigned i;

	for (i = 0; i < cfg_opt_size(opt); i++) {
		if (!netaddr_parse_cidr(cfg_opt_getnstr(opt, i), &net)) {
			cfg_error(cfg, "%s: \"%s\" is not an address or ADDRESS/PREFIX",
			    opt->name, cfg_opt_getnstr(opt, i));
			return -1;
		}
	}
	return 0;
}

/* "NETWORK/LEN SIZE" into d; false if malformed or SIZE is not within
 * LEN..the family's length (and not 0). */
static bool
parse_delegation(const char *text, struct config_delegation *d)
{
	char net[80], extra;
	unsigned size;

	if (sscanf(text, "%79s %u %c", net, &size, &extra) != 2 ||
	    strchr(net, '/') == NULL || !netaddr_parse_cidr(net, &d->net))
		return false;
	d->size = size;
	return size > 0 && size >= d->net.prefix &&
	    size <= (d->net.addr.family == AF_INET ? 32u : 128u);
}

static int
validate_delegations(cfg_t *cfg, cfg_opt_t *opt)
{
	struct config_delegation d;
	unsigned i;

	if (too_many(cfg, opt, CONFIG_DELEGATIONS_MAX, "ranges"))
		return -1;
	for (i = 0; i < cfg_opt_size(opt); i++) {
		if (!parse_delegation(cfg_opt_getnstr(opt, i), &d)) {
			cfg_error(cfg, "%s: \"%s\" is not \"NETWORK/LEN SIZE\" "
			    "with SIZE from LEN to the address length",
			    opt->name, cfg_opt_getnstr(opt, i));
			return -1;
		}
	}
	return 0;
}

/* Printable ASCII, short, and only %u / %% as placeholders. */
static int
validate_reply(cfg_t *cfg, cfg_opt_t *opt)
{
	const char *v = cfg_opt_getnstr(opt, 0), *p;

	if (strlen(v) > CONFIG_REPLY_MAX) {
		cfg_error(cfg, "%s: longer than %d characters", opt->name,
		    CONFIG_REPLY_MAX);
		return -1;
	}
	for (p = v; *p != '\0'; p++) {
		if ((unsigned char)*p < 0x20 || (unsigned char)*p > 0x7e) {
			cfg_error(cfg, "%s: only printable ASCII is allowed",
			    opt->name);
			return -1;
		}
		if (*p == '%' && strcmp(opt->name, "support_url") != 0) {
			if (p[1] != 'u' && p[1] != '%') {
				cfg_error(cfg, "%s: unknown placeholder %%%c "
				    "(only %%u and %%%%)", opt->name,
				    p[1] != '\0' ? p[1] : ' ');
				return -1;
			}
			p++;
		}
	}
	return 0;
}

bool
config_socket_valid(const char *sock)
{
	static const char *const kinds[] = { "inet:", "inet6:", "unix:",
	    "local:" };
	size_t i;

	for (i = 0; i < sizeof(kinds) / sizeof(kinds[0]); i++)
		if (strncmp(sock, kinds[i], strlen(kinds[i])) == 0 &&
		    sock[strlen(kinds[i])] != '\0')
			return true;
	/* libmilter takes a value without a colon for a unix socket's
	 * path (as Sendmail does); only an absolute one, so that a typo
	 * never becomes a socket file in the current directory. */
	return sock[0] == '/' && sock[1] != '\0' && strchr(sock, ':') == NULL;
}

const char *
config_socket_path(const char *sock)
{
	if (strncmp(sock, "unix:", 5) == 0)
		return sock + 5;
	if (strncmp(sock, "local:", 6) == 0)
		return sock + 6;
	if (sock[0] == '/' && strchr(sock, ':') == NULL)
		return sock;
	return NULL;
}

static int
validate_socket(cfg_t *cfg, cfg_opt_t *opt)
{
	const char *v = cfg_opt_getnstr(opt, 0);

	if (config_socket_valid(v))
		return 0;
	cfg_error(cfg, "%s: \"%s\" is not %s", opt->name, v,
	    CONFIG_SOCKET_FORMS);
	return -1;
}

/* "0660", "660": an octal mode of at most 0777; (unsigned)-1 if not. */
static unsigned
socket_mode_value(const char *v)
{
	size_t n = strlen(v);

	if (n < 3 || n > 4 || strspn(v, "01234567") != n ||
	    (n == 4 && v[0] != '0'))
		return (unsigned)-1;
	return (unsigned)strtoul(v, NULL, 8);
}

static int
validate_socket_mode(cfg_t *cfg, cfg_opt_t *opt)
{
	const char *v = cfg_opt_getnstr(opt, 0);

	if (socket_mode_value(v) != (unsigned)-1)
		return 0;
	cfg_error(cfg, "%s: \"%s\" is not an octal mode from 000 to 0777, "
	    "such as \"0660\"", opt->name, v);
	return -1;
}

static int
validate_window(cfg_t *cfg, cfg_opt_t *opt)
{
	cfg_t *w = cfg_opt_getnsec(opt, cfg_opt_size(opt) - 1);
	const char *name = cfg_title(w);
	long length = cfg_getint(w, "length"), buckets = cfg_getint(w, "buckets");

	if (too_many(cfg, opt, CONFIG_WINDOWS_MAX, "windows"))
		return -1;
	if (name == NULL || name[0] == '\0' ||
	    strlen(name) >= CONFIG_WINDOW_NAME_MAX ||
	    strspn(name, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
	    "0123456789_") != strlen(name)) {
		cfg_error(cfg, "window: name \"%s\" must be 1..%d letters, digits "
		    "or _", name != NULL ? name : "", CONFIG_WINDOW_NAME_MAX - 1);
		return -1;
	}
	if (length % buckets != 0) {
		cfg_error(cfg, "window: \"%s\": length %ld does not divide into "
		    "%ld buckets", name, length, buckets);
		return -1;
	}
	return 0;
}

bool
config_redis_address(const char *spec, struct config_redis_addr *out)
{
	const char *colon, *host = spec, *end;
	char *stop;
	size_t hlen;
	long port;

	memset(out, 0, sizeof(*out));
	if (strncmp(spec, "unix:", 5) == 0) {
		out->is_unix = true;
		return spec[5] == '/' &&
		    snprintf(out->path, sizeof(out->path), "%s", spec + 5) <
		    (int)sizeof(out->path);
	}
	if (*spec == '[') {
		host = spec + 1;
		if ((end = strchr(host, ']')) == NULL || end[1] != ':')
			return false;
		colon = end + 1;
	} else {
		if ((colon = strrchr(spec, ':')) == NULL ||
		    strchr(spec, ':') != colon)
			return false;
		end = colon;
	}
	hlen = (size_t)(end - host);
	if (hlen == 0 || hlen >= sizeof(out->host) ||
	    colon[1] < '0' || colon[1] > '9')
		return false;
	port = strtol(colon + 1, &stop, 10);
	if (*stop != '\0' || port < 1 || port > 65535)
		return false;
	memcpy(out->host, host, hlen);
	out->host[hlen] = '\0';
	out->port = (int)port;
	return true;
}

static int
validate_redis(cfg_t *cfg, cfg_opt_t *opt)
{
	const char *v = cfg_opt_getnstr(opt, 0);
	struct config_redis_addr addr;

	if (*v == '\0' || config_redis_address(v, &addr))
		return 0;
	cfg_error(cfg, "%s: \"%s\" is not HOST:PORT, [IPV6]:PORT or "
	    "unix:/PATH", opt->name, v);
	return -1;
}

bool
config_listen_address(const char *spec, struct config_redis_addr *out)
{
	struct netaddr addr;

	return strncmp(spec, "unix:", 5) != 0 &&
	    config_redis_address(spec, out) && netaddr_parse(out->host, &addr);
}

static int
validate_listen(cfg_t *cfg, cfg_opt_t *opt)
{
	const char *v = cfg_opt_getnstr(opt, 0);
	struct config_redis_addr addr;

	if (*v == '\0' || config_listen_address(v, &addr))
		return 0;
	cfg_error(cfg, "%s: \"%s\" is not ADDRESS:PORT or [IPV6-ADDRESS]:PORT "
	    "(an address, not a name)", opt->name, v);
	return -1;
}

/* Key prefixes and names that end up in keys, events and logs. */
static int
validate_token(cfg_t *cfg, cfg_opt_t *opt)
{
	const char *v = cfg_opt_getnstr(opt, 0);

	if (strlen(v) <= 64 && strspn(v, "abcdefghijklmnopqrstuvwxyz"
	    "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789:._-") == strlen(v))
		return 0;
	cfg_error(cfg, "%s: \"%s\" must be at most 64 letters, digits or "
	    ":._-", opt->name, v);
	return -1;
}

/*
 * Read a secret file: its first line (a password), or all of it (a key)
 * without trailing newlines.  Returns the length, or -1 with the reason
 * in why.
 */
static long
read_secret(const char *path, bool first_line, unsigned char *buf,
    size_t len, char *why, size_t whylen)
{
	const struct config *r = reload_running;
	unsigned char *nl;
	FILE *f = fopen(path, "r");
	size_t n;

	/* A reload after root was given up: the secret read at start-up
	 * from the same file still holds. */
	if (f == NULL && errno == EACCES && r != NULL && first_line &&
	    strcmp(path, r->redis_password_file) == 0 &&
	    strlen(r->redis_password) < len) {
		memcpy(buf, r->redis_password, strlen(r->redis_password));
		return (long)strlen(r->redis_password);
	}
	if (f == NULL && errno == EACCES && r != NULL && !first_line &&
	    strcmp(path, r->hmac_key_file) == 0 && r->hmac_key_len < len) {
		memcpy(buf, r->hmac_key, r->hmac_key_len);
		return (long)r->hmac_key_len;
	}
	if (f == NULL) {
		snprintf(why, whylen, "cannot read %s: %s", path, strerror(errno));
		return -1;
	}
	n = fread(buf, 1, len, f);
	if (n == len) {
		snprintf(why, whylen, "%s is longer than %zu bytes", path,
		    len - 1);
		fclose(f);
		return -1;
	}
	fclose(f);
	if (first_line && (nl = memchr(buf, '\n', n)) != NULL)
		n = (size_t)(nl - buf);
	while (n > 0 && (buf[n - 1] == '\n' || buf[n - 1] == '\r'))
		n--;
	if (n == 0) {
		snprintf(why, whylen, "%s is empty", path);
		return -1;
	}
	return (long)n;
}

static int
validate_secret_file(cfg_t *cfg, cfg_opt_t *opt)
{
	unsigned char buf[CONFIG_SECRET_MAX];
	const char *v = cfg_opt_getnstr(opt, 0);
	char why[512];

	if (*v == '\0' || read_secret(v, strcmp(opt->name, "hmac_key_file") != 0,
	    buf, sizeof(buf), why, sizeof(why)) >= 0)
		return 0;
	cfg_error(cfg, "%s: %s", opt->name, why);
	return -1;
}

static int
validate_codes(cfg_t *cfg, cfg_opt_t *opt)
{
	struct dnsbl_code code;
	char why[256];
	unsigned i;

	if (too_many(cfg, opt, DNSBL_CODES_MAX, "codes"))
		return -1;
	for (i = 0; i < cfg_opt_size(opt); i++) {
		if (!dnsbl_parse_code(cfg_opt_getnstr(opt, i), &code, why,
		    sizeof(why))) {
			cfg_error(cfg, "%s: %s", opt->name, why);
			return -1;
		}
	}
	return 0;
}

static int
validate_dnsbl(cfg_t *cfg, cfg_opt_t *opt)
{
	cfg_t *z = cfg_opt_getnsec(opt, cfg_opt_size(opt) - 1);
	const char *name = cfg_title(z);
	char probe[600];

	if (too_many(cfg, opt, DNSBL_ZONES_MAX, "zones"))
		return -1;
	if (name == NULL || strlen(name) >= DNSBL_ZONE_MAX ||
	    !dnsbl_domain_qname(name, "x", probe, sizeof(probe)) ||
	    strchr(name, '_') != NULL) {
		cfg_error(cfg, "dnsbl: \"%s\" is not a DNS zone name",
		    name != NULL ? name : "");
		return -1;
	}
	return 0;
}

static int
validate_forwarders(cfg_t *cfg, cfg_opt_t *opt)
{
	struct netaddr addr;
	char host[64], *at;
	unsigned i;
	long port;

	if (too_many(cfg, opt, 8, "forwarders"))
		return -1;
	for (i = 0; i < cfg_opt_size(opt); i++) {
		snprintf(host, sizeof(host), "%s", cfg_opt_getnstr(opt, i));
		port = 53;
		if ((at = strchr(host, '@')) != NULL) {
			*at = '\0';
			port = strtol(at + 1, &at, 10);
		}
		if (!netaddr_parse(host, &addr) || (at != NULL && *at != '\0') ||
		    port < 1 || port > 65535) {
			cfg_error(cfg, "%s: \"%s\" is not ADDRESS or ADDRESS@PORT",
			    opt->name, cfg_opt_getnstr(opt, i));
			return -1;
		}
	}
	return 0;
}

static void
set_validators(cfg_t *cfg)
{
	static const char *const words[] = { "mode", "log_level",
	    "redis_fallback", "dnsbl|type" };
	static const char *const tokens[] = { "redis_prefix", "relay_name",
	    "redis_user", "socket_group" };
	static const char *const secrets[] = { "redis_password_file",
	    "hmac_key_file" };
	static const char *const replies[] = { "support_url", "reply_tempfail",
	    "reply_reject", "reply_quarantine" };
	size_t i;
	char path[64];

	for (i = 0; i < sizeof(int_bounds) / sizeof(int_bounds[0]); i++) {
		if (cfg_getopt(cfg, int_bounds[i].name) != NULL) {
			cfg_set_validate_func(cfg, int_bounds[i].name, validate_int);
		} else {
			snprintf(path, sizeof(path), "window|%s", int_bounds[i].name);
			cfg_set_validate_func(cfg, path, validate_int);
		}
	}
	for (i = 0; i < NSIG_INTS; i++)
		cfg_set_validate_func(cfg, sig_option(&sig_ints[i], path,
		    sizeof(path)), validate_int);
	for (i = 0; i < sizeof(words) / sizeof(words[0]); i++)
		cfg_set_validate_func(cfg, words[i], validate_word);
	for (i = 0; i < sizeof(replies) / sizeof(replies[0]); i++)
		cfg_set_validate_func(cfg, replies[i], validate_reply);
	for (i = 0; i < sizeof(tokens) / sizeof(tokens[0]); i++)
		cfg_set_validate_func(cfg, tokens[i], validate_token);
	for (i = 0; i < sizeof(secrets) / sizeof(secrets[0]); i++)
		cfg_set_validate_func(cfg, secrets[i], validate_secret_file);
	cfg_set_validate_func(cfg, "redis", validate_redis);
	cfg_set_validate_func(cfg, "dnsbl", validate_dnsbl);
	cfg_set_validate_func(cfg, "dnsbl|codes", validate_codes);
	cfg_set_validate_func(cfg, "dns_forwarders", validate_forwarders);
	cfg_set_validate_func(cfg, "freemail_domains", validate_domains);
	cfg_set_validate_func(cfg, "exempt", validate_exempt);
	cfg_set_validate_func(cfg, "delegated_prefixes", validate_delegations);
	cfg_set_validate_func(cfg, "socket", validate_socket);
	cfg_set_validate_func(cfg, "metrics_listen", validate_listen);
	cfg_set_validate_func(cfg, "socket_mode", validate_socket_mode);
	cfg_set_validate_func(cfg, "window", validate_window);
}

static int
word_value(const char *option, const char *word)
{
	size_t i;

	for (i = 0; i < sizeof(word_choices) / sizeof(word_choices[0]); i++)
		if (strcmp(word_choices[i].option, option) == 0 &&
		    strcmp(word_choices[i].word, word) == 0)
			return word_choices[i].value;
	return 0;	/* not reached: validated */
}

/* Expand %u to the URL and write every literal % as %% (smfi_setreply). */
static char *
expand_reply(const char *text, const char *url)
{
	size_t len = 1;
	const char *p, *u;
	char *out, *o;

	for (p = text; *p != '\0'; p++)
		len += (*p == '%' && p[1] == 'u') ? 2 * strlen(url) : 2;
	if ((out = malloc(len)) == NULL)
		return NULL;
	for (p = text, o = out; *p != '\0'; p++) {
		if (*p == '%' && p[1] == 'u') {
			for (u = url; *u != '\0'; u++)
				if ((*o++ = *u) == '%')
					*o++ = '%';
			p++;
		} else if (*p == '%') {
			*o++ = '%';
			*o++ = '%';
			p++;
		} else {
			*o++ = *p;
		}
	}
	*o = '\0';
	return out;
}

static void
fill_windows(struct config *c, cfg_t *cfg)
{
	unsigned i, n = cfg_size(cfg, "window");
	cfg_t *w;

	if (n == 0) {
		memcpy(c->windows, default_windows, sizeof(default_windows));
		c->nwindows = sizeof(default_windows) / sizeof(default_windows[0]);
		return;
	}
	for (i = 0; i < n; i++) {
		w = cfg_getnsec(cfg, "window", i);
		snprintf(c->windows[i].name, sizeof(c->windows[i].name), "%s",
		    cfg_title(w));
		c->windows[i].spec.length_s = (unsigned)cfg_getint(w, "length");
		c->windows[i].spec.buckets = (unsigned)cfg_getint(w, "buckets");
		c->windows[i].messages = (unsigned long)cfg_getint(w, "messages");
		c->windows[i].recipients = (unsigned long)cfg_getint(w, "recipients");
		c->windows[i].points = (int)cfg_getint(w, "points");
	}
	c->nwindows = n;
}

static char *
dup_str(cfg_t *cfg, const char *name)
{
	return strdup(cfg_getstr(cfg, name));
}

/* The DNS blocklists and the resolver's options. */
static bool
fill_dns(struct config *c, cfg_t *cfg)
{
	struct dnsbl_zone *z;
	char why[256];
	unsigned i, j;
	cfg_t *sec;

	c->nzones = cfg_size(cfg, "dnsbl");
	for (i = 0; i < c->nzones; i++) {
		sec = cfg_getnsec(cfg, "dnsbl", i);
		z = &c->zones[i];
		snprintf(z->name, sizeof(z->name), "%s", cfg_title(sec));
		z->kind = (enum dnsbl_kind)word_value("type",
		    cfg_getstr(sec, "type"));
		z->ncodes = cfg_size(sec, "codes");
		for (j = 0; j < z->ncodes; j++)
			dnsbl_parse_code(cfg_getnstr(sec, "codes", j),
			    &z->codes[j], why, sizeof(why));
	}
	c->ndns_forwarders = cfg_size(cfg, "dns_forwarders");
	for (i = 0; i < c->ndns_forwarders; i++)
		if ((c->dns_forwarders[i] = strdup(cfg_getnstr(cfg,
		    "dns_forwarders", i))) == NULL)
			return false;
	c->dns_budget_ms = (unsigned)cfg_getint(cfg, "dns_budget_ms");
	c->dns_cache_size = (unsigned)cfg_getint(cfg, "dns_cache_size");
	c->dns_max_queries = (unsigned)cfg_getint(cfg, "dns_max_queries");
	c->dns_health_interval_s = (unsigned)cfg_getint(cfg,
	    "dns_health_interval");
	return true;
}

/* The Redis options; secrets are read from their files (checked already). */
static bool
fill_redis(struct config *c, cfg_t *cfg)
{
	unsigned char secret[CONFIG_SECRET_MAX];
	const char *file;
	char why[512], host[256];
	long n;

	c->redis = dup_str(cfg, "redis");
	c->redis_db = (unsigned)cfg_getint(cfg, "redis_db");
	c->redis_user = dup_str(cfg, "redis_user");
	c->redis_prefix = dup_str(cfg, "redis_prefix");
	c->redis_connect_timeout_ms =
	    (unsigned)cfg_getint(cfg, "redis_connect_timeout_ms");
	c->redis_timeout_ms = (unsigned)cfg_getint(cfg, "redis_timeout_ms");
	c->redis_fallback = (enum config_fallback)word_value("redis_fallback",
	    cfg_getstr(cfg, "redis_fallback"));
	c->redis_connections = (unsigned)cfg_getint(cfg, "redis_connections");
	c->event_stream_max = (unsigned long)cfg_getint(cfg, "event_stream_max");
	c->event_ttl_s = (unsigned)cfg_getint(cfg, "event_ttl");
	file = cfg_getstr(cfg, "redis_password_file");
	c->redis_password_file = strdup(file);
	if (*file != '\0') {
		if ((n = read_secret(file, true, secret, sizeof(secret), why,
		    sizeof(why))) < 0)
			return false;
		c->redis_password = strndup((const char *)secret, (size_t)n);
	} else {
		c->redis_password = dup_str(cfg, "redis_password");
	}
	file = cfg_getstr(cfg, "hmac_key_file");
	c->hmac_key_file = strdup(file);
	if (*file != '\0') {
		if ((n = read_secret(file, false, c->hmac_key,
		    sizeof(c->hmac_key), why, sizeof(why))) < 0)
			return false;
		c->hmac_key_len = (size_t)n;
	}
	c->relay_name = dup_str(cfg, "relay_name");
	if (c->relay_name != NULL && *c->relay_name == '\0' &&
	    gethostname(host, sizeof(host)) == 0) {
		host[sizeof(host) - 1] = '\0';
		free(c->relay_name);
		c->relay_name = strdup(host);
	}
	return c->redis != NULL && c->redis_user != NULL &&
	    c->redis_password_file != NULL && c->hmac_key_file != NULL &&
	    c->redis_prefix != NULL && c->redis_password != NULL &&
	    c->relay_name != NULL;
}

/* Plain domain names ("gmail.com"). */
static int
validate_domains(cfg_t *cfg, cfg_opt_t *opt)
{
	char qname[DNSBL_ZONE_MAX + 300];
	const char *d;
	unsigned i;

	for (i = 0; i < cfg_opt_size(opt); i++) {
		d = cfg_opt_getnstr(opt, i);
		if (strchr(d, '.') == NULL ||
		    !dnsbl_domain_qname(d, "x", qname, sizeof(qname))) {
			cfg_error(cfg, "%s: \"%s\" is not a domain name",
			    opt->name, d);
			return -1;
		}
	}
	return 0;
}

static bool
fill_signals(struct config *c, cfg_t *cfg)
{
	struct config_signals *sig = &c->sig;
	char name[64], *p;
	size_t i;

	sig->spf = cfg_getbool(cfg, "spf");
	sig->bulk = cfg_getbool(cfg, "bulk");
	for (i = 0; i < NSIG_INTS; i++)
		*(unsigned *)((char *)sig + sig_ints[i].offset) = (unsigned)
		    cfg_getint(cfg, sig_option(&sig_ints[i], name, sizeof(name)));
	sig->nfreemail = cfg_size(cfg, "freemail_domains");
	if ((sig->freemail = calloc(sig->nfreemail + 1, sizeof(char *))) == NULL)
		return false;
	for (i = 0; i < sig->nfreemail; i++) {
		if ((sig->freemail[i] = strdup(cfg_getnstr(cfg,
		    "freemail_domains", i))) == NULL)
			return false;
		for (p = sig->freemail[i]; *p != '\0'; p++)
			if (*p >= 'A' && *p <= 'Z')
				*p = (char)(*p - 'A' + 'a');
	}
	return true;
}

static struct config *
fill(cfg_t *cfg, const char *path)
{
	struct config *c = calloc(1, sizeof(*c));
	unsigned i;

	if (c == NULL)
		return NULL;
	atomic_init(&c->refs, 1);
	c->path = path != NULL ? strdup(path) : NULL;
	c->socket = dup_str(cfg, "socket");
	c->socket_mode = socket_mode_value(cfg_getstr(cfg, "socket_mode"));
	c->socket_group = dup_str(cfg, "socket_group");
	c->user = dup_str(cfg, "user");
	c->pid_file = dup_str(cfg, "pid_file");
	c->metrics_listen = dup_str(cfg, "metrics_listen");
	c->support_url = dup_str(cfg, "support_url");
	c->log_level = word_value("log_level", cfg_getstr(cfg, "log_level"));
	c->mode = (enum config_mode)word_value("mode", cfg_getstr(cfg, "mode"));
	c->ipv4_prefix = (unsigned)cfg_getint(cfg, "ipv4_prefix");
	c->ipv6_prefix = (unsigned)cfg_getint(cfg, "ipv6_prefix");
	c->nexempt = cfg_size(cfg, "exempt");
	c->exempt = calloc(c->nexempt + 1, sizeof(*c->exempt));
	for (i = 0; c->exempt != NULL && i < c->nexempt; i++)
		netaddr_parse_cidr(cfg_getnstr(cfg, "exempt", i), &c->exempt[i]);
	c->ndelegations = cfg_size(cfg, "delegated_prefixes");
	for (i = 0; i < c->ndelegations; i++)
		parse_delegation(cfg_getnstr(cfg, "delegated_prefixes", i),
		    &c->delegations[i]);
	fill_windows(c, cfg);
	c->thresholds.tag = (int)cfg_getint(cfg, "threshold_tag");
	c->thresholds.tempfail = (int)cfg_getint(cfg, "threshold_tempfail");
	c->thresholds.reject = (int)cfg_getint(cfg, "threshold_reject");
	c->thresholds.quarantine = (int)cfg_getint(cfg, "threshold_quarantine");
	c->quarantine_s = (unsigned)cfg_getint(cfg, "quarantine_time");
	c->max_hosts = (unsigned long)cfg_getint(cfg, "max_hosts");
	c->reply_tempfail = expand_reply(cfg_getstr(cfg, "reply_tempfail"),
	    c->support_url != NULL ? c->support_url : "");
	c->reply_reject = expand_reply(cfg_getstr(cfg, "reply_reject"),
	    c->support_url != NULL ? c->support_url : "");
	c->reply_quarantine = expand_reply(cfg_getstr(cfg, "reply_quarantine"),
	    c->support_url != NULL ? c->support_url : "");
	if (!fill_redis(c, cfg) || !fill_dns(c, cfg) || !fill_signals(c, cfg)) {
		config_free(c);
		return NULL;
	}
	if ((path != NULL && c->path == NULL) || c->socket == NULL ||
	    c->socket_group == NULL || c->user == NULL || c->pid_file == NULL ||
	    c->metrics_listen == NULL || c->support_url == NULL ||
	    c->exempt == NULL || c->reply_tempfail == NULL ||
	    c->reply_reject == NULL || c->reply_quarantine == NULL) {
		config_free(c);
		return NULL;
	}
	return c;
}

/* The digest of a file's bytes (CONFIG_DIGEST_LEN hex digits). */
static void
digest_of(const char *buf, size_t n, char out[CONFIG_DIGEST_LEN + 1])
{
	static const char hex[] = "0123456789abcdef";
	unsigned char md[EVP_MAX_MD_SIZE];
	unsigned int mdlen = 0, i;

	out[0] = '\0';
	if (EVP_Digest(buf, n, md, &mdlen, EVP_sha256(), NULL) != 1)
		return;
	for (i = 0; i < CONFIG_DIGEST_LEN / 2 && i < mdlen; i++) {
		out[2 * i] = hex[md[i] >> 4];
		out[2 * i + 1] = hex[md[i] & 0xf];
	}
	out[2 * i] = '\0';
}

/* The file's text, cleaned for libconfuse (conftext.h), and its digest;
 * NULL with the reason in err. */
static char *
read_text(const char *path, char digest[CONFIG_DIGEST_LEN + 1], char *err,
    size_t errlen)
{
	char *buf, *text;
	const char *why = NULL;
	size_t n;
	int line;
	FILE *f;

	if ((f = fopen(path, "r")) == NULL) {
		snprintf(err, errlen, "%s: cannot read: %s", path, strerror(errno));
		return NULL;
	}
	if ((buf = malloc(CONFTEXT_MAX + 1)) == NULL) {
		fclose(f);
		snprintf(err, errlen, "config: out of memory");
		return NULL;
	}
	n = fread(buf, 1, CONFTEXT_MAX + 1, f);
	if (ferror(f))
		snprintf(err, errlen, "%s: cannot read: %s", path, strerror(errno));
	else if (n > CONFTEXT_MAX)
		snprintf(err, errlen, "%s: larger than %d bytes", path,
		    CONFTEXT_MAX);
	fclose(f);
	digest_of(buf, n, digest);
	text = err[0] == '\0' ? conftext_clean(buf, n, &line, &why) : NULL;
	free(buf);
	if (text == NULL && err[0] == '\0')
		snprintf(err, errlen, why != NULL ? "%s:%d: syntax: %s"
		    : "config: out of memory", path, line, why);
	return text;
}

/*
 * Parse the file at path (NULL: no file) or, if path is NULL and text is
 * not, that text, into a libconfuse tree with every option checked; NULL
 * with the reason in err.  The caller frees it with cfg_free().
 */
static cfg_t *
parse(const char *path, const char *text, char digest[CONFIG_DIGEST_LEN + 1],
    char *err, size_t errlen)
{
	/* The signals' integers, from their table, after top_opts. */
	cfg_opt_t opts[NTOP_OPTS + NSIG_INTS];
	char names[NSIG_INTS][64], *clean = NULL;
	cfg_t *cfg;
	size_t i;
	int rc;

	err[0] = '\0';
	memcpy(opts, top_opts, sizeof(top_opts));
	for (i = 0; i < NSIG_INTS; i++)
		opts[NTOP_OPTS - 1 + i] = (cfg_opt_t)CFG_INT(sig_option(&sig_ints[i],
		    names[i], sizeof(names[i])), sig_ints[i].def, CFGF_NONE);
	opts[NTOP_OPTS - 1 + NSIG_INTS] = (cfg_opt_t)CFG_END();
	if ((cfg = cfg_init(opts, CFGF_NONE)) == NULL) {
		snprintf(err, errlen, "config: out of memory");
		return NULL;
	}
	error_buf = err;
	error_len = errlen;
	error_path = path != NULL ? path : "-";
	cfg_set_error_function(cfg, error_func);
	set_validators(cfg);
	err[0] = '\0';		/* set_validators() probes: not errors */
	digest[0] = '\0';
	if (path != NULL && (clean = read_text(path, digest, err, errlen))
	    == NULL) {
		cfg_free(cfg);
		cfg = NULL;
	} else if (clean != NULL || text != NULL) {
		rc = cfg_parse_buf(cfg, clean != NULL ? clean : text);
		if (rc != CFG_SUCCESS && err[0] == '\0')
			snprintf(err, errlen, "%s: cannot parse", error_path);
		if (rc != CFG_SUCCESS) {
			cfg_free(cfg);
			cfg = NULL;
		}
	}
	free(clean);
	error_buf = NULL;
	return cfg;
}

struct config *
config_load(const char *path, char *err, size_t errlen)
{
	char digest[CONFIG_DIGEST_LEN + 1];
	struct config *c = NULL;
	cfg_t *cfg = parse(path, NULL, digest, err, errlen);

	if (cfg != NULL && (c = fill(cfg, path)) == NULL)
		snprintf(err, errlen, "config: out of memory");
	if (c != NULL)
		memcpy(c->digest, digest, sizeof(c->digest));
	cfg_free(cfg);
	return c;
}

struct config *
config_reload(const char *path, const struct config *running, char *err,
    size_t errlen)
{
	struct config *c;

	reload_running = running;
	c = config_load(path, err, errlen);
	reload_running = NULL;
	return c;
}

/* The text libconfuse prints for opt ("" if none); the caller frees it. */
static char *
opt_text(cfg_opt_t *opt)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);

	if (f == NULL)
		return NULL;
	if (opt != NULL && (opt->type != CFGT_SEC || opt->nvalues > 0))
		cfg_opt_print(opt, f);
	fclose(f);
	return buf;
}

/* The defaults as a file would say them: the three windows too. */
static char *
defaults_text(void)
{
	char *buf = NULL;
	size_t len = 0, i;
	FILE *f = open_memstream(&buf, &len);
	const struct config_window *w;

	if (f == NULL)
		return NULL;
	for (i = 0; i < sizeof(default_windows) / sizeof(default_windows[0]);
	    i++) {
		w = &default_windows[i];
		fprintf(f, "window \"%s\" {\nlength = %u\nbuckets = %u\n"
		    "messages = %lu\nrecipients = %lu\npoints = %d\n}\n", w->name,
		    w->spec.length_s, w->spec.buckets, w->messages, w->recipients,
		    w->points);
	}
	fclose(f);
	return buf;
}

bool
config_print(const char *path, bool all, FILE *out, char *err,
    size_t errlen)
{
	char *dtext = defaults_text(), *mine, *theirs;
	char digest[CONFIG_DIGEST_LEN + 1];
	cfg_t *cfg = NULL, *def = NULL;
	struct config *c = NULL;
	cfg_opt_t *opt;
	bool ok = false;

	/* The file is read once: what is printed is what was checked. */
	if (dtext == NULL)
		snprintf(err, errlen, "config: out of memory");
	if (dtext == NULL || (cfg = parse(path, NULL, digest, err, errlen))
	    == NULL || (def = parse(NULL, dtext, digest, err, errlen)) == NULL)
		goto out;
	if ((c = fill(cfg, path)) == NULL) {
		snprintf(err, errlen, "config: out of memory");
		goto out;
	}
	for (opt = cfg->opts; opt->type != CFGT_NONE; opt++) {
		mine = opt_text(opt);
		theirs = opt_text(cfg_getopt(def, opt->name));
		if (mine == NULL || theirs == NULL) {
			snprintf(err, errlen, "config: out of memory");
			free(mine);
			free(theirs);
			goto out;
		}
		/* A password is never printed: only that it is set. */
		if (strcmp(opt->name, "redis_password") == 0 &&
		    *c->redis_password != '\0')
			fprintf(out, "# redis_password is set (not shown)\n");
		else if (all || strcmp(mine, theirs) != 0)
			fputs(mine, out);
		free(mine);
		free(theirs);
	}
	ok = true;
out:
	cfg_free(cfg);
	cfg_free(def);
	free(dtext);
	config_free(c);
	return ok;
}

const struct config *
config_ref(const struct config *cfg)
{
	if (cfg != NULL)
		atomic_fetch_add(&((struct config *)cfg)->refs, 1);
	return cfg;
}

void
config_free(const struct config *cfg)
{
	/* Immutable to its holders; its last one frees it. */
	struct config *c = (struct config *)cfg;
	unsigned i;

	if (c == NULL || atomic_fetch_sub(&c->refs, 1) != 1)
		return;
	free(c->path);
	free(c->socket);
	free(c->socket_group);
	free(c->user);
	free(c->pid_file);
	free(c->metrics_listen);
	free(c->support_url);
	free(c->exempt);
	free(c->reply_tempfail);
	free(c->reply_reject);
	free(c->reply_quarantine);
	free(c->redis);
	free(c->redis_user);
	free(c->redis_password);
	free(c->redis_password_file);
	free(c->hmac_key_file);
	free(c->redis_prefix);
	free(c->relay_name);
	for (i = 0; i < c->ndns_forwarders; i++)
		free(c->dns_forwarders[i]);
	for (i = 0; c->sig.freemail != NULL && i < c->sig.nfreemail; i++)
		free(c->sig.freemail[i]);
	free(c->sig.freemail);
	free(c);
}

bool
config_is_exempt(const struct config *c, const struct netaddr *addr)
{
	size_t i;

	for (i = 0; i < c->nexempt; i++)
		if (netaddr_in_cidr(addr, &c->exempt[i]))
			return true;
	return false;
}

unsigned
config_delegated_prefix(const struct config *c, const struct netaddr *addr)
{
	const struct config_delegation *best = NULL;
	size_t i;

	for (i = 0; i < c->ndelegations; i++)
		if (netaddr_in_cidr(addr, &c->delegations[i].net) &&
		    (best == NULL || c->delegations[i].net.prefix >
		    best->net.prefix))
			best = &c->delegations[i];
	if (best == NULL || best->size >= (addr->family == AF_INET
	    ? c->ipv4_prefix : c->ipv6_prefix))
		return 0;
	return best->size;
}

unsigned
config_window_specs(const struct config *c,
    struct window_spec out[CONFIG_WINDOWS_MAX])
{
	unsigned i;

	for (i = 0; i < c->nwindows; i++)
		out[i] = c->windows[i].spec;
	return c->nwindows;
}

unsigned
config_observe_s(const struct config *c)
{
	return c->sig.behaviour_window_s > c->sig.bulk_window_s
	    ? c->sig.behaviour_window_s : c->sig.bulk_window_s;
}

const char *
config_fallback_name(enum config_fallback f)
{
	switch (f) {
	case CONFIG_FALLBACK_LOCAL:
		return "local";
	case CONFIG_FALLBACK_ACCEPT:
		return "accept";
	case CONFIG_FALLBACK_TEMPFAIL:
		return "tempfail";
	}
	return "unknown";
}
