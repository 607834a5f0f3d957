/*
 * The SPF, behaviour and bulk signals through engine_decide(), with the
 * embedded store and a fake clock: each reason at its limit and one past
 * it, the windows sliding, refusals counted, a quarantine starting the
 * host afresh.
 */
#include "testutil.h"

#include "behaviour.h"
#include "engine.h"

struct fixture {
	struct config *cfg;
	struct engine *engine;
};

#define T0	1000000

/*
 * A day-long rate window that never scores (so the store keeps a host for
 * a day), thresholds no signal here reaches alone, small limits.  Points
 * are the defaults: spf=fail 30, spf=softfail 10, helo=ip 15,
 * helo=nofqdn 10, helo=self 40, helo=freemail 40, rcptdomains 10,
 * rcptdomains.window 20, rejected 30, fromdomains 40, refused 70, bulk 20,
 * bulk.hosts 40.
 */
static const char day_window[] =
    "window \"1d\" { length = 86400 buckets = 24 messages = 0 "
    "recipients = 0 points = 0 }\n";

static const char base_conf[] =
    "threshold_tag = 1\nthreshold_tempfail = 1000\nthreshold_reject = 2000\n"
    "threshold_quarantine = 0\nquarantine_time = 600\n"
    "relay_name = \"relay.example.net\"\n"
    "behaviour_window = 600\nbulk_window = 300\n"
    "rcpt_domains_per_message = 3\nrcpt_domains_per_window = 5\n"
    "rejected_rcpts_min = 5\nrejected_rcpts_percent = 50\n"
    "from_domains_per_window = 3\nrefused_per_window = 2\n"
    "bulk_host_recipients = 10\nbulk_hosts = 3\n";

/* Two bodies' fingerprints, as fingerprint_final() writes them. */
static const char fp_a[] =
    "1a2b3c4d00112233445566778899aabbccddeeff00112233445566778899aabb";
static const char fp_b[] =
    "99887766554433221100ffeeddccbbaa99887766554433221100ffeeddccbbaa";

/* extra replaces the thresholds' and quarantine's lines when it sets
 * them (libconfuse keeps the last assignment). */
static struct fixture *
setup_with(const char *window, const char *extra)
{
	struct fixture *f = calloc(1, sizeof(*f));
	char text[4096];

	assert_non_null(f);
	snprintf(text, sizeof(text), "%s%s%s", window != NULL ? window
	    : day_window, base_conf, extra);
	f->engine = engine_from_text(text, &f->cfg);
	fake_now = T0;
	return f;
}

static int
setup(void **state)
{
	*state = setup_with(NULL, "");
	return 0;
}

/* spf=fail and spf=softfail refuse: the way to make refusals. */
static int
setup_refusing(void **state)
{
	*state = setup_with(NULL, "spf_fail_points = 1000\n"
	    "spf_softfail_points = 1000\n");
	return 0;
}

static int
setup_refusing_monitor(void **state)
{
	*state = setup_with(NULL, "spf_fail_points = 1000\n"
	    "mode = \"monitor\"\n");
	return 0;
}

/* spf=softfail refuses (tempfail), spf=fail quarantines. */
static int
setup_quarantining(void **state)
{
	*state = setup_with(NULL, "spf_softfail_points = 1000\n"
	    "spf_fail_points = 3000\nthreshold_quarantine = 3000\n"
	    "quarantine_time = 60\n");
	return 0;
}

/* Every limit off. */
static int
setup_off(void **state)
{
	*state = setup_with(NULL, "rcpt_domains_per_message = 0\n"
	    "rcpt_domains_per_window = 0\nrejected_rcpts_percent = 0\n"
	    "from_domains_per_window = 0\nrefused_per_window = 0\n"
	    "bulk_host_recipients = 0\nbulk_hosts = 0\n"
	    "spf_fail_points = 1000\n");
	return 0;
}

static int
setup_no_bulk(void **state)
{
	*state = setup_with(NULL, "bulk = false\n");
	return 0;
}

/* The rate windows are shorter than the behaviour and bulk windows. */
static int
setup_short_rate_window(void **state)
{
	*state = setup_with("window \"1m\" { length = 60 buckets = 6 "
	    "messages = 0 recipients = 0 points = 0 }\n", "");
	return 0;
}

static int
teardown(void **state)
{
	struct fixture *f = *state;

	engine_free(f->engine);
	config_free(f->cfg);
	free(f);
	return 0;
}

/* A message; rcpts is a comma list of recipient domains, NULL for none
 * kept; nrcpts the accepted recipients (0: one per listed domain). */
struct msg {
	const char *host;
	const char *helo;
	const char *mta_name;
	const char *from;
	const char *rcpts;
	unsigned nrcpts;
	unsigned rejected;
	const char *fp;
	enum spf_result spf;
};

static struct engine_decision last;

/* Decide m at the fake clock; the reasons, "-" for none. */
static const char *
decide(struct fixture *f, const struct msg *in)
{
	static char why[1024];
	static struct domain_set set;
	struct engine_message m;
	char list[1024], addr[300], *tok, *save = NULL;
	unsigned n = 0;

	memset(&m, 0, sizeof(m));
	memset(&set, 0, sizeof(set));
	m.host = in->host;
	m.helo = in->helo;
	m.mta_name = in->mta_name;
	m.from = in->from;
	m.rejected = in->rejected;
	m.fp = in->fp;
	m.spf = in->spf;
	if (in->rcpts != NULL) {
		snprintf(list, sizeof(list), "%s", in->rcpts);
		for (tok = strtok_r(list, ",", &save); tok != NULL;
		    tok = strtok_r(NULL, ",", &save)) {
			snprintf(addr, sizeof(addr), "user%u@%s", n++, tok);
			domain_set_add(&set, addr);
		}
		m.rcpt_domains = &set;
	}
	m.rcpts = in->nrcpts > 0 ? in->nrcpts : n;
	engine_decide(f->engine, &m, &last);
	return score_explain(&last.score, why, sizeof(why));
}

#define DECIDE(f, ...)	decide((f), &(const struct msg){ __VA_ARGS__ })

static const char *
helo(struct fixture *f, const char *name, const char *mta_name)
{
	return DECIDE(f, .host = "198.51.100.1", .helo = name,
	    .mta_name = mta_name, .nrcpts = 1);
}

static void
signals_helo(void **state)
{
	struct fixture *f = *state;

	assert_string_equal(helo(f, "pc1.example.org", NULL), "-");
	assert_string_equal(helo(f, NULL, NULL), "-");
	assert_string_equal(helo(f, "", NULL), "-");
	/* A bare address or an address literal. */
	assert_string_equal(helo(f, "192.0.2.1", NULL), "helo=ip(+15)");
	assert_string_equal(helo(f, "[192.0.2.1]", NULL), "helo=ip(+15)");
	assert_string_equal(helo(f, "2001:db8::1", NULL), "helo=ip(+15)");
	assert_string_equal(helo(f, "[IPv6:2001:db8::1]", NULL),
	    "helo=ip(+15)");
	/* No dot. */
	assert_string_equal(helo(f, "PC-1234", NULL), "helo=nofqdn(+10)");
	assert_string_equal(helo(f, "localhost", NULL), "helo=nofqdn(+10)");
	/* The relay's own name: relay_name, or the MTA's $j. */
	assert_string_equal(helo(f, "relay.example.net", NULL),
	    "helo=self(+40)");
	assert_string_equal(helo(f, "Relay.EXAMPLE.net", NULL),
	    "helo=self(+40)");
	assert_string_equal(helo(f, "mx1.isp.example", "mx1.isp.example"),
	    "helo=self(+40)");
	assert_string_equal(helo(f, "MX1.isp.example", "mx1.ISP.example"),
	    "helo=self(+40)");
	assert_string_equal(helo(f, "mx2.isp.example", "mx1.isp.example"), "-");
	assert_string_equal(helo(f, "mx.relay.example.net", NULL), "-");
	assert_string_equal(helo(f, "", ""), "-");
	/* A freemail domain, or a name under one. */
	assert_string_equal(helo(f, "gmail.com", NULL), "helo=freemail(+40)");
	assert_string_equal(helo(f, "mx.gmail.com", NULL), "helo=freemail(+40)");
	assert_string_equal(helo(f, "MX.GMail.Com", NULL), "helo=freemail(+40)");
	assert_string_equal(helo(f, "smtp.mail.ru", NULL), "helo=freemail(+40)");
	assert_string_equal(helo(f, "notgmail.com", NULL), "-");
	assert_string_equal(helo(f, "gmail.com.example.org", NULL), "-");
	/* Reasons add up. */
	assert_string_equal(helo(f, "gmail", "gmail"),
	    "helo=nofqdn(+10),helo=self(+40)");
	assert_int_equal(last.score.total, 50);
}

static void
signals_helo_freemail_list_is_configurable(void **state)
{
	struct fixture *f;

	(void)state;
	f = setup_with(NULL, "freemail_domains = { \"Mail.Example.ORG\", "
	    "\"isp.example\" }\nhelo_freemail_points = 7\n");
	assert_string_equal(helo(f, "gmail.com", NULL), "-");
	assert_string_equal(helo(f, "mail.example.org", NULL),
	    "helo=freemail(+7)");
	assert_string_equal(helo(f, "a.b.MAIL.example.org", NULL),
	    "helo=freemail(+7)");
	assert_string_equal(helo(f, "example.org", NULL), "-");
	assert_string_equal(helo(f, "dsl-1.isp.example", NULL),
	    "helo=freemail(+7)");
	teardown((void **)&f);
	/* An empty list: none. */
	f = setup_with(NULL, "freemail_domains = {}\n");
	assert_string_equal(helo(f, "gmail.com", NULL), "-");
	teardown((void **)&f);
}

static void
signals_rcpt_domains_per_message(void **state)
{
	struct fixture *f = *state;

	/* Each message from a host of its own: no window in play. */
	assert_string_equal(DECIDE(f, .host = "192.0.2.1",
	    .rcpts = "a.example,b.example,c.example"), "-");
	assert_string_equal(DECIDE(f, .host = "192.0.2.2",
	    .rcpts = "a.example,b.example,c.example,d.example"),
	    "rcptdomains=4/3(+10)");
	/* Distinct domains, whatever their case, however many recipients. */
	assert_string_equal(DECIDE(f, .host = "192.0.2.3",
	    .rcpts = "a.example,B.EXAMPLE,c.example,A.example,b.example",
	    .nrcpts = 40), "-");
	assert_string_equal(DECIDE(f, .host = "192.0.2.4",
	    .rcpts = "a.example,b.example,c.example,d.example,e.example,"
	    "f.example,g.example,h.example,i.example,j.example,k.example"),
	    "rcptdomains=11/3(+10),rcptdomains.window=6/5(+20)");
	/* No set kept: nothing known. */
	assert_string_equal(DECIDE(f, .host = "192.0.2.5", .nrcpts = 50), "-");
}

static void
signals_rcpt_domains_per_window(void **state)
{
	struct fixture *f = *state;

	assert_string_equal(DECIDE(f, .host = "192.0.2.1",
	    .rcpts = "a.example,b.example"), "-");
	fake_now += 10;
	assert_string_equal(DECIDE(f, .host = "192.0.2.1",
	    .rcpts = "c.example,d.example,e.example"), "-");
	/* Seen already: still 5. */
	assert_string_equal(DECIDE(f, .host = "192.0.2.1",
	    .rcpts = "a.example,E.example"), "-");
	/* Another host has a window of its own. */
	assert_string_equal(DECIDE(f, .host = "192.0.2.2",
	    .rcpts = "f.example,g.example"), "-");
	assert_string_equal(DECIDE(f, .host = "192.0.2.1",
	    .rcpts = "f.example"), "rcptdomains.window=6/5(+20)");
	assert_string_equal(DECIDE(f, .host = "192.0.2.1",
	    .rcpts = "g.example,h.example"), "rcptdomains.window=6/5(+20)");
}

static void
signals_rejected_ratio(void **state)
{
	static const struct {
		unsigned rcpts, rejected;
		const char *reasons;
	} cases[] = {
		{ 2, 3, "rejected=3/5(+30)" },	/* 60 % of 5 */
		{ 3, 3, "rejected=3/6(+30)" },	/* 50 %: at the limit */
		{ 5, 5, "rejected=5/10(+30)" },
		{ 0, 5, "rejected=5/5(+30)" },
		{ 4, 3, "-" },			/* 42 % */
		{ 6, 5, "-" },			/* 45 % */
		{ 3, 2, "-" },			/* 40 % */
		{ 1, 3, "-" },			/* 75 %, but 4 tried < 5 */
		{ 0, 4, "-" },			/* 100 %, but 4 tried */
		{ 10, 0, "-" },
	};
	struct fixture *f = *state;
	const char *got;
	size_t i;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		got = DECIDE(f, .host = "192.0.2.1", .nrcpts = cases[i].rcpts,
		    .rejected = cases[i].rejected);
		if (strcmp(got, cases[i].reasons) != 0)
			fail_msg("case %zu (%u+%u): %s, want %s", i,
			    cases[i].rcpts, cases[i].rejected, got,
			    cases[i].reasons);
	}
}

static void
signals_rejected_ratio_other_limits(void **state)
{
	struct fixture *f;

	(void)state;
	f = setup_with(NULL, "rejected_rcpts_min = 1\n"
	    "rejected_rcpts_percent = 34\n");
	assert_string_equal(DECIDE(f, .host = "192.0.2.1", .nrcpts = 2,
	    .rejected = 1), "-");		/* 33.3 % */
	assert_string_equal(DECIDE(f, .host = "192.0.2.1", .nrcpts = 0,
	    .rejected = 1), "rejected=1/1(+30)");
	assert_string_equal(DECIDE(f, .host = "192.0.2.1", .nrcpts = 33,
	    .rejected = 17), "rejected=17/50(+30)");	/* 34 % */
	assert_string_equal(DECIDE(f, .host = "192.0.2.1", .nrcpts = 34,
	    .rejected = 17), "-");		/* 33.3 % */
	teardown((void **)&f);
	f = setup_with(NULL, "rejected_rcpts_percent = 100\n");
	assert_string_equal(DECIDE(f, .host = "192.0.2.1", .nrcpts = 1,
	    .rejected = 9), "-");
	assert_string_equal(DECIDE(f, .host = "192.0.2.1", .rejected = 9),
	    "rejected=9/9(+30)");
	teardown((void **)&f);
}

static void
signals_from_domains(void **state)
{
	struct fixture *f = *state;

	assert_string_equal(DECIDE(f, .host = "192.0.2.1",
	    .from = "a@d1.example"), "-");
	assert_string_equal(DECIDE(f, .host = "192.0.2.1",
	    .from = "<b@d2.example>"), "-");
	assert_string_equal(DECIDE(f, .host = "192.0.2.1",
	    .from = "c@d3.example"), "-");
	/* The null sender, none, one seen before (any case): still 3. */
	assert_string_equal(DECIDE(f, .host = "192.0.2.1", .from = "<>"), "-");
	assert_string_equal(DECIDE(f, .host = "192.0.2.1", .from = NULL), "-");
	assert_string_equal(DECIDE(f, .host = "192.0.2.1",
	    .from = "<x@D1.Example>"), "-");
	/* Another host's domains are its own. */
	assert_string_equal(DECIDE(f, .host = "192.0.2.2",
	    .from = "d@d4.example"), "-");
	assert_string_equal(DECIDE(f, .host = "192.0.2.1",
	    .from = "d@d4.example"), "fromdomains=4/3(+40)");
	assert_string_equal(DECIDE(f, .host = "192.0.2.1",
	    .from = "a@d1.example"), "fromdomains=4/3(+40)");
}

static void
signals_refused_counts_after_the_limit(void **state)
{
	struct fixture *f = *state;
	int i;

	for (i = 1; i <= 3; i++) {
		/* Refused, and the refusals before it are within the limit. */
		assert_string_equal(DECIDE(f, .host = "192.0.2.1",
		    .spf = ZM_SPF_FAIL), "spf=fail(+1000)");
		assert_int_equal(last.verdict, VERDICT_TEMPFAIL);
		fake_now += 10;
		/* 1 and 2 refusals: not more than 2. */
		if (i < 3)
			assert_string_equal(DECIDE(f, .host = "192.0.2.1"), "-");
	}
	/* Three refused before it. */
	assert_string_equal(DECIDE(f, .host = "192.0.2.1"), "refused=3/2(+70)");
	assert_int_equal(last.verdict, VERDICT_TAG);
	/* Accepted mail is no refusal. */
	assert_string_equal(DECIDE(f, .host = "192.0.2.1"), "refused=3/2(+70)");
	/* A fourth, and it counts for itself too. */
	assert_string_equal(DECIDE(f, .host = "192.0.2.1", .spf = ZM_SPF_FAIL),
	    "spf=fail(+1000),refused=3/2(+70)");
	assert_string_equal(DECIDE(f, .host = "192.0.2.1"), "refused=4/2(+70)");
	/* Another host has not been refused. */
	assert_string_equal(DECIDE(f, .host = "192.0.2.2"), "-");
	/* Counted from the first refusal (T0): gone once it is a window
	 * old, however recent the others. */
	fake_now = T0 + 599;
	assert_string_equal(DECIDE(f, .host = "192.0.2.1"), "refused=4/2(+70)");
	fake_now = T0 + 600;
	assert_string_equal(DECIDE(f, .host = "192.0.2.1"), "-");
	/* And a fresh count starts. */
	assert_string_equal(DECIDE(f, .host = "192.0.2.1", .spf = ZM_SPF_FAIL),
	    "spf=fail(+1000)");
	assert_string_equal(DECIDE(f, .host = "192.0.2.1"), "-");
}

/* What monitor mode would have refused is a refusal too. */
static void
signals_refused_in_monitor_mode(void **state)
{
	struct fixture *f = *state;
	int i;

	for (i = 0; i < 3; i++) {
		DECIDE(f, .host = "192.0.2.1", .spf = ZM_SPF_FAIL);
		assert_int_equal(last.verdict, VERDICT_ACCEPT);
		assert_int_equal(last.would, VERDICT_TEMPFAIL);
	}
	assert_string_equal(DECIDE(f, .host = "192.0.2.1"), "refused=3/2(+70)");
}

static void
signals_behaviour_windows_expire(void **state)
{
	struct fixture *f = *state;
	/* behaviour_window 600: generations of 300 s (store.h); G starts one */
	const time_t G = T0 - T0 % 300 + 300;

	/* G: three sender domains, three recipient domains. */
	fake_now = G;
	assert_string_equal(DECIDE(f, .host = "192.0.2.1",
	    .from = "a@d1.example", .rcpts = "r1.example,r2.example"), "-");
	assert_string_equal(DECIDE(f, .host = "192.0.2.1",
	    .from = "a@d2.example", .rcpts = "r3.example"), "-");
	fake_now = G + 100;
	assert_string_equal(DECIDE(f, .host = "192.0.2.1",
	    .from = "a@d3.example", .rcpts = "r4.example,r5.example"), "-");
	/* The next generation, all still there. */
	fake_now = G + 599;
	assert_string_equal(DECIDE(f, .host = "192.0.2.1",
	    .from = "a@d4.example", .rcpts = "r6.example"),
	    "rcptdomains.window=6/5(+20),fromdomains=4/3(+40)");
	/* Two generations on, G's are gone: d4 and d5; r6 and r7. */
	fake_now = G + 600;
	assert_string_equal(DECIDE(f, .host = "192.0.2.1",
	    .from = "a@d5.example", .rcpts = "r7.example"), "-");
	/* Seeing a domain again brings it back: d3 and r4 again. */
	fake_now = G + 650;
	assert_string_equal(DECIDE(f, .host = "192.0.2.1",
	    .from = "a@d3.example", .rcpts = "r4.example"), "-");
	/* d3, d4, d5, d6. */
	fake_now = G + 701;
	assert_string_equal(DECIDE(f, .host = "192.0.2.1",
	    .from = "a@d6.example"), "fromdomains=4/3(+40)");
	/* And r4 too (r5, seen with it in G, is gone): r4, r6, r7, r8, r9,
	 * then r10. */
	assert_string_equal(DECIDE(f, .host = "192.0.2.1",
	    .rcpts = "r8.example,r9.example"), "fromdomains=4/3(+40)");
	assert_string_equal(DECIDE(f, .host = "192.0.2.1",
	    .rcpts = "r10.example"),
	    "rcptdomains.window=6/5(+20),fromdomains=4/3(+40)");
	/* Two generations after G + 701's, only what came since. */
	fake_now = G + 1250;
	assert_string_equal(DECIDE(f, .host = "192.0.2.1",
	    .from = "a@d7.example", .rcpts = "r1.example"), "-");
	/* Long after, a clean host. */
	fake_now = G + 5000;
	assert_string_equal(DECIDE(f, .host = "192.0.2.1",
	    .from = "a@d8.example", .rcpts = "r8.example"), "-");
}

static void
signals_bulk_per_host(void **state)
{
	struct fixture *f = *state;

	assert_string_equal(DECIDE(f, .host = "192.0.2.1", .fp = fp_a,
	    .nrcpts = 6), "-");
	/* 10: the limit. */
	assert_string_equal(DECIDE(f, .host = "192.0.2.1", .fp = fp_a,
	    .nrcpts = 4), "-");
	/* Rejected recipients are not recipients of the body. */
	assert_string_equal(DECIDE(f, .host = "192.0.2.1", .fp = fp_a,
	    .nrcpts = 0, .rejected = 4), "-");
	/* Another body, another host: counts of their own. */
	assert_string_equal(DECIDE(f, .host = "192.0.2.1", .fp = fp_b,
	    .nrcpts = 10), "-");
	assert_string_equal(DECIDE(f, .host = "192.0.2.2", .fp = fp_a,
	    .nrcpts = 10), "-");
	/* No fingerprint (a short body): nothing. */
	assert_string_equal(DECIDE(f, .host = "192.0.2.1", .nrcpts = 50), "-");
	/* This message's recipient makes 11. */
	assert_string_equal(DECIDE(f, .host = "192.0.2.1", .fp = fp_a,
	    .nrcpts = 1), "bulk=1a2b3c4d:11rcpt/10(+20)");
	assert_string_equal(DECIDE(f, .host = "192.0.2.1", .fp = fp_a,
	    .nrcpts = 2), "bulk=1a2b3c4d:13rcpt/10(+20)");
	/* All at once. */
	assert_string_equal(DECIDE(f, .host = "192.0.2.3", .fp = fp_b,
	    .nrcpts = 11), "bulk=99887766:11rcpt/10(+20)");
}

static void
signals_bulk_window_expires(void **state)
{
	struct fixture *f = *state;

	/* Counted from the body's first message, for bulk_window (300). */
	assert_string_equal(DECIDE(f, .host = "192.0.2.1", .fp = fp_a,
	    .nrcpts = 5), "-");
	fake_now = T0 + 200;
	assert_string_equal(DECIDE(f, .host = "192.0.2.1", .fp = fp_a,
	    .nrcpts = 5), "-");
	fake_now = T0 + 299;
	assert_string_equal(DECIDE(f, .host = "192.0.2.1", .fp = fp_a,
	    .nrcpts = 1), "bulk=1a2b3c4d:11rcpt/10(+20)");
	fake_now = T0 + 300;
	assert_string_equal(DECIDE(f, .host = "192.0.2.1", .fp = fp_a,
	    .nrcpts = 10), "-");
	assert_string_equal(DECIDE(f, .host = "192.0.2.1", .fp = fp_a,
	    .nrcpts = 1), "bulk=1a2b3c4d:11rcpt/10(+20)");
}

static void
signals_bulk_across_hosts(void **state)
{
	struct fixture *f = *state;
	char host[32];
	int i;

	for (i = 1; i <= 3; i++) {
		snprintf(host, sizeof(host), "203.0.113.%d", i);
		assert_string_equal(DECIDE(f, .host = host, .fp = fp_a,
		    .nrcpts = 1), "-");
		/* The same host again is not another host. */
		assert_string_equal(DECIDE(f, .host = host, .fp = fp_a,
		    .nrcpts = 1), "-");
	}
	/* Another body is another campaign. */
	assert_string_equal(DECIDE(f, .host = "203.0.113.4", .fp = fp_b,
	    .nrcpts = 1), "-");
	assert_string_equal(DECIDE(f, .host = "203.0.113.4", .fp = fp_a,
	    .nrcpts = 1), "bulk.hosts=1a2b3c4d:4/3(+40)");
	/* Every sender of it scores now, the earlier ones too. */
	assert_string_equal(DECIDE(f, .host = "203.0.113.1", .fp = fp_a,
	    .nrcpts = 1), "bulk.hosts=1a2b3c4d:4/3(+40)");
	/* Both at once. */
	assert_string_equal(DECIDE(f, .host = "203.0.113.5", .fp = fp_a,
	    .nrcpts = 11),
	    "bulk=1a2b3c4d:11rcpt/10(+20),bulk.hosts=1a2b3c4d:5/3(+40)");
	/* bulk_window after the first: a new count. */
	fake_now = T0 + 300;
	assert_string_equal(DECIDE(f, .host = "203.0.113.6", .fp = fp_a,
	    .nrcpts = 1), "-");
}

static void
signals_bulk_off(void **state)
{
	struct fixture *f = *state;
	char host[32];
	int i;

	for (i = 1; i <= 5; i++) {
		snprintf(host, sizeof(host), "203.0.113.%d", i);
		assert_string_equal(DECIDE(f, .host = host, .fp = fp_a,
		    .nrcpts = 20), "-");
	}
}

/* Every limit at 0: none of those reasons, whatever the host does. */
static void
signals_zero_limits_are_off(void **state)
{
	struct fixture *f = *state;
	char host[32], from[64];
	int i;

	for (i = 1; i <= 5; i++) {
		snprintf(host, sizeof(host), "203.0.113.%d", i);
		snprintf(from, sizeof(from), "x@d%d.example", i);
		assert_string_equal(DECIDE(f, .host = host, .fp = fp_a,
		    .nrcpts = 20, .rcpts = "a.example,b.example,c.example,"
		    "d.example,e.example,f.example,g.example"), "-");
		assert_string_equal(DECIDE(f, .host = "192.0.2.1", .from = from,
		    .rejected = 10, .rcpts = "a.example,b.example,c.example,"
		    "d.example,e.example,f.example,g.example"), "-");
		assert_string_equal(DECIDE(f, .host = "192.0.2.1",
		    .spf = ZM_SPF_FAIL), "spf=fail(+1000)");
	}
}

static void
signals_quarantine_resets_the_host(void **state)
{
	struct fixture *f = *state;
	static const char *const hosts[] = { "192.0.2.1", "192.0.2.2" };
	struct engine_decision d;
	struct engine_message mf = { .host = "192.0.2.1" };
	size_t h;
	int i;

	/* Both hosts get to every limit: 3 refusals, 3 sender domains, 5
	 * recipient domains, 10 recipients of a body. */
	for (h = 0; h < 2; h++) {
		for (i = 0; i < 3; i++) {
			DECIDE(f, .host = hosts[h], .spf = ZM_SPF_SOFTFAIL);
			assert_int_equal(last.verdict, VERDICT_TEMPFAIL);
		}
		DECIDE(f, .host = hosts[h], .from = "a@d1.example",
		    .rcpts = "r1.example,r2.example,r3.example", .fp = fp_a,
		    .nrcpts = 5);
		DECIDE(f, .host = hosts[h], .from = "a@d2.example",
		    .rcpts = "r4.example,r5.example", .fp = fp_a, .nrcpts = 5);
		assert_string_equal(DECIDE(f, .host = hosts[h],
		    .from = "a@d3.example"), "refused=3/2(+70)");
	}
	/* The first is quarantined. */
	DECIDE(f, .host = hosts[0], .spf = ZM_SPF_FAIL);
	assert_int_equal(last.verdict, VERDICT_QUARANTINE);
	engine_check_mail(f->engine, &mf, &d);
	assert_int_equal(d.verdict, VERDICT_REJECT);
	/* Released a minute later, well within the windows, it starts
	 * clean; the other did not. */
	fake_now += 60;
	engine_check_mail(f->engine, &mf, &d);
	assert_int_equal(d.verdict, VERDICT_ACCEPT);
	assert_string_equal(DECIDE(f, .host = hosts[0], .from = "a@d4.example",
	    .rcpts = "r6.example", .fp = fp_a, .nrcpts = 1), "-");
	assert_string_equal(DECIDE(f, .host = hosts[1], .from = "a@d4.example",
	    .rcpts = "r6.example", .fp = fp_a, .nrcpts = 1),
	    "rcptdomains.window=6/5(+20),fromdomains=4/3(+40),"
	    "refused=3/2(+70),bulk=1a2b3c4d:11rcpt/10(+20)");
}

static void
signals_spf(void **state)
{
	static const struct {
		enum spf_result spf;
		const char *reasons;
	} cases[] = {
		{ ZM_SPF_UNCHECKED, "-" },
		{ ZM_SPF_NONE, "-" },
		{ ZM_SPF_NEUTRAL, "-" },
		{ ZM_SPF_PASS, "-" },
		{ ZM_SPF_FAIL, "spf=fail(+30)" },
		{ ZM_SPF_SOFTFAIL, "spf=softfail(+10)" },
		{ ZM_SPF_TEMPERROR, "-" },
		/* Named, never evidence: a broken or hostile record. */
		{ ZM_SPF_PERMERROR, "spf=permerror" },
	};
	struct fixture *f = *state;
	const char *got;
	size_t i;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		got = DECIDE(f, .host = "192.0.2.1", .nrcpts = 1,
		    .spf = cases[i].spf);
		if (strcmp(got, cases[i].reasons) != 0)
			fail_msg("%s: %s, want %s",
			    spf_result_name(cases[i].spf), got,
			    cases[i].reasons);
	}
	/* Without a host (no address) it still counts. */
	assert_string_equal(DECIDE(f, .nrcpts = 1, .spf = ZM_SPF_FAIL),
	    "spf=fail(+30)");
}

static void
signals_spf_points_are_configurable(void **state)
{
	struct fixture *f;

	(void)state;
	f = setup_with(NULL, "spf_fail_points = 55\nspf_softfail_points = 0\n");
	assert_string_equal(DECIDE(f, .host = "192.0.2.1", .spf = ZM_SPF_FAIL),
	    "spf=fail(+55)");
	/* Worth nothing, it still explains. */
	assert_string_equal(DECIDE(f, .host = "192.0.2.1",
	    .spf = ZM_SPF_SOFTFAIL), "spf=softfail");
	assert_int_equal(last.score.total, 0);
	teardown((void **)&f);
}

/*
 * A refusal must not wipe the host's bulk counts: 10 recipients of the
 * body, a refused message (no body), then one more recipient is 11.
 */
static void
signals_refusal_keeps_bulk_counts(void **state)
{
	struct fixture *f = *state;

	assert_string_equal(DECIDE(f, .host = "192.0.2.1", .fp = fp_a,
	    .nrcpts = 10), "-");
	fake_now += 1;
	DECIDE(f, .host = "192.0.2.1", .spf = ZM_SPF_FAIL);
	assert_int_equal(last.verdict, VERDICT_TEMPFAIL);
	fake_now += 1;
	assert_string_equal(DECIDE(f, .host = "192.0.2.1", .fp = fp_a,
	    .nrcpts = 1), "bulk=1a2b3c4d:11rcpt/10(+20)");
}

/*
 * A deferred message's retries do not add its body's recipients again:
 * the refusal takes them back with the counts.
 */
static void
signals_refused_body_taken_back(void **state)
{
	struct fixture *f = *state;
	int i;

	assert_string_equal(DECIDE(f, .host = "192.0.2.1", .fp = fp_a,
	    .nrcpts = 6), "-");
	/* The same body, deferred twice (spf=fail tempfails here; a third
	 * refusal would cross refused_per_window = 2). */
	for (i = 0; i < 2; i++) {
		fake_now += 1;
		DECIDE(f, .host = "192.0.2.1", .fp = fp_a, .nrcpts = 4,
		    .spf = ZM_SPF_FAIL);
		assert_int_equal(last.verdict, VERDICT_TEMPFAIL);
	}
	/* Only what went through counts: 6 + 4 = 10, not 18. */
	fake_now += 1;
	assert_string_equal(DECIDE(f, .host = "192.0.2.1", .fp = fp_a,
	    .nrcpts = 4), "-");
	fake_now += 1;
	assert_string_equal(DECIDE(f, .host = "192.0.2.1", .fp = fp_a,
	    .nrcpts = 1), "bulk=1a2b3c4d:11rcpt/10(+20)");
}

/*
 * The embedded store must keep a host's observations for the behaviour
 * window even when every rate window is shorter: a host idle for 2
 * minutes of a 10-minute behaviour window still has its sender domains.
 */
static void
signals_observations_outlive_short_rate_windows(void **state)
{
	struct fixture *f = *state;

	DECIDE(f, .host = "192.0.2.1", .from = "a@d1.example");
	DECIDE(f, .host = "192.0.2.1", .from = "a@d2.example");
	DECIDE(f, .host = "192.0.2.1", .from = "a@d3.example");
	fake_now += 120;
	/* Other traffic goes through the store meanwhile. */
	DECIDE(f, .host = "192.0.2.9", .from = "a@d9.example");
	assert_string_equal(DECIDE(f, .host = "192.0.2.1",
	    .from = "a@d4.example"), "fromdomains=4/3(+40)");
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(signals_helo, setup, teardown),
		cmocka_unit_test(signals_helo_freemail_list_is_configurable),
		cmocka_unit_test_setup_teardown(signals_rcpt_domains_per_message,
		    setup, teardown),
		cmocka_unit_test_setup_teardown(signals_rcpt_domains_per_window,
		    setup, teardown),
		cmocka_unit_test_setup_teardown(signals_rejected_ratio, setup,
		    teardown),
		cmocka_unit_test(signals_rejected_ratio_other_limits),
		cmocka_unit_test_setup_teardown(signals_from_domains, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(
		    signals_refused_counts_after_the_limit, setup_refusing,
		    teardown),
		cmocka_unit_test_setup_teardown(signals_refused_in_monitor_mode,
		    setup_refusing_monitor, teardown),
		cmocka_unit_test_setup_teardown(signals_behaviour_windows_expire,
		    setup, teardown),
		cmocka_unit_test_setup_teardown(signals_bulk_per_host, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(signals_bulk_window_expires,
		    setup, teardown),
		cmocka_unit_test_setup_teardown(signals_bulk_across_hosts, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(signals_bulk_off, setup_no_bulk,
		    teardown),
		cmocka_unit_test_setup_teardown(signals_zero_limits_are_off,
		    setup_off, teardown),
		cmocka_unit_test_setup_teardown(
		    signals_quarantine_resets_the_host, setup_quarantining,
		    teardown),
		cmocka_unit_test_setup_teardown(signals_spf, setup, teardown),
		cmocka_unit_test(signals_spf_points_are_configurable),
		cmocka_unit_test_setup_teardown(
		    signals_refusal_keeps_bulk_counts, setup_refusing, teardown),
		cmocka_unit_test_setup_teardown(
		    signals_refused_body_taken_back, setup_refusing, teardown),
		cmocka_unit_test_setup_teardown(
		    signals_observations_outlive_short_rate_windows,
		    setup_short_rate_window, teardown),
	};

	return cmocka_run_group_tests_name("signals", tests, NULL, NULL);
}
