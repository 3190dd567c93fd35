/*
 * libFuzzer harness for the config: each input is a YAML file, held in a
 * memory file and read through /proc/self/fd/N by config_load().  Every
 * error must be one line reading "FILE:LINE:COL: message" (LINE and COL
 * from 1, inside the file) or "FILE: message", in the order of the file;
 * a config comes back exactly when there is no error.  A config that
 * loads must be sound, must run a daemon through a script that crosses
 * its lines, and must reload into a daemon that has live calls.
 */
#include <stdlib.h>
#include <string.h>

#include "fuzz.h"

/* Queues of the config the script sends calls to, at most. */
#define FUZZ_CONFIG_QUEUES	4
/* When the script starts. */
#define FUZZ_CONFIG_T0		1763900000.0

/* The memory file each input is written to. */
static char	*fuzz_config_path;

/* The memory file; a missing file must give one "FILE:1:1: " error. */
int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
	struct cfgerrs	 errs = { NULL, 0 };
	const char	*missing = "/nonexistent/callwatch.yaml";

	(void)argc;
	(void)argv;
	fuzz_init();
	fuzz_config_path = fuzz_memfd("fuzz.yaml", "", 0);
	if (config_load(missing, &errs) != NULL || errs.n != 1 ||
	    strncmp(errs.v[0], missing, strlen(missing)) != 0 ||
	    strncmp(errs.v[0] + strlen(missing), ":1:1: ", 6) != 0)
		fuzz_fail("a missing file: %s",
		    errs.n > 0 ? errs.v[0] : "no error");
	cfgerrs_free(&errs);
	return 0;
}

/*
 * The highest line an error may name: one per line break libyaml knows,
 * plus the last line, plus one more where the stream ends without a
 * break (libyaml puts a virtual break there and errors at the end of the
 * stream point past it, at column 1).
 */
static size_t
fuzz_config_lines(const char *s, size_t len)
{
	size_t	 i, n = 2;

	for (i = 0; i < len; i++) {
		unsigned char c = (unsigned char)s[i];

		if (c == '\n' || (c == '\r' && (i + 1 == len ||
		    s[i + 1] != '\n')))
			n++;
		else if (c == 0xc2 && i + 1 < len &&
		    (unsigned char)s[i + 1] == 0x85)
			n++;		/* NEL */
		else if (c == 0xe2 && i + 2 < len &&
		    (unsigned char)s[i + 1] == 0x80 &&
		    ((unsigned char)s[i + 2] & 0xfe) == 0xa8)
			n++;		/* LINE and PARAGRAPH SEPARATOR */
	}
	return n;
}

/* A run of digits at *p as a number (moving *p); -1 if none. */
static long long
fuzz_config_number(const char **p)
{
	long long	 v = 0;
	const char	*s = *p;

	while (*s >= '0' && *s <= '9' && v < 1000000000)
		v = v * 10 + (*s++ - '0');
	if (s == *p)
		return -1;
	*p = s;
	return v;
}

/* Check one error's shape; its line and column (0 for the whole file). */
static void
fuzz_config_error(const char *e, const char *text, size_t len,
    long long *line, long long *col)
{
	size_t		 plen = strlen(fuzz_config_path);
	const char	*p = e + plen, *msg;

	*line = *col = 0;
	if (strncmp(e, fuzz_config_path, plen) != 0 || *p++ != ':')
		fuzz_fail("error not starting with FILE: \"%s\"", e);
	if (*p == ' ')
		msg = p + 1;
	else {
		if ((*line = fuzz_config_number(&p)) < 1 || *p++ != ':' ||
		    (*col = fuzz_config_number(&p)) < 1 || *p++ != ':' ||
		    *p != ' ')
			fuzz_fail("error not shaped FILE:LINE:COL: \"%s\"", e);
		msg = p + 1;
		if ((size_t)*line > fuzz_config_lines(text, len) ||
		    (size_t)*col > len + 1)
			fuzz_fail("error outside the file (%zu bytes): \"%s\"",
			    len, e);
	}
	if (*msg == '\0' || !decode_utf8_valid(msg, strlen(msg)))
		fuzz_fail("error with an empty or bad message: \"%s\"", e);
	for (p = msg; *p != '\0'; p++)
		if ((unsigned char)*p < 0x20 || *p == 0x7f)
			fuzz_fail("error with a control character: \"%s\"", e);
}

/* Check every error: shape, and in file order but for a last "too many". */
static void
fuzz_config_errors(const struct cfgerrs *errs, const char *text,
    size_t len)
{
	long long	 line, col, pline = 0, pcol = 0;
	size_t		 i;

	for (i = 0; i < errs->n; i++) {
		fuzz_config_error(errs->v[i], text, len, &line, &col);
		if (i + 1 == errs->n && strstr(errs->v[i], ": too many errors")
		    != NULL)
			break;
		if (line < pline || (line == pline && col < pcol))
			fuzz_fail("errors out of order: \"%s\" after \"%s\"",
			    errs->v[i], errs->v[i - 1]);
		pline = line;
		pcol = col;
	}
}

/* Check the lines of one resolved queue: rising, above zero, real sevs. */
static void
fuzz_config_lines_rise(const char *q, const char *what,
    const struct line *l, int n)
{
	int	 i;

	if (n < 0 || n > CW_MAX_TIERS)
		fuzz_fail("queue %s: %d %s", q, n, what);
	for (i = 0; i < n; i++)
		if (l[i].at <= 0 || l[i].sev < SEV_INFO ||
		    l[i].sev > SEV_CRITICAL || (i > 0 &&
		    (l[i].at <= l[i - 1].at || l[i].sev <= l[i - 1].sev)))
			fuzz_fail("queue %s: %s line %d does not rise", q, what,
			    i + 1);
}

/* Check one queue's thresholds as the daemon would use them. */
static void
fuzz_config_queue(const struct config *cfg, const char *name)
{
	struct qconf	 qc;
	struct qrules	 r;
	const char	*q = name != NULL ? name : "(defaults)";

	config_resolve(cfg, name, &qc);
	queue_rules(&r, &qc);
	if (r.normal[0] <= 0 || r.normal[0] > r.normal[1])
		fuzz_fail("queue %s: normal [%lld, %lld]", q,
		    (long long)r.normal[0], (long long)r.normal[1]);
	fuzz_config_lines_rise(q, "tiers", r.tiers, r.ntiers);
	fuzz_config_lines_rise(q, "wait_tiers", r.wait, r.nwait);
	if (r.max_transfers < 1 || r.hold_max <= 0 || r.repeat_window < 0)
		fuzz_fail("queue %s: bad max_transfers, hold_max or window", q);
}

/* Check a config that loaded: feeds, endpoints, queues, thresholds. */
static void
fuzz_config_sound(const struct config *cfg)
{
	size_t	 i, j;

	if (cfg->nfeeds < 1 || cfg->pub_endpoint == NULL ||
	    cfg->control_endpoint == NULL || cfg->http_listen == NULL ||
	    cfg->state_file == NULL || cfg->max_queues < 1 ||
	    cfg->max_call_age <= 0)
		fuzz_fail("a config without feeds, endpoints or limits");
	for (i = 0; i < cfg->nfeeds; i++) {
		if (cfg->feeds[i].name == NULL ||
		    cfg->feeds[i].endpoint == NULL ||
		    !name_valid(cfg->feeds[i].name,
		    strlen(cfg->feeds[i].name)))
			fuzz_fail("feed %zu without a valid name or endpoint",
			    i);
		for (j = 0; j < i; j++)
			if (strcmp(cfg->feeds[i].name, cfg->feeds[j].name) == 0)
				fuzz_fail("feed %s twice", cfg->feeds[i].name);
	}
	fuzz_config_queue(cfg, NULL);
	for (i = 0; i < cfg->nqueues; i++) {
		const char *q = cfg->queues[i].name;

		if (q == NULL || !name_valid(q, strlen(q)))
			fuzz_fail("queue %zu without a valid name", i);
		for (j = 0; j < i; j++)
			if (strcmp(q, cfg->queues[j].name) == 0)
				fuzz_fail("queue %s twice", q);
		fuzz_config_queue(cfg, q);
	}
}

/* Send one event of the script, built with cJSON so names are escaped. */
static void
fuzz_config_event(struct fuzzd *fd, const char *type, const char *id,
    double dt, const char *qkey, const char *q)
{
	cJSON	*o = cJSON_CreateObject();
	char	*s;

	cJSON_AddStringToObject(o, "type", type);
	if (id != NULL)
		cJSON_AddStringToObject(o, "call_id", id);
	cJSON_AddNumberToObject(o, "ts", FUZZ_CONFIG_T0 + dt);
	if (qkey != NULL && q != NULL)
		cJSON_AddStringToObject(o, qkey, q);
	if (strcmp(type, "answered") == 0)
		cJSON_AddStringToObject(o, "agent", "a-1");
	if ((s = cJSON_PrintUnformatted(o)) == NULL)
		abort();
	fuzz_send(fd, s, strlen(s));
	free(s);
	cJSON_Delete(o);
}

/* The queue the script's ith calls go to: the config's, then default. */
static const char *
fuzz_config_qname(const struct config *cfg, size_t i)
{
	size_t	 n = cfg->nqueues < FUZZ_CONFIG_QUEUES ? cfg->nqueues :
		    FUZZ_CONFIG_QUEUES;

	return i < n ? cfg->queues[i].name : CW_QUEUE_DEFAULT;
}

/* The first half of the script: calls queued, talking, on hold. */
static void
fuzz_config_start(struct fuzzd *fd, const struct config *cfg)
{
	char	 id[32];
	size_t	 i;

	for (i = 0; i <= FUZZ_CONFIG_QUEUES; i++) {
		snprintf(id, sizeof id, "q%zu", i);
		fuzz_config_event(fd, "queued", id, (double)i, "queue",
		    fuzz_config_qname(cfg, i));
		snprintf(id, sizeof id, "a%zu", i);
		fuzz_config_event(fd, "answered", id, (double)i, "queue",
		    fuzz_config_qname(cfg, i));
		fuzz_config_event(fd, "hold", id, 20 + (double)i, NULL, NULL);
	}
	fuzz_config_event(fd, "heartbeat", NULL, 3600, NULL, NULL);
}

/* The second half: answers, transfers, hangups, then time runs out. */
static void
fuzz_config_finish(struct fuzzd *fd, const struct config *cfg)
{
	char	 id[32];
	size_t	 i;

	for (i = 0; i <= FUZZ_CONFIG_QUEUES; i++) {
		snprintf(id, sizeof id, "q%zu", i);
		fuzz_config_event(fd, "answered", id, 3601, NULL, NULL);
		fuzz_config_event(fd, "hangup", id, 7200, NULL, NULL);
		snprintf(id, sizeof id, "a%zu", i);
		fuzz_config_event(fd, "resume", id, 3602, NULL, NULL);
		fuzz_config_event(fd, "transferred", id, 3603, "to_queue",
		    fuzz_config_qname(cfg, i + 1));
	}
	fuzz_config_event(fd, "heartbeat", NULL, 2 * 86400, NULL, NULL);
	fuzz_check(fd);
	fuzz_check_control(fd);
	fuzz_config_event(fd, "heartbeat", NULL, 40 * 86400, NULL, NULL);
	fuzz_check(fd);
	if (calls_count(&fd->d->calls) != 0)
		fuzz_fail("calls outlived max_call_age");
}

/* Reload a daemon with live calls into the config at the memory file. */
static void
fuzz_config_reload(const struct config *cfg)
{
	struct fuzzd	*fd = fuzz_new(fuzz_config());
	char		*cause = NULL;

	free(fd->d->cfg->path);
	fd->d->cfg->path = xstrdup(fuzz_config_path);
	/* What a reload refuses to change is the input's from the start. */
	free(fd->d->cfg->http_listen);
	fd->d->cfg->http_listen = xstrdup(cfg->http_listen);
	fd->d->cfg->curve = cfg->curve;
	fd->d->cfg->insecure = cfg->insecure;
	memcpy(fd->d->cfg->server_public, cfg->server_public,
	    sizeof cfg->server_public);
	fuzz_config_start(fd, cfg);
	if (daemon_reload(fd->d, &cause) == -1)
		fuzz_fail("a config that loads does not reload: %s", cause);
	fuzz_check(fd);
	fuzz_config_finish(fd, cfg);
	fuzz_free(fd);
}

/* Load one input as a config file and check what comes back. */
int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct cfgerrs	 errs = { NULL, 0 };
	struct config	*cfg;
	struct fuzzd	*fd;

	fuzz_memfd_set(fuzz_config_path, data, size);
	cfg = config_load(fuzz_config_path, &errs);
	if ((cfg == NULL) != (errs.n > 0))
		fuzz_fail("config_load: %s with %zu errors",
		    cfg == NULL ? "NULL" : "a config", errs.n);
	fuzz_config_errors(&errs, (const char *)data, size);
	cfgerrs_free(&errs);
	if (cfg != NULL) {
		fuzz_config_sound(cfg);
		fuzz_config_reload(cfg);
		fd = fuzz_new(cfg);
		fuzz_config_start(fd, fd->d->cfg);
		fuzz_config_finish(fd, fd->d->cfg);
		fuzz_free(fd);
	}
	log_setlevel(LOG_LVL_DEBUG);
	return 0;
}
