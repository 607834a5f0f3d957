/*
 * spf_score -- the SPF signal.  See signals.h and spf.h.
 *
 * A sender domain whose SPF record fails the client address is forged
 * ("spf=fail"); softfail scores less ("spf=softfail").  pass, none,
 * neutral and errors (temperror, permerror, out of time) score nothing:
 * an error is unknown, and a customer's broken record is not evidence.
 * A permerror is still named ("spf=permerror", no points): a record
 * refused as hostile (spfrec.h) shows in the log that way.
 */
#include "zmconfig.h"

#include "signals.h"

static void
spf_evaluate(const struct config *cfg, const struct signal_facts *f,
    struct score *score)
{
	if (f->spf == ZM_SPF_FAIL)
		score_add_key(score, (int)cfg->sig.spf_fail_points, '\0',
		    "spf=fail");
	else if (f->spf == ZM_SPF_SOFTFAIL)
		score_add_key(score, (int)cfg->sig.spf_softfail_points, '\0',
		    "spf=softfail");
	else if (f->spf == ZM_SPF_PERMERROR)
		score_add_key(score, 0, '\0', "spf=permerror");
}

const struct signal signal_spf = { "spf", spf_evaluate };
