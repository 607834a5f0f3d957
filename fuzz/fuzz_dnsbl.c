/*
 * fuzz_dnsbl -- libFuzzer target: what the DNSBL code makes of a zone's
 * return codes (the configuration's "SPEC CLASS POINTS") and of the
 * answers a DNS server sends (lib/dnsbl.c), and the names it asks.
 *
 * An input is lines: return-code specs, up to an empty line (at most
 * DNSBL_CODES_MAX kept), a domain, then the answers' bytes, 4 to an
 * address (at most 16).  Asserted: a parsed spec has lo <= hi, a class of
 * letters, digits, '_' and '-' that ends within its buffer, and points
 * 0..100000; dnsbl_classify() agrees with a plain reading of its
 * contract (no answer: not listed; any answer outside 127.0.0.0/8 or in
 * 127.255.255.0/24: unknown; else listed, the matching entry worth most,
 * the first of equals, and its answer); the query names end within their
 * buffers, a domain's is lower-cased and made only of host names.  A
 * failed assertion is a finding (abort).
 */
#include "zmconfig.h"

#include <ctype.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "address.h"
#include "dnsbl.h"
#include "netaddr.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* The next line of data (NUL-terminated copy in buf, at most len - 1
 * bytes); false at the end. */
static bool
next_line(const uint8_t **data, size_t *size, char *buf, size_t len)
{
	size_t n = 0;

	if (*size == 0)
		return false;
	while (*size > 0 && **data != '\n') {
		if (n + 1 < len && **data != '\0')
			buf[n++] = (char)**data;
		(*data)++, (*size)--;
	}
	if (*size > 0)
		(*data)++, (*size)--;
	buf[n] = '\0';
	return true;
}

static void
check_code(const struct dnsbl_code *c)
{
	size_t n = strnlen(c->class, DNSBL_CLASS_MAX);

	if (c->lo > c->hi || n == DNSBL_CLASS_MAX || c->points < 0 ||
	    c->points > 100000 || strspn(c->class, "abcdefghijklmnopqrstuvwxyz"
	    "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_-") != n)
		abort();
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct dnsbl_zone zone;
	char line[512], why[256], qname[300], small[16];
	uint32_t addrs[16], code, want_code = 0;
	const struct dnsbl_code *mapped, *want = NULL;
	struct dnsbl_code c;
	enum dnsbl_status st, want_st = DNSBL_LISTED;
	struct netaddr a;
	unsigned n = 0, i, j;
	size_t k;

	memset(&zone, 0, sizeof(zone));
	snprintf(zone.name, sizeof(zone.name), "bl.example.net");
	while (next_line(&data, &size, line, sizeof(line)) && line[0] != '\0') {
		if (!dnsbl_parse_code(line, &c, why, sizeof(why)))
			continue;
		check_code(&c);
		if (zone.ncodes < DNSBL_CODES_MAX)
			zone.codes[zone.ncodes++] = c;
	}
	if (next_line(&data, &size, line, sizeof(line))) {
		bool host = address_is_hostname(line, strlen(line));

		if (dnsbl_domain_qname(line, zone.name, qname, sizeof(qname))) {
			if (!host || strnlen(qname, sizeof(qname)) ==
			    sizeof(qname))
				abort();
			for (k = 0; qname[k] != '\0'; k++)
				if (isupper((unsigned char)qname[k]))
					abort();
		}
		if (dnsbl_domain_qname(line, zone.name, small, sizeof(small)) &&
		    strnlen(small, sizeof(small)) == sizeof(small))
			abort();
	}
	for (; size >= 4 && n < 16; data += 4, size -= 4)
		addrs[n++] = (uint32_t)data[0] << 24 | (uint32_t)data[1] << 16 |
		    (uint32_t)data[2] << 8 | data[3];

	/* The contract, read plainly. */
	if (n == 0)
		want_st = DNSBL_NOT_LISTED;
	for (i = 0; i < n; i++)
		if (addrs[i] >> 24 != 127 || addrs[i] >> 8 == 0x7fffff)
			want_st = DNSBL_UNKNOWN;
	if (want_st == DNSBL_LISTED) {
		want_code = addrs[0];
		for (i = 0; i < n; i++)
			for (j = 0; j < zone.ncodes; j++)
				if (addrs[i] >= zone.codes[j].lo &&
				    addrs[i] <= zone.codes[j].hi &&
				    (want == NULL ||
				    zone.codes[j].points > want->points)) {
					want = &zone.codes[j];
					want_code = addrs[i];
				}
	}
	st = dnsbl_classify(&zone, n > 0 ? addrs : NULL, n, &code, &mapped);
	if (st != want_st || (st == DNSBL_LISTED && (code != want_code ||
	    mapped != want)) || (st != DNSBL_LISTED && mapped != NULL))
		abort();

	/* Query names of the first answer as a client address. */
	memset(&a, 0, sizeof(a));
	a.family = AF_INET;
	memcpy(a.bytes, n > 0 ? (const uint8_t *)&addrs[0] : (const uint8_t *)"\0\0\0\0", 4);
	if (dnsbl_ip_qname(&a, zone.name, qname, sizeof(qname)) &&
	    strnlen(qname, sizeof(qname)) == sizeof(qname))
		abort();
	if (dnsbl_ip_qname(&a, zone.name, small, sizeof(small)) &&
	    strnlen(small, sizeof(small)) == sizeof(small))
		abort();
	a.family = AF_INET6;
	for (i = 0; i < 16; i++)
		a.bytes[i] = (uint8_t)(n > 0 ? addrs[i % n] >> (i % 4 * 8) : i);
	if (dnsbl_ip_qname(&a, zone.name, qname, sizeof(qname)) &&
	    strnlen(qname, sizeof(qname)) == sizeof(qname))
		abort();
	if (dnsbl_ip_qname(&a, zone.name, small, sizeof(small)))
		abort();		/* 64 nibbles cannot fit 16 bytes */
	return 0;
}
