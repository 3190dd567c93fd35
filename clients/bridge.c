/*
 * The PBX bridges' shared part: where events go (a PUSH to the daemon's
 * feed that never blocks: while the daemon is away, a restart say, up to
 * BRIDGE_SNDHWM events wait for it; past that a daemon that does not read
 * costs dropped events and one warning, never a stalled PBX connection; or
 * JSON Lines
 * on stdout), connecting to the PBX with an exponential back-off (1 s
 * doubling to 30 s, reset once logged in), secrets, clean UTF-8.
 */
#include <errno.h>
#include <getopt.h>
#include <netdb.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include <zmq.h>

#include "bridge.h"
#include "client.h"
#include "cw.h"

#define BRIDGE_BACKOFF_MAX	30
/* Events queued for the daemon: a restart's worth, about 20 MB. */
#define BRIDGE_SNDHWM		100000

volatile sig_atomic_t bridge_stop;

static void
bridge_signal(int sig)
{
	(void)sig;
	bridge_stop = 1;
}

/*
 * The bridges' common command line: -c FILE, --feed EP | --jsonl, --host,
 * --port, --username (when o->user is set), the secret's file option
 * (secret_opt), --once, --help.  The defaults are in *o already.  0 to
 * go on, or the exit status (0 after --help, 2 after a usage error).
 */
int
bridge_options(int argc, char **argv, const char *secret_opt,
    struct bridge_opts *o, void (*usage)(FILE *))
{
	struct option longopts[] = {
		{ "feed", required_argument, NULL, 'f' },
		{ "jsonl", no_argument, NULL, 'j' },
		{ "host", required_argument, NULL, 'H' },
		{ "port", required_argument, NULL, 'p' },
		{ secret_opt, required_argument, NULL, 's' },
		{ "once", no_argument, NULL, '1' },
		{ "key", required_argument, NULL, 'k' },
		{ "server-key", required_argument, NULL, 'K' },
		{ "help", no_argument, NULL, 'h' },
		{ "username", required_argument, NULL, 'u' },
		{ NULL, 0, NULL, 0 },
	};
	const char *key = NULL, *server_key = NULL;
	char	 err[512];
	int	 ch;

	/* No user to name: the table ends before --username. */
	if (o->user == NULL)
		longopts[nitems(longopts) - 2].name = NULL;

	while ((ch = getopt_long(argc, argv, "c:h", longopts, NULL)) != -1) {
		switch (ch) {
		case 'c':
			o->conf = optarg;
			break;
		case 'f':
			o->feed = optarg;
			break;
		case 'j':
			o->jsonl = true;
			break;
		case 'H':
			o->host = optarg;
			break;
		case 'p':
			o->port = optarg;
			break;
		case 'u':
			o->user = optarg;
			break;
		case 's':
			o->secret_file = optarg;
			break;
		case '1':
			o->once = true;
			break;
		case 'k':
			key = optarg;
			break;
		case 'K':
			server_key = optarg;
			break;
		case 'h':
			usage(stdout);
			return -1;
		default:
			usage(stderr);
			return 2;
		}
	}
	if (optind < argc || (o->jsonl && o->feed != NULL)) {
		usage(stderr);
		return 2;
	}
	if (!o->jsonl && curvekeys_load(&o->keys, key, server_key, err,
	    sizeof err) == -1) {
		fprintf(stderr, "%s: %s\n", program_invocation_short_name, err);
		return 2;
	}
	return 0;
}

/* One line on stderr: "PROG: ...". */
void
bridge_log(const struct bridge *b, const char *fmt, ...)
{
	va_list	 ap;

	fprintf(stderr, "%s: ", b->prog);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
}

/* Wall-clock seconds. */
double
bridge_now(void)
{
	return (double)dur_wallclock() / 1e6;
}

/*
 * Where events go: stdout (jsonl), or the feed (given, else the config's
 * first pull feed of the format the bridge sends).  0, or -1 after an
 * error line.
 */
int
bridge_open(struct bridge *b, const char *prog, const struct bridge_opts *o)
{
	const char	*conf = o->conf, *feed = o->feed;
	bool		 jsonl = o->jsonl;
	int		 linger = 2000, hwm = BRIDGE_SNDHWM;

	memset(b, 0, sizeof *b);
	b->prog = prog;
	b->jsonl = jsonl;
	b->backoff = 1;
	signal(SIGINT, bridge_signal);
	signal(SIGTERM, bridge_signal);
	signal(SIGPIPE, SIG_IGN);
	if (jsonl)
		return 0;
	if (feed == NULL) {
		if ((b->feed = client_find_feed(conf, o->format, &o->keys)) ==
		    NULL)
			return -1;
	} else
		b->feed = xstrdup(feed);
	b->zctx = zmq_ctx_new();
	b->push = zmq_socket(b->zctx, ZMQ_PUSH);
	zmq_setsockopt(b->push, ZMQ_LINGER, &linger, sizeof linger);
	zmq_setsockopt(b->push, ZMQ_SNDHWM, &hwm, sizeof hwm);
	curvekeys_apply(&o->keys, b->push);
	if (zmq_connect(b->push, b->feed) == -1) {
		bridge_log(b, "cannot connect to %s: %s", b->feed,
		    zmq_strerror(errno));
		return -1;
	}
	return 0;
}

void
bridge_close(struct bridge *b)
{
	if (b->push != NULL)
		zmq_close(b->push);
	if (b->zctx != NULL)
		zmq_ctx_term(b->zctx);
	free(b->feed);
	fflush(stdout);
}

/* Send or print one event (o is freed). */
void
bridge_emit(struct bridge *b, cJSON *o)
{
	char	*s = cJSON_PrintUnformatted(o);

	cJSON_Delete(o);
	if (b->jsonl) {
		printf("%s\n", s);
		fflush(stdout);
		b->sent++;
	} else
		bridge_emit_raw(b, s, strlen(s));
	cJSON_free(s);
}

/* Send n bytes as they are (a telephony-format message). */
void
bridge_emit_raw(struct bridge *b, const char *s, size_t n)
{
	if (zmq_send(b->push, s, n, ZMQ_DONTWAIT) == -1) {
		b->dropped++;
		if (!b->warned)
			bridge_log(b, "the daemon at %s is not reading; "
			    "dropping events", b->feed);
		b->warned = true;
	} else {
		b->sent++;
		b->warned = false;
	}
}

/* A TCP connection to host:port, or -1 after a log line. */
int
bridge_connect(struct bridge *b, const char *host, const char *port)
{
	struct addrinfo	 hints, *res, *ai;
	int		 fd = -1, rc, on = 1;

	memset(&hints, 0, sizeof hints);
	hints.ai_family = AF_UNSPEC;
	hints.ai_socktype = SOCK_STREAM;
	if ((rc = getaddrinfo(host, port, &hints, &res)) != 0) {
		bridge_log(b, "%s:%s: %s", host, port, gai_strerror(rc));
		return -1;
	}
	for (ai = res; ai != NULL; ai = ai->ai_next) {
		if ((fd = socket(ai->ai_family, ai->ai_socktype |
		    SOCK_CLOEXEC, ai->ai_protocol)) == -1)
			continue;
		if (connect(fd, ai->ai_addr, ai->ai_addrlen) == 0)
			break;
		close(fd);
		fd = -1;
	}
	freeaddrinfo(res);
	if (fd == -1) {
		bridge_log(b, "cannot connect to %s:%s: %s", host, port,
		    strerror(errno));
		return -1;
	}
	/* A PBX that vanishes without a word is noticed. */
	setsockopt(fd, SOL_SOCKET, SO_KEEPALIVE, &on, sizeof on);
	return fd;
}

/* Write all of s to fd; 0, or -1 with errno. */
int
bridge_write(int fd, const char *s)
{
	size_t	 n = strlen(s), off = 0;
	ssize_t	 w;

	while (off < n) {
		if ((w = write(fd, s + off, n - off)) == -1) {
			if (errno == EINTR)
				continue;
			return -1;
		}
		off += (size_t)w;
	}
	return 0;
}

/*
 * Run sessions (connect, talk, lose the connection) until stopped, with
 * the back-off between them; just one with once.
 */
void
bridge_run(struct bridge *b, bool once, void (*session)(void *), void *arg)
{
	while (!bridge_stop) {
		session(arg);
		if (once || bridge_stop)
			break;
		bridge_wait(b);
	}
	bridge_log(b, "%lu events sent, %lu dropped", b->sent, b->dropped);
}

/* Wait before the next try (interruptible), doubling the wait. */
void
bridge_wait(struct bridge *b)
{
	int	 i;

	bridge_log(b, "retrying in %d s", b->backoff);
	for (i = 0; i < b->backoff * 10 && !bridge_stop; i++)
		(void)poll(NULL, 0, 100);
	b->backoff = b->backoff * 2 > BRIDGE_BACKOFF_MAX ?
	    BRIDGE_BACKOFF_MAX : b->backoff * 2;
}

/* Logged in: the next failure waits a second again. */
void
bridge_connected(struct bridge *b)
{
	b->backoff = 1;
}

/*
 * The secret: the environment variable env, else the first line of
 * file; NULL after an error line when neither is there.
 */
char *
bridge_secret(const char *prog, const char *env, const char *opt,
    const char *file)
{
	const char	*e = getenv(env);
	char		*line = NULL;
	size_t		 cap = 0;
	ssize_t		 n;
	FILE		*f;

	if (file == NULL && e != NULL && *e != '\0')
		return xstrdup(e);
	if (file == NULL) {
		fprintf(stderr, "%s: no secret: set %s or give --%s FILE "
		    "(never on the command line)\n", prog, env, opt);
		return NULL;
	}
	/* Not the name given: "--password S3CRET" is an abbreviation of
	 * the file option, and the secret must not reach the logs. */
	if ((f = fopen(file, "r")) == NULL) {
		fprintf(stderr, "%s: cannot read the file given with --%s: "
		    "%s\n", prog, opt, strerror(errno));
		return NULL;
	}
	n = getline(&line, &cap, f);
	fclose(f);
	if (n <= 0) {
		fprintf(stderr, "%s: %s is empty\n", prog, file);
		free(line);
		return NULL;
	}
	line[strcspn(line, "\r\n")] = '\0';
	return line;
}

/* Replace the bytes of s that are not UTF-8 (or are control
 * characters) with '?', so what the PBX sends is always valid JSON. */
void
bridge_clean_utf8(char *s)
{
	size_t	 i = 0, n = strlen(s), k;

	while (i < n) {
		unsigned char c = (unsigned char)s[i];

		if (c < 0x20 || c == 0x7f) {
			s[i++] = '?';
			continue;
		}
		if (c < 0x80) {
			i++;
			continue;
		}
		k = c >= 0xf0 ? 4 : c >= 0xe0 ? 3 : c >= 0xc2 ? 2 : 0;
		if (k == 0 || i + k > n || !decode_utf8_valid(s + i, k)) {
			s[i++] = '?';
			continue;
		}
		i += k;
	}
}
