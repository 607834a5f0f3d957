/*
 * score -- points with reasons, and the verdict they lead to.
 *
 * Each signal adds points with a short reason ("msgs1m=31/30").  The score
 * is their sum; the highest threshold it reaches gives the verdict.  The
 * same list of reasons explains the decision everywhere: the log line, the
 * X-Zombie-Score header, the quarantine record.  Reasons are built from
 * configuration and counts only, never from client-supplied text.
 */
#ifndef ZM_SCORE_H
#define ZM_SCORE_H

#include <stdbool.h>
#include <stddef.h>

enum verdict {
	VERDICT_ACCEPT,
	VERDICT_TAG,
	VERDICT_TEMPFAIL,
	VERDICT_REJECT,
	VERDICT_QUARANTINE
};

#define SCORE_REASONS_MAX	16
#define SCORE_REASON_LEN	160

/*
 * A reason's key is what it is counted by in the metrics: its text up to
 * the character its signal names ("msgs1m" of "msgs1m=31/30"; "dnsbl=ZONE"
 * of a listing; all of "helo=ip"), made of configuration and code only,
 * never of counts or client data, so the keys form a bounded set.
 */
struct score_reason {
	int points;
	const char *signal;	/* the score's signal when it was added;
				 * NULL for "...", which merges several */
	unsigned short keylen;	/* text[0..keylen) is its key */
	char text[SCORE_REASON_LEN];
};

struct score {
	int total;
	const char *signal;	/* who adds reasons now (NULL: none named) */
	unsigned nreasons;
	struct score_reason reasons[SCORE_REASONS_MAX];
};

/* Thresholds of each verdict; 0 disables that verdict. */
struct score_thresholds {
	int tag;
	int tempfail;
	int reject;
	int quarantine;
};

/* Reset s to no points, no reasons and no signal named. */
void score_init(struct score *s);

/* Add points with a printf-style reason, its key ending at the first
 * '='; past SCORE_REASONS_MAX reasons the points still count and the
 * last reason reads "...". */
void score_add(struct score *s, int points, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* The same, the key ending at the first end character ('\0': the whole
 * text is the key). */
void score_add_key(struct score *s, int points, char end, const char *fmt,
    ...) __attribute__((format(printf, 4, 5)));

/* The verdict the total reaches. */
enum verdict score_verdict(const struct score *s,
    const struct score_thresholds *t);

/* Write one reason as "text(+points)", or "text" when worth 0 points. */
char *score_reason_format(const struct score_reason *r, char *buf,
    size_t len);

/* Write "reason(+points),..." or "-" into buf; a reason worth 0 points
 * is written bare.  Returns buf. */
char *score_explain(const struct score *s, char *buf, size_t len);

/* "accept", "tag", "tempfail", "reject", "quarantine". */
const char *score_verdict_name(enum verdict v);

/* True for the verdicts that refuse the message. */
bool score_verdict_refuses(enum verdict v);

#endif
