# hookline: a webhook receiver for FastCGI and CGI.
# make            build ./hookline
# make test       unit tests, end-to-end tests, fuzz corpora and a short fuzz run
# make check-asan the unit and end-to-end tests under ASan+UBSan
# make fuzz       longer libFuzzer runs (clang)
# make bench      hookline against its floors and peers (bench/README.md)
# make soak       200,000 requests to one FastCGI process: RSS and fds flat
# make static     build/static/hookline: one static x86_64 file, libcurl in
# make dist       build/hookline-VERSION-linux-x86_64.tar.gz from it
# make e2e-static the end-to-end tests against the static binary
# make install PREFIX=/usr/local DESTDIR=   (and make uninstall; README: Deploying)

PREFIX	?= /usr/local
BINDIR	?= $(PREFIX)/bin
MANDIR	?= $(PREFIX)/share/man
DOCDIR	?= $(PREFIX)/share/doc/hookline
# What make install prepares for the server (never overwritten, and left
# by make uninstall): the configuration folder, and the spool and log
# folders owned by the user the web server runs hookline as.
SYSCONFDIR ?= /etc
SPOOLDIR ?= /var/spool/hookline
LOGDIR	?= /var/log/hookline
HOOKLINE_USER ?= www-data

CC	?= cc
PKG_CONFIG ?= pkg-config
PKGS	= json-c libcurl libcrypto inih fcgi

BUILD	?= build
BIN	?= hookline
SANITIZE ?=

WARN	= -Wall -Wextra -Wshadow -Wformat=2 -Wstrict-prototypes \
	  -Wmissing-prototypes -Wpointer-arith -Wvla -Wimplicit-fallthrough
CFLAGS	?= -O2 -g
ifeq ($(CI),true)
WARN	+= -Werror
endif
ifneq ($(SANITIZE),)
CFLAGS	= -O1 -g -fno-omit-frame-pointer -fsanitize=address,undefined \
	  -fno-sanitize-recover=undefined
LDFLAGS	+= -fsanitize=address,undefined
endif
# SAN_DIR (make check-asan sets it): the sanitizers' reports of every
# process go to files there (tests/sanitizer_options.c).
SAN_DIR	?=
SANOBJ	= $(if $(SAN_DIR),$(BUILD)/sanitizer_options.o)
VERSION	:= $(shell cat VERSION 2>/dev/null || echo 0.1.0)

# The static build (make static): glibc -static against Debian's own
# static archives, and a minimal libcurl (HTTP/HTTPS over OpenSSL, names
# by c-ares) built from Debian's curl source into STATIC_DEPS, once.
STATIC	?=
STATIC_DEPS ?= build/static-deps
ifneq ($(STATIC),)
CPPFLAGS += -DHOOKLINE_STATIC -DHOOKLINE_CURL_LINKED -I$(STATIC_DEPS)/curl/include
LDFLAGS	+= -static
endif
CPPFLAGS += -Iinclude -D_GNU_SOURCE -DHOOKLINE_VERSION='"$(VERSION)"' \
	    -DHOOKLINE_FCGI_VERSION='"$(shell $(PKG_CONFIG) --modversion fcgi)"' \
	    $(shell $(PKG_CONFIG) --cflags $(PKGS)) \
	    $(shell $(PKG_CONFIG) --cflags libpq)
ifneq ($(STATIC),)
LDLIBS	+= -lfcgi -linih -ljson-c -L$(STATIC_DEPS)/curl/lib -lcurl -lcares \
	   -lssl -lcrypto -lpthread
else
# libcurl and libpq are not linked: forward.c and db.c load them on first
# use (dlopen). Only libpq's headers are needed to build.
LDLIBS	+= $(shell $(PKG_CONFIG) --libs $(filter-out libcurl,$(PKGS))) -ldl
endif

SRC	= $(wildcard src/*.c)
OBJ	= $(SRC:src/%.c=$(BUILD)/%.o)
LIBOBJ	= $(filter-out $(BUILD)/main.o,$(OBJ))
UNIT_SRC = $(wildcard tests/unit/test_*.c)
UNIT_BIN = $(UNIT_SRC:tests/unit/%.c=$(BUILD)/tests/%)

all: $(BIN)

$(BIN): $(OBJ) $(SANOBJ)
	$(CC) $(LDFLAGS) -o $@ $(OBJ) $(SANOBJ) $(LDLIBS)

ifneq ($(STATIC),)
$(BIN): $(STATIC_DEPS)/curl/.built
endif

$(BUILD)/%.o: src/%.c $(wildcard include/*.h src/*.h) | $(BUILD)
	$(CC) $(CPPFLAGS) $(WARN) $(CFLAGS) -c -o $@ $<

$(BUILD)/sanitizer_options.o: tests/sanitizer_options.c | $(BUILD)
	$(CC) $(CPPFLAGS) $(WARN) $(CFLAGS) -DHOOKLINE_SAN_DIR='"$(SAN_DIR)"' \
	    -c -o $@ $<

$(BUILD)/libhookline.a: $(LIBOBJ)
	rm -f $@ && ar rcs $@ $(LIBOBJ)

$(BUILD) $(BUILD)/tests:
	mkdir -p $@

# Unit tests may ask for -Wl,--wrap=... with a line "// WRAP: sym sym".
$(BUILD)/tests/%: tests/unit/%.c $(wildcard tests/unit/*.h) $(BUILD)/libhookline.a $(SANOBJ) | $(BUILD)/tests
	$(CC) $(CPPFLAGS) -Itests/unit $(WARN) $(CFLAGS) $(LDFLAGS) -o $@ $< \
	    $(patsubst %,-Wl$(,)--wrap=%,$(shell sed -n 's,^// WRAP: ,,p' $<)) \
	    $(SANOBJ) $(BUILD)/libhookline.a $(LDLIBS) -lcmocka
, := ,

unit: $(UNIT_BIN)
	@fail=0; for t in $(UNIT_BIN); do \
	    echo "== $$t"; $$t || fail=1; done; exit $$fail

e2e: $(BIN)
	HOOKLINE_BIN=$(abspath $(BIN)) tests/e2e/run.sh

static: $(STATIC_DEPS)/curl/.built
	$(MAKE) STATIC=1 BUILD=build/static BIN=build/static/hookline \
	    build/static/hookline

$(STATIC_DEPS)/curl/.built: scripts/static-deps.sh
	scripts/static-deps.sh $(STATIC_DEPS)

# The end-to-end suite against the static binary, on one server (CGI:
# what shared hosting runs), forward and send included.
E2E_STATIC_SERVERS ?= apache-cgi
e2e-static: static
	HOOKLINE_BIN=$(abspath build/static/hookline) \
	    E2E_SERVERS="$(E2E_STATIC_SERVERS)" tests/e2e/run.sh

DIST	= hookline-$(VERSION)-linux-x86_64
dist: static
	scripts/dist.sh build/static/hookline $(BUILD)/$(DIST)

dist-check: dist
	tests/dist_check.sh $(BUILD)/$(DIST).tar.gz

fuzz-replay fuzz-short fuzz:
	$(MAKE) -f tests/fuzz/fuzz.mk $@

test: $(BIN) unit install-check e2e e2e-static dist-check fuzz-short

# make install into a scratch root: the binary, both man pages, the examples.
install-check: $(BIN)
	rm -rf $(BUILD)/install-check
	$(MAKE) -s install DESTDIR=$(abspath $(BUILD))/install-check PREFIX=/usr
	test -x $(BUILD)/install-check/usr/bin/hookline
	test -f $(BUILD)/install-check/usr/share/man/man8/hookline.8
	test -f $(BUILD)/install-check/usr/share/man/man5/hookline.conf.5
	test -f $(BUILD)/install-check/usr/share/doc/hookline/conf-examples/hookline.conf
	test -f $(BUILD)/install-check/usr/share/doc/hookline/conf-examples/systemd/hookline.socket
	test -f $(BUILD)/install-check/usr/share/doc/hookline/conf-examples/prometheus/hookline-rules.yml
	test -x $(BUILD)/install-check/usr/share/doc/hookline/examples/hooks.d/github/issues.resident
	test -f $(BUILD)/install-check/usr/share/doc/hookline/examples/resident.c
	test -f $(BUILD)/install-check/etc/hookline/hookline.conf
	test -d $(BUILD)/install-check/var/spool/hookline
	test -d $(BUILD)/install-check/var/log/hookline
	echo '# mine' >$(BUILD)/install-check/etc/hookline/hookline.conf
	$(MAKE) -s install DESTDIR=$(abspath $(BUILD))/install-check PREFIX=/usr >/dev/null
	grep -qx '# mine' $(BUILD)/install-check/etc/hookline/hookline.conf
	$(MAKE) -s uninstall DESTDIR=$(abspath $(BUILD))/install-check PREFIX=/usr >/dev/null
	test ! -e $(BUILD)/install-check/usr/bin/hookline
	test ! -e $(BUILD)/install-check/usr/share/doc/hookline
	test -f $(BUILD)/install-check/etc/hookline/hookline.conf
	test -d $(BUILD)/install-check/var/spool/hookline
	@echo "install-check: ok"

# ASan, LSan and UBSan over the unit tests (the PostgreSQL ones too:
# they start their own server) and the whole end-to-end suite (every
# server, the deployment and t_pg_* cases). Both run even when one
# fails; then any report of any process (SAN_REPORTS, one file each: see
# tests/sanitizer_options.c) is printed and fails the run. A process in
# a systemd unit with PrivateTmp= writes its reports into its own /tmp.
SAN_REPORTS ?= /tmp/hookline-sanitizer.$(shell printf '%s' '$(abspath .)' | cksum | cut -d' ' -f1)
check-asan:
	rm -rf $(SAN_REPORTS) && mkdir -m 1777 $(SAN_REPORTS)
	@rc=0; $(MAKE) -k BUILD=build/asan BIN=build/asan/hookline SANITIZE=1 \
	    SAN_DIR=$(SAN_REPORTS) unit e2e || rc=1; \
	for r in $(SAN_REPORTS)/*; do \
	    [ -f "$$r" ] || continue; rc=1; \
	    echo "== $$r"; head -n 60 "$$r"; done; \
	[ $$rc = 0 ] && echo "check-asan: no sanitizer report"; \
	[ $$rc = 0 ] || echo "check-asan: failed (reports, if any, in $(SAN_REPORTS))"; \
	exit $$rc

demo:
	./scripts/demo.sh

bench: $(BIN) static
	bench/run.sh

soak: $(BIN)
	bench/soak.sh

soak-valgrind: $(BIN)
	SOAK_VALGRIND=1 bench/soak.sh

install: $(BIN)
	install -d $(DESTDIR)$(BINDIR) $(DESTDIR)$(MANDIR)/man8 \
	    $(DESTDIR)$(MANDIR)/man5 $(DESTDIR)$(DOCDIR)/conf-examples/systemd \
	    $(DESTDIR)$(DOCDIR)/conf-examples/prometheus $(DESTDIR)$(DOCDIR)/examples
	install -m 0755 $(BIN) $(DESTDIR)$(BINDIR)/hookline
	install -m 0644 doc/hookline.8 $(DESTDIR)$(MANDIR)/man8/
	install -m 0644 doc/hookline.conf.5 $(DESTDIR)$(MANDIR)/man5/
	install -m 0644 conf-examples/*.conf conf-examples/*.htaccess \
	    conf-examples/crontab $(DESTDIR)$(DOCDIR)/conf-examples/
	install -m 0644 conf-examples/systemd/* \
	    $(DESTDIR)$(DOCDIR)/conf-examples/systemd/
	install -m 0644 conf-examples/prometheus/* \
	    $(DESTDIR)$(DOCDIR)/conf-examples/prometheus/
	cp -R examples/hooks.d $(DESTDIR)$(DOCDIR)/examples/
	install -m 0644 examples/resident.c $(DESTDIR)$(DOCDIR)/examples/
	chmod -R u=rwX,go=rX $(DESTDIR)$(DOCDIR)/examples
	@HOOKLINE_USER='$(HOOKLINE_USER)' scripts/install-dirs.sh \
	    '$(DESTDIR)' '$(SYSCONFDIR)/hookline' '$(SPOOLDIR)' '$(LOGDIR)' \
	    '$(BINDIR)' '$(DOCDIR)'

# What install put there, but the configuration, the spool and the log.
uninstall:
	rm -f $(DESTDIR)$(BINDIR)/hookline $(DESTDIR)$(MANDIR)/man8/hookline.8 \
	    $(DESTDIR)$(MANDIR)/man5/hookline.conf.5
	rm -rf $(DESTDIR)$(DOCDIR)
	@echo "make uninstall: kept $(DESTDIR)$(SYSCONFDIR)/hookline, $(DESTDIR)$(SPOOLDIR) and $(DESTDIR)$(LOGDIR) (yours: remove them by hand)"

clean:
	rm -rf build hookline

.PHONY: all static e2e-static dist dist-check unit install-check e2e test \
	check-asan fuzz fuzz-short fuzz-replay demo bench soak soak-valgrind \
	install uninstall clean
