/*
 * signals -- the evidence a decision is made of.
 *
 * A signal looks at the facts gathered about one message and adds points
 * with reasons to the score.  The engine runs every signal in its table
 * for every message; a signal that has nothing to say adds nothing.  A
 * signal whose input is unknown (a store or lookup failure) adds nothing
 * either: unknown never counts as evidence.  Signals must not block: what
 * they need is gathered before they run.
 */
#ifndef ZM_SIGNALS_H
#define ZM_SIGNALS_H

#include <stdbool.h>

#include "config.h"
#include "dnsbl.h"
#include "score.h"
#include "window.h"

/* The window counts of one subject (host or login), this message included. */
struct signal_subject {
	const char *key;	/* NULL: no such subject for this message */
	bool counted;		/* false: the store did not answer */
	struct window_count counts[CONFIG_WINDOWS_MAX];
};

struct signal_facts {
	struct signal_subject host;
	struct signal_subject user;
	unsigned rcpts;
	const struct dnsbl_result *dnsbl;	/* finished lookups */
	size_t ndnsbl;
};

struct signal {
	const char *name;
	void (*evaluate)(const struct config *cfg,
	    const struct signal_facts *facts, struct score *score);
};

/* Window limits crossed by the host or the login (rate.c). */
extern const struct signal signal_rate;

/* Listings on DNS blocklists (dnsbl_score.c). */
extern const struct signal signal_dnsbl;

#endif
