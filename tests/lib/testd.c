/*
 * A daemon inside a test process: event clock, no sockets, every
 * published message captured and parsed, control requests answered
 * in-process.
 */
#include <check.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "testd.h"

/* The built-in defaults with the event clock and one feed. */
struct config *
testd_config(void)
{
	struct config	*cfg = config_default();

	cfg->clock = CLOCK_EVENT;
	cfg->stats_interval = 0;
	return cfg;
}

/* Capture a published message. */
static void
testd_sink(void *arg, const char *topic, const char *json, size_t len)
{
	struct testd	*td = arg;
	cJSON		*o = cJSON_ParseWithLength(json, len);

	ck_assert_ptr_nonnull(o);
	ck_assert_double_eq(testd_num(o, "seq"), td->seq + 1);
	td->seq++;
	if (strncmp(topic, CW_TOPIC_ALERT, strlen(CW_TOPIC_ALERT)) != 0) {
		ck_assert_uint_lt(td->nothers, TESTD_MAX_MSGS);
		td->otopics[td->nothers] = xstrdup(topic);
		td->others[td->nothers++] = o;
		return;
	}
	ck_assert_uint_lt(td->nmsgs, TESTD_MAX_MSGS);
	td->topics[td->nmsgs] = xstrdup(topic);
	td->msgs[td->nmsgs++] = o;
}

/* A test daemon on cfg (which it owns). */
struct testd *
testd_new(struct config *cfg)
{
	struct testd	*td = xcalloc(1, sizeof *td);

	td->d = daemon_new(NULL, cfg, true);
	td->d->pub = pub_new_fn(testd_sink, td);
	return td;
}

/* Free the daemon and the captured messages. */
void
testd_free(struct testd *td)
{
	size_t	 i;

	daemon_free(td->d);
	for (i = 0; i < td->nmsgs; i++) {
		cJSON_Delete(td->msgs[i]);
		free(td->topics[i]);
	}
	for (i = 0; i < td->nothers; i++) {
		cJSON_Delete(td->others[i]);
		free(td->otopics[i]);
	}
	free(td);
}

/* Feed one message, printf-style, as a feed would. */
void
testd_send(struct testd *td, const char *fmt, ...)
{
	va_list	 ap;
	char	*s;
	int	 n;

	va_start(ap, fmt);
	n = vasprintf(&s, fmt, ap);
	va_end(ap);
	ck_assert_int_ge(n, 0);
	daemon_message(td->d, s, (size_t)n, "test");
	free(s);
}

/* Whether message o matches id and state (NULL matches anything). */
static int
testd_match(const cJSON *o, const char *id, const char *state)
{
	const char	*oid = testd_str(o, "id");
	const char	*ost = testd_str(o, "state");

	if (id != NULL && (oid == NULL || strcmp(oid, id) != 0))
		return 0;
	if (state != NULL && (ost == NULL || strcmp(ost, state) != 0))
		return 0;
	return 1;
}

/* How many published messages have this alert id and state. */
size_t
testd_count(struct testd *td, const char *id, const char *state)
{
	size_t	 i, n = 0;

	for (i = 0; i < td->nmsgs; i++)
		n += (size_t)testd_match(td->msgs[i], id, state);
	return n;
}

/* The nth (0-based) message with this id and state, or NULL. */
cJSON *
testd_find(struct testd *td, const char *id, const char *state, size_t nth)
{
	size_t	 i;

	for (i = 0; i < td->nmsgs; i++)
		if (testd_match(td->msgs[i], id, state) && nth-- == 0)
			return td->msgs[i];
	return NULL;
}

/* The last published message. */
cJSON *
testd_last(struct testd *td)
{
	ck_assert_uint_gt(td->nmsgs, 0);
	return td->msgs[td->nmsgs - 1];
}

/*
 * The nth (0-based) call/ or stats/ message whose topic starts with
 * prefix and, if field is not NULL, whose "event" is it; NULL if none.
 */
cJSON *
testd_other(struct testd *td, const char *prefix, const char *event,
    size_t nth)
{
	size_t	 i;

	for (i = 0; i < td->nothers; i++) {
		const char *e = testd_str(td->others[i], "event");

		if (strncmp(td->otopics[i], prefix, strlen(prefix)) != 0)
			continue;
		if (event != NULL && (e == NULL || strcmp(e, event) != 0))
			continue;
		if (nth-- == 0)
			return td->others[i];
	}
	return NULL;
}

/* Assert an alert change: state, severity, ts, value, threshold. */
void
check_alert(const cJSON *o, const char *state, const char *sev,
    double ts, double value, double threshold)
{
	ck_assert_ptr_nonnull(o);
	ck_assert_str_eq(testd_str(o, "kind"), "alert");
	ck_assert_str_eq(testd_str(o, "state"), state);
	ck_assert_str_eq(testd_str(o, "severity"), sev);
	ck_assert_double_eq_tol(testd_num(o, "ts"), ts, 1e-6);
	ck_assert_double_eq_tol(testd_num(o, "value"), value, 1e-6);
	ck_assert_double_eq_tol(testd_num(o, "threshold"), threshold, 1e-6);
}

/* A number member (fails the test if absent). */
double
testd_num(const cJSON *o, const char *name)
{
	const cJSON	*j = cJSON_GetObjectItemCaseSensitive(o, name);

	ck_assert_msg(cJSON_IsNumber(j), "no number %s", name);
	return j->valuedouble;
}

/* A string member, or NULL. */
const char *
testd_str(const cJSON *o, const char *name)
{
	const cJSON	*j = cJSON_GetObjectItemCaseSensitive(o, name);

	return cJSON_IsString(j) ? j->valuestring : NULL;
}

/* Answer a control request in-process; the parsed reply. */
cJSON *
testd_control(struct testd *td, const char *req)
{
	size_t	 len;
	char	*r = control_handle(td->d, req, strlen(req), &len);
	cJSON	*o = cJSON_Parse(r);

	ck_assert_ptr_nonnull(o);
	free(r);
	return o;
}

/* Write text to a new temporary file; its malloc'd path. */
char *
testd_write_file(const char *text)
{
	char	*path = xstrdup("/tmp/cwtest-XXXXXX.yaml");
	int	 fd = mkstemps(path, 5);
	size_t	 len = strlen(text);

	ck_assert_int_ge(fd, 0);
	ck_assert_int_eq(write(fd, text, len), (ssize_t)len);
	close(fd);
	return path;
}
