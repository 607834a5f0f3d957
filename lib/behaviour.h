/*
 * behaviour -- what a sending host does, beyond how much: its HELO, the
 * spread of its recipient and sender domains, the share of its recipients
 * the MTA refused.  The signal is in behaviour.c (see signals.h); this is
 * the bookkeeping the milter (and the -t mode) does while a message comes
 * in: the distinct recipient domains of one message, as hashes.
 */
#ifndef ZM_BEHAVIOUR_H
#define ZM_BEHAVIOUR_H

#include <stdbool.h>
#include <stdint.h>

#define DOMAIN_SET_MAX	1000

struct domain_set {
	unsigned n;			/* distinct domains, up to the max */
	uint32_t hash[DOMAIN_SET_MAX];
};

/* The hash of an envelope address's domain, lower-cased; false for the
 * null sender or an address without a domain. */
bool domain_hash(const char *address, uint32_t *out);

/* Add an envelope address's domain to the set, if it is new. */
void domain_set_add(struct domain_set *s, const char *address);

#endif
