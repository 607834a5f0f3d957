/*
 * runtime -- what serves messages: a configuration and everything built
 * for it, held by reference, swapped whole on a reload.
 *
 * A runtime holds a configuration, the engine over its stores, and the
 * DNS lookups (resolver, DNS blocklists, SPF).  Connections take a
 * reference to the current runtime and, at each MAIL FROM, move to the
 * current one if a reload installed another (session_rebind()): a
 * message is served from MAIL FROM to its end by one configuration, and
 * the next message by the newest.  The last reference frees a runtime.
 *
 * A new runtime shares what the one before it built for the same
 * settings: the embedded store (its counts and quarantines) unless the
 * windows' lengths or buckets, max_hosts, behaviour_window or bulk_window
 * changed; the Redis store (its connections, breaker, cache) unless a
 * Redis setting, the windows or those two changed; the lookups (the
 * resolver's cache, the DNSBL health checks) unless a DNS setting or
 * spf changed.  Each shared part keeps the configuration it was built
 * with, which holds the same values for it.
 *
 * Thread-safe: the current runtime is swapped under a lock; references
 * are atomic.
 */
#ifndef ZM_RUNTIME_H
#define ZM_RUNTIME_H

#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>

#include "config.h"
#include "loghook.h"
#include "session.h"

struct runtime {
	const struct config *cfg;	/* a reference */
	struct session_env env;		/* what sessions use */
	unsigned long generation;	/* 1, 2, ...: one per install */
	/* private */
	atomic_int refs;
	struct engine *engine;
	struct store *mem, *redis;	/* the engine's */
	struct runtime_lookups *lookups;
	struct runtime *reaper_next;	/* retired, not yet freed */
};

/* What a reload kept from the runtime before it (for its log line). */
struct runtime_kept {
	bool mem, redis, lookups;
};

/*
 * The runtime of cfg (this takes the caller's reference to cfg), with the
 * Redis store when cfg names one and with_redis is true; what prev built
 * for the same settings is shared (prev NULL: nothing).  News (Redis
 * lost, a list down) goes to log.  NULL with the reason in err.
 */
struct runtime *runtime_new(const struct config *cfg,
    const struct runtime *prev, bool with_redis, const struct loghook *log,
    struct runtime_kept *kept, char *err, size_t errlen);

/* Take one more reference; returns rt. */
struct runtime *runtime_ref(struct runtime *rt);

/* Drop a reference; the last one frees the runtime.  NULL is fine. */
void runtime_free(struct runtime *rt);

/* Make rt the current runtime (taking the caller's reference; NULL: none,
 * at the stop) and drop the reference to the one before. */
void runtime_install(struct runtime *rt);

/* A reference to the current runtime (NULL before the first install). */
struct runtime *runtime_current(void);

/* The generation of the current runtime: cheap, to see whether a
 * connection's runtime is still the current one. */
unsigned long runtime_generation(void);

/* From now on, free retired runtimes in a thread of their own (every
 * signal blocked), never in the thread that dropped the last reference;
 * false if the thread could not start (then they are freed at once). */
bool runtime_reaper_start(void);

/* Free what is retired, and stop the thread (main(), at the stop). */
void runtime_reaper_stop(void);

#endif
