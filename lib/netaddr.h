/*
 * netaddr -- IP addresses and CIDR networks, independent of the socket API.
 *
 * A struct netaddr holds an IPv4 or IPv6 address as bytes.  IPv4-mapped
 * IPv6 addresses (::ffff:192.0.2.7) are folded into IPv4 on the way in, so
 * a client is the same host whether the MTA reports it one way or the
 * other.  Nothing here allocates.
 */
#ifndef ZM_NETADDR_H
#define ZM_NETADDR_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/socket.h>

struct netaddr {
	int family;		/* AF_INET or AF_INET6 */
	uint8_t bytes[16];	/* network order; 4 used for AF_INET */
};

struct netaddr_cidr {
	struct netaddr addr;	/* host bits cleared */
	unsigned prefix;	/* 0..32 or 0..128 */
};

/* Fill *out from a socket address; false for NULL, AF_UNIX or unknown. */
bool netaddr_from_sockaddr(const struct sockaddr *sa, struct netaddr *out);

/* Parse a textual address ("192.0.2.7", "2001:db8::1"); false if invalid. */
bool netaddr_parse(const char *text, struct netaddr *out);

/* Parse "ADDR/PREFIX" or a bare address (full length); false if invalid. */
bool netaddr_parse_cidr(const char *text, struct netaddr_cidr *out);

/* Clear all but the first prefix bits of *addr. */
void netaddr_mask(struct netaddr *addr, unsigned prefix);

/* True if addr lies in the network. */
bool netaddr_in_cidr(const struct netaddr *addr, const struct netaddr_cidr *net);

#endif
