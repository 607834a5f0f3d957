/*
 * behaviour -- the behaviour signal.  See behaviour.h and signals.h.
 *
 * HELO: a bare address or an address literal ("helo=ip"), a name without
 * a dot ("helo=nofqdn"), the relay's own name ("helo=self": relay_name or
 * the MTA's $j), a freemail provider's domain or a name under it
 * ("helo=freemail").  Spread: more distinct recipient domains in one
 * message than rcpt_domains_per_message ("rcptdomains=25/20"), or from the
 * host within behaviour_window than rcpt_domains_per_window
 * ("rcptdomains.window=101/100"), more distinct sender domains than
 * from_domains_per_window ("fromdomains=6/5").  Refusals: at least
 * rejected_rcpts_percent of at least rejected_rcpts_min recipients tried
 * refused by the MTA ("rejected=3/5").  Persistence: more of the host's
 * messages refused by us within behaviour_window (counted from the first)
 * than refused_per_window ("refused=6/5"): a customer's mail client gives
 * up or backs off, a bot keeps pushing.  Window counts the store could
 * not give are unknown and score nothing.
 */
#include "zmconfig.h"

#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "address.h"
#include "behaviour.h"
#include "hostkey.h"
#include "netaddr.h"
#include "signals.h"

bool
domain_hash(const char *address, uint32_t *out)
{
	char domain[ADDRESS_DOMAIN_KEPT + 1];
	char *p;

	/* A longer domain is told apart by its first 254 bytes. */
	if (!address_domain(address, domain, sizeof(domain)))
		return false;
	for (p = domain; *p != '\0'; p++)
		if (*p >= 'A' && *p <= 'Z')
			*p = (char)(*p - 'A' + 'a');
	*out = hostkey_hash(domain);
	return true;
}

void
domain_set_add(struct domain_set *s, const char *address)
{
	uint32_t h;
	unsigned i;

	if (s->n == DOMAIN_SET_MAX || !domain_hash(address, &h))
		return;
	for (i = 0; i < s->n; i++)
		if (s->hash[i] == h)
			return;
	s->hash[s->n++] = h;
}

/* Is name domain, or a name under it? */
static bool
under(const char *name, const char *domain)
{
	size_t n = strlen(name), d = strlen(domain);

	if (d == 0 || n < d || strcasecmp(name + n - d, domain) != 0)
		return false;
	return n == d || name[n - d - 1] == '.';
}

static void
helo_evaluate(const struct config *cfg, const struct signal_facts *f,
    struct score *score)
{
	const struct config_signals *sig = &cfg->sig;
	struct netaddr addr;
	size_t i;

	if (f->helo == NULL || *f->helo == '\0')
		return;
	if (*f->helo == '[' || netaddr_parse(f->helo, &addr))
		score_add(score, (int)sig->helo_ip_points, "helo=ip");
	else if (strchr(f->helo, '.') == NULL)
		score_add(score, (int)sig->helo_not_fqdn_points, "helo=nofqdn");
	if ((cfg->relay_name != NULL && *cfg->relay_name != '\0' &&
	    strcasecmp(f->helo, cfg->relay_name) == 0) ||
	    (f->mta_name != NULL && *f->mta_name != '\0' &&
	    strcasecmp(f->helo, f->mta_name) == 0))
		score_add(score, (int)sig->helo_self_points, "helo=self");
	for (i = 0; i < sig->nfreemail; i++) {
		if (under(f->helo, sig->freemail[i])) {
			score_add(score, (int)sig->helo_freemail_points,
			    "helo=freemail");
			break;
		}
	}
}

static void
behaviour_evaluate(const struct config *cfg, const struct signal_facts *f,
    struct score *score)
{
	const struct config_signals *sig = &cfg->sig;
	const struct store_observation *obs = f->obs;
	unsigned tried = f->rcpts + f->rejected;

	helo_evaluate(cfg, f, score);
	if (sig->rcpt_domains_per_message > 0 &&
	    f->rcpt_domains > sig->rcpt_domains_per_message)
		score_add(score, (int)sig->rcpt_domains_per_message_points,
		    "rcptdomains=%u/%u", f->rcpt_domains,
		    sig->rcpt_domains_per_message);
	if (sig->rejected_rcpts_percent > 0 &&
	    tried >= sig->rejected_rcpts_min &&
	    (unsigned long)f->rejected * 100 >=
	    (unsigned long)sig->rejected_rcpts_percent * tried)
		score_add(score, (int)sig->rejected_rcpts_points,
		    "rejected=%u/%u", f->rejected, tried);
	if (obs == NULL || !obs->answered)
		return;
	if (sig->rcpt_domains_per_window > 0 &&
	    obs->rcpt_domains_window > sig->rcpt_domains_per_window)
		score_add(score, (int)sig->rcpt_domains_per_window_points,
		    "rcptdomains.window=%u/%u", obs->rcpt_domains_window,
		    sig->rcpt_domains_per_window);
	if (sig->from_domains_per_window > 0 &&
	    obs->from_domains > sig->from_domains_per_window)
		score_add(score, (int)sig->from_domains_per_window_points,
		    "fromdomains=%u/%u", obs->from_domains,
		    sig->from_domains_per_window);
	if (sig->refused_per_window > 0 &&
	    obs->refused > sig->refused_per_window)
		score_add(score, (int)sig->refused_points, "refused=%u/%u",
		    obs->refused, sig->refused_per_window);
}

const struct signal signal_behaviour = { "behaviour", behaviour_evaluate };
