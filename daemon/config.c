/*
 * The configuration (SPEC section 3): libyaml's document API into a fresh
 * struct config, checked against a table of keys (name, type, bounds,
 * default, help).  Every error is collected as "FILE:LINE:COL: message",
 * sorted by position; the config is handed out only when there is none.
 * This file reads the file, walks its maps against the table, keeps the
 * errors and holds the public API; cfgval.c checks and stores each value,
 * endpoint.c checks endpoints.
 */
#include <ctype.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "cfgint.h"

#define CONFIG_MAX_SIZE		((size_t)1024 * 1024)	/* bytes of YAML read */
#define CONFIG_MAX_DEPTH	32	/* nested lists and maps */
#define CONFIG_MAX_ERRORS	100	/* errors kept; then stop */
#define CONFIG_MSG		1024	/* longest message */

/*
 * Record one formatted error at line:col (0:0 for the file).  Control
 * characters from the file become '?', so every error stays one line.
 */
static void
config_push(struct config_ctx *ctx, size_t line, size_t col, const char *msg)
{
	struct config_err *e;
	char		*p;

	if (ctx->nerrs >= CONFIG_MAX_ERRORS) {
		if (!ctx->full) {
			ctx->full = true;
			ctx->stop_line = line;
			ctx->stop_col = col;
		}
		return;
	}
	ctx->errs = xreallocarray(ctx->errs, ctx->nerrs + 1, sizeof *e);
	e = &ctx->errs[ctx->nerrs];
	e->line = line;
	e->col = col;
	e->seq = ctx->nerrs++;
	xasprintf(&e->msg, "%s:%zu:%zu: %s", ctx->file, line, col, msg);
	for (p = e->msg; *p != '\0'; p++)
		if ((unsigned char)*p < 0x20 || *p == 0x7f)
			*p = '?';
}

/* An error at a 1-based line and column. */
static void CW_PRINTF(4, 5)
config_err_at(struct config_ctx *ctx, size_t line, size_t col,
    const char *fmt, ...)
{
	char	 msg[CONFIG_MSG];
	va_list	 ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof msg, fmt, ap);
	va_end(ap);
	config_push(ctx, line, col, msg);
}

/* An error at a node (NULL: the start of the file). */
void
config_err(struct config_ctx *ctx, const yaml_node_t *n, const char *fmt, ...)
{
	char	 msg[CONFIG_MSG];
	va_list	 ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof msg, fmt, ap);
	va_end(ap);
	if (n == NULL)
		config_push(ctx, 1, 1, msg);
	else
		config_push(ctx, n->start_mark.line + 1,
		    n->start_mark.column + 1, msg);
}

/* An error about a key's value: "where.key: message" at the value. */
void
config_kerr(struct config_ctx *ctx, const struct config_at *at,
    const char *fmt, ...)
{
	char	 msg[CONFIG_MSG];
	va_list	 ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof msg, fmt, ap);
	va_end(ap);
	config_err(ctx, at->val, "%s%s%s: %s", at->where,
	    at->where[0] != '\0' ? "." : "", at->name, msg);
}

/*
 * User text fit for a one-line message: control bytes become '?', and
 * long text is cut (between UTF-8 characters) and ends in "...".
 */
const char *
config_quote(const char *s, char *buf, size_t size)
{
	size_t	 i;

	for (i = 0; s[i] != '\0' && i + 1 < size; i++)
		buf[i] = iscntrl((unsigned char)s[i]) ? '?' : s[i];
	buf[i] = '\0';
	if (s[i] == '\0' || size < 8)
		return buf;
	i = size - 4;
	while (i > 0 && ((unsigned char)buf[i] & 0xc0) == 0x80)
		i--;
	memcpy(buf + i, "...", 4);
	return buf;
}

/* A node of the document by index. */
yaml_node_t *
config_node(struct config_ctx *ctx, int i)
{
	return yaml_document_get_node(ctx->doc, i);
}

/* The keys of a table, for "unknown key" messages. */
static const char *
config_keylist(const struct config_table *t, char *buf, size_t size)
{
	const char	*names[CONFIG_MAX_KEYS + 1];
	size_t		 i;

	for (i = 0; i < t->n; i++)
		names[i] = t->keys[i].name;
	names[i] = NULL;
	return cfgval_join(names, ", ", buf, size);
}

/* The index of a key in a table, or -1. */
int
config_key_find(const struct config_table *t, const char *s, size_t len)
{
	size_t	 i;

	for (i = 0; i < t->n; i++)
		if (strlen(t->keys[i].name) == len &&
		    memcmp(t->keys[i].name, s, len) == 0)
			return (int)i;
	return -1;
}

/* The value node a map gave for a key of its table, or NULL. */
yaml_node_t *
config_seen_val(const struct config_table *t, const struct config_seen *s,
    const char *name)
{
	int	 i = config_key_find(t, name, strlen(name));

	return i < 0 ? NULL : s->val[i];
}

/* Remember an endpoint the daemon binds, to find two on one address. */
void
config_add_bind(struct config_ctx *ctx, char *const *ep, const char *label,
    yaml_node_t *node, bool bad)
{
	struct config_bind *b;

	ctx->binds = xreallocarray(ctx->binds, ctx->nbinds + 1, sizeof *b);
	b = &ctx->binds[ctx->nbinds++];
	b->ep = ep;
	b->label = xstrdup(label);
	b->node = node;
	b->bad = bad;
}

/* Take in one key of a map, or say why not. */
static void
config_map_key(struct config_ctx *ctx, const struct config_table *t,
    const char *where, struct config_seen *s, const yaml_node_pair_t *p)
{
	yaml_node_t	*kn = config_node(ctx, p->key);
	const char	*name, *in = where[0] != '\0' ? "in " : "at ";
	char		 q[CONFIG_QUOTE], list[256];
	int		 i;

	if (where[0] == '\0')
		where = "the top level";
	if (kn->type != YAML_SCALAR_NODE) {
		config_err(ctx, kn, "keys %s%s must be names, not %s", in,
		    where, cfgval_kind(kn));
		return;
	}
	name = (const char *)kn->data.scalar.value;
	if ((i = config_key_find(t, name, kn->data.scalar.length)) < 0) {
		config_err(ctx, kn, "unknown key '%s' %s%s (%s: %s)",
		    config_quote(name, q, sizeof q), in, where,
		    strcmp(name, "<<") == 0 ? "merge keys are not supported;"
		    " expected one of" : "expected one of",
		    config_keylist(t, list, sizeof list));
		return;
	}
	if (s->key[i] != NULL) {
		config_err(ctx, kn, "duplicate key '%s' %s%s (first at line "
		    "%zu)", name, in, where, s->key[i]->start_mark.line + 1);
		return;
	}
	s->key[i] = kn;
	s->val[i] = config_node(ctx, p->value);
}

/*
 * Read a map against its table: unknown and repeated keys are errors;
 * the values are then set in table order, whatever the order in the file.
 */
void
config_map(struct config_ctx *ctx, yaml_node_t *map,
    const struct config_table *t, void *base, const char *where,
    struct config_seen *s)
{
	yaml_node_pair_t *p;
	size_t		 i;

	memset(s, 0, sizeof *s);
	for (p = map->data.mapping.pairs.start;
	    p < map->data.mapping.pairs.top && !ctx->full; p++)
		config_map_key(ctx, t, where, s, p);
	for (i = 0; i < t->n && !ctx->full; i++) {
		const struct config_key *k = &t->keys[i];
		struct config_at at = { where, k->name, s->key[i], s->val[i] };

		if (s->key[i] == NULL) {
			if (k->flags & CK_REQUIRED)
				config_err(ctx, map, "%s: %s is required",
				    where, k->name);
			continue;
		}
		s->set |= k->bit;
		if (cfgval_set(ctx, k, &at, base) == 0)
			s->ok |= 1u << i;
		else
			s->bad |= k->bit;
	}
}

/*
 * The key table.  Defaults are YAML text read by the same code as the
 * file, so the default printed by --help-config is the one applied, and
 * a default that breaks its own bounds cannot pass the tests.
 */
static const char *const config_clocks[] = { "wall", "event", NULL };
static const char *const config_sockets[] = { "pull", "sub", NULL };
static const char *const config_formats[] = { "callwatch", "freeswitch",
    NULL };
static const char *const config_levels[] = { "error", "warn", "info",
    "debug", NULL };
static const char *const config_sevs[] = { "info", "warning", "critical",
    NULL };

#define CFG(f)	offsetof(struct config, f)
#define CONFIG_TABLE(k)	(&(const struct config_table){ k, nitems(k) })
#define QC(f)	offsetof(struct qconf, f)

static const struct config_key config_daemon_keys[] = {
	{ .name = "clock", .type = CT_ENUM, .off = CFG(clock),
	  .names = config_clocks, .def = "wall",
	  .help = "wall: now is the daemon's clock; event: now is the "
	  "newest event ts (replays)" },
	{ .name = "state_file", .type = CT_STRING, .off = CFG(state_file),
	  .def = "/var/lib/callwatch/state",
	  .help = "checkpoint of live calls, alerts and the publish seq; "
	  "\"\" = none" },
	{ .name = "checkpoint_interval", .type = CT_DURATION,
	  .off = CFG(checkpoint_interval), .min = 100 * CW_MSEC,
	  .max = CW_HOUR, .def = "5s",
	  .help = "how often state_file is written (and at exit)" },
	{ .name = "max_call_age", .type = CT_DURATION,
	  .off = CFG(max_call_age), .min = CW_MIN, .max = 30 * CW_DAY,
	  .def = "4h", .help = "a call with no event for this long is closed "
	  "as stale" },
	{ .name = "max_skew", .type = CT_DURATION, .off = CFG(max_skew),
	  .min = 0, .max = CW_HOUR, .def = "5s",
	  .help = "clock wall: an event ts further than this from arrival "
	  "is taken at arrival" },
	{ .name = "ended_linger", .type = CT_DURATION,
	  .off = CFG(ended_linger), .min = 0, .max = CW_DAY, .def = "10m",
	  .help = "an ended call's id is remembered this long; late or "
	  "repeated events for it are ignored" },
	{ .name = "max_queues", .type = CT_INT, .off = CFG(max_queues),
	  .min = 1, .max = 100000, .def = "1000",
	  .help = "most distinct queues tracked; events for more are "
	  "rejected" },
	{ .name = "max_calls", .type = CT_INT, .off = CFG(max_calls),
	  .min = 1, .max = 100000000, .def = "2000000",
	  .help = "most live calls tracked; events starting more are "
	  "rejected (about 300 bytes each)" },
	{ .name = "feed_timeout", .type = CT_DURATION,
	  .off = CFG(feed_timeout), .min = CW_SEC, .max = CW_DAY,
	  .flags = CK_ZERO_OK, .def = "2m",
	  .help = "a feed silent this long (no event, no heartbeat) raises "
	  "feed_silent; 0 = off" },
	{ .name = "max_callers", .type = CT_INT, .off = CFG(max_callers),
	  .min = 1, .max = 100000000, .def = "1000000",
	  .help = "most callers remembered for repeat_caller (48-96 bytes "
	  "each); past it new callers are not remembered" },
	{ .name = "log_level", .type = CT_ENUM, .off = CFG(log_level),
	  .names = config_levels, .parse = log_parse_level, .def = "info",
	  .help = "least important log lines written" },
};

static const struct config_key config_feed_keys[] = {
	{ .name = "name", .type = CT_NAME,
	  .off = offsetof(struct feedconf, name), .flags = CK_REQUIRED,
	  .help = "unique name of the feed, for logs and stats" },
	{ .name = "endpoint", .type = CT_ENDPOINT,
	  .off = offsetof(struct feedconf, endpoint), .flags = CK_REQUIRED,
	  .help = "tcp://HOST:PORT or ipc://PATH; pull binds it (HOST may "
	  "be *), sub connects to it" },
	{ .name = "socket", .type = CT_ENUM,
	  .off = offsetof(struct feedconf, socket), .names = config_sockets,
	  .def = "pull", .help = "pull: bind, the PBX side PUSHes to us; "
	  "sub: connect to the PBX side's PUB" },
	{ .name = "format", .type = CT_ENUM,
	  .off = offsetof(struct feedconf, format), .names = config_formats,
	  .def = "callwatch", .help = "event format: callwatch (SPEC 4.1) or "
	  "freeswitch (mod_event_zmq / ESL JSON, SPEC 4.3)" },
};

static const struct config_key config_publish_keys[] = {
	{ .name = "endpoint", .type = CT_ENDPOINT, .off = CFG(pub_endpoint),
	  .flags = CK_BIND, .def = "tcp://127.0.0.1:7101",
	  .help = "PUB socket supervisors subscribe to (bind)" },
	{ .name = "stats_interval", .type = CT_DURATION,
	  .off = CFG(stats_interval), .min = 100 * CW_MSEC, .max = CW_HOUR,
	  .flags = CK_ZERO_OK, .def = "1s",
	  .help = "how often stats/<queue> is published; 0 = never" },
	{ .name = "hwm", .type = CT_INT, .off = CFG(pub_hwm), .min = 1,
	  .max = 10000000, .def = "10000",
	  .help = "messages queued per slow subscriber before it misses "
	  "some (seq shows the gap)" },
};

static const struct config_key config_control_keys[] = {
	{ .name = "endpoint", .type = CT_ENDPOINT,
	  .off = CFG(control_endpoint), .flags = CK_BIND,
	  .def = "tcp://127.0.0.1:7102",
	  .help = "ROUTER socket for JSON requests (bind)" },
};

static const struct config_key config_http_keys[] = {
	{ .name = "listen", .type = CT_LISTEN, .off = CFG(http_listen),
	  .def = "\"\"", .help = "HOST:PORT of /metrics, /healthz, the "
	  "wallboard and the API; \"\" = off" },
};

static void	config_security_seen(struct config_ctx *,
		    const struct config_key *, const struct config_seen *);

static const char *const config_roles[] = { "viewer", "supervisor",
    "admin", "feed", NULL };

static const struct config_key config_client_keys[] = {
	{ .name = "name", .type = CT_NAME,
	  .off = offsetof(struct clientconf, name), .flags = CK_REQUIRED,
	  .help = "who the client is, in logs and on its acks and silences" },
	{ .name = "key", .type = CT_CURVEKEY,
	  .off = offsetof(struct clientconf, key), .flags = CK_REQUIRED,
	  .help = "its CURVE public key (Z85, from `callwatch keygen`)" },
	{ .name = "role", .type = CT_ENUM,
	  .off = offsetof(struct clientconf, role), .names = config_roles,
	  .flags = CK_REQUIRED, .help = "viewer: subscribe, snapshot; "
	  "supervisor: also ack, silence, unsilence; admin: everything; "
	  "feed: push events only" },
	{ .name = "queues", .type = CT_NAMES,
	  .off = offsetof(struct clientconf, queues),
	  .off_n = offsetof(struct clientconf, nqueues),
	  .help = "viewer or supervisor: the only queues it sees and acts "
	  "on; none: all" },
};

static const struct config_key config_token_keys[] = {
	{ .name = "name", .type = CT_NAME,
	  .off = offsetof(struct clientconf, name), .flags = CK_REQUIRED,
	  .help = "who holds the token, in logs and on its acks and silences" },
	{ .name = "token_file", .type = CT_STRING,
	  .off = offsetof(struct clientconf, token_file),
	  .flags = CK_REQUIRED, .help = "file whose first line is the token "
	  "(16 or more characters), readable only by the daemon" },
	{ .name = "role", .type = CT_ENUM,
	  .off = offsetof(struct clientconf, role), .names = config_roles,
	  .flags = CK_REQUIRED, .help = "viewer, supervisor or admin, as for "
	  "CURVE keys" },
	{ .name = "queues", .type = CT_NAMES,
	  .off = offsetof(struct clientconf, queues),
	  .off_n = offsetof(struct clientconf, nqueues),
	  .help = "viewer or supervisor: the only queues it sees and acts "
	  "on; none: all" },
};

static const struct config_key config_security_keys[] = {
	{ .name = "curve", .type = CT_BOOL, .off = CFG(curve), .def = "false",
	  .help = "CURVE encryption and the allow-list on every socket the "
	  "daemon binds" },
	{ .name = "server_key", .type = CT_STRING, .off = CFG(server_key),
	  .def = "\"\"", .help = "key file of the daemon's pair (public:, "
	  "secret:), readable only by it; required with curve" },
	{ .name = "clients", .type = CT_CLIENTS, .off = CFG(clients),
	  .off_n = CFG(nclients), .sub = CONFIG_TABLE(config_client_keys),
	  .help = "the allow-list: {name, key, role, queues}; nobody else "
	  "gets in" },
	{ .name = "tokens", .type = CT_CLIENTS, .off = CFG(tokens),
	  .off_n = CFG(ntokens), .sub = CONFIG_TABLE(config_token_keys),
	  .help = "HTTP bearer tokens: {name, token_file, role, queues}; "
	  "with any, the HTTP listener may leave loopback" },
	{ .name = "insecure", .type = CT_BOOL, .off = CFG(insecure),
	  .def = "false", .help = "allow plain (no CURVE) endpoints that "
	  "leave this machine (logged as a warning at every start)" },
};

static const struct config_key config_tier_keys[] = {
	{ .name = "after", .type = CT_AFTER, .flags = CK_REQUIRED,
	  .help = "the line: a duration, or a multiple of normal's high "
	  "end (2x)" },
	{ .name = "severity", .type = CT_ENUM, .off = offsetof(struct tier,
	  sev), .flags = CK_REQUIRED, .names = config_sevs,
	  .parse = sev_parse, .help = "severity on crossing it" },
};

static const struct config_table config_tier_table = {
	config_tier_keys, nitems(config_tier_keys)
};

static const struct config_key config_qconf_keys[] = {
	{ .name = "normal", .type = CT_RANGE, .off = QC(normal),
	  .bit = QC_NORMAL, .def = "[3m, 4m]",
	  .help = "expected handle time [low, high]; tier multiples are "
	  "of high" },
	{ .name = "tiers", .type = CT_TIERS, .off = QC(tiers),
	  .off_n = QC(ntiers), .bit = QC_TIERS, .sub = &config_tier_table,
	  .def = "[{after: 1x, severity: info}, {after: 2x, severity: "
	  "warning}, {after: 4x, severity: critical}]",
	  .help = "handle-time lines, up to 3 rising {after: DURATION or "
	  "Nx, severity}; [] = off" },
	{ .name = "wait_tiers", .type = CT_TIERS, .off = QC(wait_tiers),
	  .off_n = QC(nwait_tiers), .bit = QC_WAIT_TIERS,
	  .sub = &config_tier_table,
	  .def = "[{after: 60s, severity: warning}, {after: 3m, severity: "
	  "critical}]",
	  .help = "wait-time lines, the same way; [] = off" },
	{ .name = "max_transfers", .type = CT_INT, .off = QC(max_transfers),
	  .min = 1, .max = 100, .bit = QC_MAX_TRANSFERS, .def = "2",
	  .help = "the transfer that raises `transfers` (warning)" },
	{ .name = "hold_max", .type = CT_DURATION, .off = QC(hold_max),
	  .min = CW_SEC, .max = CW_DAY, .bit = QC_HOLD_MAX, .def = "2m",
	  .help = "one hold longer than this raises `long_hold` (warning)" },
	{ .name = "repeat_window", .type = CT_DURATION,
	  .off = QC(repeat_window), .min = 0, .max = 366 * CW_DAY,
	  .bit = QC_REPEAT_WINDOW, .def = "7d",
	  .help = "the same caller again within this raises `repeat_caller`"
	  " (info); 0 = off" },
	{ .name = "wrapup", .type = CT_BOOL, .off = QC(wrapup),
	  .bit = QC_WRAPUP, .def = "true",
	  .help = "handle time runs to wrapup_end (true) or to hangup "
	  "(false)" },
	{ .name = "sentiment_min", .type = CT_SCORE, .off = QC(sentiment_min),
	  .bit = QC_SENTIMENT_MIN, .def = "-0.5",
	  .help = "a sentiment score below this raises `sentiment` "
	  "(warning); -1 = off" },
	{ .name = "max_holds", .type = CT_INT, .off = QC(max_holds),
	  .min = 1, .max = 100, .flags = CK_ZERO_OK, .bit = QC_MAX_HOLDS,
	  .def = "3", .help = "the hold that raises `many_holds` (warning); "
	  "0 = off" },
	{ .name = "wrapup_max", .type = CT_DURATION, .off = QC(wrapup_max),
	  .min = CW_SEC, .max = CW_DAY, .flags = CK_ZERO_OK,
	  .bit = QC_WRAPUP_MAX, .def = "2m",
	  .help = "a wrap-up longer than this raises `long_wrapup` (info); "
	  "0 = off" },
	{ .name = "short_call", .type = CT_DURATION, .off = QC(short_call),
	  .min = CW_SEC, .max = 10 * CW_MIN, .flags = CK_ZERO_OK,
	  .bit = QC_SHORT_CALL, .def = "10s",
	  .help = "talk (answer to hangup) shorter than this is a short call; "
	  "0 = off" },
	{ .name = "short_calls", .type = CT_INT, .off = QC(short_calls),
	  .min = 1, .max = SHORTS_KEEP, .bit = QC_SHORT_CALLS, .def = "3",
	  .help = "an agent's short calls within an hour that raise "
	  "`short_calls` (warning) on the last one" },
};

static const struct config_table config_qconf_table = {
	config_qconf_keys, nitems(config_qconf_keys)
};

static const struct config_key config_root_keys[] = {
	{ .name = "daemon", .type = CT_SECTION,
	  .sub = CONFIG_TABLE(config_daemon_keys) },
	{ .name = "feeds", .type = CT_FEEDS,
	  .sub = CONFIG_TABLE(config_feed_keys),
	  .help = "where call events come from; at least one" },
	{ .name = "publish", .type = CT_SECTION,
	  .sub = CONFIG_TABLE(config_publish_keys) },
	{ .name = "control", .type = CT_SECTION,
	  .sub = CONFIG_TABLE(config_control_keys) },
	{ .name = "http", .type = CT_SECTION,
	  .sub = CONFIG_TABLE(config_http_keys) },
	{ .name = "defaults", .type = CT_SECTION, .off = CFG(defaults),
	  .sub = &config_qconf_table, .post = cfgval_defaults_post },
	{ .name = "queues", .type = CT_QUEUES, .sub = &config_qconf_table,
	  .help = "per-queue overrides: NAME: {any keys of defaults}" },
	{ .name = "security", .type = CT_SECTION,
	  .sub = CONFIG_TABLE(config_security_keys),
	  .post = config_security_seen },
};

static const struct config_table config_root_table = {
	config_root_keys, nitems(config_root_keys)
};

_Static_assert(sizeof(enum cw_clock) == sizeof(int), "enum as int");
_Static_assert(sizeof(enum sev) == sizeof(int), "enum as int");

/* Set one key to its built-in default (a bad one is a bug: fatal). */
static void
config_default_key(const struct config_key *k, void *base)
{
	yaml_parser_t	 p;
	yaml_document_t	 doc;
	struct config_ctx ctx;
	struct config_at at = { "(built-in)", k->name, NULL, NULL };
	size_t		 i;

	memset(&ctx, 0, sizeof ctx);
	ctx.file = "(built-in)";
	ctx.doc = &doc;
	yaml_parser_initialize(&p);
	yaml_parser_set_input_string(&p, (const unsigned char *)k->def,
	    strlen(k->def));
	if (!yaml_parser_load(&p, &doc) ||
	    (at.val = yaml_document_get_root_node(&doc)) == NULL)
		fatalx("config: built-in default of %s does not parse",
		    k->name);
	if (cfgval_set(&ctx, k, &at, base) == -1 || ctx.nerrs > 0)
		fatalx("config: bad built-in default: %s", ctx.nerrs > 0 ?
		    ctx.errs[0].msg : k->name);
	for (i = 0; i < ctx.nbinds; i++)
		free(ctx.binds[i].label);
	free(ctx.binds);
	yaml_document_delete(&doc);
	yaml_parser_delete(&p);
}

/* Set every key of a table (and of its sections) to its default. */
void
config_defaults(const struct config_table *t, void *base)
{
	size_t	 i;

	for (i = 0; i < t->n; i++) {
		if (t->keys[i].type == CT_SECTION)
			config_defaults(t->keys[i].sub,
			    (char *)base + t->keys[i].off);
		else if (t->keys[i].def != NULL)
			config_default_key(&t->keys[i], base);
	}
}

/* A config holding every default, read from path. */
static struct config *
config_new(const char *path)
{
	struct config	*cfg = xcalloc(1, sizeof *cfg);

	cfg->path = xstrdup(path);
	config_defaults(&config_root_table, cfg);
	return cfg;
}

/* Every key at its default and no feed. */
struct config *
config_default(void)
{
	return config_new("(defaults)");
}

/* Free a config and everything it holds; NULL is fine. */
void
config_free(struct config *cfg)
{
	size_t	 i, j;

	if (cfg == NULL)
		return;
	free(cfg->path);
	free(cfg->state_file);
	for (i = 0; i < cfg->nfeeds; i++) {
		free(cfg->feeds[i].name);
		free(cfg->feeds[i].endpoint);
	}
	free(cfg->feeds);
	free(cfg->pub_endpoint);
	free(cfg->control_endpoint);
	free(cfg->http_listen);
	for (i = 0; i < cfg->nqueues; i++)
		free(cfg->queues[i].name);
	free(cfg->queues);
	free(cfg->server_key);
	explicit_bzero(cfg->server_secret, sizeof cfg->server_secret);
	for (i = 0; i < cfg->nclients; i++) {
		free(cfg->clients[i].name);
		free(cfg->clients[i].key);
		for (j = 0; j < cfg->clients[i].nqueues; j++)
			free(cfg->clients[i].queues[j]);
		free(cfg->clients[i].queues);
	}
	free(cfg->clients);
	for (i = 0; i < cfg->ntokens; i++) {
		free(cfg->tokens[i].name);
		free(cfg->tokens[i].token_file);
		if (cfg->tokens[i].key != NULL)
			explicit_bzero(cfg->tokens[i].key,
			    strlen(cfg->tokens[i].key));
		free(cfg->tokens[i].key);
		for (j = 0; j < cfg->tokens[i].nqueues; j++)
			free(cfg->tokens[i].queues[j]);
		free(cfg->tokens[i].queues);
	}
	free(cfg->tokens);
	free(cfg);
}

/* Whether two configs have the same allow-list, entry for entry. */
bool
config_clients_same(const struct config *a, const struct config *b)
{
	const struct clientconf *x, *y;
	size_t	 i, j;

	if (a->nclients != b->nclients)
		return false;
	for (i = 0; i < a->nclients; i++) {
		x = &a->clients[i];
		y = &b->clients[i];
		if (strcmp(x->name, y->name) != 0 ||
		    strcmp(x->key, y->key) != 0 || x->role != y->role ||
		    x->nqueues != y->nqueues)
			return false;
		for (j = 0; j < x->nqueues; j++)
			if (strcmp(x->queues[j], y->queues[j]) != 0)
				return false;
	}
	return true;
}

/* The longest repeat_window of any queue: how long callers are kept. */
cw_time
config_repeat_window(const struct config *cfg)
{
	cw_time	 w = cfg->defaults.repeat_window;
	size_t	 i;

	for (i = 0; i < cfg->nqueues; i++)
		if ((cfg->queues[i].set & QC_REPEAT_WINDOW) &&
		    cfg->queues[i].repeat_window > w)
			w = cfg->queues[i].repeat_window;
	return w;
}

/* The defaults, overridden by the keys q sets (table-driven). */
void
config_merge(struct qconf *out, const struct qconf *def,
    const struct qconf *q)
{
	size_t	 i;

	*out = *def;
	out->name = NULL;
	out->set = q != NULL ? q->set : 0;
	for (i = 0; q != NULL && i < config_qconf_table.n; i++) {
		const struct config_key *k = &config_qconf_table.keys[i];

		if (!(q->set & k->bit))
			continue;
		memcpy((char *)out + k->off, (const char *)q + k->off,
		    cfgval_size(k->type));
		if (k->off_n != 0)
			memcpy((char *)out + k->off_n,
			    (const char *)q + k->off_n, sizeof(int));
	}
}

/*
 * The thresholds of a queue: the defaults overridden by what it sets;
 * out->set says which, and out->name is NULL.  Queues are few and this
 * runs when a queue is made or reloaded, so a plain search does, and
 * hand-built configs (tests) need not keep any order.
 */
void
config_resolve(const struct config *cfg, const char *name,
    struct qconf *out)
{
	const struct qconf *q = NULL;
	size_t		 i;

	for (i = 0; name != NULL && i < cfg->nqueues && q == NULL; i++)
		if (cfg->queues[i].name != NULL &&
		    strcmp(cfg->queues[i].name, name) == 0)
			q = &cfg->queues[i];
	config_merge(out, &cfg->defaults, q);
}

/* Whether bind b was written after a (a default comes first). */
static bool
config_later(const struct config_bind *a, const struct config_bind *b)
{
	if (a->node == NULL || b->node == NULL)
		return b->node != NULL;
	return b->node->start_mark.index >= a->node->start_mark.index;
}

/* Report a clash of bind x with bind y, at the later of the two. */
static void
config_bind_clash(struct config_ctx *ctx, const struct config_bind *x,
    const struct config_bind *y, enum endpoint_clash how)
{
	const struct config_bind *t;
	char		 where[64];

	if (config_later(x, y)) {
		t = x;
		x = y;
		y = t;
	}
	if (y->node != NULL)
		snprintf(where, sizeof where, "line %zu",
		    y->node->start_mark.line + 1);
	else
		snprintf(where, sizeof where, "its default");
	if (how == ENDPOINT_SAME)
		config_err(ctx, x->node, "%s: endpoint %s is already used by "
		    "%s (%s)", x->label, *x->ep, y->label, where);
	else
		config_err(ctx, x->node, "%s: endpoint %s is on the same port "
		    "as %s %s (%s)", x->label, *x->ep, y->label, *y->ep,
		    where);
}

/* The security section's nodes, for the checks that span sections. */
static void
config_security_seen(struct config_ctx *ctx, const struct config_key *k,
    const struct config_seen *s)
{
	ctx->curve = config_seen_val(k->sub, s, "curve");
	ctx->server_key = config_seen_val(k->sub, s, "server_key");
}

/* Read token i from its file (first line, 16+ printable characters). */
static void
config_token(struct config_ctx *ctx, size_t i)
{
	struct clientconf *t = &ctx->cfg->tokens[i];
	struct stat	 st;
	char		 line[512];
	size_t		 n, j;
	FILE		*fp;

	if (t->token_file == NULL || t->name == NULL)
		return;
	if ((fp = fopen(t->token_file, "r")) == NULL) {
		config_err(ctx, ctx->token_nodes[i], "security.tokens[%zu]: "
		    "cannot read %s: %s", i, t->token_file, strerror(errno));
		return;
	}
	if (fgets(line, sizeof line, fp) == NULL)
		line[0] = '\0';
	if (fstat(fileno(fp), &st) == 0 && (st.st_mode & 077) != 0)
		config_err(ctx, ctx->token_nodes[i], "security.tokens[%zu]: %s "
		    "is readable by others (mode %04o): chmod 600 it", i,
		    t->token_file, (unsigned)(st.st_mode & 07777));
	fclose(fp);
	n = strcspn(line, "\r\n");
	if (line[n] == '\0' && n == sizeof line - 1)
		n = 0;		/* longer than any token: refused below */
	line[n] = '\0';
	for (j = 0; j < n; j++)
		if (line[j] <= ' ' || line[j] == 0x7f)
			break;
	if (n < 16 || j < n)
		config_err(ctx, ctx->token_nodes[i], "security.tokens[%zu]: the "
		    "first line of %s must be the token: 16 or more characters, "
		    "no spaces", i, t->token_file);
	else
		t->key = xstrdup(line);
	explicit_bzero(line, sizeof line);
}

/* The tokens: each readable and different, none for a feed. */
static void
config_tokens(struct config_ctx *ctx)
{
	const struct config *cfg = ctx->cfg;
	size_t		 i, j;

	for (i = 0; i < cfg->ntokens; i++) {
		if (cfg->tokens[i].role == ROLE_FEED)
			config_err(ctx, ctx->token_nodes[i], "security.tokens"
			    "[%zu]: a token is for a person (viewer, supervisor "
			    "or admin), not a feed", i);
		if (cfg->tokens[i].nqueues > 0 &&
		    cfg->tokens[i].role == ROLE_ADMIN)
			config_err(ctx, ctx->token_nodes[i], "security.tokens"
			    "[%zu]: queues limit a viewer or a supervisor, not "
			    "admin '%s'", i, cfg->tokens[i].name);
		if (!ctx->no_secrets)
			config_token(ctx, i);
		for (j = 0; j < i && cfg->tokens[i].key != NULL; j++)
			if (cfg->tokens[j].key != NULL &&
			    strcmp(cfg->tokens[i].key, cfg->tokens[j].key) == 0)
				config_err(ctx, ctx->token_nodes[i],
				    "security.tokens[%zu]: the same token as "
				    "'%s': one token, one person", i,
				    cfg->tokens[j].name);
	}
}

/* An endpoint that leaves the machine without CURVE, where it is given. */
static void
config_plain(struct config_ctx *ctx, const struct config_bind *b,
    const char *label, bool curve)
{
	if (b->bad || b->node == NULL || endpoint_local(*b->ep))
		return;
	config_err(ctx, b->node, "%s: %s leaves this machine %s; use a "
	    "loopback or ipc:// endpoint, %s or security.insecure: true",
	    label, *b->ep, curve ? "and cannot use CURVE (sub feeds connect "
	    "to a PBX that does not speak it)" : "without encryption",
	    curve ? "a pull feed," : "security.curve: true");
}

/*
 * SPEC 7: with curve, a key pair; roles that see queues; and, unless
 * insecure, nothing plain off this machine (with curve, only sub feeds
 * are plain; without, every socket and the HTTP listener).
 */
static void
config_security(struct config_ctx *ctx)
{
	struct config	*cfg = ctx->cfg;
	struct stat	 st;
	const char	*why;
	size_t		 i;

	if (cfg->curve && cfg->server_key[0] == '\0')
		config_err(ctx, ctx->curve, "security.server_key is required "
		    "with curve: true (a key file from `callwatch keygen`)");
	else if (cfg->curve && !ctx->no_secrets &&
	    keyfile_load(cfg->server_key,
	    cfg->server_public, cfg->server_secret, &why) == -1)
		config_err(ctx, ctx->server_key, "security.server_key: cannot "
		    "read the key pair in %s: %s", cfg->server_key, why);
	else if (cfg->curve && !ctx->no_secrets &&
	    stat(cfg->server_key, &st) == 0 && (st.st_mode & 077) != 0)
		config_err(ctx, ctx->server_key, "security.server_key: %s is "
		    "readable by others (mode %04o); the secret key is for "
		    "the daemon only: chmod 600 it", cfg->server_key,
		    (unsigned)(st.st_mode & 07777));
	if (!cfg->curve && cfg->nclients > 0)
		config_err(ctx, ctx->clients, "security.clients: the "
		    "allow-list needs security.curve: true");
	for (i = 0; i < cfg->nclients; i++)
		if (cfg->clients[i].nqueues > 0 &&
		    (cfg->clients[i].role == ROLE_ADMIN ||
		    cfg->clients[i].role == ROLE_FEED))
			config_err(ctx, ctx->client_nodes[i], "security.clients"
			    "[%zu]: queues limit a viewer or a supervisor, not "
			    "%s '%s'", i, config_roles[cfg->clients[i].role],
			    cfg->clients[i].name);
	config_tokens(ctx);
	if (cfg->insecure)
		return;
	/* HTTP has no CURVE: loopback only, unless it asks for tokens. */
	if (ctx->listen != NULL && cfg->http_listen[0] != '\0' &&
	    cfg->ntokens == 0 && !endpoint_local(cfg->http_listen))
		config_err(ctx, ctx->listen, "http.listen: %s leaves this "
		    "machine without encryption; use a loopback address, "
		    "security.tokens or security.insecure: true",
		    cfg->http_listen);
	for (i = 0; i < ctx->nconns; i++)
		config_plain(ctx, &ctx->conns[i], "a sub feed", cfg->curve);
	if (cfg->curve)
		return;
	for (i = 0; i < ctx->nbinds; i++)
		config_plain(ctx, &ctx->binds[i], ctx->binds[i].label, false);
}

/* Report bind endpoints used twice (or on one port), at the later one. */
static void
config_binds(struct config_ctx *ctx)
{
	struct config	*cfg = ctx->cfg;
	const struct config_bind *x, *y;
	enum endpoint_clash how;
	size_t		 i, j, n;
	bool		 pub = false, ctl = false;

	for (i = 0; i < ctx->nbinds; i++) {
		pub |= ctx->binds[i].ep == &cfg->pub_endpoint;
		ctl |= ctx->binds[i].ep == &cfg->control_endpoint;
	}
	if (!pub)
		config_add_bind(ctx, &cfg->pub_endpoint, "publish.endpoint",
		    NULL, false);
	if (!ctl)
		config_add_bind(ctx, &cfg->control_endpoint,
		    "control.endpoint", NULL, false);
	n = ctx->nbinds;
	for (i = 0; i < n; i++)
		for (j = i + 1; j < n; j++) {
			x = &ctx->binds[i];
			y = &ctx->binds[j];
			if (x->bad || y->bad || (how = endpoint_clash(*x->ep,
			    *y->ep)) == ENDPOINT_APART)
				continue;
			config_bind_clash(ctx, x, y, how);
		}
}

/* Line and column (1-based) of a byte offset, for reader errors. */
static void
config_offset(const char *buf, size_t len, size_t off, size_t *line,
    size_t *col)
{
	size_t	 i;

	*line = 1;
	*col = 1;
	for (i = 0; i < off && i < len; i++) {
		if (buf[i] == '\n') {
			(*line)++;
			*col = 1;
		} else
			(*col)++;
	}
}

/* Report libyaml's error as one error where it found it. */
static void
config_syntax(struct config_ctx *ctx, const yaml_parser_t *p,
    const char *buf, size_t len)
{
	size_t	 line, col;

	if (p->error == YAML_MEMORY_ERROR)
		fatalx("config: libyaml is out of memory");
	if (p->error == YAML_READER_ERROR) {
		config_offset(buf, len, p->problem_offset, &line, &col);
		config_err_at(ctx, line, col, "cannot read the text: %s",
		    p->problem != NULL ? p->problem : "bad input");
		return;
	}
	line = p->problem_mark.line + 1;
	col = p->problem_mark.column + 1;
	if (p->context != NULL)
		config_err_at(ctx, line, col, "syntax error: %s (%s at line "
		    "%zu)", p->problem != NULL ? p->problem : "bad YAML",
		    p->context, p->context_mark.line + 1);
	else
		config_err_at(ctx, line, col, "syntax error: %s",
		    p->problem != NULL ? p->problem : "bad YAML");
}

/*
 * Walk the events once before loading: syntax errors, nesting deeper
 * than CONFIG_MAX_DEPTH and a second document stop here.
 */
static int
config_scan(struct config_ctx *ctx, const char *buf, size_t len)
{
	yaml_parser_t	 p;
	yaml_event_t	 ev;
	int		 depth = 0, docs = 0, rc = 0;
	bool		 end = false;

	yaml_parser_initialize(&p);
	yaml_parser_set_input_string(&p, (const unsigned char *)buf, len);
	while (!end && rc == 0) {
		if (!yaml_parser_parse(&p, &ev)) {
			config_syntax(ctx, &p, buf, len);
			rc = -1;
			break;
		}
		if ((ev.type == YAML_SEQUENCE_START_EVENT ||
		    ev.type == YAML_MAPPING_START_EVENT) &&
		    ++depth > CONFIG_MAX_DEPTH) {
			config_err_at(ctx, ev.start_mark.line + 1,
			    ev.start_mark.column + 1, "nesting is deeper than "
			    "%d levels", CONFIG_MAX_DEPTH);
			rc = -1;
		} else if (ev.type == YAML_SEQUENCE_END_EVENT ||
		    ev.type == YAML_MAPPING_END_EVENT)
			depth--;
		else if (ev.type == YAML_DOCUMENT_START_EVENT && ++docs > 1) {
			config_err_at(ctx, ev.start_mark.line + 1,
			    ev.start_mark.column + 1, "a second YAML document; "
			    "the file must hold only one");
			rc = -1;
		}
		end = ev.type == YAML_STREAM_END_EVENT;
		yaml_event_delete(&ev);
	}
	yaml_parser_delete(&p);
	return rc;
}

/* The top level: a map of sections, with at least one feed. */
static void
config_root(struct config_ctx *ctx, yaml_node_t *root)
{
	struct config_seen s;
	char		 list[256];

	if (cfgval_isnull(root)) {
		config_err(ctx, NULL, "at least one feed is required");
		return;
	}
	if (root->type != YAML_MAPPING_NODE) {
		config_err(ctx, root, "the top level must be a map of sections "
		    "(%s), not %s", config_keylist(&config_root_table, list,
		    sizeof list), cfgval_kind(root));
		return;
	}
	config_map(ctx, root, &config_root_table, ctx->cfg, "", &s);
	if (config_seen_val(&config_root_table, &s, "feeds") == NULL &&
	    !ctx->full)
		config_err(ctx, NULL, "at least one feed is required");
	config_binds(ctx);
	config_security(ctx);
}

/* Parse the text of the file and read it into ctx->cfg. */
static void
config_parse(struct config_ctx *ctx, const char *buf, size_t len)
{
	yaml_parser_t	 p;
	yaml_document_t	 doc;

	if (config_scan(ctx, buf, len) == -1)
		return;
	yaml_parser_initialize(&p);
	yaml_parser_set_input_string(&p, (const unsigned char *)buf, len);
	if (!yaml_parser_load(&p, &doc)) {
		config_syntax(ctx, &p, buf, len);
		yaml_parser_delete(&p);
		return;
	}
	ctx->doc = &doc;
	config_root(ctx, yaml_document_get_root_node(&doc));
	ctx->doc = NULL;
	yaml_document_delete(&doc);
	yaml_parser_delete(&p);
}

/* Read the whole file (at most CONFIG_MAX_SIZE bytes) into *bufp. */
static int
config_read(struct config_ctx *ctx, const char *path, char **bufp,
    size_t *lenp)
{
	FILE	*fp;
	char	*buf, msg[CONFIG_MSG];
	size_t	 n;
	int	 err = 0;

	*bufp = NULL;
	if ((fp = fopen(path, "r")) == NULL) {
		snprintf(msg, sizeof msg, "cannot read: %s", strerror(errno));
		config_push(ctx, 1, 1, msg);	/* SPEC 2: FILE:LINE:COL */
		return -1;
	}
	buf = xmalloc(CONFIG_MAX_SIZE + 1);
	n = fread(buf, 1, CONFIG_MAX_SIZE + 1, fp);
	if (ferror(fp))
		err = errno != 0 ? errno : EIO;
	fclose(fp);
	if (err != 0 || n > CONFIG_MAX_SIZE) {
		if (err != 0)
			snprintf(msg, sizeof msg, "cannot read: %s",
			    strerror(err));
		else
			snprintf(msg, sizeof msg, "the file is larger than "
			    "%zu KiB", CONFIG_MAX_SIZE / 1024);
		config_push(ctx, 1, 1, msg);
		free(buf);
		return -1;
	}
	*bufp = buf;
	*lenp = n;
	return 0;
}

/* Order errors by place, then by the order they were found. */
static int
config_err_cmp(const void *a, const void *b)
{
	const struct config_err *x = a, *y = b;

	if (x->line != y->line)
		return x->line < y->line ? -1 : 1;
	if (x->col != y->col)
		return x->col < y->col ? -1 : 1;
	return (x->seq > y->seq) - (x->seq < y->seq);
}

/* Hand the errors, sorted, to errs (or drop them); return how many. */
static size_t
config_finish(struct config_ctx *ctx, struct cfgerrs *errs)
{
	size_t	 i, n = ctx->nerrs;
	char	*msg;

	if (n > 0)
		qsort(ctx->errs, n, sizeof *ctx->errs, config_err_cmp);
	for (i = 0; i <= ctx->nerrs; i++) {
		if (i < ctx->nerrs)
			msg = ctx->errs[i].msg;
		else if (ctx->full)
			xasprintf(&msg, "%s:%zu:%zu: too many errors, stopped "
			    "after %d", ctx->file, ctx->stop_line,
			    ctx->stop_col, CONFIG_MAX_ERRORS);
		else
			break;
		if (errs == NULL) {
			free(msg);
			continue;
		}
		errs->v = xreallocarray(errs->v, errs->n + 1, sizeof *errs->v);
		errs->v[errs->n++] = msg;
	}
	for (i = 0; i < ctx->nbinds; i++)
		free(ctx->binds[i].label);
	free(ctx->binds);
	free(ctx->conns);
	free(ctx->client_nodes);
	free(ctx->token_nodes);
	free(ctx->errs);
	return n;
}

/*
 * Read the config at path.  NULL if anything is wrong, each error added
 * to errs as "FILE:LINE:COL: message", in the order of the file.
 */
struct config *
config_load(const char *path, struct cfgerrs *errs)
{
	return config_load_as(path, errs, false);
}

/*
 * config_load(), by a client (client): the daemon's key file, readable
 * only by the daemon, is not read.
 */
struct config *
config_load_as(const char *path, struct cfgerrs *errs, bool client)
{
	struct config_ctx ctx;
	struct config	*cfg;
	char		*buf = NULL;
	size_t		 len = 0;

	memset(&ctx, 0, sizeof ctx);
	ctx.no_secrets = client;
	ctx.file = path;
	ctx.cfg = cfg = config_new(path);
	if (config_read(&ctx, path, &buf, &len) == 0)
		config_parse(&ctx, buf, len);
	free(buf);
	if (config_finish(&ctx, errs) > 0 || ctx.full) {
		config_free(cfg);
		return NULL;
	}
	return cfg;
}

/* Free the strings of errs and empty it. */
void
cfgerrs_free(struct cfgerrs *errs)
{
	size_t	 i;

	if (errs == NULL)
		return;
	for (i = 0; i < errs->n; i++)
		free(errs->v[i]);
	free(errs->v);
	errs->v = NULL;
	errs->n = 0;
}

/* One line of --help-config. */
static void
config_print_key(FILE *fp, const char *prefix, const struct config_key *k)
{
	char	 path[128], type[128];

	snprintf(path, sizeof path, "%s%s", prefix, k->name);
	fprintf(fp, "%-27s %-24s %s (default: %s)\n", path,
	    cfgval_label(k, type, sizeof type), k->help,
	    k->def != NULL ? k->def : (k->flags & CK_REQUIRED) ?
	    "required" : "none");
}

/* Print the key table: one line per key with type, help and default. */
void
config_print_keys(FILE *fp)
{
	const struct config_key *k;
	char		 prefix[64];
	size_t		 i, j;

	for (i = 0; i < config_root_table.n; i++) {
		k = &config_root_table.keys[i];
		if (k->type == CT_QUEUES) {
			config_print_key(fp, "", k);
			continue;
		}
		snprintf(prefix, sizeof prefix, "%s%s.", k->name,
		    k->type == CT_FEEDS ? "[]" : "");
		for (j = 0; j < k->sub->n; j++) {
			const struct config_key *kk = &k->sub->keys[j];
			char	 lp[128];
			size_t	 m;

			config_print_key(fp, prefix, kk);
			if (kk->type != CT_CLIENTS)
				continue;
			snprintf(lp, sizeof lp, "%s%s[].", prefix, kk->name);
			for (m = 0; m < kk->sub->n; m++)
				config_print_key(fp, lp, &kk->sub->keys[m]);
		}
	}
}

