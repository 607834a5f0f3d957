/*
 * log -- the daemon's log: syslog (mail facility) or, in the foreground,
 * standard error.  Messages above the configured level are dropped.
 * Callers escape client-controlled text (lib/logesc.h) before it gets here.
 */
#ifndef ZM_LOG_H
#define ZM_LOG_H

#include <stdbool.h>
#include <syslog.h>

/* Start logging; level is a syslog priority (LOG_ERR..LOG_DEBUG). */
void log_open(bool to_stderr, int level);

/* Change the level (e.g. once the config is read). */
void log_set_level(int level);

/* Log one line at priority prio. */
void log_write(int prio, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

void log_close(void);

#endif
