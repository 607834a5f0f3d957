/*
 * window -- a sliding-window counter of messages and recipients.
 *
 * A window of length L seconds is a ring of B sub-buckets, each W = L/B
 * seconds wide and stamped with the slot (time / W) it counts.  The count
 * of a window is the sum of the buckets whose slot lies within the last B
 * slots, so it covers between L - W and L seconds back from now: a sliding
 * window whose error is at most one sub-bucket, that never resets at a
 * fixed time.  Memory is 12 bytes a bucket; the caller owns the ring and
 * any locking.  Time comes from the caller, so tests drive it exactly.
 */
#ifndef ZM_WINDOW_H
#define ZM_WINDOW_H

#include <stdint.h>
#include <time.h>

struct window_spec {
	unsigned length_s;	/* L, a multiple of buckets */
	unsigned buckets;	/* B, 1..WINDOW_BUCKETS_MAX */
};

#define WINDOW_BUCKETS_MAX	60

struct window_bucket {
	uint32_t slot;		/* time / width of the counts held */
	uint32_t msgs;
	uint32_t rcpts;
};

struct window_count {
	uint32_t msgs;
	uint32_t rcpts;
};

/* Zero a ring of spec->buckets buckets. */
void window_init(const struct window_spec *spec, struct window_bucket *ring);

/*
 * Add dmsgs messages and drcpts recipients at time now.  Negative deltas
 * take back an earlier add made at the same now; if that bucket has slid
 * out of the ring since, there is nothing to take back.  Counts never go
 * below zero.
 */
void window_add(const struct window_spec *spec, struct window_bucket *ring,
    time_t now, int32_t dmsgs, int32_t drcpts);

/* The counts of the last length_s seconds (to one bucket) at time now. */
struct window_count window_count(const struct window_spec *spec,
    const struct window_bucket *ring, time_t now);

#endif
