/*
 * Publishing: every object supervisors receive gets the next seq and goes
 * out as two frames (topic, JSON) on the PUB socket, or as one JSON line
 * (replay), or to a function (tests).  A PUB socket never blocks: a slow
 * subscriber loses messages at its high-water mark and sees the gap in
 * seq (SPEC 5, 6).
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <cJSON.h>
#include <zmq.h>

#include "cw.h"

struct pub {
	void		*sock;		/* ZeroMQ PUB, or NULL */
	FILE		*out;		/* JSON Lines, or NULL */
	pub_sink_fn	 fn;		/* or a function */
	void		*fnarg;
	uint64_t	 seq;		/* last seq given out */
	uint64_t	 published;	/* messages handed on */
	uint64_t	 failed;	/* sends that failed */
	struct buf	 b;		/* printed JSON */
	char		 seqs[24];	/* the seq being printed */
	pub_sink_fn	 tap[PUB_TAPS];	/* also told of each (the wallboard,
					   the control socket's followers) */
	void		*taparg[PUB_TAPS];
};

/* A publisher with every sink off. */
static struct pub *
pub_alloc(void)
{
	struct pub	*p = xcalloc(1, sizeof *p);

	buf_init(&p->b);
	return p;
}

/* Publish on a bound ZeroMQ PUB socket (not owned). */
struct pub *
pub_new_zmq(void *sock)
{
	struct pub	*p = pub_alloc();

	p->sock = sock;
	return p;
}

/* Publish JSON Lines to a stream (replay). */
struct pub *
pub_new_file(FILE *f)
{
	struct pub	*p = pub_alloc();

	p->out = f;
	return p;
}

/* Publish to a function (tests). */
struct pub *
pub_new_fn(pub_sink_fn fn, void *arg)
{
	struct pub	*p = pub_alloc();

	p->fn = fn;
	p->fnarg = arg;
	return p;
}

/* Free a publisher; the socket and the stream are the caller's. */
void
pub_free(struct pub *p)
{
	if (p == NULL)
		return;
	buf_free(&p->b);
	free(p);
}

/*
 * Give obj the next seq (its "seq" member must exist), print it and send
 * it under topic.  The object stays the caller's.  Returns the seq.
 */
uint64_t
pub_send(struct pub *p, const char *topic, cJSON *obj)
{
	cJSON	*seq = cJSON_GetObjectItemCaseSensitive(obj, CW_F_SEQ);
	size_t	 i;

	if (seq == NULL)
		fatalx("pub_send: object without seq");
	/* An integer, printed as one (cJSON prints a double and reads it
	 * back to check, slow for a 16-digit seq), from our buffer: the
	 * item only refers to it (cJSON_Delete leaves it alone). */
	snprintf(p->seqs, sizeof p->seqs, "%llu",
	    (unsigned long long)++p->seq);
	if (!(seq->type & cJSON_IsReference))
		cJSON_free(seq->valuestring);
	seq->type = cJSON_Raw | cJSON_IsReference |
	    (seq->type & cJSON_StringIsConst);
	seq->valuestring = p->seqs;
	buf_reset(&p->b);
	buf_add_json(&p->b, obj);
	if (p->sock != NULL) {
		if (zmq_send(p->sock, topic, strlen(topic),
		    ZMQ_SNDMORE | ZMQ_DONTWAIT) == -1 ||
		    zmq_send(p->sock, p->b.data, p->b.len,
		    ZMQ_DONTWAIT) == -1) {
			p->failed++;
			log_debug("publish failed topic=%s: %s", topic,
			    zmq_strerror(errno));
		}
	} else if (p->out != NULL) {
		buf_addc(&p->b, '\n');
		fwrite(p->b.data, 1, p->b.len, p->out);
	} else if (p->fn != NULL)
		p->fn(p->fnarg, topic, p->b.data, p->b.len);
	for (i = 0; i < PUB_TAPS; i++)
		if (p->tap[i] != NULL)
			p->tap[i](p->taparg[i], topic, p->b.data, p->b.len);
	p->published++;
	return p->seq;
}

/* Also hand each message to fn (NULL: nobody) in slot i, after its seq
 * is set. */
void
pub_set_tap(struct pub *p, int i, pub_sink_fn fn, void *arg)
{
	p->tap[i] = fn;
	p->taparg[i] = arg;
}

/* Publish on another socket from now on (bound again). */
void
pub_set_sock(struct pub *p, void *sock)
{
	p->sock = sock;
}

/* The last seq given out (0 before the first message). */
uint64_t
pub_seq(const struct pub *p)
{
	return p->seq;
}

/* Continue numbering after seq (restart from a checkpoint). */
void
pub_set_seq(struct pub *p, uint64_t seq)
{
	p->seq = seq;
}

/* Sends the socket refused (libzmq errors; PUB never blocks). */
uint64_t
pub_failed(const struct pub *p)
{
	return p->failed;
}

/* Messages published since start. */
uint64_t
pub_published(const struct pub *p)
{
	return p->published;
}
