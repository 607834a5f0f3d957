/*
 * loghook -- how the engine's long-lived parts report news.
 *
 * lib/ writes no log itself: a part that has something to say outside any
 * call (the Redis breaker opening, a blocklist going down) says it
 * through a hook the daemon gives it.  prio is a syslog priority.
 */
#ifndef ZM_LOGHOOK_H
#define ZM_LOGHOOK_H

struct loghook {
	void (*write)(void *arg, int prio, const char *msg);
	void *arg;
};

/* Format and pass one line to the hook; a NULL hook or write drops it. */
void loghook_say(const struct loghook *hook, int prio, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

#endif
