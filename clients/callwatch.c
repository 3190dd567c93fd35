/*
 * callwatch: the supervisor's command line.  One command, subcommands in
 * a table of {name, usage, handler}; every error is one line on stderr
 * and a non-zero exit (1: the daemon said no or did not answer, 2: bad
 * arguments).
 *
 *	callwatch [-c FILE] [--control EP] [--publish EP] [--feed EP]
 *	    [--timeout MS] COMMAND [ARGS]
 */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <zmq.h>

#include "client.h"
#include "cmd.h"
#include "cw.h"

/* A subcommand. */
struct cmd {
	const char	*name;
	const char	*usage;		/* arguments, for --help */
	const char	*help;		/* one line */
	int		(*fn)(struct client *, int, char **);
};

static const struct cmd *cmd_find(const char *);

/* The last part of a path. */
static const char *
cmd_basename(const char *p)
{
	const char	*s = strrchr(p, '/');

	return s != NULL ? s + 1 : p;
}

/* An option's value: the next argument, or a usage error. */
const char *
cmd_value(int argc, char **argv, int *i)
{
	if (*i + 1 >= argc) {
		client_err("%s needs a value", argv[*i]);
		return NULL;
	}
	return argv[++*i];
}

/* Print one line of usage for cmd to f. */
static void
cmd_usage(FILE *f, const struct cmd *cmd)
{
	fprintf(f, "usage: callwatch [-c FILE] %s%s%s\n", cmd->name,
	    cmd->usage[0] != '\0' ? " " : "", cmd->usage);
}

/* Whether argv asks for this subcommand's help (printed). */
static bool
cmd_help(const struct cmd *cmd, int argc, char **argv)
{
	int	 i;

	for (i = 1; i < argc; i++)
		if (strcmp(argv[i], "--help") == 0 ||
		    strcmp(argv[i], "-h") == 0) {
			cmd_usage(stdout, cmd);
			printf("%s\n", cmd->help);
			return true;
		}
	return false;
}

/* A usage error for cmd: the reason, then the usage line. */
int
cmd_bad(const char *cmdname, const char *why, const char *arg)
{
	client_err("%s: %s%s%s", cmdname, why, arg != NULL ? ": " : "",
	    arg != NULL ? arg : "");
	cmd_usage(stderr, cmd_find(cmdname));
	return CW_EXIT_USAGE;
}

/* Print a reply as JSON, pretty. */
static void
cmd_print_json(const cJSON *o)
{
	char	*s = client_json(o, true);

	printf("%s\n", s);
	cJSON_free(s);
}

/* stats [--json]: the daemon's counters, one "name value" a line. */
static int
cmd_stats(struct client *c, int argc, char **argv)
{
	cJSON	*r, *it;
	bool	 json = argc > 1 && strcmp(argv[1], "--json") == 0;

	if (argc > (json ? 2 : 1))
		return cmd_bad("stats", "unexpected argument", argv[argc - 1]);
	if ((r = client_request(c, cJSON_Parse("{\"cmd\":\"stats\"}"))) == NULL)
		return CW_EXIT_DAEMON;
	if (json)
		cmd_print_json(r);
	else
		cJSON_ArrayForEach(it, r) {
			char	*s;

			if (strcmp(it->string, "ok") == 0)
				continue;
			s = client_json(it, false);
			printf("%-16s %s\n", it->string, s);
			cJSON_free(s);
		}
	cJSON_Delete(r);
	return 0;
}

/* reload: as SIGHUP. */
static int
cmd_reload(struct client *c, int argc, char **argv)
{
	cJSON	*r;

	if (argc > 1)
		return cmd_bad("reload", "unexpected argument", argv[1]);
	r = client_request(c, cJSON_Parse("{\"cmd\":\"reload\"}"));
	if (r == NULL)
		return CW_EXIT_DAEMON;
	printf("configuration reloaded\n");
	cJSON_Delete(r);
	return 0;
}

/* Who is doing it: --by, else $USER, else "callwatch". */
const char *
cmd_by(const char *by)
{
	const char	*u = getenv("USER");

	return by != NULL ? by : u != NULL && *u != '\0' ? u : "callwatch";
}

/* ack ID [--note TEXT] [--by NAME]. */
static int
cmd_ack(struct client *c, int argc, char **argv)
{
	const char	*id = NULL, *note = NULL, *by = NULL;
	cJSON		*req, *r;
	int		 i;

	for (i = 1; i < argc; i++) {
		if (strcmp(argv[i], "--note") == 0) {
			if ((note = cmd_value(argc, argv, &i)) == NULL)
				return CW_EXIT_USAGE;
		} else if (strcmp(argv[i], "--by") == 0) {
			if ((by = cmd_value(argc, argv, &i)) == NULL)
				return CW_EXIT_USAGE;
		} else if (argv[i][0] == '-')
			return cmd_bad("ack", "unknown option", argv[i]);
		else if (id == NULL)
			id = argv[i];
		else
			return cmd_bad("ack", "one alert id only", argv[i]);
	}
	if (id == NULL)
		return cmd_bad("ack", "which alert? (an id like c-81231/"
		    "long_call)", NULL);
	req = cJSON_CreateObject();
	cJSON_AddStringToObject(req, "cmd", "ack");
	cJSON_AddStringToObject(req, "id", id);
	cJSON_AddStringToObject(req, "by", cmd_by(by));
	if (note != NULL)
		cJSON_AddStringToObject(req, "note", note);
	if ((r = client_request(c, req)) == NULL)
		return CW_EXIT_DAEMON;
	printf("%s acked by %s (%s %s)\n", client_str(r, "id"),
	    client_str(r, "acked_by"), client_str(r, "severity"),
	    client_str(r, "rule"));
	cJSON_Delete(r);
	return 0;
}

/*
 * silence --queue Q [--agent A] [--rule R] --for DUR [--comment TEXT]
 * [--by NAME].
 */
static int
cmd_silence(struct client *c, int argc, char **argv)
{
	static const char *const keys[] = { "queue", "agent", "rule" };
	const char	*val[3] = { NULL, NULL, NULL };
	const char	*dur = NULL, *comment = NULL, *by = NULL, *why;
	cJSON		*req, *m, *r;
	cw_time		 t;
	int		 i;
	size_t		 k;

	for (i = 1; i < argc; i++) {
		for (k = 0; k < nitems(keys); k++)
			if (strncmp(argv[i], "--", 2) == 0 &&
			    strcmp(argv[i] + 2, keys[k]) == 0)
				break;
		if (k < nitems(keys)) {
			if ((val[k] = cmd_value(argc, argv, &i)) == NULL)
				return CW_EXIT_USAGE;
		} else if (strcmp(argv[i], "--for") == 0) {
			if ((dur = cmd_value(argc, argv, &i)) == NULL)
				return CW_EXIT_USAGE;
		} else if (strcmp(argv[i], "--comment") == 0) {
			if ((comment = cmd_value(argc, argv, &i)) == NULL)
				return CW_EXIT_USAGE;
		} else if (strcmp(argv[i], "--by") == 0) {
			if ((by = cmd_value(argc, argv, &i)) == NULL)
				return CW_EXIT_USAGE;
		} else
			return cmd_bad("silence", "unknown argument", argv[i]);
	}
	if (val[0] == NULL && val[1] == NULL && val[2] == NULL)
		return cmd_bad("silence", "say what to silence: --queue, "
		    "--agent or --rule", NULL);
	if (dur == NULL)
		return cmd_bad("silence", "say for how long: --for 30m", NULL);
	/* The daemon's bounds: a bad argument, whether it answers or not. */
	if (dur_parse(dur, &t, &why) == -1 || t < CW_SEC || t > 30 * CW_DAY)
		return cmd_bad("silence", "--for takes a duration from 1s to "
		    "30d, like 30m", dur);
	req = cJSON_CreateObject();
	cJSON_AddStringToObject(req, "cmd", "silence");
	m = cJSON_AddObjectToObject(req, "match");
	for (k = 0; k < nitems(keys); k++)
		if (val[k] != NULL)
			cJSON_AddStringToObject(m, keys[k], val[k]);
	cJSON_AddStringToObject(req, "for", dur);
	cJSON_AddStringToObject(req, "by", cmd_by(by));
	if (comment != NULL)
		cJSON_AddStringToObject(req, "comment", comment);
	if ((r = client_request(c, req)) == NULL)
		return CW_EXIT_DAEMON;
	printf("%s\n", client_str(r, "silence_id"));
	cJSON_Delete(r);
	return 0;
}

/* unsilence ID. */
static int
cmd_unsilence(struct client *c, int argc, char **argv)
{
	cJSON	*req, *r;

	if (argc != 2 || argv[1][0] == '-')
		return cmd_bad("unsilence", argc < 2 ? "which silence? (an id "
		    "like s-3)" : "one silence id only", argc > 2 ? argv[2] :
		    NULL);
	req = cJSON_CreateObject();
	cJSON_AddStringToObject(req, "cmd", "unsilence");
	cJSON_AddStringToObject(req, "silence_id", argv[1]);
	if ((r = client_request(c, req)) == NULL)
		return CW_EXIT_DAEMON;
	printf("%s lifted\n", argv[1]);
	cJSON_Delete(r);
	return 0;
}

/* A snapshot (of queue q, or all), or NULL after an error line. */
static cJSON *
cmd_snapshot(struct client *c, const char *q)
{
	cJSON	*req = cJSON_CreateObject();

	cJSON_AddStringToObject(req, "cmd", "snapshot");
	if (q != NULL)
		cJSON_AddStringToObject(req, "queue", q);
	return client_request(c, req);
}

/* Parse [--json] [--queue Q] (with_queue); -1 on a usage error. */
static int
cmd_flags(const char *name, int argc, char **argv, bool with_queue,
    bool *json, const char **q)
{
	int	 i;

	*json = false;
	*q = NULL;
	for (i = 1; i < argc; i++)
		if (strcmp(argv[i], "--json") == 0)
			*json = true;
		else if (with_queue && strcmp(argv[i], "--queue") == 0) {
			if ((*q = cmd_value(argc, argv, &i)) == NULL)
				return -1;
		} else {
			(void)cmd_bad(name, "unknown argument", argv[i]);
			return -1;
		}
	return 0;
}

/* silences [--json]: the silences in force. */
static int
cmd_silences(struct client *c, int argc, char **argv)
{
	const cJSON	*it, *m;
	cJSON		*snap;
	const char	*q;
	bool		 json;

	if (cmd_flags("silences", argc, argv, false, &json, &q) == -1)
		return CW_EXIT_USAGE;
	if ((snap = cmd_snapshot(c, NULL)) == NULL)
		return CW_EXIT_DAEMON;
	if (json)
		cmd_print_json(cJSON_GetObjectItem(snap, "silences"));
	else {
		printf("%-8s %-12s %-12s %-14s %-10s %s\n", "ID", "QUEUE",
		    "AGENT", "RULE", "BY", "COMMENT");
		cJSON_ArrayForEach(it, cJSON_GetObjectItem(snap, "silences")) {
			m = cJSON_GetObjectItem(it, "match");
			printf("%-8s %-12s %-12s %-14s %-10s %s\n",
			    client_str(it, "silence_id"),
			    client_str(m, "queue"), client_str(m, "agent"),
			    client_str(m, "rule"), client_str(it, "by"),
			    client_str(it, "comment"));
		}
	}
	cJSON_Delete(snap);
	return 0;
}

/* queues [--json]: each queue's figures. */
static int
cmd_queues(struct client *c, int argc, char **argv)
{
	const cJSON	*it;
	cJSON		*snap;
	const char	*q;
	char		 lw[32], aht[32], sl[16];
	bool		 json;

	if (cmd_flags("queues", argc, argv, false, &json, &q) == -1)
		return CW_EXIT_USAGE;
	if ((snap = cmd_snapshot(c, NULL)) == NULL)
		return CW_EXIT_DAEMON;
	if (json)
		cmd_print_json(cJSON_GetObjectItem(snap, "queues"));
	else {
		printf("%-14s %7s %8s %7s %7s %6s %5s %7s %7s %5s %5s\n",
		    "QUEUE", "WAITING", "LONGEST", "TALKING", "ON_HOLD",
		    "WRAPUP", "OVER", "HANDLED", "AHT", "ABAND", "SL");
		cJSON_ArrayForEach(it, cJSON_GetObjectItem(snap, "queues")) {
			double	 s = client_num(it, "service_level", -1);

			if (s < 0)
				snprintf(sl, sizeof sl, "-");
			else
				snprintf(sl, sizeof sl, "%.0f%%", s * 100);
			printf("%-14s %7.0f %8s %7.0f %7.0f %6.0f %5.0f %7.0f "
			    "%7s %5.0f %5s\n", client_str(it, "queue"),
			    client_num(it, "waiting", 0), client_dur(
			    client_num(it, "longest_wait", 0), lw, sizeof lw),
			    client_num(it, "talking", 0),
			    client_num(it, "on_hold", 0),
			    client_num(it, "wrapup", 0),
			    client_num(it, "over_normal", 0),
			    client_num(it, "handled", 0), client_dur(
			    client_num(it, "aht", -1), aht, sizeof aht),
			    client_num(it, "abandoned", 0), sl);
		}
	}
	cJSON_Delete(snap);
	return 0;
}

/* Longest handle time first (waiting calls by their wait, after). */
static int
cmd_calls_cmp(const void *a, const void *b)
{
	const cJSON	*x = *(const cJSON *const *)a;
	const cJSON	*y = *(const cJSON *const *)b;
	double		 hx = client_num(x, "handle_time", -1);
	double		 hy = client_num(y, "handle_time", -1);

	if (hx != hy)
		return hx < hy ? 1 : -1;
	hx = client_num(x, "wait_time", -1);
	hy = client_num(y, "wait_time", -1);
	return hx < hy ? 1 : hx > hy ? -1 : strcmp(client_str(x, "call_id"),
	    client_str(y, "call_id"));
}

/* calls [--queue Q] [--json]: live calls, longest handle time first. */
static int
cmd_calls(struct client *c, int argc, char **argv)
{
	const cJSON	*it, **v;
	cJSON		*snap, *calls;
	const char	*q;
	char		 w[32], h[32];
	bool		 json;
	size_t		 n = 0, i;

	if (cmd_flags("calls", argc, argv, true, &json, &q) == -1)
		return CW_EXIT_USAGE;
	if ((snap = cmd_snapshot(c, q)) == NULL)
		return CW_EXIT_DAEMON;
	calls = cJSON_GetObjectItem(snap, "calls");
	v = xcalloc((size_t)cJSON_GetArraySize(calls) + 1,
	    sizeof(const cJSON *));
	cJSON_ArrayForEach(it, calls)
		v[n++] = it;
	qsort(v, n, sizeof(const cJSON *), cmd_calls_cmp);
	if (json) {
		printf("[");
		for (i = 0; i < n; i++) {
			char	*s = client_json(v[i], false);

			printf("%s%s", i > 0 ? ",\n " : "", s);
			cJSON_free(s);
		}
		printf("]\n");
	} else {
		printf("%-20s %-12s %-8s %8s %8s %5s %5s %-8s %s\n", "CALL",
		    "QUEUE", "STATE", "WAIT", "HANDLE", "HOLDS", "XFERS",
		    "LEVEL", "AGENT");
		for (i = 0; i < n; i++)
			printf("%-20s %-12s %-8s %8s %8s %5.0f %5.0f %-8s %s\n",
			    client_str(v[i], "call_id"),
			    client_str(v[i], "queue"),
			    client_str(v[i], "state"), client_dur(client_num(
			    v[i], "wait_time", -1), w, sizeof w),
			    client_dur(client_num(v[i], "handle_time", -1), h,
			    sizeof h), client_num(v[i], "holds", 0),
			    client_num(v[i], "transfers", 0),
			    client_str(v[i], "level"),
			    client_str(v[i], "agent"));
	}
	free(v);
	cJSON_Delete(snap);
	return 0;
}

/*
 * The daemon's count of feed messages received; -1 if it does not say.
 * With CURVE only an admin key may ask: another gets no answer (its key
 * may not use the control socket) or "forbidden", quietly and soon.
 */
static double
cmd_received(struct client *c)
{
	char	 err[256];
	int	 ms = c->timeout_ms;
	cJSON	*r;
	double	 n;

	if (c->keys.on && c->timeout_ms > 500)
		c->timeout_ms = 500;
	r = client_ask(c, cJSON_Parse("{\"cmd\":\"stats\"}"), err,
	    sizeof err);
	c->timeout_ms = ms;
	if (r == NULL && !c->keys.on)
		client_err("%s", err);
	n = client_num(r, "received", -1);
	cJSON_Delete(r);
	return n;
}

/*
 * send [FILE|-] [--feed ENDPOINT]: push callwatch JSON Lines (one event
 * a line; blank lines and lines starting with '#' skipped) to a feed,
 * then wait until the daemon has read them all.
 */
static int
cmd_send(struct client *c, int argc, char **argv)
{
	const char	*file = NULL, *feed = c->feed;
	char		*line = NULL;
	size_t		 cap = 0;
	ssize_t		 len;
	double		 before, n = 0, end;
	void		*push;
	FILE		*fp;
	int		 i, hwm = 0, linger = 10000;

	for (i = 1; i < argc; i++) {
		if (strcmp(argv[i], "--feed") == 0) {
			if ((feed = cmd_value(argc, argv, &i)) == NULL)
				return CW_EXIT_USAGE;
		} else if (argv[i][0] == '-' && argv[i][1] != '\0')
			return cmd_bad("send", "unknown option", argv[i]);
		else if (file == NULL)
			file = argv[i];
		else
			return cmd_bad("send", "one file only", argv[i]);
	}
	/* The config's first pull feed in the callwatch format. */
	if (feed == NULL && (feed = c->feed = client_find_feed(c->conf,
	    FORMAT_CALLWATCH, &c->keys)) == NULL)
		return CW_EXIT_USAGE;
	if (file == NULL || strcmp(file, "-") == 0)
		fp = stdin;
	else if ((fp = fopen(file, "r")) == NULL) {
		client_err("send: %s: %s", file, strerror(errno));
		return CW_EXIT_USAGE;
	}
	/* With CURVE, only an admin key may ask stats: the count is then
	 * not confirmed, but the handshake says the key is let in.  Without
	 * keys, a daemon that does not answer is an error, before a push
	 * that would linger for nobody. */
	if ((before = cmd_received(c)) < 0 && !c->keys.on) {
		if (fp != stdin)
			fclose(fp);
		return CW_EXIT_DAEMON;
	}
	if ((push = zmq_socket(c->zctx, ZMQ_PUSH)) == NULL)
		fatalx("zmq_socket: %s", zmq_strerror(errno));
	zmq_setsockopt(push, ZMQ_SNDHWM, &hwm, sizeof hwm);
	zmq_setsockopt(push, ZMQ_LINGER, &linger, sizeof linger);
	if (client_connect(c, push, feed) == -1) {
		zmq_close(push);
		if (fp != stdin)
			fclose(fp);
		return CW_EXIT_DAEMON;
	}
	while ((len = getline(&line, &cap, fp)) != -1) {
		while (len > 0 && (line[len - 1] == '\n' ||
		    line[len - 1] == '\r'))
			line[--len] = '\0';
		if (len == 0 || line[0] == '#')
			continue;
		if (zmq_send(push, line, (size_t)len, 0) == -1)
			fatalx("send: %s", zmq_strerror(errno));
		n++;
	}
	free(line);
	if (fp != stdin)
		fclose(fp);
	/* A PUSH that exits at once can lose its last messages: wait
	 * until the daemon has them (or say it did not). */
	end = (double)dur_monotonic() / 1e6 + c->timeout_ms / 1000.0;
	while (before >= 0 && cmd_received(c) < before + n &&
	    (double)dur_monotonic() / 1e6 < end)
		usleep(20 * 1000);
	if (before >= 0 && cmd_received(c) < before + n) {
		/* Said within the timeout: not ten more seconds of linger
		 * for events nobody reads. */
		linger = 0;
		zmq_setsockopt(push, ZMQ_LINGER, &linger, sizeof linger);
		zmq_close(push);
		client_err("send: sent %.0f events to %s, but the daemon did "
		    "not read them all within %d ms", n, feed, c->timeout_ms);
		return CW_EXIT_DAEMON;
	}
	zmq_close(push);
	printf("sent %.0f events to %s%s\n", n, feed, before < 0 ?
	    " (not confirmed: this key may not ask the daemon's stats)" : "");
	return 0;
}

/*
 * keygen NAME: a CURVE key pair in NAME.key (both keys, 0600) and
 * NAME.pub (the public key, to hand out); nothing is overwritten.
 */
static int
cmd_keygen(int argc, char **argv)
{
	char	 pub[CW_Z85_KEY + 1], sec[CW_Z85_KEY + 1];
	char	*kpath, *ppath;
	const char *name;
	int	 rc = 0;

	if (argc != 2 || argv[1][0] == '-' || argv[1][0] == '\0')
		return cmd_bad("keygen", "give one NAME", argc > 2 ? argv[2] :
		    NULL);
	name = argv[1];
	if (zmq_curve_keypair(pub, sec) == -1) {
		client_err("keygen: %s (libzmq without CURVE?)",
		    zmq_strerror(errno));
		return 1;
	}
	xasprintf(&kpath, "%s.key", name);
	xasprintf(&ppath, "%s.pub", name);
	if (access(kpath, F_OK) == 0 || access(ppath, F_OK) == 0) {
		client_err("keygen: %s or %s exists; not overwritten", kpath,
		    ppath);
		rc = 1;
	} else if (keyfile_write(kpath, pub, sec) == -1) {
		client_err("keygen: %s: %s", kpath, strerror(errno));
		rc = 1;
	} else if (keyfile_write(ppath, pub, NULL) == -1) {
		client_err("keygen: %s: %s", ppath, strerror(errno));
		unlink(kpath);
		rc = 1;
	} else
		printf("wrote %s (keep it secret) and %s\n"
		    "for the daemon's security.clients:\n"
		    "  - {name: %s, key: \"%s\", role: viewer}\n", kpath,
		    ppath, cmd_basename(name), pub);
	explicit_bzero(sec, sizeof sec);
	free(kpath);
	free(ppath);
	return rc;
}

static const struct cmd cmds[] = {
	{ "tail", "[--queue Q] [--min-severity S] [--json] [--color]",
	  "the open alerts, then every alert change as it happens", cmd_tail },
	{ "top", "[--queue Q]", "the floor on one screen: queues, calls above "
	  "normal, open alerts (keys: up/down, a ack, f/F queue, q quit)",
	  cmd_top },
	{ "calls", "[--queue Q] [--json]", "live calls, longest handle time "
	  "first", cmd_calls },
	{ "queues", "[--json]", "each queue's figures", cmd_queues },
	{ "ack", "ID [--note TEXT] [--by NAME]", "acknowledge an alert (it "
	  "stays quiet until it escalates)", cmd_ack },
	{ "silence", "--queue Q [--agent A] [--rule R] --for DUR "
	  "[--comment TEXT] [--by NAME]", "silence matching alerts for a "
	  "while; prints the silence id", cmd_silence },
	{ "silences", "[--json]", "the silences in force", cmd_silences },
	{ "unsilence", "ID", "lift a silence", cmd_unsilence },
	{ "stats", "[--json]", "the daemon's counters", cmd_stats },
	{ "reload", "", "reload the daemon's config (as SIGHUP)", cmd_reload },
	{ "send", "[FILE|-] [--feed ENDPOINT]", "push callwatch JSON Lines to "
	  "a feed (the config's first callwatch-format pull feed by "
	  "default)", cmd_send },
	{ "keygen", "NAME", "write a CURVE key pair: NAME.key (secret, mode "
	  "0600) and NAME.pub", NULL },
};

/* The subcommand called name, or NULL. */
static const struct cmd *
cmd_find(const char *name)
{
	size_t	 i;

	for (i = 0; i < nitems(cmds); i++)
		if (strcmp(cmds[i].name, name) == 0)
			return &cmds[i];
	return NULL;
}

/* The whole usage. */
static void
usage(FILE *f)
{
	size_t	 i;

	fprintf(f, "usage: callwatch [-c FILE] [--control EP] [--publish EP] "
	    "[--feed EP] [--key FILE --server-key FILE] [--timeout MS] "
	    "COMMAND [ARGS]\n\ncommands:\n");
	for (i = 0; i < nitems(cmds); i++)
		fprintf(f, "  %-10s %s\n             %s\n", cmds[i].name,
		    cmds[i].usage, cmds[i].help);
	fprintf(f, "\n`callwatch COMMAND --help` for one command.\n");
}

int
main(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "control", required_argument, NULL, 'C' },
		{ "publish", required_argument, NULL, 'P' },
		{ "timeout", required_argument, NULL, 't' },
		{ "feed", required_argument, NULL, 'F' },
		{ "key", required_argument, NULL, 'k' },
		{ "server-key", required_argument, NULL, 'K' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	const char	*conf = NULL, *control = NULL, *publish = NULL;
	const char	*feed = NULL, *key = NULL, *server_key = NULL;
	const struct cmd *cmd;
	struct client	 c;
	struct curvekeys keys;
	char		 err[512];
	char		*end;
	long		 timeout = 3000;
	int		 ch, rc;

	/* "+": options after the command belong to it. */
	while ((ch = getopt_long(argc, argv, "+c:h", longopts, NULL)) != -1) {
		switch (ch) {
		case 'c':
			conf = optarg;
			break;
		case 'C':
			control = optarg;
			break;
		case 'P':
			publish = optarg;
			break;
		case 'F':
			feed = optarg;
			break;
		case 'k':
			key = optarg;
			break;
		case 'K':
			server_key = optarg;
			break;
		case 't':
			timeout = strtol(optarg, &end, 10);
			if (*end != '\0' || timeout < 1 || timeout > 600000) {
				client_err("--timeout: %s is not 1 to 600000 "
				    "milliseconds", optarg);
				return CW_EXIT_USAGE;
			}
			break;
		case 'h':
			usage(stdout);
			return 0;
		default:
			usage(stderr);
			return CW_EXIT_USAGE;
		}
	}
	argc -= optind;
	argv += optind;
	if (argc == 0) {
		usage(stderr);
		return CW_EXIT_USAGE;
	}
	if ((cmd = cmd_find(argv[0])) == NULL) {
		client_err("unknown command \"%s\"", argv[0]);
		usage(stderr);
		return CW_EXIT_USAGE;
	}
	if (cmd_help(cmd, argc, argv))
		return 0;
	if (cmd->fn == NULL)
		return cmd_keygen(argc, argv);
	if (curvekeys_load(&keys, key, server_key, err, sizeof err) == -1) {
		client_err("%s", err);
		return CW_EXIT_USAGE;
	}
	if (client_init(&c, conf, control, publish, feed, &keys,
	    (int)timeout) == -1) {
		client_close(&c);
		return CW_EXIT_DAEMON;
	}
	rc = cmd->fn(&c, argc, argv);
	client_close(&c);
	return rc;
}
