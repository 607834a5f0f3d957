/*
 * The embedded store: counts per key, quarantines, memory bound, expiry.
 */
#include "testutil.h"

#include "store.h"

static const struct window_spec specs[] = { { 60, 6 }, { 3600, 12 } };

static struct store *
new_store(unsigned long max_hosts)
{
	struct store *st = store_mem_new(specs, 2, max_hosts, 0);

	assert_non_null(st);
	return st;
}

/* Add (or with 0, 0 read) one key's counts at now. */
static struct window_count *
add(struct store *st, const char *key, time_t now, int32_t m, int32_t r)
{
	static struct store_subject subj[1];

	memset(subj, 0, sizeof(subj));
	subj[0].key = key;
	assert_int_equal(st->ops->rate_update(st, subj, 1, &now, m, r, NULL),
	    STORE_OK);
	return subj[0].counts;
}

static uint32_t
msgs(struct store *st, const char *key, time_t now, unsigned w)
{
	return add(st, key, now, 0, 0)[w].msgs;
}

static enum store_status
find(struct store *st, const char *key, time_t now, struct store_block *out)
{
	const char *keys[1] = { key };
	size_t which;

	return st->ops->block_find(st, keys, 1, now, &which, out);
}

static void
quarantine(struct store *st, const char *host, const char *user,
    time_t since, time_t until, int points)
{
	struct store_quarantine q = { { host, NULL, user }, since, until, NULL,
	    "relay1", NULL };
	struct score s;

	score_init(&s);
	score_add(&s, points, "msgs1m=31/30");
	q.score = &s;
	assert_int_equal(st->ops->quarantine(st, &q), STORE_OK);
}

static void
store_mem_counts_each_key_in_every_window(void **state)
{
	struct store_subject both[2] = { { .key = "192.0.2.1" },
	    { .key = "user:bob" } };
	struct store *st = new_store(100);
	struct window_count *one;
	time_t now = 1030;

	(void)state;
	add(st, "192.0.2.1", 1000, 1, 3);
	one = add(st, "192.0.2.1", 1030, 1, 2);
	assert_int_equal(one[0].msgs, 2);
	assert_int_equal(one[0].rcpts, 5);
	assert_int_equal(one[1].msgs, 2);
	assert_int_equal(msgs(st, "192.0.2.2", 1030, 0), 0);
	/* Two subjects at once, each its own counts. */
	assert_int_equal(st->ops->rate_update(st, both, 2, &now, 1, 1, NULL),
	    STORE_OK);
	assert_int_equal(now, 1030);	/* the embedded store keeps the time */
	assert_int_equal(both[0].counts[0].msgs, 3);
	assert_int_equal(both[1].counts[0].msgs, 1);
	/* A minute on, the short window has slid past, the long has not. */
	assert_int_equal(msgs(st, "192.0.2.1", 1090, 0), 0);
	assert_int_equal(msgs(st, "192.0.2.1", 1090, 1), 3);
	store_free(st);
}

static void
store_mem_quarantine_lasts_until_its_end_and_clears_counts(void **state)
{
	const char *keys[2] = { "192.0.2.10", "user:eve" };
	struct store *st = new_store(100);
	struct store_block got;
	size_t which = 9;

	(void)state;
	add(st, "192.0.2.9", 990, 5, 5);
	assert_int_equal(find(st, "192.0.2.9", 1000, &got), STORE_NOTFOUND);
	quarantine(st, "192.0.2.9", "user:eve", 1000, 1600, 130);
	assert_int_equal(find(st, "192.0.2.9", 1599, &got), STORE_OK);
	assert_int_equal(got.score, 130);
	assert_int_equal(got.since, 1000);
	assert_int_equal(got.until, 1600);
	assert_string_equal(got.reason, "msgs1m=31/30(+130)");
	assert_string_equal(got.relay, "relay1");
	/* The login is quarantined with the host; found from another host. */
	assert_int_equal(st->ops->block_find(st, keys, 2, 1599, &which, &got),
	    STORE_OK);
	assert_int_equal(which, 1);
	assert_int_equal(find(st, "192.0.2.10", 1599, &got), STORE_NOTFOUND);
	assert_int_equal(find(st, "192.0.2.9", 1600, &got), STORE_NOTFOUND);
	/* Its counts were forgotten. */
	assert_int_equal(msgs(st, "192.0.2.9", 1000, 1), 0);
	store_free(st);
}

static void
store_mem_forgets_the_least_recently_used_when_full(void **state)
{
	struct store *st = new_store(100);
	char key[32];
	int i;

	(void)state;
	for (i = 0; i < 100; i++) {
		snprintf(key, sizeof(key), "198.51.100.%d", i);
		assert_int_equal(add(st, key, 1000, 1, 1)[0].msgs, 1);
	}
	/* Touch .0 so .1 is now the least recently used. */
	assert_int_equal(msgs(st, "198.51.100.0", 1001, 0), 1);
	assert_int_equal(msgs(st, "203.0.113.1", 1001, 0), 0);	/* evicts .1 */
	assert_int_equal(msgs(st, "198.51.100.0", 1001, 0), 1);
	assert_int_equal(msgs(st, "198.51.100.2", 1001, 0), 1);
	assert_int_equal(msgs(st, "198.51.100.1", 1001, 0), 0);	/* forgotten */
	assert_int_equal(store_mem_count(st), 100);
	store_free(st);
}

static void
store_mem_expires_idle_keys_but_keeps_quarantines(void **state)
{
	struct store *st = new_store(100);
	struct store_block got;

	(void)state;
	add(st, "192.0.2.50", 1000, 1, 1);
	quarantine(st, "192.0.2.51", NULL, 1000, 1000 + 86400, 200);
	add(st, "192.0.2.52", 1000 + 3600, 1, 1);
	assert_int_equal(store_mem_count(st), 3);
	/* Two hours on, .50 has been idle past the longest window: the next
	 * call drops it; the quarantined .51 stays. */
	add(st, "192.0.2.53", 1000 + 7200, 1, 1);
	assert_int_equal(store_mem_count(st), 3);
	assert_int_equal(find(st, "192.0.2.51", 1000 + 7200, &got), STORE_OK);
	store_free(st);
}

static void
store_mem_keeps_a_retrying_quarantined_host(void **state)
{
	struct store *st = new_store(100);
	struct store_block got;
	char key[32];
	int i;

	(void)state;
	quarantine(st, "192.0.2.200", NULL, 1000, 1000 + 86400, 200);
	for (i = 0; i < 99; i++) {
		snprintf(key, sizeof(key), "198.51.100.%d", i);
		add(st, key, 1001, 1, 1);
	}
	/* The zombie retries: refused at MAIL FROM, never counted. */
	assert_int_equal(find(st, "192.0.2.200", 1002, &got), STORE_OK);
	/* The table is full: the next host pushes out the least recently
	 * used one, which is no longer the quarantined host. */
	add(st, "203.0.113.1", 1003, 1, 1);
	assert_int_equal(find(st, "192.0.2.200", 1004, &got), STORE_OK);
	assert_int_equal(msgs(st, "198.51.100.0", 1004, 0), 0);
	store_free(st);
}

/* 1,000,000 hosts through a store of the default max_hosts: it never holds
 * more; the quarantines, idle at the LRU tail, outlive every ordinary host
 * around them; the last hosts are counted. */
static void
store_mem_stays_bounded_under_churn(void **state)
{
	struct store *st = new_store(100000);
	struct store_block got;
	char key[32];
	long i;

	(void)state;
	for (i = 0; i < 10; i++) {
		snprintf(key, sizeof(key), "192.0.2.%ld", i);
		quarantine(st, key, NULL, 1000, 1000 + 86400, 200);
	}
	for (i = 0; i < 1000000; i++) {
		snprintf(key, sizeof(key), "10.%ld.%ld.%ld", i >> 16 & 255,
		    i >> 8 & 255, i & 255);
		add(st, key, 1000 + i / 1000, 1, 1);
		if (i % 100000 == 0)
			assert_true(store_mem_count(st) <= 100000);
	}
	assert_int_equal(store_mem_count(st), 100000);
	for (i = 0; i < 10; i++) {
		snprintf(key, sizeof(key), "192.0.2.%ld", i);
		assert_int_equal(find(st, key, 3000, &got), STORE_OK);
	}
	assert_int_equal(msgs(st, "10.15.66.63", 1999, 0), 1);	/* the last */
	assert_int_equal(msgs(st, "10.0.0.20", 1999, 1), 0);	/* long gone */
	/* A table of quarantines only still takes a new host. */
	store_free(st);
	st = new_store(100);
	for (i = 0; i < 100; i++) {
		snprintf(key, sizeof(key), "198.51.100.%ld", i);
		quarantine(st, key, NULL, 1000, 1000 + 86400, 200);
	}
	assert_int_equal(add(st, "203.0.113.1", 1001, 1, 1)[0].msgs, 1);
	assert_int_equal(store_mem_count(st), 100);
	store_free(st);
}

/* A subject's distinct values: kept up to its cap, counted within the
 * observation's window, a new one only with a message. */
static uint32_t
seen(struct store *st, uint32_t value, time_t now, int32_t m)
{
	struct store_observation obs = { .window_s = 600, .bulk_window_s = 600 };
	struct store_subject s = { .key = "user:amy", .has_value = true,
	    .value = value, .value_cap = 3 };

	assert_int_equal(st->ops->rate_update(st, &s, 1, &now, m, m, &obs),
	    STORE_OK);
	assert_true(obs.answered);
	return s.values;
}

static void
store_mem_counts_distinct_values_up_to_the_cap(void **state)
{
	struct store *st = store_mem_new(specs, 2, 100, 600);

	(void)state;
	assert_non_null(st);
	/* Generations of 300 s (store.h): 900, 1200, 1500, 1800... */
	assert_int_equal(seen(st, 1, 900, 1), 1);
	assert_int_equal(seen(st, 1, 910, 1), 1);	/* not new */
	assert_int_equal(seen(st, 2, 920, 1), 2);
	assert_int_equal(seen(st, 3, 930, 1), 3);
	assert_int_equal(seen(st, 4, 940, 1), 3);	/* past the cap */
	assert_int_equal(seen(st, 5, 950, 0), 3);	/* no message: not kept */
	/* The next generation still counts 900's; value 1 is seen again. */
	assert_int_equal(seen(st, 1, 1499, 1), 3);
	/* Two on, 900's are out but value 1, last seen in 1200's. */
	assert_int_equal(seen(st, 9, 1500, 1), 2);
	assert_int_equal(seen(st, 9, 1800, 1), 1);
	store_free(st);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(store_mem_counts_each_key_in_every_window),
		cmocka_unit_test(store_mem_counts_distinct_values_up_to_the_cap),
		cmocka_unit_test(
		    store_mem_quarantine_lasts_until_its_end_and_clears_counts),
		cmocka_unit_test(store_mem_forgets_the_least_recently_used_when_full),
		cmocka_unit_test(store_mem_expires_idle_keys_but_keeps_quarantines),
		cmocka_unit_test(store_mem_keeps_a_retrying_quarantined_host),
		cmocka_unit_test(store_mem_stays_bounded_under_churn),
	};

	return cmocka_run_group_tests_name("store_mem", tests, NULL, NULL);
}
