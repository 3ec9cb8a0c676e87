# mailscope - SMTP and POP3 analyzer for packet captures.
#
#   make          build ./mailscope (installs missing build dependencies first)
#   make run      build, then print the transcripts of the demo capture
#   make test     build and run every test (units, golden, integration)
#   make asan     build ./mailscope-asan (ASan + UBSan) and run the suite on it
#   make valgrind valgrind memcheck over a handful of captures, every output
#   make bench    benchmark against a raw libpcap loop and tshark
#   make install  PREFIX=/usr/local DESTDIR=
#   make format   clang-format every source file

PREFIX ?= /usr/local
DESTDIR ?=
CC ?= cc
VERSION := 0.1.0

PKGS := libpcap json-c gmime-3.0 glib-2.0 libcrypto
# Recursive (=) so that pkg-config runs after the dependency check.
PKG_CFLAGS = $(shell pkg-config --cflags $(PKGS) 2>/dev/null)
PKG_LIBS = $(shell pkg-config --libs $(PKGS) 2>/dev/null)

WARN := -Wall -Wextra -Werror -Wshadow -Wno-unused-parameter
BASE_CFLAGS = -std=c11 -D_GNU_SOURCE -DMAILSCOPE_VERSION='"$(VERSION)"' \
              $(WARN) -Idissectors -Isrc $(PKG_CFLAGS)
OPT_CFLAGS ?= -O2 -g
ASAN_FLAGS := -O1 -g -fno-omit-frame-pointer -fsanitize=address,undefined \
              -fno-sanitize-recover=undefined

BUILD ?= build
BIN ?= mailscope
EXTRA_CFLAGS ?=
EXTRA_LDFLAGS ?=

SRCS := $(wildcard src/*.c dissectors/*.c)
LIB_SRCS := $(filter-out src/main.c,$(SRCS))
OBJS := $(patsubst %.c,$(BUILD)/%.o,$(SRCS))
LIB_OBJS := $(patsubst %.c,$(BUILD)/%.o,$(LIB_SRCS))
UNIT_SRCS := $(wildcard tests/unit/test_*.c)
UNIT_BINS := $(patsubst tests/unit/%.c,$(BUILD)/tests/%,$(UNIT_SRCS))
HDRS := $(wildcard src/*.h dissectors/*.h)

.PHONY: all deps test-deps build run test unit asan valgrind bench install uninstall format clean

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

$(BUILD)/tests/%: tests/unit/%.c $(LIB_OBJS) $(HDRS)
	@mkdir -p $(dir $@)
	@echo "  TEST    $@"
	@$(CC) $(BASE_CFLAGS) $(OPT_CFLAGS) $(EXTRA_CFLAGS) $(shell pkg-config --cflags cmocka) \
	  -o $@ $< $(LIB_OBJS) $(PKG_LIBS) $(shell pkg-config --libs cmocka) -lm $(EXTRA_LDFLAGS)

unit: $(UNIT_BINS)

run: deps
	@$(MAKE) --no-print-directory build
	./$(BIN) -r pcaps/demo.pcap

test: test-deps
	@$(MAKE) --no-print-directory build unit
	@tests/run_tests.sh --bin ./$(BIN) --units $(BUILD)/tests

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

install: all
	install -d $(DESTDIR)$(PREFIX)/bin $(DESTDIR)$(PREFIX)/share/man/man1
	install -m 755 $(BIN) $(DESTDIR)$(PREFIX)/bin/mailscope
	install -m 644 docs/mailscope.1 $(DESTDIR)$(PREFIX)/share/man/man1/mailscope.1

uninstall:
	rm -f $(DESTDIR)$(PREFIX)/bin/mailscope $(DESTDIR)$(PREFIX)/share/man/man1/mailscope.1

format:
	clang-format -i $(SRCS) $(HDRS) $(UNIT_SRCS)

clean:
	rm -rf build build-asan mailscope mailscope-asan

# libFuzzer harnesses (clang): build/fuzz/fuzz_smtp, build/fuzz/fuzz_pop3.
FUZZ_SRCS := $(filter-out src/%,$(LIB_SRCS))
.PHONY: fuzz
fuzz: deps
	@mkdir -p build/fuzz
	for p in SMTP POP3; do \
	  clang -std=c11 -D_GNU_SOURCE -g -O1 -fsanitize=fuzzer,address,undefined \
	    -Idissectors $$(pkg-config --cflags $(PKGS)) -DFUZZ_PROTO=MS_PROTO_$$p \
	    -o build/fuzz/fuzz_$$(echo $$p | tr A-Z a-z) fuzz/fuzz_dissector.c \
	    $(FUZZ_SRCS) $$(pkg-config --libs $(PKGS)) -lm || exit 1; \
	done
