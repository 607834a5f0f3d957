/*
 * The embedded store: counts per key, quarantines, memory bound, expiry.
 */
#include "testutil.h"

#include "store.h"

static const struct window_spec specs[] = { { 60, 6 }, { 3600, 12 } };

static struct store *
new_store(unsigned long max_hosts)
{
	struct store *st = store_mem_new(specs, 2, max_hosts);

	assert_non_null(st);
	return st;
}

static uint32_t
msgs(struct store *st, const char *key, time_t now, unsigned w)
{
	struct window_count c[STORE_WINDOWS_MAX];

	assert_int_equal(st->ops->rate_update(st, key, now, 0, 0, c), STORE_OK);
	return c[w].msgs;
}

static void
store_mem_counts_each_key_in_every_window(void **state)
{
	struct window_count c[STORE_WINDOWS_MAX];
	struct store *st = new_store(100);

	(void)state;
	assert_int_equal(st->ops->rate_update(st, "192.0.2.1", 1000, 1, 3, c),
	    STORE_OK);
	assert_int_equal(st->ops->rate_update(st, "192.0.2.1", 1030, 1, 2, c),
	    STORE_OK);
	assert_int_equal(c[0].msgs, 2);
	assert_int_equal(c[0].rcpts, 5);
	assert_int_equal(c[1].msgs, 2);
	assert_int_equal(msgs(st, "192.0.2.2", 1030, 0), 0);
	/* A minute on, the short window has slid past, the long has not. */
	assert_int_equal(msgs(st, "192.0.2.1", 1090, 0), 0);
	assert_int_equal(msgs(st, "192.0.2.1", 1090, 1), 2);
	st->ops->rate_reset(st, "192.0.2.1");
	assert_int_equal(msgs(st, "192.0.2.1", 1090, 1), 0);
	store_free(st);
}

static void
store_mem_quarantine_lasts_until_its_end(void **state)
{
	struct store_block b = { 1000, 1600, 130, "msgs1m=31/30(+50)" }, got;
	struct store *st = new_store(100);

	(void)state;
	assert_int_equal(st->ops->block_get(st, "192.0.2.9", 1000, &got),
	    STORE_NOTFOUND);
	assert_int_equal(st->ops->block_set(st, "192.0.2.9", &b), STORE_OK);
	assert_int_equal(st->ops->block_get(st, "192.0.2.9", 1599, &got),
	    STORE_OK);
	assert_int_equal(got.score, 130);
	assert_string_equal(got.reason, "msgs1m=31/30(+50)");
	assert_int_equal(st->ops->block_get(st, "192.0.2.10", 1599, &got),
	    STORE_NOTFOUND);
	assert_int_equal(st->ops->block_get(st, "192.0.2.9", 1600, &got),
	    STORE_NOTFOUND);
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
		assert_int_equal(msgs(st, key, 1000, 0), 0);
		st->ops->rate_update(st, key, 1000, 1, 1,
		    (struct window_count[STORE_WINDOWS_MAX]){ { 0, 0 } });
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
	struct store_block b = { 1000, 1000 + 86400, 200, "x" }, got;
	struct window_count c[STORE_WINDOWS_MAX];
	struct store *st = new_store(100);

	(void)state;
	st->ops->rate_update(st, "192.0.2.50", 1000, 1, 1, c);
	st->ops->block_set(st, "192.0.2.51", &b);
	st->ops->rate_update(st, "192.0.2.52", 1000 + 3600, 1, 1, c);
	assert_int_equal(store_mem_count(st), 3);
	/* Two hours on, .50 has been idle past the longest window: the next
	 * call drops it; the quarantined .51 stays. */
	st->ops->rate_update(st, "192.0.2.53", 1000 + 7200, 1, 1, c);
	assert_int_equal(store_mem_count(st), 3);
	assert_int_equal(st->ops->block_get(st, "192.0.2.51", 1000 + 7200,
	    &got), STORE_OK);
	store_free(st);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(store_mem_counts_each_key_in_every_window),
		cmocka_unit_test(store_mem_quarantine_lasts_until_its_end),
		cmocka_unit_test(store_mem_forgets_the_least_recently_used_when_full),
		cmocka_unit_test(store_mem_expires_idle_keys_but_keeps_quarantines),
	};

	return cmocka_run_group_tests_name("store_mem", tests, NULL, NULL);
}
