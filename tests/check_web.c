/*
 * The HTTP side of the wallboard, against the real daemon over raw
 * sockets: /events (snapshot first, ids that are seqs, Last-Event-ID,
 * ?queue=, slow clients dropped), the /api paths and their errors, and
 * bearer tokens with their roles and queues (SPEC 7).
 */
#include <check.h>
#include <errno.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include "bb.h"

#define WEB_CONF							\
	"daemon: {clock: wall, state_file: \"\", feed_timeout: 0}\n"	\
	"feeds: [{name: main, endpoint: \"%s\"}]\n"			\
	"publish: {endpoint: \"%s\", stats_interval: 0}\n"		\
	"control: {endpoint: \"%s\"}\n"					\
	"http: {listen: \"127.0.0.1:%d\"}\n"				\
	"defaults: {normal: [1s, 2s]}\n"				\
	"%s"

#define WEB_TOKENS							\
	"security:\n"							\
	"  tokens:\n"							\
	"    - {name: ann, token_file: %s/ann.token, role: supervisor, "	\
	"queues: [billing]}\n"						\
	"    - {name: vic, token_file: %s/vic.token, role: viewer}\n"	\
	"    - {name: ops, token_file: %s/ops.token, role: admin}\n"

static struct bb b;
static int	 port;

static void
setup(void)
{
	bb_init(&b);
	port = bb_free_port();
}

static void
teardown(void)
{
	bb_cleanup(&b);
}

/* Write a token file (mode 0600). */
static void
web_token(const char *name, const char *text)
{
	char	 path[160];
	FILE	*f;

	snprintf(path, sizeof path, "%s/%s.token", b.dir, name);
	ck_assert_ptr_nonnull(f = fopen(path, "w"));
	fprintf(f, "%s\n", text);
	ck_assert_int_eq(fclose(f), 0);
	ck_assert_int_eq(chmod(path, 0600), 0);
}

/* Start the daemon, with the three tokens or without any. */
static void
web_start(bool tokens)
{
	char	 sec[1024] = "";

	if (tokens) {
		web_token("ann", "ann-0123456789abcdef");
		web_token("vic", "vic-0123456789abcdef");
		web_token("ops", "ops-0123456789abcdef");
		snprintf(sec, sizeof sec, WEB_TOKENS, b.dir, b.dir, b.dir);
	}
	bb_write_conf(&b, WEB_CONF, b.feed, b.pub, b.ctl, port, sec);
	ck_assert_msg(bb_start(&b) == 0, "no start (see %s)", b.log);
}

/* A connected socket to the listener. */
static int
web_connect(void)
{
	return bb_tcp_connect(port);
}

/* One request on the listener: see bb_http(). */
static int
web_req(const char *method, const char *path, const char *hdrs,
    const char *body, char *out, size_t len)
{
	return bb_http(port, method, path, hdrs, body, out, len);
}

/* Open /events (path with its query, extra headers); the socket. */
static int
web_stream(const char *path, const char *hdrs)
{
	char	 req[1024];
	int	 fd = web_connect();

	snprintf(req, sizeof req, "GET %s HTTP/1.1\r\nHost: x\r\n%s\r\n", path,
	    hdrs != NULL ? hdrs : "");
	ck_assert_int_eq(write(fd, req, strlen(req)), (ssize_t)strlen(req));
	return fd;
}

/* Read fd into out (appending) until it holds want or ms pass. */
static bool
web_until(int fd, char *out, size_t len, const char *want, int ms)
{
	struct pollfd	 p = { fd, POLLIN, 0 };
	double		 end = bb_now() + ms / 1000.0;
	size_t		 n = strlen(out);
	ssize_t		 r;

	while (strstr(out, want) == NULL && bb_now() < end) {
		if (poll(&p, 1, (int)((end - bb_now()) * 1000) + 1) <= 0)
			continue;
		if ((r = read(fd, out + n, len - n - 1)) <= 0)
			break;
		n += (size_t)r;
		out[n] = '\0';
	}
	return strstr(out, want) != NULL;
}

/* A call of queue q answered 10 s ago: its alerts fire at once. */
static void
web_call(const char *id, const char *q)
{
	double	 now = bb_now();

	bb_push(&b, "{\"type\":\"answered\",\"call_id\":\"%s\",\"ts\":%.6f,"
	    "\"answered_at\":%.6f,\"queue\":\"%s\",\"agent\":\"a\"}", id, now,
	    now - 10, q);
}

/* The first stream starts with a snapshot; then each message, id = seq. */
START_TEST(events_start_with_a_snapshot_then_follow_seq)
{
	static char	 out[1 << 16];
	char		 want[64];
	cJSON		*r;
	double		 seq;
	int		 fd;

	web_start(false);
	web_call("c1", "billing");
	ck_assert(bb_wait_stat(&b, "calls", 1, 3000));
	r = bb_request(&b, "{\"cmd\":\"snapshot\"}", 3000);
	seq = bb_num(r, "seq");
	cJSON_Delete(r);
	fd = web_stream("/events", NULL);
	out[0] = '\0';
	ck_assert(web_until(fd, out, sizeof out, "event: snapshot\n", 3000));
	ck_assert_ptr_nonnull(strstr(out, "Content-Type: text/event-stream"));
	ck_assert(web_until(fd, out, sizeof out, "\"call_id\":\"c1\"", 3000));
	snprintf(want, sizeof want, "event: snapshot\nid: %.0f\ndata: "
	    "{\"ok\":true", seq);
	ck_assert_msg(strstr(out, want) != NULL, "%s", out);
	web_call("c2", "sales");
	snprintf(want, sizeof want, "id: %.0f\ndata: {\"seq\":%.0f,\"kind\":"
	    "\"call\"", seq + 1, seq + 1);
	ck_assert_msg(web_until(fd, out, sizeof out, want, 3000), "%s", out);
	close(fd);
	ck_assert_int_eq(bb_stop(&b, SIGTERM), 0);
}
END_TEST

/* Last-Event-ID within the ring: what was missed, and no snapshot. */
START_TEST(last_event_id_resumes_or_snapshots)
{
	static char	 out[1 << 16];
	char		 hdr[64], want[64];
	cJSON		*r;
	double		 seq;
	int		 fd, i;

	web_start(false);
	r = bb_request(&b, "{\"cmd\":\"snapshot\"}", 3000);
	seq = bb_num(r, "seq");
	cJSON_Delete(r);
	web_call("c1", "billing");
	web_call("c2", "sales");
	ck_assert(bb_wait_stat(&b, "calls", 2, 3000));
	usleep(200 * 1000);
	snprintf(hdr, sizeof hdr, "Last-Event-ID: %.0f\r\n", seq + 1);
	fd = web_stream("/events", hdr);
	out[0] = '\0';
	snprintf(want, sizeof want, "id: %.0f\n", seq + 2);
	ck_assert_msg(web_until(fd, out, sizeof out, want, 3000), "%s", out);
	ck_assert_ptr_null(strstr(out, "event: snapshot"));
	snprintf(want, sizeof want, "id: %.0f\n", seq + 1);
	ck_assert_ptr_null(strstr(out, want));
	close(fd);
	/* Owing more than half the backlog: a snapshot instead. */
	for (i = 0; i < 3000; i++)
		bb_push(&b, "{\"type\":\"queued\",\"call_id\":\"q%d\",\"ts\":"
		    "%.6f,\"queue\":\"sales\",\"caller\":\"+1555%06d\"}", i,
		    bb_now(), i);
	ck_assert(bb_wait_stat(&b, "calls", 3002, 10000));
	fd = web_stream("/events", hdr);
	out[0] = '\0';
	ck_assert(web_until(fd, out, sizeof out, "event: snapshot\n", 3000));
	close(fd);
	/* From before the daemon started: a snapshot. */
	fd = web_stream("/events", "Last-Event-ID: 12\r\n");
	out[0] = '\0';
	ck_assert(web_until(fd, out, sizeof out, "event: snapshot\n", 3000));
	close(fd);
	ck_assert_int_eq(bb_stop(&b, SIGTERM), 0);
}
END_TEST

/* ?queue= keeps one queue, in the snapshot and the stream. */
START_TEST(a_queue_filter_keeps_one_queue)
{
	static char	 out[1 << 16];
	int		 fd;

	web_start(false);
	fd = web_stream("/events?queue=billing", NULL);
	out[0] = '\0';
	ck_assert(web_until(fd, out, sizeof out, "event: snapshot\n", 3000));
	web_call("s1", "sales");
	web_call("b1", "billing");
	ck_assert(web_until(fd, out, sizeof out, "\"call_id\":\"b1\"", 3000));
	usleep(300 * 1000);
	(void)web_until(fd, out, sizeof out, "never", 200);
	ck_assert_msg(strstr(out, "\"queue\":\"sales\"") == NULL, "%s", out);
	close(fd);
	ck_assert_int_eq(bb_stop(&b, SIGTERM), 0);
}
END_TEST

/* The API's answers, good and bad. */
START_TEST(the_api_answers_like_the_control_socket)
{
	static char	 out[1 << 16];
	cJSON		*o;

	web_start(false);
	web_call("c1", "billing");
	ck_assert(bb_wait_stat(&b, "calls", 1, 3000));
	ck_assert_int_eq(web_req("GET", "/api/snapshot", NULL, NULL, out,
	    sizeof out), 200);
	ck_assert_ptr_nonnull(o = cJSON_Parse(out));
	ck_assert_int_eq(cJSON_GetArraySize(cJSON_GetObjectItem(o, "calls")),
	    1);
	cJSON_Delete(o);
	ck_assert_int_eq(web_req("POST", "/api/ack", NULL, "{\"id\":"
	    "\"c1/long_call\",\"note\":\"on it\",\"by\":\"pat\"}", out,
	    sizeof out), 200);
	ck_assert_ptr_nonnull(strstr(out, "\"state\":\"acked\""));
	ck_assert_ptr_nonnull(strstr(out, "\"acked_by\":\"pat\""));
	/* The page sends no "by": without tokens it is "wallboard". */
	web_call("c2", "billing");
	ck_assert(bb_wait_stat(&b, "calls", 2, 3000));
	ck_assert_int_eq(web_req("POST", "/api/ack", NULL, "{\"id\":"
	    "\"c2/long_call\"}", out, sizeof out), 200);
	ck_assert_ptr_nonnull(strstr(out, "\"acked_by\":\"wallboard\""));
	ck_assert_int_eq(web_req("POST", "/api/ack", NULL, "{\"id\":"
	    "\"nope/long_call\",\"by\":\"pat\"}", out, sizeof out), 400);
	ck_assert_str_eq(out, "{\"ok\":false,\"error\":\"no open alert "
	    "\\\"nope/long_call\\\"\"}");
	ck_assert_int_eq(web_req("POST", "/api/ack", NULL, "not json", out,
	    sizeof out), 400);
	ck_assert_str_eq(out, "{\"ok\":false,\"error\":\"the body must be a "
	    "JSON object\"}");
	ck_assert_int_eq(web_req("GET", "/api/ack", NULL, NULL, out,
	    sizeof out), 405);
	/* Any other method: 405 and JSON too, on every path. */
	ck_assert_int_eq(web_req("DELETE", "/api/ack", NULL, NULL, out,
	    sizeof out), 405);
	ck_assert_str_eq(out, "{\"ok\":false,\"error\":\"POST a JSON "
	    "object\"}");
	ck_assert_int_eq(web_req("PUT", "/metrics", NULL, "x", out,
	    sizeof out), 405);
	ck_assert_str_eq(out, "{\"ok\":false,\"error\":\"method not "
	    "allowed: GET\"}");
	ck_assert_int_eq(web_req("POST", "/healthz", NULL, "x", out,
	    sizeof out), 405);
	ck_assert_int_eq(web_req("DELETE", "/api/whoami", NULL, NULL, out,
	    sizeof out), 405);
	ck_assert_int_eq(web_req("POST", "/", NULL, "x", out, sizeof out),
	    405);
	ck_assert_int_eq(web_req("POST", "/nothing", NULL, "x", out,
	    sizeof out), 404);
	/* HEAD /events: the headers, and no stream held open for it. */
	ck_assert_int_eq(web_req("HEAD", "/events", NULL, NULL, out,
	    sizeof out), 200);
	ck_assert_int_eq(web_req("GET", "/metrics", NULL, NULL, out,
	    sizeof out), 200);
	ck_assert_ptr_nonnull(strstr(out, "callwatch_wallboard_clients 0\n"));
	ck_assert_int_eq(web_req("GET", "/api/nothing", NULL, NULL, out,
	    sizeof out), 404);
	ck_assert_str_eq(out, "{\"ok\":false,\"error\":\"no such API: "
	    "/api/snapshot, /api/whoami, /api/ack, /api/silence, "
	    "/api/unsilence\"}");
	ck_assert_int_eq(web_req("POST", "/api/silence", NULL, "{\"match\":"
	    "{\"queue\":\"billing\"},\"for\":\"10m\",\"by\":\"pat\"}", out,
	    sizeof out), 200);
	ck_assert_ptr_nonnull(strstr(out, "\"silence_id\":\"s-1\""));
	ck_assert_int_eq(web_req("POST", "/api/silence", NULL, "{\"for\":"
	    "\"10m\",\"by\":\"pat\"}", out, sizeof out), 400);
	ck_assert_ptr_nonnull(strstr(out, "missing \\\"match\\\""));
	ck_assert_int_eq(web_req("GET", "/", NULL, NULL, out, sizeof out),
	    200);
	ck_assert_ptr_nonnull(strstr(out, "<script src=\"/app.js\""));
	ck_assert_int_eq(web_req("GET", "/app.js", NULL, NULL, out,
	    sizeof out), 200);
	ck_assert_ptr_nonnull(strstr(out, "EventSource"));
	ck_assert_int_eq(bb_stop(&b, SIGTERM), 0);
}
END_TEST

/* With tokens: none or a wrong one gets 401; the page itself is open. */
START_TEST(tokens_are_required_when_given)
{
	static char	 out[1 << 16];

	web_start(true);
	ck_assert_int_eq(web_req("GET", "/api/snapshot", NULL, NULL, out,
	    sizeof out), 401);
	ck_assert_str_eq(out, "{\"ok\":false,\"error\":\"unauthorized: give "
	    "a token\"}");
	ck_assert_int_eq(web_req("GET", "/api/snapshot",
	    "Authorization: Bearer ann-0123456789abcdeX\r\n", NULL, out,
	    sizeof out), 401);
	ck_assert_int_eq(web_req("GET", "/events", NULL, NULL, out,
	    sizeof out), 401);
	ck_assert_int_eq(web_req("GET", "/metrics", NULL, NULL, out,
	    sizeof out), 401);
	ck_assert_int_eq(web_req("GET", "/", NULL, NULL, out, sizeof out),
	    200);
	ck_assert_int_eq(web_req("GET", "/healthz", NULL, NULL, out,
	    sizeof out), 200);
	/* The figures of every queue are an admin's, as stats are. */
	ck_assert_int_eq(web_req("GET", "/metrics",
	    "Authorization: Bearer vic-0123456789abcdef\r\n", NULL, out,
	    sizeof out), 403);
	ck_assert_int_eq(web_req("GET", "/metrics",
	    "Authorization: Bearer ops-0123456789abcdef\r\n", NULL, out,
	    sizeof out), 200);
	ck_assert_ptr_nonnull(strstr(out,
	    "callwatch_http_unauthorized_total 4\n"));
	ck_assert_int_eq(web_req("GET", "/api/whoami?token="
	    "vic-0123456789abcdef", NULL, NULL, out, sizeof out), 200);
	ck_assert_str_eq(out, "{\"ok\":true,\"name\":\"vic\",\"role\":"
	    "\"viewer\",\"queues\":[]}");
	ck_assert_int_eq(bb_stop(&b, SIGTERM), 0);
}
END_TEST

/* A viewer's ack is refused; a supervisor sees and acts on its queue. */
START_TEST(token_roles_and_queues_apply)
{
	static char	 out[1 << 16];
	cJSON		*o, *it;
	int		 fd;

	web_start(true);
	web_call("b1", "billing");
	web_call("s1", "sales");
	ck_assert(bb_wait_stat(&b, "calls", 2, 3000));
	ck_assert_int_eq(web_req("POST", "/api/ack",
	    "Authorization: Bearer vic-0123456789abcdef\r\n",
	    "{\"id\":\"b1/long_call\"}", out, sizeof out), 403);
	ck_assert_str_eq(out, "{\"ok\":false,\"error\":\"forbidden\"}");
	ck_assert(bb_wait_log(&b, "request forbidden client=vic what=\"ack\"",
	    2000));
	ck_assert_int_eq(web_req("GET", "/metrics",
	    "Authorization: Bearer ops-0123456789abcdef\r\n", NULL, out,
	    sizeof out), 200);
	ck_assert_ptr_nonnull(strstr(out,
	    "callwatch_requests_forbidden_total 1\n"));
	ck_assert_int_eq(web_req("GET", "/api/snapshot",
	    "Authorization: Bearer ann-0123456789abcdef\r\n", NULL, out,
	    sizeof out), 200);
	ck_assert_ptr_nonnull(o = cJSON_Parse(out));
	ck_assert_int_eq(cJSON_GetArraySize(cJSON_GetObjectItem(o, "calls")),
	    1);
	cJSON_ArrayForEach(it, cJSON_GetObjectItem(o, "alerts"))
		ck_assert_str_eq(bb_str(it, "queue"), "billing");
	cJSON_Delete(o);
	ck_assert_int_eq(web_req("POST", "/api/ack",
	    "Authorization: Bearer ann-0123456789abcdef\r\n",
	    "{\"id\":\"s1/long_call\"}", out, sizeof out), 403);
	ck_assert_int_eq(web_req("POST", "/api/ack",
	    "Authorization: Bearer ann-0123456789abcdef\r\n",
	    "{\"id\":\"b1/long_call\",\"by\":\"mallory\"}", out, sizeof out),
	    200);
	ck_assert_ptr_nonnull(strstr(out, "\"acked_by\":\"ann\""));
	/* Her stream: billing only. */
	fd = web_stream("/events?token=ann-0123456789abcdef", NULL);
	out[0] = '\0';
	ck_assert(web_until(fd, out, sizeof out, "event: snapshot\n", 3000));
	web_call("s2", "sales");
	web_call("b2", "billing");
	ck_assert(web_until(fd, out, sizeof out, "\"call_id\":\"b2\"", 3000));
	(void)web_until(fd, out, sizeof out, "never", 300);
	ck_assert_msg(strstr(out, "\"call_id\":\"s2\"") == NULL, "%s", out);
	/* Her token changes: her stream ends at the reload. */
	web_token("ann", "ann-fedcba9876543210");
	ck_assert_int_eq(kill(b.pid, SIGHUP), 0);
	ck_assert(bb_wait_log(&b, "configuration reloaded", 3000));
	ck_assert_int_eq(web_req("GET", "/api/snapshot",
	    "Authorization: Bearer ann-0123456789abcdef\r\n", NULL, out,
	    sizeof out), 401);
	out[0] = '\0';
	ck_assert(!web_until(fd, out, sizeof out, "never", 1000));
	ck_assert_int_eq(read(fd, out, sizeof out), 0);
	close(fd);
	ck_assert_int_eq(bb_stop(&b, SIGTERM), 0);
}
END_TEST

/*
 * What a token's queues forbid never reaches the journal: a crash and a
 * replay do not apply it after all.
 */
START_TEST(refused_requests_are_not_replayed_after_a_crash)
{
	static char	 out[1 << 16];
	char		 sec[1024];
	cJSON		*o, *it;

	web_token("ann", "ann-0123456789abcdef");
	web_token("vic", "vic-0123456789abcdef");
	web_token("ops", "ops-0123456789abcdef");
	snprintf(sec, sizeof sec, WEB_TOKENS, b.dir, b.dir, b.dir);
	bb_write_conf(&b, "daemon: {clock: wall, state_file: \"%s/state\", "
	    "checkpoint_interval: 1h}\nfeeds: [{name: main, endpoint: \"%s\"}]"
	    "\npublish: {endpoint: \"%s\"}\ncontrol: {endpoint: \"%s\"}\n"
	    "http: {listen: \"127.0.0.1:%d\"}\ndefaults: {normal: [1s, 2s]}\n"
	    "%s", b.dir, b.feed, b.pub, b.ctl, port, sec);
	ck_assert_msg(bb_start(&b) == 0, "no start (see %s)", b.log);
	web_call("s1", "sales");
	ck_assert(bb_wait_stat(&b, "calls", 1, 3000));
	usleep(200 * 1000);
	ck_assert_int_eq(web_req("POST", "/api/ack",
	    "Authorization: Bearer ann-0123456789abcdef\r\n",
	    "{\"id\":\"s1/long_call\"}", out, sizeof out), 403);
	ck_assert_int_eq(web_req("POST", "/api/silence",
	    "Authorization: Bearer ann-0123456789abcdef\r\n",
	    "{\"match\":{\"queue\":\"sales\"},\"for\":\"1h\"}", out,
	    sizeof out), 403);
	ck_assert_int_eq(bb_stop(&b, SIGKILL), 128 + SIGKILL);
	ck_assert_msg(bb_start(&b) == 0, "no restart (see %s)", b.log);
	o = bb_request(&b, "{\"cmd\":\"snapshot\"}", 3000);
	ck_assert_ptr_nonnull(o);
	ck_assert_int_eq(cJSON_GetArraySize(cJSON_GetObjectItem(o,
	    "silences")), 0);
	cJSON_ArrayForEach(it, cJSON_GetObjectItem(o, "alerts"))
		ck_assert_str_ne(bb_str(it, "state"), "acked");
	cJSON_Delete(o);
	ck_assert(!bb_log_has(&b, "alert acked"));
	ck_assert_int_eq(bb_stop(&b, SIGTERM), 0);
}
END_TEST

/*
 * The listener is bound at start: a reload that moves it is refused, or
 * a config with no tokens could leave an open listener off loopback.
 */
START_TEST(a_reload_that_moves_the_listener_is_refused)
{
	char	 sec[1024];
	int	 other = bb_free_port();
	cJSON	*r;

	web_start(true);
	snprintf(sec, sizeof sec, WEB_TOKENS, b.dir, b.dir, b.dir);
	bb_write_conf(&b, WEB_CONF, b.feed, b.pub, b.ctl, other, sec);
	r = bb_request(&b, "{\"cmd\":\"reload\"}", 5000);
	ck_assert(cJSON_IsFalse(cJSON_GetObjectItem(r, "ok")));
	ck_assert_str_eq(bb_str(r, "error"), "http.listen changes only with a "
	    "restart; the running configuration is kept");
	cJSON_Delete(r);
	ck_assert_int_eq(bb_stop(&b, SIGTERM), 0);
}
END_TEST

/* A client that never reads is dropped and counted; the daemon goes on. */
START_TEST(a_slow_client_is_dropped)
{
	static char	 out[1 << 16];
	int		 fd, small = 4096, i;
	double		 t = bb_now();

	web_start(false);
	fd = socket(AF_INET, SOCK_STREAM, 0);
	ck_assert_int_eq(setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &small,
	    sizeof small), 0);
	{
		struct sockaddr_in sa;

		memset(&sa, 0, sizeof sa);
		sa.sin_family = AF_INET;
		sa.sin_port = htons((uint16_t)port);
		sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
		ck_assert_int_eq(connect(fd, (struct sockaddr *)&sa,
		    sizeof sa), 0);
	}
	ck_assert_int_eq(write(fd, "GET /events HTTP/1.1\r\nHost: x\r\n\r\n",
	    33), 33);
	/* Thousands of call/ messages it never reads. */
	for (i = 0; i < 12000; i++)
		bb_push(&b, "{\"type\":\"queued\",\"call_id\":\"q%d\",\"ts\":%.6f,"
		    "\"queue\":\"sales\",\"caller\":\"+1555%06d\"}", i, t, i);
	ck_assert(bb_wait_log(&b, "wallboard client dropped: too slow", 10000));
	ck_assert_int_eq(web_req("GET", "/metrics", NULL, NULL, out,
	    sizeof out), 200);
	ck_assert_ptr_nonnull(strstr(out,
	    "callwatch_wallboard_dropped_total 1\n"));
	ck_assert_ptr_nonnull(strstr(out, "callwatch_wallboard_clients 0\n"));
	ck_assert(bb_wait_stat(&b, "calls", 12000, 10000));
	close(fd);
	ck_assert_int_eq(bb_stop(&b, SIGTERM), 0);
}
END_TEST

/* Resident kB of pid. */
static long
web_rss(pid_t pid)
{
	char	 path[64], line[256];
	long	 kb = -1;
	FILE	*f;

	snprintf(path, sizeof path, "/proc/%d/status", (int)pid);
	ck_assert_ptr_nonnull(f = fopen(path, "r"));
	while (fgets(line, sizeof line, f) != NULL)
		if (sscanf(line, "VmRSS: %ld", &kb) == 1)
			break;
	fclose(f);
	return kb;
}

/* What a client sends down an open stream is not kept. */
START_TEST(bytes_sent_down_a_stream_are_not_kept)
{
	static char	 out[1 << 16], junk[1 << 16];
	long		 before;
	size_t		 sent = 0;
	ssize_t		 n;
	int		 fd;

	web_start(false);
	fd = web_stream("/events", NULL);
	out[0] = '\0';
	ck_assert(web_until(fd, out, sizeof out, "event: snapshot\n", 3000));
	before = web_rss(b.pid);
	memset(junk, 'x', sizeof junk);
	while (sent < ((size_t)64 << 20)) {
		struct pollfd p = { fd, POLLOUT, 0 };

		if (poll(&p, 1, 2000) <= 0)
			break;		/* the daemon does not read: fine */
		if ((n = write(fd, junk, sizeof junk)) <= 0)
			break;
		sent += (size_t)n;
	}
	usleep(300 * 1000);
	ck_assert_msg(web_rss(b.pid) - before < 16 * 1024, "RSS %ld -> %ld kB "
	    "after %zu bytes sent down the stream", before, web_rss(b.pid),
	    sent);
	close(fd);
	ck_assert_int_eq(bb_stop(&b, SIGTERM), 0);
}
END_TEST

/* One token cannot take every stream slot: 50 streams a token. */
START_TEST(one_token_holds_at_most_fifty_streams)
{
	static char	 out[1 << 16];
	int		 fd[50], i, extra;

	web_start(true);
	for (i = 0; i < 50; i++) {
		fd[i] = web_stream("/events?token=vic-0123456789abcdef", NULL);
		out[0] = '\0';
		ck_assert(web_until(fd[i], out, sizeof out,
		    "event: snapshot\n", 3000));
	}
	extra = web_stream("/events?token=vic-0123456789abcdef", NULL);
	out[0] = '\0';
	ck_assert(web_until(extra, out, sizeof out, "too many streams", 3000));
	ck_assert_ptr_nonnull(strstr(out, "HTTP/1.1 503"));
	close(extra);
	/* Another token still gets in. */
	extra = web_stream("/events?token=ann-0123456789abcdef", NULL);
	out[0] = '\0';
	ck_assert(web_until(extra, out, sizeof out, "event: snapshot\n", 3000));
	close(extra);
	for (i = 0; i < 50; i++)
		close(fd[i]);
	ck_assert_int_eq(bb_stop(&b, SIGTERM), 0);
}
END_TEST

/* Token files are checked like key files; tokens open the listener. */
START_TEST(token_settings_are_checked)
{
	char	 bin[256], out[8192], path[160];
	const char *argv[] = { bin, "-n", "-c", b.conf, NULL };

	snprintf(bin, sizeof bin, "%s/callwatchd", bb_build());
	web_token("ann", "short");
	web_token("vic", "vic-0123456789abcdef");
	snprintf(path, sizeof path, "%s/vic.token", b.dir);
	ck_assert_int_eq(chmod(path, 0644), 0);
	bb_write_conf(&b, "feeds: [{name: main, endpoint: \"ipc://%s/f\"}]\n"
	    "http: {listen: \"10.9.8.7:7180\"}\n"
	    "security:\n  tokens:\n"
	    "    - {name: ann, token_file: %s/ann.token, role: supervisor}\n"
	    "    - {name: vic, token_file: %s/vic.token, role: viewer}\n"
	    "    - {name: pbx, token_file: %s/none.token, role: feed}\n",
	    b.dir, b.dir, b.dir, b.dir);
	ck_assert_int_eq(bb_run(argv, out, sizeof out), 1);
	ck_assert_msg(strstr(out, ":5:7: security.tokens[0]: the first line "
	    "of") != NULL, "%s", out);
	ck_assert_msg(strstr(out, ":6:7: security.tokens[1]: ") != NULL &&
	    strstr(out, "is readable by others (mode 0644)") != NULL, "%s",
	    out);
	ck_assert_msg(strstr(out, ":7:7: security.tokens[2]: a token is for a "
	    "person") != NULL, "%s", out);
	ck_assert_msg(strstr(out, "cannot read") != NULL, "%s", out);
	/* http.listen off loopback is fine with tokens. */
	ck_assert_ptr_null(strstr(out, "http.listen"));
}
END_TEST

static Suite *
web_suite(void)
{
	Suite	*s = suite_create("web");
	TCase	*tc = tcase_create("http");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, events_start_with_a_snapshot_then_follow_seq);
	tcase_add_test(tc, last_event_id_resumes_or_snapshots);
	tcase_add_test(tc, a_queue_filter_keeps_one_queue);
	tcase_add_test(tc, the_api_answers_like_the_control_socket);
	tcase_add_test(tc, tokens_are_required_when_given);
	tcase_add_test(tc, token_roles_and_queues_apply);
	tcase_add_test(tc, a_slow_client_is_dropped);
	tcase_add_test(tc, a_reload_that_moves_the_listener_is_refused);
	tcase_add_test(tc, refused_requests_are_not_replayed_after_a_crash);
	tcase_add_test(tc, bytes_sent_down_a_stream_are_not_kept);
	tcase_add_test(tc, one_token_holds_at_most_fifty_streams);
	tcase_add_test(tc, token_settings_are_checked);
	suite_add_tcase(s, tc);
	return s;
}

int
main(void)
{
	return bb_run_suite(web_suite());
}
