/*
 * hostkey -- the canonical names under which a sender is counted.
 *
 * A host key names the network a customer owns: an IPv4 address
 * ("192.0.2.7", or "192.0.2.0/24" with a shorter prefix) or an IPv6
 * prefix ("2001:db8:1:2::/64").  A user key names a SASL login:
 * "user:alice@example.net", or "user:=" followed by the login in hex when
 * it holds anything outside [A-Za-z0-9@._+-] or is longer than
 * HOSTKEY_LOGIN_MAX, so a key is always one safe token, whatever the client
 * sent.  Keys are the store's keys and appear in logs and in Redis as is.
 *
 * Limits: logins longer than HOSTKEY_LOGIN_MAX bytes are cut before
 * encoding, so two such logins sharing a prefix share a key.
 */
#ifndef ZM_HOSTKEY_H
#define ZM_HOSTKEY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "netaddr.h"

#define HOSTKEY_MAX		48	/* "ffff:...:ffff/128" and NUL */
#define HOSTKEY_LOGIN_MAX	128
#define USERKEY_MAX		(sizeof("user:=") + 2 * HOSTKEY_LOGIN_MAX)

/* Write the host key of addr, masked to the family's prefix, into buf. */
void hostkey_format(const struct netaddr *addr, unsigned ipv4_prefix,
    unsigned ipv6_prefix, char buf[HOSTKEY_MAX]);

/* Write the user key of a SASL login into buf; false for an empty login. */
bool hostkey_user(const char *login, char buf[USERKEY_MAX]);

/* A hash of a key, for in-process tables (FNV-1a). */
uint64_t hostkey_hash(const char *key);

#endif
