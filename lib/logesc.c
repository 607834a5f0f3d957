/*
 * logesc -- escaping for log lines.  See logesc.h.
 */
#include "zmconfig.h"

#include <string.h>

#include "logesc.h"

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
			/* Cut: leave room for the marker. */
			if (len >= 4) {
				used = used > len - 4 ? len - 4 : used;
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
