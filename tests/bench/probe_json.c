/*
 * probe_json: how cJSON, json-c and jansson treat odd input: duplicate
 * keys, invalid UTF-8, \u0000, raw control bytes, non-JSON extensions,
 * and messages that are not NUL-terminated.  Each message is parsed in a
 * child, flush against an unmapped page, through the length-taking API;
 * the grid shows the value of "v" as read back (with the library's length)
 * or "rejected".  A companion to bench_json.c; not part of `make check`.
 *
 * Build (from the top of the tree):
 *   mkdir -p build/bench
 *   cc -std=gnu11 -O2 -g -Wall -Wextra -Werror -D_GNU_SOURCE \
 *       $(pkg-config --cflags libcjson json-c jansson) \
 *       -o build/bench/probe_json tests/bench/probe_json.c \
 *       $(pkg-config --libs libcjson json-c jansson)
 */
#include <sys/mman.h>
#include <sys/wait.h>

#include <errno.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cJSON.h>
#include <json.h>

/*
 * json-c and jansson both declare json_type, json_object, json_object_get,
 * json_object_iter and json_object_iter_next.  Rename jansson's copies of
 * those for this file; we call none of them (json_object_getn is jansson's
 * alone), and symbol versioning keeps the two libraries apart at run time.
 */
#define json_type		jansson_json_type
#define json_object		jansson_json_object
#define json_object_get		jansson_json_object_get
#define json_object_iter	jansson_json_object_iter
#define json_object_iter_next	jansson_json_object_iter_next
#include <jansson.h>
#undef json_type
#undef json_object
#undef json_object_get
#undef json_object_iter
#undef json_object_iter_next

/* Print a message and exit. */
static void __attribute__((noreturn, format(printf, 1, 2)))
probe_fatal(const char *fmt, ...)
{
	va_list	 ap;

	va_start(ap, fmt);
	fprintf(stderr, "probe_json: ");
	vfprintf(stderr, fmt, ap);
	fprintf(stderr, "\n");
	va_end(ap);
	exit(1);
}

/* Whether only JSON whitespace lies between p and end. */
static bool
probe_blank(const char *p, const char *end)
{
	while (p < end && (*p == ' ' || *p == '\t' || *p == '\r' ||
	    *p == '\n'))
		p++;
	return p == end;
}

/* A probe message; the value under test is under the key "v". */
struct probe_input {
	const char	*name;		/* what is odd about it */
	const char	*json;		/* the bytes, maybe with a NUL */
	size_t		 len;		/* their length */
};

#define PROBE_INPUT(name, lit)	{ (name), (lit), sizeof(lit) - 1 }

static const struct probe_input probe_inputs[] = {
	PROBE_INPUT("plain", "{\"v\":\"ok\"}"),
	PROBE_INPUT("duplicate key", "{\"v\":\"first\",\"v\":\"last\"}"),
	PROBE_INPUT("byte \\xff", "{\"v\":\"a\xff" "b\"}"),
	PROBE_INPUT("overlong \\xc0\\xaf", "{\"v\":\"\xc0\xaf\"}"),
	PROBE_INPUT("UTF-8 surrogate", "{\"v\":\"\xed\xa0\x80\"}"),
	PROBE_INPUT("above U+10FFFF", "{\"v\":\"\xf4\x90\x80\x80\"}"),
	PROBE_INPUT("cut UTF-8 \\xe2\\x82", "{\"v\":\"\xe2\x82\"}"),
	PROBE_INPUT("bad UTF-8 in key", "{\"\xff\":1,\"v\":\"k\"}"),
	PROBE_INPUT("escape \\u0000", "{\"v\":\"a\\u0000b\"}"),
	PROBE_INPUT("lone \\ud800", "{\"v\":\"\\ud800\"}"),
	PROBE_INPUT("lone \\udc00", "{\"v\":\"\\udc00\"}"),
	PROBE_INPUT("pair \\ud83d\\ude00", "{\"v\":\"\\ud83d\\ude00\"}"),
	PROBE_INPUT("raw NUL byte", "{\"v\":\"a\0b\"}"),
	PROBE_INPUT("raw control \\x01", "{\"v\":\"a\x01" "b\"}"),
	PROBE_INPUT("trailing comma", "{\"v\":\"t\",}"),
	PROBE_INPUT("single quotes", "{'v':'q'}"),
	PROBE_INPUT("comment", "{\"v\":\"c\"/* hi */}"),
	PROBE_INPUT("NaN", "{\"v\":NaN}"),
	PROBE_INPUT("bytes after", "{\"v\":\"x\"} x"),
	PROBE_INPUT("cut in a number", "{\"v\":12"),
	PROBE_INPUT("cut in a string", "{\"v\":\"ab"),
};
#define PROBE_NINPUTS	(sizeof probe_inputs / sizeof probe_inputs[0])

/* A library's probe: parse buf, describe "v" into out; -1 if rejected. */
struct probe_lib {
	const char	*name;		/* column heading */
	int		(*probe)(int, const char *, size_t, char *, size_t);
	int		 flags;		/* library flags for the parse */
};

/* Describe a string value: quoted, odd bytes as \xNN, maybe cut. */
static void
probe_escape(char *out, size_t sz, const char *p, size_t len)
{
	size_t	 o = 0, i;

	out[o++] = '"';
	for (i = 0; i < len && o + 6 < sz; i++) {
		unsigned char ch = (unsigned char)p[i];

		if (ch >= 0x20 && ch < 0x7f)
			out[o++] = (char)ch;
		else
			o += (size_t)snprintf(out + o, sz - o, "\\x%02x", ch);
	}
	out[o++] = '"';
	out[o] = '\0';
}

/* cJSON's probe. */
static int
probe_cjson(int flags, const char *buf, size_t len, char *out,
    size_t sz)
{
	const char	*end = NULL;
	cJSON		*root, *v;
	size_t		 o;

	(void)flags;
	if ((root = cJSON_ParseWithLengthOpts(buf, len, &end, 0)) == NULL)
		return -1;
	v = cJSON_GetObjectItemCaseSensitive(root, "v");
	if (cJSON_IsString(v))
		probe_escape(out, sz, v->valuestring, strlen(v->valuestring));
	else if (cJSON_IsNumber(v))
		snprintf(out, sz, "%g", v->valuedouble);
	else
		snprintf(out, sz, "no \"v\"");
	o = strlen(out);
	if (!probe_blank(end, buf + len))
		snprintf(out + o, sz - o, " +tail");
	cJSON_Delete(root);
	return 0;
}

/* json-c's probe. */
static int
probe_jsonc(int flags, const char *buf, size_t len, char *out,
    size_t sz)
{
	struct json_tokener *tok;
	struct json_object *root, *v;
	size_t		 o;

	if ((tok = json_tokener_new()) == NULL)
		return -1;
	json_tokener_set_flags(tok, flags);
	if ((root = json_tokener_parse_ex(tok, buf, (int)len)) == NULL) {
		json_tokener_free(tok);
		return -1;
	}
	if (!json_object_object_get_ex(root, "v", &v))
		snprintf(out, sz, "no \"v\"");
	else if (json_object_is_type(v, json_type_string))
		probe_escape(out, sz, json_object_get_string(v),
		    (size_t)json_object_get_string_len(v));
	else
		snprintf(out, sz, "%g", json_object_get_double(v));
	o = strlen(out);
	if (!probe_blank(buf + json_tokener_get_parse_end(tok), buf + len))
		snprintf(out + o, sz - o, " +tail");
	json_object_put(root);
	json_tokener_free(tok);
	return 0;
}

/* jansson's probe. */
static int
probe_jansson(int flags, const char *buf, size_t len, char *out,
    size_t sz)
{
	json_error_t	 err;
	json_t		*root, *v;

	if ((root = json_loadb(buf, len, (size_t)flags, &err)) == NULL)
		return -1;
	v = json_object_getn(root, "v", 1);
	if (json_is_string(v))
		probe_escape(out, sz, json_string_value(v),
		    json_string_length(v));
	else if (json_is_number(v))
		snprintf(out, sz, "%g", json_number_value(v));
	else
		snprintf(out, sz, "no \"v\"");
	json_decref(root);
	return 0;
}

static const struct probe_lib probe_libs[] = {
	{ "cJSON", probe_cjson, 0 },
	{ "json-c", probe_jsonc, 0 },
	{ "json-c strict+utf8", probe_jsonc,
	    JSON_TOKENER_STRICT | JSON_TOKENER_VALIDATE_UTF8 },
	{ "jansson", probe_jansson, 0 },
	{ "jansson REJDUP|NUL", probe_jansson,
	    JSON_REJECT_DUPLICATES | JSON_ALLOW_NUL },
};
#define PROBE_NLIBS	(sizeof probe_libs / sizeof probe_libs[0])

/*
 * Run one probe in a child, with the message flush against an unmapped
 * page: no NUL follows it, and a read past its length crashes the child,
 * not us.  The child writes its answer into a shared page.
 */
static void
probe_run(const struct probe_lib *pr, const struct probe_input *p,
    char *out, size_t sz)
{
	long	 page = sysconf(_SC_PAGESIZE);
	char	*mem, *shared;
	pid_t	 pid;
	int	 status;

	mem = mmap(NULL, 2 * (size_t)page, PROT_READ | PROT_WRITE,
	    MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	shared = mmap(NULL, (size_t)page, PROT_READ | PROT_WRITE,
	    MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	if (mem == MAP_FAILED || shared == MAP_FAILED ||
	    mprotect(mem + page, (size_t)page, PROT_NONE) == -1)
		probe_fatal("mmap: %s", strerror(errno));
	memcpy(mem + page - p->len, p->json, p->len);
	fflush(stdout);
	if ((pid = fork()) == -1)
		probe_fatal("fork: %s", strerror(errno));
	if (pid == 0) {
		if (pr->probe(pr->flags, mem + page - p->len, p->len, shared,
		    (size_t)page) == -1)
			snprintf(shared, (size_t)page, "rejected");
		_exit(0);
	}
	if (waitpid(pid, &status, 0) == -1)
		probe_fatal("waitpid: %s", strerror(errno));
	if (WIFSIGNALED(status))
		snprintf(out, sz, "CRASH (signal %d)", WTERMSIG(status));
	else
		snprintf(out, sz, "%s", shared);
	munmap(mem, 2 * (size_t)page);
	munmap(shared, (size_t)page);
}

/* Run every probe against every library and print the grid. */
static void
probe_print(void)
{
	char	 cell[64];
	size_t	 i, j;

	printf("\nvalue of \"v\" as read back, with the library's length; "
	    "\"+tail\": the parse stopped early\nand said nothing, the "
	    "caller must check\n\n%-20s", "input");
	for (j = 0; j < PROBE_NLIBS; j++)
		printf(j + 1 < PROBE_NLIBS ? " %-19s" : " %s",
		    probe_libs[j].name);
	printf("\n");
	for (i = 0; i < PROBE_NINPUTS; i++) {
		printf("%-20s", probe_inputs[i].name);
		for (j = 0; j < PROBE_NLIBS; j++) {
			probe_run(&probe_libs[j], &probe_inputs[i],
			    cell, sizeof cell);
			printf(j + 1 < PROBE_NLIBS ? " %-19s" : " %s", cell);
		}
		printf("\n");
	}
}

int
main(void)
{
	printf("cJSON %s, json-c %s, jansson %s\n", cJSON_Version(),
	    json_c_version(), jansson_version_str());
	probe_print();
	return 0;
}
