/*
 * dnsbl -- MAPS-style DNS blocklists: the client's address (IP lists,
 * IPv4 reversed octets, IPv6 reversed nibbles of the full address) and
 * domains (RHSBL/DBL style: the MAIL FROM domain and the HELO name).
 *
 * A zone maps its return codes to a class and points: exact
 * ("127.0.0.4"), a range ("127.0.0.10-127.0.0.11") or a network
 * ("127.0.1.0/24"); of the entries matching an answer, the one worth most
 * points wins.  Answers outside 127.0.0.0/8 and in
 * 127.255.255.0/24 (RFC 5782 error codes, "query refused"), SERVFAIL and
 * timeouts are "unknown": they never score.  A listing whose code no
 * entry maps is shown in the reasons with no points.
 *
 * Lookups start as early as the facts exist (CONNECT, HELO, MAIL FROM) and
 * are collected at end of message within a budget (resolver.h).  A health
 * thread checks every zone at start-up and every dns_health_interval
 * seconds (RFC 5782: the test point 127.0.0.2 must be listed with proper
 * codes, 127.0.0.1 must not; for a domain zone "test" and "invalid"); a
 * zone failing it is down, reported once, not asked and scoring nothing
 * until it passes again.  A zone that does not answer the check (a
 * timeout) keeps its state.  The class of a code is the operator's label
 * for it in the config; the reasons name the zone and the code.
 */
#ifndef ZM_DNSBL_H
#define ZM_DNSBL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "loghook.h"
#include "netaddr.h"

#define DNSBL_ZONES_MAX		16
#define DNSBL_CODES_MAX		16
#define DNSBL_CLASS_MAX		24
#define DNSBL_ZONE_MAX		200
#define DNSBL_RESULTS_MAX	(2 * DNSBL_ZONES_MAX)

enum dnsbl_kind {
	DNSBL_KIND_IP,
	DNSBL_KIND_DOMAIN
};

struct dnsbl_code {
	uint32_t lo, hi;		/* host order, inclusive */
	char class[DNSBL_CLASS_MAX];
	int points;
};

struct dnsbl_zone {
	char name[DNSBL_ZONE_MAX];
	enum dnsbl_kind kind;
	struct dnsbl_code codes[DNSBL_CODES_MAX];
	unsigned ncodes;
};

/* What a lookup is about. */
enum dnsbl_subject {
	DNSBL_CLIENT,		/* the client address: "dnsbl" */
	DNSBL_MAIL_FROM,	/* the envelope sender's domain: "rhsbl.from" */
	DNSBL_HELO		/* the HELO name: "rhsbl.helo" */
};

enum dnsbl_status {
	DNSBL_NOT_LISTED,
	DNSBL_LISTED,
	DNSBL_UNKNOWN		/* error answer, no answer, zone down */
};

/* One finished lookup, as the dnsbl signal scores it. */
struct dnsbl_result {
	const struct dnsbl_zone *zone;
	enum dnsbl_subject subject;
	enum dnsbl_status status;
	uint32_t code;			/* LISTED: the answer, host order */
	const struct dnsbl_code *mapped;	/* LISTED: its class, or NULL */
};

/* Parse "SPEC CLASS POINTS"; false with the reason in why. */
bool dnsbl_parse_code(const char *text, struct dnsbl_code *out, char *why,
    size_t whylen);

/* The query name of addr in zone; false if it does not fit. */
bool dnsbl_ip_qname(const struct netaddr *addr, const char *zone, char *buf,
    size_t len);

/* The query name of a domain in zone, lower-cased; false if the domain is
 * not a host name (address_is_hostname(): an address literal, odd bytes,
 * too long).  A name longer than DNS carries is still written: the
 * resolver refuses it, and its lookup is unknown. */
bool dnsbl_domain_qname(const char *domain, const char *zone, char *buf,
    size_t len);

/* Classify A records answered by zone; NULL/0 means NXDOMAIN. */
enum dnsbl_status dnsbl_classify(const struct dnsbl_zone *zone,
    const uint32_t *addrs, unsigned n, uint32_t *code,
    const struct dnsbl_code **mapped);

/* "dnsbl", "rhsbl.from", "rhsbl.helo". */
const char *dnsbl_subject_name(enum dnsbl_subject s);

struct resolver;
struct resolver_quota;
struct dnsbl;
struct dnsbl_lookups;

/*
 * A DNSBL checker over zones (which must outlive it): checks their health
 * once now, then every interval_s seconds (0: never again) in a thread
 * with every signal blocked, reporting zones going down or coming back
 * through log.  NULL on ENOMEM.
 */
struct dnsbl *dnsbl_new(const struct dnsbl_zone *zones, unsigned nzones,
    struct resolver *resolver, unsigned interval_s, unsigned budget_ms,
    const struct loghook *log);

/* Stop the health thread and free; NULL is fine. */
void dnsbl_free(struct dnsbl *d);

/* Is the zone up (its last health check passed, or none failed yet)? */
bool dnsbl_zone_up(struct dnsbl *d, unsigned zone);

/* A set of lookups for one connection or message, on behalf of the
 * session's quota (resolver.h; NULL: none); NULL on ENOMEM. */
struct dnsbl_lookups *dnsbl_lookups_new(struct resolver_quota *quota);
void dnsbl_lookups_free(struct dnsbl *d, struct dnsbl_lookups *l);

/* Start the client-address lookups in every IP zone. */
void dnsbl_start_client(struct dnsbl *d, struct dnsbl_lookups *l,
    const struct netaddr *addr);

/* Start the lookups of a domain (MAIL FROM or HELO) in every domain zone. */
void dnsbl_start_domain(struct dnsbl *d, struct dnsbl_lookups *l,
    enum dnsbl_subject subject, const char *domain);

/* Wait for the lookups of every set given (NULLs skipped) at most
 * budget_ms, then write their results; returns how many. */
size_t dnsbl_collect(struct dnsbl *d, struct dnsbl_lookups *const sets[],
    size_t nsets, unsigned budget_ms,
    struct dnsbl_result out[DNSBL_RESULTS_MAX]);

#endif
