/*
 * main -- zombie-milter: command line, start-up, reload, privileges,
 * shutdown.
 *
 * Start-up order matters: the config is read and the socket opened while
 * errors still reach the terminal; then the daemon detaches, writes its
 * pid file, drops root, and builds the runtime (runtime.h) that serves
 * messages.  libmilter's smfi_main() blocks SIGTERM, SIGINT and SIGHUP in
 * every thread it starts and waits for them in one thread of its own.
 * SIGHUP never reaches libmilter (hup.h): it reloads the file, in that
 * thread.  The stop (SIGTERM, SIGINT; zombie-milter(8), SIGNALS) is
 * bounded: in that thread, new connections get no session from the
 * signal on, and those open get STOP_WAIT_MS to finish while libmilter
 * still serves them; then libmilter is told to stop, its listener woken
 * (listener.h) so it does not sleep on for up to 5 s, and smfi_main()
 * returns; main() frees the runtime if no connection is left, or else
 * says how many it did not wait for and ends without freeing what they
 * use.  Those signals are blocked here before any thread starts (the
 * resolver's, libunbound's, the DNSBL health check's), so every thread
 * has that mask; the resolver's own threads block every signal.
 */
#include "zmconfig.h"

#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <limits.h>
#include <libmilter/mfapi.h>
#include <pwd.h>
#include <signal.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <stdatomic.h>
#include <stdint.h>
#include <sys/stat.h>
#include <unistd.h>

#include "callbacks.h"
#include "clock.h"
#include "hup.h"
#include "config.h"
#include "engine.h"
#include "log.h"
#include "metrics.h"
#include "metrics_http.h"
#include "dnsbl.h"
#include "fingerprint.h"
#include "listener.h"
#include "runtime.h"
#include "session.h"
#include "spf.h"
#include "store.h"
#include "store_redis.h"
#include "testmode.h"

#ifndef DEFAULT_CONFIG
#define DEFAULT_CONFIG "/etc/zombie-milter.conf"
#endif

struct options {
	const char *config;
	const char *socket;
	const char *user;
	const char *test_file;
	bool check_only;
	bool foreground;
	int show;		/* -s: 1, what differs from the defaults; -S: 2 */
};

static void
usage(FILE *out)
{
	fprintf(out,
	    "usage: zombie-milter [-fn] [-c FILE] [-p SOCKET] [-u USER]\n"
	    "       zombie-milter [-c FILE] -t TRANSACTIONS\n"
	    "       zombie-milter [-c FILE] -s | -S\n"
	    "       zombie-milter -V | -h\n"
	    "  -c FILE    configuration file (default %s; built-in defaults\n"
	    "             if that file does not exist)\n"
	    "  -f         stay in the foreground and log to standard error\n"
	    "  -n         check the configuration and exit (0 good, 1 bad)\n"
	    "  -p SOCKET  listen on SOCKET (inet:PORT@HOST, unix:PATH)\n"
	    "  -s         print the settings that differ from the defaults, in\n"
	    "             the file's syntax, and exit (-S: all of them)\n"
	    "  -t FILE    judge the test transactions in FILE (- for standard\n"
	    "             input) with no MTA, print each verdict and exit\n"
	    "  -u USER    run as USER after opening the socket\n"
	    "  -V         print the version and exit\n"
	    "  -h         print this help and exit\n", DEFAULT_CONFIG);
}

static void
parse_args(int argc, char **argv, struct options *o)
{
	unsigned int major, minor, patch;
	int ch;

	memset(o, 0, sizeof(*o));
	while ((ch = getopt(argc, argv, "c:fhnp:sSt:u:V")) != -1) {
		switch (ch) {
		case 'c': o->config = optarg; break;
		case 'f': o->foreground = true; break;
		case 'n': o->check_only = true; break;
		case 'p': o->socket = optarg; break;
		case 's': o->show = 1; break;
		case 'S': o->show = 2; break;
		case 't': o->test_file = optarg; break;
		case 'u': o->user = optarg; break;
		case 'h':
			usage(stdout);
			exit(0);
		case 'V':
			smfi_version(&major, &minor, &patch);
			printf("zombie-milter %s (libmilter %u.%u.%u)\n",
			    PACKAGE_VERSION, major, minor, patch);
			exit(0);
		default:
			usage(stderr);
			exit(1);
		}
	}
	if (optind != argc) {
		fprintf(stderr, "zombie-milter: unexpected argument: %s\n",
		    argv[optind]);
		usage(stderr);
		exit(1);
	}
}

/* -c FILE, else the default file if it exists, else none (built-in
 * defaults). */
static const char *
config_path(const struct options *o)
{
	if (o->config == NULL && access(DEFAULT_CONFIG, F_OK) == 0)
		return DEFAULT_CONFIG;
	return o->config;
}

/* How the log names cfg's file: "PATH (sha256 DIGEST)", or the built-in
 * defaults. */
static const char *
config_name(const struct config *cfg, char *buf, size_t len)
{
	if (cfg->path == NULL)
		return "(built-in defaults)";
	snprintf(buf, len, "%s%s%s%s", cfg->path, *cfg->digest ? " (sha256 "
	    : "", cfg->digest, *cfg->digest ? ")" : "");
	return buf;
}

/* -s, -S: the settings in force, printed; the exit status. */
static int
show_config(const struct options *o)
{
	char err[1024];

	if (config_print(config_path(o), o->show == 2, stdout, err,
	    sizeof(err)))
		return 0;
	fprintf(stderr, "zombie-milter: %s\n", err);
	return 1;
}

static struct config *
load_config(const struct options *o)
{
	const char *path = config_path(o);
	struct config *cfg;
	char err[1024];

	cfg = config_load(path, err, sizeof(err));
	if (cfg == NULL) {
		fprintf(stderr, "zombie-milter: %s\n", err);
		exit(1);
	}
	return cfg;
}

static void
fatal(const char *fmt, const char *arg, const char *cause)
{
	log_write(LOG_ERR, fmt, arg, cause);
	exit(1);
}

/* Look the user up now, while a mistake still reaches the terminal. */
static bool
find_user(const char *user, uid_t *uid, gid_t *gid)
{
	struct passwd *pw;

	if (user == NULL || *user == '\0')
		return false;
	if ((pw = getpwnam(user)) == NULL)
		fatal("user %s: %s", user, "no such user");
	*uid = pw->pw_uid;
	*gid = pw->pw_gid;
	return true;
}

/* The group a unix socket is given: socket_group, looked up now while a
 * mistake still reaches the terminal, or dflt if it is "". */
static gid_t
find_group(const char *group, gid_t dflt)
{
	struct group *gr;

	if (*group == '\0')
		return dflt;
	if ((gr = getgrnam(group)) == NULL)
		fatal("socket_group %s: %s", group, "no such group");
	return gr->gr_gid;
}

/* Open the socket; a unix socket is given to the user the daemon will
 * run as (uid, gid: -1 if it stays as it is), in socket_group if set, with
 * socket_mode. */
static void
open_socket(const struct config *cfg, const char *sock, uid_t uid, gid_t gid)
{
	struct listener_perms perms = { cfg->socket_mode, uid, gid };
	char err[256];

	if (config_socket_path(sock) != NULL)
		perms.gid = find_group(cfg->socket_group, gid);
	if (!listener_open(sock, &perms, err, sizeof(err)))
		fatal("socket %s: %s", sock, err);
	if (!listener_nodelay())
		log_write(LOG_WARNING, "socket %s: cannot set TCP_NODELAY: %s",
		    sock, strerror(errno));
}

static void
drop_privileges(const char *user, uid_t uid, gid_t gid)
{
	if (setgid(gid) != 0 || initgroups(user, gid) != 0 || setuid(uid) != 0)
		fatal("user %s: cannot switch: %s", user, strerror(errno));
}

static void
daemonize(void)
{
	pid_t pid = fork();
	int fd;

	if (pid < 0)
		fatal("%s: fork failed: %s", "daemon", strerror(errno));
	if (pid > 0)
		_exit(0);
	setsid();
	if (chdir("/") != 0)
		fatal("%s: chdir /: %s", "daemon", strerror(errno));
	if ((fd = open("/dev/null", O_RDWR)) >= 0) {
		dup2(fd, STDIN_FILENO);
		dup2(fd, STDOUT_FILENO);
		dup2(fd, STDERR_FILENO);
		if (fd > STDERR_FILENO)
			close(fd);
	}
}

/* The metrics socket (-1: none), opened before detaching, so a mistake
 * reaches the terminal; served once the runtime is up. */
static int
open_metrics(const char *spec)
{
	char err[256];
	int fd;

	if (*spec == '\0')
		return -1;
	if ((fd = metrics_http_open(spec, err, sizeof(err))) < 0)
		fatal("metrics %s: %s", spec, err);
	return fd;
}

/* Opened before detaching, so a bad path fails on the terminal; the pid
 * is written after, by the daemon itself. */
static FILE *
open_pid_file(const char *path)
{
	FILE *f;

	if (*path == '\0')
		return NULL;
	if ((f = fopen(path, "w")) == NULL)
		fatal("pid file %s: %s", path, strerror(errno));
	return f;
}

static void
write_pid_file(FILE *f)
{
	if (f == NULL)
		return;
	fprintf(f, "%ld\n", (long)getpid());
	fclose(f);
}

/* The engine's own news (Redis lost or back, a blocklist down or up). */
static void
log_news(void *arg, int prio, const char *msg)
{
	(void)arg;
	log_write(prio, "%s", msg);
}

static const struct loghook news = { log_news, NULL };

/* Block the signals libmilter's signal thread will wait for, in this
 * thread and so in every thread started from now on. */
static void
block_daemon_signals(void)
{
	sigset_t set;

	sigemptyset(&set);
	sigaddset(&set, SIGHUP);
	sigaddset(&set, SIGINT);
	sigaddset(&set, SIGTERM);
	pthread_sigmask(SIG_BLOCK, &set, NULL);
}

/* The runtime of cfg (see runtime.h; it takes the reference to cfg), or
 * the end: at start-up a mistake is fatal. */
static struct runtime *
first_runtime(const struct config *cfg, bool with_redis)
{
	struct runtime *rt;
	char err[512];

	if ((rt = runtime_new(cfg, NULL, with_redis, &news, NULL, err,
	    sizeof(err))) == NULL)
		fatal("%s: %s", "start-up", err);
	return rt;
}

/* -t: judge test transactions with the embedded store only (the config
 * is the runtime's from now on). */
static int
run_tests(struct config *cfg, const char *file)
{
	struct runtime *rt;
	int rc;

	log_open(true, LOG_WARNING);
	rt = first_runtime(cfg, false);
	rc = testmode_run(&rt->env, file, stdout, stderr);
	runtime_free(rt);
	fingerprint_cleanup();
	log_close();
	return rc;
}

/* The file a reload reads: the one read at start, made absolute (the
 * daemon works in /) but not resolved, so a symbolic link swapped to a
 * new file is followed; "" for the built-in defaults. */
static char reload_path[PATH_MAX];

/* What takes a restart, as the daemon started: the file's socket (its
 * mode, group), user, pid file and metrics address (NULL where the
 * command line chose instead). */
static const char *start_socket, *start_user, *start_pid_file,
    *start_socket_group, *start_metrics;
static char start_socket_mode[8];

static bool
absolute_path(const char *path, char out[PATH_MAX])
{
	char cwd[PATH_MAX];

	if (path[0] == '/')
		return snprintf(out, PATH_MAX, "%s", path) < PATH_MAX;
	return getcwd(cwd, sizeof(cwd)) != NULL &&
	    snprintf(out, PATH_MAX, "%s/%s", cwd, path) < PATH_MAX;
}

/* Name in list those of cfg's restart-only options that differ from
 * what the daemon started with. */
static void
restart_only(const struct config *cfg, char *list, size_t len)
{
	char mode[8];
	const struct {
		const char *name, *started, *now;
	} opts[] = {
		{ "socket", start_socket, cfg->socket },
		{ "socket_mode", start_socket_mode, mode },
		{ "socket_group", start_socket_group, cfg->socket_group },
		{ "user", start_user, cfg->user },
		{ "pid_file", start_pid_file, cfg->pid_file },
		{ "metrics_listen", start_metrics, cfg->metrics_listen },
	};
	size_t i, n = 0;

	snprintf(mode, sizeof(mode), "%04o", cfg->socket_mode);
	list[0] = '\0';
	for (i = 0; i < sizeof(opts) / sizeof(opts[0]); i++)
		if (opts[i].started != NULL &&
		    strcmp(opts[i].started, opts[i].now) != 0)
			n += (size_t)snprintf(list + n, n < len ? len - n : 0,
			    "%s%s", n > 0 ? ", " : "", opts[i].name);
}

/* How long the sessions open at a stop signal get to finish. */
#define STOP_WAIT_MS	5000

/* When that time is up (clock.h), 0 before the signal. */
static _Atomic uint64_t stop_deadline_ms;

/*
 * SIGTERM, SIGINT: before libmilter stops serving sessions, let those in
 * progress finish (STOP_WAIT_MS at most); new ones get none.  Then have
 * libmilter's listener woken, so that it sees the stop at once.  Runs in
 * libmilter's signal thread (hup.h); main() checks again once smfi_main()
 * returns.
 */
static void
drain_before_stop(int sig)
{
	const char *name = sig == SIGINT ? "SIGINT" : "SIGTERM";
	long open;

	atomic_store(&stop_deadline_ms, clock_monotonic_ms() + STOP_WAIT_MS);
	if ((open = callbacks_stop()) == 0)
		log_write(LOG_NOTICE, "stopping on %s: no open connections",
		    name);
	else
		log_write(LOG_NOTICE, "stopping on %s: waiting up to %d s for "
		    "%ld open connection%s", name, STOP_WAIT_MS / 1000, open,
		    open == 1 ? "" : "s");
	(void)callbacks_drain(STOP_WAIT_MS);
	listener_wake_start();
}

/* What is left of the stop's wait, in ms (all of it if smfi_main()
 * ended with no stop signal). */
static unsigned
stop_wait_left(void)
{
	uint64_t deadline = atomic_load(&stop_deadline_ms),
	    now = clock_monotonic_ms();

	if (deadline == 0)
		return STOP_WAIT_MS;
	return deadline > now ? (unsigned)(deadline - now) : 0;
}

/*
 * SIGHUP: read the file again; if it is good, new messages are served by
 * it (runtime.h), else nothing changes.  Runs in libmilter's signal
 * thread (hup.h), never after the stop began.
 */
static void
reload(void)
{
	struct runtime *cur = runtime_current(), *rt;
	struct runtime_kept kept;
	struct config *cfg;
	char err[1024], restart[80], name[PATH_MAX + 32];

	if (cur == NULL)
		return;
	cfg = config_reload(*reload_path != '\0' ? reload_path : NULL,
	    cur->cfg, err, sizeof(err));
	if (cfg != NULL)
		restart_only(cfg, restart, sizeof(restart));
	if (cfg == NULL || (rt = runtime_new(cfg, cur, true, &news, &kept, err,
	    sizeof(err))) == NULL) {
		log_write(LOG_ERR, "reload: %s; keeping the running "
		    "configuration", err);
		metrics_reload(false);
		runtime_free(cur);
		return;
	}
	log_set_level(rt->cfg->log_level);
	runtime_install(rt);
	metrics_reload(true);
	log_write(LOG_NOTICE, "reload: config %s: embedded store %s, "
	    "redis %s, dns %s%s%s", config_name(rt->cfg, name, sizeof(name)),
	    kept.mem ? "kept" : "started afresh",
	    *rt->cfg->redis == '\0' ? "none" : kept.redis ? "kept"
	    : "reconnected", kept.lookups ? "kept" : "restarted",
	    *restart != '\0' ? "; kept as they were, until a restart: " : "",
	    restart);
	runtime_free(cur);
}

int
main(int argc, char **argv)
{
	struct options o;
	struct config *cfg;
	struct runtime *rt;
	const char *sock, *user;
	bool switch_user;
	uid_t uid = 0;
	gid_t gid = 0;
	FILE *pid_file;
	int rc, metrics_fd;
	char name[PATH_MAX + 32], err[256];

	parse_args(argc, argv, &o);
	if (o.show != 0)
		return show_config(&o);
	block_daemon_signals();
	cfg = load_config(&o);
	if (o.check_only) {
		printf("zombie-milter: %s: configuration OK%s%s%s\n",
		    cfg->path != NULL ? cfg->path : "(built-in defaults)",
		    *cfg->digest ? " (sha256 " : "", cfg->digest,
		    *cfg->digest ? ")" : "");
		config_free(cfg);
		return 0;
	}
	if (!fingerprint_init())
		fatal("%s: %s", "start-up", "OpenSSL has no SHA-256");
	if (o.test_file != NULL)
		return run_tests(cfg, o.test_file);
	sock = o.socket != NULL ? o.socket : cfg->socket;
	user = o.user != NULL ? o.user : cfg->user;
	log_open(true, cfg->log_level);
	if (!config_socket_valid(sock))
		fatal("socket %s: not %s", sock, CONFIG_SOCKET_FORMS);
	switch_user = find_user(user, &uid, &gid);
	if (cfg->path != NULL && !absolute_path(cfg->path, reload_path))
		fatal("config %s: %s", cfg->path, "path too long");
	start_socket = o.socket == NULL ? cfg->socket : NULL;
	start_user = o.user == NULL ? cfg->user : NULL;
	start_pid_file = cfg->pid_file;
	start_socket_group = cfg->socket_group;
	snprintf(start_socket_mode, sizeof(start_socket_mode), "%04o",
	    cfg->socket_mode);
	start_metrics = cfg->metrics_listen;

	signal(SIGPIPE, SIG_IGN);
	if (smfi_register(*callbacks_desc()) != MI_SUCCESS)
		fatal("%s: %s", "smfi_register", "failed");
	open_socket(cfg, sock, switch_user ? uid : (uid_t)-1,
	    switch_user ? gid : (gid_t)-1);
	/* After the milter's socket: listener.h finds that one among the
	 * listening sockets by its port. */
	metrics_fd = open_metrics(cfg->metrics_listen);
	pid_file = open_pid_file(cfg->pid_file);
	if (!o.foreground) {
		daemonize();
		log_close();
		log_open(false, cfg->log_level);
	}
	write_pid_file(pid_file);
	if (switch_user)
		drop_privileges(user, uid, gid);

	/* Threads start only now, in the daemon (a fork keeps none); the
	 * metrics' first, while a failure may still exit (a scrape before
	 * the runtime is installed gets the counters alone). */
	if (metrics_fd >= 0 && !metrics_http_start(metrics_fd, err,
	    sizeof(err)))
		fatal("metrics %s: %s", cfg->metrics_listen, err);
	if (!runtime_reaper_start())
		log_write(LOG_WARNING, "%s: %s", "start-up", "cannot start the "
		    "thread that frees retired configurations; freeing them "
		    "where they retire");
	rt = first_runtime(config_ref(cfg), true);
	runtime_install(rt);
	hup_set_handler(reload);
	hup_set_stop_handler(drain_before_stop);
	log_write(LOG_NOTICE, "starting: socket %s, mode %s, config %s, "
	    "store %s", sock,
	    cfg->mode == CONFIG_MODE_MONITOR ? "monitor" : "enforce",
	    config_name(cfg, name, sizeof(name)),
	    *cfg->redis != '\0' ? cfg->redis : "embedded");
	rc = smfi_main();
	hup_set_handler(NULL);		/* no reload once the stop began */
	hup_set_stop_handler(NULL);
	metrics_http_stop();
	if (!hup_join_stopper())
		log_write(LOG_WARNING, "stop: libmilter's signal thread did not "
		    "end within a second");
	listener_wake_stop();
	if (rc != MI_SUCCESS)
		log_write(LOG_ERR, "stopping on error: libmilter's listener "
		    "failed");

	if (*cfg->pid_file != '\0')
		unlink(cfg->pid_file);
	/* smfi_main() does not wait for open connections: free what their
	 * callbacks use only once they are gone. */
	if (!callbacks_drain(stop_wait_left())) {
		long open = callbacks_stop();

		/* Callbacks may still run: free nothing, and skip the exit
		 * handlers (OpenSSL's cleanup) they could run into. */
		if (open > 0)
			log_write(LOG_WARNING, "stopping: %ld connection%s "
			    "still open, not waited for", open,
			    open == 1 ? "" : "s");
		else
			log_write(LOG_WARNING, "stopping: a callback still "
			    "running, not waited for");
		log_write(LOG_NOTICE, "stopped");
		log_close();
		_exit(rc == MI_SUCCESS ? 0 : 1);
	}
	runtime_install(NULL);
	runtime_reaper_stop();
	fingerprint_cleanup();
	config_free(cfg);
	log_write(LOG_NOTICE, "stopped");
	log_close();
	return rc == MI_SUCCESS ? 0 : 1;
}
