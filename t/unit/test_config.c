/*
 * Configuration: defaults, the sample file, and one FILE:LINE message for
 * each class of mistake.
 */
#include "testutil.h"

#include <syslog.h>

static void
config_defaults_without_a_file(void **state)
{
	char err[256];
	struct config *c = config_load(NULL, err, sizeof(err));

	(void)state;
	assert_non_null(c);
	assert_null(c->path);
	assert_string_equal(c->socket, "inet:8895@127.0.0.1");
	assert_int_equal(c->socket_mode, 0660);
	assert_string_equal(c->socket_group, "");
	assert_int_equal(c->mode, CONFIG_MODE_ENFORCE);
	assert_int_equal(c->ipv4_prefix, 32);
	assert_int_equal(c->ipv6_prefix, 64);
	assert_int_equal(c->nexempt, 2);
	assert_int_equal(c->nwindows, 3);
	assert_string_equal(c->windows[0].name, "1m");
	assert_int_equal(c->windows[2].spec.length_s, 86400);
	assert_int_equal(c->thresholds.quarantine, 120);
	assert_int_equal(c->log_level, LOG_INFO);
	assert_string_equal(c->reply_tempfail, "Too much mail from your "
	    "connection, try again later; see "
	    "https://www.example.net/support/zombie");
	config_free(c);
}

#define SIG_EQ(field)	assert_int_equal(a->field, b->field)

static void
signals_equal(const struct config_signals *a, const struct config_signals *b)
{
	size_t i;

	SIG_EQ(spf);
	SIG_EQ(spf_budget_ms);
	SIG_EQ(spf_fail_points);
	SIG_EQ(spf_softfail_points);
	SIG_EQ(helo_ip_points);
	SIG_EQ(helo_not_fqdn_points);
	SIG_EQ(helo_self_points);
	SIG_EQ(helo_freemail_points);
	SIG_EQ(behaviour_window_s);
	SIG_EQ(rcpt_domains_per_message);
	SIG_EQ(rcpt_domains_per_message_points);
	SIG_EQ(rcpt_domains_per_window);
	SIG_EQ(rcpt_domains_per_window_points);
	SIG_EQ(rejected_rcpts_min);
	SIG_EQ(rejected_rcpts_percent);
	SIG_EQ(rejected_rcpts_points);
	SIG_EQ(from_domains_per_window);
	SIG_EQ(from_domains_per_window_points);
	SIG_EQ(refused_per_window);
	SIG_EQ(refused_points);
	SIG_EQ(host_logins_per_window);
	SIG_EQ(host_logins_points);
	SIG_EQ(user_networks_per_window);
	SIG_EQ(user_networks_points);
	SIG_EQ(user_networks_ipv4_prefix);
	SIG_EQ(user_networks_ipv6_prefix);
	SIG_EQ(prefix_hosts_per_window);
	SIG_EQ(prefix_hosts_points);
	SIG_EQ(prefix_rate_factor);
	SIG_EQ(bulk);
	SIG_EQ(bulk_window_s);
	SIG_EQ(bulk_host_recipients);
	SIG_EQ(bulk_host_points);
	SIG_EQ(bulk_hosts);
	SIG_EQ(bulk_hosts_points);
	SIG_EQ(nfreemail);
	for (i = 0; i < a->nfreemail; i++)
		assert_string_equal(a->freemail[i], b->freemail[i]);
}

/* The signals' defaults, as the spec's table gives them. */
static void
config_signal_defaults(void **state)
{
	static const char *const freemail[] = { "gmail.com",
	    "googlemail.com", "yahoo.com", "hotmail.com", "outlook.com",
	    "live.com", "aol.com", "icloud.com", "mail.ru", "yandex.ru",
	    "gmx.net", "gmx.de", "web.de" };
	char err[256];
	struct config *c = config_load(NULL, err, sizeof(err));
	const struct config_signals *s;
	size_t i;

	(void)state;
	assert_non_null(c);
	s = &c->sig;
	assert_true(s->spf);
	assert_int_equal(s->spf_budget_ms, 500);
	assert_int_equal(s->spf_fail_points, 30);
	assert_int_equal(s->spf_softfail_points, 10);
	assert_int_equal(s->helo_ip_points, 15);
	assert_int_equal(s->helo_not_fqdn_points, 10);
	assert_int_equal(s->helo_self_points, 40);
	assert_int_equal(s->helo_freemail_points, 40);
	assert_int_equal(s->behaviour_window_s, 3600);
	assert_int_equal(s->rcpt_domains_per_message, 50);
	assert_int_equal(s->rcpt_domains_per_message_points, 10);
	assert_int_equal(s->rcpt_domains_per_window, 300);
	assert_int_equal(s->rcpt_domains_per_window_points, 20);
	assert_int_equal(s->rejected_rcpts_min, 5);
	assert_int_equal(s->rejected_rcpts_percent, 50);
	assert_int_equal(s->rejected_rcpts_points, 30);
	assert_int_equal(s->from_domains_per_window, 5);
	assert_int_equal(s->from_domains_per_window_points, 40);
	assert_int_equal(s->refused_per_window, 20);
	assert_int_equal(s->refused_points, 70);
	assert_int_equal(s->host_logins_per_window, 15);
	assert_int_equal(s->host_logins_points, 50);
	assert_int_equal(s->user_networks_per_window, 6);
	assert_int_equal(s->user_networks_points, 50);
	assert_int_equal(s->user_networks_ipv4_prefix, 24);
	assert_int_equal(s->user_networks_ipv6_prefix, 48);
	assert_int_equal(s->prefix_hosts_per_window, 8);
	assert_int_equal(s->prefix_hosts_points, 50);
	assert_int_equal(s->prefix_rate_factor, 2);
	assert_true(s->bulk);
	assert_int_equal(s->bulk_window_s, 3600);
	assert_int_equal(s->bulk_host_recipients, 500);
	assert_int_equal(s->bulk_host_points, 20);
	assert_int_equal(s->bulk_hosts, 5);
	assert_int_equal(s->bulk_hosts_points, 40);
	assert_int_equal(s->nfreemail, sizeof(freemail) / sizeof(freemail[0]));
	for (i = 0; i < s->nfreemail; i++)
		assert_string_equal(s->freemail[i], freemail[i]);
	config_free(c);
}

/* Every signal option read into its own field, at its bounds too. */
static void
config_reads_signal_options(void **state)
{
	char err[512], path[64];
	struct config *c;
	const struct config_signals *s;

	(void)state;
	c = config_from_text(
	    "spf = false\nspf_budget_ms = 5000\nspf_fail_points = 31\n"
	    "spf_softfail_points = 0\nhelo_ip_points = 100000\n"
	    "helo_not_fqdn_points = 12\nhelo_self_points = 41\n"
	    "helo_freemail_points = 42\nbehaviour_window = 60\n"
	    "rcpt_domains_per_message = 0\n"
	    "rcpt_domains_per_message_points = 13\n"
	    "rcpt_domains_per_window = 999\n"
	    "rcpt_domains_per_window_points = 21\n"
	    "rejected_rcpts_min = 10000\nrejected_rcpts_percent = 100\n"
	    "rejected_rcpts_points = 32\nfrom_domains_per_window = 0\n"
	    "from_domains_per_window_points = 43\nrefused_per_window = 100000\n"
	    "refused_points = 71\nbulk = no\nbulk_window = 86400\n"
	    "bulk_host_recipients = 1000000000\nbulk_host_points = 22\n"
	    "bulk_hosts = 0\nbulk_hosts_points = 44\n"
	    "host_logins_per_window = 999\nhost_logins_points = 51\n"
	    "user_networks_per_window = 0\nuser_networks_points = 52\n"
	    "user_networks_ipv4_prefix = 8\nuser_networks_ipv6_prefix = 128\n"
	    "prefix_hosts_per_window = 1\nprefix_hosts_points = 53\n"
	    "prefix_rate_factor = 1000\n"
	    "freemail_domains = { \"Mail.Example.ORG\", \"isp.example\" }\n",
	    path, err, sizeof(err));
	if (c == NULL)
		fail_msg("%s", err);
	s = &c->sig;
	assert_false(s->spf);
	assert_int_equal(s->spf_budget_ms, 5000);
	assert_int_equal(s->spf_fail_points, 31);
	assert_int_equal(s->spf_softfail_points, 0);
	assert_int_equal(s->helo_ip_points, 100000);
	assert_int_equal(s->helo_not_fqdn_points, 12);
	assert_int_equal(s->helo_self_points, 41);
	assert_int_equal(s->helo_freemail_points, 42);
	assert_int_equal(s->behaviour_window_s, 60);
	assert_int_equal(s->rcpt_domains_per_message, 0);
	assert_int_equal(s->rcpt_domains_per_message_points, 13);
	assert_int_equal(s->rcpt_domains_per_window, 999);
	assert_int_equal(s->rcpt_domains_per_window_points, 21);
	assert_int_equal(s->rejected_rcpts_min, 10000);
	assert_int_equal(s->rejected_rcpts_percent, 100);
	assert_int_equal(s->rejected_rcpts_points, 32);
	assert_int_equal(s->from_domains_per_window, 0);
	assert_int_equal(s->from_domains_per_window_points, 43);
	assert_int_equal(s->refused_per_window, 100000);
	assert_int_equal(s->refused_points, 71);
	assert_false(s->bulk);
	assert_int_equal(s->bulk_window_s, 86400);
	assert_int_equal(s->bulk_host_recipients, 1000000000);
	assert_int_equal(s->bulk_host_points, 22);
	assert_int_equal(s->bulk_hosts, 0);
	assert_int_equal(s->bulk_hosts_points, 44);
	assert_int_equal(s->host_logins_per_window, 999);
	assert_int_equal(s->host_logins_points, 51);
	assert_int_equal(s->user_networks_per_window, 0);
	assert_int_equal(s->user_networks_points, 52);
	assert_int_equal(s->user_networks_ipv4_prefix, 8);
	assert_int_equal(s->user_networks_ipv6_prefix, 128);
	assert_int_equal(s->prefix_hosts_per_window, 1);
	assert_int_equal(s->prefix_hosts_points, 53);
	assert_int_equal(s->prefix_rate_factor, 1000);
	/* Lower-cased, in order, replacing the default list. */
	assert_int_equal(s->nfreemail, 2);
	assert_string_equal(s->freemail[0], "mail.example.org");
	assert_string_equal(s->freemail[1], "isp.example");
	config_free(c);
}

/* libconfuse's boolean words, and the list's other forms. */
static void
config_reads_signal_booleans_and_lists(void **state)
{
	static const struct {
		const char *text;
		bool spf, bulk;
	} bools[] = {
		{ "spf = true\nbulk = false\n", true, false },
		{ "spf = off\nbulk = on\n", false, true },
		{ "spf = no\nbulk = yes\n", false, true },
		{ "spf = false\nbulk = false\n", false, false },
		{ "", true, true },
	};
	char err[512], path[64];
	struct config *c;
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(bools) / sizeof(bools[0]); i++) {
		c = config_from_text(bools[i].text, path, err, sizeof(err));
		if (c == NULL)
			fail_msg("case %zu: %s", i, err);
		assert_int_equal(c->sig.spf, bools[i].spf);
		assert_int_equal(c->sig.bulk, bools[i].bulk);
		config_free(c);
	}
	/* Empty: helo=freemail never fires. */
	c = config_from_text("freemail_domains = {}\n", path, err, sizeof(err));
	if (c == NULL)
		fail_msg("%s", err);
	assert_int_equal(c->sig.nfreemail, 0);
	config_free(c);
	/* One bare value. */
	c = config_from_text("freemail_domains = \"GMX.example\"\n", path, err,
	    sizeof(err));
	if (c == NULL)
		fail_msg("%s", err);
	assert_int_equal(c->sig.nfreemail, 1);
	assert_string_equal(c->sig.freemail[0], "gmx.example");
	config_free(c);
	/* Appended to the defaults. */
	c = config_from_text("freemail_domains += { \"Extra.Example\" }\n",
	    path, err, sizeof(err));
	if (c == NULL)
		fail_msg("%s", err);
	assert_int_equal(c->sig.nfreemail, 14);
	assert_string_equal(c->sig.freemail[0], "gmail.com");
	assert_string_equal(c->sig.freemail[13], "extra.example");
	config_free(c);
}

/* The shipped sample must load and say the same as the built-in defaults. */
static void
config_sample_file_matches_defaults(void **state)
{
	char err[256], path[1024];
	const char *src = getenv("ZM_SRCDIR");
	struct config *c, *d;
	unsigned i;

	(void)state;
	snprintf(path, sizeof(path), "%s/etc/zombie-milter.conf",
	    src != NULL ? src : ".");
	c = config_load(path, err, sizeof(err));
	if (c == NULL)
		fail_msg("%s", err);
	d = config_load(NULL, err, sizeof(err));
	assert_non_null(d);
	assert_string_equal(c->socket, d->socket);
	assert_int_equal(c->socket_mode, d->socket_mode);
	assert_string_equal(c->socket_group, d->socket_group);
	assert_string_equal(c->user, d->user);
	assert_int_equal(c->log_level, d->log_level);
	assert_int_equal(c->mode, d->mode);
	assert_int_equal(c->nexempt, d->nexempt);
	assert_int_equal(c->ndelegations, d->ndelegations);
	assert_memory_equal(c->delegations, d->delegations,
	    sizeof(c->delegations));
	assert_int_equal(c->nwindows, d->nwindows);
	for (i = 0; i < c->nwindows; i++)
		assert_memory_equal(&c->windows[i], &d->windows[i],
		    sizeof(c->windows[i]));
	assert_memory_equal(&c->thresholds, &d->thresholds,
	    sizeof(c->thresholds));
	assert_int_equal(c->quarantine_s, d->quarantine_s);
	assert_int_equal(c->max_hosts, d->max_hosts);
	assert_string_equal(c->reply_tempfail, d->reply_tempfail);
	assert_string_equal(c->reply_reject, d->reply_reject);
	assert_string_equal(c->reply_quarantine, d->reply_quarantine);
	assert_string_equal(c->redis, d->redis);
	assert_int_equal(c->redis_db, d->redis_db);
	assert_string_equal(c->redis_user, d->redis_user);
	assert_string_equal(c->redis_password, d->redis_password);
	assert_string_equal(c->redis_prefix, d->redis_prefix);
	assert_int_equal(c->redis_connect_timeout_ms, d->redis_connect_timeout_ms);
	assert_int_equal(c->redis_timeout_ms, d->redis_timeout_ms);
	assert_int_equal(c->redis_fallback, d->redis_fallback);
	assert_int_equal(c->redis_connections, d->redis_connections);
	assert_int_equal(c->event_stream_max, d->event_stream_max);
	assert_int_equal(c->event_ttl_s, d->event_ttl_s);
	assert_int_equal(c->hmac_key_len, d->hmac_key_len);
	assert_string_equal(c->relay_name, d->relay_name);
	assert_int_equal(c->nzones, d->nzones);
	assert_int_equal(c->ndns_forwarders, d->ndns_forwarders);
	assert_int_equal(c->dns_budget_ms, d->dns_budget_ms);
	assert_int_equal(c->dns_cache_size, d->dns_cache_size);
	assert_int_equal(c->dns_max_queries, d->dns_max_queries);
	assert_int_equal(d->dns_max_queries, 4096);
	assert_int_equal(c->dns_health_interval_s, d->dns_health_interval_s);
	signals_equal(&c->sig, &d->sig);
	config_free(c);
	config_free(d);
}

static void
config_reads_every_kind_of_value(void **state)
{
	char err[256], path[64];
	struct config *c;

	(void)state;
	c = config_from_text(
	    "mode = \"monitor\"\n"
	    "log_level = \"debug\"\n"
	    "ipv6_prefix = 56\n"
	    "exempt = { \"10.0.0.0/8\", \"2001:db8::/32\", \"192.0.2.1\" }\n"
	    "window \"burst\" { length = 20 buckets = 4 messages = 3 "
	    "recipients = 9 points = 70 }\n"
	    "support_url = \"https://isp.example/help?q=50%25\"\n"
	    "reply_reject = \"100%% sure: %u\"\n"
	    "socket = \"/run/zombie-milter/milter.sock\"\n"
	    "socket_mode = \"660\"\n"
	    "socket_group = \"postfix\"\n",
	    path, err, sizeof(err));
	if (c == NULL)
		fail_msg("%s", err);
	/* A bare absolute path is a unix socket, as libmilter takes it. */
	assert_string_equal(config_socket_path(c->socket),
	    "/run/zombie-milter/milter.sock");
	assert_int_equal(c->socket_mode, 0660);
	assert_string_equal(c->socket_group, "postfix");
	assert_int_equal(c->mode, CONFIG_MODE_MONITOR);
	assert_int_equal(c->log_level, LOG_DEBUG);
	assert_int_equal(c->ipv6_prefix, 56);
	assert_int_equal(c->nexempt, 3);
	assert_int_equal(c->nwindows, 1);
	assert_string_equal(c->windows[0].name, "burst");
	assert_int_equal(c->windows[0].spec.length_s, 20);
	assert_int_equal(c->windows[0].spec.buckets, 4);
	assert_int_equal(c->windows[0].messages, 3);
	assert_int_equal(c->windows[0].recipients, 9);
	assert_int_equal(c->windows[0].points, 70);
	/* Ready for smfi_setreply(): every literal % doubled. */
	assert_string_equal(c->reply_reject,
	    "100%% sure: https://isp.example/help?q=50%%25");
	config_free(c);
}

/* The most specific range decides; none shorter than the host key is
 * none at all. */
static void
config_delegated_prefix_of_a_client(void **state)
{
	static const struct {
		const char *addr;
		unsigned want;
	} cases[] = {
		{ "2001:db8:1:2::1", 48 },	/* the /33 of business plans */
		{ "2001:db8:8000::1", 56 },	/* the /32's households */
		{ "2a00::1", 60 },		/* everyone else */
		{ "192.0.2.77", 29 },
		{ "198.51.100.7", 0 },		/* no IPv4 range */
		{ "2001:db9::1", 0 },		/* its range: /64, none */
	};
	char err[512], path[64];
	struct netaddr a;
	struct config *c;
	size_t i;

	(void)state;
	c = config_from_text("delegated_prefixes = { \"::/0 60\", "
	    "\"2001:db8::/32 56\", \"2001:db8::/33 48\", "
	    "\"192.0.2.0/24 29\", \"2001:db9::/32 64\" }\n", path, err,
	    sizeof(err));
	if (c == NULL)
		fail_msg("%s", err);
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		assert_true(netaddr_parse(cases[i].addr, &a));
		if (config_delegated_prefix(c, &a) != cases[i].want)
			fail_msg("%s: /%u, want /%u", cases[i].addr,
			    config_delegated_prefix(c, &a), cases[i].want);
	}
	config_free(c);
	/* The default: every IPv6 customer holds a /56; off with {}. */
	c = config_from_text("\n", path, err, sizeof(err));
	assert_non_null(c);
	assert_true(netaddr_parse("2001:db8:1:2::1", &a));
	assert_int_equal(config_delegated_prefix(c, &a), 56);
	config_free(c);
	c = config_from_text("delegated_prefixes = {}\n", path, err, sizeof(err));
	assert_non_null(c);
	assert_int_equal(config_delegated_prefix(c, &a), 0);
	config_free(c);
}

static void
config_errors_name_file_line_option_and_reason(void **state)
{
	static const struct {
		const char *text;
		const char *error;	/* after "FILE:" */
	} cases[] = {
		{ "mode = \"enforce\"\nbogus = 1\n",
		    "2: bogus: unknown option" },
		{ "\n\nipv4_prefix = 40\n",
		    "3: ipv4_prefix: 40 is out of range 8..32" },
		{ "ipv6_prefix = 8\n",
		    "1: ipv6_prefix: 8 is out of range 16..128" },
		{ "threshold_reject = -1\n",
		    "1: threshold_reject: -1 is out of range 0..100000" },
		{ "quarantine_time = lots\n",
		    "1: quarantine_time: invalid integer value for option "
		    "'quarantine_time'" },
		{ "mode = \"panic\"\n",
		    "1: mode: \"panic\" is not one of enforce, monitor" },
		{ "log_level = \"loud\"\n",
		    "1: log_level: \"loud\" is not one of error, warning, notice, "
		    "info, debug" },
		{ "exempt = { \"127.0.0.0/8\", \"10.0.0.0/33\" }\n",
		    "1: exempt: \"10.0.0.0/33\" is not an address or "
		    "ADDRESS/PREFIX" },
		{ "exempt = { \"localhost\" }\n",
		    "1: exempt: \"localhost\" is not an address or "
		    "ADDRESS/PREFIX" },
		{ "reply_reject = \"see %s\"\n",
		    "1: reply_reject: unknown placeholder %s (only %u and %%)" },
		{ "reply_tempfail = \"caf\xc3\xa9\"\n",
		    "1: reply_tempfail: only printable ASCII is allowed" },
		{ "socket = \"tcp:25\"\n",
		    "1: socket: \"tcp:25\" is not inet:PORT@HOST, inet6:PORT@HOST, "
		    "unix:PATH or an absolute PATH" },
		{ "socket = \"zm.sock\"\n",
		    "1: socket: \"zm.sock\" is not inet:PORT@HOST, inet6:PORT@HOST, "
		    "unix:PATH or an absolute PATH" },
		{ "socket_mode = \"0666 \"\n",
		    "1: socket_mode: \"0666 \" is not an octal mode from 000 to "
		    "0777, such as \"0660\"" },
		{ "\nsocket_mode = \"1777\"\n",
		    "2: socket_mode: \"1777\" is not an octal mode from 000 to "
		    "0777, such as \"0660\"" },
		{ "socket_group = \"mail; rm\"\n",
		    "1: socket_group: \"mail; rm\" must be at most 64 letters, "
		    "digits or :._-" },
		{ "window \"w\" {\n length = 5\n}\n",
		    "2: length: 5 is out of range 10..604800" },
		{ "window \"w\" {\n length = 60\n buckets = 7\n}\n",
		    "4: window: \"w\": length 60 does not divide into 7 buckets" },
		{ "window \"bad name\" {\n}\n",
		    "2: window: name \"bad name\" must be 1..15 letters, digits "
		    "or _" },
		{ "window \"w\" {\n colour = 1\n}\n",
		    "2: colour: unknown option" },
		{ "window \"a\" {}\nwindow \"b\" {}\nwindow \"c\" {}\n"
		    "window \"d\" {}\nwindow \"e\" {}\nwindow \"f\" {}\n"
		    "window \"g\" {}\nwindow \"h\" {}\nwindow \"i\" {}\n",
		    "9: window: more than 8 windows" },
		{ "mode = \"enforce\"\n}\n",
		    "2: syntax: unexpected closing brace" },
		{ "redis = \"localhost\"\n",
		    "1: redis: \"localhost\" is not HOST:PORT, [IPV6]:PORT or "
		    "unix:/PATH" },
		{ "redis = \"127.0.0.1:70000\"\n",
		    "1: redis: \"127.0.0.1:70000\" is not HOST:PORT, "
		    "[IPV6]:PORT or unix:/PATH" },
		{ "redis = \"::1:6379\"\n",
		    "1: redis: \"::1:6379\" is not HOST:PORT, [IPV6]:PORT or "
		    "unix:/PATH" },
		{ "redis_fallback = \"panic\"\n",
		    "1: redis_fallback: \"panic\" is not one of local, accept, "
		    "tempfail" },
		{ "redis_prefix = \"zm {x}\"\n",
		    "1: redis_prefix: \"zm {x}\" must be at most 64 letters, "
		    "digits or :._-" },
		{ "redis_timeout_ms = 0\n",
		    "1: redis_timeout_ms: 0 is out of range 10..2000" },
		{ "dnsbl \"xbl.example\" {\n type = \"ipv4\"\n}\n",
		    "2: type: \"ipv4\" is not one of ip, domain" },
		{ "dnsbl \"xbl.example\" {\n codes = { \"127.0.0.4 infected\" }\n}\n",
		    "2: codes: \"127.0.0.4 infected\" is not \"CODE CLASS POINTS\"" },
		{ "dnsbl \"xbl.example\" {\n codes = { \"127.0.0.300 x 1\" }\n}\n",
		    "2: codes: code \"127.0.0.300 x 1\" is not A.B.C.D, "
		    "A.B.C.D-E.F.G.H or A.B.C.D/N" },
		{ "dnsbl \"not a zone\" {\n}\n",
		    "2: dnsbl: \"not a zone\" is not a DNS zone name" },
		{ "dns_forwarders = { \"127.0.0.1@99999\" }\n",
		    "1: dns_forwarders: \"127.0.0.1@99999\" is not ADDRESS or "
		    "ADDRESS@PORT" },
		{ "dns_forwarders = { \"resolver.example\" }\n",
		    "1: dns_forwarders: \"resolver.example\" is not ADDRESS or "
		    "ADDRESS@PORT" },
		{ "dns_budget_ms = 0\n",
		    "1: dns_budget_ms: 0 is out of range 10..10000" },
		{ "dns_max_queries = 15\n",
		    "1: dns_max_queries: 15 is out of range 16..1000000" },
		{ "\nspf_budget_ms = 49\n",
		    "2: spf_budget_ms: 49 is out of range 50..5000" },
		{ "spf_budget_ms = 5001\n",
		    "1: spf_budget_ms: 5001 is out of range 50..5000" },
		{ "behaviour_window = 59\n",
		    "1: behaviour_window: 59 is out of range 60..86400" },
		{ "bulk = true\nbulk_window = 86401\n",
		    "2: bulk_window: 86401 is out of range 60..86400" },
		{ "behaviour_window_s = 600\n",
		    "1: behaviour_window_s: unknown option" },
		{ "rejected_rcpts_min = 0\n",
		    "1: rejected_rcpts_min: 0 is out of range 1..10000" },
		{ "rejected_rcpts_percent = 101\n",
		    "1: rejected_rcpts_percent: 101 is out of range 0..100" },
		{ "rcpt_domains_per_window = 1000\n",
		    "1: rcpt_domains_per_window: 1000 is out of range 0..999" },
		{ "from_domains_per_window = -1\n",
		    "1: from_domains_per_window: -1 is out of range 0..999" },
		{ "rcpt_domains_per_message = 1000\n",
		    "1: rcpt_domains_per_message: 1000 is out of range 0..999" },
		{ "refused_per_window = 100001\n",
		    "1: refused_per_window: 100001 is out of range 0..100000" },
		{ "user_networks_per_window = 1000\n",
		    "1: user_networks_per_window: 1000 is out of range 0..999" },
		{ "user_networks_ipv6_prefix = 15\n",
		    "1: user_networks_ipv6_prefix: 15 is out of range 16..128" },
		{ "prefix_rate_factor = 0\n",
		    "1: prefix_rate_factor: 0 is out of range 1..1000" },
		{ "host_logins_points = -1\n",
		    "1: host_logins_points: -1 is out of range 0..100000" },
		{ "\ndelegated_prefixes = { \"2001:db8::/32 56\", \"::/0\" }\n",
		    "2: delegated_prefixes: \"::/0\" is not \"NETWORK/LEN SIZE\" "
		    "with SIZE from LEN to the address length" },
		{ "delegated_prefixes = { \"2001:db8::/32 24\" }\n",
		    "1: delegated_prefixes: \"2001:db8::/32 24\" is not "
		    "\"NETWORK/LEN SIZE\" with SIZE from LEN to the address length" },
		{ "delegated_prefixes = { \"192.0.2.0/24 33\" }\n",
		    "1: delegated_prefixes: \"192.0.2.0/24 33\" is not "
		    "\"NETWORK/LEN SIZE\" with SIZE from LEN to the address length" },
		{ "delegated_prefixes = { \"::/0 0\" }\n",
		    "1: delegated_prefixes: \"::/0 0\" is not "
		    "\"NETWORK/LEN SIZE\" with SIZE from LEN to the address length" },
		{ "delegated_prefixes = { \"2001:db8::1 56\" }\n",
		    "1: delegated_prefixes: \"2001:db8::1 56\" is not "
		    "\"NETWORK/LEN SIZE\" with SIZE from LEN to the address length" },
		{ "bulk_hosts = 101\n",
		    "1: bulk_hosts: 101 is out of range 0..100" },
		{ "bulk_host_recipients = -5\n",
		    "1: bulk_host_recipients: -5 is out of range 0..1000000000" },
		{ "helo_self_points = 100001\n",
		    "1: helo_self_points: 100001 is out of range 0..100000" },
		{ "spf_fail_points = -1\n",
		    "1: spf_fail_points: -1 is out of range 0..100000" },
		{ "bulk_hosts_points = many\n",
		    "1: bulk_hosts_points: invalid integer value for option "
		    "'bulk_hosts_points'" },
		{ "spf = maybe\n",
		    "1: spf: invalid boolean value for option 'spf'" },
		{ "\n\nbulk = 2\n",
		    "3: bulk: invalid boolean value for option 'bulk'" },
		{ "freemail_domains = { \"gmail.com\", \"gmail\" }\n",
		    "1: freemail_domains: \"gmail\" is not a domain name" },
		{ "freemail_domains = { \"bad domain.example\" }\n",
		    "1: freemail_domains: \"bad domain.example\" is not a domain "
		    "name" },
		{ "\nredis_password_file = \"/nonexistent/pw\"\n",
		    "2: redis_password_file: cannot read /nonexistent/pw: No such "
		    "file or directory" },
	};
	char err[512], path[64], want[600];
	struct config *c;
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		c = config_from_text(cases[i].text, path, err, sizeof(err));
		if (c != NULL)
			fail_msg("case %zu loaded, expected %s", i, cases[i].error);
		snprintf(want, sizeof(want), "%s:%s", path, cases[i].error);
		if (strcmp(err, want) != 0)
			fail_msg("case %zu:\n got: %s\nwant: %s", i, err, want);
	}
}

static void
config_reads_redis_options_and_secret_files(void **state)
{
	char err[512], path[64], pw[64], key[64], text[1024];
	struct config_redis_addr a;
	struct config *c;

	(void)state;
	write_temp(pw, "s3cret\nnot this line\n");
	write_temp(key, "k\x01y\r\n\n");
	snprintf(text, sizeof(text),
	    "redis = \"[::1]:6380\"\nredis_db = 3\nredis_user = \"zm\"\n"
	    "redis_password = \"ignored\"\nredis_password_file = \"%s\"\n"
	    "hmac_key_file = \"%s\"\nredis_fallback = \"tempfail\"\n"
	    "relay_name = \"relay-1.example\"\n", pw, key);
	c = config_from_text(text, path, err, sizeof(err));
	unlink(pw);
	unlink(key);
	if (c == NULL)
		fail_msg("%s", err);
	assert_string_equal(c->redis_password, "s3cret");
	assert_int_equal(c->hmac_key_len, 3);
	assert_memory_equal(c->hmac_key, "k\x01y", 3);
	assert_int_equal(c->redis_fallback, CONFIG_FALLBACK_TEMPFAIL);
	assert_string_equal(config_fallback_name(c->redis_fallback), "tempfail");
	assert_string_equal(c->relay_name, "relay-1.example");
	assert_true(config_redis_address(c->redis, &a));
	assert_false(a.is_unix);
	assert_string_equal(a.host, "::1");
	assert_int_equal(a.port, 6380);
	assert_true(config_redis_address("unix:/run/redis.sock", &a));
	assert_true(a.is_unix);
	assert_string_equal(a.path, "/run/redis.sock");
	assert_true(config_redis_address("redis.example:6379", &a));
	assert_string_equal(a.host, "redis.example");
	assert_false(config_redis_address("unix:relative", &a));
	assert_false(config_redis_address("[::1]6379", &a));
	assert_false(config_redis_address("host:", &a));
	config_free(c);
}

static void
config_reads_dnsbl_zones(void **state)
{
	char err[512], path[64];
	struct config *c;

	(void)state;
	c = config_from_text(
	    "dns_forwarders = { \"127.0.0.1@5353\", \"::1\" }\n"
	    "dnsbl \"xbl.example.net\" {\n type = \"ip\"\n"
	    " codes = { \"127.0.0.4 infected 100\", \"127.0.0.10-127.0.0.11 "
	    "policy 0\" }\n}\n"
	    "dnsbl \"dbl.example.net\" {\n type = \"domain\"\n"
	    " codes = { \"127.0.1.0/24 spam 40\" }\n}\n",
	    path, err, sizeof(err));
	if (c == NULL)
		fail_msg("%s", err);
	assert_int_equal(c->ndns_forwarders, 2);
	assert_string_equal(c->dns_forwarders[0], "127.0.0.1@5353");
	assert_int_equal(c->nzones, 2);
	assert_string_equal(c->zones[0].name, "xbl.example.net");
	assert_int_equal(c->zones[0].kind, DNSBL_KIND_IP);
	assert_int_equal(c->zones[0].ncodes, 2);
	assert_int_equal(c->zones[0].codes[0].points, 100);
	assert_string_equal(c->zones[0].codes[1].class, "policy");
	assert_int_equal(c->zones[1].kind, DNSBL_KIND_DOMAIN);
	assert_int_equal(c->zones[1].codes[0].hi & 0xff, 255);
	config_free(c);
}

static void
config_missing_file_is_an_error(void **state)
{
	char err[256];

	(void)state;
	assert_null(config_load("/nonexistent/zm.conf", err, sizeof(err)));
	assert_string_equal(err,
	    "/nonexistent/zm.conf: cannot read: No such file or directory");
}

static void
config_exempt_matches_networks(void **state)
{
	char err[256];
	struct config *c = config_load(NULL, err, sizeof(err));
	struct netaddr a;

	(void)state;
	assert_true(netaddr_parse("127.0.0.1", &a));
	assert_true(config_is_exempt(c, &a));
	assert_true(netaddr_parse("::1", &a));
	assert_true(config_is_exempt(c, &a));
	assert_true(netaddr_parse("192.0.2.1", &a));
	assert_false(config_is_exempt(c, &a));
	config_free(c);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(config_defaults_without_a_file),
		cmocka_unit_test(config_sample_file_matches_defaults),
		cmocka_unit_test(config_delegated_prefix_of_a_client),
		cmocka_unit_test(config_reads_every_kind_of_value),
		cmocka_unit_test(config_signal_defaults),
		cmocka_unit_test(config_reads_signal_options),
		cmocka_unit_test(config_reads_signal_booleans_and_lists),
		cmocka_unit_test(config_errors_name_file_line_option_and_reason),
		cmocka_unit_test(config_reads_redis_options_and_secret_files),
		cmocka_unit_test(config_reads_dnsbl_zones),
		cmocka_unit_test(config_missing_file_is_an_error),
		cmocka_unit_test(config_exempt_matches_networks),
	};

	return cmocka_run_group_tests_name("config", tests, NULL, NULL);
}
