/*
 * DNSBL pure logic: return-code maps, query names, classification of
 * answers (errors are unknown, never listed), the signal's reasons.
 */
#include "testutil.h"

#include "dnsbl.h"
#include "signals.h"

static uint32_t
ip(const char *text)
{
	struct netaddr a;

	assert_true(netaddr_parse(text, &a));
	return (uint32_t)a.bytes[0] << 24 | (uint32_t)a.bytes[1] << 16 |
	    (uint32_t)a.bytes[2] << 8 | a.bytes[3];
}

static void
dnsbl_codes_parse_exact_ranges_and_networks(void **state)
{
	struct dnsbl_code c;
	char why[256];

	(void)state;
	assert_true(dnsbl_parse_code("127.0.0.4 infected 100", &c, why,
	    sizeof(why)));
	assert_int_equal(c.lo, ip("127.0.0.4"));
	assert_int_equal(c.hi, ip("127.0.0.4"));
	assert_string_equal(c.class, "infected");
	assert_int_equal(c.points, 100);
	assert_true(dnsbl_parse_code("127.0.0.10-127.0.0.11 policy 0", &c, why,
	    sizeof(why)));
	assert_int_equal(c.hi - c.lo, 1);
	assert_true(dnsbl_parse_code("127.0.1.5/24 dbl 40", &c, why,
	    sizeof(why)));
	assert_int_equal(c.lo, ip("127.0.1.0"));
	assert_int_equal(c.hi, ip("127.0.1.255"));
}

static void
dnsbl_codes_refuse_garbage(void **state)
{
	static const struct {
		const char *text, *why;
	} bad[] = {
		{ "127.0.0.4 infected", "\"127.0.0.4 infected\" is not "
		    "\"CODE CLASS POINTS\"" },
		{ "127.0.0.4 infected 10 extra", "\"127.0.0.4 infected 10 "
		    "extra\" is not \"CODE CLASS POINTS\"" },
		{ "127.0.0.300 x 1", "code \"127.0.0.300 x 1\" is not A.B.C.D, "
		    "A.B.C.D-E.F.G.H or A.B.C.D/N" },
		{ "127.0.0.9-127.0.0.2 x 1", "code \"127.0.0.9-127.0.0.2 x 1\" "
		    "is not A.B.C.D, A.B.C.D-E.F.G.H or A.B.C.D/N" },
		{ "127.0.0.0/33 x 1", "code \"127.0.0.0/33 x 1\" is not "
		    "A.B.C.D, A.B.C.D-E.F.G.H or A.B.C.D/N" },
		{ "127.0.0.2 bad!class 1", "class \"bad!class\" must be up to 23 "
		    "letters, digits, _ or -" },
		{ "127.0.0.2 x -1", "points -1 out of range 0..100000" },
	};
	struct dnsbl_code c;
	char why[256];
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		assert_false(dnsbl_parse_code(bad[i].text, &c, why, sizeof(why)));
		assert_string_equal(why, bad[i].why);
	}
}

static void
dnsbl_query_names(void **state)
{
	struct netaddr a;
	char q[512], long_name[251];

	(void)state;
	assert_true(netaddr_parse("192.0.2.7", &a));
	assert_true(dnsbl_ip_qname(&a, "xbl.example", q, sizeof(q)));
	assert_string_equal(q, "7.2.0.192.xbl.example");
	assert_true(netaddr_parse("2001:db8::1", &a));
	assert_true(dnsbl_ip_qname(&a, "v6.example", q, sizeof(q)));
	assert_string_equal(q, "1.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0."
	    "0.8.b.d.0.1.0.0.2.v6.example");
	assert_true(dnsbl_domain_qname("Spam-Domain.EXAMPLE.", "dbl.example", q,
	    sizeof(q)));
	assert_string_equal(q, "spam-domain.example.dbl.example");
	/* Not host names: nothing to look up. */
	assert_false(dnsbl_domain_qname("[192.0.2.1]", "dbl.example", q,
	    sizeof(q)));
	assert_false(dnsbl_domain_qname("localhost", "dbl.example", q,
	    sizeof(q)));
	assert_false(dnsbl_domain_qname("a..b", "dbl.example", q, sizeof(q)));
	assert_false(dnsbl_domain_qname("x y.example", "dbl.example", q,
	    sizeof(q)));
	assert_false(dnsbl_domain_qname("\xff.example", "dbl.example", q,
	    sizeof(q)));
	assert_false(dnsbl_domain_qname("", "dbl.example", q, sizeof(q)));
	assert_false(dnsbl_domain_qname("192.0.2.1", "dbl.example", q,
	    sizeof(q)));
	assert_true(dnsbl_domain_qname("mx1.192-0-2-1.example", "dbl.example", q,
	    sizeof(q)));
	/* Too long for DNS with the zone: written whole, never cut to fit
	 * (the resolver refuses it, and the lookup is unknown). */
	memset(long_name, 'a', 250);
	for (size_t i = 50; i < 250; i += 51)
		long_name[i] = '.';
	memcpy(long_name + 246, ".net", 5);
	assert_true(dnsbl_domain_qname(long_name, "dbl.example", q, sizeof(q)));
	assert_int_equal(strlen(q), 250 + strlen(".dbl.example"));
}

static void
dnsbl_error_answers_are_unknown_never_listed(void **state)
{
	struct dnsbl_zone z = { "xbl.example", DNSBL_KIND_IP, { { 0 } }, 2 };
	const struct dnsbl_code *m;
	uint32_t code, a[2];
	char why[64];

	(void)state;
	dnsbl_parse_code("127.0.0.4 infected 100", &z.codes[0], why,
	    sizeof(why));
	dnsbl_parse_code("127.0.0.0/8 other 5", &z.codes[1], why, sizeof(why));
	assert_int_equal(dnsbl_classify(&z, NULL, 0, &code, &m),
	    DNSBL_NOT_LISTED);
	a[0] = ip("127.0.0.4");
	assert_int_equal(dnsbl_classify(&z, a, 1, &code, &m), DNSBL_LISTED);
	assert_int_equal(code, a[0]);
	assert_string_equal(m->class, "infected");
	a[0] = ip("127.255.255.254");		/* "query refused" */
	assert_int_equal(dnsbl_classify(&z, a, 1, &code, &m), DNSBL_UNKNOWN);
	a[0] = ip("127.255.255.252");
	assert_int_equal(dnsbl_classify(&z, a, 1, &code, &m), DNSBL_UNKNOWN);
	a[0] = ip("192.0.2.1");			/* outside 127/8 */
	assert_int_equal(dnsbl_classify(&z, a, 1, &code, &m), DNSBL_UNKNOWN);
	a[0] = ip("127.0.0.4");
	a[1] = ip("127.255.255.254");		/* one error spoils all */
	assert_int_equal(dnsbl_classify(&z, a, 2, &code, &m), DNSBL_UNKNOWN);
	/* Several codes: the one worth most. */
	a[0] = ip("127.0.0.9");
	a[1] = ip("127.0.0.4");
	assert_int_equal(dnsbl_classify(&z, a, 2, &code, &m), DNSBL_LISTED);
	assert_int_equal(code, ip("127.0.0.4"));
	/* Overlapping entries: the one worth most, wherever it is. */
	z.ncodes = 2;
	dnsbl_parse_code("127.0.0.0/24 wide 5", &z.codes[0], why, sizeof(why));
	dnsbl_parse_code("127.0.0.4 infected 100", &z.codes[1], why,
	    sizeof(why));
	a[0] = ip("127.0.0.4");
	assert_int_equal(dnsbl_classify(&z, a, 1, &code, &m), DNSBL_LISTED);
	assert_string_equal(m->class, "infected");
	/* A code no entry maps: listed, no class. */
	z.ncodes = 1;
	dnsbl_parse_code("127.0.0.4 infected 100", &z.codes[0], why,
	    sizeof(why));
	a[0] = ip("127.0.0.9");
	assert_int_equal(dnsbl_classify(&z, a, 1, &code, &m), DNSBL_LISTED);
	assert_null(m);
}

static void
dnsbl_signal_scores_listings_only(void **state)
{
	struct dnsbl_zone xbl = { "xbl.example", DNSBL_KIND_IP, { { 0 } }, 1 };
	struct dnsbl_zone pbl = { "pbl.example", DNSBL_KIND_IP, { { 0 } }, 1 };
	struct dnsbl_zone dbl = { "dbl.example", DNSBL_KIND_DOMAIN, { { 0 } }, 1 };
	struct dnsbl_result r[4];
	struct signal_facts f;
	struct score s;
	char why[512];

	(void)state;
	dnsbl_parse_code("127.0.0.4 infected 100", &xbl.codes[0], why, 64);
	dnsbl_parse_code("127.0.0.10 policy 0", &pbl.codes[0], why, 64);
	dnsbl_parse_code("127.0.1.2 spam 40", &dbl.codes[0], why, 64);
	memset(r, 0, sizeof(r));
	r[0] = (struct dnsbl_result){ &xbl, DNSBL_CLIENT, DNSBL_LISTED,
	    ip("127.0.0.4"), &xbl.codes[0] };
	r[1] = (struct dnsbl_result){ &pbl, DNSBL_CLIENT, DNSBL_LISTED,
	    ip("127.0.0.10"), &pbl.codes[0] };
	r[2] = (struct dnsbl_result){ &dbl, DNSBL_HELO, DNSBL_LISTED,
	    ip("127.0.1.2"), &dbl.codes[0] };
	r[3] = (struct dnsbl_result){ &dbl, DNSBL_MAIL_FROM, DNSBL_UNKNOWN,
	    0, NULL };
	memset(&f, 0, sizeof(f));
	f.dnsbl = r;
	f.ndnsbl = 4;
	score_init(&s);
	signal_dnsbl.evaluate(NULL, &f, &s);
	assert_int_equal(s.total, 140);
	assert_string_equal(score_explain(&s, why, sizeof(why)),
	    "dnsbl=xbl.example:127.0.0.4(+100),dnsbl=pbl.example:127.0.0.10,"
	    "rhsbl.helo=dbl.example:127.0.1.2(+40)");
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(dnsbl_codes_parse_exact_ranges_and_networks),
		cmocka_unit_test(dnsbl_codes_refuse_garbage),
		cmocka_unit_test(dnsbl_query_names),
		cmocka_unit_test(dnsbl_error_answers_are_unknown_never_listed),
		cmocka_unit_test(dnsbl_signal_scores_listings_only),
	};

	return cmocka_run_group_tests_name("dnsbl", tests, NULL, NULL);
}
