/*
 * negotiate -- what zombie-milter asks of the MTA, in one place, so that
 * the no-op reference milter of the benchmark (contrib/bench/noop-milter.c)
 * asks exactly the same.
 *
 * Steps no signal needs are skipped, replies to RCPT are not waited for,
 * recipients the MTA refused are asked for (behaviour), and SMFIS_SKIP is
 * allowed (the body is hashed only so far).
 *
 * DATA is not skipped although no signal needs it: Postfix sends DATA's
 * macros anyway, then the body, two small writes in a row on a socket
 * without TCP_NODELAY; with no reply to DATA the milter's host delays
 * its ACK of the first (about 40 ms) and Postfix holds the body back
 * until it comes.  Answering DATA (SMFIS_CONTINUE, a few bytes) costs a
 * round trip and saves those 40 ms: through Postfix, one session went
 * from 23 to 660 messages a second.  Hence no SMFIP_NODATA, nor
 * SMFIP_NR_DATA.  HELO and the body depend on
 * the signals configured: the caller adds SMFIP_NR_HELO or SMFIP_NOHELO,
 * and SMFIP_NOBODY when no signal wants the body.
 */
#ifndef ZM_NEGOTIATE_H
#define ZM_NEGOTIATE_H

#include <libmilter/mfapi.h>

#define ZM_NEGOTIATE_STEPS	(SMFIP_NOHDRS | SMFIP_NOEOH | \
	SMFIP_NOUNKNOWN | SMFIP_NR_RCPT | SMFIP_RCPT_REJ | SMFIP_SKIP)

/* The macros asked for: the MTA's name, the queue id, the SASL login,
 * and the mailer of each recipient ("error" when the MTA refused it). */
static inline void
zm_negotiate_macros(SMFICTX *ctx)
{
	smfi_setsymlist(ctx, SMFIM_CONNECT, "j");
	smfi_setsymlist(ctx, SMFIM_ENVFROM, "i {auth_authen}");
	smfi_setsymlist(ctx, SMFIM_ENVRCPT, "{rcpt_mailer}");
	smfi_setsymlist(ctx, SMFIM_EOM, "i");
}

#endif
