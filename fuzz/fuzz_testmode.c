/*
 * fuzz_testmode -- libFuzzer target: zombie-milter -t's transaction
 * lines (milter/testmode.c), judged through the milter's own session code
 * (milter/session.c) and engine, with the embedded store and no DNS.
 *
 * An input is a -t file.  It is refused if it names a body outside its
 * own directory (a "/" or ".." in body=) or asks for more than 20
 * repetitions, so that a run stays short and reads nothing else; a body
 * file "b" of 200 bytes is there to be named.  What is asserted is what
 * the milter promises of hostile input: no crash, no sanitizer report, no
 * leak; a malformed file is refused with status 2, a good one judged
 * (status 0), and every line written is one line.
 */
#include "zmconfig.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "fuzzenv.h"
#include "session.h"
#include "testmode.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static struct session_env env;
static char dir[64], file[96];

static void
setup(void)
{
	char conf[128], bodyfile[128], body[200];
	FILE *f;

	snprintf(dir, sizeof(dir), "/tmp/zm-fuzz-testmode.%ld", (long)getpid());
	snprintf(file, sizeof(file), "%s/t", dir);
	snprintf(conf, sizeof(conf), "%s/zm.conf", dir);
	if (mkdir(dir, 0700) != 0 && access(dir, W_OK) != 0)
		abort();
	snprintf(bodyfile, sizeof(bodyfile), "%s/b", dir);
	if ((f = fopen(bodyfile, "w")) == NULL)
		abort();
	memset(body, 'x', sizeof(body));
	fwrite(body, 1, sizeof(body), f);
	fclose(f);
	fuzzenv_setup(&env, conf,
	    "spf = false\nexempt = {}\nlog_level = \"error\"\n");
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *text, *p, *out = NULL;
	size_t outlen = 0;
	FILE *f, *o, *e;
	int rc;

	if (env.engine == NULL)
		setup();
	if ((text = malloc(size + 1)) == NULL)
		return 0;
	memcpy(text, data, size);
	text[size] = '\0';
	for (p = text; (p = strstr(p, "body=")) != NULL; p += 5)
		if (strcspn(p + 5, " \t\n/") != strcspn(p + 5, " \t\n") ||
		    strncmp(p + 5, "..", 2) == 0)
			goto out;
	for (p = text; (p = strstr(p, "repeat=")) != NULL; p += 7)
		if (strtol(p + 7, NULL, 10) > 20 || p[7] == '0' || p[7] == '+')
			goto out;
	if ((f = fopen(file, "wb")) == NULL)
		abort();
	fwrite(data, 1, size, f);
	fclose(f);
	if ((o = open_memstream(&out, &outlen)) == NULL ||
	    (e = fopen("/dev/null", "w")) == NULL)
		abort();
	rc = testmode_run(&env, file, o, e);
	fclose(o);
	fclose(e);
	if (rc != 0 && rc != 2)
		abort();
	/* Every line one line: each ends in a newline, none is empty. */
	if (outlen > 0 && (out[outlen - 1] != '\n' || strstr(out, "\n\n") != NULL))
		abort();
	free(out);
out:
	free(text);
	return 0;
}
