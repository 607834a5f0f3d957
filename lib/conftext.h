/*
 * conftext -- a configuration file's text as libconfuse is to parse it.
 *
 * libconfuse 3.3 (Debian 12) counts lines wrongly after every comment
 * (two lines too many after a "#" or "//" comment, one after a block
 * comment), so an error after a comment is reported lines below its
 * place, and it refuses a comment inside a list.  Without comments it
 * counts right.  So the file is read here and handed over with every
 * comment ("#" or "//" to the end of the line, and block comments)
 * blanked out, its line breaks kept, CR LF turned into LF, and a final
 * line break added when there is none: each line stays on its number.
 * Quoted strings ("..." with backslash escapes, '...' with \' and \\
 * only, as libconfuse reads them) are left as they are, comment
 * characters in them included; a string must end on its line (no option
 * takes two), so a missing quote is reported where it is, not where
 * libconfuse would run out of file.
 *
 * Limits: files of at most CONFTEXT_MAX bytes.
 */
#ifndef ZM_CONFTEXT_H
#define ZM_CONFTEXT_H

#include <stddef.h>

#define CONFTEXT_MAX	(1024 * 1024)

/*
 * The text of len bytes, cleaned as above: a NUL-terminated copy (the
 * caller frees it).  NULL when memory runs out (*bad_line 0), or for a
 * text libconfuse must not see or would misplace: a NUL byte, a block
 * comment that never ends, a string that does not end on its line; then
 * *bad_line is its line (where the comment or string starts) and *why
 * says which.
 */
char *conftext_clean(const char *text, size_t len, int *bad_line,
    const char **why);

#endif
