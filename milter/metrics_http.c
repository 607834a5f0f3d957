/*
 * metrics_http -- the Prometheus endpoint.  See metrics_http.h.
 */
#include "zmconfig.h"

#include <errno.h>
#include <stdarg.h>
#include <fcntl.h>
#include <libmilter/mfapi.h>
#include <microhttpd.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "callbacks.h"
#include "config.h"
#include "dnsbl.h"
#include "log.h"
#include "logesc.h"
#include "metrics.h"
#include "metrics_http.h"
#include "netaddr.h"
#include "runtime.h"
#include "store_redis.h"

#define SCRAPES_AT_ONCE		4
#define SCRAPE_TIMEOUT_S	10

static struct MHD_Daemon *daemon_;

int
metrics_http_open(const char *spec, char *err, size_t errlen)
{
	struct config_redis_addr a;
	struct netaddr addr;
	struct sockaddr_storage ss;
	struct sockaddr_in *sin = (struct sockaddr_in *)&ss;
	struct sockaddr_in6 *sin6 = (struct sockaddr_in6 *)&ss;
	socklen_t len;
	int fd, on = 1;

	memset(&ss, 0, sizeof(ss));
	if (!config_listen_address(spec, &a) || !netaddr_parse(a.host, &addr)) {
		snprintf(err, errlen, "not ADDRESS:PORT");
		return -1;
	}
	if (addr.family == AF_INET) {
		sin->sin_family = AF_INET;
		memcpy(&sin->sin_addr, addr.bytes, 4);
		sin->sin_port = htons((uint16_t)a.port);
		len = sizeof(*sin);
	} else {
		memcpy(&sin6->sin6_addr, addr.bytes, 16);
		sin6->sin6_family = AF_INET6;
		sin6->sin6_port = htons((uint16_t)a.port);
		len = sizeof(*sin6);
	}
	if ((fd = socket(ss.ss_family, SOCK_STREAM | SOCK_CLOEXEC, 0)) < 0 ||
	    setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &on, sizeof(on)) != 0 ||
	    bind(fd, (struct sockaddr *)&ss, len) != 0 || listen(fd, 16) != 0) {
		snprintf(err, errlen, "cannot listen: %s", strerror(errno));
		if (fd >= 0)
			close(fd);
		return -1;
	}
	return fd;
}

/* Gauges of the runtime in force: what it was built from, and the state
 * of what it talks to. */
static void
write_runtime(FILE *out, const struct runtime *rt)
{
	const struct config *cfg = rt->cfg;
	unsigned i;

	fprintf(out, "# HELP zombie_milter_config_info The configuration in "
	    "force: its file's digest (sha256, as logged).\n"
	    "# TYPE zombie_milter_config_info gauge\n"
	    "zombie_milter_config_info{digest=\"%s\",mode=\"%s\"} 1\n",
	    *cfg->digest != '\0' ? cfg->digest : "built-in",
	    cfg->mode == CONFIG_MODE_MONITOR ? "monitor" : "enforce");
	fprintf(out, "# HELP zombie_milter_redis_circuit_open 1 while Redis is "
	    "not asked (its circuit is open), else 0.\n"
	    "# TYPE zombie_milter_redis_circuit_open gauge\n");
	if (rt->redis != NULL) {
		fprintf(out, "zombie_milter_redis_circuit_open{server=\"");
		metrics_label(out, cfg->redis, strlen(cfg->redis));
		fprintf(out, "\"} %d\n", store_redis_circuit_open(rt->redis));
	}
	fprintf(out, "# HELP zombie_milter_dnsbl_zone_up 1 while a blocklist "
	    "passes its health check, else 0.\n"
	    "# TYPE zombie_milter_dnsbl_zone_up gauge\n");
	for (i = 0; rt->env.dnsbl != NULL && i < cfg->nzones; i++) {
		fprintf(out, "zombie_milter_dnsbl_zone_up{zone=\"");
		metrics_label(out, cfg->zones[i].name, sizeof(cfg->zones[i].name));
		fprintf(out, "\"} %d\n", dnsbl_zone_up(rt->env.dnsbl, i));
	}
}

char *
metrics_http_page(size_t *len)
{
	unsigned int major, minor, patch;
	struct runtime *rt = runtime_current();
	char *page = NULL;
	FILE *out;

	if ((out = open_memstream(&page, len)) == NULL) {
		runtime_free(rt);
		return NULL;
	}
	smfi_version(&major, &minor, &patch);
	fprintf(out, "# HELP zombie_milter_build_info The version running.\n"
	    "# TYPE zombie_milter_build_info gauge\n"
	    "zombie_milter_build_info{version=\"%s\",libmilter=\"%u.%u.%u\"} 1\n",
	    PACKAGE_VERSION, major, minor, patch);
	fprintf(out, "# HELP zombie_milter_connections MTA connections open.\n"
	    "# TYPE zombie_milter_connections gauge\n"
	    "zombie_milter_connections %ld\n", callbacks_open());
	if (rt != NULL)
		write_runtime(out, rt);
	runtime_free(rt);
	metrics_write(out);
	if (fclose(out) != 0) {
		free(page);
		return NULL;
	}
	return page;
}

static enum MHD_Result
reply(struct MHD_Connection *conn, unsigned status, const char *body,
    size_t len, enum MHD_ResponseMemoryMode mode)
{
	struct MHD_Response *r;
	enum MHD_Result rc;

	if ((r = MHD_create_response_from_buffer(len, (char *)body, mode)) ==
	    NULL) {
		if (mode == MHD_RESPMEM_MUST_FREE)
			free((char *)body);
		return MHD_NO;
	}
	MHD_add_response_header(r, MHD_HTTP_HEADER_CONTENT_TYPE, status ==
	    MHD_HTTP_OK ? "text/plain; version=0.0.4; charset=utf-8"
	    : "text/plain; charset=utf-8");
	if (status == MHD_HTTP_METHOD_NOT_ALLOWED)
		MHD_add_response_header(r, MHD_HTTP_HEADER_ALLOW, "GET, HEAD");
	rc = MHD_queue_response(conn, status, r);
	MHD_destroy_response(r);
	return rc;
}

static enum MHD_Result
serve(void *cls, struct MHD_Connection *conn, const char *url,
    const char *method, const char *version, const char *upload_data,
    size_t *upload_data_size, void **state)
{
	static int headers_read;
	char *page;
	size_t len;

	(void)cls;
	(void)version;
	(void)upload_data;
	/* First call: the headers only.  A body is read and ignored. */
	if (*state == NULL) {
		*state = &headers_read;
		return MHD_YES;
	}
	if (*upload_data_size != 0) {
		*upload_data_size = 0;
		return MHD_YES;
	}
	if (strcmp(method, MHD_HTTP_METHOD_GET) != 0 &&
	    strcmp(method, MHD_HTTP_METHOD_HEAD) != 0)
		return reply(conn, MHD_HTTP_METHOD_NOT_ALLOWED,
		    "only GET and HEAD\n", 18, MHD_RESPMEM_PERSISTENT);
	if (strcmp(url, "/metrics") != 0)
		return reply(conn, MHD_HTTP_NOT_FOUND, "see /metrics\n", 13,
		    MHD_RESPMEM_PERSISTENT);
	if ((page = metrics_http_page(&len)) == NULL)
		return reply(conn, MHD_HTTP_INTERNAL_SERVER_ERROR,
		    "out of memory\n", 14, MHD_RESPMEM_PERSISTENT);
	return reply(conn, MHD_HTTP_OK, page, len, MHD_RESPMEM_MUST_FREE);
}

/* libmicrohttpd's own complaints (a client's bytes may be quoted). */
static void
log_mhd(void *arg, const char *fmt, va_list ap)
{
	char raw[512], esc[4 * sizeof(raw)];
	size_t len;

	(void)arg;
	vsnprintf(raw, sizeof(raw), fmt, ap);
	len = strlen(raw);
	while (len > 0 && raw[len - 1] == '\n')
		raw[--len] = '\0';
	log_write(LOG_WARNING, "metrics: %s", logesc(esc, sizeof(esc), raw));
}

bool
metrics_http_start(int fd, char *err, size_t errlen)
{
	daemon_ = MHD_start_daemon(MHD_USE_INTERNAL_POLLING_THREAD |
	    MHD_USE_AUTO | MHD_USE_ERROR_LOG, 0, NULL, NULL, serve, NULL,
	    MHD_OPTION_EXTERNAL_LOGGER, log_mhd, NULL,
	    MHD_OPTION_LISTEN_SOCKET, (MHD_socket)fd,
	    MHD_OPTION_CONNECTION_LIMIT, (unsigned int)SCRAPES_AT_ONCE,
	    MHD_OPTION_CONNECTION_TIMEOUT, (unsigned int)SCRAPE_TIMEOUT_S,
	    MHD_OPTION_END);
	if (daemon_ == NULL) {
		snprintf(err, errlen, "libmicrohttpd would not start");
		return false;
	}
	return true;
}

void
metrics_http_stop(void)
{
	if (daemon_ != NULL)
		MHD_stop_daemon(daemon_);
	daemon_ = NULL;
}
