/*
 * metrics_http -- the Prometheus endpoint (metrics_listen): GET /metrics,
 * served by libmicrohttpd in a thread of its own.
 *
 * The socket is opened at start-up, before the daemon detaches, so that
 * a mistake reaches the terminal; the thread starts once the runtime is
 * installed and stops before it is dropped.  A scrape never makes a
 * worker wait: the counters are atomics (metrics.h), and the gauges are
 * read from the current runtime, by reference, outside any lock the
 * workers hold for long.  Anything but GET or HEAD of /metrics is refused.
 */
#ifndef ZM_METRICS_HTTP_H
#define ZM_METRICS_HTTP_H

#include <stdbool.h>
#include <stddef.h>

/* Listen on spec (config_listen_address()); the socket, or -1 with the
 * reason in err. */
int metrics_http_open(const char *spec, char *err, size_t errlen);

/* Serve fd from now on; false with the reason in err. */
bool metrics_http_start(int fd, char *err, size_t errlen);

/* Stop serving (once the last scrape is answered) and close the socket. */
void metrics_http_stop(void);

/* The text a scrape gets, malloc'ed, its length in *len; NULL on ENOMEM. */
char *metrics_http_page(size_t *len);

#endif
