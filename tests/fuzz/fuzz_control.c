/*
 * libFuzzer harness for control requests: each input is one request, as
 * bytes, to control_handle() on a daemon built once with live calls in
 * every state, open alerts and names that need escaping.  The reply must
 * be one valid UTF-8 JSON object with "ok" (and "error" when false); no
 * request may change the daemon (its config file reloads to the same)
 * but an accepted ack, silence or unsilence, which may publish yet never
 * add or end a call (the daemon is then built afresh), and the call
 * table's invariants must hold after each.
 */
#include <stdlib.h>
#include <string.h>

#include "fuzz.h"

/* The daemon's config, also what "reload" reads again. */
static const char fuzz_control_conf[] =
	"daemon:\n"
	"  clock: event\n"
	"  state_file: \"\"\n"
	"  log_level: debug\n"
	"feeds:\n"
	"  - {name: fuzz, endpoint: \"ipc:///nonexistent/fuzz-control\"}\n"
	"publish: {stats_interval: 0}\n"
	"queues:\n"
	"  billing: {normal: [4m, 6m]}\n"
	"  sales: {wrapup: false}\n"
	"  support: {tiers: [{after: 30s, severity: critical}]}\n";

/* Events that leave calls queued, talking, on hold and in wrap-up. */
static const char *const fuzz_control_events[] = {
	"{\"type\":\"answered\",\"call_id\":\"c1\",\"ts\":1763900000,"
	"\"queue\":\"billing\",\"agent\":\"a-1042\","
	"\"caller\":\"+15550001111222233334444555566667777\"}",
	"{\"type\":\"queued\",\"call_id\":\"c2\",\"ts\":1763900010,"
	"\"queue\":\"sales\",\"caller\":\"+15551234567\"}",
	"{\"type\":\"answered\",\"call_id\":\"c3\",\"ts\":1763900020,"
	"\"queue\":\"support\",\"agent\":\"a-7\"}",
	"{\"type\":\"hold\",\"call_id\":\"c3\",\"ts\":1763900025}",
	"{\"type\":\"answered\",\"call_id\":\"c4\",\"ts\":1763900030}",
	"{\"type\":\"hangup\",\"call_id\":\"c4\",\"ts\":1763900300}",
	"{\"type\":\"queued\",\"call_id\":\"c5\",\"ts\":1763900400,"
	"\"queue\":\"billing\"}",
	"{\"type\":\"answered\",\"call_id\":\"c6 \\\"\\\\\\u00e9\",\"ts\":"
	"1763900500,\"queue\":\"q \\\"\\\\\\u00e9\\u2028\","
	"\"agent\":\"Jos\\u00e9 \\\"N\\\"\"}",
	"{\"type\":\"heartbeat\",\"ts\":1763901000}",
};

/* The daemon every request goes to, and what it looked like before. */
static struct fuzzd	*fuzz_control_d;
static uint64_t		 fuzz_control_seq;
static size_t		 fuzz_control_calls;

/*
 * Build the daemon with its calls and alerts.  The config's memory file
 * is made once: the daemon reads it again on "reload".
 */
static void
fuzz_control_build(void)
{
	static char	*path;
	struct cfgerrs	 errs = { NULL, 0 };
	struct config	*cfg;
	size_t		 i;

	if (path == NULL)
		path = fuzz_memfd("fuzz-control.yaml", fuzz_control_conf,
		    sizeof fuzz_control_conf - 1);
	if ((cfg = config_load(path, &errs)) == NULL)
		fuzz_fail("the control harness's config: %s", errs.v[0]);
	fuzz_free(fuzz_control_d);
	fuzz_control_d = fuzz_new(cfg);
	for (i = 0; i < nitems(fuzz_control_events); i++)
		fuzz_send(fuzz_control_d, fuzz_control_events[i],
		    strlen(fuzz_control_events[i]));
	fuzz_check(fuzz_control_d);
	fuzz_control_seq = fuzz_control_d->seq;
	fuzz_control_calls = calls_count(&fuzz_control_d->d->calls);
	if (fuzz_control_seq < 3 || fuzz_control_calls < 5 ||
	    fuzz_control_d->d->n.applied != nitems(fuzz_control_events) - 1)
		fuzz_fail("the control harness's setup did not take");
}

/* Build the daemon; an oversized request must get an error reply. */
int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
	char		*big;
	cJSON		*o;

	(void)argc;
	(void)argv;
	fuzz_init();
	fuzz_control_build();
	fuzz_check_control(fuzz_control_d);
	big = xmalloc(CW_MAX_MSG + 1);
	memset(big, ' ', CW_MAX_MSG + 1);
	memcpy(big, "{\"cmd\":\"stats\"}", 15);
	o = fuzz_request(fuzz_control_d, big, CW_MAX_MSG + 1);
	if (!cJSON_IsFalse(cJSON_GetObjectItemCaseSensitive(o, "ok")))
		fuzz_fail("a request over 64 KiB was answered");
	cJSON_Delete(o);
	free(big);
	return 0;
}

/* Whether an accepted request may change the daemon: ack, silence... */
static bool
fuzz_control_changes(const uint8_t *data, size_t size, const cJSON *reply)
{
	static const char *const cmds[] = { "ack", "silence", "unsilence" };
	cJSON		*req;
	const char	*cmd;
	bool		 yes = false;
	size_t		 i;

	if (!cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(reply, "ok")) ||
	    (req = cJSON_ParseWithLength((const char *)data, size)) == NULL)
		return false;
	cmd = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(req,
	    "cmd"));
	for (i = 0; cmd != NULL && i < nitems(cmds); i++)
		yes |= strcmp(cmd, cmds[i]) == 0;
	cJSON_Delete(req);
	return yes;
}

/* Answer one request; check the reply and what changed. */
int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct fuzzd	*fd = fuzz_control_d;
	cJSON		*reply = fuzz_request(fd, data, size);
	bool		 changes = fuzz_control_changes(data, size, reply);

	cJSON_Delete(reply);
	log_setlevel(LOG_LVL_DEBUG);
	fuzz_check(fd);
	if (calls_count(&fd->d->calls) != fuzz_control_calls ||
	    (!changes && fd->seq != fuzz_control_seq))
		fuzz_fail("a control request changed the daemon: seq %llu, "
		    "calls %zu", (unsigned long long)fd->seq,
		    calls_count(&fd->d->calls));
	if (changes)
		fuzz_control_build();
	return 0;
}
