/*
 * address -- envelope addresses and host names as the signals use them.
 *
 * An envelope address comes from the client: any length, any bytes, a
 * quoted local part with spaces, a source route.  What the signals need
 * of it is its domain (SPF, the RHSBLs, the sender-domain counts) and,
 * for SPF's %{l} and %{s} only, a local part.  address_sender() keeps
 * both, always: a long or odd local part can never hide the domain.
 *
 * Limits: a domain longer than a name (253 bytes) is kept to its first
 * ADDRESS_DOMAIN_KEPT bytes, one more than a name has, so a cut domain is
 * still counted as a domain but never taken for a name DNS is asked
 * about; a local part that is not a plain one (1..64 bytes of RFC 5321's
 * atext and dots) becomes "postmaster", as RFC 7208 4.3 does for a
 * sender without one, so an SPF record written per user sees that user
 * as postmaster.
 */
#ifndef ZM_ADDRESS_H
#define ZM_ADDRESS_H

#include <stdbool.h>
#include <stddef.h>

#define ADDRESS_LOCAL_MAX	64
#define ADDRESS_DOMAIN_MAX	253	/* a name */
#define ADDRESS_DOMAIN_KEPT	(ADDRESS_DOMAIN_MAX + 1)
#define ADDRESS_MAX	(ADDRESS_LOCAL_MAX + 1 + ADDRESS_DOMAIN_KEPT + 1)

/* The domain of an envelope address ("<user@example.net>", bare, with a
 * source route) into buf, cut to len - 1 bytes (ADDRESS_DOMAIN_KEPT + 1
 * keeps a cut domain from being a name); false for the null sender or an
 * address without a domain. */
bool address_domain(const char *address, char *buf, size_t len);

/* The envelope address as "local@domain" (see above) into out; false
 * (out "") for the null sender or an address without a domain. */
bool address_sender(const char *address, char out[ADDRESS_MAX]);

/* Is name (len bytes, one trailing dot allowed) a host name DNS can be
 * asked about: labels of 1..63 letters, digits, '-' or '_', at most 253
 * bytes, two labels at least, the last one not all digits? */
bool address_is_hostname(const char *name, size_t len);

#endif
