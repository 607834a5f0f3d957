/*
 * callbacks -- the libmilter callbacks: MTA events in, engine verdicts out.
 */
#ifndef ZM_CALLBACKS_H
#define ZM_CALLBACKS_H

#include <libmilter/mfapi.h>

#include "config.h"
#include "dnsbl.h"
#include "engine.h"
#include "spf.h"

/* Set up the callbacks to serve cfg through engine; both must outlive
 * smfi_main().  Returns the filter description to smfi_register(). */
struct smfiDesc *callbacks_init(const struct config *cfg,
    struct engine *engine);

/* Check DNSBLs with d and SPF with s from now on (before smfi_main());
 * NULL: none. */
void callbacks_use_lookups(struct dnsbl *d, struct spf *s);

/* Wait up to timeout_ms for every open connection to close; true if
 * none is left, so the config and engine may be freed. */
bool callbacks_drain(unsigned timeout_ms);

#endif
