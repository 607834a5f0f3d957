/*
 * spf -- SPF (RFC 7208) of the envelope sender against the client address.
 *
 * On an outbound relay the customer chooses the sender domain, so whoever
 * sends through us also writes the SPF records we evaluate.  libspf2 does
 * the evaluation, but its DNS goes through our resolver (resolver.h: the
 * shared libunbound context, the forwarders, the cache), in a DNS layer of
 * our own that also:
 *
 *  - answers type SPF (99) queries with NO_DATA at once (RFC 7208 retired
 *    the type; asking for it only costs time);
 *  - removes exp= modifiers from SPF records before libspf2 sees them, so
 *    an explanation is never fetched nor macro-expanded;
 *  - refuses to wait past the evaluation's deadline: every lookup after it
 *    is a temporary error, so one evaluation never takes longer than its
 *    budget however slow or deep the records are.
 *
 * libspf2 keeps the RFC 7208 limits (10 terms that look up DNS, 10 MX
 * and PTR names), but its count lets an 11th term through; the layer
 * counts the terms' lookups too and fails the 11th, so a record can
 * never match past the limit (the result is an error: no points).  Its
 * warnings, which may quote the records, are not logged.  Thread-safe: evaluations run in the calling thread, each
 * with a libspf2 server of its own taken from a pool.
 */
#ifndef ZM_SPF_H
#define ZM_SPF_H

#include "netaddr.h"
#include "resolver.h"

enum spf_result {
	ZM_SPF_UNCHECKED,	/* null sender, no address: not asked */
	ZM_SPF_NONE,
	ZM_SPF_NEUTRAL,
	ZM_SPF_PASS,
	ZM_SPF_FAIL,
	ZM_SPF_SOFTFAIL,
	ZM_SPF_TEMPERROR,	/* includes running out of time */
	ZM_SPF_PERMERROR
};

struct spf;

/* An SPF checker over resolver (which must outlive it); NULL on ENOMEM. */
struct spf *spf_new(struct resolver *resolver);

/* Free it; NULL is fine. */
void spf_free(struct spf *s);

/* Start looking up the TXT records of sender's domain, so the evaluation
 * at end of message finds them cached. */
void spf_prefetch(struct spf *s, const char *sender);

/*
 * Evaluate sender (an envelope address, "<a@b>" or bare) for the client
 * address and HELO name (NULL if none), within budget_ms.
 */
enum spf_result spf_check(struct spf *s, const struct netaddr *addr,
    const char *helo, const char *sender, unsigned budget_ms);

/* "none", "pass", "fail", ... as RFC 7208 names them; "-" if unchecked. */
const char *spf_result_name(enum spf_result r);

#endif
