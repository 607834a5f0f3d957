/*
 * store -- where window counts and quarantines live.
 *
 * The engine talks to a store through this interface only, so the
 * embedded in-process store (store_mem.c, the default) and a shared one
 * behave the same to it.  Keys are host or user keys (hostkey.h).  Every
 * call may fail (STORE_ERROR, detail in store->errstr): a failure is
 * "unknown", never "zero" or "not blocked" by accident; the engine maps it
 * to the configured verdict.  All calls are thread-safe.
 */
#ifndef ZM_STORE_H
#define ZM_STORE_H

#include <stdint.h>
#include <time.h>

#include "window.h"

#define STORE_WINDOWS_MAX	8
#define STORE_REASON_LEN	512

enum store_status {
	STORE_OK = 0,
	STORE_NOTFOUND,		/* block_get: not quarantined */
	STORE_ERROR
};

/* A quarantine record. */
struct store_block {
	time_t since;
	time_t until;
	int score;
	char reason[STORE_REASON_LEN];
};

struct store;

struct store_ops {
	/* Add to every window of key at now (negative deltas take back an
	 * add made at the same now) and return the counts after it. */
	enum store_status (*rate_update)(struct store *st, const char *key,
	    time_t now, int32_t dmsgs, int32_t drcpts,
	    struct window_count counts[STORE_WINDOWS_MAX]);
	/* Forget the counts of key. */
	enum store_status (*rate_reset)(struct store *st, const char *key);
	/* STORE_OK and *out if key is quarantined at now, else NOTFOUND. */
	enum store_status (*block_get)(struct store *st, const char *key,
	    time_t now, struct store_block *out);
	/* Quarantine key until block->until. */
	enum store_status (*block_set)(struct store *st, const char *key,
	    const struct store_block *block);
	void (*free)(struct store *st);
};

struct store {
	const struct store_ops *ops;
	char errstr[128];	/* the last failure, for the log */
};

/* Free a store and everything it holds; NULL is fine. */
void store_free(struct store *st);

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
