/*
 * fakedns -- the resolver over a table in memory.  See fakedns.h.
 */
#include "zmconfig.h"

#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <arpa/inet.h>
#include <string.h>
#include <strings.h>

#include "fakedns.h"
#include "resolver.h"

#define RECORDS_MAX	512
#define NAME_LEN	(RESOLVER_NAME_MAX + 2)
#define TIMEOUT_TYPE	-1

struct record {
	char name[NAME_LEN];
	int type;			/* TIMEOUT_TYPE: a timeout mark */
	int timeout_of;			/* with it: the type, or FAKEDNS_ANY */
	unsigned char *rdata;
	size_t len;
};

struct resolver_query {
	enum resolver_status status;
	unsigned char *rrs;		/* 2-byte length, rdata; ... */
	size_t len;
};

static struct record table[RECORDS_MAX];
static unsigned nrecords;
static unsigned long queries;

void
fakedns_clear(void)
{
	unsigned i;

	for (i = 0; i < nrecords; i++)
		free(table[i].rdata);
	nrecords = 0;
}

static int
add(const char *name, int type, int timeout_of, const void *rdata,
    size_t len)
{
	struct record *r;
	size_t n = strlen(name);

	if (nrecords == RECORDS_MAX || n >= NAME_LEN || len > 65535)
		return 0;
	r = &table[nrecords];
	memcpy(r->name, name, n + 1);
	if (n > 0 && r->name[n - 1] == '.')
		r->name[n - 1] = '\0';
	r->type = type;
	r->timeout_of = timeout_of;
	r->len = len;
	if ((r->rdata = malloc(len ? len : 1)) == NULL)
		return 0;
	if (len > 0)
		memcpy(r->rdata, rdata, len);
	nrecords++;
	return 1;
}

int
fakedns_add(const char *name, int type, const void *rdata, size_t len)
{
	return add(name, type, 0, rdata, len);
}

int
fakedns_timeout(const char *name, int type)
{
	return add(name, TIMEOUT_TYPE, type, "", 0);
}

/* A name as wire labels into out; its length, 0 if it does not fit. */
static size_t
wire(const char *name, unsigned char *out, size_t outlen)
{
	size_t o = 0, n;

	while (*name != '\0') {
		n = strcspn(name, ".");
		if (n > 63 || o + n + 2 > outlen)
			return 0;
		if (n > 0) {
			out[o++] = (unsigned char)n;
			memcpy(out + o, name, n);
			o += n;
		}
		name += n + (name[n] == '.');
	}
	out[o++] = 0;
	return o;
}

/* Decode \xHH and \\ in text into out (not terminated); the length. */
static size_t
unescape(const char *text, unsigned char *out, size_t outlen)
{
	size_t o = 0;
	unsigned v;

	while (*text != '\0' && o < outlen) {
		if (text[0] == '\\' && text[1] == 'x' &&
		    sscanf(text + 2, "%2x", &v) == 1 && strlen(text) >= 4) {
			out[o++] = (unsigned char)v;
			text += 4;
		} else if (text[0] == '\\' && text[1] == '\\') {
			out[o++] = '\\';
			text += 2;
		} else {
			out[o++] = (unsigned char)*text++;
		}
	}
	return o;
}

static const struct {
	const char *name;
	int type;
} types[] = {
	{ "A", 1 }, { "CNAME", FAKEDNS_T_CNAME }, { "PTR", 12 }, { "MX", 15 },
	{ "TXT", 16 }, { "AAAA", 28 },
};

static int
type_of(const char *name, size_t len)
{
	size_t i;

	for (i = 0; i < sizeof(types) / sizeof(types[0]); i++)
		if (strlen(types[i].name) == len &&
		    strncasecmp(types[i].name, name, len) == 0)
			return types[i].type;
	return -1;
}

int
fakedns_add_text(const char *escaped_name, const char *text)
{
	unsigned char raw[65535], rdata[65535 + 256];
	size_t n = strcspn(text, " "), len = 0, i, chunk;
	const char *value = text + n + (text[n] == ' ');
	int type;
	unsigned pref;
	char host[NAME_LEN], name[NAME_LEN];

	name[unescape(escaped_name, (unsigned char *)name, sizeof(name) - 1)] =
	    '\0';
	if (n == 7 && strncasecmp(text, "TIMEOUT", 7) == 0)
		return fakedns_timeout(name, *value == '\0' ? FAKEDNS_ANY
		    : type_of(value, strlen(value)));
	type = type_of(text, n);
	/* The value may hold escapes, as any byte; for the types other
	 * than TXT it is text, and ends at a NUL. */
	n = unescape(value, raw, sizeof(raw) - 1);
	raw[n] = '\0';
	value = (const char *)raw;
	switch (type) {
	case 1:
		len = inet_pton(AF_INET, value, rdata) == 1 ? 4 : 0;
		break;
	case 28:
		len = inet_pton(AF_INET6, value, rdata) == 1 ? 16 : 0;
		break;
	case 15:
		if (sscanf(value, "%u %254s", &pref, host) != 2 || pref > 65535)
			return 0;
		rdata[0] = (unsigned char)(pref >> 8);
		rdata[1] = (unsigned char)pref;
		len = (n = wire(host, rdata + 2, sizeof(rdata) - 2)) ? n + 2 : 0;
		break;
	case 12:
	case FAKEDNS_T_CNAME:
		len = wire(value, rdata, sizeof(rdata));
		break;
	case 16:
		for (i = 0; i == 0 || i < n; i += chunk) {
			chunk = n - i > 255 ? 255 : n - i;
			rdata[len++] = (unsigned char)chunk;
			memcpy(rdata + len, raw + i, chunk);
			len += chunk;
			if (chunk == 0)
				break;
		}
		break;
	default:
		return 0;
	}
	return len > 0 && fakedns_add(name, type, rdata, len);
}

unsigned long
fakedns_queries(void)
{
	return queries;
}

static bool
same_name(const char *table_name, const char *qname)
{
	size_t n = strlen(qname);

	if (n > 0 && qname[n - 1] == '.')
		n--;
	return strlen(table_name) == n && strncasecmp(table_name, qname, n) == 0;
}

/* Append the rdata of name's records of type to q; how many. */
static unsigned
collect(struct resolver_query *q, const char *name, int type)
{
	unsigned i, n = 0;
	unsigned char *p;

	for (i = 0; i < nrecords; i++) {
		if (table[i].type != type || !same_name(table[i].name, name))
			continue;
		if ((p = realloc(q->rrs, q->len + 2 + table[i].len)) == NULL)
			break;
		q->rrs = p;
		p += q->len;
		*p++ = (unsigned char)(table[i].len >> 8);
		*p++ = (unsigned char)table[i].len;
		memcpy(p, table[i].rdata, table[i].len);
		q->len += 2 + table[i].len;
		n++;
	}
	return n;
}

/* The target of name's CNAME as text, or NULL. */
static const char *
cname_of(const char *name, char *buf, size_t len)
{
	size_t i, o = 0, n;
	unsigned r;

	for (r = 0; r < nrecords; r++) {
		if (table[r].type != FAKEDNS_T_CNAME ||
		    !same_name(table[r].name, name))
			continue;
		for (i = 0; i < table[r].len && (n = table[r].rdata[i]) != 0;
		    i += n + 1) {
			if (i + 1 + n > table[r].len || o + n + 2 > len)
				return NULL;
			if (o > 0)
				buf[o++] = '.';
			memcpy(buf + o, table[r].rdata + i + 1, n);
			o += n;
		}
		buf[o] = '\0';
		return buf;
	}
	return NULL;
}

static enum resolver_status
answer(struct resolver_query *q, const char *name, int type, int depth)
{
	char target[NAME_LEN];
	const char *cname;
	bool exists = false;
	unsigned i;

	if (collect(q, name, type) > 0)
		return RESOLVER_ANSWER;
	for (i = 0; i < nrecords; i++) {
		if (!same_name(table[i].name, name))
			continue;
		if (table[i].type == TIMEOUT_TYPE && (table[i].timeout_of ==
		    FAKEDNS_ANY || table[i].timeout_of == type))
			return RESOLVER_FAILED;
		exists = true;
	}
	if (depth == 0 && (cname = cname_of(name, target, sizeof(target))))
		return answer(q, cname, type, 1);
	return exists ? RESOLVER_NODATA : RESOLVER_NXDOMAIN;
}

struct resolver_query *
resolver_start(struct resolver *r, const char *qname, int qtype,
    struct resolver_quota *quota)
{
	struct resolver_query *q = calloc(1, sizeof(*q));
	size_t n;

	(void)r;
	(void)quota;
	if (q == NULL)
		return NULL;
	queries++;
	n = strlen(qname);
	if (n > 0 && qname[n - 1] == '.')
		n--;
	q->status = n > RESOLVER_NAME_MAX ? RESOLVER_FAILED
	    : answer(q, qname, qtype, 0);
	return q;
}

bool
resolver_wait(struct resolver *r, struct resolver_query *const qs[], size_t n,
    unsigned budget_ms)
{
	(void)r;
	(void)qs;
	(void)n;
	(void)budget_ms;
	return true;	/* every answer is there at once */
}

enum resolver_status
resolver_status(struct resolver *r, const struct resolver_query *q)
{
	(void)r;
	return q->status;
}

bool
resolver_rr_next(const struct resolver_query *q, size_t *pos,
    const unsigned char **rr, size_t *len)
{
	size_t n;

	if (q->rrs == NULL || *pos + 2 > q->len)
		return false;
	n = (size_t)q->rrs[*pos] << 8 | q->rrs[*pos + 1];
	if (*pos + 2 + n > q->len)
		return false;
	*rr = q->rrs + *pos + 2;
	*len = n;
	*pos += 2 + n;
	return true;
}

void
resolver_release(struct resolver *r, struct resolver_query *q)
{
	(void)r;
	if (q != NULL) {
		free(q->rrs);
		free(q);
	}
}
