/*
 * callwatchd internal header: the types that cross modules, and every
 * module's prototypes.  Data flows one way:
 * feed -> event (decode) -> call (table, state machine) -> rules and timers
 * -> alert -> pub.
 */
#ifndef CW_H
#define CW_H

#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include <sys/types.h>

#include "callwatch/proto.h"

struct event_base;
struct cJSON;

/* Time: microseconds since the Unix epoch. */
typedef int64_t cw_time;
#define CW_USEC		1LL
#define CW_MSEC		1000LL
#define CW_SEC		1000000LL
#define CW_MIN		(60 * CW_SEC)
#define CW_HOUR		(60 * CW_MIN)
#define CW_DAY		(24 * CW_HOUR)
#define CW_TIME_NONE	INT64_MIN	/* "not known" */
#define CW_TIME_MAX	INT64_MAX

#define nitems(a)	(sizeof(a) / sizeof((a)[0]))
#define container_of(p, type, member) \
	((type *)(void *)((char *)(p) - offsetof(type, member)))
#define CW_PRINTF(f, a)	__attribute__((format(printf, f, a)))
#define CW_NORETURN	__attribute__((noreturn))

/* Severities, in rising order. */
enum sev {
	SEV_NONE = 0,
	SEV_INFO,
	SEV_WARNING,
	SEV_CRITICAL,
};

/* Rules; the order is the order of a call's alerts in listings. */
enum rule {
	RULE_LONG_CALL = 0,
	RULE_LONG_WAIT,
	RULE_TRANSFERS,
	RULE_LONG_HOLD,
	RULE_ESCALATION,
	RULE_REPEAT_CALLER,
	RULE_SENTIMENT,
	RULE_MANY_HOLDS,
	RULE_LONG_WRAPUP,
	RULE_SHORT_CALLS,
	RULE_FEED_SILENT,	/* a feed, not a call (daemon.c) */
	RULE_COUNT
};

/* Where a call is in its life (SPEC section 4). */
enum call_state {
	CALL_QUEUED = 0,
	CALL_TALKING,
	CALL_ON_HOLD,
	CALL_WRAPUP,
	CALL_ENDED,
	CALL_NSTATES
};

/* Event types of the callwatch format (SPEC section 4.1). */
enum ev_type {
	EV_QUEUED = 0,
	EV_ANSWERED,
	EV_HOLD,
	EV_RESUME,
	EV_TRANSFERRED,
	EV_ESCALATE,
	EV_SENTIMENT,
	EV_HANGUP,
	EV_WRAPUP_END,
	EV_ABANDONED,
	EV_HEARTBEAT,
	EV_NTYPES
};

/* Why a feed message was rejected; the names are the keys of "rejected". */
enum reject {
	REJ_TOO_LARGE = 0,
	REJ_BAD_UTF8,
	REJ_BAD_JSON,
	REJ_NOT_OBJECT,
	REJ_MISSING_FIELD,
	REJ_WRONG_TYPE,
	REJ_BAD_VALUE,
	REJ_UNKNOWN_TYPE,
	REJ_BAD_TS,
	REJ_TOO_MANY_QUEUES,
	REJ_TOO_MANY_CALLS,
	REJ_COUNT
};

/* log.c */
enum log_level {
	LOG_LVL_ERROR = 0,
	LOG_LVL_WARN,
	LOG_LVL_INFO,
	LOG_LVL_DEBUG,
};
extern int log_level;
void	log_init(int, const char *);
void	log_setlevel(int);
int	log_parse_level(const char *);
const char *log_level_name(int);
void	log_warn(const char *, ...) CW_PRINTF(1, 2);
void	log_warnx(const char *, ...) CW_PRINTF(1, 2);
void	log_errorx(const char *, ...) CW_PRINTF(1, 2);
void	log_info_(const char *, ...) CW_PRINTF(1, 2);
void	log_debug_(const char *, ...) CW_PRINTF(1, 2);
void	fatal(const char *, ...) CW_PRINTF(1, 2) CW_NORETURN;
void	fatalx(const char *, ...) CW_PRINTF(1, 2) CW_NORETURN;
/* A disabled level costs one branch. */
#define log_info(...) do {						\
	if (log_level >= LOG_LVL_INFO)					\
		log_info_(__VA_ARGS__);					\
} while (0)
#define log_debug(...) do {						\
	if (log_level >= LOG_LVL_DEBUG)					\
		log_debug_(__VA_ARGS__);				\
} while (0)

/* xmalloc.c: allocation failure aborts here, nowhere else. */
void	*xmalloc(size_t);
void	*xcalloc(size_t, size_t);
void	*xcalloc_big(size_t, size_t);
void	*xrealloc(void *, size_t);
void	*xreallocarray(void *, size_t, size_t);
char	*xstrdup(const char *);
char	*xstrndup(const char *, size_t);
int	 xasprintf(char **, const char *, ...) CW_PRINTF(2, 3);

/* buf.c: a growing byte buffer. */
struct buf {
	char	*data;
	size_t	 len;
	size_t	 cap;
};
void	 buf_init(struct buf *);
void	 buf_free(struct buf *);
void	 buf_reset(struct buf *);
void	 buf_add(struct buf *, const void *, size_t);
void	 buf_addc(struct buf *, char);
void	 buf_adds(struct buf *, const char *);
void	 buf_printf(struct buf *, const char *, ...) CW_PRINTF(2, 3);
void	 buf_add_json(struct buf *, struct cJSON *);
void	 buf_add_member(struct buf *, const char *, const char *);
const char *buf_cstr(struct buf *);

/* dur.c: durations and clocks. */
int	 dur_parse(const char *, cw_time *, const char **);
void	 dur_format(cw_time, char *, size_t);
void	 dur_format_range(cw_time, cw_time, char *, size_t);
cw_time	 dur_wallclock(void);
cw_time	 dur_monotonic(void);
double	 dur_seconds(cw_time);
const char *dur_json(cw_time, char *, size_t);
void	 dur_json_add(struct cJSON *, const char *, cw_time);
void	 json_ref(struct cJSON *, const char *, const char *);
void	 json_seq(struct cJSON *, uint64_t);

/* names.c: the names of enums on the wire and in the config. */
const char *sev_name(enum sev);
int	 sev_parse(const char *);
const char *rule_name(enum rule);
int	 rule_parse(const char *);
const char *call_state_name(enum call_state);
const char *ev_type_name(enum ev_type);
int	 ev_type_parse(const char *, size_t);
const char *reject_name(enum reject);
bool	 name_valid(const char *, size_t);
bool	 label_valid(const char *, size_t);

/* config.c: the YAML configuration (SPEC section 3). */
#define CW_MAX_TIERS	3

enum cw_clock {
	CLOCK_WALL = 0,
	CLOCK_EVENT,
};

enum feed_socket {
	FEED_PULL = 0,		/* bind; the PBX side PUSHes to us */
	FEED_SUB,		/* connect to the PBX side's PUB */
};

enum feed_format {
	FORMAT_CALLWATCH = 0,
	FORMAT_FREESWITCH,
};

/* One line of a tier list: a duration, or a multiple of normal's top. */
struct tier {
	cw_time		 after;		/* the line; 0 when mult is used */
	double		 mult;		/* multiple of normal[1]; 0 if after */
	enum sev	 sev;		/* severity on crossing */
};

/* Bits of struct qconf.set: which keys a queue gives itself. */
#define QC_NORMAL		0x01u
#define QC_TIERS		0x02u
#define QC_WAIT_TIERS		0x04u
#define QC_MAX_TRANSFERS	0x08u
#define QC_HOLD_MAX		0x10u
#define QC_REPEAT_WINDOW	0x20u
#define QC_WRAPUP		0x40u
#define QC_SENTIMENT_MIN	0x80u
#define QC_MAX_HOLDS		0x100u
#define QC_WRAPUP_MAX		0x200u
#define QC_SHORT_CALL		0x400u
#define QC_SHORT_CALLS		0x800u

/* Thresholds of one queue, or the defaults every queue inherits. */
struct qconf {
	char		*name;		/* queue name; NULL for the defaults */
	unsigned	 set;		/* QC_* keys given explicitly */
	cw_time		 normal[2];	/* normal handle-time range */
	struct tier	 tiers[CW_MAX_TIERS];	/* handle-time tiers */
	int		 ntiers;
	struct tier	 wait_tiers[CW_MAX_TIERS];	/* wait-time tiers */
	int		 nwait_tiers;
	int		 max_transfers;	/* transfers that raise `transfers` */
	cw_time		 hold_max;	/* longest acceptable hold segment */
	cw_time		 repeat_window;	/* repeat-caller window */
	bool		 wrapup;	/* handle time runs to wrapup_end */
	double		 sentiment_min;	/* a score below raises `sentiment` */
	int		 max_holds;	/* the hold that raises `many_holds` */
	cw_time		 wrapup_max;	/* longest acceptable wrap-up */
	cw_time		 short_call;	/* talk shorter than this is short */
	int		 short_calls;	/* an agent's short calls in an hour
					   that raise `short_calls` */
};

/* One feed: a ZeroMQ socket we read call events from. */
struct feedconf {
	char		*name;		/* unique, for logs and stats */
	char		*endpoint;	/* ZeroMQ endpoint */
	enum feed_socket socket;
	enum feed_format format;
};

/* Who a client is (SPEC 7): what it may do and see. */
enum role {
	ROLE_VIEWER = 0,	/* subscribe, snapshot */
	ROLE_SUPERVISOR,	/* also ack, silence, unsilence */
	ROLE_ADMIN,		/* everything */
	ROLE_FEED,		/* push events only */
	ROLE_COUNT
};

/* One client of the allow-list (security.clients). */
struct clientconf {
	char		*name;		/* who, in logs and acks */
	char		*key;		/* Z85 CURVE public key, 40 chars; a
					   token's text for tokens */
	char		*token_file;	/* tokens: where the token is */
	enum role	 role;
	char		**queues;	/* the only queues it sees; none: all */
	size_t		 nqueues;
};

#define CW_Z85_KEY	40		/* a CURVE key in Z85 */

/* A whole, valid configuration. */
struct config {
	char		*path;		/* file it was read from */
	enum cw_clock	 clock;
	char		*state_file;	/* "" = no checkpoint */
	cw_time		 checkpoint_interval;
	cw_time		 max_call_age;	/* silent calls close as stale */
	cw_time		 max_skew;	/* wall clock: ts this far off is late */
	cw_time		 ended_linger;	/* ended call ids remembered this long */
	int		 max_queues;	/* distinct queues the daemon tracks */
	int		 max_calls;	/* live calls the daemon tracks */
	int		 max_callers;	/* callers remembered for repeats */
	cw_time		 feed_timeout;	/* feed_silent after this; 0 = off */
	int		 log_level;	/* LOG_LVL_* */
	struct feedconf	*feeds;
	size_t		 nfeeds;
	char		*pub_endpoint;	/* PUB, bind */
	cw_time		 stats_interval;	/* 0 = no stats messages */
	int		 pub_hwm;	/* per-subscriber send high-water mark */
	char		*control_endpoint;	/* ROUTER, bind */
	char		*http_listen;	/* HOST:PORT, "" = off */
	struct qconf	 defaults;
	struct qconf	*queues;	/* per-queue overrides */
	size_t		 nqueues;
	bool		 curve;		/* CURVE on every bound socket */
	bool		 insecure;	/* plain on the network allowed */
	char		*server_key;	/* key file: the daemon's pair */
	char		 server_public[CW_Z85_KEY + 1];	/* ... read from it */
	char		 server_secret[CW_Z85_KEY + 1];
	struct clientconf *clients;	/* the allow-list */
	size_t		 nclients;
	struct clientconf *tokens;	/* HTTP bearer tokens (key: the token) */
	size_t		 ntokens;
};

/* Errors collected while reading a config, each "FILE:LINE:COL: msg". */
struct cfgerrs {
	char		**v;
	size_t		  n;
};

struct config	*config_load(const char *, struct cfgerrs *);
struct config	*config_load_as(const char *, struct cfgerrs *, bool);
struct config	*config_default(void);
void		 config_free(struct config *);
void		 config_resolve(const struct config *, const char *,
		     struct qconf *);
void		 cfgerrs_free(struct cfgerrs *);
void		 config_print_keys(FILE *);
bool		 config_clients_same(const struct config *,
		     const struct config *);

/*
 * endpoint.c: ZeroMQ endpoints (tcp://HOST:PORT, ipc://PATH) and a
 * listener's HOST:PORT, checked without resolving or binding anything;
 * on failure *why (if not NULL) gets a short static reason.
 */
#define ENDPOINT_IPC_MAX	107	/* ipc:// path bytes: sun_path - NUL */
#define ENDPOINT_HOST_MAX	256	/* a host out of endpoint_split, NUL */

/* How two endpoints the daemon binds get along. */
enum endpoint_clash {
	ENDPOINT_APART = 0,	/* both can be bound at once */
	ENDPOINT_SAME,		/* the same endpoint, byte for byte */
	ENDPOINT_OVERLAP,	/* one TCP port, overlapping addresses */
};
int	 endpoint_check(const char *, bool, const char **);
int	 endpoint_hostport(const char *, const char **);
int	 endpoint_split(const char *, bool, char *, size_t, unsigned *,
	    const char **);
enum endpoint_clash endpoint_clash(const char *, const char *);
bool	 endpoint_local(const char *);
bool	 endpoint_host_local(const char *);

/* auth.c: CURVE, the ZAP handler and the allow-list's rights (SPEC 7). */
struct daemon;
enum { AUTH_FEED = 0, AUTH_PUBLISH, AUTH_CONTROL, AUTH_NSOCKETS };
struct auth;
struct auth	*auth_new(struct daemon *, char **);
void		 auth_free(struct auth *);
void		 auth_server(struct auth *, void *, int);
const struct clientconf *auth_client(const struct config *, const char *);
bool		 auth_may(const struct clientconf *, enum role);
bool		 auth_sees(const struct clientconf *, const char *);
void		 auth_forbidden(struct daemon *, const struct clientconf *,
		     const char *);
uint64_t	 auth_refused(const struct auth *, int);
const char	*auth_socket_name(int);
const char	*role_name(enum role);
void		 auth_topic_queue(const char *, char *, size_t);

/* web.c: the wallboard, /events (SSE) and the /api paths over HTTP. */
struct web;
struct evhttp;
struct evhttp_request;
struct web	*web_new(struct daemon *, struct evhttp *);
void		 web_free(struct web *);
void		 web_reconfigured(struct web *);
void		 web_no_api(struct evhttp_request *);
bool		 web_get_only(struct evhttp_request *);
void		 web_json(struct evhttp_request *, int, const char *,
		     const char *);
int		 web_auth(struct web *, struct evhttp_request *,
		     const struct clientconf **);
void		 web_counts(const struct web *, size_t *, uint64_t *,
		     uint64_t *);

/* keyfile.c: CURVE key files (SPEC 7: YAML, public: and secret:). */
bool	 keyfile_valid(const char *);
int	 keyfile_load(const char *, char *, char *, const char **);
int	 keyfile_write(const char *, const char *, const char *);

/* A client's CURVE keys: its pair, the daemon's public key. */
struct curvekeys {
	bool		 on;
	char		 pub[CW_Z85_KEY + 1];
	char		 sec[CW_Z85_KEY + 1];
	char		 server[CW_Z85_KEY + 1];
};
int	 curvekeys_load(struct curvekeys *, const char *, const char *,
	    char *, size_t);
void	 curvekeys_apply(const struct curvekeys *, void *);

/* pool.c: fixed-size objects without per-object heap churn. */
struct pool {
	size_t		 size;		/* object size */
	void		*free;		/* free list */
	void		**chunks;	/* every chunk, for pool_free */
	size_t		 nchunks;
	size_t		 used;		/* objects handed out */
};
void	 pool_init(struct pool *, size_t);
void	*pool_get(struct pool *);
void	 pool_put(struct pool *, void *);
void	 pool_free(struct pool *);

/* smap.c: open-addressing map from a string key held by the value. */
typedef const char *(*smap_key_fn)(const void *);
struct smap_slot {
	uint32_t	 hash;		/* low 32 bits of the key's hash */
	void		*val;		/* NULL = empty */
};
struct smap {
	struct smap_slot *slots;
	size_t		 mask;		/* slots - 1 */
	size_t		 count;
	uint64_t	 seed;		/* keyed hash against flooding */
	smap_key_fn	 key;
};
void	 smap_init(struct smap *, smap_key_fn, uint64_t);
void	 smap_free(struct smap *);
uint64_t smap_hash(const struct smap *, const char *, size_t);
void	*smap_find(const struct smap *, const char *, size_t, uint64_t);
void	 smap_add(struct smap *, void *, uint64_t);
void	 smap_del(struct smap *, const void *, uint64_t);
void	*smap_next(const struct smap *, size_t *);

/* intern.c: reference-counted shared strings (agent names). */
struct istr {
	uint32_t	 refs;
	uint32_t	 len;
	char		 s[];
};
struct intern {
	struct smap	 map;
};
void	 intern_init(struct intern *, uint64_t);
void	 intern_free(struct intern *);
struct istr *intern_get(struct intern *, const char *, size_t);
struct istr *intern_ref(struct istr *);
void	 intern_put(struct intern *, struct istr *);

/* wheel.c: hierarchical timing wheel, exact deadlines, O(1) per op. */
struct wheel_node {
	struct wheel_node *next, *prev;	/* slot list, circular */
	cw_time		 deadline;	/* exact, microseconds */
	uint32_t	 order;		/* tie-break among equal deadlines */
	int32_t		 where;		/* >=0 slot, -1 idle, <=-2 heap */
};
#define WHEEL_LEVELS	9		/* 54 bits of ms: every cw_time */
#define WHEEL_SLOTS	64
struct wheel {
	struct wheel_node slot[WHEEL_LEVELS][WHEEL_SLOTS];	/* sentinels */
	uint64_t	 pending[WHEEL_LEVELS];	/* non-empty slots */
	uint64_t	 cur;		/* current tick, milliseconds */
	uint32_t	 order;		/* next tie-break number */
	size_t		 count;		/* nodes in the wheel */
};
void	 wheel_init(struct wheel *, cw_time);
void	 wheel_node_init(struct wheel_node *);
void	 wheel_add(struct wheel *, struct wheel_node *, cw_time);
void	 wheel_del(struct wheel *, struct wheel_node *);
struct wheel_node *wheel_expire(struct wheel *, cw_time);
cw_time	 wheel_next(const struct wheel *);

/* timer.c: the wheel, an in-order due heap and one libevent timer. */
typedef void (*timer_fire_fn)(void *, struct wheel_node *, cw_time);
typedef void (*timer_wake_fn)(void *, cw_time);
struct timers;
void	 timers_on_wake(struct timers *, timer_wake_fn, void *);
struct timers *timers_new(struct event_base *, bool, cw_time,
		    timer_fire_fn, void *);
void	 timers_free(struct timers *);
void	 timers_arm(struct timers *, struct wheel_node *, cw_time);
void	 timers_disarm(struct timers *, struct wheel_node *);
void	 timers_advance(struct timers *, cw_time);
size_t	 timers_count(const struct timers *);
cw_time	 timers_next(const struct timers *);

/* decode.c: decode one feed message into a struct callev. */
struct callev {
	enum ev_type	 type;
	cw_time		 ts;		/* when the PBX saw it */
	const char	*call_id;	/* NULL for heartbeats */
	size_t		 call_id_len;
	const char	*queue;		/* NULL when absent */
	const char	*agent;
	const char	*caller;
	const char	*to_queue;	/* transferred */
	const char	*to_agent;
	const char	*reason;	/* escalate */
	int		 level;		/* escalate, >= 1 */
	double		 score;		/* sentiment, -1 .. 1 */
	cw_time		 queued_at;	/* extension: mid-call start */
	cw_time		 answered_at;
	uint32_t	 fp;		/* fingerprint of what it says */
};
struct decode;
struct decode	*decode_new(void);
void		 decode_free(struct decode *);
int		 decode_msg(struct decode *, const char *, size_t,
		    struct callev *, enum reject *, const char **);
bool		 decode_utf8_valid(const char *, size_t);
struct cJSON	*decode_whole(const char *, size_t);
const struct cJSON *decode_json(struct decode *, const char *, size_t,
		    enum reject *, const char **);

/* fsdecode.c: the freeswitch feed format (SPEC 4.3). */
struct fsdecode;
struct fsdecode	*fsdecode_new(uint64_t);
void		 fsdecode_free(struct fsdecode *);
int		 fsdecode_msg(struct fsdecode *, struct decode *, const char *,
		    size_t, struct callev *, enum reject *, const char **);
size_t		 fsdecode_legs(const struct fsdecode *);
uint32_t	 decode_fingerprint(const struct callev *);

/* pub.c: what supervisors receive; seq grows by one per message. */
typedef void (*pub_sink_fn)(void *, const char *, const char *, size_t);
struct pub;
struct pub	*pub_new_zmq(void *);
struct pub	*pub_new_file(FILE *);
struct pub	*pub_new_fn(pub_sink_fn, void *);
void		 pub_free(struct pub *);
uint64_t	 pub_send(struct pub *, const char *, struct cJSON *);
uint64_t	 pub_seq(const struct pub *);
void		 pub_set_seq(struct pub *, uint64_t);
uint64_t	 pub_published(const struct pub *);
void		 pub_set_sock(struct pub *, void *);
#define PUB_TAP_WEB	0
#define PUB_TAP_FOLLOW	1
#define PUB_TAPS	2
void		 pub_set_tap(struct pub *, int, pub_sink_fn, void *);
uint64_t	 pub_failed(const struct pub *);

/* queue.c: per-queue thresholds (absolute lines) and live figures. */
struct line {
	cw_time		 at;		/* duration from the figure's start */
	enum sev	 sev;
};
struct qrules {
	cw_time		 normal[2];
	struct line	 tiers[CW_MAX_TIERS];
	int		 ntiers;
	struct line	 wait[CW_MAX_TIERS];
	int		 nwait;
	int		 max_transfers;
	cw_time		 hold_max;
	cw_time		 repeat_window;
	bool		 wrapup;
	double		 sentiment_min;
	int		 max_holds;
	cw_time		 wrapup_max;
	cw_time		 short_call;
	int		 short_calls;
};
/* A one-minute bucket of the rolling hour. */
struct qbucket {
	int64_t		 minute;	/* minutes since the epoch */
	uint32_t	 handled;	/* calls whose handle time ended */
	uint32_t	 answered;	/* answers with a known wait */
	uint32_t	 answered_sl;	/* ... of which within 20 s */
	uint32_t	 abandoned;
	uint32_t	 abandoned_short;	/* within 5 s */
	int64_t		 handle_sum;	/* microseconds */
};
struct call;
struct queue {
	char		*name;
	struct qrules	 r;		/* resolved thresholds */
	uint32_t	 nstate[CALL_NSTATES];	/* live calls per state */
	uint32_t	 over_normal;	/* live calls past normal[1] */
	bool		 configured;	/* named in the config's queues */
	struct call	**wait;		/* queued calls, min-heap by queued_at */
	uint32_t	 nwait;
	uint32_t	 capwait;
	struct qbucket	 hour[60];
};
struct queues {
	struct smap	 map;
	size_t		 count;
	size_t		 max;
};
#define QUEUE_SL_WAIT	(20 * CW_SEC)	/* service level: answered within */
#define QUEUE_SHORT_ABANDON (5 * CW_SEC) /* short abandons are ignored */
void	 queues_init(struct queues *, uint64_t);
void	 queues_free(struct queues *);
struct queue *queues_get(struct queues *, const struct config *,
		    const char *, bool);
void	 queues_reconfigure(struct queues *, const struct config *);
struct queue *queues_next(const struct queues *, size_t *);
void	 queue_rules(struct qrules *, const struct qconf *);
void	 queue_wait_add(struct queue *, struct call *);
void	 queue_wait_del(struct queue *, struct call *);
void	 queue_wait_update(struct queue *, struct call *);
cw_time	 queue_oldest(const struct queue *);
void	 queue_count_answer(struct queue *, cw_time, cw_time);
void	 queue_count_abandon(struct queue *, cw_time, cw_time);
void	 queue_count_handled(struct queue *, cw_time, cw_time);
bool	 queue_idle(const struct queue *, cw_time);
struct cJSON *queue_stats_json(const struct queue *, cw_time);

/* alert.c: one alert per call and rule; firing, escalated, resolved. */
enum alert_state {
	ALERT_FIRING = 0,
	ALERT_ESCALATED,
	ALERT_ACKED,
	ALERT_RESOLVED,
};
struct alert {
	struct alert	*next;		/* the call's other alerts */
	enum rule	 rule;
	enum sev	 sev;
	enum alert_state state;
	cw_time		 ts;		/* last change */
	cw_time		 value;		/* figure at the change, µs (counts
					   and scores times CW_SEC) */
	cw_time		 threshold;	/* line crossed, µs */
	uint64_t	 seq;		/* seq of its last published change */
	char		*by;		/* acked: who, and their note */
	char		*note;
	char		*reason;	/* escalation: why */
	bool		 out;		/* clients hold it open: its last
					   published change was not a
					   resolution */
	bool		 pending;	/* a change was held back */
	uint8_t		 pub_sev;	/* severity and state clients saw */
	uint8_t		 pub_state;
};
struct daemon;
const char *alert_state_name(enum alert_state);
struct alert *alert_find(struct call *, enum rule);
enum sev alert_sev(struct call *, enum rule);
void	 alert_raise(struct daemon *, struct call *, enum rule, enum sev,
	    cw_time, cw_time, cw_time);
void	 alert_resolve(struct daemon *, struct call *, enum rule, cw_time,
	    cw_time);
void	 alert_resolve_all(struct daemon *, struct call *, cw_time);
void	 alert_moved(struct daemon *, struct call *, const struct queue *);
bool	 alert_held(const struct daemon *, const struct call *,
	    const struct alert *);
void	 alert_release(struct daemon *, struct call *);
void	 alert_free(struct alert *);
void	 alert_save(struct buf *, const struct alert *);
int	 alert_load(struct call *, const struct cJSON *);
void	 alert_raise_why(struct daemon *, struct call *, enum rule, enum sev,
	    cw_time, cw_time, cw_time, const char *);
struct alert *alert_by_id(struct daemon *, const char *, struct call **);
void	 alert_ack(struct daemon *, struct call *, struct alert *,
	    const char *, const char *);
struct cJSON *alert_json(const struct daemon *, const struct call *,
		    const struct alert *);
struct cJSON *alert_json_seen(const struct daemon *, const struct call *,
		    struct alert *);

/* call.c: the live calls and their state machine. */
#define CALL_FP		4		/* recent events remembered */
#define CALL_CALLER_INLINE 24
#define CALL_OVER_NORMAL 0x01u		/* flags: handle time past normal */
#define CALL_STALE	0x02u		/* flags: closed for silence */
struct call {
	struct wheel_node tn;		/* the next line this call crosses */
	struct queue	*q;		/* current queue */
	struct istr	*agent;		/* NULL when unknown */
	struct alert	*alerts;	/* open alerts */
	char		*caller_long;	/* caller when it does not fit */
	cw_time		 queued_at;	/* CW_TIME_NONE if unknown */
	cw_time		 answered_at;	/* handle time starts */
	cw_time		 wait_end;	/* answered or abandoned */
	cw_time		 hold_at;	/* current hold segment's start */
	cw_time		 hangup_at;	/* wrap-up starts */
	cw_time		 last_seen;	/* clock at the last event */
	cw_time		 last_ts;	/* newest event ts applied */
	uint32_t	 serial;	/* creation order */
	uint32_t	 wait_idx;	/* 1 + place in q->wait, 0 if none */
	uint32_t	 fp[CALL_FP];	/* fingerprints of recent events */
	uint16_t	 holds;
	uint16_t	 transfers;
	uint8_t		 state;		/* enum call_state */
	uint8_t		 fp_next;
	uint8_t		 flags;		/* CALL_* */
	uint8_t		 idclass;	/* pool of this call's size */
	uint16_t	 idlen;
	char		 caller[CALL_CALLER_INLINE];
	char		 id[];		/* call_id, NUL-terminated */
};
#define CALL_ID_CLASSES	5		/* id storage in 32-byte steps */
/* The members of a call/ message (call.c), in the order they print. */
enum callmsg_field {
	CM_SEQ, CM_KIND, CM_EVENT, CM_TS, CM_CALL_ID, CM_QUEUE, CM_AGENT,
	CM_CALLER, CM_STATE, CM_HANDLE, CM_WAIT, CM_HOLDS, CM_TRANSFERS,
	CM_QUEUED_AT, CM_ANSWERED_AT, CM_LEVEL, CM_COUNT
};
struct calls {
	struct smap	 map;
	struct pool	 pools[CALL_ID_CLASSES];
	uint32_t	 serial;
	/* The call/ message, built once and refilled for every change:
	 * its members refer to the call's strings and to num. */
	struct cJSON	*msg;
	struct cJSON	*msgf[CM_COUNT];
	char		 num[CM_COUNT][32];
};
void	 calls_init(struct calls *, uint64_t);
void	 calls_reseed(struct calls *, uint64_t);
void	 calls_free(struct calls *, struct daemon *);
size_t	 calls_count(const struct calls *);
struct call *calls_find(struct calls *, const char *, size_t);
struct call *calls_next(const struct calls *, size_t *);
void	 call_apply(struct daemon *, const struct callev *, cw_time);
enum sev call_level(const struct call *);
void	 call_level_changed(struct daemon *, const struct call *, cw_time);
void	 call_save(struct buf *, const struct call *);
const char *call_load(struct daemon *, const struct cJSON *);
bool	 call_timer(struct daemon *, struct call *, cw_time);
void	 call_rearm(struct daemon *, struct call *);
bool	 call_requeue(struct daemon *, struct call *);
void	 call_settle(struct daemon *, struct call *);
const char *call_caller(const struct call *);
cw_time	 call_handle_time(const struct call *, cw_time);
cw_time	 call_wait_time(const struct call *, cw_time);
struct cJSON *call_json(struct calls *, const struct call *, cw_time);
void	 call_json_names(struct cJSON *, const struct call *);

/* tomb.c: ids of recently ended calls, so late events start nothing. */
struct tomb_ent {
	uint64_t	 key;
	cw_time		 expires;
};
/* Silences (silence.c). */
#define CW_MAX_SILENCES	1000
struct silence {
	struct silence	*next;		/* the list, by expiry */
	uint64_t	 id;		/* "s-<id>" */
	char		*queue;		/* matchers; NULL = any */
	char		*agent;
	int		 rule;		/* enum rule, -1 = any */
	cw_time		 starts;
	cw_time		 until;		/* ends */
	char		*by;
	char		*comment;
};
struct silences {
	struct silence	*head;
	size_t		 count;
	uint64_t	 last_id;
};
void	 silences_init(struct silences *);
void	 silences_free(struct silences *);
bool	 silences_match(const struct silences *, const struct call *,
	    enum rule);
struct silence *silences_add(struct silences *, struct silence *);
struct silence *silences_find(struct silences *, const char *);
void		 silence_free(struct silence *);
void	 silences_del(struct silences *, struct silence *);
size_t	 silences_expire(struct silences *, cw_time);
cw_time	 silences_next(const struct silences *);
struct cJSON *silence_json(const struct silence *);

/* Short calls per agent, for short_calls (shorts.c). */
#define SHORTS_KEEP	8		/* most short calls counted */
struct shorts {
	struct smap	 map;
	size_t		 prune_at;	/* prune when this many agents */
};
void	 shorts_init(struct shorts *, uint64_t);
void	 shorts_free(struct shorts *);
int	 shorts_add(struct shorts *, const char *, cw_time);

/* The systemd notify protocol (notify.c). */
int	 notify_open(void);
void	 notify_send(const char *, ...) CW_PRINTF(1, 2);
void	 notify_reloading(void);
void	 notify_watchdog(struct event_base *);
uint64_t notify_count(void);
void	 notify_close(void);

/* Remembered callers, for repeat_caller (callers.c). */
struct caller_slot {
	uint64_t	 key;		/* keyed hash of the number; 0 = empty */
	cw_time		 last;		/* latest call's start */
	cw_time		 prev;		/* latest start before last, or NONE */
};
struct callers {
	struct caller_slot *slots;
	size_t		 mask;
	size_t		 count;
	size_t		 max;		/* most callers kept */
	size_t		 cursor;	/* expiry sweep */
	cw_time		 window;	/* kept this long after a call starts */
	uint64_t	 seed;
	uint64_t	 dropped;	/* not kept: the table was full */
	uint64_t	 expired;
};
void	 callers_init(struct callers *, uint64_t, size_t, cw_time);
void	 callers_free(struct callers *);
void	 callers_configure(struct callers *, size_t, cw_time);
cw_time	 config_repeat_window(const struct config *);
cw_time	 callers_seen(struct callers *, const char *, cw_time, cw_time);

struct tombs {
	uint64_t	*set;		/* open addressing, 0 = empty */
	size_t		 mask;
	size_t		 count;
	struct tomb_ent	*fifo;		/* ring, oldest first */
	size_t		 head, len, cap;
};
void	 tombs_init(struct tombs *);
void	 tombs_free(struct tombs *);
void	 tombs_add(struct tombs *, uint64_t, cw_time);
bool	 tombs_has(const struct tombs *, uint64_t);
void	 tombs_expire(struct tombs *, cw_time);
void	 tombs_save(struct buf *, const struct tombs *, cw_time);
const char *tombs_load(struct tombs *, const struct cJSON *);

/* zsock.c: a ZeroMQ socket inside the libevent loop (ZMQ_FD). */
typedef void (*zsock_fn)(void *);
struct zsock;
struct zsock	*zsock_new(struct event_base *, void *, zsock_fn, void *);
void		 zsock_free(struct zsock *);
void		 zsock_kick(struct zsock *);

/* feed.c: the feeds. */
struct feed;
struct feed	*feed_new(struct daemon *, const struct feedconf *,
		    char **);
void		 feed_free(struct feed *);
const char	*feed_name(const struct feed *);
uint64_t	 feed_received(const struct feed *);
cw_time	 feed_last_at(const struct feed *);
bool	 feed_spoke(const struct feed *);
void	 feed_set_last_at(struct feed *, cw_time);

/* control.c: JSON requests on the ROUTER socket. */
struct control;
struct control	*control_new(struct daemon *, const char *, char **);
void		 control_free(struct control *);
char		*control_handle(struct daemon *, const char *, size_t,
		    size_t *);

/* The state file (state.c). */
#define STATE_SEQ_RESERVE	10000000ULL	/* seq a restart skips */
int	 state_save(struct daemon *);
void	 state_checkpoint(struct daemon *);
void	 state_reap(struct daemon *, bool);
void	 state_abort(struct daemon *);
int	 state_load(struct daemon *);
void	 silences_save(struct buf *, const struct silences *);
const char *silences_load(struct silences *, const struct cJSON *);
void	 callers_save(struct buf *, const struct callers *);
void	 callers_reseed(struct callers *, uint64_t);
const char *callers_load(struct callers *, const struct cJSON *);
void	 queue_save(struct buf *, const struct queue *);
const char *queue_load(struct queues *, const struct config *,
	    const struct cJSON *);

/* A feed's dead-man's switch (daemon.c); its alerts' queue. */
#define DAEMON_FEED_QUEUE	"*"
struct feedwatch {
	bool		 silent;	/* feed_silent is open */
	bool		 out;		/* ... and was published */
	cw_time		 since;		/* its last message, wall clock */
	uint64_t	 seq;		/* of the last change */
};

/* The journal of inputs since the last checkpoint (journal.c). */
struct journal	*journal_open(const char *, uint64_t, off_t);
void		 journal_unlink(struct journal *);
void		 journal_close(struct journal *);
uint64_t	 journal_seq(const struct journal *);
void		 journal_add(struct journal *, cw_time, char, const char *,
		    const void *, size_t);
void		 journal_flush(struct journal *);
void		 journal_reset(struct journal *);
void		 journal_rotate(struct journal *);
void		 journal_drop_old(struct journal *);
uint64_t	 journal_replay(struct daemon *, const char *, uint64_t,
		    uint64_t *, off_t *);

/* A silent feed as the state file had it, until the feeds open. */
struct fwsaved {
	char		*name;
	cw_time		 since;
	uint64_t	 seq;
};

/* The HTTP listener (http.c). */
struct http	*http_new(struct daemon *, const char *, char **);
void		 http_free(struct http *);
void		 http_reconfigured(struct http *);
struct evbuffer;
void		 http_reply(struct evhttp_request *, int, const char *,
		     const char *, struct evbuffer *);

/* daemon.c: the whole daemon; no global state beyond the logger. */
struct counters {
	uint64_t	 received;	/* feed messages read */
	uint64_t	 rejected[REJ_COUNT];
	uint64_t	 applied;	/* events that reached the call table */
	uint64_t	 duplicates;	/* events seen before */
	uint64_t	 ignored;	/* events for ended calls, conflicts */
	uint64_t	 skipped;	/* PBX messages about nothing we track */
	uint64_t	 skewed;	/* ts too far from our clock */
	uint64_t	 heartbeats;
	uint64_t	 stale;		/* calls closed for silence */
	uint64_t	 ended;		/* calls that ended */
	/* Alert changes published, and alerts open, by rule and severity. */
	uint64_t	 alert_changes[RULE_COUNT][4][4];
	uint64_t	 open_alerts[RULE_COUNT][4];
};
struct daemon {
	struct event_base *base;
	void		*zctx;		/* ZeroMQ context, NULL in replay */
	void		*pubsock;	/* PUB socket, NULL in replay */
	struct auth	*auth;		/* CURVE's ZAP handler, or NULL */
	const struct clientconf *who;	/* the client of the request being
					   answered (NULL: a key not listed) */
	uint64_t	 forbidden;	/* requests refused to a role */
	cw_time		 forbidden_logged;	/* ... the last logged */
	bool		 checked;	/* ... and its rights are checked (a
					   request on a CURVE socket, not the
					   journal's) */
	struct queue	*qdefault;	/* calls whose feed named no queue */
	struct config	*cfg;
	struct timers	*timers;
	struct pub	*pub;
	struct decode	*dec;
	struct fsdecode	*fsdec;		/* freeswitch feeds' legs */
	struct calls	 calls;
	struct queues	 queues;
	struct intern	 agents;
	struct tombs	 tombs;
	struct callers	 callers;
	struct shorts	 shorts;
	struct silences	 silences;
	struct wheel_node silence_tn;	/* the next silence to end */
	struct wheel_node stats_tn;	/* the next stats/<queue> round */
	struct queue	*moved_from;	/* while an event applies: the
					   call's queue before it */
	const struct call *applying;	/* the call an event applies to */
	uint64_t	 seq_ceiling;	/* seq a restart continues from */
	struct event	*ckpt_ev;	/* checkpoint timer */
	cw_time		 ckpt_at;	/* last checkpoint, wall clock */
	cw_time		 ckpt_duration;	/* ... how long it took */
	uint64_t	 ckpt_written;
	uint64_t	 ckpt_failed;
	bool		 ckpt_failed_last;	/* the last one failed */
	cw_time		 ckpt_retry_at;	/* after a failure, not before */
	cw_time		 ckpt_pause;	/* ... how long the loop stopped */
	pid_t		 ckpt_pid;	/* the child writing one, or 0 */
	uint64_t	 ckpt_ceiling;	/* ... the seq ceiling it writes */
	cw_time		 ckpt_started;	/* ... when (monotonic) */
	struct event	*ckpt_chld;	/* SIGCHLD: it ended */
	struct http	*http;		/* /metrics, /healthz; NULL if off */
	struct journal	*journal;	/* inputs since the checkpoint */
	uint64_t	 journal_from;	/* the checkpoint's last record */
	uint64_t	 seq_at;	/* the seq when it was written */
	bool		 clock_held;	/* daemon_clock() keeps now as is */
	struct feedwatch *fw;		/* per feed: silent? (feed_silent) */
	struct fwsaved	*fw_saved;	/* ... as the state file had it */
	size_t		 nfw_saved;
	struct event	*fw_ev;		/* checks the feeds every second */
	bool		 level_dirty;	/* ... whose level changed */
	struct feed	**feeds;
	size_t		 nfeeds;
	struct control	*control;
	struct event	*sigev[4];
	cw_time		 now;		/* the clock, µs */
	cw_time		 started;	/* for uptime */
	uint64_t	 seed;
	struct counters	 n;
	cw_time		 rej_logged[REJ_COUNT];	/* last log per reason */
	uint64_t	 rej_quiet[REJ_COUNT];	/* not logged since */
	bool		 replay;
	bool		 verbose;	/* -v: debug logs whatever the config */
};
struct daemon	*daemon_new(struct event_base *, struct config *, bool);
int		 daemon_open(struct daemon *, char **);
void		 daemon_free(struct daemon *);
void		 daemon_message(struct daemon *, const char *, size_t,
		    const char *);
void		 daemon_event(struct daemon *, const struct callev *);
void		 daemon_reject(struct daemon *, enum reject, const char *,
		    const char *);
void		 daemon_stats_round(struct daemon *, cw_time);
void		 daemon_silences_arm(struct daemon *);
void		 daemon_settle(struct daemon *);
void		 daemon_rewind(struct daemon *, cw_time);
void		 daemon_feed_spoke(struct daemon *, const struct feed *);
size_t		 daemon_feeds_silent(const struct daemon *);
const char	*daemon_feed_load(struct daemon *, const struct cJSON *);
struct cJSON	*daemon_feed_alert(struct daemon *, size_t, const char *,
		    cw_time);
void		 daemon_status(struct daemon *, bool);
void		 daemon_silences_release(struct daemon *);
int		 daemon_reload(struct daemon *, char **);
cw_time		 daemon_clock(struct daemon *);
struct cJSON	*daemon_stats_json(struct daemon *);

/* replay.c: --replay FILE. */
int		 replay_run(struct daemon *, const char *);

#endif /* CW_H */
