/*
 * hostaddr -- a host name's addresses, looked up off the caller's path.
 * See hostaddr.h.
 *
 * Concurrency: h->lock guards everything but the name.  The struct is
 * shared by its owner and, once started, its lookup thread; each holds a
 * reference, and the last one out frees it.  The thread sleeps on
 * h->wake until a lookup is wanted or the owner is gone.
 */
#include "zmconfig.h"

#include <errno.h>
#include <netdb.h>
#include <pthread.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <sys/socket.h>

#include "clock.h"
#include "hostaddr.h"

struct hostaddr {
	char host[256];
	unsigned refresh_s;
	bool numeric;

	pthread_mutex_t lock;
	pthread_cond_t wake;		/* the thread: a lookup is wanted */
	pthread_cond_t found;		/* callers: a lookup ended */
	int refs;
	bool started, gone, wanted;
	char addrs[HOSTADDR_MAX][INET6_ADDRSTRLEN];
	unsigned naddrs;
	uint64_t looked_up_ms;		/* when the addresses were found */
	unsigned long lookups;		/* ended so far */
	char err[200];			/* of the last one, "" if it worked */
};

/* Drop a reference; the caller holds h->lock, which this releases. */
static void
unref_unlock(struct hostaddr *h)
{
	bool last = --h->refs == 0;

	pthread_mutex_unlock(&h->lock);
	if (!last)
		return;
	pthread_cond_destroy(&h->wake);
	pthread_cond_destroy(&h->found);
	pthread_mutex_destroy(&h->lock);
	free(h);
}

/* One lookup of the name, outside the lock. */
static void
look_up(struct hostaddr *h)
{
	struct addrinfo hints, *res = NULL, *ai;
	char addrs[HOSTADDR_MAX][INET6_ADDRSTRLEN];
	unsigned n = 0;
	int rc;

	memset(&hints, 0, sizeof(hints));
	hints.ai_family = AF_UNSPEC;
	hints.ai_socktype = SOCK_STREAM;
	rc = getaddrinfo(h->host, NULL, &hints, &res);
	for (ai = rc == 0 ? res : NULL; ai != NULL && n < HOSTADDR_MAX;
	    ai = ai->ai_next)
		if (getnameinfo(ai->ai_addr, ai->ai_addrlen, addrs[n],
		    sizeof(addrs[n]), NULL, 0, NI_NUMERICHOST) == 0)
			n++;
	if (res != NULL)
		freeaddrinfo(res);
	pthread_mutex_lock(&h->lock);
	if (n > 0) {
		memcpy(h->addrs, addrs, sizeof(addrs));
		h->naddrs = n;
		h->looked_up_ms = clock_monotonic_ms();
		h->err[0] = '\0';
	} else {
		/* The old addresses, if any, serve until new ones come. */
		snprintf(h->err, sizeof(h->err), "cannot resolve %.100s: %.80s",
		    h->host, rc != 0 ? gai_strerror(rc) : "no address");
	}
	h->lookups++;
	pthread_cond_broadcast(&h->found);
	pthread_mutex_unlock(&h->lock);
}

static void *
lookup_thread(void *arg)
{
	struct hostaddr *h = arg;

	pthread_mutex_lock(&h->lock);
	while (!h->gone) {
		if (!h->wanted) {
			pthread_cond_wait(&h->wake, &h->lock);
			continue;
		}
		h->wanted = false;
		pthread_mutex_unlock(&h->lock);
		look_up(h);
		pthread_mutex_lock(&h->lock);
	}
	unref_unlock(h);
	return NULL;
}

struct hostaddr *
hostaddr_new(const char *host, unsigned refresh_s)
{
	struct hostaddr *h = calloc(1, sizeof(*h));
	unsigned char bytes[16];
	pthread_condattr_t attr;

	if (h == NULL)
		return NULL;
	snprintf(h->host, sizeof(h->host), "%s", host);
	h->refresh_s = refresh_s;
	h->refs = 1;
	h->numeric = inet_pton(AF_INET, host, bytes) == 1 ||
	    inet_pton(AF_INET6, host, bytes) == 1;
	pthread_mutex_init(&h->lock, NULL);
	pthread_condattr_init(&attr);
	pthread_condattr_setclock(&attr, CLOCK_MONOTONIC);
	pthread_cond_init(&h->wake, &attr);
	pthread_cond_init(&h->found, &attr);
	pthread_condattr_destroy(&attr);
	return h;
}

void
hostaddr_free(struct hostaddr *h)
{
	if (h == NULL)
		return;
	pthread_mutex_lock(&h->lock);
	h->gone = true;
	pthread_cond_signal(&h->wake);
	unref_unlock(h);
}

/* Start the thread if it is not running; the caller holds h->lock. */
static void
start_thread(struct hostaddr *h)
{
	pthread_attr_t attr;
	pthread_t thread;
	sigset_t all, old;

	if (h->started)
		return;
	pthread_attr_init(&attr);
	pthread_attr_setdetachstate(&attr, PTHREAD_CREATE_DETACHED);
	sigfillset(&all);
	pthread_sigmask(SIG_SETMASK, &all, &old);
	h->refs++;
	if (pthread_create(&thread, &attr, lookup_thread, h) == 0)
		h->started = true;
	else
		h->refs--;
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	pthread_attr_destroy(&attr);
	if (!h->started)
		snprintf(h->err, sizeof(h->err), "cannot resolve %.100s: no "
		    "thread to look it up", h->host);
}

/* Want a lookup now; the caller holds h->lock. */
static void
want_lookup(struct hostaddr *h)
{
	start_thread(h);
	h->wanted = true;
	pthread_cond_signal(&h->wake);
}

unsigned
hostaddr_get(struct hostaddr *h, uint64_t deadline_ms,
    char out[HOSTADDR_MAX][INET6_ADDRSTRLEN], char *why, size_t whylen)
{
	const struct timespec until = clock_timespec(deadline_ms);
	unsigned long lookups;
	unsigned n;

	if (h->numeric) {
		snprintf(out[0], INET6_ADDRSTRLEN, "%.*s",
		    INET6_ADDRSTRLEN - 1, h->host);
		return 1;
	}
	pthread_mutex_lock(&h->lock);
	if (h->naddrs == 0 || clock_monotonic_ms() - h->looked_up_ms >=
	    (uint64_t)h->refresh_s * 1000)
		want_lookup(h);
	/* With no address yet, wait for the end of a lookup begun now. */
	lookups = h->lookups;
	while (h->naddrs == 0 && h->lookups == lookups && h->started &&
	    pthread_cond_timedwait(&h->found, &h->lock, &until) != ETIMEDOUT)
		;
	n = h->naddrs;
	memcpy(out, h->addrs, sizeof(h->addrs));
	if (n == 0)
		snprintf(why, whylen, "%s", h->lookups != lookups ||
		    !h->started ? h->err : "cannot resolve the name in time");
	pthread_mutex_unlock(&h->lock);
	return n;
}

void
hostaddr_refresh(struct hostaddr *h)
{
	if (h->numeric)
		return;
	pthread_mutex_lock(&h->lock);
	want_lookup(h);
	pthread_mutex_unlock(&h->lock);
}
