/*
 * Black-box helpers: start the real callwatchd on free ports, talk to it
 * over ZeroMQ like a PBX and a supervisor would, stop it.
 */
#include <check.h>
#include <errno.h>
#include <fcntl.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <zmq.h>

#include "bb.h"

/* The build folder (CW_BUILD, default "build"). */
const char *
bb_build(void)
{
	const char	*b = getenv("CW_BUILD");

	return b != NULL ? b : "build";
}

/* The source folder (CW_SRC, default "."). */
const char *
bb_src(void)
{
	const char	*s = getenv("CW_SRC");

	return s != NULL ? s : ".";
}

/*
 * The real data file name (../shared/data, see its SOURCES.md): in
 * CW_DATA if set, else next to the source tree ($CW_SRC/../shared/data),
 * else in the workplace's shared folder (a clone made elsewhere, such as
 * CI's).  Fails the test clearly if it is nowhere.  The caller frees it.
 */
char *
bb_data(const char *name)
{
	const char	*env = getenv("CW_DATA");
	char		*cand[2];
	size_t		 i, n = 0;

	if (env != NULL && *env != '\0')
		ck_assert_int_ge(asprintf(&cand[n++], "%s/%s", env, name), 0);
	else {
		ck_assert_int_ge(asprintf(&cand[n++], "%s/../shared/data/%s",
		    bb_src(), name), 0);
		ck_assert_int_ge(asprintf(&cand[n++], "/work/shared/data/%s",
		    name), 0);
	}
	for (i = 0; i < n; i++)
		if (access(cand[i], R_OK) == 0) {
			if (i + 1 < n)
				free(cand[n - 1]);
			if (i > 0)
				free(cand[0]);
			return cand[i];
		}
	ck_abort_msg("the data file %s cannot be read (%s): set CW_DATA to "
	    "the folder holding it", cand[n - 1], strerror(errno));
	return NULL;
}

/* Whether buf holds the end of a header block (LF or CRLF lines). */
static bool
bb_block_end(const char *buf)
{
	return strstr(buf, "\n\n") != NULL || strstr(buf, "\r\n\r\n") != NULL;
}

/* Read from c until a block ends; append what came to the file log. */
static void
bb_fake_read(int c, const char *log)
{
	char	 buf[4096];
	size_t	 got = 0;
	ssize_t	 r;
	FILE	*f;

	buf[0] = '\0';
	while (got + 1 < sizeof buf && (r = read(c, buf + got,
	    sizeof buf - got - 1)) > 0) {
		got += (size_t)r;
		buf[got] = '\0';
		if (bb_block_end(buf))
			break;
	}
	if ((f = fopen(log, "a")) != NULL) {
		fwrite(buf, 1, got, f);
		fclose(f);
	}
}

/*
 * A fake PBX (AMI or ESL) in a child process: listens on a free loopback
 * port (*port) and serves n connections in turn: the banner, a block
 * read (the login, appended to the file log), reply[i], one more block
 * read when more_after and the reply accepted (+OK or Success: ESL's
 * subscription), payload[i] (plen[i] bytes), close.  NULL replies and
 * payloads are not sent.  Its pid; it exits 0 after the n-th.
 */
pid_t
bb_fake_pbx(int *port, int n, const char *banner, const char *const *reply,
    const char *const *payload, const size_t *plen, const char *log,
    bool more_after)
{
	struct sockaddr_in sa;
	socklen_t	 sl = sizeof sa;
	int		 ls, c, i, one = 1;
	pid_t		 pid;

	ck_assert_int_ge(ls = socket(AF_INET, SOCK_STREAM, 0), 0);
	setsockopt(ls, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
	memset(&sa, 0, sizeof sa);
	sa.sin_family = AF_INET;
	sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	ck_assert_int_eq(bind(ls, (struct sockaddr *)&sa, sizeof sa), 0);
	ck_assert_int_eq(listen(ls, 4), 0);
	ck_assert_int_eq(getsockname(ls, (struct sockaddr *)&sa, &sl), 0);
	*port = ntohs(sa.sin_port);
	if ((pid = fork()) != 0) {
		ck_assert_int_ge(pid, 0);
		close(ls);
		return pid;
	}
	for (i = 0; i < n; i++) {
		if ((c = accept(ls, NULL, NULL)) == -1)
			_exit(1);
		if (write(c, banner, strlen(banner)) < 0)
			_exit(1);
		bb_fake_read(c, log);
		if (reply[i] != NULL &&
		    write(c, reply[i], strlen(reply[i])) < 0)
			_exit(1);
		if (more_after && reply[i] != NULL &&
		    (strstr(reply[i], "+OK") != NULL ||
		    strstr(reply[i], "Success") != NULL))
			bb_fake_read(c, log);
		if (payload[i] != NULL && write(c, payload[i], plen[i]) < 0)
			_exit(1);
		close(c);
	}
	_exit(0);
}

/* Wall-clock seconds. */
double
bb_now(void)
{
	struct timespec	 ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* A TCP port nobody listens on right now. */
int
bb_free_port(void)
{
	struct sockaddr_in sin;
	socklen_t	 len = sizeof sin;
	int		 fd = socket(AF_INET, SOCK_STREAM, 0), port;

	ck_assert_int_ge(fd, 0);
	memset(&sin, 0, sizeof sin);
	sin.sin_family = AF_INET;
	sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	ck_assert_int_eq(bind(fd, (struct sockaddr *)&sin, sizeof sin), 0);
	ck_assert_int_eq(getsockname(fd, (struct sockaddr *)&sin, &len), 0);
	port = ntohs(sin.sin_port);
	close(fd);
	return port;
}

/* A temporary folder and free endpoints; nothing started yet. */
void
bb_init(struct bb *b)
{
	memset(b, 0, sizeof *b);
	snprintf(b->dir, sizeof b->dir, "/tmp/cwbb-XXXXXX");
	ck_assert_ptr_nonnull(mkdtemp(b->dir));
	snprintf(b->conf, sizeof b->conf, "%s/callwatch.yaml", b->dir);
	snprintf(b->log, sizeof b->log, "%s/daemon.log", b->dir);
	snprintf(b->feed, sizeof b->feed, "tcp://127.0.0.1:%d",
	    bb_free_port());
	snprintf(b->pub, sizeof b->pub, "tcp://127.0.0.1:%d", bb_free_port());
	snprintf(b->ctl, sizeof b->ctl, "ipc://%s/control", b->dir);
	b->zctx = zmq_ctx_new();
	b->pid = -1;
}

/* Write the config file (printf-style). */
void
bb_write_conf(struct bb *b, const char *fmt, ...)
{
	FILE	*f = fopen(b->conf, "w");
	va_list	 ap;

	ck_assert_ptr_nonnull(f);
	va_start(ap, fmt);
	vfprintf(f, fmt, ap);
	va_end(ap);
	ck_assert_int_eq(fclose(f), 0);
}

/*
 * Open a socket of type, connected to ep, with a linger of 0; a CURVE
 * client with key pair pub, sec (NULL: plain) of the daemon's key in b.
 * A SUB subscribes to everything.
 */
void *
bb_socket_as(struct bb *b, int type, const char *ep, const char *pub,
    const char *sec)
{
	void	*s = zmq_socket(b->zctx, type);
	int	 zero = 0;

	ck_assert_ptr_nonnull(s);
	zmq_setsockopt(s, ZMQ_LINGER, &zero, sizeof zero);
	if (pub != NULL) {
		ck_assert_int_eq(zmq_setsockopt(s, ZMQ_CURVE_SERVERKEY,
		    b->server_pub, 40), 0);
		ck_assert_int_eq(zmq_setsockopt(s, ZMQ_CURVE_PUBLICKEY, pub,
		    40), 0);
		ck_assert_int_eq(zmq_setsockopt(s, ZMQ_CURVE_SECRETKEY, sec,
		    40), 0);
	}
	if (type == ZMQ_SUB)
		zmq_setsockopt(s, ZMQ_SUBSCRIBE, "", 0);
	ck_assert_int_eq(zmq_connect(s, ep), 0);
	return s;
}

/* A socket as the harness's own client (CURVE when b has keys). */
static void *
bb_socket(struct bb *b, int type, const char *ep)
{
	return bb_socket_as(b, type, ep, b->server_pub[0] != '\0' ?
	    b->key_pub : NULL, b->key_sec);
}

/*
 * Start the daemon on b->conf, connect the client sockets and wait until
 * it answers a control request.  Returns 0, or -1 if it exited.
 */
int
bb_start(struct bb *b)
{
	char	 bin[256];
	int	 i, fd;
	cJSON	*r;

	/* A restart: fresh client sockets. */
	if (b->push != NULL)
		zmq_close(b->push);
	if (b->sub != NULL)
		zmq_close(b->sub);
	if (b->dealer != NULL)
		zmq_close(b->dealer);
	b->push = b->sub = b->dealer = NULL;
	snprintf(bin, sizeof bin, "%s/callwatchd", bb_build());
	b->pid = fork();
	ck_assert_int_ge(b->pid, 0);
	if (b->pid == 0) {
		fd = open(b->log, O_WRONLY | O_CREAT | O_APPEND, 0644);
		dup2(fd, 2);
		execl(bin, bin, "-c", b->conf, (char *)NULL);
		_exit(127);
	}
	b->push = bb_socket(b, ZMQ_PUSH, b->feed);
	b->sub = bb_socket(b, ZMQ_SUB, b->pub);
	b->dealer = bb_socket(b, ZMQ_DEALER, b->ctl);
	for (i = 0; i < 100; i++) {
		int	 st;

		if (waitpid(b->pid, &st, WNOHANG) == b->pid) {
			b->pid = -1;
			return -1;
		}
		if ((r = bb_request(b, "{\"cmd\":\"stats\"}", 100)) != NULL) {
			cJSON_Delete(r);
			/* Let the subscription reach the PUB socket. */
			usleep(100 * 1000);
			return 0;
		}
	}
	ck_abort_msg("daemon did not answer within 10 s");
	return -1;
}

/* Send sig and wait for the exit; returns the exit status (or 128+sig). */
int
bb_stop(struct bb *b, int sig)
{
	int	 st, i;

	if (b->pid <= 0)
		return -1;
	kill(b->pid, sig);
	for (i = 0; i < 1000; i++) {
		if (waitpid(b->pid, &st, WNOHANG) == b->pid) {
			b->pid = -1;
			return WIFEXITED(st) ? WEXITSTATUS(st) :
			    128 + WTERMSIG(st);
		}
		usleep(10 * 1000);
	}
	kill(b->pid, SIGKILL);
	waitpid(b->pid, &st, 0);
	b->pid = -1;
	ck_abort_msg("daemon did not stop within 10 s");
	return -1;
}

/* Stop the daemon if running, close sockets, remove the folder. */
void
bb_cleanup(struct bb *b)
{
	char	 cmd[128];

	if (b->pid > 0)
		bb_stop(b, SIGKILL);
	if (b->push)
		zmq_close(b->push);
	if (b->sub)
		zmq_close(b->sub);
	if (b->dealer)
		zmq_close(b->dealer);
	zmq_ctx_term(b->zctx);
	if (getenv("CW_KEEP") == NULL) {
		snprintf(cmd, sizeof cmd, "rm -rf '%s'", b->dir);
		if (system(cmd) != 0)
			fprintf(stderr, "could not remove %s\n", b->dir);
	}
}

/* Run argv to completion, capturing stdout+stderr; the exit status. */
int
bb_run(const char *const *argv, char *out, size_t len)
{
	int	 p[2], st;
	pid_t	 pid;
	size_t	 n = 0;
	ssize_t	 r;

	ck_assert_int_eq(pipe(p), 0);
	pid = fork();
	ck_assert_int_ge(pid, 0);
	if (pid == 0) {
		dup2(p[1], 1);
		dup2(p[1], 2);
		close(p[0]);
		execv(argv[0], (char *const *)(uintptr_t)argv);
		_exit(127);
	}
	close(p[1]);
	while (n + 1 < len && (r = read(p[0], out + n, len - n - 1)) > 0)
		n += (size_t)r;
	out[n] = '\0';
	close(p[0]);
	waitpid(pid, &st, 0);
	return WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
}

/* Push one event (printf-style) to the feed. */
void
bb_push(struct bb *b, const char *fmt, ...)
{
	va_list	 ap;
	char	*s;
	int	 n;

	va_start(ap, fmt);
	n = vasprintf(&s, fmt, ap);
	va_end(ap);
	ck_assert_int_ge(n, 0);
	bb_push_raw(b, s, (size_t)n);
	free(s);
}

/* Push raw bytes to the feed. */
void
bb_push_raw(struct bb *b, const void *p, size_t len)
{
	ck_assert_int_eq(zmq_send(b->push, p, len, 0), (int)len);
}

/* The next published object within ms milliseconds (topic into buf). */
cJSON *
bb_recv(struct bb *b, int ms, char *topic, size_t len)
{
	zmq_pollitem_t	 it = { b->sub, 0, ZMQ_POLLIN, 0 };
	char		 t[256], body[65536];
	int		 n, m;

	if (zmq_poll(&it, 1, ms) <= 0)
		return NULL;
	n = zmq_recv(b->sub, t, sizeof t - 1, 0);
	ck_assert_int_ge(n, 0);
	t[n < (int)sizeof t ? n : (int)sizeof t - 1] = '\0';
	m = zmq_recv(b->sub, body, sizeof body, 0);
	ck_assert_int_ge(m, 0);
	ck_assert_int_lt(m, (int)sizeof body);
	if (topic != NULL)
		snprintf(topic, len, "%s", t);
	return cJSON_ParseWithLength(body, (size_t)m);
}

/* A control request and its parsed reply, or NULL after ms. */
cJSON *
bb_request(struct bb *b, const char *req, int ms)
{
	return bb_request_raw(b, req, strlen(req), ms);
}

/* A raw control request; the parsed reply, or NULL after ms. */
cJSON *
bb_request_raw(struct bb *b, const void *req, size_t len, int ms)
{
	zmq_pollitem_t	 it = { b->dealer, 0, ZMQ_POLLIN, 0 };
	static char	 body[8 << 20];
	int		 n;

	ck_assert_int_eq(zmq_send(b->dealer, req, len, 0), (int)len);
	if (zmq_poll(&it, 1, ms) <= 0) {
		/* Start over so a late reply is not taken for the next. */
		zmq_close(b->dealer);
		b->dealer = bb_socket(b, ZMQ_DEALER, b->ctl);
		return NULL;
	}
	n = zmq_recv(b->dealer, body, sizeof body, 0);
	ck_assert_int_ge(n, 0);
	ck_assert_int_lt(n, (int)sizeof body);
	return cJSON_ParseWithLength(body, (size_t)n);
}

/* Whether the daemon's log contains s. */
bool
bb_log_has(struct bb *b, const char *s)
{
	return bb_file_has(b->log, s);
}

/* A whole file, NUL-terminated (the caller frees it). */
char *
bb_slurp(const char *path)
{
	FILE	*f = fopen(path, "r");
	char	*s;
	long	 n;

	ck_assert_msg(f != NULL, "%s: %s", path, strerror(errno));
	fseek(f, 0, SEEK_END);
	n = ftell(f);
	rewind(f);
	ck_assert_ptr_nonnull(s = calloc(1, (size_t)n + 1));
	ck_assert_uint_eq(fread(s, 1, (size_t)n, f), (size_t)n);
	fclose(f);
	return s;
}

/* How many lines of the file at path contain s. */
int
bb_file_count(const char *path, const char *s)
{
	FILE	*f = fopen(path, "r");
	char	 line[8192];
	int	 n = 0;

	ck_assert_msg(f != NULL, "%s: %s", path, strerror(errno));
	while (fgets(line, sizeof line, f) != NULL)
		n += strstr(line, s) != NULL;
	fclose(f);
	return n;
}

/* A new scratch folder /tmp/PREFIX-XXXXXX in dir (len bytes). */
void
bb_tmpdir(char *dir, size_t len, const char *prefix)
{
	snprintf(dir, len, "/tmp/%s-XXXXXX", prefix);
	ck_assert_ptr_nonnull(mkdtemp(dir));
}

/* Remove a scratch folder (kept when CW_KEEP is set). */
void
bb_rmdir(const char *dir)
{
	char	 cmd[256];

	snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
	if (getenv("CW_KEEP") == NULL && system(cmd) != 0)
		fprintf(stderr, "could not remove %s\n", dir);
}

/* Whether the file at path has a line containing s. */
bool
bb_file_has(const char *path, const char *s)
{
	FILE	*f = fopen(path, "r");
	char	 line[4096];
	bool	 found = false;

	if (f == NULL)
		return false;
	while (!found && fgets(line, sizeof line, f) != NULL)
		found = strstr(line, s) != NULL;
	fclose(f);
	return found;
}

/* Wait up to ms for the daemon's log to contain s. */
bool
bb_wait_log(struct bb *b, const char *s, int ms)
{
	return bb_wait_file(b->log, s, ms);
}

/* Wait up to ms for the file at path to have a line containing s. */
bool
bb_wait_file(const char *path, const char *s, int ms)
{
	int	 waited;

	for (waited = 0; waited <= ms; waited += 20) {
		if (bb_file_has(path, s))
			return true;
		usleep(20 * 1000);
	}
	return false;
}

/*
 * Start argv in the background, its stdout to out and its stderr to err
 * (files, truncated); its pid.
 */
pid_t
bb_spawn(const char *const *argv, const char *out, const char *err)
{
	pid_t	 pid = fork();

	ck_assert_int_ge(pid, 0);
	if (pid == 0) {
		int	 o = open(out, O_WRONLY | O_CREAT | O_TRUNC, 0644);
		int	 e = open(err, O_WRONLY | O_CREAT | O_TRUNC, 0644);

		dup2(o, 1);
		dup2(e, 2);
		execv(argv[0], (char *const *)(uintptr_t)argv);
		_exit(127);
	}
	return pid;
}

/* Send sig to pid and reap it; its exit status (or 128+signal). */
int
bb_reap(pid_t pid, int sig)
{
	int	 st;

	kill(pid, sig);
	if (waitpid(pid, &st, 0) != pid)
		return -1;
	return WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
}

/*
 * Wait up to ms for the numeric stats field path ("received" or
 * "rejected.bad_json") to reach at least want.
 */
bool
bb_wait_stat(struct bb *b, const char *path, double want, int ms)
{
	char	 first[64];
	const char *dot = strchr(path, '.');
	int	 waited;

	snprintf(first, sizeof first, "%.*s",
	    dot != NULL ? (int)(dot - path) : (int)strlen(path), path);
	for (waited = 0; waited <= ms; waited += 20) {
		cJSON	*r = bb_request(b, "{\"cmd\":\"stats\"}", 1000);
		cJSON	*v;

		if (r != NULL) {
			v = cJSON_GetObjectItem(r, first);
			if (dot != NULL)
				v = cJSON_GetObjectItem(v, dot + 1);
			if (cJSON_IsNumber(v) && v->valuedouble >= want) {
				cJSON_Delete(r);
				return true;
			}
			cJSON_Delete(r);
		}
		usleep(20 * 1000);
	}
	return false;
}

/* A string member of o, or "(none)". */
const char *
bb_str(const cJSON *o, const char *k)
{
	const cJSON	*j = cJSON_GetObjectItemCaseSensitive(o, k);

	return cJSON_IsString(j) ? j->valuestring : "(none)";
}

/* A number member of o (fails the test if absent). */
double
bb_num(const cJSON *o, const char *k)
{
	const cJSON	*j = cJSON_GetObjectItemCaseSensitive(o, k);

	ck_assert_msg(cJSON_IsNumber(j), "no number %s", k);
	return j->valuedouble;
}

/* A TCP connection to 127.0.0.1:port. */
int
bb_tcp_connect(int port)
{
	struct sockaddr_in sa;
	int		 fd = socket(AF_INET, SOCK_STREAM, 0);

	ck_assert_int_ge(fd, 0);
	memset(&sa, 0, sizeof sa);
	sa.sin_family = AF_INET;
	sa.sin_port = htons((uint16_t)port);
	sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	ck_assert_int_eq(connect(fd, (struct sockaddr *)&sa, sizeof sa), 0);
	return fd;
}

/*
 * One HTTP/1.0 request to 127.0.0.1:port (method, path, extra header
 * lines each ending in CRLF or NULL, body or NULL); the status, the body
 * of the reply in out.
 */
int
bb_http(int port, const char *method, const char *path, const char *hdrs,
    const char *body, char *out, size_t len)
{
	char	 req[4096], *p;
	size_t	 n = 0;
	ssize_t	 r;
	int	 fd = bb_tcp_connect(port), code = -1;

	snprintf(req, sizeof req, "%s %s HTTP/1.0\r\n%sContent-Length: %zu"
	    "\r\n\r\n%s", method, path, hdrs != NULL ? hdrs : "",
	    body != NULL ? strlen(body) : 0, body != NULL ? body : "");
	ck_assert_int_eq(write(fd, req, strlen(req)), (ssize_t)strlen(req));
	while (n + 1 < len && (r = read(fd, out + n, len - n - 1)) > 0)
		n += (size_t)r;
	out[n] = '\0';
	close(fd);
	sscanf(out, "HTTP/1.%*d %d", &code);
	if ((p = strstr(out, "\r\n\r\n")) != NULL)
		memmove(out, p + 4, strlen(p + 4) + 1);
	return code;
}

/* Run a test program's suite; its exit status (0: every test passed). */
int
bb_run_suite(Suite *s)
{
	SRunner	*sr = srunner_create(s);
	int	 failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? 0 : 1;
}
