/* test_jsonw.c - the JSON writer's string escaping (jsonw.c: runs of plain
 * bytes copied whole, the rest escaped) against a plain reference that
 * escapes one byte at a time: random strings of every length 0..200 at
 * every alignment, drawn from plain text, the bytes that need escaping
 * (quote, backslash, controls, DEL), valid and broken UTF-8; and keys. */
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "jsonw.h"
#include "utf8.h"

/* The contract of jsonw.h, one byte at a time. */
static size_t reference(const unsigned char *p, size_t n, char *out) {
  static const char hex[] = "0123456789abcdef";
  char *o = out;
  *o++ = '"';
  for (size_t i = 0; i < n;) {
    unsigned char c = p[i];
    uint32_t cp;
    size_t len;
    if (c == '"' || c == '\\') {
      *o++ = '\\';
      *o++ = (char)c;
      i++;
    } else if (c == '\n' || c == '\r' || c == '\t') {
      *o++ = '\\';
      *o++ = c == '\n' ? 'n' : c == '\r' ? 'r' : 't';
      i++;
    } else if (c < 0x20) {
      o += sprintf(o, "\\u00%c%c", hex[c >> 4], hex[c & 15]);
      i++;
    } else if (c < 0x80) {
      *o++ = (char)c;
      i++;
    } else if ((len = utf8_decode(p + i, n - i, &cp)) != 0) {
      memcpy(o, p + i, len);
      o += len;
      i += len;
    } else {
      o += sprintf(o, "\\\\x%c%c", hex[c >> 4], hex[c & 15]);
      i++;
    }
  }
  *o++ = '"';
  return (size_t)(o - out);
}

static uint32_t seed = 7;
static uint32_t rnd(uint32_t n) {
  seed = seed * 1103515245u + 12345u;
  return (seed >> 8) % n;
}

/* Mostly plain text, sometimes a byte to escape or a UTF-8 piece. */
static void random_text(unsigned char *p, size_t n, int plainness) {
  static const unsigned char odd[] = {'"',  '\\', '\n', '\r', '\t', 0x01,
                                      0x1f, 0x7f, 0x80, 0xc3, 0xa9, 0xe2,
                                      0xff, 0x20, 0x7e, 0x21, 0x5b, 0x5d};
  for (size_t i = 0; i < n; i++)
    p[i] = rnd(100) < (uint32_t)plainness ? (unsigned char)(0x20 + rnd(95))
                                          : odd[rnd(sizeof odd)];
  for (size_t i = 0; i < n; i++) /* no NUL: jw_str stops there */
    if (!p[i])
      p[i] = 'x';
}

static void escaping_matches_reference(void **state) {
  (void)state;
  static unsigned char buf[256 + 8];
  static char want[6 * 256 + 8];
  jsonw w;
  jw_init(&w);
  for (int round = 0; round < 40; round++) {
    int plainness = round < 10 ? 100 : round < 30 ? 97 : 60;
    for (size_t n = 0; n <= 200; n++) {
      size_t at = (size_t)rnd(8);
      random_text(buf + at, n, plainness);
      size_t wn = reference(buf + at, n, want);
      jw_reset(&w);
      jw_strn(&w, (const char *)buf + at, n);
      assert_int_equal(w.len, wn);
      assert_memory_equal(w.buf, want, wn);
      /* through jw_str and jw_key (NUL-terminated) */
      buf[at + n] = '\0';
      jw_reset(&w);
      jw_str(&w, (const char *)buf + at);
      assert_int_equal(w.len, wn);
      assert_memory_equal(w.buf, want, wn);
      jw_reset(&w);
      jw_obj_begin(&w);
      jw_key(&w, (const char *)buf + at);
      jw_int(&w, 1);
      assert_int_equal(w.len, wn + 3); /* { key : 1 */
      assert_memory_equal(w.buf + 1, want, wn);
      assert_memory_equal(w.buf + 1 + wn, ":1", 2);
    }
  }
  jw_free(&w);
}

/* Every single byte at every place of a plain 16-byte run. */
static void one_odd_byte_anywhere(void **state) {
  (void)state;
  jsonw w;
  jw_init(&w);
  unsigned char buf[17];
  char want[6 * 17 + 2];
  for (int c = 1; c < 256; c++)
    for (size_t at = 0; at < 16; at++) {
      memset(buf, 'a', 16);
      buf[at] = (unsigned char)c;
      size_t wn = reference(buf, 16, want);
      jw_reset(&w);
      jw_strn(&w, (const char *)buf, 16);
      assert_int_equal(w.len, wn);
      assert_memory_equal(w.buf, want, wn);
    }
  jw_free(&w);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(escaping_matches_reference),
      cmocka_unit_test(one_odd_byte_anywhere),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
