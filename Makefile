# pam_mailuser: PAM module and admin tool for mail users kept in SQLite.
#
#   make            build pam_mailuser.so and mailuser-admin into build/
#   make check      install what is missing (root), build, run every test
#   make demo       install what is missing, build, show a login end to end
#   make install    DESTDIR, PREFIX, PAMDIR honoured
#
# The library flags come from pkg-config through a rule
# (tools/build-flags.sh writes $(B)/pkg.cflags and $(B)/pkg.libs), never
# while this file is parsed: "make demo" and "make check" first install
# what is missing, and only then is anything compiled.  A build whose
# libraries are missing stops before compiling, with the apt-get line
# that installs them.

# The one place the version is written: mailuser-admin --version, the
# module's debug line and the man pages' footer take it from here.
VERSION   = 0.9.0

CC       ?= cc
PKG_CONFIG ?= pkg-config
PREFIX   ?= /usr/local
SBINDIR  ?= $(PREFIX)/sbin
MANDIR   ?= $(PREFIX)/share/man
DOCDIR   ?= $(PREFIX)/share/doc/pam_mailuser
PAMDIR   ?= $(or $(shell $(PKG_CONFIG) --variable=libdir pam 2>/dev/null),/usr/lib)/security
B        ?= build

# Read when a recipe runs (after the rule below has written them).
PKG_FLAGS  = $(B)/pkg.cflags $(B)/pkg.libs
PKG_CFLAGS = $(file <$(B)/pkg.cflags)
PKG_LIBS   = $(file <$(B)/pkg.libs)

CFLAGS   ?= -O2 -g
WARN      = -Wall -Wextra -Werror -Wformat=2 -Wshadow -Wmissing-prototypes \
            -Wstrict-prototypes -Wwrite-strings
HARDEN    = -D_FORTIFY_SOURCE=2 -fstack-protector-strong -fPIC
ifeq ($(SAN),1)
HARDEN   += -fsanitize=address,undefined -fno-sanitize-recover=all \
            -fno-omit-frame-pointer
SANLD     = -fsanitize=address,undefined
endif
INC       = -Ipam_mailuser/core -Ipam_mailuser/store
ALL_CFLAGS = -std=gnu11 $(WARN) $(HARDEN) $(PKG_CFLAGS) $(INC) \
             -DMU_VERSION='"$(VERSION)"' $(CFLAGS)
ALL_LDFLAGS = -Wl,-z,relro,-z,now -Wl,--as-needed $(SANLD) $(LDFLAGS)

# pam_mailuser/core: names, configuration, hashes, policy (no store);
# pam_mailuser/store: the store interface and its backends;
# pam_mailuser/pam: the PAM glue.  core and store make libmailuser.a.
CORE_SRC  = $(wildcard pam_mailuser/core/*.c pam_mailuser/store/*.c)
CORE_OBJ  = $(CORE_SRC:%.c=$(B)/%.o)
TOOL_SRC  = $(wildcard tools/*.c)
TOOL_OBJ  = $(TOOL_SRC:%.c=$(B)/%.o)
HDRS      = $(wildcard pam_mailuser/*/*.h tools/*.h) $(B)/schema_sql.h \
            $(B)/migrations_sql.h
MIGRATIONS = $(sort $(wildcard sql/sqlite/migrations/[0-9]*.sql \
             sql/postgresql/migrations/[0-9]*.sql))

LIB       = $(B)/libmailuser.a
MODULE    = $(B)/pam_mailuser.so
ADMIN     = $(B)/mailuser-admin
TESTBIN   = $(B)/test_unit $(B)/test_names $(B)/test_policy $(B)/test_module $(B)/test_lockout \
            $(B)/test_timing $(B)/test_window \
            $(B)/test_passwd $(B)/test_symbols $(B)/test_pgsql \
            $(B)/pam_settok.so $(B)/pamtry $(B)/bench_pam

# Build and test dependencies, by Debian package name.
DEPS_BUILD = gcc make pkg-config libpam0g-dev libcrypt-dev libcrack2-dev \
             cracklib-runtime libsqlite3-dev libidn2-dev libunistring-dev \
             libpq-dev libunbound-dev
DEPS_TEST  = sqlite3 mandoc valgrind jq pamtester db-util libpam-pwdfile \
             fail2ban python3 procps dovecot-imapd dovecot-pop3d sasl2-bin \
             libsasl2-modules postfix swaks clang libclang-rt-14-dev \
             fuse3 libfuse3-dev postgresql-15 unbound rbldnsd
DEPS_BENCH = db-util libpam-pwdfile linux-perf policyd-rate-limit

MANPAGES  = $(B)/man/pam_mailuser.8 $(B)/man/mailuser-admin.8 \
            $(B)/man/mailuser.conf.5

.PHONY: all check demo deps install uninstall clean tests asan bench bench-deps
all: $(MODULE) $(ADMIN) $(MANPAGES)

# Flags of the installed libraries; stops with the apt-get line when one
# is missing.  The version is in the Makefile: objects follow it.
$(PKG_FLAGS) &: tools/build-flags.sh Makefile
	@PKG_CONFIG='$(PKG_CONFIG)' CC='$(CC)' sh tools/build-flags.sh $(B)/pkg

$(B)/%.o: %.c $(HDRS) $(PKG_FLAGS)
	@mkdir -p $(dir $@)
	$(CC) $(ALL_CFLAGS) -I$(B) -c -o $@ $<

# The man pages with the version in their footer (.Os).
$(B)/man/%: doc/% Makefile
	@mkdir -p $(B)/man
	sed 's/^\.Os$$/.Os pam_mailuser $(VERSION)/' $< > $@.tmp && mv $@.tmp $@

# sql/BACKEND/schema.sql as the string schema_BACKEND, and
# sql/BACKEND/migrations/NNNN.sql as migration_BACKEND_NNNN: init and
# migrate (pam_mailuser/store/schema.c).
$(B)/schema_sql.h: sql/sqlite/schema.sql sql/postgresql/schema.sql \
    tools/embed.sh Makefile
	@mkdir -p $(B)
	{ sh tools/embed.sh schema_sqlite < sql/sqlite/schema.sql && \
	  sh tools/embed.sh schema_postgresql < sql/postgresql/schema.sql; \
	} > $@.tmp && mv $@.tmp $@

$(B)/migrations_sql.h: $(MIGRATIONS) tools/embed.sh Makefile
	@mkdir -p $(B)
	for f in $(MIGRATIONS); do \
	    b=$$(basename $$(dirname $$(dirname $$f))); \
	    sh tools/embed.sh migration_$${b}_$$(basename $$f .sql) < $$f || \
	        exit 1; \
	done > $@.tmp && mv $@.tmp $@

$(LIB): $(CORE_OBJ)
	rm -f $@
	ar rcs $@ $^

# -z nodelete: libpam unloads the module at every pam_end; kept mapped,
# it and libsqlite3 are not loaded and relocated again for every login.
$(MODULE): $(B)/pam_mailuser/pam/pam_mailuser.o $(LIB) pam_mailuser/pam/pam_mailuser.map
	$(CC) -shared -o $@ $< $(LIB) $(ALL_LDFLAGS) -Wl,--no-undefined -Wl,-z,nodelete \
	    -Wl,--version-script=pam_mailuser/pam/pam_mailuser.map $(PKG_LIBS)

$(ADMIN): $(TOOL_OBJ) $(LIB)
	$(CC) -o $@ $(TOOL_OBJ) $(LIB) $(ALL_LDFLAGS) -pie $(PKG_LIBS)

# ---- tests -------------------------------------------------------------
tests: all $(TESTBIN)

$(B)/test_unit: $(B)/tests/unit/test_unit.o $(LIB)
	$(CC) -o $@ $^ $(ALL_LDFLAGS) $(PKG_LIBS)

$(B)/test_names: $(B)/tests/unit/test_names.o $(LIB)
	$(CC) -o $@ $^ $(ALL_LDFLAGS) $(PKG_LIBS)

$(B)/test_module: $(B)/tests/module/test_module.o $(B)/tests/module/harness.o $(LIB)
	$(CC) -o $@ $^ $(ALL_LDFLAGS) $(PKG_LIBS) -ldl

$(B)/test_lockout: $(B)/tests/module/test_lockout.o $(B)/tests/module/harness.o $(LIB)
	$(CC) -o $@ $^ $(ALL_LDFLAGS) $(PKG_LIBS)

$(B)/test_timing: $(B)/tests/module/test_timing.o $(B)/tests/module/harness.o $(LIB)
	$(CC) -o $@ $^ $(ALL_LDFLAGS) $(PKG_LIBS) -lm

$(B)/test_policy: $(B)/tests/unit/test_policy.o $(LIB)
	$(CC) -o $@ $^ $(ALL_LDFLAGS) $(PKG_LIBS)

$(B)/test_window: $(B)/tests/unit/test_window.o $(LIB)
	$(CC) -o $@ $^ $(ALL_LDFLAGS) $(PKG_LIBS)

# The PostgreSQL backend against a private server (tests/unit/
# test_pgsql.sh BUILD, as root).
$(B)/test_pgsql: $(B)/tests/unit/test_pgsql.o $(LIB)
	$(CC) -o $@ $^ $(ALL_LDFLAGS) $(PKG_LIBS)

$(B)/test_passwd: $(B)/tests/module/test_passwd.o $(B)/tests/module/harness.o $(LIB)
	$(CC) -o $@ $^ $(ALL_LDFLAGS) $(PKG_LIBS)

$(B)/test_symbols: $(B)/tests/module/test_symbols.o
	$(CC) -o $@ $^ $(ALL_LDFLAGS) -ldl

$(B)/pam_settok.so: $(B)/tests/module/pam_settok.o
	$(CC) -shared -o $@ $< $(ALL_LDFLAGS) -Wl,--no-undefined -lpam

$(B)/pamtry: $(B)/tests/tools/pamtry.o
	$(CC) -o $@ $^ $(ALL_LDFLAGS) -lpam

$(B)/bench_pam: $(B)/tests/bench/bench_pam.o
	$(CC) -o $@ $^ $(ALL_LDFLAGS) -lpam -lcrypt

# the policy load generator of tests/bench/policyd.sh
$(B)/bench_policyd: $(B)/tests/bench/bench_policyd.o
	$(CC) -o $@ $^ $(ALL_LDFLAGS) -pthread

# ---- fuzzing -----------------------------------------------------------
# One libFuzzer harness per parser: tests/fuzz/fuzz_NAME.c becomes
# $(B)/fuzz/NAME, built with clang (whatever CC is) against a copy of the
# core compiled by clang with the same sanitizers and coverage.
# make fuzz runs each for FUZZ_TIME seconds on $(B)/fuzz/corpus/NAME,
# seeded from tests/fuzz/corpus/NAME (only read); crash inputs go to
# $(B)/fuzz/crash-NAME-*.  make check runs each for a few seconds
# (tests/fuzz/run.sh, which builds them with fuzz-build).
FUZZ_CC    = clang
FUZZ_TIME ?= 60
FUZZ_SAN   = -fsanitize=address,undefined -fno-sanitize-recover=all \
             -fno-omit-frame-pointer
FUZZ_CFLAGS = -std=gnu11 -g -O1 -fPIC $(FUZZ_SAN) $(PKG_CFLAGS) \
              $(INC) -Itools -I$(B) -DMU_VERSION='"$(VERSION)"'
FUZZ_NAMES = $(patsubst tests/fuzz/fuzz_%.c,%,$(wildcard tests/fuzz/fuzz_*.c))
FUZZ_BIN   = $(FUZZ_NAMES:%=$(B)/fuzz/%)
FUZZ_LIB   = $(B)/fuzz/libmailuser.a
# the core, and the import line parser (tools/import_parse.c, no SQLite)
FUZZ_OBJ   = $(patsubst %.c,$(B)/fuzz/obj/%.o,$(CORE_SRC) \
             $(wildcard tools/import_parse.c))

.PHONY: fuzz fuzz-build
fuzz-build: $(FUZZ_BIN)

fuzz: fuzz-build
	sh tests/fuzz/run.sh -t $(FUZZ_TIME) -k $(B)/fuzz/corpus -n $(B)

# The core's own warnings are made errors by the cc build; here clang
# only shows them.  The harnesses get -Werror.
$(B)/fuzz/obj/%.o: %.c $(HDRS) $(PKG_FLAGS)
	@mkdir -p $(dir $@)
	$(FUZZ_CC) $(FUZZ_CFLAGS) $(filter-out -Werror,$(WARN)) \
	    -fsanitize=fuzzer-no-link -c -o $@ $<

$(FUZZ_LIB): $(FUZZ_OBJ)
	rm -f $@
	ar rcs $@ $^

$(FUZZ_BIN): $(B)/fuzz/%: tests/fuzz/fuzz_%.c $(wildcard tests/fuzz/*.h) \
    $(FUZZ_LIB) $(HDRS) $(PKG_FLAGS)
	$(FUZZ_CC) $(FUZZ_CFLAGS) $(WARN) -Itests/fuzz -fsanitize=fuzzer \
	    -o $@ $< $(FUZZ_LIB) $(PKG_LIBS)

asan:
	$(MAKE) B=build/asan SAN=1 tests

check: deps
	$(MAKE) tests
	$(MAKE) asan
	sh tests/run.sh

# deps first, then a new make: nothing is compiled before the packages
# are there, whatever the order or -j of the goals.
demo: deps
	$(MAKE) all $(B)/pamtry
	sh tests/demo.sh $(B)

# make bench: pam_mailuser beside pam_userdb and pam_pwdfile (see
# doc/PERFORMANCE.md); fixtures are cached in $(B)/bench-cache.
bench: bench-deps
	$(MAKE) all $(B)/bench_pam $(B)/bench_policyd
	sh tests/bench/bench.sh $(B)

bench-deps:
	@$(MAKE) --no-print-directory deps DEPS_TEST="$(DEPS_TEST) $(DEPS_BENCH)"

deps:
	@missing=""; for p in $(DEPS_BUILD) $(DEPS_TEST); do \
	    dpkg-query -W -f='$${Status}' $$p 2>/dev/null | \
	        grep -q 'install ok installed' || missing="$$missing $$p"; \
	done; \
	if [ -n "$$missing" ]; then \
	    if [ "$$(id -u)" != 0 ]; then \
	        echo "make deps: missing packages:$$missing" >&2; \
	        echo "make deps: run as root, or: apt-get install$$missing" >&2; \
	        exit 1; \
	    fi; \
	    echo "make deps: installing$$missing"; \
	    export DEBIAN_FRONTEND=noninteractive; \
	    echo "postfix postfix/main_mailer_type select No configuration" | \
	        debconf-set-selections; \
	    log=$$(mktemp /tmp/mailuser-apt.XXXXXX) || exit 1; \
	    if ! { apt-get update -qq && apt-get install -y -qq \
	        --no-install-recommends $$missing; } >"$$log" 2>&1; then \
	        cat "$$log" >&2; rm -f "$$log"; \
	        echo "make deps: apt-get failed" >&2; exit 1; \
	    fi; \
	    rm -f "$$log"; \
	fi

install: all
	install -d $(DESTDIR)$(PAMDIR) $(DESTDIR)$(SBINDIR) \
	    $(DESTDIR)$(MANDIR)/man5 $(DESTDIR)$(MANDIR)/man8 $(DESTDIR)$(DOCDIR)
	install -m 0644 $(MODULE) $(DESTDIR)$(PAMDIR)/pam_mailuser.so
	install -m 0755 $(ADMIN) $(DESTDIR)$(SBINDIR)/mailuser-admin
	install -m 0644 $(B)/man/pam_mailuser.8 $(B)/man/mailuser-admin.8 $(DESTDIR)$(MANDIR)/man8/
	install -m 0644 $(B)/man/mailuser.conf.5 $(DESTDIR)$(MANDIR)/man5/
	install -m 0644 README $(DESTDIR)$(DOCDIR)/
	install -d $(DESTDIR)$(DOCDIR)/sql/sqlite $(DESTDIR)$(DOCDIR)/sql/postgresql
	install -m 0644 sql/sqlite/schema.sql $(DESTDIR)$(DOCDIR)/sql/sqlite/
	install -m 0644 sql/postgresql/schema.sql sql/postgresql/roles.sql \
	    $(DESTDIR)$(DOCDIR)/sql/postgresql/
	install -d $(DESTDIR)$(DOCDIR)/fail2ban/filter.d $(DESTDIR)$(DOCDIR)/fail2ban/jail.d
	install -m 0644 doc/fail2ban/filter.d/pam_mailuser.conf $(DESTDIR)$(DOCDIR)/fail2ban/filter.d/
	install -m 0644 doc/fail2ban/jail.d/pam_mailuser.local $(DESTDIR)$(DOCDIR)/fail2ban/jail.d/
	install -m 0644 doc/deploy.md $(DESTDIR)$(DOCDIR)/
	for f in $$(cd doc/examples && find . -type f | sort); do \
	    install -D -m 0644 doc/examples/$$f $(DESTDIR)$(DOCDIR)/examples/$$f || exit 1; \
	done
	install -D -m 0644 doc/bash-completion/mailuser-admin \
	    $(DESTDIR)$(PREFIX)/share/bash-completion/completions/mailuser-admin

uninstall:
	rm -f $(DESTDIR)$(PAMDIR)/pam_mailuser.so $(DESTDIR)$(SBINDIR)/mailuser-admin \
	    $(DESTDIR)$(MANDIR)/man8/pam_mailuser.8 $(DESTDIR)$(MANDIR)/man8/mailuser-admin.8 \
	    $(DESTDIR)$(MANDIR)/man5/mailuser.conf.5 \
	    $(DESTDIR)$(DOCDIR)/README
	rm -rf $(DESTDIR)$(DOCDIR)/sql
	rm -rf $(DESTDIR)$(DOCDIR)/fail2ban $(DESTDIR)$(DOCDIR)/examples
	rm -f $(DESTDIR)$(DOCDIR)/deploy.md
	-rmdir $(DESTDIR)$(DOCDIR)
	rm -f $(DESTDIR)$(PREFIX)/share/bash-completion/completions/mailuser-admin

clean:
	rm -rf build

# ---- mailserver-check ----
# The server's reputation self-check (tools/check/, doc/mailserver-check.8):
# libunbound for DNS (in pkg.libs), OpenSSL's libcrypto for DKIM keys.
# Its parsers (SPF, tag lists, SMTP replies) have libFuzzer harnesses,
# tests/fuzz/fuzz_{spf,tags,smtp}.c, linked with these objects too.
CHECK      = $(B)/mailserver-check
CHECK_SRC  = $(wildcard tools/check/*.c)
CHECK_OBJ  = $(CHECK_SRC:%.c=$(B)/%.o)
CHECK_LIBOBJ = $(filter-out $(B)/tools/check/main.o,$(CHECK_OBJ))
CHECK_HDRS = $(wildcard tools/check/*.h)
CHECK_FUZZ = spf tags smtp
CHECK_FUZZ_OBJ = $(patsubst %.c,$(B)/fuzz/obj/%.o,tools/check/spf.c \
             tools/check/tags.c tools/check/smtp_reply.c \
             tools/check/dnsname.c tools/check/report.c)
DEPS_BUILD += libssl-dev
MANPAGES  += $(B)/man/mailserver-check.8
.PHONY: install-check uninstall-check

all: $(CHECK) $(B)/man/mailserver-check.8
tests: $(B)/test_check
install: install-check
uninstall: uninstall-check

$(CHECK_OBJ) $(CHECK_FUZZ_OBJ) $(B)/tests/check/test_check.o: $(CHECK_HDRS)

# libmailuser.a: the configuration file is read under the module's rules
$(CHECK): $(CHECK_OBJ) $(LIB)
	$(CC) -o $@ $(CHECK_OBJ) $(LIB) $(ALL_LDFLAGS) -pie $(PKG_LIBS) -lcrypto

$(B)/test_check: $(B)/tests/check/test_check.o $(CHECK_LIBOBJ) $(LIB)
	$(CC) -o $@ $^ $(ALL_LDFLAGS) $(PKG_LIBS) -lcrypto

$(CHECK_FUZZ:%=$(B)/fuzz/%): $(CHECK_FUZZ_OBJ)
$(CHECK_FUZZ:%=$(B)/fuzz/%): FUZZ_LIB += $(CHECK_FUZZ_OBJ)

install-check: $(CHECK) $(B)/man/mailserver-check.8
	install -D -m 0755 $(CHECK) $(DESTDIR)$(SBINDIR)/mailserver-check
	install -D -m 0644 $(B)/man/mailserver-check.8 \
	    $(DESTDIR)$(MANDIR)/man8/mailserver-check.8

uninstall-check:
	rm -f $(DESTDIR)$(SBINDIR)/mailserver-check \
	    $(DESTDIR)$(MANDIR)/man8/mailserver-check.8
# ---- end mailserver-check ----

# ---- mailuser-policyd ----
# Per-user sending limits for Postfix (tools/policyd/,
# doc/mailuser-policyd.8): a policy delegation server on the store.  Its
# protocol parser (tools/policyd/proto.c, no I/O) has a libFuzzer
# harness, tests/fuzz/fuzz_policy.c, linked with that object too.
POLICYD      = $(B)/mailuser-policyd
POLICYD_SRC  = $(wildcard tools/policyd/*.c)
POLICYD_OBJ  = $(POLICYD_SRC:%.c=$(B)/%.o)
POLICYD_HDRS = $(wildcard tools/policyd/*.h)
POLICYD_FUZZ_OBJ = $(B)/fuzz/obj/tools/policyd/proto.o
MANPAGES    += $(B)/man/mailuser-policyd.8
.PHONY: install-policyd uninstall-policyd

all: $(POLICYD) $(B)/man/mailuser-policyd.8
install: install-policyd
uninstall: uninstall-policyd

$(POLICYD_OBJ) $(POLICYD_FUZZ_OBJ): $(POLICYD_HDRS)

# mailuser-admin reads the [policyd] defaults ("limit show", "sending")
# with the daemon's own parser.
$(ADMIN): $(B)/tools/policyd/conf.o
$(ADMIN): TOOL_OBJ += $(B)/tools/policyd/conf.o

$(POLICYD): $(POLICYD_OBJ) $(LIB)
	$(CC) -o $@ $(POLICYD_OBJ) $(LIB) $(ALL_LDFLAGS) -pie $(PKG_LIBS)

$(B)/fuzz/policy: $(POLICYD_FUZZ_OBJ)
$(B)/fuzz/policy: FUZZ_LIB += $(POLICYD_FUZZ_OBJ)

install-policyd: $(POLICYD) $(B)/man/mailuser-policyd.8
	install -D -m 0755 $(POLICYD) $(DESTDIR)$(SBINDIR)/mailuser-policyd
	install -D -m 0644 $(B)/man/mailuser-policyd.8 \
	    $(DESTDIR)$(MANDIR)/man8/mailuser-policyd.8
	install -D -m 0644 doc/fail2ban/filter.d/mailuser-policyd.conf \
	    $(DESTDIR)$(DOCDIR)/fail2ban/filter.d/mailuser-policyd.conf

uninstall-policyd:
	rm -f $(DESTDIR)$(SBINDIR)/mailuser-policyd \
	    $(DESTDIR)$(MANDIR)/man8/mailuser-policyd.8 \
	    $(DESTDIR)$(DOCDIR)/fail2ban/filter.d/mailuser-policyd.conf
# ---- end mailuser-policyd ----
