/*
 * store -- where window counts and quarantines live.
 *
 * The engine talks to a store through this interface only: the embedded
 * in-process store (store_mem.c, always there) and Redis (store_redis.c,
 * shared by every relay) behave the same to it.  Keys are host or user
 * keys (hostkey.h); each call takes the message's subjects together (its
 * host, the prefix delegated to its customer, its login), so a networked
 * store answers in one round trip.
 *
 * Every call may fail (STORE_ERROR, the cause from store_error() in the
 * thread that got it): a failure is
 * "unknown", never "zero" or "not blocked" by accident; the engine maps it
 * to the configured fallback.  All calls are thread-safe.
 */
#ifndef ZM_STORE_H
#define ZM_STORE_H

#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include "score.h"
#include "window.h"

#define STORE_WINDOWS_MAX	8
/* The subjects of a message, in this order in a quarantine. */
enum {
	STORE_SUBJECT_HOST,
	STORE_SUBJECT_PREFIX,
	STORE_SUBJECT_USER,
	STORE_SUBJECTS_MAX
};
#define STORE_LABEL_MAX		48	/* a host key */
#define STORE_REASON_LEN	512
#define STORE_RELAY_LEN		128

enum store_status {
	STORE_OK = 0,
	STORE_NOTFOUND,		/* block_find: none is quarantined */
	STORE_ERROR
};

/* A quarantine record, as kept and as found. */
struct store_block {
	time_t since;
	time_t until;
	int score;
	char reason[STORE_REASON_LEN];
	char relay[STORE_RELAY_LEN];
};

/* A quarantine to write: the subjects, the record, the event's facts. */
struct store_quarantine {
	/* host, prefix, user; NULL if none */
	const char *keys[STORE_SUBJECTS_MAX];
	time_t since;
	time_t until;
	const struct score *score;
	const char *relay;
	const char *queue_id;			/* NULL if unknown */
};

/*
 * One subject of a message as a store counts it: its key, and the value
 * it is seen with whose distinct number within the observation's window_s
 * is a signal (a host's logins, a prefix's hosts, a login's networks), as
 * a hash, with a label the shared store keeps beside it for the
 * quarantine event (NULL: none).  The store answers the subject's window
 * counts, its distinct values (this one included; at most value_cap are
 * kept, 0 keeps none) and, with an observation, its refusals.
 */
#define STORE_VALUES_KEPT	32	/* at least, when any are kept */

struct store_subject {
	/* in */
	const char *key;
	bool has_value;
	uint32_t value;
	const char *label;		/* at most STORE_LABEL_MAX - 1 bytes */
	unsigned value_cap;
	/* out */
	struct window_count counts[STORE_WINDOWS_MAX];
	unsigned values;
	unsigned refused;		/* before this message's */
};

/*
 * What a message shows beyond counts, and what the store answers.  For
 * every subject: its distinct values (store_subject) and how many of its
 * messages were refused since the first refusal within window_s.  For the
 * host only: the distinct sender and recipient domains it used within
 * window_s (each counted up to one past its limit: enough to say "more
 * than"; a limit of 0 keeps none), the recipients its body went to from
 * this host within bulk_window_s and how many distinct hosts sent that
 * body.  Domains come as hashes (hostkey_hash()), the body as its
 * fingerprint (fingerprint.h).  A refusal is recorded when a message is
 * taken back: refusal set, and the body's rcpts to take back from its
 * count, if any.
 */
#define STORE_RCPT_DOMAINS_MAX	100	/* recorded per message */

/*
 * Distinct domains and values are counted in generations of half the
 * window (in whole minutes, at least one): one counts while it was last
 * seen in the generation of now or the one before, so a count covers at
 * least the last half window and at most the whole of it.  Both stores
 * count so (lib/window.lua for Redis); the generation of time t is
 * store_generation(t, window_s).
 */
static inline uint32_t
store_generation(uint32_t t, unsigned window_s)
{
	return t / 60 / (window_s >= 120 ? window_s / 120 : 1);
}

/* Does a value last seen at t still count at now? */
static inline bool
store_generation_live(uint32_t t, uint32_t now, unsigned window_s)
{
	return store_generation(t, window_s) + 1 >=
	    store_generation(now, window_s);
}
#define STORE_BODIES_MAX	256	/* distinct bodies kept per host */

struct store_observation {
	/* in */
	const char *host;		/* the host key */
	unsigned window_s;
	unsigned from_limit, rcpt_limit;
	bool has_from;
	uint32_t from_domain;
	const uint32_t *rcpt_domains;
	size_t nrcpt_domains;
	const char *fp;			/* NULL: no fingerprint */
	unsigned bulk_window_s;
	bool per_host_bulk;		/* count the body's recipients */
	bool cross_host_bulk;		/* count the hosts sending it */
	bool refusal;			/* count one refusal */
	unsigned rcpts;
	/* out */
	bool answered;
	unsigned from_domains;
	unsigned rcpt_domains_window;
	unsigned fp_rcpts;
	unsigned fp_hosts;
};

struct store;

struct store_ops {
	/*
	 * Add dmsgs messages and drcpts recipients to every window of each
	 * of the n subjects and return the counts after it.  On input *now
	 * is the caller's clock; a store with a clock of its own (Redis
	 * TIME, so relays agree) replaces it.  Negative deltas take back an
	 * add: pass the *now that add returned.  With obs (not NULL), the
	 * observation is recorded and answered in the same call, the host's
	 * part for the subject whose key is obs->host (the first).
	 */
	enum store_status (*rate_update)(struct store *st,
	    struct store_subject subj[], size_t n, time_t *now,
	    int32_t dmsgs, int32_t drcpts, struct store_observation *obs);
	/* STORE_OK, *which and *out if one of the n keys is quarantined at
	 * now; STORE_NOTFOUND if none is. */
	enum store_status (*block_find)(struct store *st,
	    const char *const keys[], size_t n, time_t now, size_t *which,
	    struct store_block *out);
	/* Quarantine q's subjects and forget their counts (a released host
	 * starts clean); a shared store also publishes the event, naming
	 * the labels kept with the login's and the prefix's values. */
	enum store_status (*quarantine)(struct store *st,
	    const struct store_quarantine *q);
	void (*free)(struct store *st);
};

/* A store is shared by reference: engines built for successive
 * configurations hold the same one, so a reload keeps its counts. */
struct store {
	const struct store_ops *ops;
	atomic_int refs;
};

/* Set up the common part of a new store: one reference, the maker's. */
void store_init(struct store *st, const struct store_ops *ops);

/* Take one more reference to st (NULL is fine); returns st. */
struct store *store_ref(struct store *st);

/* Drop a reference; the last one frees the store and everything it
 * holds.  NULL is fine. */
void store_free(struct store *st);

/* Record why a call failed, for this thread; returns STORE_ERROR. */
enum store_status store_fail(const char *fmt, ...)
    __attribute__((format(printf, 1, 2)));

/* Why this thread's last failed call failed. */
const char *store_error(void);

/*
 * The embedded store: per-process, windows as given, at most max_hosts
 * keys (least recently used forgotten first; idle keys expire once their
 * longest window, and observe_s, the longest window of observations, have
 * passed and any quarantine is over).  NULL on ENOMEM.
 */
struct store *store_mem_new(const struct window_spec *specs, unsigned nspecs,
    unsigned long max_hosts, unsigned observe_s);

/* How many keys an embedded store holds now. */
unsigned long store_mem_count(struct store *st);

#endif
