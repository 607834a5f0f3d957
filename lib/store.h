/*
 * store -- where window counts and quarantines live.
 *
 * The engine talks to a store through this interface only: the embedded
 * in-process store (store_mem.c, always there) and Redis (store_redis.c,
 * shared by every relay) behave the same to it.  Keys are host or user
 * keys (hostkey.h); each call takes the message's subjects together (its
 * host and its login), so a networked store answers in one round trip.
 *
 * Every call may fail (STORE_ERROR, the cause from store_error() in the
 * thread that got it): a failure is
 * "unknown", never "zero" or "not blocked" by accident; the engine maps it
 * to the configured fallback.  All calls are thread-safe.
 */
#ifndef ZM_STORE_H
#define ZM_STORE_H

#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include "score.h"
#include "window.h"

#define STORE_WINDOWS_MAX	8
#define STORE_SUBJECTS_MAX	2	/* a host and a login */
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
	const char *keys[STORE_SUBJECTS_MAX];	/* host, user; NULL if none */
	time_t since;
	time_t until;
	const struct score *score;
	const char *relay;
	const char *queue_id;			/* NULL if unknown */
};

struct store;

struct store_ops {
	/*
	 * Add dmsgs messages and drcpts recipients to every window of each
	 * of the n keys and return the counts after it (counts[k][w]).  On
	 * input *now is the caller's clock; a store with a clock of its own
	 * (Redis TIME, so relays agree) replaces it.  Negative deltas take
	 * back an add: pass the *now that add returned.
	 */
	enum store_status (*rate_update)(struct store *st,
	    const char *const keys[], size_t n, time_t *now,
	    int32_t dmsgs, int32_t drcpts,
	    struct window_count counts[][STORE_WINDOWS_MAX]);
	/* STORE_OK, *which and *out if one of the n keys is quarantined at
	 * now; STORE_NOTFOUND if none is. */
	enum store_status (*block_find)(struct store *st,
	    const char *const keys[], size_t n, time_t now, size_t *which,
	    struct store_block *out);
	/* Quarantine q's subjects and forget their counts (a released host
	 * starts clean); a shared store also publishes the event. */
	enum store_status (*quarantine)(struct store *st,
	    const struct store_quarantine *q);
	void (*free)(struct store *st);
};

struct store {
	const struct store_ops *ops;
};

/* Free a store and everything it holds; NULL is fine. */
void store_free(struct store *st);

/* Record why a call failed, for this thread; returns STORE_ERROR. */
enum store_status store_fail(const char *fmt, ...)
    __attribute__((format(printf, 1, 2)));

/* Why this thread's last failed call failed. */
const char *store_error(void);

/*
 * The embedded store: per-process, windows as given, at most max_hosts
 * keys (least recently used forgotten first; idle keys expire once their
 * longest window is empty and any quarantine is over).  NULL on ENOMEM.
 */
struct store *store_mem_new(const struct window_spec *specs, unsigned nspecs,
    unsigned long max_hosts);

/* How many keys an embedded store holds now. */
unsigned long store_mem_count(struct store *st);

#endif
