/*
 * hostkey -- canonical host and user keys.  See hostkey.h.
 */
#include "zmconfig.h"

#include <arpa/inet.h>
#include <stdio.h>
#include <string.h>

#include "hostkey.h"

void
hostkey_format(const struct netaddr *addr, unsigned ipv4_prefix,
    unsigned ipv6_prefix, char buf[HOSTKEY_MAX])
{
	struct netaddr masked = *addr;
	unsigned prefix, full;
	size_t len;

	if (addr->family == AF_INET) {
		prefix = ipv4_prefix;
		full = 32;
	} else {
		prefix = ipv6_prefix;
		full = 128;
	}
	netaddr_mask(&masked, prefix);
	inet_ntop(masked.family, masked.bytes, buf, HOSTKEY_MAX);
	/* A full-length IPv4 key is the bare address, as operators write it. */
	if (prefix < full || masked.family == AF_INET6) {
		len = strlen(buf);
		snprintf(buf + len, HOSTKEY_MAX - len, "/%u", prefix);
	}
}

static bool
login_is_safe(const char *login, size_t len)
{
	static const char safe[] = "abcdefghijklmnopqrstuvwxyz"
	    "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789@._+-";
	size_t i;

	if (len > HOSTKEY_LOGIN_MAX)
		return false;
	for (i = 0; i < len; i++)
		if (login[i] == '\0' || strchr(safe, login[i]) == NULL)
			return false;
	return true;
}

bool
hostkey_user(const char *login, char buf[USERKEY_MAX])
{
	static const char hex[] = "0123456789abcdef";
	size_t len, i;
	char *p;

	if (login == NULL || *login == '\0')
		return false;
	len = strlen(login);
	if (login_is_safe(login, len)) {
		snprintf(buf, USERKEY_MAX, "user:%s", login);
		return true;
	}
	if (len > HOSTKEY_LOGIN_MAX)
		len = HOSTKEY_LOGIN_MAX;
	p = buf + sizeof("user:=") - 1;
	memcpy(buf, "user:=", sizeof("user:=") - 1);
	for (i = 0; i < len; i++) {
		*p++ = hex[(unsigned char)login[i] >> 4];
		*p++ = hex[(unsigned char)login[i] & 0xf];
	}
	*p = '\0';
	return true;
}

uint64_t
hostkey_hash(const char *key)
{
	uint64_t h = 14695981039346656037ULL;

	for (; *key != '\0'; key++) {
		h ^= (unsigned char)*key;
		h *= 1099511628211ULL;
	}
	return h;
}
