/*
 * SPF records checked before libspf2 sees them: RFC 7208's grammar, our
 * limits, the record rewritten from what passed.  (Real records and the
 * RFC 7208 test suite: t/spf/.)
 */
#include "testutil.h"

#include "spfrec.h"

/* The evaluation's values: the sender a-b+c@example.net from 192.0.2.3,
 * HELO mail.example.net, the record example.net's. */
static const struct spfrec_values values = {
	"a-b+c@example.net", "a-b+c", "example.net", "example.net",
	"mail.example.net", "192.0.2.3", false
};

static enum spfrec_status
check(const char *txt, char *out, const char **why)
{
	static char buf[SPFREC_RECORD_MAX * 4];

	return spfrec_check(txt, strlen(txt), &values, out != NULL ? out : buf,
	    sizeof(buf), why);
}

/* Records that pass, and what libspf2 gets of them. */
static void
spfrec_valid_records_rewritten(void **state)
{
	static const struct {
		const char *in, *out;
	} cases[] = {
		{ "v=spf1", "v=spf1" },
		{ "v=spf1 -all", "v=spf1 -all" },
		{ "V=SPF1 ip4:192.0.2.0/24 ~all", "v=spf1 ip4:192.0.2.0/24 ~all" },
		{ "v=spf1  a   mx  ?all  ", "v=spf1 a mx ?all" },
		{ "v=spf1 a/24 mx//64 a:mail.example.net/24//64 -all",
		    "v=spf1 a/24 mx//64 a:mail.example.net/24//64 -all" },
		{ "v=spf1 +mx ~include:_spf.example.org -all",
		    "v=spf1 +mx ~include:_spf.example.org -all" },
		{ "v=spf1 ip6:2001:db8::/32 ip6:0011::0/64 ip4:192.0.2.1 -all",
		    "v=spf1 ip6:2001:db8::/32 ip6:0011::0/64 ip4:192.0.2.1 -all" },
		{ "v=spf1 exists:%{i}._spf.mta.example.com -all",
		    "v=spf1 exists:%{i}._spf.mta.example.com -all" },
		/* RFC 7208 7.4's examples. */
		{ "v=spf1 exists:%{ir}.%{l1r+-}._spf.%{d} -all",
		    "v=spf1 exists:%{ir}.%{l1r+-}._spf.%{d} -all" },
		{ "v=spf1 include:%{d2}. a:%{d}. ptr ptr:example.org -all",
		    "v=spf1 include:%{d2}. a:%{d}. ptr ptr:example.org -all" },
		{ "v=spf1 redirect=_spf.example.net",
		    "v=spf1 redirect=_spf.example.net" },
		/* exp= and unknown modifiers are checked, then dropped. */
		{ "v=spf1 -all exp=explain._spf.%{d}", "v=spf1 -all" },
		{ "v=spf1 a -all foo=bar%{c}%{r}%{t}.x moo.cow-far_out=man:dog/cat",
		    "v=spf1 a -all" },
		{ "v=spf1 ms=ms12345 -all", "v=spf1 -all" },
		/* Escapes, and a toplabel with a hyphen. */
		{ "v=spf1 a:%%%_%-.example.net -all",
		    "v=spf1 a:%%%_%-.example.net -all" },
		{ "v=spf1 a:mail.123-45 -all", "v=spf1 a:mail.123-45 -all" },
		{ "v=spf1 a:%{p} -all", "v=spf1 a:%{p} -all" },
	};
	char out[SPFREC_RECORD_MAX * 4];
	const char *why;
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		if (check(cases[i].in, out, &why) != SPFREC_OK)
			fail_msg("%s: refused: %s", cases[i].in, why);
		assert_string_equal(out, cases[i].out);
	}
}

static void
spfrec_not_spf_records_are_told_apart(void **state)
{
	static const char *const cases[] = {
		"", "v=spf", "v=spf10", "v=spf1x -all", "spf1 -all",
		"google-site-verification=0123", "v=DMARC1; p=none",
	};
	const char *why;
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
		assert_int_equal(check(cases[i], NULL, &why), SPFREC_NOT_SPF);
}

/* The record from the security report: 127 %{d} then about 3,900 bytes of
 * literal in one a: term, 4.4 KB in all.  Refused; and so are the smaller
 * shapes of it that fit the record limit. */
static void
spfrec_hostile_macro_records_refused(void **state)
{
	char rec[8192];
	const char *why;
	int n, i;

	(void)state;
	n = snprintf(rec, sizeof(rec), "v=spf1 a:");
	for (i = 0; i < 127; i++)
		n += snprintf(rec + n, sizeof(rec) - (size_t)n, "%%{d}");
	memset(rec + n, 'A', 3900);
	snprintf(rec + n + 3900, sizeof(rec) - (size_t)n - 3900, " -all");
	assert_int_equal(strlen(rec), 4422);
	assert_int_equal(check(rec, NULL, &why), SPFREC_INVALID);
	assert_string_equal(why, "record longer than 2048 bytes");
	/* 127 macros and 500 bytes of literal: a term too long. */
	memset(rec + n, 'A', 500);
	snprintf(rec + n + 500, sizeof(rec) - (size_t)n - 500, " -all");
	assert_int_equal(check(rec, NULL, &why), SPFREC_INVALID);
	assert_string_equal(why, "term longer than 320 bytes");
	/* 9 macros in a short term. */
	assert_int_equal(check("v=spf1 a:%{d}%{d}%{d}%{d}%{d}%{d}%{d}%{d}%{d}"
	    ".example.net", NULL, &why), SPFREC_INVALID);
	assert_string_equal(why, "more than 8 macros in a term");
	/* 8 macros and a literal: 8 * 11 + 170 > 253. */
	n = snprintf(rec, sizeof(rec), "v=spf1 a:");
	for (i = 0; i < 8; i++)
		n += snprintf(rec + n, sizeof(rec) - (size_t)n, "%%{d}");
	memset(rec + n, 'A', 170);
	snprintf(rec + n + 170, sizeof(rec) - (size_t)n - 170, ".net");
	assert_int_equal(check(rec, NULL, &why), SPFREC_INVALID);
	assert_string_equal(why, "domain-spec expands to more than 253 bytes");
}

/* Each rule of the grammar, broken once. */
static void
spfrec_malformed_records_refused(void **state)
{
	static const struct {
		const char *in, *why;
	} cases[] = {
		{ "v=spf1 bogus:example.net -all", "unknown mechanism" },
		{ "v=spf1 ipv4:192.0.2.1 -all", "unknown mechanism" },
		{ "v=spf1 + -all", "unknown mechanism" },
		{ "v=spf1 all:example.net", "all takes no value" },
		{ "v=spf1 include -all", "mechanism needs \":domain\"" },
		{ "v=spf1 exists", "mechanism needs \":domain\"" },
		{ "v=spf1 ptr/24", "mechanism needs \":domain\"" },
		{ "v=spf1 a: -all", "empty domain-spec" },
		{ "v=spf1 redirect=", "empty domain-spec" },
		{ "v=spf1 ip4", "ip4 and ip6 need an address" },
		{ "v=spf1 ip4:192.0.2.300", "malformed address in ip4 or ip6" },
		{ "v=spf1 ip4: 192.0.2.1", "ip4 and ip6 need an address" },
		{ "v=spf1 ip6:2001:db8::g", "malformed address in ip4 or ip6" },
		{ "v=spf1 ip4:192.0.2.0/33", "malformed CIDR length" },
		{ "v=spf1 ip4:192.0.2.0/024", "malformed CIDR length" },
		{ "v=spf1 ip4:192.0.2.0/", "malformed CIDR length" },
		{ "v=spf1 ip4:192.0.2.0/2a", "malformed CIDR length" },
		{ "v=spf1 ip6:2001:db8::/129", "malformed CIDR length" },
		{ "v=spf1 a/33", "malformed CIDR length" },
		{ "v=spf1 mx:example.net//129", "malformed CIDR length" },
		{ "v=spf1 a:mail", "domain-spec does not end in a top-level "
		    "label" },
		{ "v=spf1 a:192.0.2.1", "domain-spec does not end in a top-level "
		    "label" },
		{ "v=spf1 a:example.-net", "domain-spec does not end in a "
		    "top-level label" },
		{ "v=spf1 redirect=a.example redirect=b.example",
		    "redirect= given twice" },
		{ "v=spf1 exp=a.example exp=b.example", "exp= given twice" },
		{ "v=spf1 -redirect=a.example", "a modifier takes no qualifier" },
		{ "v=spf1 9x=y", "modifier name must start with a letter" },
		{ "v=spf1 a:%{x}.example.net", "unknown macro letter" },
		{ "v=spf1 a:%{c}.example.net", "unknown macro letter" },
		{ "v=spf1 a:%{d", "unterminated macro" },
		{ "v=spf1 a:%{d|}.example.net", "unterminated macro" },
		{ "v=spf1 a:%{d........}.example.net", "macro has too many "
		    "delimiters" },
		{ "v=spf1 a:%{d0}.example.net", "macro keeps too many parts" },
		{ "v=spf1 a:%{d129}.example.net", "macro keeps too many parts" },
		{ "v=spf1 a:%{d1000}.example.net", "macro keeps too many parts" },
		{ "v=spf1 a:example.net%", "'%' at the end of a macro-string" },
		{ "v=spf1 a:ex%ample.net", "'%' not followed by {, %, _ or -" },
		{ "v=spf1 foo=%", "'%' at the end of a macro-string" },
		{ "v=spf1 a\t-all", "record holds a byte that is not printable "
		    "ASCII" },
		{ "v=spf1 a:\xc3\xa9.example -all", "record holds a byte that is "
		    "not printable ASCII" },
	};
	const char *why;
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		if (check(cases[i].in, NULL, &why) != SPFREC_INVALID)
			fail_msg("%s: not refused", cases[i].in);
		if (strcmp(why, cases[i].why) != 0)
			fail_msg("%s: refused for \"%s\", not \"%s\"", cases[i].in,
			    why, cases[i].why);
	}
}

/* A NUL inside the text is a byte like any other: refused. */
static void
spfrec_nul_byte_refused(void **state)
{
	static const char rec[] = "v=spf1 a\0:evil.example -all";
	char out[64];
	const char *why;

	(void)state;
	assert_int_equal(spfrec_check(rec, sizeof(rec) - 1, &values, out,
	    sizeof(out), &why), SPFREC_INVALID);
}

/* The limits, at the limit and one past it. */
static void
spfrec_limits_exact(void **state)
{
	char rec[4096];
	const char *why;
	int n, i;

	(void)state;
	/* 64 terms pass, 65 do not. */
	n = snprintf(rec, sizeof(rec), "v=spf1");
	for (i = 0; i < 64; i++)
		n += snprintf(rec + n, sizeof(rec) - (size_t)n, " ip4:192.0.2.%d",
		    i);
	assert_int_equal(check(rec, NULL, &why), SPFREC_OK);
	snprintf(rec + n, sizeof(rec) - (size_t)n, " -all");
	assert_int_equal(check(rec, NULL, &why), SPFREC_INVALID);
	assert_string_equal(why, "more than 64 terms");
	/* A record of 2048 bytes passes, 2049 does not: "v=spf1", six
	 * terms " mN=" and 300 bytes (304 each), one " z=" and 215 (218). */
	n = snprintf(rec, sizeof(rec), "v=spf1");
	for (i = 0; i < 6; i++) {
		n += snprintf(rec + n, sizeof(rec) - (size_t)n, " m%d=", i);
		memset(rec + n, 'y', 300);
		n += 300;
	}
	n += snprintf(rec + n, sizeof(rec) - (size_t)n, " z=");
	memset(rec + n, 'y', 215);
	rec[n + 215] = '\0';
	assert_int_equal(strlen(rec), 2048);
	assert_int_equal(check(rec, NULL, &why), SPFREC_OK);
	strcat(rec, "y");
	assert_int_equal(check(rec, NULL, &why), SPFREC_INVALID);
	assert_string_equal(why, "record longer than 2048 bytes");
	/* A term of 320 bytes passes, 321 do not. */
	n = snprintf(rec, sizeof(rec), "v=spf1 x=");
	memset(rec + n, 'y', 320 - 2);
	rec[n + 318] = '\0';
	assert_int_equal(check(rec, NULL, &why), SPFREC_OK);
	strcat(rec, "y");
	assert_int_equal(check(rec, NULL, &why), SPFREC_INVALID);
	assert_string_equal(why, "term longer than 320 bytes");
}

/*
 * Expansions measured with the values: a domain-spec "MACRO.FILL.net"
 * whose fill makes it exactly 253 bytes once expanded passes, one byte
 * more does not -- which proves each macro's length as the table says.
 */
static void
spfrec_expansion_measured_exactly(void **state)
{
	static const struct {
		const char *macro;
		size_t len;
	} cases[] = {
		{ "%{d}", 11 },		/* example.net */
		{ "%{d1}", 3 },		/* net */
		{ "%{d2}", 11 },
		{ "%{dr}", 11 },	/* net.example */
		{ "%{d1r}", 7 },	/* example */
		{ "%{o}", 11 },
		{ "%{h}", 16 },		/* mail.example.net */
		{ "%{i}", 9 },		/* 192.0.2.3 */
		{ "%{ir}", 9 },
		{ "%{i1}", 1 },
		{ "%{v}", 7 },		/* in-addr */
		{ "%{l}", 5 },		/* a-b+c */
		{ "%{l-+}", 5 },	/* a.b.c */
		{ "%{l1-+}", 1 },	/* c */
		{ "%{l1r-+}", 1 },	/* a */
		{ "%{L}", 7 },		/* a-b%2Bc */
		{ "%{s}", 17 },		/* a-b+c@example.net */
		{ "%{S}", 21 },		/* a-b%2Bc%40example.net */
		{ "%{s1}", 3 },		/* net */
		{ "%{p}", 7 },		/* unknown until evaluated */
		{ "%%", 1 },
		{ "%-", 3 },
	};
	char rec[600];
	const char *why;
	size_t i, fill;
	int n;

	(void)state;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		/* MACRO "." FILL ".net": len + 1 + fill + 4 = 253. */
		fill = 253 - cases[i].len - 5;
		n = snprintf(rec, sizeof(rec), "v=spf1 x=y a:%s.", cases[i].macro);
		memset(rec + n, 'f', fill);
		snprintf(rec + n + (int)fill, sizeof(rec) - (size_t)n - fill,
		    ".net");
		if (check(rec, NULL, &why) != SPFREC_OK)
			fail_msg("%s: refused at 253 bytes: %s", cases[i].macro, why);
		snprintf(rec + n + (int)fill, sizeof(rec) - (size_t)n - fill,
		    "f.net");
		if (check(rec, NULL, &why) != SPFREC_INVALID)
			fail_msg("%s: not refused at 254 bytes", cases[i].macro);
	}
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(spfrec_valid_records_rewritten),
		cmocka_unit_test(spfrec_not_spf_records_are_told_apart),
		cmocka_unit_test(spfrec_hostile_macro_records_refused),
		cmocka_unit_test(spfrec_malformed_records_refused),
		cmocka_unit_test(spfrec_nul_byte_refused),
		cmocka_unit_test(spfrec_limits_exact),
		cmocka_unit_test(spfrec_expansion_measured_exactly),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
