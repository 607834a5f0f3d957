/*
 * metrics -- counters and histograms in atomics.  See metrics.h.
 */
#include "zmconfig.h"

#include <sched.h>
#include <stdatomic.h>
#include <string.h>

#include "metrics.h"
#include "store.h"

#define N(a)	(sizeof(a) / sizeof((a)[0]))

typedef atomic_uint_fast64_t counter;

static void
add(counter *c, uint64_t n)
{
	atomic_fetch_add_explicit(c, n, memory_order_relaxed);
}

static uint64_t
get(counter *c)
{
	return atomic_load_explicit(c, memory_order_relaxed);
}

/* Buckets' upper bounds, in microseconds: 0.1 ms to 10 s (a DNS budget
 * may be 10 s, a Redis call up to 8 s). */
static const uint64_t bounds_us[] = { 100, 250, 500, 1000, 2500, 5000,
    10000, 25000, 50000, 100000, 250000, 500000, 1000000, 2500000,
    5000000, 10000000 };
static const char *const bounds_text[] = { "0.0001", "0.00025", "0.0005",
    "0.001", "0.0025", "0.005", "0.01", "0.025", "0.05", "0.1", "0.25",
    "0.5", "1", "2.5", "5", "10" };
_Static_assert(N(bounds_us) == N(bounds_text), "a text for each bound");

struct histogram {
	counter bucket[N(bounds_us) + 1];	/* not cumulative; last: +Inf */
	counter sum_us;
};

/* A reason's slot: filled once, by the first thread to count its key. */
enum { SLOT_EMPTY, SLOT_FILLING, SLOT_READY };
struct reason_slot {
	atomic_int state;
	const char *signal;		/* the code's: lives for the process */
	char key[SCORE_REASON_LEN];
	counter n;
};

static struct {
	counter counters[METRICS_COUNTERS];
	counter redis_errors[METRICS_REDIS_ERRORS];
	counter dns_answers[METRICS_DNS_ANSWERS];
	counter decisions[VERDICT_QUARANTINE + 1];
	counter would[VERDICT_QUARANTINE + 1];
	counter fallbacks[CONFIG_FALLBACK_TEMPFAIL + 1];
	counter quarantines[STORE_SUBJECTS_MAX];
	counter reloads[2];		/* refused, installed */
	struct histogram histograms[METRICS_HISTOGRAMS];
	struct reason_slot reasons[METRICS_REASONS_MAX];
	counter reasons_other;		/* past the table */
} m;

void
metrics_count(enum metrics_counter c, uint64_t n)
{
	add(&m.counters[c], n);
}

void
metrics_redis_error(enum metrics_redis_error e)
{
	add(&m.redis_errors[e], 1);
}

void
metrics_dns_answer(enum metrics_dns_answer a)
{
	add(&m.dns_answers[a], 1);
}

void
metrics_observe(enum metrics_histogram h, uint64_t us)
{
	size_t i = 0;

	while (i < N(bounds_us) && us > bounds_us[i])
		i++;
	add(&m.histograms[h].bucket[i], 1);
	add(&m.histograms[h].sum_us, us);
}

void
metrics_quarantine(size_t subject_kind)
{
	if (subject_kind < N(m.quarantines))
		add(&m.quarantines[subject_kind], 1);
}

void
metrics_reload(bool installed)
{
	add(&m.reloads[installed], 1);
}

static uint32_t
reason_hash(const char *signal, const char *key, size_t len)
{
	uint32_t h = 2166136261u;
	size_t i;

	for (; *signal != '\0'; signal++)
		h = (h ^ (unsigned char)*signal) * 16777619u;
	for (i = 0; i < len; i++)
		h = (h ^ (unsigned char)key[i]) * 16777619u;
	return h;
}

static bool
slot_is(const struct reason_slot *s, const char *signal, const char *key,
    size_t len)
{
	return strcmp(s->signal, signal) == 0 && strncmp(s->key, key, len) == 0 &&
	    s->key[len] == '\0';
}

/* Count one reason in its slot, taking a free one the first time. */
static void
count_reason(const struct score_reason *r)
{
	const char *signal = r->signal != NULL ? r->signal : "-";
	size_t len = r->keylen < SCORE_REASON_LEN ? r->keylen
	    : SCORE_REASON_LEN - 1;
	uint32_t h = reason_hash(signal, r->text, len);
	struct reason_slot *s;
	size_t probe;
	int state;

	for (probe = 0; probe < METRICS_REASONS_MAX; probe++) {
		s = &m.reasons[(h + probe) % METRICS_REASONS_MAX];
		state = atomic_load_explicit(&s->state, memory_order_acquire);
		if (state == SLOT_EMPTY && atomic_compare_exchange_strong(
		    &s->state, &state, SLOT_FILLING)) {
			s->signal = signal;
			memcpy(s->key, r->text, len);
			s->key[len] = '\0';
			atomic_store_explicit(&s->state, SLOT_READY,
			    memory_order_release);
			state = SLOT_READY;
		}
		/* Another thread is filling it: a few instructions. */
		while (state == SLOT_FILLING) {
			sched_yield();
			state = atomic_load_explicit(&s->state,
			    memory_order_acquire);
		}
		if (slot_is(s, signal, r->text, len)) {
			add(&s->n, 1);
			return;
		}
	}
	add(&m.reasons_other, 1);
}

void
metrics_decision(const struct engine_decision *d, bool at_mail,
    enum config_fallback policy, unsigned rcpts)
{
	unsigned i;

	add(&m.decisions[d->verdict], 1);
	if (d->would != d->verdict)
		add(&m.would[d->would], 1);
	if (d->fell_back)
		add(&m.fallbacks[policy], 1);
	if (at_mail) {
		/* (in monitor mode a quarantined sender is let through) */
		if (score_verdict_refuses(d->verdict))
			add(&m.counters[METRICS_MAIL_REFUSALS], 1);
	} else {
		add(&m.counters[METRICS_MESSAGES], 1);
		add(&m.counters[METRICS_RECIPIENTS], rcpts);
	}
	for (i = 0; i < d->score.nreasons; i++)
		count_reason(&d->score.reasons[i]);
}

void
metrics_label(FILE *out, const char *s, size_t len)
{
	size_t i;

	for (i = 0; i < len && s[i] != '\0'; i++) {
		if (s[i] == '\\' || s[i] == '"')
			fprintf(out, "\\%c", s[i]);
		else if (s[i] == '\n')
			fputs("\\n", out);
		else
			fputc(s[i], out);
	}
}

static void
header(FILE *out, const char *name, const char *type, const char *help)
{
	fprintf(out, "# HELP zombie_milter_%s %s\n# TYPE zombie_milter_%s %s\n",
	    name, help, name, type);
}

/* A counter without labels. */
static void
scalar(FILE *out, const char *name, const char *help, counter *c)
{
	header(out, name, "counter", help);
	fprintf(out, "zombie_milter_%s %llu\n", name,
	    (unsigned long long)get(c));
}

/* A counter with one label, one sample per name. */
static void
labelled(FILE *out, const char *name, const char *help, const char *label,
    const char *const names[], counter *c, size_t n)
{
	size_t i;

	header(out, name, "counter", help);
	for (i = 0; i < n; i++)
		fprintf(out, "zombie_milter_%s{%s=\"%s\"} %llu\n", name, label,
		    names[i], (unsigned long long)get(&c[i]));
}

static void
histogram(FILE *out, const char *name, const char *help,
    struct histogram *h)
{
	uint64_t cumulative = 0;
	size_t i;

	header(out, name, "histogram", help);
	for (i = 0; i < N(h->bucket); i++) {
		cumulative += get(&h->bucket[i]);
		fprintf(out, "zombie_milter_%s_bucket{le=\"%s\"} %llu\n", name,
		    i < N(bounds_text) ? bounds_text[i] : "+Inf",
		    (unsigned long long)cumulative);
	}
	fprintf(out, "zombie_milter_%s_sum %.6f\n", name,
	    (double)get(&h->sum_us) / 1e6);
	/* the count from the same reads as the buckets: they agree */
	fprintf(out, "zombie_milter_%s_count %llu\n", name,
	    (unsigned long long)cumulative);
}

static void
reasons(FILE *out)
{
	struct reason_slot *s;
	size_t i;

	header(out, "reasons_total", "counter", "Reasons given for decisions, "
	    "by signal and key.");
	for (i = 0; i < METRICS_REASONS_MAX; i++) {
		s = &m.reasons[i];
		if (atomic_load_explicit(&s->state, memory_order_acquire) !=
		    SLOT_READY)
			continue;
		fprintf(out, "zombie_milter_reasons_total{signal=\"");
		metrics_label(out, s->signal, strlen(s->signal));
		fprintf(out, "\",reason=\"");
		metrics_label(out, s->key, sizeof(s->key));
		fprintf(out, "\"} %llu\n", (unsigned long long)get(&s->n));
	}
	fprintf(out, "zombie_milter_reasons_total{signal=\"-\",reason=\"other\"}"
	    " %llu\n", (unsigned long long)get(&m.reasons_other));
}

void
metrics_write(FILE *out)
{
	/* redis_fallback's words; config_fallback_name() would link all of
	 * config.c into every user of the resolver (the SPF test tool) */
	static const char *const fallbacks[] = { "local", "accept",
	    "tempfail" };
	const char *verdicts[N(m.decisions)];
	static const char *const subjects[] = { "host", "prefix", "login" };
	static const char *const reloads[] = { "refused", "installed" };
	static const char *const redis_errors[] = { "circuit_open", "busy",
	    "connect", "timeout", "io", "reply" };
	static const char *const dns_answers[] = { "answer", "nxdomain",
	    "nodata", "failed" };
	_Static_assert(N(fallbacks) == N(m.fallbacks) &&
	    N(subjects) == N(m.quarantines) && N(reloads) == N(m.reloads) &&
	    N(redis_errors) == N(m.redis_errors) &&
	    N(dns_answers) == N(m.dns_answers), "a name for each counter");
	size_t i;

	for (i = 0; i < N(verdicts); i++)
		verdicts[i] = score_verdict_name((enum verdict)i);
	labelled(out, "decisions_total", "Decisions, by action (what was "
	    "done).", "action", verdicts, m.decisions, N(verdicts));
	labelled(out, "would_decisions_total", "Decisions whose score called "
	    "for another action (monitor mode), by that action.",
	    "action", verdicts, m.would, N(verdicts));
	reasons(out);
	scalar(out, "messages_total", "Messages decided at end of message.",
	    &m.counters[METRICS_MESSAGES]);
	scalar(out, "recipients_total", "Accepted recipients of those "
	    "messages.", &m.counters[METRICS_RECIPIENTS]);
	scalar(out, "mail_refusals_total", "Messages refused at MAIL FROM: "
	    "the host, its prefix or the login is quarantined.",
	    &m.counters[METRICS_MAIL_REFUSALS]);
	labelled(out, "quarantines_total", "Quarantines made, by subject.",
	    "subject", subjects, m.quarantines, N(subjects));
	labelled(out, "fallback_decisions_total", "Decisions made without "
	    "Redis, by redis_fallback.", "fallback", fallbacks, m.fallbacks,
	    N(fallbacks));
	scalar(out, "redis_round_trips_total", "Round trips to Redis.",
	    &m.counters[METRICS_REDIS_ROUND_TRIPS]);
	labelled(out, "redis_errors_total", "Calls that could not use Redis, "
	    "by cause.", "cause", redis_errors, m.redis_errors,
	    N(redis_errors));
	scalar(out, "dns_queries_total", "DNS queries sent.",
	    &m.counters[METRICS_DNS_QUERIES]);
	scalar(out, "dns_cache_hits_total", "Lookups answered from the "
	    "milter's cache.", &m.counters[METRICS_DNS_CACHE_HITS]);
	labelled(out, "dns_answers_total", "DNS answers, by class.", "class",
	    dns_answers, m.dns_answers, N(dns_answers));
	scalar(out, "dns_budget_overruns_total", "Waits for DNS answers that "
	    "ran out of their budget.",
	    &m.counters[METRICS_DNS_BUDGET_OVERRUNS]);
	labelled(out, "reloads_total", "Reloads (SIGHUP), by result.",
	    "result", reloads, m.reloads, N(reloads));
	histogram(out, "decision_seconds", "The milter's own time for a "
	    "message, from MAIL FROM to its reply.",
	    &m.histograms[METRICS_DECISION]);
	histogram(out, "redis_round_trip_seconds", "One round trip to Redis.",
	    &m.histograms[METRICS_REDIS_RTT]);
	histogram(out, "dns_wait_seconds", "Waiting for DNS answers at end of "
	    "message.", &m.histograms[METRICS_DNS_WAIT]);
}
