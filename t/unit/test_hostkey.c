/*
 * Host and user keys, and the address parsing under them.
 */
#include "testutil.h"

#include <arpa/inet.h>
#include <netinet/in.h>

#include "hostkey.h"
#include "netaddr.h"

static void
key_of(const char *addr, unsigned v4, unsigned v6, char out[HOSTKEY_MAX])
{
	struct netaddr a;

	assert_true(netaddr_parse(addr, &a));
	hostkey_format(&a, v4, v6, out);
}

static void
hostkey_canonical_forms(void **state)
{
	static const struct {
		const char *addr;
		unsigned v4, v6;
		const char *key;
	} cases[] = {
		{ "192.0.2.7", 32, 64, "192.0.2.7" },
		{ "192.0.2.7", 24, 64, "192.0.2.0/24" },
		{ "192.0.2.255", 8, 64, "192.0.0.0/8" },
		{ "2001:db8:1:2:3:4:5:6", 32, 64, "2001:db8:1:2::/64" },
		{ "2001:DB8:1:2::ABCD", 32, 64, "2001:db8:1:2::/64" },
		{ "2001:db8:1:2:3:4:5:6", 32, 48, "2001:db8:1::/48" },
		{ "2001:db8:1:2:3:4:5:6", 32, 56, "2001:db8:1::/56" },
		{ "2001:db8:1:2ff:3:4:5:6", 32, 56, "2001:db8:1:200::/56" },
		{ "2001:db8::1", 32, 128, "2001:db8::1/128" },
		{ "::ffff:192.0.2.33", 32, 64, "192.0.2.33" },
		{ "::ffff:192.0.2.33", 24, 64, "192.0.2.0/24" },
	};
	char key[HOSTKEY_MAX];
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		key_of(cases[i].addr, cases[i].v4, cases[i].v6, key);
		assert_string_equal(key, cases[i].key);
	}
}

static void
hostkey_from_sockaddr_maps_v4_and_refuses_others(void **state)
{
	struct sockaddr_in6 sin6;
	struct sockaddr_in sin;
	struct sockaddr sun = { .sa_family = AF_UNIX };
	struct netaddr a;
	char key[HOSTKEY_MAX];

	(void)state;
	memset(&sin6, 0, sizeof(sin6));
	sin6.sin6_family = AF_INET6;
	inet_pton(AF_INET6, "::ffff:198.51.100.9", &sin6.sin6_addr);
	assert_true(netaddr_from_sockaddr((struct sockaddr *)&sin6, &a));
	hostkey_format(&a, 32, 64, key);
	assert_string_equal(key, "198.51.100.9");

	memset(&sin, 0, sizeof(sin));
	sin.sin_family = AF_INET;
	inet_pton(AF_INET, "203.0.113.5", &sin.sin_addr);
	assert_true(netaddr_from_sockaddr((struct sockaddr *)&sin, &a));
	hostkey_format(&a, 32, 64, key);
	assert_string_equal(key, "203.0.113.5");

	assert_false(netaddr_from_sockaddr(NULL, &a));
	assert_false(netaddr_from_sockaddr(&sun, &a));
	sun.sa_family = 255;
	assert_false(netaddr_from_sockaddr(&sun, &a));
}

static void
netaddr_rejects_garbage(void **state)
{
	static const char *const bad[] = { "", "192.0.2", "192.0.2.256",
	    "1.2.3.4.5", "2001:db8::1::2", "example.net", " 192.0.2.1",
	    "192.0.2.1 ", "0x7f.0.0.1", "2001:db8:::1", "::ffff:999.0.0.1" };
	static const char *const bad_cidr[] = { "192.0.2.0/33", "192.0.2.0/",
	    "192.0.2.0/-1", "192.0.2.0/8x", "2001:db8::/129", "/24",
	    "::ffff:192.0.2.0/95", "192.0.2.0/ 24" };
	struct netaddr a;
	struct netaddr_cidr c;
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		assert_false(netaddr_parse(bad[i], &a));
	for (i = 0; i < sizeof(bad_cidr) / sizeof(bad_cidr[0]); i++)
		assert_false(netaddr_parse_cidr(bad_cidr[i], &c));
}

static void
netaddr_cidr_membership(void **state)
{
	static const struct {
		const char *net, *addr;
		bool in;
	} cases[] = {
		{ "127.0.0.0/8", "127.1.2.3", true },
		{ "127.0.0.0/8", "128.0.0.1", false },
		{ "127.0.0.1/8", "127.9.9.9", true },	/* host bits ignored */
		{ "192.0.2.7", "192.0.2.7", true },
		{ "192.0.2.7", "192.0.2.8", false },
		{ "0.0.0.0/0", "203.0.113.1", true },
		{ "::1/128", "::1", true },
		{ "::1/128", "::2", false },
		{ "2001:db8::/32", "2001:db8:ffff::1", true },
		{ "2001:db8::/32", "2001:db9::1", false },
		{ "127.0.0.0/8", "::ffff:127.0.0.1", true },	/* mapped */
		{ "::ffff:192.0.2.0/120", "192.0.2.200", true },
		{ "2001:db8::/32", "192.0.2.1", false },	/* family */
	};
	struct netaddr_cidr c;
	struct netaddr a;
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		assert_true(netaddr_parse_cidr(cases[i].net, &c));
		assert_true(netaddr_parse(cases[i].addr, &a));
		if (netaddr_in_cidr(&a, &c) != cases[i].in)
			fail_msg("%s in %s: expected %d", cases[i].addr,
			    cases[i].net, cases[i].in);
	}
}

static void
user_keys_are_one_safe_token(void **state)
{
	static const struct {
		const char *login, *key;
	} cases[] = {
		{ "alice", "user:alice" },
		{ "alice@example.net", "user:alice@example.net" },
		{ "a.b+c_d-e@x", "user:a.b+c_d-e@x" },
		{ "bad login", "user:=626164206c6f67696e" },
		{ "x\r\ny", "user:=780d0a79" },
		{ "%s%n", "user:=2573256e" },
		{ "\xff:", "user:=ff3a" },
		{ "user:=41", "user:=757365723a3d3431" },	/* no forgery */
	};
	char key[USERKEY_MAX], longlogin[300];
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		assert_true(hostkey_user(cases[i].login, key));
		assert_string_equal(key, cases[i].key);
	}
	assert_false(hostkey_user("", key));
	assert_false(hostkey_user(NULL, key));
	memset(longlogin, 'a', sizeof(longlogin) - 1);
	longlogin[sizeof(longlogin) - 1] = '\0';
	assert_true(hostkey_user(longlogin, key));
	assert_int_equal(strlen(key), strlen("user:=") + 2 * HOSTKEY_LOGIN_MAX);
	assert_int_equal(strspn(key + 6, "0123456789abcdef"), strlen(key + 6));
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(hostkey_canonical_forms),
		cmocka_unit_test(hostkey_from_sockaddr_maps_v4_and_refuses_others),
		cmocka_unit_test(netaddr_rejects_garbage),
		cmocka_unit_test(netaddr_cidr_membership),
		cmocka_unit_test(user_keys_are_one_safe_token),
	};

	return cmocka_run_group_tests_name("hostkey", tests, NULL, NULL);
}
