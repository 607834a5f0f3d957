/*
 * logesc -- make client-controlled text safe for a log line.
 *
 * Every byte outside printable ASCII 0x21..0x7e, and the backslash itself,
 * becomes \xHH, so a value is one token with no CR, LF, control bytes or
 * spaces, and the original bytes can be recovered.  Output longer than the
 * buffer is cut between escapes and ends in "...".
 */
#ifndef ZM_LOGESC_H
#define ZM_LOGESC_H

#include <stddef.h>

/* Escape src (NULL gives "-") into dst of len bytes; returns dst. */
char *logesc(char *dst, size_t len, const char *src);

#endif
