/*
 * callwatch-sim: a floor like the real month (handle times at the median
 * and 90th percentile within a few percent of the bank's), repeatable by
 * seed, busy by day and quiet by night, valid events the daemon takes
 * without a reject, every escalation signal the rules know, and a warm
 * start whose alerts come at once.
 */
#include <check.h>
#include <math.h>
#include <stdarg.h>
#include <sys/wait.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "bb.h"

/* Tuesday 14 November 2023, 22:13:20 UTC. */
#define SIM_START	"1700000000"
#define SIM_MAX_CALLS	200000

static char	 out[1 << 16];
static char	 dir[64];

static void
setup(void)
{
	bb_tmpdir(dir, sizeof dir, "cwsim");
	/* The day's shape is the floor's local time: make it UTC. */
	setenv("TZ", "UTC", 1);
	tzset();
}

static void
teardown(void)
{
	bb_rmdir(dir);
}

/* Run callwatch-sim --jsonl with args into the file path; its status. */
static int
sim_jsonl(const char *path, const char *first, ...)
{
	char		 bin[256], err[128];
	const char	*argv[32];
	va_list		 ap;
	int		 n = 0, st;
	pid_t		 pid;

	snprintf(bin, sizeof bin, "%s/callwatch-sim", bb_build());
	snprintf(err, sizeof err, "%s/sim.err", dir);
	argv[n++] = bin;
	argv[n++] = "--jsonl";
	argv[n++] = first;
	va_start(ap, first);
	while (first != NULL && n < 31 &&
	    (argv[n] = va_arg(ap, const char *)) != NULL)
		n++;
	va_end(ap);
	argv[n] = NULL;
	pid = bb_spawn(argv, path, err);
	ck_assert_int_eq(waitpid(pid, &st, 0), pid);
	return WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
}

static int
sim_cmp(const void *a, const void *b)
{
	double	 x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

/* The q-quantile of n sorted values. */
static double
sim_quantile(const double *v, size_t n, double q)
{
	size_t	 i = (size_t)(q * (double)n);

	return v[i < n ? i : n - 1];
}

/* One event of a JSON Lines file, by line; NULL at the end. */
static cJSON *
sim_next(FILE *f)
{
	static char	 line[4096];

	if (fgets(line, sizeof line, f) == NULL)
		return NULL;
	return cJSON_Parse(line);
}

/* Talk time (answered to hangup) of each call in the file, sorted. */
static size_t
sim_talk_times(const char *path, double *v, size_t max)
{
	FILE		*f = fopen(path, "r");
	cJSON		*o;
	size_t		 n = 0;
	char		 id[64];
	/* Call ids are PREFIX-SERIAL: the serial indexes the answer time. */
	static double	 answered[SIM_MAX_CALLS];
	unsigned	 serial;

	ck_assert_ptr_nonnull(f);
	memset(answered, 0, sizeof answered);
	while ((o = sim_next(f)) != NULL) {
		const char	*type = bb_str(o, "type");

		snprintf(id, sizeof id, "%s", bb_str(o, "call_id"));
		if (sscanf(id, "%*x-%u", &serial) == 1 &&
		    serial < SIM_MAX_CALLS) {
			if (strcmp(type, "answered") == 0)
				answered[serial] = bb_num(o, "answered_at");
			else if (strcmp(type, "hangup") == 0 &&
			    answered[serial] > 0 && n < max)
				v[n++] = bb_num(o, "ts") - answered[serial];
		}
		cJSON_Delete(o);
	}
	fclose(f);
	qsort(v, n, sizeof *v, sim_cmp);
	return n;
}

/* The bank's service times of calls an agent served, sorted. */
static size_t
sim_bank_times(double *v, size_t max)
{
	char	*path = bb_data("anonymous-bank-1999-02.tsv");
	FILE	*f = fopen(path, "r");
	char	 line[1024], outcome[32];
	int	 ser;
	size_t	 n = 0;

	ck_assert_ptr_nonnull(f);
	ck_assert_ptr_nonnull(fgets(line, sizeof line, f));	/* header */
	while (fgets(line, sizeof line, f) != NULL && n < max) {
		/* vru+line call_id customer_id priority type date vru_entry
		 * vru_exit vru_time q_start q_exit q_time outcome ser_start
		 * ser_exit ser_time server */
		if (sscanf(line, "%*s %*s %*s %*s %*s %*s %*s %*s %*s %*s "
		    "%*s %*s %31s %*s %*s %d", outcome, &ser) == 2 &&
		    strcmp(outcome, "AGENT") == 0 && ser > 0)
			v[n++] = ser;
	}
	fclose(f);
	free(path);
	qsort(v, n, sizeof *v, sim_cmp);
	return n;
}

/* Within tol (relative) of want. */
static void
sim_near(const char *what, double got, double want, double tol)
{
	ck_assert_msg(fabs(got / want - 1) <= tol, "%s: %.1f s, the month "
	    "%.1f s (%.1f%% off, %.0f%% allowed)", what, got, want,
	    100 * (got / want - 1), 100 * tol);
}

/*
 * Three weekdays of the floor against the real month: median and 90th
 * percentile of talk time within 5 %, a heavy tail like the month's.
 */
START_TEST(handle_times_match_the_real_month)
{
	static double	 sim[SIM_MAX_CALLS], bank[40000];
	char		 path[128];
	size_t		 ns, nb;

	snprintf(path, sizeof path, "%s/floor.jsonl", dir);
	ck_assert_int_eq(sim_jsonl(path, "--seed", "7", "--start", SIM_START,
	    "--duration", "3d", "--warmup", "0", NULL), 0);
	ns = sim_talk_times(path, sim, SIM_MAX_CALLS);
	nb = sim_bank_times(bank, 40000);
	ck_assert_msg(ns > 10000, "only %zu calls handled", ns);
	ck_assert_msg(nb > 25000, "only %zu calls in the month", nb);
	sim_near("median", sim_quantile(sim, ns, 0.5),
	    sim_quantile(bank, nb, 0.5), 0.05);
	sim_near("90th percentile", sim_quantile(sim, ns, 0.9),
	    sim_quantile(bank, nb, 0.9), 0.05);
	/* Heavy tail: the 99th percentile is many times the median. */
	sim_near("99th percentile", sim_quantile(sim, ns, 0.99),
	    sim_quantile(bank, nb, 0.99), 0.20);
}
END_TEST

/* The same seed gives the same floor; another seed another. */
START_TEST(a_seed_repeats_the_floor)
{
	char	 a[128], b[128], c[128], cmd[512];

	snprintf(a, sizeof a, "%s/a.jsonl", dir);
	snprintf(b, sizeof b, "%s/b.jsonl", dir);
	snprintf(c, sizeof c, "%s/c.jsonl", dir);
	ck_assert_int_eq(sim_jsonl(a, "--seed", "42", "--start", SIM_START,
	    "--duration", "2h", NULL), 0);
	ck_assert_int_eq(sim_jsonl(b, "--seed", "42", "--start", SIM_START,
	    "--duration", "2h", NULL), 0);
	ck_assert_int_eq(sim_jsonl(c, "--seed", "43", "--start", SIM_START,
	    "--duration", "2h", NULL), 0);
	snprintf(cmd, sizeof cmd, "cmp -s '%s' '%s'", a, b);
	ck_assert_msg(system(cmd) == 0, "seed 42 twice: the floors differ");
	snprintf(cmd, sizeof cmd, "cmp -s '%s' '%s'", a, c);
	ck_assert_msg(system(cmd) != 0, "seeds 42 and 43: the same floor");
}
END_TEST

/*
 * Live, with nobody reading the feed: the floor goes on at its pace and
 * drops events (said once), rather than stalling a second per event.
 */
START_TEST(a_feed_nobody_reads_drops_events_not_time)
{
	char		 bin[256], feed[160], sout[128], err[128];
	const char	*argv[] = { bin, "--feed", feed, "--seed", "1",
	    "--hour", "10", "--speed", "1000", "--duration", "1h", NULL };
	double		 t0 = bb_now();
	int		 st = 0, waited;
	pid_t		 pid;

	snprintf(bin, sizeof bin, "%s/callwatch-sim", bb_build());
	snprintf(feed, sizeof feed, "ipc://%s/nobody", dir);
	snprintf(sout, sizeof sout, "%s/live.out", dir);
	snprintf(err, sizeof err, "%s/live.err", dir);
	pid = bb_spawn(argv, sout, err);
	for (waited = 0; waited < 30000; waited += 50) {
		if (waitpid(pid, &st, WNOHANG) == pid)
			break;
		usleep(50 * 1000);
	}
	if (waited >= 30000)
		(void)bb_reap(pid, SIGKILL);
	ck_assert_msg(waited < 30000, "an hour at --speed 1000 took over "
	    "30 s");
	ck_assert(WIFEXITED(st) && WEXITSTATUS(st) == 0);
	ck_assert_msg(bb_now() - t0 < 15, "took %.1f s", bb_now() - t0);
	ck_assert(bb_file_has(err, "is not reading; dropping events"));
	ck_assert(bb_file_has(err, "(some dropped)"));
}
END_TEST

/* Without --seed the seed is printed, and given back it repeats the floor. */
START_TEST(the_printed_seed_repeats_the_floor)
{
	char	 a[128], b[128], err[128], cmd[512], line[256], seed[32];
	FILE	*f;

	snprintf(a, sizeof a, "%s/a.jsonl", dir);
	snprintf(b, sizeof b, "%s/b.jsonl", dir);
	snprintf(err, sizeof err, "%s/sim.err", dir);
	ck_assert_int_eq(sim_jsonl(a, "--start", SIM_START, "--duration",
	    "1h", NULL), 0);
	ck_assert_ptr_nonnull(f = fopen(err, "r"));
	ck_assert_ptr_nonnull(fgets(line, sizeof line, f));
	fclose(f);
	ck_assert_msg(sscanf(line, "callwatch-sim: seed %31[0-9],", seed) == 1,
	    "%s", line);
	ck_assert_int_eq(sim_jsonl(b, "--seed", seed, "--start", SIM_START,
	    "--duration", "1h", NULL), 0);
	snprintf(cmd, sizeof cmd, "cmp -s '%s' '%s'", a, b);
	ck_assert_msg(system(cmd) == 0, "seed %s given back: another floor",
	    seed);
}
END_TEST

/*
 * Arrivals follow the day: the busiest morning hours bring far more
 * callers than the small hours, and a Sunday fewer than a weekday.
 */
START_TEST(arrivals_follow_the_day_and_the_week)
{
	char	 path[128];
	FILE	*f;
	cJSON	*o;
	int	 hours[24] = { 0 }, sunday = 0, tuesday = 0;

	snprintf(path, sizeof path, "%s/week.jsonl", dir);
	/* From Sunday 12 November 2023 00:00 UTC, three days. */
	ck_assert_int_eq(sim_jsonl(path, "--seed", "1", "--start",
	    "1699747200", "--duration", "3d", "--warmup", "0", NULL), 0);
	ck_assert_ptr_nonnull(f = fopen(path, "r"));
	while ((o = sim_next(f)) != NULL) {
		if (strcmp(bb_str(o, "type"), "queued") == 0) {
			time_t	 t = (time_t)bb_num(o, "ts");
			struct tm tm;

			gmtime_r(&t, &tm);
			hours[tm.tm_hour]++;
			if (tm.tm_wday == 0)
				sunday++;
			else if (tm.tm_wday == 2)
				tuesday++;
		}
		cJSON_Delete(o);
	}
	fclose(f);
	ck_assert_msg(hours[10] > 10 * (hours[3] + 1), "10:00 %d calls, "
	    "03:00 %d", hours[10], hours[3]);
	ck_assert_msg(hours[14] > hours[22], "14:00 %d, 22:00 %d", hours[14],
	    hours[22]);
	ck_assert_msg(tuesday > 3 * sunday, "Tuesday %d, Sunday %d", tuesday,
	    sunday);
}
END_TEST

/*
 * A day of the floor through the daemon (--replay): no event rejected,
 * and every escalation signal shows up as its rule.
 */
START_TEST(the_daemon_takes_every_event_and_every_rule_fires)
{
	static const char *const rules[] = { "long_call", "long_wait",
	    "transfers", "long_hold", "escalation", "repeat_caller",
	    "sentiment", "short_calls" };
	char		 events[128], rep[128], errf[128], conf[256], d[256];
	char		 want[64];
	const char	*argv[] = { d, "-c", conf, "--replay", events, NULL };
	size_t		 i;
	pid_t		 pid;
	int		 st;

	snprintf(events, sizeof events, "%s/day.jsonl", dir);
	snprintf(rep, sizeof rep, "%s/replay.jsonl", dir);
	snprintf(errf, sizeof errf, "%s/replay.err", dir);
	snprintf(conf, sizeof conf, "%s/tests/conf/replay-rules.yaml",
	    bb_src());
	snprintf(d, sizeof d, "%s/callwatchd", bb_build());
	ck_assert_int_eq(sim_jsonl(events, "--seed", "5", "--start",
	    SIM_START, "--hour", "8", "--duration", "1d", NULL), 0);
	pid = bb_spawn(argv, rep, errf);
	ck_assert_int_eq(waitpid(pid, &st, 0), pid);
	ck_assert_msg(WIFEXITED(st) && WEXITSTATUS(st) == 0, "replay failed");
	ck_assert_msg(bb_file_has(errf, " rejected=0 "), "events rejected "
	    "(see %s)", errf);
	for (i = 0; i < sizeof rules / sizeof rules[0]; i++) {
		snprintf(want, sizeof want, "\"rule\":\"%s\"", rules[i]);
		ck_assert_msg(bb_file_has(rep, want), "no %s alert", rules[i]);
	}
}
END_TEST

/* A daemon on clock with the paths of the simulator and its output. */
static void
sim_daemon(struct bb *b, const char *clock, char *bin, char *o, char *e)
{
	bb_init(b);
	bb_write_conf(b, "daemon: {clock: %s, state_file: \"\"}\n"
	    "feeds: [{name: main, endpoint: \"%s\"}]\n"
	    "publish: {endpoint: \"%s\", stats_interval: 0}\n"
	    "control: {endpoint: \"%s\"}\n", clock, b->feed, b->pub, b->ctl);
	ck_assert_int_eq(bb_start(b), 0);
	snprintf(bin, 256, "%s/callwatch-sim", bb_build());
	snprintf(o, 128, "%s/sim.out", b->dir);
	snprintf(e, 128, "%s/sim.err", b->dir);
}

/*
 * Live, warm: the floor pushes its calls in progress at once (some long
 * already), so a daemon on the default lines alerts within seconds.
 */
START_TEST(a_warm_floor_alerts_at_once)
{
	struct bb	 b;
	char		 bin[256], o[128], e[128];
	const char	*argv[] = { bin, "--feed", b.feed, "--seed", "3",
	    "--hour", "10", "--agents", "40", NULL };
	char		 topic[256];
	cJSON		*m, *r;
	pid_t		 pid;
	double		 t0;
	int		 alerts = 0;

	sim_daemon(&b, "wall", bin, o, e);
	t0 = bb_now();
	pid = bb_spawn(argv, o, e);
	while (alerts == 0 && bb_now() < t0 + 5) {
		if ((m = bb_recv(&b, 500, topic, sizeof topic)) == NULL)
			continue;
		alerts += strncmp(topic, "alert/", 6) == 0;
		cJSON_Delete(m);
	}
	ck_assert_msg(alerts > 0, "no alert within 5 s");
	ck_assert(bb_wait_stat(&b, "calls", 20, 3000));
	ck_assert_int_eq(bb_reap(pid, SIGTERM), 0);
	ck_assert(bb_wait_file(e, " calls offered, ", 1000));
	r = bb_request(&b, "{\"cmd\":\"stats\"}", 3000);
	ck_assert_ptr_nonnull(r);
	ck_assert_double_gt(bb_num(r, "heartbeats"), 0);
	ck_assert_double_eq(bb_num(cJSON_GetObjectItem(r, "rejected"),
	    "bad_json") + bb_num(cJSON_GetObjectItem(r, "rejected"),
	    "missing_field") + bb_num(cJSON_GetObjectItem(r, "rejected"),
	    "bad_value") + bb_num(cJSON_GetObjectItem(r, "rejected"),
	    "bad_ts"), 0);
	cJSON_Delete(r);
	bb_cleanup(&b);
}
END_TEST

/*
 * --speed 20 with --duration 1m: a minute of the floor in about three
 * seconds, its events stamped with the floor's clock, which a daemon on
 * the event clock follows (the heartbeats move it on).
 */
START_TEST(speed_runs_the_floor_faster)
{
	struct bb	 b;
	char		 bin[256], o[128], e[128];
	const char	*argv[] = { bin, "--feed", b.feed, "--seed", "9",
	    "--hour", "10", "--speed", "20", "--duration", "1m", NULL };
	cJSON		*r, *snap;
	pid_t		 pid;
	double		 t0, took;
	int		 st;

	sim_daemon(&b, "event", bin, o, e);
	t0 = bb_now();
	pid = bb_spawn(argv, o, e);
	ck_assert_int_eq(waitpid(pid, &st, 0), pid);
	took = bb_now() - t0;
	ck_assert_msg(WIFEXITED(st) && WEXITSTATUS(st) == 0, "sim failed");
	ck_assert_msg(took > 2 && took < 6, "a minute at speed 20 took %.1f s",
	    took);
	r = bb_request(&b, "{\"cmd\":\"stats\"}", 3000);
	ck_assert_double_ge(bb_num(r, "heartbeats"), 55);
	cJSON_Delete(r);
	/* The daemon's clock is the floor's: a minute past the start. */
	snap = bb_request(&b, "{\"cmd\":\"snapshot\"}", 3000);
	r = cJSON_GetArrayItem(cJSON_GetObjectItem(snap, "queues"), 0);
	ck_assert_msg(bb_num(r, "ts") > t0 + 55, "daemon at %.0f, start %.0f",
	    bb_num(r, "ts"), t0);
	cJSON_Delete(snap);
	bb_cleanup(&b);
}
END_TEST

/* Ctrl-C stops a long --jsonl run at once, with its summary. */
START_TEST(jsonl_stops_on_sigint)
{
	char		 bin[256], o[128], e[128];
	const char	*argv[] = { bin, "--jsonl", "--agents", "5000",
	    "--duration", "30d", NULL };
	pid_t		 pid;
	double		 t0;
	int		 st;

	snprintf(bin, sizeof bin, "%s/callwatch-sim", bb_build());
	snprintf(o, sizeof o, "%s/long.jsonl", dir);
	snprintf(e, sizeof e, "%s/long.err", dir);
	pid = bb_spawn(argv, o, e);
	usleep(500 * 1000);
	t0 = bb_now();
	kill(pid, SIGINT);
	ck_assert_int_eq(waitpid(pid, &st, 0), pid);
	ck_assert_msg(bb_now() - t0 < 1, "took %.1f s to stop", bb_now() - t0);
	ck_assert(WIFEXITED(st) && WEXITSTATUS(st) == 0);
	ck_assert(bb_file_has(e, " calls offered, "));
}
END_TEST

/* Bad arguments: one line, exit 2. */
START_TEST(bad_arguments_are_refused)
{
	char		 bin[256];
	const char	*a1[] = { bin, "--agents", "0", NULL };
	const char	*a2[] = { bin, "--jsonl", "--feed", "tcp://x:1", NULL };
	const char	*a3[] = { bin, "--warmup", "soon", NULL };
	const char	*a4[] = { bin, "--help", NULL };

	snprintf(bin, sizeof bin, "%s/callwatch-sim", bb_build());
	ck_assert_int_eq(bb_run(a1, out, sizeof out), 2);
	ck_assert_str_eq(out, "callwatch-sim: --agents: 0 is not a number "
	    "from 1 to 100000\n");
	ck_assert_int_eq(bb_run(a2, out, sizeof out), 2);
	ck_assert_str_eq(out, "callwatch-sim: --jsonl or --feed, not both\n");
	ck_assert_int_eq(bb_run(a3, out, sizeof out), 2);
	ck_assert_ptr_nonnull(strstr(out, "--warmup: soon is not a duration"));
	ck_assert_int_eq(bb_run(a4, out, sizeof out), 0);
	ck_assert_ptr_nonnull(strstr(out, "usage: callwatch-sim"));
}
END_TEST

static Suite *
sim_suite(void)
{
	Suite	*s = suite_create("sim");
	TCase	*tc = tcase_create("floor");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_set_timeout(tc, 120);
	tcase_add_test(tc, handle_times_match_the_real_month);
	tcase_add_test(tc, a_seed_repeats_the_floor);
	tcase_add_test(tc, the_printed_seed_repeats_the_floor);
	tcase_add_test(tc, a_feed_nobody_reads_drops_events_not_time);
	tcase_add_test(tc, arrivals_follow_the_day_and_the_week);
	tcase_add_test(tc, the_daemon_takes_every_event_and_every_rule_fires);
	tcase_add_test(tc, a_warm_floor_alerts_at_once);
	tcase_add_test(tc, bad_arguments_are_refused);
	tcase_add_test(tc, speed_runs_the_floor_faster);
	tcase_add_test(tc, jsonl_stops_on_sigint);
	suite_add_tcase(s, tc);
	return s;
}

int
main(void)
{
	return bb_run_suite(sim_suite());
}
