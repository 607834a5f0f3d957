/*
 * session -- an SMTP session's facts, fed by the callbacks or by -t.
 * See session.h.
 */
#include "zmconfig.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "address.h"
#include "behaviour.h"
#include "clock.h"
#include "fingerprint.h"
#include "hostkey.h"
#include "log.h"
#include "logesc.h"
#include "metrics.h"
#include "resolver.h"
#include "session.h"

#define QUEUE_ID_MAX	64
#define NAME_MAX_LEN	255
#define BODY_HASHED_MAX	(1024 * 1024)	/* the rest is skipped */

struct message {
	char user[USERKEY_MAX];		/* "" if not authenticated */
	char queue_id[QUEUE_ID_MAX];	/* as the MTA sent it, unescaped */
	char from[ADDRESS_MAX];		/* address_sender(); "" if none */
	unsigned rcpts;
	unsigned rejected;
	bool block_unknown;		/* MAIL FROM's quarantine check failed */
	struct domain_set domains;
	struct fingerprint *fp;
	size_t body_seen;
	struct dnsbl_lookups *from_lookups;	/* MAIL FROM domain */
};

struct session {
	const struct session_env *env;
	bool has_addr;
	struct netaddr addr;
	char host[HOSTKEY_MAX];		/* "" if no usable address */
	char prefix[HOSTKEY_MAX];	/* its delegated prefix, "" if none */
	char network[HOSTKEY_MAX];	/* its network, for a login's spread */
	char helo[NAME_MAX_LEN + 1];	/* "" if none (or too long) */
	char mta_name[NAME_MAX_LEN + 1];
	struct dnsbl_lookups *client;	/* started at CONNECT */
	struct dnsbl_lookups *helo_lookups;	/* started at HELO */
	struct resolver_quota *quota;	/* NULL without DNS lookups */
	struct message msg;
};

struct session *
session_new(const struct session_env *env)
{
	struct session *s = calloc(1, sizeof(*s));

	if (s == NULL)
		return NULL;
	s->env = env;
	if (env->resolver != NULL &&
	    (s->quota = resolver_quota_new(SESSION_QUERIES_MAX)) == NULL) {
		free(s);
		return NULL;
	}
	return s;
}

static void
msg_reset(struct session *s)
{
	if (s->env->dnsbl != NULL)
		dnsbl_lookups_free(s->env->dnsbl, s->msg.from_lookups);
	fingerprint_free(s->msg.fp);
	memset(&s->msg, 0, sizeof(s->msg));
}

void
session_free(struct session *s)
{
	if (s == NULL)
		return;
	msg_reset(s);
	if (s->env->dnsbl != NULL) {
		dnsbl_lookups_free(s->env->dnsbl, s->client);
		dnsbl_lookups_free(s->env->dnsbl, s->helo_lookups);
	}
	if (s->quota != NULL)
		resolver_quota_free(s->env->resolver, s->quota);
	free(s);
}

/* Replace a set of lookups by a new, empty one (NULL without DNSBLs). */
static struct dnsbl_lookups *
lookups_renew(struct session *s, struct dnsbl_lookups *old)
{
	if (s->env->dnsbl == NULL)
		return NULL;
	dnsbl_lookups_free(s->env->dnsbl, old);
	return dnsbl_lookups_new(s->quota);
}

/* Say once per session that its DNS queries hit their cap. */
static void
quota_report(const struct session *s)
{
	char qid[SESSION_QID_MAX];

	if (s->quota != NULL && resolver_quota_newly_hit(s->quota))
		log_write(LOG_WARNING, "%s: host %s: more than %u DNS queries in "
		    "flight in one session; its further lookups are unknown",
		    session_queue_id(s, qid), s->host[0] ? s->host : "-",
		    SESSION_QUERIES_MAX);
}

/* Say, at debug level, which record made SPF a permerror and why. */
static void
spf_report(const struct session *s)
{
	char domain[ADDRESS_DOMAIN_KEPT + 1], esc[4 * sizeof(domain)];
	char qid[SESSION_QID_MAX];
	const char *why = spf_last_refusal(domain);

	if (why != NULL)
		log_write(LOG_DEBUG, "%s: spf: the record of %s is refused: %s",
		    session_queue_id(s, qid), logesc(esc, sizeof(esc), domain),
		    why);
}

/* Copy a client-supplied name if it fits, else keep none. */
static void
take_name(char *dst, size_t len, const char *name)
{
	if (name == NULL || strlen(name) >= len)
		*dst = '\0';
	else
		memcpy(dst, name, strlen(name) + 1);
}

/* The HELO name, cut to the longest a name can be: one longer is no
 * valid name, and is still judged as one (helo=nofqdn, most likely). */
static void
take_helo(char *dst, size_t len, const char *name)
{
	snprintf(dst, len, "%s", name != NULL ? name : "");
}

/* Start the client's lookups anew (none without an address). */
static void
client_lookups(struct session *s)
{
	if ((s->client = lookups_renew(s, s->client)) != NULL && s->has_addr)
		dnsbl_start_client(s->env->dnsbl, s->client, &s->addr);
}

/* Start the HELO name's lookups anew (none without a name). */
static void
helo_lookups(struct session *s)
{
	if ((s->helo_lookups = lookups_renew(s, s->helo_lookups)) != NULL &&
	    s->helo[0] != '\0')
		dnsbl_start_domain(s->env->dnsbl, s->helo_lookups, DNSBL_HELO,
		    s->helo);
}

/* The client's keys under cfg: its host, its customer's delegated
 * prefix, its network. */
static void
client_keys(struct session *s, const struct config *cfg)
{
	unsigned delegated = config_delegated_prefix(cfg, &s->addr);

	hostkey_format(&s->addr, cfg->ipv4_prefix, cfg->ipv6_prefix, s->host);
	s->prefix[0] = '\0';
	if (delegated > 0)
		hostkey_format(&s->addr, delegated, delegated, s->prefix);
	hostkey_format(&s->addr, cfg->sig.user_networks_ipv4_prefix,
	    cfg->sig.user_networks_ipv6_prefix, s->network);
}

void
session_rebind(struct session *s, const struct session_env *env)
{
	const struct session_env *old = s->env;

	msg_reset(s);
	if (s->has_addr)
		client_keys(s, env->cfg);
	if (old->resolver == env->resolver && old->dnsbl == env->dnsbl) {
		s->env = env;		/* the same lookups: keep them */
		return;
	}
	if (old->dnsbl != NULL) {
		dnsbl_lookups_free(old->dnsbl, s->client);
		dnsbl_lookups_free(old->dnsbl, s->helo_lookups);
	}
	s->client = s->helo_lookups = NULL;
	if (s->quota != NULL)
		resolver_quota_free(old->resolver, s->quota);
	s->quota = NULL;
	s->env = env;
	/* Out of memory: the lookups go on, without the session's cap (the
	 * total's still holds). */
	if (env->resolver != NULL)
		s->quota = resolver_quota_new(SESSION_QUERIES_MAX);
	client_lookups(s);
	helo_lookups(s);
}

bool
session_connect(struct session *s, const struct netaddr *addr,
    const char *mta_name)
{
	const struct config *cfg = s->env->cfg;

	/* Postfix sends CONNECT again after XCLIENT: the new client wins. */
	s->host[0] = s->prefix[0] = s->network[0] = s->helo[0] = '\0';
	s->has_addr = false;
	take_name(s->mta_name, sizeof(s->mta_name), mta_name);
	if (addr != NULL && config_is_exempt(cfg, addr))
		return false;
	if (addr != NULL) {
		s->addr = *addr;
		s->has_addr = true;
		client_keys(s, cfg);
	}
	/* Asked now, answered (or cached) by end of message; a local or
	 * unknown client has no host key and nothing to ask. */
	client_lookups(s);
	return true;
}

void
session_helo(struct session *s, const char *name)
{
	take_helo(s->helo, sizeof(s->helo), name);
	helo_lookups(s);
	quota_report(s);
}

static void
msg_take_queue_id(struct message *msg, const char *qid)
{
	if (qid != NULL && *qid != '\0')
		snprintf(msg->queue_id, sizeof(msg->queue_id), "%s", qid);
}

static struct engine_message
msg_facts(const struct session *s)
{
	struct engine_message m;

	memset(&m, 0, sizeof(m));
	m.host = s->host[0] != '\0' ? s->host : NULL;
	m.prefix = s->prefix[0] != '\0' ? s->prefix : NULL;
	m.network = s->network[0] != '\0' ? s->network : NULL;
	m.user = s->msg.user[0] != '\0' ? s->msg.user : NULL;
	m.rcpts = s->msg.rcpts;
	m.rejected = s->msg.rejected;
	m.rcpt_domains = &s->msg.domains;
	m.from = s->msg.from[0] != '\0' ? s->msg.from : NULL;
	m.helo = s->helo[0] != '\0' ? s->helo : NULL;
	m.mta_name = s->mta_name[0] != '\0' ? s->mta_name : NULL;
	m.queue_id = s->msg.queue_id[0] != '\0' ? s->msg.queue_id : NULL;
	m.block_unknown = s->msg.block_unknown;
	return m;
}

bool
session_mail(struct session *s, const char *from, const char *login,
    const char *queue_id, struct engine_decision *d)
{
	const struct session_env *env = s->env;
	struct engine_message m;
	char domain[ADDRESS_DOMAIN_KEPT + 1];

	msg_reset(s);
	msg_take_queue_id(&s->msg, queue_id);
	/* Whatever the local part, the domain is kept: a long or quoted
	 * one must not hide the sender domain from any signal. */
	address_sender(from, s->msg.from);
	if (env->dnsbl != NULL && address_domain(s->msg.from, domain,
	    sizeof(domain)) && (s->msg.from_lookups =
	    dnsbl_lookups_new(s->quota)) != NULL)
		dnsbl_start_domain(env->dnsbl, s->msg.from_lookups,
		    DNSBL_MAIL_FROM, domain);
	if (env->spf != NULL && s->has_addr && s->msg.from[0] != '\0')
		spf_prefetch(env->spf, s->msg.from, s->quota);
	quota_report(s);
	if (session_wants_body(env))
		s->msg.fp = fingerprint_new();
	if (!hostkey_user(login, s->msg.user))
		s->msg.user[0] = '\0';
	m = msg_facts(s);
	if (m.host == NULL && m.user == NULL)
		return false;
	engine_check_mail(env->engine, &m, d);
	s->msg.block_unknown = d->fell_back;
	return d->blocked != NULL;
}

void
session_rcpt(struct session *s, const char *rcpt, bool refused)
{
	if (refused) {
		s->msg.rejected++;
		return;
	}
	s->msg.rcpts++;
	domain_set_add(&s->msg.domains, rcpt);
}

bool
session_body(struct session *s, const unsigned char *chunk, size_t len)
{
	if (s->msg.fp == NULL || s->msg.body_seen >= BODY_HASHED_MAX)
		return false;
	if (len > BODY_HASHED_MAX - s->msg.body_seen)
		len = BODY_HASHED_MAX - s->msg.body_seen;
	fingerprint_update(s->msg.fp, chunk, len);
	s->msg.body_seen += len;
	return s->msg.body_seen < BODY_HASHED_MAX;
}

bool
session_wants_body(const struct session_env *env)
{
	const struct config_signals *sig = &env->cfg->sig;

	return sig->bulk && (sig->bulk_host_recipients > 0 ||
	    sig->bulk_hosts > 0);
}

bool
session_wants_helo(const struct session_env *env)
{
	const struct config_signals *sig = &env->cfg->sig;
	unsigned i;

	if (sig->helo_ip_points || sig->helo_not_fqdn_points ||
	    sig->helo_self_points || sig->helo_freemail_points ||
	    env->spf != NULL)
		return true;
	for (i = 0; env->dnsbl != NULL && i < env->cfg->nzones; i++)
		if (env->cfg->zones[i].kind == DNSBL_KIND_DOMAIN)
			return true;
	return false;
}

void
session_eom(struct session *s, const char *queue_id,
    struct engine_decision *d)
{
	const struct session_env *env = s->env;
	struct dnsbl_result results[DNSBL_RESULTS_MAX];
	char fp[FINGERPRINT_HEX];
	struct engine_message m;
	uint64_t began = clock_monotonic_us();
	bool looked_up = env->dnsbl != NULL;

	msg_take_queue_id(&s->msg, queue_id);
	m = msg_facts(s);
	/* SPF first: its lookups overlap the DNSBL answers still coming. */
	if (env->spf != NULL && s->has_addr && m.from != NULL) {
		m.spf = spf_check(env->spf, &s->addr, m.helo, m.from,
		    env->cfg->sig.spf_budget_ms, s->quota);
		looked_up = true;
		spf_report(s);
	}
	if (s->msg.fp != NULL && fingerprint_final(s->msg.fp, fp))
		m.fp = fp;
	s->msg.fp = NULL;
	if (env->dnsbl != NULL) {
		struct dnsbl_lookups *const sets[3] = { s->client,
		    s->helo_lookups, s->msg.from_lookups };

		m.ndnsbl = dnsbl_collect(env->dnsbl, sets, 3,
		    env->cfg->dns_budget_ms, results);
		m.dnsbl = results;
	}
	if (looked_up)
		metrics_observe(METRICS_DNS_WAIT, clock_monotonic_us() - began);
	quota_report(s);
	engine_decide(env->engine, &m, d);
}

void
session_abort(struct session *s)
{
	msg_reset(s);
}

unsigned
session_rcpts(const struct session *s)
{
	return s->msg.rcpts;
}

const char *
session_queue_id(const struct session *s, char buf[SESSION_QID_MAX])
{
	if (s->msg.queue_id[0] == '\0')
		return strcpy(buf, "NOQUEUE");
	return logesc(buf, SESSION_QID_MAX, s->msg.queue_id);
}

char *
session_describe(const struct session *s, const struct engine_decision *d,
    const char *stage, char *buf, size_t len)
{
	char reasons[1024], would[32] = "", fallback[32] = "";
	char blocked[USERKEY_MAX + 16] = "";

	if (d->would != d->verdict)
		snprintf(would, sizeof(would), " would=%s",
		    score_verdict_name(d->would));
	if (d->fell_back)
		snprintf(fallback, sizeof(fallback), " fallback=%s",
		    config_fallback_name(s->env->cfg->redis_fallback));
	/* Which of the host, its prefix and the login is quarantined:
	 * the key to release. */
	if (d->blocked != NULL)
		snprintf(blocked, sizeof(blocked), " blocked=%s", d->blocked);
	snprintf(buf, len,
	    "action=%s%s host=%s user=%s score=%d reasons=%s rcpts=%u%s%s%s%s",
	    score_verdict_name(d->verdict), would,
	    s->host[0] ? s->host : "-", s->msg.user[0] ? s->msg.user : "-",
	    d->score.total, score_explain(&d->score, reasons, sizeof(reasons)),
	    s->msg.rcpts, stage ? " stage=" : "", stage ? stage : "", blocked,
	    fallback);
	return buf;
}

char *
session_header(const struct engine_decision *d, char *buf, size_t len)
{
	char reasons[1024];

	snprintf(buf, len, "%d %s", d->score.total,
	    score_explain(&d->score, reasons, sizeof(reasons)));
	return buf;
}
