/*
 * testmode -- judging test transactions.  See testmode.h.
 */
#include "zmconfig.h"

#include <errno.h>
#include <libgen.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/stat.h>

#include "netaddr.h"
#include "resolver.h"
#include "testmode.h"

#define LINE_MAX_LEN	65536
#define REPEAT_MAX	100000
#define BODY_MAX	(10 * 1024 * 1024)

struct txn {
	unsigned line;
	struct netaddr addr;
	char *words;			/* the line; the fields point into it */
	const char *helo, *from, *user, *body;
	char *rcpt, *rejected;		/* comma lists */
	unsigned long repeat;
};

/* Parse one line into t; NULL, or the reason it is malformed. */
static const char *
parse_line(char *line, struct txn *t)
{
	char *word, *value, *save = NULL, *end;
	const char *client = NULL;

	t->repeat = 1;
	for (word = strtok_r(line, " \t\r\n", &save); word != NULL;
	    word = strtok_r(NULL, " \t\r\n", &save)) {
		if ((value = strchr(word, '=')) == NULL)
			return "expected key=value";
		*value++ = '\0';
		if (strcmp(word, "client") == 0)
			client = value;
		else if (strcmp(word, "helo") == 0)
			t->helo = value;
		else if (strcmp(word, "from") == 0)
			t->from = value;
		else if (strcmp(word, "rcpt") == 0)
			t->rcpt = value;
		else if (strcmp(word, "rejected") == 0)
			t->rejected = value;
		else if (strcmp(word, "user") == 0)
			t->user = value;
		else if (strcmp(word, "body") == 0)
			t->body = value;
		else if (strcmp(word, "repeat") == 0) {
			errno = 0;
			t->repeat = strtoul(value, &end, 10);
			if (errno != 0 || *end != '\0' || t->repeat < 1 ||
			    t->repeat > REPEAT_MAX)
				return "repeat: not a number 1..100000";
		} else
			return "unknown key (client, helo, from, rcpt, "
			    "rejected, user, body, repeat)";
	}
	if (client == NULL || !netaddr_parse(client, &t->addr))
		return "client: missing or not an IP address";
	if (t->from == NULL)
		return "from: missing (use from=<> for the null sender)";
	if (t->rcpt == NULL || *t->rcpt == '\0')
		return "rcpt: missing";
	return NULL;
}

static void
body_path(const char *dir, const char *name, char path[4096])
{
	snprintf(path, 4096, "%s/%s", name[0] == '/' ? "" : dir, name);
}

/* Read the body file named in a transaction; NULL with errno set. */
static char *
read_body(const char *dir, const char *name, size_t *len)
{
	char path[4096];
	struct stat st;
	size_t size;
	char *buf;
	FILE *f;

	body_path(dir, name, path);
	if ((f = fopen(path, "rb")) == NULL)
		return NULL;
	/* As much as the file holds (at most BODY_MAX), not BODY_MAX a
	 * transaction. */
	size = fstat(fileno(f), &st) == 0 && st.st_size < BODY_MAX
	    ? (size_t)st.st_size : BODY_MAX;
	if ((buf = malloc(size + 1)) == NULL) {
		fclose(f);
		return NULL;
	}
	*len = fread(buf, 1, size, f);
	fclose(f);
	return buf;
}

/* Recipients of a comma list, accepted or refused. */
static void
feed_rcpts(struct session *s, const char *list, bool refused)
{
	char rcpt[1024];
	const char *p = list;
	size_t n;

	while (p != NULL && *p != '\0') {
		n = strcspn(p, ",");
		if (n > 0 && n < sizeof(rcpt)) {
			memcpy(rcpt, p, n);
			rcpt[n] = '\0';
			session_rcpt(s, rcpt, refused);
		}
		p += n + (p[n] == ',');
	}
}

static void
run_one(const struct session_env *env, const struct txn *t, const char *name,
    const char *body, size_t bodylen, FILE *out)
{
	struct session *s = session_new(env);
	struct engine_decision d;
	char line[2048], at[64] = "";
	const char *from = strcmp(t->from, "<>") == 0 ? NULL : t->from;
	unsigned long k;

	if (s == NULL) {
		fprintf(out, "%s:%u: out of memory\n", name, t->line);
		return;
	}
	if (!session_connect(s, &t->addr, NULL)) {
		fprintf(out, "%s:%u: exempt: accepted unseen\n", name, t->line);
		session_free(s);
		return;
	}
	if (t->helo != NULL)
		session_helo(s, t->helo);
	for (k = 1; k <= t->repeat; k++) {
		if (t->repeat > 1)
			snprintf(at, sizeof(at), "#%lu", k);
		if (session_mail(s, from, t->user, NULL, &d)) {
			fprintf(out, "%s:%u%s: %s\n", name, t->line, at,
			    session_describe(s, &d, "mail", line, sizeof(line)));
			continue;
		}
		feed_rcpts(s, t->rcpt, false);
		feed_rcpts(s, t->rejected, true);
		if (body != NULL)
			session_body(s, (const unsigned char *)body, bodylen);
		session_eom(s, NULL, &d);
		fprintf(out, "%s:%u%s: %s\n", name, t->line, at,
		    session_describe(s, &d, NULL, line, sizeof(line)));
		session_abort(s);
	}
	session_free(s);
}

/* Read and check every line (body files must be readable); the number
 * of transactions, or -1. */
static long
load(FILE *f, const char *name, const char *dir, struct txn **out,
    FILE *err)
{
	char path[4096];
	struct txn *txns = NULL, *grown;
	char *line = malloc(LINE_MAX_LEN), *p;
	const char *why;
	size_t n = 0, cap = 0;
	unsigned lineno = 0;

	if (line == NULL)
		return -1;
	while (fgets(line, LINE_MAX_LEN, f) != NULL) {
		lineno++;
		for (p = line; *p == ' ' || *p == '\t'; p++)
			;
		if (*p == '#' || *p == '\n' || *p == '\r' || *p == '\0')
			continue;
		if (n == cap) {
			cap = cap ? 2 * cap : 64;
			if ((grown = realloc(txns, cap * sizeof(*txns))) == NULL)
				goto fail;
			txns = grown;
		}
		memset(&txns[n], 0, sizeof(txns[n]));
		txns[n].line = lineno;
		if ((txns[n].words = strdup(p)) == NULL)
			goto fail;
		n++;
		if ((why = parse_line(txns[n - 1].words, &txns[n - 1])) != NULL) {
			fprintf(err, "%s:%u: %s\n", name, lineno, why);
			goto fail;
		}
		if (txns[n - 1].body != NULL) {
			body_path(dir, txns[n - 1].body, path);
			if (access(path, R_OK) != 0) {
				fprintf(err, "%s:%u: body: %s: %s\n", name, lineno,
				    txns[n - 1].body, strerror(errno));
				goto fail;
			}
		}
	}
	free(line);
	*out = txns;
	return (long)n;
fail:
	while (n > 0)
		free(txns[--n].words);
	free(txns);
	free(line);
	return -1;
}

/* Once a run: verdicts that needed the DNS differ from those of a working
 * one (SPF, DNSBL unknown) and took their budgets; say so, in words of
 * our own (never what the network sent). */
static void
warn_dns(const struct session_env *env, bool *warned, FILE *err)
{
	if (*warned || env->resolver == NULL ||
	    resolver_failures(env->resolver) == 0)
		return;
	fprintf(err, "zombie-milter: DNS lookups failed (timeout or server "
	    "error); SPF and DNSBL results that needed them are unknown\n");
	fflush(err);
	*warned = true;
}

int
testmode_run(const struct session_env *env, const char *path, FILE *out,
    FILE *err)
{
	bool std = strcmp(path, "-") == 0;
	const char *name = std ? "(stdin)" : path;
	char *copy = strdup(path), *dir, *body;
	struct txn *txns = NULL;
	size_t bodylen = 0;
	long n, i;
	FILE *f;
	int rc = 0;
	bool dns_warned = false;

	if ((f = std ? stdin : fopen(path, "r")) == NULL) {
		fprintf(err, "%s: cannot read: %s\n", path, strerror(errno));
		free(copy);
		return 2;
	}
	dir = copy != NULL && !std ? dirname(copy) : ".";
	n = load(f, name, dir, &txns, err);
	if (!std)
		fclose(f);
	for (i = 0; i < n && rc == 0; i++) {
		body = NULL;
		if (txns[i].body != NULL &&
		    (body = read_body(dir, txns[i].body, &bodylen)) == NULL) {
			fprintf(err, "%s:%u: body: %s: %s\n", name, txns[i].line,
			    txns[i].body, strerror(errno));
			rc = 2;
			break;
		}
		run_one(env, &txns[i], name, body, bodylen, out);
		fflush(out);
		free(body);
		warn_dns(env, &dns_warned, err);
	}
	for (i = 0; i < n; i++)
		free(txns[i].words);
	free(txns);
	free(copy);
	return n < 0 ? 2 : rc;
}
