/*
 * spf_score -- the SPF signal.  See signals.h and spf.h.
 *
 * A sender domain whose SPF record fails the client address is forged
 * ("spf=fail"); softfail scores less ("spf=softfail").  pass, none,
 * neutral and errors (temperror, permerror, out of time) score nothing:
 * an error is unknown, and a customer's broken record is not evidence.
 */
#include "zmconfig.h"

#include "signals.h"

static void
spf_evaluate(const struct config *cfg, const struct signal_facts *f,
    struct score *score)
{
	if (f->spf == ZM_SPF_FAIL)
		score_add(score, (int)cfg->sig.spf_fail_points, "spf=fail");
	else if (f->spf == ZM_SPF_SOFTFAIL)
		score_add(score, (int)cfg->sig.spf_softfail_points, "spf=softfail");
}

const struct signal signal_spf = { "spf", spf_evaluate };
