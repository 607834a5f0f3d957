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

#endif
