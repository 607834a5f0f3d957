/*
 * rate -- the sliding-window rate signal.  See signals.h.
 *
 * Each window limit a subject crosses adds that window's points, with a
 * reason such as "msgs1m=31/30" (user limits read "user.msgs1m=...").
 * When a message has both a host and a SASL login, both are counted but
 * only the one with more points scores: the same burst seen twice is
 * still one burst.
 */
#include "zmconfig.h"

#include <stdio.h>

#include "signals.h"

static void
score_subject(const struct config *cfg, const struct signal_subject *subj,
    const char *label, struct score *out)
{
	const struct config_window *w;
	unsigned i;

	score_init(out);
	if (subj->key == NULL || !subj->counted)
		return;
	for (i = 0; i < cfg->nwindows; i++) {
		w = &cfg->windows[i];
		if (w->messages > 0 && subj->counts[i].msgs > w->messages)
			score_add(out, w->points, "%smsgs%s=%lu/%lu", label,
			    w->name, (unsigned long)subj->counts[i].msgs,
			    w->messages);
		if (w->recipients > 0 && subj->counts[i].rcpts > w->recipients)
			score_add(out, w->points, "%srcpts%s=%lu/%lu", label,
			    w->name, (unsigned long)subj->counts[i].rcpts,
			    w->recipients);
	}
}

static void
rate_evaluate(const struct config *cfg, const struct signal_facts *facts,
    struct score *score)
{
	struct score host, user;
	const struct score *best;
	unsigned i;

	score_subject(cfg, &facts->host, "", &host);
	score_subject(cfg, &facts->user, "user.", &user);
	best = user.total > host.total ? &user : &host;
	for (i = 0; i < best->nreasons; i++)
		score_add(score, best->reasons[i].points, "%s",
		    best->reasons[i].text);
}

const struct signal signal_rate = { "rate", rate_evaluate };
