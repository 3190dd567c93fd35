/*
 * The ways from a real phone system in: callwatch-qlog on a real Asterisk
 * queue_log (../shared/data/feeds), then through the daemon's rules.
 */
#include <check.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "bb.h"

#define QLOG_CAPTURE	"feeds/asterisk_queue_log_freepbx_2010.txt"

static char	 dir[64];

static void
setup(void)
{
	bb_tmpdir(dir, sizeof dir, "cwbr");
}

static void
teardown(void)
{
	bb_rmdir(dir);
}

/* Run argv with stdout to out and stderr to err (paths); its status. */
static int
br_run(const char *const *argv, const char *out, const char *err)
{
	pid_t	 pid = bb_spawn(argv, out, err);
	int	 st;

	ck_assert_int_eq(waitpid(pid, &st, 0), pid);
	return WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
}

/* A path in the test's folder (static buffers, eight in turn). */
static const char *
br_path(const char *name)
{
	static char	 buf[8][160];
	static int	 i;

	i = (i + 1) % 8;
	snprintf(buf[i], sizeof buf[i], "%s/%s", dir, name);
	return buf[i];
}

/* Write text to the file at path. */
static void
br_write(const char *path, const char *text)
{
	FILE	*f = fopen(path, "w");

	ck_assert_ptr_nonnull(f);
	fputs(text, f);
	ck_assert_int_eq(fclose(f), 0);
}


/* How many lines of the file at path contain s. */
static int
br_count(const char *path, const char *s)
{
	return bb_file_count(path, s);
}

/* callwatch-qlog FILE into out; its status. */
static int
br_qlog(const char *file, const char *out, const char *err)
{
	char		 bin[256];
	const char	*argv[] = { bin, file, NULL };

	snprintf(bin, sizeof bin, "%s/callwatch-qlog", bb_build());
	return br_run(argv, out, err);
}

/*
 * The real FreePBX queue_log: 21 callers entered queue 9000, 8 were
 * connected (CONNECT in the old two-field layout), 7 completed, 12
 * abandoned; each call's events carry its times.
 */
START_TEST(qlog_reads_a_real_queue_log)
{
	char		*cap = bb_data(QLOG_CAPTURE);
	const char	*out = br_path("q.jsonl"), *err = br_path("q.err");

	ck_assert_int_eq(br_qlog(cap, out, err), 0);
	ck_assert_int_eq(br_count(out, "\"type\":\"queued\""), 21);
	ck_assert_int_eq(br_count(out, "\"type\":\"answered\""), 8);
	ck_assert_int_eq(br_count(out, "\"type\":\"hangup\""), 7);
	ck_assert_int_eq(br_count(out, "\"type\":\"wrapup_end\""), 7);
	ck_assert_int_eq(br_count(out, "\"type\":\"abandoned\""), 12);
	/* The first call, line by line. */
	ck_assert_int_eq(br_count(out, "{\"type\":\"queued\",\"call_id\":"
	    "\"1266833905.2\",\"ts\":1266833911,\"queue\":\"9000\",\"caller\":"
	    "\"01773597776\"}"), 1);
	ck_assert_int_eq(br_count(out, "{\"type\":\"answered\",\"call_id\":"
	    "\"1266833905.2\",\"ts\":1266833912,\"queue\":\"9000\",\"agent\":"
	    "\"2004\",\"queued_at\":1266833911,\"answered_at\":1266833912}"),
	    1);
	ck_assert_int_eq(br_count(out, "{\"type\":\"hangup\",\"call_id\":"
	    "\"1266833905.2\",\"ts\":1266833915,\"queue\":\"9000\","
	    "\"answered_at\":1266833912}"), 1);
	/* An anonymous caller is no caller (not one repeat caller). */
	ck_assert_int_eq(br_count(out, "anonymous"), 0);
	ck_assert(bb_file_has(err, "callwatch-qlog: 55 events from "));
	free(cap);
}
END_TEST

/*
 * Through the rules (event clock, normal 2-5 s, a wait line at 30 s):
 * the long waits, long calls, repeat callers and the agent with short
 * calls that the real log holds.
 */
START_TEST(qlog_replayed_gives_the_alerts)
{
	char		*cap = bb_data(QLOG_CAPTURE);
	char		 d[256];
	const char	*ev = br_path("q.jsonl"), *conf = br_path("q.yaml");
	const char	*out = br_path("replay.jsonl"), *err = br_path("r.err");
	const char	*argv[] = { d, "-c", conf, "--replay", ev, NULL };

	snprintf(d, sizeof d, "%s/callwatchd", bb_build());
	ck_assert_int_eq(br_qlog(cap, ev, br_path("q.err")), 0);
	br_write(conf, "daemon: {clock: event, state_file: \"\"}\n"
	    "feeds: [{name: main, endpoint: \"tcp://127.0.0.1:7100\"}]\n"
	    "publish: {stats_interval: 0}\n"
	    "defaults:\n"
	    "  normal: [2s, 5s]\n"
	    "  wait_tiers: [{after: 30s, severity: warning}]\n");
	ck_assert_int_eq(br_run(argv, out, err), 0);
	ck_assert(bb_file_has(err, " rejected=0 "));
	/* Waited 36 s before agent 2004 took it: long_wait at 30 s. */
	ck_assert_int_eq(br_count(out, "\"id\":\"1266833996.30/long_wait\","
	    "\"state\":\"firing\",\"rule\":\"long_wait\",\"severity\":"
	    "\"warning\""), 1);
	ck_assert_int_eq(br_count(out, "\"value\":30,\"threshold\":30,\"ts\":"
	    "1266834032,"), 1);
	/* Talked 12 s: info at 5 s, warning at 10 s. */
	ck_assert_int_eq(br_count(out, "\"id\":\"1266834354.91/long_call\","
	    "\"state\":\"escalated\",\"rule\":\"long_call\",\"severity\":"
	    "\"warning\""), 1);
	/* The same test number called again and again. */
	ck_assert_int_eq(br_count(out, "\"rule\":\"repeat_caller\","
	    "\"severity\":\"info\",\"call_id\":\"1266833925.10\""), 2);
	ck_assert_int_eq(br_count(out, "\"state\":\"firing\",\"rule\":"
	    "\"short_calls\",\"severity\":\"warning\",\"call_id\":"
	    "\"1266833996.30\",\"queue\":\"9000\",\"agent\":\"2004\""), 1);
	free(cap);
}
END_TEST

/*
 * Both layouts, transfers, database dates and bad lines: each bad line
 * is reported with its number and skipped; nothing else is lost.
 */
START_TEST(qlog_layouts_transfers_and_bad_lines)
{
	const char	*in = br_path("in.log"), *out = br_path("out.jsonl");
	const char	*err = br_path("err");

	br_write(in,
	    "1700000000|NONE|NONE|NONE|QUEUESTART|\n"
	    "this is not a queue_log line\n"
	    "17000000xx|c1|sales|NONE|ENTERQUEUE||555|1\n"
	    /* New layout: ENTERQUEUE with position, CONNECT with ring. */
	    "1700000010|c2|sales|NONE|ENTERQUEUE||+15550001|1\n"
	    "1700000025|c2|sales|SIP/ann|CONNECT|15|1700000020.5|4\n"
	    /* A blind transfer ends the queue's part when nothing follows. */
	    "1700000100|c2|sales|SIP/ann|BLINDTRANSFER|2000|from-internal|"
	    "15|75|1\n"
	    /* An attended transfer into another queue leaves it open. */
	    "2023-11-14 22:20:00|c3|sales|NONE|ENTERQUEUE||+15550002|1\n"
	    "2023-11-14 22:20:05|c3|sales|Agent/7|CONNECT|5|x.1\n"
	    "2023-11-14 22:21:00|c3|sales|Agent/7|ATTENDEDTRANSFER|BRIDGE|"
	    "b-42|5|55|1\n"
	    "2023-11-14 22:21:01|c3|billing|NONE|ENTERQUEUE||+15550002|1\n"
	    "2023-11-14 22:21:40|c3|billing|NONE|EXITWITHTIMEOUT|1|1|39\n");
	{
		char		 bin[256];
		const char	*argv[] = { bin, "--utc", in, NULL };

		snprintf(bin, sizeof bin, "%s/callwatch-qlog", bb_build());
		ck_assert_int_eq(br_run(argv, out, err), 0);
	}
	ck_assert_msg(bb_file_has(err, "in.log:2: not a queue_log line"),
	    "no line 2 error");
	ck_assert(bb_file_has(err, "in.log:3: the time is neither"));
	ck_assert(bb_file_has(err, "2 lines skipped as bad"));
	ck_assert_int_eq(br_count(out, "{\"type\":\"answered\",\"call_id\":"
	    "\"c2\",\"ts\":1700000025,\"queue\":\"sales\",\"agent\":"
	    "\"SIP/ann\",\"queued_at\":1700000010,\"answered_at\":"
	    "1700000025}"), 1);
	ck_assert_int_eq(br_count(out, "{\"type\":\"transferred\",\"call_id\":"
	    "\"c2\",\"ts\":1700000100,\"queue\":\"sales\",\"to_agent\":"
	    "\"2000@from-internal\"}"), 1);
	ck_assert_int_eq(br_count(out, "{\"type\":\"hangup\",\"call_id\":"
	    "\"c2\",\"ts\":1700000100,\"queue\":\"sales\",\"answered_at\":"
	    "1700000025}"), 1);
	/* c3: 2023-11-14 22:20:00 UTC is 1700000400. */
	ck_assert_int_eq(br_count(out, "{\"type\":\"queued\",\"call_id\":"
	    "\"c3\",\"ts\":1700000400,"), 1);
	ck_assert_int_eq(br_count(out, "\"type\":\"transferred\",\"call_id\":"
	    "\"c3\",\"ts\":1700000460,\"queue\":\"sales\",\"to_agent\":"
	    "\"b-42\""), 1);
	ck_assert_int_eq(br_count(out, "\"type\":\"hangup\",\"call_id\":"
	    "\"c3\""), 0);
	ck_assert_int_eq(br_count(out, "{\"type\":\"abandoned\",\"call_id\":"
	    "\"c3\",\"ts\":1700000500,\"queue\":\"billing\",\"queued_at\":"
	    "1700000461}"), 1);
}
END_TEST

static Suite *
bridges_suite(void)
{
	Suite	*s = suite_create("bridges");
	TCase	*q = tcase_create("qlog");

	tcase_add_checked_fixture(q, setup, teardown);
	tcase_set_timeout(q, 60);
	tcase_add_test(q, qlog_reads_a_real_queue_log);
	tcase_add_test(q, qlog_replayed_gives_the_alerts);
	tcase_add_test(q, qlog_layouts_transfers_and_bad_lines);
	suite_add_tcase(s, q);
	return s;
}

int
main(void)
{
	SRunner	*sr = srunner_create(bridges_suite());
	int	 failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? 0 : 1;
}
