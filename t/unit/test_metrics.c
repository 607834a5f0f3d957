/*
 * The metrics: reasons counted by key, never by count or answer; the
 * reasons table's bound; histograms' buckets; label escaping; counts
 * from many threads at once add up.
 */
#include "testutil.h"

#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "metrics.h"
#include "score.h"

/* The exposition as written now (malloc'ed). */
static char *
scrape(void)
{
	char *text = NULL;
	size_t len;
	FILE *out = open_memstream(&text, &len);

	assert_non_null(out);
	metrics_write(out);
	assert_int_equal(fclose(out), 0);
	return text;
}

/* The value of one sample, -1 if absent. */
static long long
sample(const char *name)
{
	char *text = scrape(), *p;
	size_t n = strlen(name);
	long long v = -1;

	for (p = text; p != NULL && *p != '\0'; p = strchr(p, '\n'),
	    p = p != NULL ? p + 1 : NULL)
		if (strncmp(p, name, n) == 0 && p[n] == ' ') {
			v = atoll(p + n + 1);
			break;
		}
	free(text);
	return v;
}

static void
decide(const struct score *s, enum verdict v)
{
	struct engine_decision d;

	memset(&d, 0, sizeof(d));
	d.verdict = d.would = v;
	d.score = *s;
	metrics_decision(&d, false, CONFIG_FALLBACK_LOCAL, 2);
}

static void
reason_keys_leave_out_counts_and_codes(void **state)
{
	struct score s;

	(void)state;
	/* as the engine runs the signals: each names itself first */
	score_init(&s);
	s.signal = "rate";
	score_add(&s, 60, "msgs1m=31/30");
	score_add(&s, 60, "user.rcpts1h=%u/%u", 901u, 900u);
	s.signal = "dnsbl";
	score_add_key(&s, 100, ':', "dnsbl=%s:%s", "xbl.example", "127.0.0.4");
	s.signal = "behaviour";
	score_add_key(&s, 5, '\0', "helo=nofqdn");
	assert_int_equal(s.reasons[0].keylen, strlen("msgs1m"));
	assert_int_equal(s.reasons[1].keylen, strlen("user.rcpts1h"));
	assert_int_equal(s.reasons[2].keylen, strlen("dnsbl=xbl.example"));
	assert_int_equal(s.reasons[3].keylen, strlen("helo=nofqdn"));
	decide(&s, VERDICT_QUARANTINE);
	/* another count, another code: the same keys */
	score_init(&s);
	s.signal = "rate";
	score_add(&s, 60, "msgs1m=32/30");
	s.signal = "dnsbl";
	score_add_key(&s, 100, ':', "dnsbl=%s:%s", "xbl.example", "127.0.0.9");
	decide(&s, VERDICT_REJECT);
	assert_int_equal(sample("zombie_milter_reasons_total{signal=\"rate\","
	    "reason=\"msgs1m\"}"), 2);
	assert_int_equal(sample("zombie_milter_reasons_total{signal=\"rate\","
	    "reason=\"user.rcpts1h\"}"), 1);
	assert_int_equal(sample("zombie_milter_reasons_total{signal=\"dnsbl\","
	    "reason=\"dnsbl=xbl.example\"}"), 2);
	assert_int_equal(sample("zombie_milter_reasons_total{signal="
	    "\"behaviour\",reason=\"helo=nofqdn\"}"), 1);
	assert_int_equal(sample("zombie_milter_decisions_total{action="
	    "\"quarantine\"}"), 1);
	assert_int_equal(sample("zombie_milter_messages_total"), 2);
	assert_int_equal(sample("zombie_milter_recipients_total"), 4);
}

static void
reasons_past_the_table_count_as_other(void **state)
{
	struct score s;
	long long before = sample("zombie_milter_reasons_total{signal=\"-\","
	    "reason=\"other\"}");
	unsigned i;

	(void)state;
	for (i = 0; i < METRICS_REASONS_MAX + 10; i++) {
		score_init(&s);
		s.signal = "flood";
		score_add(&s, 1, "k%u=1", i);
		decide(&s, VERDICT_ACCEPT);
	}
	/* the table held the keys of the tests before: at least 10 more */
	assert_true(sample("zombie_milter_reasons_total{signal=\"-\","
	    "reason=\"other\"}") >= before + 10);
	assert_int_equal(sample("zombie_milter_reasons_total{signal=\"flood\","
	    "reason=\"k0\"}"), 1);
}

/* Past the sixteenth reason: "...", of no one signal. */
static void
reasons_past_sixteen_count_as_dots(void **state)
{
	struct score s;
	unsigned i;

	(void)state;
	score_init(&s);
	s.signal = "behaviour";
	for (i = 0; i <= SCORE_REASONS_MAX; i++)
		score_add(&s, 1, "many%u=1", i);
	decide(&s, VERDICT_TAG);
	assert_int_equal(sample("zombie_milter_reasons_total{signal=\"-\","
	    "reason=\"...\"}"), 1);
	assert_int_equal(sample("zombie_milter_reasons_total{signal="
	    "\"behaviour\",reason=\"many14\"}"), 1);
	assert_int_equal(sample("zombie_milter_reasons_total{signal="
	    "\"behaviour\",reason=\"many15\"}"), -1);
}

/* At MAIL FROM: a refusal counts; monitor mode's would=reject does not,
 * the message goes on (and counts again at its end). */
static void
mail_refusals_only_when_refused(void **state)
{
	struct engine_decision d;
	long long refusals = sample("zombie_milter_mail_refusals_total");
	long long would = sample("zombie_milter_would_decisions_total{action="
	    "\"reject\"}");

	(void)state;
	memset(&d, 0, sizeof(d));
	score_init(&d.score);
	score_add(&d.score, 0, "quarantined");
	d.verdict = d.would = VERDICT_REJECT;
	metrics_decision(&d, true, CONFIG_FALLBACK_LOCAL, 0);
	d.verdict = VERDICT_ACCEPT;	/* monitor mode */
	metrics_decision(&d, true, CONFIG_FALLBACK_LOCAL, 0);
	assert_int_equal(sample("zombie_milter_mail_refusals_total"),
	    refusals + 1);
	assert_int_equal(sample("zombie_milter_would_decisions_total{action="
	    "\"reject\"}"), would + 1);
}

static void
histogram_buckets_are_cumulative(void **state)
{
	(void)state;
	metrics_observe(METRICS_DNS_WAIT, 100);		/* <= 0.1 ms */
	metrics_observe(METRICS_DNS_WAIT, 101);		/* <= 0.25 ms */
	metrics_observe(METRICS_DNS_WAIT, 500000);	/* <= 0.5 s */
	metrics_observe(METRICS_DNS_WAIT, 500001);	/* <= 1 s */
	metrics_observe(METRICS_DNS_WAIT, 10000001);	/* +Inf only */
	assert_int_equal(sample("zombie_milter_dns_wait_seconds_bucket"
	    "{le=\"0.0001\"}"), 1);
	assert_int_equal(sample("zombie_milter_dns_wait_seconds_bucket"
	    "{le=\"0.00025\"}"), 2);
	assert_int_equal(sample("zombie_milter_dns_wait_seconds_bucket"
	    "{le=\"0.25\"}"), 2);
	assert_int_equal(sample("zombie_milter_dns_wait_seconds_bucket"
	    "{le=\"0.5\"}"), 3);
	assert_int_equal(sample("zombie_milter_dns_wait_seconds_bucket"
	    "{le=\"1\"}"), 4);
	assert_int_equal(sample("zombie_milter_dns_wait_seconds_bucket"
	    "{le=\"10\"}"), 4);
	assert_int_equal(sample("zombie_milter_dns_wait_seconds_bucket"
	    "{le=\"+Inf\"}"), 5);
	assert_int_equal(sample("zombie_milter_dns_wait_seconds_count"), 5);
}

static void
labels_are_escaped(void **state)
{
	char *text = NULL;
	size_t len;
	FILE *out = open_memstream(&text, &len);

	(void)state;
	metrics_label(out, "a\"b\\c\nd", 7);
	fclose(out);
	assert_string_equal(text, "a\\\"b\\\\c\\nd");
	free(text);
}

#define THREADS	4
#define EACH	20000

static void *
count_many(void *arg)
{
	struct score s;
	unsigned i;

	(void)arg;
	for (i = 0; i < EACH; i++) {
		score_init(&s);
		s.signal = "race";
		/* a new key raced for by every thread at once, then kept */
		score_add(&s, 1, "race%u=1", i / 1000);
		decide(&s, VERDICT_TAG);
		metrics_count(METRICS_DNS_QUERIES, 1);
	}
	return NULL;
}

static void
counts_from_threads_add_up(void **state)
{
	pthread_t t[THREADS];
	long long tags = sample("zombie_milter_decisions_total{action="
	    "\"tag\"}");
	long long queries = sample("zombie_milter_dns_queries_total");
	unsigned i;

	(void)state;
	for (i = 0; i < THREADS; i++)
		assert_int_equal(pthread_create(&t[i], NULL, count_many, NULL), 0);
	for (i = 0; i < THREADS; i++)
		pthread_join(t[i], NULL);
	assert_int_equal(sample("zombie_milter_decisions_total{action="
	    "\"tag\"}"), tags + THREADS * EACH);
	assert_int_equal(sample("zombie_milter_dns_queries_total"),
	    queries + THREADS * EACH);
	/* each key took one slot, whichever thread came first */
	for (i = 0; i < EACH / 1000; i++) {
		char name[96];

		snprintf(name, sizeof(name), "zombie_milter_reasons_total"
		    "{signal=\"race\",reason=\"race%u\"}", i);
		assert_int_equal(sample(name), THREADS * 1000);
	}
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(reason_keys_leave_out_counts_and_codes),
		cmocka_unit_test(mail_refusals_only_when_refused),
		cmocka_unit_test(reasons_past_sixteen_count_as_dots),
		cmocka_unit_test(histogram_buckets_are_cumulative),
		cmocka_unit_test(labels_are_escaped),
		cmocka_unit_test(counts_from_threads_add_up),
		cmocka_unit_test(reasons_past_the_table_count_as_other),
	};

	return cmocka_run_group_tests_name("metrics", tests, NULL, NULL);
}
