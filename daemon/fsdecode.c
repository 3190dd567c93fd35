/*
 * The freeswitch feed format (SPEC 4.3): the flat JSON objects that
 * mod_event_zmq publishes and ESL's "event json" sends, every value a
 * string, Event-Date-Timestamp in microseconds, keys that may repeat (the
 * first counts).  mod_callcenter's CUSTOM callcenter::info events give a
 * queue call's life, keyed by CC-Member-Session-UUID:
 *
 *	member-queue-start		queued (CC-Member-Joined-Time)
 *	bridge-agent-start		answered by CC-Agent
 *	bridge-agent-end		hangup
 *	member-queue-end, CC-Cause: Cancel	abandoned
 *	member-queue-end, otherwise	wrapup_end (mod_callcenter does not
 *					announce the end of wrap-up)
 *
 * CHANNEL_HOLD and CHANNEL_UNHOLD are hold and resume when they are on a
 * leg of a bridged queue call: the member's own channel, or the agent's
 * (CC-Agent-UUID at bridge-agent-start, or the channel variable
 * cc_member_session_uuid).  The legs of live queue calls are remembered
 * here, so a hold on any other channel of the PBX starts no call, and
 * one while the caller still waits in the queue answers nothing.
 * HEARTBEAT is a heartbeat (it moves the event clock).
 *
 * The rest of the firehose is skipped without parsing: a message that
 * names none of callcenter::info, CHANNEL_HOLD/UNHOLD and HEARTBEAT is
 * not read.
 */
#include <stdlib.h>
#include <string.h>

#include <cJSON.h>

#include "cw.h"

/* At most this many legs remembered (two per live queue call). */
#define FS_MAX_LEGS	4000000

/* The fields read, by index. */
enum fs_field {
	FF_NAME, FF_SUBCLASS, FF_ACTION, FF_TS, FF_QUEUE, FF_AGENT,
	FF_AGENT_UUID, FF_MEMBER, FF_CID, FF_JOINED, FF_ANSWERED, FF_CAUSE,
	FF_UNIQUE_ID, FF_VAR_MEMBER, FF_COUNT
};

static const char *const fs_fields[FF_COUNT] = {
	[FF_NAME] = "Event-Name",
	[FF_SUBCLASS] = "Event-Subclass",
	[FF_ACTION] = "CC-Action",
	[FF_TS] = "Event-Date-Timestamp",
	[FF_QUEUE] = "CC-Queue",
	[FF_AGENT] = "CC-Agent",
	[FF_AGENT_UUID] = "CC-Agent-UUID",
	[FF_MEMBER] = "CC-Member-Session-UUID",
	[FF_CID] = "CC-Member-CID-Number",
	[FF_JOINED] = "CC-Member-Joined-Time",
	[FF_ANSWERED] = "CC-Agent-Answered-Time",
	[FF_CAUSE] = "CC-Cause",
	[FF_UNIQUE_ID] = "Unique-ID",
	[FF_VAR_MEMBER] = "variable_cc_member_session_uuid",
};

/* A leg of a live queue call: its channel's UUID, the call's. */
struct fsleg {
	char	 member[CW_MAX_NAME + 1];
	bool	 bridged;	/* to an agent: a hold is a hold */
	char	 uuid[];
};

struct fsdecode {
	struct smap	 legs;
};

static const char *
fsleg_key(const void *v)
{
	return ((const struct fsleg *)v)->uuid;
}

/* A decoder for one daemon. */
struct fsdecode *
fsdecode_new(uint64_t seed)
{
	struct fsdecode	*fs = xcalloc(1, sizeof *fs);

	smap_init(&fs->legs, fsleg_key, seed);
	return fs;
}

void
fsdecode_free(struct fsdecode *fs)
{
	struct fsleg	*l;
	size_t		 it = 0;

	if (fs == NULL)
		return;
	while ((l = smap_next(&fs->legs, &it)) != NULL)
		free(l);
	smap_free(&fs->legs);
	free(fs);
}

/* The leg whose channel is uuid, or NULL. */
static const struct fsleg *
fs_leg_find(const struct fsdecode *fs, const char *uuid)
{
	size_t	 len = strlen(uuid);

	return smap_find(&fs->legs, uuid, len, smap_hash(&fs->legs, uuid,
	    len));
}

/* Remember that channel uuid is a leg of call member (and if bridged). */
static void
fs_leg_add(struct fsdecode *fs, const char *uuid, const char *member,
    bool bridged)
{
	size_t		 len = strlen(uuid);
	uint64_t	 h = smap_hash(&fs->legs, uuid, len);
	struct fsleg	*l;

	if (len == 0 || strlen(member) > CW_MAX_NAME)
		return;
	if ((l = smap_find(&fs->legs, uuid, len, h)) != NULL) {
		l->bridged |= bridged;
		return;
	}
	if (fs->legs.count >= FS_MAX_LEGS)
		return;
	l = xmalloc(sizeof *l + len + 1);
	memcpy(l->uuid, uuid, len + 1);
	snprintf(l->member, sizeof l->member, "%s", member);
	l->bridged = bridged;
	smap_add(&fs->legs, l, h);
}

/* Forget leg uuid. */
static void
fs_leg_del(struct fsdecode *fs, const char *uuid)
{
	size_t		 len = strlen(uuid);
	uint64_t	 h = smap_hash(&fs->legs, uuid, len);
	struct fsleg	*l = smap_find(&fs->legs, uuid, len, h);

	if (l != NULL) {
		smap_del(&fs->legs, l, h);
		free(l);
	}
}

/* How many legs are remembered. */
size_t
fsdecode_legs(const struct fsdecode *fs)
{
	return fs->legs.count;
}

/* A string field, "" when absent. */
static const char *
fs_str(const cJSON *const *f, enum fs_field i)
{
	return f[i] != NULL ? f[i]->valuestring : "";
}

/* Seconds since the epoch as a string ("0" or absent: none). */
static cw_time
fs_seconds(const cJSON *j, cw_time ts)
{
	char		*end;
	long long	 v;

	if (j == NULL)
		return CW_TIME_NONE;
	v = strtoll(j->valuestring, &end, 10);
	if (*end != '\0' || v <= 0 || v > 4102444800LL ||
	    v * CW_SEC > ts)
		return CW_TIME_NONE;
	return (cw_time)v * CW_SEC;
}

/* A name field into *out, checked as the callwatch format would. */
static int
fs_name(const cJSON *j, bool queue, const char **out, enum reject *why,
    const char **detail)
{
	size_t	 len;

	if (j == NULL || j->valuestring[0] == '\0')
		return 0;
	len = strlen(j->valuestring);
	if (!(queue ? name_valid : label_valid)(j->valuestring, len)) {
		*why = REJ_BAD_VALUE;
		*detail = j->string;
		return -1;
	}
	*out = j->valuestring;
	return 0;
}

/* The call id from field j (required). */
static int
fs_call(const char *id, const char *field, struct callev *ev,
    enum reject *why, const char **detail)
{
	size_t	 len = strlen(id);

	if (len == 0) {
		*why = REJ_MISSING_FIELD;
		*detail = field;
		return -1;
	}
	if (len > CW_MAX_NAME || !label_valid(id, len)) {
		*why = REJ_BAD_VALUE;
		*detail = field;
		return -1;
	}
	ev->call_id = id;
	ev->call_id_len = len;
	return 0;
}

/* A mod_callcenter event; 1 when it is not one we use. */
static int
fs_callcenter(struct fsdecode *fs, const cJSON *const *f, struct callev *ev,
    enum reject *why, const char **detail)
{
	const char	*act = fs_str(f, FF_ACTION);
	const char	*member = fs_str(f, FF_MEMBER);

	if (strcmp(act, "member-queue-start") == 0)
		ev->type = EV_QUEUED;
	else if (strcmp(act, "bridge-agent-start") == 0)
		ev->type = EV_ANSWERED;
	else if (strcmp(act, "bridge-agent-end") == 0)
		ev->type = EV_HANGUP;
	else if (strcmp(act, "member-queue-end") == 0)
		ev->type = strcmp(fs_str(f, FF_CAUSE), "Cancel") == 0 ?
		    EV_ABANDONED : EV_WRAPUP_END;
	else
		return 1;	/* agent-state-change, members-count, ... */
	if (fs_call(member, fs_fields[FF_MEMBER], ev, why, detail) == -1 ||
	    fs_name(f[FF_QUEUE], true, &ev->queue, why, detail) == -1 ||
	    fs_name(f[FF_AGENT], false, &ev->agent, why, detail) == -1 ||
	    fs_name(f[FF_CID], false, &ev->caller, why, detail) == -1)
		return -1;
	ev->queued_at = fs_seconds(f[FF_JOINED], ev->ts);
	if (ev->type == EV_ANSWERED)
		ev->answered_at = fs_seconds(f[FF_ANSWERED], ev->ts);
	switch (ev->type) {
	case EV_QUEUED:
		fs_leg_add(fs, member, member, false);
		break;
	case EV_ANSWERED:
		fs_leg_add(fs, member, member, true);
		fs_leg_add(fs, fs_str(f, FF_AGENT_UUID), member, true);
		break;
	case EV_HANGUP:
		fs_leg_del(fs, fs_str(f, FF_AGENT_UUID));
		break;
	default:
		fs_leg_del(fs, member);
		break;
	}
	return 0;
}

/*
 * CHANNEL_HOLD/UNHOLD; 1 when the channel is not a leg of a bridged queue
 * call.  A call named by the channel variable but never seen here (the
 * feed started mid-call) is taken as bridged.
 */
static int
fs_hold(const struct fsdecode *fs, const cJSON *const *f, bool hold,
    struct callev *ev, enum reject *why, const char **detail)
{
	const char	*id = fs_str(f, FF_VAR_MEMBER);
	const struct fsleg *l;

	if (id[0] != '\0') {
		if ((l = fs_leg_find(fs, id)) != NULL && !l->bridged)
			return 1;
	} else {
		if ((l = fs_leg_find(fs, fs_str(f, FF_UNIQUE_ID))) == NULL ||
		    !l->bridged)
			return 1;
		id = l->member;
	}
	ev->type = hold ? EV_HOLD : EV_RESUME;
	return fs_call(id, fs_fields[FF_MEMBER], ev, why, detail);
}

/*
 * Decode one freeswitch message into *ev: 0, 1 when it carries nothing
 * callwatch tracks (skipped), -1 with the reason when it is bad.
 */
int
fsdecode_msg(struct fsdecode *fs, struct decode *d, const char *buf,
    size_t len, struct callev *ev, enum reject *why, const char **detail)
{
	const cJSON	*f[FF_COUNT] = { 0 }, *root, *c;
	const char	*name;
	char		*end;
	long long	 us;
	int		 i, rc;

	memset(ev, 0, sizeof *ev);
	ev->queued_at = ev->answered_at = CW_TIME_NONE;
	ev->level = 1;
	/* "HOLD\"" ends both CHANNEL_HOLD and CHANNEL_UNHOLD: one scan. */
	if (len <= CW_MAX_MSG && memmem(buf, len, "callcenter::info", 16) ==
	    NULL && memmem(buf, len, "HOLD\"", 5) == NULL &&
	    memmem(buf, len, "HEARTBEAT", 9) == NULL)
		return 1;
	if ((root = decode_json(d, buf, len, why, detail)) == NULL)
		return -1;
	for (c = root->child; c != NULL; c = c->next)
		for (i = 0; i < FF_COUNT; i++)
			if (f[i] == NULL && strcmp(c->string, fs_fields[i]) ==
			    0) {
				if (!cJSON_IsString(c)) {
					*why = REJ_WRONG_TYPE;
					*detail = fs_fields[i];
					return -1;
				}
				f[i] = c;
				break;
			}
	if (f[FF_TS] == NULL) {
		*why = REJ_MISSING_FIELD;
		*detail = fs_fields[FF_TS];
		return -1;
	}
	us = strtoll(f[FF_TS]->valuestring, &end, 10);
	if (*end != '\0' || end == f[FF_TS]->valuestring || us < 0 ||
	    us >= 4102444800LL * CW_SEC) {
		*why = REJ_BAD_TS;
		*detail = fs_fields[FF_TS];
		return -1;
	}
	ev->ts = (cw_time)us;
	name = fs_str(f, FF_NAME);
	if (strcmp(name, "CUSTOM") == 0 &&
	    strcmp(fs_str(f, FF_SUBCLASS), "callcenter::info") == 0)
		rc = fs_callcenter(fs, f, ev, why, detail);
	else if (strcmp(name, "CHANNEL_HOLD") == 0 ||
	    strcmp(name, "CHANNEL_UNHOLD") == 0)
		rc = fs_hold(fs, f, strcmp(name, "CHANNEL_HOLD") == 0, ev,
		    why, detail);
	else if (strcmp(name, "HEARTBEAT") == 0) {
		ev->type = EV_HEARTBEAT;
		rc = 0;
	} else
		rc = 1;
	if (rc == 0)
		ev->fp = decode_fingerprint(ev);
	return rc;
}
