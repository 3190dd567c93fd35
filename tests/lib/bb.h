/*
 * Black-box helpers: start the real callwatchd on free ports, talk to it
 * over ZeroMQ like a PBX and a supervisor would, stop it.
 */
#ifndef BB_H
#define BB_H

#include <stdbool.h>
#include <sys/types.h>

#include <check.h>
#include <cJSON.h>

struct bb {
	char		 dir[64];	/* temporary folder */
	char		 conf[128];	/* config path */
	char		 log[128];	/* daemon's stderr */
	char		 feed[96];	/* feed endpoint (pull) */
	char		 pub[96];	/* publish endpoint */
	char		 ctl[96];	/* control endpoint */
	pid_t		 pid;
	void		*zctx;
	void		*push;		/* to the feed */
	void		*sub;		/* from publish, subscribed to all */
	void		*dealer;	/* to control */
	char		 key_pub[41];	/* CURVE: the sockets' key pair */
	char		 key_sec[41];
	char		 server_pub[41];	/* ... the daemon's; "" = plain */
};

const char	*bb_build(void);
const char	*bb_src(void);
char		*bb_data(const char *);
int		 bb_free_port(void);
void		 bb_init(struct bb *);
void		 bb_write_conf(struct bb *, const char *, ...)
		    __attribute__((format(printf, 2, 3)));
int		 bb_start(struct bb *);
int		 bb_stop(struct bb *, int);
void		 bb_cleanup(struct bb *);
int		 bb_run(const char *const *, char *, size_t);
void		 bb_push(struct bb *, const char *, ...)
		    __attribute__((format(printf, 2, 3)));
void		 bb_push_raw(struct bb *, const void *, size_t);
cJSON		*bb_recv(struct bb *, int, char *, size_t);
cJSON		*bb_request(struct bb *, const char *, int);
cJSON		*bb_request_raw(struct bb *, const void *, size_t, int);
double		 bb_now(void);
bool		 bb_log_has(struct bb *, const char *);
bool		 bb_wait_log(struct bb *, const char *, int);
bool		 bb_file_has(const char *, const char *);
int		 bb_file_count(const char *, const char *);
char		*bb_slurp(const char *);
void		 bb_tmpdir(char *, size_t, const char *);
void		 bb_rmdir(const char *);
bool		 bb_wait_file(const char *, const char *, int);
pid_t		 bb_spawn(const char *const *, const char *, const char *);
int		 bb_reap(pid_t, int);
pid_t		 bb_fake_pbx(int *, int, const char *, const char *const *,
		    const char *const *, const size_t *, const char *, bool);
bool		 bb_wait_stat(struct bb *, const char *, double, int);
void		*bb_socket_as(struct bb *, int, const char *, const char *,
		    const char *);
int		 bb_tcp_connect(int);
int		 bb_run_suite(Suite *);
int		 bb_http(int, const char *, const char *, const char *,
		    const char *, char *, size_t);
const char	*bb_str(const cJSON *, const char *);
double		 bb_num(const cJSON *, const char *);

#endif
