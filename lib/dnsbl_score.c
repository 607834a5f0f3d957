/*
 * dnsbl_score -- the DNSBL signal.  See signals.h and dnsbl.h.
 *
 * Each listing adds its code's points with a reason naming the list and
 * the code: "dnsbl=xbl.example:127.0.0.4" for the client address,
 * "rhsbl.from=..." and "rhsbl.helo=..." for domains.  Unknown answers
 * (errors, timeouts, a zone that is down) add nothing and say nothing;
 * a listing whose code the zone does not map is shown with no points.
 */
#include "zmconfig.h"

#include "signals.h"

static void
dnsbl_evaluate(const struct config *cfg, const struct signal_facts *facts,
    struct score *score)
{
	const struct dnsbl_result *r;
	size_t i;

	(void)cfg;
	for (i = 0; i < facts->ndnsbl; i++) {
		r = &facts->dnsbl[i];
		if (r->status != DNSBL_LISTED)
			continue;
		/* counted by zone, never by the code a server answered */
		score_add_key(score, r->mapped != NULL ? r->mapped->points : 0,
		    ':', "%s=%s:%u.%u.%u.%u", dnsbl_subject_name(r->subject),
		    r->zone->name, r->code >> 24, (r->code >> 16) & 0xff,
		    (r->code >> 8) & 0xff, r->code & 0xff);
	}
}

const struct signal signal_dnsbl = { "dnsbl", dnsbl_evaluate };
