/*
 * event -- quarantine events as JSON.  See event.h.
 */
#include "zmconfig.h"

#include <jansson.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <stdlib.h>
#include <string.h>

#include "event.h"
#include "logesc.h"

static json_t *
string_or_null(const char *s)
{
	return s != NULL ? json_string(s) : json_null();
}

static json_t *
reasons_array(const struct score *s)
{
	json_t *a = json_array();
	char text[SCORE_REASON_LEN + 16];
	unsigned i;

	for (i = 0; a != NULL && i < s->nreasons; i++) {
		score_reason_format(&s->reasons[i], text, sizeof(text));
		json_array_append_new(a, json_string(text));
	}
	return a;
}

static json_t *
strings_array(const char *const *v, size_t n)
{
	json_t *a = json_array();
	size_t i;

	for (i = 0; a != NULL && i < n; i++)
		json_array_append_new(a, json_string(v[i]));
	return a;
}

/* Add "sig": HMAC-SHA256 over the canonical form of ev without it. */
static int
sign(json_t *ev, const unsigned char *key, size_t key_len)
{
	static const char hex[] = "0123456789abcdef";
	unsigned char mac[EVP_MAX_MD_SIZE];
	char sig[2 * EVP_MAX_MD_SIZE + 1];
	unsigned int mac_len = 0, i;
	char *canon;

	canon = json_dumps(ev, JSON_COMPACT | JSON_SORT_KEYS | JSON_ENSURE_ASCII);
	if (canon == NULL)
		return -1;
	if (HMAC(EVP_sha256(), key, (int)key_len, (unsigned char *)canon,
	    strlen(canon), mac, &mac_len) == NULL) {
		free(canon);
		return -1;
	}
	free(canon);
	for (i = 0; i < mac_len; i++) {
		sig[2 * i] = hex[mac[i] >> 4];
		sig[2 * i + 1] = hex[mac[i] & 0xf];
	}
	sig[2 * mac_len] = '\0';
	return json_object_set_new(ev, "sig", json_string(sig));
}

char *
event_quarantine_json(const struct event_quarantine *q,
    const unsigned char *key, size_t key_len)
{
	char queue_id[256];
	json_t *ev;
	char *out = NULL;

	/* The MTA's queue id may hold anything; the event holds ASCII only,
	 * so every JSON encoder writes it, and signs it, the same way. */
	if (q->queue_id != NULL)
		logesc(queue_id, sizeof(queue_id), q->queue_id);
	ev = json_pack("{s:s, s:o, s:o, s:o, s:o, s:o, s:i, s:o, s:s, s:I, s:I,"
	    " s:o, s:i}",
	    "event", "quarantine",
	    "host", string_or_null(q->host),
	    "prefix", string_or_null(q->prefix),
	    "user", string_or_null(q->user),
	    "user_hosts", strings_array(q->user_hosts, q->nuser_hosts),
	    "prefix_hosts", strings_array(q->prefix_hosts, q->nprefix_hosts),
	    "score", q->score->total,
	    "reasons", reasons_array(q->score),
	    "relay", q->relay,
	    "since", (json_int_t)q->since,
	    "until", (json_int_t)q->until,
	    "queue_id", string_or_null(q->queue_id != NULL ? queue_id : NULL),
	    "v", 1);
	if (ev == NULL)
		return NULL;
	if (key_len == 0 || sign(ev, key, key_len) == 0)
		out = json_dumps(ev, JSON_COMPACT | JSON_SORT_KEYS |
		    JSON_ENSURE_ASCII);
	json_decref(ev);
	return out;
}
