/*
 * store -- the store interface's common part.  See store.h.
 */
#include "zmconfig.h"

#include <stddef.h>

#include "store.h"

void
store_free(struct store *st)
{
	if (st != NULL)
		st->ops->free(st);
}
