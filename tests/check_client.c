/*
 * The callwatch command against the real daemon: what a supervisor sees
 * (tables, ids, one-line errors) and the exit codes (0 done, 1 the daemon
 * refused or did not answer, 2 bad arguments).
 */
#include <check.h>
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
	tcase_add_test(tc, endpoints_come_from_the_config);
	tcase_add_test(tc, send_pushes_a_file_to_the_feed);
	suite_add_tcase(s, tc);
	return s;
}

int
main(void)
{
	SRunner	*sr = srunner_create(client_suite());
	int	 failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? 0 : 1;
}
