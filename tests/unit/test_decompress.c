/* test_decompress.c - gzip, zstd and xz streams give back exactly what
 * was compressed (several members too); every cut of a compressed stream
 * gives a prefix of it and then an error, never more, never a crash;
 * magic numbers are told apart; a stream that needs more memory than half
 * the budget is refused by name, and the budget is given back. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <lzma.h>
#include <zlib.h>
#include <zstd.h>

#include "budget.h"
#include "decompress.h"

#define PLAIN_LEN 300000

static uint8_t plain[PLAIN_LEN];

static void make_plain(void) {
  uint32_t x = 7;
  for (size_t i = 0; i < PLAIN_LEN; i++) {
    x = x * 1103515245u + 12345u;
    /* compressible, but not trivially */
    plain[i] = (uint8_t)((i % 97 < 60) ? 'a' + (i % 13) : (x >> 16));
  }
}

static size_t gzip_of(const uint8_t *in, size_t n, uint8_t *out, size_t cap) {
  z_stream z;
  memset(&z, 0, sizeof z);
  assert_int_equal(
      deflateInit2(&z, 6, Z_DEFLATED, 15 + 16, 8, Z_DEFAULT_STRATEGY), Z_OK);
  z.next_in = (uint8_t *)in;
  z.avail_in = (uInt)n;
  z.next_out = out;
  z.avail_out = (uInt)cap;
  assert_int_equal(deflate(&z, Z_FINISH), Z_STREAM_END);
  size_t len = cap - z.avail_out;
  deflateEnd(&z);
  return len;
}

static size_t zstd_of(const uint8_t *in, size_t n, uint8_t *out, size_t cap) {
  size_t len = ZSTD_compress(out, cap, in, n, 3);
  assert_false(ZSTD_isError(len));
  return len;
}

static size_t xz_of(const uint8_t *in, size_t n, uint8_t *out, size_t cap) {
  size_t pos = 0;
  assert_int_equal(
      lzma_easy_buffer_encode(1, LZMA_CHECK_CRC64, NULL, in, n, out, &pos, cap),
      LZMA_OK);
  return pos;
}

/* Decompress `z` (len bytes) through the stream; returns the bytes got
 * into out and whether a read failed. */
static size_t read_all(const uint8_t *z, size_t len, uint8_t *out, size_t cap,
                       int *failed) {
  FILE *raw = fmemopen((void *)z, len, "rb");
  assert_non_null(raw);
  uint32_t magic = 0;
  memcpy(&magic, z, len < 4 ? len : 4);
  ms_compression c = ms_compression_of(magic);
  assert_int_not_equal(c, MS_COMPRESSION_NONE);
  uint32_t first = 0;
  FILE *fp = ms_decompressing(raw, c, &first, NULL);
  assert_non_null(fp);
  size_t got = fread(out, 1, cap, fp);
  *failed = ferror(fp) != 0;
  if (got >= 4)
    assert_memory_equal(&first, out, 4);
  fclose(fp);
  return got;
}

static uint8_t packed[2 * PLAIN_LEN], unpacked[2 * PLAIN_LEN];

static void round_trip_and_cuts(size_t (*pack)(const uint8_t *, size_t,
                                               uint8_t *, size_t)) {
  size_t len = pack(plain, PLAIN_LEN, packed, sizeof packed);
  int failed;
  size_t got = read_all(packed, len, unpacked, sizeof unpacked, &failed);
  assert_false(failed);
  assert_int_equal(got, PLAIN_LEN);
  assert_memory_equal(unpacked, plain, PLAIN_LEN);
  /* cuts: a prefix of the plain bytes, then a failure */
  for (size_t cut = 4; cut < len; cut += 1 + cut / 7) {
    got = read_all(packed, cut, unpacked, sizeof unpacked, &failed);
    assert_true(got < PLAIN_LEN);
    assert_memory_equal(unpacked, plain, got);
    assert_true(failed);
    assert_non_null(ms_decompress_error());
  }
}

static void gzip_round_trip(void **state) {
  (void)state;
  round_trip_and_cuts(gzip_of);
}

static void zstd_round_trip(void **state) {
  (void)state;
  round_trip_and_cuts(zstd_of);
}

static void xz_round_trip(void **state) {
  (void)state;
  round_trip_and_cuts(xz_of);
}

static void concatenated_members(void **state) {
  (void)state;
  size_t (*packers[])(const uint8_t *, size_t, uint8_t *,
                      size_t) = {gzip_of, zstd_of, xz_of};
  for (int k = 0; k < 3; k++) {
    size_t a = packers[k](plain, 1000, packed, sizeof packed);
    size_t b = packers[k](plain + 1000, PLAIN_LEN - 1000, packed + a,
                          sizeof packed - a);
    int failed;
    size_t got = read_all(packed, a + b, unpacked, sizeof unpacked, &failed);
    assert_false(failed);
    assert_int_equal(got, PLAIN_LEN);
    assert_memory_equal(unpacked, plain, PLAIN_LEN);
  }
  /* gzip: zero padding after the last member is ignored */
  size_t a = gzip_of(plain, PLAIN_LEN, packed, sizeof packed);
  memset(packed + a, 0, 512);
  int failed;
  size_t got = read_all(packed, a + 512, unpacked, sizeof unpacked, &failed);
  assert_false(failed);
  assert_int_equal(got, PLAIN_LEN);
}

static void corrupt_data_fails(void **state) {
  (void)state;
  size_t len = gzip_of(plain, PLAIN_LEN, packed, sizeof packed);
  for (size_t i = len / 3; i < len / 3 + 32; i++)
    packed[i] ^= 0xa5;
  int failed;
  size_t got = read_all(packed, len, unpacked, sizeof unpacked, &failed);
  /* corrupt codes may still decode into anything, longer or shorter: the
   * failure (at the latest the CRC at the end) is what must come */
  (void)got;
  assert_true(failed);
  assert_non_null(strstr(ms_decompress_error(), "gzip"));
}

static void magic_numbers(void **state) {
  (void)state;
  static const uint8_t gz[4] = {0x1f, 0x8b, 8, 0},
                       zs[4] = {0x28, 0xb5, 0x2f, 0xfd},
                       xz[4] = {0xfd, '7', 'z', 'X'},
                       pcap[4] = {0xd4, 0xc3, 0xb2, 0xa1};
  uint32_t m;
  memcpy(&m, gz, 4);
  assert_int_equal(ms_compression_of(m), MS_COMPRESSION_GZIP);
  memcpy(&m, zs, 4);
  assert_int_equal(ms_compression_of(m), MS_COMPRESSION_ZSTD);
  memcpy(&m, xz, 4);
  assert_int_equal(ms_compression_of(m), MS_COMPRESSION_XZ);
  memcpy(&m, pcap, 4);
  assert_int_equal(ms_compression_of(m), MS_COMPRESSION_NONE);
  assert_string_equal(ms_compression_name(MS_COMPRESSION_ZSTD), "zstd");
}

/* A window or dictionary over half the budget: refused, naming
 * --max-memory (not "corrupt"), before its memory is taken; what the
 * decompressor took is given back when the stream closes. */
static void over_the_budget_refused(void **state) {
  (void)state;
  /* zstd: a frame of raw blocks whose header asks for a 64 MiB window */
  static uint8_t z[64];
  size_t n = 0;
  memcpy(z, "\x28\xb5\x2f\xfd", 4), n = 4;
  z[n++] = 0x00;           /* no content size, window descriptor follows */
  z[n++] = (26 - 10) << 3; /* 2^26 */
  z[n++] = (8 << 3) | 1, z[n++] = 0, z[n++] = 0; /* last raw block, 8 B */
  memcpy(z + n, "abcdefgh", 8), n += 8;
  /* xz: packed with a 64 MiB dictionary */
  static uint8_t x[4096];
  size_t xn = 0;
  lzma_options_lzma lz;
  lzma_lzma_preset(&lz, 1);
  lz.dict_size = 64u << 20;
  lzma_filter filters[] = {{LZMA_FILTER_LZMA2, &lz}, {LZMA_VLI_UNKNOWN, NULL}};
  assert_int_equal(lzma_stream_buffer_encode(filters, LZMA_CHECK_CRC32, NULL,
                                             plain, 1000, x, &xn, sizeof x),
                   LZMA_OK);
  const uint8_t *data[2] = {z, x};
  size_t len[2] = {n, xn};
  for (int k = 0; k < 2; k++) {
    for (int big = 0; big < 2; big++) {
      ms_budget b;
      ms_budget_init(&b, big ? 1ULL << 30 : 32u << 20);
      FILE *raw = fmemopen((void *)data[k], len[k], "rb");
      uint32_t magic, first;
      memcpy(&magic, data[k], 4);
      FILE *fp = ms_decompressing(raw, ms_compression_of(magic), &first, &b);
      assert_non_null(fp);
      size_t got = fread(unpacked, 1, sizeof unpacked, fp);
      if (big) { /* 512 MiB for the decompressor: read */
        assert_false(ferror(fp));
        assert_int_equal(got, k == 0 ? 8 : 1000);
      } else {
        assert_true(ferror(fp));
        assert_int_equal(got, 0);
        const char *why = ms_decompress_error();
        assert_non_null(strstr(why, "--max-memory"));
        assert_null(strstr(why, "corrupt"));
        assert_true(b.peak < 1u << 20); /* nothing large was taken */
      }
      fclose(fp);
      assert_int_equal(b.used, 0);
    }
  }
}

int main(void) {
  make_plain();
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(gzip_round_trip),
      cmocka_unit_test(zstd_round_trip),
      cmocka_unit_test(xz_round_trip),
      cmocka_unit_test(concatenated_members),
      cmocka_unit_test(corrupt_data_fails),
      cmocka_unit_test(magic_numbers),
      cmocka_unit_test(over_the_budget_refused),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
