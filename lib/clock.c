/*
 * clock -- the monotonic clock in milliseconds.  See clock.h.
 */
#include "zmconfig.h"

#include <time.h>

#include "clock.h"

uint64_t
clock_monotonic_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

uint64_t
clock_monotonic_us(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000 + (uint64_t)ts.tv_nsec / 1000;
}

struct timespec
clock_timespec(uint64_t ms)
{
	return (struct timespec){ (time_t)(ms / 1000),
	    (long)(ms % 1000) * 1000000 };
}
