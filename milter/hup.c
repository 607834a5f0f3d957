/*
 * hup -- SIGHUP reloads instead of stopping.  See hup.h.
 */
#include "zmconfig.h"

#include <errno.h>
#include <signal.h>
#include <stdatomic.h>
#include <stddef.h>

#include "hup.h"

typedef void (*hup_fn)(void);

static _Atomic(hup_fn) hup_handler;
static _Atomic(hup_fn) stop_handler;

void
hup_set_handler(void (*handler)(void))
{
	atomic_store(&hup_handler, handler);
}

void
hup_set_stop_handler(void (*handler)(void))
{
	atomic_store(&stop_handler, handler);
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
		if ((handler = atomic_load(&stop_handler)) != NULL)
			handler();
		*sig = s;
		return 0;
	}
}
