/*
 * Endpoints as an operator writes them: tcp://HOST:PORT and ipc://PATH
 * are accepted or refused with a reason fit to show, "*" only where the
 * daemon binds; a listener's HOST:PORT splits into its parts; two
 * endpoints that cannot both be bound are told apart from ones that can.
 */
#include <check.h>
#include <stdio.h>
#include <string.h>

#include "bb.h"
#include "cw.h"

/* An endpoint, whether it is bound, and why it fails (NULL: it passes). */
struct ep_case {
	const char	*ep;		/* as written in the config */
	bool		 bind;		/* the daemon binds it */
	const char	*why;		/* the exact reason, NULL if fine */
};

/* Check one case of endpoint_check(), reason included. */
static void
check_case(const struct ep_case *c)
{
	const char	*why = NULL;
	int		 rc = endpoint_check(c->ep, c->bind, &why);

	if (c->why == NULL) {
		ck_assert_msg(rc == 0, "'%s' (%s) refused: %s", c->ep,
		    c->bind ? "bind" : "connect", why);
		return;
	}
	ck_assert_msg(rc == -1, "'%s' (%s) accepted", c->ep,
	    c->bind ? "bind" : "connect");
	ck_assert_ptr_nonnull(why);
	ck_assert_str_eq(why, c->why);
}

/* A string of n copies of ch, in buf. */
static const char *
repeat(char *buf, size_t size, char ch, size_t n)
{
	ck_assert_uint_lt(n, size);
	memset(buf, ch, n);
	buf[n] = '\0';
	return buf;
}

START_TEST(good_endpoints_pass)
{
	static const struct ep_case cases[] = {
		{ "tcp://127.0.0.1:7100", true, NULL },
		{ "tcp://127.0.0.1:7100", false, NULL },
		{ "tcp://*:7100", true, NULL },
		{ "tcp://0.0.0.0:1", false, NULL },
		{ "tcp://[::1]:7100", true, NULL },
		{ "tcp://[2001:db8::5]:65535", false, NULL },
		{ "tcp://[::ffff:192.0.2.1]:80", false, NULL },
		{ "tcp://localhost:7100", false, NULL },
		{ "tcp://pbx-1.dc2.example.net:5556", false, NULL },
		{ "tcp://PBX1.Example.NET:5556", false, NULL },
		{ "tcp://127.0.0.1:00080", false, NULL },
		{ "ipc:///run/callwatch/feed.sock", true, NULL },
		{ "ipc://relative.sock", false, NULL },
	};
	size_t	 i;

	for (i = 0; i < nitems(cases); i++)
		check_case(&cases[i]);
}
END_TEST

START_TEST(bad_endpoints_say_exactly_why)
{
	static const struct ep_case cases[] = {
		{ "inproc://feed", true, "only tcp:// and ipc:// endpoints "
		    "are supported" },
		{ "pgm://eth0;239.192.1.1:5555", false, "only tcp:// and "
		    "ipc:// endpoints are supported" },
		{ "127.0.0.1:7100", true, "expected tcp://HOST:PORT or "
		    "ipc://PATH" },
		{ "", true, "expected tcp://HOST:PORT or ipc://PATH" },
		{ "TCP://127.0.0.1:7100", true, "only tcp:// and ipc:// "
		    "endpoints are supported" },
		{ "tcp://127.0.0.1", true, "missing :PORT" },
		{ "tcp://", true, "missing :PORT" },
		{ "tcp://[::1]", true, "missing :PORT" },
		{ "tcp://[::1]7100", true, "missing :PORT" },
		{ "tcp://127.0.0.1:", true, "the port must be a number from 1 "
		    "to 65535" },
		{ "tcp://127.0.0.1:0", true, "the port must be a number from "
		    "1 to 65535" },
		{ "tcp://127.0.0.1:65536", true, "the port must be a number "
		    "from 1 to 65535" },
		{ "tcp://127.0.0.1:+80", true, "the port must be a number "
		    "from 1 to 65535" },
		{ "tcp://127.0.0.1:7100x", true, "the port must be a number "
		    "from 1 to 65535" },
		{ "tcp://127.0.0.1:000080", true, "the port must be a number "
		    "from 1 to 65535" },
		{ "tcp://:7100", true, "missing host" },
		{ "tcp://[]:7100", true, "missing host" },
		{ "tcp://1.2.3.256:7100", true, "bad IPv4 address" },
		{ "tcp://1.2.3:7100", true, "bad IPv4 address" },
		{ "tcp://::1:7100", true, "an IPv6 address goes in brackets, "
		    "like [::1]:7100" },
		{ "tcp://[::1:7100", true, "missing ']' after the IPv6 "
		    "address" },
		{ "tcp://[::g]:7100", true, "bad IPv6 address" },
		{ "tcp://-pbx.example.net:7100", false, "bad host name" },
		{ "tcp://pbx-.example.net:7100", false, "bad host name" },
		{ "tcp://pbx_1:7100", false, "bad host name" },
		{ "tcp://a..b:7100", false, "bad host name" },
		{ "tcp://*:7100", false, "* (every address) is only allowed "
		    "where the daemon binds" },
		{ "ipc://", true, "ipc:// needs a path" },
	};
	size_t	 i;

	for (i = 0; i < nitems(cases); i++)
		check_case(&cases[i]);
}
END_TEST

START_TEST(limits_of_paths_and_host_names)
{
	char	 path[ENDPOINT_IPC_MAX + 8], ep[512], a[80], b[80], c[80];
	char	 d[80];
	const char *why = NULL;

	/* An ipc path fills sun_path, less its NUL, and no more. */
	snprintf(ep, sizeof ep, "ipc://%s", repeat(path, sizeof path, 'p',
	    ENDPOINT_IPC_MAX));
	ck_assert_int_eq(endpoint_check(ep, true, &why), 0);
	snprintf(ep, sizeof ep, "ipc://%s", repeat(path, sizeof path, 'p',
	    ENDPOINT_IPC_MAX + 1));
	ck_assert_int_eq(endpoint_check(ep, true, &why), -1);
	ck_assert_str_eq(why, "the ipc path is longer than 107 bytes");
	/* A label of 63 characters, a name of 253. */
	snprintf(ep, sizeof ep, "tcp://%s.example:1", repeat(a, sizeof a, 'a',
	    63));
	ck_assert_int_eq(endpoint_check(ep, false, &why), 0);
	snprintf(ep, sizeof ep, "tcp://%s.example:1", repeat(a, sizeof a, 'a',
	    64));
	ck_assert_int_eq(endpoint_check(ep, false, &why), -1);
	ck_assert_str_eq(why, "bad host name");
	repeat(a, sizeof a, 'a', 63);
	repeat(b, sizeof b, 'b', 63);
	repeat(c, sizeof c, 'c', 63);
	snprintf(ep, sizeof ep, "tcp://%s.%s.%s.%s:1", a, b, c,
	    repeat(d, sizeof d, 'd', 61));
	ck_assert_int_eq(endpoint_check(ep, false, &why), 0);
	snprintf(ep, sizeof ep, "tcp://%s.%s.%s.%s:1", a, b, c,
	    repeat(d, sizeof d, 'd', 62));
	ck_assert_int_eq(endpoint_check(ep, false, &why), -1);
	ck_assert_str_eq(why, "bad host name");
	snprintf(ep, sizeof ep, "tcp://%s.%s.%s.%s.x:1", a, b, c, a);
	ck_assert_int_eq(endpoint_check(ep, false, &why), -1);
	ck_assert_str_eq(why, "host name too long");
}
END_TEST

START_TEST(why_may_be_null)
{
	ck_assert_int_eq(endpoint_check("tcp://127.0.0.1:7100", true, NULL),
	    0);
	ck_assert_int_eq(endpoint_check("tcp://127.0.0.1:0", true, NULL), -1);
	ck_assert_int_eq(endpoint_check("ipc://", true, NULL), -1);
	ck_assert_int_eq(endpoint_check("udp://x:1", true, NULL), -1);
	ck_assert_int_eq(endpoint_hostport("x", NULL), -1);
	ck_assert_int_eq(endpoint_split("*:1", false, NULL, 0, NULL, NULL),
	    -1);
}
END_TEST

START_TEST(listen_addresses_are_host_port)
{
	static const char *const good[] = { "127.0.0.1:7180", "[::1]:7180",
	    "localhost:80", "0.0.0.0:65535", "metrics.example.net:9100" };
	static const struct {
		const char	*s;
		const char	*why;
	} bad[] = {
		{ "7180", "missing :PORT" },
		{ "", "missing :PORT" },
		{ "*:7180", "* (every address) is only allowed where the "
		    "daemon binds" },
		{ "localhost:0", "the port must be a number from 1 to 65535" },
		{ "::1:7180", "an IPv6 address goes in brackets, like "
		    "[::1]:7100" },
	};
	const char	*why = NULL;
	size_t		 i;

	for (i = 0; i < nitems(good); i++)
		ck_assert_msg(endpoint_hostport(good[i], &why) == 0,
		    "'%s' refused: %s", good[i], why);
	for (i = 0; i < nitems(bad); i++) {
		why = NULL;
		ck_assert_msg(endpoint_hostport(bad[i].s, &why) == -1,
		    "'%s' accepted", bad[i].s);
		ck_assert_str_eq(why, bad[i].why);
	}
}
END_TEST

START_TEST(split_gives_the_host_and_port)
{
	char		 host[ENDPOINT_HOST_MAX], small[4];
	unsigned	 port = 0;
	const char	*why = NULL;

	ck_assert_int_eq(endpoint_split("[::1]:7100", false, host,
	    sizeof host, &port, &why), 0);
	ck_assert_str_eq(host, "::1");
	ck_assert_uint_eq(port, 7100);
	ck_assert_int_eq(endpoint_split("Pbx.Example.net:00080", false, host,
	    sizeof host, &port, &why), 0);
	ck_assert_str_eq(host, "Pbx.Example.net");
	ck_assert_uint_eq(port, 80);
	ck_assert_int_eq(endpoint_split("*:1", true, host, sizeof host, &port,
	    &why), 0);
	ck_assert_str_eq(host, "*");
	ck_assert_uint_eq(port, 1);
	/* The host is cut to fit. */
	ck_assert_int_eq(endpoint_split("localhost:9", false, small,
	    sizeof small, NULL, &why), 0);
	ck_assert_str_eq(small, "loc");
	/* A failure leaves the outputs alone. */
	ck_assert_int_eq(endpoint_split("localhost:99999", false, host,
	    sizeof host, &port, &why), -1);
	ck_assert_str_eq(host, "*");
	ck_assert_uint_eq(port, 1);
	ck_assert_str_eq(why, "the port must be a number from 1 to 65535");
}
END_TEST

START_TEST(clashes_of_bound_endpoints)
{
	static const struct {
		const char	*a, *b;
		enum endpoint_clash want;
	} cases[] = {
		{ "tcp://127.0.0.1:7101", "tcp://127.0.0.1:7101",
		    ENDPOINT_SAME },
		{ "ipc:///tmp/feed", "ipc:///tmp/feed", ENDPOINT_SAME },
		{ "bogus", "bogus", ENDPOINT_SAME },
		{ "tcp://*:7102", "tcp://127.0.0.1:7102", ENDPOINT_OVERLAP },
		{ "tcp://127.0.0.1:7102", "tcp://0.0.0.0:7102",
		    ENDPOINT_OVERLAP },
		{ "tcp://LocalHost:7100", "tcp://localhost:7100",
		    ENDPOINT_OVERLAP },
		{ "tcp://127.0.0.1:7100", "tcp://127.0.0.1:07100",
		    ENDPOINT_OVERLAP },
		{ "tcp://[::1]:7100", "tcp://*:7100", ENDPOINT_OVERLAP },
		{ "tcp://127.0.0.1:7100", "tcp://127.0.0.1:7101",
		    ENDPOINT_APART },
		{ "tcp://[::1]:7101", "tcp://127.0.0.1:7101", ENDPOINT_APART },
		{ "tcp://*:7100", "tcp://*:7101", ENDPOINT_APART },
		{ "ipc:///tmp/a", "ipc:///tmp/b", ENDPOINT_APART },
		{ "ipc:///tmp/a", "tcp://*:7100", ENDPOINT_APART },
		{ "tcp://*:0", "tcp://*:0x", ENDPOINT_APART },
	};
	size_t	 i;

	for (i = 0; i < nitems(cases); i++) {
		ck_assert_msg(endpoint_clash(cases[i].a, cases[i].b) ==
		    cases[i].want, "%s vs %s", cases[i].a, cases[i].b);
		ck_assert_msg(endpoint_clash(cases[i].b, cases[i].a) ==
		    cases[i].want, "%s vs %s", cases[i].b, cases[i].a);
	}
}
END_TEST

/* The endpoint suite. */
static Suite *
endpoint_suite(void)
{
	Suite	*s = suite_create("endpoint");
	TCase	*tc = tcase_create("core");

	tcase_add_test(tc, good_endpoints_pass);
	tcase_add_test(tc, bad_endpoints_say_exactly_why);
	tcase_add_test(tc, limits_of_paths_and_host_names);
	tcase_add_test(tc, why_may_be_null);
	tcase_add_test(tc, listen_addresses_are_host_port);
	tcase_add_test(tc, split_gives_the_host_and_port);
	tcase_add_test(tc, clashes_of_bound_endpoints);
	suite_add_tcase(s, tc);
	return s;
}

/* Run the suite; exit 1 if a test failed. */
int
main(void)
{
	return bb_run_suite(endpoint_suite());
}
