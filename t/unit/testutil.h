/*
 * testutil -- helpers shared by the cmocka unit tests.
 */
#ifndef ZM_TESTUTIL_H
#define ZM_TESTUTIL_H

#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <cmocka.h>

#include "config.h"
#include "engine.h"

/* Write text to a fresh temp file; its path goes to path (64 bytes). */
static inline void
write_temp(char path[64], const char *text)
{
	int fd;

	snprintf(path, 64, "/tmp/zm-unit.XXXXXX");
	fd = mkstemp(path);
	assert_true(fd >= 0);
	assert_int_equal(write(fd, text, strlen(text)), (ssize_t)strlen(text));
	close(fd);
}

/* Load a config from text; NULL with the error in err on failure. */
static inline struct config *
config_from_text(const char *text, char path[64], char *err, size_t errlen)
{
	struct config *c;

	write_temp(path, text);
	c = config_load(path, err, errlen);
	unlink(path);
	return c;
}

/* The clock of the engines made by engine_from_text(): tests set it. */
static time_t fake_now;

static inline time_t
fake_clock(void *arg)
{
	(void)arg;
	return fake_now;
}

static const struct engine_clock clock_fake = { fake_clock, NULL };

/* An engine over the embedded store, configured by text, on the fake
 * clock; the config goes to *cfg.  Fails the test if text is bad. */
static inline struct engine *
engine_from_text(const char *text, struct config **cfg)
{
	struct window_spec specs[CONFIG_WINDOWS_MAX];
	char path[64], err[512];
	struct engine *e;

	*cfg = config_from_text(text, path, err, sizeof(err));
	if (*cfg == NULL)
		fail_msg("%s", err);
	e = engine_new(*cfg, NULL, store_mem_new(specs,
	    config_window_specs(*cfg, specs), 1000, config_observe_s(*cfg)),
	    &clock_fake);
	assert_non_null(e);
	return e;
}

#endif
