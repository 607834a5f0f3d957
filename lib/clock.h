/*
 * clock -- the monotonic clock, for deadlines, budgets and latencies: a step of the wall clock must never stretch or cut a wait.
 */
#ifndef ZM_CLOCK_H
#define ZM_CLOCK_H

#include <stdint.h>
#include <time.h>

/* Milliseconds of CLOCK_MONOTONIC. */
uint64_t clock_monotonic_ms(void);

/* Microseconds of it, to measure how long something took. */
uint64_t clock_monotonic_us(void);

/* Such a moment as a timespec, for a wait on a condition variable
 * that uses CLOCK_MONOTONIC. */
struct timespec clock_timespec(uint64_t ms);

#endif
