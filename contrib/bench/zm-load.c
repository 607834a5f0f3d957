/*
 * zm-load -- a milter-protocol load driver: the MTA's side of the milter
 * protocol, spoken straight to a milter socket, with no MTA in the way.
 *
 *   zm-load -s HOST:PORT|unix:PATH [-c CONNS=50] [-n TOTAL_CONNS=CONNS]
 *	[-m MSGS_PER_CONN=200] [-r RCPTS=1] [-b BODY_BYTES=2000] [-B]
 *	[-p POPULATION=10000] [-P FIRST=0] [-S SEED=1]
 *	[-f SENDER_DOMAIN=bench.zm-test.net] [-u LOGINS=0] [-6]
 *	[-w WARMUP_MSGS=0] [-t TIMEOUT_S=30] [-q]
 *
 * Each connection offers what Postfix offers (version 6, every action,
 * every step), announces one client host of the population, HELO
 * pc<i>.cust.zm-test.net, then sends MSGS_PER_CONN messages: MAIL FROM
 * <u<i>@SENDER_DOMAIN>, RCPTS recipients, a body of BODY_BYTES bytes, the
 * end of message; then QUIT.  Steps the milter negotiated away are not
 * sent, replies it negotiated away (SMFIP_NR_*) are not read.  Host i is
 * 198.(18+(i>>16)).((i>>8)&255).(i&255) (RFC 2544's 198.18.0.0/15: data
 * only, never contacted), or with -6 2001:db8:H:L00::1 where H = i>>8 and
 * L = i&255 (RFC 3849's documentation prefix; each host a /56 of its
 * own; up to 2^24 hosts, 131072 in IPv4); connection j is host FIRST + (j * 7919) % POPULATION.  With -u,
 * host i's messages are sent as SASL login l<i % LOGINS>@SENDER_DOMAIN
 * ({auth_authen} at MAIL).  A body starts with a line naming the seed, the connection
 * and the message, so that no two bodies share a fingerprint; -B sends the
 * same body every time.
 *
 * Concurrency: CONNS threads, one blocking socket each, no poll loop: the
 * simplest MTA model there is, and one that cannot make a slow milter look
 * fast.  Thread t opens connections t, t+CONNS, t+2*CONNS, ... below
 * TOTAL_CONNS (-n; by default one each), one after another.  The threads
 * share the read-only options, a start gate and a counter of the errors
 * printed; each keeps its own results, which main() adds up after joining
 * them.
 *
 * Timing: the clock starts when every thread has opened its first
 * connection, so that all CONNS connections are busy from the start; the
 * set-up of later connections (-n) is timed.  A message's latency runs
 * from the first byte of its MAIL to its end-of-message reply; the first
 * -w messages of each connection are not measured.  secs runs from the
 * start to the last reply; rate counts every message answered in that
 * time, warm-up messages too (they are load the milter handled), so with
 * -w it is more than msgs / secs.  Why warm up: connections that all
 * start at once after waiting are a burst libmilter's worker pool meets
 * cold (it hands an idle session back to its poll thread after 1 ms and
 * retires idle workers); -w 1 keeps that burst out of the percentiles.
 *
 * Output: without -q, a few lines saying what was negotiated and what the
 * connection set-up cost; then always one line:
 *   msgs=N secs=T rate=X p50_ms=A p99_ms=B p999_ms=C cpu_s=U errors=E
 *   replies=accept:n,tempfail:n,reject:n[,discard:n][,addheader:n]
 * A continue at the end of message counts as accept; a reply code counts
 * as tempfail (4xx) or reject (5xx); addheader counts messages that got a
 * header added as well.  errors counts connections that failed (the first
 * few are explained on standard error); cpu_s is this process's user +
 * system time over the whole run.  Exit 0, 1 when errors > 0, 2 on a
 * usage error.
 *
 * Limits: every latency is kept (8 bytes each, at most
 * 10 million measured messages), so the percentiles are exact.  A milter
 * that ends a connection at CONNECT or HELO (accept, reject) is an error,
 * not a result: its messages would never reach it.  A body is sent from
 * memory shared by all threads, at most 10 MB.
 */
#include "zmconfig.h"

#include <sys/types.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <sys/uio.h>
#include <sys/un.h>

#include <netinet/in.h>
#include <netinet/tcp.h>

#include <ctype.h>
#include <errno.h>
#include <libmilter/mfdef.h>	/* protocol constants only: no libmilter */
#include <limits.h>
#include <netdb.h>
#include <pthread.h>
#include <signal.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

/* What a current Postfix offers at negotiation. */
#define MTA_VERSION	6
#define MTA_ACTIONS	0x1ffUL
#define MTA_PROTOCOL	0x1fffffUL

#define HOSTS_MAX	131072U		/* addresses in 198.18.0.0/15 */
#define HOSTS6_MAX	16777216U	/* -6: /56s under 2001:db8::/32 */
#define HOST_STRIDE	7919U		/* a prime: spreads connections */
#define MEASURED_MAX	10000000UL	/* latencies kept: 80 MB */
#define BODY_MAX	10000000UL	/* Postfix's default size limit */
#define CONNS_MAX	10000U		/* threads, sockets */
#define PACKET_MAX	(1UL << 20)	/* a longer reply is an error */
#define TEXT_MAX	1024		/* of a reply kept; the rest dropped */
#define OUT_MAX		16384		/* packets buffered before a write */
#define EOM_PACKETS_MAX	10000		/* modifications before a verdict */
#define ERRORS_SHOWN	10
#define STAMP_LEN	42		/* "zm-load SEED CONN MSG\r\n", fixed */
#define RCPT_DOMAINS	50

struct options {
	struct sockaddr_storage addr;	/* the milter */
	socklen_t addrlen;
	const char *target;		/* as given, for messages */
	unsigned long total_conns;
	unsigned conns, msgs, rcpts, warmup, timeout_s;
	unsigned population, first, stride, seed;
	size_t body_bytes;
	const char *domain;
	unsigned logins;		/* 0: no SASL login */
	bool ipv6;
	bool same_body, quiet;
};

/* What became of a message, as the MTA would act on it. */
enum outcome { OUT_ACCEPT, OUT_TEMPFAIL, OUT_REJECT, OUT_DISCARD, OUT_N };
static const char *const outcome_name[OUT_N] = {
	"accept", "tempfail", "reject", "discard"
};

/* How a step went. */
enum step { STEP_CONTINUE, STEP_SKIP, STEP_FINAL, STEP_ERROR };

/* One milter connection: the socket, its buffers, what was negotiated. */
struct wire {
	int fd;
	unsigned long actions, proto;	/* negotiated */
	size_t outlen;
	char out[OUT_MAX];		/* packets not yet written */
	char cmd;			/* the last reply */
	size_t textlen;
	char text[TEXT_MAX];		/* its data, NUL-terminated, cut */
	char err[256];			/* why the connection failed */
};

/* The data of one packet, built from NUL-terminated strings. */
struct pkt {
	size_t len;
	bool overflow;
	char buf[1024];
};

/* The threads start together: main() opens the gate once all are ready. */
struct gate {
	pthread_mutex_t mu;
	pthread_cond_t cv;
	unsigned ready;
	bool open, cancelled;
};

/* What the threads share: read-only but for the gate and the counter. */
struct run {
	const struct options *o;
	const char *filler;		/* the body but its first line */
	struct gate gate;
	atomic_uint shown;		/* errors printed so far */
};

/* One thread and its results. */
struct worker {
	struct run *run;
	unsigned index;			/* also its first connection */
	pthread_t tid;
	uint64_t *lat_ns;		/* measured latencies */
	size_t nlat, maxlat;
	unsigned long answered;		/* messages, warm-up ones too */
	unsigned long outcomes[OUT_N], tagged;
	unsigned errors;
	uint64_t setup_ns;		/* of its first connection */
	uint64_t end_ns;		/* of its last message */
	unsigned long actions, proto;	/* of its first connection */
	bool negotiated;
};

/* One message being sent. */
struct message {
	char qid[32];
	char sender[256];		/* u<i>@domain */
	char login[256];		/* l<i % logins>@domain, "" if none */
	char stamp[STAMP_LEN + 1];	/* the body's first line */
};

static void usage(void) __attribute__((noreturn));

static void
usage(void)
{
	fprintf(stderr, "usage: zm-load -s HOST:PORT|unix:PATH [-c CONNS] "
	    "[-n TOTAL_CONNS] [-m MSGS_PER_CONN]\n"
	    "\t[-r RCPTS] [-b BODY_BYTES] [-B] [-p POPULATION] [-P FIRST] "
	    "[-S SEED]\n"
	    "\t[-f SENDER_DOMAIN] [-u LOGINS] [-6] [-w WARMUP_MSGS] "
	    "[-t TIMEOUT_S] [-q]\n");
	exit(2);
}

static void fatal(const char *, ...)
    __attribute__((noreturn, format(printf, 1, 2)));

static void
fatal(const char *fmt, ...)
{
	va_list ap;

	fputs("zm-load: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	exit(2);
}

static uint64_t
now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000U + (uint64_t)ts.tv_nsec;
}

/* --- options ------------------------------------------------------ */

static unsigned long
parse_num(int opt, const char *arg, unsigned long min, unsigned long max)
{
	unsigned long v;
	char *end;

	errno = 0;
	v = strtoul(arg, &end, 10);
	if (*arg < '0' || *arg > '9' || *end != '\0' || errno != 0 ||
	    v < min || v > max)
		fatal("-%c: %s is not a number in %lu..%lu", opt, arg, min,
		    max);
	return v;
}

/* The milter's address: unix:PATH, /PATH, HOST:PORT or [HOST]:PORT. */
static void
parse_target(const char *s, struct options *o)
{
	struct addrinfo hints, *res;
	struct sockaddr_un *un = (struct sockaddr_un *)&o->addr;
	const char *path, *colon;
	char host[256];
	size_t hlen;
	int rc;

	o->target = s;
	path = strncmp(s, "unix:", 5) == 0 ? s + 5 : *s == '/' ? s : NULL;
	if (path != NULL) {
		if (strlen(path) >= sizeof(un->sun_path))
			fatal("-s %s: socket path too long", s);
		un->sun_family = AF_UNIX;
		memcpy(un->sun_path, path, strlen(path) + 1);
		o->addrlen = sizeof(*un);
		return;
	}
	if ((colon = strrchr(s, ':')) == NULL || colon[1] == '\0')
		fatal("-s %s: not HOST:PORT or unix:PATH", s);
	hlen = (size_t)(colon - s);
	if (hlen >= 2 && s[0] == '[' && s[hlen - 1] == ']') {
		s++;
		hlen -= 2;
	}
	if (hlen == 0 || hlen >= sizeof(host))
		fatal("-s %s: bad host", o->target);
	memcpy(host, s, hlen);
	host[hlen] = '\0';
	memset(&hints, 0, sizeof(hints));
	hints.ai_family = AF_UNSPEC;
	hints.ai_socktype = SOCK_STREAM;
	hints.ai_flags = AI_NUMERICSERV;
	if ((rc = getaddrinfo(host, colon + 1, &hints, &res)) != 0)
		fatal("-s %s: %s", o->target, gai_strerror(rc));
	memcpy(&o->addr, res->ai_addr, res->ai_addrlen);
	o->addrlen = res->ai_addrlen;
	freeaddrinfo(res);
}

static unsigned
gcd(unsigned a, unsigned b)
{
	while (b != 0) {
		unsigned t = a % b;

		a = b;
		b = t;
	}
	return a;
}

/* Cross-option checks, once every option is known. */
static void
check_options(struct options *o, bool have_total)
{
	uint64_t measured;
	const char *p;

	if (o->target == NULL)
		usage();
	if (!have_total)
		o->total_conns = o->conns;
	if (o->conns > o->total_conns)
		o->conns = (unsigned)o->total_conns;
	if (o->warmup >= o->msgs)
		fatal("-w %u: leaves no message to measure (-m %u)",
		    o->warmup, o->msgs);
	if (!o->ipv6 && (unsigned long)o->first + o->population > HOSTS_MAX)
		fatal("-P %u -p %u: beyond the %u hosts of 198.18.0.0/15",
		    o->first, o->population, HOSTS_MAX);
	if ((unsigned long)o->first + o->population > HOSTS6_MAX)
		fatal("-P %u -p %u: beyond the %u /56s of 2001:db8::/32",
		    o->first, o->population, HOSTS6_MAX);
	/* A population sharing a factor with the stride would leave most of
	 * it unused. */
	o->stride = gcd(HOST_STRIDE, o->population) == 1 ? HOST_STRIDE : 1;
	for (p = o->domain; *p != '\0'; p++)
		if (!isalnum((unsigned char)*p) && *p != '.' && *p != '-')
			fatal("-f %s: not a domain name", o->domain);
	if (p == o->domain || p - o->domain > 200)
		fatal("-f: a domain of 1..200 characters, please");
	/* Each factor is at most MEASURED_MAX: no overflow in 64 bits. */
	measured = (uint64_t)o->total_conns * (o->msgs - o->warmup);
	if (measured > MEASURED_MAX)
		fatal("-n/-c %lu x -m %u: more than %lu messages to measure",
		    o->total_conns, o->msgs, MEASURED_MAX);
}

static void
parse_args(int argc, char **argv, struct options *o)
{
	bool have_total = false;
	int ch;

	memset(o, 0, sizeof(*o));
	o->conns = 50;
	o->msgs = 200;
	o->rcpts = 1;
	o->body_bytes = 2000;
	o->population = 10000;
	o->seed = 1;
	o->timeout_s = 30;
	o->domain = "bench.zm-test.net";
	while ((ch = getopt(argc, argv, "6Bb:c:f:hm:n:P:p:qr:S:s:t:u:w:")) != -1) {
		switch (ch) {
		case '6': o->ipv6 = true; break;
		case 'B': o->same_body = true; break;
		case 'b': o->body_bytes = parse_num(ch, optarg, 0, BODY_MAX);
			break;
		case 'c': o->conns = parse_num(ch, optarg, 1, CONNS_MAX); break;
		case 'f': o->domain = optarg; break;
		case 'm': o->msgs = parse_num(ch, optarg, 1, MEASURED_MAX);
			break;
		case 'n': o->total_conns = parse_num(ch, optarg, 1,
			    MEASURED_MAX);
			have_total = true;
			break;
		case 'P': o->first = parse_num(ch, optarg, 0, HOSTS6_MAX - 1);
			break;
		case 'p': o->population = parse_num(ch, optarg, 1, HOSTS6_MAX);
			break;
		case 'q': o->quiet = true; break;
		case 'r': o->rcpts = parse_num(ch, optarg, 1, 1000); break;
		case 'S': o->seed = parse_num(ch, optarg, 0, UINT_MAX); break;
		case 's': parse_target(optarg, o); break;
		case 't': o->timeout_s = parse_num(ch, optarg, 1, 3600); break;
		case 'u': o->logins = parse_num(ch, optarg, 0, HOSTS_MAX); break;
		case 'w': o->warmup = parse_num(ch, optarg, 0, MEASURED_MAX);
			break;
		default: usage();
		}
	}
	if (optind != argc)
		usage();
	check_options(o, have_total);
}

/* --- the wire ----------------------------------------------------- */

static bool wire_fail(struct wire *, const char *, const char *, ...)
    __attribute__((format(printf, 3, 4)));

/* Note why the connection failed ("STEP: reason"); always false. */
static bool
wire_fail(struct wire *w, const char *step, const char *fmt, ...)
{
	va_list ap;
	int n;

	n = snprintf(w->err, sizeof(w->err), "%s: ", step);
	if (n < 0 || (size_t)n >= sizeof(w->err))
		return false;
	va_start(ap, fmt);
	vsnprintf(w->err + n, sizeof(w->err) - (size_t)n, fmt, ap);
	va_end(ap);
	return false;
}

static const char *
reply_name(char cmd, char buf[8])
{
	if (cmd >= 0x21 && cmd <= 0x7e)
		snprintf(buf, 8, "'%c'", cmd);
	else
		snprintf(buf, 8, "0x%02x", (unsigned char)cmd);
	return buf;
}

static bool
wire_connect(struct wire *w, const struct options *o)
{
	struct timeval tv = { (time_t)o->timeout_s, 0 };
	int one = 1;

	w->outlen = 0;
	w->actions = w->proto = 0;
	if ((w->fd = socket(o->addr.ss_family, SOCK_STREAM, 0)) == -1)
		return wire_fail(w, "socket", "%s", strerror(errno));
	/* The timeouts bound connect() too; a small packet must not wait
	 * for Nagle and delayed ACKs, as in any MTA. */
	if (setsockopt(w->fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv)) == -1 ||
	    setsockopt(w->fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv)) == -1 ||
	    (o->addr.ss_family != AF_UNIX && setsockopt(w->fd, IPPROTO_TCP,
	    TCP_NODELAY, &one, sizeof(one)) == -1))
		return wire_fail(w, "setsockopt", "%s", strerror(errno));
	if (connect(w->fd, (const struct sockaddr *)&o->addr, o->addrlen) == -1)
		return wire_fail(w, "connect", "%s", errno == EINPROGRESS ?
		    "timed out" : strerror(errno));
	return true;
}

static void
wire_close(struct wire *w)
{
	if (w->fd != -1)
		close(w->fd);
	w->fd = -1;
}

/* Write all of iov, however the kernel splits it. */
static bool
wire_writev(struct wire *w, const char *step, struct iovec *iov, int n)
{
	struct msghdr mh;
	ssize_t r;

	while (n > 0) {
		memset(&mh, 0, sizeof(mh));
		mh.msg_iov = iov;
		mh.msg_iovlen = (size_t)n;
		/* MSG_NOSIGNAL: a milter that went away is an error here,
		 * not a SIGPIPE. */
		if ((r = sendmsg(w->fd, &mh, MSG_NOSIGNAL)) == -1) {
			if (errno == EINTR)
				continue;
			return wire_fail(w, step, "write: %s", errno ==
			    EAGAIN ? "timed out" : strerror(errno));
		}
		while (n > 0 && (size_t)r >= iov->iov_len) {
			r -= (ssize_t)iov->iov_len;
			iov++;
			n--;
		}
		if (n > 0) {
			iov->iov_base = (char *)iov->iov_base + r;
			iov->iov_len -= (size_t)r;
		}
	}
	return true;
}

static bool
wire_flush(struct wire *w, const char *step)
{
	struct iovec iov = { w->out, w->outlen };

	w->outlen = 0;
	return iov.iov_len == 0 || wire_writev(w, step, &iov, 1);
}

/*
 * Queue a packet of command cmd with data in parts; written at the next
 * read, or at once when it does not fit the buffer.  Like an MTA, this
 * sends a step's macros and the step in one write.
 */
static bool
wire_put(struct wire *w, const char *step, char cmd, const struct iovec *parts,
    int nparts)
{
	struct iovec iov[4];
	size_t len = 1;
	uint32_t n;
	int i;

	for (i = 0; i < nparts; i++)
		len += parts[i].iov_len;
	if (len > PACKET_MAX || nparts > 3)
		return wire_fail(w, step, "packet too long");
	if (sizeof(w->out) - w->outlen < 5 && !wire_flush(w, step))
		return false;
	n = htonl((uint32_t)len);
	memcpy(w->out + w->outlen, &n, 4);
	w->out[w->outlen + 4] = cmd;
	w->outlen += 5;
	if (len - 1 <= sizeof(w->out) - w->outlen) {
		for (i = 0; i < nparts; i++) {
			memcpy(w->out + w->outlen, parts[i].iov_base,
			    parts[i].iov_len);
			w->outlen += parts[i].iov_len;
		}
		return true;
	}
	/* A body chunk: buffered packets, its header and its data in one
	 * write, without a copy. */
	iov[0].iov_base = w->out;
	iov[0].iov_len = w->outlen;
	memcpy(iov + 1, parts, (size_t)nparts * sizeof(*parts));
	w->outlen = 0;
	return wire_writev(w, step, iov, nparts + 1);
}

static bool
wire_put_pkt(struct wire *w, const char *step, char cmd, const struct pkt *p)
{
	struct iovec part = { (void *)p->buf, p->len };

	if (p->overflow)
		return wire_fail(w, step, "packet too long");
	return wire_put(w, step, cmd, &part, 1);
}

static bool
wire_read(struct wire *w, const char *step, void *buf, size_t n)
{
	char *p = buf;
	ssize_t r;

	while (n > 0) {
		if ((r = read(w->fd, p, n)) == -1) {
			if (errno == EINTR)
				continue;
			return wire_fail(w, step, "%s", errno == EAGAIN ?
			    "no answer from the milter (timeout)" :
			    strerror(errno));
		}
		if (r == 0)
			return wire_fail(w, step, "the milter closed the "
			    "connection");
		p += r;
		n -= (size_t)r;
	}
	return true;
}

/* Send what is queued, then read one packet into w->cmd and w->text
 * (cut to TEXT_MAX; the rest is read and dropped). */
static bool
wire_get(struct wire *w, const char *step)
{
	char drop[4096];
	unsigned char head[5];		/* length, command: one read */
	uint32_t n;
	size_t len, keep, left;

	if (!wire_flush(w, step) || !wire_read(w, step, head, sizeof(head)))
		return false;
	memcpy(&n, head, 4);
	len = ntohl(n);
	if (len < 1 || len > PACKET_MAX)
		return wire_fail(w, step, "bad packet length %zu", len);
	w->cmd = (char)head[4];
	left = len - 1;
	keep = left < sizeof(w->text) - 1 ? left : sizeof(w->text) - 1;
	if (!wire_read(w, step, w->text, keep))
		return false;
	w->text[keep] = '\0';
	w->textlen = keep;
	for (left -= keep; left > 0; left -= keep) {
		keep = left < sizeof(drop) ? left : sizeof(drop);
		if (!wire_read(w, step, drop, keep))
			return false;
	}
	return true;
}

/* --- packets ------------------------------------------------------ */

static void pkt_str(struct pkt *, const char *, ...)
    __attribute__((format(printf, 2, 3)));

/* Append a formatted string and its NUL. */
static void
pkt_str(struct pkt *p, const char *fmt, ...)
{
	size_t room = sizeof(p->buf) - p->len;
	va_list ap;
	int n;

	if (p->overflow)
		return;
	va_start(ap, fmt);
	n = vsnprintf(p->buf + p->len, room, fmt, ap);
	va_end(ap);
	if (n < 0 || (size_t)n >= room)
		p->overflow = true;
	else
		p->len += (size_t)n + 1;
}

/* Append n raw bytes. */
static void
pkt_bytes(struct pkt *p, const void *data, size_t n)
{
	if (p->overflow || n > sizeof(p->buf) - p->len)
		p->overflow = true;
	else {
		memcpy(p->buf + p->len, data, n);
		p->len += n;
	}
}

/* A macro packet for stage (a command byte) with name/value pairs. */
static bool
put_macros(struct wire *w, char stage, const char *const *pairs, size_t n)
{
	struct pkt p = { .len = 1 };
	size_t i;

	p.buf[0] = stage;
	for (i = 0; i + 1 < n; i += 2) {
		pkt_str(&p, "%s", pairs[i]);
		pkt_str(&p, "%s", pairs[i + 1]);
	}
	return wire_put_pkt(w, "macros", SMFIC_MACRO, &p);
}

/* --- the protocol ------------------------------------------------- */

/* What a reply means for the message; pre: w->cmd is the reply. */
static enum step
classify(struct wire *w, const char *step, bool skip_ok, enum outcome *out)
{
	char name[8];

	switch (w->cmd) {
	case SMFIR_CONTINUE:
		return STEP_CONTINUE;
	case SMFIR_SKIP:
		if (skip_ok)
			return STEP_SKIP;
		break;
	case SMFIR_ACCEPT:
		*out = OUT_ACCEPT;
		return STEP_FINAL;
	case SMFIR_TEMPFAIL:
		*out = OUT_TEMPFAIL;
		return STEP_FINAL;
	case SMFIR_REJECT:
		*out = OUT_REJECT;
		return STEP_FINAL;
	case SMFIR_DISCARD:
		*out = OUT_DISCARD;
		return STEP_FINAL;
	case SMFIR_REPLYCODE:
		if (w->text[0] != '4' && w->text[0] != '5') {
			wire_fail(w, step, "reply code \"%.40s\" is neither "
			    "4xx nor 5xx", w->text);
			return STEP_ERROR;
		}
		*out = w->text[0] == '4' ? OUT_TEMPFAIL : OUT_REJECT;
		return STEP_FINAL;
	}
	wire_fail(w, step, "unexpected reply %s", reply_name(w->cmd, name));
	return STEP_ERROR;
}

/* Read the reply to a step, unless the milter negotiated it away. */
static enum step
step_reply(struct wire *w, const char *step, unsigned long nr, bool skip_ok,
    enum outcome *out)
{
	if (w->proto & nr)
		return STEP_CONTINUE;
	if (!wire_get(w, step))
		return STEP_ERROR;
	return classify(w, step, skip_ok, out);
}

/* A step that must be answered with continue for the connection to go
 * on: a milter done with a connection at CONNECT or HELO would never see
 * its messages. */
static bool
step_must_continue(struct wire *w, const char *step, unsigned long nr)
{
	enum outcome out = OUT_ACCEPT;

	switch (step_reply(w, step, nr, false, &out)) {
	case STEP_CONTINUE:
		return true;
	case STEP_ERROR:
		return false;
	default:
		return wire_fail(w, step, "answered %s: the milter would see "
		    "none of this connection's messages", outcome_name[out]);
	}
}

static bool
negotiate(struct wire *w)
{
	uint32_t opt[3] = { htonl(MTA_VERSION), htonl(MTA_ACTIONS),
	    htonl(MTA_PROTOCOL) };
	struct iovec part = { opt, sizeof(opt) };
	char name[8];

	if (!wire_put(w, "negotiate", SMFIC_OPTNEG, &part, 1) ||
	    !wire_get(w, "negotiate"))
		return false;
	if (w->cmd != SMFIC_OPTNEG || w->textlen < sizeof(opt))
		return wire_fail(w, "negotiate", "answer %s, expected "
		    "options", reply_name(w->cmd, name));
	memcpy(opt, w->text, sizeof(opt));
	w->actions = ntohl(opt[1]);
	w->proto = ntohl(opt[2]);
	return true;
}

#define ADDR_LEN	48

/* Host i's address; in IPv4 i < HOSTS_MAX, so the second octet is 18 or
 * 19; with -6 i < HOSTS6_MAX, so H fits its 16 bits. */
static void
host_addr(const struct options *o, unsigned host, char buf[ADDR_LEN])
{
	if (o->ipv6)
		snprintf(buf, ADDR_LEN, "2001:db8:%x:%x00::1", host >> 8,
		    host & 255);
	else
		snprintf(buf, ADDR_LEN, "198.%u.%u.%u", 18 + ((host >> 16) & 1),
		    (host >> 8) & 255, host & 255);
}

/* Open a connection for host: negotiation, CONNECT, HELO. */
static bool
conn_open(struct wire *w, const struct options *o, unsigned long conn,
    unsigned host)
{
	const char *macros[] = { "j", "mx.bench.zm-test.net" };
	char addr[ADDR_LEN];
	uint16_t port = htons((uint16_t)(1024 + conn % 60000));
	struct pkt p = { 0 };

	if (!wire_connect(w, o) || !negotiate(w))
		return false;
	host_addr(o, host, addr);
	if (!(w->proto & SMFIP_NOCONNECT)) {
		pkt_str(&p, "pc%u.cust.zm-test.net", host);
		pkt_bytes(&p, o->ipv6 ? "6" : "4", 1);
		pkt_bytes(&p, &port, 2);
		pkt_str(&p, "%s", addr);
		if (!put_macros(w, SMFIC_CONNECT, macros, 2) ||
		    !wire_put_pkt(w, "CONNECT", SMFIC_CONNECT, &p) ||
		    !step_must_continue(w, "CONNECT", SMFIP_NR_CONN))
			return false;
	}
	if (!(w->proto & SMFIP_NOHELO)) {
		p.len = 0;
		pkt_str(&p, "pc%u.cust.zm-test.net", host);
		if (!wire_put_pkt(w, "HELO", SMFIC_HELO, &p) ||
		    !step_must_continue(w, "HELO", SMFIP_NR_HELO))
			return false;
	}
	return true;
}

/* MAIL and the recipients.  A refused recipient is dropped, as an MTA
 * would; with none left the transaction is aborted. */
static enum step
envelope_send(struct wire *w, const struct options *o,
    const struct message *m, enum outcome *out)
{
	const char *mail_macros[] = { "i", m->qid, "{mail_addr}", m->sender,
	    "{auth_authen}", m->login };
	const char *rcpt_macros[] = { "{rcpt_mailer}", "smtp" };
	struct pkt p = { 0 };
	enum step st;
	unsigned k, kept = 0;

	if (!(w->proto & SMFIP_NOMAIL)) {
		pkt_str(&p, "<%s>", m->sender);
		if (!put_macros(w, SMFIC_MAIL, mail_macros,
		    m->login[0] != '\0' ? 6 : 4) ||
		    !wire_put_pkt(w, "MAIL", SMFIC_MAIL, &p))
			return STEP_ERROR;
		st = step_reply(w, "MAIL", SMFIP_NR_MAIL, false, out);
		if (st != STEP_CONTINUE)
			return st;
	}
	if (w->proto & SMFIP_NORCPT)
		return STEP_CONTINUE;
	for (k = 0; k < o->rcpts; k++) {
		p.len = 0;
		pkt_str(&p, "<r%u@dest%u.zm-test.net>", k, k % RCPT_DOMAINS);
		if (!put_macros(w, SMFIC_RCPT, rcpt_macros, 2) ||
		    !wire_put_pkt(w, "RCPT", SMFIC_RCPT, &p))
			return STEP_ERROR;
		st = step_reply(w, "RCPT", SMFIP_NR_RCPT, false, out);
		if (st == STEP_ERROR || (st == STEP_FINAL && *out == OUT_ACCEPT))
			return st;
		kept += st == STEP_CONTINUE;
	}
	if (kept > 0)
		return STEP_CONTINUE;
	return wire_put(w, "abort", SMFIC_ABORT, NULL, 0) ? STEP_FINAL :
	    STEP_ERROR;
}

static enum step
header_send(struct wire *w, const char *name, const char *value,
    enum outcome *out)
{
	struct pkt p = { 0 };

	pkt_str(&p, "%s", name);
	pkt_str(&p, "%s", value);
	if (!wire_put_pkt(w, "header", SMFIC_HEADER, &p))
		return STEP_ERROR;
	return step_reply(w, "header", SMFIP_NR_HDR, false, out);
}

/* DATA and two headers, only for a milter that asked for them. */
static enum step
headers_send(struct wire *w, const struct message *m, enum outcome *out)
{
	char from[300], msgid[300];
	enum step st = STEP_CONTINUE;

	snprintf(from, sizeof(from), "<%s>", m->sender);
	snprintf(msgid, sizeof(msgid), "<%s.%s>", m->qid, m->sender);
	if (!(w->proto & SMFIP_NODATA)) {
		if (!wire_put(w, "DATA", SMFIC_DATA, NULL, 0))
			return STEP_ERROR;
		st = step_reply(w, "DATA", SMFIP_NR_DATA, false, out);
	}
	if (st == STEP_CONTINUE && !(w->proto & SMFIP_NOHDRS))
		st = header_send(w, "From", from, out);
	if (st == STEP_CONTINUE && !(w->proto & SMFIP_NOHDRS))
		st = header_send(w, "Message-ID", msgid, out);
	if (st == STEP_CONTINUE && !(w->proto & SMFIP_NOEOH)) {
		if (!wire_put(w, "EOH", SMFIC_EOH, NULL, 0))
			return STEP_ERROR;
		st = step_reply(w, "EOH", SMFIP_NR_EOH, false, out);
	}
	return st;
}

/* The body in chunks of up to MILTER_CHUNK_SIZE, the stamp line first;
 * a skip ends it early. */
static enum step
body_send(struct wire *w, const struct run *run, const struct message *m,
    enum outcome *out)
{
	size_t total = run->o->body_bytes, off, n;
	size_t stamp = total < STAMP_LEN ? total : STAMP_LEN;
	struct iovec parts[2];
	enum step st;
	int np;

	if (w->proto & SMFIP_NOBODY)
		return STEP_CONTINUE;
	for (off = 0; off < total; off += n) {
		n = total - off < MILTER_CHUNK_SIZE ? total - off :
		    MILTER_CHUNK_SIZE;
		np = 0;
		if (off == 0) {
			parts[np].iov_base = (void *)m->stamp;
			parts[np++].iov_len = stamp;
		}
		if (off + n > stamp) {
			parts[np].iov_base = (void *)(run->filler +
			    (off > stamp ? off : stamp));
			parts[np++].iov_len = off + n - (off > stamp ? off :
			    stamp);
		}
		if (!wire_put(w, "body", SMFIC_BODY, parts, np))
			return STEP_ERROR;
		st = step_reply(w, "body", SMFIP_NR_BODY, true, out);
		if (st == STEP_SKIP)
			break;
		if (st != STEP_CONTINUE)
			return st;
	}
	return STEP_CONTINUE;
}

/* The end of message and its reply, after any modifications. */
static enum step
eom_send(struct wire *w, const struct message *m, enum outcome *out,
    bool *tagged)
{
	const char *macros[] = { "i", m->qid };
	enum step st;
	int i;

	if (!put_macros(w, SMFIC_BODYEOB, macros, 2) ||
	    !wire_put(w, "EOM", SMFIC_BODYEOB, NULL, 0))
		return STEP_ERROR;
	for (i = 0; i < EOM_PACKETS_MAX; i++) {
		if (!wire_get(w, "EOM"))
			return STEP_ERROR;
		switch (w->cmd) {
		case SMFIR_ADDHEADER:
		case SMFIR_INSHEADER:
		case SMFIR_CHGHEADER:
			*tagged = true;
			continue;
		case SMFIR_ADDRCPT: case SMFIR_DELRCPT: case SMFIR_ADDRCPT_PAR:
		case SMFIR_REPLBODY: case SMFIR_CHGFROM: case SMFIR_QUARANTINE:
		case SMFIR_PROGRESS:
			continue;
		}
		if ((st = classify(w, "EOM", false, out)) == STEP_CONTINUE)
			*out = OUT_ACCEPT;	/* continue: deliver it */
		return st == STEP_ERROR ? st : STEP_FINAL;
	}
	wire_fail(w, "EOM", "more than %d packets without a verdict",
	    EOM_PACKETS_MAX);
	return STEP_ERROR;
}

/* One message, start to verdict; false on a connection error. */
static bool
message_send(struct wire *w, const struct run *run, const struct message *m,
    enum outcome *out, bool *tagged)
{
	enum step st;

	*tagged = false;
	*out = OUT_ACCEPT;
	st = envelope_send(w, run->o, m, out);
	if (st == STEP_CONTINUE)
		st = headers_send(w, m, out);
	if (st == STEP_CONTINUE)
		st = body_send(w, run, m, out);
	if (st == STEP_CONTINUE)
		st = eom_send(w, m, out, tagged);
	return st != STEP_ERROR;
}

/* --- the threads -------------------------------------------------- */

static unsigned
conn_host(const struct options *o, unsigned long conn)
{
	return o->first + (unsigned)((uint64_t)conn * o->stride %
	    o->population);
}

static void
message_init(struct message *m, const struct options *o, unsigned long conn,
    unsigned host, unsigned n)
{
	snprintf(m->qid, sizeof(m->qid), "Q%lux%u", conn, n);
	snprintf(m->sender, sizeof(m->sender), "u%u@%s", host, o->domain);
	m->login[0] = '\0';
	if (o->logins > 0)
		snprintf(m->login, sizeof(m->login), "l%u@%s", host % o->logins,
		    o->domain);
	/* Fixed width, so the body keeps its length; digits are part of a
	 * fingerprint, so each message gets its own. */
	snprintf(m->stamp, sizeof(m->stamp), "zm-load %010u %010lu %010u\r\n",
	    o->seed, o->same_body ? 0 : conn, o->same_body ? 0 : n);
}

/* Messages from..to-1 of a connection; latencies and replies are kept
 * for measured ones. */
static bool
messages_send(struct worker *wk, struct wire *w, unsigned long conn,
    unsigned host, unsigned from, unsigned to, bool measured)
{
	struct message m;
	enum outcome out;
	uint64_t t0, t1;
	bool tagged;
	unsigned n;

	for (n = from; n < to; n++) {
		message_init(&m, wk->run->o, conn, host, n);
		t0 = now_ns();
		if (!message_send(w, wk->run, &m, &out, &tagged))
			return false;
		t1 = now_ns();
		wk->answered++;
		wk->end_ns = t1;
		if (!measured || wk->nlat >= wk->maxlat)
			continue;
		wk->lat_ns[wk->nlat++] = t1 - t0;
		wk->outcomes[out]++;
		wk->tagged += tagged;
	}
	return true;
}

static void
conn_failed(struct worker *wk, unsigned long conn, unsigned host,
    const struct wire *w)
{
	char addr[ADDR_LEN];

	wk->errors++;
	if (atomic_fetch_add(&wk->run->shown, 1) >= ERRORS_SHOWN)
		return;
	host_addr(wk->run->o, host, addr);
	fprintf(stderr, "zm-load: %s: connection %lu (%s): %s\n",
	    wk->run->o->target, conn, addr, w->err);
}

/* Wait at the gate; false if the run was called off. */
static bool
gate_pass(struct gate *g)
{
	bool go;

	pthread_mutex_lock(&g->mu);
	g->ready++;
	pthread_cond_broadcast(&g->cv);
	while (!g->open)
		pthread_cond_wait(&g->cv, &g->mu);
	go = !g->cancelled;
	pthread_mutex_unlock(&g->mu);
	return go;
}

/* Open the gate once n threads wait at it, or call the run off. */
static void
gate_open(struct gate *g, unsigned n, bool cancel)
{
	pthread_mutex_lock(&g->mu);
	while (!cancel && g->ready < n)
		pthread_cond_wait(&g->cv, &g->mu);
	g->open = true;
	g->cancelled = cancel;
	pthread_cond_broadcast(&g->cv);
	pthread_mutex_unlock(&g->mu);
}

/* A connection's whole life; the first one waits at the gate once it is
 * set up.  False when the run was called off. */
static bool
conn_run(struct worker *wk, struct wire *w, unsigned long conn, bool first)
{
	const struct options *o = wk->run->o;
	unsigned host = conn_host(o, conn);
	uint64_t t0 = now_ns();
	bool ok, go = true;

	ok = conn_open(w, o, conn, host);
	if (ok && first) {
		wk->setup_ns = now_ns() - t0;
		wk->actions = w->actions;
		wk->proto = w->proto;
		wk->negotiated = true;
	}
	if (first)
		go = gate_pass(&wk->run->gate);
	ok = ok && go &&
	    messages_send(wk, w, conn, host, 0, o->warmup, false) &&
	    messages_send(wk, w, conn, host, o->warmup, o->msgs, true);
	if (ok && (!wire_put(w, "QUIT", SMFIC_QUIT, NULL, 0) ||
	    !wire_flush(w, "QUIT")))
		ok = false;
	if (!ok && go)
		conn_failed(wk, conn, host, w);
	wire_close(w);
	return go;
}

static void *
worker_main(void *arg)
{
	struct worker *wk = arg;
	const struct options *o = wk->run->o;
	unsigned long conn;
	struct wire *w;

	/* Too big for a small thread stack; an MTA would not keep it
	 * there either. */
	if ((w = malloc(sizeof(*w))) == NULL) {
		fprintf(stderr, "zm-load: thread %u: out of memory\n",
		    wk->index);
		wk->errors++;
		gate_pass(&wk->run->gate);
		return NULL;
	}
	w->fd = -1;
	for (conn = wk->index; conn < o->total_conns; conn += o->conns)
		if (!conn_run(wk, w, conn, conn == wk->index))
			break;
	free(w);
	return NULL;
}

/* --- results ------------------------------------------------------ */

static int
cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return x < y ? -1 : x > y;
}

/* Nearest rank: the smallest value with at least q of all at or below. */
static double
percentile_ms(const uint64_t *sorted, size_t n, double q)
{
	double want = q * (double)n;
	size_t rank;

	if (n == 0)
		return 0;
	rank = (size_t)want;
	if ((double)rank < want)	/* ceil, without libm */
		rank++;
	if (rank < 1)
		rank = 1;
	if (rank > n)
		rank = n;
	return (double)sorted[rank - 1] / 1e6;
}

static void
steps_describe(unsigned long proto, char *buf, size_t size)
{
	static const struct {
		unsigned long no, nr;
		const char *name;
	} steps[] = {
		{ SMFIP_NOCONNECT, SMFIP_NR_CONN, "connect" },
		{ SMFIP_NOHELO, SMFIP_NR_HELO, "helo" },
		{ SMFIP_NOMAIL, SMFIP_NR_MAIL, "mail" },
		{ SMFIP_NORCPT, SMFIP_NR_RCPT, "rcpt" },
		{ SMFIP_NODATA, SMFIP_NR_DATA, "data" },
		{ SMFIP_NOHDRS, SMFIP_NR_HDR, "header" },
		{ SMFIP_NOEOH, SMFIP_NR_EOH, "eoh" },
		{ SMFIP_NOBODY, SMFIP_NR_BODY, "body" },
	};
	size_t i, len = 0;
	int n;

	buf[0] = '\0';
	for (i = 0; i < sizeof(steps) / sizeof(steps[0]); i++) {
		if (proto & steps[i].no)
			continue;
		n = snprintf(buf + len, size - len, "%s%s", steps[i].name,
		    (proto & steps[i].nr) ? "(no reply) " : " ");
		if (n < 0 || (size_t)n >= size - len)
			return;
		len += (size_t)n;
	}
	snprintf(buf + len, size - len, "eom%s", (proto & SMFIP_SKIP) ?
	    ", skip understood" : "");
}

static void
report_setup(const struct options *o, const struct worker *wk, unsigned n)
{
	uint64_t setup[CONNS_MAX];
	unsigned i, k = 0;
	char steps[256];

	for (i = 0; i < n; i++)
		if (wk[i].negotiated)
			setup[k++] = wk[i].setup_ns;
	printf("target %s: %lu connections (%u at a time) x %u messages "
	    "(%u warm-up), %u recipient%s, %zu-byte bodies%s, hosts %u..%u\n",
	    o->target, o->total_conns, o->conns, o->msgs, o->warmup, o->rcpts,
	    o->rcpts == 1 ? "" : "s", o->body_bytes, o->same_body ?
	    " (all the same)" : "", o->first, o->first + o->population - 1);
	if (k == 0)
		return;
	steps_describe(wk[0].proto, steps, sizeof(steps));
	printf("negotiated: actions 0x%lx, protocol 0x%lx: %s\n",
	    wk[0].actions, wk[0].proto, steps);
	qsort(setup, k, sizeof(setup[0]), cmp_u64);
	printf("connection set-up (connect, negotiate, CONNECT, HELO): p50 "
	    "%.3f ms, max %.3f ms\n", percentile_ms(setup, k, 0.5),
	    (double)setup[k - 1] / 1e6);
}

static double
cpu_seconds(void)
{
	struct rusage ru;

	if (getrusage(RUSAGE_SELF, &ru) == -1)
		return -1;
	return (double)ru.ru_utime.tv_sec + ru.ru_utime.tv_usec / 1e6 +
	    (double)ru.ru_stime.tv_sec + ru.ru_stime.tv_usec / 1e6;
}

/* The one line; false when any connection failed. */
static bool
report(const struct options *o, const struct worker *wk, unsigned n,
    uint64_t start_ns)
{
	unsigned long outcomes[OUT_N] = { 0 }, tagged = 0, answered = 0;
	uint64_t *all, end_ns = start_ns;
	size_t total = 0, k;
	unsigned i, errors = 0;
	double secs;

	for (i = 0; i < n; i++)
		total += wk[i].nlat;
	if ((all = malloc((total > 0 ? total : 1) * sizeof(*all))) == NULL)
		fatal("out of memory for %zu latencies", total);
	for (i = 0, total = 0; i < n; i++) {
		memcpy(all + total, wk[i].lat_ns, wk[i].nlat * sizeof(*all));
		total += wk[i].nlat;
		for (k = 0; k < OUT_N; k++)
			outcomes[k] += wk[i].outcomes[k];
		tagged += wk[i].tagged;
		answered += wk[i].answered;
		errors += wk[i].errors;
		if (wk[i].end_ns > end_ns)
			end_ns = wk[i].end_ns;
	}
	qsort(all, total, sizeof(*all), cmp_u64);
	if (!o->quiet)
		report_setup(o, wk, n);
	if (errors > ERRORS_SHOWN)
		fprintf(stderr, "zm-load: %u more failed connections not "
		    "shown\n", errors - ERRORS_SHOWN);
	secs = (double)(end_ns - start_ns) / 1e9;
	printf("msgs=%zu secs=%.3f rate=%.1f p50_ms=%.3f p99_ms=%.3f "
	    "p999_ms=%.3f cpu_s=%.3f errors=%u replies=accept:%lu,"
	    "tempfail:%lu,reject:%lu", total, secs, secs > 0 ?
	    (double)answered / secs : 0, percentile_ms(all, total, 0.5),
	    percentile_ms(all, total, 0.99), percentile_ms(all, total, 0.999),
	    cpu_seconds(), errors, outcomes[OUT_ACCEPT], outcomes[OUT_TEMPFAIL],
	    outcomes[OUT_REJECT]);
	if (outcomes[OUT_DISCARD] > 0)
		printf(",discard:%lu", outcomes[OUT_DISCARD]);
	if (tagged > 0)
		printf(",addheader:%lu", tagged);
	printf("\n");
	free(all);
	return errors == 0;
}

/* --- start-up ----------------------------------------------------- */

/* The body after its stamp line: lines of lower-case words, CRLF, the
 * same for every message of a run (a seed gives another). */
static char *
filler_new(const struct options *o)
{
	uint64_t x = 0x9e3779b97f4a7c15ULL ^ o->seed;
	size_t i, col = 0, word = 0;
	char *b;

	if ((b = malloc(o->body_bytes + 1)) == NULL)
		fatal("out of memory for a %zu-byte body", o->body_bytes);
	for (i = 0; i < o->body_bytes; i++) {
		/* xorshift64: cheap, and the same for a seed everywhere */
		x ^= x << 13;
		x ^= x >> 7;
		x ^= x << 17;
		if (i + 2 >= o->body_bytes) {
			b[i] = i + 2 == o->body_bytes ? '\r' : '\n';
		} else if (col == 72) {
			b[i++] = '\r';
			b[i] = '\n';
			col = word = 0;
		} else if (word > 2 && x % 7 == 0) {
			b[i] = ' ';
			col++;
			word = 0;
		} else {
			b[i] = (char)('a' + x % 26);
			col++;
			word++;
		}
	}
	b[o->body_bytes] = '\0';
	return b;
}

static void
workers_init(struct worker *wk, struct run *run)
{
	const struct options *o = run->o;
	unsigned i;

	for (i = 0; i < o->conns; i++) {
		unsigned long conns = (o->total_conns - i + o->conns - 1) /
		    o->conns;

		wk[i].run = run;
		wk[i].index = i;
		wk[i].maxlat = (size_t)conns * (o->msgs - o->warmup);
		if ((wk[i].lat_ns = malloc(wk[i].maxlat *
		    sizeof(*wk[i].lat_ns))) == NULL)
			fatal("out of memory for %zu latencies", wk[i].maxlat);
	}
}

int
main(int argc, char **argv)
{
	struct options o;
	struct run run;
	struct worker *wk;
	char *filler;
	pthread_attr_t attr;
	uint64_t start_ns;
	unsigned i, started;
	bool ok;
	int rc = 0;

	parse_args(argc, argv, &o);
	memset(&run, 0, sizeof(run));
	run.o = &o;
	run.filler = filler = filler_new(&o);
	pthread_mutex_init(&run.gate.mu, NULL);
	pthread_cond_init(&run.gate.cv, NULL);
	atomic_init(&run.shown, 0);
	if ((wk = calloc(o.conns, sizeof(*wk))) == NULL)
		fatal("out of memory for %u threads", o.conns);
	workers_init(wk, &run);

	/* Each thread needs little stack: keep thousands of them cheap. */
	pthread_attr_init(&attr);
	pthread_attr_setstacksize(&attr, 256 * 1024);
	for (started = 0; started < o.conns; started++)
		if ((rc = pthread_create(&wk[started].tid, &attr, worker_main,
		    &wk[started])) != 0)
			break;
	pthread_attr_destroy(&attr);
	if (rc != 0)
		fprintf(stderr, "zm-load: thread %u of %u: %s\n", started + 1,
		    o.conns, strerror(rc));
	gate_open(&run.gate, started, rc != 0);
	start_ns = now_ns();
	for (i = 0; i < started; i++)
		pthread_join(wk[i].tid, NULL);
	ok = rc == 0 && report(&o, wk, started, start_ns);
	for (i = 0; i < o.conns; i++)
		free(wk[i].lat_ns);
	free(wk);
	free(filler);
	return ok ? 0 : 1;
}
