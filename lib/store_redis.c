/*
 * store_redis -- the store in Redis.  See store_redis.h.
 *
 * Concurrency: libmilter runs many worker threads.  Each call takes a
 * connection from the pool (under pool.lock, waiting at most the command
 * timeout for one to come free), uses it alone, and gives it back; the
 * script's SHA and the MAIL FROM cache have locks of their own.  The
 * breaker is consulted before a connection is taken and told the outcome
 * when it is given back.
 *
 * Errors: an I/O error (reset, timeout) closes that connection; an error
 * reply (-LOADING, -OOM, -NOPERM, -READONLY, ...) leaves it usable.  Both
 * count against the breaker and fail the call, which the engine turns into
 * the configured fallback: never a count of zero, never "not quarantined".
 * -NOSCRIPT (Redis restarted, or another node) is answered with EVAL,
 * which also caches the script again.
 */
#include "zmconfig.h"

#include <errno.h>
#include <poll.h>
#include <stdarg.h>
#include <hiredis/hiredis.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>
#include <time.h>

#include "breaker.h"
#include "clock.h"
#include "event.h"
#include "hostaddr.h"
#include "hostkey.h"
#include "logesc.h"
#include "metrics.h"
#include "redisreply.h"
#include "store_redis.h"

/*
 * The rate key's script is lib/window.lua (what it takes and answers is
 * said there), embedded at build time as a C string.
 */
static const char window_script[] =
#include "window_lua.h"
    ;

#define KEY_MAX		(64 + sizeof("block:") + USERKEY_MAX)
#define HOST_REFRESH_S	60	/* a name's addresses looked up again */
#define ARGS_MAX	(8 + 2 * STORE_WINDOWS_MAX)
#define CACHE_SLOTS	1024
#define POOL_MAX	256

#define OBS_ARGS	(7 + 3 + STORE_RCPT_DOMAINS_MAX)
#define FIELD_MAX	(8 + STORE_LABEL_MAX)	/* "D0123ab=label" */

/* One command of a pipeline. */
struct cmd {
	int argc;
	const char *argv[ARGS_MAX + 12 + OBS_ARGS];
	size_t len[ARGS_MAX + 12 + OBS_ARGS];
};

/* The window script's arguments recording an observation. */
struct obs_args {
	unsigned n;
	char arg[OBS_ARGS][FIELD_MAX];
};

struct cache_slot {
	char key[USERKEY_MAX];
	uint64_t expires_ms;
	bool blocked;
	struct store_block block;
};

struct redis_store {
	struct store base;
	const struct config *cfg;
	struct config_redis_addr addr;
	struct hostaddr *host;		/* TCP: the address's addresses */
	char name[300];			/* "redis 127.0.0.1:6379", for logs */
	struct loghook log;
	struct breaker breaker;
	char nwindows[8];
	char window_args[2 * STORE_WINDOWS_MAX][16];
	char rate_ttl[16];
	char bulk_ttl[16];

	pthread_mutex_t pool_lock;
	pthread_cond_t pool_freed;
	redisContext *idle[POOL_MAX];
	unsigned nidle;
	unsigned nopen;			/* idle and in use */
	char sha[41];			/* "" until SCRIPT LOAD answered */

	pthread_mutex_t cache_lock;
	struct cache_slot cache[CACHE_SLOTS];

	atomic_ulong round_trips;	/* pipelines sent, for the exit log */
	atomic_ulong commands;
};

enum outcome {
	OUTCOME_OK,
	OUTCOME_REPLY_ERROR,	/* the connection is fine */
	OUTCOME_IO_ERROR	/* the connection is not */
};

static struct timeval
ms_timeval(unsigned ms)
{
	struct timeval tv = { (time_t)(ms / 1000), (suseconds_t)(ms % 1000) * 1000 };

	return tv;
}

static void
cmd_add(struct cmd *c, const char *arg)
{
	c->argv[c->argc] = arg;
	c->len[c->argc] = strlen(arg);
	c->argc++;
}

static void
free_replies(redisReply **replies, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (replies[i] != NULL) {
			freeReplyObject(replies[i]);
			replies[i] = NULL;
		}
}

/* Wait until fd is ready or the deadline passes; false on timeout. */
static bool
wait_fd(int fd, short events, uint64_t deadline_ms)
{
	struct pollfd p = { fd, events, 0 };
	uint64_t now;
	int rc;

	for (;;) {
		if ((now = clock_monotonic_ms()) >= deadline_ms)
			return false;
		rc = poll(&p, 1, (int)(deadline_ms - now));
		if (rc < 0 && errno == EINTR)
			continue;
		if (rc != 0)
			return true;	/* ready, or an error the I/O reports */
	}
}

/*
 * Send n commands at once and read the n replies, all within timeout_ms
 * and before the call's deadline: a deadline for the whole exchange, not
 * for each read, so a server that answers a byte at a time cannot hold a
 * decision either.  False, with why, on an I/O error or a timeout; the
 * connection is then unusable.
 */
static bool
pipeline(redisContext *c, struct cmd *cmds, size_t n, redisReply **replies,
    unsigned timeout_ms, uint64_t call_deadline, char *why, size_t whylen)
{
	uint64_t deadline = clock_monotonic_ms() + timeout_ms;
	int done = 0;
	size_t i;
	void *r;

	if (deadline > call_deadline)
		deadline = call_deadline;

	memset(replies, 0, n * sizeof(*replies));
	for (i = 0; i < n; i++)
		if (redisAppendCommandArgv(c, cmds[i].argc, cmds[i].argv,
		    cmds[i].len) != REDIS_OK)
			goto io_error;
	/* A few hundred bytes go out at once: wait only if they did not. */
	for (;;) {
		if (redisBufferWrite(c, &done) != REDIS_OK)
			goto io_error;
		if (done)
			break;
		if (!wait_fd(c->fd, POLLOUT, deadline))
			goto timeout;
	}
	for (i = 0; i < n; i++) {
		for (;;) {
			if (redisGetReplyFromReader(c, &r) != REDIS_OK)
				goto io_error;
			if (r != NULL)
				break;
			if (!wait_fd(c->fd, POLLIN, deadline))
				goto timeout;
			if (redisBufferRead(c) != REDIS_OK)
				goto io_error;
		}
		replies[i] = r;
	}
	return true;
timeout:
	snprintf(why, whylen, "timed out after %u ms", timeout_ms);
	free_replies(replies, n);
	return false;
io_error:
	/* A protocol error quotes the server's bytes; the others are the
	 * system's words ("Resource temporarily unavailable": a timeout). */
	if (c->err == REDIS_ERR_PROTOCOL)
		logesc(why, whylen, c->errstr);
	else
		snprintf(why, whylen, "%s", c->errstr[0] != '\0' ? c->errstr
		    : "I/O error");
	free_replies(replies, n);
	return false;
}


/* The first error reply among n, or NULL. */
static const redisReply *
first_error(redisReply **replies, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (replies[i] != NULL && replies[i]->type == REDIS_REPLY_ERROR)
			return replies[i];
	return NULL;
}

/* Milliseconds from now to a deadline, at least 1. */
static unsigned
ms_left(uint64_t deadline)
{
	uint64_t now = clock_monotonic_ms();

	return deadline > now ? (unsigned)(deadline - now) : 1;
}

/*
 * Connect to Redis by 127.0.0.1:6379, a name or unix:/path, within the
 * connect timeout (and the call's deadline): a name's addresses come from
 * its lookup thread (hostaddr.h), never from a lookup made here, so a
 * resolver that does not answer costs no more than the timeout.  NULL
 * with why ("connect: ...") on failure.
 */
static redisContext *
connect_socket(struct redis_store *rs, uint64_t call_deadline, char *why,
    size_t whylen)
{
	uint64_t deadline = clock_monotonic_ms() + rs->cfg->redis_connect_timeout_ms;
	char addrs[HOSTADDR_MAX][INET6_ADDRSTRLEN], err[200];
	redisContext *c = NULL;
	unsigned n, i;

	if (deadline > call_deadline)
		deadline = call_deadline;
	if (rs->addr.is_unix) {
		c = redisConnectUnixWithTimeout(rs->addr.path,
		    ms_timeval(ms_left(deadline)));
	} else {
		if ((n = hostaddr_get(rs->host, deadline, addrs, err,
		    sizeof(err))) == 0) {
			snprintf(why, whylen, "connect: %s", err);
			return NULL;
		}
		/* The name's addresses in turn, until one answers. */
		for (i = 0; i < n && (c == NULL || c->err); i++) {
			if (c != NULL)
				redisFree(c);
			c = redisConnectWithTimeout(addrs[i], rs->addr.port,
			    ms_timeval(ms_left(deadline)));
		}
	}
	if (c != NULL && !c->err) {
		redisreply_bound(c->reader);
		return c;
	}
	snprintf(why, whylen, "connect: %s", c != NULL ? c->errstr
	    : "out of memory");
	if (c != NULL)
		redisFree(c);
	if (!rs->addr.is_unix)
		hostaddr_refresh(rs->host);
	return NULL;
}

/* A new connection, authenticated, on the right database, with the
 * script loaded (one round trip after the connect); NULL with why on
 * failure, and *sha set on success. */
static redisContext *
connect_one(struct redis_store *rs, char *sha, uint64_t call_deadline,
    char *why, size_t whylen)
{
	static const char *const what[] = { "AUTH", "SELECT", "SCRIPT LOAD" };
	const struct config *cfg = rs->cfg;
	struct cmd cmds[3];
	redisReply *replies[3];
	const char *step[3];
	redisContext *c;
	size_t n = 0, i;
	char db[16], text[200];

	if ((c = connect_socket(rs, call_deadline, why, whylen)) == NULL)
		return NULL;
	/* The deadline of each exchange is ours (pipeline()); the socket
	 * timeout only stops a write from blocking for ever. */
	redisSetTimeout(c, ms_timeval(cfg->redis_timeout_ms));
	memset(cmds, 0, sizeof(cmds));
	if (*cfg->redis_password != '\0') {
		step[n] = what[0];
		cmd_add(&cmds[n], "AUTH");
		if (*cfg->redis_user != '\0')
			cmd_add(&cmds[n], cfg->redis_user);
		cmd_add(&cmds[n++], cfg->redis_password);
	}
	if (cfg->redis_db != 0) {
		step[n] = what[1];
		snprintf(db, sizeof(db), "%u", cfg->redis_db);
		cmd_add(&cmds[n], "SELECT");
		cmd_add(&cmds[n++], db);
	}
	step[n] = what[2];
	cmd_add(&cmds[n], "SCRIPT");
	cmd_add(&cmds[n], "LOAD");
	cmd_add(&cmds[n++], window_script);
	if (!pipeline(c, cmds, n, replies, cfg->redis_timeout_ms, call_deadline,
	    why, whylen))
		goto fail;
	for (i = 0; i < n; i++) {
		if (replies[i]->type == REDIS_REPLY_ERROR) {
			snprintf(why, whylen, "%s: %s", step[i], logesc(text,
			    sizeof(text), replies[i]->str));
			free_replies(replies, n);
			goto fail;
		}
	}
	if (replies[n - 1]->type != REDIS_REPLY_STRING ||
	    replies[n - 1]->len != 40) {
		snprintf(why, whylen, "SCRIPT LOAD: unexpected reply");
		free_replies(replies, n);
		goto fail;
	}
	memcpy(sha, replies[n - 1]->str, 41);
	free_replies(replies, n);
	return c;
fail:
	if (c != NULL)
		redisFree(c);
	return NULL;
}

/* Close the idle connections: after one died (Redis restarted, a
 * network cut) the others are likely as dead, and the next call had
 * better open a fresh one than find that out too. */
static void
pool_flush_idle(struct redis_store *rs)
{
	redisContext *stale[POOL_MAX];
	unsigned n, i;

	pthread_mutex_lock(&rs->pool_lock);
	n = rs->nidle;
	memcpy(stale, rs->idle, n * sizeof(stale[0]));
	rs->nidle = 0;
	rs->nopen -= n;
	pthread_cond_broadcast(&rs->pool_freed);
	pthread_mutex_unlock(&rs->pool_lock);
	for (i = 0; i < n; i++)
		redisFree(stale[i]);
}

/* A timed out connect or exchange: waiting again would cost as much. */
static bool
is_timeout(const char *why)
{
	return strstr(why, "timed out") != NULL ||
	    strstr(why, "temporarily unavailable") != NULL;
}

static void
note_failure(struct redis_store *rs, const char *why, bool timeout)
{
	if (breaker_failure(&rs->breaker, clock_monotonic_ms(), timeout) !=
	    BREAKER_LOST)
		return;
	loghook_say(&rs->log, LOG_WARNING, "%s: unreachable: %s; fallback %s",
	    rs->name, why, config_fallback_name(rs->cfg->redis_fallback));
	pool_flush_idle(rs);
}

/*
 * A connection to use, or NULL (the reason via store_fail()) when Redis
 * may not or cannot be used now.  The caller gives it back with
 * pool_put().
 */
static redisContext *
pool_get(struct redis_store *rs, uint64_t call_deadline)
{
	uint64_t deadline = clock_monotonic_ms() + rs->cfg->redis_timeout_ms;
	struct timespec until;
	redisContext *c = NULL;
	char why[256], sha[41] = "";

	if (!breaker_allow(&rs->breaker, clock_monotonic_ms())) {
		metrics_redis_error(METRICS_REDIS_CIRCUIT_OPEN);
		store_fail("%s: unreachable, not tried (circuit open)", rs->name);
		return NULL;
	}
	until = clock_timespec(deadline);
	pthread_mutex_lock(&rs->pool_lock);
	while (rs->nidle == 0 && rs->nopen >= rs->cfg->redis_connections &&
	    clock_monotonic_ms() < deadline)
		pthread_cond_timedwait(&rs->pool_freed, &rs->pool_lock, &until);
	if (rs->nidle > 0)
		c = rs->idle[--rs->nidle];
	else if (rs->nopen < rs->cfg->redis_connections)
		rs->nopen++;		/* ours to open, outside the lock */
	else {
		pthread_mutex_unlock(&rs->pool_lock);
		metrics_redis_error(METRICS_REDIS_BUSY);
		store_fail("%s: all %u connections busy", rs->name,
		    rs->cfg->redis_connections);
		return NULL;
	}
	pthread_mutex_unlock(&rs->pool_lock);
	if (c != NULL)
		return c;

	if ((c = connect_one(rs, sha, call_deadline, why, sizeof(why))) == NULL) {
		pthread_mutex_lock(&rs->pool_lock);
		rs->nopen--;
		pthread_cond_signal(&rs->pool_freed);
		pthread_mutex_unlock(&rs->pool_lock);
		/* Nothing listening, or too slow to answer: stop asking at
		 * once rather than after three more messages have waited. */
		note_failure(rs, why, is_timeout(why) ||
		    strncmp(why, "connect:", 8) == 0);
		metrics_redis_error(is_timeout(why) ? METRICS_REDIS_TIMEOUT
		    : METRICS_REDIS_CONNECT);
		store_fail("%s: %s", rs->name, why);
		return NULL;
	}
	pthread_mutex_lock(&rs->pool_lock);
	memcpy(rs->sha, sha, sizeof(rs->sha));
	pthread_mutex_unlock(&rs->pool_lock);
	return c;
}

/* Give a connection back, telling the breaker how it went. */
static void
pool_put(struct redis_store *rs, redisContext *c, enum outcome outcome,
    const char *why)
{
	if (outcome == OUTCOME_OK) {
		if (breaker_success(&rs->breaker, clock_monotonic_ms()) == BREAKER_BACK)
			loghook_say(&rs->log, LOG_NOTICE, "%s: answering again",
			    rs->name);
	}
	pthread_mutex_lock(&rs->pool_lock);
	if (outcome == OUTCOME_IO_ERROR) {
		rs->nopen--;
	} else {
		rs->idle[rs->nidle++] = c;
		c = NULL;
	}
	pthread_cond_signal(&rs->pool_freed);
	pthread_mutex_unlock(&rs->pool_lock);
	if (outcome != OUTCOME_OK) {
		metrics_redis_error(outcome == OUTCOME_REPLY_ERROR
		    ? METRICS_REDIS_REPLY : is_timeout(why)
		    ? METRICS_REDIS_TIMEOUT : METRICS_REDIS_IO);
		note_failure(rs, why, is_timeout(why));
		store_fail("%s: %s", rs->name, why);
	}
	if (c != NULL) {
		redisFree(c);
		pool_flush_idle(rs);
	}
}

/*
 * One round trip on connection c; false if it failed (c is then given
 * back as broken and the failure accounted).
 */
static bool
exchange_on(struct redis_store *rs, redisContext *c, struct cmd *cmds,
    size_t n, redisReply **replies, uint64_t call_deadline)
{
	uint64_t began = clock_monotonic_us();
	char why[256];
	bool ok;

	atomic_fetch_add(&rs->round_trips, 1);
	atomic_fetch_add(&rs->commands, n);
	metrics_count(METRICS_REDIS_ROUND_TRIPS, 1);
	ok = pipeline(c, cmds, n, replies, rs->cfg->redis_timeout_ms,
	    call_deadline, why, sizeof(why));
	metrics_observe(METRICS_REDIS_RTT, clock_monotonic_us() - began);
	if (ok)
		return true;
	pool_put(rs, c, OUTCOME_IO_ERROR, why);
	return false;
}

/*
 * One round trip on a pooled connection: the connection, whose replies
 * the caller checks before giving it back with done(); NULL if Redis
 * could not be asked (the reason in store_error()).
 */
static redisContext *
exchange(struct redis_store *rs, struct cmd *cmds, size_t n,
    redisReply **replies, uint64_t call_deadline)
{
	redisContext *c = pool_get(rs, call_deadline);

	return c != NULL && exchange_on(rs, c, cmds, n, replies, call_deadline)
	    ? c : NULL;
}

/*
 * The deadline of one call of the store, whatever it takes: a connection
 * to come free (T), one to be made (C) and set up (T), one exchange (T),
 * and a -NOSCRIPT answered again within the same bound: T + C + 2T, at
 * most 8 s with the bounds of the options (zombie-milter(8), WAITING).
 */
static uint64_t
call_deadline(const struct redis_store *rs)
{
	return clock_monotonic_ms() + 3 * (uint64_t)rs->cfg->redis_timeout_ms +
	    rs->cfg->redis_connect_timeout_ms;
}

/* Give c back; why is NULL if its replies made sense, else what was
 * wrong with them (an error reply, an answer of the wrong shape), which
 * counts against the breaker like any failure. */
static enum store_status
done(struct redis_store *rs, redisContext *c, const char *why)
{
	pool_put(rs, c, why == NULL ? OUTCOME_OK : OUTCOME_REPLY_ERROR, why);
	return why == NULL ? STORE_OK : STORE_ERROR;
}

/* Why a set of replies is no good: the first error reply's text, escaped
 * as client text is (the server's bytes go to the log). */
static const char *
error_text(redisReply **replies, size_t n, char *buf, size_t len)
{
	const redisReply *err = first_error(replies, n);

	return err != NULL ? logesc(buf, len, err->str) : NULL;
}

static void
make_key(const struct redis_store *rs, char buf[KEY_MAX], const char *kind,
    const char *key)
{
	snprintf(buf, KEY_MAX, "%s%s:%s", rs->cfg->redis_prefix, kind, key);
}

/* Fill an EVALSHA (or, with sha NULL, an EVAL) of the window script,
 * with an observation's arguments if obs is not NULL. */
static void
window_cmd(struct redis_store *rs, struct cmd *cmd, const char *sha,
    const char *key, const char *nums[4], const struct obs_args *obs)
{
	unsigned i;

	memset(cmd, 0, sizeof(*cmd));
	cmd_add(cmd, sha != NULL ? "EVALSHA" : "EVAL");
	cmd_add(cmd, sha != NULL ? sha : window_script);
	cmd_add(cmd, "1");
	cmd_add(cmd, key);
	for (i = 0; i < 4; i++)
		cmd_add(cmd, nums[i]);
	cmd_add(cmd, rs->nwindows);
	for (i = 0; i < 2 * rs->cfg->nwindows; i++)
		cmd_add(cmd, rs->window_args[i]);
	for (i = 0; obs != NULL && i < obs->n; i++)
		cmd_add(cmd, obs->arg[i]);
}

static void
obs_add(struct obs_args *a, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

static void
obs_add(struct obs_args *a, const char *fmt, ...)
{
	va_list ap;

	if (a->n == OBS_ARGS)
		return;
	va_start(ap, fmt);
	vsnprintf(a->arg[a->n++], FIELD_MAX, fmt, ap);
	va_end(ap);
}

/* The window script's arguments for an observation of subj (see the
 * script); the host's part if host. */
static void
obs_args_fill(const struct store_observation *obs,
    const struct store_subject *subj, bool host, struct obs_args *a)
{
	bool bodies = host && obs->fp != NULL && obs->per_host_bulk;
	size_t i;

	a->n = 0;
	obs_add(a, "%u", obs->window_s);
	obs_add(a, "%u", obs->bulk_window_s);
	obs_add(a, "%u", host && obs->from_limit > 0 ? obs->from_limit + 1 : 0);
	obs_add(a, "%u", host && obs->rcpt_limit > 0 ? obs->rcpt_limit + 1 : 0);
	obs_add(a, "%u", bodies ? STORE_BODIES_MAX : 0);
	obs_add(a, "%u", subj->value_cap);
	obs_add(a, "%d", obs->refusal ? 1 : 0);
	if (obs->refusal) {
		/* Take the body's recipients back (the script adds the
		 * negative recipient delta), if it is counted. */
		if (bodies)
			obs_add(a, "B%.6s", obs->fp);
		return;
	}
	if (subj->has_value && subj->value_cap > 0)
		obs_add(a, "D%06x%s%.*s", (unsigned)subj->value & 0xffffff,
		    subj->label != NULL ? "=" : "", STORE_LABEL_MAX - 1,
		    subj->label != NULL ? subj->label : "");
	if (!host)
		return;
	if (obs->has_from && obs->from_limit > 0)
		obs_add(a, "F%06x", (unsigned)obs->from_domain & 0xffffff);
	for (i = 0; obs->rcpt_limit > 0 && i < obs->nrcpt_domains &&
	    i < STORE_RCPT_DOMAINS_MAX; i++)
		obs_add(a, "R%06x", (unsigned)obs->rcpt_domains[i] & 0xffffff);
	if (bodies)
		obs_add(a, "B%.6s", obs->fp);
}

/* PFADD, EXPIRE and PFCOUNT of the body's HyperLogLog of hosts. */
static void
fp_cmds(struct redis_store *rs, struct cmd cmds[3], const char *key,
    const char *host)
{
	memset(cmds, 0, 3 * sizeof(cmds[0]));
	cmd_add(&cmds[0], "PFADD");
	cmd_add(&cmds[0], key);
	cmd_add(&cmds[0], host);
	cmd_add(&cmds[1], "EXPIRE");
	cmd_add(&cmds[1], key);
	cmd_add(&cmds[1], rs->bulk_ttl);
	cmd_add(&cmds[2], "PFCOUNT");
	cmd_add(&cmds[2], key);
}

/* Is subj the observation's host? */
static bool
is_host(const struct store_subject *subj, const struct store_observation *obs)
{
	return obs != NULL && obs->host != NULL && strcmp(subj->key, obs->host) == 0;
}

/* Fill the pipeline of a rate update: the window script for each
 * subject, then the body's host count. */
static size_t
rate_cmds(struct redis_store *rs, struct cmd *cmds, const char *sha,
    char rkeys[][KEY_MAX], size_t n, const char *nums[4],
    const struct obs_args oa[], const char *fpkey,
    const struct store_observation *obs)
{
	size_t k;

	for (k = 0; k < n; k++)
		window_cmd(rs, &cmds[k], sha, rkeys[k], nums,
		    obs != NULL ? &oa[k] : NULL);
	if (fpkey == NULL)
		return n;
	fp_cmds(rs, &cmds[n], fpkey, obs->host);
	return n + 3;
}

static enum store_status
redis_rate_update(struct store *st, struct store_subject subj[], size_t n,
    time_t *now, int32_t dmsgs, int32_t drcpts,
    struct store_observation *obs)
{
	struct redis_store *rs = (struct redis_store *)st;
	char rkeys[STORE_SUBJECTS_MAX][KEY_MAX], dm[16], dr[16], at[24], sha[41];
	char fpkey[KEY_MAX];
	const char *nums[4] = { dm, dr, at, rs->rate_ttl };
	struct cmd cmds[STORE_SUBJECTS_MAX + 3];
	redisReply *replies[STORE_SUBJECTS_MAX + 3];
	struct obs_args oa[STORE_SUBJECTS_MAX];
	const redisReply *first;
	bool fp = obs != NULL && obs->host != NULL && obs->fp != NULL &&
	    obs->cross_host_bulk;
	uint64_t deadline = call_deadline(rs);
	const char *why;
	redisContext *c;
	char text[256];
	size_t k, ncmds;

	snprintf(dm, sizeof(dm), "%d", (int)dmsgs);
	snprintf(dr, sizeof(dr), "%d", (int)drcpts);
	/* An add uses Redis's clock; taking it back names that time. */
	snprintf(at, sizeof(at), "%lld", dmsgs < 0 || drcpts < 0
	    ? (long long)*now : 0LL);
	pthread_mutex_lock(&rs->pool_lock);
	memcpy(sha, rs->sha, sizeof(sha));
	pthread_mutex_unlock(&rs->pool_lock);
	for (k = 0; k < n; k++) {
		make_key(rs, rkeys[k], "rate", subj[k].key);
		if (obs != NULL)
			obs_args_fill(obs, &subj[k], is_host(&subj[k], obs),
			    &oa[k]);
	}
	if (fp)
		make_key(rs, fpkey, "fp", obs->fp);
	ncmds = rate_cmds(rs, cmds, sha[0] != '\0' ? sha : NULL, rkeys, n, nums,
	    oa, fp ? fpkey : NULL, obs);
	if ((c = exchange(rs, cmds, ncmds, replies, deadline)) == NULL)
		return STORE_ERROR;
	first = first_error(replies, ncmds);
	if (first != NULL && strncmp(first->str, "NOSCRIPT", 8) == 0) {
		/* Redis lost its script cache; EVAL reloads it. */
		free_replies(replies, ncmds);
		rate_cmds(rs, cmds, NULL, rkeys, n, nums, oa,
		    fp ? fpkey : NULL, obs);
		if (!exchange_on(rs, c, cmds, ncmds, replies, deadline))
			return STORE_ERROR;
	}
	why = error_text(replies, ncmds, text, sizeof(text));
	for (k = 0; why == NULL && k < n; k++)
		if (!redisreply_counts(replies[k], rs->cfg->nwindows, now,
		    &subj[k], obs, is_host(&subj[k], obs)))
			why = "unexpected reply from the window script";
	if (why == NULL && fp) {
		if (replies[n + 2]->type != REDIS_REPLY_INTEGER)
			why = "unexpected reply to PFCOUNT";
		else
			obs->fp_hosts = (unsigned)replies[n + 2]->integer;
	}
	if (why == NULL && obs != NULL)
		obs->answered = true;
	free_replies(replies, ncmds);
	return done(rs, c, why);
}

static bool
cache_lookup(struct redis_store *rs, const char *key, uint64_t now_ms,
    bool *blocked, struct store_block *out)
{
	struct cache_slot *s;
	bool hit;

	pthread_mutex_lock(&rs->cache_lock);
	s = &rs->cache[hostkey_hash(key) % CACHE_SLOTS];
	hit = s->expires_ms > now_ms && strcmp(s->key, key) == 0;
	if (hit) {
		*blocked = s->blocked;
		if (s->blocked)
			*out = s->block;
	}
	pthread_mutex_unlock(&rs->cache_lock);
	return hit;
}

static void
cache_store(struct redis_store *rs, const char *key, uint64_t now_ms,
    bool blocked, const struct store_block *block)
{
	struct cache_slot *s;

	pthread_mutex_lock(&rs->cache_lock);
	s = &rs->cache[hostkey_hash(key) % CACHE_SLOTS];
	snprintf(s->key, sizeof(s->key), "%s", key);
	s->expires_ms = now_ms + STORE_REDIS_CACHE_MS;
	s->blocked = blocked;
	if (blocked)
		s->block = *block;
	pthread_mutex_unlock(&rs->cache_lock);
}

static enum store_status
redis_block_find(struct store *st, const char *const keys[], size_t n,
    time_t now, size_t *which, struct store_block *out)
{
	struct redis_store *rs = (struct redis_store *)st;
	char rkeys[STORE_SUBJECTS_MAX][KEY_MAX];
	struct cmd cmds[STORE_SUBJECTS_MAX];
	redisReply *replies[STORE_SUBJECTS_MAX];
	size_t k, ask[STORE_SUBJECTS_MAX], nask = 0;
	uint64_t now_ms = clock_monotonic_ms();
	struct store_block block;
	bool blocked, found = false;
	const char *why;
	redisContext *c;
	char text[256];

	(void)now;	/* Redis expires the keys itself */
	for (k = 0; k < n; k++) {
		if (!cache_lookup(rs, keys[k], now_ms, &blocked, &block)) {
			ask[nask++] = k;
		} else if (blocked) {
			*which = k;
			*out = block;
			return STORE_OK;
		}
	}
	if (nask == 0)
		return STORE_NOTFOUND;
	for (k = 0; k < nask; k++) {
		make_key(rs, rkeys[k], "block", keys[ask[k]]);
		memset(&cmds[k], 0, sizeof(cmds[k]));
		cmd_add(&cmds[k], "HGETALL");
		cmd_add(&cmds[k], rkeys[k]);
	}
	if ((c = exchange(rs, cmds, nask, replies, call_deadline(rs))) == NULL)
		return STORE_ERROR;
	why = error_text(replies, nask, text, sizeof(text));
	for (k = 0; why == NULL && k < nask; k++)
		if (replies[k]->type != REDIS_REPLY_ARRAY)
			why = "HGETALL: unexpected reply";
	for (k = 0; why == NULL && k < nask; k++) {
		blocked = redisreply_block(replies[k], &block);
		cache_store(rs, keys[ask[k]], now_ms, blocked, &block);
		if (blocked && !found) {
			*which = ask[k];
			*out = block;
			found = true;
		}
	}
	free_replies(replies, nask);
	if (done(rs, c, why) != STORE_OK)
		return STORE_ERROR;
	return found ? STORE_OK : STORE_NOTFOUND;
}

/* A subject's block record and its TTL in a transaction of their own:
 * the record and its TTL together, or neither. */
static void
block_cmds(struct cmd *cmds, size_t *n, const char *bkey,
    const struct store_block *b, const char *const strs[4])
{
	cmd_add(&cmds[(*n)++], "MULTI");
	cmd_add(&cmds[*n], "HSET");
	cmd_add(&cmds[*n], bkey);
	cmd_add(&cmds[*n], "reason");
	cmd_add(&cmds[*n], b->reason);
	cmd_add(&cmds[*n], "score");
	cmd_add(&cmds[*n], strs[0]);
	cmd_add(&cmds[*n], "since");
	cmd_add(&cmds[*n], strs[1]);
	cmd_add(&cmds[*n], "relay");
	cmd_add(&cmds[*n], b->relay);
	cmd_add(&cmds[*n], "until");
	cmd_add(&cmds[(*n)++], strs[2]);
	cmd_add(&cmds[*n], "EXPIRE");
	cmd_add(&cmds[*n], bkey);
	cmd_add(&cmds[(*n)++], strs[3]);
	cmd_add(&cmds[(*n)++], "EXEC");
}

/* Why the block records' replies are no good, or NULL: an error reply,
 * or a transaction that failed inside (EXEC gives nil or errors). */
static const char *
block_replies_error(struct cmd *cmds, redisReply **replies, size_t n,
    char *text, size_t len)
{
	const char *why = error_text(replies, n, text, len);
	size_t i;

	for (i = 0; why == NULL && i < n; i++)
		if (strcmp(cmds[i].argv[0], "EXEC") == 0 &&
		    (replies[i]->type != REDIS_REPLY_ARRAY ||
		    first_error(replies[i]->element, replies[i]->elements)))
			why = "quarantine record not written (EXEC failed)";
	return why;
}

/*
 * Two round trips, on one connection, within one call's deadline.  The
 * first writes every subject's block record, and reads where the login
 * and the prefix were used from (HGETALL of their rate keys, for the
 * event only: a reply of another kind leaves a list empty): the
 * quarantine stands once it is answered.  The second clears the
 * subjects' counts and publishes the event.
 */
static enum store_status
redis_quarantine(struct store *st, const struct store_quarantine *q)
{
	static const size_t labelled[2] = { STORE_SUBJECT_USER,
	    STORE_SUBJECT_PREFIX };
	struct redis_store *rs = (struct redis_store *)st;
	char bkeys[STORE_SUBJECTS_MAX][KEY_MAX], rkeys[STORE_SUBJECTS_MAX][KEY_MAX];
	char events[KEY_MAX], score[16], since[24], until[24], ttl[24];
	char maxlen[24], event_ttl[16];
	const char *const strs[4] = { score, since, until, ttl };
	struct cmd cmds[4 * STORE_SUBJECTS_MAX + 2];
	redisReply *replies[4 * STORE_SUBJECTS_MAX + 2];
	struct event_quarantine ev;
	struct redisreply_labels labels[2];	/* the login's, the prefix's */
	struct store_block block;
	size_t k, n = 0, nread = 0, at[2];
	uint64_t deadline = call_deadline(rs);
	const char *why;
	redisContext *c;
	char text[256], *json;

	memset(&block, 0, sizeof(block));
	block.since = q->since;
	block.until = q->until;
	block.score = q->score->total;
	score_explain(q->score, block.reason, sizeof(block.reason));
	snprintf(block.relay, sizeof(block.relay), "%s", q->relay);
	snprintf(score, sizeof(score), "%d", block.score);
	snprintf(since, sizeof(since), "%lld", (long long)q->since);
	snprintf(until, sizeof(until), "%lld", (long long)q->until);
	snprintf(ttl, sizeof(ttl), "%lld", (long long)(q->until - q->since));
	snprintf(maxlen, sizeof(maxlen), "%lu", rs->cfg->event_stream_max);
	snprintf(event_ttl, sizeof(event_ttl), "%u", rs->cfg->event_ttl_s);

	memset(cmds, 0, sizeof(cmds));
	for (k = 0; k < STORE_SUBJECTS_MAX; k++) {
		if (q->keys[k] == NULL)
			continue;
		make_key(rs, bkeys[k], "block", q->keys[k]);
		make_key(rs, rkeys[k], "rate", q->keys[k]);
	}
	for (k = 0; k < 2; k++) {
		labels[k].n = 0;
		if (q->keys[labelled[k]] == NULL)
			continue;
		cmd_add(&cmds[n], "HGETALL");
		cmd_add(&cmds[n++], rkeys[labelled[k]]);
		at[nread++] = k;
	}
	for (k = 0; k < STORE_SUBJECTS_MAX; k++)
		if (q->keys[k] != NULL)
			block_cmds(cmds, &n, bkeys[k], &block, strs);
	if ((c = exchange(rs, cmds, n, replies, deadline)) == NULL)
		return STORE_ERROR;
	for (k = 0; k < nread; k++)
		redisreply_labels(replies[k], q->since,
		    rs->cfg->sig.behaviour_window_s, &labels[at[k]]);
	why = block_replies_error(cmds + nread, replies + nread, n - nread,
	    text, sizeof(text));
	free_replies(replies, n);
	if (why != NULL)
		return done(rs, c, why);
	for (k = 0; k < STORE_SUBJECTS_MAX; k++)
		if (q->keys[k] != NULL)
			cache_store(rs, q->keys[k], clock_monotonic_ms(), true, &block);

	memset(&ev, 0, sizeof(ev));
	ev.host = q->keys[STORE_SUBJECT_HOST];
	ev.prefix = q->keys[STORE_SUBJECT_PREFIX];
	ev.user = q->keys[STORE_SUBJECT_USER];
	ev.user_hosts = labels[0].v;
	ev.nuser_hosts = labels[0].n;
	ev.prefix_hosts = labels[1].v;
	ev.nprefix_hosts = labels[1].n;
	ev.score = q->score;
	ev.relay = q->relay;
	ev.since = q->since;
	ev.until = q->until;
	ev.queue_id = q->queue_id;
	json = event_quarantine_json(&ev, rs->cfg->hmac_key,
	    rs->cfg->hmac_key_len);
	if (json == NULL) {
		(void)done(rs, c, NULL);
		return store_fail("%s: cannot build the event: out of memory",
		    rs->name);
	}
	memset(cmds, 0, sizeof(cmds));
	n = 0;
	for (k = 0; k < STORE_SUBJECTS_MAX; k++) {
		if (q->keys[k] == NULL)
			continue;
		cmd_add(&cmds[n], "DEL");
		cmd_add(&cmds[n++], rkeys[k]);
	}
	snprintf(events, sizeof(events), "%sevents", rs->cfg->redis_prefix);
	cmd_add(&cmds[n], "XADD");
	cmd_add(&cmds[n], events);
	cmd_add(&cmds[n], "MAXLEN");
	cmd_add(&cmds[n], "~");
	cmd_add(&cmds[n], maxlen);
	cmd_add(&cmds[n], "*");
	cmd_add(&cmds[n], "json");
	cmd_add(&cmds[n++], json);
	cmd_add(&cmds[n], "EXPIRE");
	cmd_add(&cmds[n], events);
	cmd_add(&cmds[n++], event_ttl);
	cmd_add(&cmds[n], "PUBLISH");
	cmd_add(&cmds[n], events);
	cmd_add(&cmds[n++], json);
	if (!exchange_on(rs, c, cmds, n, replies, deadline)) {
		free(json);
		return STORE_ERROR;
	}
	free(json);
	why = error_text(replies, n, text, sizeof(text));
	free_replies(replies, n);
	return done(rs, c, why);
}

static void
redis_free(struct store *st)
{
	struct redis_store *rs = (struct redis_store *)st;
	unsigned i;

	loghook_say(&rs->log, LOG_NOTICE, "%s: %lu round trips, %lu commands",
	    rs->name,
	    atomic_load(&rs->round_trips), atomic_load(&rs->commands));
	for (i = 0; i < rs->nidle; i++)
		redisFree(rs->idle[i]);
	hostaddr_free(rs->host);
	config_free(rs->cfg);
	breaker_destroy(&rs->breaker);
	pthread_cond_destroy(&rs->pool_freed);
	pthread_mutex_destroy(&rs->pool_lock);
	pthread_mutex_destroy(&rs->cache_lock);
	free(rs);
}

bool
store_redis_circuit_open(struct store *st)
{
	return !breaker_closed(&((struct redis_store *)st)->breaker);
}

static const struct store_ops redis_ops = {
	.rate_update = redis_rate_update,
	.block_find = redis_block_find,
	.quarantine = redis_quarantine,
	.free = redis_free,
};

struct store *
store_redis_new(const struct config *cfg, const struct loghook *log)
{
	struct redis_store *rs;
	pthread_condattr_t attr;
	unsigned i, width, longest = 0;

	if ((rs = calloc(1, sizeof(*rs))) == NULL)
		return NULL;
	store_init(&rs->base, &redis_ops);
	rs->cfg = config_ref(cfg);
	rs->log = *log;
	if (!config_redis_address(cfg->redis, &rs->addr) || (!rs->addr.is_unix &&
	    (rs->host = hostaddr_new(rs->addr.host, HOST_REFRESH_S)) == NULL)) {
		config_free(rs->cfg);
		free(rs);
		return NULL;
	}
	snprintf(rs->name, sizeof(rs->name), "redis %s", cfg->redis);
	for (i = 0; i < cfg->nwindows; i++) {
		width = cfg->windows[i].spec.length_s / cfg->windows[i].spec.buckets;
		snprintf(rs->window_args[2 * i], sizeof(rs->window_args[0]), "%u",
		    width);
		snprintf(rs->window_args[2 * i + 1], sizeof(rs->window_args[0]),
		    "%u", cfg->windows[i].spec.buckets);
		/* Kept one bucket past the window, then dropped if idle. */
		if (cfg->windows[i].spec.length_s + width > longest)
			longest = cfg->windows[i].spec.length_s + width;
	}
	/* Observations are kept in the rate key too. */
	if (config_observe_s(cfg) > longest)
		longest = config_observe_s(cfg);
	snprintf(rs->rate_ttl, sizeof(rs->rate_ttl), "%u", longest);
	snprintf(rs->bulk_ttl, sizeof(rs->bulk_ttl), "%u", cfg->sig.bulk_window_s);
	snprintf(rs->nwindows, sizeof(rs->nwindows), "%u", cfg->nwindows);
	breaker_init(&rs->breaker);
	pthread_mutex_init(&rs->pool_lock, NULL);
	pthread_condattr_init(&attr);		/* waits immune to clock steps */
	pthread_condattr_setclock(&attr, CLOCK_MONOTONIC);
	pthread_cond_init(&rs->pool_freed, &attr);
	pthread_condattr_destroy(&attr);
	pthread_mutex_init(&rs->cache_lock, NULL);
	return &rs->base;
}
