/*
 * The circuit breaker, with an exact clock.
 */
#include "testutil.h"

#include "breaker.h"

static void
breaker_opens_after_three_failures_in_a_row(void **state)
{
	struct breaker b;

	(void)state;
	breaker_init(&b);
	assert_true(breaker_allow(&b, 0));
	assert_int_equal(breaker_failure(&b, 0, false), BREAKER_UNCHANGED);
	assert_int_equal(breaker_failure(&b, 0, false), BREAKER_UNCHANGED);
	/* A success in between starts the count again. */
	assert_int_equal(breaker_success(&b, 0), BREAKER_UNCHANGED);
	assert_int_equal(breaker_failure(&b, 0, false), BREAKER_UNCHANGED);
	assert_int_equal(breaker_failure(&b, 0, false), BREAKER_UNCHANGED);
	assert_true(breaker_allow(&b, 0));
	assert_int_equal(breaker_failure(&b, 10, false), BREAKER_LOST);
	assert_false(breaker_allow(&b, 10));
	assert_false(breaker_allow(&b, 10 + BREAKER_BACKOFF_MIN_MS - 1));
	breaker_destroy(&b);
}

static void
breaker_opens_at_once_on_a_timeout(void **state)
{
	struct breaker b;

	(void)state;
	breaker_init(&b);
	assert_int_equal(breaker_failure(&b, 0, true), BREAKER_LOST);
	assert_false(breaker_allow(&b, 1));
	breaker_destroy(&b);
}

static void
breaker_probes_once_per_backoff_and_doubles_it(void **state)
{
	struct breaker b;
	uint64_t t = 0;

	(void)state;
	breaker_init(&b);
	breaker_failure(&b, t, true);
	t += BREAKER_BACKOFF_MIN_MS;
	assert_true(breaker_allow(&b, t));	/* the probe */
	assert_false(breaker_allow(&b, t));	/* only one */
	/* The probe fails: no new "lost", and twice the wait. */
	assert_int_equal(breaker_failure(&b, t, false), BREAKER_UNCHANGED);
	assert_false(breaker_allow(&b, t + 2 * BREAKER_BACKOFF_MIN_MS - 1));
	assert_true(breaker_allow(&b, t + 2 * BREAKER_BACKOFF_MIN_MS));
	/* Backoff stops growing at the maximum. */
	for (int i = 0; i < 20; i++) {
		breaker_failure(&b, t, false);
		t += BREAKER_BACKOFF_MAX_MS;
		assert_true(breaker_allow(&b, t));
	}
	/* The probe succeeds: "back", reported once. */
	assert_int_equal(breaker_success(&b, t), BREAKER_BACK);
	assert_int_equal(breaker_success(&b, t), BREAKER_UNCHANGED);
	assert_true(breaker_allow(&b, t));
	/* A loss long after it came back waits the minimum again. */
	t += BREAKER_STABLE_MS;
	assert_int_equal(breaker_failure(&b, t, true), BREAKER_LOST);
	assert_true(breaker_allow(&b, t + BREAKER_BACKOFF_MIN_MS));
	breaker_destroy(&b);
}

static void
breaker_keeps_backing_off_a_service_that_flaps(void **state)
{
	struct breaker b;
	uint64_t t = 0;

	(void)state;
	breaker_init(&b);
	breaker_failure(&b, t, true);			/* lost: 1 s */
	t += BREAKER_BACKOFF_MIN_MS;
	assert_true(breaker_allow(&b, t));
	assert_int_equal(breaker_success(&b, t), BREAKER_BACK);
	/* Lost again a moment later: 2 s this time, then 4 s. */
	assert_int_equal(breaker_failure(&b, t + 10, true), BREAKER_LOST);
	assert_false(breaker_allow(&b, t + 10 + 2 * BREAKER_BACKOFF_MIN_MS - 1));
	t += 10 + 2 * BREAKER_BACKOFF_MIN_MS;
	assert_true(breaker_allow(&b, t));
	assert_int_equal(breaker_success(&b, t), BREAKER_BACK);
	assert_int_equal(breaker_failure(&b, t, true), BREAKER_LOST);
	assert_false(breaker_allow(&b, t + 4 * BREAKER_BACKOFF_MIN_MS - 1));
	assert_true(breaker_allow(&b, t + 4 * BREAKER_BACKOFF_MIN_MS));
	breaker_destroy(&b);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(breaker_opens_after_three_failures_in_a_row),
		cmocka_unit_test(breaker_opens_at_once_on_a_timeout),
		cmocka_unit_test(breaker_probes_once_per_backoff_and_doubles_it),
		cmocka_unit_test(breaker_keeps_backing_off_a_service_that_flaps),
	};

	return cmocka_run_group_tests_name("breaker", tests, NULL, NULL);
}
