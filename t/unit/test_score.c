/*
 * Scores, thresholds and explanations.
 */
#include "testutil.h"

#include "score.h"

static void
score_thresholds_pick_the_highest_reached(void **state)
{
	static const struct score_thresholds t = { 20, 50, 80, 120 };
	static const struct score_thresholds no_quarantine = { 20, 50, 80, 0 };
	static const struct {
		const struct score_thresholds *t;
		int points;
		enum verdict v;
	} cases[] = {
		{ &t, 0, VERDICT_ACCEPT },
		{ &t, 19, VERDICT_ACCEPT },
		{ &t, 20, VERDICT_TAG },
		{ &t, 49, VERDICT_TAG },
		{ &t, 50, VERDICT_TEMPFAIL },
		{ &t, 80, VERDICT_REJECT },
		{ &t, 119, VERDICT_REJECT },
		{ &t, 120, VERDICT_QUARANTINE },
		{ &t, 5000, VERDICT_QUARANTINE },
		{ &no_quarantine, 5000, VERDICT_REJECT },
	};
	struct score s;
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		score_init(&s);
		if (cases[i].points > 0)
			score_add(&s, cases[i].points, "p");
		if (score_verdict(&s, cases[i].t) != cases[i].v)
			fail_msg("%d points: got %s, expected %s",
			    cases[i].points,
			    score_verdict_name(score_verdict(&s, cases[i].t)),
			    score_verdict_name(cases[i].v));
	}
}

static void
score_disabled_thresholds_never_fire(void **state)
{
	static const struct score_thresholds none = { 0, 0, 0, 0 };
	struct score s;

	(void)state;
	score_init(&s);
	score_add(&s, 1000, "huge");
	assert_int_equal(score_verdict(&s, &none), VERDICT_ACCEPT);
}

static void
score_explains_every_reason_with_points(void **state)
{
	struct score s;
	char buf[256];

	(void)state;
	score_init(&s);
	assert_string_equal(score_explain(&s, buf, sizeof(buf)), "-");
	score_add(&s, 50, "msgs1m=31/%d", 30);
	score_add(&s, 80, "rcpts1h=%d/%d", 1001, 1000);
	score_add(&s, -5, "bonus");
	score_add(&s, 0, "pbl");
	assert_int_equal(s.total, 125);
	assert_string_equal(score_explain(&s, buf, sizeof(buf)),
	    "msgs1m=31/30(+50),rcpts1h=1001/1000(+80),bonus(-5),pbl");
}

static void
score_keeps_points_past_the_reason_limit(void **state)
{
	struct score s;
	int i;

	(void)state;
	score_init(&s);
	for (i = 0; i < SCORE_REASONS_MAX + 5; i++)
		score_add(&s, 1, "r%d", i);
	assert_int_equal(s.total, SCORE_REASONS_MAX + 5);
	assert_int_equal(s.nreasons, SCORE_REASONS_MAX);
	assert_string_equal(s.reasons[SCORE_REASONS_MAX - 1].text, "...");
	assert_int_equal(s.reasons[SCORE_REASONS_MAX - 1].points, 6);
}

static void
score_verdict_names_and_refusals(void **state)
{
	(void)state;
	assert_string_equal(score_verdict_name(VERDICT_ACCEPT), "accept");
	assert_string_equal(score_verdict_name(VERDICT_QUARANTINE), "quarantine");
	assert_false(score_verdict_refuses(VERDICT_ACCEPT));
	assert_false(score_verdict_refuses(VERDICT_TAG));
	assert_true(score_verdict_refuses(VERDICT_TEMPFAIL));
	assert_true(score_verdict_refuses(VERDICT_REJECT));
	assert_true(score_verdict_refuses(VERDICT_QUARANTINE));
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(score_thresholds_pick_the_highest_reached),
		cmocka_unit_test(score_disabled_thresholds_never_fire),
		cmocka_unit_test(score_explains_every_reason_with_points),
		cmocka_unit_test(score_keeps_points_past_the_reason_limit),
		cmocka_unit_test(score_verdict_names_and_refusals),
	};

	return cmocka_run_group_tests_name("score", tests, NULL, NULL);
}
