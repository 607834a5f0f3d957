/*
 * store -- the store interface's common part.  See store.h.
 */
#include "zmconfig.h"

#include <stdarg.h>
#include <stdio.h>

#include "store.h"

void
store_init(struct store *st, const struct store_ops *ops)
{
	st->ops = ops;
	atomic_init(&st->refs, 1);
}

struct store *
store_ref(struct store *st)
{
	if (st != NULL)
		atomic_fetch_add(&st->refs, 1);
	return st;
}

void
store_free(struct store *st)
{
	if (st != NULL && atomic_fetch_sub(&st->refs, 1) == 1)
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
