/*
 * listener -- what the daemon does to the socket libmilter listens on.
 *
 * libmilter opens the socket (smfi_opensocket()) and never hands it out,
 * so the daemon finds it among its descriptors, by the socket spec, right
 * after it was opened.  Around the opening:
 *   - a unix socket gets the mode and group asked for (socket_mode,
 *     socket_group), and never wider ones, not even for a moment: it is
 *     made under a umask that leaves only the owner's bits, then given
 *     its owner and group, and only then its mode (lchown(), fchmodat()
 *     without following a symbolic link, on the socket just made);
 * Then:
 *   - sets TCP_NODELAY on a TCP listener (accepted sockets inherit it):
 *     libmilter writes a reply in pieces and would otherwise wait for the
 *     MTA's delayed ACK, about 40 ms for every tagged message;
 *   - at the stop, wakes libmilter's listener thread.  That thread waits
 *     for a connection at most 5 s at a time (MI_CHK_TIME) and looks for
 *     the stop request only between two waits, and the thread that asked
 *     for the stop waits for it: a stop would take up to 5 s more for
 *     nothing.  So, from the moment the stop is asked, a thread of ours
 *     connects to the socket every 20 ms (and closes at once) until the
 *     socket is gone, 2 s at most; each connection ends a wait.  A
 *     connection made then gets no session (callbacks.h), so this costs
 *     nothing but an accept.
 * Not thread-safe: called from main() and, for the wake, from the thread
 * that handles the stop signal, never both at once.
 */
#ifndef ZM_LISTENER_H
#define ZM_LISTENER_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

/* What a unix socket is given; (uid_t)-1, (gid_t)-1: left as made. */
struct listener_perms {
	unsigned mode;			/* 0..0777 */
	uid_t uid;
	gid_t gid;
};

/* Have libmilter listen on sock (config.h's forms); a unix socket gets
 * perms.  False with the reason in err. */
bool listener_open(const char *sock, const struct listener_perms *perms,
    char *err, size_t errlen);

/* TCP_NODELAY on a TCP listener; false (errno set) if it failed. */
bool listener_nodelay(void);

/* Start waking the listener (see above); call as the stop begins. */
void listener_wake_start(void);

/* Stop waking it, once smfi_main() has returned. */
void listener_wake_stop(void);

#endif
