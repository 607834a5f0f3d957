/*
 * hostaddr -- a host name's addresses, looked up off the caller's path.
 *
 * getaddrinfo() has no deadline: a resolver that does not answer holds
 * its caller for the system's timeouts (5 s a try, more with several
 * servers), far past a decision's budget.  So a name is looked up by a
 * thread of its own, and callers take the addresses it found: they wait
 * (at most until their deadline) only while none is known yet.  The
 * addresses are looked up again every refresh_s seconds when used, and
 * at once when a caller says they failed (hostaddr_refresh()); the old
 * ones serve meanwhile.  A numeric address needs no lookup and no thread.
 *
 * The thread is started at the first hostaddr_get() (in the daemon, after
 * it forked), with every signal blocked, and is detached: hostaddr_free()
 * never waits for a lookup, the thread ends after it.  Thread-safe.
 */
#ifndef ZM_HOSTADDR_H
#define ZM_HOSTADDR_H

#include <stddef.h>
#include <stdint.h>
#include <arpa/inet.h>

#define HOSTADDR_MAX	4	/* addresses kept */

struct hostaddr;

/* The addresses of host (a name or a numeric address), looked up again
 * every refresh_s seconds; NULL on ENOMEM. */
struct hostaddr *hostaddr_new(const char *host, unsigned refresh_s);

/* Give it up; a lookup under way finishes on its own.  NULL is fine. */
void hostaddr_free(struct hostaddr *h);

/*
 * The addresses known (numeric, into out), waiting until deadline_ms
 * (CLOCK_MONOTONIC, milliseconds) while none is; how many.  0: none, and
 * why (the lookup's error, or that it is still under way).
 */
unsigned hostaddr_get(struct hostaddr *h, uint64_t deadline_ms,
    char out[HOSTADDR_MAX][INET6_ADDRSTRLEN], char *why, size_t whylen);

/* Look the name up again soon: its addresses did not answer. */
void hostaddr_refresh(struct hostaddr *h);

#endif
