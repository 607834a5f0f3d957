/*
 * fuzz_config -- libFuzzer target: the configuration loader, comments
 * and all (lib/conftext.c in front of libconfuse, then lib/config.c).
 *
 * An input is a configuration file's text.  conftext_clean() must keep
 * every line on its number (as many line breaks out as in, plus a final
 * one when the text has none, and end in one) or refuse the text with
 * the line to blame;
 * config_load() of the text as a file must give a configuration, or an
 * error that names the file.  Asserted, with a crash, a sanitizer report
 * and a leak as findings.
 */
#include "zmconfig.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "config.h"
#include "conftext.h"

#define TEXT_MAX	(64 * 1024)

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* Line breaks: LF (a CR LF's CR is dropped, a lone CR is no break). */
static size_t
breaks(const char *t, size_t len)
{
	size_t i, n = 0;

	for (i = 0; i < len; i++)
		n += t[i] == '\n';
	return n;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static char path[64];
	const char *text = (const char *)data, *why = NULL;
	char err[1024], *clean;
	struct config *cfg;
	int bad = 0;
	size_t want, got;
	FILE *f;

	if (size > TEXT_MAX)
		return 0;
	clean = conftext_clean(text, size, &bad, &why);
	if (clean == NULL) {
		if (bad <= 0 || why == NULL)
			abort();
	} else {
		/* Every line on its number: the same breaks, and one more at
		 * the end if the text has none there. */
		want = breaks(text, size);
		got = breaks(clean, strlen(clean));
		if (got != want && !(got == want + 1 && (size == 0 ||
		    text[size - 1] != '\n')))
			abort();
		if (clean[strlen(clean) - 1] != '\n' || strlen(clean) > size + 1)
			abort();
		free(clean);
	}
	if (path[0] == '\0')
		snprintf(path, sizeof(path), "/tmp/zm-fuzz-config.%ld",
		    (long)getpid());
	if ((f = fopen(path, "wb")) == NULL)
		abort();
	fwrite(data, 1, size, f);
	fclose(f);
	err[0] = '\0';
	cfg = config_load(path, err, sizeof(err));
	unlink(path);	/* nothing left in /tmp when the run ends */
	if (cfg == NULL && strncmp(err, path, strlen(path)) != 0 &&
	    strncmp(err, "config:", 7) != 0)
		abort();
	config_free(cfg);
	return 0;
}
