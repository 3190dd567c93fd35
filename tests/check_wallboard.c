/*
 * The wallboard in a real browser: runs tests/browser/wallboard.mjs
 * (Node, playwright-core, Debian's headless Chromium), which starts the
 * real daemon, drives the page and leaves a screenshot in
 * build/tests/logs/wallboard.png for a person to look at.
 */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bb.h"

START_TEST(the_wallboard_works_in_a_browser)
{
	static char	 out[1 << 16];
	char		 script[512], build[512], logs[600];
	const char	*argv[] = { "/usr/bin/env", "node", script, NULL };
	int		 rc;

	snprintf(script, sizeof script, "%s/tests/browser/wallboard.mjs",
	    bb_src());
	snprintf(build, sizeof build, "%s", bb_build());
	snprintf(logs, sizeof logs, "%s/tests/logs", bb_build());
	setenv("CW_BUILD", build, 1);
	setenv("CW_OUT", logs, 1);
	rc = bb_run(argv, out, sizeof out);
	fputs(out, stdout);
	ck_assert_msg(rc == 0, "wallboard.mjs exited %d:\n%s", rc, out);
	ck_assert_ptr_nonnull(strstr(out, "wallboard: all checks passed"));
}
END_TEST

static Suite *
wallboard_suite(void)
{
	Suite	*s = suite_create("wallboard");
	TCase	*tc = tcase_create("browser");

	tcase_add_test(tc, the_wallboard_works_in_a_browser);
	tcase_set_timeout(tc, 180);
	suite_add_tcase(s, tc);
	return s;
}

int
main(void)
{
	return bb_run_suite(wallboard_suite());
}
