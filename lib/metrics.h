/*
 * metrics -- what the daemon counts for Prometheus.
 *
 * Counters and histograms live for the process, across reloads, in
 * relaxed atomics: a worker thread that counts never waits, and a scrape
 * (metrics_write()) reads each value once without stopping anyone, so a
 * sum may lag its parts by the messages in flight.  Gauges that belong to
 * a configuration (Redis's circuit, a list's health) are not here: the
 * milter reads them from the runtime in force when it is scraped.
 *
 * Every label value comes from the code or the configuration, never from
 * a client, a DNS answer or Redis: reasons are counted by their key
 * (score.h).  The reasons table is bounded (METRICS_REASONS_MAX); keys
 * past it are counted as "other".
 *
 * zombie-milter(8), METRICS, lists every metric.
 */
#ifndef ZM_METRICS_H
#define ZM_METRICS_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "config.h"
#include "engine.h"

#define METRICS_REASONS_MAX	512

enum metrics_counter {
	METRICS_MESSAGES,		/* decided at end of message */
	METRICS_RECIPIENTS,		/* their accepted recipients */
	METRICS_MAIL_REFUSALS,		/* refused at MAIL FROM */
	METRICS_REDIS_ROUND_TRIPS,
	METRICS_DNS_QUERIES,		/* sent to the resolver */
	METRICS_DNS_CACHE_HITS,		/* answered from our cache */
	METRICS_DNS_BUDGET_OVERRUNS,	/* a wait that ran out of budget */
	METRICS_COUNTERS
};

/* Why Redis could not be used for a call. */
enum metrics_redis_error {
	METRICS_REDIS_CIRCUIT_OPEN,	/* not tried */
	METRICS_REDIS_BUSY,		/* no connection came free */
	METRICS_REDIS_CONNECT,
	METRICS_REDIS_TIMEOUT,
	METRICS_REDIS_IO,		/* connection lost, bad protocol */
	METRICS_REDIS_REPLY,		/* an error reply, or a wrong one */
	METRICS_REDIS_ERRORS
};

/* What became of a query sent to the resolver. */
enum metrics_dns_answer {
	METRICS_DNS_ANSWER,
	METRICS_DNS_NXDOMAIN,
	METRICS_DNS_NODATA,
	METRICS_DNS_FAILED,		/* SERVFAIL, timeout, unusable */
	METRICS_DNS_ANSWERS
};

enum metrics_histogram {
	METRICS_DECISION,	/* our time from MAIL FROM to the reply */
	METRICS_REDIS_RTT,	/* one round trip */
	METRICS_DNS_WAIT,	/* waiting for lookups at end of message */
	METRICS_HISTOGRAMS
};

void metrics_count(enum metrics_counter c, uint64_t n);
void metrics_redis_error(enum metrics_redis_error e);
void metrics_dns_answer(enum metrics_dns_answer a);
void metrics_observe(enum metrics_histogram h, uint64_t us);

/* A quarantine written for a subject (store.h's STORE_SUBJECT_*). */
void metrics_quarantine(size_t subject_kind);

/* A decision, as it is logged: at MAIL FROM, or at end of message with
 * the message's recipients; policy is redis_fallback, counted if the
 * decision fell back. */
void metrics_decision(const struct engine_decision *d, bool at_mail,
    enum config_fallback policy, unsigned rcpts);

/* A reload: installed, or refused (the running configuration kept). */
void metrics_reload(bool installed);

/* Write the counters and histograms in the Prometheus text format. */
void metrics_write(FILE *out);

/* Write s as a label value: \, " and newlines escaped. */
void metrics_label(FILE *out, const char *s, size_t len);

#endif
