/*
 * fuzzenv -- what the fuzz targets of the milter's session code share: a
 * session environment as zombie-milter -t makes one, from a
 * configuration's text, with the embedded store and no DNS, SPF or
 * Redis, and logging off.  Any failure aborts: the target cannot run.
 */
#ifndef ZM_FUZZENV_H
#define ZM_FUZZENV_H

#include "session.h"

/* Fill env from the configuration text conf (written to path, which is
 * removed again). */
void fuzzenv_setup(struct session_env *env, const char *path,
    const char *conf);

#endif
