/*
 * breaker -- a circuit breaker in front of an outside service.
 *
 * Closed: calls go through.  After BREAKER_FAILURES failures in a row, or
 * one timeout, it opens: calls are refused at once, so a decision never
 * waits on a service that is known to be down.  Once the backoff has
 * passed it lets one probe call through (half open); the probe's success
 * closes it, its failure opens it again with twice the backoff, from
 * BREAKER_BACKOFF_MIN_MS up to BREAKER_BACKOFF_MAX_MS.  A service that
 * fails again within BREAKER_STABLE_MS of coming back (one that answers
 * some calls and refuses others) keeps its doubled backoff, so it cannot
 * make the breaker, and its log lines, flap every second.
 *
 * Thread-safe.  Time is passed in (milliseconds of a monotonic clock), so
 * tests drive it exactly.  The *_CHANGED results tell the caller to log
 * the change: once when the service is lost, once when it is back.
 */
#ifndef ZM_BREAKER_H
#define ZM_BREAKER_H

#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>

#define BREAKER_FAILURES	3
#define BREAKER_BACKOFF_MIN_MS	1000
#define BREAKER_BACKOFF_MAX_MS	30000
#define BREAKER_STABLE_MS	60000

enum breaker_state {
	BREAKER_CLOSED,
	BREAKER_OPEN,
	BREAKER_HALF_OPEN
};

struct breaker {
	pthread_mutex_t lock;
	enum breaker_state state;
	unsigned failures;		/* in a row, while closed */
	unsigned backoff_ms;
	uint64_t retry_at_ms;		/* open: when to let a probe through */
	uint64_t closed_at_ms;		/* when it last closed after opening */
};

enum breaker_change {
	BREAKER_UNCHANGED,
	BREAKER_LOST,		/* closed -> open: log "unreachable" */
	BREAKER_BACK		/* -> closed after being open: log "back" */
};

void breaker_init(struct breaker *b);
void breaker_destroy(struct breaker *b);

/* May a call go out now?  In the open state, true once per backoff. */
bool breaker_allow(struct breaker *b, uint64_t now_ms);

/* Is it closed (calls go through)?  For the metrics; changes nothing. */
bool breaker_closed(struct breaker *b);

/* The call succeeded. */
enum breaker_change breaker_success(struct breaker *b, uint64_t now_ms);

/* The call failed; timeout opens the breaker at once. */
enum breaker_change breaker_failure(struct breaker *b, uint64_t now_ms,
    bool timeout);

#endif
