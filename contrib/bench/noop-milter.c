/*
 * noop-milter -- the floor: a milter that does nothing, built from the same
 * libmilter as zombie-milter and negotiating the same steps, so that what
 * a benchmark measures above it is zombie-milter's own cost.
 *
 *   noop-milter -p SOCKET [-B]
 *
 * SOCKET is libmilter's: inet:PORT@HOST, inet6:PORT@HOST or unix:PATH.
 * It asks for what zombie-milter asks for with its default config (see
 * milter/negotiate.h): no headers, end of headers or unknown commands;
 * DATA answered; no reply to HELO and RCPT; refused recipients; SKIP;
 * the body (with -B not: compare with a zombie-milter with bulk = false);
 * the same macros.  Like zombie-milter it keeps a small context per
 * connection, made at negotiation and freed at close.  Every step
 * continues; nothing is logged.  SIGTERM, SIGINT or SIGHUP stop it
 * (libmilter's own signal thread), and it exits 0.
 *
 * Limits: it answers CONTINUE to every body chunk, so with a large body it
 * reads all of it where zombie-milter may SKIP once it has enough.
 */
#include "zmconfig.h"

#include <libmilter/mfapi.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include "negotiate.h"

/* A connection: what was negotiated.  libmilter may run a connection's
 * callbacks on different threads, ordered by its own locks; `turn`
 * makes that order plain to ThreadSanitizer too, which does not see
 * libmilter's locks (contrib/tsan.supp): a callback that uses the
 * connection begins with an acquire and ends with a release of it. */
struct noop_conn {
	atomic_uint turn;
	bool nr_helo;
	bool nr_rcpt;
};

static struct noop_conn *
conn_begin(SMFICTX *ctx)
{
	struct noop_conn *conn = smfi_getpriv(ctx);

	if (conn != NULL)
		(void)atomic_load_explicit(&conn->turn, memory_order_acquire);
	return conn;
}

static sfsistat
conn_end(struct noop_conn *conn, sfsistat rc)
{
	if (conn != NULL)
		atomic_fetch_add_explicit(&conn->turn, 1, memory_order_release);
	return rc;
}

/* Set once in main() before smfi_main(), read-only afterwards. */
static bool want_body = true;

static sfsistat
noop_negotiate(SMFICTX *ctx, unsigned long f0, unsigned long f1,
    unsigned long f2, unsigned long f3, unsigned long *pf0,
    unsigned long *pf1, unsigned long *pf2, unsigned long *pf3)
{
	/* zombie-milter's defaults: HELO is wanted (its HELO signals have
	 * points), without a reply. */
	const unsigned long want = ZM_NEGOTIATE_STEPS | SMFIP_NR_HELO |
	    (want_body ? 0 : SMFIP_NOBODY);
	struct noop_conn *conn;

	(void)f2;
	(void)f3;
	if ((conn = conn_begin(ctx)) == NULL &&
	    ((conn = calloc(1, sizeof(*conn))) == NULL ||
	    smfi_setpriv(ctx, conn) != MI_SUCCESS)) {
		free(conn);
		return SMFIS_TEMPFAIL;
	}
	*pf0 = f0 & SMFIF_ADDHDRS;
	*pf1 = f1 & want;
	*pf2 = *pf3 = 0;
	conn->nr_helo = (*pf1 & SMFIP_NR_HELO) != 0;
	conn->nr_rcpt = (*pf1 & SMFIP_NR_RCPT) != 0;
	zm_negotiate_macros(ctx);
	return conn_end(conn, SMFIS_CONTINUE);
}

static sfsistat
noop_continue(SMFICTX *ctx)
{
	(void)ctx;
	return SMFIS_CONTINUE;
}

static sfsistat
noop_connect(SMFICTX *ctx, char *hostname, _SOCK_ADDR *hostaddr)
{
	(void)hostname;
	(void)hostaddr;
	return noop_continue(ctx);
}

static sfsistat
noop_helo(SMFICTX *ctx, char *name)
{
	struct noop_conn *conn = conn_begin(ctx);

	(void)name;
	return conn_end(conn, conn != NULL && conn->nr_helo ? SMFIS_NOREPLY :
	    SMFIS_CONTINUE);
}

static sfsistat
noop_envfrom(SMFICTX *ctx, char **argv)
{
	(void)argv;
	return noop_continue(ctx);
}

static sfsistat
noop_envrcpt(SMFICTX *ctx, char **argv)
{
	struct noop_conn *conn = conn_begin(ctx);

	(void)argv;
	return conn_end(conn, conn != NULL && conn->nr_rcpt ? SMFIS_NOREPLY :
	    SMFIS_CONTINUE);
}

static sfsistat
noop_body(SMFICTX *ctx, unsigned char *chunk, size_t len)
{
	(void)chunk;
	(void)len;
	return noop_continue(ctx);
}

static sfsistat
noop_close(SMFICTX *ctx)
{
	free(conn_begin(ctx));
	smfi_setpriv(ctx, NULL);
	return SMFIS_CONTINUE;
}

static struct smfiDesc desc = {
	.xxfi_name = "noop-milter",
	.xxfi_version = SMFI_VERSION,
	.xxfi_flags = SMFIF_ADDHDRS,
	.xxfi_connect = noop_connect,
	.xxfi_helo = noop_helo,
	.xxfi_envfrom = noop_envfrom,
	.xxfi_envrcpt = noop_envrcpt,
	.xxfi_data = noop_continue,
	.xxfi_body = noop_body,
	.xxfi_eom = noop_continue,
	.xxfi_abort = noop_continue,
	.xxfi_close = noop_close,
	.xxfi_negotiate = noop_negotiate,
};

static void
usage(void)
{
	fprintf(stderr, "usage: noop-milter -p SOCKET [-B]\n");
	exit(2);
}

int
main(int argc, char **argv)
{
	const char *sock = NULL;
	int ch;

	while ((ch = getopt(argc, argv, "Bhp:")) != -1) {
		switch (ch) {
		case 'B':
			want_body = false;
			break;
		case 'p':
			sock = optarg;
			break;
		default:
			usage();
		}
	}
	if (sock == NULL || optind != argc)
		usage();
	signal(SIGPIPE, SIG_IGN);
	if (smfi_register(desc) != MI_SUCCESS) {
		fprintf(stderr, "noop-milter: smfi_register failed\n");
		return 1;
	}
	if (smfi_setconn((char *)sock) != MI_SUCCESS ||
	    smfi_opensocket(true) != MI_SUCCESS) {
		fprintf(stderr, "noop-milter: socket %s: cannot listen (in "
		    "use, or bad address?)\n", sock);
		return 1;
	}
	return smfi_main() == MI_SUCCESS ? 0 : 1;
}
