/*
 * callbacks -- libmilter glue.  See callbacks.h.
 *
 * A connection's session (session.h) is made at negotiation (or at the
 * first callback of a peer that skips it: a broken or hostile MTA may
 * send MAIL before CONNECT) and freed at close, the one callback every
 * connection gets.  libmilter runs callbacks of one connection on any
 * worker thread, one at a time: nothing here lives in thread-local
 * storage.  Each connection holds a reference to the runtime it serves
 * with (runtime.h): the current one when it was made, and at every MAIL
 * FROM the current one again, so a reload applies from the next message
 * on; the runtime is read-only or locks itself.
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
#include "clock.h"
#include "log.h"
#include "metrics.h"
#include "negotiate.h"
#include "runtime.h"
#include "session.h"

/* A connection: its runtime, its session and what was negotiated. */
struct conn {
	struct runtime *rt;		/* a reference */
	struct session *session;
	bool nr_rcpt;			/* RCPT needs no reply */
	bool nr_helo;			/* HELO needs no reply */
	bool skip;			/* the MTA takes SMFIS_SKIP */
	uint64_t msg_us;		/* our time on this message so far */
};

/*
 * Shutdown.  Once smfi_main() has returned, main() drops the current
 * runtime (config, engine, lookups) only when no callback is running and
 * no connection holds a session; a connection accepted just before the stop
 * may still get callbacks after that.  So every callback passes a gate:
 * it counts itself in `active`, and a callback of a connection that has
 * no session yet makes none once `stopping` is set, and touches nothing
 * but the counters.  With sequentially consistent atomics either the
 * callback sees `stopping`, or main() sees it active and waits; so
 * main() reads `active` before `open_conns`: once no callback is active,
 * every session made before the stop is counted in `open_conns`.
 * The same read-modify-writes of `active` also order a connection's
 * callbacks when libmilter hands it from one of its threads to another,
 * so that ThreadSanitizer, which does not see libmilter's own locks
 * (contrib/tsan.supp), sees that order too.
 */
static atomic_long open_conns;	/* contexts not yet freed at close */
static atomic_long active;	/* callbacks running */
static atomic_bool stopping;

/* Enter a callback: the connection, made at its first callback if make;
 * NULL if there is none, memory ran out or the daemon is stopping.
 * Every callback that enters leaves with leave(). */
static struct conn *
enter(SMFICTX *ctx, bool make)
{
	struct conn *conn;

	atomic_fetch_add(&active, 1);
	if ((conn = smfi_getpriv(ctx)) != NULL || !make ||
	    atomic_load(&stopping) || (conn = calloc(1, sizeof(*conn))) == NULL)
		return conn;
	if ((conn->rt = runtime_current()) == NULL ||
	    (conn->session = session_new(&conn->rt->env)) == NULL ||
	    smfi_setpriv(ctx, conn) != MI_SUCCESS) {
		session_free(conn->session);
		runtime_free(conn->rt);
		free(conn);
		return NULL;
	}
	atomic_fetch_add(&open_conns, 1);
	return conn;
}

/* At a message's start: serve it with the current runtime, if a reload
 * installed another since the last one. */
static void
refresh(struct conn *conn)
{
	struct runtime *rt;

	if (conn->rt->generation == runtime_generation() ||
	    (rt = runtime_current()) == NULL)
		return;
	session_rebind(conn->session, &rt->env);
	runtime_free(conn->rt);
	conn->rt = rt;
}

static sfsistat
leave(sfsistat rc)
{
	atomic_fetch_sub(&active, 1);
	return rc;
}

/* The one decision line: see zombie-milter(8), "Reading the log"; and
 * the decision counted, with the time we spent on the message (the
 * callback that decides began at began). */
static void
decided(struct conn *conn, const struct engine_decision *d,
    const char *stage, uint64_t began)
{
	const struct session *s = conn->session;
	char qid[SESSION_QID_MAX], line[2048];

	session_queue_id(s, qid);
	/* Redis trouble is logged by its breaker, once; running out of
	 * memory is worth a line each time. */
	if (d->store_failed)
		log_write(LOG_WARNING, "%s: store failed: %s", qid, d->errstr);
	log_write(d->would == VERDICT_ACCEPT ? LOG_INFO : LOG_NOTICE, "%s: %s",
	    qid, session_describe(s, d, stage, line, sizeof(line)));
	metrics_decision(d, stage != NULL, conn->rt->cfg->redis_fallback,
	    session_rcpts(s));
	metrics_observe(METRICS_DECISION, conn->msg_us +
	    (clock_monotonic_us() - began));
}

/* Map a verdict to the milter's answer. */
static sfsistat
reply(SMFICTX *ctx, const struct conn *conn, const struct engine_decision *d)
{
	const struct config *cfg = conn->rt->cfg;
	const struct session *s = conn->session;
	char value[1100], qid[SESSION_QID_MAX];

	switch (d->verdict) {
	case VERDICT_ACCEPT:
		return SMFIS_CONTINUE;
	case VERDICT_TAG:
		if (smfi_addheader(ctx, "X-Zombie-Score", session_header(d, value,
		    sizeof(value))) != MI_SUCCESS)
			log_write(LOG_WARNING, "%s: X-Zombie-Score: cannot add "
			    "header", session_queue_id(s, qid));
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
	struct conn *conn = enter(ctx, true);
	unsigned long want;

	(void)f2;
	(void)f3;
	if (conn == NULL)
		return leave(SMFIS_TEMPFAIL);
	/* The MTA skips what it can (negotiate.h). */
	want = ZM_NEGOTIATE_STEPS |
	    (session_wants_helo(&conn->rt->env) ? SMFIP_NR_HELO : SMFIP_NOHELO) |
	    (session_wants_body(&conn->rt->env) ? 0 : SMFIP_NOBODY);
	*pf0 = f0 & SMFIF_ADDHDRS;
	*pf1 = f1 & want;
	*pf2 = *pf3 = 0;
	conn->nr_rcpt = (*pf1 & SMFIP_NR_RCPT) != 0;
	conn->nr_helo = (*pf1 & SMFIP_NR_HELO) != 0;
	conn->skip = (*pf1 & SMFIP_SKIP) != 0;
	zm_negotiate_macros(ctx);
	return leave(SMFIS_CONTINUE);
}

static sfsistat
zm_connect(SMFICTX *ctx, char *hostname, _SOCK_ADDR *hostaddr)
{
	struct conn *conn = enter(ctx, true);
	struct netaddr addr;
	bool known;

	(void)hostname;	/* client-supplied via reverse DNS: not trusted */
	if (conn == NULL)
		return leave(SMFIS_TEMPFAIL);
	known = netaddr_from_sockaddr(hostaddr, &addr);
	return leave(session_connect(conn->session, known ? &addr : NULL,
	    smfi_getsymval(ctx, "j")) ? SMFIS_CONTINUE : SMFIS_ACCEPT);
}

static sfsistat
zm_helo(SMFICTX *ctx, char *name)
{
	struct conn *conn = enter(ctx, true);

	if (conn == NULL)
		return leave(SMFIS_TEMPFAIL);
	session_helo(conn->session, name);
	return leave(conn->nr_helo ? SMFIS_NOREPLY : SMFIS_CONTINUE);
}

static sfsistat
zm_envfrom(SMFICTX *ctx, char **argv)
{
	uint64_t began = clock_monotonic_us();
	struct conn *conn = enter(ctx, true);
	struct engine_decision d;
	sfsistat rc;

	if (conn == NULL)
		return leave(SMFIS_TEMPFAIL);
	refresh(conn);
	conn->msg_us = 0;
	if (!session_mail(conn->session, argv != NULL ? argv[0] : NULL,
	    smfi_getsymval(ctx, "{auth_authen}"), smfi_getsymval(ctx, "i"),
	    &d)) {
		conn->msg_us = clock_monotonic_us() - began;
		return leave(SMFIS_CONTINUE);
	}
	rc = reply(ctx, conn, &d);
	decided(conn, &d, "mail", began);
	/* in monitor mode the message goes on */
	conn->msg_us = clock_monotonic_us() - began;
	return leave(rc);
}

static sfsistat
zm_envrcpt(SMFICTX *ctx, char **argv)
{
	uint64_t began = clock_monotonic_us();
	struct conn *conn = enter(ctx, true);
	const char *mailer;

	if (conn == NULL)
		return leave(SMFIS_TEMPFAIL);
	/* A recipient the MTA refused comes with the "error" mailer. */
	mailer = smfi_getsymval(ctx, "{rcpt_mailer}");
	session_rcpt(conn->session, argv != NULL ? argv[0] : NULL,
	    mailer != NULL && strcmp(mailer, "error") == 0);
	conn->msg_us += clock_monotonic_us() - began;
	return leave(conn->nr_rcpt ? SMFIS_NOREPLY : SMFIS_CONTINUE);
}

/* Answered only to keep Postfix from stalling: see negotiate.h. */
static sfsistat
zm_data(SMFICTX *ctx)
{
	(void)ctx;
	return SMFIS_CONTINUE;
}

static sfsistat
zm_body(SMFICTX *ctx, unsigned char *chunk, size_t len)
{
	uint64_t began = clock_monotonic_us();
	struct conn *conn = enter(ctx, true);
	bool more;

	if (conn == NULL)
		return leave(SMFIS_TEMPFAIL);
	more = session_body(conn->session, chunk, len);
	conn->msg_us += clock_monotonic_us() - began;
	return leave(!more && conn->skip ? SMFIS_SKIP : SMFIS_CONTINUE);
}

static sfsistat
zm_eom(SMFICTX *ctx)
{
	uint64_t began = clock_monotonic_us();
	struct conn *conn = enter(ctx, true);
	struct engine_decision d;
	sfsistat rc;

	if (conn == NULL)
		return leave(SMFIS_TEMPFAIL);
	session_eom(conn->session, smfi_getsymval(ctx, "i"), &d);
	rc = reply(ctx, conn, &d);
	decided(conn, &d, NULL, began);
	session_abort(conn->session);
	return leave(rc);
}

static sfsistat
zm_abort(SMFICTX *ctx)
{
	struct conn *conn = enter(ctx, false);

	if (conn != NULL)
		session_abort(conn->session);
	return leave(SMFIS_CONTINUE);
}

static sfsistat
zm_close(SMFICTX *ctx)
{
	struct conn *conn = enter(ctx, false);

	if (conn != NULL) {
		session_free(conn->session);
		runtime_free(conn->rt);
		free(conn);
		smfi_setpriv(ctx, NULL);
		atomic_fetch_sub(&open_conns, 1);
	}
	return leave(SMFIS_CONTINUE);
}

static struct smfiDesc desc = {
	.xxfi_name = "zombie-milter",
	.xxfi_version = SMFI_VERSION,
	.xxfi_flags = SMFIF_ADDHDRS,
	.xxfi_connect = zm_connect,
	.xxfi_helo = zm_helo,
	.xxfi_envfrom = zm_envfrom,
	.xxfi_envrcpt = zm_envrcpt,
	.xxfi_data = zm_data,
	.xxfi_body = zm_body,
	.xxfi_eom = zm_eom,
	.xxfi_abort = zm_abort,
	.xxfi_close = zm_close,
	.xxfi_negotiate = zm_negotiate,
};

struct smfiDesc *
callbacks_desc(void)
{
	return &desc;
}

long
callbacks_stop(void)
{
	atomic_store(&stopping, true);
	return atomic_load(&open_conns);
}

long
callbacks_open(void)
{
	return atomic_load(&open_conns);
}

bool
callbacks_drain(unsigned timeout_ms)
{
	const struct timespec tick = { 0, 50 * 1000 * 1000 };
	unsigned waited;

	atomic_store(&stopping, true);
	for (waited = 0; (atomic_load(&active) > 0 ||
	    atomic_load(&open_conns) > 0) && waited < timeout_ms; waited += 50)
		nanosleep(&tick, NULL);
	return atomic_load(&active) == 0 && atomic_load(&open_conns) == 0;
}
