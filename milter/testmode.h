/*
 * testmode -- zombie-milter -t: judge test transactions with no MTA.
 *
 * Each non-blank line of the file that does not start with '#' is one
 * transaction, a list of key=value words:
 *
 *   client=ADDR       the client address (required)
 *   helo=NAME         the HELO name
 *   from=ADDRESS      the envelope sender (required; "<>" for none)
 *   rcpt=A[,B...]     recipients the MTA accepted (at least one)
 *   rejected=A[,B...] recipients the MTA refused
 *   user=LOGIN        the SASL login
 *   body=FILE         the body, relative to the file's directory
 *   repeat=N          send it N times (1..100000, default 1)
 *
 * Every transaction is judged through the same session code as the
 * milter's (session.h) and one line is printed per message:
 * "FILE:LINE[#K]: " and the decision line.  The whole file is read and
 * checked first: a malformed line is reported as "FILE:LINE: reason" and
 * nothing is judged.
 */
#ifndef ZM_TESTMODE_H
#define ZM_TESTMODE_H

#include <stdio.h>

#include "session.h"

/* Run the transactions of path ("-": standard input); 0, or 2 if the
 * file cannot be read or a line is malformed. */
int testmode_run(const struct session_env *env, const char *path, FILE *out,
    FILE *err);

#endif
