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
#include <time.h>
#include <arpa/inet.h>
#include <arpa/nameser.h>
#include <netinet/in.h>

#include <spf2/spf.h>
#include <spf2/spf_dns.h>

#include "dnsbl.h"
#include "hostkey.h"
#include "spf.h"

#define SENDER_MAX	320	/* RFC 5321: 64 + @ + 255 */
#define NAME_MAX_LEN	255
#define POOL_MAX	64

struct spf {
	struct resolver *resolver;
	SPF_dns_server_t layer;
	pthread_mutex_t lock;
	SPF_server_t *pool[POOL_MAX];	/* idle libspf2 servers */
	unsigned npool;
};

/*
 * The evaluation running in this thread: its deadline, and its count of
 * the lookups of terms (RFC 7208 4.6.4).  Each term that needs DNS (a,
 * mx, ptr, exists, include, redirect) makes one lookup of its own, after
 * the lookup of the sender's record; the addresses of the names an MX or
 * PTR answer gave are looked up for that same term, so those names are
 * remembered and their lookups not counted.
 */
#define TERMS_MAX	10
#define FOLLOWUPS_MAX	64

struct evaluation {
	uint64_t deadline_ms;
	unsigned lookups;
	unsigned nfollowups;
	uint32_t followups[FOLLOWUPS_MAX];	/* name hashes */
};

static __thread struct evaluation eval;

static uint64_t
monotonic_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

static void
quiet(const char *file, int line, const char *msg)
{
	(void)file;
	(void)line;
	(void)msg;
}

/* A name in wire form as dotted text; false if malformed or too long. */
static bool
wire_name(const unsigned char *p, size_t len, char *out, size_t outlen)
{
	size_t i = 0, o = 0, n;

	while (i < len) {
		if ((n = p[i++]) == 0) {
			out[o] = '\0';
			return o > 0;
		}
		if (n > 63 || i + n > len || o + n + 2 > outlen ||
		    o + n > NAME_MAX_LEN || memchr(p + i, '\0', n) != NULL)
			return false;
		if (o > 0)
			out[o++] = '.';
		memcpy(out + o, p + i, n);
		o += n;
		i += n;
	}
	return false;	/* no root label */
}

/* A TXT record's strings joined (RFC 7208 3.3); false if malformed. */
static bool
txt_join(const unsigned char *p, size_t len, char *out, size_t outlen)
{
	size_t i = 0, o = 0, n;

	while (i < len) {
		n = p[i++];
		if (i + n > len || o + n >= outlen)
			return false;
		memcpy(out + o, p + i, n);
		o += n;
		i += n;
	}
	out[o] = '\0';
	return memchr(out, '\0', o) == NULL;
}

/* Remove every exp= modifier from an SPF record, in place. */
static void
strip_exp(char *txt)
{
	char *term = txt, *end;

	if (strncasecmp(txt, "v=spf1", 6) != 0 ||
	    (txt[6] != ' ' && txt[6] != '\0'))
		return;
	while ((term = strchr(term, ' ')) != NULL) {
		while (*term == ' ')
			term++;
		end = term + strcspn(term, " ");
		if (strncasecmp(term, "exp=", 4) == 0)
			memmove(term, end, strlen(end) + 1);
		else
			term = end;
	}
}

/* Is this lookup one of a term's own (counted), not a follow-up? */
static bool
counts_as_term(ns_type type, const char *domain)
{
	uint32_t h = hostkey_hash(domain);
	unsigned i;

	if (type == ns_t_a || type == ns_t_aaaa)
		for (i = 0; i < eval.nfollowups; i++)
			if (eval.followups[i] == h)
				return false;
	return true;
}

static void
followup_add(const char *name)
{
	if (eval.nfollowups < FOLLOWUPS_MAX)
		eval.followups[eval.nfollowups++] = hostkey_hash(name);
}

/* Convert one record to libspf2's form as rr->rr[i]; false if it cannot. */
static bool
add_rr(SPF_dns_rr_t *rr, int i, ns_type type, const unsigned char *data,
    size_t len)
{
	char text[RESOLVER_ANSWER_MAX + 1];
	size_t need;

	switch (type) {
	case ns_t_a:
		if (len != 4 || SPF_dns_rr_buf_realloc(rr, i, 4) != SPF_E_SUCCESS)
			return false;
		memcpy(&rr->rr[i]->a, data, 4);
		return true;
	case ns_t_aaaa:
		if (len != 16 || SPF_dns_rr_buf_realloc(rr, i, 16) != SPF_E_SUCCESS)
			return false;
		memcpy(&rr->rr[i]->aaaa, data, 16);
		return true;
	case ns_t_mx:
		if (len < 3 || !wire_name(data + 2, len - 2, text, sizeof(text)))
			return false;
		followup_add(text);
		break;
	case ns_t_ptr:
		if (!wire_name(data, len, text, sizeof(text)))
			return false;
		followup_add(text);
		break;
	case ns_t_txt:
		if (!txt_join(data, len, text, sizeof(text)))
			return false;
		strip_exp(text);
		break;
	default:
		return false;
	}
	need = strlen(text) + 1;
	if (SPF_dns_rr_buf_realloc(rr, i, need) != SPF_E_SUCCESS)
		return false;
	memcpy(rr->rr[i]->txt, text, need);
	return true;
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
	uint64_t now = monotonic_ms();
	int herrno = TRY_AGAIN, n = 0;

	(void)should_cache;
	if (type == ns_t_spf)
		return SPF_dns_rr_new_init(layer, domain, type, 0, NO_DATA);
	/* Past the 10th term (the sender's record is the first lookup),
	 * out of time, or a name too long: an error, never a match. */
	if ((counts_as_term(type, domain) && ++eval.lookups > TERMS_MAX + 1) ||
	    now >= eval.deadline_ms || strlen(domain) > NAME_MAX_LEN ||
	    (q = resolver_start_type(s->resolver, domain, type)) == NULL)
		return SPF_dns_rr_new_init(layer, domain, type, 0, TRY_AGAIN);
	resolver_wait(s->resolver, &q, 1, (unsigned)(eval.deadline_ms - now));
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
		/* A record we cannot read makes the whole answer unusable:
		 * a temporary error, never a partial set. */
		if (!add_rr(rr, n, type, data, len)) {
			SPF_dns_rr_free(rr);
			rr = SPF_dns_rr_new_init(layer, domain, type, 0, TRY_AGAIN);
			break;
		}
		rr->num_rr = ++n;
	}
	resolver_release(s->resolver, q);
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

/* The bare address of an envelope sender; false for the null sender or
 * one that is not printable ASCII with a domain. */
static bool
bare_sender(const char *sender, char *out, size_t outlen)
{
	size_t n;
	const char *p;

	if (sender == NULL)
		return false;
	if (*sender == '<')
		sender++;
	n = strcspn(sender, ">");
	if (n == 0 || n >= outlen || n > SENDER_MAX)
		return false;
	for (p = sender; p < sender + n; p++)
		if (*p <= ' ' || *p > '~')
			return false;
	memcpy(out, sender, n);
	out[n] = '\0';
	p = strrchr(out, '@');
	return p != NULL && p[1] != '\0';
}

void
spf_prefetch(struct spf *s, const char *sender)
{
	char domain[NAME_MAX_LEN + 1];

	if (dnsbl_sender_domain(sender, domain, sizeof(domain)))
		resolver_release(s->resolver, resolver_start_type(s->resolver,
		    domain, ns_t_txt));
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

enum spf_result
spf_check(struct spf *s, const struct netaddr *addr, const char *helo,
    const char *sender, unsigned budget_ms)
{
	char from[SENDER_MAX + 1];
	SPF_server_t *srv;
	SPF_request_t *req;
	SPF_response_t *resp = NULL;
	enum spf_result result = ZM_SPF_TEMPERROR;
	struct in6_addr a6;
	struct in_addr a4;
	bool set;

	if (addr == NULL || !bare_sender(sender, from, sizeof(from)))
		return ZM_SPF_UNCHECKED;
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
	if (helo != NULL && *helo != '\0')
		SPF_request_set_helo_dom(req, helo);
	if (set && SPF_request_set_env_from(req, from) == 0) {
		memset(&eval, 0, sizeof(eval));
		eval.deadline_ms = monotonic_ms() + budget_ms;
		SPF_request_query_mailfrom(req, &resp);
		if (resp != NULL)
			result = map_result(SPF_response_result(resp));
		/* Out of time: whatever libspf2 made of the failed lookups,
		 * the answer is unknown. */
		if (monotonic_ms() >= eval.deadline_ms)
			result = ZM_SPF_TEMPERROR;
	} else {
		result = ZM_SPF_PERMERROR;
	}
	if (resp != NULL)
		SPF_response_free(resp);
	SPF_request_free(req);
	server_put(s, srv);
	return result;
}

const char *
spf_result_name(enum spf_result r)
{
	static const char *const names[] = { "-", "none", "neutral", "pass",
	    "fail", "softfail", "temperror", "permerror" };

	return (unsigned)r < sizeof(names) / sizeof(names[0]) ? names[r] : "-";
}
