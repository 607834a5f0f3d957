/*
 * listener -- libmilter's listening socket.  See listener.h.
 */
#include "zmconfig.h"

#include <errno.h>
#include <fcntl.h>
#include <libmilter/mfapi.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <time.h>
#include <unistd.h>

#include "config.h"
#include "listener.h"

#define FD_SCAN_MAX	1024
#define WAKE_TICK_MS	20
#define WAKE_TRIES	100		/* 2 s in all */

static int listen_fd = -1;
static struct sockaddr_storage wake_addr;	/* where to connect to it */
static socklen_t wake_len;

/* The wake starts in the thread that handles the stop signal and ends
 * in main(), once that thread is done. */
static pthread_t waker;
static atomic_bool waker_running, waker_done;

/* The port of an inet: or inet6: spec, 0 if it names none by number. */
static unsigned
spec_port(const char *sock)
{
	const char *p = strchr(sock, ':');

	return p != NULL ? (unsigned)strtoul(p + 1, NULL, 10) : 0;
}

/* Is ss, a listener's own address, the one sock asks for? */
static bool
matches(const char *sock, const struct sockaddr_storage *ss, socklen_t len)
{
	const char *path = config_socket_path(sock);
	const struct sockaddr_un *un = (const struct sockaddr_un *)ss;
	unsigned port = spec_port(sock);

	if (path != NULL)
		return ss->ss_family == AF_UNIX &&
		    len > offsetof(struct sockaddr_un, sun_path) &&
		    strncmp(un->sun_path, path, sizeof(un->sun_path)) == 0;
	if (ss->ss_family == AF_INET)
		return port == 0 ||
		    ntohs(((const struct sockaddr_in *)ss)->sin_port) == port;
	if (ss->ss_family == AF_INET6)
		return port == 0 ||
		    ntohs(((const struct sockaddr_in6 *)ss)->sin6_port) == port;
	return false;
}

/* A listener bound to every address is woken through loopback. */
static void
set_wake_addr(const struct sockaddr_storage *ss, socklen_t len)
{
	struct sockaddr_in *in = (struct sockaddr_in *)&wake_addr;
	struct sockaddr_in6 *in6 = (struct sockaddr_in6 *)&wake_addr;

	memcpy(&wake_addr, ss, len);
	wake_len = len;
	if (ss->ss_family == AF_INET && in->sin_addr.s_addr == htonl(INADDR_ANY))
		in->sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	if (ss->ss_family == AF_INET6 &&
	    IN6_IS_ADDR_UNSPECIFIED(&in6->sin6_addr))
		in6->sin6_addr = in6addr_loopback;
}

/* Find the listener of sock, just opened; false if none was found (then
 * the rest does nothing). */
static bool
find(const char *sock)
{
	struct sockaddr_storage ss;
	socklen_t len;
	int fd, on;

	for (fd = 3; fd < FD_SCAN_MAX; fd++) {
		len = sizeof(on);
		if (getsockopt(fd, SOL_SOCKET, SO_ACCEPTCONN, &on, &len) != 0 ||
		    !on)
			continue;
		memset(&ss, 0, sizeof(ss));
		len = sizeof(ss);
		if (getsockname(fd, (struct sockaddr *)&ss, &len) != 0 ||
		    len > sizeof(ss) || !matches(sock, &ss, len))
			continue;
		listen_fd = fd;
		set_wake_addr(&ss, len);
		return true;
	}
	return false;
}

/* Give the unix socket just made at path its owner, group and mode. */
static bool
set_perms(const char *path, const struct listener_perms *p, char *err,
    size_t errlen)
{
	struct stat st;

	/* Only the socket made here: a name swapped meanwhile (a symbolic
	 * link, someone else's file) is left alone. */
	if (lstat(path, &st) != 0 || !S_ISSOCK(st.st_mode) ||
	    st.st_uid != geteuid()) {
		snprintf(err, errlen, "%s", "not the socket just made");
		return false;
	}
	if ((p->uid != (uid_t)-1 || p->gid != (gid_t)-1) &&
	    lchown(path, p->uid, p->gid) != 0) {
		snprintf(err, errlen, "cannot set its owner and group: %s",
		    strerror(errno));
		return false;
	}
	if (fchmodat(AT_FDCWD, path, p->mode, AT_SYMLINK_NOFOLLOW) != 0) {
		snprintf(err, errlen, "cannot set its mode %04o: %s", p->mode,
		    strerror(errno));
		return false;
	}
	return true;
}

bool
listener_open(const char *sock, const struct listener_perms *perms,
    char *err, size_t errlen)
{
	const char *path = config_socket_path(sock);
	mode_t old = 0;
	int rc;

	if (smfi_setconn((char *)sock) != MI_SUCCESS) {
		snprintf(err, errlen, "%s", "cannot listen (bad address?)");
		return false;
	}
	/* Made for its owner alone; the rest once owner and group are
	 * right (no thread runs yet: the umask is the process's). */
	if (path != NULL)
		old = umask(0777 & ~(perms->mode & 0700));
	rc = smfi_opensocket(true);
	if (path != NULL)
		umask(old);
	if (rc != MI_SUCCESS) {
		snprintf(err, errlen, "%s", "cannot listen (in use, or bad "
		    "address?)");
		return false;
	}
	if (path != NULL && !set_perms(path, perms, err, errlen))
		return false;
	(void)find(sock);
	return true;
}

bool
listener_nodelay(void)
{
	int on = 1;

	if (listen_fd < 0 || (wake_addr.ss_family != AF_INET &&
	    wake_addr.ss_family != AF_INET6))
		return true;
	return setsockopt(listen_fd, IPPROTO_TCP, TCP_NODELAY, &on,
	    sizeof(on)) == 0;
}

/* Connect to the listener, and close: false once it is gone. */
static bool
wake_once(void)
{
	int fd, rc, err;

	fd = socket(wake_addr.ss_family, SOCK_STREAM | SOCK_NONBLOCK |
	    SOCK_CLOEXEC, 0);
	if (fd < 0)
		return false;
	rc = connect(fd, (const struct sockaddr *)&wake_addr, wake_len);
	err = errno;
	close(fd);
	/* Refused, or the unix socket removed: libmilter has closed it. */
	return rc == 0 || err == EINPROGRESS || err == EAGAIN || err == EINTR;
}

static void *
wake_thread(void *arg)
{
	const struct timespec tick = { 0, WAKE_TICK_MS * 1000 * 1000 };
	int i;

	(void)arg;
	/* The first tick lets the stop request be made before the first
	 * wake (a wake before it only restarts the wait). */
	for (i = 0; i < WAKE_TRIES && !atomic_load(&waker_done); i++) {
		nanosleep(&tick, NULL);
		if (!atomic_load(&waker_done) && !wake_once())
			break;
	}
	return NULL;
}

void
listener_wake_start(void)
{
	sigset_t all, old;

	if (listen_fd < 0 || atomic_load(&waker_running))
		return;
	sigfillset(&all);
	pthread_sigmask(SIG_SETMASK, &all, &old);
	atomic_store(&waker_running,
	    pthread_create(&waker, NULL, wake_thread, NULL) == 0);
	pthread_sigmask(SIG_SETMASK, &old, NULL);
}

void
listener_wake_stop(void)
{
	atomic_store(&waker_done, true);
	if (atomic_exchange(&waker_running, false))
		pthread_join(waker, NULL);
}
