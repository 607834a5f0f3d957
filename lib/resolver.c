/*
 * resolver -- asynchronous cached lookups over libunbound.
 * See resolver.h.
 *
 * Concurrency: r->lock guards the cache, every query's status and
 * reference count, and the list of queries in flight.  libunbound calls
 * answered() from the resolver thread (the only caller of ub_process());
 * it fills the query and the cache and wakes the waiters on r->answered.
 * Queries in flight are listed so that resolver_free() can free those
 * libunbound will never answer once its context is deleted.
 */
#include "zmconfig.h"

#include <errno.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <syslog.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unbound.h>
#include <unistd.h>
#include <arpa/inet.h>

#include "clock.h"
#include "hostkey.h"
#include "metrics.h"
#include "resolver.h"

#define QNAME_MAX	(RESOLVER_NAME_MAX + 2)	/* a trailing dot, NUL */

/* An answer's records: each as a 2-byte length and its rdata. */
struct rrset {
	unsigned char *data;		/* NULL when there are none */
	size_t len;
};

struct resolver_query {
	struct resolver *r;
	int refs;
	bool in_flight;
	struct resolver_query *prev, *next;	/* in flight */
	struct resolver_quota *quota;		/* in flight: its session's */
	enum resolver_status status;
	struct rrset rrs;
	int qtype;
	char qname[QNAME_MAX];
};

struct resolver_quota {
	unsigned in_flight;		/* under the resolver's lock */
	unsigned max;
	bool orphaned;			/* its session is gone */
	atomic_bool hit;		/* a query was refused at the cap */
	bool reported;			/* its owner's only */
};

struct cache_entry {
	char qname[QNAME_MAX];
	int qtype;
	uint64_t expires_ms;
	enum resolver_status status;
	struct rrset rrs;
};

struct resolver {
	struct ub_ctx *ctx;
	pthread_mutex_t lock;
	pthread_cond_t answered;
	pthread_t thread;
	int wake[2];			/* a byte here stops the thread */
	struct resolver_query *in_flight;
	unsigned nin_flight, max_in_flight;
	bool capped;			/* a spell at the cap is on */
	unsigned long capped_refused;	/* refused during it */
	struct loghook log;
	struct cache_entry *cache;
	unsigned cache_size;
	atomic_ulong sent;
	atomic_ulong failed;		/* resolver_failures() */
};

static struct cache_entry *
cache_slot(struct resolver *r, const char *qname, int qtype)
{
	return &r->cache[(hostkey_hash(qname) + (uint32_t)qtype * 2654435761u) %
	    r->cache_size];
}

/* A copy of rrs into out; false (out empty) when memory runs out. */
static bool
rrset_copy(struct rrset *out, const struct rrset *rrs)
{
	out->len = 0;
	if (rrs->len == 0 || (out->data = malloc(rrs->len)) == NULL) {
		out->data = NULL;
		return rrs->len == 0;
	}
	memcpy(out->data, rrs->data, rrs->len);
	out->len = rrs->len;
	return true;
}

static void
rrset_clear(struct rrset *rrs)
{
	free(rrs->data);
	rrs->data = NULL;
	rrs->len = 0;
}

/* Drop one reference; the caller holds r->lock. */
static void
query_unref(struct resolver_query *q)
{
	if (--q->refs == 0) {
		rrset_clear(&q->rrs);
		free(q);
	}
}

/* The query is no longer in flight; the caller holds r->lock.  True when
 * a spell at the total's cap just ended: the caller reports it. */
static bool
in_flight_remove(struct resolver *r, struct resolver_query *q)
{
	struct resolver_quota *quota = q->quota;

	if (q->prev != NULL)
		q->prev->next = q->next;
	else
		r->in_flight = q->next;
	if (q->next != NULL)
		q->next->prev = q->prev;
	q->in_flight = false;
	q->quota = NULL;
	if (quota != NULL && --quota->in_flight == 0 && quota->orphaned)
		free(quota);
	r->nin_flight--;
	if (!r->capped || r->nin_flight > r->max_in_flight / 2)
		return false;
	r->capped = false;
	return true;
}

static void
report_cap_end(struct resolver *r, unsigned long refused)
{
	loghook_say(&r->log, LOG_NOTICE, "dns: queries in flight under the "
	    "limit again; %lu lookups were refused meanwhile", refused);
}

/* Keep an answer's records; false if there are none or too many. */
static bool
take_rrs(const struct ub_result *res, struct rrset *out)
{
	size_t len = 0, n;
	unsigned char *p;

	for (n = 0; res->data[n] != NULL; n++)
		len += 2 + (size_t)res->len[n];
	if (n == 0 || n > RESOLVER_RRS_MAX || len > RESOLVER_ANSWER_MAX ||
	    (out->data = malloc(len)) == NULL)
		return false;
	for (p = out->data, n = 0; res->data[n] != NULL; n++) {
		*p++ = (unsigned char)(res->len[n] >> 8);
		*p++ = (unsigned char)res->len[n];
		memcpy(p, res->data[n], (size_t)res->len[n]);
		p += res->len[n];
	}
	out->len = len;
	return true;
}

/* libunbound's callback, in the resolver thread. */
static void
answered(void *arg, int err, struct ub_result *res)
{
	struct resolver_query *q = arg;
	struct resolver *r = q->r;
	struct cache_entry *c;
	unsigned long refused;
	bool cap_ended;
	int ttl;

	/* The DNS failed us (no server, SERVFAIL, a timeout), as opposed to
	 * an answer we refuse. */
	if (err != 0 || res == NULL || (res->rcode != 0 && !res->nxdomain))
		atomic_fetch_add(&r->failed, 1);
	pthread_mutex_lock(&r->lock);
	q->status = RESOLVER_FAILED;
	if (err == 0 && res != NULL && res->rcode == 0 && res->havedata)
		q->status = take_rrs(res, &q->rrs) ? RESOLVER_ANSWER
		    : RESOLVER_FAILED;
	else if (err == 0 && res != NULL && res->nxdomain)
		q->status = RESOLVER_NXDOMAIN;
	else if (err == 0 && res != NULL && res->rcode == 0 && !res->havedata)
		q->status = RESOLVER_NODATA;
	metrics_dns_answer(q->status == RESOLVER_ANSWER ? METRICS_DNS_ANSWER
	    : q->status == RESOLVER_NXDOMAIN ? METRICS_DNS_NXDOMAIN
	    : q->status == RESOLVER_NODATA ? METRICS_DNS_NODATA
	    : METRICS_DNS_FAILED);
	c = cache_slot(r, q->qname, q->qtype);
	if (q->status != RESOLVER_FAILED) {
		rrset_clear(&c->rrs);
		if (rrset_copy(&c->rrs, &q->rrs)) {
			ttl = res->ttl < RESOLVER_TTL_MIN_S ? RESOLVER_TTL_MIN_S
			    : res->ttl > RESOLVER_TTL_MAX_S ? RESOLVER_TTL_MAX_S
			    : res->ttl;
			memcpy(c->qname, q->qname, sizeof(c->qname));
			c->qtype = q->qtype;
			c->expires_ms = clock_monotonic_ms() + (uint64_t)ttl * 1000;
			c->status = q->status;
		} else {
			c->expires_ms = 0;
		}
	}
	refused = r->capped_refused;
	cap_ended = in_flight_remove(r, q);
	query_unref(q);
	pthread_cond_broadcast(&r->answered);
	pthread_mutex_unlock(&r->lock);
	if (cap_ended)
		report_cap_end(r, refused);
	if (res != NULL)
		ub_resolve_free(res);
}

static void *
resolver_thread(void *arg)
{
	struct resolver *r = arg;
	struct pollfd fds[2] = { { ub_fd(r->ctx), POLLIN, 0 },
	    { r->wake[0], POLLIN, 0 } };

	for (;;) {
		if (poll(fds, 2, -1) < 0 && errno != EINTR)
			break;
		if (fds[1].revents != 0)
			break;
		if (fds[0].revents != 0)
			ub_process(r->ctx);
	}
	return NULL;
}

static bool
configure(struct ub_ctx *ctx, const char *const forwarders[], size_t n,
    char *err, size_t errlen)
{
	size_t i;
	int rc;

	/* Threads, not a forked process.  No validator: DNSBL answers are
	 * taken as the forwarders give them.  libunbound's own retries stop
	 * after about 2 s; a decision waits only its budget anyway. */
	static const char *const options[][2] = {
		{ "module-config:", "iterator" },
		{ "qname-minimisation:", "no" },
		{ "infra-cache-max-rtt:", "1000" },
		/* Our cache is in front; this one must not hide a list going
		 * bad from the health check for long. */
		{ "cache-max-ttl:", "60" },
		{ "cache-max-negative-ttl:", "60" },
	};

	for (i = 0; i < sizeof(options) / sizeof(options[0]); i++)
		if ((rc = ub_ctx_set_option(ctx, options[i][0], options[i][1])) != 0)
			goto fail;
	if ((rc = ub_ctx_async(ctx, 1)) != 0)
		goto fail;
	if (n == 0) {
		if ((rc = ub_ctx_resolvconf(ctx, NULL)) != 0)
			goto fail;
		return true;
	}
	/* A forwarder on this host (a local DNSBL mirror) is allowed. */
	if ((rc = ub_ctx_set_option(ctx, "do-not-query-localhost:", "no")) != 0)
		goto fail;
	for (i = 0; i < n; i++) {
		if ((rc = ub_ctx_set_fwd(ctx, forwarders[i])) != 0) {
			snprintf(err, errlen, "forwarder %s: %s", forwarders[i],
			    ub_strerror(rc));
			return false;
		}
	}
	return true;
fail:
	snprintf(err, errlen, "libunbound: %s", ub_strerror(rc));
	return false;
}

struct resolver *
resolver_new(const struct resolver_options *o, char *err, size_t errlen)
{
	struct resolver *r = calloc(1, sizeof(*r));
	unsigned cache_size = o->cache_size ? o->cache_size : 1;
	pthread_condattr_t attr;
	sigset_t all, old;

	if (r == NULL || (r->cache = calloc(cache_size,
	    sizeof(*r->cache))) == NULL) {
		snprintf(err, errlen, "resolver: out of memory");
		goto fail;
	}
	r->cache_size = cache_size;
	r->max_in_flight = o->max_in_flight ? o->max_in_flight : 1;
	r->log = o->log;
	r->wake[0] = r->wake[1] = -1;
	if ((r->ctx = ub_ctx_create()) == NULL) {
		snprintf(err, errlen, "libunbound: cannot create a context");
		goto fail;
	}
	if (!configure(r->ctx, o->forwarders, o->nforwarders, err, errlen))
		goto fail;
	if (pipe(r->wake) != 0) {
		snprintf(err, errlen, "resolver: pipe: %s", strerror(errno));
		goto fail;
	}
	pthread_mutex_init(&r->lock, NULL);
	/* Budgets are waited on the monotonic clock: a clock step must not
	 * stretch them. */
	pthread_condattr_init(&attr);
	pthread_condattr_setclock(&attr, CLOCK_MONOTONIC);
	pthread_cond_init(&r->answered, &attr);
	pthread_condattr_destroy(&attr);
	/* The thread must never take a signal meant for the daemon. */
	sigfillset(&all);
	pthread_sigmask(SIG_SETMASK, &all, &old);
	if (pthread_create(&r->thread, NULL, resolver_thread, r) != 0) {
		pthread_sigmask(SIG_SETMASK, &old, NULL);
		snprintf(err, errlen, "resolver: cannot start its thread");
		pthread_cond_destroy(&r->answered);
		pthread_mutex_destroy(&r->lock);
		goto fail;
	}
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	return r;
fail:
	if (r != NULL) {
		if (r->wake[0] >= 0) {
			close(r->wake[0]);
			close(r->wake[1]);
		}
		if (r->ctx != NULL)
			ub_ctx_delete(r->ctx);
		free(r->cache);
		free(r);
	}
	return NULL;
}

void
resolver_free(struct resolver *r)
{
	struct resolver_query *q;
	unsigned i;

	if (r == NULL)
		return;
	if (write(r->wake[1], "x", 1) == 1)
		pthread_join(r->thread, NULL);
	/* No callback runs after this: free what was left in flight. */
	ub_ctx_delete(r->ctx);
	while ((q = r->in_flight) != NULL) {
		(void)in_flight_remove(r, q);
		query_unref(q);
	}
	close(r->wake[0]);
	close(r->wake[1]);
	pthread_cond_destroy(&r->answered);
	pthread_mutex_destroy(&r->lock);
	for (i = 0; i < r->cache_size; i++)
		rrset_clear(&r->cache[i].rrs);
	free(r->cache);
	free(r);
}

/* Can DNS carry this name?  253 bytes at most without the root's dot. */
static bool
name_fits(const char *qname)
{
	size_t n = strnlen(qname, RESOLVER_NAME_MAX + 2);

	if (n > 0 && qname[n - 1] == '.')
		n--;
	return n <= RESOLVER_NAME_MAX;
}

/* May one more query of quota go out now?  The caller holds r->lock. */
static bool
may_send(struct resolver *r, struct resolver_quota *quota, bool *cap_began)
{
	*cap_began = false;
	if (quota != NULL && quota->in_flight >= quota->max) {
		atomic_store(&quota->hit, true);
		return false;
	}
	if (r->nin_flight < r->max_in_flight)
		return true;
	if (!r->capped) {
		r->capped = *cap_began = true;
		r->capped_refused = 0;
	}
	r->capped_refused++;
	return false;
}

static struct resolver_query *
start(struct resolver *r, const char *qname, int qtype, bool use_cache,
    struct resolver_quota *quota)
{
	struct resolver_query *q = calloc(1, sizeof(*q));
	struct cache_entry *c;
	bool cap_began;
	int id;

	if (q == NULL)
		return NULL;
	q->r = r;
	q->refs = 1;
	q->status = RESOLVER_PENDING;
	q->qtype = qtype;
	if (!name_fits(qname)) {
		/* Never cut to fit: that would ask about another name. */
		q->status = RESOLVER_FAILED;
		return q;
	}
	snprintf(q->qname, sizeof(q->qname), "%s", qname);
	pthread_mutex_lock(&r->lock);
	c = cache_slot(r, q->qname, qtype);
	if (use_cache && c->expires_ms > clock_monotonic_ms() && c->qtype == qtype &&
	    strcmp(c->qname, q->qname) == 0 && rrset_copy(&q->rrs, &c->rrs)) {
		q->status = c->status;
		pthread_mutex_unlock(&r->lock);
		metrics_count(METRICS_DNS_CACHE_HITS, 1);
		return q;
	}
	if (!may_send(r, quota, &cap_began)) {
		pthread_mutex_unlock(&r->lock);
		q->status = RESOLVER_FAILED;
		if (cap_began)
			loghook_say(&r->log, LOG_WARNING, "dns: %u queries in "
			    "flight, the limit (dns_max_queries): new lookups "
			    "are unknown until answers come", r->max_in_flight);
		return q;
	}
	/* In flight: libunbound holds a reference until it answers. */
	q->refs++;
	q->in_flight = true;
	q->quota = quota;
	if (quota != NULL)
		quota->in_flight++;
	r->nin_flight++;
	q->next = r->in_flight;
	if (q->next != NULL)
		q->next->prev = q;
	r->in_flight = q;
	pthread_mutex_unlock(&r->lock);
	/* Not under r->lock: the answer may come, and take it, at once. */
	atomic_fetch_add(&r->sent, 1);
	metrics_count(METRICS_DNS_QUERIES, 1);
	if (ub_resolve_async(r->ctx, q->qname, qtype, 1 /* IN */, q,
	    answered, &id) != 0) {
		unsigned long refused;
		bool cap_ended;

		atomic_fetch_add(&r->failed, 1);
		pthread_mutex_lock(&r->lock);
		refused = r->capped_refused;
		cap_ended = in_flight_remove(r, q);
		q->refs--;
		q->status = RESOLVER_FAILED;
		pthread_mutex_unlock(&r->lock);
		metrics_dns_answer(METRICS_DNS_FAILED);
		if (cap_ended)
			report_cap_end(r, refused);
	}
	return q;
}

struct resolver_query *
resolver_start(struct resolver *r, const char *qname, int qtype,
    struct resolver_quota *quota)
{
	return start(r, qname, qtype, true, quota);
}

struct resolver_query *
resolver_start_uncached(struct resolver *r, const char *qname)
{
	return start(r, qname, RESOLVER_T_A, false, NULL);
}

bool
resolver_wait(struct resolver *r, struct resolver_query *const qs[], size_t n,
    unsigned budget_ms)
{
	const struct timespec until = clock_timespec(clock_monotonic_ms() +
	    budget_ms);
	bool all = true;
	size_t i;

	pthread_mutex_lock(&r->lock);
	for (i = 0; i < n && all; i++)
		while (qs[i] != NULL && qs[i]->status == RESOLVER_PENDING)
			if (pthread_cond_timedwait(&r->answered, &r->lock,
			    &until) == ETIMEDOUT) {
				all = qs[i]->status != RESOLVER_PENDING;
				break;
			}
	pthread_mutex_unlock(&r->lock);
	if (!all)
		atomic_fetch_add(&r->failed, 1);
	return all;
}

/* The query's status; an answer is this query's own, never changed after
 * it is no longer pending, so it is read outside the lock. */
static enum resolver_status
status_of(struct resolver *r, const struct resolver_query *q)
{
	enum resolver_status st;

	pthread_mutex_lock(&r->lock);
	st = q->status;
	pthread_mutex_unlock(&r->lock);
	return st;
}

enum resolver_status
resolver_result(struct resolver *r, const struct resolver_query *q,
    uint32_t addrs[RESOLVER_ADDRS_MAX], unsigned *naddrs)
{
	enum resolver_status st = status_of(r, q);
	const unsigned char *rr;
	size_t pos = 0, len;
	uint32_t a;

	*naddrs = 0;
	while (st == RESOLVER_ANSWER && *naddrs < RESOLVER_ADDRS_MAX &&
	    resolver_rr_next(q, &pos, &rr, &len)) {
		if (len != 4)
			return RESOLVER_FAILED;
		memcpy(&a, rr, 4);
		addrs[(*naddrs)++] = ntohl(a);
	}
	/* An answer with no A record in it is no answer. */
	return st == RESOLVER_ANSWER && *naddrs == 0 ? RESOLVER_FAILED
	    : st == RESOLVER_NODATA ? RESOLVER_NXDOMAIN : st;
}

enum resolver_status
resolver_status(struct resolver *r, const struct resolver_query *q)
{
	return status_of(r, q);
}

bool
resolver_rr_next(const struct resolver_query *q, size_t *pos,
    const unsigned char **rr, size_t *len)
{
	size_t n;

	if (q->rrs.data == NULL || *pos + 2 > q->rrs.len)
		return false;
	n = (size_t)q->rrs.data[*pos] << 8 | q->rrs.data[*pos + 1];
	if (*pos + 2 + n > q->rrs.len)
		return false;
	*rr = q->rrs.data + *pos + 2;
	*len = n;
	*pos += 2 + n;
	return true;
}

void
resolver_release(struct resolver *r, struct resolver_query *q)
{
	if (q == NULL)
		return;
	pthread_mutex_lock(&r->lock);
	query_unref(q);
	pthread_mutex_unlock(&r->lock);
}

unsigned long
resolver_sent(struct resolver *r)
{
	return atomic_load(&r->sent);
}

unsigned long
resolver_failures(struct resolver *r)
{
	return atomic_load(&r->failed);
}

struct resolver_quota *
resolver_quota_new(unsigned max)
{
	struct resolver_quota *q = calloc(1, sizeof(*q));

	if (q != NULL) {
		q->max = max;
		atomic_init(&q->hit, false);
	}
	return q;
}

void
resolver_quota_free(struct resolver *r, struct resolver_quota *q)
{
	bool last;

	if (q == NULL)
		return;
	pthread_mutex_lock(&r->lock);
	q->orphaned = true;
	last = q->in_flight == 0;
	pthread_mutex_unlock(&r->lock);
	if (last)
		free(q);
}

bool
resolver_quota_newly_hit(struct resolver_quota *q)
{
	if (q->reported || !atomic_load(&q->hit))
		return false;
	q->reported = true;
	return true;
}
