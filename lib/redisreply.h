/*
 * redisreply -- what the milter reads in Redis's replies: the window
 * script's counts, a quarantine record, the labels kept with a subject's
 * distinct values.  Every byte from Redis is taken as hostile: a reply of
 * another shape is refused (counts) or skipped (records, labels), never
 * read past its end.  fuzz/fuzz_redisreply.c feeds them arbitrary RESP.
 */
#ifndef ZM_REDISREPLY_H
#define ZM_REDISREPLY_H

#include <hiredis/hiredis.h>
#include <stdbool.h>
#include <stddef.h>
#include <time.h>

#include "event.h"
#include "store.h"

/*
 * Make reader refuse an array of more than REDISREPLY_ELEMENTS_MAX
 * elements (hiredis 0.14 allocates whatever a reply's header asks for):
 * the reply is then an error ("Out of memory"), and the connection is
 * dropped.  No reply the milter asks for comes near it.
 */
#define REDISREPLY_ELEMENTS_MAX	(1 << 20)

void redisreply_bound(redisReader *reader);

/* The window script's reply (lib/window.lua) for a subject: its time
 * into *now, nwindows windows' counts, and with obs its observation's
 * answers (the host's part if host); false if the reply is not of that
 * shape (an array of as many integers, none negative). */
bool redisreply_counts(const redisReply *r, unsigned nwindows, time_t *now,
    struct store_subject *subj, struct store_observation *obs, bool host);

/* A quarantine record from HGETALL's field/value array into b; false if
 * there is none (an empty array, or not an array). */
bool redisreply_block(const redisReply *r, struct store_block *b);

/* The labels kept with a subject's distinct values (the script's
 * "D<hash>" fields: "minute label"), from HGETALL of its rate key: those
 * the script still counts at now, seen in this generation or the one
 * before (store.h; it deletes the others as it sweeps, not at once), and
 * only what the script writes: "D" and 6 hex digits, a minute, a space and
 * a host key's characters. */
struct redisreply_labels {
	size_t n;
	char text[EVENT_HOSTS_MAX][STORE_LABEL_MAX];
	const char *v[EVENT_HOSTS_MAX];
};

void redisreply_labels(const redisReply *r, time_t now, unsigned window_s,
    struct redisreply_labels *l);

#endif
