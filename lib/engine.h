/*
 * engine -- facts in, verdict out.
 *
 * The engine owns the store and the signal table and knows nothing of the
 * MTA.  The milter asks it twice per message: engine_check_mail() at MAIL
 * FROM (is the host, its delegated prefix or the login quarantined?) and
 * engine_decide() at end of message (count it, score it, act on the
 * verdict).  A message is counted for each of its subjects: the host, the
 * prefix delegated to its customer, the login; each subject also keeps
 * its refusals and the distinct values it is seen with (a host's logins,
 * a prefix's hosts, a login's networks).  Mail that is refused is not
 * counted, but its refusal is, for every subject; a quarantine covers
 * every subject of the message, writes the block and clears the counts,
 * so a released subject starts clean.  In monitor mode the verdict is
 * always accept and `would` says what enforce mode would have done.
 *
 * State lives in the local (embedded) store, or, when Redis is configured,
 * in the shared store with the local one as the fallback while Redis
 * cannot be used: redis_fallback says whether to count locally, accept
 * uncounted, or tempfail.  Quarantines written locally during an outage
 * are honoured too.
 *
 * Thread-safe: one engine serves every libmilter worker.  The config and
 * clock passed to engine_new() must outlive the engine; the stores become
 * the engine's.
 */
#ifndef ZM_ENGINE_H
#define ZM_ENGINE_H

#include <stdbool.h>
#include <time.h>

#include "behaviour.h"
#include "config.h"
#include "score.h"
#include "spf.h"
#include "store.h"

struct engine_clock {
	time_t (*now)(void *arg);
	void *arg;
};

/* The wall clock. */
extern const struct engine_clock engine_clock_system;

/* What the milter knows of a message; keys from hostkey.h.  Zeroed, it
 * is a message nothing is known of. */
struct engine_message {
	const char *host;	/* host key, NULL if the client has no address */
	const char *prefix;	/* its delegated prefix's key, NULL if none */
	const char *network;	/* its network's key (a login's spread) */
	const char *user;	/* user key, NULL if not authenticated */
	unsigned rcpts;		/* accepted recipients */
	unsigned rejected;	/* recipients the MTA refused */
	const struct domain_set *rcpt_domains;	/* NULL if not kept */
	const char *from;	/* the envelope sender, NULL if none */
	const char *helo;	/* NULL if none */
	const char *mta_name;	/* the MTA's own name ($j), NULL */
	enum spf_result spf;
	const char *fp;		/* the body's fingerprint, NULL if none */
	const char *queue_id;	/* NULL if the MTA gave none */
	const struct dnsbl_result *dnsbl;	/* finished DNSBL lookups */
	size_t ndnsbl;
	bool block_unknown;	/* engine_check_mail could not ask Redis */
};

struct engine_decision {
	enum verdict verdict;	/* what to do */
	enum verdict would;	/* what the score says (monitor mode) */
	struct score score;
	const char *blocked;	/* engine_check_mail: the quarantined key */
	struct store_block block;	/* and its record */
	bool fell_back;		/* Redis could not be used: see errstr */
	bool store_failed;	/* the local store failed too (no memory) */
	char errstr[256];
};

/* A new engine over the local store and, if not NULL, the shared one;
 * NULL on ENOMEM (the stores are then freed too). */
struct engine *engine_new(const struct config *cfg, struct store *shared,
    struct store *local, const struct engine_clock *clock);

/* Free the engine and its store; NULL is fine. */
void engine_free(struct engine *e);

/* At MAIL FROM: refuse if the host, its delegated prefix or the login is
 * quarantined. */
void engine_check_mail(struct engine *e, const struct engine_message *m,
    struct engine_decision *d);

/* At end of message: count, score, and quarantine if it comes to that. */
void engine_decide(struct engine *e, const struct engine_message *m,
    struct engine_decision *d);

#endif
