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

void
hup_set_handler(void (*handler)(void))
{
	atomic_store(&hup_handler, handler);
}

/*
 * The sigwait() libmilter's signal thread calls.  sigwaitinfo() is
 * libc's own (and not this one), so the wait is the same; only SIGHUP is
 * kept from the caller when a handler is set.
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
		*sig = s;
		return 0;
	}
}
