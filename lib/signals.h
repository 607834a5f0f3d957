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
#include "spf.h"
#include "store.h"
#include "window.h"

/* What the store says of one subject (host, delegated prefix or login),
 * this message included. */
struct signal_subject {
	const char *key;	/* NULL: no such subject for this message */
	bool counted;		/* false: the store did not answer */
	struct window_count counts[CONFIG_WINDOWS_MAX];
	bool observed;		/* false: values and refused are unknown */
	unsigned values;	/* distinct logins, hosts or networks */
	unsigned refused;	/* its refused messages in the window */
};

struct signal_facts {
	struct signal_subject host;
	struct signal_subject prefix;
	struct signal_subject user;
	unsigned rcpts;			/* accepted */
	unsigned rejected;		/* refused by the MTA */
	unsigned rcpt_domains;		/* distinct, in this message */
	const char *helo;		/* NULL if none */
	const char *mta_name;		/* the MTA's own ($j), NULL if unknown */
	enum spf_result spf;
	const struct dnsbl_result *dnsbl;	/* finished lookups */
	size_t ndnsbl;
	/* The host's window of domains and bodies; NULL or not answered:
	 * unknown. */
	const struct store_observation *obs;
};

struct signal {
	const char *name;
	void (*evaluate)(const struct config *cfg,
	    const struct signal_facts *facts, struct score *score);
};

/* Window limits crossed by the host, its prefix or the login (rate.c). */
extern const struct signal signal_rate;

/* Listings on DNS blocklists (dnsbl_score.c). */
extern const struct signal signal_dnsbl;

/* A forged envelope sender (spf_score.c). */
extern const struct signal signal_spf;

/* HELO, domain and network spread, refused recipients, persistence
 * (behaviour.c). */
extern const struct signal signal_behaviour;

/* The same body to many recipients or from many hosts (bulk.c). */
extern const struct signal signal_bulk;

#endif
