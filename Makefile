# mailnoc — build, test, bench and install.

PREFIX    ?= /usr/local
DESTDIR   ?=
BINDIR    := $(PREFIX)/bin
SBINDIR   := $(PREFIX)/sbin
MANDIR    := $(PREFIX)/share/man
DATADIR   := $(PREFIX)/share/mailnoc
COMPDIR   := $(PREFIX)/share/bash-completion/completions
# The nodes' restore script (mailbox.helper; /usr/lib/mailnoc in the package).
LIBDIR    := $(PREFIX)/lib/mailnoc

CC        ?= cc
PKGS      := ncursesw libssh2 jansson hiredis zlib
WARN      := -Wall -Wextra -Werror -Wshadow -Wformat=2 -Wvla \
	-Wno-format-truncation
CFLAGS    ?= -O2 -g
BASEFLAGS  = -std=gnu11 -D_GNU_SOURCE $(WARN) -MMD -MP \
	-DMAILNOC_DATADIR='"$(DATADIR)"' -DMAILNOC_SRCDIR='"$(CURDIR)"' \
	$(shell pkg-config --cflags $(PKGS))
# The test build also checks that the console's UI thread does no network
# I/O (backends/uithread.h): the e2e suite runs it.
SANFLAGS  := -O1 -g -fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=undefined \
	-DMAILNOC_CHECK_UI_THREAD

# libunbound (backends/dns.c) and libspf2 (backends/spf.c) have no usable
# pkg-config file on Debian 12 (libunbound.pc names libevent's).
LIBS_CORE  = $(shell pkg-config --libs jansson hiredis libssh2 sqlite3 zlib) \
	-lunbound -lspf2 -lpthread
LIBS_TUI   = $(shell pkg-config --libs ncursesw) -lm
# sd_notify (agent/notify.c) and the /metrics listener (agent/metrics.c):
# mailnocd only.
LIBS_AGENT = $(shell pkg-config --libs libsystemd libmicrohttpd)
LIBS_TEST  = $(shell pkg-config --libs cmocka)

# The layers (docs/architecture.md), lowest first. A layer's code sees only
# the folders it may include: each is compiled against an include root of
# its own (build/inc/LAYER) that holds links to those folders and nothing
# else, so an include in the wrong direction fails the build.
#   core      the pure layer: configuration, model, validation, formats
#   backends  Redis, SSH, Postfix, Dovecot                     (+ core)
#   cmd       the command table and every command               (+ backends)
#   tui       the console                                       (+ cmd)
#   agent     mailnocd                                          (core, backends)
LAYER_DIRS_core     := core
LAYER_DIRS_backends := core backends
LAYER_DIRS_cmd      := core backends cmd
LAYER_DIRS_tui      := core backends cmd tui
LAYER_DIRS_agent    := core backends agent
LAYERS := core backends cmd tui agent

PURE_SRC    := $(wildcard core/*.c)
BACKEND_SRC := $(wildcard backends/*.c)
CMD_SRC     := $(wildcard cmd/*.c)
CORE_SRC  := $(PURE_SRC) $(BACKEND_SRC) $(CMD_SRC)
TUI_SRC   := $(filter-out tui/main.c,$(wildcard tui/*.c))
AGENT_SRC := $(wildcard agent/*.c)
UNIT_SRC  := $(wildcard tests/unit/test_*.c)

# Each unit test is built in the lowest layer it needs and linked against
# that layer's libraries only.
UNIT_LAYER_core     := test_alert test_cluster test_delay test_dnsbl \
	test_filter \
	test_duration test_format test_maillog test_maillog_report \
	test_permit_csv \
	test_policy_input test_qshape test_queue test_shell test_suggest \
	test_validate \
	test_volume test_xalloc \
	test_backup \
	test_logexport \
	test_lineedit \
	test_queued \
	test_trace \
	test_bulk \
	test_osc52 \
	test_notice test_role_mailbox \
	test_trace_msg
UNIT_LAYER_backends := test_policy_store test_postqueue test_queues \
	test_restore test_ssh test_uithread \
	test_msgindex
UNIT_LAYER_cmd      := test_acl test_audit test_config test_confirm \
	test_docs test_policy_cmds test_sudoers \
	test_complete
UNIT_LAYER_tui      := test_cmd test_keymap test_layout test_sparkline \
	test_theme
UNIT_LAYER_agent    := test_agent_probe test_agent_queue_scan test_metrics \
	test_agent_role test_heartbeat test_policy test_policy_conns \
	test_policy_copy test_policy_link test_policy_redis test_agent_maillog \
	test_agent_filter

# Two builds side by side: build/ (release) and build/san/ (ASan + UBSan).
B  := build
BS := build/san

obj    = $(patsubst %.c,$(1)/%.o,$(2))
UNITS  := $(patsubst tests/unit/%.c,%,$(UNIT_SRC))
# Small programs the integration tests drive (tests/tools/*.c).
TOOLS  := $(patsubst tests/tools/%.c,%,$(wildcard tests/tools/*.c))

.SECONDARY:
.PHONY: all test check unit unit-san integration e2e bench install uninstall \
	clean deps demo lab-up lab-down tidy deb

all: $(B)/mailnoc $(B)/mailnocd

deps:
	@scripts/install-deps

# The include roots: build/inc/LAYER links the folders LAYER may include;
# LAYER-test adds tests/ for its unit tests; "all" is for the test tools,
# benches and fuzzers.
LAYER_DIRS_all := core backends cmd tui agent
define include_root
$(B)/inc/$(1)/.made:
	@mkdir -p $$(@D)
	@for d in $(2); do ln -sfn $(CURDIR)/$$$$d $$(@D)/$$$$d; done
	@touch $$@
endef
$(foreach L,$(LAYERS) all,$(eval $(call include_root,$(L),$(LAYER_DIRS_$(L)))))
$(foreach L,$(LAYERS) all,$(eval $(call include_root,$(L)-test,$(LAYER_DIRS_$(L)) tests)))

# The libraries a program of each layer links, highest first.
LAYER_LIBS_core     := libcore.a
LAYER_LIBS_backends := libbackends.a libcore.a
LAYER_LIBS_cmd      := libcmd.a libbackends.a libcore.a
LAYER_LIBS_tui      := libtui.a libcmd.a libbackends.a libcore.a
LAYER_LIBS_agent    := libagent.a libbackends.a libcore.a

# Objects of one layer in one build: $(1) build dir, $(2) flags, $(3) layer.
define layer_rules
$(1)/$(3)/%.o: $(3)/%.c | $(B)/inc/$(3)/.made
	@mkdir -p $$(@D)
	$$(CC) $$(CPPFLAGS) $$(BASEFLAGS) -I$(B)/inc/$(3) $(2) -c -o $$@ $$<

$(patsubst %,$(1)/tests/unit/%.o,$(UNIT_LAYER_$(3))): $(1)/tests/unit/%.o: tests/unit/%.c | $(B)/inc/$(3)-test/.made
	@mkdir -p $$(@D)
	$$(CC) $$(CPPFLAGS) $$(BASEFLAGS) -I$(B)/inc/$(3)-test $(2) -c -o $$@ $$<

$(addprefix $(1)/unit/,$(UNIT_LAYER_$(3))): $(1)/unit/%: $(1)/tests/unit/%.o $(addprefix $(1)/,$(LAYER_LIBS_$(3)))
	@mkdir -p $$(@D)
	$$(CC) $(2) -o $$@ $$^ $$(LIBS_TEST) $(if $(filter tui,$(3)),$$(LIBS_TUI)) $$(LIBS_CORE) $(if $(filter agent,$(3)),$$(LIBS_AGENT))
endef

# Binaries: the console links curses; core and agent never do.
define programs
$(foreach L,$(LAYERS),$(eval $(call layer_rules,$(1),$(2),$(L))))

$(1)/libcore.a: $(call obj,$(1),$(PURE_SRC))
	@mkdir -p $$(@D)
	rm -f $$@; $$(AR) rcs $$@ $$^

$(1)/libbackends.a: $(call obj,$(1),$(BACKEND_SRC))
	@mkdir -p $$(@D)
	rm -f $$@; $$(AR) rcs $$@ $$^

$(1)/libcmd.a: $(call obj,$(1),$(CMD_SRC))
	@mkdir -p $$(@D)
	rm -f $$@; $$(AR) rcs $$@ $$^

$(1)/libtui.a: $(call obj,$(1),$(TUI_SRC)) $(1)/tui/main.o
	@mkdir -p $$(@D)
	rm -f $$@; $$(AR) rcs $$@ $(call obj,$(1),$(TUI_SRC))

$(1)/mailnoc: $(1)/tui/main.o $(addprefix $(1)/,$(LAYER_LIBS_tui))
	$$(CC) $(2) $$(LDFLAGS) -o $$@ $$^ $$(LIBS_TUI) $$(LIBS_CORE)

$(1)/mailnocd: $(call obj,$(1),$(AGENT_SRC)) $(1)/libbackends.a $(1)/libcore.a
	$$(CC) $(2) $$(LDFLAGS) -o $$@ $$^ $$(LIBS_CORE) $$(LIBS_AGENT)

$(1)/libagent.a: $(call obj,$(1),$(filter-out agent/main.c,$(AGENT_SRC)))
	@mkdir -p $$(@D)
	rm -f $$@; $$(AR) rcs $$@ $$^

$(1)/bench/%: $(1)/tests/bench/%.o $(addprefix $(1)/,$(LAYER_LIBS_tui))
	@mkdir -p $$(@D)
	$$(CC) $(2) -o $$@ $$^ $$(LIBS_TUI) $$(LIBS_CORE) -lutil

# The metrics bench times the agent's own counters (agent/metrics.c).
$(1)/bench/bench_metrics: $(1)/tests/bench/bench_metrics.o $(addprefix $(1)/,$(LAYER_LIBS_agent))
	@mkdir -p $$(@D)
	$$(CC) $(2) -o $$@ $$^ $$(LIBS_CORE) $$(LIBS_AGENT)

$(1)/tools/%: $(1)/tests/tools/%.o $(addprefix $(1)/,$(LAYER_LIBS_tui))
	@mkdir -p $$(@D)
	$$(CC) $(2) -o $$@ $$^ $$(LIBS_TUI) $$(LIBS_CORE)

$(1)/tests/%.o: tests/%.c | $(B)/inc/all-test/.made
	@mkdir -p $$(@D)
	$$(CC) $$(CPPFLAGS) $$(BASEFLAGS) -I$(B)/inc/all-test $(2) -c -o $$@ $$<
endef

# A unit test no layer names is an error, not a silent default.
$(foreach t,$(UNITS),$(if $(strip $(foreach L,$(LAYERS),$(filter $(t),$(UNIT_LAYER_$(L))))),,\
	$(error tests/unit/$(t).c: add it to the UNIT_LAYER_ list of the lowest layer it needs)))

$(eval $(call programs,$(B),$(CFLAGS)))
$(eval $(call programs,$(BS),$(SANFLAGS)))

unit: $(addprefix $(B)/unit/,$(UNITS))
	@set -e; for t in $^; do echo "== $$t"; $$t 2>&1; done

unit-san: $(addprefix $(BS)/unit/,$(UNITS)) $(BS)/mailnoc $(BS)/mailnocd
	@set -e; for t in $(addprefix $(BS)/unit/,$(UNITS)); do \
		echo "== $$t (asan+ubsan)"; $$t 2>&1; done

# Integration tests start the lab of real servers; they run the sanitizer
# build so a memory error against a real backend fails the run.
integration: $(BS)/mailnoc $(BS)/mailnocd $(addprefix $(BS)/tools/,$(TOOLS))
	@MAILNOC_BIN=$(BS) tests/integration/run

e2e: $(BS)/mailnoc $(BS)/mailnocd $(addprefix $(BS)/tools/,$(TOOLS))
	@MAILNOC_BIN=$(BS) tests/e2e/run

# check: fast, no servers. test: everything CI runs.
check: unit unit-san fuzz-regress

# Fuzzing (docs/fuzzing.md): one libFuzzer target per parser of outside
# input, built with clang in build/fuzz. `make fuzz` runs each for FUZZ_TIME
# seconds (FUZZ_JOBS at a time) on a working corpus in build/fuzz/corpus seeded from
# tests/fuzz/corpus; fuzz-regress (part of check) runs each over its seeds.
FZ        := $(B)/fuzz
FUZZ_CC   ?= clang-14
FUZZ_TIME ?= 600
FUZZ_JOBS ?= 1
FUZZFLAGS := -O1 -g -fsanitize=address,undefined -fno-omit-frame-pointer \
	-fno-sanitize-recover=undefined -Wno-unknown-warning-option
FUZZERS   := $(patsubst tests/fuzz/%.c,%,$(wildcard tests/fuzz/fuzz_*.c))
.PHONY: fuzz fuzz-regress

$(FZ)/%.o: %.c | $(B)/inc/all-test/.made
	@mkdir -p $(@D)
	$(FUZZ_CC) $(BASEFLAGS) -I$(B)/inc/all-test $(FUZZFLAGS) -fsanitize=fuzzer-no-link -c -o $@ $<

$(FZ)/libmailnoc.a: $(call obj,$(FZ),$(CORE_SRC) $(TUI_SRC) \
	$(filter-out agent/main.c,$(AGENT_SRC)))
	rm -f $@; $(AR) rcs $@ $^

$(FZ)/fuzz_%: $(FZ)/tests/fuzz/fuzz_%.o $(FZ)/libmailnoc.a
	$(FUZZ_CC) $(FUZZFLAGS) -fsanitize=fuzzer -o $@ $^ $(LIBS_TUI) \
		$(LIBS_CORE)

fuzz-regress: $(addprefix $(FZ)/,$(FUZZERS))
	@set -e; for t in $(FUZZERS); do echo "== $$t (corpus)"; \
		$(FZ)/$$t -runs=0 -timeout=10 -artifact_prefix=$(FZ)/ \
			tests/fuzz/corpus/$${t#fuzz_} \
			>$(FZ)/$$t.regress.log 2>&1 || \
			{ cat $(FZ)/$$t.regress.log; exit 1; }; done

fuzz: $(addprefix $(FZ)/,$(FUZZERS))
	@tests/fuzz/run $(FZ) $(FUZZ_TIME) $(FUZZ_JOBS) $(FUZZERS)

test: deps
	@$(MAKE) --no-print-directory all check
	@$(MAKE) --no-print-directory integration

BENCH_SRC := $(wildcard tests/bench/bench_*.c)
BENCHES   := $(patsubst tests/bench/%.c,$(B)/bench/%,$(BENCH_SRC))

bench:
	@scripts/install-deps bench
	@$(MAKE) --no-print-directory all $(BENCHES)
	@tests/bench/run

demo: deps
	@$(MAKE) --no-print-directory all
	@scripts/demo

# The lab's Redis ACL file comes from `mailnoc acl`.
lab-up: $(B)/mailnoc
	@tests/lab/up

lab-down:
	@tests/lab/down

install: all
	install -d $(DESTDIR)$(BINDIR) $(DESTDIR)$(SBINDIR) $(DESTDIR)$(DATADIR)/themes
	install -m 755 $(B)/mailnoc $(DESTDIR)$(BINDIR)/mailnoc
	install -m 755 $(B)/mailnocd $(DESTDIR)$(SBINDIR)/mailnocd
	install -d $(DESTDIR)$(LIBDIR)
	install -m 755 packaging/restore-mailbox $(DESTDIR)$(LIBDIR)/restore-mailbox
	if ls themes/*.theme >/dev/null 2>&1; then \
		install -m 644 themes/*.theme $(DESTDIR)$(DATADIR)/themes/; fi
	install -d $(DESTDIR)$(DATADIR)/templates
	install -m 644 templates/*.txt $(DESTDIR)$(DATADIR)/templates/
	if ls docs/*.1 >/dev/null 2>&1; then install -d $(DESTDIR)$(MANDIR)/man1; \
		install -m 644 docs/*.1 $(DESTDIR)$(MANDIR)/man1/; fi
	if ls docs/*.8 >/dev/null 2>&1; then install -d $(DESTDIR)$(MANDIR)/man8; \
		install -m 644 docs/*.8 $(DESTDIR)$(MANDIR)/man8/; fi
	# Generated from the command table of the binary being installed.
	install -d $(DESTDIR)$(COMPDIR)
	$(B)/mailnoc completion bash > $(DESTDIR)$(COMPDIR)/mailnoc
	chmod 644 $(DESTDIR)$(COMPDIR)/mailnoc

# Debian packages mailnoc and mailnocd into build/deb/ (docs/packaging.md).
deb:
	@scripts/deb

uninstall:
	rm -f $(DESTDIR)$(BINDIR)/mailnoc $(DESTDIR)$(SBINDIR)/mailnocd
	rm -rf $(DESTDIR)$(DATADIR) $(DESTDIR)$(LIBDIR)
	rm -f $(DESTDIR)$(MANDIR)/man1/mailnoc.1 $(DESTDIR)$(MANDIR)/man8/mailnocd.8
	rm -f $(DESTDIR)$(COMPDIR)/mailnoc

tidy:
	clang-tidy $(CORE_SRC) $(TUI_SRC) $(AGENT_SRC) -- $(BASEFLAGS) -I.

clean:
	rm -rf $(B)

# The compiler's dependency files; not the package build's tree (etc/sudoers.d).
-include $(shell find $(B) -path $(B)/deb -prune -o -name '*.d' -type f -print 2>/dev/null)
