/*
 * callbacks -- the libmilter callbacks: MTA events in, engine verdicts out.
 */
#ifndef ZM_CALLBACKS_H
#define ZM_CALLBACKS_H

#include <libmilter/mfapi.h>

#include "config.h"
#include "dnsbl.h"
#include "engine.h"
#include "resolver.h"
#include "spf.h"

/* Set up the callbacks to serve cfg through engine; both must outlive
 * smfi_main().  Returns the filter description to smfi_register(). */
struct smfiDesc *callbacks_init(const struct config *cfg,
    struct engine *engine);

/* Look up DNS with r, check DNSBLs with d and SPF with s from now on
 * (before smfi_main()); NULL: none. */
void callbacks_use_lookups(struct resolver *r, struct dnsbl *d,
    struct spf *s);

/* Stop: no new connection gets a session from now on.  Wait up to
 * timeout_ms for every open connection to close and every callback to
 * return; true if so, and the config, engine and lookups may be freed
 * (a later callback touches none of them).  False: they are still in
 * use, and the process must end without freeing them (_exit()). */
bool callbacks_drain(unsigned timeout_ms);

#endif
