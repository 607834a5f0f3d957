/*
 * breaker -- circuit breaker.  See breaker.h.
 */
#include "zmconfig.h"

#include "breaker.h"

void
breaker_init(struct breaker *b)
{
	pthread_mutex_init(&b->lock, NULL);
	b->state = BREAKER_CLOSED;
	b->failures = 0;
	b->backoff_ms = BREAKER_BACKOFF_MIN_MS;
	b->retry_at_ms = 0;
	b->closed_at_ms = 0;
}

void
breaker_destroy(struct breaker *b)
{
	pthread_mutex_destroy(&b->lock);
}

bool
breaker_allow(struct breaker *b, uint64_t now_ms)
{
	bool allow;

	pthread_mutex_lock(&b->lock);
	switch (b->state) {
	case BREAKER_CLOSED:
		allow = true;
		break;
	case BREAKER_OPEN:
		/* One probe per backoff; the others keep the fallback. */
		allow = now_ms >= b->retry_at_ms;
		if (allow)
			b->state = BREAKER_HALF_OPEN;
		break;
	default:
		allow = false;
		break;
	}
	pthread_mutex_unlock(&b->lock);
	return allow;
}

bool
breaker_closed(struct breaker *b)
{
	bool closed;

	pthread_mutex_lock(&b->lock);
	closed = b->state == BREAKER_CLOSED;
	pthread_mutex_unlock(&b->lock);
	return closed;
}

enum breaker_change
breaker_success(struct breaker *b, uint64_t now_ms)
{
	enum breaker_change change = BREAKER_UNCHANGED;

	pthread_mutex_lock(&b->lock);
	if (b->state != BREAKER_CLOSED) {
		change = BREAKER_BACK;
		b->closed_at_ms = now_ms;
	}
	b->state = BREAKER_CLOSED;
	b->failures = 0;
	pthread_mutex_unlock(&b->lock);
	return change;
}

static unsigned
doubled(unsigned ms)
{
	return ms * 2 > BREAKER_BACKOFF_MAX_MS ? BREAKER_BACKOFF_MAX_MS : ms * 2;
}

enum breaker_change
breaker_failure(struct breaker *b, uint64_t now_ms, bool timeout)
{
	enum breaker_change change = BREAKER_UNCHANGED;

	pthread_mutex_lock(&b->lock);
	switch (b->state) {
	case BREAKER_CLOSED:
		if (++b->failures < BREAKER_FAILURES && !timeout)
			break;
		/* Back only briefly: it is not well yet, keep backing off. */
		b->backoff_ms = b->closed_at_ms != 0 &&
		    now_ms - b->closed_at_ms < BREAKER_STABLE_MS
		    ? doubled(b->backoff_ms) : BREAKER_BACKOFF_MIN_MS;
		b->state = BREAKER_OPEN;
		b->retry_at_ms = now_ms + b->backoff_ms;
		change = BREAKER_LOST;
		break;
	case BREAKER_HALF_OPEN:
		/* The probe failed: wait longer before the next one. */
		b->backoff_ms = doubled(b->backoff_ms);
		b->state = BREAKER_OPEN;
		b->retry_at_ms = now_ms + b->backoff_ms;
		break;
	case BREAKER_OPEN:
		break;	/* a call that started before it opened */
	}
	pthread_mutex_unlock(&b->lock);
	return change;
}
