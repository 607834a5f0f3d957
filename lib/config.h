/*
 * config -- the milter's configuration, read with libconfuse.
 *
 * config_load() reads a file (or, with a NULL path, takes every default),
 * checks every option against its type and bounds and returns a filled,
 * immutable struct config.  A bad file gives no config and one message of
 * the form "FILE:LINE: option: reason".  The caller frees the config with
 * config_free(); the strings inside belong to it.
 */
#ifndef ZM_CONFIG_H
#define ZM_CONFIG_H

#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

#include "dnsbl.h"
#include "netaddr.h"
#include "score.h"
#include "store.h"
#include "window.h"

#define CONFIG_WINDOWS_MAX	STORE_WINDOWS_MAX
#define CONFIG_WINDOW_NAME_MAX	16
#define CONFIG_REPLY_MAX	400

enum config_mode {
	CONFIG_MODE_ENFORCE,
	CONFIG_MODE_MONITOR
};

/* What a decision does while Redis cannot be used. */
enum config_fallback {
	CONFIG_FALLBACK_LOCAL,		/* count in this process's store */
	CONFIG_FALLBACK_ACCEPT,		/* accept, uncounted */
	CONFIG_FALLBACK_TEMPFAIL	/* 451 */
};

/*
 * The SPF, behaviour and bulk signals' settings: limits (0 = off) and the
 * points of each, all unsigned, set from one table in config.c.
 */
struct config_signals {
	bool spf;
	unsigned spf_budget_ms;
	unsigned spf_fail_points;
	unsigned spf_softfail_points;
	unsigned helo_ip_points;
	unsigned helo_not_fqdn_points;
	unsigned helo_self_points;
	unsigned helo_freemail_points;
	char **freemail;		/* lower case */
	size_t nfreemail;
	unsigned behaviour_window_s;
	unsigned rcpt_domains_per_message;
	unsigned rcpt_domains_per_message_points;
	unsigned rcpt_domains_per_window;
	unsigned rcpt_domains_per_window_points;
	unsigned rejected_rcpts_min;
	unsigned rejected_rcpts_percent;
	unsigned rejected_rcpts_points;
	unsigned from_domains_per_window;
	unsigned from_domains_per_window_points;
	unsigned refused_per_window;
	unsigned refused_points;
	unsigned host_logins_per_window;
	unsigned host_logins_points;
	unsigned user_networks_per_window;
	unsigned user_networks_points;
	unsigned user_networks_ipv4_prefix;
	unsigned user_networks_ipv6_prefix;
	unsigned prefix_hosts_per_window;
	unsigned prefix_hosts_points;
	unsigned prefix_rate_factor;
	bool bulk;
	unsigned bulk_window_s;
	unsigned bulk_host_recipients;
	unsigned bulk_host_points;
	unsigned bulk_hosts;
	unsigned bulk_hosts_points;
};

/* Per-host distinct counts are kept up to this many values each. */
#define CONFIG_DISTINCT_MAX	1000

#define CONFIG_HMAC_KEY_MAX	1024
#define CONFIG_SECRET_MAX	1024

/* A parsed redis address. */
struct config_redis_addr {
	bool is_unix;
	char host[256];		/* TCP: name or address */
	int port;
	char path[108];		/* unix: socket path */
};

/* A file's digest as logged: the first hex digits of its SHA-256, so
 * operators can tell which relays run which version of it. */
#define CONFIG_DIGEST_LEN	12

struct config_window {
	char name[CONFIG_WINDOW_NAME_MAX];	/* [A-Za-z0-9_] */
	struct window_spec spec;
	unsigned long messages;			/* 0 = no limit */
	unsigned long recipients;		/* 0 = no limit */
	int points;
};

/* Where customers are delegated a prefix: clients in net are counted at
 * their host key and at their /size too. */
struct config_delegation {
	struct netaddr_cidr net;
	unsigned size;
};

#define CONFIG_DELEGATIONS_MAX	64

struct config {
	atomic_int refs;
	char *path;			/* NULL when built-in defaults */
	char digest[CONFIG_DIGEST_LEN + 1];	/* the file's; "" if none */
	char *socket;
	unsigned socket_mode;		/* a unix socket's, 0..0777 */
	char *socket_group;		/* "" = the user's group, or as made */
	char *user;			/* "" = keep the current user */
	char *pid_file;			/* "" = none */
	char *metrics_listen;		/* "" = no metrics endpoint */
	int log_level;			/* a syslog priority, LOG_ERR..LOG_DEBUG */
	enum config_mode mode;
	unsigned ipv4_prefix;
	unsigned ipv6_prefix;
	struct netaddr_cidr *exempt;
	size_t nexempt;
	struct config_delegation delegations[CONFIG_DELEGATIONS_MAX];
	size_t ndelegations;
	struct config_window windows[CONFIG_WINDOWS_MAX];
	unsigned nwindows;
	struct score_thresholds thresholds;
	unsigned quarantine_s;
	char *support_url;
	/* Reply texts with %u expanded and every % doubled, ready for
	 * smfi_setreply(). */
	char *reply_tempfail;
	char *reply_reject;
	char *reply_quarantine;
	unsigned long max_hosts;

	/* Redis; redis is "" when the embedded store is used alone. */
	char *redis;			/* HOST:PORT, [V6]:PORT or unix:PATH */
	unsigned redis_db;
	char *redis_user;		/* "" = the default user */
	char *redis_password;		/* from redis_password(_file) */
	char *redis_password_file;	/* "" if none */
	char *redis_prefix;
	unsigned redis_connect_timeout_ms;
	unsigned redis_timeout_ms;
	enum config_fallback redis_fallback;
	unsigned redis_connections;
	unsigned long event_stream_max;
	unsigned event_ttl_s;
	unsigned char hmac_key[CONFIG_HMAC_KEY_MAX];
	size_t hmac_key_len;		/* 0 = events are not signed */
	char *hmac_key_file;		/* "" if none */
	char *relay_name;		/* relay_name, or the host name */

	/* DNS blocklists */
	struct dnsbl_zone zones[DNSBL_ZONES_MAX];
	unsigned nzones;
	char *dns_forwarders[8];	/* "ADDR[@PORT]"; none: resolv.conf */
	unsigned ndns_forwarders;
	unsigned dns_budget_ms;
	unsigned dns_cache_size;
	unsigned dns_max_queries;	/* in flight, in all */
	unsigned dns_health_interval_s;

	struct config_signals sig;
};

/* Load path (NULL: defaults only); on error NULL and the reason in err. */
struct config *config_load(const char *path, char *err, size_t errlen);

/*
 * Load path again for a reload, running being the config in force: a
 * secret file (redis_password_file, hmac_key_file) that the daemon,
 * having given up root, may no longer open (EACCES) keeps the secret
 * running read from the same path.  Otherwise as config_load().
 */
struct config *config_reload(const char *path, const struct config *running,
    char *err, size_t errlen);

/*
 * Print the settings of the file at path (NULL: none) in its own syntax,
 * once it has passed every check: those that differ from the defaults,
 * or all of them; a password is never printed.  False with the reason in
 * err (the file's first mistake, as config_load() says it).
 */
bool config_print(const char *path, bool all, FILE *out, char *err,
    size_t errlen);

/* A config is immutable once loaded, and shared by reference: whatever
 * keeps pointers into one (a store, the DNS blocklists) holds one. */

/* Take one more reference to cfg (NULL is fine); returns cfg. */
const struct config *config_ref(const struct config *cfg);

/* Drop a reference; the last one frees the config.  NULL is fine. */
void config_free(const struct config *cfg);

/* The socket specs the milter takes, for error messages. */
#define CONFIG_SOCKET_FORMS	"inet:PORT@HOST, inet6:PORT@HOST, " \
	"unix:PATH or an absolute PATH"

/* True if sock is a milter socket spec: inet:PORT@HOST, inet6:PORT@HOST,
 * unix:PATH, local:PATH, or an absolute path without a colon (a unix
 * socket, as libmilter takes it). */
bool config_socket_valid(const char *sock);

/* The path of a unix socket spec, NULL for the others. */
const char *config_socket_path(const char *sock);

/* Parse HOST:PORT, [IPV6]:PORT or unix:PATH; false if malformed. */
bool config_redis_address(const char *spec, struct config_redis_addr *out);

/* Parse ADDRESS:PORT or [IPV6-ADDRESS]:PORT, numeric: a listening
 * address (metrics_listen); false if malformed. */
bool config_listen_address(const char *spec, struct config_redis_addr *out);

/* "local", "accept" or "tempfail". */
const char *config_fallback_name(enum config_fallback f);

/* Copy the window specs (lengths and buckets) into out; returns how many. */
unsigned config_window_specs(const struct config *cfg,
    struct window_spec out[CONFIG_WINDOWS_MAX]);

/* The longest window a host's observations are kept for. */
unsigned config_observe_s(const struct config *cfg);

/* The length of the prefix delegated to the customer at addr (the most
 * specific delegated_prefixes range holding it), or 0 if there is none
 * shorter than its host key. */
unsigned config_delegated_prefix(const struct config *cfg,
    const struct netaddr *addr);

/* True if addr is in one of the exempt networks. */
bool config_is_exempt(const struct config *cfg, const struct netaddr *addr);

#endif
