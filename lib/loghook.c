/*
 * loghook -- reporting through the daemon's log.  See loghook.h.
 */
#include "zmconfig.h"

#include <stdarg.h>
#include <stdio.h>

#include "loghook.h"

void
loghook_say(const struct loghook *hook, int prio, const char *fmt, ...)
{
	char msg[512];
	va_list ap;

	if (hook == NULL || hook->write == NULL)
		return;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	hook->write(hook->arg, prio, msg);
}
