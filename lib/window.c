/*
 * window -- sliding-window counters as rings of sub-buckets.  See window.h.
 */
#include "zmconfig.h"

#include <string.h>

#include "window.h"

static uint32_t
slot_of(const struct window_spec *spec, time_t now)
{
	unsigned width = spec->length_s / spec->buckets;

	return (uint32_t)((uint64_t)(now < 0 ? 0 : now) / width);
}

/* Slot 0 is the epoch, so an empty bucket is stamped with a slot that
 * is never current: counts in it are zero anyway. */
void
window_init(const struct window_spec *spec, struct window_bucket *ring)
{
	memset(ring, 0, spec->buckets * sizeof(*ring));
}

static uint32_t
apply(uint32_t count, int32_t delta)
{
	uint32_t down;

	if (delta < 0) {
		down = (uint32_t)(-(int64_t)delta);
		return down > count ? 0 : count - down;
	}
	return (uint32_t)delta > UINT32_MAX - count ? UINT32_MAX
	    : count + (uint32_t)delta;
}

void
window_add(const struct window_spec *spec, struct window_bucket *ring,
    time_t now, int32_t dmsgs, int32_t drcpts)
{
	uint32_t slot = slot_of(spec, now);
	struct window_bucket *b = &ring[slot % spec->buckets];

	if (b->slot != slot) {
		if (dmsgs < 0 || drcpts < 0)
			return;	/* the add being taken back has expired */
		b->slot = slot;
		b->msgs = b->rcpts = 0;
	}
	b->msgs = apply(b->msgs, dmsgs);
	b->rcpts = apply(b->rcpts, drcpts);
}

struct window_count
window_count(const struct window_spec *spec, const struct window_bucket *ring,
    time_t now)
{
	uint32_t slot = slot_of(spec, now);
	uint64_t msgs = 0, rcpts = 0;
	struct window_count c;
	unsigned i;

	for (i = 0; i < spec->buckets; i++) {
		/* Within the last B slots, and not from a clock gone back. */
		if (ring[i].slot <= slot && slot - ring[i].slot < spec->buckets) {
			msgs += ring[i].msgs;
			rcpts += ring[i].rcpts;
		}
	}
	c.msgs = msgs > UINT32_MAX ? UINT32_MAX : (uint32_t)msgs;
	c.rcpts = rcpts > UINT32_MAX ? UINT32_MAX : (uint32_t)rcpts;
	return c;
}
