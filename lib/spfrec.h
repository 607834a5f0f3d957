/*
 * spfrec -- SPF records checked by our own code before libspf2 sees them.
 *
 * On an outbound relay the customer writes the SPF records we evaluate,
 * and libspf2 is not safe with hostile ones: 1.2.10 (Debian 12) smashes
 * its stack compiling a term whose compiled form nears its 511-byte
 * limit (many macros, then a long literal).  So every TXT record an SPF
 * lookup brings is parsed here first, against the grammar of RFC 7208
 * (section 12) and limits of our own, and what libspf2 gets is a record
 * rewritten from the parts that passed: "v=spf1", then the mechanisms and
 * redirect=, one space before each.  exp= and unknown modifiers are
 * checked and dropped: an evaluation never needs them (RFC 7208 6), so no
 * explanation is ever fetched or expanded.  A record breaking a rule is
 * refused, and the evaluation's result is permerror.
 *
 * The limits, and why they close the class of bug rather than one record:
 *
 *   SPFREC_RECORD_MAX   bytes of a record, its strings joined (RFC 7208
 *                       3.4 asks for records that fit a 512-byte answer)
 *   SPFREC_TERMS_MAX    terms in a record
 *   SPFREC_TERM_MAX     bytes of a term
 *   SPFREC_MACROS_MAX   macros in a term
 *   SPFREC_NAME_MAX     bytes of a domain-spec once its macros are
 *                       expanded with this message's values (a name DNS
 *                       can carry); %{p}, known only during the
 *                       evaluation, counts as "unknown" (what it is
 *                       without a validated name): a longer expansion
 *                       makes a name the resolver refuses (temperror)
 *
 * A domain-spec's literal text is part of its expansion, so it is at most
 * 253 bytes; with at most 8 macros, a term compiles to at most 352 bytes
 * of the 511 libspf2 gives one (253 of literals, 4 per macro, 4 and up to
 * 3 of padding per literal run, 4 of CIDR lengths): the compiler's space
 * never runs out, whatever the record.  Every byte is printable ASCII, so no
 * value libspf2 escapes can be negative.
 *
 * Limits: RFC 7208 truncates a longer expansion from the left (7.3); here
 * it is a permerror.  Delimiters are RFC 7208's; libspf2 knows fewer and
 * refuses "," and "/" itself (also a permerror).
 */
#ifndef ZM_SPFREC_H
#define ZM_SPFREC_H

#include <stdbool.h>
#include <stddef.h>

#define SPFREC_RECORD_MAX	2048
#define SPFREC_TERMS_MAX	64
#define SPFREC_TERM_MAX		320
#define SPFREC_MACROS_MAX	8
#define SPFREC_NAME_MAX		253

/* What the macros of a record expand to in this evaluation. */
struct spfrec_values {
	const char *sender;		/* %{s}: local@domain */
	const char *local;		/* %{l} */
	const char *sender_domain;	/* %{o} */
	const char *domain;		/* %{d}: whose record this is */
	const char *helo;		/* %{h}; NULL if none */
	const char *ip;			/* %{i}: dotted quad, or nibbles */
	bool ipv6;			/* %{v}: "ip6", else "in-addr" */
};

enum spfrec_status {
	SPFREC_NOT_SPF,		/* no "v=spf1" version: not an SPF record */
	SPFREC_OK,		/* out holds the record to evaluate */
	SPFREC_INVALID		/* breaks the grammar or a limit */
};

/*
 * Check the text of one TXT record (len bytes of anything) for an
 * evaluation with values v.  SPFREC_OK: out (len + 1 bytes at least; it
 * may be txt itself) holds the record libspf2 is to evaluate.
 * SPFREC_INVALID: why names the rule broken (a constant string).
 */
enum spfrec_status spfrec_check(const char *txt, size_t len,
    const struct spfrec_values *v, char *out, size_t outlen,
    const char **why);

#endif
