/*
 * The values of the config: for each type of key (strings, names, enums,
 * durations, numbers, bools, endpoints, ranges, tiers, sections, the feeds
 * and the queues), what a value may be, the error that says why not, and
 * how it is stored in the struct being filled.  config.c walks the maps
 * and calls cfgval_set() on each value it finds.
 */
#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "cfgint.h"

#define CFGVAL_MAX_MULT		100.0	/* largest tier multiple */
#define CFGVAL_MAX_FEEDS	256	/* feeds are compared pairwise */

/* Set a key of the struct at base from a node; -1 after an error. */
typedef int	(*cfgval_set_fn)(struct config_ctx *, const struct config_key *,
		    const struct config_at *, void *);

/* How each type is shown, described, merged and set. */
struct cfgval_type {
	const char	*label;		/* for --help-config */
	const char	*expect;	/* "expected ..." in messages */
	size_t		 size;		/* bytes of a qconf field, to merge */
	cfgval_set_fn	 set;		/* read and check a value */
};

/* A duration the short way people write it: "0", "100ms", "4m", "30d". */
static const char *
cfgval_fmt_dur(cw_time v, char *buf, size_t size)
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

/* Whether a node is YAML's null: empty, "~" or "null", unquoted. */
bool
cfgval_isnull(const yaml_node_t *n)
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
const char *
cfgval_kind(const yaml_node_t *n)
{
	if (n->type == YAML_MAPPING_NODE)
		return "a map";
	if (n->type == YAML_SEQUENCE_NODE)
		return "a list";
	return "a single value";
}

/* Join a NULL-terminated list of names: "a, b or c", or with sep. */
const char *
cfgval_join(const char *const *names, const char *sep, char *buf,
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
cfgval_expect(const struct config_key *k, char *buf, size_t size);

/* The text of a scalar value, or NULL after saying what was expected. */
static const char *
cfgval_scalar(struct config_ctx *ctx, const struct config_key *k,
    const struct config_at *at)
{
	const yaml_node_t *n = at->val;
	char		 exp[256];

	cfgval_expect(k, exp, sizeof exp);
	if (cfgval_isnull(n)) {
		config_kerr(ctx, at, "missing value, expected %s", exp);
		return NULL;
	}
	if (n->type != YAML_SCALAR_NODE) {
		config_kerr(ctx, at, "expected %s, not %s", exp,
		    cfgval_kind(n));
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
cfgval_want_map(struct config_ctx *ctx, const struct config_key *k,
    const struct config_at *at)
{
	char	 exp[256];

	if (at->val->type == YAML_MAPPING_NODE)
		return 1;
	if (cfgval_isnull(at->val))
		return 0;
	config_kerr(ctx, at, "expected %s, not %s", cfgval_expect(k, exp,
	    sizeof exp), cfgval_kind(at->val));
	return -1;
}

/* Check a value against the key's bounds; 0 is fine with CK_ZERO_OK. */
static int
cfgval_bounds(struct config_ctx *ctx, const struct config_key *k,
    const struct config_at *at, const char *text, int64_t v)
{
	char	 q[CONFIG_QUOTE], b[32];
	bool	 below = v < k->min;

	if ((v == 0 && (k->flags & CK_ZERO_OK)) || (!below && v <= k->max))
		return 0;
	if (k->type == CT_DURATION)
		cfgval_fmt_dur(below ? k->min : k->max, b, sizeof b);
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
cfgval_set_string(struct config_ctx *ctx, const struct config_key *k,
    const struct config_at *at, void *base)
{
	char		**field = (char **)(void *)((char *)base + k->off);
	const char	*s;

	if ((s = cfgval_scalar(ctx, k, at)) == NULL)
		return -1;
	free(*field);
	*field = xstrdup(s);
	return 0;
}

/* A name: a string that may name a feed or a queue. */
static int
cfgval_set_name(struct config_ctx *ctx, const struct config_key *k,
    const struct config_at *at, void *base)
{
	const char	*s;
	char		 q[CONFIG_QUOTE];

	if ((s = cfgval_scalar(ctx, k, at)) == NULL)
		return -1;
	if (!name_valid(s, strlen(s))) {
		config_kerr(ctx, at, "'%s' is not a valid name (1 to %d "
		    "characters, no '/' or control characters)",
		    config_quote(s, q, sizeof q), CW_MAX_NAME);
		return -1;
	}
	return cfgval_set_string(ctx, k, at, base);
}

/* One of a few names, case-insensitively, stored as an int or enum. */
static int
cfgval_set_enum(struct config_ctx *ctx, const struct config_key *k,
    const struct config_at *at, void *base)
{
	const char	*s;
	char		 low[32], q[CONFIG_QUOTE], exp[256];
	size_t		 i;
	int		 v = -1;
	bool		 fits;

	if ((s = cfgval_scalar(ctx, k, at)) == NULL)
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
		    config_quote(s, q, sizeof q), cfgval_expect(k, exp,
		    sizeof exp));
		return -1;
	}
	*(int *)(void *)((char *)base + k->off) = v;
	return 0;
}

/* A duration within bounds. */
static int
cfgval_set_duration(struct config_ctx *ctx, const struct config_key *k,
    const struct config_at *at, void *base)
{
	const char	*s, *why;
	char		 q[CONFIG_QUOTE];
	cw_time		 v;

	if ((s = cfgval_scalar(ctx, k, at)) == NULL)
		return -1;
	if (dur_parse(s, &v, &why) == -1) {
		config_kerr(ctx, at, "'%s' is not a duration: %s",
		    config_quote(s, q, sizeof q), why);
		return -1;
	}
	if (cfgval_bounds(ctx, k, at, s, v) == -1)
		return -1;
	*(cw_time *)(void *)((char *)base + k->off) = v;
	return 0;
}

/* A whole number within bounds. */
static int
cfgval_set_int(struct config_ctx *ctx, const struct config_key *k,
    const struct config_at *at, void *base)
{
	const char	*s;
	char		*end, q[CONFIG_QUOTE];
	long long	 v;

	if ((s = cfgval_scalar(ctx, k, at)) == NULL)
		return -1;
	errno = 0;
	v = strtoll(s, &end, 10);
	if (end == s || *end != '\0' || isspace((unsigned char)*s) ||
	    errno != 0) {
		config_kerr(ctx, at, "'%s' is not a whole number",
		    config_quote(s, q, sizeof q));
		return -1;
	}
	if (cfgval_bounds(ctx, k, at, s, v) == -1)
		return -1;
	*(int *)(void *)((char *)base + k->off) = (int)v;
	return 0;
}

/* A sentiment score: a number from -1 to 1. */
static int
cfgval_set_score(struct config_ctx *ctx, const struct config_key *k,
    const struct config_at *at, void *base)
{
	const char	*s;
	char		*end, q[CONFIG_QUOTE];
	double		 v;

	if ((s = cfgval_scalar(ctx, k, at)) == NULL)
		return -1;
	errno = 0;
	v = strtod(s, &end);
	if (end == s || *end != '\0' || isspace((unsigned char)*s) ||
	    errno != 0 || !(v >= -1.0 && v <= 1.0)) {
		config_kerr(ctx, at, "'%s' is not a score from -1 to 1",
		    config_quote(s, q, sizeof q));
		return -1;
	}
	*(double *)(void *)((char *)base + k->off) = v;
	return 0;
}

/* true/false, yes/no, on/off, in any case. */
static int
cfgval_set_bool(struct config_ctx *ctx, const struct config_key *k,
    const struct config_at *at, void *base)
{
	static const char *const yes[] = { "true", "yes", "on" };
	static const char *const no[] = { "false", "no", "off" };
	const char	*s;
	char		 q[CONFIG_QUOTE];
	size_t		 i;

	if ((s = cfgval_scalar(ctx, k, at)) == NULL)
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

/* An endpoint; one the daemon binds is remembered. */
static int
cfgval_set_endpoint(struct config_ctx *ctx, const struct config_key *k,
    const struct config_at *at, void *base)
{
	const char	*s, *why = NULL;
	char		 q[CONFIG_QUOTE], label[256];
	int		 rc = -1;

	if ((s = cfgval_scalar(ctx, k, at)) != NULL &&
	    (rc = endpoint_check(s, true, &why)) == 0)
		cfgval_set_string(ctx, k, at, base);
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
cfgval_set_listen(struct config_ctx *ctx, const struct config_key *k,
    const struct config_at *at, void *base)
{
	const char	*s, *why;
	char		 q[CONFIG_QUOTE];

	if ((s = cfgval_scalar(ctx, k, at)) == NULL)
		return -1;
	if (*s != '\0' && endpoint_hostport(s, &why) == -1) {
		config_kerr(ctx, at, "'%s' is not HOST:PORT (or \"\" for off):"
		    " %s", config_quote(s, q, sizeof q), why);
		return -1;
	}
	ctx->listen = at->val;
	return cfgval_set_string(ctx, k, at, base);
}

/* One end of a range: a duration above zero. */
static int
cfgval_range_end(struct config_ctx *ctx, const struct config_key *k,
    const struct config_at *at, cw_time *out)
{
	const char	*s, *why;
	char		 q[CONFIG_QUOTE];

	if ((s = cfgval_scalar(ctx, k, at)) == NULL)
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
cfgval_set_range(struct config_ctx *ctx, const struct config_key *k,
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
		if (cfgval_range_end(ctx, k, &a, &v[i]) == -1)
			return -1;
	}
	if (v[0] > v[1]) {
		config_kerr(ctx, at, "reversed range: %s is above %s (write "
		    "[low, high])", cfgval_fmt_dur(v[0], lo, sizeof lo),
		    cfgval_fmt_dur(v[1], hi, sizeof hi));
		return -1;
	}
	field[0] = v[0];
	field[1] = v[1];
	return 0;
}

/* A tier's line: a duration above zero, or a multiple like 1.5x. */
static int
cfgval_set_after(struct config_ctx *ctx, const struct config_key *k,
    const struct config_at *at, void *base)
{
	struct tier	*t = (struct tier *)(void *)((char *)base + k->off);
	const char	*s, *why;
	char		*end, q[CONFIG_QUOTE];
	size_t		 len;
	double		 m;

	if ((s = cfgval_scalar(ctx, k, at)) == NULL)
		return -1;
	len = strlen(s);
	if (len > 1 && (s[len - 1] == 'x' || s[len - 1] == 'X') &&
	    strspn(s, "0123456789.") == len - 1) {
		m = strtod(s, &end);
		if (end != s + len - 1 || !isfinite(m) || m <= 0 ||
		    m > CFGVAL_MAX_MULT) {
			config_kerr(ctx, at, "'%s' is not a multiple above 0x "
			    "and at most %gx", config_quote(s, q, sizeof q),
			    CFGVAL_MAX_MULT);
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
cfgval_set_tiers(struct config_ctx *ctx, const struct config_key *k,
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
		config_kerr(ctx, at, "%s %s, not %s", cfgval_isnull(at->val) ?
		    "missing value, expected" : "expected", cfgval_expect(k,
		    exp, sizeof exp), cfgval_kind(at->val));
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
			    "severity}, not %s", cfgval_kind(a.val));
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
cfgval_set_section(struct config_ctx *ctx, const struct config_key *k,
    const struct config_at *at, void *base)
{
	struct config_seen s;
	int		 rc;

	memset(&s, 0, sizeof s);
	if ((rc = cfgval_want_map(ctx, k, at)) == 1)
		config_map(ctx, at->val, k->sub, (char *)base + k->off,
		    at->name, &s);
	if (rc >= 0 && k->post != NULL)
		k->post(ctx, k, &s);
	return rc < 0 ? -1 : 0;
}

/* The checks of a feed that span its keys; remember it if it binds. */
static void
cfgval_feed_post(struct config_ctx *ctx, const struct config_key *k,
    struct feedconf *f, const char *where, const struct config_seen *s)
{
	struct config_at at = { where, "format", NULL, NULL };
	const char	*why;
	char		 label[256], q[CONFIG_QUOTE];
	int		 i;

	at.name = "endpoint";
	at.val = config_seen_val(k->sub, s, "endpoint");
	i = config_key_find(k->sub, "socket", 6);
	if (f->endpoint == NULL || at.val == NULL ||
	    (s->val[i] != NULL && !(s->ok & (1u << i))))
		return;		/* endpoint or socket wrong already */
	if (f->socket == FEED_SUB &&
	    endpoint_check(f->endpoint, false, &why) == -1)
		config_kerr(ctx, &at, "'%s' is not valid for a sub feed, "
		    "which connects: %s", config_quote(f->endpoint, q,
		    sizeof q), why);
	else if (f->socket == FEED_PULL) {
		snprintf(label, sizeof label, "%s.endpoint", where);
		config_add_bind(ctx, &f->endpoint, label, at.val, false);
	} else {
		ctx->conns = xreallocarray(ctx->conns, ctx->nconns + 1,
		    sizeof *ctx->conns);
		ctx->conns[ctx->nconns].ep = &f->endpoint;
		ctx->conns[ctx->nconns].node = at.val;
		ctx->conns[ctx->nconns].label = NULL;
		ctx->conns[ctx->nconns++].bad = false;
	}
}

/* One feed of the list; its name node goes to *namep. */
static void
cfgval_feed(struct config_ctx *ctx, const struct config_key *k,
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
		    "format}, not %s", cfgval_kind(a.val));
		return;
	}
	config_defaults(k->sub, f);
	config_map(ctx, a.val, k->sub, f, name, &s);
	if (f->name != NULL)
		*namep = config_seen_val(k->sub, &s, "name");
	cfgval_feed_post(ctx, k, f, name, &s);
}

/* Report feeds named twice, at the later name (NULL: no valid name). */
static void
cfgval_feed_dups(struct config_ctx *ctx, yaml_node_t **names)
{
	const struct feedconf *f = ctx->cfg->feeds;
	size_t		 i, j;

	for (i = 0; i < ctx->cfg->nfeeds; i++) {
		for (j = 0; j < i && names[i] != NULL; j++) {
			if (names[j] == NULL ||
			    strcmp(f[i].name, f[j].name) != 0)
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
cfgval_set_feeds(struct config_ctx *ctx, const struct config_key *k,
    const struct config_at *at, void *base)
{
	struct config	*cfg = base;
	yaml_node_t	**names;
	const yaml_node_t *v = at->val;
	size_t		 i, n;

	if (cfgval_isnull(v) || (v->type == YAML_SEQUENCE_NODE &&
	    v->data.sequence.items.top == v->data.sequence.items.start)) {
		config_err(ctx, at->key, "at least one feed is required");
		return -1;
	}
	if (v->type != YAML_SEQUENCE_NODE) {
		config_kerr(ctx, at, "expected a list of feeds (- name: ..., "
		    "endpoint: ...), not %s", cfgval_kind(v));
		return -1;
	}
	n = (size_t)(v->data.sequence.items.top - v->data.sequence.items.start);
	if (n > CFGVAL_MAX_FEEDS) {
		config_kerr(ctx, at, "at most %d feeds, not %zu",
		    CFGVAL_MAX_FEEDS, n);
		return -1;
	}
	cfg->feeds = xcalloc(n, sizeof *cfg->feeds);
	names = xcalloc(n, sizeof(yaml_node_t *));
	for (i = 0; i < n && !ctx->full; i++, cfg->nfeeds++)
		cfgval_feed(ctx, k, at, i, &names[i]);
	cfgval_feed_dups(ctx, names);
	free(names);
	return 0;
}

/* Where a tier list lands: its absolute line at index i. */
static cw_time
cfgval_tier_line(const struct tier *t, cw_time top)
{
	return t->mult > 0 ? (cw_time)llround(t->mult * (double)top) :
	    t->after;
}

/* Check that a resolved tier list rises: lines and (own) severities. */
static int
cfgval_tiers_order(struct config_ctx *ctx, const struct config_at *at,
    const char *what, const struct tier *t, int n, cw_time top, bool own)
{
	char	 a[32], b[32];
	int	 i;

	for (i = 1; i < n; i++) {
		cw_time	 prev = cfgval_tier_line(&t[i - 1], top);
		cw_time	 line = cfgval_tier_line(&t[i], top);

		if (line <= prev) {
			config_kerr(ctx, at, "%s%s are out of order%s: tier %d "
			    "at %s is not after tier %d at %s", own ? "" :
			    "the inherited ", what, own ? "" :
			    " with this range", i + 1, cfgval_fmt_dur(line, a,
			    sizeof a), i, cfgval_fmt_dur(prev, b, sizeof b));
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
cfgval_tiers_mult(const struct tier *t, int n)
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
cfgval_qcheck(struct config_ctx *ctx, const struct config_table *t,
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
		    (nbad && cfgval_tiers_mult(tl[i], tn[i])))
			continue;
		at.name = own ? names[i] : "normal";
		at.val = config_seen_val(t, s, at.name);
		if (cfgval_tiers_order(ctx, &at, names[i], tl[i], tn[i],
		    r->normal[1], own) == -1)
			wrong |= bits[i];
	}
	return wrong;
}

/* After the defaults section: remember its errors, check its tiers. */
void
cfgval_defaults_post(struct config_ctx *ctx, const struct config_key *k,
    const struct config_seen *s)
{
	ctx->dbad = s->bad;
	ctx->dbad |= cfgval_qcheck(ctx, k->sub, k->name, &ctx->cfg->defaults,
	    s, 0);
}

/* One queue of the queues map; false if its name is not even a string. */
static bool
cfgval_queue(struct config_ctx *ctx, const struct config_key *k,
    yaml_node_t *kn, yaml_node_t *vn, struct qconf *q)
{
	struct config_seen s;
	struct qconf	 r;
	struct config_at at = { "queues", NULL, kn, vn };
	char		 qn[CONFIG_QUOTE], where[CONFIG_QUOTE + 16];

	if (kn->type != YAML_SCALAR_NODE) {
		config_err(ctx, kn, "queues: a queue name must be a single "
		    "value, not %s", cfgval_kind(kn));
		return false;
	}
	q->name = xstrdup((const char *)kn->data.scalar.value);
	config_quote(q->name, qn, sizeof qn);
	if (!name_valid(q->name, kn->data.scalar.length))
		config_err(ctx, kn, "queues: '%s' is not a valid queue name "
		    "(1 to %d characters, no '/' or control characters)", qn,
		    CW_MAX_NAME);
	at.name = qn;
	if (cfgval_isnull(vn))
		return true;
	if (vn->type != YAML_MAPPING_NODE) {
		config_kerr(ctx, &at, "expected a map of keys from defaults, "
		    "not %s", cfgval_kind(vn));
		return true;
	}
	snprintf(where, sizeof where, "queues.%s", qn);
	config_map(ctx, vn, k->sub, q, where, &s);
	q->set = s.set;
	config_merge(&r, &ctx->cfg->defaults, q);
	(void)cfgval_qcheck(ctx, k->sub, where, &r, &s, ctx->dbad);
	return true;
}

/* A queue name and where it is, to find names given twice. */
struct cfgval_qname {
	const char	*name;		/* the queue's name */
	yaml_node_t	*key;		/* the name's node */
};

/* Order queue names by name, then by place in the file. */
static int
cfgval_qname_cmp(const void *a, const void *b)
{
	const struct cfgval_qname *x = a, *y = b;
	int		 c = strcmp(x->name, y->name);

	if (c != 0)
		return c;
	return (x->key->start_mark.index > y->key->start_mark.index) -
	    (x->key->start_mark.index < y->key->start_mark.index);
}

/* Report queues defined twice, at the later one (sorting, not n^2). */
static void
cfgval_queue_dups(struct config_ctx *ctx, yaml_node_t **keys)
{
	struct cfgval_qname *v;
	size_t		 i, n = ctx->cfg->nqueues;
	char		 q[CONFIG_QUOTE];

	v = xcalloc(n, sizeof *v);
	for (i = 0; i < n; i++) {
		v[i].name = ctx->cfg->queues[i].name;
		v[i].key = keys[i];
	}
	if (n > 1)
		qsort(v, n, sizeof *v, cfgval_qname_cmp);
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
cfgval_set_queues(struct config_ctx *ctx, const struct config_key *k,
    const struct config_at *at, void *base)
{
	struct config	*cfg = base;
	yaml_node_pair_t *p, *start = at->val->data.mapping.pairs.start;
	yaml_node_t	**keys;
	size_t		 n;
	int		 rc;

	if ((rc = cfgval_want_map(ctx, k, at)) != 1)
		return rc;
	n = (size_t)(at->val->data.mapping.pairs.top - start);
	cfg->queues = xcalloc(n, sizeof *cfg->queues);
	keys = xcalloc(n, sizeof(yaml_node_t *));
	for (p = start; p < start + n && !ctx->full; p++) {
		keys[cfg->nqueues] = config_node(ctx, p->key);
		if (cfgval_queue(ctx, k, keys[cfg->nqueues],
		    config_node(ctx, p->value), &cfg->queues[cfg->nqueues]))
			cfg->nqueues++;
	}
	cfgval_queue_dups(ctx, keys);
	free(keys);
	return 0;
}

/* A CURVE public key: 40 characters of Z85. */
static int
cfgval_set_curvekey(struct config_ctx *ctx, const struct config_key *k,
    const struct config_at *at, void *base)
{
	const char	*s;
	char		 q[CONFIG_QUOTE];

	if ((s = cfgval_scalar(ctx, k, at)) == NULL)
		return -1;
	if (!keyfile_valid(s)) {
		config_kerr(ctx, at, "'%s' is not a CURVE public key (40 "
		    "characters of Z85, as `callwatch keygen` writes)",
		    config_quote(s, q, sizeof q));
		return -1;
	}
	return cfgval_set_string(ctx, k, at, base);
}

/* A list of names (strings, each once), like [billing, sales]. */
static int
cfgval_set_names(struct config_ctx *ctx, const struct config_key *k,
    const struct config_at *at, void *base)
{
	char		***field = (char ***)(void *)((char *)base + k->off);
	size_t		*np = (size_t *)(void *)((char *)base + k->off_n);
	const yaml_node_item_t *it;
	struct config_at a = *at;
	char		 name[64], *one = NULL;
	size_t		 i, j, n;

	if (at->val->type != YAML_SEQUENCE_NODE) {
		config_kerr(ctx, at, "expected a list of names, like [billing, "
		    "sales], not %s", cfgval_kind(at->val));
		return -1;
	}
	it = at->val->data.sequence.items.start;
	n = (size_t)(at->val->data.sequence.items.top - it);
	*field = xcalloc(n + 1, sizeof(char *));
	*np = 0;
	for (i = 0; i < n; i++) {
		snprintf(name, sizeof name, "%s[%zu]", at->name, i);
		a.name = name;
		a.val = config_node(ctx, it[i]);
		one = NULL;
		if (cfgval_set_name(ctx, &(struct config_key){ .name = name,
		    .type = CT_NAME }, &a, &one) == -1)
			return -1;
		for (j = 0; j < *np; j++)
			if (strcmp((*field)[j], one) == 0) {
				config_kerr(ctx, &a, "'%s' is listed twice",
				    one);
				free(one);
				return -1;
			}
		(*field)[(*np)++] = one;
	}
	return 0;
}

/* Report clients named twice or with one key twice, at the later one. */
static void
cfgval_client_dups(struct config_ctx *ctx, const struct clientconf *c,
    size_t n, yaml_node_t **nodes, const char *list)
{
	size_t		 i, j;

	for (i = 0; i < n; i++)
		for (j = 0; j < i; j++) {
			if (c[i].name == NULL || c[j].name == NULL)
				continue;
			if (strcmp(c[i].name, c[j].name) == 0)
				config_err(ctx, nodes[i],
				    "security.%s[%zu]: '%s' is "
				    "already defined at line %zu", list, i,
				    c[i].name,
				    nodes[j]->start_mark.line + 1);
			else if (c[i].key != NULL && c[j].key != NULL &&
			    strcmp(c[i].key, c[j].key) == 0)
				config_err(ctx, nodes[i],
				    "security.%s[%zu]: '%s' has "
				    "the key of '%s' (line %zu): one key, one "
				    "client", list, i, c[i].name, c[j].name,
				    nodes[j]->start_mark.line + 1);
			else
				continue;
			break;
		}
}

/*
 * An allow-list: security.clients, a list of {name, key, role, queues},
 * or security.tokens, of {name, token_file, role, queues} (k->off and
 * k->off_n say which list of the config).
 */
static int
cfgval_set_clients(struct config_ctx *ctx, const struct config_key *k,
    const struct config_at *at, void *base)
{
	struct clientconf **list = (struct clientconf **)(void *)
			    ((char *)ctx->cfg + k->off);
	size_t		*np = (size_t *)(void *)((char *)ctx->cfg + k->off_n);
	bool		 tokens = k->off == offsetof(struct config, tokens);
	yaml_node_t	***nodes = tokens ? &ctx->token_nodes :
			    &ctx->client_nodes;
	struct config_seen s;
	struct config_at a = *at;
	yaml_node_t	*v;
	char		 name[64], where[80], exp[64];
	size_t		 i, n;

	(void)base;
	snprintf(exp, sizeof exp, "{name, %s, role, queues}", tokens ?
	    "token_file" : "key");
	if (cfgval_isnull(at->val))
		return 0;
	if (at->val->type != YAML_SEQUENCE_NODE) {
		config_kerr(ctx, at, "expected a list of %s, not %s", exp,
		    cfgval_kind(at->val));
		return -1;
	}
	if (tokens)
		ctx->tokens = at->val;
	else
		ctx->clients = at->val;
	n = (size_t)(at->val->data.sequence.items.top -
	    at->val->data.sequence.items.start);
	*list = xcalloc(n + 1, sizeof **list);
	*nodes = xcalloc(n + 1, sizeof(yaml_node_t *));
	for (i = 0; i < n && !ctx->full; i++) {
		snprintf(name, sizeof name, "%s[%zu]", k->name, i);
		a.name = name;
		v = a.val = config_node(ctx,
		    at->val->data.sequence.items.start[i]);
		if (v->type != YAML_MAPPING_NODE) {
			config_kerr(ctx, &a, "expected a map %s, not %s", exp,
			    cfgval_kind(v));
			continue;
		}
		snprintf(where, sizeof where, "security.%s", name);
		config_defaults(k->sub, &(*list)[*np]);
		config_map(ctx, v, k->sub, &(*list)[*np], where, &s);
		(*nodes)[(*np)++] = v;
	}
	cfgval_client_dups(ctx, *list, *np, *nodes, k->name);
	return 0;
}

/* The types: how each is shown, described, merged and set. */
static const struct cfgval_type cfgval_types[CT_NTYPES] = {
	[CT_STRING] = { "string", "a string", 0, cfgval_set_string },
	[CT_NAME] = { "name", "a name", 0, cfgval_set_name },
	[CT_ENUM] = { "", "", sizeof(int), cfgval_set_enum },
	[CT_DURATION] = { "duration", "a duration (like 500ms, 90s, 4m, 1h "
	    "or 7d)", sizeof(cw_time), cfgval_set_duration },
	[CT_INT] = { "integer", "a whole number", sizeof(int),
	    cfgval_set_int },
	[CT_BOOL] = { "bool", "true or false", sizeof(bool),
	    cfgval_set_bool },
	[CT_SCORE] = { "score -1..1", "a number from -1 to 1",
	    sizeof(double), cfgval_set_score },
	[CT_ENDPOINT] = { "endpoint", "an endpoint (tcp://HOST:PORT or "
	    "ipc://PATH)", 0, cfgval_set_endpoint },
	[CT_LISTEN] = { "host:port", "HOST:PORT, or \"\" for off", 0,
	    cfgval_set_listen },
	[CT_RANGE] = { "[lo, hi]", "a list of two durations, like [3m, 4m]",
	    2 * sizeof(cw_time), cfgval_set_range },
	[CT_TIERS] = { "tiers", "a list of {after, severity} maps, or [] for "
	    "none", CW_MAX_TIERS * sizeof(struct tier), cfgval_set_tiers },
	[CT_AFTER] = { "after", "a duration or a multiple like 2x", 0,
	    cfgval_set_after },
	[CT_SECTION] = { "map", "a map", 0, cfgval_set_section },
	[CT_FEEDS] = { "list", "a list of feeds", 0, cfgval_set_feeds },
	[CT_QUEUES] = { "map", "a map of queue names to overrides", 0,
	    cfgval_set_queues },
	[CT_CURVEKEY] = { "Z85 key", "a CURVE public key (40 characters of "
	    "Z85)", 0, cfgval_set_curvekey },
	[CT_NAMES] = { "list of names", "a list of names", 0,
	    cfgval_set_names },
	[CT_CLIENTS] = { "list", "a list of clients", 0, cfgval_set_clients },
};

/* Set one key from its node; -1 after an error. */
int
cfgval_set(struct config_ctx *ctx, const struct config_key *k,
    const struct config_at *at, void *base)
{
	return cfgval_types[k->type].set(ctx, k, at, base);
}

/* What a key's value must be, for "expected ..." messages. */
static const char *
cfgval_expect(const struct config_key *k, char *buf, size_t size)
{
	if (k->type == CT_ENUM)
		return cfgval_join(k->names, NULL, buf, size);
	snprintf(buf, size, "%s", cfgval_types[k->type].expect);
	return buf;
}

/* Bytes of a qconf field of a type, to merge; 0 for no such field. */
size_t
cfgval_size(enum config_type type)
{
	return cfgval_types[type].size;
}

/* What a key takes, for --help-config: "duration 100ms..1h". */
const char *
cfgval_label(const struct config_key *k, char *buf, size_t size)
{
	char	 lo[32], hi[32];

	if (k->type == CT_ENUM)
		return cfgval_join(k->names, "|", buf, size);
	if (k->type == CT_DURATION)
		snprintf(buf, size, "duration %s..%s%s", cfgval_fmt_dur(k->min,
		    lo, sizeof lo), cfgval_fmt_dur(k->max, hi, sizeof hi),
		    (k->flags & CK_ZERO_OK) ? " or 0" : "");
	else if (k->type == CT_INT)
		snprintf(buf, size, "integer %lld..%lld%s", (long long)k->min,
		    (long long)k->max, (k->flags & CK_ZERO_OK) ? " or 0" : "");
	else
		snprintf(buf, size, "%s", cfgval_types[k->type].label);
	return buf;
}
