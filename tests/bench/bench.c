/*
 * bench: the daemon measured from outside, the six figures of issue #7,
 * each against its target; a table on stdout and JSON to --json FILE.
 *
 *	bench [--json FILE] [--quick] [--only NAME] BUILD_DIR BANK_TSV
 *
 * 1. ingest ratio: events/s callwatchd fully processes over events/s a
 *    bare PULL socket receives, same sender, same messages, tcp loopback.
 * 2. scaling: µs per event (holds and resumes on random live calls) with
 *    1k, 100k and 1M live calls.
 * 3. memory: resident bytes per live call at 1M calls.
 * 4. alert timeliness: 100k live calls whose first line falls inside a
 *    window while 20k events/s flow; delay from the line's time to the
 *    subscriber's receipt, p50/p99/max.
 * 5. replay speed: the real month through --replay, events/s.
 * 6. fan-out: 200 subscribers, one of them never reading: the daemon's
 *    rate against none, and what the slow one lost (seq gaps).
 * --quick scales the counts down tenfold (a smoke run, not the figures);
 * --only runs one of ingest, scaling, timeliness, replay, fanout (fanout
 * measures ingest alone first, for its ratio).
 */
#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <pthread.h>
#include <signal.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <cJSON.h>
#include <zmq.h>

#define BENCH_FEED	"tcp://127.0.0.1:7190"
#define BENCH_PUB	"tcp://127.0.0.1:7191"
#define BENCH_CTL	"tcp://127.0.0.1:7192"
#define BENCH_SUBS	200

static const char *build;
static char	 dir[64];
static double	 scale = 1;
static void	*zctx;
static const char *state_keys = "state_file: \"\"";	/* daemon: keys */
static cJSON	*results;

/* Monotonic seconds. */
static double
now_mono(void)
{
	struct timespec	 ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* Wall-clock seconds. */
static double
now_wall(void)
{
	struct timespec	 ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void
die(const char *what)
{
	fprintf(stderr, "bench: %s: %s\n", what, strerror(errno));
	exit(1);
}

/* A daemon on the bench endpoints with extra config lines; its pid. */
static pid_t
daemon_start(const char *extra)
{
	char	 conf[128], log[128], bin[256];
	FILE	*f;
	pid_t	 pid;

	snprintf(conf, sizeof conf, "%s/bench.yaml", dir);
	snprintf(log, sizeof log, "%s/daemon.log", dir);
	snprintf(bin, sizeof bin, "%s/callwatchd", build);
	if ((f = fopen(conf, "w")) == NULL)
		die(conf);
	fprintf(f, "daemon: {clock: wall, %s, max_calls: "
	    "3000000, log_level: warning}\n"
	    "feeds: [{name: main, endpoint: \"%s\"}]\n"
	    "publish: {endpoint: \"%s\", stats_interval: 0}\n"
	    "control: {endpoint: \"%s\"}\n%s", state_keys, BENCH_FEED,
	    BENCH_PUB, BENCH_CTL, extra);
	fclose(f);
	if ((pid = fork()) == 0) {
		int	 fd = open(log, O_WRONLY | O_CREAT | O_APPEND, 0644);

		dup2(fd, 2);
		execl(bin, bin, "-c", conf, (char *)NULL);
		_exit(127);
	}
	return pid;
}

static void
daemon_stop(pid_t pid)
{
	int	 st;

	kill(pid, SIGTERM);
	waitpid(pid, &st, 0);
}

/* A stats request: the reply, or NULL. */
static cJSON *
stats_get(void)
{
	void		*d = zmq_socket(zctx, ZMQ_DEALER);
	zmq_pollitem_t	 it = { d, 0, ZMQ_POLLIN, 0 };
	char		 buf[65536];
	int		 n, zero = 0;
	cJSON		*o = NULL;

	zmq_setsockopt(d, ZMQ_LINGER, &zero, sizeof zero);
	zmq_connect(d, BENCH_CTL);
	zmq_send(d, "", 0, ZMQ_SNDMORE);
	zmq_send(d, "{\"cmd\":\"stats\"}", 15, 0);
	if (zmq_poll(&it, 1, 30000) == 1) {
		zmq_recv(d, buf, sizeof buf, 0);	/* delimiter */
		n = zmq_recv(d, buf, sizeof buf - 1, 0);
		if (n > 0)
			o = cJSON_ParseWithLength(buf, (size_t)n);
	}
	zmq_close(d);
	return o;
}

/* Number field name of object sub (or the top) of stats, or -1. */
static double
stat_sub(const char *sub, const char *name)
{
	cJSON	*o = stats_get(), *j;
	double	 v;

	j = sub != NULL ? cJSON_GetObjectItem(o, sub) : o;
	j = cJSON_GetObjectItem(j, name);
	v = cJSON_IsNumber(j) ? j->valuedouble : -1;
	cJSON_Delete(o);
	return v;
}

/* A stats request; the number field name, or -1. */
static double
stat_num(const char *name)
{
	return stat_sub(NULL, name);
}

/* Wait until the daemon answers. */
static void
daemon_ready(void)
{
	int	 i;

	for (i = 0; i < 200 && stat_num("received") < 0; i++)
		usleep(50 * 1000);
}

/* Wait until the daemon has received want messages; seconds waited. */
static void
wait_received(double want)
{
	while (stat_num("received") < want)
		usleep(5 * 1000);
}

/* Resident bytes of pid. */
static double
rss_of(pid_t pid)
{
	char	 path[64], line[256];
	FILE	*f;
	double	 kb = 0;

	snprintf(path, sizeof path, "/proc/%d/status", (int)pid);
	if ((f = fopen(path, "r")) == NULL)
		return 0;
	while (fgets(line, sizeof line, f) != NULL)
		if (sscanf(line, "VmRSS: %lf", &kb) == 1)
			break;
	fclose(f);
	return kb * 1024;
}

/* Messages, prepared before any clock starts. */
struct msgs {
	char	**v;
	size_t	*len;
	size_t	 n;
};

static void
msgs_add(struct msgs *m, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

static void
msgs_add(struct msgs *m, const char *fmt, ...)
{
	va_list	 ap;
	int	 n;

	if ((m->n & (m->n - 1)) == 0) {
		size_t	 cap = m->n == 0 ? 1024 : m->n * 2;

		m->v = realloc(m->v, cap * sizeof *m->v);
		m->len = realloc(m->len, cap * sizeof *m->len);
		if (m->v == NULL || m->len == NULL)
			die("realloc");
	}
	va_start(ap, fmt);
	n = vasprintf(&m->v[m->n], fmt, ap);
	va_end(ap);
	if (n < 0)
		die("vasprintf");
	m->len[m->n++] = (size_t)n;
}

static void
msgs_free(struct msgs *m)
{
	size_t	 i;

	for (i = 0; i < m->n; i++)
		free(m->v[i]);
	free(m->v);
	free(m->len);
	memset(m, 0, sizeof *m);
}

/* Push every message to ep; blocking sends (PUSH pushes back). */
static void
push_all(const char *ep, const struct msgs *m)
{
	void	*p = zmq_socket(zctx, ZMQ_PUSH);
	int	 linger = -1;
	size_t	 i;

	zmq_setsockopt(p, ZMQ_LINGER, &linger, sizeof linger);
	if (zmq_connect(p, ep) == -1)
		die("connect");
	for (i = 0; i < m->n; i++)
		if (zmq_send(p, m->v[i], m->len[i], 0) == -1)
			die("zmq_send");
	zmq_close(p);
}

/*
 * Whole calls, sent now: answered (having queued 200 s ago and been
 * answered 180 s ago, as a feed that joins mid-call says), a hold and a
 * resume, hangup, wrap-up done: the calls of a floor (3 min of handle
 * time, inside the normal range, so no alert) rather than zero-second
 * ones.
 */
static void
msgs_calls(struct msgs *m, size_t calls, const char *prefix)
{
	double	 t = now_wall();
	size_t	 i;

	for (i = 0; i < calls; i++) {
		msgs_add(m, "{\"type\":\"answered\",\"call_id\":\"%s%zu\","
		    "\"ts\":%.3f,\"queued_at\":%.3f,\"answered_at\":%.3f,"
		    "\"queue\":\"q%zu\",\"agent\":\"a-%zu\",\"caller\":"
		    "\"+1555%07zu\"}", prefix, i, t, t - 200, t - 180, i % 8,
		    i % 500, i % 5000000);
		msgs_add(m, "{\"type\":\"hold\",\"call_id\":\"%s%zu\","
		    "\"ts\":%.3f}", prefix, i, t);
		msgs_add(m, "{\"type\":\"resume\",\"call_id\":\"%s%zu\","
		    "\"ts\":%.3f}", prefix, i, t);
		msgs_add(m, "{\"type\":\"hangup\",\"call_id\":\"%s%zu\","
		    "\"ts\":%.3f}", prefix, i, t);
		msgs_add(m, "{\"type\":\"wrapup_end\",\"call_id\":\"%s%zu\","
		    "\"ts\":%.3f}", prefix, i, t);
	}
}

/* The bare receiver: counts n messages, notes when the last came. */
struct bare {
	void	*pull;
	size_t	 n;
	double	 t0, t1;
};

static void *
bare_recv(void *arg)
{
	struct bare	*b = arg;
	char		 buf[4096];
	size_t		 i;

	for (i = 0; i < b->n; i++) {
		if (zmq_recv(b->pull, buf, sizeof buf, 0) == -1)
			die("zmq_recv");
		if (i == 0)
			b->t0 = now_mono();
	}
	b->t1 = now_mono();
	return NULL;
}

static void
result(const char *name, double value, const char *unit, const char *target,
    bool met)
{
	cJSON	*o = cJSON_AddObjectToObject(results, name);

	cJSON_AddNumberToObject(o, "value", value);
	cJSON_AddStringToObject(o, "unit", unit);
	cJSON_AddStringToObject(o, "target", target);
	cJSON_AddBoolToObject(o, "met", met);
	printf("%-28s %14.3f %-10s %-16s %s\n", name, value, unit, target,
	    met ? "met" : "NOT MET");
	fflush(stdout);
}

/* 1. ingest ratio. */
static double
bench_ingest(void)
{
	struct msgs	 m = { 0 };
	struct bare	 b = { 0 };
	pthread_t	 th;
	size_t		 n = (size_t)(200000 * scale);
	double		 t0, bare, dmn;
	pid_t		 pid;

	msgs_calls(&m, n, "i-");
	b.pull = zmq_socket(zctx, ZMQ_PULL);
	if (zmq_bind(b.pull, BENCH_FEED) == -1)
		die("bind");
	b.n = m.n;
	pthread_create(&th, NULL, bare_recv, &b);
	push_all(BENCH_FEED, &m);
	pthread_join(th, NULL);
	zmq_close(b.pull);
	bare = (double)m.n / (b.t1 - b.t0);
	pid = daemon_start("");
	daemon_ready();
	t0 = now_mono();
	push_all(BENCH_FEED, &m);
	wait_received((double)m.n);
	dmn = (double)m.n / (now_mono() - t0);
	daemon_stop(pid);
	printf("  (%zu events: bare PULL %.0f/s, callwatchd %.0f/s)\n", m.n,
	    bare, dmn);
	result("ingest_ratio", dmn / bare, "ratio", ">= 0.7",
	    dmn / bare >= 0.7);
	msgs_free(&m);
	return dmn;
}

/* Preload live calls answered a little while ago. */
static void
preload(size_t calls, double answered_ago)
{
	struct msgs	 m = { 0 };
	double		 t = now_wall(), before = stat_num("received");
	size_t		 i;

	for (i = 0; i < calls; i++)
		msgs_add(&m, "{\"type\":\"answered\",\"call_id\":\"L%zu\","
		    "\"ts\":%.3f,\"answered_at\":%.3f,\"queue\":\"q%zu\","
		    "\"agent\":\"a-%zu\"}", i, t, t - answered_ago, i % 8,
		    i % 5000);
	push_all(BENCH_FEED, &m);
	wait_received(before + (double)m.n);
	msgs_free(&m);
}

/* µs per event on random live calls among calls; RSS per call out. */
static double
bench_scale_one(size_t calls, double *per_call)
{
	struct msgs	 m = { 0 };
	size_t		 n = (size_t)(200000 * scale), i;
	double		 t, t0, rss0, us;
	uint64_t	 r = 88172645463325252ULL;
	pid_t		 pid = daemon_start("");

	daemon_ready();
	rss0 = rss_of(pid);
	preload(calls, 10);
	if (per_call != NULL)
		*per_call = (rss_of(pid) - rss0) / (double)calls;
	t = now_wall();
	for (i = 0; i < n; i += 2) {
		r ^= r << 13;
		r ^= r >> 7;
		r ^= r << 17;
		msgs_add(&m, "{\"type\":\"hold\",\"call_id\":\"L%zu\","
		    "\"ts\":%.3f}", (size_t)(r % calls), t);
		msgs_add(&m, "{\"type\":\"resume\",\"call_id\":\"L%zu\","
		    "\"ts\":%.3f}", (size_t)(r % calls), t);
	}
	t0 = now_mono();
	push_all(BENCH_FEED, &m);
	wait_received((double)(calls + m.n));
	us = (now_mono() - t0) * 1e6 / (double)m.n;
	daemon_stop(pid);
	msgs_free(&m);
	return us;
}

/* 2 and 3. scaling and memory. */
static void
bench_scaling(void)
{
	double	 us1k, us100k, us1m, per_call = 0;

	us1k = bench_scale_one((size_t)(1000 * scale), NULL);
	us100k = bench_scale_one((size_t)(100000 * scale), NULL);
	us1m = bench_scale_one((size_t)(1000000 * scale), &per_call);
	printf("  (µs per event: %.2f at 1k, %.2f at 100k, %.2f at 1M live "
	    "calls)\n", us1k, us100k, us1m);
	result("scaling_1m_over_1k", us1m / us1k, "ratio", "<= 1.3",
	    us1m / us1k <= 1.3);
	result("memory_per_call", per_call, "bytes", "<= 300",
	    per_call <= 300);
}

/*
 * 7. checkpoint pause: with a million live calls, how long writing the
 * state file stops the loop (the fork of its writer), and how long the
 * writer takes (what the loop would stop for if it wrote it itself).
 */
static void
bench_checkpoint(void)
{
	char	 keys[256];
	size_t	 calls = (size_t)(1000000 * scale);
	double	 written, pause, took, end;
	pid_t	 pid;

	snprintf(keys, sizeof keys, "state_file: \"%s/state\", "
	    "checkpoint_interval: 2s", dir);
	state_keys = keys;
	pid = daemon_start("");
	daemon_ready();
	preload(calls, 10);
	/* The second checkpoint after the load holds every call. */
	written = stat_sub("checkpoints", "written");
	end = now_mono() + 60;
	while (stat_sub("checkpoints", "written") < written + 2 &&
	    now_mono() < end)
		usleep(50 * 1000);
	pause = stat_sub("checkpoints", "pause");
	took = stat_sub("checkpoints", "duration");
	daemon_stop(pid);
	state_keys = "state_file: \"\"";
	printf("  (%zu live calls: the writer took %.0f ms; the loop stopped "
	    "%.2f ms)\n", calls, took * 1e3, pause * 1e3);
	result("checkpoint_pause", pause * 1e3, "ms", "<= 50",
	    pause >= 0 && pause <= 0.05);
}

static int
dbl_cmp(const void *a, const void *b)
{
	double	 x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

/* 4. alert timeliness. */
static void
bench_timeliness(void)
{
	size_t		 calls = (size_t)(100000 * scale), i, nd = 0, sent = 0;
	double		*delay = calloc(calls + 1, sizeof(double));
	double		 t, start, window = 10, end, p50, p99, max;
	void		*sub, *push;
	struct msgs	 m = { 0 };
	char		 topic[256], buf[4096];
	int		 n, linger = -1;
	pid_t		 pid = daemon_start("");
	cJSON		*o;

	daemon_ready();
	sub = zmq_socket(zctx, ZMQ_SUB);
	zmq_setsockopt(sub, ZMQ_SUBSCRIBE, "alert/", 6);
	zmq_connect(sub, BENCH_PUB);
	/* Lines at 4 min of handle time (normal 3-4 min, 1x): each call
	 * crosses it somewhere in the window, 5 s from now. */
	t = now_wall();
	start = t + 5;
	for (i = 0; i < calls; i++)
		msgs_add(&m, "{\"type\":\"answered\",\"call_id\":\"T%zu\","
		    "\"ts\":%.3f,\"answered_at\":%.6f,\"queue\":\"q%zu\"}", i,
		    t, start + window * (double)i / (double)calls - 240,
		    i % 8);
	push_all(BENCH_FEED, &m);
	msgs_free(&m);
	/* 20k events/s of other traffic meanwhile: holds and resumes. */
	push = zmq_socket(zctx, ZMQ_PUSH);
	zmq_setsockopt(push, ZMQ_LINGER, &linger, sizeof linger);
	zmq_connect(push, BENCH_FEED);
	end = start + window + 2;
	while (now_wall() < end) {
		zmq_pollitem_t	 it = { sub, 0, ZMQ_POLLIN, 0 };
		double		 due = (now_wall() - t) * 20000;

		while ((double)sent < due) {
			n = snprintf(buf, sizeof buf, "{\"type\":\"%s\","
			    "\"call_id\":\"T%zu\",\"ts\":%.3f}", sent % 2 ?
			    "resume" : "hold", (sent / 2) % calls, now_wall());
			zmq_send(push, buf, (size_t)n, 0);
			sent++;
		}
		if (zmq_poll(&it, 1, 1) <= 0)
			continue;
		while (zmq_recv(sub, topic, sizeof topic, ZMQ_DONTWAIT) >= 0) {
			n = zmq_recv(sub, buf, sizeof buf - 1, 0);
			if (n <= 0)
				continue;
			if ((o = cJSON_ParseWithLength(buf, (size_t)n)) &&
			    strcmp(cJSON_GetStringValue(cJSON_GetObjectItem(o,
			    "state")), "firing") == 0 && nd <= calls)
				delay[nd++] = (now_wall() - cJSON_GetNumberValue(
				    cJSON_GetObjectItem(o, "ts"))) * 1000;
			cJSON_Delete(o);
		}
	}
	zmq_close(push);
	zmq_close(sub);
	daemon_stop(pid);
	qsort(delay, nd, sizeof *delay, dbl_cmp);
	p50 = nd > 0 ? delay[nd / 2] : -1;
	p99 = nd > 0 ? delay[(size_t)((double)nd * 0.99)] : -1;
	max = nd > 0 ? delay[nd - 1] : -1;
	printf("  (%zu alerts of %zu calls while %zu other events flowed)\n",
	    nd, calls, sent);
	result("alert_delay_p50", p50, "ms", "", true);
	result("alert_delay_p99", p99, "ms", "<= 5", p99 >= 0 && p99 <= 5);
	result("alert_delay_max", max, "ms", "<= 50", max >= 0 && max <= 50);
	free(delay);
}

/* 5. replay speed of the real month. */
static void
bench_replay(const char *tsv)
{
	char	 cmd[1024], ev[128], conf[128];
	double	 t0, secs, lines = 0;
	FILE	*f;
	int	 c;

	snprintf(ev, sizeof ev, "%s/month.jsonl", dir);
	snprintf(conf, sizeof conf, "%s/replay.yaml", dir);
	snprintf(cmd, sizeof cmd, "%s/tests/bank2jsonl '%s' > '%s'", build,
	    tsv, ev);
	if (system(cmd) != 0)
		die("bank2jsonl");
	if ((f = fopen(ev, "r")) == NULL)
		die(ev);
	while ((c = getc(f)) != EOF)
		lines += c == '\n';
	fclose(f);
	if ((f = fopen(conf, "w")) == NULL)
		die(conf);
	/* Stats rounds off: one a second of the month's event time would
	 * be 2.4 million rounds, not events. */
	fprintf(f, "daemon: {clock: event, state_file: \"\"}\n"
	    "feeds: [{name: main, endpoint: \"%s\"}]\n"
	    "publish: {stats_interval: 0}\n", BENCH_FEED);
	fclose(f);
	snprintf(cmd, sizeof cmd, "%s/callwatchd -c '%s' --replay '%s' "
	    "> /dev/null 2>&1", build, conf, ev);
	t0 = now_mono();
	if (system(cmd) != 0)
		die("replay");
	secs = now_mono() - t0;
	printf("  (%.0f events of the real month in %.2f s)\n", lines, secs);
	result("replay_events_per_s", lines / secs, "events/s", "", true);
}

/* The fan-out subscribers: all but the last read everything. */
struct fan {
	void		*subs[BENCH_SUBS];
	volatile int	 stop;
	uint64_t	 got;
};

static void *
fan_drain(void *arg)
{
	struct fan	*f = arg;
	zmq_pollitem_t	 it[BENCH_SUBS - 1];
	char		 buf[4096];
	int		 i;

	for (i = 0; i < BENCH_SUBS - 1; i++)
		it[i] = (zmq_pollitem_t){ f->subs[i], 0, ZMQ_POLLIN, 0 };
	while (!f->stop) {
		if (zmq_poll(it, BENCH_SUBS - 1, 10) <= 0)
			continue;
		for (i = 0; i < BENCH_SUBS - 1; i++)
			while (zmq_recv(f->subs[i], buf, sizeof buf,
			    ZMQ_DONTWAIT) >= 0)
				f->got++;
	}
	return NULL;
}

/* 6. fan-out. */
static void
bench_fanout(double alone)
{
	static struct fan f;
	struct msgs	 m = { 0 };
	pthread_t	 th;
	double		 t0, rate, pub0, published, got = 0;
	char		 topic[256], buf[4096];
	int		 i, hwm = 100;
	pid_t		 pid = daemon_start("");

	daemon_ready();
	for (i = 0; i < BENCH_SUBS; i++) {
		f.subs[i] = zmq_socket(zctx, ZMQ_SUB);
		if (i == BENCH_SUBS - 1)
			zmq_setsockopt(f.subs[i], ZMQ_RCVHWM, &hwm,
			    sizeof hwm);
		zmq_setsockopt(f.subs[i], ZMQ_SUBSCRIBE, "", 0);
		zmq_connect(f.subs[i], BENCH_PUB);
	}
	usleep(500 * 1000);
	pthread_create(&th, NULL, fan_drain, &f);
	msgs_calls(&m, (size_t)(100000 * scale), "f-");
	pub0 = stat_num("published");
	t0 = now_mono();
	push_all(BENCH_FEED, &m);
	wait_received((double)m.n);
	rate = (double)m.n / (now_mono() - t0);
	published = stat_num("published") - pub0;
	f.stop = 1;
	pthread_join(th, NULL);
	/* The slow one: what it kept of what went out; the rest was
	 * dropped at its high-water mark (it sees the gaps in seq). */
	while (zmq_recv(f.subs[BENCH_SUBS - 1], topic, sizeof topic,
	    ZMQ_DONTWAIT) >= 0)
		if (zmq_recv(f.subs[BENCH_SUBS - 1], buf, sizeof buf, 0) > 0)
			got++;
	for (i = 0; i < BENCH_SUBS; i++)
		zmq_close(f.subs[i]);
	daemon_stop(pid);
	printf("  (%zu events with %d subscribers: %.0f/s, alone %.0f/s; "
	    "of %.0f messages the slow one kept %.0f, the rest dropped at its "
	    "high-water mark)\n", m.n, BENCH_SUBS, rate, alone, published,
	    got);
	result("fanout_rate_ratio", rate / alone, "ratio", ">= 0.5",
	    rate / alone >= 0.5);
	result("fanout_slow_dropped", published - got, "messages", "> 0",
	    published - got > 0);
	msgs_free(&m);
}

int
main(int argc, char **argv)
{
	const char	*json = NULL, *only = NULL;
	char		*s;
	double		 alone;
	FILE		*f;
	int		 i = 1;

	for (; i < argc && argv[i][0] == '-'; i++) {
		if (strcmp(argv[i], "--json") == 0 && i + 1 < argc)
			json = argv[++i];
		else if (strcmp(argv[i], "--quick") == 0)
			scale = 0.1;
		else if (strcmp(argv[i], "--only") == 0 && i + 1 < argc)
			only = argv[++i];
		else
			break;
	}
	if (argc - i != 2) {
		fprintf(stderr, "usage: bench [--json FILE] [--quick] [--only "
		    "NAME] BUILD_DIR BANK_TSV\n");
		return 2;
	}
	build = argv[i];
	snprintf(dir, sizeof dir, "/tmp/cwbench-XXXXXX");
	if (mkdtemp(dir) == NULL)
		die("mkdtemp");
	zctx = zmq_ctx_new();
	results = cJSON_CreateObject();
	printf("%-28s %14s %-10s %-16s %s\n", "measure", "value", "unit",
	    "target", "");
#define RUN(name)	(only == NULL || strcmp(only, name) == 0)
	alone = RUN("ingest") || RUN("fanout") ? bench_ingest() : 0;
	if (RUN("scaling"))
		bench_scaling();
	if (RUN("timeliness"))
		bench_timeliness();
	if (RUN("replay"))
		bench_replay(argv[i + 1]);
	if (RUN("fanout"))
		bench_fanout(alone);
	if (RUN("checkpoint"))
		bench_checkpoint();
#undef RUN
	if (json != NULL && (f = fopen(json, "w")) != NULL) {
		s = cJSON_Print(results);
		fprintf(f, "%s\n", s);
		cJSON_free(s);
		fclose(f);
	}
	cJSON_Delete(results);
	zmq_ctx_term(zctx);
	return 0;
}
