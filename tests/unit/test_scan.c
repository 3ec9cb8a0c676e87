/* test_scan.c - the vector scans over body runs against plain loops:
 * every position and length around the 16- and 32-byte steps, the pair at
 * the very end, bytes of every value. */
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "scan.h"

static const uint8_t *naive_pair(const uint8_t *p, const uint8_t *end,
                                 uint8_t a, uint8_t b) {
  for (; end - p >= 2; p++)
    if (p[0] == a && p[1] == b)
      return p;
  return NULL;
}

static size_t naive_bare_lf(const uint8_t *p, size_t n, uint8_t prev) {
  size_t count = 0;
  for (size_t i = 0; i < n; i++)
    if (p[i] == '\n' && (i ? p[i - 1] : prev) != '\r')
      count++;
  return count;
}

static void pair_everywhere(void **state) {
  (void)state;
  uint8_t buf[200];
  for (size_t len = 0; len <= 100; len++)
    for (size_t at = 0; at + 1 < len + 2; at++) {
      memset(buf, 'x', sizeof buf);
      buf[0] = '\n'; /* a lone first byte that is not a pair */
      if (at + 1 < len) {
        buf[at] = '\n';
        buf[at + 1] = '.';
      }
      if (len)
        buf[len - 1] = '\n'; /* a pair cut by the end does not count */
      buf[len] = '.';
      for (size_t off = 0; off < 3 && off <= len; off++)
        assert_ptr_equal(scan_pair(buf + off, buf + len, '\n', '.'),
                         naive_pair(buf + off, buf + len, '\n', '.'));
    }
}

static void random_bytes(void **state) {
  (void)state;
  static uint8_t buf[4096];
  uint32_t x = 5;
  for (int round = 0; round < 2000; round++) {
    size_t n = 0;
    x = x * 1103515245u + 12345u;
    size_t len = (x >> 8) % sizeof buf;
    for (; n < len; n++) {
      x = x * 1103515245u + 12345u;
      static const uint8_t alphabet[] = "\n\r.-a\xff";
      buf[n] = round % 4 ? alphabet[(x >> 12) % 6] : (uint8_t)(x >> 12);
    }
    uint8_t a = round % 2 ? '\n' : '\r', b = round % 3 ? '.' : '-';
    for (size_t off = 0; off < len; off += 1 + len / 7) {
      assert_ptr_equal(scan_pair(buf + off, buf + len, a, b),
                       naive_pair(buf + off, buf + len, a, b));
      uint8_t prev = off ? buf[off - 1] : (uint8_t)(round % 2 ? '\r' : 'x');
      assert_int_equal(scan_bare_lf(buf + off, len - off, prev),
                       naive_bare_lf(buf + off, len - off, prev));
    }
  }
}

/* scan_8bit finds the first byte above 127 wherever it is (every offset
 * of every length up to 200, around the 64-byte rounds), or none. */
static void eight_bit_at_every_offset(void **state) {
  (void)state;
  uint8_t buf[200];
  for (size_t n = 0; n <= sizeof buf; n++) {
    memset(buf, 'a', sizeof buf);
    assert_null(scan_8bit(buf, n));
    for (size_t at = 0; at < n; at++) {
      buf[at] = (uint8_t)(0x80 | at);
      if (at + 1 < n)
        buf[n - 1] = 0xff; /* a later one does not count */
      assert_ptr_equal(scan_8bit(buf, n), buf + at);
      memset(buf, 'a', sizeof buf);
    }
  }
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(pair_everywhere),
      cmocka_unit_test(random_bytes),
      cmocka_unit_test(eight_bit_at_every_offset),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
