/*
 * store_mem -- the embedded in-process store.  See store.h.
 *
 * A chained hash table of entries, one per key, each holding the rings of
 * every window and the key's quarantine, and an LRU list through them.
 * One mutex guards it all: every operation is a hash lookup and a few
 * dozen word updates, far shorter than the milter protocol round trip
 * around it, so the lock is not worth splitting.
 *
 * Memory is bounded: when max_hosts keys are held, the least recently used
 * one not quarantined is dropped (quarantined ones met on the way go to
 * the newest end, so every ordinary host goes before any of them; a table
 * of quarantines only drops the oldest).  Keys idle longer than the
 * longest window, and not quarantined, are dropped as they reach the LRU
 * tail.
 *
 * Limits: the counts are this process's only; several relays or a
 * restarted milter do not share them.
 */
#include "zmconfig.h"

#include <pthread.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "hostkey.h"
#include "store.h"

/* A value a host was seen with (store_observation). */
struct mem_seen {
	uint32_t hash;
	uint32_t since;		/* F, R: last seen; B: start of its count */
	uint32_t count;		/* B: recipients */
	char kind;		/* 'F' sender domain, 'R' recipient domain,
				 * 'B' body, 'D' the subject's distinct
				 * value, 'Z' refusals */
};

/* Bodies sent by many hosts: a fixed table, the newest fingerprint
 * taking a slot over, each counting up to FP_HOSTS_MAX hosts. */
#define FP_SLOTS	4096
#define FP_HOSTS_MAX	128

struct mem_fp {
	uint64_t id;			/* the fingerprint's first 64 bits */
	uint32_t since;			/* last seen */
	unsigned nhosts;
	uint32_t hosts[FP_HOSTS_MAX];	/* host key hashes */
};

struct mem_entry {
	struct mem_entry *hnext;		/* hash chain */
	struct mem_entry *newer, *older;	/* LRU list */
	time_t last_s;				/* last rate update */
	struct store_block *block;		/* NULL unless quarantined */
	struct mem_seen *seen;			/* observations, or NULL */
	unsigned nseen, aseen;
	char *key;				/* points past the buckets */
	struct window_bucket buckets[];		/* every window's ring */
};

struct mem_store {
	struct store base;
	pthread_mutex_t lock;
	struct window_spec specs[STORE_WINDOWS_MAX];
	unsigned nspecs;
	unsigned nbuckets;		/* sum of all windows' buckets */
	unsigned longest_s;
	unsigned long max_hosts, nhosts;
	size_t table_size;		/* a power of two */
	struct mem_entry **table;
	struct mem_entry *newest, *oldest;
	struct mem_fp *fps;			/* FP_SLOTS, made on first use */
};

static struct mem_entry **
bucket_of(struct mem_store *ms, const char *key)
{
	return &ms->table[hostkey_hash(key) & (ms->table_size - 1)];
}

static void
lru_unlink(struct mem_store *ms, struct mem_entry *e)
{
	if (e->newer != NULL)
		e->newer->older = e->older;
	else
		ms->newest = e->older;
	if (e->older != NULL)
		e->older->newer = e->newer;
	else
		ms->oldest = e->newer;
	e->newer = e->older = NULL;
}

static void
lru_push(struct mem_store *ms, struct mem_entry *e)
{
	e->older = ms->newest;
	e->newer = NULL;
	if (ms->newest != NULL)
		ms->newest->newer = e;
	ms->newest = e;
	if (ms->oldest == NULL)
		ms->oldest = e;
}

static void
entry_drop(struct mem_store *ms, struct mem_entry *e)
{
	struct mem_entry **pp = bucket_of(ms, e->key);

	while (*pp != e)
		pp = &(*pp)->hnext;
	*pp = e->hnext;
	lru_unlink(ms, e);
	free(e->block);
	free(e->seen);
	free(e);
	ms->nhosts--;
}

static bool
entry_idle(const struct mem_store *ms, const struct mem_entry *e, time_t now)
{
	if (e->block != NULL && e->block->until > now)
		return false;
	return now - e->last_s > (time_t)ms->longest_s;
}

/* Drop idle entries at the LRU tail; a few per call keeps it amortised. */
static void
expire_some(struct mem_store *ms, time_t now)
{
	int i;

	for (i = 0; i < 4 && ms->oldest != NULL; i++) {
		if (!entry_idle(ms, ms->oldest, now))
			break;
		entry_drop(ms, ms->oldest);
	}
}

static struct mem_entry *
entry_find(struct mem_store *ms, const char *key)
{
	struct mem_entry *e;

	for (e = *bucket_of(ms, key); e != NULL; e = e->hnext)
		if (strcmp(e->key, key) == 0)
			return e;
	return NULL;
}

/* The entry to drop for a new one when the table is full (see above);
 * a bounded number of quarantines are moved on each time. */
#define VICTIM_SCAN	64

static struct mem_entry *
victim(struct mem_store *ms, time_t now)
{
	struct mem_entry *e;
	unsigned i;

	for (i = 0; i < VICTIM_SCAN && (e = ms->oldest) != NULL; i++) {
		if (e->block == NULL || e->block->until <= now)
			return e;
		lru_unlink(ms, e);
		lru_push(ms, e);
	}
	return ms->oldest;
}

static struct mem_entry *
entry_create(struct mem_store *ms, const char *key, time_t now)
{
	struct mem_entry *e, **head;
	size_t klen = strlen(key) + 1;
	unsigned i, off = 0;

	if (ms->nhosts >= ms->max_hosts && ms->oldest != NULL)
		entry_drop(ms, victim(ms, now));
	e = calloc(1, sizeof(*e) + ms->nbuckets * sizeof(e->buckets[0]) + klen);
	if (e == NULL)
		return NULL;
	e->key = (char *)&e->buckets[ms->nbuckets];
	memcpy(e->key, key, klen);
	for (i = 0; i < ms->nspecs; i++) {
		window_init(&ms->specs[i], &e->buckets[off]);
		off += ms->specs[i].buckets;
	}
	e->last_s = now;
	head = bucket_of(ms, key);
	e->hnext = *head;
	*head = e;
	lru_push(ms, e);
	ms->nhosts++;
	return e;
}

/* Find key, creating it when asked; marks it most recently used. */
static struct mem_entry *
entry_get(struct mem_store *ms, const char *key, time_t now, bool create)
{
	struct mem_entry *e;

	expire_some(ms, now);
	e = entry_find(ms, key);
	if (e == NULL)
		return create ? entry_create(ms, key, now) : NULL;
	lru_unlink(ms, e);
	lru_push(ms, e);
	return e;
}

/* Add to (or read) every window of one entry. */
static void
entry_update(struct mem_store *ms, struct mem_entry *e, time_t now,
    int32_t dmsgs, int32_t drcpts, struct window_count counts[])
{
	unsigned i, off = 0;

	e->last_s = now;
	for (i = 0; i < ms->nspecs; i++) {
		window_add(&ms->specs[i], &e->buckets[off], now, dmsgs, drcpts);
		counts[i] = window_count(&ms->specs[i], &e->buckets[off], now);
		off += ms->specs[i].buckets;
	}
}

/* How many values of each kind an entry keeps, once pruned. */
struct seen_counts {
	unsigned f, r, b, d, z;
};

static unsigned *
seen_count_of(struct seen_counts *n, char kind)
{
	switch (kind) {
	case 'F':
		return &n->f;
	case 'R':
		return &n->r;
	case 'B':
		return &n->b;
	case 'D':
		return &n->d;
	default:
		return &n->z;
	}
}

/* Is v past its window at now?  Domains and values count while they were
 * last seen in this generation or the one before (store.h), as in Redis;
 * bodies and refusals for their window from the first. */
static bool
seen_stale(const struct mem_seen *v, const struct store_observation *obs,
    uint32_t now)
{
	if (v->kind == 'B')
		return now - v->since >= obs->bulk_window_s;
	if (v->kind == 'Z')
		return now - v->since >= obs->window_s;
	return !store_generation_live(v->since, now, obs->window_s);
}

/* Forget what slid out of its window; count what is left by kind. */
static void
seen_prune(struct mem_entry *e, const struct store_observation *obs,
    uint32_t now, struct seen_counts *n)
{
	unsigned i, kept = 0;
	struct mem_seen *v;

	memset(n, 0, sizeof(*n));
	for (i = 0; i < e->nseen; i++) {
		v = &e->seen[i];
		if (seen_stale(v, obs, now))
			continue;
		*seen_count_of(n, v->kind) += 1;
		e->seen[kept++] = *v;
	}
	e->nseen = kept;
}

/* The value of that kind and hash, added if there are fewer than cap of
 * its kind; NULL if it is not kept (over the cap, or out of memory). */
static struct mem_seen *
seen_get(struct mem_entry *e, char kind, uint32_t hash, uint32_t now,
    struct seen_counts *n, unsigned cap)
{
	struct mem_seen *v;
	unsigned i;

	for (i = 0; i < e->nseen; i++)
		if (e->seen[i].kind == kind && e->seen[i].hash == hash)
			return &e->seen[i];
	if (*seen_count_of(n, kind) >= cap)
		return NULL;
	if (e->nseen == e->aseen) {
		unsigned a = e->aseen ? 2 * e->aseen : 4;

		if ((v = realloc(e->seen, a * sizeof(*v))) == NULL)
			return NULL;
		e->seen = v;
		e->aseen = a;
	}
	v = &e->seen[e->nseen++];
	memset(v, 0, sizeof(*v));
	v->kind = kind;
	v->hash = hash;
	v->since = now;
	*seen_count_of(n, kind) += 1;
	return v;
}

/* The first hex digits of a fingerprint as a number. */
static uint64_t
fp_bits(const char *hex, unsigned digits)
{
	uint64_t v = 0;
	unsigned i;
	char c;

	for (i = 0; i < digits && (c = hex[i]) != '\0'; i++)
		v = v << 4 | (uint64_t)(c <= '9' ? c - '0' : (c | 0x20) - 'a' + 10);
	return v;
}

/* Count host among the senders of the body; how many there are. */
static unsigned
fp_count_host(struct mem_store *ms, const struct store_observation *obs,
    uint32_t now)
{
	uint64_t id = fp_bits(obs->fp, 16) | 1;
	uint32_t h = hostkey_hash(obs->host);
	struct mem_fp *f;
	unsigned i;

	if (ms->fps == NULL && (ms->fps = calloc(FP_SLOTS,
	    sizeof(*ms->fps))) == NULL)
		return 0;
	f = &ms->fps[id % FP_SLOTS];
	if (f->id != id || now - f->since >= obs->bulk_window_s) {
		f->id = id;
		f->nhosts = 0;
	}
	f->since = now;		/* kept while anyone sends it, as in Redis */
	for (i = 0; i < f->nhosts; i++)
		if (f->hosts[i] == h)
			return f->nhosts;
	if (f->nhosts < FP_HOSTS_MAX)
		f->hosts[f->nhosts++] = h;
	return f->nhosts;
}

/* Record and answer the host's part of an observation: its domains and
 * its body. */
static void
observe_host(struct mem_store *ms, struct mem_entry *e, uint32_t now,
    struct seen_counts *n, struct store_observation *obs)
{
	struct mem_seen *v;
	size_t i;

	if (obs->refusal) {
		if (obs->fp != NULL && obs->per_host_bulk &&
		    (v = seen_get(e, 'B', (uint32_t)fp_bits(obs->fp, 8), now,
		    n, 0)) != NULL)
			v->count -= v->count < obs->rcpts ? v->count : obs->rcpts;
		return;
	}
	if (obs->has_from && obs->from_limit > 0 &&
	    (v = seen_get(e, 'F', obs->from_domain, now, n,
	    obs->from_limit + 1)) != NULL)
		v->since = now;
	for (i = 0; obs->rcpt_limit > 0 && i < obs->nrcpt_domains &&
	    i < STORE_RCPT_DOMAINS_MAX; i++)
		if ((v = seen_get(e, 'R', obs->rcpt_domains[i], now, n,
		    obs->rcpt_limit + 1)) != NULL)
			v->since = now;
	obs->from_domains = n->f;
	obs->rcpt_domains_window = n->r;
	if (obs->fp != NULL && obs->per_host_bulk) {
		v = seen_get(e, 'B', (uint32_t)fp_bits(obs->fp, 8), now, n,
		    STORE_BODIES_MAX);
		obs->fp_rcpts = v != NULL ? (v->count += obs->rcpts) : obs->rcpts;
	}
	if (obs->fp != NULL && obs->cross_host_bulk)
		obs->fp_hosts = fp_count_host(ms, obs, now);
}

/* Record and answer an observation of entry e, the subject subj: its
 * refusals, its distinct values, and the host's part if it is the host.
 * A new value needs a message (dmsgs > 0). */
static void
observe(struct mem_store *ms, struct mem_entry *e, time_t when,
    struct store_subject *subj, int32_t dmsgs, struct store_observation *obs)
{
	uint32_t now = (uint32_t)when;
	struct seen_counts n;
	struct mem_seen *v;

	seen_prune(e, obs, now, &n);
	v = seen_get(e, 'Z', 0, now, &n, obs->refusal ? 1 : 0);
	if (v != NULL && obs->refusal)
		v->count++;
	subj->refused = v != NULL ? v->count : 0;
	if (subj->has_value && (v = seen_get(e, 'D', subj->value, now, &n,
	    dmsgs > 0 && !obs->refusal ? subj->value_cap : 0)) != NULL)
		v->since = now;
	subj->values = n.d;
	if (obs->host != NULL && strcmp(subj->key, obs->host) == 0)
		observe_host(ms, e, now, &n, obs);
}

static enum store_status
mem_rate_update(struct store *st, struct store_subject subj[], size_t n,
    time_t *now, int32_t dmsgs, int32_t drcpts,
    struct store_observation *obs)
{
	struct mem_store *ms = (struct mem_store *)st;
	struct mem_entry *e;
	size_t k;

	pthread_mutex_lock(&ms->lock);
	for (k = 0; k < n; k++) {
		if ((e = entry_get(ms, subj[k].key, *now, true)) == NULL)
			break;
		entry_update(ms, e, *now, dmsgs, drcpts, subj[k].counts);
		if (obs != NULL)
			observe(ms, e, *now, &subj[k], dmsgs, obs);
	}
	if (obs != NULL)
		obs->answered = k == n;
	pthread_mutex_unlock(&ms->lock);
	return k == n ? STORE_OK
	    : store_fail("embedded store: out of memory");
}

static enum store_status
mem_block_find(struct store *st, const char *const keys[], size_t n,
    time_t now, size_t *which, struct store_block *out)
{
	struct mem_store *ms = (struct mem_store *)st;
	enum store_status status = STORE_NOTFOUND;
	struct mem_entry *e;
	size_t k;

	pthread_mutex_lock(&ms->lock);
	for (k = 0; k < n && status == STORE_NOTFOUND; k++) {
		e = entry_find(ms, keys[k]);
		if (e == NULL || e->block == NULL)
			continue;
		if (e->block->until > now) {
			/* Refused at MAIL FROM, it is never counted: keep it
			 * recently used here, or the LRU would drop its block. */
			lru_unlink(ms, e);
			lru_push(ms, e);
			*out = *e->block;
			*which = k;
			status = STORE_OK;
		} else {
			free(e->block);		/* served its time */
			e->block = NULL;
		}
	}
	pthread_mutex_unlock(&ms->lock);
	return status;
}

static enum store_status
mem_quarantine(struct store *st, const struct store_quarantine *q)
{
	struct mem_store *ms = (struct mem_store *)st;
	struct mem_entry *e;
	unsigned i, off;
	size_t k;

	pthread_mutex_lock(&ms->lock);
	for (k = 0; k < STORE_SUBJECTS_MAX; k++) {
		if (q->keys[k] == NULL)
			continue;
		e = entry_get(ms, q->keys[k], q->since, true);
		if (e != NULL && e->block == NULL)
			e->block = malloc(sizeof(*e->block));
		if (e == NULL || e->block == NULL)
			break;
		e->block->since = q->since;
		e->block->until = q->until;
		e->block->score = q->score->total;
		score_explain(q->score, e->block->reason,
		    sizeof(e->block->reason));
		snprintf(e->block->relay, sizeof(e->block->relay), "%s",
		    q->relay != NULL ? q->relay : "");
		for (i = 0, off = 0; i < ms->nspecs; i++) {
			window_init(&ms->specs[i], &e->buckets[off]);
			off += ms->specs[i].buckets;
		}
		e->nseen = 0;		/* a released host starts clean */
	}
	pthread_mutex_unlock(&ms->lock);
	return k == STORE_SUBJECTS_MAX ? STORE_OK
	    : store_fail("embedded store: out of memory");
}

static void
mem_free(struct store *st)
{
	struct mem_store *ms = (struct mem_store *)st;

	while (ms->oldest != NULL)
		entry_drop(ms, ms->oldest);
	free(ms->fps);
	free(ms->table);
	pthread_mutex_destroy(&ms->lock);
	free(ms);
}

unsigned long
store_mem_count(struct store *st)
{
	struct mem_store *ms = (struct mem_store *)st;
	unsigned long n;

	pthread_mutex_lock(&ms->lock);
	n = ms->nhosts;
	pthread_mutex_unlock(&ms->lock);
	return n;
}

static const struct store_ops mem_ops = {
	.rate_update = mem_rate_update,
	.block_find = mem_block_find,
	.quarantine = mem_quarantine,
	.free = mem_free,
};

struct store *
store_mem_new(const struct window_spec *specs, unsigned nspecs,
    unsigned long max_hosts, unsigned observe_s)
{
	struct mem_store *ms;
	unsigned i;

	if (nspecs > STORE_WINDOWS_MAX || max_hosts == 0)
		return NULL;
	ms = calloc(1, sizeof(*ms));
	if (ms == NULL)
		return NULL;
	store_init(&ms->base, &mem_ops);
	pthread_mutex_init(&ms->lock, NULL);
	for (i = 0; i < nspecs; i++) {
		ms->specs[i] = specs[i];
		ms->nbuckets += specs[i].buckets;
		if (specs[i].length_s > ms->longest_s)
			ms->longest_s = specs[i].length_s;
	}
	ms->nspecs = nspecs;
	ms->max_hosts = max_hosts;
	/* An idle key is kept while its observations still count. */
	if (observe_s > ms->longest_s)
		ms->longest_s = observe_s;
	/* About one entry a chain when full. */
	for (ms->table_size = 64; ms->table_size < max_hosts; ms->table_size *= 2)
		;
	ms->table = calloc(ms->table_size, sizeof(*ms->table));
	if (ms->table == NULL) {
		free(ms);
		return NULL;
	}
	return &ms->base;
}
