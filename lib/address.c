/*
 * address -- envelope addresses and host names.  See address.h.
 */
#include "zmconfig.h"

#include <ctype.h>
#include <stdio.h>
#include <string.h>

#include "address.h"

/* The domain of address: where it starts and how long it is. */
static bool
find_domain(const char *address, const char **domain, size_t *len)
{
	const char *at, *end;

	/* A domain holds no '@': the last one ends the local part, however
	 * the local part is quoted. */
	if (address == NULL || (at = strrchr(address, '@')) == NULL)
		return false;
	at++;
	if ((end = strchr(at, '>')) == NULL)
		end = at + strlen(at);
	*domain = at;
	*len = (size_t)(end - at);
	return *len > 0;
}

bool
address_domain(const char *address, char *buf, size_t len)
{
	const char *domain;
	size_t n;

	if (len == 0 || !find_domain(address, &domain, &n))
		return false;
	if (n >= len)
		n = len - 1;
	memcpy(buf, domain, n);
	buf[n] = '\0';
	return true;
}

/* A local part fit for SPF's macros: 1..64 bytes of RFC 5321's atext
 * and dots (a dot-atom, but for where the dots stand). */
static bool
plain_local(const char *local, size_t len)
{
	static const char atext[] = "abcdefghijklmnopqrstuvwxyz"
	    "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789!#$%&'*+-/=?^_`{|}~.";
	size_t i;

	if (len == 0 || len > ADDRESS_LOCAL_MAX)
		return false;
	for (i = 0; i < len; i++)
		if (local[i] == '\0' || strchr(atext, local[i]) == NULL)
			return false;
	return true;
}

bool
address_sender(const char *address, char out[ADDRESS_MAX])
{
	const char *domain, *local, *at;
	size_t n;

	*out = '\0';
	if (!find_domain(address, &domain, &n))
		return false;
	at = domain - 1;
	local = address + (*address == '<');
	/* A source route ("@a,@b:user@c") is no part of the local part. */
	if (*local == '@' && memchr(local, ':', (size_t)(at - local)) != NULL)
		local = (const char *)memchr(local, ':', (size_t)(at - local)) + 1;
	if (n > ADDRESS_DOMAIN_KEPT)
		n = ADDRESS_DOMAIN_KEPT;
	if (plain_local(local, (size_t)(at - local)))
		snprintf(out, ADDRESS_MAX, "%.*s@%.*s", (int)(at - local), local,
		    (int)n, domain);
	else
		snprintf(out, ADDRESS_MAX, "postmaster@%.*s", (int)n, domain);
	return true;
}

bool
address_is_hostname(const char *name, size_t len)
{
	size_t i, label = 0, last = 0, labels = 1;

	if (len > 0 && name[len - 1] == '.')
		len--;
	if (len == 0 || len > ADDRESS_DOMAIN_MAX)
		return false;
	for (i = 0; i < len; i++) {
		unsigned char c = (unsigned char)name[i];

		if (c == '.') {
			if (label == 0)
				return false;
			label = 0;
			last = i + 1;
			labels++;
		} else if (isalnum(c) || c == '-' || c == '_') {
			if (++label > 63)
				return false;
		} else {
			return false;	/* a literal, a space, a byte */
		}
	}
	/* No top-level domain is numeric: "192.0.2.1" is an address. */
	return label > 0 && labels > 1 &&
	    strspn(name + last, "0123456789") < len - last;
}
