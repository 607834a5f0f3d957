/*
 * spfcheck -- our SPF path (lib/spf.c, lib/spfrec.c, libspf2) over the
 * in-memory DNS of fuzz/fakedns.c, for the SPF tests.
 *
 *   spfcheck records FILE
 *       FILE: "DOMAIN<TAB>RECORD" lines ('#' comments), records published
 *       at DOMAIN.  Each is checked as DOMAIN's record of a message from
 *       postmaster@DOMAIN, then compiled by libspf2.  Prints a line each:
 *       "ok DOMAIN", "refused DOMAIN: WHY" or "libspf2 DOMAIN: ERROR".
 *
 *   spfcheck suite FILE
 *       FILE: scenarios of test cases (t/spf/rfc7208-tests.txt):
 *         scenario TEXT          a new scenario: its zone starts empty
 *         zone NAME RECORD       a record, as fakedns_add_text() reads it
 *         test NAME CLIENT HELO SENDER RESULT[,RESULT...]
 *       Prints per test "NAME expected=R[,R] got=R" and, when our checker
 *       refused a record, " refused=WHY" (spaces as '_').
 *
 * Exit status 0 unless a file cannot be read or a line is malformed.
 */
#include "zmconfig.h"

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

#define LINE_MAX_LEN	8192

static int
records(FILE *f)
{
	char line[LINE_MAX_LEN], out[SPFREC_RECORD_MAX + 1];
	char sender[LINE_MAX_LEN + 16];
	SPF_server_t *srv = SPF_server_new(SPF_DNS_ZONE, 0);
	SPF_response_t *resp;
	SPF_record_t *rec;
	struct spfrec_values v = { NULL, "postmaster", NULL, NULL,
		"mail.example.net", "192.0.2.3", false };
	const char *why;
	char *tab;

	while (fgets(line, sizeof(line), f) != NULL) {
		line[strcspn(line, "\n")] = '\0';
		if (line[0] == '#' || line[0] == '\0')
			continue;
		if ((tab = strchr(line, '\t')) == NULL)
			return 2;
		*tab++ = '\0';
		snprintf(sender, sizeof(sender), "postmaster@%s", line);
		v.sender = sender;
		v.sender_domain = v.domain = line;
		if (spfrec_check(tab, strlen(tab), &v, out, sizeof(out), &why) !=
		    SPFREC_OK) {
			printf("refused %s: %s\n", line, why != NULL ? why
			    : "not an SPF record");
			continue;
		}
		rec = NULL;
		resp = SPF_response_new(NULL);
		if (SPF_record_compile(srv, resp, &rec, out) != SPF_E_SUCCESS)
			printf("libspf2 %s: %s\n", line, SPF_strerror(
			    SPF_response_errcode(resp)));
		else
			printf("ok %s\n", line);
		if (rec != NULL)
			SPF_record_free(rec);
		SPF_response_free(resp);
	}
	SPF_server_free(srv);
	return 0;
}

static int
suite(FILE *f)
{
	char line[LINE_MAX_LEN], name[256], client[64], helo[512];
	char sender[1024], expected[256], why[256];
	char domain[ADDRESS_DOMAIN_KEPT + 1];
	struct spf *spf = spf_new((struct resolver *)&spf);
	struct netaddr addr;
	enum spf_result r;
	char *rest, *p;
	int n;

	while (fgets(line, sizeof(line), f) != NULL) {
		line[strcspn(line, "\n")] = '\0';
		if (strncmp(line, "scenario ", 9) == 0) {
			fakedns_clear();
		} else if (strncmp(line, "zone ", 5) == 0) {
			if ((rest = strchr(line + 5, ' ')) == NULL)
				return 2;
			*rest++ = '\0';
			if (!fakedns_add_text(line + 5, rest))
				fprintf(stderr, "zone %s: cannot add: %s\n",
				    line + 5, rest);
		} else if (strncmp(line, "test ", 5) == 0) {
			n = sscanf(line + 5, "%255s %63s %511s %1023s %255s", name,
			    client, helo, sender, expected);
			if (n != 5 || !netaddr_parse(client, &addr))
				return 2;
			r = spf_check(spf, &addr, strcmp(helo, "-") ? helo : NULL,
			    strcmp(sender, "-") ? sender : "", 5000, NULL);
			printf("%s expected=%s got=%s", name, expected,
			    spf_result_name(r));
			if (spf_last_refusal(domain) != NULL) {
				snprintf(why, sizeof(why), "%s",
				    spf_last_refusal(domain));
				for (p = why; *p != '\0'; p++)
					if (*p == ' ')
						*p = '_';
				printf(" refused=%s", why);
			}
			printf("\n");
		}
	}
	spf_free(spf);
	fakedns_clear();
	return 0;
}

int
main(int argc, char **argv)
{
	FILE *f;
	int rc;

	if (argc != 3 || (strcmp(argv[1], "records") != 0 &&
	    strcmp(argv[1], "suite") != 0)) {
		fprintf(stderr, "usage: spfcheck records|suite FILE\n");
		return 2;
	}
	if ((f = fopen(argv[2], "r")) == NULL) {
		perror(argv[2]);
		return 2;
	}
	rc = strcmp(argv[1], "records") == 0 ? records(f) : suite(f);
	fclose(f);
	return rc;
}
