/*
 * callwatchd as a system service: the systemd notify protocol spoken to a
 * socket the test binds (READY, STATUS, WATCHDOG, RELOADING, STOPPING),
 * the unit file's hardening as systemd-analyze scores it, and the daemon
 * run under the unit's seccomp filters (tests/tools/unitjail), since
 * systemd is not PID 1 here nor in CI and the unit cannot be started.
 */
#include <arpa/inet.h>
#include <check.h>
#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>

#include <zmq.h>

#include "bb.h"

#define SVC_CONF							\
	"daemon:\n"							\
	"  clock: wall\n"						\
	"  state_file: \"\"\n"						\
	"feeds:\n"							\
	"  - name: main\n"						\
	"    endpoint: %s\n"						\
	"publish:\n"							\
	"  endpoint: %s\n"						\
	"control:\n"							\
	"  endpoint: %s\n"

static struct bb b;
static int	 nfd = -1;	/* our end of NOTIFY_SOCKET */

/* A fresh folder and ports. */
static void
setup(void)
{
	bb_init(&b);
}

/* Stop whatever runs, clean up. */
static void
teardown(void)
{
	if (nfd != -1)
		close(nfd);
	nfd = -1;
	unsetenv("NOTIFY_SOCKET");
	unsetenv("WATCHDOG_USEC");
	unsetenv("JOURNAL_STREAM");
	bb_cleanup(&b);
}

/*
 * Bind the notify socket: a path in the test's folder, or an abstract
 * name; point NOTIFY_SOCKET (which the daemon inherits) at it.
 */
static void
svc_bind(bool abstract)
{
	struct sockaddr_un sa;
	char		 name[96];
	socklen_t	 len;

	memset(&sa, 0, sizeof sa);
	sa.sun_family = AF_UNIX;
	if (abstract)
		snprintf(name, sizeof name, "@callwatch-test-%d", getpid());
	else
		snprintf(name, sizeof name, "%s/notify", b.dir);
	memcpy(sa.sun_path, name, strlen(name));
	if (abstract)
		sa.sun_path[0] = '\0';
	len = (socklen_t)(offsetof(struct sockaddr_un, sun_path) +
	    strlen(name));
	nfd = socket(AF_UNIX, SOCK_DGRAM, 0);
	ck_assert_int_ge(nfd, 0);
	ck_assert_msg(bind(nfd, (struct sockaddr *)&sa, len) == 0,
	    "bind %s: %s", name, strerror(errno));
	setenv("NOTIFY_SOCKET", name, 1);
}

/* The next notify datagram, or NULL after ms. */
static char *
svc_recv(int ms)
{
	static char	 buf[1024];
	struct timeval	 tv = { ms / 1000, (ms % 1000) * 1000 };
	ssize_t		 n;

	setsockopt(nfd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
	if ((n = recv(nfd, buf, sizeof buf - 1, 0)) <= 0)
		return NULL;
	buf[n] = '\0';
	return buf;
}

/* Wait up to ms for a datagram holding line (like "READY=1"). */
static char *
svc_wait(const char *line, int ms)
{
	double	 end = bb_now() + ms / 1000.0;
	char	*m;

	while (bb_now() < end) {
		if ((m = svc_recv((int)((end - bb_now()) * 1000) + 1)) == NULL)
			return NULL;
		if (strncmp(m, line, strlen(line)) == 0 || (strstr(m, line) &&
		    strstr(m, line)[-1] == '\n'))
			return m;
	}
	return NULL;
}

/* The daemon answers a request. */
static void
svc_alive(void)
{
	cJSON	*r = bb_request(&b, "{\"cmd\":\"stats\"}", 3000);

	ck_assert_ptr_nonnull(r);
	cJSON_Delete(r);
}

/* Start the daemon on the standard config. */
static void
svc_start(void)
{
	bb_write_conf(&b, SVC_CONF, b.feed, b.pub, b.ctl);
	ck_assert_msg(bb_start(&b) == 0, "daemon did not start (see %s)",
	    b.log);
}

/* The whole life: ready, watchdog, reload (good and bad), stopping. */
static void
svc_life(void)
{
	char	*m;
	double	 t0;
	int	 pings = 0;

	setenv("WATCHDOG_USEC", "400000", 1);
	svc_start();
	/* Restoring the state may take long: it asks for more time. */
	m = svc_recv(3000);
	ck_assert_msg(m != NULL && strncmp(m, "EXTEND_TIMEOUT_USEC=", 20) == 0,
	    "the first message: %s", m != NULL ? m : "none");
	m = svc_wait("READY=1", 3000);
	ck_assert_msg(m != NULL, "no READY=1");
	ck_assert_msg(strstr(m, "\nSTATUS=0 live calls") != NULL,
	    "READY without a STATUS: %s", m);
	/* The loop pings every 200 ms (what is queued already aside). */
	while (svc_recv(20) != NULL)
		;
	t0 = bb_now();
	while (bb_now() < t0 + 1.0)
		if ((m = svc_recv(300)) != NULL && strcmp(m, "WATCHDOG=1") == 0)
			pings++;
	ck_assert_msg(pings >= 3 && pings <= 7, "%d watchdog pings in 1 s",
	    pings);
	/* A reload says so, and is ready again. */
	ck_assert_int_eq(kill(b.pid, SIGHUP), 0);
	m = svc_wait("RELOADING=1", 3000);
	ck_assert_msg(m != NULL, "no RELOADING=1");
	ck_assert_msg(strstr(m, "\nMONOTONIC_USEC=") != NULL, "%s", m);
	ck_assert_ptr_nonnull(svc_wait("READY=1", 3000));
	/* A broken config: the same, and the daemon stays on the old one. */
	bb_write_conf(&b, "daemon: {clock: sometimes}\n");
	ck_assert_int_eq(kill(b.pid, SIGHUP), 0);
	ck_assert_ptr_nonnull(svc_wait("RELOADING=1", 3000));
	ck_assert_ptr_nonnull(svc_wait("READY=1", 3000));
	ck_assert(bb_wait_log(&b, "reload failed", 3000));
	svc_alive();
	/* Stopping says so before the exit. */
	ck_assert_int_eq(bb_stop(&b, SIGTERM), 0);
	ck_assert_ptr_nonnull(svc_wait("STOPPING=1", 1000));
}

START_TEST(notify_protocol_on_a_path_socket)
{
	svc_bind(false);
	svc_life();
}
END_TEST

START_TEST(notify_protocol_on_an_abstract_socket)
{
	svc_bind(true);
	svc_life();
}
END_TEST

/* Without NOTIFY_SOCKET the daemon runs as before, quietly. */
START_TEST(no_notify_socket_no_notify)
{
	svc_start();
	svc_alive();
	ck_assert_int_eq(bb_stop(&b, SIGTERM), 0);
	ck_assert(!bb_log_has(&b, "notify"));
}
END_TEST

/* A daemon that cannot start says why in STATUS= and sends no READY. */
START_TEST(a_failed_start_says_why)
{
	char	*m;
	void	*busy = zmq_socket(b.zctx, ZMQ_PUB);

	/* Someone else holds the publish port. */
	ck_assert_int_eq(zmq_bind(busy, b.pub), 0);
	svc_bind(false);
	bb_write_conf(&b, SVC_CONF, b.feed, b.pub, b.ctl);
	ck_assert_int_eq(bb_start(&b), -1);
	zmq_close(busy);
	m = svc_wait("STATUS=failed to start: ", 3000);
	ck_assert_msg(m != NULL, "no STATUS=failed on the notify socket");
}
END_TEST

/* Under the journal each line carries its syslog priority. */
START_TEST(journal_lines_carry_their_priority)
{
	struct stat	 sb;
	char		 js[64];
	FILE		*f = fopen(b.log, "w");

	ck_assert_ptr_nonnull(f);
	fclose(f);
	ck_assert_int_eq(stat(b.log, &sb), 0);
	snprintf(js, sizeof js, "%llu:%llu", (unsigned long long)sb.st_dev,
	    (unsigned long long)sb.st_ino);
	setenv("JOURNAL_STREAM", js, 1);
	svc_start();
	ck_assert(bb_wait_log(&b, "<6>callwatchd: info: callwatchd started",
	    3000));
	bb_push(&b, "not json");
	ck_assert(bb_wait_log(&b, "<4>callwatchd: warn: event rejected "
	    "reason=bad_json", 3000));
	ck_assert_int_eq(bb_stop(&b, SIGTERM), 0);
	unsetenv("JOURNAL_STREAM");
}
END_TEST

/* Elsewhere, plain lines. */
START_TEST(plain_lines_without_the_journal)
{
	setenv("JOURNAL_STREAM", "1:1", 1);	/* not our stderr */
	svc_start();
	ck_assert(bb_wait_log(&b, "\ncallwatchd: info: callwatchd started",
	    3000) || bb_wait_log(&b, "callwatchd: info: callwatchd started",
	    3000));
	ck_assert_int_eq(bb_stop(&b, SIGTERM), 0);
	ck_assert(!bb_log_has(&b, "<6>"));
	unsetenv("JOURNAL_STREAM");
}
END_TEST

/* GET path from the HTTP listener on port; the status, body in out. */
static int
svc_get(int port, const char *path, char *out, size_t len)
{
	return bb_http(port, "GET", path, NULL, NULL, out, len);
}

/* Whether s is a metric or label name of the text format. */
static bool
svc_name(const char *s, size_t len, bool label)
{
	size_t	 i;

	if (len == 0)
		return false;
	for (i = 0; i < len; i++)
		if (!(isalpha((unsigned char)s[i]) || s[i] == '_' ||
		    (!label && s[i] == ':') || (i > 0 &&
		    isdigit((unsigned char)s[i]))))
			return false;
	return true;
}

/*
 * Check text against the Prometheus text format 0.0.4: HELP and TYPE
 * before a metric's samples, once each; samples "name{l="v",...} value"
 * with escaped label values and a float value.  The number of samples.
 */
static size_t
svc_prometheus(char *text)
{
	char	*line, *save = NULL, typed[256][96];
	size_t	 ntyped = 0, samples = 0, i;

	for (line = strtok_r(text, "\n", &save); line != NULL;
	    line = strtok_r(NULL, "\n", &save)) {
		char	*p = line, *end;
		size_t	 nl;

		if (strncmp(line, "# HELP ", 7) == 0)
			continue;
		if (strncmp(line, "# TYPE ", 7) == 0) {
			p = line + 7;
			nl = strcspn(p, " ");
			ck_assert_msg(svc_name(p, nl, false), "%s", line);
			ck_assert_msg(strcmp(p + nl, " counter") == 0 ||
			    strcmp(p + nl, " gauge") == 0, "%s", line);
			for (i = 0; i < ntyped; i++)
				ck_assert_msg(strncmp(typed[i], p, nl) != 0 ||
				    typed[i][nl] != '\0', "TYPE twice: %s",
				    line);
			ck_assert_uint_lt(ntyped, 256);
			snprintf(typed[ntyped++], sizeof typed[0], "%.*s",
			    (int)nl, p);
			continue;
		}
		ck_assert_msg(line[0] != '#', "a stray comment: %s", line);
		nl = strcspn(p, "{ ");
		ck_assert_msg(svc_name(p, nl, false), "bad name: %s", line);
		for (i = 0; i < ntyped; i++)
			if (strncmp(typed[i], p, nl) == 0 &&
			    typed[i][nl] == '\0')
				break;
		ck_assert_msg(i < ntyped, "a sample before its TYPE: %s", line);
		p += nl;
		if (*p == '{') {
			for (p++; *p != '}'; ) {
				nl = strcspn(p, "=");
				ck_assert_msg(svc_name(p, nl, true), "bad label: "
				    "%s", line);
				p += nl;
				ck_assert_msg(p[0] == '=' && p[1] == '"', "%s",
				    line);
				for (p += 2; *p != '"'; p++) {
					ck_assert_msg(*p != '\0', "%s", line);
					if (*p == '\\')
						p++;
				}
				p++;
				if (*p == ',')
					p++;
				else
					ck_assert_msg(*p == '}', "%s", line);
			}
			p++;
		}
		ck_assert_msg(*p == ' ', "no value: %s", line);
		(void)strtod(p + 1, &end);
		ck_assert_msg(end != p + 1 && *end == '\0', "bad value: %s",
		    line);
		samples++;
	}
	return samples;
}

/* The standard config with a second's feed_timeout and HTTP on. */
#define SVC_HTTP_CONF							\
	"daemon: {clock: wall, state_file: \"\", feed_timeout: 1s}\n"	\
	"feeds: [{name: main, endpoint: \"%s\"}]\n"			\
	"publish: {endpoint: \"%s\"}\n"					\
	"control: {endpoint: \"%s\"}\n"					\
	"http: {listen: \"127.0.0.1:%d\"}\n"

/* /metrics parses as the text format and counts what happened. */
START_TEST(metrics_parse_and_count)
{
	static char	 out[262144];
	int		 port = bb_free_port();

	bb_write_conf(&b, "daemon: {clock: wall, state_file: \"\", "
	    "feed_timeout: 0}\nfeeds: [{name: main, endpoint: \"%s\"}]\n"
	    "publish: {endpoint: \"%s\"}\ncontrol: {endpoint: \"%s\"}\n"
	    "http: {listen: \"127.0.0.1:%d\"}\n", b.feed, b.pub, b.ctl, port);
	ck_assert_msg(bb_start(&b) == 0, "no start (see %s)", b.log);
	bb_push(&b, "{\"type\":\"answered\",\"call_id\":\"c1\",\"ts\":%.6f,"
	    "\"queue\":\"sal\\\"es\"}", bb_now());
	bb_push(&b, "not json");
	ck_assert(bb_wait_stat(&b, "received", 2, 3000));
	ck_assert_int_eq(svc_get(port, "/metrics", out, sizeof out), 200);
	ck_assert_ptr_nonnull(strstr(out,
	    "callwatch_events_total{result=\"applied\"} 1\n"));
	ck_assert_ptr_nonnull(strstr(out,
	    "callwatch_rejected_total{reason=\"bad_json\"} 1\n"));
	ck_assert_ptr_nonnull(strstr(out, "callwatch_live_calls{queue="
	    "\"sal\\\"es\",state=\"talking\"} 1\n"));
	ck_assert_ptr_nonnull(strstr(out, "callwatch_calls 1\n"));
	ck_assert_ptr_nonnull(strstr(out, "callwatch_loop_lag_seconds{probe="
	    "\"max\"} "));
	ck_assert_ptr_nonnull(strstr(out,
	    "\ncallwatch_checkpoint_pause_seconds 0.000000\n"));
	ck_assert_uint_gt(svc_prometheus(out), 50);
	ck_assert_int_eq(svc_get(port, "/healthz", out, sizeof out), 200);
	ck_assert_str_eq(out, "{\"ok\":true}\n");
	ck_assert_int_eq(svc_get(port, "/nothing", out, sizeof out), 404);
	ck_assert_int_eq(bb_stop(&b, SIGTERM), 0);
}
END_TEST

/* A silent feed raises feed_silent and /healthz says so; it clears. */
START_TEST(a_silent_feed_raises_feed_silent)
{
	static char	 out[65536];
	char		 topic[256];
	int		 port = bb_free_port();
	cJSON		*o;

	bb_write_conf(&b, SVC_HTTP_CONF, b.feed, b.pub, b.ctl, port);
	ck_assert_msg(bb_start(&b) == 0, "no start (see %s)", b.log);
	o = bb_recv(&b, 4000, topic, sizeof topic);
	ck_assert_msg(o != NULL, "no feed_silent within 4 s");
	ck_assert_str_eq(topic, "alert/*/warning");
	ck_assert_str_eq(bb_str(o, "id"), "feed:main/feed_silent");
	ck_assert_str_eq(bb_str(o, "state"), "firing");
	ck_assert_str_eq(bb_str(o, "feed"), "main");
	/* SPEC 5's shape: id is <call_id>/<rule>, the value the line
	 * crossed, stamped with its time. */
	ck_assert_str_eq(bb_str(o, "call_id"), "feed:main");
	ck_assert_double_eq(bb_num(o, "value"), 1);
	ck_assert_double_eq(bb_num(o, "threshold"), 1);
	cJSON_Delete(o);
	ck_assert(bb_log_has(&b, "feed silent feed=main"));
	/* Upstream trouble: a warning, not a 503 that gets it restarted. */
	ck_assert_int_eq(svc_get(port, "/healthz", out, sizeof out), 200);
	ck_assert_str_eq(out,
	    "{\"ok\":true,\"warnings\":[\"a feed is silent\"]}\n");
	o = bb_request(&b, "{\"cmd\":\"snapshot\"}", 3000);
	ck_assert_str_eq(bb_str(cJSON_GetArrayItem(cJSON_GetObjectItem(o,
	    "alerts"), 0), "id"), "feed:main/feed_silent");
	cJSON_Delete(o);
	bb_push(&b, "{\"type\":\"heartbeat\",\"ts\":%.6f}", bb_now());
	o = bb_recv(&b, 3000, topic, sizeof topic);
	ck_assert_ptr_nonnull(o);
	ck_assert_str_eq(bb_str(o, "state"), "resolved");
	cJSON_Delete(o);
	ck_assert_int_eq(svc_get(port, "/healthz", out, sizeof out), 200);
	ck_assert_int_eq(bb_stop(&b, SIGTERM), 0);
}
END_TEST

/* The shipped unit's path, into buf. */
static void
svc_unit(char *buf, size_t len)
{
	snprintf(buf, len, "%s/systemd/callwatchd.service", bb_src());
}

/* Whether systemd-analyze is missing; if so, say what goes untested. */
static bool
svc_no_analyze(const char *untested)
{
	if (access("/usr/bin/systemd-analyze", X_OK) == 0)
		return false;
	fprintf(stderr, "systemd-analyze is not installed; %s\n", untested);
	return true;
}

/* systemd-analyze scores the unit's exposure at 2.0 or less. */
START_TEST(unit_exposure_is_two_or_less)
{
	char	 unit[512], out[65536], *p;
	const char *argv[] = { "/usr/bin/systemd-analyze", "security",
	    "--offline=true", unit, NULL };
	double	 score;
	int	 rc;

	svc_unit(unit, sizeof unit);
	if (svc_no_analyze("unit not scored"))
		return;
	rc = bb_run(argv, out, sizeof out);
	p = strstr(out, "Overall exposure level for callwatchd.service: ");
	ck_assert_msg(p != NULL, "systemd-analyze exited %d:\n%s", rc, out);
	score = strtod(p + strlen("Overall exposure level for "
	    "callwatchd.service: "), NULL);
	fprintf(stderr, "unit exposure %.1f\n", score);
	ck_assert_msg(score <= 2.0, "exposure %.1f:\n%s", score, out);
}
END_TEST

/*
 * Under the unit's sandbox: every endpoint on tcp:// (libzmq looks each
 * bind's host up among the interfaces, over netlink), HTTP on, queue
 * "fast" alerting at 2 s, and a checkpoint every 200 ms, which a forked
 * child writes (debug lines say so).
 */
#define SVC_JAIL_CONF							\
	"daemon: {clock: wall, state_file: \"%s/state\", "		\
	"checkpoint_interval: 200ms, log_level: debug}\n"		\
	"feeds: [{name: main, endpoint: \"%s\"}]\n"			\
	"publish: {endpoint: \"%s\", stats_interval: 0}\n"		\
	"control: {endpoint: \"%s\"}\n"					\
	"http: {listen: \"127.0.0.1:%d\"}\n"				\
	"queues: {fast: {normal: [1s, 2s]}}\n"

/*
 * Start the daemon through unitjail under the unit file at unit, its
 * stderr to the log, HTTP on port, and connect the client sockets.
 * Whether it gets ready is for the caller to see.
 */
static void
svc_jail_start(const char *unit, int port)
{
	char	 jail[256], bin[256], asan[512];
	const char *opts = getenv("ASAN_OPTIONS");
	int	 fd;

	snprintf(jail, sizeof jail, "%s/tests/unitjail", bb_build());
	snprintf(bin, sizeof bin, "%s/callwatchd", bb_build());
	ck_assert_msg(access(jail, X_OK) == 0, "%s: %s (make %s)", jail,
	    strerror(errno), jail);
	snprintf(b.ctl, sizeof b.ctl, "tcp://127.0.0.1:%d", bb_free_port());
	bb_write_conf(&b, SVC_JAIL_CONF, b.dir, b.feed, b.pub, b.ctl, port);
	/* A second start: fresh client sockets (zmq_ctx_term waits for
	 * every socket to be closed). */
	if (b.push != NULL)
		zmq_close(b.push);
	if (b.sub != NULL)
		zmq_close(b.sub);
	if (b.dealer != NULL)
		zmq_close(b.dealer);
	b.pid = fork();
	ck_assert_int_ge(b.pid, 0);
	if (b.pid == 0) {
		if ((fd = open(b.log, O_WRONLY | O_CREAT | O_APPEND,
		    0644)) != -1)
			dup2(fd, 2);
		/* In a SAN=1 build LeakSanitizer stops the world with
		 * ptrace(2), which @debug refuses; the other suites look
		 * for leaks. */
		snprintf(asan, sizeof asan, "%s%sdetect_leaks=0",
		    opts != NULL ? opts : "", opts != NULL ? ":" : "");
		setenv("ASAN_OPTIONS", asan, 1);
		execl(jail, jail, unit, "--", bin, "-c", b.conf, (char *)NULL);
		_exit(127);
	}
	b.push = bb_socket_as(&b, ZMQ_PUSH, b.feed, NULL, NULL);
	b.sub = bb_socket_as(&b, ZMQ_SUB, b.pub, NULL, NULL);
	b.dealer = bb_socket_as(&b, ZMQ_DEALER, b.ctl, NULL, NULL);
}

/* How the daemon ended (status, or 128+signal); -1 if not within ms. */
static int
svc_exit(int ms)
{
	double	 end = bb_now() + ms / 1000.0;
	int	 st;

	for (;;) {
		if (waitpid(b.pid, &st, WNOHANG) == b.pid) {
			b.pid = -1;
			return WIFEXITED(st) ? WEXITSTATUS(st) :
			    128 + WTERMSIG(st);
		}
		if (bb_now() >= end)
			return -1;
		usleep(10 * 1000);
	}
}

/*
 * Wait up to ms for READY=1: true.  False if the daemon ends first, how
 * into *st (as svc_exit), or if it is still not ready (*st is -1).
 */
static bool
svc_ready(int ms, int *st)
{
	double	 end = bb_now() + ms / 1000.0;

	*st = -1;
	while (bb_now() < end && *st == -1) {
		*st = svc_exit(0);
		/* What it said before it ended counts too. */
		if (svc_wait("READY=1", *st == -1 ? 200 : 100) != NULL)
			return true;
	}
	return false;
}

/* The next alert on the PUB socket within ms, topic into buf, or NULL. */
static cJSON *
svc_alert(int ms, char *topic, size_t len)
{
	double	 end = bb_now() + ms / 1000.0;
	cJSON	*o;

	while (bb_now() < end) {
		o = bb_recv(&b, (int)((end - bb_now()) * 1000) + 1, topic, len);
		if (o == NULL)
			return NULL;
		if (strcmp(bb_str(o, "kind"), "alert") == 0)
			return o;
		cJSON_Delete(o);
	}
	return NULL;
}

/*
 * The daemon's whole life under the shipped unit's system call filter
 * and address families: ready, an alert, a snapshot, /healthz, a
 * checkpoint by its forked child, a reload, a clean stop.  The unit as
 * it was refused libzmq a netlink socket and sched_setscheduler(2), and
 * the daemon died at every start (the next test).
 */
START_TEST(daemon_runs_under_the_units_sandbox)
{
	static char	 out[65536];
	char		 unit[512], topic[256], state[160];
	int		 port = bb_free_port(), st;
	cJSON		*o, *a;

	if (svc_no_analyze("the daemon was not run under the unit's "
	    "sandbox"))
		return;
	svc_unit(unit, sizeof unit);
	svc_bind(false);
	svc_jail_start(unit, port);
	ck_assert_msg(svc_ready(10000, &st), "no READY=1 under the unit's "
	    "sandbox; %s %d (see %s)", st == -1 ? "still starting" :
	    "exit status", st, b.log);
	bb_push(&b, "{\"type\":\"answered\",\"call_id\":\"c-1\",\"ts\":%.6f,"
	    "\"queue\":\"fast\",\"agent\":\"a-1042\"}", bb_now());
	o = svc_alert(5000, topic, sizeof topic);
	ck_assert_msg(o != NULL, "no alert within 5 s (see %s)", b.log);
	ck_assert_str_eq(topic, "alert/fast/info");
	ck_assert_str_eq(bb_str(o, "id"), "c-1/long_call");
	cJSON_Delete(o);
	o = bb_request(&b, "{\"cmd\":\"snapshot\"}", 3000);
	ck_assert_ptr_nonnull(o);
	a = cJSON_GetArrayItem(cJSON_GetObjectItem(o, "calls"), 0);
	ck_assert_str_eq(bb_str(a, "call_id"), "c-1");
	a = cJSON_GetArrayItem(cJSON_GetObjectItem(o, "alerts"), 0);
	ck_assert_str_eq(bb_str(a, "id"), "c-1/long_call");
	cJSON_Delete(o);
	ck_assert_int_eq(svc_get(port, "/healthz", out, sizeof out), 200);
	ck_assert_str_eq(out, "{\"ok\":true}\n");
	/* The call reaches the state file, written by a forked child. */
	snprintf(state, sizeof state, "%s/state", b.dir);
	ck_assert_msg(bb_wait_file(state, "\"c-1\"", 5000), "c-1 is not in "
	    "%s", state);
	ck_assert(bb_wait_log(&b, "checkpoint written in the background",
	    3000));
	ck_assert(!bb_log_has(&b, "checkpoint not forked"));
	ck_assert_int_eq(kill(b.pid, SIGHUP), 0);
	ck_assert_ptr_nonnull(svc_wait("RELOADING=1", 3000));
	ck_assert_ptr_nonnull(svc_wait("READY=1", 3000));
	svc_alive();
	ck_assert_int_eq(bb_stop(&b, SIGTERM), 0);
	ck_assert_ptr_nonnull(svc_wait("STOPPING=1", 1000));
	/* Nothing the sandbox refused was worth a warning either. */
	ck_assert_msg(!bb_log_has(&b, ": warn: ") &&
	    !bb_log_has(&b, ": error: "), "warnings in %s", b.log);
}
END_TEST

/*
 * Copy the shipped unit to path without word in its key= lines (a line
 * left with no value goes: "key=" alone would reset the setting).  The
 * word must be there, or the copy would prove nothing.
 */
static void
svc_unit_without(const char *path, const char *key, const char *word)
{
	char	 src[512], line[1024], kept[1024], *w, *save;
	size_t	 klen = strlen(key), n;
	int	 cut = 0;
	FILE	*in, *out;

	svc_unit(src, sizeof src);
	ck_assert_ptr_nonnull(in = fopen(src, "r"));
	ck_assert_ptr_nonnull(out = fopen(path, "w"));
	while (fgets(line, sizeof line, in) != NULL) {
		if (strncmp(line, key, klen) != 0 || line[klen] != '=') {
			fputs(line, out);
			continue;
		}
		n = 0;
		kept[0] = '\0';
		save = NULL;
		for (w = strtok_r(line + klen + 1, " \t\n", &save); w != NULL;
		    w = strtok_r(NULL, " \t\n", &save)) {
			if (strcmp(w, word) == 0)
				cut++;
			else
				n += (size_t)snprintf(kept + n, sizeof kept - n,
				    "%s%s", n > 0 ? " " : "", w);
		}
		if (n > 0)
			fprintf(out, "%s=%s\n", key, kept);
	}
	fclose(in);
	ck_assert_int_eq(fclose(out), 0);
	ck_assert_msg(cut > 0, "%s has no %s=...%s", src, key, word);
}

/*
 * Under path, the daemon never gets ready: libzmq aborts (the message
 * why is in its log).
 */
static void
svc_jail_refused(const char *path, const char *why)
{
	int	 st;

	svc_jail_start(path, bb_free_port());
	ck_assert_msg(!svc_ready(10000, &st), "READY=1 under %s", path);
	ck_assert_msg(st != -1, "still running under %s (see %s)", path,
	    b.log);
	ck_assert_msg(st == 128 + SIGABRT, "exit status %d under %s (see %s)",
	    st, path, b.log);
	ck_assert_msg(bb_log_has(&b, why), "no \"%s\" in %s", why, b.log);
	/* The next start appends; its failure must be its own. */
	ck_assert_int_eq(truncate(b.log, 0), 0);
}

/*
 * The sandbox test can fail: under the unit as it was, without
 * AF_NETLINK or without the sched_setscheduler line, the daemon dies
 * at start.  (Both are libzmq 4.3's needs; should a libzmq need neither,
 * this fails, and the unit can let them go.)
 */
START_TEST(the_jail_refuses_what_the_unit_refuses)
{
	char	 unit[160];

	if (svc_no_analyze("the unit's sandbox was not tried"))
		return;
	svc_bind(false);
	snprintf(unit, sizeof unit, "%s/no-netlink.service", b.dir);
	svc_unit_without(unit, "RestrictAddressFamilies", "AF_NETLINK");
	svc_jail_refused(unit, "Address family not supported by protocol "
	    "(src/ip_resolver.cpp");
	snprintf(unit, sizeof unit, "%s/no-sched.service", b.dir);
	svc_unit_without(unit, "SystemCallFilter", "sched_setscheduler");
	svc_jail_refused(unit, "Operation not permitted (src/thread.cpp");
}
END_TEST

/* The suite. */
static Suite *
service_suite(void)
{
	Suite	*s = suite_create("service");
	TCase	*tc = tcase_create("notify");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, notify_protocol_on_a_path_socket);
	tcase_add_test(tc, notify_protocol_on_an_abstract_socket);
	tcase_add_test(tc, no_notify_socket_no_notify);
	tcase_add_test(tc, a_failed_start_says_why);
	tcase_add_test(tc, journal_lines_carry_their_priority);
	tcase_add_test(tc, plain_lines_without_the_journal);
	tcase_add_test(tc, unit_exposure_is_two_or_less);
	tcase_add_test(tc, metrics_parse_and_count);
	tcase_add_test(tc, a_silent_feed_raises_feed_silent);
	suite_add_tcase(s, tc);
	tc = tcase_create("sandbox");
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, daemon_runs_under_the_units_sandbox);
	tcase_add_test(tc, the_jail_refuses_what_the_unit_refuses);
	suite_add_tcase(s, tc);
	return s;
}

int
main(void)
{
	return bb_run_suite(service_suite());
}
