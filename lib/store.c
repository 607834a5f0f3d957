/*
 * store -- the store interface's common part.  See store.h.
 */
#include "zmconfig.h"

#include <stdarg.h>
#include <stdio.h>

#include "store.h"

void
store_free(struct store *st)
{
	if (st != NULL)
		st->ops->free(st);
}

/* Per thread: libmilter workers share the stores. */
static __thread char last_error[256];

enum store_status
store_fail(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(last_error, sizeof(last_error), fmt, ap);
	va_end(ap);
	return STORE_ERROR;
}

const char *
store_error(void)
{
	return last_error;
}
