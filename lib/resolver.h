/*
 * resolver -- asynchronous DNS lookups with an in-process cache.
 *
 * One libunbound context (threads, never fork: ub_ctx_async(ctx, 1)) is
 * shared by every milter worker.  resolver_start() answers from the cache
 * at once or sends the query and returns; resolver_wait() collects answers
 * until a deadline.  A thread of the resolver's own reads libunbound's
 * answers as they come (poll on ub_fd, ub_process), so a query started at
 * CONNECT is usually answered before end of message, and nothing ever
 * blocks a worker longer than the caller's budget.
 *
 * The cache is a fixed table of cache_size slots indexed by a hash of the
 * name (a collision replaces the older entry): a hit costs a lock and a
 * string compare.  Answers and NXDOMAIN are kept for their TTL, within
 * [RESOLVER_TTL_MIN_S, RESOLVER_TTL_MAX_S]; failures are not kept.
 *
 * Queries are reference counted: the caller's reference and, while it is
 * in flight, libunbound's; either may go first.  The resolver thread is
 * started with every signal blocked.
 *
 * Bounds.  A client that loops EHLO or MAIL/RSET with fresh names, or
 * publishes records that never answer, must not drive queries and memory
 * at its rate times libunbound's timeout.  So at most max_in_flight
 * queries are in flight in all, and at most a quota's max for one client
 * session (queries it gave up on count until they answer); a name longer
 * than DNS carries (253 bytes) is never sent.  A query refused for any of
 * these is answered RESOLVER_FAILED at once: unknown, never listed.  The
 * first refusal at the total's cap is reported through the log hook, and
 * so is the end of that spell (when half the cap is free again).
 */
#ifndef ZM_RESOLVER_H
#define ZM_RESOLVER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "loghook.h"

#define RESOLVER_ADDRS_MAX	8
#define RESOLVER_RRS_MAX	64	/* more records: a failed lookup */
#define RESOLVER_ANSWER_MAX	8192	/* bytes of rdata, likewise */
#define RESOLVER_T_A		1
#define RESOLVER_T_AAAA		28
#define RESOLVER_TTL_MIN_S	60
#define RESOLVER_TTL_MAX_S	3600
#define RESOLVER_NAME_MAX	253	/* longer names are never asked */

enum resolver_status {
	RESOLVER_PENDING,
	RESOLVER_ANSWER,	/* records of the type asked */
	RESOLVER_NXDOMAIN,	/* the name does not exist */
	RESOLVER_NODATA,	/* it does, with no record of that type */
	RESOLVER_FAILED		/* SERVFAIL, timeout, cancelled: unknown */
};

struct resolver;
struct resolver_query;
struct resolver_quota;

struct resolver_options {
	const char *const *forwarders;	/* "127.0.0.1@5353"; none: the */
	size_t nforwarders;		/* system's resolv.conf */
	unsigned cache_size;		/* slots */
	unsigned max_in_flight;		/* queries sent and not answered */
	struct loghook log;		/* the cap's reports */
};

/* A resolver as o says; NULL with the reason in err. */
struct resolver *resolver_new(const struct resolver_options *o, char *err,
    size_t errlen);

/* Stop the thread, cancel what is in flight, free everything. */
void resolver_free(struct resolver *r);

/* Look up records of qname of a type (RESOLVER_T_*, or the number), on
 * behalf of quota's session (NULL: none); NULL only when memory runs
 * out. */
struct resolver_query *resolver_start(struct resolver *r, const char *qname,
    int qtype, struct resolver_quota *quota);

/* The same, asking DNS even if the answer is cached (health checks); the
 * answer refreshes the cache. */
struct resolver_query *resolver_start_uncached(struct resolver *r,
    const char *qname);

/* Wait until every query has an answer or budget_ms have passed; false
 * if the budget ran out first. */
bool resolver_wait(struct resolver *r, struct resolver_query *const qs[],
    size_t n, unsigned budget_ms);

/* An A query's status, NODATA reported as NXDOMAIN; with RESOLVER_ANSWER,
 * its addresses (host order). */
enum resolver_status resolver_result(struct resolver *r,
    const struct resolver_query *q, uint32_t addrs[RESOLVER_ADDRS_MAX],
    unsigned *naddrs);

/* Any query's status. */
enum resolver_status resolver_status(struct resolver *r,
    const struct resolver_query *q);

/* Once a query has answered: its next record's rdata (names in wire
 * form, uncompressed), from *pos (start at 0); false after the last. */
bool resolver_rr_next(const struct resolver_query *q, size_t *pos,
    const unsigned char **rr, size_t *len);

/* Drop the caller's reference; NULL is fine. */
void resolver_release(struct resolver *r, struct resolver_query *q);

/* Queries sent to DNS so far (cache misses), for tests and statistics. */
unsigned long resolver_sent(struct resolver *r);

/* Times the DNS failed so far: an answer of SERVFAIL or the like, no
 * server, or a wait that ran out with a query unanswered (not NXDOMAIN,
 * nor an answer refused as too big, nor a query refused at a cap). */
unsigned long resolver_failures(struct resolver *r);

/* A quota for one client session: at most max of its queries in flight at
 * once; NULL on ENOMEM. */
struct resolver_quota *resolver_quota_new(unsigned max);

/* Give a quota up; its queries still in flight keep it until they
 * answer.  NULL is fine. */
void resolver_quota_free(struct resolver *r, struct resolver_quota *q);

/* The first time a query of the quota's was refused at its cap, true
 * (once): the caller reports it.  Only the quota's owner calls it. */
bool resolver_quota_newly_hit(struct resolver_quota *q);

#endif
