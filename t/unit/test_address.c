/*
 * Envelope addresses: the domain is always kept, whatever the local part;
 * host names as DNS takes them.
 */
#include "testutil.h"

#include "address.h"

static void
address_domain_of_any_sender(void **state)
{
	char d[ADDRESS_DOMAIN_MAX + 1];

	(void)state;
	assert_true(address_domain("<a@Example.NET>", d, sizeof(d)));
	assert_string_equal(d, "Example.NET");
	assert_true(address_domain("\"odd@user\"@example.org", d, sizeof(d)));
	assert_string_equal(d, "example.org");
	assert_true(address_domain("<@relay.example:user@example.com>", d,
	    sizeof(d)));
	assert_string_equal(d, "example.com");
	assert_false(address_domain("<>", d, sizeof(d)));
	assert_false(address_domain("<user@>", d, sizeof(d)));
	assert_false(address_domain("user", d, sizeof(d)));
	assert_false(address_domain(NULL, d, sizeof(d)));
}

/* The sender as the signals see it: the domain kept, an odd or long
 * local part replaced by postmaster. */
static void
address_sender_keeps_the_domain(void **state)
{
	static const struct {
		const char *in, *out;
	} cases[] = {
		{ "<alice@example.net>", "alice@example.net" },
		{ "bob+tag@Example.NET", "bob+tag@Example.NET" },
		{ "<\"john doe\"@example.net>", "postmaster@example.net" },
		{ "<\"a@b\"@example.net>", "postmaster@example.net" },
		{ "<j\xc3\xb6rg@example.net>", "postmaster@example.net" },
		{ "<a\\b@example.net>", "postmaster@example.net" },
		{ "<a@b@example.net>", "postmaster@example.net" },
		{ "<a<b>@example.net>", "postmaster@example.net" },
		{ "<o'brien.x/y=z{1}@example.net>",
		    "o'brien.x/y=z{1}@example.net" },
		{ "<@a.example,@b.example:carol@example.net>",
		    "carol@example.net" },
		{ "<@example.net>", "postmaster@example.net" },
	};
	char out[ADDRESS_MAX];
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		assert_true(address_sender(cases[i].in, out));
		assert_string_equal(out, cases[i].out);
	}
	assert_false(address_sender("<>", out));
	assert_string_equal(out, "");
	assert_false(address_sender("", out));
	assert_false(address_sender(NULL, out));
}

/* A local part of 310 bytes (over RFC 5321's 64, the whole over 320):
 * the domain survives, and so it is checked. */
static void
address_sender_long_local_part(void **state)
{
	char in[400], out[ADDRESS_MAX];

	(void)state;
	memset(in, 'x', sizeof(in));
	in[0] = '<';
	snprintf(in + 311, sizeof(in) - 311, "@forged.example>");
	assert_true(address_sender(in, out));
	assert_string_equal(out, "postmaster@forged.example");
	/* 64 bytes is still a plain local part; 65 is not. */
	memset(in, 'y', 64);
	snprintf(in + 64, sizeof(in) - 64, "@example.net");
	assert_true(address_sender(in, out));
	assert_int_equal(strlen(out), 64 + strlen("@example.net"));
	memset(in, 'y', 65);
	snprintf(in + 65, sizeof(in) - 65, "@example.net");
	assert_true(address_sender(in, out));
	assert_string_equal(out, "postmaster@example.net");
}

/* A domain longer than a name is kept to its first 254 bytes, one more
 * than a name has: still a domain, never taken for a name. */
static void
address_sender_long_domain(void **state)
{
	char in[400], out[ADDRESS_MAX], d[ADDRESS_DOMAIN_KEPT + 1];
	int i;

	(void)state;
	memcpy(in, "a@", 2);
	for (i = 2; i < 302; i++)
		in[i] = i % 50 == 0 ? '.' : 'd';
	in[302] = '\0';
	assert_true(address_sender(in, out));
	assert_int_equal(strlen(out), 2 + ADDRESS_DOMAIN_KEPT);
	assert_true(address_domain(out, d, sizeof(d)));
	assert_int_equal(strlen(d), ADDRESS_DOMAIN_KEPT);
	assert_false(address_is_hostname(d, strlen(d)));
	/* Cut to 253 bytes it would look like a name: it must never be. */
	assert_true(address_is_hostname(d, ADDRESS_DOMAIN_MAX));
}

static void
address_hostnames(void **state)
{
	char name[300];

	(void)state;
	assert_true(address_is_hostname("example.net", 11));
	assert_true(address_is_hostname("Mail-1.example.net.", 19));
	assert_true(address_is_hostname("_spf.example.net", 16));
	assert_true(address_is_hostname("mx1.192-0-2-1.example", 21));
	assert_false(address_is_hostname("localhost", 9));
	assert_false(address_is_hostname("192.0.2.1", 9));
	assert_false(address_is_hostname("[192.0.2.1]", 11));
	assert_false(address_is_hostname("a..b", 4));
	assert_false(address_is_hostname(".example.net", 12));
	assert_false(address_is_hostname("x y.example", 11));
	assert_false(address_is_hostname("\xff.example", 9));
	assert_false(address_is_hostname("", 0));
	/* Labels of 63 bytes at most, names of 253. */
	memset(name, 'a', 63);
	memcpy(name + 63, ".net", 5);
	assert_true(address_is_hostname(name, strlen(name)));
	memset(name, 'a', 64);
	memcpy(name + 64, ".net", 5);
	assert_false(address_is_hostname(name, strlen(name)));
	memset(name, 'a', 253);
	for (size_t i = 60; i < 253; i += 61)
		name[i] = '.';
	name[253] = '\0';
	assert_true(address_is_hostname(name, 253));
	name[253] = 'a';
	name[254] = '\0';
	assert_false(address_is_hostname(name, 254));
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(address_domain_of_any_sender),
		cmocka_unit_test(address_sender_keeps_the_domain),
		cmocka_unit_test(address_sender_long_local_part),
		cmocka_unit_test(address_sender_long_domain),
		cmocka_unit_test(address_hostnames),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
