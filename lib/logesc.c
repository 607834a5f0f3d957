/*
 * logesc -- escaping for log lines.  See logesc.h.
 */
#include "zmconfig.h"

#include <string.h>

#include "logesc.h"

/* Where the output cut at used must end so as not to split an escape:
 * the start of an escape that used falls inside, or used. */
static size_t
escape_start(const char *dst, size_t used)
{
	size_t q;

	for (q = used > 3 ? used - 3 : 0; q < used; q++)
		if (dst[q] == '\\')
			return q;
	return used;
}

char *
logesc(char *dst, size_t len, const char *src)
{
	static const char hex[] = "0123456789abcdef";
	const unsigned char *s;
	size_t used = 0;

	if (len == 0)
		return dst;
	if (src == NULL)
		src = "-";
	for (s = (const unsigned char *)src; *s != '\0'; s++) {
		size_t need = (*s < 0x21 || *s > 0x7e || *s == '\\') ? 4 : 1;

		if (used + need >= len) {
			/* Cut: leave room for the marker, and no escape in
			 * two (a backslash only ever starts one). */
			if (len >= 4) {
				used = used > len - 4 ? len - 4 : used;
				used = escape_start(dst, used);
				memcpy(dst + used, "...", 3);
				used += 3;
			}
			break;
		}
		if (need == 4) {
			dst[used++] = '\\';
			dst[used++] = 'x';
			dst[used++] = hex[*s >> 4];
			dst[used++] = hex[*s & 0xf];
		} else {
			dst[used++] = (char)*s;
		}
	}
	dst[used] = '\0';
	return dst;
}
