/*
 * session -- one SMTP session as the milter sees it, without libmilter.
 *
 * The callbacks (callbacks.c) and the -t test mode (testmode.c) feed the
 * same events into a session: connect, HELO, MAIL FROM, each RCPT, the
 * body, end of message.  The session starts the DNSBL and SPF lookups as
 * early as their facts exist, keeps what the signals need (distinct
 * recipient domains, refused recipients, the body's fingerprint) and asks
 * the engine for the verdict, so a transaction tried with -t is judged
 * exactly as the same one through an MTA.
 *
 * Each session may have at most SESSION_QUERIES_MAX DNS queries in
 * flight (resolver.h): a client looping EHLO or MAIL/RSET with fresh names
 * gets unknown answers past that, logged once per session.
 *
 * A session is used by one thread at a time; the environment it is made
 * with is shared and must outlive it.
 */
#ifndef ZM_SESSION_H
#define ZM_SESSION_H

#include <stdbool.h>
#include <stddef.h>

#include "config.h"
#include "dnsbl.h"
#include "engine.h"
#include "netaddr.h"
#include "spf.h"

#define SESSION_QUERIES_MAX	64

struct session_env {
	const struct config *cfg;
	struct engine *engine;
	struct resolver *resolver;	/* NULL without DNS lookups */
	struct dnsbl *dnsbl;		/* NULL without DNSBL zones */
	struct spf *spf;		/* NULL without SPF */
};

struct session;

/* A new session; NULL on ENOMEM. */
struct session *session_new(const struct session_env *env);

/* Free it and its lookups; NULL is fine. */
void session_free(struct session *s);

/*
 * Serve the session from env from now on (a reload; between messages):
 * the lookups of its client and HELO name are asked again through env's
 * lookups, its host key is made with env's prefixes.  Whether the client
 * is exempt stays as it was decided at CONNECT.
 */
void session_rebind(struct session *s, const struct session_env *env);

/* CONNECT from addr (NULL: a local or unknown client, no host key), to
 * an MTA calling itself mta_name (NULL if unknown).  False if the client
 * is exempt: accept it all. */
bool session_connect(struct session *s, const struct netaddr *addr,
    const char *mta_name);

void session_helo(struct session *s, const char *name);

/* MAIL FROM, starting a message: true with d filled if the host or the
 * login (NULL if none) is quarantined, so the message is refused now. */
bool session_mail(struct session *s, const char *from, const char *login,
    const char *queue_id, struct engine_decision *d);

/* A recipient, accepted or refused by the MTA. */
void session_rcpt(struct session *s, const char *rcpt, bool refused);

/* The next chunk of the body; false once no more is wanted. */
bool session_body(struct session *s, const unsigned char *chunk, size_t len);

/* Does any signal want the body? */
bool session_wants_body(const struct session_env *env);

/* Does any signal want the HELO name? */
bool session_wants_helo(const struct session_env *env);

/* End of message: the verdict, in d.  The message is over after it. */
void session_eom(struct session *s, const char *queue_id,
    struct engine_decision *d);

/* The message was aborted. */
void session_abort(struct session *s);

/* The message's accepted recipients so far. */
unsigned session_rcpts(const struct session *s);

/* The queue id as logged: escaped, or NOQUEUE. */
#define SESSION_QID_MAX	256
const char *session_queue_id(const struct session *s,
    char buf[SESSION_QID_MAX]);

/* The decision line after its queue id: "action=X [would=Y] host=H
 * user=U score=N reasons=R rcpts=N[ stage=S blocked=K][ fallback=P]" (see
 * zombie-milter(8), "Reading the log"). */
char *session_describe(const struct session *s,
    const struct engine_decision *d, const char *stage, char *buf,
    size_t len);

/* The X-Zombie-Score header's value: "N reasons". */
char *session_header(const struct engine_decision *d, char *buf, size_t len);

#endif
