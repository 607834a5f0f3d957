/*
 * fuzz_session -- libFuzzer target: the session state machine
 * (milter/session.c) driven as libmilter's callbacks drive it
 * (milter/callbacks.c), but in any order, any number of times, with
 * arbitrary values where the MTA sends macros and the client sends
 * words, and with the embedded store (no MTA, no DNS, no Redis).
 *
 * An input is steps, one a line: its first byte picks the callback
 * (CONNECT with the line as an address or none, HELO, MAIL FROM with a
 * login and a queue id, RCPT accepted or refused, a body chunk, end of
 * message, abort, a new session), the rest is its argument.  After every
 * decision, the decision line, the header and the queue id are made and
 * checked: each ends within its buffer, holds one line, and the queue id
 * is printable.  A crash, a sanitizer report, a leak or a failed check is
 * a finding (abort).
 */
#include "zmconfig.h"

#include <arpa/inet.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "fuzzenv.h"
#include "netaddr.h"
#include "session.h"

#define STEP_MAX	1024

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static struct session_env env;

static void
setup(void)
{
	char conf[96];

	snprintf(conf, sizeof(conf), "/tmp/zm-fuzz-session.%ld.conf",
	    (long)getpid());
	/* Low limits, so that fuzzed sessions reach every verdict. */
	fuzzenv_setup(&env, conf, "spf = false\nexempt = {}\n"
	    "log_level = \"error\"\n"
	    "window \"1m\" { length = 60 buckets = 6 messages = 3 "
	    "recipients = 10 points = 60 }\n"
	    "threshold_tag = 10\nthreshold_tempfail = 50\n"
	    "threshold_reject = 100\nthreshold_quarantine = 120\n");
}

static void
one_line(const char *s, size_t len)
{
	size_t n = strnlen(s, len);

	if (n == len || memchr(s, '\n', n) != NULL || memchr(s, '\r', n) != NULL)
		abort();
}

static void
check(const struct session *s, const struct engine_decision *d)
{
	char line[2048], header[1024], qid[SESSION_QID_MAX];
	size_t i, n;

	session_describe(s, d, "eom", line, sizeof(line));
	one_line(line, sizeof(line));
	session_header(d, header, sizeof(header));
	one_line(header, sizeof(header));
	session_queue_id(s, qid);
	n = strnlen(qid, sizeof(qid));
	if (n == sizeof(qid))
		abort();
	for (i = 0; i < n; i++)
		if ((unsigned char)qid[i] < 0x21 || (unsigned char)qid[i] > 0x7e)
			abort();
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct session *s;
	struct engine_decision d;
	struct netaddr addr;
	char step[STEP_MAX + 1], *arg, *login, *qid;
	size_t at = 0, n;

	if (env.engine == NULL)
		setup();
	if ((s = session_new(&env)) == NULL)
		abort();
	while (at < size) {
		for (n = 0; at < size && data[at] != '\n'; at++)
			if (n < STEP_MAX && data[at] != '\0')
				step[n++] = (char)data[at];
		at++;
		step[n] = '\0';
		if (n == 0)
			continue;
		arg = step + 1;
		switch (step[0] % 9) {
		case 0:		/* CONNECT */
			memset(&addr, 0, sizeof(addr));
			if (inet_pton(AF_INET, arg, addr.bytes) == 1)
				addr.family = AF_INET;
			else if (inet_pton(AF_INET6, arg, addr.bytes) == 1)
				addr.family = AF_INET6;
			session_connect(s, addr.family != 0 ? &addr : NULL,
			    n > 1 && arg[0] == 'm' ? arg : NULL);
			break;
		case 1:		/* HELO */
			session_helo(s, arg);
			break;
		case 2:		/* MAIL FROM sender[\tlogin[\tqueue id]] */
			login = strchr(arg, '\t');
			qid = NULL;
			if (login != NULL) {
				*login++ = '\0';
				if ((qid = strchr(login, '\t')) != NULL)
					*qid++ = '\0';
			}
			memset(&d, 0, sizeof(d));
			if (session_mail(s, arg, login, qid, &d))
				check(s, &d);
			break;
		case 3:
			session_rcpt(s, arg, false);
			break;
		case 4:
			session_rcpt(s, arg, true);
			break;
		case 5:
			session_body(s, (const unsigned char *)arg, n - 1);
			break;
		case 6:		/* end of message, with a queue id */
			memset(&d, 0, sizeof(d));
			session_eom(s, n > 1 ? arg : NULL, &d);
			check(s, &d);
			break;
		case 7:
			session_abort(s);
			break;
		default:	/* the connection ends, another begins */
			session_free(s);
			if ((s = session_new(&env)) == NULL)
				abort();
		}
	}
	session_free(s);
	return 0;
}
