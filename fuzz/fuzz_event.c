/*
 * fuzz_event -- libFuzzer target: the quarantine event's JSON
 * (lib/event.c) with hostile strings.
 *
 * An input is lines: the HMAC key (empty: unsigned), the host key, the
 * prefix, the user key, the relay, the queue id, then any number of
 * "u VALUE" (a host the login was used from), "p VALUE" (a host seen in
 * the prefix) and "r VALUE" (a reason).  The queue id is the MTA's and
 * may hold any byte but NUL; the other values, which come from keys,
 * Redis (checked by labels_parse) and the configuration, are made
 * printable ASCII, as they always are.  Asserted: the event is made, it
 * parses as JSON, every string in it is printable ASCII, its fields are
 * what was given, and its "sig" is the HMAC-SHA256 of the event without
 * it, serialised compactly with sorted keys (zombie-milter(8) EVENTS).
 * A failed assertion is a finding (abort).
 */
#include "zmconfig.h"

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>

#include "event.h"
#include "score.h"

#define LINE_MAX_	512
#define LINES_MAX	(6 + 2 * EVENT_HOSTS_MAX + SCORE_REASONS_MAX)

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static bool
printable(const char *s)
{
	for (; *s != '\0'; s++)
		if ((unsigned char)*s < 0x20 || (unsigned char)*s > 0x7e)
			return false;
	return true;
}

/* Every string in v printable ASCII. */
static bool
all_printable(json_t *v)
{
	const char *k;
	json_t *x;
	size_t i;

	switch (json_typeof(v)) {
	case JSON_STRING:
		return printable(json_string_value(v));
	case JSON_ARRAY:
		json_array_foreach(v, i, x)
			if (!all_printable(x))
				return false;
		return true;
	case JSON_OBJECT:
		json_object_foreach(v, k, x)
			if (!printable(k) || !all_printable(x))
				return false;
		return true;
	default:
		return true;
	}
}

static bool
is(json_t *ev, const char *field, const char *want)
{
	json_t *v = json_object_get(ev, field);

	return want == NULL ? json_is_null(v) :
	    json_is_string(v) && strcmp(json_string_value(v), want) == 0;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static char lines[LINES_MAX][LINE_MAX_ + 1];
	const char *uh[EVENT_HOSTS_MAX], *ph[EVENT_HOSTS_MAX];
	struct event_quarantine q;
	struct score sc;
	size_t n = 0, len = 0, i, nu = 0, np = 0;
	unsigned char mac[EVP_MAX_MD_SIZE];
	unsigned mac_len = 0;
	char sig[2 * EVP_MAX_MD_SIZE + 1], *out, *canon;
	json_t *ev, *s;

	memset(lines, 0, sizeof(lines));
	for (i = 0; i < size && n < LINES_MAX; i++) {
		char c = (char)data[i];

		if (c == '\n' || len == LINE_MAX_) {
			if (++n == LINES_MAX)
				break;
			len = 0;
			if (c == '\n')
				continue;
		}
		if (c != '\0')
			lines[n][len++] = c;
	}
	n = n < LINES_MAX ? n + 1 : n;
	if (n < 6)
		return 0;
	/* All but the queue id (line 5) come printable. */
	for (i = 0; i < n; i++) {
		char *p;

		if (i == 5)
			continue;
		for (p = lines[i]; *p != '\0'; p++)
			*p = (char)(0x20 + (unsigned char)*p % 95);
	}
	score_init(&sc);
	memset(&q, 0, sizeof(q));
	for (i = 6; i < n; i++) {
		if (lines[i][0] == 'u' && nu < EVENT_HOSTS_MAX)
			uh[nu++] = lines[i] + 1;
		else if (lines[i][0] == 'p' && np < EVENT_HOSTS_MAX)
			ph[np++] = lines[i] + 1;
		else
			score_add(&sc, (int)(i * 7 % 100), "%s", lines[i] + 1);
	}
	q.host = lines[1][0] != '\0' ? lines[1] : NULL;
	q.prefix = lines[2][0] != '\0' ? lines[2] : NULL;
	q.user = lines[3][0] != '\0' ? lines[3] : NULL;
	q.relay = lines[4];
	q.queue_id = lines[5][0] != '\0' ? lines[5] : NULL;
	q.score = &sc;
	q.since = 1700000000;
	q.until = 1700000600;
	q.user_hosts = uh;
	q.nuser_hosts = nu;
	q.prefix_hosts = ph;
	q.nprefix_hosts = np;
	out = event_quarantine_json(&q, (const unsigned char *)lines[0],
	    strlen(lines[0]));
	if (out == NULL || (ev = json_loads(out, 0, NULL)) == NULL)
		abort();
	if (!all_printable(ev) || !is(ev, "host", q.host) ||
	    !is(ev, "prefix", q.prefix) || !is(ev, "user", q.user) ||
	    !is(ev, "relay", q.relay) ||
	    json_array_size(json_object_get(ev, "user_hosts")) != nu ||
	    json_array_size(json_object_get(ev, "prefix_hosts")) != np ||
	    json_array_size(json_object_get(ev, "reasons")) != sc.nreasons)
		abort();
	s = json_object_get(ev, "sig");
	if ((lines[0][0] == '\0') != (s == NULL))
		abort();
	if (s != NULL) {
		snprintf(sig, sizeof(sig), "%s", json_string_value(s));
		json_object_del(ev, "sig");
		canon = json_dumps(ev, JSON_COMPACT | JSON_SORT_KEYS |
		    JSON_ENSURE_ASCII);
		if (canon == NULL || HMAC(EVP_sha256(), lines[0],
		    (int)strlen(lines[0]), (unsigned char *)canon, strlen(canon),
		    mac, &mac_len) == NULL)
			abort();
		for (i = 0; i < mac_len; i++) {
			static const char hex[] = "0123456789abcdef";

			if (sig[2 * i] != hex[mac[i] >> 4] ||
			    sig[2 * i + 1] != hex[mac[i] & 0xf])
				abort();
		}
		if (sig[2 * mac_len] != '\0')
			abort();
		free(canon);
	}
	json_decref(ev);
	free(out);
	return 0;
}
