# mailscope - SMTP and POP3 analyzer for packet captures.
#
#   make          build ./mailscope (installs missing build dependencies first)
#   make run      build, then print the transcripts of the demo capture
#   make test     build and run every test (units, golden, integration)
#   make compare  mailscope against every reference held for pcaps/ (tshark,
#                 Zeek, suricata-verify, Arkime, nDPI): pcaps/DIFFERENCES.md
#   make asan     build ./mailscope-asan (ASan + UBSan) and run the suite on it
#   make valgrind valgrind memcheck over a handful of captures, every output
#   make bench    benchmark against a raw libpcap loop and tshark
#   make bench-report  the HTML report of 10,000 sessions in headless Chromium
#   make bench-live  live loss-free rates on loopback (root; tcpreplay)
#   make fuzz     libFuzzer harnesses, FUZZ_SECONDS each (docs/fuzzing.md)
#   make install  PREFIX=/usr/local DESTDIR= : the binary, the man page, the
#                 systemd unit, /etc/default/mailscope, the logrotate file,
#                 the docs and examples (what the Debian package installs)
#   make deb      build the Debian package (build-deb/), lintian-checked
#   make format   clang-format every source file

PREFIX ?= /usr/local
DESTDIR ?=
SYSCONFDIR ?= /etc
UNITDIR ?= $(PREFIX)/lib/systemd/system
DOCDIR ?= $(PREFIX)/share/doc/mailscope
CC ?= cc
VERSION := 0.1.0

PKGS := libpcap json-c gmime-3.0 glib-2.0 libcrypto zlib libzstd liblzma
# Recursive (=) so that pkg-config runs after the dependency check.
PKG_CFLAGS = $(shell pkg-config --cflags $(PKGS) 2>/dev/null)
PKG_LIBS = $(shell pkg-config --libs $(PKGS) 2>/dev/null)

WARN := -Wall -Wextra -Werror -Wshadow -Wno-unused-parameter
BASE_CFLAGS = -std=c11 -D_GNU_SOURCE -DMAILSCOPE_VERSION='"$(VERSION)"' \
              $(WARN) $(INCLUDES) -I$(BUILD)/gen $(PKG_CFLAGS)
OPT_CFLAGS ?= -O2 -g
ASAN_FLAGS := -O1 -g -fno-omit-frame-pointer -fsanitize=address,undefined \
              -fno-sanitize-recover=undefined

BUILD ?= build
BIN ?= mailscope
EXTRA_CFLAGS ?=
EXTRA_LDFLAGS ?=

# The tree shows the layers (docs/design.md): src/capture -> src/decode ->
# src/flow -> dissectors (with dissectors/model, the record both sides share)
# -> src/output; src/cli is the front.
SRC_DIRS := src/capture src/decode src/flow src/output src/cli dissectors \
            dissectors/model
INCLUDES := $(patsubst %,-I%,$(SRC_DIRS))
SRCS := $(wildcard $(patsubst %,%/*.c,$(SRC_DIRS)))
LIB_SRCS := $(filter-out src/cli/main.c,$(SRCS))
OBJS := $(patsubst %.c,$(BUILD)/%.o,$(SRCS))
LIB_OBJS := $(patsubst %.c,$(BUILD)/%.o,$(LIB_SRCS))
UNIT_SRCS := $(wildcard tests/unit/test_*.c)
UNIT_BINS := $(patsubst tests/unit/%.c,$(BUILD)/tests/%,$(UNIT_SRCS))
HDRS := $(wildcard $(patsubst %,%/*.h,$(SRC_DIRS)))

.PHONY: all deps test-deps build run test unit asan valgrind bench bench-report bench-live install install-files uninstall deb format clean compare

all: deps
	@$(MAKE) --no-print-directory build

deps:
	@scripts/deps.sh

test-deps:
	@scripts/deps.sh test

build: $(BIN)

$(BIN): $(OBJS)
	@echo "  LD      $@"
	@$(CC) $(OPT_CFLAGS) $(EXTRA_CFLAGS) -o $@ $(OBJS) $(PKG_LIBS) -lm $(EXTRA_LDFLAGS)

$(BUILD)/%.o: %.c $(HDRS)
	@mkdir -p $(dir $@)
	@echo "  CC      $<"
	@$(CC) $(BASE_CFLAGS) $(OPT_CFLAGS) $(EXTRA_CFLAGS) -c -o $@ $<

# A unit test may link more than mailscope does: TEST_LIBS_<name>.  The TLS
# record tests run OpenSSL's libssl as the peer that writes the records.
TEST_LIBS_test_tls_records = $(shell pkg-config --libs libssl)
TEST_LIBS_test_tls_layer = $(shell pkg-config --libs libssl)

$(BUILD)/tests/%: tests/unit/%.c $(LIB_OBJS) $(HDRS) $(wildcard tests/unit/*.h)
	@mkdir -p $(dir $@)
	@echo "  TEST    $@"
	@$(CC) $(BASE_CFLAGS) $(OPT_CFLAGS) $(EXTRA_CFLAGS) $(shell pkg-config --cflags cmocka) \
	  -o $@ $< $(LIB_OBJS) $(PKG_LIBS) $(TEST_LIBS_$*) $(shell pkg-config --libs cmocka) -lm $(EXTRA_LDFLAGS)

unit: $(UNIT_BINS)

# The HTML report's style, page body and script are real files, embedded at
# build time (docs/report.md); the script is the .js files joined in order.
REPORT_ASSETS := src/output/report_assets
REPORT_JS := $(patsubst %,$(REPORT_ASSETS)/%.js,util data charts table routes session main)
$(BUILD)/gen/report_assets.h: scripts/embed_assets.sh $(REPORT_ASSETS)/report.css \
    $(REPORT_ASSETS)/body.html $(REPORT_JS)
	@mkdir -p $(dir $@)
	@echo "  GEN     $@"
	@scripts/embed_assets.sh $@ report_css $(REPORT_ASSETS)/report.css -- \
	  report_body $(REPORT_ASSETS)/body.html -- report_js $(REPORT_JS)
$(BUILD)/src/output/report_page.o: $(BUILD)/gen/report_assets.h

run: deps
	@$(MAKE) --no-print-directory build
	./$(BIN) -r pcaps/demo.pcap

test: test-deps
	@$(MAKE) --no-print-directory build unit
	@tests/run_tests.sh --bin ./$(BIN) --units $(BUILD)/tests

compare: test-deps
	@$(MAKE) --no-print-directory build
	@MAILSCOPE=./$(BIN) bash tests/t_compare.sh

asan: test-deps
	@$(MAKE) --no-print-directory BUILD=build-asan BIN=mailscope-asan \
	  OPT_CFLAGS="$(ASAN_FLAGS)" build unit
	@ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 \
	  UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
	  tests/run_tests.sh --bin ./mailscope-asan --units build-asan/tests

valgrind: test-deps
	@$(MAKE) --no-print-directory build
	@MAILSCOPE=./$(BIN) bash tests/t_valgrind.sh

bench: test-deps
	@$(MAKE) --no-print-directory build
	@bench/run.sh

bench-report: test-deps
	@$(MAKE) --no-print-directory build
	@bench/report.sh

bench-live: test-deps
	@$(MAKE) --no-print-directory build
	@bench/live.sh

install: all
	@$(MAKE) --no-print-directory install-files

# Everything a package installs (debian/rules calls this after make build).
SUBST = sed -e 's|@BINDIR@|$(PREFIX)/bin|g' -e 's|@SYSCONFDIR@|$(SYSCONFDIR)|g' \
  -e 's|@DOCDIR@|$(DOCDIR)|g'
install-files: $(BIN)
	install -d $(DESTDIR)$(PREFIX)/bin $(DESTDIR)$(PREFIX)/share/man/man1 \
	  $(DESTDIR)$(UNITDIR) $(DESTDIR)$(SYSCONFDIR)/default \
	  $(DESTDIR)$(SYSCONFDIR)/logrotate.d $(DESTDIR)$(DOCDIR)/examples
	install -m 755 $(BIN) $(DESTDIR)$(PREFIX)/bin/mailscope
	install -m 644 docs/mailscope.1 $(DESTDIR)$(PREFIX)/share/man/man1/mailscope.1
	$(SUBST) packaging/mailscope@.service.in >$(DESTDIR)$(UNITDIR)/mailscope@.service
	$(SUBST) packaging/default.in >$(DESTDIR)$(SYSCONFDIR)/default/mailscope
	$(SUBST) packaging/logrotate.in >$(DESTDIR)$(SYSCONFDIR)/logrotate.d/mailscope
	chmod 644 $(DESTDIR)$(UNITDIR)/mailscope@.service \
	  $(DESTDIR)$(SYSCONFDIR)/default/mailscope \
	  $(DESTDIR)$(SYSCONFDIR)/logrotate.d/mailscope
	install -m 644 README.md docs/*.md docs/mailscope.schema.json $(DESTDIR)$(DOCDIR)/
	install -m 644 docs/examples/* $(DESTDIR)$(DOCDIR)/examples/

uninstall:
	rm -f $(DESTDIR)$(PREFIX)/bin/mailscope \
	  $(DESTDIR)$(PREFIX)/share/man/man1/mailscope.1 \
	  $(DESTDIR)$(UNITDIR)/mailscope@.service \
	  $(DESTDIR)$(SYSCONFDIR)/default/mailscope \
	  $(DESTDIR)$(SYSCONFDIR)/logrotate.d/mailscope
	rm -rf $(DESTDIR)$(DOCDIR)

deb:
	@scripts/make_deb.sh

format:
	clang-format -i $(SRCS) $(HDRS) $(UNIT_SRCS)

clean:
	rm -rf build build-asan build-fuzz build-deb mailscope mailscope-asan

# ---- fuzzing (docs/fuzzing.md) ---------------------------------------------
#   make fuzz        build the libFuzzer harnesses (clang) and run each for
#                    FUZZ_SECONDS with its seeds and dictionary
#   make fuzz-smoke  the test suite's short run (tests/t_fuzz_smoke.sh)
#   make fuzz-seeds  seed corpora from pcaps/ (and FUZZ_EXTRA_CORPUS)
# Harnesses: fuzz_smtp, fuzz_pop3 (fuzz_dissector.c), fuzz_message,
# fuzz_sasl, fuzz_capture, fuzz_tls, fuzz_tls_crypto, fuzz_dns,
# fuzz_decompress, fuzz_options, fuzz_digest.  Each also builds standalone
# (-DFUZZ_STANDALONE, a main() that replays files) into build-asan/fuzz/ with
# the ASan objects, beside the seed maker (fuzz/seeds.c).
FUZZ_HARNESSES := smtp pop3 message sasl capture tls tls_crypto dns decompress options digest
FUZZ_SECONDS ?= 120
FUZZ_SAN := -fsanitize=address,undefined -fno-sanitize-recover=undefined
FUZZ_OPT := -O1 -g -fno-omit-frame-pointer $(FUZZ_SAN)
FUZZ_DEFS ?= -DFUZZ_STANDALONE
FUZZ_LINK ?=
# The checks shared by the harnesses (fuzz_common.c) are not instrumented
# for coverage (FUZZ_CHECK_OPT): what they read is output, not new paths.
FUZZ_CHECK_OPT ?= $(OPT_CFLAGS)
FUZZ_BINS = $(patsubst %,$(BUILD)/fuzz/fuzz_%,$(FUZZ_HARNESSES))
FUZZ_COMMON = $(BUILD)/fuzz/fuzz_common.o
FUZZ_DEPS = $(FUZZ_COMMON) fuzz/fuzz_common.h $(LIB_OBJS) $(HDRS)
FUZZ_CC = $(CC) $(BASE_CFLAGS) -Ifuzz -Itests/unit $(OPT_CFLAGS) $(EXTRA_CFLAGS) \
  $(FUZZ_DEFS) $(FUZZ_LINK)
FUZZ_LIBS = $(PKG_LIBS) -lm $(EXTRA_LDFLAGS)
.PHONY: fuzz fuzz-build fuzz-standalone fuzz-harnesses fuzz-seeds fuzz-smoke

$(FUZZ_COMMON): fuzz/fuzz_common.c fuzz/fuzz_common.h $(HDRS)
	@mkdir -p $(dir $@)
	@echo "  CC      $<"
	@$(CC) $(BASE_CFLAGS) $(FUZZ_CHECK_OPT) $(EXTRA_CFLAGS) $(FUZZ_DEFS) \
	  -c -o $@ $<

$(BUILD)/fuzz/fuzz_smtp $(BUILD)/fuzz/fuzz_pop3: $(BUILD)/fuzz/fuzz_%: \
    fuzz/fuzz_dissector.c $(FUZZ_DEPS)
	@mkdir -p $(dir $@)
	@echo "  FUZZ    $@"
	@$(FUZZ_CC) -DFUZZ_PROTO=MS_PROTO_$(shell echo $* | tr a-z A-Z) -o $@ \
	  $< $(FUZZ_COMMON) $(LIB_OBJS) $(FUZZ_LIBS)

$(BUILD)/fuzz/fuzz_message $(BUILD)/fuzz/fuzz_sasl $(BUILD)/fuzz/fuzz_capture \
    $(BUILD)/fuzz/fuzz_tls $(BUILD)/fuzz/fuzz_tls_crypto \
    $(BUILD)/fuzz/fuzz_dns $(BUILD)/fuzz/fuzz_decompress \
    $(BUILD)/fuzz/fuzz_options $(BUILD)/fuzz/fuzz_digest: \
    $(BUILD)/fuzz/fuzz_%: fuzz/fuzz_%.c $(FUZZ_DEPS) tests/unit/tls_forge.h
	@mkdir -p $(dir $@)
	@echo "  FUZZ    $@"
	@$(FUZZ_CC) -o $@ $< $(FUZZ_COMMON) $(LIB_OBJS) $(FUZZ_LIBS)

# The seed maker replaces dissectors/registry.c with its recording one.
$(BUILD)/fuzz/seeds: fuzz/seeds.c $(LIB_OBJS) $(HDRS)
	@mkdir -p $(dir $@)
	@echo "  LD      $@"
	@$(CC) $(BASE_CFLAGS) $(OPT_CFLAGS) $(EXTRA_CFLAGS) -o $@ $< \
	  $(filter-out $(BUILD)/dissectors/registry.o,$(LIB_OBJS)) $(FUZZ_LIBS)

fuzz-harnesses: $(FUZZ_BINS)

# libFuzzer builds: clang, every object instrumented for coverage.
fuzz-build: test-deps
	@$(MAKE) --no-print-directory BUILD=build-fuzz CC=clang \
	  OPT_CFLAGS="$(FUZZ_OPT) -fsanitize=fuzzer-no-link" \
	  FUZZ_CHECK_OPT="$(FUZZ_OPT)" FUZZ_DEFS= FUZZ_LINK=-fsanitize=fuzzer \
	  fuzz-harnesses

# Standalone replayers (any C compiler), sharing make asan's objects.
fuzz-standalone:
	@$(MAKE) --no-print-directory BUILD=build-asan OPT_CFLAGS="$(ASAN_FLAGS)" \
	  FUZZ_DEFS=-DFUZZ_STANDALONE fuzz-harnesses build-asan/fuzz/seeds

fuzz-seeds: test-deps
	@$(MAKE) --no-print-directory build/fuzz/seeds
	@fuzz/make_seeds.sh build/fuzz/seeds build-fuzz/seeds

fuzz: fuzz-build fuzz-seeds
	@nice -n 10 fuzz/run.sh --seconds $(FUZZ_SECONDS) $(FUZZ_HARNESSES)

fuzz-smoke: test-deps
	@$(MAKE) --no-print-directory build
	@bash tests/t_fuzz_smoke.sh
