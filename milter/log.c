/*
 * log -- syslog or stderr.  See log.h.
 */
#include "zmconfig.h"

#include <stdarg.h>
#include <stdatomic.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "log.h"

static bool log_stderr = true;
static atomic_int log_level = LOG_INFO;

void
log_open(bool to_stderr, int level)
{
	log_stderr = to_stderr;
	atomic_store_explicit(&log_level, level, memory_order_relaxed);
	if (!to_stderr)
		openlog("zombie-milter", LOG_PID | LOG_NDELAY, LOG_MAIL);
}

void
log_set_level(int level)
{
	/* A reload sets it while workers log. */
	atomic_store_explicit(&log_level, level, memory_order_relaxed);
}

void
log_write(int prio, const char *fmt, ...)
{
	char line[2048];
	va_list ap;
	int n;

	if (prio > atomic_load_explicit(&log_level, memory_order_relaxed))
		return;
	if (!log_stderr) {
		va_start(ap, fmt);
		vsyslog(prio, fmt, ap);
		va_end(ap);
		return;
	}
	n = snprintf(line, sizeof(line), "zombie-milter[%ld]: ", (long)getpid());
	va_start(ap, fmt);
	vsnprintf(line + n, sizeof(line) - (size_t)n - 1, fmt, ap);
	va_end(ap);
	n = (int)strlen(line);
	line[n++] = '\n';
	/* One write per line, so threads never interleave within one. */
	if (write(STDERR_FILENO, line, (size_t)n) < 0)
		return;
}

void
log_close(void)
{
	if (!log_stderr)
		closelog();
}
