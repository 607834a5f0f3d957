/*
 * spf -- SPF (RFC 7208) of the envelope sender against the client address.
 *
 * On an outbound relay the customer chooses the sender domain, so whoever
 * sends through us also writes the SPF records we evaluate.  libspf2 does
 * the evaluation, but its DNS goes through our resolver (resolver.h: the
 * shared libunbound context, the forwarders, the cache, the caps on
 * queries in flight), in a DNS layer of our own that also:
 *
 *  - checks every SPF record before libspf2 sees it (spfrec.h: RFC 7208's
 *    grammar and limits of our own) and hands libspf2 a rewritten record
 *    of the mechanisms and redirect= only; a record breaking a rule, or a
 *    name with two SPF records, makes the result permerror.  exp= and
 *    unknown modifiers never reach libspf2, so no explanation is fetched
 *    or expanded;
 *  - answers type SPF (99) queries with NO_DATA at once (RFC 7208 retired
 *    the type; asking for it only costs time);
 *  - gives libspf2 only host names from MX and PTR answers;
 *  - refuses to wait past the evaluation's deadline: every lookup after it
 *    is a temporary error, so one evaluation never takes longer than its
 *    budget however slow or deep the records are.
 *
 * What libspf2 expands, then, are the macros of the mechanisms' and
 * redirect='s domain-specs, with values we give it: the sender as
 * address_sender() made it (a plain local part, or "postmaster"), the
 * domain, the client address, the HELO name when it is printable and no
 * longer than a name (else none: a record using %{h} is then an error),
 * and %{p}, which it finds itself from PTR answers we checked.
 *
 * libspf2 keeps the RFC 7208 limits (10 terms that look up DNS, 10 MX
 * and PTR names), but its count lets an 11th term through; the layer
 * counts the terms' lookups too and fails the 11th, so a record cannot
 * match past the limit (the result is permerror, RFC 7208 4.6.4).  One
 * exception: the client's name (PTR) is counted once, since %{p} asks for
 * it too and is no term, so a second "ptr" in a record goes uncounted.  Its
 * warnings, which may quote the records, are not logged.  Thread-safe:
 * evaluations run in the calling thread, each with a libspf2 server of
 * its own taken from a pool.
 */
#ifndef ZM_SPF_H
#define ZM_SPF_H

#include "address.h"
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
 * at end of message finds them cached; on behalf of the session's quota
 * (NULL: none). */
void spf_prefetch(struct spf *s, const char *sender,
    struct resolver_quota *quota);

/*
 * Evaluate sender (an envelope address, "<a@b>" or bare) for the client
 * address and HELO name (NULL if none), within budget_ms, the lookups on
 * behalf of quota (NULL: none).  A sender domain that is no host name
 * has no policy (RFC 7208 4.3): none, without a lookup.
 */
enum spf_result spf_check(struct spf *s, const struct netaddr *addr,
    const char *helo, const char *sender, unsigned budget_ms,
    struct resolver_quota *quota);

/* Why the last spf_check() in this thread refused a record (a rule of
 * spfrec.h, "two SPF records", "more than 10 terms that look up DNS"),
 * the record's domain into domain (as the DNS gave it: log it escaped);
 * NULL if it refused none. */
const char *spf_last_refusal(char domain[ADDRESS_DOMAIN_KEPT + 1]);

/* "none", "pass", "fail", ... as RFC 7208 names them; "-" if unchecked. */
const char *spf_result_name(enum spf_result r);

#endif
