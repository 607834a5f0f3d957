/*
 * bulk -- the bulk-content signal.  See signals.h and fingerprint.h.
 *
 * The same body (by fingerprint) to more than bulk_host_recipients
 * recipients from one host within bulk_window
 * ("bulk=1a2b3c4d:201rcpt/200"), or from more than bulk_hosts distinct
 * hosts ("bulk.hosts=1a2b3c4d:6/5": a campaign sent by many infected
 * hosts raises all their scores).  The reasons name the fingerprint's
 * first 8 hex digits, so one campaign can be followed across hosts.
 * Counts the store could not give are unknown and score nothing.
 */
#include "zmconfig.h"

#include "fingerprint.h"
#include "signals.h"

static void
bulk_evaluate(const struct config *cfg, const struct signal_facts *f,
    struct score *score)
{
	const struct config_signals *sig = &cfg->sig;
	const struct store_observation *obs = f->obs;

	if (!sig->bulk || obs == NULL || !obs->answered || obs->fp == NULL)
		return;
	if (sig->bulk_host_recipients > 0 &&
	    obs->fp_rcpts > sig->bulk_host_recipients)
		score_add(score, (int)sig->bulk_host_points, "bulk=%.8s:%urcpt/%u",
		    obs->fp, obs->fp_rcpts, sig->bulk_host_recipients);
	if (sig->bulk_hosts > 0 && obs->fp_hosts > sig->bulk_hosts)
		score_add(score, (int)sig->bulk_hosts_points, "bulk.hosts=%.8s:%u/%u",
		    obs->fp, obs->fp_hosts, sig->bulk_hosts);
}

const struct signal signal_bulk = { "bulk", bulk_evaluate };
