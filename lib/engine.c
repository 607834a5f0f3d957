/*
 * engine -- counting, scoring and quarantining.  See engine.h.
 */
#include "zmconfig.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "engine.h"
#include "signals.h"

struct engine {
	const struct config *cfg;
	struct store *store;
	struct engine_clock clock;
};

static const struct signal *const signals[] = {
	&signal_rate,
};

static time_t
system_now(void *arg)
{
	(void)arg;
	return time(NULL);
}

const struct engine_clock engine_clock_system = { system_now, NULL };

struct engine *
engine_new(const struct config *cfg, struct store *store,
    const struct engine_clock *clock)
{
	struct engine *e = calloc(1, sizeof(*e));

	if (e == NULL) {
		store_free(store);
		return NULL;
	}
	e->cfg = cfg;
	e->store = store;
	e->clock = *clock;
	return e;
}

void
engine_free(struct engine *e)
{
	if (e == NULL)
		return;
	store_free(e->store);
	free(e);
}

static void
decision_init(struct engine_decision *d)
{
	memset(d, 0, sizeof(*d));
	d->verdict = d->would = VERDICT_ACCEPT;
	score_init(&d->score);
}

/* Note a store failure once; the first cause is the one worth logging. */
static void
store_failed(struct engine *e, struct engine_decision *d)
{
	if (!d->store_failed)
		snprintf(d->errstr, sizeof(d->errstr), "%s", e->store->errstr);
	d->store_failed = true;
}

/*
 * The one place a failure becomes a verdict.  The embedded store fails
 * only when memory runs out; the message is deferred, never lost and
 * never refused for good.
 */
static enum verdict
failure_verdict(enum verdict would)
{
	return would > VERDICT_TEMPFAIL ? would : VERDICT_TEMPFAIL;
}

/* Enforce the verdict, or only report it in monitor mode. */
static void
settle(const struct engine *e, struct engine_decision *d)
{
	d->verdict = e->cfg->mode == CONFIG_MODE_MONITOR ? VERDICT_ACCEPT
	    : d->would;
}

void
engine_check_mail(struct engine *e, const struct engine_message *m,
    struct engine_decision *d)
{
	const char *keys[2] = { m->host, m->user };
	time_t now = e->clock.now(e->clock.arg);
	enum store_status st;
	size_t i;

	decision_init(d);
	for (i = 0; i < 2 && d->blocked == NULL; i++) {
		if (keys[i] == NULL)
			continue;
		st = e->store->ops->block_get(e->store, keys[i], now, &d->block);
		if (st == STORE_OK) {
			d->blocked = keys[i];
			d->would = VERDICT_REJECT;
			score_add(&d->score, 0, "quarantined");
		} else if (st == STORE_ERROR) {
			/* Unknown is not "blocked": let the message through
			 * to end of message, where it is counted and scored. */
			store_failed(e, d);
		}
	}
	settle(e, d);
}

static void
count(struct engine *e, struct signal_subject *s, const char *key,
    time_t now, int32_t sign, unsigned rcpts, struct engine_decision *d)
{
	s->key = key;
	s->counted = false;
	if (key == NULL)
		return;
	if (e->store->ops->rate_update(e->store, key, now, sign,
	    sign * (int32_t)rcpts, s->counts) == STORE_OK)
		s->counted = true;
	else
		store_failed(e, d);
}

static void
quarantine(struct engine *e, const struct signal_facts *f, time_t now,
    struct engine_decision *d)
{
	const struct signal_subject *subjects[2] = { &f->host, &f->user };
	struct store_block block;
	size_t i;

	block.since = now;
	block.until = now + (time_t)e->cfg->quarantine_s;
	block.score = d->score.total;
	score_explain(&d->score, block.reason, sizeof(block.reason));
	for (i = 0; i < 2; i++) {
		if (subjects[i]->key == NULL)
			continue;
		if (e->store->ops->block_set(e->store, subjects[i]->key,
		    &block) != STORE_OK)
			store_failed(e, d);
		/* Not counted any more: a released host starts clean. */
		e->store->ops->rate_reset(e->store, subjects[i]->key);
	}
}

void
engine_decide(struct engine *e, const struct engine_message *m,
    struct engine_decision *d)
{
	time_t now = e->clock.now(e->clock.arg);
	struct signal_facts f;
	size_t i;

	decision_init(d);
	memset(&f, 0, sizeof(f));
	f.rcpts = m->rcpts;
	count(e, &f.host, m->host, now, 1, m->rcpts, d);
	count(e, &f.user, m->user, now, 1, m->rcpts, d);
	for (i = 0; i < sizeof(signals) / sizeof(signals[0]); i++)
		signals[i]->evaluate(e->cfg, &f, &d->score);
	d->would = score_verdict(&d->score, &e->cfg->thresholds);
	if (d->store_failed)
		d->would = failure_verdict(d->would);
	settle(e, d);
	if (!score_verdict_refuses(d->verdict))
		return;
	/* Refused mail is not counted: a blocked host's retries must not
	 * prolong its block. */
	if (f.host.counted)
		count(e, &f.host, m->host, now, -1, m->rcpts, d);
	if (f.user.counted)
		count(e, &f.user, m->user, now, -1, m->rcpts, d);
	if (d->verdict == VERDICT_QUARANTINE)
		quarantine(e, &f, now, d);
}
