/*
 * What the libFuzzer harnesses share: a daemon inside the process on the
 * event clock whose every published message is checked as it comes out,
 * the invariants of its call table, control requests whose replies are
 * checked, and a way to fail loudly that survives -close_fd_mask=2.
 */
#ifndef FUZZ_H
#define FUZZ_H

#include <stddef.h>
#include <stdint.h>

#include <cJSON.h>

#include "cw.h"

/* A daemon under test and what the harness knows it published. */
struct fuzzd {
	struct daemon	*d;
	uint64_t	 seq;		/* seq of the last message published */
	uint64_t	 nmsgs;		/* messages published */
	uint64_t	 fed;		/* feed messages sent */
	cw_time		 now;		/* the daemon's clock when last seen */
};

/* libFuzzer's entry points. */
int	 LLVMFuzzerInitialize(int *, char ***);
int	 LLVMFuzzerTestOneInput(const uint8_t *, size_t);

void	 fuzz_init(void);
void	 fuzz_fail(const char *, ...) CW_PRINTF(1, 2) CW_NORETURN;
char	*fuzz_memfd(const char *, const void *, size_t);
void	 fuzz_memfd_set(const char *, const void *, size_t);
struct config *fuzz_config(void);
struct fuzzd *fuzz_new(struct config *);
void	 fuzz_free(struct fuzzd *);
void	 fuzz_send(struct fuzzd *, const void *, size_t);
void	 fuzz_send_feed(struct fuzzd *, const char *, const void *, size_t);
void	 fuzz_sendf(struct fuzzd *, const char *, ...) CW_PRINTF(2, 3);
cJSON	*fuzz_request(struct fuzzd *, const void *, size_t);
void	 fuzz_check(struct fuzzd *);
void	 fuzz_check_control(struct fuzzd *);

#endif /* FUZZ_H */
