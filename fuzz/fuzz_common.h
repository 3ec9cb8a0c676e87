/* fuzz_common.h - what the libFuzzer harnesses share (fuzz_common.c).
 *
 * A harness defines LLVMFuzzerTestOneInput().  Built with libFuzzer
 * (clang -fsanitize=fuzzer) that is all; built with -DFUZZ_STANDALONE,
 * fuzz_common.c adds a main() that replays every file (or every file in a
 * directory) named on the command line, so the test suite can replay
 * inputs under ASan without libFuzzer.
 *
 * Besides the sanitizers, the harnesses check what the code promises;
 * a broken promise is a finding too: fuzz_fail() prints what and aborts.
 */
#ifndef MAILSCOPE_FUZZ_COMMON_H
#define MAILSCOPE_FUZZ_COMMON_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "message.h"
#include "record.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* A broken promise: print "fuzz: <what>" and abort (a crash to libFuzzer). */
void fuzz_fail(const char *fmt, ...)
    __attribute__((format(printf, 1, 2), noreturn));
#define FUZZ_CHECK(cond, ...)                                                  \
  do {                                                                         \
    if (!(cond))                                                               \
      fuzz_fail(__VA_ARGS__);                                                  \
  } while (0)

/* A small deterministic generator for split points chosen by the input. */
typedef struct {
  uint32_t state;
} fuzz_rng;
void fuzz_rng_seed(fuzz_rng *r, uint32_t seed);
uint32_t fuzz_rng_next(fuzz_rng *r);
/* A chunk length in [1, max]: mostly short, sometimes long. */
size_t fuzz_rng_chunk(fuzz_rng *r, size_t max);

/* An extraction sink that keeps what is written in memory and checks the
 * sink contract: writes and closes only on open handles, every handle
 * closed by the end.  Files keep their bytes (up to FUZZ_SINK_KEEP each). */
#define FUZZ_SINK_KEEP (1u << 20)
typedef struct {
  char kind[4]; /* "eml" or "att" */
  int index;
  uint8_t *data;
  size_t len, cap;
  uint64_t written; /* all bytes, also past FUZZ_SINK_KEEP */
  bool closed;
} fuzz_file;

typedef struct {
  ms_msg_sink sink;
  VEC(fuzz_file *) files;
  size_t open;
} fuzz_sink;

void fuzz_sink_init(fuzz_sink *k);
/* Checks that every file was closed, then frees them. */
void fuzz_sink_finish(fuzz_sink *k);

/* Every emitter over one finished session: transcript (with and without
 * timestamps), NDJSON, ECS, Zeek.  Checks that each JSON document parses
 * as one JSON object and that the transcript is terminal-safe (UTF-8, no
 * control bytes but newlines, no C1 controls or bidi overrides). */
void fuzz_emit_all(const ms_session *s, bool full_bodies);
/* One jsonw document: parses as exactly one JSON object. */
void fuzz_check_json(const char *what, const char *buf, size_t len);
/* Transcript text: terminal-safe as described above. */
void fuzz_check_terminal_safe(const char *what, const char *buf, size_t len);

#endif
