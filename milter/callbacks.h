/*
 * callbacks -- the libmilter callbacks: MTA events in, engine verdicts out.
 */
#ifndef ZM_CALLBACKS_H
#define ZM_CALLBACKS_H

#include <libmilter/mfapi.h>

#include "config.h"
#include "dnsbl.h"
#include "engine.h"

/* Set up the callbacks to serve cfg through engine; both must outlive
 * smfi_main().  Returns the filter description to smfi_register(). */
struct smfiDesc *callbacks_init(const struct config *cfg,
    struct engine *engine);

/* Check DNSBLs with d from now on (before smfi_main()); NULL: none. */
void callbacks_use_dnsbl(struct dnsbl *d);

/* Wait up to timeout_ms for every open connection to close; true if
 * none is left, so the config and engine may be freed. */
bool callbacks_drain(unsigned timeout_ms);

#endif
