/*
 * conftext -- a configuration file's text without comments.  See
 * conftext.h.
 */
#include "zmconfig.h"

#include <stdbool.h>
#include <stdlib.h>

#include "conftext.h"

char *
conftext_clean(const char *text, size_t len, int *bad_line, const char **why)
{
	char *out = malloc(len + 2), quote = 0;
	size_t i, o = 0;
	int line = 1, comment_line = 0, quote_line = 0;
	bool line_comment = false, block_comment = false;

	*bad_line = 0;
	if (out == NULL)
		return NULL;
	for (i = 0; i < len; i++) {
		char c = text[i], next = i + 1 < len ? text[i + 1] : '\0';

		if (c == '\r' && next == '\n')
			continue;		/* CR LF: the LF follows */
		if (c == '\n' && quote != 0)
			break;			/* no option takes two lines */
		if (c == '\n') {
			line++;
			line_comment = false;
			out[o++] = '\n';
			continue;
		}
		if (c == '\0') {
			*bad_line = line;
			*why = "a NUL byte";
			free(out);
			return NULL;
		}
		if (line_comment)
			continue;
		if (block_comment) {
			if (c == '*' && next == '/') {
				block_comment = false;
				i++;
			}
			continue;
		}
		if (quote != 0) {
			/* libconfuse's escapes: any character in "...",
			 * a quote or a backslash in '...'. */
			if (c == '\\' && next != '\0' && next != '\n' &&
			    (quote == '"' || next == '\'' || next == '\\')) {
				out[o++] = c;
				out[o++] = next;
				i++;
				continue;
			}
			if (c == quote)
				quote = 0;
			out[o++] = c;
			continue;
		}
		if (c == '#' || (c == '/' && next == '/')) {
			line_comment = true;
			continue;
		}
		if (c == '/' && next == '*') {
			block_comment = true;
			comment_line = line;
			i++;
			continue;
		}
		if (c == '"' || c == '\'') {
			quote = c;
			quote_line = line;
		}
		out[o++] = c;
	}
	if (block_comment || quote != 0) {
		*bad_line = block_comment ? comment_line : quote_line;
		*why = block_comment ? "a comment that never ends"
		    : "a string that does not end on its line";
		free(out);
		return NULL;
	}
	if (o == 0 || out[o - 1] != '\n')
		out[o++] = '\n';
	out[o] = '\0';
	return out;
}
