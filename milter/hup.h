/*
 * hup -- SIGHUP reloads instead of stopping.
 *
 * libmilter's signal thread waits with sigwait() for SIGHUP, SIGTERM and
 * SIGINT, and stops the milter on any of them: SIGHUP from logrotate,
 * `systemctl reload` or an administrator would turn the filter off.  It
 * offers no hook, so the daemon gives the process a sigwait() of its own
 * (hup.c), which libmilter's thread calls (its reference binds to the
 * executable's definition before libc's): SIGTERM and SIGINT are handed
 * to libmilter as before; SIGHUP calls the handler set here, in that
 * thread, and the wait goes on.  Nothing else in the daemon calls
 * sigwait().
 *
 * The stop handler runs in that thread before SIGTERM or SIGINT reaches
 * libmilter: once libmilter stops, it serves no session again, so a
 * message in progress must be finished (drained) while it still runs.
 *
 * Handed SIGTERM or SIGINT, libmilter's thread stops the listener and
 * ends, and libmilter never joins it: smfi_main() may return, and the
 * process run its exit handlers -- libmilter's own destroys the lock that
 * thread still holds -- before it is done.  hup_join_stopper() waits for
 * it.  (Inside smfi_main() the listener still destroys its own lock
 * without waiting for that thread; that one is libmilter's to fix, see
 * contrib/tsan.supp.)
 */
#ifndef ZM_HUP_H
#define ZM_HUP_H

#include <stdbool.h>

/* Call handler on SIGHUP from now on (before smfi_main()); NULL: ignore
 * SIGHUP (once the stop began). */
void hup_set_handler(void (*handler)(void));

/* Call handler with the signal on SIGTERM or SIGINT, before libmilter
 * stops (NULL: none). */
void hup_set_stop_handler(void (*handler)(int sig));

/* After smfi_main() returns: if a stop signal was handed to libmilter's
 * thread, wait (1 s at most) until that thread has ended; false if it
 * did not end in time. */
bool hup_join_stopper(void);

#endif
