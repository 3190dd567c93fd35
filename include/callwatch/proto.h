/*
 * callwatch wire protocol: what the daemon, its clients and its tests share.
 * SPEC.md is the contract; this header names it in C.
 */
#ifndef CALLWATCH_PROTO_H
#define CALLWATCH_PROTO_H

/* Version of the published objects and control replies. */
#define CW_PROTO_VERSION	1

/* Largest feed message or control request accepted, in bytes. */
#define CW_MAX_MSG		((size_t)64 * 1024)
/* Longest call_id, in bytes. */
#define CW_MAX_CALL_ID		128
/* Longest queue, agent, caller or other name, in bytes. */
#define CW_MAX_NAME		128

/* Topic prefixes on the PUB socket: "alert/<queue>/<severity>", ... */
#define CW_TOPIC_ALERT		"alert/"
#define CW_TOPIC_STATS		"stats/"
#define CW_TOPIC_CALL		"call/"

/* Queue name given to calls whose feed never named one. */
#define CW_QUEUE_DEFAULT	"default"

/* Field names of published objects. */
#define CW_F_SEQ		"seq"
#define CW_F_KIND		"kind"
#define CW_F_ID			"id"
#define CW_F_STATE		"state"
#define CW_F_RULE		"rule"
#define CW_F_SEVERITY		"severity"
#define CW_F_CALL_ID		"call_id"
#define CW_F_QUEUE		"queue"
#define CW_F_AGENT		"agent"
#define CW_F_CALLER		"caller"
#define CW_F_VALUE		"value"
#define CW_F_THRESHOLD		"threshold"
#define CW_F_TS			"ts"
#define CW_F_MESSAGE		"message"

/* Alert states. */
#define CW_STATE_FIRING		"firing"
#define CW_STATE_ESCALATED	"escalated"
#define CW_STATE_ACKED		"acked"
#define CW_STATE_RESOLVED	"resolved"

#endif /* CALLWATCH_PROTO_H */
