/*
 * Quarantine events: the documented JSON, and its signature.
 */
#include "testutil.h"

#include <openssl/evp.h>
#include <openssl/hmac.h>

#include "event.h"

static struct score
sample_score(void)
{
	struct score s;

	score_init(&s);
	score_add(&s, 50, "msgs1m=31/30");
	score_add(&s, 80, "rcpts1h=%d/%d", 1001, 1000);
	return s;
}

static void
event_json_has_the_documented_fields(void **state)
{
	struct score s = sample_score();
	struct event_quarantine ev = { "192.0.2.7", NULL, &s, "relay1",
	    1700000000, 1700086400, "4F1A2B", NULL, NULL, 0, NULL, 0 };
	char *json = event_quarantine_json(&ev, NULL, 0);

	(void)state;
	assert_non_null(json);
	assert_string_equal(json,
	    "{\"event\":\"quarantine\",\"host\":\"192.0.2.7\","
	    "\"prefix\":null,\"prefix_hosts\":[],\"queue_id\":\"4F1A2B\","
	    "\"reasons\":[\"msgs1m=31/30(+50)\",\"rcpts1h=1001/1000(+80)\"],"
	    "\"relay\":\"relay1\",\"score\":130,\"since\":1700000000,"
	    "\"until\":1700086400,\"user\":null,\"user_hosts\":[],\"v\":1}");
	free(json);
}

static void
event_json_names_where_a_login_and_a_prefix_were_used(void **state)
{
	static const char *const from[] = { "192.0.2.7", "198.51.100.9" };
	static const char *const hosts[] = { "2001:db8:0:1::/64" };
	struct score s = sample_score();
	struct event_quarantine ev = { "2001:db8:0:1::/64", "user:bob", &s,
	    "relay1", 1, 2, NULL, "2001:db8::/56", from, 2, hosts, 1 };
	char *json = event_quarantine_json(&ev, NULL, 0);

	(void)state;
	assert_non_null(json);
	assert_non_null(strstr(json, "\"prefix\":\"2001:db8::/56\""));
	assert_non_null(strstr(json,
	    "\"user_hosts\":[\"192.0.2.7\",\"198.51.100.9\"]"));
	assert_non_null(strstr(json,
	    "\"prefix_hosts\":[\"2001:db8:0:1::/64\"]"));
	free(json);
}

static void
event_json_escapes_and_nulls(void **state)
{
	struct score s;
	struct event_quarantine ev = { NULL, "user:=0d0a", &s, "r\"1",
	    1, 2, NULL, NULL, NULL, 0, NULL, 0 };
	char *json;

	(void)state;
	score_init(&s);
	json = event_quarantine_json(&ev, NULL, 0);
	assert_non_null(json);
	assert_non_null(strstr(json, "\"host\":null"));
	assert_non_null(strstr(json, "\"queue_id\":null"));
	assert_non_null(strstr(json, "\"reasons\":[]"));
	assert_non_null(strstr(json, "\"relay\":\"r\\\"1\""));
	free(json);
}

static void
event_signature_is_hmac_of_the_unsigned_json(void **state)
{
	static const unsigned char key[] = "k\x01y";
	struct score s = sample_score();
	struct event_quarantine ev = { "2001:db8:1:2::/64", "user:bob", &s,
	    "relay1", 10, 20, "Q", NULL, NULL, 0, NULL, 0 };
	char *plain = event_quarantine_json(&ev, NULL, 0);
	char *signed_json = event_quarantine_json(&ev, key, 3);
	unsigned char mac[EVP_MAX_MD_SIZE];
	unsigned int mac_len, i;
	char want[200] = "\"sig\":\"";

	(void)state;
	assert_non_null(plain);
	assert_non_null(signed_json);
	HMAC(EVP_sha256(), key, 3, (unsigned char *)plain, strlen(plain), mac,
	    &mac_len);
	for (i = 0; i < mac_len; i++)
		snprintf(want + strlen(want), 3, "%02x", mac[i]);
	strcat(want, "\"");
	assert_non_null(strstr(signed_json, want));
	/* Without "sig", the signed event is the plain one. */
	assert_int_equal(strlen(signed_json), strlen(plain) + strlen(want) + 1);
	free(plain);
	free(signed_json);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(event_json_has_the_documented_fields),
		cmocka_unit_test(event_json_escapes_and_nulls),
		cmocka_unit_test(
		    event_json_names_where_a_login_and_a_prefix_were_used),
		cmocka_unit_test(event_signature_is_hmac_of_the_unsigned_json),
	};

	return cmocka_run_group_tests_name("event", tests, NULL, NULL);
}
