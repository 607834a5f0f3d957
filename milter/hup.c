/*
 * hup -- SIGHUP reloads instead of stopping.  See hup.h.
 */
#include "zmconfig.h"

#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include <time.h>

#include "hup.h"

typedef void (*hup_fn)(void);
typedef void (*stop_fn)(int);

static _Atomic(hup_fn) hup_handler;
static _Atomic(stop_fn) stop_handler;
static pthread_t stopper;		/* set before stop_handed */
static atomic_bool stop_handed;

void
hup_set_handler(void (*handler)(void))
{
	atomic_store(&hup_handler, handler);
}

void
hup_set_stop_handler(void (*handler)(int sig))
{
	atomic_store(&stop_handler, handler);
}

/* Can the calling thread be joined?  (A libmilter that detached its
 * signal thread must not have it joined.) */
static bool
joinable(void)
{
	pthread_attr_t attr;
	int state;

	if (pthread_getattr_np(pthread_self(), &attr) != 0)
		return false;
	if (pthread_attr_getdetachstate(&attr, &state) != 0)
		state = PTHREAD_CREATE_DETACHED;
	pthread_attr_destroy(&attr);
	return state == PTHREAD_CREATE_JOINABLE;
}

/*
 * The sigwait() libmilter's signal thread calls.  sigwaitinfo() is
 * libc's own (and not this one), so the wait is the same; only SIGHUP is
 * kept from the caller when a handler is set, and the stop handler runs
 * before SIGTERM or SIGINT is handed on.
 */
int
sigwait(const sigset_t *set, int *sig)
{
	hup_fn handler;
	stop_fn stop;
	int s;

	for (;;) {
		if ((s = sigwaitinfo(set, NULL)) < 0) {
			if (errno == EINTR)
				continue;
			return errno;
		}
		if (s == SIGHUP) {
			/* NULL: stopping, no reload (and no stop either). */
			if ((handler = atomic_load(&hup_handler)) != NULL)
				handler();
			continue;
		}
		if ((stop = atomic_load(&stop_handler)) != NULL)
			stop(s);
		if (!atomic_load(&stop_handed) && joinable()) {
			stopper = pthread_self();
			atomic_store(&stop_handed, true);
		}
		*sig = s;
		return 0;
	}
}

bool
hup_join_stopper(void)
{
	struct timespec until;

	if (!atomic_load(&stop_handed))
		return true;
	/* libmilter's thread returns right after it stopped the listener;
	 * should another version loop instead, give up after a second. */
	clock_gettime(CLOCK_MONOTONIC, &until);
	until.tv_sec += 1;
	return pthread_clockjoin_np(stopper, NULL, CLOCK_MONOTONIC,
	    &until) == 0;
}
