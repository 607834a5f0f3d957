/*
 * rate -- the sliding-window rate signal.  See signals.h.
 *
 * Each window limit a subject crosses adds that window's points, with a
 * reason such as "msgs1m=31/30" (a login's read "user.msgs1m=...", a
 * delegated prefix's "prefix.msgs1m=...", against the window's limits
 * times prefix_rate_factor).  A message is counted for each of its
 * subjects but only the one with most points scores: the same burst seen
 * twice is still one burst.
 */
#include "zmconfig.h"

#include <stdio.h>

#include "signals.h"

static void
score_subject(const struct config *cfg, const struct signal_subject *subj,
    const char *label, unsigned long factor, struct score *out)
{
	const struct config_window *w;
	unsigned long long msgs, rcpts;	/* 1e9 x 1000 needs 64 bits */
	unsigned i;

	score_init(out);
	if (subj->key == NULL || !subj->counted)
		return;
	for (i = 0; i < cfg->nwindows; i++) {
		w = &cfg->windows[i];
		msgs = (unsigned long long)w->messages * factor;
		rcpts = (unsigned long long)w->recipients * factor;
		if (msgs > 0 && subj->counts[i].msgs > msgs)
			score_add(out, w->points, "%smsgs%s=%lu/%llu", label,
			    w->name, (unsigned long)subj->counts[i].msgs, msgs);
		if (rcpts > 0 && subj->counts[i].rcpts > rcpts)
			score_add(out, w->points, "%srcpts%s=%lu/%llu", label,
			    w->name, (unsigned long)subj->counts[i].rcpts, rcpts);
	}
}

static void
rate_evaluate(const struct config *cfg, const struct signal_facts *facts,
    struct score *score)
{
	struct score host, prefix, user;
	const struct score *best;
	unsigned i;

	score_subject(cfg, &facts->host, "", 1, &host);
	score_subject(cfg, &facts->prefix, "prefix.",
	    cfg->sig.prefix_rate_factor, &prefix);
	score_subject(cfg, &facts->user, "user.", 1, &user);
	best = prefix.total > host.total ? &prefix : &host;
	best = user.total > best->total ? &user : best;
	for (i = 0; i < best->nreasons; i++)
		score_add(score, best->reasons[i].points, "%s",
		    best->reasons[i].text);
}

const struct signal signal_rate = { "rate", rate_evaluate };
