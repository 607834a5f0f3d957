/*
 * Sliding windows, driven by an exact clock.
 */
#include "testutil.h"

#include "window.h"

/* 60 s in 6 buckets of 10 s. */
static const struct window_spec minute = { 60, 6 };

static void
window_counts_exactly_within_a_bucket(void **state)
{
	struct window_bucket ring[6];
	struct window_count c;

	(void)state;
	window_init(&minute, ring);
	window_add(&minute, ring, 1000, 1, 3);
	window_add(&minute, ring, 1001, 1, 2);
	window_add(&minute, ring, 1009, 1, 1);
	c = window_count(&minute, ring, 1009);
	assert_int_equal(c.msgs, 3);
	assert_int_equal(c.rcpts, 6);
}

static void
window_slides_across_bucket_edge(void **state)
{
	struct window_bucket ring[6];
	time_t t;

	(void)state;
	window_init(&minute, ring);
	/* One message every 10 s from 1000 to 1050: six buckets. */
	for (t = 1000; t <= 1050; t += 10)
		window_add(&minute, ring, t, 1, 1);
	assert_int_equal(window_count(&minute, ring, 1059).msgs, 6);
	/* At 1060 the bucket of 1000 leaves: the window slides, it does
	 * not reset. */
	assert_int_equal(window_count(&minute, ring, 1060).msgs, 5);
	assert_int_equal(window_count(&minute, ring, 1069).msgs, 5);
	assert_int_equal(window_count(&minute, ring, 1070).msgs, 4);
	window_add(&minute, ring, 1070, 1, 1);
	assert_int_equal(window_count(&minute, ring, 1070).msgs, 5);
}

static void
window_error_is_at_most_one_bucket(void **state)
{
	struct window_bucket ring[6];

	(void)state;
	window_init(&minute, ring);
	window_add(&minute, ring, 1005, 1, 1);	/* bucket [1000, 1010) */
	/* Still counted 55..64 s later, gone once its bucket is 60 s old. */
	assert_int_equal(window_count(&minute, ring, 1059).msgs, 1);
	assert_int_equal(window_count(&minute, ring, 1060).msgs, 0);
}

static void
window_expires_after_its_length(void **state)
{
	struct window_bucket ring[6];

	(void)state;
	window_init(&minute, ring);
	window_add(&minute, ring, 1000, 5, 50);
	assert_int_equal(window_count(&minute, ring, 1000 + 3600).msgs, 0);
	/* A ring slot reused much later starts from zero. */
	window_add(&minute, ring, 1000 + 3600, 1, 1);
	assert_int_equal(window_count(&minute, ring, 1000 + 3600).msgs, 1);
	assert_int_equal(window_count(&minute, ring, 1000 + 3600).rcpts, 1);
}

static void
window_takes_back_an_add(void **state)
{
	struct window_bucket ring[6];

	(void)state;
	window_init(&minute, ring);
	window_add(&minute, ring, 1000, 1, 4);
	window_add(&minute, ring, 1001, 1, 4);
	window_add(&minute, ring, 1001, -1, -4);
	assert_int_equal(window_count(&minute, ring, 1001).msgs, 1);
	assert_int_equal(window_count(&minute, ring, 1001).rcpts, 4);
	/* Never below zero. */
	window_add(&minute, ring, 1002, -5, -50);
	assert_int_equal(window_count(&minute, ring, 1002).msgs, 0);
	/* Taking back an add whose bucket has slid out does nothing. */
	window_add(&minute, ring, 2000, 1, 1);
	window_add(&minute, ring, 1000 + 60 * 17, -1, -1);
	assert_int_equal(window_count(&minute, ring, 2000).msgs, 1);
}

static void
window_ignores_buckets_from_a_clock_gone_back(void **state)
{
	struct window_bucket ring[6];

	(void)state;
	window_init(&minute, ring);
	window_add(&minute, ring, 5000, 7, 7);
	/* The clock steps back an hour: counts from "the future" are not
	 * the last minute's. */
	assert_int_equal(window_count(&minute, ring, 1400).msgs, 0);
}

static void
window_with_one_bucket_is_a_fixed_slot(void **state)
{
	static const struct window_spec one = { 10, 1 };
	struct window_bucket ring[1];

	(void)state;
	window_init(&one, ring);
	window_add(&one, ring, 100, 1, 1);
	window_add(&one, ring, 109, 1, 1);
	assert_int_equal(window_count(&one, ring, 109).msgs, 2);
	assert_int_equal(window_count(&one, ring, 110).msgs, 0);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(window_counts_exactly_within_a_bucket),
		cmocka_unit_test(window_slides_across_bucket_edge),
		cmocka_unit_test(window_error_is_at_most_one_bucket),
		cmocka_unit_test(window_expires_after_its_length),
		cmocka_unit_test(window_takes_back_an_add),
		cmocka_unit_test(window_ignores_buckets_from_a_clock_gone_back),
		cmocka_unit_test(window_with_one_bucket_is_a_fixed_slot),
	};

	return cmocka_run_group_tests_name("window", tests, NULL, NULL);
}
