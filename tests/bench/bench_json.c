/*
 * bench_json: how fast cJSON, json-c and jansson decode callwatch events
 * (SPEC 4.1), and what they allocate doing it.  A standalone program, not
 * part of `make check`; probe_json.c next to it shows how each library
 * treats odd input (duplicate keys, bad UTF-8, \u0000).
 *
 * Build: `make bench` (it links the daemon's library for the UTF-8 check
 * the daemon itself runs, decode_utf8_valid).
 * Run:
 *   build/bench/bench_json [-n events] [-s seed] [--json FILE]
 */
#include <errno.h>
#include <float.h>
#include <getopt.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

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

#include "cw.h"

#define BENCH_EVENTS	200000		/* default corpus size */
#define BENCH_SEED	0x63616c6cULL	/* default PRNG seed */
#define BENCH_RUNS	3		/* timed passes per decoder */
#define BENCH_LIVE	2000		/* calls in progress on the floor */
#define BENCH_MSG_MAX	1024		/* longest generated event */
#define BENCH_NAME_MAX	128		/* SPEC 4.1: names are <= 128 bytes */
#define BENCH_ARENA	(1 << 20)	/* bump arena for one event's tree */

/* A key literal and its length, for the lookup functions. */
#define BENCH_KEY(s)	(s), (sizeof(s) - 1)

/* Event types, in the order of bench_types. */
enum bench_type {
	BT_QUEUED, BT_ANSWERED, BT_HOLD, BT_RESUME, BT_TRANSFERRED,
	BT_ESCALATE, BT_SENTIMENT, BT_HANGUP, BT_WRAPUP_END, BT_ABANDONED,
	BT_HEARTBEAT, BT_COUNT
};

static const char *const bench_types[BT_COUNT] = {
	"queued", "answered", "hold", "resume", "transferred", "escalate",
	"sentiment", "hangup", "wrapup_end", "abandoned", "heartbeat",
};

static const char *const bench_queues[] = {
	"billing", "support", "sales", "retention", "tech-support-l2",
	"claims", "collections", "vip-accounts", "billing-es", "onboarding",
};
#define BENCH_NQUEUES	(sizeof bench_queues / sizeof bench_queues[0])

static const char *const bench_reasons[] = {
	"customer asked for a supervisor",
	"refund over the agent's limit",
	"repeat caller, third contact this week",
	"legal threat: \"I will call my lawyer\"",
	"cliente pidi\xc3\xb3 hablar con un supervisor",
	"IVR: caller pressed 0 three times",
};
#define BENCH_NREASONS	(sizeof bench_reasons / sizeof bench_reasons[0])

static const char *const bench_srcs[] = {
	"ast-bridge-01", "ast-bridge-02", "fs-zmq-east", "fs-zmq-west",
};
#define BENCH_NSRCS	(sizeof bench_srcs / sizeof bench_srcs[0])

/* All events, back to back in one buffer, none NUL-terminated. */
struct bench_corpus {
	char		*buf;		/* the bytes of every event */
	size_t		 bytes;		/* used length of buf */
	size_t		 size;		/* allocated length of buf */
	size_t		*off;		/* where event i starts */
	uint32_t	*len;		/* length of event i */
	size_t		 n;		/* number of events */
	size_t		 mix[BT_COUNT];	/* events of each type */
	uint32_t	 min, max;	/* shortest and longest event */
};

/* States of a simulated call. */
enum bench_state {
	BC_FREE, BC_QUEUED, BC_TALKING, BC_HELD, BC_WRAPUP
};

/* One simulated call on the floor. */
struct bench_call {
	enum bench_state state;		/* where the call is */
	char		 id[40];	/* call_id: "c-81231" or a UUID */
	char		 caller[16];	/* E.164 number */
	unsigned	 queue;		/* index into bench_queues */
	int		 agent;		/* agent number, or -1 */
};

/* The event generator: a deterministic floor of calls. */
struct bench_gen {
	uint64_t	 rng;		/* splitmix64 state */
	uint64_t	 ms;		/* event clock, ms since the epoch */
	uint64_t	 seq;		/* bridge sequence number */
	uint32_t	 next_id;	/* next short call number */
	struct bench_call calls[BENCH_LIVE]; /* slots, some free */
};

/* A string in a parsed tree: pointer and length. */
struct bench_str {
	const char	*p;		/* bytes, owned by the tree */
	size_t		 len;		/* length, from the library if it can */
};

/* What the daemon takes from one event. */
struct bench_ev {
	int		 type;		/* enum bench_type */
	double		 ts;		/* seconds */
	struct bench_str call_id, queue, agent, caller; /* len 0: absent */
	struct bench_str to_queue, to_agent, reason;
	long long	 level;		/* escalation level, 0: absent */
	double		 score;		/* sentiment score */
};

/*
 * How one library finds an object member and reads it.  Each returns 1
 * (present, right type), 0 (absent or null) or -1 (wrong type).
 */
struct bench_api {
	int	(*str)(const void *, const char *, size_t, struct bench_str *);
	int	(*num)(const void *, const char *, size_t, double *);
	int	(*integer)(const void *, const char *, size_t, long long *);
};

/* Where the allocations of a decoder go. */
enum bench_alloc {
	BA_NONE,			/* the library's own; no hooks */
	BA_CJSON,			/* cJSON, hooks for counting */
	BA_CJSON_ARENA,			/* cJSON into bench_arena */
	BA_JANSSON,			/* jansson, hooks for counting */
};

/* One decoder under test, and its results. */
struct bench_row {
	const char	*name;		/* label in the table and the JSON */
	int		(*decode)(void *, const char *, size_t, uint64_t *);
	void		*ctx;		/* first argument of decode */
	bool		 utf8;		/* validate UTF-8 ourselves first */
	enum bench_alloc alloc;		/* allocator hooks to install */
	double		 best, worst;	/* seconds for one pass */
	double		 mallocs;	/* per event; < 0: not measured */
	double		 bytes;		/* bytes asked for per event */
	uint64_t	 fold;		/* checksum of what was decoded */
	size_t		 fails;		/* events rejected in the last pass */
};

/* A bump allocator: reset before each event, free does nothing. */
struct bench_arena {
	char		*base;		/* BENCH_ARENA bytes */
	size_t		 used;		/* bytes handed out since the reset */
	uint64_t	 calls;		/* allocations, ever */
	uint64_t	 bytes;		/* bytes handed out, ever */
};

/* Allocation counts while a counting hook is installed. */
struct bench_count {
	uint64_t	 calls;		/* malloc calls */
	uint64_t	 bytes;		/* bytes asked for */
};

/* cJSON's and jansson's hooks take no context, so these are file-scope. */
static struct bench_arena bench_arena;
static struct bench_count bench_count;

/* Print a message and exit. */
static void __attribute__((noreturn, format(printf, 1, 2)))
bench_fatal(const char *fmt, ...)
{
	va_list	 ap;

	va_start(ap, fmt);
	fprintf(stderr, "bench_json: ");
	vfprintf(stderr, fmt, ap);
	fprintf(stderr, "\n");
	va_end(ap);
	exit(1);
}

/* malloc that exits on failure. */
static void *
bench_xmalloc(size_t n)
{
	void	*p;

	if ((p = malloc(n)) == NULL)
		bench_fatal("out of memory");
	return p;
}

/* The next 64 random bits (splitmix64). */
static uint64_t
bench_rand(uint64_t *s)
{
	uint64_t z = (*s += 0x9e3779b97f4a7c15ULL);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	return z ^ (z >> 31);
}

/* A random number below n. */
static uint32_t
bench_below(uint64_t *s, uint32_t n)
{
	return (uint32_t)(((bench_rand(s) >> 32) * n) >> 32);
}

/* Monotonic time in seconds. */
static double
bench_now(void)
{
	struct timespec	 ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* Append formatted text at *pos in dst (size sz). */
static void __attribute__((format(printf, 4, 5)))
bench_put(char *dst, size_t sz, size_t *pos, const char *fmt, ...)
{
	va_list	 ap;
	int	 n;

	va_start(ap, fmt);
	n = vsnprintf(dst + *pos, sz - *pos, fmt, ap);
	va_end(ap);
	if (n < 0 || (size_t)n >= sz - *pos)
		bench_fatal("event longer than %zu bytes", sz);
	*pos += (size_t)n;
}

/* Give a free slot a new call: a short id or a UUID, a caller, a queue. */
static void
bench_call_new(struct bench_gen *g, struct bench_call *c)
{
	uint64_t *r = &g->rng;

	if (bench_below(r, 100) < 70)
		snprintf(c->id, sizeof c->id, "c-%05" PRIu32,
		    g->next_id++ % 100000);
	else
		snprintf(c->id, sizeof c->id,
		    "%08" PRIx32 "-%04" PRIx32 "-4%03" PRIx32 "-%04" PRIx32
		    "-%012" PRIx64, (uint32_t)bench_rand(r),
		    bench_below(r, 0x10000), bench_below(r, 0x1000),
		    0x8000 | bench_below(r, 0x4000),
		    bench_rand(r) & (uint64_t)0xffffffffffff);
	snprintf(c->caller, sizeof c->caller, "+1555%07" PRIu32,
	    bench_below(r, 10000000));
	c->queue = bench_below(r, BENCH_NQUEUES);
	c->agent = -1;
	c->state = BC_QUEUED;
}

/* The type of the next event of call c, moving it along its life. */
static enum bench_type
bench_call_step(struct bench_gen *g, struct bench_call *c)
{
	uint32_t x = bench_below(&g->rng, 100);

	switch (c->state) {
	case BC_FREE:
		bench_call_new(g, c);
		return BT_QUEUED;
	case BC_QUEUED:
		if (x < 18) {
			c->state = BC_FREE;
			return BT_ABANDONED;
		}
		c->agent = 1000 + (int)bench_below(&g->rng, 1000);
		c->state = BC_TALKING;
		return BT_ANSWERED;
	case BC_TALKING:
		if (x < 12) {
			c->state = BC_HELD;
			return BT_HOLD;
		}
		if (x < 38)
			return BT_SENTIMENT;
		if (x < 46)
			return BT_TRANSFERRED;
		if (x < 50)
			return BT_ESCALATE;
		c->state = BC_WRAPUP;
		return BT_HANGUP;
	case BC_HELD:
		c->state = BC_TALKING;
		return BT_RESUME;
	case BC_WRAPUP:
		c->state = BC_FREE;
		return BT_WRAPUP_END;
	}
	return BT_HEARTBEAT;
}

/* Write the fields of a transfer and move the call to its new place. */
static void
bench_put_transfer(struct bench_gen *g, struct bench_call *c, char *dst,
    size_t sz, size_t *pos)
{
	uint32_t x = bench_below(&g->rng, 10);

	if (x < 8) {
		c->queue = (c->queue + 1 + bench_below(&g->rng,
		    BENCH_NQUEUES - 1)) % BENCH_NQUEUES;
		bench_put(dst, sz, pos, ",\"to_queue\":\"%s\"",
		    bench_queues[c->queue]);
	}
	if (x >= 3) {
		c->agent = 1000 + (int)bench_below(&g->rng, 1000);
		bench_put(dst, sz, pos, ",\"to_agent\":\"a-%d\"", c->agent);
	} else {
		c->agent = -1;
		c->state = BC_QUEUED;
	}
}

/* Write the fields that only some event types carry. */
static void
bench_put_extra(struct bench_gen *g, struct bench_call *c, enum bench_type t,
    char *dst, size_t sz, size_t *pos)
{
	uint64_t *r = &g->rng;
	uint32_t x;

	switch (t) {
	case BT_TRANSFERRED:
		bench_put_transfer(g, c, dst, sz, pos);
		break;
	case BT_ESCALATE:
		bench_put(dst, sz, pos, ",\"level\":%" PRIu32 ",\"reason\":\"",
		    1 + bench_below(r, 3));
		for (const char *s = bench_reasons[bench_below(r,
		    BENCH_NREASONS)]; *s != '\0'; s++)
			bench_put(dst, sz, pos, *s == '"' ? "\\%c" : "%c", *s);
		bench_put(dst, sz, pos, "\"");
		break;
	case BT_SENTIMENT:
		x = bench_below(r, 2001);
		bench_put(dst, sz, pos, ",\"score\":%s%" PRIu32 ".%03" PRIu32,
		    x < 1000 ? "-" : "", x < 1000 ? (1000 - x) / 1000 :
		    (x - 1000) / 1000, x < 1000 ? (1000 - x) % 1000 :
		    (x - 1000) % 1000);
		break;
	default:
		break;
	}
}

/* Write the next event of the floor into dst; its length. */
static size_t
bench_gen_event(struct bench_gen *g, char *dst, size_t sz,
    enum bench_type *type)
{
	struct bench_call *c;
	enum bench_type	 t;
	size_t		 pos = 0;

	g->ms += bench_below(&g->rng, 15);
	if (bench_below(&g->rng, 100) < 2) {
		*type = BT_HEARTBEAT;
		bench_put(dst, sz, &pos, "{\"type\":\"heartbeat\",\"ts\":%"
		    PRIu64 ".%03" PRIu64, g->ms / 1000, g->ms % 1000);
	} else {
		c = &g->calls[bench_below(&g->rng, BENCH_LIVE)];
		*type = t = bench_call_step(g, c);
		bench_put(dst, sz, &pos, "{\"type\":\"%s\",\"call_id\":\"%s\","
		    "\"ts\":%" PRIu64 ".%03" PRIu64 ",\"queue\":\"%s\"",
		    bench_types[t], c->id, g->ms / 1000, g->ms % 1000,
		    bench_queues[c->queue]);
		if (c->agent >= 0)
			bench_put(dst, sz, &pos, ",\"agent\":\"a-%d\"",
			    c->agent);
		else if (bench_below(&g->rng, 2) == 0)
			bench_put(dst, sz, &pos, ",\"agent\":null");
		bench_put(dst, sz, &pos, ",\"caller\":\"%s\"", c->caller);
		bench_put_extra(g, c, t, dst, sz, &pos);
	}
	g->seq++;
	bench_put(dst, sz, &pos, ",\"seq\":%" PRIu64 ",\"src\":\"%s\"}",
	    g->seq, bench_srcs[g->seq % BENCH_NSRCS]);
	return pos;
}

/* Build n events from seed, back to back and not NUL-terminated. */
static struct bench_corpus *
bench_corpus_new(size_t n, uint64_t seed)
{
	struct bench_corpus *c;
	struct bench_gen *g;
	enum bench_type	 t;
	char		 msg[BENCH_MSG_MAX];
	size_t		 i, len;

	c = calloc(1, sizeof *c);
	g = calloc(1, sizeof *g);
	if (c == NULL || g == NULL)
		bench_fatal("out of memory");
	g->rng = seed;
	g->ms = 1763900000000ULL;
	c->size = n * 256;
	c->buf = bench_xmalloc(c->size);
	c->off = bench_xmalloc(n * sizeof *c->off);
	c->len = bench_xmalloc(n * sizeof *c->len);
	c->min = UINT32_MAX;
	for (i = 0; i < n; i++) {
		len = bench_gen_event(g, msg, sizeof msg, &t);
		if (c->bytes + len > c->size) {
			c->size *= 2;
			if ((c->buf = realloc(c->buf, c->size)) == NULL)
				bench_fatal("out of memory");
		}
		memcpy(c->buf + c->bytes, msg, len);
		c->off[i] = c->bytes;
		c->len[i] = (uint32_t)len;
		c->bytes += len;
		c->mix[t]++;
		c->min = len < c->min ? (uint32_t)len : c->min;
		c->max = len > c->max ? (uint32_t)len : c->max;
	}
	c->n = n;
	/* Trim, so a read past the last event leaves the allocation. */
	if ((c->buf = realloc(c->buf, c->bytes)) == NULL)
		bench_fatal("out of memory");
	free(g);
	return c;
}

/* Free a corpus. */
static void
bench_corpus_free(struct bench_corpus *c)
{
	if (c == NULL)
		return;
	free(c->buf);
	free(c->off);
	free(c->len);
	free(c);
}

/* The enum bench_type for a type name, or -1. */
static int
bench_type(const char *s, size_t len)
{
	int	 i;

	for (i = 0; i < BT_COUNT; i++)
		if (strncmp(s, bench_types[i], len) == 0 &&
		    bench_types[i][len] == '\0')
			return i;
	return -1;
}

/* Whether only JSON whitespace lies between p and end. */
static bool
bench_blank(const char *p, const char *end)
{
	while (p < end && (*p == ' ' || *p == '\t' || *p == '\r' ||
	    *p == '\n'))
		p++;
	return p == end;
}

/* Whether a name field is absent or 1..128 bytes. */
static bool
bench_name_ok(const struct bench_str *s, bool required)
{
	if (s->p == NULL)
		return !required;
	return s->len > 0 && s->len <= BENCH_NAME_MAX;
}

/* Check what SPEC 4.1 asks of an event's values. */
static int
bench_ev_check(const struct bench_ev *ev)
{
	if (!(ev->ts >= 0 && ev->ts < 4102444800.0))
		return -1;
	if (!bench_name_ok(&ev->call_id, ev->type != BT_HEARTBEAT) ||
	    !bench_name_ok(&ev->queue, false) ||
	    !bench_name_ok(&ev->agent, false) ||
	    !bench_name_ok(&ev->caller, false) ||
	    !bench_name_ok(&ev->to_queue, false) ||
	    !bench_name_ok(&ev->to_agent, false))
		return -1;
	if (ev->type == BT_TRANSFERRED && ev->to_queue.p == NULL &&
	    ev->to_agent.p == NULL)
		return -1;
	if (ev->type == BT_ESCALATE && ev->level < 1)
		return -1;
	if (ev->type == BT_SENTIMENT && !(ev->score >= -1 && ev->score <= 1))
		return -1;
	return 0;
}

/*
 * Read an event through one library's lookups.  Always inlined, so each
 * library's copy calls its lookups directly, not through the pointers.
 */
static inline __attribute__((always_inline)) int
bench_ev_read(const struct bench_api *api, const void *o, struct bench_ev *ev)
{
	struct bench_str t;

	memset(ev, 0, sizeof *ev);
	if (api->str(o, BENCH_KEY("type"), &t) != 1 ||
	    (ev->type = bench_type(t.p, t.len)) < 0 ||
	    api->num(o, BENCH_KEY("ts"), &ev->ts) != 1 ||
	    api->str(o, BENCH_KEY("call_id"), &ev->call_id) < 0 ||
	    api->str(o, BENCH_KEY("queue"), &ev->queue) < 0 ||
	    api->str(o, BENCH_KEY("agent"), &ev->agent) < 0 ||
	    api->str(o, BENCH_KEY("caller"), &ev->caller) < 0)
		return -1;
	switch (ev->type) {
	case BT_TRANSFERRED:
		if (api->str(o, BENCH_KEY("to_queue"), &ev->to_queue) < 0 ||
		    api->str(o, BENCH_KEY("to_agent"), &ev->to_agent) < 0)
			return -1;
		break;
	case BT_ESCALATE:
		if (api->integer(o, BENCH_KEY("level"), &ev->level) < 0 ||
		    api->str(o, BENCH_KEY("reason"), &ev->reason) < 0)
			return -1;
		break;
	case BT_SENTIMENT:
		if (api->num(o, BENCH_KEY("score"), &ev->score) != 1)
			return -1;
		break;
	default:
		break;
	}
	return bench_ev_check(ev);
}

/* Mix a string's length and first byte into a checksum. */
static inline uint64_t
bench_fold_str(uint64_t h, const struct bench_str *s)
{
	h = h * 31 + s->len;
	return s->p == NULL ? h : h * 31 + (unsigned char)s->p[0];
}

/* x in thousandths, rounded (the program does not link libm). */
static inline uint64_t
bench_milli(double x)
{
	return (uint64_t)(int64_t)(x * 1000 + (x < 0 ? -0.5 : 0.5));
}

/* Mix what was decoded into a checksum, the same for every library. */
static uint64_t
bench_fold(uint64_t h, const struct bench_ev *ev)
{
	h = h * 31 + (uint64_t)ev->type;
	h = h * 31 + bench_milli(ev->ts);
	h = bench_fold_str(h, &ev->call_id);
	h = bench_fold_str(h, &ev->queue);
	h = bench_fold_str(h, &ev->agent);
	h = bench_fold_str(h, &ev->caller);
	h = bench_fold_str(h, &ev->to_queue);
	h = bench_fold_str(h, &ev->to_agent);
	h = bench_fold_str(h, &ev->reason);
	h = h * 31 + (uint64_t)ev->level;
	return h * 31 + bench_milli(ev->score);
}

/* cJSON: a string member (cJSON keeps no length: strlen). */
static int
bench_cjson_str(const void *o, const char *key, size_t klen,
    struct bench_str *out)
{
	const cJSON *j = cJSON_GetObjectItemCaseSensitive(o, key);

	(void)klen;
	if (j == NULL || cJSON_IsNull(j))
		return 0;
	if (!cJSON_IsString(j))
		return -1;
	out->p = j->valuestring;
	out->len = strlen(j->valuestring);
	return 1;
}

/* cJSON: a number member. */
static int
bench_cjson_num(const void *o, const char *key, size_t klen, double *out)
{
	const cJSON *j = cJSON_GetObjectItemCaseSensitive(o, key);

	(void)klen;
	if (j == NULL || cJSON_IsNull(j))
		return 0;
	if (!cJSON_IsNumber(j))
		return -1;
	*out = j->valuedouble;
	return 1;
}

/* cJSON: an integer member (a number with no fraction). */
static int
bench_cjson_int(const void *o, const char *key, size_t klen, long long *out)
{
	const cJSON *j = cJSON_GetObjectItemCaseSensitive(o, key);

	(void)klen;
	if (j == NULL || cJSON_IsNull(j))
		return 0;
	if (!cJSON_IsNumber(j) || !(j->valuedouble >= -1e15 &&
	    j->valuedouble <= 1e15) ||
	    j->valuedouble != (double)(long long)j->valuedouble)
		return -1;
	*out = (long long)j->valuedouble;
	return 1;
}

static const struct bench_api bench_cjson_api = {
	bench_cjson_str, bench_cjson_num, bench_cjson_int
};

/* cJSON: decode one event; 0, or -1 if rejected. */
static int
bench_cjson_decode(void *ctx, const char *buf, size_t len, uint64_t *fold)
{
	const char	*end = NULL;
	struct bench_ev	 ev;
	cJSON		*root;
	int		 rc = -1;

	(void)ctx;
	if ((root = cJSON_ParseWithLengthOpts(buf, len, &end, 0)) == NULL)
		return -1;
	if (bench_blank(end, buf + len) && cJSON_IsObject(root) &&
	    bench_ev_read(&bench_cjson_api, root, &ev) == 0) {
		*fold = bench_fold(*fold, &ev);
		rc = 0;
	}
	cJSON_Delete(root);
	return rc;
}

/* cJSON into the arena: reset it, then decode as usual. */
static int
bench_cjson_arena_decode(void *ctx, const char *buf, size_t len,
    uint64_t *fold)
{
	bench_arena.used = 0;
	return bench_cjson_decode(ctx, buf, len, fold);
}

/* json-c: a string member (json-c keeps the length). */
static int
bench_jsonc_str(const void *o, const char *key, size_t klen,
    struct bench_str *out)
{
	struct json_object *j;

	(void)klen;
	if (!json_object_object_get_ex(o, key, &j) || j == NULL)
		return 0;
	if (!json_object_is_type(j, json_type_string))
		return -1;
	out->p = json_object_get_string(j);
	out->len = (size_t)json_object_get_string_len(j);
	return 1;
}

/* json-c: a number member. */
static int
bench_jsonc_num(const void *o, const char *key, size_t klen, double *out)
{
	struct json_object *j;

	(void)klen;
	if (!json_object_object_get_ex(o, key, &j) || j == NULL)
		return 0;
	if (!json_object_is_type(j, json_type_double) &&
	    !json_object_is_type(j, json_type_int))
		return -1;
	*out = json_object_get_double(j);
	return 1;
}

/* json-c: an integer member. */
static int
bench_jsonc_int(const void *o, const char *key, size_t klen, long long *out)
{
	struct json_object *j;

	(void)klen;
	if (!json_object_object_get_ex(o, key, &j) || j == NULL)
		return 0;
	if (!json_object_is_type(j, json_type_int))
		return -1;
	*out = (long long)json_object_get_int64(j);
	return 1;
}

static const struct bench_api bench_jsonc_api = {
	bench_jsonc_str, bench_jsonc_num, bench_jsonc_int
};

/* json-c: decode one event with the tokener ctx; 0, or -1 if rejected. */
static int
bench_jsonc_decode(void *ctx, const char *buf, size_t len, uint64_t *fold)
{
	struct json_tokener *tok = ctx;
	struct json_object *root;
	struct bench_ev	 ev;
	int		 rc = -1;

	json_tokener_reset(tok);
	if ((root = json_tokener_parse_ex(tok, buf, (int)len)) == NULL)
		return -1;
	if (bench_blank(buf + json_tokener_get_parse_end(tok), buf + len) &&
	    json_object_is_type(root, json_type_object) &&
	    bench_ev_read(&bench_jsonc_api, root, &ev) == 0) {
		*fold = bench_fold(*fold, &ev);
		rc = 0;
	}
	json_object_put(root);
	return rc;
}

/* jansson: a string member (jansson keeps the length). */
static int
bench_jansson_str(const void *o, const char *key, size_t klen,
    struct bench_str *out)
{
	const json_t *j = json_object_getn(o, key, klen);

	if (j == NULL || json_is_null(j))
		return 0;
	if (!json_is_string(j))
		return -1;
	out->p = json_string_value(j);
	out->len = json_string_length(j);
	return 1;
}

/* jansson: a number member. */
static int
bench_jansson_num(const void *o, const char *key, size_t klen, double *out)
{
	const json_t *j = json_object_getn(o, key, klen);

	if (j == NULL || json_is_null(j))
		return 0;
	if (!json_is_number(j))
		return -1;
	*out = json_number_value(j);
	return 1;
}

/* jansson: an integer member. */
static int
bench_jansson_int(const void *o, const char *key, size_t klen,
    long long *out)
{
	const json_t *j = json_object_getn(o, key, klen);

	if (j == NULL || json_is_null(j))
		return 0;
	if (!json_is_integer(j))
		return -1;
	*out = (long long)json_integer_value(j);
	return 1;
}

static const struct bench_api bench_jansson_api = {
	bench_jansson_str, bench_jansson_num, bench_jansson_int
};

/* jansson: decode one event; 0, or -1 if rejected. */
static int
bench_jansson_decode(void *ctx, const char *buf, size_t len, uint64_t *fold)
{
	struct bench_ev	 ev;
	json_error_t	 err;
	json_t		*root;
	int		 rc = -1;

	(void)ctx;
	if ((root = json_loadb(buf, len, 0, &err)) == NULL)
		return -1;
	if (json_is_object(root) &&
	    bench_ev_read(&bench_jansson_api, root, &ev) == 0) {
		*fold = bench_fold(*fold, &ev);
		rc = 0;
	}
	json_decref(root);
	return rc;
}

/* malloc that counts calls and bytes. */
static void *
bench_count_malloc(size_t n)
{
	bench_count.calls++;
	bench_count.bytes += n;
	return malloc(n);
}

/* free, for the counting hooks. */
static void
bench_count_free(void *p)
{
	free(p);
}

/* Hand out n bytes of the arena, 16-aligned. */
static void *
bench_arena_alloc(size_t n)
{
	void	*p;

	n = (n + 15) & ~(size_t)15;
	if (n > BENCH_ARENA - bench_arena.used)
		bench_fatal("arena too small for one event");
	p = bench_arena.base + bench_arena.used;
	bench_arena.used += n;
	bench_arena.calls++;
	bench_arena.bytes += n;
	return p;
}

/* Arena memory goes back all at once, at the next reset. */
static void
bench_arena_free(void *p)
{
	(void)p;
}

/* Install the allocator hooks row r needs, counting ones if count. */
static void
bench_alloc_use(const struct bench_row *r, bool count)
{
	cJSON_Hooks	 counting = { bench_count_malloc, bench_count_free };
	cJSON_Hooks	 arena = { bench_arena_alloc, bench_arena_free };

	switch (r->alloc) {
	case BA_CJSON:
		cJSON_InitHooks(count ? &counting : NULL);
		break;
	case BA_CJSON_ARENA:
		cJSON_InitHooks(&arena);
		break;
	case BA_JANSSON:
		if (count)
			json_set_alloc_funcs(bench_count_malloc,
			    bench_count_free);
		else
			json_set_alloc_funcs(malloc, free);
		break;
	case BA_NONE:
		break;
	}
}

/* Decode the whole corpus once with row r; the seconds it took. */
static double
bench_pass(const struct bench_corpus *c, struct bench_row *r)
{
	uint64_t fold = 0;
	size_t	 i, fails = 0;
	double	 t0;

	t0 = bench_now();
	for (i = 0; i < c->n; i++) {
		const char *m = c->buf + c->off[i];

		if ((r->utf8 && !decode_utf8_valid(m, c->len[i])) ||
		    r->decode(r->ctx, m, c->len[i], &fold) == -1)
			fails++;
	}
	t0 = bench_now() - t0;
	r->fold = fold;
	r->fails = fails;
	return t0;
}

/* One untimed pass with counting hooks: allocations per event. */
static void
bench_count_allocs(const struct bench_corpus *c, struct bench_row *r)
{
	uint64_t bytes = bench_arena.bytes;

	memset(&bench_count, 0, sizeof bench_count);
	bench_alloc_use(r, true);
	bench_pass(c, r);
	bench_alloc_use(r, false);
	switch (r->alloc) {
	case BA_CJSON:
	case BA_JANSSON:
		r->mallocs = (double)bench_count.calls / (double)c->n;
		r->bytes = (double)bench_count.bytes / (double)c->n;
		break;
	case BA_CJSON_ARENA:
		/* Bump calls are not mallocs; report the bytes used. */
		r->mallocs = 0;
		r->bytes = (double)(bench_arena.bytes - bytes) /
		    (double)c->n;
		break;
	case BA_NONE:
		r->mallocs = r->bytes = -1;
		break;
	}
}

/*
 * Warm every row up, then time BENCH_RUNS rounds, each row in turn (so
 * a slow patch of the machine hits all rows alike), then count.
 */
static void
bench_run(const struct bench_corpus *c, struct bench_row *rows, size_t n)
{
	size_t	 i, run;
	double	 t;

	for (i = 0; i < n; i++) {
		bench_alloc_use(&rows[i], false);
		bench_pass(c, &rows[i]);
		rows[i].best = DBL_MAX;
		rows[i].worst = 0;
	}
	for (run = 0; run < BENCH_RUNS; run++)
		for (i = 0; i < n; i++) {
			bench_alloc_use(&rows[i], false);
			t = bench_pass(c, &rows[i]);
			if (t < rows[i].best)
				rows[i].best = t;
			if (t > rows[i].worst)
				rows[i].worst = t;
		}
	for (i = 0; i < n; i++)
		bench_count_allocs(c, &rows[i]);
	cJSON_InitHooks(NULL);
	json_set_alloc_funcs(malloc, free);
}

/* Print the corpus: size, spread and the mix of types. */
static void
bench_corpus_print(const struct bench_corpus *c)
{
	size_t	 i, in = 0;
	int	 t;

	for (i = 0; i < c->n; i++)
		in += c->len[i] >= 150 && c->len[i] <= 250;
	printf("corpus: %zu events, %zu bytes, mean %.1f B (min %" PRIu32
	    ", max %" PRIu32 ", %.0f%% in 150-250 B)\nmix:",
	    c->n, c->bytes, (double)c->bytes / (double)c->n, c->min, c->max,
	    100.0 * (double)in / (double)c->n);
	for (t = 0; t < BT_COUNT; t++)
		printf(" %s %.1f%%", bench_types[t],
		    100.0 * (double)c->mix[t] / (double)c->n);
	printf("\n\n");
}

/* Print the results table. */
static void
bench_table_print(const struct bench_corpus *c, const struct bench_row *rows,
    size_t n)
{
	double	 ne = (double)c->n;
	size_t	 i;

	printf("%-20s %8s %9s %9s %10s %9s\n", "decoder", "Mev/s",
	    "ns/event", "worst", "mallocs/ev", "bytes/ev");
	for (i = 0; i < n; i++) {
		const struct bench_row *r = &rows[i];

		printf("%-20s %8.3f %9.1f %9.1f", r->name,
		    ne / r->best / 1e6, r->best * 1e9 / ne,
		    r->worst * 1e9 / ne);
		if (r->mallocs < 0)
			printf(" %10s %9s\n", "n/a", "n/a");
		else
			printf(" %10.2f %9.1f\n", r->mallocs, r->bytes);
	}
	printf("best of %d passes after a warm-up; worst: the slowest pass\n"
	    "arena rows: bytes bumped, no malloc; n/a: json-c has no "
	    "allocator hooks\n", BENCH_RUNS);
}

/* Write the corpus facts and results as JSON to path; 0 or -1. */
static int
bench_json_write(const char *path, const struct bench_corpus *c,
    const struct bench_row *rows, size_t n)
{
	double	 ne = (double)c->n;
	FILE	*f;
	size_t	 i;

	if ((f = fopen(path, "w")) == NULL)
		return -1;
	fprintf(f, "{\n  \"events\": %zu,\n  \"mean_bytes\": %.1f,\n"
	    "  \"runs\": %d,\n  \"versions\": {\"cjson\": \"%s\", "
	    "\"json-c\": \"%s\", \"jansson\": \"%s\"},\n  \"results\": [\n",
	    c->n, (double)c->bytes / ne, BENCH_RUNS, cJSON_Version(),
	    json_c_version(), jansson_version_str());
	for (i = 0; i < n; i++) {
		const struct bench_row *r = &rows[i];

		fprintf(f, "    {\"name\": \"%s\", \"mev_per_s\": %.4f, "
		    "\"ns_per_event\": %.1f, \"ns_per_event_worst\": %.1f, ",
		    r->name, ne / r->best / 1e6, r->best * 1e9 / ne,
		    r->worst * 1e9 / ne);
		if (r->mallocs < 0)
			fprintf(f, "\"mallocs_per_event\": null, "
			    "\"bytes_per_event\": null}");
		else
			fprintf(f, "\"mallocs_per_event\": %.2f, "
			    "\"bytes_per_event\": %.1f}", r->mallocs,
			    r->bytes);
		fprintf(f, "%s\n", i + 1 < n ? "," : "");
	}
	fprintf(f, "  ]\n}\n");
	if (ferror(f)) {
		fclose(f);
		return -1;
	}
	return fclose(f) == 0 ? 0 : -1;
}

/* Print how to run the program, and exit. */
static void __attribute__((noreturn))
bench_usage(void)
{
	fprintf(stderr, "usage: bench_json [-n events] [-s seed] "
	    "[--json FILE]\n");
	exit(2);
}

int
main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "json", required_argument, NULL, 'j' },
		{ NULL, 0, NULL, 0 },
	};
	struct json_tokener *tok, *tok_strict;
	struct bench_corpus *c;
	const char	*json = NULL;
	uint64_t	 seed = BENCH_SEED;
	size_t		 n = BENCH_EVENTS, i;
	bool		 bad = false;
	int		 ch;

	while ((ch = getopt_long(argc, argv, "n:s:", opts, NULL)) != -1) {
		switch (ch) {
		case 'n':
			n = strtoul(optarg, NULL, 10);
			break;
		case 's':
			seed = strtoull(optarg, NULL, 0);
			break;
		case 'j':
			json = optarg;
			break;
		default:
			bench_usage();
		}
	}
	if (optind != argc || n == 0)
		bench_usage();
	tok = json_tokener_new();
	tok_strict = json_tokener_new();
	bench_arena.base = bench_xmalloc(BENCH_ARENA);
	if (tok == NULL || tok_strict == NULL)
		bench_fatal("json_tokener_new failed");
	json_tokener_set_flags(tok_strict,
	    JSON_TOKENER_STRICT | JSON_TOKENER_VALIDATE_UTF8);

	struct bench_row rows[] = {
		{ .name = "cjson", .decode = bench_cjson_decode,
		    .alloc = BA_CJSON },
		{ .name = "cjson+utf8", .decode = bench_cjson_decode,
		    .utf8 = true, .alloc = BA_CJSON },
		{ .name = "cjson-arena", .decode = bench_cjson_arena_decode,
		    .alloc = BA_CJSON_ARENA },
		{ .name = "cjson-arena+utf8",
		    .decode = bench_cjson_arena_decode, .utf8 = true,
		    .alloc = BA_CJSON_ARENA },
		{ .name = "json-c", .decode = bench_jsonc_decode, .ctx = tok },
		{ .name = "json-c strict+utf8", .decode = bench_jsonc_decode,
		    .ctx = tok_strict },
		{ .name = "jansson", .decode = bench_jansson_decode,
		    .alloc = BA_JANSSON },
	};
	size_t nrows = sizeof rows / sizeof rows[0];

	printf("cJSON %s, json-c %s, jansson %s\n", cJSON_Version(),
	    json_c_version(), jansson_version_str());
	c = bench_corpus_new(n, seed);
	bench_corpus_print(c);
	bench_run(c, rows, nrows);
	bench_table_print(c, rows, nrows);
	for (i = 0; i < nrows; i++)
		if (rows[i].fails != 0 || rows[i].fold != rows[0].fold) {
			printf("%s: %zu events rejected, checksum %s\n",
			    rows[i].name, rows[i].fails,
			    rows[i].fold == rows[0].fold ? "ok" : "DIFFERS");
			bad = true;
		}
	if (json != NULL && bench_json_write(json, c, rows, nrows) == -1)
		bench_fatal("%s: %s", json, strerror(errno));
	json_tokener_free(tok);
	json_tokener_free(tok_strict);
	free(bench_arena.base);
	bench_corpus_free(c);
	return bad ? 1 : 0;
}
