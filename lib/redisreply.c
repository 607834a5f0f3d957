/*
 * redisreply -- what the milter reads in Redis's replies.  See
 * redisreply.h.
 */
#include "zmconfig.h"

#include <hiredis/hiredis.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "redisreply.h"

/* hiredis's own reply functions, but for arrays too long to be ours. */
static redisReplyObjectFunctions bounded;
static void *(*create_array)(const redisReadTask *, int);
static pthread_once_t bounded_once = PTHREAD_ONCE_INIT;

static void *
bounded_array(const redisReadTask *task, int elements)
{
	if (elements > REDISREPLY_ELEMENTS_MAX)
		return NULL;		/* hiredis: "Out of memory" */
	return create_array(task, elements);
}

/* hiredis's defaults are those of a new reader. */
static void
bounded_init(void)
{
	redisReader *r = redisReaderCreate();

	if (r == NULL)
		return;			/* no memory: readers stay as they are */
	bounded = *r->fn;
	create_array = r->fn->createArray;
	bounded.createArray = bounded_array;
	redisReaderFree(r);
}

void
redisreply_bound(redisReader *reader)
{
	pthread_once(&bounded_once, bounded_init);
	if (reader != NULL && create_array != NULL)
		reader->fn = &bounded;
}

/* A count from an integer reply checked not negative: at most UINT32_MAX
 * (a larger one is "very many", not a small number wrapped round). */
static uint32_t
count(const redisReply *e)
{
	return e->integer > (long long)UINT32_MAX ? UINT32_MAX
	    : (uint32_t)e->integer;
}

/* Read the observation's answers at the end of the script's reply. */
static bool
observation(const redisReply *r, size_t at,
    struct store_observation *obs, struct store_subject *subj, bool host)
{
	if (r->elements != at + 5)
		return false;
	subj->refused = count(r->element[at + 3]);
	subj->values = count(r->element[at + 4]);
	if (!host)
		return true;
	obs->from_domains = count(r->element[at]);
	obs->rcpt_domains_window = count(r->element[at + 1]);
	obs->fp_rcpts = r->element[at + 2]->integer > 0
	    ? count(r->element[at + 2]) : obs->rcpts;
	return true;
}

bool
redisreply_counts(const redisReply *r, unsigned nwindows, time_t *now,
    struct store_subject *subj, struct store_observation *obs, bool host)
{
	size_t want = 1 + 2 * (size_t)nwindows;
	unsigned i;

	if (nwindows > STORE_WINDOWS_MAX || r->type != REDIS_REPLY_ARRAY ||
	    r->elements != want + (obs != NULL ? 5 : 0))
		return false;
	for (i = 0; i < r->elements; i++)
		if (r->element[i]->type != REDIS_REPLY_INTEGER ||
		    r->element[i]->integer < 0)
			return false;
	*now = (time_t)r->element[0]->integer;
	for (i = 0; i < nwindows; i++) {
		subj->counts[i].msgs = count(r->element[1 + 2 * i]);
		subj->counts[i].rcpts = count(r->element[2 + 2 * i]);
	}
	return obs == NULL || observation(r, want, obs, subj, host);
}

bool
redisreply_block(const redisReply *r, struct store_block *b)
{
	const char *f, *v;
	size_t i;

	if (r->type != REDIS_REPLY_ARRAY || r->elements == 0)
		return false;
	memset(b, 0, sizeof(*b));
	for (i = 0; i + 1 < r->elements; i += 2) {
		if (r->element[i]->type != REDIS_REPLY_STRING ||
		    r->element[i + 1]->type != REDIS_REPLY_STRING)
			continue;
		f = r->element[i]->str;
		v = r->element[i + 1]->str;
		if (strcmp(f, "reason") == 0)
			snprintf(b->reason, sizeof(b->reason), "%s", v);
		else if (strcmp(f, "relay") == 0)
			snprintf(b->relay, sizeof(b->relay), "%s", v);
		else if (strcmp(f, "score") == 0)
			b->score = atoi(v);
		else if (strcmp(f, "since") == 0)
			b->since = (time_t)strtoll(v, NULL, 10);
		else if (strcmp(f, "until") == 0)
			b->until = (time_t)strtoll(v, NULL, 10);
	}
	return true;
}

void
redisreply_labels(const redisReply *r, time_t now, unsigned window_s,
    struct redisreply_labels *l)
{
	const char *f, *v, *sp;
	long minute, age;
	size_t i, len;

	l->n = 0;
	if (r->type != REDIS_REPLY_ARRAY)
		return;
	for (i = 0; i + 1 < r->elements && l->n < EVENT_HOSTS_MAX; i += 2) {
		if (r->element[i]->type != REDIS_REPLY_STRING ||
		    r->element[i + 1]->type != REDIS_REPLY_STRING)
			continue;
		/* Redis's bytes: only what the script writes passes, "D" and
		 * 6 hex digits, a minute, a space and a host key's
		 * characters. */
		f = r->element[i]->str;
		v = r->element[i + 1]->str;
		if (r->element[i]->len != 7 || f[0] != 'D' ||
		    strspn(f + 1, "0123456789abcdef") != 6)
			continue;
		sp = v + strspn(v, "0123456789");
		if (sp == v || sp - v > 4 || *sp++ != ' ')
			continue;
		/* minutes modulo 4096; one ahead of ours is Redis's clock */
		minute = strtol(v, NULL, 10);
		age = ((long)(now / 60 % 4096) - minute + 4096) % 4096;
		if (age >= 2048)
			age = 0;
		if (!store_generation_live((uint32_t)(now - age * 60),
		    (uint32_t)now, window_s))
			continue;
		len = r->element[i + 1]->len - (size_t)(sp - v);
		if (len == 0 || len >= STORE_LABEL_MAX ||
		    strspn(sp, "0123456789abcdefABCDEF.:/") != len)
			continue;
		memcpy(l->text[l->n], sp, len + 1);
		l->v[l->n] = l->text[l->n];
		l->n++;
	}
}

