/*
 * dnsbl -- DNS blocklist lookups and their health.  See dnsbl.h.
 */
#include "zmconfig.h"

#include <arpa/inet.h>
#include <ctype.h>
#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>
#include <time.h>

#include "address.h"
#include "dnsbl.h"
#include "metrics.h"
#include "resolver.h"

#define LOOKUPS_MAX	DNSBL_RESULTS_MAX

struct lookup {
	unsigned zone;
	enum dnsbl_subject subject;
	struct resolver_query *query;
};

struct dnsbl_lookups {
	struct resolver_quota *quota;	/* the session's, or NULL */
	struct lookup l[LOOKUPS_MAX];
	size_t n;
};

struct dnsbl {
	const struct dnsbl_zone *zones;
	unsigned nzones;
	struct resolver *resolver;
	unsigned interval_s;
	unsigned budget_ms;
	struct loghook log;
	atomic_bool down[DNSBL_ZONES_MAX];
	pthread_t thread;
	bool have_thread;
	pthread_mutex_t lock;		/* for stop and the health thread's sleep */
	pthread_cond_t stop_cv;
	bool stop;
};

static bool
parse_ipv4(const char *text, uint32_t *out)
{
	struct in_addr a;

	if (inet_pton(AF_INET, text, &a) != 1)
		return false;
	*out = ntohl(a.s_addr);
	return true;
}

bool
dnsbl_parse_code(const char *text, struct dnsbl_code *out, char *why,
    size_t whylen)
{
	char spec[64], class[64], extra[8], *dash, *slash, *end;
	long points, bits;
	int n;

	memset(out, 0, sizeof(*out));
	n = sscanf(text, "%63s %63s %ld %7s", spec, class, &points, extra);
	if (n != 3) {
		snprintf(why, whylen, "\"%s\" is not \"CODE CLASS POINTS\"", text);
		return false;
	}
	if ((dash = strchr(spec, '-')) != NULL) {
		*dash = '\0';
		if (!parse_ipv4(spec, &out->lo) || !parse_ipv4(dash + 1, &out->hi) ||
		    out->hi < out->lo)
			goto bad_spec;
	} else if ((slash = strchr(spec, '/')) != NULL) {
		*slash = '\0';
		bits = strtol(slash + 1, &end, 10);
		if (!parse_ipv4(spec, &out->lo) || *end != '\0' ||
		    slash[1] == '\0' || bits < 0 || bits > 32)
			goto bad_spec;
		out->lo &= bits == 0 ? 0 : ~0U << (32 - bits);
		out->hi = out->lo | (bits == 32 ? 0 : ~0U >> bits);
	} else {
		if (!parse_ipv4(spec, &out->lo))
			goto bad_spec;
		out->hi = out->lo;
	}
	if (strlen(class) >= DNSBL_CLASS_MAX || strspn(class,
	    "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_-")
	    != strlen(class)) {
		snprintf(why, whylen, "class \"%s\" must be up to %d letters, "
		    "digits, _ or -", class, DNSBL_CLASS_MAX - 1);
		return false;
	}
	if (points < 0 || points > 100000) {
		snprintf(why, whylen, "points %ld out of range 0..100000", points);
		return false;
	}
	snprintf(out->class, sizeof(out->class), "%.*s", DNSBL_CLASS_MAX - 1,
	    class);
	out->points = (int)points;
	return true;
bad_spec:
	snprintf(why, whylen, "code \"%s\" is not A.B.C.D, A.B.C.D-E.F.G.H or "
	    "A.B.C.D/N", text);
	return false;
}

bool
dnsbl_ip_qname(const struct netaddr *addr, const char *zone, char *buf,
    size_t len)
{
	static const char hex[] = "0123456789abcdef";
	size_t used = 0;
	int i, n;

	if (addr->family == AF_INET) {
		n = snprintf(buf, len, "%u.%u.%u.%u.%s", addr->bytes[3],
		    addr->bytes[2], addr->bytes[1], addr->bytes[0], zone);
		return n > 0 && (size_t)n < len;
	}
	if (len < 64 + strlen(zone) + 1)
		return false;
	for (i = 15; i >= 0; i--) {
		buf[used++] = hex[addr->bytes[i] & 0xf];
		buf[used++] = '.';
		buf[used++] = hex[addr->bytes[i] >> 4];
		buf[used++] = '.';
	}
	snprintf(buf + used, len - used, "%s", zone);
	return true;
}

bool
dnsbl_domain_qname(const char *domain, const char *zone, char *buf,
    size_t len)
{
	size_t dlen, i;
	int n;

	if (domain == NULL || !address_is_hostname(domain, strlen(domain)))
		return false;
	dlen = strlen(domain);
	if (domain[dlen - 1] == '.')
		dlen--;
	/* Longer than DNS carries, with the zone: the resolver refuses it,
	 * and the lookup is unknown. */
	n = snprintf(buf, len, "%.*s.%s", (int)dlen, domain, zone);
	if (n < 0 || (size_t)n >= len)
		return false;
	for (i = 0; i < dlen; i++)
		buf[i] = (char)tolower((unsigned char)buf[i]);
	return true;
}

enum dnsbl_status
dnsbl_classify(const struct dnsbl_zone *zone, const uint32_t *addrs,
    unsigned n, uint32_t *code, const struct dnsbl_code **mapped)
{
	unsigned i, j;

	*mapped = NULL;
	*code = 0;
	if (n == 0)
		return DNSBL_NOT_LISTED;
	/* Any error code makes the whole answer unknown. */
	for (i = 0; i < n; i++)
		if ((addrs[i] >> 24) != 127 || (addrs[i] >> 8) == 0x7fffff)
			return DNSBL_UNKNOWN;
	*code = addrs[0];
	/* Of every entry matching any code, the one worth most. */
	for (i = 0; i < n; i++) {
		for (j = 0; j < zone->ncodes; j++) {
			if (addrs[i] >= zone->codes[j].lo &&
			    addrs[i] <= zone->codes[j].hi &&
			    (*mapped == NULL ||
			    zone->codes[j].points > (*mapped)->points)) {
				*mapped = &zone->codes[j];
				*code = addrs[i];
			}
		}
	}
	return DNSBL_LISTED;
}

const char *
dnsbl_subject_name(enum dnsbl_subject s)
{
	switch (s) {
	case DNSBL_CLIENT:
		return "dnsbl";
	case DNSBL_MAIL_FROM:
		return "rhsbl.from";
	case DNSBL_HELO:
		return "rhsbl.helo";
	}
	return "dnsbl";
}

/*
 * One health check of every zone, RFC 5782: the test entry (127.0.0.2,
 * or the name "test") must be listed with proper codes, the other
 * (127.0.0.1, or "invalid") must not be.  Both names of every zone are
 * asked at once, past the cache, within one budget.  A zone whose
 * answers are wrong goes down; one whose answers are right comes up; one
 * that did not answer stays as it was (the DNS's trouble, which the
 * budget already bounds for each message).
 */
static void
health_check(struct dnsbl *d)
{
	struct resolver_query *q[2 * DNSBL_ZONES_MAX];
	const struct dnsbl_code *mapped;
	const struct dnsbl_zone *z;
	struct netaddr two, one;
	char names[2][512];
	const char *why = NULL;
	uint32_t addrs[RESOLVER_ADDRS_MAX], code;
	enum resolver_status listed, unlisted;
	unsigned i, n;

	netaddr_parse("127.0.0.2", &two);
	netaddr_parse("127.0.0.1", &one);
	for (i = 0; i < d->nzones; i++) {
		z = &d->zones[i];
		if (z->kind == DNSBL_KIND_IP) {
			dnsbl_ip_qname(&two, z->name, names[0], sizeof(names[0]));
			dnsbl_ip_qname(&one, z->name, names[1], sizeof(names[1]));
		} else {
			snprintf(names[0], sizeof(names[0]), "test.%s", z->name);
			snprintf(names[1], sizeof(names[1]), "invalid.%s", z->name);
		}
		q[2 * i] = resolver_start_uncached(d->resolver, names[0]);
		q[2 * i + 1] = resolver_start_uncached(d->resolver, names[1]);
	}
	resolver_wait(d->resolver, q, 2 * d->nzones, d->budget_ms * 4);
	for (i = 0; i < d->nzones; i++) {
		z = &d->zones[i];
		listed = q[2 * i] == NULL ? RESOLVER_FAILED
		    : resolver_result(d->resolver, q[2 * i], addrs, &n);
		if (listed == RESOLVER_NXDOMAIN)
			why = "its test entry is not listed";
		else if (listed == RESOLVER_ANSWER && dnsbl_classify(z, addrs, n,
		    &code, &mapped) == DNSBL_UNKNOWN)
			why = "it answers error codes";
		unlisted = q[2 * i + 1] == NULL ? RESOLVER_FAILED
		    : resolver_result(d->resolver, q[2 * i + 1], addrs, &n);
		if (why == NULL && unlisted == RESOLVER_ANSWER)
			why = "it lists what must not be listed (127.0.0.1 or "
			    "\"invalid\")";
		if (why != NULL && !atomic_exchange(&d->down[i], true))
			loghook_say(&d->log, LOG_WARNING, "dnsbl %s: down: %s; "
			    "not scored until it passes again", z->name, why);
		else if (why == NULL && listed == RESOLVER_ANSWER &&
		    unlisted == RESOLVER_NXDOMAIN &&
		    atomic_exchange(&d->down[i], false))
			loghook_say(&d->log, LOG_NOTICE, "dnsbl %s: up again",
			    z->name);
		why = NULL;
		resolver_release(d->resolver, q[2 * i]);
		resolver_release(d->resolver, q[2 * i + 1]);
	}
}

static void *
health_thread(void *arg)
{
	struct dnsbl *d = arg;
	struct timespec until;

	pthread_mutex_lock(&d->lock);
	while (!d->stop) {
		clock_gettime(CLOCK_REALTIME, &until);
		until.tv_sec += (time_t)d->interval_s;
		if (pthread_cond_timedwait(&d->stop_cv, &d->lock, &until) !=
		    ETIMEDOUT)
			continue;
		pthread_mutex_unlock(&d->lock);
		health_check(d);
		pthread_mutex_lock(&d->lock);
	}
	pthread_mutex_unlock(&d->lock);
	return NULL;
}

struct dnsbl *
dnsbl_new(const struct dnsbl_zone *zones, unsigned nzones,
    struct resolver *resolver, unsigned interval_s, unsigned budget_ms,
    const struct loghook *log)
{
	struct dnsbl *d = calloc(1, sizeof(*d));
	sigset_t all, old;
	unsigned i;

	if (d == NULL || nzones > DNSBL_ZONES_MAX) {
		free(d);
		return NULL;
	}
	d->zones = zones;
	d->nzones = nzones;
	d->resolver = resolver;
	d->interval_s = interval_s;
	d->budget_ms = budget_ms;
	if (log != NULL)
		d->log = *log;
	for (i = 0; i < DNSBL_ZONES_MAX; i++)
		atomic_init(&d->down[i], false);
	pthread_mutex_init(&d->lock, NULL);
	pthread_cond_init(&d->stop_cv, NULL);
	if (nzones > 0)
		health_check(d);
	if (nzones > 0 && interval_s > 0) {
		sigfillset(&all);
		pthread_sigmask(SIG_SETMASK, &all, &old);
		d->have_thread = pthread_create(&d->thread, NULL, health_thread,
		    d) == 0;
		pthread_sigmask(SIG_SETMASK, &old, NULL);
		if (!d->have_thread)
			loghook_say(&d->log, LOG_WARNING, "dnsbl: cannot start the "
			    "health check thread; lists are checked at start-up "
			    "only");
	}
	return d;
}

void
dnsbl_free(struct dnsbl *d)
{
	if (d == NULL)
		return;
	pthread_mutex_lock(&d->lock);
	d->stop = true;
	pthread_cond_signal(&d->stop_cv);
	pthread_mutex_unlock(&d->lock);
	if (d->have_thread)
		pthread_join(d->thread, NULL);
	pthread_cond_destroy(&d->stop_cv);
	pthread_mutex_destroy(&d->lock);
	free(d);
}

bool
dnsbl_zone_up(struct dnsbl *d, unsigned zone)
{
	return !atomic_load(&d->down[zone]);
}

struct dnsbl_lookups *
dnsbl_lookups_new(struct resolver_quota *quota)
{
	struct dnsbl_lookups *l = calloc(1, sizeof(*l));

	if (l != NULL)
		l->quota = quota;
	return l;
}

void
dnsbl_lookups_free(struct dnsbl *d, struct dnsbl_lookups *l)
{
	size_t i;

	if (l == NULL)
		return;
	for (i = 0; i < l->n; i++)
		resolver_release(d->resolver, l->l[i].query);
	free(l);
}

static void
start(struct dnsbl *d, struct dnsbl_lookups *l, unsigned zone,
    enum dnsbl_subject subject, const char *qname)
{
	if (l->n == LOOKUPS_MAX)
		return;
	l->l[l->n].zone = zone;
	l->l[l->n].subject = subject;
	l->l[l->n].query = resolver_start(d->resolver, qname, RESOLVER_T_A,
	    l->quota);
	if (l->l[l->n].query != NULL)
		l->n++;
}

void
dnsbl_start_client(struct dnsbl *d, struct dnsbl_lookups *l,
    const struct netaddr *addr)
{
	char qname[512];
	unsigned i;

	for (i = 0; i < d->nzones; i++)
		if (d->zones[i].kind == DNSBL_KIND_IP && dnsbl_zone_up(d, i) &&
		    dnsbl_ip_qname(addr, d->zones[i].name, qname, sizeof(qname)))
			start(d, l, i, DNSBL_CLIENT, qname);
}

void
dnsbl_start_domain(struct dnsbl *d, struct dnsbl_lookups *l,
    enum dnsbl_subject subject, const char *domain)
{
	char qname[512];
	unsigned i;

	for (i = 0; i < d->nzones; i++)
		if (d->zones[i].kind == DNSBL_KIND_DOMAIN && dnsbl_zone_up(d, i) &&
		    dnsbl_domain_qname(domain, d->zones[i].name, qname,
		    sizeof(qname)))
			start(d, l, i, subject, qname);
}

size_t
dnsbl_collect(struct dnsbl *d, struct dnsbl_lookups *const sets[],
    size_t nsets, unsigned budget_ms,
    struct dnsbl_result out[DNSBL_RESULTS_MAX])
{
	struct resolver_query *qs[DNSBL_RESULTS_MAX] = { NULL };
	uint32_t addrs[RESOLVER_ADDRS_MAX];
	const struct lookup *lk;
	size_t s, i, n = 0;
	unsigned naddrs;

	for (s = 0; s < nsets; s++)
		for (i = 0; sets[s] != NULL && i < sets[s]->n && n <
		    DNSBL_RESULTS_MAX; i++)
			qs[n++] = sets[s]->l[i].query;
	if (!resolver_wait(d->resolver, qs, n, budget_ms))
		metrics_count(METRICS_DNS_BUDGET_OVERRUNS, 1);
	n = 0;
	for (s = 0; s < nsets; s++) {
		for (i = 0; sets[s] != NULL && i < sets[s]->n && n <
		    DNSBL_RESULTS_MAX; i++) {
			lk = &sets[s]->l[i];
			out[n].zone = &d->zones[lk->zone];
			out[n].subject = lk->subject;
			switch (resolver_result(d->resolver, lk->query, addrs,
			    &naddrs)) {
			case RESOLVER_ANSWER:
				out[n].status = dnsbl_classify(out[n].zone, addrs,
				    naddrs, &out[n].code, &out[n].mapped);
				break;
			case RESOLVER_NXDOMAIN:
				out[n].status = DNSBL_NOT_LISTED;
				break;
			default:
				out[n].status = DNSBL_UNKNOWN;
				break;
			}
			if (!dnsbl_zone_up(d, lk->zone))
				out[n].status = DNSBL_UNKNOWN;
			n++;
		}
	}
	return n;
}
