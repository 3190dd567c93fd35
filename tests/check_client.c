/*
 * The callwatch command against the real daemon: what a supervisor sees
 * (tables, ids, one-line errors) and the exit codes (0 done, 1 the daemon
 * refused or did not answer, 2 bad arguments).
 */
#include <check.h>
#include <math.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bb.h"

#define CL_CONF								\
	"daemon: {clock: wall, state_file: \"\"}\n"			\
	"feeds: [{name: main, endpoint: \"%s\"}]\n"			\
	"publish: {endpoint: \"%s\", stats_interval: 0}\n"		\
	"control: {endpoint: \"%s\"}\n"					\
	"queues: {fast: {normal: [1s, 2s]}}\n"

static struct bb b;
static char	 out[65536];

/* A fresh daemon for each test. */
static void
setup(void)
{
	bb_init(&b);
	bb_write_conf(&b, CL_CONF, b.feed, b.pub, b.ctl);
	ck_assert_msg(bb_start(&b) == 0, "daemon did not start (see %s)",
	    b.log);
}

/* Stop it, clean up. */
static void
teardown(void)
{
	bb_cleanup(&b);
}

/* Run callwatch with the daemon's endpoints and args; its exit status. */
static int
cl_run(const char *first, ...)
{
	char		 bin[256];
	const char	*argv[32];
	va_list		 ap;
	int		 n = 0;

	snprintf(bin, sizeof bin, "%s/callwatch", bb_build());
	argv[n++] = bin;
	argv[n++] = "--control";
	argv[n++] = b.ctl;
	argv[n++] = "--publish";
	argv[n++] = b.pub;
	argv[n++] = first;
	va_start(ap, first);
	while (n < 31 && (argv[n] = va_arg(ap, const char *)) != NULL)
		n++;
	va_end(ap);
	argv[n] = NULL;
	return bb_run(argv, out, sizeof out);
}

START_TEST(calls_lists_the_longest_first)
{
	double	 now = bb_now();

	/* Mid-call starts, as a feed that knows them says (answered_at). */
	bb_push(&b, "{\"type\":\"answered\",\"call_id\":\"short\",\"ts\":%.6f,"
	    "\"answered_at\":%.6f,\"queue\":\"sales\",\"agent\":\"a-1\"}",
	    now, now - 30);
	bb_push(&b, "{\"type\":\"answered\",\"call_id\":\"long\",\"ts\":%.6f,"
	    "\"answered_at\":%.6f,\"queue\":\"sales\",\"agent\":\"a-2\"}",
	    now, now - 300);
	bb_push(&b, "{\"type\":\"queued\",\"call_id\":\"wait\",\"ts\":%.6f,"
	    "\"queue\":\"fast\"}", now);
	ck_assert(bb_wait_stat(&b, "calls", 3, 3000));
	ck_assert_int_eq(cl_run("calls", NULL), 0);
	ck_assert_msg(strncmp(out, "CALL ", 5) == 0, "%s", out);
	ck_assert_ptr_nonnull(strstr(out, "\nlong "));
	ck_assert_msg(strstr(out, "\nlong ") < strstr(out, "\nshort ") &&
	    strstr(out, "\nshort ") < strstr(out, "\nwait "), "%s", out);
	ck_assert_msg(strstr(out, " 5m00s ") != NULL ||
	    strstr(out, " 5m01s ") != NULL, "%s", out);
	ck_assert_ptr_nonnull(strstr(out, "a-2"));
	ck_assert_int_eq(cl_run("calls", "--queue", "fast", NULL), 0);
	ck_assert_ptr_null(strstr(out, "\nlong "));
	ck_assert_ptr_nonnull(strstr(out, "\nwait "));
	ck_assert_int_eq(cl_run("calls", "--json", NULL), 0);
	ck_assert_msg(out[0] == '[' && strstr(out, "\"call_id\":\"long\"") <
	    strstr(out, "\"call_id\":\"short\""), "%s", out);
}
END_TEST

START_TEST(queues_shows_each_queues_figures)
{
	cJSON	*j;

	bb_push(&b, "{\"type\":\"queued\",\"call_id\":\"w1\",\"ts\":%.6f,"
	    "\"queued_at\":%.6f,\"queue\":\"billing\"}", bb_now(),
	    bb_now() - 70);
	ck_assert(bb_wait_stat(&b, "calls", 1, 3000));
	ck_assert_int_eq(cl_run("queues", NULL), 0);
	ck_assert_msg(strstr(out, "\nbilling ") != NULL, "%s", out);
	ck_assert_msg(strstr(out, " 1m10s ") != NULL ||
	    strstr(out, " 1m11s ") != NULL, "%s", out);
	ck_assert_int_eq(cl_run("queues", "--json", NULL), 0);
	j = cJSON_Parse(out);
	ck_assert_msg(cJSON_IsArray(j), "%s", out);
	cJSON_Delete(j);
}
END_TEST

START_TEST(ack_silence_and_unsilence)
{
	char	 topic[256];
	cJSON	*o;

	bb_push(&b, "{\"type\":\"answered\",\"call_id\":\"c1\",\"ts\":%.6f,"
	    "\"answered_at\":%.6f,\"queue\":\"fast\"}", bb_now(),
	    bb_now() - 2.5);
	do {
		o = bb_recv(&b, 3000, topic, sizeof topic);
		ck_assert_ptr_nonnull(o);
		if (strcmp(bb_str(o, "kind"), "alert") == 0)
			break;
		cJSON_Delete(o);
	} while (1);
	cJSON_Delete(o);
	ck_assert_int_eq(cl_run("ack", "c1/long_call", "--note", "on it",
	    "--by", "ann", NULL), 0);
	ck_assert_str_eq(out, "c1/long_call acked by ann (info long_call)\n");
	ck_assert_int_eq(cl_run("silence", "--queue", "fast", "--for", "10m",
	    "--comment", "drill", "--by", "ann", NULL), 0);
	ck_assert_str_eq(out, "s-1\n");
	ck_assert_int_eq(cl_run("silences", NULL), 0);
	ck_assert_ptr_nonnull(strstr(out, "\ns-1      fast "));
	ck_assert_ptr_nonnull(strstr(out, "drill"));
	ck_assert_int_eq(cl_run("unsilence", "s-1", NULL), 0);
	ck_assert_str_eq(out, "s-1 lifted\n");
}
END_TEST

START_TEST(the_daemon_saying_no_is_one_line_and_exit_1)
{
	ck_assert_int_eq(cl_run("ack", "nosuch/long_call", NULL), 1);
	ck_assert_str_eq(out,
	    "callwatch: no open alert \"nosuch/long_call\"\n");
	ck_assert_int_eq(cl_run("unsilence", "s-9", NULL), 1);
	ck_assert_str_eq(out, "callwatch: no silence \"s-9\"\n");
	ck_assert_int_eq(cl_run("silence", "--rule", "nosuch", "--for", "1m",
	    NULL), 1);
	ck_assert_ptr_nonnull(strstr(out, "callwatch: unknown \"rule\""));
}
END_TEST

START_TEST(bad_arguments_are_exit_2_with_the_usage)
{
	ck_assert_int_eq(cl_run("nosuch", NULL), 2);
	ck_assert_ptr_nonnull(strstr(out, "callwatch: unknown command "
	    "\"nosuch\"\nusage: callwatch"));
	ck_assert_int_eq(cl_run("ack", NULL), 2);
	ck_assert_ptr_nonnull(strstr(out, "callwatch: ack: which alert?"));
	ck_assert_int_eq(cl_run("silence", "--queue", "fast", NULL), 2);
	ck_assert_ptr_nonnull(strstr(out, "say for how long"));
	ck_assert_int_eq(cl_run("silence", "--for", "1m", NULL), 2);
	ck_assert_ptr_nonnull(strstr(out, "say what to silence"));
	ck_assert_int_eq(cl_run("silence", "--queue", "fast", "--for", "bogus",
	    NULL), 2);
	ck_assert_ptr_nonnull(strstr(out, "silence: --for takes a duration "
	    "from 1s to 30d, like 30m: bogus"));
	ck_assert_int_eq(cl_run("silence", "--queue", "fast", "--for", "31d",
	    NULL), 2);
	ck_assert_int_eq(cl_run("calls", "--bogus", NULL), 2);
	ck_assert_ptr_nonnull(strstr(out, "unknown argument: --bogus"));
	ck_assert_int_eq(cl_run("ack", "--note", NULL), 2);
	ck_assert_ptr_nonnull(strstr(out, "--note needs a value"));
	ck_assert_int_eq(cl_run("ack", "--help", NULL), 0);
	ck_assert_ptr_nonnull(strstr(out, "usage: callwatch [-c FILE] ack ID"));
}
END_TEST

START_TEST(a_daemon_that_does_not_answer_is_exit_1)
{
	char		 bin[256], dead[128];
	const char	*argv[] = { bin, "--control", dead, "--publish",
	    b.pub, "--timeout", "200", "stats", NULL };

	snprintf(bin, sizeof bin, "%s/callwatch", bb_build());
	snprintf(dead, sizeof dead, "ipc://%s/nobody", b.dir);
	ck_assert_int_eq(bb_run(argv, out, sizeof out), 1);
	ck_assert_msg(strstr(out, "did not answer within 200 ms") != NULL,
	    "%s", out);
}
END_TEST

/* send to a daemon that is not there: an error at once, never "sent". */
START_TEST(send_to_a_daemon_that_does_not_answer_is_exit_1)
{
	char		 bin[256], dead[128], feed[128], file[160];
	const char	*argv[] = { bin, "--control", dead, "--publish", dead,
	    "--feed", feed, "--timeout", "200", "send", file, NULL };
	double		 t0 = bb_now();
	FILE		*f;

	snprintf(bin, sizeof bin, "%s/callwatch", bb_build());
	snprintf(dead, sizeof dead, "ipc://%s/nobody", b.dir);
	snprintf(feed, sizeof feed, "ipc://%s/nofeed", b.dir);
	snprintf(file, sizeof file, "%s/one.jsonl", b.dir);
	ck_assert_ptr_nonnull(f = fopen(file, "w"));
	fprintf(f, "{\"type\":\"heartbeat\",\"ts\":1}\n");
	fclose(f);
	ck_assert_int_eq(bb_run(argv, out, sizeof out), 1);
	ck_assert_msg(strstr(out, "did not answer within 200 ms") != NULL,
	    "%s", out);
	ck_assert_msg(strstr(out, "sent ") == NULL, "%s", out);
	ck_assert_msg(bb_now() - t0 < 5, "took %.1f s", bb_now() - t0);
}
END_TEST

/*
 * --control and --publish are enough without a config; send, given a
 * config, pushes to its first pull feed that reads the callwatch format
 * (events sent to a freeswitch feed would all be skipped).
 */
START_TEST(endpoints_need_no_config_and_send_finds_its_format)
{
	char		 bin[256], conf[160], file[160], fsfeed[160], want[256];
	const char	*a1[] = { bin, "-c", "/nonexistent/callwatch.yaml",
	    "--control", b.ctl, "--publish", b.pub, "stats", NULL };
	const char	*a2[] = { bin, "-c", conf, "send", file, NULL };
	const char	*a3[] = { bin, "-c", conf, "--control", b.ctl,
	    "--publish", b.pub, "send", file, NULL };
	FILE		*f;

	snprintf(bin, sizeof bin, "%s/callwatch", bb_build());
	ck_assert_int_eq(bb_run(a1, out, sizeof out), 0);
	ck_assert_msg(strstr(out, "received") != NULL, "%s", out);
	snprintf(conf, sizeof conf, "%s/two-feeds.yaml", b.dir);
	snprintf(fsfeed, sizeof fsfeed, "ipc://%s/fs", b.dir);
	ck_assert_ptr_nonnull(f = fopen(conf, "w"));
	fprintf(f, "daemon: {clock: wall, state_file: \"\"}\n"
	    "feeds: [{name: pbx, endpoint: \"%s\", format: freeswitch},\n"
	    "        {name: main, endpoint: \"%s\"}]\n"
	    "publish: {endpoint: \"%s\"}\ncontrol: {endpoint: \"%s\"}\n",
	    fsfeed, b.feed, b.pub, b.ctl);
	ck_assert_int_eq(fclose(f), 0);
	snprintf(file, sizeof file, "%s/one.jsonl", b.dir);
	ck_assert_ptr_nonnull(f = fopen(file, "w"));
	fprintf(f, "{\"type\":\"queued\",\"call_id\":\"f1\",\"ts\":%.3f}\n",
	    bb_now());
	ck_assert_int_eq(fclose(f), 0);
	ck_assert_int_eq(bb_run(a2, out, sizeof out), 0);
	snprintf(want, sizeof want, "sent 1 events to %s\n", b.feed);
	ck_assert_str_eq(out, want);
	ck_assert(bb_wait_stat(&b, "calls", 1, 3000));
	/* Endpoints given: the config still names the feed. */
	ck_assert_int_eq(bb_run(a3, out, sizeof out), 0);
	ck_assert_str_eq(out, want);
}
END_TEST

/*
 * A feed nobody reads (a wrong --feed): exit 1 once the timeout is over,
 * not after the socket's ten seconds of linger too.
 */
START_TEST(send_to_a_feed_nobody_reads_ends_at_the_timeout)
{
	char		 bin[256], feed[160], file[160];
	const char	*argv[] = { bin, "--control", b.ctl, "--feed", feed,
	    "--timeout", "500", "send", file, NULL };
	double		 t0;
	FILE		*f;

	snprintf(bin, sizeof bin, "%s/callwatch", bb_build());
	snprintf(feed, sizeof feed, "ipc://%s/nofeed", b.dir);
	snprintf(file, sizeof file, "%s/one.jsonl", b.dir);
	ck_assert_ptr_nonnull(f = fopen(file, "w"));
	fprintf(f, "{\"type\":\"heartbeat\",\"ts\":%.3f}\n", bb_now());
	ck_assert_int_eq(fclose(f), 0);
	t0 = bb_now();
	ck_assert_int_eq(bb_run(argv, out, sizeof out), 1);
	ck_assert_msg(strstr(out, "did not read them all within 500 ms") !=
	    NULL, "%s", out);
	ck_assert_msg(bb_now() - t0 < 4, "took %.1f s", bb_now() - t0);
}
END_TEST

/* send pushes a file of events to the feed and waits for the daemon. */
START_TEST(send_pushes_a_file_to_the_feed)
{
	char		 bin[256], file[160], want[256];
	const char	*argv[] = { bin, "--control", b.ctl, "--feed", b.feed,
	    "send", file, NULL };
	FILE		*f;

	snprintf(bin, sizeof bin, "%s/callwatch", bb_build());
	snprintf(file, sizeof file, "%s/events.jsonl", b.dir);
	ck_assert_ptr_nonnull(f = fopen(file, "w"));
	fprintf(f, "# two calls\n{\"type\":\"queued\",\"call_id\":\"s1\","
	    "\"ts\":%.3f,\"queue\":\"sales\"}\n\n{\"type\":\"queued\","
	    "\"call_id\":\"s2\",\"ts\":%.3f,\"queue\":\"sales\"}\r\n",
	    bb_now(), bb_now());
	ck_assert_int_eq(fclose(f), 0);
	ck_assert_int_eq(bb_run(argv, out, sizeof out), 0);
	snprintf(want, sizeof want, "sent 2 events to %s\n", b.feed);
	ck_assert_str_eq(out, want);
	ck_assert(bb_wait_stat(&b, "calls", 2, 3000));
	snprintf(file, sizeof file, "%s/nosuch.jsonl", b.dir);
	ck_assert_int_eq(bb_run(argv, out, sizeof out), 2);
	ck_assert_ptr_nonnull(strstr(out, "No such file or directory"));
}
END_TEST

START_TEST(endpoints_come_from_the_config)
{
	char		 bin[256];
	const char	*argv[] = { bin, "-c", b.conf, "stats", NULL };

	snprintf(bin, sizeof bin, "%s/callwatch", bb_build());
	ck_assert_int_eq(bb_run(argv, out, sizeof out), 0);
	ck_assert_msg(strncmp(out, "received ", 9) == 0, "%s", out);
}
END_TEST

/* Start `callwatch ... tail args` in the background; its pid. */
static pid_t
cl_tail(const char *outf, const char *errf, const char *first, ...)
{
	static char	 bin[256];
	const char	*argv[32];
	va_list		 ap;
	int		 n = 0;

	snprintf(bin, sizeof bin, "%s/callwatch", bb_build());
	argv[n++] = bin;
	argv[n++] = "--control";
	argv[n++] = b.ctl;
	argv[n++] = "--publish";
	argv[n++] = b.pub;
	argv[n++] = "tail";
	argv[n++] = first;
	va_start(ap, first);
	while (first != NULL && n < 31 &&
	    (argv[n] = va_arg(ap, const char *)) != NULL)
		n++;
	va_end(ap);
	argv[n] = NULL;
	return bb_spawn(argv, outf, errf);
}

/* Wait for the daemon to publish an alert change; its object. */
static cJSON *
cl_next_alert(void)
{
	char	 topic[256];
	cJSON	*o;

	for (;;) {
		o = bb_recv(&b, 5000, topic, sizeof topic);
		ck_assert_msg(o != NULL, "no alert published");
		if (strcmp(bb_str(o, "kind"), "alert") == 0)
			return o;
		cJSON_Delete(o);
	}
}


/* A tmux command on the test's own tmux server; its exit status. */
static int
cl_tmux(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

static int
cl_tmux(const char *fmt, ...)
{
	char	 cmd[2048], args[1536];
	va_list	 ap;

	va_start(ap, fmt);
	vsnprintf(args, sizeof args, fmt, ap);
	va_end(ap);
	snprintf(cmd, sizeof cmd, "tmux -S '%s/tmux' %s", b.dir, args);
	return system(cmd);
}

/* The top screen as text (in out). */
static const char *
cl_screen(void)
{
	char	 path[160], cmd[256];
	FILE	*f;
	size_t	 n;

	snprintf(path, sizeof path, "%s/screen.txt", b.dir);
	snprintf(cmd, sizeof cmd, "capture-pane -p -t top > '%s'", path);
	out[0] = '\0';
	if (cl_tmux("%s", cmd) != 0 || (f = fopen(path, "r")) == NULL)
		return out;
	n = fread(out, 1, sizeof out - 1, f);
	out[n] = '\0';
	fclose(f);
	return out;
}

/* Wait up to ms for the screen to show s. */
static bool
cl_wait_screen(const char *s, int ms)
{
	double	 end = bb_now() + ms / 1000.0;

	do {
		if (strstr(cl_screen(), s) != NULL)
			return true;
		usleep(100 * 1000);
	} while (bb_now() < end);
	return false;
}

/* The screen's line that contains s (in line), or "". */
static const char *
cl_screen_line(const char *s, char *line, size_t len)
{
	const char	*p = strstr(cl_screen(), s), *e;

	line[0] = '\0';
	if (p == NULL)
		return line;
	while (p > out && p[-1] != '\n')
		p--;
	e = strchr(p, '\n');
	snprintf(line, len, "%.*s", e != NULL ? (int)(e - p) : (int)strlen(p),
	    p);
	return line;
}

/* tail: the alerts open now, then each change once, as lines. */
START_TEST(tail_shows_open_alerts_then_each_change)
{
	char	 o[160], e[160];
	pid_t	 pid;

	snprintf(o, sizeof o, "%s/tail.out", b.dir);
	snprintf(e, sizeof e, "%s/tail.err", b.dir);
	/* Open before tail starts: it comes from the snapshot. */
	bb_push(&b, "{\"type\":\"answered\",\"call_id\":\"c0\",\"ts\":%.6f,"
	    "\"answered_at\":%.6f,\"queue\":\"fast\",\"agent\":\"a-7\"}",
	    bb_now(), bb_now() - 2.5);
	cJSON_Delete(cl_next_alert());
	pid = cl_tail(o, e, NULL);
	ck_assert_msg(bb_wait_file(o, " info     firing    fast         c0"
	    "                   a-7        long_call          2s handle time",
	    5000), "no open alert line");
	bb_push(&b, "{\"type\":\"answered\",\"call_id\":\"c1\",\"ts\":%.6f,"
	    "\"answered_at\":%.6f,\"queue\":\"fast\"}", bb_now(),
	    bb_now() - 3.5);
	ck_assert(bb_wait_file(o, " info     firing    fast         c1 ",
	    5000));
	ck_assert(bb_wait_file(o, " warning  escalated fast         c1 ",
	    5000));
	bb_push(&b, "{\"type\":\"hangup\",\"call_id\":\"c1\",\"ts\":%.6f}",
	    bb_now());
	bb_push(&b, "{\"type\":\"wrapup_end\",\"call_id\":\"c1\","
	    "\"ts\":%.6f}", bb_now());
	ck_assert(bb_wait_file(o, " warning  resolved  fast         c1 ",
	    5000));
	ck_assert_int_eq(bb_reap(pid, SIGTERM), 0);
	/* Each change once: c0's firing (snapshot) is not repeated. */
	ck_assert_int_eq(bb_file_count(o, " firing    fast         c0 "), 1);
	ck_assert_int_eq(bb_file_count(o, " escalated fast         c1 "), 1);
	ck_assert_int_eq(bb_file_count(o, " resolved  fast         c1 "), 1);
	ck_assert_int_eq(bb_file_count(e, ""), 0);
}
END_TEST

/* tail --json --queue --min-severity: JSON Lines, filtered, seq rising. */
START_TEST(tail_json_filters_by_queue_and_severity)
{
	char	 o[160], e[160], line[4096];
	double	 last = 0;
	pid_t	 pid;
	FILE	*f;
	int	 n = 0;

	snprintf(o, sizeof o, "%s/tail.out", b.dir);
	snprintf(e, sizeof e, "%s/tail.err", b.dir);
	pid = cl_tail(o, e, "--json", "--queue", "fast", "--min-severity",
	    "warning", NULL);
	ck_assert(bb_wait_stat(&b, "calls", 0, 1000));
	usleep(500 * 1000);	/* it has subscribed and snapshot */
	bb_push(&b, "{\"type\":\"answered\",\"call_id\":\"other\",\"ts\":"
	    "%.6f,\"answered_at\":%.6f,\"queue\":\"slow\"}", bb_now(),
	    bb_now() - 600);
	bb_push(&b, "{\"type\":\"answered\",\"call_id\":\"c2\",\"ts\":%.6f,"
	    "\"answered_at\":%.6f,\"queue\":\"fast\"}", bb_now(),
	    bb_now() - 5);
	ck_assert(bb_wait_file(o, "\"severity\":\"warning\",\"call_id\":"
	    "\"c2\"", 5000));
	ck_assert_int_eq(bb_reap(pid, SIGINT), 0);
	ck_assert_ptr_nonnull(f = fopen(o, "r"));
	while (fgets(line, sizeof line, f) != NULL) {
		cJSON	*j = cJSON_Parse(line);

		ck_assert_msg(j != NULL, "not JSON: %s", line);
		ck_assert_str_eq(bb_str(j, "queue"), "fast");
		ck_assert_str_ne(bb_str(j, "severity"), "info");
		ck_assert_msg(bb_num(j, "seq") > last, "seq not rising");
		last = bb_num(j, "seq");
		cJSON_Delete(j);
		n++;
	}
	fclose(f);
	ck_assert_int_ge(n, 1);
	ck_assert_int_eq(cl_run("tail", "--min-severity", "loud", NULL), 2);
	ck_assert_ptr_nonnull(strstr(out, "--min-severity is info, warning "
	    "or critical, not: loud"));
}
END_TEST

/*
 * An alert whose call moves is published on the old queue's topic and on
 * the new one's (SPEC: a client of the old queue learns it left); tail
 * shows the move once.
 */
START_TEST(tail_shows_a_moved_alert_once)
{
	char	 o[160], e[160];
	pid_t	 pid;

	snprintf(o, sizeof o, "%s/tail.out", b.dir);
	snprintf(e, sizeof e, "%s/tail.err", b.dir);
	pid = cl_tail(o, e, NULL);
	usleep(500 * 1000);
	bb_push(&b, "{\"type\":\"answered\",\"call_id\":\"m1\",\"ts\":%.6f,"
	    "\"queue\":\"billing\"}", bb_now());
	bb_push(&b, "{\"type\":\"escalate\",\"call_id\":\"m1\",\"ts\":%.6f,"
	    "\"level\":1}", bb_now());
	ck_assert(bb_wait_file(o, " firing    billing      m1 ", 5000));
	bb_push(&b, "{\"type\":\"transferred\",\"call_id\":\"m1\",\"ts\":"
	    "%.6f,\"to_queue\":\"sales\"}", bb_now());
	ck_assert(bb_wait_file(o, " firing    sales        m1 ", 5000));
	usleep(300 * 1000);
	ck_assert_int_eq(bb_reap(pid, SIGTERM), 0);
	ck_assert_int_eq(bb_file_count(o, " firing    sales        m1 "), 1);
}
END_TEST

/*
 * tail --queue after a gap: an alert that moved out of the queue, still
 * open, is not reported resolved (the new snapshot must be the whole
 * floor, filtered like the stream).
 */
START_TEST(tail_queue_resync_keeps_moved_alerts)
{
	char	 o[160], e[160];
	pid_t	 pid;
	int	 i;

	bb_stop(&b, SIGTERM);
	bb_write_conf(&b, "daemon: {clock: wall, state_file: \"%s/state\"}\n"
	    "feeds: [{name: main, endpoint: \"%s\"}]\n"
	    "publish: {endpoint: \"%s\", stats_interval: 0}\n"
	    "control: {endpoint: \"%s\"}\n", b.dir, b.feed, b.pub, b.ctl);
	ck_assert_int_eq(bb_start(&b), 0);
	snprintf(o, sizeof o, "%s/tail.out", b.dir);
	snprintf(e, sizeof e, "%s/tail.err", b.dir);
	pid = cl_tail(o, e, "--queue", "billing", NULL);
	usleep(500 * 1000);
	bb_push(&b, "{\"type\":\"answered\",\"call_id\":\"m2\",\"ts\":%.6f,"
	    "\"queue\":\"billing\"}", bb_now());
	bb_push(&b, "{\"type\":\"escalate\",\"call_id\":\"m2\",\"ts\":%.6f,"
	    "\"level\":1}", bb_now());
	bb_push(&b, "{\"type\":\"transferred\",\"call_id\":\"m2\",\"ts\":"
	    "%.6f,\"to_queue\":\"sales\"}", bb_now());
	ck_assert(bb_wait_file(o, " firing    sales        m2 ", 5000));
	ck_assert_int_eq(bb_stop(&b, SIGKILL), 128 + SIGKILL);
	ck_assert_int_eq(bb_start(&b), 0);
	for (i = 0; i < 50 && !bb_wait_file(e, "re-synced", 100); i++)
		bb_push(&b, "{\"type\":\"queued\",\"call_id\":\"q%d\","
		    "\"ts\":%.6f,\"queue\":\"sales\"}", i, bb_now());
	ck_assert_msg(i < 50, "no gap notice");
	usleep(300 * 1000);
	ck_assert_int_eq(bb_reap(pid, SIGTERM), 0);
	ck_assert_msg(!bb_file_has(o, " resolved  sales        m2 "),
	    "a moved alert still open was reported resolved");
}
END_TEST

/*
 * An alert held back by a silence was never published: tail does not
 * show it from the snapshot (its end will never be published either).
 */
START_TEST(tail_leaves_out_alerts_nobody_was_shown)
{
	char	 o[160], e[160];
	pid_t	 pid;
	cJSON	*snap;

	snprintf(o, sizeof o, "%s/tail.out", b.dir);
	snprintf(e, sizeof e, "%s/tail.err", b.dir);
	ck_assert_int_eq(cl_run("silence", "--queue", "fast", "--for", "10m",
	    NULL), 0);
	bb_push(&b, "{\"type\":\"answered\",\"call_id\":\"h1\",\"ts\":%.6f,"
	    "\"answered_at\":%.6f,\"queue\":\"fast\"}", bb_now(),
	    bb_now() - 3);
	bb_push(&b, "{\"type\":\"answered\",\"call_id\":\"v1\",\"ts\":%.6f,"
	    "\"answered_at\":%.6f,\"queue\":\"slow\"}", bb_now(),
	    bb_now() - 300);
	ck_assert(bb_wait_stat(&b, "calls", 2, 3000));
	snap = bb_request(&b, "{\"cmd\":\"snapshot\"}", 3000);
	ck_assert_int_eq(cJSON_GetArraySize(cJSON_GetObjectItem(snap,
	    "alerts")), 1);
	ck_assert_int_eq(cJSON_GetArraySize(cJSON_GetObjectItem(snap,
	    "held")), 1);
	cJSON_Delete(snap);
	pid = cl_tail(o, e, NULL);
	ck_assert(bb_wait_file(o, " slow         v1 ", 5000));
	usleep(300 * 1000);
	ck_assert_int_eq(bb_reap(pid, SIGTERM), 0);
	ck_assert_msg(!bb_file_has(o, " h1 "), "a silenced alert nobody saw "
	    "is shown");
}
END_TEST

/*
 * A request that timed out must not leave its late reply to be taken for
 * the next one's: in top, an ack while the daemon is stopped fails, and
 * the next ack (of another alert) reports that alert.
 */
START_TEST(a_late_reply_is_not_taken_for_the_next)
{
	char	 bin[256], exitf[160];

	snprintf(bin, sizeof bin, "%s/callwatch", bb_build());
	snprintf(exitf, sizeof exitf, "%s/top.exit", b.dir);
	bb_push(&b, "{\"type\":\"answered\",\"call_id\":\"k1\",\"ts\":%.6f,"
	    "\"answered_at\":%.6f,\"queue\":\"fast\"}", bb_now(),
	    bb_now() - 9);
	bb_push(&b, "{\"type\":\"answered\",\"call_id\":\"k2\",\"ts\":%.6f,"
	    "\"answered_at\":%.6f,\"queue\":\"slow\"}", bb_now(),
	    bb_now() - 300);
	ck_assert(bb_wait_stat(&b, "calls", 2, 3000));
	setenv("USER", "ann", 1);
	ck_assert_int_eq(cl_tmux("new-session -d -s top -x 160 -y 40 "
	    "\"timeout --foreground 60 '%s' --timeout 400 --control '%s' "
	    "--publish '%s' top; echo \\$? > '%s'\"", bin, b.ctl, b.pub,
	    exitf), 0);
	ck_assert_msg(cl_wait_screen("OPEN ALERTS (2)", 5000), "%s", out);
	kill(b.pid, SIGSTOP);
	ck_assert_int_eq(cl_tmux("send-keys -t top a"), 0);
	ck_assert_msg(cl_wait_screen("did not answer within 400 ms", 3000),
	    "%s", out);
	kill(b.pid, SIGCONT);
	usleep(300 * 1000);
	ck_assert_int_eq(cl_tmux("send-keys -t top j a"), 0);
	ck_assert_msg(cl_wait_screen("k2/long_call acked by ann", 3000),
	    "%s", out);
	ck_assert_int_eq(cl_tmux("send-keys -t top q"), 0);
	ck_assert(bb_wait_file(exitf, "0", 3000));
	(void)cl_tmux("kill-server 2>/dev/null");
}
END_TEST

/* On a terminal (or with --color) the severity is in colour: red bold
 * for critical. */
START_TEST(tail_colours_the_severity)
{
	char	 o[160], e[160];
	pid_t	 pid;

	snprintf(o, sizeof o, "%s/tail.out", b.dir);
	snprintf(e, sizeof e, "%s/tail.err", b.dir);
	bb_push(&b, "{\"type\":\"answered\",\"call_id\":\"c9\",\"ts\":%.6f,"
	    "\"answered_at\":%.6f,\"queue\":\"fast\"}", bb_now(),
	    bb_now() - 9);
	ck_assert(bb_wait_stat(&b, "calls", 1, 3000));
	pid = cl_tail(o, e, "--color", NULL);
	ck_assert_msg(bb_wait_file(o, " \033[1;31mcritical\033[0m escalated "
	    "fast ", 5000), "no red critical");
	ck_assert_int_eq(bb_reap(pid, SIGTERM), 0);
	/* Not on a terminal, no colour unless asked. */
	pid = cl_tail(o, e, NULL);
	ck_assert(bb_wait_file(o, " critical escalated fast ", 5000));
	ck_assert_int_eq(bb_reap(pid, SIGTERM), 0);
	ck_assert(!bb_file_has(o, "\033["));
}
END_TEST

/*
 * A daemon restarted without its state: tail sees seq jump, says so,
 * takes a new snapshot and reports the alert that is gone as resolved.
 */
START_TEST(tail_resyncs_when_the_daemon_restarts)
{
	char	 o[160], e[160];
	pid_t	 pid;
	int	 i;

	snprintf(o, sizeof o, "%s/tail.out", b.dir);
	snprintf(e, sizeof e, "%s/tail.err", b.dir);
	pid = cl_tail(o, e, NULL);
	bb_push(&b, "{\"type\":\"answered\",\"call_id\":\"c3\",\"ts\":%.6f,"
	    "\"answered_at\":%.6f,\"queue\":\"fast\"}", bb_now(),
	    bb_now() - 2.5);
	ck_assert(bb_wait_file(o, " info     firing    fast         c3 ",
	    5000));
	ck_assert_int_eq(bb_stop(&b, SIGKILL), 128 + SIGKILL);
	ck_assert_int_eq(bb_start(&b), 0);
	/* Traffic, until tail's subscription is back and sees the jump. */
	for (i = 0; i < 50 && !bb_wait_file(e, "messages lost or the daemon "
	    "restarted); re-synced from a new snapshot", 100); i++)
		bb_push(&b, "{\"type\":\"queued\",\"call_id\":\"c4-%d\","
		    "\"ts\":%.6f,\"queue\":\"fast\"}", i, bb_now());
	ck_assert_msg(i < 50, "no gap notice");
	ck_assert(bb_wait_file(o, " info     resolved  fast         c3 ",
	    5000));
	ck_assert_int_eq(bb_reap(pid, SIGTERM), 0);
}
END_TEST

/*
 * A gap whose snapshot fails (the daemon restarted, then stopped before
 * answering): tail says why, drops what comes, and tries again until a
 * snapshot works, then reports what changed.
 */
START_TEST(tail_retries_a_failed_snapshot)
{
	char		 bin[256], o[160], e[160];
	const char	*argv[] = { bin, "--control", b.ctl, "--publish", b.pub,
	    "--timeout", "300", "tail", NULL };
	cJSON		*m;
	pid_t		 pid;
	int		 i;

	snprintf(bin, sizeof bin, "%s/callwatch", bb_build());
	snprintf(o, sizeof o, "%s/tail.out", b.dir);
	snprintf(e, sizeof e, "%s/tail.err", b.dir);
	pid = bb_spawn(argv, o, e);
	bb_push(&b, "{\"type\":\"answered\",\"call_id\":\"r3\",\"ts\":%.6f,"
	    "\"answered_at\":%.6f,\"queue\":\"fast\"}", bb_now(),
	    bb_now() - 2.5);
	ck_assert(bb_wait_file(o, " info     firing    fast         r3 ",
	    5000));
	ck_assert_int_eq(bb_stop(&b, SIGKILL), 128 + SIGKILL);
	ck_assert_int_eq(bb_start(&b), 0);
	/* Published (so tail sees the jump), then the daemon stops. */
	for (i = 0; i < 50; i++) {
		bb_push(&b, "{\"type\":\"queued\",\"call_id\":\"x%d\","
		    "\"ts\":%.6f,\"queue\":\"fast\"}", i, bb_now());
		if ((m = bb_recv(&b, 100, NULL, 0)) != NULL) {
			cJSON_Delete(m);
			kill(b.pid, SIGSTOP);
			if (bb_wait_file(e, "did not answer within 300 ms",
			    1500))
				break;
			kill(b.pid, SIGCONT);
		}
	}
	ck_assert_msg(i < 50, "tail never hit the stopped daemon");
	kill(b.pid, SIGCONT);
	for (i = 0; i < 50 && !bb_wait_file(e, "re-synced", 100); i++)
		bb_push(&b, "{\"type\":\"queued\",\"call_id\":\"y%d\","
		    "\"ts\":%.6f,\"queue\":\"fast\"}", i, bb_now());
	ck_assert_msg(i < 50, "no re-sync after the daemon came back");
	ck_assert(bb_wait_file(o, " info     resolved  fast         r3 ",
	    3000));
	ck_assert_int_eq(bb_reap(pid, SIGTERM), 0);
}
END_TEST

/*
 * A tail too slow for the stream (stopped while 20,000 call changes go
 * out past a high-water mark of 10) loses messages: it says so, takes a
 * new snapshot and still shows the alert that fired meanwhile, once.
 */
START_TEST(tail_resyncs_after_losing_messages)
{
	char	 o[160], e[160];
	pid_t	 pid;
	int	 i;

	bb_stop(&b, SIGTERM);
	bb_write_conf(&b, "daemon: {clock: wall, state_file: \"\"}\n"
	    "feeds: [{name: main, endpoint: \"%s\"}]\n"
	    "publish: {endpoint: \"%s\", stats_interval: 0, hwm: 10}\n"
	    "control: {endpoint: \"%s\"}\n"
	    "queues: {fast: {normal: [1s, 2s]}}\n", b.feed, b.pub, b.ctl);
	ck_assert_int_eq(bb_start(&b), 0);
	snprintf(o, sizeof o, "%s/tail.out", b.dir);
	snprintf(e, sizeof e, "%s/tail.err", b.dir);
	pid = cl_tail(o, e, NULL);
	usleep(500 * 1000);
	kill(pid, SIGSTOP);
	for (i = 0; i < 20000; i++) {
		if (i == 10000)
			bb_push(&b, "{\"type\":\"answered\",\"call_id\":"
			    "\"c5\",\"ts\":%.6f,\"answered_at\":%.6f,"
			    "\"queue\":\"fast\"}", bb_now(), bb_now() - 2.5);
		bb_push(&b, "{\"type\":\"queued\",\"call_id\":\"x%d\","
		    "\"ts\":%.6f,\"queue\":\"slow\"}", i, bb_now());
	}
	ck_assert(bb_wait_stat(&b, "received", 20001, 10000));
	kill(pid, SIGCONT);
	/* More traffic, so the reader meets the jump. */
	for (i = 0; i < 50 && !bb_wait_file(e, "re-synced", 100); i++)
		bb_push(&b, "{\"type\":\"queued\",\"call_id\":\"y%d\","
		    "\"ts\":%.6f,\"queue\":\"slow\"}", i, bb_now());
	ck_assert_msg(bb_file_has(e, "callwatch: tail: gap in the stream "
	    "(seq "), "no gap notice");
	ck_assert(bb_wait_file(o, " info     firing    fast         c5 ",
	    5000));
	ck_assert_int_eq(bb_reap(pid, SIGTERM), 0);
	ck_assert_int_eq(bb_file_count(o, " c5 "), 1);
}
END_TEST

/*
 * top, in a terminal (tmux): the queues, the calls above normal with
 * ticking timers, the open alerts most severe first; keys select, ack,
 * filter by queue and quit.
 */
START_TEST(top_shows_the_floor_and_its_keys_work)
{
	char	 bin[256], exitf[160], before[256], after[256];
	cJSON	*snap, *a;
	int	 i;

	snprintf(bin, sizeof bin, "%s/callwatch", bb_build());
	snprintf(exitf, sizeof exitf, "%s/top.exit", b.dir);
	bb_push(&b, "{\"type\":\"answered\",\"call_id\":\"c1\",\"ts\":%.6f,"
	    "\"answered_at\":%.6f,\"queue\":\"fast\",\"agent\":\"a-1\"}",
	    bb_now(), bb_now() - 5);
	bb_push(&b, "{\"type\":\"answered\",\"call_id\":\"c2\",\"ts\":%.6f,"
	    "\"answered_at\":%.6f,\"queue\":\"slow\",\"agent\":\"a-2\"}",
	    bb_now(), bb_now() - 300);
	bb_push(&b, "{\"type\":\"queued\",\"call_id\":\"c3\",\"ts\":%.6f,"
	    "\"queue\":\"fast\"}", bb_now());
	ck_assert(bb_wait_stat(&b, "calls", 3, 3000));
	setenv("USER", "ann", 1);
	/* timeout: a failed test leaves no top (nor tmux) behind. */
	ck_assert_int_eq(cl_tmux("new-session -d -s top -x 160 -y 40 "
	    "\"timeout --foreground 60 '%s' --control '%s' --publish '%s' top; "
	    "echo \\$? > '%s'\"", bin, b.ctl, b.pub, exitf), 0);
	ck_assert_msg(cl_wait_screen("OPEN ALERTS (2)", 5000), "screen:\n%s",
	    out);
	/* Queues, calls above normal (not the waiting c3), alerts. */
	ck_assert_msg(strstr(out, "callwatch top ") != NULL, "%s", out);
	ck_assert_msg(strstr(out, "\nfast                 1 ") != NULL, "%s",
	    out);
	ck_assert_msg(strstr(out, "CALLS ABOVE NORMAL (2)") != NULL, "%s",
	    out);
	ck_assert_msg(strstr(out, "\nc2                   slow         a-2 "
	    "       talking     5m0") != NULL, "%s", out);
	ck_assert_msg(strstr(out, "\nc3 ") == NULL, "%s", out);
	/* Most severe first, selected. */
	ck_assert_msg(strstr(out, "warning  escalated fast         c1 ") <
	    strstr(out, "info     firing    slow         c2 "), "%s", out);
	cl_screen_line("> ", before, sizeof before);
	ck_assert_msg(strstr(before, " c1 ") != NULL, "%s", out);
	/* The timers tick between the daemon's messages. */
	cl_screen_line("c2                   slow", before, sizeof before);
	usleep(2200 * 1000);
	cl_screen_line("c2                   slow", after, sizeof after);
	ck_assert_msg(strcmp(before, after) != 0, "no tick: %s", after);
	/* Down to c2, ack it: the status line says so, the daemon has it. */
	ck_assert_int_eq(cl_tmux("send-keys -t top j a"), 0);
	ck_assert_msg(cl_wait_screen("c2/long_call acked by ann", 3000),
	    "%s", out);
	snap = bb_request(&b, "{\"cmd\":\"snapshot\"}", 3000);
	cJSON_ArrayForEach(a, cJSON_GetObjectItem(snap, "alerts"))
		if (strcmp(bb_str(a, "id"), "c2/long_call") == 0)
			break;
	ck_assert_ptr_nonnull(a);
	ck_assert_str_eq(bb_str(a, "state"), "acked");
	ck_assert_str_eq(bb_str(a, "acked_by"), "ann");
	cJSON_Delete(snap);
	/* f steps through the queues: slow only, then F all again. */
	for (i = 0; i < 5 && !cl_wait_screen("queue: slow", 300); i++)
		ck_assert_int_eq(cl_tmux("send-keys -t top f"), 0);
	ck_assert_msg(strstr(out, "queue: slow") != NULL, "%s", out);
	ck_assert_msg(strstr(out, " c1 ") == NULL, "%s", out);
	ck_assert_msg(strstr(out, "OPEN ALERTS (1)") != NULL, "%s", out);
	ck_assert_int_eq(cl_tmux("send-keys -t top F"), 0);
	ck_assert(cl_wait_screen("queue: all", 3000));
	/* q quits, exit 0. */
	ck_assert_int_eq(cl_tmux("send-keys -t top q"), 0);
	ck_assert_msg(bb_wait_file(exitf, "0", 3000), "top did not quit");
	(void)cl_tmux("kill-server 2>/dev/null");
}
END_TEST

/* stats prints the counters; reload applies the config or says why not. */
START_TEST(stats_and_reload)
{
	FILE	*f;

	bb_push(&b, "{\"type\":\"queued\",\"call_id\":\"r1\",\"ts\":%.6f,"
	    "\"queue\":\"fast\"}", bb_now());
	bb_push_raw(&b, "not json", 8);
	ck_assert(bb_wait_stat(&b, "received", 2, 3000));
	ck_assert_int_eq(cl_run("stats", NULL), 0);
	ck_assert_msg(strstr(out, "received         2\n") != NULL, "%s", out);
	ck_assert_msg(strstr(out, "calls            1\n") != NULL, "%s", out);
	ck_assert_msg(strstr(out, "\"bad_json\":1") != NULL, "%s", out);
	ck_assert_int_eq(cl_run("stats", "--json", NULL), 0);
	ck_assert_msg(strstr(out, "\"received\":\t2") != NULL, "%s", out);
	ck_assert_int_eq(cl_run("reload", NULL), 0);
	ck_assert_str_eq(out, "configuration reloaded\n");
	/* A broken config: exit 1, the daemon's reason, the old one kept. */
	ck_assert_ptr_nonnull(f = fopen(b.conf, "a"));
	fprintf(f, "bogus_key: 1\n");
	ck_assert_int_eq(fclose(f), 0);
	ck_assert_int_eq(cl_run("reload", NULL), 1);
	ck_assert_msg(strncmp(out, "callwatch: ", 11) == 0 &&
	    strstr(out, "callwatch.yaml:6:1: ") != NULL &&
	    strstr(out, "bogus_key") != NULL, "%s", out);
	ck_assert_int_eq(cl_run("stats", NULL), 0);
}
END_TEST

/*
 * A 16-digit seq that ends in 0 (the daemon started without a state
 * file: seq is the wall clock in µs) comes out as digits, never as
 * 1.79619687697174e+15, which integer parsers refuse.
 */
START_TEST(json_output_keeps_seq_digits)
{
	cJSON	*r;
	double	 seq;
	int	 i, k;
	char	 want[64];

	r = bb_request(&b, "{\"cmd\":\"stats\"}", 3000);
	seq = bb_num(r, "seq");
	cJSON_Delete(r);
	ck_assert_msg(seq > 1e15, "seq %.0f: not the wall clock's", seq);
	/* Each new call publishes one call/ message. */
	k = (int)(10 - fmod(seq, 10)) % 10;
	for (i = 0; i < k; i++)
		bb_push(&b, "{\"type\":\"queued\",\"call_id\":\"z%d\","
		    "\"ts\":%.6f,\"queue\":\"fast\"}", i, bb_now());
	ck_assert(bb_wait_stat(&b, "seq", seq + k, 3000));
	snprintf(want, sizeof want, "%.0f", seq + k);
	ck_assert_int_eq(cl_run("stats", "--json", NULL), 0);
	ck_assert_msg(strstr(out, want) != NULL && strstr(out, "e+") == NULL,
	    "%s", out);
	ck_assert_int_eq(cl_run("stats", NULL), 0);
	ck_assert_msg(strstr(out, want) != NULL && strstr(out, "e+") == NULL,
	    "%s", out);
	ck_assert_int_eq(cl_run("queues", "--json", NULL), 0);
	ck_assert_msg(strstr(out, want) != NULL && strstr(out, "e+") == NULL,
	    "%s", out);
}
END_TEST

/* Without a terminal top says what to use instead. */
START_TEST(top_needs_a_terminal)
{
	ck_assert_int_eq(cl_run("top", NULL), 2);
	ck_assert_str_eq(out, "callwatch: top needs a terminal (callwatch "
	    "tail, calls and queues work without one)\n");
	ck_assert_int_eq(cl_run("top", "--bogus", NULL), 2);
	ck_assert_ptr_nonnull(strstr(out, "unknown argument: --bogus"));
}
END_TEST

/* The suite. */
static Suite *
client_suite(void)
{
	Suite	*s = suite_create("client");
	TCase	*tc = tcase_create("callwatch");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, calls_lists_the_longest_first);
	tcase_add_test(tc, queues_shows_each_queues_figures);
	tcase_add_test(tc, ack_silence_and_unsilence);
	tcase_add_test(tc, the_daemon_saying_no_is_one_line_and_exit_1);
	tcase_add_test(tc, bad_arguments_are_exit_2_with_the_usage);
	tcase_add_test(tc, a_daemon_that_does_not_answer_is_exit_1);
	tcase_add_test(tc, send_to_a_daemon_that_does_not_answer_is_exit_1);
	tcase_add_test(tc, endpoints_need_no_config_and_send_finds_its_format);
	tcase_add_test(tc, send_to_a_feed_nobody_reads_ends_at_the_timeout);
	tcase_add_test(tc, json_output_keeps_seq_digits);
	tcase_add_test(tc, endpoints_come_from_the_config);
	tcase_add_test(tc, send_pushes_a_file_to_the_feed);
	tcase_add_test(tc, tail_shows_open_alerts_then_each_change);
	tcase_add_test(tc, tail_json_filters_by_queue_and_severity);
	tcase_add_test(tc, tail_colours_the_severity);
	tcase_add_test(tc, tail_shows_a_moved_alert_once);
	tcase_add_test(tc, tail_queue_resync_keeps_moved_alerts);
	tcase_add_test(tc, tail_leaves_out_alerts_nobody_was_shown);
	tcase_add_test(tc, a_late_reply_is_not_taken_for_the_next);
	tcase_add_test(tc, tail_resyncs_when_the_daemon_restarts);
	tcase_add_test(tc, tail_resyncs_after_losing_messages);
	tcase_add_test(tc, tail_retries_a_failed_snapshot);
	tcase_add_test(tc, top_shows_the_floor_and_its_keys_work);
	tcase_add_test(tc, top_needs_a_terminal);
	tcase_add_test(tc, stats_and_reload);
	suite_add_tcase(s, tc);
	return s;
}

int
main(void)
{
	return bb_run_suite(client_suite());
}
