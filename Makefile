# callwatch: a plain Makefile.
#
#   make            build build/callwatchd and the clients
#   make demo       the daemon on conf/callwatch.yaml, a simulated floor
#   make check      every test, then again under ASan/UBSan (SAN=1)
#   make deps       install missing Debian packages (apt-get, sudo if needed)
#
# SAN=1 builds into build-san/ with AddressSanitizer and UBSan.

PREFIX	?= /usr/local
SAN	?= 0

ifeq ($(SAN),1)
BUILD	?= build-san
SANFLAGS = -fsanitize=address,undefined -fno-sanitize-recover=all \
	   -fno-omit-frame-pointer
else
BUILD	?= build
SANFLAGS =
endif

# pkg-config names, and the Debian packages that provide them.
PKGS	  = libevent libzmq yaml-0.1 libcjson libxxhash
TEST_PKGS = check
# callwatch top is full-screen (ncurses); nothing else links it.
CURSES_PKG = ncursesw
# tests/tools/unitjail (the unit's seccomp filter) links libseccomp.
JAIL_PKG = libseccomp
DEB_PKGS  = build-essential pkg-config libevent-dev libzmq3-dev \
	    libyaml-dev libcjson-dev libxxhash-dev libncurses-dev check \
	    libseccomp-dev systemd groff-base tmux

# Recursive (=) so they are read after `deps` has installed the packages.
PKG_CFLAGS	= $(shell pkg-config --cflags $(PKGS))
PKG_LIBS	= $(shell pkg-config --libs $(PKGS))
CHECK_CFLAGS	= $(shell pkg-config --cflags $(TEST_PKGS))
CHECK_LIBS	= $(shell pkg-config --libs $(TEST_PKGS))

WARN	= -Wall -Wextra -Werror -Wshadow -Wstrict-prototypes \
	  -Wmissing-prototypes -Wmissing-declarations -Wpointer-arith \
	  -Wformat=2 -Wundef -Wwrite-strings -Wvla -Wimplicit-fallthrough \
	  -Wcast-align -Wold-style-definition -Wredundant-decls
CFLAGS	?= -O2 -g
ALL_CFLAGS = -std=gnu11 $(WARN) $(CFLAGS) $(SANFLAGS) -D_GNU_SOURCE -Itests/lib \
	  -Iinclude -Idaemon $(PKG_CFLAGS) -MMD -MP
ALL_LDFLAGS = $(LDFLAGS) $(SANFLAGS)

# Every daemon module but main.c goes into a library the tests link.
DAEMON_SRCS = $(filter-out daemon/main.c,$(wildcard daemon/*.c))
# The wallboard's page, built into the daemon as C arrays.
WEB_FILES = daemon/web/index.html daemon/web/app.js daemon/web/style.css
DAEMON_OBJS = $(DAEMON_SRCS:%.c=$(BUILD)/obj/%.o) $(BUILD)/obj/gen/webfiles.o
LIBCW	= $(BUILD)/libcw.a

CLIENTS	= callwatch callwatch-sim callwatch-qlog callwatch-ami \
	  callwatch-esl
CLIENT_BINS = $(CLIENTS:%=$(BUILD)/%)
# What the supervisor clients share (clients/client.h).
CLIENT_LIB_OBJS = $(BUILD)/obj/clients/client.o $(BUILD)/obj/clients/follow.o \
		  $(BUILD)/obj/clients/bridge.o
# The callwatch command's subcommands that live in files of their own.
CALLWATCH_OBJS = $(BUILD)/obj/clients/callwatch.o $(BUILD)/obj/clients/tail.o \
		 $(BUILD)/obj/clients/top.o

TEST_TOOLS = bank2jsonl bankcheck unitjail
TEST_TOOL_BINS = $(TEST_TOOLS:%=$(BUILD)/tests/%)
TEST_SRCS = $(wildcard tests/check_*.c)
TEST_BINS = $(TEST_SRCS:tests/%.c=$(BUILD)/tests/%)
TEST_LIB_SRCS = $(wildcard tests/lib/*.c)
TEST_LIB_OBJS = $(TEST_LIB_SRCS:%.c=$(BUILD)/obj/%.o)

DEPS_OK	= $(BUILD)/.deps-ok

.PHONY: all deps demo check test test-san valgrind bench clean install \
	format tidy cppcheck

all: $(BUILD)/callwatchd $(CLIENT_BINS)

# Install what pkg-config cannot find; apt-get update only if needed.
deps:
	@missing=; \
	command -v pkg-config >/dev/null || missing=pkg-config; \
	command -v cc >/dev/null || missing="$$missing build-essential"; \
	command -v systemd-analyze >/dev/null || missing="$$missing systemd"; \
	command -v groff >/dev/null || missing="$$missing groff-base"; \
	command -v tmux >/dev/null || missing="$$missing tmux"; \
	if command -v pkg-config >/dev/null; then \
	  for p in $(PKGS) $(TEST_PKGS) $(CURSES_PKG) $(JAIL_PKG); do \
	    pkg-config --exists $$p || missing="$$missing $$p"; \
	  done; \
	fi; \
	if [ -n "$$missing" ]; then \
	  echo "deps: missing:$$missing; installing $(DEB_PKGS)"; \
	  sudo=; [ "$$(id -u)" = 0 ] || sudo=sudo; \
	  export DEBIAN_FRONTEND=noninteractive; \
	  $$sudo apt-get install -y -q --no-install-recommends $(DEB_PKGS) || \
	  { $$sudo apt-get update -q && \
	    $$sudo apt-get install -y -q --no-install-recommends $(DEB_PKGS); }; \
	fi
	@# The wallboard's browser tests: Debian's Chromium, and Node with npm
	@# (any Node 18 or later; Debian's packages when there is none).
	@missing=; \
	command -v chromium >/dev/null || missing=chromium; \
	command -v node >/dev/null || missing="$$missing nodejs"; \
	command -v npm >/dev/null || missing="$$missing npm"; \
	if [ -n "$$missing" ]; then \
	  echo "deps: missing:$$missing; installing it"; \
	  sudo=; [ "$$(id -u)" = 0 ] || sudo=sudo; \
	  export DEBIAN_FRONTEND=noninteractive; \
	  $$sudo apt-get install -y -q --no-install-recommends $$missing || \
	  { $$sudo apt-get update -q && \
	    $$sudo apt-get install -y -q --no-install-recommends $$missing; }; \
	fi

$(DEPS_OK):
	@$(MAKE) --no-print-directory deps
	@mkdir -p $(@D) && touch $@

$(BUILD)/obj/%.o: %.c | $(DEPS_OK)
	@mkdir -p $(@D)
	$(CC) $(ALL_CFLAGS) -c -o $@ $<

$(BUILD)/gen/webfiles.c: $(WEB_FILES) daemon/web/embed.sh
	@mkdir -p $(@D)
	sh daemon/web/embed.sh $(WEB_FILES) >$@.tmp && mv $@.tmp $@

$(BUILD)/obj/gen/webfiles.o: $(BUILD)/gen/webfiles.c | $(DEPS_OK)
	@mkdir -p $(@D)
	$(CC) $(ALL_CFLAGS) -c -o $@ $<

$(LIBCW): $(DAEMON_OBJS)
	@rm -f $@
	$(AR) rcs $@ $^

$(BUILD)/callwatchd: $(BUILD)/obj/daemon/main.o $(LIBCW)
	$(CC) $(ALL_LDFLAGS) -o $@ $^ $(PKG_LIBS) -lm

$(BUILD)/callwatch-%: $(BUILD)/obj/clients/%.o $(CLIENT_LIB_OBJS) $(LIBCW)
	$(CC) $(ALL_LDFLAGS) -o $@ $^ $(PKG_LIBS) -lm

$(BUILD)/callwatch: $(CALLWATCH_OBJS) $(CLIENT_LIB_OBJS) $(LIBCW)
	$(CC) $(ALL_LDFLAGS) -o $@ $^ $(PKG_LIBS) \
	  $(shell pkg-config --libs $(CURSES_PKG)) -lm

$(BUILD)/obj/clients/top.o: ALL_CFLAGS += \
	$(shell pkg-config --cflags $(CURSES_PKG))

$(BUILD)/obj/tests/%.o: tests/%.c | $(DEPS_OK)
	@mkdir -p $(@D)
	$(CC) $(ALL_CFLAGS) $(CHECK_CFLAGS) -c -o $@ $<

$(BUILD)/tests/check_%: $(BUILD)/obj/tests/check_%.o $(TEST_LIB_OBJS) \
		$(LIBCW)
	@mkdir -p $(@D)
	$(CC) $(ALL_LDFLAGS) -o $@ $^ $(CHECK_LIBS) $(PKG_LIBS) -lm

$(BUILD)/tests/%: $(BUILD)/obj/tests/tools/%.o $(LIBCW)
	@mkdir -p $(@D)
	$(CC) $(ALL_LDFLAGS) -o $@ $^ $(PKG_LIBS) -lm

$(BUILD)/obj/tests/tools/%.o: tests/tools/%.c | $(DEPS_OK)
	@mkdir -p $(@D)
	$(CC) $(ALL_CFLAGS) -c -o $@ $<

# unitjail needs libseccomp and none of the daemon.
$(BUILD)/tests/unitjail: $(BUILD)/obj/tests/tools/unitjail.o
	@mkdir -p $(@D)
	$(CC) $(ALL_LDFLAGS) -o $@ $^ $(shell pkg-config --libs $(JAIL_PKG))

$(BUILD)/obj/tests/tools/unitjail.o: ALL_CFLAGS += \
	$(shell pkg-config --cflags $(JAIL_PKG))

# Run every suite; each prints its own summary.  Black-box suites find the
# daemon and tools through CW_BUILD.
# playwright-core, pinned in tests/browser/package-lock.json.
BROWSER_MODS = tests/browser/node_modules/.package-lock.json
$(BROWSER_MODS): tests/browser/package.json tests/browser/package-lock.json \
    | $(DEPS_OK)
	cd tests/browser && npm ci --no-audit --no-fund --loglevel=error
	@touch $@

test: all $(TEST_BINS) $(TEST_TOOL_BINS) $(BROWSER_MODS)
	@CW_BUILD=$(BUILD) CW_SRC=$(CURDIR) tests/run $(TEST_BINS)

test-san:
	@$(MAKE) --no-print-directory SAN=1 test

ifeq ($(SAN),1)
check: test
else
check: test test-san
endif

# The unit suites under valgrind (slow; not part of check).
valgrind: $(TEST_BINS)
	@for t in $(TEST_BINS); do \
	  case $$t in *blackbox*|*replay*|*latejoin*) continue;; esac; \
	  CK_FORK=no CW_BUILD=$(BUILD) CW_SRC=$(CURDIR) valgrind -q \
	    --leak-check=full --errors-for-leak-kinds=definite,indirect \
	    --error-exitcode=1 $$t || exit 1; \
	done

# Benchmarks (never part of check).  The JSON comparison needs json-c and
# jansson besides cJSON; they are installed here, not by `deps`.
BENCH_PKGS = libcjson json-c jansson
# The real month, for the replay figure (as tests/check_replay_bank finds it).
BANK_TSV ?= $(firstword $(wildcard $(CURDIR)/../shared/data/anonymous-bank-1999-02.tsv \
	    /work/shared/data/anonymous-bank-1999-02.tsv))
bench: all $(TEST_TOOL_BINS)
	@for p in $(BENCH_PKGS); do pkg-config --exists $$p || missing=1; done; \
	if [ -n "$$missing" ]; then \
	  sudo=; [ "$$(id -u)" = 0 ] || sudo=sudo; \
	  $$sudo apt-get install -y -q --no-install-recommends \
	    libcjson-dev libjson-c-dev libjansson-dev; \
	fi
	@mkdir -p $(BUILD)/bench
	$(CC) -std=gnu11 -O2 -g -Wall -Wextra -Werror -D_GNU_SOURCE \
	  -Iinclude -Idaemon $$(pkg-config --cflags $(BENCH_PKGS)) \
	  -o $(BUILD)/bench/bench_json tests/bench/bench_json.c $(LIBCW) \
	  $$(pkg-config --libs $(BENCH_PKGS)) $(PKG_LIBS) -lm
	$(BUILD)/bench/bench_json --json $(BUILD)/bench/json.json
	$(CC) -std=gnu11 -O2 -g -Wall -Wextra -Werror -D_GNU_SOURCE \
	  $$(pkg-config --cflags libzmq libcjson) -o $(BUILD)/bench/bench \
	  tests/bench/bench.c $$(pkg-config --libs libzmq libcjson) \
	  -lpthread -lm
	$(BUILD)/bench/bench --json $(BUILD)/bench/bench.json $(BENCH_ARGS) \
	  $(BUILD) $(BANK_TSV)

# The daemon on the default config with the simulated floor in front of
# it (at 10:00, whatever the time) and callwatch top on the terminal (tail
# without one); quitting top (q) or Ctrl-C stops all.  State under run/.
demo: all
	@mkdir -p run
	@# Each demo starts with an empty floor: the last demo's calls would
	@# come back from run/state and alert at once.
	@rm -f run/state run/state.journal
	@$(BUILD)/callwatchd -n -c conf/callwatch.yaml
	@trap 'kill $$d $$s 2>/dev/null; wait $$d $$s 2>/dev/null' EXIT INT TERM; \
	$(BUILD)/callwatchd -c conf/callwatch.yaml 2>run/callwatchd.log & \
	d=$$!; sleep 0.5; \
	$(BUILD)/callwatch-sim -c conf/callwatch.yaml --hour 10 \
	  2>run/callwatch-sim.log & s=$$!; \
	echo "wallboard: http://127.0.0.1:7180/ (open it in a browser)"; \
	if [ -t 0 ] && [ -t 1 ]; then \
	  sleep 2; $(BUILD)/callwatch -c conf/callwatch.yaml top; \
	else \
	  echo "callwatchd (log run/callwatchd.log) and callwatch-sim running; no terminal for top, so tail; Ctrl-C stops the demo"; \
	  $(BUILD)/callwatch -c conf/callwatch.yaml tail; \
	fi

clean:
	rm -rf build build-san

format:
	clang-format -i daemon/*.c daemon/*.h clients/*.c clients/*.h tests/*.c

cppcheck:
	cppcheck --quiet --enable=warning,performance,portability \
	  --std=c11 --inline-suppr --error-exitcode=1 \
	  -Iinclude -Idaemon $(shell pkg-config --cflags-only-I libcjson) \
	  daemon clients

tidy:
	clang-tidy --quiet $(DAEMON_SRCS) daemon/main.c clients/client.c \
	  clients/callwatch.c clients/follow.c clients/tail.c clients/sim.c clients/top.c clients/qlog.c clients/ami.c clients/bridge.c clients/esl.c -- \
	  -std=gnu11 -D_GNU_SOURCE -Iinclude -Idaemon $(PKG_CFLAGS)

.SECONDARY:

-include $(shell find $(BUILD)/obj -name '*.d' 2>/dev/null)

# libFuzzer harnesses (tests/fuzz/; never part of check).  clang builds the
# daemon sources again with coverage, ASan and UBSan into build/fuzz/
# (tests/fuzz/pool.c stands in for daemon/pool.c, so ASan sees each call),
# and `make fuzz` runs each harness for FUZZ_SECONDS on its seed corpus
# (`make -j2 fuzz` two at a time; `make fuzz-feed` just one).  New inputs
# go to build/fuzz/corpus/NAME, crashes to build/fuzz/artifacts/NAME.
FUZZ_CC		?= clang
FUZZ_SECONDS	?= 60
FUZZ_DIR	= build/fuzz
FUZZ_NAMES	= feed control config
FUZZ_LEN_feed	= 65536
FUZZ_LEN_control = 4096
FUZZ_LEN_config	= 16384
FUZZ_SEEDS_config = conf/callwatch.yaml $(wildcard tests/conf/*.yaml)
FUZZ_SAN	= -fsanitize=address,undefined,float-divide-by-zero \
		  -fno-sanitize-recover=all -fno-omit-frame-pointer
FUZZ_CFLAGS	= -std=gnu11 -O1 -g $(FUZZ_SAN) -fsanitize=fuzzer-no-link \
		  -D_GNU_SOURCE -Iinclude -Idaemon $(PKG_CFLAGS) -MMD -MP
FUZZ_SRCS	= $(filter-out daemon/main.c daemon/pool.c, \
		  $(wildcard daemon/*.c)) tests/fuzz/fuzz.c tests/fuzz/pool.c
FUZZ_OBJS	= $(FUZZ_SRCS:%.c=$(FUZZ_DIR)/obj/%.o) \
		  $(FUZZ_DIR)/obj/gen/webfiles.o

.PHONY: fuzz $(FUZZ_NAMES:%=fuzz-%)

fuzz: $(FUZZ_NAMES:%=fuzz-%)

# The harnesses' own code is held to the project's warnings.
$(FUZZ_DIR)/obj/tests/fuzz/%.o: FUZZ_WARN = $(WARN)

$(FUZZ_DIR)/obj/%.o: %.c | $(DEPS_OK)
	@mkdir -p $(@D)
	$(FUZZ_CC) $(FUZZ_CFLAGS) $(FUZZ_WARN) -c -o $@ $<

# The wallboard's files, which web.c serves.
$(FUZZ_DIR)/obj/gen/webfiles.o: $(BUILD)/gen/webfiles.c | $(DEPS_OK)
	@mkdir -p $(@D)
	$(FUZZ_CC) $(FUZZ_CFLAGS) -c -o $@ $<

$(FUZZ_DIR)/fuzz_%: $(FUZZ_DIR)/obj/tests/fuzz/fuzz_%.o $(FUZZ_OBJS)
	$(FUZZ_CC) $(FUZZ_SAN) -fsanitize=fuzzer -o $@ $^ $(PKG_LIBS) -lm

$(FUZZ_NAMES:%=fuzz-%): fuzz-%: $(FUZZ_DIR)/fuzz_%
	@mkdir -p $(FUZZ_DIR)/corpus/$* $(FUZZ_DIR)/artifacts/$*
	$(if $(FUZZ_SEEDS_$*),cp $(FUZZ_SEEDS_$*) $(FUZZ_DIR)/corpus/$*/)
	$< -max_total_time=$(FUZZ_SECONDS) -max_len=$(FUZZ_LEN_$*) \
	  -dict=tests/fuzz/$*.dict -close_fd_mask=2 \
	  -artifact_prefix=$(FUZZ_DIR)/artifacts/$*/ \
	  $(FUZZ_DIR)/corpus/$* tests/fuzz/corpus/$*

-include $(shell find $(FUZZ_DIR)/obj -name '*.d' 2>/dev/null)

# Installing.  `make install` copies the daemon, the clients that were
# built, the systemd unit (its paths rewritten to SBINDIR and SYSCONFDIR),
# both man pages and the config under DESTDIR, a staging folder for
# packages (empty: the live system; no root needed for one of your own).
# An existing config is never overwritten: the shipped one goes next to it
# as callwatch.yaml.new.  `make uninstall` removes what install put, except
# the config folder, which may hold your edits.
DESTDIR	?=
SBINDIR	?= $(PREFIX)/sbin
BINDIR	?= $(PREFIX)/bin
SYSCONFDIR ?= /etc
MANDIR	?= $(PREFIX)/share/man
UNITDIR	?= $(shell pkg-config --variable=systemdsystemunitdir systemd \
	     2>/dev/null)
INSTALL_UNITDIR = $(or $(UNITDIR),/lib/systemd/system)
INSTALL_CONFDIR = $(SYSCONFDIR)/callwatch
INSTALL_UNIT_SED = \
	-e 's|/usr/local/sbin/callwatchd|$(SBINDIR)/callwatchd|g' \
	-e 's|/etc/callwatch/callwatch\.yaml|$(INSTALL_CONFDIR)/callwatch.yaml|g'
# conf/callwatch.yaml keeps its state in run/ for `make demo`; installed,
# it uses the default folder (the unit's StateDirectory).
INSTALL_CONF_SED = \
	-e 's|^\(  state_file:\) run/state$$|\1 /var/lib/callwatch/state|' \
	-e 's|^\(  \# Default: /var/lib/callwatch/state\.\)  Here a .*$$|\1|' \
	-e '/^  \# daemon runs, for `make demo`\.$$/d'
# Progress lines are quiet under make -s; the note about a config left
# alone is always printed.
INSTALL_SAY = $(if $(findstring s,$(firstword -$(MAKEFLAGS))),:,echo)

.PHONY: install uninstall

install: all
	install -d "$(DESTDIR)$(SBINDIR)" "$(DESTDIR)$(BINDIR)" \
	  "$(DESTDIR)$(INSTALL_UNITDIR)" "$(DESTDIR)$(MANDIR)/man8" \
	  "$(DESTDIR)$(MANDIR)/man5" "$(DESTDIR)$(MANDIR)/man1" \
	  "$(DESTDIR)$(INSTALL_CONFDIR)"
	install -m 755 $(BUILD)/callwatchd "$(DESTDIR)$(SBINDIR)/callwatchd"
	install -m 755 $(CLIENT_BINS) "$(DESTDIR)$(BINDIR)/"
	install -m 644 $(CLIENTS:%=clients/%.1) "$(DESTDIR)$(MANDIR)/man1/"
	sed $(INSTALL_UNIT_SED) systemd/callwatchd.service \
	  >"$(DESTDIR)$(INSTALL_UNITDIR)/callwatchd.service"
	chmod 644 "$(DESTDIR)$(INSTALL_UNITDIR)/callwatchd.service"
	install -m 644 daemon/callwatchd.8 "$(DESTDIR)$(MANDIR)/man8/callwatchd.8"
	install -m 644 conf/callwatch.yaml.5 \
	  "$(DESTDIR)$(MANDIR)/man5/callwatch.yaml.5"
	@conf="$(DESTDIR)$(INSTALL_CONFDIR)/callwatch.yaml"; \
	if [ ! -e "$$conf" ]; then \
	  $(INSTALL_SAY) "installing the config $$conf"; \
	  sed $(INSTALL_CONF_SED) conf/callwatch.yaml >"$$conf" && \
	  chmod 644 "$$conf"; \
	elif sed $(INSTALL_CONF_SED) conf/callwatch.yaml | cmp -s - "$$conf"; \
	then \
	  $(INSTALL_SAY) "the config $$conf is up to date"; \
	else \
	  sed $(INSTALL_CONF_SED) conf/callwatch.yaml >"$$conf.new" && \
	  chmod 644 "$$conf.new" && \
	  echo "$$conf exists and was left alone;" \
	    "the shipped config is $$conf.new"; \
	fi

uninstall:
	rm -f "$(DESTDIR)$(SBINDIR)/callwatchd" \
	  $(CLIENTS:%="$(DESTDIR)$(BINDIR)/%") \
	  $(CLIENTS:%="$(DESTDIR)$(MANDIR)/man1/%.1") \
	  "$(DESTDIR)$(INSTALL_UNITDIR)/callwatchd.service" \
	  "$(DESTDIR)$(MANDIR)/man8/callwatchd.8" \
	  "$(DESTDIR)$(MANDIR)/man5/callwatch.yaml.5"
	@echo "$(DESTDIR)$(INSTALL_CONFDIR) was left alone (the config may" \
	  "hold your edits); remove it by hand if you no longer want it"
