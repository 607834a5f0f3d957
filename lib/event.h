/*
 * event -- the JSON of a quarantine event, optionally signed.
 *
 *   {"event":"quarantine","host":"192.0.2.7","prefix":null,"user":null,
 *    "user_hosts":[],"prefix_hosts":[],"score":130,
 *    "reasons":["msgs1m=31/30(+50)",...],"relay":"relay1",
 *    "since":1700000000,"until":1700086400,"queue_id":"4F1A2B","v":1,
 *    "sig":"..."}
 *
 * "prefix" is the prefix delegated to the host's customer, quarantined
 * with it; "user_hosts" the host keys the login was used from within the
 * behaviour window (the last one of each network), "prefix_hosts" the
 * host keys seen in the prefix; both as far as the store kept them.
 *
 * "sig", present when a key is given, is the hex HMAC-SHA256 of the same
 * event without "sig", serialised compactly with its keys sorted and
 * non-ASCII escaped -- in Python: json.dumps(ev, separators=(",", ":"),
 * sort_keys=True).  Every string is printable ASCII (the queue id, the
 * MTA's, is escaped as in the log), so any encoder writes the same bytes;
 * the values come from keys, the config and the MTA, never the client.
 */
#ifndef ZM_EVENT_H
#define ZM_EVENT_H

#include <stddef.h>
#include <time.h>

#include "score.h"

#define EVENT_HOSTS_MAX	64

struct event_quarantine {
	const char *host;	/* host key or NULL */
	const char *user;	/* user key or NULL */
	const struct score *score;
	const char *relay;
	time_t since;
	time_t until;
	const char *queue_id;	/* NULL if unknown */
	const char *prefix;	/* the delegated prefix's key or NULL */
	const char *const *user_hosts;		/* host keys, nuser_hosts */
	size_t nuser_hosts;
	const char *const *prefix_hosts;	/* host keys, nprefix_hosts */
	size_t nprefix_hosts;
};

/* The event as a malloc'd JSON string (the caller frees it); NULL on
 * ENOMEM.  key_len 0: unsigned. */
char *event_quarantine_json(const struct event_quarantine *ev,
    const unsigned char *key, size_t key_len);

#endif
