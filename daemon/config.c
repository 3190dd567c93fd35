/*
 * The configuration (SPEC section 3): libyaml's document API into a fresh
 * struct config, checked against a table of keys (name, type, bounds,
 * default, help).  Every error is collected as "FILE:LINE:COL: message",
 * sorted by position; the config is handed out only when there is none.
 */
#include <arpa/inet.h>
#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <yaml.h>

#include "cw.h"

#define CONFIG_MAX_SIZE		(1024 * 1024)	/* bytes of YAML read */
#define CONFIG_MAX_DEPTH	32	/* nested lists and maps */
#define CONFIG_MAX_ERRORS	100	/* errors kept; then stop */
#define CONFIG_MAX_KEYS		16	/* keys in one table */
#define CONFIG_MAX_MULT		100.0	/* largest tier multiple */
#define CONFIG_MAX_FEEDS	256	/* feeds are compared pairwise */
#define CONFIG_IPC_MAX		107	/* sun_path, less its NUL */
#define CONFIG_MSG		1024	/* longest message */
#define CONFIG_QUOTE		48	/* user text quoted in a message */

/* Flags of a key. */
#define CK_REQUIRED	0x01u		/* no default: must be given */
#define CK_ZERO_OK	0x02u		/* 0 (off) is allowed below min */
#define CK_BIND		0x04u		/* an endpoint the daemon binds */

/* What a key holds. */
enum config_type {
	CT_STRING = 0,
	CT_NAME,		/* a string that passes name_valid() */
	CT_ENUM,
	CT_DURATION,
	CT_INT,
	CT_BOOL,
	CT_ENDPOINT,
	CT_LISTEN,		/* HOST:PORT or "" */
	CT_RANGE,		/* [lo, hi] durations */
	CT_TIERS,
	CT_AFTER,		/* a tier's line: duration or multiple */
	CT_SECTION,		/* a map of its own table */
	CT_FEEDS,
	CT_QUEUES,
	CT_NTYPES
};

struct config_ctx;
struct config_seen;
struct config_at;

/* The keys of one map. */
struct config_table {
	const struct config_key *keys;	/* in the order they are set */
	size_t		 n;		/* keys, at most CONFIG_MAX_KEYS */
};

/* One key of the table. */
struct config_key {
	const char	*name;		/* key in its map */
	enum config_type type;		/* what it holds */
	size_t		 off;		/* field in the map's struct */
	size_t		 off_n;		/* CT_TIERS: the count field */
	int64_t		 min;		/* bounds; µs for durations */
	int64_t		 max;		/* ... inclusive */
	unsigned	 flags;		/* CK_* */
	unsigned	 bit;		/* QC_* of a queue key, else 0 */
	const char *const *names;	/* CT_ENUM: names, index = value */
	int		(*parse)(const char *);	/* CT_ENUM: else names */
	const struct config_table *sub;	/* keys of a nested map */
	void		(*post)(struct config_ctx *, const struct config_key *,
			    const struct config_seen *);	/* after it */
	const char	*def;		/* default, as YAML; NULL: none */
	const char	*help;		/* one line for --help-config */
};

/* Where a value is: its key and value nodes and the path to its map. */
struct config_at {
	const char	*where;		/* "daemon", "queues.billing", "" */
	const char	*name;		/* the key */
	yaml_node_t	*key;		/* NULL for a built-in default */
	yaml_node_t	*val;		/* the value, where errors point */
};

/* What one map gave, by the index of the key in its table. */
struct config_seen {
	yaml_node_t	*key[CONFIG_MAX_KEYS];	/* NULL: not given */
	yaml_node_t	*val[CONFIG_MAX_KEYS];	/* its value */
	unsigned	 ok;		/* bit i: key i given and valid */
	unsigned	 set;		/* QC_* given */
	unsigned	 bad;		/* QC_* given but wrong */
};

/* An error, kept until they are sorted. */
struct config_err {
	size_t		 line;		/* 1-based; 0 for the whole file */
	size_t		 col;		/* 1-based */
	size_t		 seq;		/* order found, for a stable sort */
	char		*msg;		/* "FILE:LINE:COL: message" */
};

/* An endpoint the daemon binds, to catch two sockets on one address. */
struct config_bind {
	char *const	*ep;		/* the config's field */
	char		*label;		/* "publish.endpoint" */
	yaml_node_t	*node;		/* NULL: left at its default */
	bool		 bad;		/* given but invalid: not compared */
};

/* The state of one load. */
struct config_ctx {
	const char	*file;		/* path as given, for messages */
	yaml_document_t	*doc;		/* the nodes being read */
	struct config	*cfg;		/* the config being filled */
	struct config_err *errs;	/* found so far, unsorted */
	size_t		 nerrs;
	bool		 full;		/* CONFIG_MAX_ERRORS reached */
	size_t		 stop_line;	/* where the first was dropped */
	size_t		 stop_col;
	struct config_bind *binds;	/* endpoints the daemon binds */
	size_t		 nbinds;
	unsigned	 dbad;		/* QC_* of defaults with errors */
};

/* Set a key of the struct at base from a node; -1 after an error. */
typedef int	(*config_set_fn)(struct config_ctx *, const struct config_key *,
		    const struct config_at *, void *);

/* How each type is shown, described, merged and set. */
struct config_type_ops {
	const char	*label;		/* for --help-config */
	const char	*expect;	/* "expected ..." in messages */
	size_t		 size;		/* bytes of a qconf field, to merge */
	config_set_fn	 set;		/* read and check a value */
};

static int	config_set(struct config_ctx *, const struct config_key *,
		    const struct config_at *, void *);
static void	config_map(struct config_ctx *, yaml_node_t *,
		    const struct config_table *, void *, const char *,
		    struct config_seen *);
static void	config_defaults_post(struct config_ctx *,
		    const struct config_key *, const struct config_seen *);
static void	config_defaults(const struct config_table *, void *);

/* Record one formatted error at line:col (0:0 for the file). */
static void
config_push(struct config_ctx *ctx, size_t line, size_t col, const char *msg)
{
	struct config_err *e;

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
	if (line == 0)
		xasprintf(&e->msg, "%s: %s", ctx->file, msg);
	else
		xasprintf(&e->msg, "%s:%zu:%zu: %s", ctx->file, line, col, msg);
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
static void CW_PRINTF(3, 4)
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
static void CW_PRINTF(3, 4)
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
static const char *
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

/* A duration the short way people write it: "0", "100ms", "4m", "30d". */
static const char *
config_fmt_dur(cw_time v, char *buf, size_t size)
{
	static const struct {
		cw_time		 scale;
		const char	*unit;
	} units[] = {
		{ CW_DAY, "d" }, { CW_HOUR, "h" }, { CW_MIN, "m" },
		{ CW_SEC, "s" }, { CW_MSEC, "ms" },
	};
	size_t	 i;

	if (v == 0) {
		snprintf(buf, size, "0");
		return buf;
	}
	for (i = 0; i < nitems(units); i++)
		if (v % units[i].scale == 0) {
			snprintf(buf, size, "%lld%s",
			    (long long)(v / units[i].scale), units[i].unit);
			return buf;
		}
	snprintf(buf, size, "%gs", dur_seconds(v));
	return buf;
}

/* A node of the document by index. */
static yaml_node_t *
config_node(struct config_ctx *ctx, int i)
{
	return yaml_document_get_node(ctx->doc, i);
}

/* Whether a node is YAML's null: empty, "~" or "null", unquoted. */
static bool
config_isnull(const yaml_node_t *n)
{
	const char	*s;

	if (n == NULL)
		return true;
	if (n->type != YAML_SCALAR_NODE ||
	    n->data.scalar.style != YAML_PLAIN_SCALAR_STYLE)
		return false;
	s = (const char *)n->data.scalar.value;
	return *s == '\0' || strcmp(s, "~") == 0 || strcmp(s, "null") == 0 ||
	    strcmp(s, "Null") == 0 || strcmp(s, "NULL") == 0;
}

/* "a map", "a list" or "a single value", for messages. */
static const char *
config_kind(const yaml_node_t *n)
{
	if (n->type == YAML_MAPPING_NODE)
		return "a map";
	if (n->type == YAML_SEQUENCE_NODE)
		return "a list";
	return "a single value";
}

/* Join a NULL-terminated list of names: "a, b or c", or with sep. */
static const char *
config_join(const char *const *names, const char *sep, char *buf,
    size_t size)
{
	size_t	 i, len = 0;

	buf[0] = '\0';
	for (i = 0; names[i] != NULL && len < size; i++) {
		const char *s = i == 0 ? "" : sep != NULL ? sep :
		    names[i + 1] == NULL ? " or " : ", ";

		len += (size_t)snprintf(buf + len, size - len, "%s%s", s,
		    names[i]);
	}
	return buf;
}

/* What a key's value must be, for "expected ..." messages. */
static const char *
config_expect(const struct config_key *k, char *buf, size_t size);

/* The keys of a table, for "unknown key" messages. */
static const char *
config_keylist(const struct config_table *t, char *buf, size_t size)
{
	const char	*names[CONFIG_MAX_KEYS + 1];
	size_t		 i;

	for (i = 0; i < t->n; i++)
		names[i] = t->keys[i].name;
	names[i] = NULL;
	return config_join(names, ", ", buf, size);
}

/* The index of a key in a table, or -1. */
static int
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
static yaml_node_t *
config_seen_val(const struct config_table *t, const struct config_seen *s,
    const char *name)
{
	int	 i = config_key_find(t, name, strlen(name));

	return i < 0 ? NULL : s->val[i];
}

/* The text of a scalar value, or NULL after saying what was expected. */
static const char *
config_scalar(struct config_ctx *ctx, const struct config_key *k,
    const struct config_at *at)
{
	const yaml_node_t *n = at->val;
	char		 exp[256];

	config_expect(k, exp, sizeof exp);
	if (config_isnull(n)) {
		config_kerr(ctx, at, "missing value, expected %s", exp);
		return NULL;
	}
	if (n->type != YAML_SCALAR_NODE) {
		config_kerr(ctx, at, "expected %s, not %s", exp,
		    config_kind(n));
		return NULL;
	}
	if (strlen((const char *)n->data.scalar.value) !=
	    n->data.scalar.length) {
		config_kerr(ctx, at, "the value contains a NUL character");
		return NULL;
	}
	return (const char *)n->data.scalar.value;
}

/* Whether a value is a map (1), null, as good as empty (0), or not (-1). */
static int
config_want_map(struct config_ctx *ctx, const struct config_key *k,
    const struct config_at *at)
{
	char	 exp[256];

	if (at->val->type == YAML_MAPPING_NODE)
		return 1;
	if (config_isnull(at->val))
		return 0;
	config_kerr(ctx, at, "expected %s, not %s", config_expect(k, exp,
	    sizeof exp), config_kind(at->val));
	return -1;
}

/* Check a value against the key's bounds; 0 is fine with CK_ZERO_OK. */
static int
config_bounds(struct config_ctx *ctx, const struct config_key *k,
    const struct config_at *at, const char *text, int64_t v)
{
	char	 q[CONFIG_QUOTE], b[32];
	bool	 below = v < k->min;

	if ((v == 0 && (k->flags & CK_ZERO_OK)) || (!below && v <= k->max))
		return 0;
	if (k->type == CT_DURATION)
		config_fmt_dur(below ? k->min : k->max, b, sizeof b);
	else
		snprintf(b, sizeof b, "%lld", (long long)(below ? k->min :
		    k->max));
	config_kerr(ctx, at, "%s is %s the %s %s%s",
	    config_quote(text, q, sizeof q), below ? "below" : "above",
	    below ? "minimum" : "maximum", b,
	    (k->flags & CK_ZERO_OK) ? " (or 0 for off)" : "");
	return -1;
}

/* A string. */
static int
config_set_string(struct config_ctx *ctx, const struct config_key *k,
    const struct config_at *at, void *base)
{
	char		**field = (char **)(void *)((char *)base + k->off);
	const char	*s;

	if ((s = config_scalar(ctx, k, at)) == NULL)
		return -1;
	free(*field);
	*field = xstrdup(s);
	return 0;
}

/* A name: a string that may name a feed or a queue. */
static int
config_set_name(struct config_ctx *ctx, const struct config_key *k,
    const struct config_at *at, void *base)
{
	const char	*s;
	char		 q[CONFIG_QUOTE];

	if ((s = config_scalar(ctx, k, at)) == NULL)
		return -1;
	if (!name_valid(s, strlen(s))) {
		config_kerr(ctx, at, "'%s' is not a valid name (1 to %d "
		    "characters, no '/' or control characters)",
		    config_quote(s, q, sizeof q), CW_MAX_NAME);
		return -1;
	}
	return config_set_string(ctx, k, at, base);
}

/* One of a few names, case-insensitively, stored as an int or enum. */
static int
config_set_enum(struct config_ctx *ctx, const struct config_key *k,
    const struct config_at *at, void *base)
{
	const char	*s;
	char		 low[32], q[CONFIG_QUOTE], exp[256];
	size_t		 i;
	int		 v = -1;
	bool		 fits;

	if ((s = config_scalar(ctx, k, at)) == NULL)
		return -1;
	for (i = 0; s[i] != '\0' && i + 1 < sizeof low; i++)
		low[i] = (char)tolower((unsigned char)s[i]);
	low[i] = '\0';
	fits = s[i] == '\0';
	if (fits && k->parse != NULL)
		v = k->parse(low);
	for (i = 0; fits && k->parse == NULL && k->names[i] != NULL; i++)
		if (strcmp(low, k->names[i]) == 0)
			v = (int)i;
	if (v < 0) {
		config_kerr(ctx, at, "unknown value '%s', expected %s",
		    config_quote(s, q, sizeof q), config_expect(k, exp,
		    sizeof exp));
		return -1;
	}
	*(int *)(void *)((char *)base + k->off) = v;
	return 0;
}

/* A duration within bounds. */
static int
config_set_duration(struct config_ctx *ctx, const struct config_key *k,
    const struct config_at *at, void *base)
{
	const char	*s, *why;
	char		 q[CONFIG_QUOTE];
	cw_time		 v;

	if ((s = config_scalar(ctx, k, at)) == NULL)
		return -1;
	if (dur_parse(s, &v, &why) == -1) {
		config_kerr(ctx, at, "'%s' is not a duration: %s",
		    config_quote(s, q, sizeof q), why);
		return -1;
	}
	if (config_bounds(ctx, k, at, s, v) == -1)
		return -1;
	*(cw_time *)(void *)((char *)base + k->off) = v;
	return 0;
}

/* A whole number within bounds. */
static int
config_set_int(struct config_ctx *ctx, const struct config_key *k,
    const struct config_at *at, void *base)
{
	const char	*s;
	char		*end, q[CONFIG_QUOTE];
	long long	 v;

	if ((s = config_scalar(ctx, k, at)) == NULL)
		return -1;
	errno = 0;
	v = strtoll(s, &end, 10);
	if (end == s || *end != '\0' || isspace((unsigned char)*s) ||
	    errno != 0) {
		config_kerr(ctx, at, "'%s' is not a whole number",
		    config_quote(s, q, sizeof q));
		return -1;
	}
	if (config_bounds(ctx, k, at, s, v) == -1)
		return -1;
	*(int *)(void *)((char *)base + k->off) = (int)v;
	return 0;
}

/* true/false, yes/no, on/off, in any case. */
static int
config_set_bool(struct config_ctx *ctx, const struct config_key *k,
    const struct config_at *at, void *base)
{
	static const char *const yes[] = { "true", "yes", "on" };
	static const char *const no[] = { "false", "no", "off" };
	const char	*s;
	char		 q[CONFIG_QUOTE];
	size_t		 i;

	if ((s = config_scalar(ctx, k, at)) == NULL)
		return -1;
	for (i = 0; i < nitems(yes); i++) {
		if (strcasecmp(s, yes[i]) == 0 || strcasecmp(s, no[i]) == 0) {
			*(bool *)((char *)base + k->off) =
			    strcasecmp(s, yes[i]) == 0;
			return 0;
		}
	}
	config_kerr(ctx, at, "'%s' is not true or false (or yes/no, on/off)",
	    config_quote(s, q, sizeof q));
	return -1;
}

/* A host name, an IPv4 address, or a bracketed IPv6 address inside. */
static int
config_host(const char *h, size_t len, bool v6, const char **why)
{
	char	 buf[256], addr[16];
	size_t	 i, label = 0;

	if (len == 0 || len >= sizeof buf) {
		*why = len == 0 ? "missing host" : "host name too long";
		return -1;
	}
	memcpy(buf, h, len);
	buf[len] = '\0';
	if (v6 || strspn(buf, "0123456789.") == len) {
		if (inet_pton(v6 ? AF_INET6 : AF_INET, buf, addr) == 1)
			return 0;
		*why = v6 ? "bad IPv6 address" : "bad IPv4 address";
		return -1;
	}
	for (i = 0; i <= len; i++) {
		if (i < len && (isalnum((unsigned char)buf[i]) ||
		    buf[i] == '-')) {
			label++;
			continue;
		}
		if ((i < len && buf[i] != '.') || label == 0 || label > 63 ||
		    buf[i - 1] == '-' || buf[i - label] == '-')
			break;
		label = 0;
	}
	if (i <= len || len > 253) {
		*why = "bad host name";
		return -1;
	}
	return 0;
}

/*
 * Check HOST:PORT: an IPv4 address, [IPv6], a host name, or (with star)
 * "*" for every address; the port 1-65535.  Copy the host out if asked.
 */
static int
config_hostport(const char *s, bool star, const char **why, char *host,
    size_t hostsize, unsigned *port)
{
	const char	*h = s, *colon, *p;
	size_t		 len;
	bool		 v6 = *s == '[';
	unsigned long	 v;

	if (v6) {
		h = s + 1;
		if ((colon = strchr(s, ']')) == NULL) {
			*why = "missing ']' after the IPv6 address";
			return -1;
		}
		len = (size_t)(colon++ - h);
	} else {
		colon = strrchr(s, ':');
		len = colon == NULL ? strlen(s) : (size_t)(colon - s);
	}
	if (colon == NULL || *colon != ':') {
		*why = "missing :PORT";
		return -1;
	}
	if (!v6 && memchr(h, ':', len) != NULL) {
		*why = "an IPv6 address goes in brackets, like [::1]:7100";
		return -1;
	}
	if (!v6 && len == 1 && *h == '*') {
		if (!star) {
			*why = "* (every address) is only allowed where the "
			    "daemon binds";
			return -1;
		}
	} else if (config_host(h, len, v6, why) == -1)
		return -1;
	p = colon + 1;
	v = strtoul(p, NULL, 10);
	if (*p == '\0' || strspn(p, "0123456789") != strlen(p) ||
	    strlen(p) > 5 || v < 1 || v > 65535) {
		*why = "the port must be a number from 1 to 65535";
		return -1;
	}
	if (host != NULL)
		snprintf(host, hostsize, "%.*s", (int)len, h);
	if (port != NULL)
		*port = (unsigned)v;
	return 0;
}

/* Check a ZeroMQ endpoint: tcp://HOST:PORT or ipc://PATH. */
static int
config_endpoint(const char *s, bool bind, const char **why)
{
	if (strncmp(s, "ipc://", 6) == 0) {
		if (s[6] == '\0')
			*why = "ipc:// needs a path";
		else if (strlen(s + 6) > CONFIG_IPC_MAX)
			*why = "the ipc path is longer than 107 bytes";
		else
			return 0;
		return -1;
	}
	if (strncmp(s, "tcp://", 6) == 0)
		return config_hostport(s + 6, bind, why, NULL, 0, NULL);
	*why = strstr(s, "://") != NULL ?
	    "only tcp:// and ipc:// endpoints are supported" :
	    "expected tcp://HOST:PORT or ipc://PATH";
	return -1;
}

/* Remember an endpoint the daemon binds, to find two on one address. */
static void
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

/* An endpoint; one the daemon binds is remembered. */
static int
config_set_endpoint(struct config_ctx *ctx, const struct config_key *k,
    const struct config_at *at, void *base)
{
	const char	*s, *why = NULL;
	char		 q[CONFIG_QUOTE], label[256];
	int		 rc = -1;

	if ((s = config_scalar(ctx, k, at)) != NULL &&
	    (rc = config_endpoint(s, true, &why)) == 0)
		config_set_string(ctx, k, at, base);
	else if (s != NULL)
		config_kerr(ctx, at, "'%s' is not a valid endpoint: %s",
		    config_quote(s, q, sizeof q), why);
	/* A bad one is remembered too, so its default is not compared. */
	if ((k->flags & CK_BIND) && at->key != NULL) {
		snprintf(label, sizeof label, "%s.%s", at->where, at->name);
		config_add_bind(ctx, (char **)(void *)((char *)base + k->off),
		    label, at->val, rc != 0);
	}
	return rc;
}

/* HOST:PORT to listen on, or "" for off. */
static int
config_set_listen(struct config_ctx *ctx, const struct config_key *k,
    const struct config_at *at, void *base)
{
	const char	*s, *why;
	char		 q[CONFIG_QUOTE];

	if ((s = config_scalar(ctx, k, at)) == NULL)
		return -1;
	if (*s != '\0' &&
	    config_hostport(s, false, &why, NULL, 0, NULL) == -1) {
		config_kerr(ctx, at, "'%s' is not HOST:PORT (or \"\" for off):"
		    " %s", config_quote(s, q, sizeof q), why);
		return -1;
	}
	return config_set_string(ctx, k, at, base);
}

/* One end of a range: a duration above zero. */
static int
config_range_end(struct config_ctx *ctx, const struct config_key *k,
    const struct config_at *at, cw_time *out)
{
	const char	*s, *why;
	char		 q[CONFIG_QUOTE];

	if ((s = config_scalar(ctx, k, at)) == NULL)
		return -1;
	if (dur_parse(s, out, &why) == -1) {
		config_kerr(ctx, at, "'%s' is not a duration: %s",
		    config_quote(s, q, sizeof q), why);
		return -1;
	}
	if (*out <= 0) {
		config_kerr(ctx, at, "the range must be above zero");
		return -1;
	}
	return 0;
}

/* A range [lo, hi] of two durations above zero, lo <= hi. */
static int
config_set_range(struct config_ctx *ctx, const struct config_key *k,
    const struct config_at *at, void *base)
{
	cw_time		*field = (cw_time *)(void *)((char *)base + k->off);
	const yaml_node_t *n = at->val;
	struct config_at a = *at;
	cw_time		 v[2];
	char		 lo[32], hi[32];
	int		 i;

	if (n->type != YAML_SEQUENCE_NODE ||
	    n->data.sequence.items.top - n->data.sequence.items.start != 2) {
		config_kerr(ctx, at, "expected a list of two durations, "
		    "like [3m, 4m]");
		return -1;
	}
	for (i = 0; i < 2; i++) {
		a.val = config_node(ctx, n->data.sequence.items.start[i]);
		if (config_range_end(ctx, k, &a, &v[i]) == -1)
			return -1;
	}
	if (v[0] > v[1]) {
		config_kerr(ctx, at, "reversed range: %s is above %s (write "
		    "[low, high])", config_fmt_dur(v[0], lo, sizeof lo),
		    config_fmt_dur(v[1], hi, sizeof hi));
		return -1;
	}
	field[0] = v[0];
	field[1] = v[1];
	return 0;
}

/* A tier's line: a duration above zero, or a multiple like 1.5x. */
static int
config_set_after(struct config_ctx *ctx, const struct config_key *k,
    const struct config_at *at, void *base)
{
	struct tier	*t = (struct tier *)(void *)((char *)base + k->off);
	const char	*s, *why;
	char		*end, q[CONFIG_QUOTE];
	size_t		 len;
	double		 m;

	if ((s = config_scalar(ctx, k, at)) == NULL)
		return -1;
	len = strlen(s);
	if (len > 1 && (s[len - 1] == 'x' || s[len - 1] == 'X') &&
	    strspn(s, "0123456789.") == len - 1) {
		m = strtod(s, &end);
		if (end != s + len - 1 || !isfinite(m) || m <= 0 ||
		    m > CONFIG_MAX_MULT) {
			config_kerr(ctx, at, "'%s' is not a multiple above 0x "
			    "and at most %gx", config_quote(s, q, sizeof q),
			    CONFIG_MAX_MULT);
			return -1;
		}
		t->mult = m;
		t->after = 0;
		return 0;
	}
	if (dur_parse(s, &t->after, &why) == -1 || t->after <= 0) {
		config_kerr(ctx, at, "'%s' is neither a duration above zero "
		    "nor a multiple of normal like 2x%s%s",
		    config_quote(s, q, sizeof q), why != NULL ? ": " : "",
		    why != NULL ? why : "");
		return -1;
	}
	t->mult = 0;
	return 0;
}

/* A list of at most CW_MAX_TIERS {after, severity} maps. */
static int
config_set_tiers(struct config_ctx *ctx, const struct config_key *k,
    const struct config_at *at, void *base)
{
	struct tier	 t[CW_MAX_TIERS];
	struct config_seen s;
	struct config_at a = *at;
	const yaml_node_item_t *it;
	char		 name[64], where[512], exp[256];
	size_t		 i, n;
	int		 rc = 0;

	if (at->val->type != YAML_SEQUENCE_NODE) {
		config_kerr(ctx, at, "%s %s, not %s", config_isnull(at->val) ?
		    "missing value, expected" : "expected", config_expect(k,
		    exp, sizeof exp), config_kind(at->val));
		return -1;
	}
	it = at->val->data.sequence.items.start;
	if ((n = (size_t)(at->val->data.sequence.items.top - it)) >
	    CW_MAX_TIERS) {
		config_kerr(ctx, at, "at most %d tiers (info, warning, "
		    "critical), not %zu", CW_MAX_TIERS, n);
		return -1;
	}
	memset(t, 0, sizeof t);
	for (i = 0; i < n; i++) {
		snprintf(name, sizeof name, "%s[%zu]", at->name, i);
		a.name = name;
		a.val = config_node(ctx, it[i]);
		if (a.val->type != YAML_MAPPING_NODE) {
			config_kerr(ctx, &a, "expected a map {after, "
			    "severity}, not %s", config_kind(a.val));
			rc = -1;
			continue;
		}
		snprintf(where, sizeof where, "%s%s%s", at->where,
		    at->where[0] != '\0' ? "." : "", name);
		config_map(ctx, a.val, k->sub, &t[i], where, &s);
		if (s.ok != (1u << k->sub->n) - 1)
			rc = -1;
	}
	if (rc == 0) {
		memcpy((char *)base + k->off, t, sizeof t);
		*(int *)(void *)((char *)base + k->off_n) = (int)n;
	}
	return rc;
}

/* A map of its own keys; null is an empty map. */
static int
config_set_section(struct config_ctx *ctx, const struct config_key *k,
    const struct config_at *at, void *base)
{
	struct config_seen s;
	int		 rc;

	memset(&s, 0, sizeof s);
	if ((rc = config_want_map(ctx, k, at)) == 1)
		config_map(ctx, at->val, k->sub, (char *)base + k->off,
		    at->name, &s);
	if (rc >= 0 && k->post != NULL)
		k->post(ctx, k, &s);
	return rc < 0 ? -1 : 0;
}

/* The checks of a feed that span its keys; remember it if it binds. */
static void
config_feed_post(struct config_ctx *ctx, const struct config_key *k,
    struct feedconf *f, const char *where, const struct config_seen *s)
{
	struct config_at at = { where, "format", NULL, NULL };
	const char	*why;
	char		 label[256], q[CONFIG_QUOTE];
	int		 i;

	at.val = config_seen_val(k->sub, s, "format");
	if (at.val != NULL && f->format == FORMAT_FREESWITCH)
		config_kerr(ctx, &at, "format freeswitch is not available in "
		    "this version (callwatch only)");
	at.name = "endpoint";
	at.val = config_seen_val(k->sub, s, "endpoint");
	i = config_key_find(k->sub, "socket", 6);
	if (f->endpoint == NULL || at.val == NULL ||
	    (s->val[i] != NULL && !(s->ok & (1u << i))))
		return;		/* endpoint or socket wrong already */
	if (f->socket == FEED_SUB &&
	    config_endpoint(f->endpoint, false, &why) == -1)
		config_kerr(ctx, &at, "'%s' is not valid for a sub feed, "
		    "which connects: %s", config_quote(f->endpoint, q,
		    sizeof q), why);
	else if (f->socket == FEED_PULL) {
		snprintf(label, sizeof label, "%s.endpoint", where);
		config_add_bind(ctx, &f->endpoint, label, at.val, false);
	}
}

/* One feed of the list; its name node goes to *namep. */
static void
config_feed(struct config_ctx *ctx, const struct config_key *k,
    const struct config_at *at, size_t i, yaml_node_t **namep)
{
	struct feedconf	*f = &ctx->cfg->feeds[i];
	struct config_seen s;
	struct config_at a = *at;
	char		 name[64];

	snprintf(name, sizeof name, "%s[%zu]", at->name, i);
	a.where = "";
	a.name = name;
	a.val = config_node(ctx, at->val->data.sequence.items.start[i]);
	*namep = NULL;
	if (a.val->type != YAML_MAPPING_NODE) {
		config_kerr(ctx, &a, "expected a map {name, endpoint, socket, "
		    "format}, not %s", config_kind(a.val));
		return;
	}
	config_defaults(k->sub, f);
	config_map(ctx, a.val, k->sub, f, name, &s);
	if (f->name != NULL)
		*namep = config_seen_val(k->sub, &s, "name");
	config_feed_post(ctx, k, f, name, &s);
}

/* Report feeds named twice, at the later name (NULL: no valid name). */
static void
config_feed_dups(struct config_ctx *ctx, yaml_node_t **names)
{
	const struct feedconf *f = ctx->cfg->feeds;
	size_t		 i, j;

	for (i = 0; i < ctx->cfg->nfeeds; i++) {
		for (j = 0; j < i && names[i] != NULL; j++) {
			if (names[j] == NULL || strcmp(f[i].name, f[j].name))
				continue;
			config_err(ctx, names[i], "feeds[%zu].name: feed '%s' "
			    "is already defined at line %zu", i, f[i].name,
			    names[j]->start_mark.line + 1);
			break;
		}
	}
}

/* The feeds: a list of at least one, with unique names. */
static int
config_set_feeds(struct config_ctx *ctx, const struct config_key *k,
    const struct config_at *at, void *base)
{
	struct config	*cfg = base;
	yaml_node_t	**names;
	const yaml_node_t *v = at->val;
	size_t		 i, n;

	if (config_isnull(v) || (v->type == YAML_SEQUENCE_NODE &&
	    v->data.sequence.items.top == v->data.sequence.items.start)) {
		config_err(ctx, at->key, "at least one feed is required");
		return -1;
	}
	if (v->type != YAML_SEQUENCE_NODE) {
		config_kerr(ctx, at, "expected a list of feeds (- name: ..., "
		    "endpoint: ...), not %s", config_kind(v));
		return -1;
	}
	n = (size_t)(v->data.sequence.items.top - v->data.sequence.items.start);
	if (n > CONFIG_MAX_FEEDS) {
		config_kerr(ctx, at, "at most %d feeds, not %zu",
		    CONFIG_MAX_FEEDS, n);
		return -1;
	}
	cfg->feeds = xcalloc(n, sizeof *cfg->feeds);
	names = xcalloc(n, sizeof *names);
	for (i = 0; i < n && !ctx->full; i++, cfg->nfeeds++)
		config_feed(ctx, k, at, i, &names[i]);
	config_feed_dups(ctx, names);
	free(names);
	return 0;
}

/* Resolve a queue: the defaults, overridden by the keys it sets. */
static void
config_merge(struct qconf *out, const struct qconf *def,
    const struct qconf *q);

/* Where a tier list lands: its absolute line at index i. */
static cw_time
config_tier_line(const struct tier *t, cw_time top)
{
	return t->mult > 0 ? (cw_time)llround(t->mult * (double)top) :
	    t->after;
}

/* Check that a resolved tier list rises: lines and (own) severities. */
static int
config_tiers_order(struct config_ctx *ctx, const struct config_at *at,
    const char *what, const struct tier *t, int n, cw_time top, bool own)
{
	char	 a[32], b[32];
	int	 i;

	for (i = 1; i < n; i++) {
		cw_time	 prev = config_tier_line(&t[i - 1], top);
		cw_time	 line = config_tier_line(&t[i], top);

		if (line <= prev) {
			config_kerr(ctx, at, "%s%s are out of order%s: tier %d "
			    "at %s is not after tier %d at %s", own ? "" :
			    "the inherited ", what, own ? "" :
			    " with this range", i + 1, config_fmt_dur(line, a,
			    sizeof a), i, config_fmt_dur(prev, b, sizeof b));
			return -1;
		}
		if (own && t[i].sev <= t[i - 1].sev) {
			config_kerr(ctx, at, "%s must escalate: tier %d is %s, "
			    "not above tier %d (%s)", what, i + 1,
			    sev_name(t[i].sev), i, sev_name(t[i - 1].sev));
			return -1;
		}
	}
	return 0;
}

/* Whether a tier list uses a multiple of normal. */
static bool
config_tiers_mult(const struct tier *t, int n)
{
	int	 i;

	for (i = 0; i < n; i++)
		if (t[i].mult > 0)
			return true;
	return false;
}

/*
 * Check the tier lists of a queue (or the defaults) as resolved: at the
 * list itself if the map sets it, else at its normal if only that moved
 * the lines.  Lists that already had errors are left alone; without a
 * valid normal only lists free of multiples are checked.  Return the
 * QC_* bits of the lists found wrong.
 */
static unsigned
config_qcheck(struct config_ctx *ctx, const struct config_table *t,
    const char *where, const struct qconf *r, const struct config_seen *s,
    unsigned inherited_bad)
{
	static const unsigned bits[] = { QC_TIERS, QC_WAIT_TIERS };
	static const char *const names[] = { "tiers", "wait_tiers" };
	const struct tier *tl[] = { r->tiers, r->wait_tiers };
	const int	 tn[] = { r->ntiers, r->nwait_tiers };
	struct config_at at = { where, NULL, NULL, NULL };
	size_t		 i;
	unsigned	 wrong = 0;
	bool		 own, nbad;

	nbad = (s->bad & QC_NORMAL) || (!(s->set & QC_NORMAL) &&
	    (inherited_bad & QC_NORMAL));
	for (i = 0; i < nitems(bits); i++) {
		own = (s->set & bits[i]) != 0;
		if ((s->bad & bits[i]) || (!own && (nbad ||
		    !(s->set & QC_NORMAL) || (inherited_bad & bits[i]))) ||
		    (nbad && config_tiers_mult(tl[i], tn[i])))
			continue;
		at.name = own ? names[i] : "normal";
		at.val = config_seen_val(t, s, at.name);
		if (config_tiers_order(ctx, &at, names[i], tl[i], tn[i],
		    r->normal[1], own) == -1)
			wrong |= bits[i];
	}
	return wrong;
}

/* After the defaults section: remember its errors, check its tiers. */
static void
config_defaults_post(struct config_ctx *ctx, const struct config_key *k,
    const struct config_seen *s)
{
	ctx->dbad = s->bad;
	ctx->dbad |= config_qcheck(ctx, k->sub, k->name, &ctx->cfg->defaults,
	    s, 0);
}

/* One queue of the queues map; false if its name is not even a string. */
static bool
config_queue(struct config_ctx *ctx, const struct config_key *k,
    yaml_node_t *kn, yaml_node_t *vn, struct qconf *q)
{
	struct config_seen s;
	struct qconf	 r;
	struct config_at at = { "queues", NULL, kn, vn };
	char		 qn[CONFIG_QUOTE], where[CONFIG_QUOTE + 16];

	if (kn->type != YAML_SCALAR_NODE) {
		config_err(ctx, kn, "queues: a queue name must be a single "
		    "value, not %s", config_kind(kn));
		return false;
	}
	q->name = xstrdup((const char *)kn->data.scalar.value);
	config_quote(q->name, qn, sizeof qn);
	if (!name_valid(q->name, kn->data.scalar.length))
		config_err(ctx, kn, "queues: '%s' is not a valid queue name "
		    "(1 to %d characters, no '/' or control characters)", qn,
		    CW_MAX_NAME);
	at.name = qn;
	if (config_isnull(vn))
		return true;
	if (vn->type != YAML_MAPPING_NODE) {
		config_kerr(ctx, &at, "expected a map of keys from defaults, "
		    "not %s", config_kind(vn));
		return true;
	}
	snprintf(where, sizeof where, "queues.%s", qn);
	config_map(ctx, vn, k->sub, q, where, &s);
	q->set = s.set;
	config_merge(&r, &ctx->cfg->defaults, q);
	(void)config_qcheck(ctx, k->sub, where, &r, &s, ctx->dbad);
	return true;
}

/* A queue name and where it is, to find names given twice. */
struct config_qname {
	const char	*name;
	yaml_node_t	*key;		/* the name's node */
};

/* Order queue names by name, then by place in the file. */
static int
config_qname_cmp(const void *a, const void *b)
{
	const struct config_qname *x = a, *y = b;
	int		 c = strcmp(x->name, y->name);

	if (c != 0)
		return c;
	return (x->key->start_mark.index > y->key->start_mark.index) -
	    (x->key->start_mark.index < y->key->start_mark.index);
}

/* Report queues defined twice, at the later one (sorting, not n^2). */
static void
config_queue_dups(struct config_ctx *ctx, yaml_node_t **keys)
{
	struct config_qname *v;
	size_t		 i, n = ctx->cfg->nqueues;
	char		 q[CONFIG_QUOTE];

	v = xcalloc(n, sizeof *v);
	for (i = 0; i < n; i++) {
		v[i].name = ctx->cfg->queues[i].name;
		v[i].key = keys[i];
	}
	if (n > 1)
		qsort(v, n, sizeof *v, config_qname_cmp);
	for (i = 1; i < n; i++)
		if (strcmp(v[i].name, v[i - 1].name) == 0)
			config_err(ctx, v[i].key, "queues: queue '%s' is "
			    "already defined at line %zu", config_quote(
			    v[i].name, q, sizeof q),
			    v[i - 1].key->start_mark.line + 1);
	free(v);
}

/* The queues: a map of queue name to overrides of the defaults. */
static int
config_set_queues(struct config_ctx *ctx, const struct config_key *k,
    const struct config_at *at, void *base)
{
	struct config	*cfg = base;
	yaml_node_pair_t *p, *start = at->val->data.mapping.pairs.start;
	yaml_node_t	**keys;
	size_t		 n;
	int		 rc;

	if ((rc = config_want_map(ctx, k, at)) != 1)
		return rc;
	n = (size_t)(at->val->data.mapping.pairs.top - start);
	cfg->queues = xcalloc(n, sizeof *cfg->queues);
	keys = xcalloc(n, sizeof *keys);
	for (p = start; p < start + n && !ctx->full; p++) {
		keys[cfg->nqueues] = config_node(ctx, p->key);
		if (config_queue(ctx, k, keys[cfg->nqueues],
		    config_node(ctx, p->value), &cfg->queues[cfg->nqueues]))
			cfg->nqueues++;
	}
	config_queue_dups(ctx, keys);
	free(keys);
	return 0;
}

/* The types: how each is shown, described, merged and set. */
static const struct config_type_ops config_types[CT_NTYPES] = {
	[CT_STRING] = { "string", "a string", 0, config_set_string },
	[CT_NAME] = { "name", "a name", 0, config_set_name },
	[CT_ENUM] = { "", "", sizeof(int), config_set_enum },
	[CT_DURATION] = { "duration", "a duration (like 500ms, 90s, 4m, 1h "
	    "or 7d)", sizeof(cw_time), config_set_duration },
	[CT_INT] = { "integer", "a whole number", sizeof(int),
	    config_set_int },
	[CT_BOOL] = { "bool", "true or false", sizeof(bool),
	    config_set_bool },
	[CT_ENDPOINT] = { "endpoint", "an endpoint (tcp://HOST:PORT or "
	    "ipc://PATH)", 0, config_set_endpoint },
	[CT_LISTEN] = { "host:port", "HOST:PORT, or \"\" for off", 0,
	    config_set_listen },
	[CT_RANGE] = { "[lo, hi]", "a list of two durations, like [3m, 4m]",
	    2 * sizeof(cw_time), config_set_range },
	[CT_TIERS] = { "tiers", "a list of {after, severity} maps, or [] for "
	    "none", CW_MAX_TIERS * sizeof(struct tier), config_set_tiers },
	[CT_AFTER] = { "after", "a duration or a multiple like 2x", 0,
	    config_set_after },
	[CT_SECTION] = { "map", "a map", 0, config_set_section },
	[CT_FEEDS] = { "list", "a list of feeds", 0, config_set_feeds },
	[CT_QUEUES] = { "map", "a map of queue names to overrides", 0,
	    config_set_queues },
};

/* Set one key from its node. */
static int
config_set(struct config_ctx *ctx, const struct config_key *k,
    const struct config_at *at, void *base)
{
	return config_types[k->type].set(ctx, k, at, base);
}

/* What a key's value must be, for "expected ..." messages. */
static const char *
config_expect(const struct config_key *k, char *buf, size_t size)
{
	if (k->type == CT_ENUM)
		return config_join(k->names, NULL, buf, size);
	snprintf(buf, size, "%s", config_types[k->type].expect);
	return buf;
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
		    where, config_kind(kn));
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
static void
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
		if (config_set(ctx, k, &at, base) == 0)
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
	  .def = "callwatch", .help = "event format (only callwatch in this "
	  "version)" },
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
};

static const struct config_table config_qconf_table = {
	config_qconf_keys, nitems(config_qconf_keys)
};

#define CONFIG_TABLE(k)	(&(const struct config_table){ k, nitems(k) })

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
	  .sub = &config_qconf_table, .post = config_defaults_post },
	{ .name = "queues", .type = CT_QUEUES, .sub = &config_qconf_table,
	  .help = "per-queue overrides: NAME: {any keys of defaults}" },
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
	if (config_set(&ctx, k, &at, base) == -1 || ctx.nerrs > 0)
		fatalx("config: bad built-in default: %s", ctx.nerrs > 0 ?
		    ctx.errs[0].msg : k->name);
	for (i = 0; i < ctx.nbinds; i++)
		free(ctx.binds[i].label);
	free(ctx.binds);
	yaml_document_delete(&doc);
	yaml_parser_delete(&p);
}

/* Set every key of a table (and of its sections) to its default. */
static void
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
	size_t	 i;

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
	free(cfg);
}

/* The defaults, overridden by the keys q sets (table-driven). */
static void
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
		    config_types[k->type].size);
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

/* Whether two bind endpoints clash; *same says they are equal. */
static bool
config_clash(const char *a, const char *b, bool *same)
{
	char		 ha[256], hb[256];
	unsigned	 pa, pb;
	const char	*why;

	*same = strcmp(a, b) == 0;
	if (*same)
		return true;
	if (strncmp(a, "tcp://", 6) != 0 || strncmp(b, "tcp://", 6) != 0 ||
	    config_hostport(a + 6, true, &why, ha, sizeof ha, &pa) == -1 ||
	    config_hostport(b + 6, true, &why, hb, sizeof hb, &pb) == -1 ||
	    pa != pb)
		return false;
	return strcasecmp(ha, hb) == 0 || strcmp(ha, "*") == 0 ||
	    strcmp(hb, "*") == 0 || strcmp(ha, "0.0.0.0") == 0 ||
	    strcmp(hb, "0.0.0.0") == 0;
}

/* Whether bind b was written after a (a default comes first). */
static bool
config_later(const struct config_bind *a, const struct config_bind *b)
{
	if (a->node == NULL || b->node == NULL)
		return b->node != NULL;
	return b->node->start_mark.index >= a->node->start_mark.index;
}

/* Report bind endpoints used twice (or on one port), at the later one. */
static void
config_binds(struct config_ctx *ctx)
{
	struct config	*cfg = ctx->cfg;
	struct config_bind *x, *y;
	size_t		 i, j, n;
	bool		 pub = false, ctl = false, same;
	char		 where[64];

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
			if (x->bad || y->bad ||
			    !config_clash(*x->ep, *y->ep, &same))
				continue;
			if (config_later(x, y)) {
				x = y;
				y = &ctx->binds[i];
			}
			if (y->node != NULL)
				snprintf(where, sizeof where, "line %zu",
				    y->node->start_mark.line + 1);
			else
				snprintf(where, sizeof where, "its default");
			if (same)
				config_err(ctx, x->node, "%s: endpoint %s is "
				    "already used by %s (%s)", x->label,
				    *x->ep, y->label, where);
			else
				config_err(ctx, x->node, "%s: endpoint %s is "
				    "on the same port as %s %s (%s)", x->label,
				    *x->ep, y->label, *y->ep, where);
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

	if (config_isnull(root)) {
		config_err(ctx, NULL, "at least one feed is required");
		return;
	}
	if (root->type != YAML_MAPPING_NODE) {
		config_err(ctx, root, "the top level must be a map of sections "
		    "(%s), not %s", config_keylist(&config_root_table, list,
		    sizeof list), config_kind(root));
		return;
	}
	config_map(ctx, root, &config_root_table, ctx->cfg, "", &s);
	if (config_seen_val(&config_root_table, &s, "feeds") == NULL &&
	    !ctx->full)
		config_err(ctx, NULL, "at least one feed is required");
	config_binds(ctx);
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
		config_push(ctx, 0, 0, msg);
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
			    "%d KiB", CONFIG_MAX_SIZE / 1024);
		config_push(ctx, 0, 0, msg);
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
	struct config_ctx ctx;
	struct config	*cfg;
	char		*buf = NULL;
	size_t		 len = 0;

	memset(&ctx, 0, sizeof ctx);
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

/* What a key takes, for --help-config: "duration 100ms..1h". */
static const char *
config_type_label(const struct config_key *k, char *buf, size_t size)
{
	char	 lo[32], hi[32];

	if (k->type == CT_ENUM)
		return config_join(k->names, "|", buf, size);
	if (k->type == CT_DURATION)
		snprintf(buf, size, "duration %s..%s%s", config_fmt_dur(k->min,
		    lo, sizeof lo), config_fmt_dur(k->max, hi, sizeof hi),
		    (k->flags & CK_ZERO_OK) ? " or 0" : "");
	else if (k->type == CT_INT)
		snprintf(buf, size, "integer %lld..%lld", (long long)k->min,
		    (long long)k->max);
	else
		snprintf(buf, size, "%s", config_types[k->type].label);
	return buf;
}

/* One line of --help-config. */
static void
config_print_key(FILE *fp, const char *prefix, const struct config_key *k)
{
	char	 path[128], type[128];

	snprintf(path, sizeof path, "%s%s", prefix, k->name);
	fprintf(fp, "%-27s %-24s %s (default: %s)\n", path,
	    config_type_label(k, type, sizeof type), k->help,
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
		for (j = 0; j < k->sub->n; j++)
			config_print_key(fp, prefix, &k->sub->keys[j]);
	}
}
