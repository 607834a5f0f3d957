/*
 * callbacks -- libmilter glue.  See callbacks.h.
 *
 * A connection context is made at negotiation (or at the first callback
 * of a peer that skips it: a broken or hostile MTA may send MAIL before
 * CONNECT) and freed at close, the one callback every connection gets.
 * It holds the host key and the current message's state, which is reset
 * at MAIL, end of message and abort.  libmilter runs callbacks of one
 * connection on any worker thread, one at a time: nothing here lives in
 * thread-local storage, and the only shared state, the config and the
 * engine, is read-only or locks itself.
 *
 * Replies never carry client text: they come from the config only.
 */
#include "zmconfig.h"

#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "callbacks.h"
#include "hostkey.h"
#include "log.h"
#include "logesc.h"

#define QUEUE_ID_MAX	64
#define QUEUE_ID_LOG_MAX	(4 * QUEUE_ID_MAX)

struct msg_ctx {
	char user[USERKEY_MAX];		/* "" if not authenticated */
	char queue_id[QUEUE_ID_MAX];	/* as the MTA sent it, unescaped */
	unsigned rcpts;
	struct dnsbl_lookups *from;	/* MAIL FROM domain lookups */
};

struct conn_ctx {
	char host[HOSTKEY_MAX];		/* "" if no usable address */
	bool nr_rcpt;			/* RCPT needs no reply */
	bool nr_helo;			/* HELO needs no reply */
	struct dnsbl_lookups *client;	/* started at CONNECT */
	struct dnsbl_lookups *helo;	/* started at HELO */
	struct msg_ctx msg;
};

static const struct config *cfg;
static struct engine *engine;
static struct dnsbl *dnsbl;		/* NULL without DNSBL zones */
static bool want_helo;			/* a domain zone checks HELO names */
static atomic_long open_conns;	/* contexts not yet freed at close */

static struct conn_ctx *
conn_get(SMFICTX *ctx)
{
	struct conn_ctx *conn = smfi_getpriv(ctx);

	if (conn != NULL || (conn = calloc(1, sizeof(*conn))) == NULL)
		return conn;
	if (smfi_setpriv(ctx, conn) != MI_SUCCESS) {
		free(conn);
		return NULL;
	}
	atomic_fetch_add(&open_conns, 1);
	return conn;
}

static void
msg_reset(struct msg_ctx *msg)
{
	if (dnsbl != NULL)
		dnsbl_lookups_free(dnsbl, msg->from);
	memset(msg, 0, sizeof(*msg));
}

/* Replace a set of lookups by a new, empty one (NULL without DNSBLs). */
static struct dnsbl_lookups *
lookups_renew(struct dnsbl_lookups *old)
{
	if (dnsbl == NULL)
		return NULL;
	dnsbl_lookups_free(dnsbl, old);
	return dnsbl_lookups_new();
}

/* Remember the queue id if the MTA sent it at this stage. */
static void
msg_take_queue_id(SMFICTX *ctx, struct msg_ctx *msg)
{
	const char *qid = smfi_getsymval(ctx, "i");

	if (qid != NULL && *qid != '\0')
		snprintf(msg->queue_id, sizeof(msg->queue_id), "%s", qid);
}

static struct engine_message
msg_facts(const struct conn_ctx *conn)
{
	struct engine_message m = {
		conn->host[0] != '\0' ? conn->host : NULL,
		conn->msg.user[0] != '\0' ? conn->msg.user : NULL,
		conn->msg.rcpts,
		conn->msg.queue_id[0] != '\0' ? conn->msg.queue_id : NULL,
		NULL, 0,
	};

	return m;
}

/* The queue id as logged: escaped, or NOQUEUE before the MTA has one. */
static char *
msg_log_id(const struct msg_ctx *msg, char buf[QUEUE_ID_LOG_MAX])
{
	if (msg->queue_id[0] == '\0')
		return strcpy(buf, "NOQUEUE");
	return logesc(buf, QUEUE_ID_LOG_MAX, msg->queue_id);
}

/* The one decision line: see zombie-milter(8), "Reading the log". */
static void
log_decision(const struct conn_ctx *conn, const struct engine_decision *d,
    const char *qid, const char *stage)
{
	char reasons[1024], would[32] = "", fallback[32] = "";

	/* Redis trouble is logged by its breaker, once; running out of
	 * memory is worth a line each time. */
	if (d->store_failed)
		log_write(LOG_WARNING, "%s: store failed: %s", qid, d->errstr);
	if (d->would != d->verdict)
		snprintf(would, sizeof(would), " would=%s",
		    score_verdict_name(d->would));
	if (d->fell_back)
		snprintf(fallback, sizeof(fallback), " fallback=%s",
		    config_fallback_name(cfg->redis_fallback));
	log_write(d->would == VERDICT_ACCEPT ? LOG_INFO : LOG_NOTICE,
	    "%s: action=%s%s host=%s user=%s score=%d reasons=%s rcpts=%u%s%s%s",
	    qid, score_verdict_name(d->verdict), would,
	    conn->host[0] ? conn->host : "-",
	    conn->msg.user[0] ? conn->msg.user : "-",
	    d->score.total, score_explain(&d->score, reasons, sizeof(reasons)),
	    conn->msg.rcpts, stage ? " stage=" : "", stage ? stage : "",
	    fallback);
}

/* Map a verdict to the milter's answer; qid is escaped, for the log. */
static sfsistat
reply(SMFICTX *ctx, const struct engine_decision *d, const char *qid)
{
	char value[1100], reasons[1024];

	switch (d->verdict) {
	case VERDICT_ACCEPT:
		return SMFIS_CONTINUE;
	case VERDICT_TAG:
		snprintf(value, sizeof(value), "%d %s", d->score.total,
		    score_explain(&d->score, reasons, sizeof(reasons)));
		if (smfi_addheader(ctx, "X-Zombie-Score", value) != MI_SUCCESS)
			log_write(LOG_WARNING, "%s: X-Zombie-Score: cannot add "
			    "header", qid);
		return SMFIS_CONTINUE;
	case VERDICT_TEMPFAIL:
		smfi_setreply(ctx, "451", "4.7.1", cfg->reply_tempfail);
		return SMFIS_TEMPFAIL;
	case VERDICT_REJECT:
		smfi_setreply(ctx, "550", "5.7.1", d->blocked != NULL
		    ? cfg->reply_quarantine : cfg->reply_reject);
		return SMFIS_REJECT;
	case VERDICT_QUARANTINE:
		smfi_setreply(ctx, "550", "5.7.1", cfg->reply_quarantine);
		return SMFIS_REJECT;
	}
	return SMFIS_TEMPFAIL;
}

static sfsistat
zm_negotiate(SMFICTX *ctx, unsigned long f0, unsigned long f1,
    unsigned long f2, unsigned long f3, unsigned long *pf0,
    unsigned long *pf1, unsigned long *pf2, unsigned long *pf3)
{
	/* Steps no signal needs; the MTA skips what it can. */
	const unsigned long skip = (want_helo ? SMFIP_NR_HELO : SMFIP_NOHELO) |
	    SMFIP_NOHDRS | SMFIP_NOEOH | SMFIP_NOBODY | SMFIP_NOUNKNOWN |
	    SMFIP_NODATA | SMFIP_NR_RCPT;
	struct conn_ctx *conn = conn_get(ctx);

	(void)f2;
	(void)f3;
	if (conn == NULL)
		return SMFIS_TEMPFAIL;
	*pf0 = f0 & SMFIF_ADDHDRS;
	*pf1 = f1 & skip;
	*pf2 = *pf3 = 0;
	conn->nr_rcpt = (*pf1 & SMFIP_NR_RCPT) != 0;
	conn->nr_helo = (*pf1 & SMFIP_NR_HELO) != 0;
	smfi_setsymlist(ctx, SMFIM_ENVFROM, "i {auth_authen}");
	smfi_setsymlist(ctx, SMFIM_EOM, "i");
	return SMFIS_CONTINUE;
}

static sfsistat
zm_connect(SMFICTX *ctx, char *hostname, _SOCK_ADDR *hostaddr)
{
	struct conn_ctx *conn = conn_get(ctx);
	struct netaddr addr;

	(void)hostname;	/* client-supplied via reverse DNS: not trusted */
	if (conn == NULL)
		return SMFIS_TEMPFAIL;
	/* Postfix sends CONNECT again after XCLIENT: the new client wins. */
	conn->host[0] = '\0';
	conn->client = lookups_renew(conn->client);
	if (!netaddr_from_sockaddr(hostaddr, &addr))
		return SMFIS_CONTINUE;	/* local or unknown: no host key */
	if (config_is_exempt(cfg, &addr))
		return SMFIS_ACCEPT;
	hostkey_format(&addr, cfg->ipv4_prefix, cfg->ipv6_prefix, conn->host);
	/* Asked now, answered (or cached) by end of message. */
	if (conn->client != NULL)
		dnsbl_start_client(dnsbl, conn->client, &addr);
	return SMFIS_CONTINUE;
}

static sfsistat
zm_helo(SMFICTX *ctx, char *name)
{
	struct conn_ctx *conn = conn_get(ctx);

	if (conn == NULL)
		return SMFIS_TEMPFAIL;
	if ((conn->helo = lookups_renew(conn->helo)) != NULL)
		dnsbl_start_domain(dnsbl, conn->helo, DNSBL_HELO, name);
	return conn->nr_helo ? SMFIS_NOREPLY : SMFIS_CONTINUE;
}

static sfsistat
zm_envfrom(SMFICTX *ctx, char **argv)
{
	struct conn_ctx *conn = conn_get(ctx);
	struct engine_decision d;
	struct engine_message m;
	char qid[QUEUE_ID_LOG_MAX];
	char domain[256];
	sfsistat rc;

	if (conn == NULL)
		return SMFIS_TEMPFAIL;
	msg_reset(&conn->msg);
	msg_take_queue_id(ctx, &conn->msg);
	if (argv != NULL && dnsbl_sender_domain(argv[0], domain, sizeof(domain)) &&
	    (conn->msg.from = lookups_renew(NULL)) != NULL)
		dnsbl_start_domain(dnsbl, conn->msg.from, DNSBL_MAIL_FROM, domain);
	if (!hostkey_user(smfi_getsymval(ctx, "{auth_authen}"), conn->msg.user))
		conn->msg.user[0] = '\0';
	m = msg_facts(conn);
	if (m.host == NULL && m.user == NULL)
		return SMFIS_CONTINUE;
	engine_check_mail(engine, &m, &d);
	rc = reply(ctx, &d, msg_log_id(&conn->msg, qid));
	if (d.blocked != NULL)
		log_decision(conn, &d, qid, "mail");
	return rc;
}

static sfsistat
zm_envrcpt(SMFICTX *ctx, char **argv)
{
	struct conn_ctx *conn = conn_get(ctx);

	(void)argv;
	if (conn == NULL)
		return SMFIS_TEMPFAIL;
	conn->msg.rcpts++;
	return conn->nr_rcpt ? SMFIS_NOREPLY : SMFIS_CONTINUE;
}

static sfsistat
zm_eom(SMFICTX *ctx)
{
	struct dnsbl_result results[DNSBL_RESULTS_MAX];
	struct conn_ctx *conn = conn_get(ctx);
	struct engine_decision d;
	struct engine_message m;
	char qid[QUEUE_ID_LOG_MAX];
	sfsistat rc;

	if (conn == NULL)
		return SMFIS_TEMPFAIL;
	msg_take_queue_id(ctx, &conn->msg);
	m = msg_facts(conn);
	if (dnsbl != NULL) {
		struct dnsbl_lookups *const sets[3] = { conn->client, conn->helo,
		    conn->msg.from };

		m.ndnsbl = dnsbl_collect(dnsbl, sets, 3, cfg->dns_budget_ms,
		    results);
		m.dnsbl = results;
	}
	engine_decide(engine, &m, &d);
	rc = reply(ctx, &d, msg_log_id(&conn->msg, qid));
	log_decision(conn, &d, qid, NULL);
	msg_reset(&conn->msg);
	return rc;
}

static sfsistat
zm_abort(SMFICTX *ctx)
{
	struct conn_ctx *conn = smfi_getpriv(ctx);

	if (conn != NULL)
		msg_reset(&conn->msg);
	return SMFIS_CONTINUE;
}

static sfsistat
zm_close(SMFICTX *ctx)
{
	struct conn_ctx *conn = smfi_getpriv(ctx);

	if (conn != NULL) {
		msg_reset(&conn->msg);
		if (dnsbl != NULL) {
			dnsbl_lookups_free(dnsbl, conn->client);
			dnsbl_lookups_free(dnsbl, conn->helo);
		}
		free(conn);
		smfi_setpriv(ctx, NULL);
		atomic_fetch_sub(&open_conns, 1);
	}
	return SMFIS_CONTINUE;
}

static struct smfiDesc desc = {
	.xxfi_name = "zombie-milter",
	.xxfi_version = SMFI_VERSION,
	.xxfi_flags = SMFIF_ADDHDRS,
	.xxfi_connect = zm_connect,
	.xxfi_helo = zm_helo,
	.xxfi_envfrom = zm_envfrom,
	.xxfi_envrcpt = zm_envrcpt,
	.xxfi_eom = zm_eom,
	.xxfi_abort = zm_abort,
	.xxfi_close = zm_close,
	.xxfi_negotiate = zm_negotiate,
};

struct smfiDesc *
callbacks_init(const struct config *c, struct engine *e)
{
	cfg = c;
	engine = e;
	return &desc;
}

void
callbacks_use_dnsbl(struct dnsbl *d)
{
	unsigned i;

	dnsbl = d;
	for (i = 0; d != NULL && i < cfg->nzones; i++)
		if (cfg->zones[i].kind == DNSBL_KIND_DOMAIN)
			want_helo = true;
}

bool
callbacks_drain(unsigned timeout_ms)
{
	const struct timespec tick = { 0, 50 * 1000 * 1000 };
	unsigned waited;

	for (waited = 0; atomic_load(&open_conns) > 0 && waited < timeout_ms;
	    waited += 50)
		nanosleep(&tick, NULL);
	/* A connection accepted just before the stop may not have reached
	 * its first callback yet: look once more after a moment. */
	nanosleep(&(struct timespec){ 0, 250 * 1000 * 1000 }, NULL);
	return atomic_load(&open_conns) == 0;
}
