/*
 * Decoding feed messages: good events come out whole; every class of bad
 * input is rejected with its reason (the key a user sees in "rejected").
 */
#include <check.h>
#include <stdlib.h>
#include <string.h>

#include "bb.h"
#include "cw.h"

static struct decode *dec;

/* A fresh decoder per test. */
static void
setup(void)
{
	dec = decode_new();
}

/* Free it. */
static void
teardown(void)
{
	decode_free(dec);
}

/* Decode a C string; return the reason (-1 if accepted). */
static int
reason(const char *s, struct callev *ev)
{
	enum reject	 why;
	const char	*detail;

	if (decode_msg(dec, s, strlen(s), ev, &why, &detail) == 0)
		return -1;
	ck_assert_ptr_nonnull(detail);
	return (int)why;
}

START_TEST(answered_event_decodes)
{
	struct callev	 ev;

	ck_assert_int_eq(reason("{\"type\":\"answered\",\"call_id\":"
	    "\"c-81231\",\"ts\":1763900123.250,\"queue\":\"billing\","
	    "\"agent\":\"a-1042\",\"caller\":\"+15551234567\"}", &ev), -1);
	ck_assert_int_eq(ev.type, EV_ANSWERED);
	ck_assert_str_eq(ev.call_id, "c-81231");
	ck_assert_uint_eq(ev.call_id_len, 7);
	ck_assert_int_eq(ev.ts, 1763900123250000LL);
	ck_assert_str_eq(ev.queue, "billing");
	ck_assert_str_eq(ev.agent, "a-1042");
	ck_assert_str_eq(ev.caller, "+15551234567");
	ck_assert_ptr_null(ev.to_queue);
	ck_assert_int_eq(ev.queued_at, CW_TIME_NONE);
}
END_TEST

START_TEST(every_type_and_its_fields)
{
	struct callev	 ev;

	ck_assert_int_eq(reason("{\"type\":\"transferred\",\"call_id\":\"x\","
	    "\"ts\":10,\"to_queue\":\"tech\",\"to_agent\":\"a-7\"}", &ev), -1);
	ck_assert_str_eq(ev.to_queue, "tech");
	ck_assert_str_eq(ev.to_agent, "a-7");
	ck_assert_int_eq(reason("{\"type\":\"escalate\",\"call_id\":\"x\","
	    "\"ts\":10,\"level\":2,\"reason\":\"asked for a supervisor\"}",
	    &ev), -1);
	ck_assert_int_eq(ev.level, 2);
	ck_assert_str_eq(ev.reason, "asked for a supervisor");
	ck_assert_int_eq(reason("{\"type\":\"sentiment\",\"call_id\":\"x\","
	    "\"ts\":10,\"score\":-0.75}", &ev), -1);
	ck_assert(ev.score == -0.75);
	ck_assert_int_eq(reason("{\"type\":\"heartbeat\",\"ts\":10}", &ev),
	    -1);
	ck_assert_int_eq(ev.type, EV_HEARTBEAT);
	ck_assert_ptr_null(ev.call_id);
	ck_assert_int_eq(reason("{\"type\":\"answered\",\"call_id\":\"x\","
	    "\"ts\":100,\"answered_at\":40.5,\"queued_at\":10}", &ev), -1);
	ck_assert_int_eq(ev.answered_at, 40500000);
	ck_assert_int_eq(ev.queued_at, 10000000);
	/* null reads as absent; unknown fields are ignored. */
	ck_assert_int_eq(reason("{\"type\":\"hold\",\"call_id\":\"x\","
	    "\"ts\":1,\"agent\":null,\"x-vendor\":{\"a\":[1,2]}}", &ev), -1);
	ck_assert_ptr_null(ev.agent);
}
END_TEST

START_TEST(first_of_repeated_keys_wins)
{
	struct callev	 ev;

	ck_assert_int_eq(reason("{\"type\":\"queued\",\"call_id\":\"a\","
	    "\"call_id\":\"b\",\"ts\":1}", &ev), -1);
	ck_assert_str_eq(ev.call_id, "a");
}
END_TEST

START_TEST(too_large)
{
	struct callev	 ev;
	size_t		 n = CW_MAX_MSG + 1;
	char		*big = xmalloc(n + 1);
	enum reject	 why;
	const char	*detail;

	memset(big, ' ', n);
	big[0] = '{';
	big[n - 1] = '}';
	big[n] = '\0';
	ck_assert_int_eq(decode_msg(dec, big, n, &ev, &why, &detail), -1);
	ck_assert_int_eq(why, REJ_TOO_LARGE);
	free(big);
}
END_TEST

START_TEST(bad_utf8)
{
	struct callev	 ev;
	static const char *const bad[] = {
		"{\"type\":\"queued\",\"call_id\":\"\xff\",\"ts\":1}",
		"{\"type\":\"queued\",\"call_id\":\"\xc0\xaf\",\"ts\":1}",
		"{\"type\":\"queued\",\"call_id\":\"\xed\xa0\x80\",\"ts\":1}",
		"{\"type\":\"queued\",\"call_id\":\"\xe2\x82\",\"ts\":1}",
		"{\"type\":\"queued\",\"call_id\":\"\xf4\x90\x80\x80\",\"ts\":1}",
	};
	size_t	 i;

	for (i = 0; i < nitems(bad); i++)
		ck_assert_int_eq(reason(bad[i], &ev), REJ_BAD_UTF8);
	/* Real multi-byte text is fine. */
	ck_assert_int_eq(reason("{\"type\":\"queued\",\"call_id\":\"x\","
	    "\"ts\":1,\"agent\":\"Zo\xc3\xab \xe2\x82\xac \xf0\x9f\x93\x9e\"}",
	    &ev), -1);
}
END_TEST

START_TEST(bad_json)
{
	struct callev	 ev;

	ck_assert_int_eq(reason("", &ev), REJ_BAD_JSON);
	ck_assert_int_eq(reason("hello", &ev), REJ_BAD_JSON);
	ck_assert_int_eq(reason("{\"type\":\"queued\"", &ev), REJ_BAD_JSON);
	ck_assert_int_eq(reason("{\"type\":\"queued\",\"call_id\":\"x\","
	    "\"ts\":1} trailing", &ev), REJ_BAD_JSON);
	ck_assert_int_eq(reason("{\"a\":\"\\ud800\"}", &ev), REJ_BAD_JSON);
	ck_assert_int_eq(reason("[1,2]", &ev), REJ_NOT_OBJECT);
	/* Raw control bytes: JSON forbids them, cJSON would cut at NUL. */
	{
		static const char nul[] = "{\"type\":\"queued\",\"call_id\":"
		    "\"c-1\0xyz\",\"ts\":1}";
		enum reject	 why;
		const char	*detail;

		ck_assert_int_eq(decode_msg(dec, nul, sizeof nul - 1, &ev,
		    &why, &detail), -1);
		ck_assert_int_eq(why, REJ_BAD_JSON);
	}
	ck_assert_int_eq(reason("{\"type\":\"queued\",\"call_id\":\"c\x01\","
	    "\"ts\":1}", &ev), REJ_BAD_JSON);
	ck_assert_int_eq(reason("\"queued\"", &ev), REJ_NOT_OBJECT);
	ck_assert_int_eq(reason("42", &ev), REJ_NOT_OBJECT);
	/* Whitespace around the object is fine. */
	ck_assert_int_eq(reason(" {\"type\":\"queued\",\"call_id\":\"x\","
	    "\"ts\":1}\r\n", &ev), -1);
}
END_TEST

START_TEST(missing_and_wrong_typed_fields)
{
	struct callev	 ev;

	ck_assert_int_eq(reason("{\"call_id\":\"x\",\"ts\":1}", &ev),
	    REJ_MISSING_FIELD);
	ck_assert_int_eq(reason("{\"type\":\"queued\",\"ts\":1}", &ev),
	    REJ_MISSING_FIELD);
	ck_assert_int_eq(reason("{\"type\":\"queued\",\"call_id\":\"x\"}",
	    &ev), REJ_MISSING_FIELD);
	ck_assert_int_eq(reason("{\"type\":\"transferred\",\"call_id\":\"x\","
	    "\"ts\":1}", &ev), REJ_MISSING_FIELD);
	ck_assert_int_eq(reason("{\"type\":\"sentiment\",\"call_id\":\"x\","
	    "\"ts\":1}", &ev), REJ_MISSING_FIELD);
	ck_assert_int_eq(reason("{\"type\":7,\"call_id\":\"x\",\"ts\":1}",
	    &ev), REJ_WRONG_TYPE);
	ck_assert_int_eq(reason("{\"type\":\"queued\",\"call_id\":81231,"
	    "\"ts\":1}", &ev), REJ_WRONG_TYPE);
	ck_assert_int_eq(reason("{\"type\":\"queued\",\"call_id\":\"x\","
	    "\"ts\":\"1763900123\"}", &ev), REJ_WRONG_TYPE);
	ck_assert_int_eq(reason("{\"type\":\"queued\",\"call_id\":\"x\","
	    "\"ts\":1,\"queue\":[\"billing\"]}", &ev), REJ_WRONG_TYPE);
	ck_assert_int_eq(reason("{\"type\":\"escalate\",\"call_id\":\"x\","
	    "\"ts\":1,\"level\":\"2\"}", &ev), REJ_WRONG_TYPE);
	ck_assert_int_eq(reason("{\"type\":\"sentiment\",\"call_id\":\"x\","
	    "\"ts\":1,\"score\":true}", &ev), REJ_WRONG_TYPE);
}
END_TEST

START_TEST(bad_values)
{
	struct callev	 ev;
	char		 buf[512], id[CW_MAX_CALL_ID + 2];

	ck_assert_int_eq(reason("{\"type\":\"queued\",\"call_id\":\"\","
	    "\"ts\":1}", &ev), REJ_BAD_VALUE);
	memset(id, 'i', sizeof id - 1);
	id[sizeof id - 1] = '\0';	/* 129 bytes */
	snprintf(buf, sizeof buf, "{\"type\":\"queued\",\"call_id\":\"%s\","
	    "\"ts\":1}", id);
	ck_assert_int_eq(reason(buf, &ev), REJ_BAD_VALUE);
	id[CW_MAX_CALL_ID] = '\0';	/* 128 bytes is fine */
	snprintf(buf, sizeof buf, "{\"type\":\"queued\",\"call_id\":\"%s\","
	    "\"ts\":1}", id);
	ck_assert_int_eq(reason(buf, &ev), -1);
	ck_assert_int_eq(reason("{\"type\":\"queued\",\"call_id\":\"x\","
	    "\"ts\":1,\"queue\":\"a/b\"}", &ev), REJ_BAD_VALUE);
	ck_assert_int_eq(reason("{\"type\":\"queued\",\"call_id\":\"x\","
	    "\"ts\":1,\"queue\":\"\"}", &ev), REJ_BAD_VALUE);
	ck_assert_int_eq(reason("{\"type\":\"queued\",\"call_id\":\"x\","
	    "\"ts\":1,\"agent\":\"tab\\there\"}", &ev), REJ_BAD_VALUE);
	ck_assert_int_eq(reason("{\"type\":\"transferred\",\"call_id\":\"x\","
	    "\"ts\":1,\"to_queue\":\"a/b\"}", &ev), REJ_BAD_VALUE);
	/* Agents and callers may hold '/' (SIP URIs); queues may not. */
	ck_assert_int_eq(reason("{\"type\":\"queued\",\"call_id\":\"x\","
	    "\"ts\":1,\"agent\":\"sip:a-7@pbx/1\",\"caller\":"
	    "\"sip:+1555@carrier.example/x\"}", &ev), -1);
	ck_assert_str_eq(ev.agent, "sip:a-7@pbx/1");
	ck_assert_int_eq(reason("{\"type\":\"queued\",\"call_id\":\"a\\u0000b"
	    "\",\"ts\":1}", &ev), REJ_BAD_VALUE);
	ck_assert_int_eq(reason("{\"type\":\"queued\",\"call_id\":\"a\\\\\\u0000"
	    "\",\"ts\":1}", &ev), REJ_BAD_VALUE);
	/* An escaped backslash before "u0000" is plain text. */
	ck_assert_int_eq(reason("{\"type\":\"queued\",\"call_id\":\"C:\\\\u0000"
	    "\",\"ts\":1}", &ev), -1);
	ck_assert_str_eq(ev.call_id, "C:\\u0000");
	ck_assert_int_eq(reason("{\"type\":\"queued\",\"call_id\":\"a\\tb\","
	    "\"ts\":1}", &ev), REJ_BAD_VALUE);
	ck_assert_int_eq(reason("{\"type\":\"escalate\",\"call_id\":\"x\","
	    "\"ts\":1,\"level\":0}", &ev), REJ_BAD_VALUE);
	ck_assert_int_eq(reason("{\"type\":\"escalate\",\"call_id\":\"x\","
	    "\"ts\":1,\"level\":1.5}", &ev), REJ_BAD_VALUE);
	ck_assert_int_eq(reason("{\"type\":\"sentiment\",\"call_id\":\"x\","
	    "\"ts\":1,\"score\":1.01}", &ev), REJ_BAD_VALUE);
	ck_assert_int_eq(reason("{\"type\":\"answered\",\"call_id\":\"x\","
	    "\"ts\":100,\"answered_at\":101}", &ev), REJ_BAD_VALUE);
	ck_assert_int_eq(reason("{\"type\":\"answered\",\"call_id\":\"x\","
	    "\"ts\":100,\"queued_at\":-1}", &ev), REJ_BAD_VALUE);
}
END_TEST

START_TEST(unknown_type)
{
	struct callev	 ev;

	ck_assert_int_eq(reason("{\"type\":\"ringing\",\"call_id\":\"x\","
	    "\"ts\":1}", &ev), REJ_UNKNOWN_TYPE);
	ck_assert_int_eq(reason("{\"type\":\"Answered\",\"call_id\":\"x\","
	    "\"ts\":1}", &ev), REJ_UNKNOWN_TYPE);
}
END_TEST

START_TEST(absurd_ts)
{
	struct callev	 ev;

	/* Negative, milliseconds by mistake, past 2100, huge. */
	ck_assert_int_eq(reason("{\"type\":\"queued\",\"call_id\":\"x\","
	    "\"ts\":-5}", &ev), REJ_BAD_TS);
	ck_assert_int_eq(reason("{\"type\":\"queued\",\"call_id\":\"x\","
	    "\"ts\":1763900123250}", &ev), REJ_BAD_TS);
	ck_assert_int_eq(reason("{\"type\":\"queued\",\"call_id\":\"x\","
	    "\"ts\":4102444800}", &ev), REJ_BAD_TS);
	ck_assert_int_eq(reason("{\"type\":\"queued\",\"call_id\":\"x\","
	    "\"ts\":1e308}", &ev), REJ_BAD_TS);
	/* 1999 (the real month) and small replay times are fine. */
	ck_assert_int_eq(reason("{\"type\":\"queued\",\"call_id\":\"x\","
	    "\"ts\":917852575}", &ev), -1);
	ck_assert_int_eq(reason("{\"type\":\"queued\",\"call_id\":\"x\","
	    "\"ts\":0}", &ev), -1);
}
END_TEST

START_TEST(fingerprints_tell_repeats_apart)
{
	struct callev	 a, b;
	uint32_t	 fa;

	ck_assert_int_eq(reason("{\"type\":\"hold\",\"call_id\":\"x\","
	    "\"ts\":5}", &a), -1);
	fa = decode_fingerprint(&a);
	ck_assert_int_eq(reason("{\"ts\":5,\"call_id\":\"x\","
	    "\"type\":\"hold\"}", &b), -1);
	ck_assert_uint_eq(decode_fingerprint(&b), fa);
	ck_assert_int_eq(reason("{\"type\":\"hold\",\"call_id\":\"x\","
	    "\"ts\":5.001}", &b), -1);
	ck_assert_uint_ne(decode_fingerprint(&b), fa);
	ck_assert_int_eq(reason("{\"type\":\"resume\",\"call_id\":\"x\","
	    "\"ts\":5}", &b), -1);
	ck_assert_uint_ne(decode_fingerprint(&b), fa);
}
END_TEST

/* The suite. */
static Suite *
decode_suite(void)
{
	Suite	*s = suite_create("decode");
	TCase	*tc = tcase_create("core");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, answered_event_decodes);
	tcase_add_test(tc, every_type_and_its_fields);
	tcase_add_test(tc, first_of_repeated_keys_wins);
	tcase_add_test(tc, too_large);
	tcase_add_test(tc, bad_utf8);
	tcase_add_test(tc, bad_json);
	tcase_add_test(tc, missing_and_wrong_typed_fields);
	tcase_add_test(tc, bad_values);
	tcase_add_test(tc, unknown_type);
	tcase_add_test(tc, absurd_ts);
	tcase_add_test(tc, fingerprints_tell_repeats_apart);
	suite_add_tcase(s, tc);
	return s;
}

int
main(void)
{
	return bb_run_suite(decode_suite());
}
