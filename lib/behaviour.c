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
 * than refused_per_window ("refused=6/5"; a delegated prefix's
 * "prefix.refused=", a login's "user.refused="; the one with most
 * refusals scores, the same refusals seen twice being one persistence): a
 * customer's mail client gives up or backs off, a bot keeps pushing.
 * Spread within behaviour_window: a host authenticating as more logins
 * than host_logins_per_window ("logins=16/15": credential stuffing), a
 * delegated prefix sending from more host keys than
 * prefix_hosts_per_window ("prefix.hosts=9/8": a zombie taking a new /64
 * for each message), a login used from more networks than
 * user_networks_per_window ("user.networks=5/4": stolen credentials).
 * Counts the store could not give are unknown and score nothing.
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
		score_add_key(score, (int)sig->helo_ip_points, '\0', "helo=ip");
	else if (strchr(f->helo, '.') == NULL)
		score_add_key(score, (int)sig->helo_not_fqdn_points, '\0',
		    "helo=nofqdn");
	if ((cfg->relay_name != NULL && *cfg->relay_name != '\0' &&
	    strcasecmp(f->helo, cfg->relay_name) == 0) ||
	    (f->mta_name != NULL && *f->mta_name != '\0' &&
	    strcasecmp(f->helo, f->mta_name) == 0))
		score_add_key(score, (int)sig->helo_self_points, '\0',
		    "helo=self");
	for (i = 0; i < sig->nfreemail; i++) {
		if (under(f->helo, sig->freemail[i])) {
			score_add_key(score, (int)sig->helo_freemail_points, '\0',
			    "helo=freemail");
			break;
		}
	}
}

/* A subject's distinct values past their limit. */
static void
spread(const struct signal_subject *subj, const char *what, unsigned limit,
    unsigned points, struct score *score)
{
	if (subj->key != NULL && subj->observed && limit > 0 &&
	    subj->values > limit)
		score_add(score, (int)points, "%s=%u/%u", what, subj->values,
		    limit);
}

/* Refusals past the limit: the subject with most of them scores. */
static void
persistence(const struct signal_facts *f, const struct config_signals *sig,
    struct score *score)
{
	const struct signal_subject *subj[] = { &f->host, &f->prefix, &f->user };
	static const char *const label[] = { "", "prefix.", "user." };
	size_t i, best = 0;

	if (sig->refused_per_window == 0)
		return;
	for (i = 1; i < 3; i++)
		if (subj[i]->observed && subj[i]->refused > subj[best]->refused)
			best = i;
	if (subj[best]->observed && subj[best]->refused > sig->refused_per_window)
		score_add(score, (int)sig->refused_points, "%srefused=%u/%u",
		    label[best], subj[best]->refused, sig->refused_per_window);
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
	spread(&f->host, "logins", sig->host_logins_per_window,
	    sig->host_logins_points, score);
	spread(&f->prefix, "prefix.hosts", sig->prefix_hosts_per_window,
	    sig->prefix_hosts_points, score);
	spread(&f->user, "user.networks", sig->user_networks_per_window,
	    sig->user_networks_points, score);
	if (obs != NULL && obs->answered && sig->rcpt_domains_per_window > 0 &&
	    obs->rcpt_domains_window > sig->rcpt_domains_per_window)
		score_add(score, (int)sig->rcpt_domains_per_window_points,
		    "rcptdomains.window=%u/%u", obs->rcpt_domains_window,
		    sig->rcpt_domains_per_window);
	if (obs != NULL && obs->answered && sig->from_domains_per_window > 0 &&
	    obs->from_domains > sig->from_domains_per_window)
		score_add(score, (int)sig->from_domains_per_window_points,
		    "fromdomains=%u/%u", obs->from_domains,
		    sig->from_domains_per_window);
	persistence(f, sig, score);
}

const struct signal signal_behaviour = { "behaviour", behaviour_evaluate };
