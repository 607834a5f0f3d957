/*
 * fuzz_logesc -- libFuzzer target: the log escaper (lib/logesc.c) on
 * hostile bytes and every buffer size.
 *
 * An input is a buffer size (its first two bytes, 0 to 1023) and the text
 * to escape (the rest, up to its first NUL).  What logesc() promises, and
 * is asserted here: the output fits the buffer with its NUL; every byte
 * of it is printable ASCII other than space; when the whole text fits,
 * undoing the \xHH escapes gives the text back; when it does not, the
 * output ends in "..." (a buffer of 4 bytes or more) and what comes
 * before the marker undoes to the text's beginning, no escape cut in two.
 * A failed assertion is a finding (abort).
 */
#include "zmconfig.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "logesc.h"

#define TEXT_MAX	4096

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static int
hexval(char c)
{
	return c >= '0' && c <= '9' ? c - '0' : c >= 'a' && c <= 'f' ?
	    c - 'a' + 10 : -1;
}

/* Undo the escapes of out[0..n) into raw; its length, or -1 if the text
 * is not one logesc() writes. */
static long
unescape(const char *out, size_t n, char *raw)
{
	size_t i = 0, k = 0;

	while (i < n) {
		if (out[i] != '\\') {
			raw[k++] = out[i++];
			continue;
		}
		if (i + 4 > n || out[i + 1] != 'x' || hexval(out[i + 2]) < 0 ||
		    hexval(out[i + 3]) < 0)
			return -1;
		raw[k++] = (char)(hexval(out[i + 2]) << 4 | hexval(out[i + 3]));
		i += 4;
	}
	return (long)k;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static char text[TEXT_MAX + 1], out[1024 + 1], raw[1024];
	size_t len, n, i, full = 0, cut;
	long k;

	if (size < 2)
		return 0;
	len = ((size_t)data[0] << 8 | data[1]) % 1024;
	n = size - 2 < TEXT_MAX ? size - 2 : TEXT_MAX;
	memcpy(text, data + 2, n);
	text[n] = '\0';
	n = strlen(text);
	for (i = 0; i < n; i++) {
		unsigned char c = (unsigned char)text[i];

		full += c < 0x21 || c > 0x7e || c == '\\' ? 4 : 1;
	}
	memset(out, 'Z', sizeof(out));
	logesc(out, len, text);
	if (len == 0)
		return out[0] == 'Z' ? 0 : (abort(), 0);	/* untouched */
	cut = strnlen(out, len);
	if (cut >= len)
		abort();			/* no NUL within the buffer */
	for (i = 0; i < cut; i++)
		if ((unsigned char)out[i] < 0x21 || (unsigned char)out[i] > 0x7e)
			abort();
	if (full < len) {
		/* It fits: all of it, and it undoes to the text. */
		k = unescape(out, cut, raw);
		if (k != (long)n || memcmp(raw, text, n) != 0)
			abort();
		return 0;
	}
	if (len < 4)
		return 0;
	if (cut < 3 || memcmp(out + cut - 3, "...", 3) != 0)
		abort();
	k = unescape(out, cut - 3, raw);
	if (k < 0 || (size_t)k > n || memcmp(raw, text, (size_t)k) != 0)
		abort();
	return 0;
}
