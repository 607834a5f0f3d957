/*
 * store_redis -- the store in Redis, shared by every relay.
 *
 * Keys (prefix "zm:" by default), each with a TTL, each command touching
 * one key (so a Redis Cluster can hold them without hash tags):
 *
 *   zm:rate:<key>   hash: one field per sub-bucket, "<w><i>" (window
 *                   letter a.. in config order, ring index) = "slot:msgs:
 *                   rcpts"; updated and read by one Lua script per
 *                   subject, which uses Redis TIME and sets the TTL
 *   zm:block:<key>  hash: reason, score, since, relay, until; TTL = the
 *                   quarantine's time left
 *   zm:events       stream of quarantine events (field "json"), capped
 *                   with MAXLEN ~, and a pub/sub channel of that name
 *
 * A message costs one round trip at MAIL FROM (HGETALL of the block keys,
 * its answer cached in-process for STORE_REDIS_CACHE_MS) and one at end of
 * message (EVALSHA per subject, pipelined); a refusal adds one to take the
 * count back, a quarantine one to write it.
 *
 * Connections come from a pool of at most redis_connections; one that
 * had an I/O error is closed and replaced.  A circuit breaker (breaker.h)
 * stops all calls while Redis is unreachable, so the engine's fallback
 * applies at once instead of after a timeout.  The breaker's changes are
 * reported once each through the log hook.
 */
#ifndef ZM_STORE_REDIS_H
#define ZM_STORE_REDIS_H

#include "config.h"
#include "loghook.h"
#include "store.h"

#define STORE_REDIS_CACHE_MS	1000

/* A Redis store for cfg (cfg->redis set), reporting the breaker's changes
 * through log; it holds a reference to cfg.  Redis need not be up.  NULL
 * on ENOMEM. */
struct store *store_redis_new(const struct config *cfg,
    const struct loghook *log);

/* Is the circuit in front of st's server open (Redis not asked)? */
bool store_redis_circuit_open(struct store *st);

#endif
