/*
 * fingerprint -- a SHA-256 of a message body, normalised so that trivial
 * per-recipient variation does not change it.
 *
 * The body is fed in chunks as it streams.  Every run of CR and LF ends a
 * line; within a line, leading and trailing spaces and tabs are dropped
 * and every inner run of them becomes one space; each non-empty line is
 * hashed followed by "\n", empty lines are dropped.  So "a  b\r\n\r\nc"
 * and "a b\nc\n" share a fingerprint, and a different word does not.  A
 * body shorter than FINGERPRINT_MIN_BYTES once normalised has none: short
 * replies ("ok, thanks") are alike everywhere and prove nothing.
 *
 * fingerprint_init() fetches the digest once, before any thread uses it.
 */
#ifndef ZM_FINGERPRINT_H
#define ZM_FINGERPRINT_H

#include <stdbool.h>
#include <stddef.h>

#define FINGERPRINT_HEX		65	/* 64 hex digits and NUL */
#define FINGERPRINT_SHORT	9	/* the first 8, for reasons */
#define FINGERPRINT_MIN_BYTES	64

struct fingerprint;

/* Fetch SHA-256 once; false if OpenSSL has none. */
bool fingerprint_init(void);

/* Release it at exit. */
void fingerprint_cleanup(void);

/* A new fingerprint in progress; NULL on ENOMEM. */
struct fingerprint *fingerprint_new(void);

/* Feed the next len bytes of the body. */
void fingerprint_update(struct fingerprint *fp, const unsigned char *body,
    size_t len);

/* Finish: true with the hex digest in hex, false if the body is too short
 * (or the digest failed).  The fingerprint is freed either way. */
bool fingerprint_final(struct fingerprint *fp, char hex[FINGERPRINT_HEX]);

/* Drop one not finished; NULL is fine. */
void fingerprint_free(struct fingerprint *fp);

#endif
