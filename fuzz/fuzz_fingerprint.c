/*
 * fuzz_fingerprint -- libFuzzer target: the body fingerprint
 * (lib/fingerprint.c), which sees the body in the chunks the MTA sends.
 *
 * An input is 8 chunk sizes (its first 8 bytes, each 1 to 256) and the
 * body (the rest).  The body is fingerprinted whole, then in chunks of
 * those sizes in turn, then a byte at a time: the three must agree, on
 * whether there is a fingerprint and on its value.  A disagreement is a
 * finding (abort), as are a crash, a sanitizer report and a leak.
 */
#include "zmconfig.h"

#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "fingerprint.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* Fingerprint body in chunks of sizes[i % nsizes] bytes (all of it in one
 * when nsizes is 0); false if there is none. */
static bool
fingerprint_of(const uint8_t *body, size_t len, const uint8_t *sizes,
    size_t nsizes, char hex[FINGERPRINT_HEX])
{
	struct fingerprint *fp = fingerprint_new();
	size_t at = 0, i = 0, n;

	if (fp == NULL)
		abort();
	while (at < len) {
		n = nsizes == 0 ? len - at : (size_t)sizes[i++ % nsizes] + 1;
		if (n > len - at)
			n = len - at;
		fingerprint_update(fp, body + at, n);
		at += n;
	}
	return fingerprint_final(fp, hex);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static bool ready;
	static const uint8_t one[1] = { 0 };
	char whole[FINGERPRINT_HEX], chunked[FINGERPRINT_HEX], bytes[FINGERPRINT_HEX];
	bool a, b, c;

	if (!ready) {
		if (!fingerprint_init())
			abort();
		ready = true;
	}
	if (size < 8)
		return 0;
	a = fingerprint_of(data + 8, size - 8, NULL, 0, whole);
	b = fingerprint_of(data + 8, size - 8, data, 8, chunked);
	c = fingerprint_of(data + 8, size - 8, one, 1, bytes);
	if (a != b || a != c)
		abort();
	if (a && (strcmp(whole, chunked) != 0 || strcmp(whole, bytes) != 0))
		abort();
	return 0;
}
