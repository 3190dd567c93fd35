/*
 * The documentation against the program, as an operator meets both: every
 * key `callwatchd --help-config` prints is described in callwatch.yaml(5),
 * under its section, and set or mentioned in conf/callwatch.yaml; every
 * option of `callwatchd --help` is in callwatchd(8); both pages render
 * without a warning; and `make install` into a staging folder puts the
 * daemon, the unit (its paths rewritten), the config and the pages where
 * they belong, keeps an edited config on a second install, and `make
 * uninstall` takes back all but the config.
 *
 * Environment: CW_BUILD (default "build": the daemon), CW_SRC (default
 * "."; make runs there).  With CW_BUILD ending in "build-san", make runs
 * with SAN=1, so it installs what was built rather than building again.
 */
#include <sys/stat.h>
#include <sys/types.h>
#include <sys/wait.h>

#include <check.h>
#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "bb.h"

#define DOCS_MAN8	"daemon/callwatchd.8"
#define DOCS_MAN5	"conf/callwatch.yaml.5"
#define DOCS_CONF	"conf/callwatch.yaml"
#define DOCS_UNIT_EXEC	\
	"ExecStart=/usr/sbin/callwatchd -c /etc/callwatch/callwatch.yaml"

static char	*tmp;		/* this test's scratch directory */
static char	*found;		/* docs_find's answer */
static const char *wanted;	/* the base name docs_find looks for */

/* An environment variable, or def when unset or empty. */
static const char *
docs_env(const char *name, const char *def)
{
	const char	*v = getenv(name);

	return v != NULL && *v != '\0' ? v : def;
}

/* A formatted, allocated string (the caller frees it). */
static char *
docs_fmt(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* A formatted, allocated string (the caller frees it). */
static char *
docs_fmt(const char *fmt, ...)
{
	va_list	 ap;
	char	*s;
	int	 n;

	va_start(ap, fmt);
	n = vasprintf(&s, fmt, ap);
	va_end(ap);
	ck_assert_int_ne(n, -1);
	return s;
}

/* A path in the source tree. */
static char *
docs_src(const char *name)
{
	return docs_fmt("%s/%s", docs_env("CW_SRC", "."), name);
}

/* A path in the build directory. */
static char *
docs_build(const char *name)
{
	return docs_fmt("%s/%s", docs_env("CW_BUILD", "build"), name);
}

/* Append text to a file. */
static void
docs_append(const char *path, const char *text)
{
	FILE	*f = fopen(path, "a");

	ck_assert_msg(f != NULL, "cannot open %s: %s", path, strerror(errno));
	fputs(text, f);
	ck_assert_int_eq(fclose(f), 0);
}

/* Whether a path exists. */
static bool
docs_exists(const char *path)
{
	struct stat	 st;

	return lstat(path, &st) == 0;
}

/* Fail unless path is a regular file with permission bits mode. */
static void
docs_need_file(const char *path, mode_t mode)
{
	struct stat	 st;

	ck_assert_msg(stat(path, &st) == 0, "%s was not installed: %s", path,
	    strerror(errno));
	ck_assert_msg(S_ISREG(st.st_mode), "%s is not a regular file", path);
	ck_assert_msg((st.st_mode & 07777) == mode, "%s has mode %03o, not "
	    "%03o", path, (unsigned)(st.st_mode & 07777), (unsigned)mode);
}

/* Whether a program is on $PATH. */
static bool
docs_have(const char *prog)
{
	char	*path = strdup(docs_env("PATH", "/usr/bin:/bin"));
	char	*dir, *save = NULL, *p;
	bool	 ok = false;

	ck_assert_ptr_nonnull(path);
	for (dir = strtok_r(path, ":", &save); dir != NULL && !ok;
	    dir = strtok_r(NULL, ":", &save)) {
		p = docs_fmt("%s/%s", *dir != '\0' ? dir : ".", prog);
		ok = access(p, X_OK) == 0;
		free(p);
	}
	free(path);
	return ok;
}

/*
 * Run argv (searched on $PATH) in dir (NULL: here) with stdout and stderr
 * both into the file out; return its exit status, or 128 + the signal
 * that killed it.  make's own variables are dropped from the child's
 * environment, so a make running this test does not steer the one it
 * starts.
 */
static int
docs_run(const char *dir, const char *out, const char *const argv[])
{
	pid_t	 pid;
	int	 status, fd;

	fflush(NULL);
	ck_assert_int_ne(pid = fork(), -1);
	if (pid == 0) {
		fd = open(out, O_WRONLY | O_CREAT | O_TRUNC, 0644);
		if (fd == -1 || dup2(fd, STDOUT_FILENO) == -1 ||
		    dup2(fd, STDERR_FILENO) == -1)
			_exit(126);
		close(fd);
		if (dir != NULL && chdir(dir) == -1)
			_exit(126);
		unsetenv("MAKEFLAGS");
		unsetenv("MFLAGS");
		unsetenv("MAKELEVEL");
		unsetenv("MAKEOVERRIDES");
		execvp(argv[0], (char *const *)argv);
		fprintf(stderr, "exec %s: %s\n", argv[0], strerror(errno));
		_exit(127);
	}
	while (waitpid(pid, &status, 0) == -1)
		ck_assert_int_eq(errno, EINTR);
	if (WIFSIGNALED(status))
		return 128 + WTERMSIG(status);
	return WEXITSTATUS(status);
}

/* Run argv; it must exit 0.  Returns what it printed (caller frees). */
static char *
docs_capture(const char *const argv[])
{
	char	*out = docs_fmt("%s/out", tmp), *text;
	int	 rc = docs_run(NULL, out, argv);

	text = bb_slurp(out);
	ck_assert_msg(rc == 0, "%s exited %d: %s", argv[0], rc, text);
	free(out);
	return text;
}

/* The daemon, which must have been built. */
static char *
docs_daemon(void)
{
	char	*d = docs_build("callwatchd");

	ck_assert_msg(access(d, X_OK) == 0, "%s is not there (%s): build it "
	    "first (make) or set CW_BUILD", d, strerror(errno));
	return d;
}

/* nftw: remove everything. */
static int
docs_rm(const char *path, const struct stat *st, int flag, struct FTW *f)
{
	(void)st;
	(void)f;
	if (flag == FTW_DP)
		return rmdir(path) == -1 ? -1 : 0;
	return unlink(path) == -1 ? -1 : 0;
}

/* nftw: remember the first file named wanted. */
static int
docs_match(const char *path, const struct stat *st, int flag, struct FTW *f)
{
	(void)st;
	if (flag == FTW_F && strcmp(path + f->base, wanted) == 0) {
		found = strdup(path);
		return 1;
	}
	return 0;
}

/* The first file called name under dir, or NULL (the caller frees). */
static char *
docs_find(const char *dir, const char *name)
{
	found = NULL;
	wanted = name;
	(void)nftw(dir, docs_match, 16, FTW_PHYS);
	return found;
}

/* A scratch directory per test. */
static void
setup(void)
{
	tmp = docs_fmt("%s/check_docs-XXXXXX", docs_env("TMPDIR", "/tmp"));
	ck_assert_ptr_nonnull(mkdtemp(tmp));
}

/* Remove the scratch directory (CW_KEEP keeps it, to look inside). */
static void
teardown(void)
{
	if (getenv("CW_KEEP") == NULL)
		(void)nftw(tmp, docs_rm, 16, FTW_DEPTH | FTW_PHYS);
	free(tmp);
	tmp = NULL;
}

/* Whether c may be part of a key or option name. */
static bool
docs_namechar(char c)
{
	return isalnum((unsigned char)c) || c == '_' || c == '-';
}

/* The length of the line at s (to its newline or the end). */
static size_t
docs_linelen(const char *s)
{
	const char	*nl = strchr(s, '\n');

	return nl != NULL ? (size_t)(nl - s) : strlen(s);
}

/* Whether the line at s, len long, starts with prefix. */
static bool
docs_starts(const char *s, size_t len, const char *prefix)
{
	size_t	 n = strlen(prefix);

	return len >= n && strncmp(s, prefix, n) == 0;
}

/*
 * Copy the n-th blank-separated word of a line (0 first) into buf; an
 * empty word when there is none.  Returns buf.
 */
static char *
docs_word(const char *s, size_t len, int n, char *buf, size_t size)
{
	size_t	 i = 0, b, k;

	for (;;) {
		while (i < len && isspace((unsigned char)s[i]))
			i++;
		b = i;
		while (i < len && !isspace((unsigned char)s[i]))
			i++;
		if (n-- == 0 || b == len)
			break;
	}
	k = i - b < size - 1 ? i - b : size - 1;
	memcpy(buf, s + b, k);
	buf[k] = '\0';
	return buf;
}

/*
 * Whether a man page describes a key: under the subsection (.Ss or .SS)
 * whose title's first word is section, a list item (.It) whose tag is
 * leaf, as in ".It Ic clock Ar wall | event".  A key that is a whole
 * section (leaf == section) needs only the subsection.
 */
static bool
docs_man_has(const char *man, const char *section, const char *leaf)
{
	const char	*s;
	char		 w[128];
	bool		 in = false;
	size_t		 len;

	for (s = man; *s != '\0'; s += len + (s[len] == '\n')) {
		len = docs_linelen(s);
		if (docs_starts(s, len, ".Sh ") ||
		    docs_starts(s, len, ".SH ")) {
			in = false;
			continue;
		}
		if (docs_starts(s, len, ".Ss ") ||
		    docs_starts(s, len, ".SS ")) {
			docs_word(s, len, 1, w, sizeof w);
			in = strcmp(w, section) == 0;
			if (in && strcmp(leaf, section) == 0)
				return true;
			continue;
		}
		if (in && docs_starts(s, len, ".It ") &&
		    strcmp(docs_word(s, len, 2, w, sizeof w), leaf) == 0)
			return true;
	}
	return false;
}

/*
 * Whether a YAML file sets or mentions a key: within the top-level key
 * section (to the next top-level key), "leaf:" set, in a flow map or in
 * a commented-out line.  A key that is a whole section needs only the
 * top-level "section:".
 */
static bool
docs_yaml_has(const char *yaml, const char *section, const char *leaf)
{
	const char	*s, *p;
	char		 pat[136];
	bool		 in = false;
	size_t		 len, n = strlen(section);

	snprintf(pat, sizeof pat, "%s:", leaf);
	for (s = yaml; *s != '\0'; s += len + (s[len] == '\n')) {
		len = docs_linelen(s);
		p = s;
		if (len > 0 && !isspace((unsigned char)*s) && *s != '#') {
			in = len > n && strncmp(s, section, n) == 0 &&
			    s[n] == ':';
			if (in && strcmp(leaf, section) == 0)
				return true;
			p = s + n + 1;	/* section: {leaf: ...} */
		}
		if (!in)
			continue;
		for (; (p = strstr(p, pat)) != NULL && p < s + len; p++)
			if (p == s || strchr(" \t{,-#", p[-1]) != NULL)
				return true;
	}
	return false;
}

/* Append a formatted note to buf (size bytes, *used so far), cut to fit. */
static void
docs_note(char *buf, size_t size, size_t *used, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

/* Append a formatted note to buf (size bytes, *used so far), cut to fit. */
static void
docs_note(char *buf, size_t size, size_t *used, const char *fmt, ...)
{
	va_list	 ap;
	int	 n;

	if (*used >= size - 1)
		return;
	va_start(ap, fmt);
	n = vsnprintf(buf + *used, size - *used, fmt, ap);
	va_end(ap);
	if (n > 0)
		*used += (size_t)n < size - *used ? (size_t)n :
		    size - *used - 1;
}

/* Split a --help-config key: "defaults.hold_max", "feeds[].name". */
static void
docs_split(const char *key, char *section, size_t ssize, char *leaf,
    size_t lsize)
{
	size_t		 n = strcspn(key, ".[");
	const char	*dot = strrchr(key, '.');

	snprintf(section, ssize, "%.*s", (int)n, key);
	snprintf(leaf, lsize, "%s", dot != NULL ? dot + 1 : key);
}

/*
 * Whether a man page documents an option, given without its first dash
 * ("c", "-config"): as "Fl c" on a list item (.It), the way callwatchd(8)
 * writes them; "\-" counts as "-".
 */
static bool
docs_man_has_option(const char *man, const char *opt)
{
	char		*fl = docs_fmt("Fl %s", opt), *norm, *d;
	const char	*s, *p;
	size_t		 len, n = strlen(fl);
	bool		 ok = false;

	ck_assert_ptr_nonnull(norm = strdup(man));
	for (s = man, d = norm; *s != '\0'; s++) {
		if (s[0] == '\\' && s[1] == '-')
			s++;
		*d++ = *s;
	}
	*d = '\0';
	for (s = norm; *s != '\0' && !ok; s += len + (s[len] == '\n')) {
		len = docs_linelen(s);
		if (!docs_starts(s, len, ".It "))
			continue;
		for (p = s; !ok && (p = strstr(p, fl)) != NULL &&
		    p + n <= s + len; p++)
			ok = p[-1] == ' ' && (p + n == s + len ||
			    !docs_namechar(p[n]));
	}
	free(fl);
	free(norm);
	return ok;
}

/* Add an option of len bytes at s to the n in buf, unless it is there. */
static void
docs_option_add(char *buf, size_t size, size_t *used, int *n,
    const char *s, size_t len)
{
	const char	*o;
	int		 i;

	for (i = 0, o = buf; i < *n; i++, o += strlen(o) + 1)
		if (strlen(o) == len && strncmp(o, s, len) == 0)
			return;
	ck_assert_uint_lt(*used + len + 1, size);
	memcpy(buf + *used, s, len);
	*used += len;
	buf[(*used)++] = '\0';
	(*n)++;
}

/*
 * The options in `callwatchd --help` text, each once, without its first
 * dash and followed by a NUL, into buf: "-c" gives "c", "--config"
 * "-config", and a cluster like "[-nvV]" one letter each.  Returns how
 * many.
 */
static int
docs_options(const char *help, char *buf, size_t size)
{
	const char	*s, *e;
	size_t		 used = 0, k;
	int		 n = 0;

	for (s = help; (s = strchr(s, '-')) != NULL; s = e) {
		for (e = s + 1; docs_namechar(*e); e++)
			;
		if (s != help && strchr(" \t[", s[-1]) == NULL)
			continue;
		if (!isalpha((unsigned char)s[s[1] == '-' ? 2 : 1]))
			continue;		/* "- = stdin", "---" */
		if (s[1] == '-' || e - s == 2)
			docs_option_add(buf, size, &used, &n, s + 1,
			    (size_t)(e - s) - 1);
		else
			for (k = 1; s + k < e; k++)	/* -nvV */
				docs_option_add(buf, size, &used, &n, s + k,
				    1);
	}
	return n;
}

START_TEST(doc_checks_can_fail)
{
	const char	*man = ".Sh DESCRIPTION\n.Ss daemon\n.Bl -tag\n"
	    ".It Ic clock Ar wall | event\nText about max_skew.\n.El\n"
	    ".Ss queues\nOverrides.\n.Ss publish\n.It Ic hwm Ar integer\n"
	    ".It Fl c Ar file , Fl \\-config Ar file\n"
	    ".Sh SEE ALSO\n.It Ic endpoint\n.It Fl n\n";
	const char	*yaml = "daemon:\n  clock: wall\n  # note: "
	    "max_skew is 5s\n  # ended_linger: 10m\nfeeds:\n  - name: x\n"
	    "publish: {endpoint: x}\nqueues:\n  b: {normal: [1m, 2m]}\n";
	static const char *const want[] = { "n", "V", "c", "-config",
	    "-help-config" };
	char		 opts[256], *o;
	int		 n, i;

	ck_assert(docs_man_has(man, "daemon", "clock"));
	ck_assert(!docs_man_has(man, "daemon", "max_skew"));	/* text */
	ck_assert(!docs_man_has(man, "publish", "clock"));	/* section */
	ck_assert(!docs_man_has(man, "daemon", "hwm"));
	ck_assert(docs_man_has(man, "publish", "hwm"));
	ck_assert(!docs_man_has(man, "publish", "endpoint"));	/* .Sh */
	ck_assert(docs_man_has(man, "queues", "queues"));
	ck_assert(!docs_man_has(man, "http", "http"));
	ck_assert(docs_yaml_has(yaml, "daemon", "clock"));
	ck_assert(docs_yaml_has(yaml, "daemon", "ended_linger"));
	ck_assert(!docs_yaml_has(yaml, "daemon", "max_skew"));	/* prose */
	ck_assert(!docs_yaml_has(yaml, "daemon", "name"));	/* feeds' */
	ck_assert(docs_yaml_has(yaml, "feeds", "name"));
	ck_assert(docs_yaml_has(yaml, "publish", "endpoint"));
	ck_assert(docs_yaml_has(yaml, "queues", "normal"));
	ck_assert(docs_yaml_has(yaml, "queues", "queues"));
	ck_assert(!docs_yaml_has(yaml, "http", "http"));
	ck_assert(docs_man_has_option(man, "c"));
	ck_assert(docs_man_has_option(man, "-config"));
	ck_assert(!docs_man_has_option(man, "-conf"));
	ck_assert(!docs_man_has_option(man, "-conf"));
	ck_assert(!docs_man_has_option(man, "V"));
	n = docs_options("usage: x [-nV] [-c FILE]\n  -c, --config FILE  "
	    "cfg (- = stdin), read-only\n      --help-config  keys\n", opts,
	    sizeof opts);
	ck_assert_int_eq(n, 5);
	for (i = 0, o = opts; i < n; i++, o += strlen(o) + 1)
		ck_assert_str_eq(o, want[i]);
}
END_TEST

START_TEST(every_config_key_is_documented)
{
	char		*daemon = docs_daemon();
	const char	*argv[] = { daemon, "--help-config", NULL };
	char		*help = docs_capture(argv);
	char		*man5 = docs_src(DOCS_MAN5);
	char		*conf = docs_src(DOCS_CONF);
	char		*man = bb_slurp(man5), *yaml = bb_slurp(conf);
	char		 key[128], section[128], leaf[128], missing[4096];
	const char	*s;
	size_t		 len, used = 0;
	int		 keys = 0;

	missing[0] = '\0';
	for (s = help; *s != '\0'; s += len + (s[len] == '\n')) {
		len = docs_linelen(s);
		if (docs_word(s, len, 0, key, sizeof key)[0] == '\0')
			continue;
		keys++;
		docs_split(key, section, sizeof section, leaf, sizeof leaf);
		if (!docs_man_has(man, section, leaf))
			docs_note(missing, sizeof missing, &used,
			    "\n  %s: no \".It Ic %s\" under \".Ss %s\" in %s",
			    key, leaf, section, DOCS_MAN5);
		if (!docs_yaml_has(yaml, section, leaf))
			docs_note(missing, sizeof missing, &used,
			    "\n  %s: no \"%s:\" in section %s of %s", key,
			    leaf, section, DOCS_CONF);
	}
	ck_assert_msg(keys >= 30, "--help-config printed %d keys:\n%s", keys,
	    help);
	ck_assert_msg(used == 0, "undocumented keys:%s", missing);
	free(daemon);
	free(help);
	free(man5);
	free(conf);
	free(man);
	free(yaml);
}
END_TEST

START_TEST(every_option_is_documented)
{
	char		*daemon = docs_daemon();
	const char	*argv[] = { daemon, "--help", NULL };
	char		*help = docs_capture(argv);
	char		*man8 = docs_src(DOCS_MAN8), *man = bb_slurp(man8);
	char		 opts[1024], missing[1024];
	const char	*o;
	size_t		 used = 0;
	int		 n, i;

	n = docs_options(help, opts, sizeof opts);
	ck_assert_msg(n >= 12, "--help shows %d options:\n%s", n, help);
	missing[0] = '\0';
	for (i = 0, o = opts; i < n; i++, o += strlen(o) + 1)
		if (!docs_man_has_option(man, o))
			docs_note(missing, sizeof missing, &used, " -%s", o);
	ck_assert_msg(used == 0, "%s has no \".It Fl\" item for:%s",
	    DOCS_MAN8, missing);
	free(daemon);
	free(help);
	free(man8);
	free(man);
}
END_TEST

/* Format page with argv (page last) and fail on any output or error. */
static void
docs_lint(const char *const argv[], const char *page)
{
	char	*out = docs_fmt("%s/lint", tmp), *text;
	int	 rc = docs_run(NULL, out, argv);

	text = bb_slurp(out);
	ck_assert_msg(rc == 0 && *text == '\0', "%s on %s exited %d:\n%s",
	    argv[0], page, rc, text);
	free(text);
	free(out);
}

/* Render page to text and check it has its name and sections. */
static void
docs_render(const char *const argv[], const char *page, const char *name)
{
	char	*out = docs_fmt("%s/render", tmp), *text, *r, *w;
	int	 rc = docs_run(NULL, out, argv);

	text = bb_slurp(out);
	for (r = w = text; *r != '\0'; r++) {	/* drop overstrikes */
		if (r[1] == '\b' && r[2] != '\0')
			r++;
		else
			*w++ = *r;
	}
	*w = '\0';
	ck_assert_msg(rc == 0, "%s on %s exited %d:\n%s", argv[0], page, rc,
	    text);
	ck_assert_msg(strstr(text, "DESCRIPTION") != NULL &&
	    strstr(text, "SEE ALSO") != NULL && strstr(text, name) != NULL,
	    "%s rendered by %s lacks its name or sections:\n%.2000s", page,
	    argv[0], text);
	free(text);
	free(out);
}

START_TEST(man_pages_render_without_warnings)
{
	static const char *const pages[][2] = {
		{ DOCS_MAN8, "callwatchd" },
		{ DOCS_MAN5, "callwatch.yaml" },
		{ "clients/callwatch.1", "callwatch" },
		{ "clients/callwatch-sim.1", "callwatch-sim" },
		{ "clients/callwatch-qlog.1", "callwatch-qlog" },
		{ "clients/callwatch-ami.1", "callwatch-ami" },
		{ "clients/callwatch-esl.1", "callwatch-esl" },
	};
	bool	 mandoc = docs_have("mandoc"), groff = docs_have("groff");
	size_t	 i;

	if (!mandoc && !groff) {
		printf("check_docs: neither mandoc nor groff is installed; "
		    "the man pages were not rendered\n");
		return;
	}
	for (i = 0; i < sizeof pages / sizeof pages[0]; i++) {
		char	*page = docs_src(pages[i][0]);

		if (mandoc) {
			docs_lint((const char *[]){ "mandoc", "-Tlint",
			    "-Wwarning", page, NULL }, page);
			docs_render((const char *[]){ "mandoc", "-Tascii",
			    page, NULL }, page, pages[i][1]);
		}
		if (groff) {
			docs_lint((const char *[]){ "groff", "-mandoc",
			    "-Tutf8", "-ww", "-z", page, NULL }, page);
			docs_render((const char *[]){ "groff", "-mandoc",
			    "-Tascii", "-P-c", "-P-b", "-P-u", page, NULL },
			    page, pages[i][1]);
		}
		free(page);
	}
}
END_TEST

/*
 * Run make TARGET DESTDIR=dest PREFIX=/usr in the source tree; it must
 * succeed.  Returns what it printed (the caller frees).
 */
static char *
docs_make(const char *target, const char *dest)
{
	const char	*build = docs_env("CW_BUILD", "build");
	const char	*base = strrchr(build, '/') != NULL ?
			    strrchr(build, '/') + 1 : build;
	char		*destdir = docs_fmt("DESTDIR=%s", dest);
	char		*log = docs_fmt("%s/make.log", tmp), *text;
	const char	*argv[] = { "make", "-s", "-C", docs_env("CW_SRC",
			    "."), target, destdir, "PREFIX=/usr", NULL, NULL };
	int		 rc;

	if (strcmp(base, "build-san") == 0)
		argv[7] = "SAN=1";
	rc = docs_run(NULL, log, argv);
	text = bb_slurp(log);
	ck_assert_msg(rc == 0, "make %s DESTDIR=%s PREFIX=/usr exited %d:\n"
	    "%.3000s", target, dest, rc, text);
	free(destdir);
	free(log);
	return text;
}

/* Fail unless path holds the same bytes as the source file name. */
static void
docs_same(const char *path, const char *name)
{
	char	*src = docs_src(name);
	char	*a = bb_slurp(path), *b = bb_slurp(src);

	ck_assert_msg(strcmp(a, b) == 0, "%s differs from %s", path, src);
	free(src);
	free(a);
	free(b);
}

/* Check the unit installed under dest, wherever its folder is. */
static void
docs_check_unit(const char *dest)
{
	char	*unit = docs_find(dest, "callwatchd.service"), *text;

	ck_assert_msg(unit != NULL, "no callwatchd.service under %s", dest);
	ck_assert_msg(strstr(unit, "/systemd/system/") != NULL, "the unit "
	    "went to %s, not a systemd/system folder", unit);
	docs_need_file(unit, 0644);
	text = bb_slurp(unit);
	ck_assert_msg(strstr(text, "\n" DOCS_UNIT_EXEC "\n") != NULL,
	    "%s has no line %s:\n%s", unit, DOCS_UNIT_EXEC, text);
	ck_assert_msg(strstr(text, "/usr/local/") == NULL, "%s still names "
	    "/usr/local/:\n%s", unit, text);
	free(text);
	free(unit);
}

/*
 * The clients and their pages are installed, the programs executable (and
 * all gone after uninstall).
 */
static void
docs_check_clients(const char *dest, bool there)
{
	static const char *const clients[] = { "callwatch", "callwatch-sim",
	    "callwatch-qlog", "callwatch-ami", "callwatch-esl" };
	char	*inst, *man, *src;
	size_t	 i;

	for (i = 0; i < sizeof clients / sizeof clients[0]; i++) {
		inst = docs_fmt("%s/usr/bin/%s", dest, clients[i]);
		man = docs_fmt("%s/usr/share/man/man1/%s.1", dest, clients[i]);
		src = docs_fmt("clients/%s.1", clients[i]);
		if (there) {
			docs_need_file(inst, 0755);
			docs_need_file(man, 0644);
			docs_same(man, src);
		} else {
			ck_assert_msg(!docs_exists(inst), "%s is still there",
			    inst);
			ck_assert_msg(!docs_exists(man), "%s is still there",
			    man);
		}
		free(inst);
		free(man);
		free(src);
	}
}

/* Whether page has the macro line part want, followed by a space or the
 * line's end (so "send" is not found in "sendx"). */
static bool
docs_has_macro(const char *page, const char *want)
{
	const char	*p;
	size_t		 n = strlen(want);

	for (p = page; (p = strstr(p, want)) != NULL; p += n)
		if (p[n] == ' ' || p[n] == '\n')
			return true;
	return false;
}

/*
 * Every callwatch command its --help lists has an ".It Cm NAME" item in
 * callwatch(1), and every option callwatch-sim's usage shows a
 * "Fl \-NAME" in callwatch-sim(1).
 */
START_TEST(every_client_command_is_documented)
{
	char		*bin = docs_build("callwatch");
	char		*sim = docs_build("callwatch-sim");
	const char	*a1[] = { bin, "--help", NULL };
	const char	*a2[] = { sim, "--help", NULL };
	char		*help = docs_capture(a1), *shelp = docs_capture(a2);
	char		*p1 = docs_src("clients/callwatch.1");
	char		*p2 = docs_src("clients/callwatch-sim.1");
	char		*m1 = bb_slurp(p1), *m2 = bb_slurp(p2);
	char		 word[64], want[96], missing[1024];
	const char	*l;
	size_t		 used = 0;
	int		 n = 0;

	missing[0] = '\0';
	for (l = strstr(help, "\ncommands:\n"); l != NULL &&
	    (l = strstr(l + 1, "\n  ")) != NULL; ) {
		if (l[3] == ' ' || sscanf(l + 3, "%63s", word) != 1)
			continue;
		snprintf(want, sizeof want, ".It Cm %s", word);
		if (!docs_has_macro(m1, want))
			docs_note(missing, sizeof missing, &used, " %s", word);
		n++;
	}
	ck_assert_msg(n >= 11, "callwatch --help lists %d commands:\n%s", n,
	    help);
	for (l = shelp; (l = strstr(l, "[--")) != NULL; l++) {
		if (sscanf(l + 3, "%63[a-z]", word) != 1)
			continue;
		snprintf(want, sizeof want, "Fl \\-%s", word);
		if (!docs_has_macro(m2, want))
			docs_note(missing, sizeof missing, &used, " --%s",
			    word);
	}
	ck_assert_msg(used == 0, "not in the client man pages:%s", missing);
	free(bin);
	free(sim);
	free(help);
	free(shelp);
	free(p1);
	free(p2);
	free(m1);
	free(m2);
}
END_TEST

START_TEST(install_puts_everything_in_place)
{
	char		*dest = docs_fmt("%s/dest", tmp);
	char		*sbin = docs_fmt("%s/usr/sbin/callwatchd", dest);
	char		*conf = docs_fmt("%s/etc/callwatch/callwatch.yaml",
			    dest);
	char		*confnew = docs_fmt("%s.new", conf);
	char		*man8 = docs_fmt("%s/usr/share/man/man8/callwatchd.8",
			    dest);
	char		*man5 = docs_fmt("%s/usr/share/man/man5/"
			    "callwatch.yaml.5", dest);
	const char	*check[] = { sbin, "-n", "-c", conf, NULL };
	char		*out, *first, *now, *unit;

	ck_assert_int_eq(mkdir(dest, 0755), 0);
	free(docs_make("install", dest));
	docs_need_file(sbin, 0755);
	docs_check_clients(dest, true);
	docs_check_unit(dest);
	docs_need_file(man8, 0644);
	docs_need_file(man5, 0644);
	docs_same(man8, DOCS_MAN8);
	docs_same(man5, DOCS_MAN5);

	/* The config is there, checks out, and keeps its state in /var. */
	docs_need_file(conf, 0644);
	ck_assert_msg(!docs_exists(confnew), "%s made on a first install",
	    confnew);
	out = docs_capture(check);
	ck_assert_msg(strstr(out, "configuration OK") != NULL, "%s", out);
	free(out);
	first = bb_slurp(conf);
	ck_assert_msg(strstr(first, "state_file: /var/lib/callwatch/state\n")
	    != NULL, "%s keeps its state elsewhere", conf);

	/* A second install keeps an edited config, and says so. */
	docs_append(conf, "# edited by check_docs\n");
	out = docs_make("install", dest);
	ck_assert_msg(strstr(out, "callwatch.yaml.new") != NULL, "a second "
	    "install did not say where the new config went:\n%s", out);
	free(out);
	now = bb_slurp(conf);
	ck_assert_msg(strstr(now, "# edited by check_docs\n") != NULL,
	    "a second install overwrote the edited %s", conf);
	free(now);
	now = bb_slurp(confnew);
	ck_assert_msg(strcmp(now, first) == 0, "%s is not the shipped "
	    "config", confnew);
	free(now);

	/* Uninstall takes back all but the config. */
	out = docs_make("uninstall", dest);
	free(out);
	ck_assert_msg(!docs_exists(sbin), "%s is still there", sbin);
	ck_assert_msg(!docs_exists(man8), "%s is still there", man8);
	ck_assert_msg(!docs_exists(man5), "%s is still there", man5);
	docs_check_clients(dest, false);
	unit = docs_find(dest, "callwatchd.service");
	ck_assert_msg(unit == NULL, "%s is still there", unit);
	now = bb_slurp(conf);
	ck_assert_msg(strstr(now, "# edited by check_docs\n") != NULL,
	    "uninstall touched %s", conf);
	free(now);
	free(first);
	free(dest);
	free(sbin);
	free(conf);
	free(confnew);
	free(man8);
	free(man5);
}
END_TEST

/* The suite. */
static Suite *
docs_suite(void)
{
	Suite	*s = suite_create("docs");
	TCase	*pages = tcase_create("pages");
	TCase	*install = tcase_create("install");

	tcase_add_checked_fixture(pages, setup, teardown);
	tcase_set_timeout(pages, 60);
	tcase_add_test(pages, doc_checks_can_fail);
	tcase_add_test(pages, every_config_key_is_documented);
	tcase_add_test(pages, every_option_is_documented);
	tcase_add_test(pages, man_pages_render_without_warnings);
	tcase_add_test(pages, every_client_command_is_documented);
	suite_add_tcase(s, pages);
	/* make may have to build the daemon first. */
	tcase_add_checked_fixture(install, setup, teardown);
	tcase_set_timeout(install, 900);
	tcase_add_test(install, install_puts_everything_in_place);
	suite_add_tcase(s, install);
	return s;
}

/* Run the suite. */
int
main(void)
{
	return bb_run_suite(docs_suite());
}
