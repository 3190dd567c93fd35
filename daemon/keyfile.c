/*
 * CURVE key files (SPEC 7): a YAML map with `public:` and `secret:`, each
 * a Z85 key of 40 characters; a public key file has `public:` only.
 * `callwatch keygen NAME` writes NAME.key (both, mode 0600) and NAME.pub;
 * the daemon reads its pair from security.server_key, the clients theirs
 * from --key and the daemon's public key from --server-key.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <yaml.h>
#include <zmq.h>

#include "cw.h"

/* Whether s is a CURVE key in Z85: 40 characters that decode. */
bool
keyfile_valid(const char *s)
{
	uint8_t	 raw[32];

	return s != NULL && strlen(s) == CW_Z85_KEY &&
	    zmq_z85_decode(raw, s) != NULL;
}

/* Copy the key of scalar v to out (41 bytes); why on a bad one. */
static int
keyfile_take(const yaml_node_t *v, char *out, const char **why)
{
	const char	*s = (const char *)v->data.scalar.value;

	if (v->type != YAML_SCALAR_NODE || !keyfile_valid(s)) {
		*why = "a key is not 40 characters of Z85";
		return -1;
	}
	memcpy(out, s, CW_Z85_KEY + 1);
	return 0;
}

/* Read the keys of doc's root map into pub and sec (either NULL). */
static int
keyfile_doc(yaml_document_t *doc, char *pub, char *sec, const char **why)
{
	yaml_node_t	*root = yaml_document_get_root_node(doc), *k, *v;
	yaml_node_pair_t *p;
	char		 junk[CW_Z85_KEY + 1] = "";
	const char	*name;

	if (root == NULL || root->type != YAML_MAPPING_NODE) {
		*why = "not a map of public: and secret:";
		return -1;
	}
	for (p = root->data.mapping.pairs.start;
	    p < root->data.mapping.pairs.top; p++) {
		k = yaml_document_get_node(doc, p->key);
		v = yaml_document_get_node(doc, p->value);
		if (k == NULL || v == NULL || k->type != YAML_SCALAR_NODE) {
			*why = "not a map of public: and secret:";
			return -1;
		}
		name = (const char *)k->data.scalar.value;
		if (strcmp(name, "public") == 0) {
			if (keyfile_take(v, pub != NULL ? pub : junk, why))
				return -1;
		} else if (strcmp(name, "secret") == 0) {
			if (keyfile_take(v, sec != NULL ? sec : junk, why))
				return -1;
		} else {
			*why = "a key other than public: and secret:";
			return -1;
		}
	}
	return 0;
}

/*
 * Read key file path: its public key into pub, and with sec (not NULL)
 * its secret key, which must be there and match the public one.  Both
 * buffers hold 41 bytes.  -1 with a static reason in *why.
 */
int
keyfile_load(const char *path, char *pub, char *sec, const char **why)
{
	yaml_parser_t	 parser;
	yaml_document_t	 doc;
	FILE		*fp;
	char		 derived[CW_Z85_KEY + 1];
	int		 rc = -1;

	if (pub != NULL)
		*pub = '\0';
	if (sec != NULL)
		*sec = '\0';
	if ((fp = fopen(path, "r")) == NULL) {
		*why = strerror(errno);
		return -1;
	}
	yaml_parser_initialize(&parser);
	yaml_parser_set_input_file(&parser, fp);
	if (!yaml_parser_load(&parser, &doc))
		*why = "not YAML";
	else {
		rc = keyfile_doc(&doc, pub, sec, why);
		yaml_document_delete(&doc);
	}
	yaml_parser_delete(&parser);
	fclose(fp);
	if (rc == -1)
		return -1;
	if (sec != NULL) {
		if (*sec == '\0') {
			*why = "no secret: key (a .pub file?)";
			return -1;
		}
		if (zmq_curve_public(derived, sec) == -1) {
			*why = "the secret key does not decode";
			return -1;
		}
		if (pub != NULL && *pub != '\0' && strcmp(pub, derived) != 0) {
			*why = "public: is not the secret key's";
			return -1;
		}
		if (pub != NULL)
			memcpy(pub, derived, sizeof derived);
	}
	if (pub != NULL && *pub == '\0') {
		*why = "no public: key";
		return -1;
	}
	return 0;
}

/*
 * Write a key file at path (which must not exist): pub, and sec unless
 * it is NULL (then readable by all; a secret is for the owner only).
 * -1 with errno.
 */
int
keyfile_write(const char *path, const char *pub, const char *sec)
{
	FILE	*fp;
	int	 fd, e;

	fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC,
	    sec != NULL ? 0600 : 0644);
	if (fd == -1)
		return -1;
	if ((fp = fdopen(fd, "w")) == NULL) {
		e = errno;
		close(fd);
		errno = e;
		return -1;
	}
	fprintf(fp, "# callwatch CURVE %s, from `callwatch keygen`.%s\n",
	    sec != NULL ? "key pair" : "public key", sec != NULL ?
	    "  Keep it secret." : "");
	fprintf(fp, "public: \"%s\"\n", pub);
	if (sec != NULL)
		fprintf(fp, "secret: \"%s\"\n", sec);
	if (fflush(fp) == EOF || fsync(fd) == -1) {
		e = errno;
		fclose(fp);
		errno = e;
		return -1;
	}
	return fclose(fp) == EOF ? -1 : 0;
}

/*
 * A client's keys: its pair from key and the daemon's public key from
 * server (key files; NULL: $CALLWATCH_KEY, $CALLWATCH_SERVER_KEY).  0
 * with k->on false when neither is given; -1 with a message in err.
 */
int
curvekeys_load(struct curvekeys *k, const char *key, const char *server,
    char *err, size_t errsize)
{
	const char	*why;

	memset(k, 0, sizeof *k);
	if (key == NULL)
		key = getenv("CALLWATCH_KEY");
	if (server == NULL)
		server = getenv("CALLWATCH_SERVER_KEY");
	if ((key == NULL || *key == '\0') && (server == NULL ||
	    *server == '\0'))
		return 0;
	if (key == NULL || *key == '\0' || server == NULL ||
	    *server == '\0') {
		snprintf(err, errsize, "CURVE needs both --key FILE (this "
		    "client's pair) and --server-key FILE (the daemon's "
		    "public key)");
		return -1;
	}
	if (keyfile_load(key, k->pub, k->sec, &why) == -1) {
		snprintf(err, errsize, "--key %s: %s", key, why);
		return -1;
	}
	if (keyfile_load(server, k->server, NULL, &why) == -1) {
		snprintf(err, errsize, "--server-key %s: %s", server, why);
		return -1;
	}
	k->on = true;
	return 0;
}

/* Make sock (before it connects) a CURVE client with k, if k is on. */
void
curvekeys_apply(const struct curvekeys *k, void *sock)
{
	if (k == NULL || !k->on)
		return;
	if (zmq_setsockopt(sock, ZMQ_CURVE_SERVERKEY, k->server,
	    CW_Z85_KEY) == -1 ||
	    zmq_setsockopt(sock, ZMQ_CURVE_PUBLICKEY, k->pub, CW_Z85_KEY) ==
	    -1 ||
	    zmq_setsockopt(sock, ZMQ_CURVE_SECRETKEY, k->sec, CW_Z85_KEY) ==
	    -1)
		fatalx("CURVE socket options: %s", zmq_strerror(errno));
}
