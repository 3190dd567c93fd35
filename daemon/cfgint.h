/*
 * The config's insides, shared by config.c (loading, the walk over the
 * key table, errors, the public API) and cfgval.c (what each type of
 * value may be, checked and stored).  Nothing else includes this.
 */
#ifndef CFGINT_H
#define CFGINT_H

#include <yaml.h>

#include "cw.h"

#define CONFIG_MAX_KEYS		16	/* keys in one table */
#define CONFIG_QUOTE		48	/* user text quoted in a message */

/* Flags of a key. */
#define CK_REQUIRED	0x01u		/* no default: must be given */
#define CK_ZERO_OK	0x02u		/* 0 (off) is allowed below min */
#define CK_BIND		0x04u		/* an endpoint the daemon binds */

/* What a key holds. */
enum config_type {
	CT_STRING = 0,		/* any string */
	CT_NAME,		/* a string that passes name_valid() */
	CT_ENUM,		/* one of a few names */
	CT_DURATION,		/* a duration within bounds */
	CT_INT,			/* a whole number within bounds */
	CT_BOOL,		/* true/false, yes/no, on/off */
	CT_SCORE,		/* a number from -1 to 1 */
	CT_ENDPOINT,		/* tcp://HOST:PORT or ipc://PATH */
	CT_LISTEN,		/* HOST:PORT or "" */
	CT_RANGE,		/* [lo, hi] durations */
	CT_TIERS,		/* a list of {after, severity} */
	CT_AFTER,		/* a tier's line: duration or multiple */
	CT_SECTION,		/* a map of its own table */
	CT_FEEDS,		/* the list of feeds */
	CT_QUEUES,		/* the map of queue overrides */
	CT_CURVEKEY,		/* a CURVE public key in Z85 */
	CT_NAMES,		/* a list of names */
	CT_CLIENTS,		/* the allow-list of CURVE clients */
	CT_NTYPES
};

struct config_ctx;
struct config_seen;

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
	size_t		 nerrs;		/* errors in errs */
	bool		 full;		/* CONFIG_MAX_ERRORS reached */
	size_t		 stop_line;	/* where the first was dropped */
	size_t		 stop_col;	/* ... and its column */
	struct config_bind *binds;	/* endpoints the daemon binds */
	size_t		 nbinds;	/* binds in binds */
	unsigned	 dbad;		/* QC_* of defaults with errors */
	struct config_bind *conns;	/* endpoints the daemon connects to */
	size_t		 nconns;
	yaml_node_t	*listen;	/* http.listen's value, if given */
	yaml_node_t	*curve;		/* security.curve's value, if given */
	yaml_node_t	*server_key;	/* ... server_key's */
	yaml_node_t	*clients;	/* ... clients' */
	yaml_node_t	**client_nodes;	/* each client's map */
	yaml_node_t	*tokens;	/* security.tokens' value, if given */
	yaml_node_t	**token_nodes;	/* each token's map */
	bool		 no_secrets;	/* a client's load: no key files */
};

/* config.c: errors, the walk over a table, defaults and binds. */
void	 config_err(struct config_ctx *, const yaml_node_t *, const char *,
	    ...) CW_PRINTF(3, 4);
void	 config_kerr(struct config_ctx *, const struct config_at *,
	    const char *, ...) CW_PRINTF(3, 4);
const char *config_quote(const char *, char *, size_t);
yaml_node_t *config_node(struct config_ctx *, int);
int	 config_key_find(const struct config_table *, const char *, size_t);
yaml_node_t *config_seen_val(const struct config_table *,
	    const struct config_seen *, const char *);
void	 config_map(struct config_ctx *, yaml_node_t *,
	    const struct config_table *, void *, const char *,
	    struct config_seen *);
void	 config_defaults(const struct config_table *, void *);
void	 config_merge(struct qconf *, const struct qconf *,
	    const struct qconf *);
void	 config_add_bind(struct config_ctx *, char *const *, const char *,
	    yaml_node_t *, bool);

/* cfgval.c: what each type of value may be; reading one into place. */
int	 cfgval_set(struct config_ctx *, const struct config_key *,
	    const struct config_at *, void *);
size_t	 cfgval_size(enum config_type);
const char *cfgval_label(const struct config_key *, char *, size_t);
bool	 cfgval_isnull(const yaml_node_t *);
const char *cfgval_kind(const yaml_node_t *);
const char *cfgval_join(const char *const *, const char *, char *, size_t);
void	 cfgval_defaults_post(struct config_ctx *, const struct config_key *,
	    const struct config_seen *);

#endif /* CFGINT_H */
