# hookline: a webhook receiver for FastCGI and CGI.
# make            build ./hookline
# make test       unit tests, end-to-end tests, fuzz corpora and a short fuzz run
# make check-asan the unit and end-to-end tests under ASan+UBSan
# make fuzz       longer libFuzzer runs (clang)
# make bench      hookline against its floors and peers (bench/README.md)
# make soak       200,000 requests to one FastCGI process: RSS and fds flat
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
VERSION	:= $(shell cat VERSION 2>/dev/null || echo 0.1.0)
CPPFLAGS += -Iinclude -D_GNU_SOURCE -DHOOKLINE_VERSION='"$(VERSION)"' \
	    -DHOOKLINE_FCGI_VERSION='"$(shell $(PKG_CONFIG) --modversion fcgi)"' \
	    $(shell $(PKG_CONFIG) --cflags $(PKGS))
# libcurl is not linked: forward.c loads it on first use (dlopen).
LDLIBS	+= $(shell $(PKG_CONFIG) --libs $(filter-out libcurl,$(PKGS))) -ldl

SRC	= $(wildcard src/*.c)
OBJ	= $(SRC:src/%.c=$(BUILD)/%.o)
LIBOBJ	= $(filter-out $(BUILD)/main.o,$(OBJ))
UNIT_SRC = $(wildcard tests/unit/test_*.c)
UNIT_BIN = $(UNIT_SRC:tests/unit/%.c=$(BUILD)/tests/%)

all: $(BIN)

$(BIN): $(OBJ)
	$(CC) $(LDFLAGS) -o $@ $(OBJ) $(LDLIBS)

$(BUILD)/%.o: src/%.c $(wildcard include/*.h src/*.h) | $(BUILD)
	$(CC) $(CPPFLAGS) $(WARN) $(CFLAGS) -c -o $@ $<

$(BUILD)/libhookline.a: $(LIBOBJ)
	rm -f $@ && ar rcs $@ $(LIBOBJ)

$(BUILD) $(BUILD)/tests:
	mkdir -p $@

# Unit tests may ask for -Wl,--wrap=... with a line "// WRAP: sym sym".
$(BUILD)/tests/%: tests/unit/%.c $(wildcard tests/unit/*.h) $(BUILD)/libhookline.a | $(BUILD)/tests
	$(CC) $(CPPFLAGS) -Itests/unit $(WARN) $(CFLAGS) $(LDFLAGS) -o $@ $< \
	    $(patsubst %,-Wl$(,)--wrap=%,$(shell sed -n 's,^// WRAP: ,,p' $<)) \
	    $(BUILD)/libhookline.a $(LDLIBS) -lcmocka
, := ,

unit: $(UNIT_BIN)
	@fail=0; for t in $(UNIT_BIN); do \
	    echo "== $$t"; $$t || fail=1; done; exit $$fail

e2e: $(BIN)
	HOOKLINE_BIN=$(abspath $(BIN)) tests/e2e/run.sh

fuzz-replay fuzz-short fuzz:
	$(MAKE) -f tests/fuzz/fuzz.mk $@

test: $(BIN) unit install-check e2e fuzz-short

# make install into a scratch root: the binary, both man pages, the examples.
install-check: $(BIN)
	rm -rf $(BUILD)/install-check
	$(MAKE) -s install DESTDIR=$(abspath $(BUILD))/install-check PREFIX=/usr
	test -x $(BUILD)/install-check/usr/bin/hookline
	test -f $(BUILD)/install-check/usr/share/man/man8/hookline.8
	test -f $(BUILD)/install-check/usr/share/man/man5/hookline.conf.5
	test -f $(BUILD)/install-check/usr/share/doc/hookline/conf-examples/hookline.conf
	test -f $(BUILD)/install-check/usr/share/doc/hookline/conf-examples/systemd/hookline.socket
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

check-asan:
	$(MAKE) BUILD=build/asan BIN=build/asan/hookline SANITIZE=1 unit e2e

demo:
	./scripts/demo.sh

bench: $(BIN)
	bench/run.sh

soak: $(BIN)
	bench/soak.sh

soak-valgrind: $(BIN)
	SOAK_VALGRIND=1 bench/soak.sh

install: $(BIN)
	install -d $(DESTDIR)$(BINDIR) $(DESTDIR)$(MANDIR)/man8 \
	    $(DESTDIR)$(MANDIR)/man5 $(DESTDIR)$(DOCDIR)/conf-examples/systemd \
	    $(DESTDIR)$(DOCDIR)/examples
	install -m 0755 $(BIN) $(DESTDIR)$(BINDIR)/hookline
	install -m 0644 doc/hookline.8 $(DESTDIR)$(MANDIR)/man8/
	install -m 0644 doc/hookline.conf.5 $(DESTDIR)$(MANDIR)/man5/
	install -m 0644 conf-examples/*.conf conf-examples/*.htaccess \
	    conf-examples/crontab $(DESTDIR)$(DOCDIR)/conf-examples/
	install -m 0644 conf-examples/systemd/* \
	    $(DESTDIR)$(DOCDIR)/conf-examples/systemd/
	cp -R examples/hooks.d $(DESTDIR)$(DOCDIR)/examples/
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

.PHONY: all unit install-check e2e test check-asan fuzz fuzz-short fuzz-replay demo bench soak \
	soak-valgrind install uninstall clean
