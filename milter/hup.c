/*
 * hup -- SIGHUP reloads instead of stopping.  See hup.h.
 */
#include "zmconfig.h"

#include <errno.h>
#include <signal.h>
#include <stddef.h>

#include "hup.h"

static void (*hup_handler)(void);

void
hup_set_handler(void (*handler)(void))
{
	hup_handler = handler;
}

/*
 * The sigwait() libmilter's signal thread calls.  sigwaitinfo() is
 * libc's own (and not this one), so the wait is the same; only SIGHUP is
 * kept from the caller when a handler is set.
 */
int
sigwait(const sigset_t *set, int *sig)
{
	int s;

	for (;;) {
		if ((s = sigwaitinfo(set, NULL)) < 0) {
			if (errno == EINTR)
				continue;
			return errno;
		}
		if (s == SIGHUP && hup_handler != NULL) {
			hup_handler();
			continue;
		}
		*sig = s;
		return 0;
	}
}
