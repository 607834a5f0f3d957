/*
 * The engine end to end, without an MTA: counting, verdicts, refused mail
 * not counted, quarantine and its expiry, monitor mode, SASL logins, abuse
 * spread over addresses (a login's networks and refusals, a host's logins,
 * a delegated IPv6 prefix), a MAIL FROM that could not ask Redis.
 */
#include "testutil.h"

#include "engine.h"

struct fixture {
	struct config *cfg;
	struct engine *engine;
};

/* One 60 s window: more than 3 messages or 10 recipients scores 60. */
static const char base_conf[] =
    "window \"1m\" { length = 60 buckets = 6 messages = 3 recipients = 10 "
    "points = 60 }\n"
    "threshold_tag = 10\nthreshold_tempfail = 50\nthreshold_reject = 100\n"
    "threshold_quarantine = 120\nquarantine_time = 600\n";

static struct fixture *
setup_with(const char *extra)
{
	struct fixture *f = calloc(1, sizeof(*f));
	char text[2048];

	assert_non_null(f);
	snprintf(text, sizeof(text), "%s%s", base_conf, extra);
	f->engine = engine_from_text(text, &f->cfg);
	fake_now = 1000000;
	return f;
}

static int
setup(void **state)
{
	*state = setup_with("");
	return 0;
}

static int
setup_monitor(void **state)
{
	*state = setup_with("mode = \"monitor\"\n");
	return 0;
}

static int
teardown(void **state)
{
	struct fixture *f = *state;

	engine_free(f->engine);
	config_free(f->cfg);
	free(f);
	return 0;
}

static enum verdict
send_msg(struct fixture *f, const char *host, const char *user, unsigned rcpts,
    struct engine_decision *d)
{
	struct engine_message m = { .host = host, .user = user, .rcpts = rcpts };

	engine_decide(f->engine, &m, d);
	return d->verdict;
}

static enum verdict
mail_from(struct fixture *f, const char *host, const char *user,
    struct engine_decision *d)
{
	struct engine_message m = { .host = host, .user = user };

	engine_check_mail(f->engine, &m, d);
	return d->verdict;
}

static void
engine_accepts_a_host_under_its_limits(void **state)
{
	struct fixture *f = *state;
	struct engine_decision d;
	int i;

	for (i = 0; i < 3; i++) {
		assert_int_equal(send_msg(f, "192.0.2.1", NULL, 3, &d), VERDICT_ACCEPT);
		assert_int_equal(d.score.total, 0);
	}
}

static void
engine_tempfails_the_message_that_crosses_a_limit(void **state)
{
	struct fixture *f = *state;
	struct engine_decision d;
	char why[256];

	send_msg(f, "192.0.2.1", NULL, 5, &d);
	send_msg(f, "192.0.2.1", NULL, 5, &d);
	assert_int_equal(d.verdict, VERDICT_ACCEPT);
	assert_int_equal(send_msg(f, "192.0.2.1", NULL, 1, &d), VERDICT_TEMPFAIL);
	assert_string_equal(score_explain(&d.score, why, sizeof(why)),
	    "rcpts1m=11/10(+60)");
	/* The refused message was not counted: one recipient still fits. */
	fake_now += 1;
	assert_int_equal(send_msg(f, "192.0.2.1", NULL, 0, &d), VERDICT_ACCEPT);
	/* Another host is not affected. */
	assert_int_equal(send_msg(f, "192.0.2.2", NULL, 9, &d), VERDICT_ACCEPT);
}

static void
engine_quarantines_and_refuses_at_mail_until_the_end(void **state)
{
	struct fixture *f = *state;
	struct engine_decision d;
	int i;

	for (i = 0; i < 3; i++)
		send_msg(f, "203.0.113.7", NULL, 3, &d);
	/* 4 messages, 12 recipients: both limits, 120 points. */
	assert_int_equal(send_msg(f, "203.0.113.7", NULL, 3, &d), VERDICT_QUARANTINE);
	assert_int_equal(d.score.total, 120);
	assert_int_equal(mail_from(f, "203.0.113.7", NULL, &d), VERDICT_REJECT);
	assert_string_equal(d.blocked, "203.0.113.7");
	assert_int_equal(d.block.score, 120);
	assert_int_equal(d.block.until, fake_now + 600);
	assert_string_equal(d.block.reason,
	    "msgs1m=4/3(+60),rcpts1m=12/10(+60)");
	assert_int_equal(mail_from(f, "203.0.113.8", NULL, &d), VERDICT_ACCEPT);
	/* The quarantine ends; the host starts with clean counts. */
	fake_now += 600;
	assert_int_equal(mail_from(f, "203.0.113.7", NULL, &d), VERDICT_ACCEPT);
	assert_int_equal(send_msg(f, "203.0.113.7", NULL, 3, &d), VERDICT_ACCEPT);
	assert_int_equal(d.score.total, 0);
}

static void
engine_counts_a_login_across_hosts(void **state)
{
	struct fixture *f = *state;
	struct engine_decision d;
	char host[32], why[256];
	int i;

	for (i = 0; i < 3; i++) {
		snprintf(host, sizeof(host), "198.51.100.%d", i);
		assert_int_equal(send_msg(f, host, "user:bob", 1, &d), VERDICT_ACCEPT);
	}
	assert_int_equal(send_msg(f, "198.51.100.9", "user:bob", 1, &d),
	    VERDICT_TEMPFAIL);
	assert_string_equal(score_explain(&d.score, why, sizeof(why)),
	    "user.msgs1m=4/3(+60)");
}

static void
engine_quarantine_blocks_the_login_too(void **state)
{
	struct fixture *f = *state;
	struct engine_decision d;
	int i;

	for (i = 0; i < 4; i++)
		send_msg(f, "198.51.100.20", "user:eve", 3, &d);
	assert_int_equal(d.verdict, VERDICT_QUARANTINE);
	assert_int_equal(mail_from(f, "198.51.100.21", "user:eve", &d),
	    VERDICT_REJECT);
	assert_string_equal(d.blocked, "user:eve");
}

/* A message from host (with its delegated prefix and network, NULL if
 * none) by user, a minute after the last: under the rate limits. */
static enum verdict
send_from(struct fixture *f, const char *host, const char *prefix,
    const char *network, const char *user, struct engine_decision *d)
{
	struct engine_message m = { .host = host, .prefix = prefix,
	    .network = network, .user = user, .rcpts = 1 };

	fake_now += 60;
	engine_decide(f->engine, &m, d);
	return d->verdict;
}

static void
engine_scores_a_login_used_from_many_networks(void **state)
{
	struct fixture *f = *state;
	struct engine_decision d;
	char why[256];

	assert_int_equal(send_from(f, "192.0.2.1", NULL, "192.0.2.0/24",
	    "user:amy", &d), VERDICT_ACCEPT);
	/* Another address of the same network is not a new network. */
	assert_int_equal(send_from(f, "192.0.2.2", NULL, "192.0.2.0/24",
	    "user:amy", &d), VERDICT_ACCEPT);
	assert_int_equal(send_from(f, "198.51.100.1", NULL, "198.51.100.0/24",
	    "user:amy", &d), VERDICT_ACCEPT);
	assert_int_equal(send_from(f, "203.0.113.1", NULL, "203.0.113.0/24",
	    "user:amy", &d), VERDICT_TEMPFAIL);
	assert_string_equal(score_explain(&d.score, why, sizeof(why)),
	    "user.networks=3/2(+50)");
	/* Refused, the login stays spread: from home too, now. */
	assert_int_equal(send_from(f, "192.0.2.1", NULL, "192.0.2.0/24",
	    "user:amy", &d), VERDICT_TEMPFAIL);
	/* Another login from those networks is not affected. */
	assert_int_equal(send_from(f, "203.0.113.1", NULL, "203.0.113.0/24",
	    "user:ben", &d), VERDICT_ACCEPT);
	/* An hour on, the spread is forgotten. */
	fake_now += 3600;
	assert_int_equal(send_from(f, "203.0.113.1", NULL, "203.0.113.0/24",
	    "user:amy", &d), VERDICT_ACCEPT);
}

static int
setup_spread(void **state)
{
	*state = setup_with("user_networks_per_window = 2\n"
	    "host_logins_per_window = 2\nprefix_hosts_per_window = 2\n"
	    "refused_per_window = 2\n");
	return 0;
}

static void
engine_scores_a_host_authenticating_as_many_logins(void **state)
{
	struct fixture *f = *state;
	struct engine_decision d;
	char why[256];

	assert_int_equal(send_from(f, "192.0.2.9", NULL, NULL, "user:a", &d),
	    VERDICT_ACCEPT);
	assert_int_equal(send_from(f, "192.0.2.9", NULL, NULL, "user:b", &d),
	    VERDICT_ACCEPT);
	assert_int_equal(send_from(f, "192.0.2.9", NULL, NULL, "user:a", &d),
	    VERDICT_ACCEPT);
	assert_int_equal(send_from(f, "192.0.2.9", NULL, NULL, "user:c", &d),
	    VERDICT_TEMPFAIL);
	assert_string_equal(score_explain(&d.score, why, sizeof(why)),
	    "logins=3/2(+50)");
}

static void
engine_counts_a_delegated_prefix_and_quarantines_it(void **state)
{
	static const char prefix[] = "2001:db8:0:100::/56";
	struct fixture *f = *state;
	struct engine_decision d;
	char host[48], why[256];
	int i;

	/* A household: two /64s of its /56, a message each, then again. */
	for (i = 0; i < 4; i++) {
		snprintf(host, sizeof(host), "2001:db8:0:1%02x::/64", i % 2);
		assert_int_equal(send_from(f, host, prefix, NULL, NULL, &d),
		    VERDICT_ACCEPT);
	}
	/* A zombie taking a new /64 for each message. */
	assert_int_equal(send_from(f, "2001:db8:0:1aa::/64", prefix, NULL, NULL,
	    &d), VERDICT_TEMPFAIL);
	assert_string_equal(score_explain(&d.score, why, sizeof(why)),
	    "prefix.hosts=3/2(+50)");
	for (i = 0; i < 2; i++) {
		snprintf(host, sizeof(host), "2001:db8:0:1b%d::/64", i);
		assert_int_equal(send_from(f, host, prefix, NULL, NULL, &d),
		    VERDICT_TEMPFAIL);
	}
	/* Refused thrice, in three /64s: the prefix keeps pushing. */
	assert_int_equal(send_from(f, "2001:db8:0:1c0::/64", prefix, NULL, NULL,
	    &d), VERDICT_QUARANTINE);
	assert_string_equal(score_explain(&d.score, why, sizeof(why)),
	    "prefix.hosts=6/2(+50),prefix.refused=3/2(+70)");
	/* Every /64 of the prefix is refused at MAIL FROM. */
	{
		struct engine_message m = { .host = "2001:db8:0:1ff::/64",
		    .prefix = prefix };

		engine_check_mail(f->engine, &m, &d);
	}
	assert_int_equal(d.verdict, VERDICT_REJECT);
	assert_string_equal(d.blocked, prefix);
	/* Its neighbour's is not. */
	{
		struct engine_message m = { .host = "2001:db8:0:200::/64",
		    .prefix = "2001:db8:0:200::/56" };

		engine_check_mail(f->engine, &m, &d);
	}
	assert_int_equal(d.verdict, VERDICT_ACCEPT);
	assert_null(d.blocked);
}

static void
engine_scores_a_prefix_over_its_window_limits(void **state)
{
	struct fixture *f = *state;
	struct engine_decision d;
	char host[48], why[256];
	int i;

	/* Seven /64s of one /56 within a minute, each under its own limit
	 * of 3: the prefix's is 3 x prefix_rate_factor 2. */
	for (i = 0; i < 7; i++) {
		struct engine_message m = { .host = host,
		    .prefix = "2001:db8:0:300::/56", .rcpts = 1 };

		snprintf(host, sizeof(host), "2001:db8:0:3%02x::/64", i);
		engine_decide(f->engine, &m, &d);
		assert_int_equal(d.verdict, i < 6 ? VERDICT_ACCEPT
		    : VERDICT_TEMPFAIL);
	}
	assert_string_equal(score_explain(&d.score, why, sizeof(why)),
	    "prefix.msgs1m=7/6(+60)");
}

static void
engine_quarantines_a_login_refused_from_many_hosts(void **state)
{
	struct fixture *f = *state;
	struct engine_decision d;
	char host[32], why[256];
	int i;

	/* One stolen password, a new bot for each message, all in one
	 * network, within a minute: no host is refused twice, the login
	 * is. */
	for (i = 0; i < 7; i++) {
		struct engine_message m = { .host = host,
		    .network = "198.51.100.0/24", .user = "user:sue", .rcpts = 1 };

		snprintf(host, sizeof(host), "198.51.100.%d", 10 + i);
		engine_decide(f->engine, &m, &d);
		assert_int_equal(d.verdict, i < 3 ? VERDICT_ACCEPT
		    : i < 6 ? VERDICT_TEMPFAIL : VERDICT_QUARANTINE);
	}
	assert_string_equal(score_explain(&d.score, why, sizeof(why)),
	    "user.msgs1m=4/3(+60),user.refused=3/2(+70)");
	/* Refused at MAIL FROM from any address, the login named. */
	assert_int_equal(mail_from(f, "203.0.113.99", "user:sue", &d),
	    VERDICT_REJECT);
	assert_string_equal(d.blocked, "user:sue");
}

static void
engine_monitor_mode_reports_and_accepts(void **state)
{
	struct fixture *f = *state;
	struct engine_decision d;
	int i;

	for (i = 0; i < 4; i++)
		send_msg(f, "192.0.2.66", NULL, 3, &d);
	assert_int_equal(d.verdict, VERDICT_ACCEPT);
	assert_int_equal(d.would, VERDICT_QUARANTINE);
	/* Nothing was quarantined. */
	assert_int_equal(mail_from(f, "192.0.2.66", NULL, &d), VERDICT_ACCEPT);
	assert_null(d.blocked);
	/* Accepted mail counts: the fifth is over too. */
	send_msg(f, "192.0.2.66", NULL, 1, &d);
	assert_int_equal(d.would, VERDICT_QUARANTINE);
}

/* Redis could not say at MAIL FROM whether the sender is quarantined:
 * the message is what redis_fallback says at end of message, however
 * it is counted then. */
static void
engine_applies_the_fallback_when_mail_from_could_not_check(void **state)
{
	struct fixture *f = setup_with("redis_fallback = \"tempfail\"\n");
	struct engine_message m = { .host = "192.0.2.9", .rcpts = 1 };
	struct engine_decision d;

	(void)state;
	engine_decide(f->engine, &m, &d);
	assert_int_equal(d.verdict, VERDICT_ACCEPT);
	assert_false(d.fell_back);
	m.block_unknown = true;
	engine_decide(f->engine, &m, &d);
	assert_int_equal(d.verdict, VERDICT_TEMPFAIL);
	assert_true(d.fell_back);
	assert_string_equal(d.errstr, "the quarantine check at MAIL FROM failed");
	teardown((void **)&f);

	f = setup_with("redis_fallback = \"accept\"\n");
	engine_decide(f->engine, &m, &d);
	assert_int_equal(d.verdict, VERDICT_ACCEPT);
	assert_true(d.fell_back);
	teardown((void **)&f);
}

static void
engine_without_subjects_accepts(void **state)
{
	struct fixture *f = *state;
	struct engine_decision d;
	int i;

	for (i = 0; i < 10; i++)
		assert_int_equal(send_msg(f, NULL, NULL, 50, &d), VERDICT_ACCEPT);
	assert_int_equal(mail_from(f, NULL, NULL, &d), VERDICT_ACCEPT);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(
		    engine_accepts_a_host_under_its_limits, setup, teardown),
		cmocka_unit_test_setup_teardown(
		    engine_tempfails_the_message_that_crosses_a_limit, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(
		    engine_quarantines_and_refuses_at_mail_until_the_end, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(
		    engine_counts_a_login_across_hosts, setup, teardown),
		cmocka_unit_test_setup_teardown(
		    engine_quarantine_blocks_the_login_too, setup, teardown),
		cmocka_unit_test_setup_teardown(
		    engine_scores_a_login_used_from_many_networks, setup_spread,
		    teardown),
		cmocka_unit_test_setup_teardown(
		    engine_scores_a_host_authenticating_as_many_logins,
		    setup_spread, teardown),
		cmocka_unit_test_setup_teardown(
		    engine_counts_a_delegated_prefix_and_quarantines_it,
		    setup_spread, teardown),
		cmocka_unit_test_setup_teardown(
		    engine_quarantines_a_login_refused_from_many_hosts, setup_spread,
		    teardown),
		cmocka_unit_test_setup_teardown(
		    engine_scores_a_prefix_over_its_window_limits, setup, teardown),
		cmocka_unit_test_setup_teardown(
		    engine_monitor_mode_reports_and_accepts, setup_monitor,
		    teardown),
		cmocka_unit_test_setup_teardown(
		    engine_without_subjects_accepts, setup, teardown),
		cmocka_unit_test(
		    engine_applies_the_fallback_when_mail_from_could_not_check),
	};

	return cmocka_run_group_tests_name("engine", tests, NULL, NULL);
}
