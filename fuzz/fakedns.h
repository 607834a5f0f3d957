/*
 * fakedns -- the resolver (lib/resolver.h) over a table in memory, for the
 * SPF fuzz target and the SPF conformance tool: linked before
 * lib/libzombie.a, it takes the place of lib/resolver.c, so lib/spf.c and
 * libspf2 run unchanged with answers the caller wrote.
 *
 * Every query is answered at once: the records of that name and type;
 * else a timeout if the name (or that type of it) is marked so; else the
 * records of a CNAME's target (one level); else NODATA if the name has
 * other records, NXDOMAIN if not.  Names are compared without case and
 * without a trailing dot; names longer than 253 bytes fail, as the real
 * resolver's do.  Not thread-safe: one evaluation at a time.
 */
#ifndef ZM_FAKEDNS_H
#define ZM_FAKEDNS_H

#include <stddef.h>

#define FAKEDNS_T_CNAME		5
#define FAKEDNS_ANY		0	/* fakedns_timeout(): every type */

/* Forget every record. */
void fakedns_clear(void);

/* Add a record of name (rdata in wire form, names uncompressed); false
 * when the table is full. */
int fakedns_add(const char *name, int type, const void *rdata, size_t len);

/* Add a record given as text: "A 192.0.2.1", "AAAA 2001:db8::1",
 * "MX 10 mx.example.net", "PTR host.example.net", "CNAME other.example",
 * "TXT any text" (\xHH and \\ escapes; cut into strings of 255),
 * "TIMEOUT" or "TIMEOUT TYPE".  The name may hold the same escapes.
 * False if malformed or the table is full. */
int fakedns_add_text(const char *name, const char *text);

/* Queries of name of type (or of any type without records) time out. */
int fakedns_timeout(const char *name, int type);

/* Queries sent so far. */
unsigned long fakedns_queries(void);

#endif
