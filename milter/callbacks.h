/*
 * callbacks -- the libmilter callbacks: MTA events in, engine verdicts out.
 */
#ifndef ZM_CALLBACKS_H
#define ZM_CALLBACKS_H

#include <stdbool.h>

#include <libmilter/mfapi.h>

/* The filter description for smfi_register(); connections are served
 * by the current runtime (runtime.h), which must be installed before
 * smfi_main(). */
struct smfiDesc *callbacks_desc(void);

/* Connections with a session, open now (the metrics). */
long callbacks_open(void);

/* Stop: no new connection gets a session from now on.  Returns how many
 * connections hold one (they are served on). */
long callbacks_stop(void);

/* Stop as callbacks_stop() does, and wait up to timeout_ms for every
 * open connection to close and every callback to return; true if so, and
 * the current runtime may be dropped (a later callback touches none of
 * it).  False: they are still in use, and the process must end without
 * freeing them (_exit()). */
bool callbacks_drain(unsigned timeout_ms);

#endif
