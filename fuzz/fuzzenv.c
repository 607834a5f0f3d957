/*
 * fuzzenv -- the fuzz targets' session environment.  See fuzzenv.h.
 */
#include "zmconfig.h"

#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include "config.h"
#include "engine.h"
#include "fingerprint.h"
#include "fuzzenv.h"
#include "log.h"
#include "store.h"

void
fuzzenv_setup(struct session_env *env, const char *path, const char *conf)
{
	struct window_spec specs[CONFIG_WINDOWS_MAX];
	struct config *cfg;
	struct store *local;
	char err[512];
	FILE *f;

	if ((f = fopen(path, "w")) == NULL)
		abort();
	fputs(conf, f);
	fclose(f);
	log_open(true, 0);
	if (!fingerprint_init() ||
	    (cfg = config_load(path, err, sizeof(err))) == NULL)
		abort();
	unlink(path);
	local = store_mem_new(specs, config_window_specs(cfg, specs),
	    cfg->max_hosts, config_observe_s(cfg));
	env->cfg = cfg;
	if (local == NULL || (env->engine = engine_new(cfg, NULL, local,
	    &engine_clock_system)) == NULL)
		abort();
}
