/*
 * fuzz_redisreply -- libFuzzer target: Redis's replies as the milter reads
 * them (lib/redisreply.c), from arbitrary RESP bytes.
 *
 * An input is a byte of settings (its low 4 bits the number of windows,
 * 0 to 15; bit 4 an observation, bit 5 the host's part) and RESP bytes,
 * read with hiredis's own reader, bounded as the milter's connections
 * are (redisreply_bound()): every
 * reply it makes of them goes through the window script's parser, the
 * quarantine record's and the labels'.  Asserted: a reply of another
 * shape is refused, not read past; the record's strings and every label
 * end within their buffers; a label holds only what the script writes
 * (a host key's characters).  A failed assertion is a finding (abort).
 */
#include "zmconfig.h"

#include <hiredis/hiredis.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "redisreply.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void
check(const redisReply *r, unsigned nwindows, bool observed, bool host)
{
	struct store_subject subj;
	struct store_observation obs;
	struct store_block block;
	struct redisreply_labels labels;
	time_t now = 0;
	size_t i;

	memset(&subj, 0, sizeof(subj));
	memset(&obs, 0, sizeof(obs));
	if (redisreply_counts(r, nwindows, &now, &subj,
	    observed ? &obs : NULL, host)) {
		if (r->type != REDIS_REPLY_ARRAY || now < 0 ||
		    nwindows > STORE_WINDOWS_MAX ||
		    r->elements != 1 + 2 * nwindows + (observed ? 5 : 0))
			abort();
	}
	if (redisreply_block(r, &block)) {
		if (strnlen(block.reason, sizeof(block.reason)) ==
		    sizeof(block.reason) ||
		    strnlen(block.relay, sizeof(block.relay)) ==
		    sizeof(block.relay))
			abort();
	}
	redisreply_labels(r, 1700000000, 3600, &labels);
	if (labels.n > EVENT_HOSTS_MAX)
		abort();
	for (i = 0; i < labels.n; i++) {
		size_t len = strnlen(labels.v[i], STORE_LABEL_MAX);

		if (len == 0 || len == STORE_LABEL_MAX ||
		    strspn(labels.v[i], "0123456789abcdefABCDEF.:/") != len)
			abort();
	}
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	redisReader *reader;
	void *reply;
	int n;

	if (size < 1)
		return 0;
	if ((reader = redisReaderCreate()) == NULL)
		abort();
	redisreply_bound(reader);
	if (redisReaderFeed(reader, (const char *)data + 1, size - 1) ==
	    REDIS_OK) {
		for (n = 0; n < 64; n++) {
			reply = NULL;
			if (redisReaderGetReply(reader, &reply) != REDIS_OK ||
			    reply == NULL)
				break;
			check(reply, data[0] & 15, (data[0] & 16) != 0,
			    (data[0] & 32) != 0);
			freeReplyObject(reply);
		}
	}
	redisReaderFree(reader);
	return 0;
}
