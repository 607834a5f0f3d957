/*
 * engine -- counting, scoring and quarantining.  See engine.h.
 */
#include "zmconfig.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "engine.h"
#include "hostkey.h"
#include "metrics.h"
#include "signals.h"

struct engine {
	const struct config *cfg;
	struct store *shared;		/* Redis, or NULL */
	struct store *local;		/* embedded: always there */
	struct engine_clock clock;
};

static const struct signal *const signals[] = {
	&signal_rate,
	&signal_dnsbl,
	&signal_spf,
	&signal_behaviour,
	&signal_bulk,
};

static time_t
system_now(void *arg)
{
	(void)arg;
	return time(NULL);
}

const struct engine_clock engine_clock_system = { system_now, NULL };

struct engine *
engine_new(const struct config *cfg, struct store *shared, struct store *local,
    const struct engine_clock *clock)
{
	struct engine *e = calloc(1, sizeof(*e));

	if (e == NULL || local == NULL) {
		store_free(shared);
		store_free(local);
		free(e);
		return NULL;
	}
	e->cfg = cfg;
	e->shared = shared;
	e->local = local;
	e->clock = *clock;
	return e;
}

void
engine_free(struct engine *e)
{
	if (e == NULL)
		return;
	store_free(e->shared);
	store_free(e->local);
	free(e);
}

static void
decision_init(struct engine_decision *d)
{
	memset(d, 0, sizeof(*d));
	d->verdict = d->would = VERDICT_ACCEPT;
	score_init(&d->score);
}

/* Note why a store failed; the first cause is the one worth logging. */
static void
note_failure(struct engine_decision *d, bool shared)
{
	if (!d->fell_back && !d->store_failed)
		snprintf(d->errstr, sizeof(d->errstr), "%s", store_error());
	if (shared)
		d->fell_back = true;
	else
		d->store_failed = true;
}

/*
 * The one place a failure becomes a verdict.  Redis unusable: what
 * redis_fallback says (local and accept need nothing here: the message
 * was counted locally, or not at all).  The local store failing means
 * memory ran out: the message is deferred, never lost, never refused for
 * good.
 */
static enum verdict
failure_verdict(const struct engine *e, const struct engine_decision *d,
    enum verdict would)
{
	bool defer = d->store_failed || (d->fell_back &&
	    e->cfg->redis_fallback == CONFIG_FALLBACK_TEMPFAIL);

	return defer && would < VERDICT_TEMPFAIL ? VERDICT_TEMPFAIL : would;
}

/* Enforce the verdict, or only report it in monitor mode. */
static void
settle(const struct engine *e, struct engine_decision *d)
{
	d->verdict = e->cfg->mode == CONFIG_MODE_MONITOR ? VERDICT_ACCEPT
	    : d->would;
}

/* Let subj count the distinct values it is seen with, up to limit and
 * one past it (and at least STORE_VALUES_KEPT, for the event's lists). */
static void
distinct(struct store_subject *subj, const char *value, const char *label,
    unsigned limit)
{
	if (value == NULL || limit == 0)
		return;
	subj->has_value = true;
	subj->value = (uint32_t)hostkey_hash(value);
	subj->label = label;
	subj->value_cap = limit + 1 > STORE_VALUES_KEPT ? limit + 1
	    : STORE_VALUES_KEPT;
}

/*
 * The message's subjects, those it has of host, delegated prefix and
 * login, in that order, each with the value whose spread it counts: a
 * host's logins (credential stuffing), a prefix's hosts (a zombie taking
 * a new /64 for each message), a login's networks (stolen credentials).
 * kind[k] says which subject subj[k] is; returns how many there are.
 */
static size_t
subjects(const struct engine *e, const struct engine_message *m,
    struct store_subject subj[STORE_SUBJECTS_MAX],
    size_t kind[STORE_SUBJECTS_MAX])
{
	const struct config_signals *sig = &e->cfg->sig;
	size_t n = 0;

	memset(subj, 0, STORE_SUBJECTS_MAX * sizeof(subj[0]));
	if (m->host != NULL) {
		kind[n] = STORE_SUBJECT_HOST;
		subj[n].key = m->host;
		distinct(&subj[n++], m->user, NULL, sig->host_logins_per_window);
	}
	if (m->host != NULL && m->prefix != NULL) {
		kind[n] = STORE_SUBJECT_PREFIX;
		subj[n].key = m->prefix;
		distinct(&subj[n++], m->host, m->host,
		    sig->prefix_hosts_per_window);
	}
	if (m->user != NULL) {
		kind[n] = STORE_SUBJECT_USER;
		subj[n].key = m->user;
		distinct(&subj[n++], m->network, m->host,
		    sig->user_networks_per_window);
	}
	return n;
}

void
engine_check_mail(struct engine *e, const struct engine_message *m,
    struct engine_decision *d)
{
	struct store_subject subj[STORE_SUBJECTS_MAX];
	size_t kind[STORE_SUBJECTS_MAX];
	const char *keys[STORE_SUBJECTS_MAX];
	time_t now = e->clock.now(e->clock.arg);
	size_t n = subjects(e, m, subj, kind), which = 0, k;
	enum store_status st = STORE_NOTFOUND;

	decision_init(d);
	if (n == 0)
		return;
	for (k = 0; k < n; k++)
		keys[k] = subj[k].key;
	if (e->shared != NULL) {
		st = e->shared->ops->block_find(e->shared, keys, n, now, &which,
		    &d->block);
		/* Unknown is not "blocked": the message goes on to end of
		 * message, where it is counted and scored. */
		if (st == STORE_ERROR)
			note_failure(d, true);
	}
	/* Quarantines made while Redis was away, or the only ones. */
	if (st != STORE_OK)
		st = e->local->ops->block_find(e->local, keys, n, now, &which,
		    &d->block);
	if (st == STORE_OK) {
		d->blocked = keys[which];
		d->would = VERDICT_REJECT;
		d->score.signal = "quarantine";
		score_add(&d->score, 0, "quarantined");
	}
	settle(e, d);
}

/*
 * Count the message (sign 1) in where, falling back as configured, or
 * take it back (-1) from where it was counted; returns the store that
 * counted it, or NULL if it is not counted at all.
 */
static struct store *
count(struct engine *e, struct store *where, struct store_subject subj[],
    size_t n, time_t *now, int32_t sign, unsigned rcpts,
    struct store_observation *obs, struct engine_decision *d)
{
	int32_t dr = sign * (int32_t)(rcpts > 1000000 ? 1000000 : rcpts);

	if (where == e->shared) {
		if (e->shared->ops->rate_update(e->shared, subj, n, now, sign, dr,
		    obs) == STORE_OK)
			return e->shared;
		note_failure(d, true);
		if (sign < 0 || e->cfg->redis_fallback != CONFIG_FALLBACK_LOCAL)
			return NULL;
		*now = e->clock.now(e->clock.arg);
	}
	if (e->local->ops->rate_update(e->local, subj, n, now, sign, dr,
	    obs) == STORE_OK)
		return e->local;
	note_failure(d, false);
	return NULL;
}

static void
quarantine(struct engine *e, struct store *where,
    const struct store_subject subj[], const size_t kind[], size_t n,
    time_t now, const struct engine_message *m, struct engine_decision *d)
{
	struct store_quarantine q;
	size_t k;

	memset(&q, 0, sizeof(q));
	for (k = 0; k < n; k++)
		q.keys[kind[k]] = subj[k].key;
	q.since = now;
	q.until = now + (time_t)e->cfg->quarantine_s;
	q.score = &d->score;
	q.relay = e->cfg->relay_name;
	q.queue_id = m->queue_id;
	if (where == e->shared) {
		if (e->shared->ops->quarantine(e->shared, &q) == STORE_OK)
			goto made;
		note_failure(d, true);
	}
	/* Wherever it was counted, a quarantine must be kept somewhere. */
	if (e->local->ops->quarantine(e->local, &q) != STORE_OK) {
		note_failure(d, false);
		return;
	}
made:
	for (k = 0; k < n; k++)
		metrics_quarantine(kind[k]);
}

/* What to record of the message beyond its counts (store.h). */
static void
observation(const struct engine *e, const struct engine_message *m,
    struct store_observation *obs)
{
	const struct config_signals *sig = &e->cfg->sig;

	memset(obs, 0, sizeof(*obs));
	obs->host = m->host;
	obs->window_s = sig->behaviour_window_s;
	obs->from_limit = sig->from_domains_per_window;
	obs->rcpt_limit = sig->rcpt_domains_per_window;
	obs->has_from = m->from != NULL && domain_hash(m->from,
	    &obs->from_domain);
	if (m->rcpt_domains != NULL) {
		obs->rcpt_domains = m->rcpt_domains->hash;
		obs->nrcpt_domains = m->rcpt_domains->n;
	}
	obs->fp = sig->bulk ? m->fp : NULL;
	obs->bulk_window_s = sig->bulk_window_s;
	obs->per_host_bulk = sig->bulk_host_recipients > 0;
	obs->cross_host_bulk = sig->bulk_hosts > 0;
	obs->rcpts = m->rcpts;
}

/* Where the signals find each subject's counts. */
static struct signal_subject *
signal_subject_of(struct signal_facts *f, size_t kind)
{
	switch (kind) {
	case STORE_SUBJECT_HOST:
		return &f->host;
	case STORE_SUBJECT_PREFIX:
		return &f->prefix;
	default:
		return &f->user;
	}
}

void
engine_decide(struct engine *e, const struct engine_message *m,
    struct engine_decision *d)
{
	struct store_observation obs;
	struct store_subject subj[STORE_SUBJECTS_MAX];
	size_t kind[STORE_SUBJECTS_MAX];
	bool refused;
	time_t now = e->clock.now(e->clock.arg);
	size_t n = subjects(e, m, subj, kind), k;
	struct store *counted = NULL;
	struct signal_facts f;

	decision_init(d);
	/* Whether the sender is quarantined was not known at MAIL FROM:
	 * the message is what redis_fallback says, even if Redis counts it
	 * now. */
	if (m->block_unknown) {
		d->fell_back = true;
		snprintf(d->errstr, sizeof(d->errstr), "%s",
		    "the quarantine check at MAIL FROM failed");
	}
	memset(&f, 0, sizeof(f));
	f.rcpts = m->rcpts;
	f.rejected = m->rejected;
	f.rcpt_domains = m->rcpt_domains != NULL ? m->rcpt_domains->n : 0;
	f.helo = m->helo;
	f.mta_name = m->mta_name;
	f.spf = m->spf;
	f.dnsbl = m->dnsbl;
	f.ndnsbl = m->ndnsbl;
	observation(e, m, &obs);
	if (m->host != NULL)
		f.obs = &obs;
	if (n > 0)
		counted = count(e, e->shared != NULL ? e->shared : e->local,
		    subj, n, &now, 1, m->rcpts, &obs, d);
	for (k = 0; k < n; k++) {
		struct signal_subject *s = signal_subject_of(&f, kind[k]);

		s->key = subj[k].key;
		s->counted = counted != NULL;
		s->observed = counted != NULL && obs.answered;
		memcpy(s->counts, subj[k].counts, sizeof(s->counts));
		s->values = subj[k].values;
		s->refused = subj[k].refused;
	}
	/* each names itself in the reasons it adds (for the metrics) */
	for (k = 0; k < sizeof(signals) / sizeof(signals[0]); k++) {
		d->score.signal = signals[k]->name;
		signals[k]->evaluate(e->cfg, &f, &d->score);
	}
	d->would = failure_verdict(e, d,
	    score_verdict(&d->score, &e->cfg->thresholds));
	settle(e, d);
	if (!score_verdict_refuses(d->would))
		return;
	/* Refused mail is not counted: a blocked host's retries must not
	 * prolong its block, nor a deferred message's retries add to its
	 * body's count.  Its refusal is (what monitor mode would have
	 * refused, too), for every subject: a host, a prefix or a login
	 * that keeps pushing refused mail scores for it. */
	refused = score_verdict_refuses(d->verdict);
	if (counted != NULL) {
		observation(e, m, &obs);
		obs.has_from = false;
		obs.nrcpt_domains = 0;
		obs.cross_host_bulk = false;
		obs.rcpts = refused ? m->rcpts : 0;
		obs.refusal = true;
		for (k = 0; k < n; k++)
			subj[k].has_value = false;
		count(e, counted, subj, n, &now, refused ? -1 : 0, m->rcpts,
		    &obs, d);
	}
	if (d->verdict == VERDICT_QUARANTINE && n > 0)
		quarantine(e, counted != NULL ? counted : e->local, subj, kind,
		    n, now, m, d);
}
