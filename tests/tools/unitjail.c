/*
 * unitjail: run a program under the seccomp filters a systemd unit file
 * asks for, built the way systemd builds them, so a test can run the
 * daemon as its unit would where systemd is not PID 1 (CI, containers)
 * and the unit itself cannot be started.
 *
 *	unitjail [-v] UNITFILE -- PROGRAM [ARG...]
 *
 * What it reads from the [Service] section, with systemd.exec(5)'s
 * meaning (systemd 252):
 *  - SystemCallFilter=, every line in order.  The first decides the mode:
 *    a plain list allows only what it names, plus @default (what systemd
 *    always lets through); a "~" list allows all but what it names.
 *    Later lines remove from the set ("~" on an allow list, plain on a
 *    deny list) or add to it; an empty line resets.  On a deny list
 *    "name:ERRNO" and "name:kill" give a call its own action.  @groups
 *    come from `systemd-analyze syscall-filter @group`, nested ones too,
 *    so the sets are this machine's systemd's.  Names this architecture
 *    lacks are skipped, as systemd skips them.
 *  - SystemCallErrorNumber=: what a refused call returns (an errno name
 *    or number).  Unset, empty or "kill": the process is killed (SIGSYS).
 *  - RestrictAddressFamilies=: socket(2) fails with EAFNOSUPPORT for a
 *    family off the allow list (so also AF_UNSPEC), on a "~" deny list,
 *    or any family after "none".  socketpair(2) is not affected.
 *  - RestrictRealtime=yes: sched_setscheduler(2) to any policy but
 *    SCHED_OTHER, SCHED_BATCH and SCHED_IDLE fails with EPERM.
 *  - MemoryDenyWriteExecute=yes: mmap(2) of memory both writable and
 *    executable, and mprotect(2), pkey_mprotect(2) or shmat(2) making it
 *    executable, fail with EPERM.
 * Each is a filter of its own, as systemd loads them, the system call
 * filter last, right before execvp(3).  no_new_privs is always set: the
 * kernel wants it to load a filter without CAP_SYS_ADMIN (and systemd
 * implies it for such units).  A call from a foreign ABI (i386 on
 * x86-64) is killed, as SystemCallArchitectures=native has it.
 *
 * Not mirrored: users, capabilities, namespaces and mounts (Protect*,
 * Private*), the other Restrict* settings and LockPersonality, drop-ins.
 * Stricter than systemd, which warns and goes on: a setting it cannot
 * read, an unknown family, errno or @group is an error here, since a
 * test run under a misread unit would prove nothing.
 *
 * Exit 127 (and why, on stderr) if the sandbox cannot be set up;
 * otherwise PROGRAM replaces this process.  -v lists what was loaded.
 */
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/shm.h>
#include <sys/socket.h>
#include <sys/wait.h>

#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <seccomp.h>

#define JAIL_DEFAULT	(-1)	/* a call's action: the filter's own */
#define JAIL_KILL	(-2)	/* a call's action: kill the process */
#define JAIL_BAD	(-3)	/* jail_errno(): not an errno */
#define JAIL_MAXERRNO	4095	/* the most SCMP_ACT_ERRNO() can carry */
#define JAIL_DEPTH	8	/* @groups nested deeper are an error */

/* One system call in the filter's set, and what it gets. */
struct jail_call {
	int	 nr;		/* number on this architecture */
	int	 action;	/* an errno, JAIL_DEFAULT or JAIL_KILL */
};

/* The sandbox the unit asks for. */
struct jail {
	const char	*unit;		/* the unit file, for messages */
	int		 line;		/* its line being read, or 0 */
	bool		 verbose;	/* -v: list what is loaded */
	bool		 sys_begun;	/* SystemCallFilter= was read */
	bool		 sys_allow;	/* ... and is an allow list */
	struct jail_call *calls;	/* ... the calls it names */
	size_t		 ncalls;	/* ... how many */
	int		 errnum;	/* SystemCallErrorNumber=, JAIL_KILL */
	bool		 fam_begun;	/* RestrictAddressFamilies= was read */
	bool		 fam_allow;	/* ... an allow list (or "none") */
	bool		 fam[AF_MAX];	/* ... the families named */
	bool		 realtime;	/* RestrictRealtime= */
	bool		 mdwe;		/* MemoryDenyWriteExecute= */
};

/* A setting of the [Service] section this reads. */
struct jail_key {
	const char	*name;		/* as in the unit, before '=' */
	void		(*parse)(struct jail *, char *);	/* one line */
};

/* Address family names, as systemd reads them (not AF_UNSPEC). */
static const struct jail_family {
	const char	*name;		/* AF_INET */
	int		 af;		/* its number */
} jail_families[] = {
#define F(x)	{ #x, x }
	F(AF_UNIX), F(AF_LOCAL), F(AF_FILE), F(AF_INET), F(AF_AX25),
	F(AF_IPX), F(AF_APPLETALK), F(AF_NETROM), F(AF_BRIDGE), F(AF_ATMPVC),
	F(AF_X25), F(AF_INET6), F(AF_ROSE), F(AF_DECnet), F(AF_NETBEUI),
	F(AF_SECURITY), F(AF_KEY), F(AF_NETLINK), F(AF_ROUTE), F(AF_PACKET),
	F(AF_ASH), F(AF_ECONET), F(AF_ATMSVC), F(AF_RDS), F(AF_SNA),
	F(AF_IRDA), F(AF_PPPOX), F(AF_WANPIPE), F(AF_LLC), F(AF_IB),
	F(AF_MPLS), F(AF_CAN), F(AF_TIPC), F(AF_BLUETOOTH), F(AF_IUCV),
	F(AF_RXRPC), F(AF_ISDN), F(AF_PHONET), F(AF_IEEE802154), F(AF_CAIF),
	F(AF_ALG), F(AF_NFC), F(AF_VSOCK), F(AF_KCM), F(AF_QIPCRTR),
	F(AF_SMC), F(AF_XDP), F(AF_MCTP),
#undef F
};

static void	jail_fatal(const struct jail *, const char *, ...)
		    __attribute__((format(printf, 2, 3), noreturn));

/* Say why the sandbox cannot be set up (where in the unit) and exit. */
static void
jail_fatal(const struct jail *j, const char *fmt, ...)
{
	va_list	 ap;

	fprintf(stderr, "unitjail: ");
	if (j->line > 0)
		fprintf(stderr, "%s:%d: ", j->unit, j->line);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	exit(127);
}

/* An errno name or number (0 to 4095), or "kill"; JAIL_BAD if neither. */
static int
jail_errno(const char *s)
{
	const char	*name;
	char		*end;
	long		 n;
	int		 e;

	if (strcmp(s, "kill") == 0)
		return JAIL_KILL;
	/* The names strerrorname_np() gives another of. */
	if (strcmp(s, "ENOTSUP") == 0)
		return ENOTSUP;
	if (strcmp(s, "EWOULDBLOCK") == 0)
		return EWOULDBLOCK;
	if (strcmp(s, "EDEADLOCK") == 0)
		return EDEADLOCK;
	errno = 0;
	n = strtol(s, &end, 10);
	if (end != s && *end == '\0' && errno == 0)
		return n >= 0 && n <= JAIL_MAXERRNO ? (int)n : JAIL_BAD;
	for (e = 1; e <= JAIL_MAXERRNO; e++)
		if ((name = strerrorname_np(e)) != NULL && strcmp(name, s) == 0)
			return e;
	return JAIL_BAD;
}

/* A boolean as systemd spells them. */
static bool
jail_bool(const struct jail *j, const char *v)
{
	static const char *const yes[] = { "1", "yes", "y", "true", "t", "on" };
	static const char *const no[] = { "0", "no", "n", "false", "f", "off",
	    "" };
	size_t	 i;

	for (i = 0; i < sizeof yes / sizeof yes[0]; i++)
		if (strcasecmp(v, yes[i]) == 0)
			return true;
	for (i = 0; i < sizeof no / sizeof no[0]; i++)
		if (strcasecmp(v, no[i]) == 0)
			return false;
	jail_fatal(j, "not a boolean: %s", v);
}

/* Put one call into the set (with its action), or take it out. */
static void
jail_call(struct jail *j, const char *name, int action, bool add)
{
	int	 nr = seccomp_syscall_resolve_name(name);
	size_t	 i;

	/* Unknown to libseccomp, or not on this architecture. */
	if (nr < 0)
		return;
	for (i = 0; i < j->ncalls && j->calls[i].nr != nr; i++)
		;
	if (!add) {
		if (i < j->ncalls)
			j->calls[i] = j->calls[--j->ncalls];
		return;
	}
	if (i == j->ncalls) {
		j->calls = reallocarray(j->calls, j->ncalls + 1,
		    sizeof *j->calls);
		if (j->calls == NULL)
			jail_fatal(j, "out of memory");
		j->ncalls++;
	}
	j->calls[i].nr = nr;
	j->calls[i].action = action;
}

/*
 * Put every call of @group into the set, or take them out, as this
 * machine's systemd-analyze lists them: an unindented header (the
 * group's name), indented "# what it is for", names and nested @groups.
 */
static void
jail_group(struct jail *j, const char *group, int action, bool add,
    int depth)
{
	char	*line = NULL, *name;
	size_t	 cap = 0;
	int	 p[2], st;
	pid_t	 pid;
	FILE	*f;

	if (depth > JAIL_DEPTH)
		jail_fatal(j, "%s: @groups nested too deep", group);
	if (pipe2(p, O_CLOEXEC) == -1 || (pid = fork()) == -1)
		jail_fatal(j, "systemd-analyze: %s", strerror(errno));
	if (pid == 0) {
		dup2(p[1], STDOUT_FILENO);
		execlp("systemd-analyze", "systemd-analyze", "--no-pager",
		    "syscall-filter", group, (char *)NULL);
		_exit(127);
	}
	close(p[1]);
	if ((f = fdopen(p[0], "r")) == NULL)
		jail_fatal(j, "systemd-analyze: %s", strerror(errno));
	while (getline(&line, &cap, f) != -1) {
		if (line[0] != ' ' && line[0] != '\t')
			continue;
		name = line + strspn(line, " \t");
		name[strcspn(name, " \t\r\n")] = '\0';
		if (*name == '\0' || *name == '#')
			continue;
		if (*name == '@')
			jail_group(j, name, action, add, depth + 1);
		else
			jail_call(j, name, action, add);
	}
	free(line);
	fclose(f);
	if (waitpid(pid, &st, 0) == -1 || !WIFEXITED(st))
		jail_fatal(j, "systemd-analyze syscall-filter %s died", group);
	if (WEXITSTATUS(st) == 127)
		jail_fatal(j, "systemd-analyze not found: install systemd");
	if (WEXITSTATUS(st) != 0)
		jail_fatal(j, "%s: systemd-analyze knows no such group", group);
}

/* SystemCallFilter=: one more line of the filter. */
static void
jail_syscalls(struct jail *j, char *v)
{
	char	*w, *colon, *save = NULL;
	bool	 invert = false;
	int	 action;

	if (*v == '\0') {
		j->sys_begun = j->sys_allow = false;
		j->ncalls = 0;
		return;
	}
	if (*v == '~') {
		invert = true;
		v++;
	}
	if (!j->sys_begun) {
		j->sys_begun = true;
		j->sys_allow = !invert;
		if (j->sys_allow)
			jail_group(j, "@default", JAIL_DEFAULT, true, 0);
	}
	for (w = strtok_r(v, " \t", &save); w != NULL;
	    w = strtok_r(NULL, " \t", &save)) {
		action = JAIL_DEFAULT;
		if ((colon = strchr(w, ':')) != NULL) {
			*colon = '\0';
			action = jail_errno(colon + 1);
			if (action == JAIL_BAD || !invert)
				jail_fatal(j, "%s: \":%s\" is for a deny list "
				    "and an errno or kill", w, colon + 1);
		}
		/* An allow line adds to an allow list, and so on. */
		if (*w == '@')
			jail_group(j, w, action, invert != j->sys_allow, 0);
		else
			jail_call(j, w, action, invert != j->sys_allow);
	}
}

/* SystemCallErrorNumber=: what a refused call gets. */
static void
jail_errnum(struct jail *j, char *v)
{
	j->errnum = *v == '\0' ? JAIL_KILL : jail_errno(v);
	if (j->errnum == JAIL_BAD || j->errnum == 0)
		jail_fatal(j, "SystemCallErrorNumber=%s: not an errno", v);
}

/* RestrictAddressFamilies=: one more line of the list. */
static void
jail_afs(struct jail *j, char *v)
{
	char	*w, *save = NULL;
	bool	 invert = false;
	size_t	 i;

	if (*v == '\0' || strcmp(v, "none") == 0) {
		/* "none" is an empty allow list; a later line starts anew. */
		j->fam_begun = false;
		j->fam_allow = *v != '\0';
		memset(j->fam, 0, sizeof j->fam);
		return;
	}
	if (*v == '~') {
		invert = true;
		v++;
	}
	if (!j->fam_begun) {
		j->fam_begun = true;
		j->fam_allow = !invert;
	}
	for (w = strtok_r(v, " \t", &save); w != NULL;
	    w = strtok_r(NULL, " \t", &save)) {
		for (i = 0; i < sizeof jail_families / sizeof jail_families[0];
		    i++)
			if (strcmp(w, jail_families[i].name) == 0)
				break;
		if (i == sizeof jail_families / sizeof jail_families[0])
			jail_fatal(j, "%s: no such address family", w);
		j->fam[jail_families[i].af] = invert != j->fam_allow;
	}
}

/* RestrictRealtime=. */
static void
jail_realtime(struct jail *j, char *v)
{
	j->realtime = jail_bool(j, v);
}

/* MemoryDenyWriteExecute=. */
static void
jail_mdwe(struct jail *j, char *v)
{
	j->mdwe = jail_bool(j, v);
}

static const struct jail_key jail_keys[] = {
	{ "SystemCallFilter", jail_syscalls },
	{ "SystemCallErrorNumber", jail_errnum },
	{ "RestrictAddressFamilies", jail_afs },
	{ "RestrictRealtime", jail_realtime },
	{ "MemoryDenyWriteExecute", jail_mdwe },
};

/* Cut the blanks off both ends of s. */
static char *
jail_trim(char *s)
{
	size_t	 n;

	s += strspn(s, " \t");
	for (n = strlen(s); n > 0 && strchr(" \t\r\n", s[n - 1]) != NULL; n--)
		;
	s[n] = '\0';
	return s;
}

/* Read the settings this knows from the unit's [Service] section. */
static void
jail_read(struct jail *j)
{
	char	*buf = NULL, *line, *eq;
	size_t	 cap = 0, i;
	bool	 service = false;
	FILE	*f;

	if ((f = fopen(j->unit, "r")) == NULL)
		jail_fatal(j, "%s: %s", j->unit, strerror(errno));
	while (getline(&buf, &cap, f) != -1) {
		j->line++;
		line = jail_trim(buf);
		if (*line == '\0' || *line == '#' || *line == ';')
			continue;
		if (*line == '[') {
			service = strcmp(line, "[Service]") == 0;
			continue;
		}
		if (line[strlen(line) - 1] == '\\')
			jail_fatal(j, "continued lines are not supported");
		if (!service || (eq = strchr(line, '=')) == NULL)
			continue;
		*eq = '\0';
		for (i = 0; i < sizeof jail_keys / sizeof jail_keys[0]; i++)
			if (strcmp(jail_trim(line), jail_keys[i].name) == 0)
				jail_keys[i].parse(j, jail_trim(eq + 1));
	}
	if (ferror(f))
		jail_fatal(j, "%s: %s", j->unit, strerror(errno));
	j->line = 0;
	free(buf);
	fclose(f);
}

/* Check what libseccomp said about the filter for setting. */
static void
jail_ok(const struct jail *j, int rc, const char *setting)
{
	if (rc < 0)
		jail_fatal(j, "%s: libseccomp: %s", setting, strerror(-rc));
}

/* A filter whose unmatched calls get def; we set no_new_privs. */
static scmp_filter_ctx
jail_ctx(const struct jail *j, uint32_t def)
{
	scmp_filter_ctx	 ctx;

	if ((ctx = seccomp_init(def)) == NULL)
		jail_fatal(j, "seccomp_init failed");
	jail_ok(j, seccomp_attr_set(ctx, SCMP_FLTATR_CTL_NNP, 0), "seccomp");
	/* What SystemCallArchitectures=native does to a foreign ABI. */
	jail_ok(j, seccomp_attr_set(ctx, SCMP_FLTATR_ACT_BADARCH,
	    SCMP_ACT_KILL_PROCESS), "seccomp");
	return ctx;
}

/* Load the filter ctx into the kernel and free it. */
static void
jail_load(const struct jail *j, scmp_filter_ctx ctx, const char *setting)
{
	jail_ok(j, seccomp_load(ctx), setting);
	seccomp_release(ctx);
	if (j->verbose)
		fprintf(stderr, "unitjail: %s loaded\n", setting);
}

/* socket(2) of family af, or (af 0) of any family: EAFNOSUPPORT. */
static void
jail_afrule(const struct jail *j, scmp_filter_ctx ctx, enum scmp_compare op,
    int af)
{
	const uint32_t	 no = SCMP_ACT_ERRNO(EAFNOSUPPORT);
	const char	*what = "RestrictAddressFamilies=";

	if (af == 0)
		jail_ok(j, seccomp_rule_add_exact(ctx, no, SCMP_SYS(socket), 0),
		    what);
	else
		jail_ok(j, seccomp_rule_add_exact(ctx, no, SCMP_SYS(socket), 1,
		    SCMP_A0(op, (scmp_datum_t)af)), what);
}

/*
 * RestrictAddressFamilies=: what socket(2) may create.  An allow list
 * has systemd's shape: below the first, above the last, and the holes
 * between them; so AF_UNSPEC (0) is refused too.
 */
static void
jail_load_afs(const struct jail *j)
{
	scmp_filter_ctx	 ctx;
	int		 af, first = 0, last = 0;

	if (!j->fam_begun && !j->fam_allow)
		return;
	ctx = jail_ctx(j, SCMP_ACT_ALLOW);
	for (af = 1; af < AF_MAX; af++)
		if (j->fam[af]) {
			if (first == 0)
				first = af;
			last = af;
			if (!j->fam_allow)
				jail_afrule(j, ctx, SCMP_CMP_EQ, af);
		}
	if (j->fam_allow && first == 0)
		jail_afrule(j, ctx, SCMP_CMP_EQ, 0);
	else if (j->fam_allow) {
		jail_afrule(j, ctx, SCMP_CMP_LT, first);
		jail_afrule(j, ctx, SCMP_CMP_GT, last);
		for (af = first + 1; af < last; af++)
			if (!j->fam[af])
				jail_afrule(j, ctx, SCMP_CMP_EQ, af);
	}
	jail_load(j, ctx, "RestrictAddressFamilies=");
}

/* RestrictRealtime=: no policy but OTHER, BATCH and IDLE. */
static void
jail_load_realtime(const struct jail *j)
{
	const char	*what = "RestrictRealtime=";
	const uint32_t	 no = SCMP_ACT_ERRNO(EPERM);
	static const int bad[] = { SCHED_FIFO, SCHED_RR, 4 /* SCHED_ISO */ };
	scmp_filter_ctx	 ctx;
	int		 nr = SCMP_SYS(sched_setscheduler);
	size_t		 i;

	if (!j->realtime)
		return;
	ctx = jail_ctx(j, SCMP_ACT_ALLOW);
	for (i = 0; i < sizeof bad / sizeof bad[0]; i++)
		jail_ok(j, seccomp_rule_add_exact(ctx, no, nr, 1,
		    SCMP_A1(SCMP_CMP_EQ, (scmp_datum_t)bad[i])), what);
	/* Also SCHED_DEADLINE, and any policy with SCHED_RESET_ON_FORK. */
	jail_ok(j, seccomp_rule_add_exact(ctx, no, nr, 1,
	    SCMP_A1(SCMP_CMP_GT, (scmp_datum_t)SCHED_IDLE)), what);
	jail_load(j, ctx, what);
}

/* MemoryDenyWriteExecute=: no memory both writable and executable. */
static void
jail_load_mdwe(const struct jail *j)
{
	const char	*what = "MemoryDenyWriteExecute=";
	const uint32_t	 no = SCMP_ACT_ERRNO(EPERM);
	const scmp_datum_t wx = PROT_WRITE | PROT_EXEC, x = PROT_EXEC;
	scmp_filter_ctx	 ctx;

	if (!j->mdwe)
		return;
	ctx = jail_ctx(j, SCMP_ACT_ALLOW);
	jail_ok(j, seccomp_rule_add_exact(ctx, no, SCMP_SYS(mmap), 1,
	    SCMP_A2(SCMP_CMP_MASKED_EQ, wx, wx)), what);
	jail_ok(j, seccomp_rule_add_exact(ctx, no, SCMP_SYS(mprotect), 1,
	    SCMP_A2(SCMP_CMP_MASKED_EQ, x, x)), what);
	jail_ok(j, seccomp_rule_add_exact(ctx, no, SCMP_SYS(pkey_mprotect), 1,
	    SCMP_A2(SCMP_CMP_MASKED_EQ, x, x)), what);
	jail_ok(j, seccomp_rule_add_exact(ctx, no, SCMP_SYS(shmat), 1,
	    SCMP_A2(SCMP_CMP_MASKED_EQ, SHM_EXEC, SHM_EXEC)), what);
	jail_load(j, ctx, what);
}

/* The seccomp action for a refusal: an errno, or killing the process. */
static uint32_t
jail_refuse(int action)
{
	return action == JAIL_KILL ? SCMP_ACT_KILL_PROCESS :
	    SCMP_ACT_ERRNO((uint32_t)action);
}

/* SystemCallFilter=: the allow or deny list, refusals as configured. */
static void
jail_load_syscalls(const struct jail *j)
{
	const char	*what = "SystemCallFilter=";
	const uint32_t	 no = jail_refuse(j->errnum);
	scmp_filter_ctx	 ctx;
	uint32_t	 act;
	size_t		 i;
	char		*name;

	if (!j->sys_begun)
		return;
	ctx = jail_ctx(j, j->sys_allow ? no : SCMP_ACT_ALLOW);
	for (i = 0; i < j->ncalls; i++) {
		if (j->sys_allow)
			act = SCMP_ACT_ALLOW;
		else if (j->calls[i].action != JAIL_DEFAULT)
			act = jail_refuse(j->calls[i].action);
		else
			act = no;
		jail_ok(j, seccomp_rule_add_exact(ctx, act, j->calls[i].nr, 0),
		    what);
		if (j->verbose &&
		    (name = seccomp_syscall_resolve_num_arch(SCMP_ARCH_NATIVE,
		    j->calls[i].nr)) != NULL) {
			fprintf(stderr, "unitjail: %s %s\n", j->sys_allow ?
			    "allow" : "deny", name);
			free(name);
		}
	}
	jail_load(j, ctx, what);
}

/* How to call it. */
static void __attribute__((noreturn))
jail_usage(void)
{
	fprintf(stderr, "usage: unitjail [-v] UNITFILE -- PROGRAM [ARG...]\n");
	exit(127);
}

int
main(int argc, char **argv)
{
	struct jail	 j;
	int		 c;

	memset(&j, 0, sizeof j);
	j.errnum = JAIL_KILL;
	while ((c = getopt(argc, argv, "+v")) != -1) {
		if (c != 'v')
			jail_usage();
		j.verbose = true;
	}
	argv += optind;
	if (argc - optind < 3 || strcmp(argv[1], "--") != 0)
		jail_usage();
	j.unit = argv[0];
	jail_read(&j);
	if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) == -1)
		jail_fatal(&j, "PR_SET_NO_NEW_PRIVS: %s", strerror(errno));
	jail_load_afs(&j);
	jail_load_realtime(&j);
	jail_load_mdwe(&j);
	/* Last, so that nothing of ours but execvp() runs under it. */
	jail_load_syscalls(&j);
	free(j.calls);
	execvp(argv[2], argv + 2);
	fprintf(stderr, "unitjail: %s: %s\n", argv[2], strerror(errno));
	return 127;
}
