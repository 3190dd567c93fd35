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
#include "cw.h"

#define QLOG_CAPTURE	"feeds/asterisk_queue_log_freepbx_2010.txt"
#define AMI_CAPTURE	"feeds/asterisk13_ami_queue_call_debug_callme.txt"
#define AMI_JSON_CAPTURE						\
	"feeds/asterisk_ami_json_queue_blind_xfer_cacofonisk.json"
#define AMI_BANNER	"Asterisk Call Manager/2.10.3\r\n"
#define AMI_LOGIN_OK	"Response: Success\r\nActionID: callwatch-login\r\n" \
			"Message: Authentication accepted\r\n\r\n"
#define AMI_LOGIN_BAD	"Response: Error\r\nActionID: callwatch-login\r\n" \
			"Message: Authentication failed\r\n\r\n"

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
	    "2023-11-14 22:21:40|c3|billing|NONE|EXITWITHTIMEOUT|1|1|39\n"
	    /* Not UTF-8: cleaned, or the daemon rejects the events. */
	    "1700000600|c\xff" "4|q\xe9|NONE|ENTERQUEUE||+1|1\n"
	    /* EXITWITHKEY|key|position|origposition|waittime. */
	    "1700000700|c5|sales|NONE|ENTERQUEUE||+1|1\n"
	    "1700000750|c5|sales|NONE|EXITWITHKEY|5|1|3|50\n"
	    /* ATTENDEDTRANSFER|LINK|chan1|chan2|holdtime|calltime|pos. */
	    "1700000800|c6|sales|NONE|ENTERQUEUE||+1|1\n"
	    "1700000810|c6|sales|SIP/105|CONNECT|10|x.2|1\n"
	    "1700001190|c6|sales|SIP/105|ATTENDEDTRANSFER|LINK|SIP/105-0001|"
	    "SIP/200-0002|10|380|1\n");
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
	ck_assert_int_eq(br_count(out, "{\"type\":\"queued\",\"call_id\":"
	    "\"c?4\",\"ts\":1700000600,\"queue\":\"q?\""), 1);
	ck_assert_int_eq(br_count(out, "{\"type\":\"abandoned\",\"call_id\":"
	    "\"c5\",\"ts\":1700000750,\"queue\":\"sales\",\"queued_at\":"
	    "1700000700}"), 1);
	ck_assert_int_eq(br_count(out, "{\"type\":\"transferred\",\"call_id\":"
	    "\"c6\",\"ts\":1700001190,\"queue\":\"sales\",\"to_agent\":"
	    "\"SIP/200-0002\"}"), 1);
	ck_assert_int_eq(br_count(out, "{\"type\":\"hangup\",\"call_id\":"
	    "\"c6\",\"ts\":1700001190,\"queue\":\"sales\",\"answered_at\":"
	    "1700000810}"), 1);
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

/* The AMI capture as Asterisk sends it: CRLF, no debug lines. */
static char *
ami_capture(size_t *len)
{
	char	*path = bb_data(AMI_CAPTURE), line[4096], *out;
	FILE	*f = fopen(path, "r"), *m;
	size_t	 n = 0;

	ck_assert_ptr_nonnull(f);
	ck_assert_ptr_nonnull(m = open_memstream(&out, &n));
	while (fgets(line, sizeof line, f) != NULL) {
		line[strcspn(line, "\n")] = '\0';
		if (strncmp(line, "<-- Examining AMI event", 23) == 0)
			continue;
		fprintf(m, "%s\r\n", line);
	}
	fclose(f);
	fclose(m);
	free(path);
	*len = n;
	return out;
}

/* Run callwatch-ami with the secret in the environment; its pid. */
static pid_t
ami_bridge(int port, const char *out, const char *err, const char *first,
    ...)
{
	static char	 bin[256], p[16];
	const char	*argv[24];
	va_list		 ap;
	int		 n = 0;

	snprintf(bin, sizeof bin, "%s/callwatch-ami", bb_build());
	snprintf(p, sizeof p, "%d", port);
	argv[n++] = bin;
	argv[n++] = "--port";
	argv[n++] = p;
	argv[n++] = "--username";
	argv[n++] = "cw";
	argv[n++] = first;
	va_start(ap, first);
	while (first != NULL && n < 23 &&
	    (argv[n] = va_arg(ap, const char *)) != NULL)
		n++;
	va_end(ap);
	argv[n] = NULL;
	setenv("CALLWATCH_AMI_SECRET", "s3cret", 1);
	return bb_spawn(argv, out, err);
}

/* Wait for pid to exit; its status. */
static int
br_reap(pid_t pid)
{
	int	 st;

	ck_assert_int_eq(waitpid(pid, &st, 0), pid);
	return WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
}

/*
 * The real Asterisk 13 capture of one queue call, served by a fake AMI:
 * the bridge logs in and turns QueueCallerJoin, AgentConnect and
 * AgentComplete into the call's events.
 */
START_TEST(ami_reads_a_real_queue_call)
{
	const char	*out = br_path("ami.jsonl"), *err = br_path("ami.err");
	const char	*login = br_path("login");
	size_t		 len;
	char		*cap = ami_capture(&len);
	const char	*reply[] = { AMI_LOGIN_OK }, *pay[] = { cap };
	int		 port;
	pid_t		 srv;

	srv = bb_fake_pbx(&port, 1, AMI_BANNER, reply, pay, &len, login,
	    false);
	ck_assert_int_eq(br_reap(ami_bridge(port, out, err, "--jsonl",
	    "--once", NULL)), 0);
	ck_assert_int_eq(br_reap(srv), 0);
	ck_assert(bb_file_has(login, "Action: Login"));
	ck_assert(bb_file_has(login, "Username: cw"));
	ck_assert(bb_file_has(login, "Secret: s3cret"));
	ck_assert_int_eq(br_count(out, "{\"type\":\"queued\",\"call_id\":"
	    "\"1514295827.372\","), 1);
	ck_assert_int_eq(br_count(out, "\"queue\":\"Q1\",\"caller\":"
	    "\"123\"}"), 1);
	ck_assert_int_eq(br_count(out, "\"type\":\"answered\",\"call_id\":"
	    "\"1514295827.372\""), 1);
	ck_assert_int_eq(br_count(out, "\"agent\":\"SIP/777\""), 1);
	ck_assert_int_eq(br_count(out, "\"type\":\"hangup\""), 1);
	ck_assert_int_eq(br_count(out, "\"type\":\"wrapup_end\""), 1);
	ck_assert(bb_file_has(err, "logged in to 127.0.0.1:"));
	free(cap);
}
END_TEST

/*
 * Into the daemon: a refused login is retried, a closed connection is
 * made again; the call of the capture, then the same caller again on the
 * next connection (another Uniqueid): a repeat_caller alert.
 */
START_TEST(ami_into_the_daemon_through_reconnects)
{
	struct bb	 b;
	const char	*out = br_path("ami.out"), *err = br_path("ami.err");
	size_t		 len[3], n;
	char		*cap, *cap2, *p, topic[256];
	const char	*reply[3], *pay[3];
	int		 port, got = 0;
	pid_t		 srv, br;
	cJSON		*m;

	cap = ami_capture(&len[1]);
	cap2 = xstrdup(cap);
	while ((p = strstr(cap2, "1514295827.372")) != NULL)
		memcpy(p, "1514299999.999", 14);
	reply[0] = AMI_LOGIN_BAD;
	reply[1] = reply[2] = AMI_LOGIN_OK;
	pay[0] = NULL;
	pay[1] = cap;
	pay[2] = cap2;
	len[0] = 0;
	len[2] = len[1];
	bb_init(&b);
	bb_write_conf(&b, "daemon: {clock: wall, state_file: \"\"}\n"
	    "feeds: [{name: ami, endpoint: \"%s\"}]\n"
	    "publish: {endpoint: \"%s\", stats_interval: 0}\n"
	    "control: {endpoint: \"%s\"}\n", b.feed, b.pub, b.ctl);
	ck_assert_int_eq(bb_start(&b), 0);
	srv = bb_fake_pbx(&port, 3, AMI_BANNER, reply, pay, len,
	    br_path("login"), false);
	br = ami_bridge(port, out, err, "--feed", b.feed, NULL);
	while (got == 0 && (m = bb_recv(&b, 8000, topic, sizeof topic)) !=
	    NULL) {
		got = strcmp(topic, "alert/Q1/info") == 0 &&
		    strcmp(bb_str(m, "rule"), "repeat_caller") == 0 &&
		    strcmp(bb_str(m, "call_id"), "1514299999.999") == 0;
		cJSON_Delete(m);
	}
	ck_assert_msg(got, "no repeat_caller alert (see %s)", err);
	ck_assert(bb_wait_stat(&b, "ended", 2, 3000));
	ck_assert_int_eq(br_reap(srv), 0);
	ck_assert_int_eq(bb_reap(br, SIGTERM), 0);
	ck_assert(bb_file_has(err, "login as cw refused: Authentication "
	    "failed"));
	ck_assert(bb_file_has(err, "retrying in 1 s"));
	n = (size_t)bb_file_count(err, "logged in to");
	ck_assert_uint_eq(n, 2);
	bb_cleanup(&b);
	free(cap);
	free(cap2);
}
END_TEST

/*
 * Garbage from the PBX: binary noise, lines that are no field, 70 KB with
 * no block end, bad UTF-8 in a value; then a good block with a
 * Timestamp.  The bridge drops what is not AMI,
 * cleans what it keeps, and carries on to the next good block.
 */
START_TEST(ami_survives_garbage)
{
	const char	*out = br_path("g.jsonl"), *err = br_path("g.err");
	const char	*reply[] = { AMI_LOGIN_OK }, *pay[1];
	size_t		 len, junk = 70000;
	char		*g, *w;
	int		 port;
	pid_t		 srv;

	g = xcalloc(1, junk + 4096);
	w = g;
	w += sprintf(w, "\x01\x02 not a field\r\n\xff\xfe\r\n\r\n");
	memset(w, 'x', junk);
	w += junk;
	w += sprintf(w, "\r\n\r\nEvent: QueueCallerJoin\r\nQueue: sales\r\n"
	    "Timestamp: 1700000000.250000\r\n"
	    "CallerIDNum: 55\xff" "5\r\nUniqueid: g.1\r\n\r\n"
	    "Event: Hangup\r\nUniqueid: g.1\r\n\r\n"
	    /* Not UTF-8 in the id: cleaned, or the daemon rejects it. */
	    "Event: QueueCallerJoin\r\nQueue: sales\r\n"
	    "Timestamp: 1700000001\r\nUniqueid: g\xff" "2\r\n\r\n"
	    /* An attended transfer to an application names no target
	     * caller: the application is where the call went. */
	    "Event: QueueCallerJoin\r\nQueue: sales\r\n"
	    "Timestamp: 1700000002\r\nUniqueid: g.3\r\n\r\n"
	    "Event: AttendedTransfer\r\nResult: Success\r\n"
	    "Timestamp: 1700000003\r\nTransfereeUniqueid: g.3\r\n"
	    "DestType: App\r\nDestApp: VoiceMail\r\n\r\n");
	len = (size_t)(w - g);
	pay[0] = g;
	srv = bb_fake_pbx(&port, 1, AMI_BANNER, reply, pay, &len,
	    br_path("login"), false);
	ck_assert_int_eq(br_reap(ami_bridge(port, out, err, "--jsonl",
	    "--once", NULL)), 0);
	ck_assert_int_eq(br_reap(srv), 0);
	ck_assert(bb_file_has(err, "bytes that are no AMI block"));
	/* Its own time (timestampevents = yes), not the arrival's. */
	ck_assert_int_eq(br_count(out, "{\"type\":\"queued\",\"call_id\":"
	    "\"g.1\",\"ts\":1700000000.25,"), 1);
	ck_assert_int_eq(br_count(out, "\"caller\":\"55?5\""), 1);
	ck_assert_int_eq(br_count(out, "{\"type\":\"abandoned\",\"call_id\":"
	    "\"g.1\","), 1);
	ck_assert_int_eq(br_count(out, "{\"type\":\"queued\",\"call_id\":"
	    "\"g?2\","), 1);
	ck_assert_int_eq(br_count(out, "{\"type\":\"transferred\",\"call_id\":"
	    "\"g.3\",\"ts\":1700000003,\"to_agent\":\"VoiceMail\"}"), 1);
	free(g);
}
END_TEST

/*
 * A daemon that does not read (down for a restart, say): the bridge
 * queues what the PBX sends and keeps reading the PBX, rather than
 * waiting a second per event once a thousand are queued.
 */
START_TEST(ami_keeps_reading_while_the_daemon_is_away)
{
	const char	*out = br_path("d.out"), *err = br_path("d.err");
	const char	*reply[] = { AMI_LOGIN_OK }, *pay[1];
	char		 feed[160], *g, *w;
	size_t		 len, i, n = 1500;
	double		 t0;
	int		 port;
	pid_t		 srv;

	g = xcalloc(n, 128);
	w = g;
	for (i = 0; i < n; i++)
		w += sprintf(w, "Event: QueueCallerJoin\r\nQueue: sales\r\n"
		    "Uniqueid: d.%zu\r\n\r\n", i);
	len = (size_t)(w - g);
	pay[0] = g;
	snprintf(feed, sizeof feed, "ipc://%s/nobody", br_path(""));
	srv = bb_fake_pbx(&port, 1, AMI_BANNER, reply, pay, &len,
	    br_path("login"), false);
	t0 = bb_now();
	ck_assert_int_eq(br_reap(ami_bridge(port, out, err, "--feed", feed,
	    "--once", NULL)), 0);
	ck_assert_int_eq(br_reap(srv), 0);
	ck_assert_msg(bb_now() - t0 < 15, "took %.1f s", bb_now() - t0);
	ck_assert(bb_file_has(err, "1500 events sent, 0 dropped"));
	free(g);
}
END_TEST

/* The cacofonisk JSON capture as AMI text; queue events first if any. */
static char *
ami_json_capture(const char *prefix, size_t *len)
{
	char	*path = bb_data(AMI_JSON_CAPTURE), *text, *out;
	FILE	*m;
	cJSON	*arr, *o, *kv;
	size_t	 n = 0;

	text = bb_slurp(path);
	ck_assert_ptr_nonnull(arr = cJSON_Parse(text));
	ck_assert_ptr_nonnull(m = open_memstream(&out, &n));
	fputs(prefix, m);
	cJSON_ArrayForEach(o, arr) {
		cJSON_ArrayForEach(kv, o)
			if (cJSON_IsString(kv) && strcmp(kv->string,
			    "content") != 0)
				fprintf(m, "%s: %s\r\n", kv->string,
				    kv->valuestring);
		fputs("\r\n", m);
	}
	fclose(m);
	cJSON_Delete(arr);
	free(text);
	free(path);
	*len = n;
	return out;
}

/*
 * The real blind transfer (cacofonisk): the recorder kept no queue
 * events, so alone it makes no call; with the caller's QueueCallerJoin
 * and AgentConnect in front, the BlindTransfer is the call's transfer and
 * the caller's Hangup its end.
 */
START_TEST(ami_reads_a_real_blind_transfer)
{
	static const char queue[] =
	    "Event: QueueCallerJoin\r\nQueue: support\r\nCallerIDNum: "
	    "+31260010001\r\nUniqueid: f29ea68048f6-1530023464.2539\r\n"
	    "Linkedid: f29ea68048f6-1530023464.2539\r\n\r\n"
	    "Event: AgentConnect\r\nQueue: support\r\nMemberName: "
	    "150010001\r\nHoldTime: 2\r\nUniqueid: "
	    "f29ea68048f6-1530023464.2539\r\nDestUniqueid: "
	    "f29ea68048f6-1530023466.2564\r\n\r\n";
	const char	*out = br_path("x.jsonl"), *err = br_path("x.err");
	const char	*out0 = br_path("x0.jsonl");
	const char	*reply[] = { AMI_LOGIN_OK }, *pay[1];
	size_t		 len;
	char		*cap;
	int		 port;
	pid_t		 srv;

	cap = ami_json_capture("", &len);
	pay[0] = cap;
	srv = bb_fake_pbx(&port, 1, AMI_BANNER, reply, pay, &len,
	    br_path("login"), false);
	ck_assert_int_eq(br_reap(ami_bridge(port, out0, err, "--jsonl",
	    "--once", NULL)), 0);
	ck_assert_int_eq(br_reap(srv), 0);
	ck_assert_int_eq(br_count(out0, "\"type\""), 0);
	free(cap);
	cap = ami_json_capture(queue, &len);
	pay[0] = cap;
	srv = bb_fake_pbx(&port, 1, AMI_BANNER, reply, pay, &len,
	    br_path("login"), false);
	ck_assert_int_eq(br_reap(ami_bridge(port, out, err, "--jsonl",
	    "--once", NULL)), 0);
	ck_assert_int_eq(br_reap(srv), 0);
	ck_assert_int_eq(br_count(out, "{\"type\":\"transferred\",\"call_id\":"
	    "\"f29ea68048f6-1530023464.2539\","), 1);
	ck_assert_int_eq(br_count(out, "\"to_agent\":\"202@osvpi_account_"
	    "transfer\"}"), 1);
	/* The agent's Hangup after the transfer does not end the call. */
	ck_assert_int_eq(br_count(out, "\"type\":\"hangup\""), 1);
	ck_assert_int_eq(br_count(out, "\"type\":\"wrapup_end\""), 1);
	free(cap);
}
END_TEST

/* No secret, no start; a secret file works. */
START_TEST(ami_needs_a_secret)
{
	char		 bin[256];
	const char	*file = br_path("secret"), *out = br_path("o");
	const char	*a1[] = { bin, "--jsonl", NULL };
	const char	*a2[] = { bin, "--jsonl", "--once", "--port", "1",
	    "--secret-file", file, NULL };

	snprintf(bin, sizeof bin, "%s/callwatch-ami", bb_build());
	unsetenv("CALLWATCH_AMI_SECRET");
	ck_assert_int_eq(br_run(a1, out, br_path("e1")), 2);
	ck_assert(bb_file_has(br_path("e1"), "no secret: set "
	    "CALLWATCH_AMI_SECRET or give --secret-file FILE"));
	br_write(file, "s3cret\n");
	ck_assert_int_eq(br_run(a2, out, br_path("e2")), 0);
	ck_assert(bb_file_has(br_path("e2"), "cannot connect to "
	    "127.0.0.1:1"));
}
END_TEST

static Suite *
bridges_suite(void)
{
	Suite	*s = suite_create("bridges");
	TCase	*q = tcase_create("qlog");
	TCase	*ami = tcase_create("ami");

	tcase_add_checked_fixture(q, setup, teardown);
	tcase_set_timeout(q, 60);
	tcase_add_test(q, qlog_reads_a_real_queue_log);
	tcase_add_test(q, qlog_replayed_gives_the_alerts);
	tcase_add_test(q, qlog_layouts_transfers_and_bad_lines);
	suite_add_tcase(s, q);
	tcase_add_checked_fixture(ami, setup, teardown);
	tcase_set_timeout(ami, 60);
	tcase_add_test(ami, ami_reads_a_real_queue_call);
	tcase_add_test(ami, ami_into_the_daemon_through_reconnects);
	tcase_add_test(ami, ami_survives_garbage);
	tcase_add_test(ami, ami_reads_a_real_blind_transfer);
	tcase_add_test(ami, ami_needs_a_secret);
	tcase_add_test(ami, ami_keeps_reading_while_the_daemon_is_away);
	suite_add_tcase(s, ami);
	return s;
}

int
main(void)
{
	return bb_run_suite(bridges_suite());
}
