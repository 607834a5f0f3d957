/*
 * runtime -- a configuration and everything built for it.  See runtime.h.
 *
 * Concurrency: `current` and `generation` change only under `lock`, in
 * runtime_install(); readers take a reference under it.  References are
 * atomic.  The thread that drops a runtime's last reference is often a
 * libmilter worker (a connection closing, or moving on, after a reload),
 * and freeing one may wait (a DNSBL health check to end, the resolver's
 * thread): so, while the reaper runs, a retired runtime is handed to it,
 * and it frees them in its own thread.
 */
#include "zmconfig.h"

#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dnsbl.h"
#include "engine.h"
#include "resolver.h"
#include "runtime.h"
#include "spf.h"
#include "store.h"
#include "store_redis.h"

/* The DNS lookups, shared by the runtimes of equal DNS settings. */
struct runtime_lookups {
	atomic_int refs;
	const struct config *cfg;	/* a reference: the zones live there */
	struct resolver *resolver;
	struct dnsbl *dnsbl;
	struct spf *spf;
};

static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static struct runtime *current;
static atomic_ulong generation;

/* Runtimes retired and not yet freed, and the thread that frees them. */
static pthread_cond_t retired_cv = PTHREAD_COND_INITIALIZER;
static struct runtime *retired;		/* chained by reaper_next */
static bool reaper_running, reaper_stop;
static pthread_t reaper;

static void
lookups_free(struct runtime_lookups *l)
{
	if (l == NULL || atomic_fetch_sub(&l->refs, 1) != 1)
		return;
	dnsbl_free(l->dnsbl);
	spf_free(l->spf);
	resolver_free(l->resolver);
	config_free(l->cfg);
	free(l);
}

/* The lookups cfg asks for (none without lists and SPF); NULL with err. */
static struct runtime_lookups *
lookups_new(const struct config *cfg, const struct loghook *log, char *err,
    size_t errlen)
{
	const struct resolver_options ro = {
		(const char *const *)cfg->dns_forwarders, cfg->ndns_forwarders,
		cfg->dns_cache_size, cfg->dns_max_queries, *log
	};
	struct runtime_lookups *l = calloc(1, sizeof(*l));
	char why[256];

	if (l == NULL) {
		snprintf(err, errlen, "out of memory");
		return NULL;
	}
	atomic_init(&l->refs, 1);
	l->cfg = config_ref(cfg);
	if (cfg->nzones == 0 && !cfg->sig.spf)
		return l;
	if ((l->resolver = resolver_new(&ro, why, sizeof(why))) == NULL)
		snprintf(err, errlen, "dns: %s", why);
	else if ((cfg->nzones > 0 && (l->dnsbl = dnsbl_new(cfg->zones,
	    cfg->nzones, l->resolver, cfg->dns_health_interval_s,
	    cfg->dns_budget_ms, log)) == NULL) ||
	    (cfg->sig.spf && (l->spf = spf_new(l->resolver)) == NULL))
		snprintf(err, errlen, "out of memory");
	else
		return l;
	lookups_free(l);
	return NULL;
}

static bool
same_str(const char *a, const char *b)
{
	return strcmp(a != NULL ? a : "", b != NULL ? b : "") == 0;
}

/* Do a and b build the same lookups? */
static bool
same_dns(const struct config *a, const struct config *b)
{
	unsigned i;

	if (a->nzones != b->nzones || a->ndns_forwarders != b->ndns_forwarders ||
	    a->dns_cache_size != b->dns_cache_size ||
	    a->dns_max_queries != b->dns_max_queries ||
	    a->dns_health_interval_s != b->dns_health_interval_s ||
	    a->dns_budget_ms != b->dns_budget_ms || a->sig.spf != b->sig.spf ||
	    memcmp(a->zones, b->zones, a->nzones * sizeof(a->zones[0])) != 0)
		return false;
	for (i = 0; i < a->ndns_forwarders; i++)
		if (!same_str(a->dns_forwarders[i], b->dns_forwarders[i]))
			return false;
	return true;
}

/* Do a and b give the stores the same shape: windows, observations? */
static bool
same_windows(const struct config *a, const struct config *b)
{
	unsigned i;

	if (a->nwindows != b->nwindows ||
	    a->sig.behaviour_window_s != b->sig.behaviour_window_s ||
	    a->sig.bulk_window_s != b->sig.bulk_window_s)
		return false;
	for (i = 0; i < a->nwindows; i++)
		if (a->windows[i].spec.length_s != b->windows[i].spec.length_s ||
		    a->windows[i].spec.buckets != b->windows[i].spec.buckets)
			return false;
	return true;
}

/* Does the Redis store built for a serve b? */
static bool
same_redis(const struct config *a, const struct config *b)
{
	return same_windows(a, b) && same_str(a->redis, b->redis) &&
	    a->redis_db == b->redis_db && same_str(a->redis_user, b->redis_user) &&
	    same_str(a->redis_password, b->redis_password) &&
	    same_str(a->redis_prefix, b->redis_prefix) &&
	    a->redis_connect_timeout_ms == b->redis_connect_timeout_ms &&
	    a->redis_timeout_ms == b->redis_timeout_ms &&
	    a->redis_fallback == b->redis_fallback &&
	    a->redis_connections == b->redis_connections &&
	    a->event_stream_max == b->event_stream_max &&
	    a->event_ttl_s == b->event_ttl_s &&
	    a->hmac_key_len == b->hmac_key_len &&
	    memcmp(a->hmac_key, b->hmac_key, a->hmac_key_len) == 0;
}

static struct store *
mem_store_new(const struct config *cfg)
{
	struct window_spec specs[CONFIG_WINDOWS_MAX];

	return store_mem_new(specs, config_window_specs(cfg, specs),
	    cfg->max_hosts, config_observe_s(cfg));
}

struct runtime *
runtime_new(const struct config *cfg, const struct runtime *prev,
    bool with_redis, const struct loghook *log, struct runtime_kept *kept,
    char *err, size_t errlen)
{
	struct runtime *rt = calloc(1, sizeof(*rt));
	struct runtime_kept k = { false, false, false };
	const bool want_redis = with_redis && *cfg->redis != '\0';

	if (rt == NULL) {
		config_free(cfg);
		snprintf(err, errlen, "out of memory");
		return NULL;
	}
	atomic_init(&rt->refs, 1);
	rt->cfg = cfg;
	k.mem = prev != NULL && same_windows(prev->cfg, cfg) &&
	    prev->cfg->max_hosts == cfg->max_hosts;
	rt->mem = k.mem ? store_ref(prev->mem) : mem_store_new(cfg);
	if (want_redis) {
		k.redis = prev != NULL && prev->redis != NULL &&
		    same_redis(prev->cfg, cfg);
		rt->redis = k.redis ? store_ref(prev->redis)
		    : store_redis_new(cfg, log);
	}
	k.lookups = prev != NULL && same_dns(prev->cfg, cfg);
	if (k.lookups) {
		rt->lookups = prev->lookups;
		atomic_fetch_add(&rt->lookups->refs, 1);
	} else {
		rt->lookups = lookups_new(cfg, log, err, errlen);
	}
	if (rt->mem == NULL || (want_redis && rt->redis == NULL) ||
	    rt->lookups == NULL) {
		if (rt->lookups != NULL)
			snprintf(err, errlen, "out of memory");
		store_free(rt->mem);
		store_free(rt->redis);
		rt->mem = rt->redis = NULL;
		runtime_free(rt);
		return NULL;
	}
	/* The engine holds the stores' references from now on. */
	if ((rt->engine = engine_new(cfg, rt->redis, rt->mem,
	    &engine_clock_system)) == NULL) {
		rt->mem = rt->redis = NULL;
		snprintf(err, errlen, "out of memory");
		runtime_free(rt);
		return NULL;
	}
	rt->env.cfg = cfg;
	rt->env.engine = rt->engine;
	rt->env.resolver = rt->lookups->resolver;
	rt->env.dnsbl = rt->lookups->dnsbl;
	rt->env.spf = rt->lookups->spf;
	if (kept != NULL)
		*kept = k;
	return rt;
}

struct runtime *
runtime_ref(struct runtime *rt)
{
	atomic_fetch_add(&rt->refs, 1);
	return rt;
}

static void
destroy(struct runtime *rt)
{
	engine_free(rt->engine);
	lookups_free(rt->lookups);
	config_free(rt->cfg);
	free(rt);
}

void
runtime_free(struct runtime *rt)
{
	if (rt == NULL || atomic_fetch_sub(&rt->refs, 1) != 1)
		return;
	pthread_mutex_lock(&lock);
	if (reaper_running) {
		rt->reaper_next = retired;
		retired = rt;
		pthread_cond_signal(&retired_cv);
		rt = NULL;
	}
	pthread_mutex_unlock(&lock);
	if (rt != NULL)
		destroy(rt);
}

static void *
reaper_thread(void *arg)
{
	struct runtime *rt;

	(void)arg;
	pthread_mutex_lock(&lock);
	for (;;) {
		while ((rt = retired) != NULL) {
			retired = rt->reaper_next;
			pthread_mutex_unlock(&lock);
			destroy(rt);
			pthread_mutex_lock(&lock);
		}
		if (reaper_stop)
			break;
		pthread_cond_wait(&retired_cv, &lock);
	}
	pthread_mutex_unlock(&lock);
	return NULL;
}

bool
runtime_reaper_start(void)
{
	sigset_t all, old;
	int rc;

	sigfillset(&all);
	pthread_sigmask(SIG_SETMASK, &all, &old);
	rc = pthread_create(&reaper, NULL, reaper_thread, NULL);
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	pthread_mutex_lock(&lock);
	reaper_running = rc == 0;
	pthread_mutex_unlock(&lock);
	return rc == 0;
}

void
runtime_reaper_stop(void)
{
	pthread_mutex_lock(&lock);
	if (!reaper_running) {
		pthread_mutex_unlock(&lock);
		return;
	}
	reaper_stop = true;
	pthread_cond_signal(&retired_cv);
	pthread_mutex_unlock(&lock);
	pthread_join(reaper, NULL);
	pthread_mutex_lock(&lock);
	reaper_running = false;
	pthread_mutex_unlock(&lock);
}

void
runtime_install(struct runtime *rt)
{
	struct runtime *old;

	pthread_mutex_lock(&lock);
	old = current;
	current = rt;
	if (rt != NULL)
		rt->generation = atomic_fetch_add(&generation, 1) + 1;
	pthread_mutex_unlock(&lock);
	runtime_free(old);
}

struct runtime *
runtime_current(void)
{
	struct runtime *rt;

	pthread_mutex_lock(&lock);
	rt = current != NULL ? runtime_ref(current) : NULL;
	pthread_mutex_unlock(&lock);
	return rt;
}

unsigned long
runtime_generation(void)
{
	return atomic_load(&generation);
}
