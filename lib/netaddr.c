/*
 * netaddr -- IP addresses and CIDR networks.  See netaddr.h.
 */
#include "zmconfig.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "netaddr.h"

static const uint8_t v4mapped_prefix[12] = {
	0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff
};

static unsigned
family_bits(int family)
{
	return family == AF_INET ? 32 : 128;
}

/* Fold ::ffff:a.b.c.d into plain IPv4. */
static void
unmap_v4(struct netaddr *a)
{
	if (a->family == AF_INET6 &&
	    memcmp(a->bytes, v4mapped_prefix, sizeof(v4mapped_prefix)) == 0) {
		memmove(a->bytes, a->bytes + 12, 4);
		memset(a->bytes + 4, 0, 12);
		a->family = AF_INET;
	}
}

bool
netaddr_from_sockaddr(const struct sockaddr *sa, struct netaddr *out)
{
	memset(out, 0, sizeof(*out));
	if (sa == NULL)
		return false;
	switch (sa->sa_family) {
	case AF_INET:
		out->family = AF_INET;
		memcpy(out->bytes,
		    &((const struct sockaddr_in *)(const void *)sa)->sin_addr, 4);
		return true;
	case AF_INET6:
		out->family = AF_INET6;
		memcpy(out->bytes,
		    &((const struct sockaddr_in6 *)(const void *)sa)->sin6_addr, 16);
		unmap_v4(out);
		return true;
	default:
		return false;
	}
}

bool
netaddr_parse(const char *text, struct netaddr *out)
{
	memset(out, 0, sizeof(*out));
	if (inet_pton(AF_INET, text, out->bytes) == 1) {
		out->family = AF_INET;
		return true;
	}
	if (inet_pton(AF_INET6, text, out->bytes) == 1) {
		out->family = AF_INET6;
		unmap_v4(out);
		return true;
	}
	return false;
}

bool
netaddr_parse_cidr(const char *text, struct netaddr_cidr *out)
{
	char buf[INET6_ADDRSTRLEN + 8];
	const char *slash;
	char *end;
	unsigned long prefix;
	size_t alen;
	bool mapped;

	memset(out, 0, sizeof(*out));
	slash = strchr(text, '/');
	alen = slash != NULL ? (size_t)(slash - text) : strlen(text);
	if (alen == 0 || alen >= sizeof(buf))
		return false;
	memcpy(buf, text, alen);
	buf[alen] = '\0';
	if (!netaddr_parse(buf, &out->addr))
		return false;
	/* A mapped network ::ffff:a.b.c.d/N means the IPv4 network /(N-96). */
	mapped = out->addr.family == AF_INET && strchr(buf, ':') != NULL;
	if (slash == NULL) {
		out->prefix = family_bits(out->addr.family);
		return true;
	}
	if (slash[1] < '0' || slash[1] > '9')
		return false;
	prefix = strtoul(slash + 1, &end, 10);
	if (*end != '\0')
		return false;
	if (mapped) {
		if (prefix < 96 || prefix > 128)
			return false;
		prefix -= 96;
	}
	if (prefix > family_bits(out->addr.family))
		return false;
	out->prefix = (unsigned)prefix;
	netaddr_mask(&out->addr, out->prefix);
	return true;
}

void
netaddr_mask(struct netaddr *addr, unsigned prefix)
{
	unsigned bits = family_bits(addr->family), i;

	for (i = 0; i < bits / 8; i++) {
		if (prefix >= (i + 1) * 8)
			continue;
		if (prefix <= i * 8)
			addr->bytes[i] = 0;
		else
			addr->bytes[i] &= (uint8_t)(0xff << (8 - (prefix - i * 8)));
	}
}

bool
netaddr_in_cidr(const struct netaddr *addr, const struct netaddr_cidr *net)
{
	struct netaddr masked;

	if (addr->family != net->addr.family)
		return false;
	masked = *addr;
	netaddr_mask(&masked, net->prefix);
	return memcmp(masked.bytes, net->addr.bytes, sizeof(masked.bytes)) == 0;
}
