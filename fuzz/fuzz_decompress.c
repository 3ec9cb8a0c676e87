/* fuzz_decompress.c - libFuzzer harness for src/capture/decompress.c: gzip,
 * zstd and xz streams (members, frames, streams concatenated) read as the
 * capture reader reads them.
 *
 * Input: byte 0 chooses options, the rest is the compressed file.  Bits
 * 0-1: the format when the bytes do not start with a known magic (gzip,
 * zstd, xz, gzip): its magic is put in front, so that mutations reach past
 * it; bit 2: a memory budget of 16 MiB (the decompressor may take 8 MiB of
 * it), else 64 MiB (32 MiB: a dictionary or window past that is refused,
 * the paths of the default bound are the same; allocations stay small);
 * bits 3-7: the seed of the read sizes.
 *
 * Checks beyond the sanitizers: the stream is read twice, in chunks of
 * different sizes: both reads give the same bytes and the same outcome;
 * ftell() counts the bytes handed out; a failed read says why, in the
 * format's name; the decompressor never holds more of the budget than
 * its half (plus its own buffers), and gives all of it back when closed.
 * At most 4 MiB are decompressed (a bomb is the decompressor's own
 * business, bounded by the budget, not the harness's time).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "budget.h"
#include "decompress.h"
#include "fuzz_common.h"

#define MAX_OUT (4u << 20)
#define OWN_BUFFERS (512u << 10) /* dstream: two 128 KiB buffers, state */

typedef struct {
  uint64_t bytes, digest; /* FNV-1a of what was read */
  bool failed;
} outcome;

static outcome read_all(const uint8_t *data, size_t n, ms_compression kind,
                        uint64_t limit, uint32_t seed) {
  outcome o = {0, 0xcbf29ce484222325ULL, false};
  ms_budget b;
  ms_budget_init(&b, limit);
  FILE *raw = fmemopen((void *)data, n, "rb");
  FUZZ_CHECK(raw, "fmemopen failed");
  uint32_t magic;
  FILE *fp = ms_decompressing(raw, kind, &magic, &b);
  FUZZ_CHECK(fp, "ms_decompressing failed");
  fuzz_rng rng;
  fuzz_rng_seed(&rng, seed);
  static uint8_t buf[1 << 17];
  while (o.bytes < MAX_OUT) {
    size_t want = fuzz_rng_chunk(&rng, sizeof buf);
    size_t got = fread(buf, 1, want, fp);
    for (size_t i = 0; i < got; i++)
      o.digest = (o.digest ^ buf[i]) * 0x100000001b3ULL;
    o.bytes += got;
    FUZZ_CHECK((uint64_t)ftell(fp) == o.bytes, "ftell %ld after %llu bytes",
               ftell(fp), (unsigned long long)o.bytes);
    if (got < want) {
      o.failed = ferror(fp) != 0;
      break;
    }
  }
  const char *why = ms_decompress_error();
  if (o.failed) {
    FUZZ_CHECK(why && !strncmp(why, ms_compression_name(kind),
                               strlen(ms_compression_name(kind))),
               "a failed read without its reason (%s)", why ? why : "none");
  }
  FUZZ_CHECK(b.by_kind[MS_MEM_DECOMPRESS] <= limit / 2 + OWN_BUFFERS,
             "the decompressor holds %llu bytes of a %llu-byte budget",
             (unsigned long long)b.by_kind[MS_MEM_DECOMPRESS],
             (unsigned long long)limit);
  fclose(fp);
  FUZZ_CHECK(b.used == 0, "%llu bytes still charged after close",
             (unsigned long long)b.used);
  return o;
}

static const uint8_t magics[4][4] = {{0x1f, 0x8b, 8, 0},
                                     {0x28, 0xb5, 0x2f, 0xfd},
                                     {0xfd, '7', 'z', 'X'},
                                     {0x1f, 0x8b, 8, 0}};

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  if (size < 1)
    return 0;
  uint8_t opts = data[0];
  data++, size--;
  uint32_t magic = 0;
  memcpy(&magic, data, size < 4 ? size : 4);
  ms_compression kind = size >= 4 ? ms_compression_of(magic)
                                  : MS_COMPRESSION_NONE;
  uint8_t *file = NULL;
  if (kind == MS_COMPRESSION_NONE) { /* the chosen format's magic first */
    file = xmalloc(size + 4);
    memcpy(file, magics[opts & 3], 4);
    memcpy(file + 4, data, size);
    memcpy(&magic, file, 4);
    kind = ms_compression_of(magic);
    data = file;
    size += 4;
  }
  uint64_t limit = (opts & 4) ? 16u << 20 : 64u << 20;
  outcome a = read_all(data, size, kind, limit, opts >> 3);
  outcome b = read_all(data, size, kind, limit, 0x9e3779b9u ^ opts);
  FUZZ_CHECK(a.bytes == b.bytes && a.digest == b.digest,
             "two reads differ: %llu and %llu bytes",
             (unsigned long long)a.bytes, (unsigned long long)b.bytes);
  FUZZ_CHECK(a.failed == b.failed || a.bytes >= MAX_OUT,
             "one read failed, the other did not");
  free(file);
  return 0;
}
