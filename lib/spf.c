/*
 * spf -- SPF through libspf2 with our own DNS layer.  See spf.h.
 */
#include "zmconfig.h"

#include <netdb.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/types.h>
#include <arpa/inet.h>
#include <arpa/nameser.h>
#include <netinet/in.h>

#include <spf2/spf.h>
#include <spf2/spf_dns.h>

#include "address.h"
#include "clock.h"
#include "hostkey.h"
#include "metrics.h"
#include "spf.h"
#include "spfrec.h"

#define POOL_MAX	64

struct spf {
	struct resolver *resolver;
	SPF_dns_server_t layer;
	pthread_mutex_t lock;
	SPF_server_t *pool[POOL_MAX];	/* idle libspf2 servers */
	unsigned npool;
};

/*
 * The evaluation running in this thread (libspf2 calls the layer from
 * it): its deadline, the session's quota, the values the records' macros
 * expand to (spfrec.h), the rule a record broke if one did, and the count
 * of the lookups of terms (RFC 7208 4.6.4).  Each term that needs DNS (a,
 * mx, ptr, exists, include, redirect) makes one lookup of its own, after
 * the lookup of the sender's record; the addresses of the names an MX or
 * PTR answer gave are looked up for that same term, so those names are
 * remembered and their lookups not counted.
 */
#define TERMS_MAX	10
#define FOLLOWUPS_MAX	64

struct evaluation {
	uint64_t deadline_ms;
	struct resolver_quota *quota;	/* the session's */
	unsigned lookups;
	bool ptr_counted;		/* the client's name was asked */
	unsigned nfollowups;
	uint32_t followups[FOLLOWUPS_MAX];	/* name hashes */
	struct spfrec_values values;	/* for the records' macros */
	char ip[64];			/* %{i} */
	char local[ADDRESS_LOCAL_MAX + 1];
	const char *refused;		/* a record broke a rule: why */
	char refused_domain[ADDRESS_DOMAIN_KEPT + 1];	/* whose record */
};

static __thread struct evaluation eval;

static void
quiet(const char *file, int line, const char *msg)
{
	(void)file;
	(void)line;
	(void)msg;
}

/* A name in wire form as dotted text; false if malformed, too long, or
 * not a host name (libspf2 may expand it as %{p}: printable bytes only). */
static bool
wire_name(const unsigned char *p, size_t len, char *out, size_t outlen)
{
	size_t i = 0, o = 0, n;

	while (i < len) {
		if ((n = p[i++]) == 0) {
			out[o] = '\0';
			return o > 0 && address_is_hostname(out, o);
		}
		if (n > 63 || i + n > len || o + n + 2 > outlen)
			return false;
		if (o > 0)
			out[o++] = '.';
		memcpy(out + o, p + i, n);
		o += n;
		i += n;
	}
	return false;	/* no root label */
}

/* A TXT record's strings joined (RFC 7208 3.3) into out; its length, or
 * -1 if malformed. */
static ssize_t
txt_join(const unsigned char *p, size_t len, char *out, size_t outlen)
{
	size_t i = 0, o = 0, n;

	while (i < len) {
		n = p[i++];
		if (i + n > len || o + n >= outlen)
			return -1;
		memcpy(out + o, p + i, n);
		o += n;
		i += n;
	}
	out[o] = '\0';
	return (ssize_t)o;
}

/* Is this lookup one of a term's own (counted), not a follow-up?  The
 * client's name (PTR) counts once: for ptr, and %{p} is no term. */
static bool
counts_as_term(ns_type type, const char *domain)
{
	uint32_t h = hostkey_hash(domain);
	unsigned i;

	if (type == ns_t_ptr) {
		if (eval.ptr_counted)
			return false;
		eval.ptr_counted = true;
	}
	if (type == ns_t_a || type == ns_t_aaaa)
		for (i = 0; i < eval.nfollowups; i++)
			if (eval.followups[i] == h)
				return false;
	return true;
}

/* The evaluation is in error: a record of domain broke a rule. */
static void
refuse(const char *domain, const char *why)
{
	eval.refused = why;
	snprintf(eval.refused_domain, sizeof(eval.refused_domain), "%s",
	    domain);
}

static void
followup_add(const char *name)
{
	if (eval.nfollowups < FOLLOWUPS_MAX)
		eval.followups[eval.nfollowups++] = hostkey_hash(name);
}

/* How one record of an answer went. */
enum rr_outcome {
	RR_ADDED,
	RR_SKIPPED,		/* a TXT record that is not SPF */
	RR_BAD			/* unreadable, or an SPF record refused */
};

/* Convert one record to libspf2's form as rr->rr[i].  A TXT record is
 * checked (spfrec.h) as the record of domain. */
static enum rr_outcome
add_rr(SPF_dns_rr_t *rr, int i, ns_type type, const char *domain,
    const unsigned char *data, size_t len)
{
	char text[RESOLVER_ANSWER_MAX + 1];
	const char *why;
	ssize_t tlen;
	size_t need;

	switch (type) {
	case ns_t_a:
		if (len != 4 || SPF_dns_rr_buf_realloc(rr, i, 4) != SPF_E_SUCCESS)
			return RR_BAD;
		memcpy(&rr->rr[i]->a, data, 4);
		return RR_ADDED;
	case ns_t_aaaa:
		if (len != 16 || SPF_dns_rr_buf_realloc(rr, i, 16) != SPF_E_SUCCESS)
			return RR_BAD;
		memcpy(&rr->rr[i]->aaaa, data, 16);
		return RR_ADDED;
	case ns_t_mx:
		/* A name that is no host name is no mail exchanger. */
		if (len < 3 || !wire_name(data + 2, len - 2, text, sizeof(text)))
			return RR_SKIPPED;
		followup_add(text);
		break;
	case ns_t_ptr:
		if (!wire_name(data, len, text, sizeof(text)))
			return RR_SKIPPED;
		followup_add(text);
		break;
	case ns_t_txt:
		if ((tlen = txt_join(data, len, text, sizeof(text))) < 0)
			return RR_BAD;
		/* Rewritten in place: what libspf2 gets is what passed. */
		eval.values.domain = domain;
		switch (spfrec_check(text, (size_t)tlen, &eval.values, text,
		    sizeof(text), &why)) {
		case SPFREC_NOT_SPF:
			return RR_SKIPPED;
		case SPFREC_INVALID:
			refuse(domain, why);
			return RR_BAD;
		case SPFREC_OK:
			break;
		}
		break;
	default:
		return RR_BAD;
	}
	need = strlen(text) + 1;
	if (SPF_dns_rr_buf_realloc(rr, i, need) != SPF_E_SUCCESS)
		return RR_BAD;
	memcpy(rr->rr[i]->txt, text, need);
	return RR_ADDED;
}

static SPF_dns_rr_t *
layer_lookup(SPF_dns_server_t *layer, const char *domain, ns_type type,
    int should_cache)
{
	struct spf *s = layer->hook;
	struct resolver_query *q;
	SPF_dns_rr_t *rr;
	const unsigned char *data;
	size_t pos = 0, len;
	uint64_t now = clock_monotonic_ms();
	int herrno = TRY_AGAIN, n = 0;

	(void)should_cache;
	if (type == ns_t_spf)
		return SPF_dns_rr_new_init(layer, domain, type, 0, NO_DATA);
	/* Past the 10th term (the sender's record is the first lookup) the
	 * record is in error (RFC 7208 4.6.4: permerror); out of time, an
	 * error too: never a match. */
	if (eval.refused == NULL && counts_as_term(type, domain) &&
	    ++eval.lookups > TERMS_MAX + 1)
		refuse(domain, "more than 10 terms that look up DNS");
	if (now >= eval.deadline_ms && eval.refused == NULL)
		metrics_count(METRICS_DNS_BUDGET_OVERRUNS, 1);
	if (now >= eval.deadline_ms || eval.refused != NULL ||
	    (q = resolver_start(s->resolver, domain, type, eval.quota)) == NULL)
		return SPF_dns_rr_new_init(layer, domain, type, 0, TRY_AGAIN);
	if (!resolver_wait(s->resolver, &q, 1, (unsigned)(eval.deadline_ms -
	    now)))
		metrics_count(METRICS_DNS_BUDGET_OVERRUNS, 1);
	switch (resolver_status(s->resolver, q)) {
	case RESOLVER_ANSWER:
		herrno = NETDB_SUCCESS;
		break;
	case RESOLVER_NXDOMAIN:
		herrno = HOST_NOT_FOUND;
		break;
	case RESOLVER_NODATA:
		herrno = NO_DATA;
		break;
	case RESOLVER_PENDING:
	case RESOLVER_FAILED:
		break;
	}
	rr = SPF_dns_rr_new_init(layer, domain, type, 0, herrno);
	while (rr != NULL && herrno == NETDB_SUCCESS &&
	    resolver_rr_next(q, &pos, &data, &len)) {
		switch (add_rr(rr, n, type, domain, data, len)) {
		case RR_ADDED:
			rr->num_rr = ++n;
			break;
		case RR_SKIPPED:
			break;
		case RR_BAD:
			/* A record we cannot read makes the whole answer
			 * unusable: an error, never a partial set (and a
			 * refused SPF record stops the evaluation). */
			herrno = TRY_AGAIN;
			break;
		}
	}
	resolver_release(s->resolver, q);
	/* RFC 7208 4.5: two SPF records are a permerror. */
	if (herrno == NETDB_SUCCESS && type == ns_t_txt && n > 1)
		refuse(domain, "two SPF records");
	if (eval.refused != NULL)
		herrno = TRY_AGAIN;
	else if (herrno == NETDB_SUCCESS && n == 0)
		herrno = NO_DATA;	/* TXT records, none of them SPF */
	if (rr != NULL && rr->herrno != herrno) {
		SPF_dns_rr_free(rr);
		rr = SPF_dns_rr_new_init(layer, domain, type, 0, herrno);
	}
	return rr;
}

struct spf *
spf_new(struct resolver *resolver)
{
	struct spf *s = calloc(1, sizeof(*s));

	if (s == NULL)
		return NULL;
	s->resolver = resolver;
	s->layer.destroy = NULL;	/* ours, shared by every server */
	s->layer.lookup = layer_lookup;
	s->layer.name = "zombie-milter";
	s->layer.hook = s;
	pthread_mutex_init(&s->lock, NULL);
	/* Warnings may quote records: nothing client-made is logged raw. */
	SPF_warning_handler = quiet;
	SPF_info_handler = quiet;
	SPF_debug_handler = quiet;
	return s;
}

void
spf_free(struct spf *s)
{
	unsigned i;

	if (s == NULL)
		return;
	for (i = 0; i < s->npool; i++)
		SPF_server_free(s->pool[i]);
	pthread_mutex_destroy(&s->lock);
	free(s);
}

static SPF_server_t *
server_get(struct spf *s)
{
	SPF_server_t *srv = NULL;
	SPF_response_t *resp = NULL;

	pthread_mutex_lock(&s->lock);
	if (s->npool > 0)
		srv = s->pool[--s->npool];
	pthread_mutex_unlock(&s->lock);
	if (srv != NULL)
		return srv;
	if ((srv = SPF_server_new_dns(&s->layer, 0)) == NULL)
		return NULL;
	/* No macros in the default explanation either. */
	SPF_server_set_explanation(srv, "not permitted", &resp);
	if (resp != NULL)	/* libspf2's free is not NULL-safe */
		SPF_response_free(resp);
	return srv;
}

static void
server_put(struct spf *s, SPF_server_t *srv)
{
	pthread_mutex_lock(&s->lock);
	if (s->npool < POOL_MAX) {
		s->pool[s->npool++] = srv;
		srv = NULL;
	}
	pthread_mutex_unlock(&s->lock);
	if (srv != NULL)
		SPF_server_free(srv);
}

void
spf_prefetch(struct spf *s, const char *sender, struct resolver_quota *quota)
{
	char domain[ADDRESS_DOMAIN_KEPT + 1];

	if (address_domain(sender, domain, sizeof(domain)) &&
	    address_is_hostname(domain, strlen(domain)))
		resolver_release(s->resolver, resolver_start(s->resolver,
		    domain, ns_t_txt, quota));
}

static enum spf_result
map_result(SPF_result_t r)
{
	switch (r) {
	case SPF_RESULT_PASS:
		return ZM_SPF_PASS;
	case SPF_RESULT_FAIL:
		return ZM_SPF_FAIL;
	case SPF_RESULT_SOFTFAIL:
		return ZM_SPF_SOFTFAIL;
	case SPF_RESULT_NEUTRAL:
		return ZM_SPF_NEUTRAL;
	case SPF_RESULT_NONE:
		return ZM_SPF_NONE;
	case SPF_RESULT_PERMERROR:
		return ZM_SPF_PERMERROR;
	case SPF_RESULT_TEMPERROR:
	case SPF_RESULT_INVALID:
	default:
		return ZM_SPF_TEMPERROR;
	}
}

/* The evaluation's values for the records' macros (spfrec.h), from
 * from ("local@domain", address_sender(); at its '@'), the client and
 * the HELO. */
static void
values_set(const char *from, const char *at, const struct netaddr *addr,
    const char *helo)
{
	static const char hex[] = "0123456789abcdef";
	char *p = eval.ip;
	int i;

	snprintf(eval.local, sizeof(eval.local), "%.*s", (int)(at - from), from);
	eval.values.sender = from;
	eval.values.local = eval.local;
	eval.values.sender_domain = at + 1;
	eval.values.helo = helo;
	eval.values.ipv6 = addr->family == AF_INET6;
	eval.values.ip = eval.ip;
	if (addr->family == AF_INET) {
		inet_ntop(AF_INET, addr->bytes, eval.ip, sizeof(eval.ip));
		return;
	}
	for (i = 0; i < 16; i++) {
		*p++ = hex[addr->bytes[i] >> 4];
		*p++ = '.';
		*p++ = hex[addr->bytes[i] & 0xf];
		*p++ = i < 15 ? '.' : '\0';
	}
}

/* Is the HELO name fit for libspf2 (%{h}): printable, no longer than a
 * name? */
static bool
helo_usable(const char *helo)
{
	size_t i;

	for (i = 0; helo != NULL && helo[i] != '\0'; i++)
		if (helo[i] <= ' ' || helo[i] > '~' || i >= ADDRESS_DOMAIN_MAX)
			return false;
	return helo != NULL && i > 0;
}

/* Run one evaluation of req within budget_ms. */
static enum spf_result
evaluate(SPF_request_t *req, unsigned budget_ms)
{
	SPF_response_t *resp = NULL;
	enum spf_result result = ZM_SPF_TEMPERROR;

	eval.deadline_ms = clock_monotonic_ms() + budget_ms;
	SPF_request_query_mailfrom(req, &resp);
	if (resp != NULL) {
		result = map_result(SPF_response_result(resp));
		SPF_response_free(resp);
	}
	/* A record broke a rule: whatever libspf2 made of the lookup we
	 * failed, the record is in error.  Out of time: unknown. */
	if (eval.refused != NULL)
		result = ZM_SPF_PERMERROR;
	else if (clock_monotonic_ms() >= eval.deadline_ms)
		result = ZM_SPF_TEMPERROR;
	return result;
}

enum spf_result
spf_check(struct spf *s, const struct netaddr *addr, const char *helo,
    const char *sender, unsigned budget_ms, struct resolver_quota *quota)
{
	char from[ADDRESS_MAX];
	SPF_server_t *srv;
	SPF_request_t *req;
	enum spf_result result = ZM_SPF_PERMERROR;
	struct in6_addr a6;
	struct in_addr a4;
	const char *at;
	bool set;

	memset(&eval, 0, sizeof(eval));
	if (addr == NULL || !address_sender(sender, from))
		return ZM_SPF_UNCHECKED;
	/* RFC 7208 4.3: a malformed domain has no policy. */
	at = strrchr(from, '@');
	if (!address_is_hostname(at + 1, strlen(at + 1)))
		return ZM_SPF_NONE;
	if ((srv = server_get(s)) == NULL)
		return ZM_SPF_TEMPERROR;
	if ((req = SPF_request_new(srv)) == NULL) {
		server_put(s, srv);
		return ZM_SPF_TEMPERROR;
	}
	if (addr->family == AF_INET) {
		memcpy(&a4, addr->bytes, 4);
		set = SPF_request_set_ipv4(req, a4) == SPF_E_SUCCESS;
	} else {
		memcpy(&a6, addr->bytes, 16);
		set = SPF_request_set_ipv6(req, a6) == SPF_E_SUCCESS;
	}
	eval.quota = quota;
	if (!helo_usable(helo))
		helo = NULL;
	else
		SPF_request_set_helo_dom(req, helo);
	values_set(from, at, addr, helo);
	if (set && SPF_request_set_env_from(req, from) == 0)
		result = evaluate(req, budget_ms);
	SPF_request_free(req);
	server_put(s, srv);
	return result;
}

const char *
spf_last_refusal(char domain[ADDRESS_DOMAIN_KEPT + 1])
{
	if (eval.refused != NULL)
		memcpy(domain, eval.refused_domain, sizeof(eval.refused_domain));
	return eval.refused;
}

const char *
spf_result_name(enum spf_result r)
{
	static const char *const names[] = { "-", "none", "neutral", "pass",
	    "fail", "softfail", "temperror", "permerror" };

	return (unsigned)r < sizeof(names) / sizeof(names[0]) ? names[r] : "-";
}
