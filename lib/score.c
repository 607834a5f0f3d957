/*
 * score -- points, reasons and verdicts.  See score.h.
 */
#include "zmconfig.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "score.h"

void
score_init(struct score *s)
{
	s->total = 0;
	s->signal = NULL;
	s->nreasons = 0;
}

static void
vadd(struct score *s, int points, char end, const char *fmt, va_list ap)
{
	struct score_reason *r;

	s->total += points;
	if (s->nreasons == SCORE_REASONS_MAX) {
		r = &s->reasons[SCORE_REASONS_MAX - 1];
		r->points += points;
		snprintf(r->text, sizeof(r->text), "...");
		r->keylen = 3;
		r->signal = NULL;	/* of several signals */
		return;
	}
	r = &s->reasons[s->nreasons++];
	r->points = points;
	r->signal = s->signal;
	vsnprintf(r->text, sizeof(r->text), fmt, ap);
	r->keylen = (unsigned short)strcspn(r->text, (char[]){ end, '\0' });
}

void
score_add(struct score *s, int points, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vadd(s, points, '=', fmt, ap);
	va_end(ap);
}

void
score_add_key(struct score *s, int points, char end, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vadd(s, points, end, fmt, ap);
	va_end(ap);
}

static bool
reaches(int total, int threshold)
{
	return threshold > 0 && total >= threshold;
}

enum verdict
score_verdict(const struct score *s, const struct score_thresholds *t)
{
	if (reaches(s->total, t->quarantine))
		return VERDICT_QUARANTINE;
	if (reaches(s->total, t->reject))
		return VERDICT_REJECT;
	if (reaches(s->total, t->tempfail))
		return VERDICT_TEMPFAIL;
	if (reaches(s->total, t->tag))
		return VERDICT_TAG;
	return VERDICT_ACCEPT;
}

char *
score_reason_format(const struct score_reason *r, char *buf, size_t len)
{
	/* A reason worth no points is shown bare: it explains, it does not
	 * weigh (a quarantine found at MAIL FROM). */
	if (r->points != 0)
		snprintf(buf, len, "%s(%+d)", r->text, r->points);
	else
		snprintf(buf, len, "%s", r->text);
	return buf;
}

char *
score_explain(const struct score *s, char *buf, size_t len)
{
	char one[SCORE_REASON_LEN + 16];
	size_t used = 0;
	unsigned i;
	int n;

	if (len == 0)
		return buf;
	buf[0] = '\0';
	if (s->nreasons == 0) {
		snprintf(buf, len, "-");
		return buf;
	}
	for (i = 0; i < s->nreasons && used < len; i++) {
		n = snprintf(buf + used, len - used, "%s%s", i > 0 ? "," : "",
		    score_reason_format(&s->reasons[i], one, sizeof(one)));
		if (n < 0)
			break;
		used += (size_t)n;
	}
	return buf;
}

const char *
score_verdict_name(enum verdict v)
{
	switch (v) {
	case VERDICT_ACCEPT:
		return "accept";
	case VERDICT_TAG:
		return "tag";
	case VERDICT_TEMPFAIL:
		return "tempfail";
	case VERDICT_REJECT:
		return "reject";
	case VERDICT_QUARANTINE:
		return "quarantine";
	}
	return "unknown";
}

bool
score_verdict_refuses(enum verdict v)
{
	return v == VERDICT_TEMPFAIL || v == VERDICT_REJECT ||
	    v == VERDICT_QUARANTINE;
}
