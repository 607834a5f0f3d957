/*
 * fuzz_spf -- libFuzzer target: hostile SPF records, senders, HELO names
 * and client addresses through our DNS layer (lib/spf.c, lib/spfrec.c)
 * into the real libspf2.
 *
 * An input is lines:
 *
 *   CLIENT          an IPv4 or IPv6 address (else 192.0.2.3)
 *   SENDER          the envelope sender, as the client sent it
 *   HELO            the HELO name
 *   NAME RECORD     any number: a record of NAME in fakedns.h's text form,
 *                   e.g. "example.net TXT v=spf1 a -all",
 *                   "mx.example.net A 192.0.2.1"
 *
 * Each input is evaluated once through spf_check() against those records
 * (fuzz/fakedns.c answers); every TXT record is also checked on its own
 * by spfrec_check() and, when it passes, compiled by libspf2, so the
 * compiler sees every record the checker lets through, evaluated or not.
 * A crash, a sanitizer report or a leak is a finding.
 *
 * With ZM_FUZZ_UNCHECKED=1 in the environment the records are compiled as
 * they come, past the checker: how t/fuzz/ shows that the harness finds
 * libspf2's own bug when nothing stands in front of it.
 */
#include "zmconfig.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <arpa/inet.h>
#include <arpa/nameser.h>
#include <netinet/in.h>

#include <spf2/spf.h>

#include "fakedns.h"
#include "netaddr.h"
#include "spf.h"
#include "spfrec.h"

#define INPUT_MAX	(64 * 1024)

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static struct spf *spf;
static SPF_server_t *compiler;
static int unchecked;

/* Compile a record that passed the checker, as libspf2 would. */
static void
compile(const char *domain, const char *record)
{
	struct spfrec_values v = { "postmaster@example.net", "postmaster",
		"example.net", domain, "mail.example.net", "192.0.2.3", false };
	char out[INPUT_MAX + 1];
	SPF_response_t *resp;
	SPF_record_t *rec = NULL;
	const char *why;

	if (unchecked)
		snprintf(out, sizeof(out), "%s", record);
	else if (spfrec_check(record, strlen(record), &v, out, sizeof(out),
	    &why) != SPFREC_OK)
		return;
	if ((resp = SPF_response_new(NULL)) == NULL)
		return;
	SPF_record_compile(compiler, resp, &rec, out);
	if (rec != NULL)
		SPF_record_free(rec);
	SPF_response_free(resp);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *text, *line, *save = NULL, *lines[3] = { "", "", "" };
	char *name, *rest;
	struct netaddr addr;
	unsigned n = 0;

	if (size > INPUT_MAX)
		return 0;
	if (spf == NULL) {
		/* The fake resolver needs no handle: any non-NULL will do. */
		spf = spf_new((struct resolver *)&spf);
		compiler = SPF_server_new(SPF_DNS_ZONE, 0);
		if (spf == NULL || compiler == NULL)
			abort();
		unchecked = getenv("ZM_FUZZ_UNCHECKED") != NULL;
	}
	if ((text = malloc(size + 1)) == NULL)
		return 0;
	memcpy(text, data, size);
	text[size] = '\0';
	fakedns_clear();
	for (line = strtok_r(text, "\n", &save); line != NULL;
	    line = strtok_r(NULL, "\n", &save)) {
		if (n < 3) {
			lines[n++] = line;
			continue;
		}
		name = line;
		if ((rest = strchr(line, ' ')) == NULL)
			continue;
		*rest++ = '\0';
		fakedns_add_text(name, rest);
		if (strncasecmp(rest, "TXT ", 4) == 0)
			compile(name, rest + 4);
	}
	if (!netaddr_parse(lines[0], &addr))
		netaddr_parse("192.0.2.3", &addr);
	spf_check(spf, &addr, lines[2], lines[1], 500, NULL);
	fakedns_clear();
	free(text);
	return 0;
}
