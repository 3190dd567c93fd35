/*
 * libFuzzer harness for the feed path.  Each input is a run of lines on a
 * fresh daemon with the event clock; each line is one feed message
 * through daemon_message() (decode, the call state machine, timers,
 * alerts, publish); a line starting with '@' goes through the FreeSWITCH
 * feed instead (format freeswitch), one starting with '#' is a control
 * request (so the fuzzer can snapshot or reload between events; reloads
 * take turns between two configs and a missing file, and only the first
 * FUZZ_FEED_RELOADS of an input are sent, as each parses a whole config).
 * Every FUZZ_FEED_CHECK lines and at the end the call table's invariants
 * must hold, and every FUZZ_FEED_CONTROL lines and at the end snapshot
 * and stats must agree with it; every published message is checked as it
 * comes out (fuzz.c).
 */
#include <stdlib.h>
#include <string.h>

#include "fuzz.h"

/* Lines between two checks of the invariants, and of snapshot and stats. */
#define FUZZ_FEED_CHECK		16
#define FUZZ_FEED_CONTROL	32
/* Reload requests sent per input; later ones are dropped. */
#define FUZZ_FEED_RELOADS	2

/* A config to reload: tighter lines, few queues, wrap-up off in sales. */
static const char fuzz_feed_conf_a[] =
	"daemon:\n"
	"  clock: event\n"
	"  state_file: \"\"\n"
	"  max_call_age: 1h\n"
	"  ended_linger: 1m\n"
	"  max_queues: 6\n"
	"  log_level: debug\n"
	"feeds:\n"
	"  - {name: fuzz, endpoint: \"ipc:///nonexistent/fuzz-a\"}\n"
	"  - {name: fs, endpoint: \"ipc:///nonexistent/fuzz-a-fs\", "
	"format: freeswitch}\n"
	"publish: {stats_interval: 0}\n"
	"defaults:\n"
	"  normal: [2m, 3m]\n"
	"  tiers: [{after: 1x, severity: warning},\n"
	"          {after: 10m, severity: critical}]\n"
	"  wait_tiers: [{after: 30s, severity: info},\n"
	"               {after: 1m, severity: warning},\n"
	"               {after: 2m, severity: critical}]\n"
	"queues:\n"
	"  billing: {normal: [4m, 6m]}\n"
	"  sales: {normal: [1m, 2m], wrapup: false, wait_tiers: []}\n"
	"  support: {tiers: [],\n"
	"            wait_tiers: [{after: 5s, severity: critical}]}\n";

/* Another: very short lines and call age, three queues at most. */
static const char fuzz_feed_conf_b[] =
	"daemon:\n"
	"  clock: event\n"
	"  state_file: \"\"\n"
	"  max_call_age: 1m\n"
	"  ended_linger: 0\n"
	"  max_queues: 3\n"
	"  log_level: debug\n"
	"feeds:\n"
	"  - {name: fuzz, endpoint: \"ipc:///nonexistent/fuzz-b\"}\n"
	"  - {name: fs, endpoint: \"ipc:///nonexistent/fuzz-b-fs\", "
	"format: freeswitch}\n"
	"publish: {stats_interval: 0}\n"
	"defaults:\n"
	"  normal: [10s, 20s]\n"
	"  tiers: [{after: 1.5x, severity: info}, {after: 3x, severity: "
	"warning},\n"
	"          {after: 100x, severity: critical}]\n"
	"  wrapup: false\n"
	"queues:\n"
	"  billing: {wrapup: true, tiers: [{after: 1s, severity: critical}]}\n"
	"  sales: {normal: [5m, 1h]}\n";

/* What a reload reads, in turn: config a, config b, a missing file. */
static char	*fuzz_feed_paths[3];

/* Memory files for the configs; one oversized message must be refused. */
int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
	struct fuzzd	*fd;
	char		*big;

	(void)argc;
	(void)argv;
	fuzz_init();
	fuzz_feed_paths[0] = fuzz_memfd("fuzz-a.yaml", fuzz_feed_conf_a,
	    sizeof fuzz_feed_conf_a - 1);
	fuzz_feed_paths[1] = fuzz_memfd("fuzz-b.yaml", fuzz_feed_conf_b,
	    sizeof fuzz_feed_conf_b - 1);
	fuzz_feed_paths[2] = xstrdup("/nonexistent/callwatch.yaml");
	fd = fuzz_new(fuzz_config());
	big = xmalloc(CW_MAX_MSG + 1);
	memset(big, ' ', CW_MAX_MSG + 1);
	big[0] = '{';
	big[CW_MAX_MSG] = '}';
	fuzz_send(fd, big, CW_MAX_MSG + 1);
	if (fd->d->n.rejected[REJ_TOO_LARGE] != 1)
		fuzz_fail("a message over 64 KiB was not refused as too large");
	free(big);
	fuzz_check(fd);
	fuzz_free(fd);
	return 0;
}

/*
 * A control request from the input; the nth names the reload target.
 * Anything that may be a reload counts against *reloads.
 */
static void
fuzz_feed_control(struct fuzzd *fd, const char *req, size_t len, size_t n,
    size_t *reloads)
{
	struct config	*cfg = fd->d->cfg;

	if (memmem(req, len, "reload", 6) != NULL &&
	    ++*reloads > FUZZ_FEED_RELOADS)
		return;
	free(cfg->path);
	cfg->path = xstrdup(fuzz_feed_paths[n % nitems(fuzz_feed_paths)]);
	cJSON_Delete(fuzz_request(fd, req, len));
	log_setlevel(LOG_LVL_DEBUG);
}

/* Run one input's lines through a fresh daemon, checking as it goes. */
int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct fuzzd	*fd = fuzz_new(fuzz_config());
	const char	*p = (const char *)data, *end = p + size, *nl;
	size_t		 len, lines = 0, requests = 0, reloads = 0;

	while (p < end) {
		nl = memchr(p, '\n', (size_t)(end - p));
		len = (size_t)((nl != NULL ? nl : end) - p);
		if (len > 0 && *p == '#')
			fuzz_feed_control(fd, p + 1, len - 1, requests++,
			    &reloads);
		else if (len > 0 && *p == '@')
			fuzz_send_feed(fd, "fs", p + 1, len - 1);
		else
			fuzz_send(fd, p, len);
		if (++lines % FUZZ_FEED_CHECK == 0)
			fuzz_check(fd);
		if (lines % FUZZ_FEED_CONTROL == 0)
			fuzz_check_control(fd);
		p = nl != NULL ? nl + 1 : end;
	}
	fuzz_check(fd);
	fuzz_check_control(fd);
	fuzz_free(fd);
	return 0;
}
