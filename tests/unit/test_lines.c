/* test_lines.c - the line splitter: every split point, CRLF and bare LF,
 * over-long lines, gaps and flushing. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "lines.h"

typedef struct {
  char lines[16][64];
  bool bare[16], long_[16], gap[16];
  int n;
} collected;

static void feed(line_reader *lr, const char *p, size_t n, collected *c) {
  const uint8_t *cur = (const uint8_t *)p, *end = cur + n;
  ms_line l;
  while (line_reader_next(lr, &cur, end, 0, &l)) {
    assert_true(c->n < 16);
    assert_true(l.len < 64);
    memcpy(c->lines[c->n], l.data, l.len);
    c->lines[c->n][l.len] = '\0';
    c->bare[c->n] = l.bare_lf;
    c->long_[c->n] = l.too_long;
    c->gap[c->n] = l.after_gap;
    c->n++;
  }
  assert_ptr_equal(cur, end);
}

static void every_split_gives_the_same_lines(void **state) {
  (void)state;
  const char *input = "EHLO a\r\nMAIL FROM:<x>\nRCPT TO:<y>\r\n\r\nlast";
  size_t n = strlen(input);
  for (size_t a = 0; a <= n; a++) {
    for (size_t b = a; b <= n; b++) {
      line_reader lr;
      line_reader_init(&lr, 1000);
      collected c = {0};
      feed(&lr, input, a, &c);
      feed(&lr, input + a, b - a, &c);
      feed(&lr, input + b, n - b, &c);
      assert_int_equal(c.n, 4);
      assert_string_equal(c.lines[0], "EHLO a");
      assert_false(c.bare[0]);
      assert_string_equal(c.lines[1], "MAIL FROM:<x>");
      assert_true(c.bare[1]);
      assert_string_equal(c.lines[2], "RCPT TO:<y>");
      assert_string_equal(c.lines[3], "");
      assert_int_equal(line_reader_pending(&lr), 4);
      ms_line l;
      assert_true(line_reader_flush(&lr, 0, &l));
      assert_true(l.partial);
      assert_int_equal(l.len, 4);
      assert_memory_equal(l.data, "last", 4);
      assert_false(line_reader_flush(&lr, 0, &l));
      line_reader_free(&lr);
    }
  }
}

static void long_lines_are_cut_and_flagged(void **state) {
  (void)state;
  for (size_t split = 0; split <= 30; split++) {
    line_reader lr;
    line_reader_init(&lr, 10);
    collected c = {0};
    const char *in = "0123456789abcdefghij\r\nok\r\n0123456789\r\n";
    feed(&lr, in, split, &c);
    feed(&lr, in + split, strlen(in) - split, &c);
    assert_int_equal(c.n, 3);
    assert_string_equal(c.lines[0], "0123456789");
    assert_true(c.long_[0]);
    assert_string_equal(c.lines[1], "ok");
    assert_false(c.long_[1]);
    assert_string_equal(c.lines[2], "0123456789"); /* exactly the limit */
    assert_false(c.long_[2]);
    line_reader_free(&lr);
  }
}

static void gap_marks_the_next_line(void **state) {
  (void)state;
  line_reader lr;
  line_reader_init(&lr, 100);
  collected c = {0};
  feed(&lr, "RCPT TO:<a", 10, &c);
  line_reader_gap(&lr);
  feed(&lr, "b>\r\nQUIT\r\n", 10, &c);
  assert_int_equal(c.n, 2);
  assert_string_equal(c.lines[0], "b>");
  assert_true(c.gap[0]);
  assert_string_equal(c.lines[1], "QUIT");
  assert_false(c.gap[1]);
  line_reader_free(&lr);
}

static void byte_by_byte_crlf_and_bare_lf(void **state) {
  (void)state;
  const char *in = "+OK a\r\nb\n\r\nc\r\r\n\n";
  line_reader lr;
  line_reader_init(&lr, 100);
  collected c = {0};
  for (size_t i = 0; i < strlen(in); i++)
    feed(&lr, in + i, 1, &c);
  assert_int_equal(c.n, 5);
  assert_string_equal(c.lines[0], "+OK a");
  assert_false(c.bare[0]);
  assert_string_equal(c.lines[1], "b");
  assert_true(c.bare[1]);
  assert_string_equal(c.lines[2], "");
  assert_false(c.bare[2]);
  assert_string_equal(c.lines[3], "c\r"); /* only the last CR belongs to CRLF */
  assert_false(c.bare[3]);
  assert_string_equal(c.lines[4], "");
  assert_true(c.bare[4]);
  assert_int_equal(line_reader_pending(&lr), 0);
  line_reader_free(&lr);
}

static void huge_line_memory_stays_bounded(void **state) {
  (void)state;
  line_reader lr;
  line_reader_init(&lr, 16);
  collected c = {0};
  char chunk[1000];
  memset(chunk, 'x', sizeof chunk);
  for (int i = 0; i < 1000; i++) { /* a 1 MB line in 1000 segments */
    feed(&lr, chunk, sizeof chunk, &c);
    assert_true(line_reader_pending(&lr) <= 17);
    assert_true(lr.cap <= 256);
  }
  feed(&lr, "\r\nNEXT\r\n", 8, &c);
  assert_int_equal(c.n, 2);
  assert_int_equal(strlen(c.lines[0]), 16);
  assert_true(c.long_[0]);
  assert_string_equal(c.lines[1], "NEXT");
  assert_false(c.long_[1]);
  line_reader_free(&lr);
  /* No limit at all: nothing is cut. */
  line_reader_init(&lr, SIZE_MAX);
  collected d = {0};
  feed(&lr, "abc", 3, &d);
  feed(&lr, "def\r\n", 5, &d);
  assert_int_equal(d.n, 1);
  assert_string_equal(d.lines[0], "abcdef");
  assert_false(d.long_[0]);
  line_reader_free(&lr);
}

static void gap_then_flush_and_resync_at_every_split(void **state) {
  (void)state;
  /* A partial line after a gap is handed out marked after_gap. */
  line_reader lr;
  line_reader_init(&lr, 100);
  collected c = {0};
  feed(&lr, "DATA", 4, &c);
  line_reader_gap(&lr);
  assert_int_equal(line_reader_pending(&lr), 0);
  feed(&lr, "tail", 4, &c);
  ms_line l;
  assert_true(line_reader_flush(&lr, 7, &l));
  assert_true(l.partial);
  assert_true(l.after_gap);
  assert_int_equal(l.ts, 7);
  line_reader_free(&lr);
  /* Resync: whatever the split after the gap, only the first line is
   * marked. */
  const char *in = "er>\r\nRCPT TO:<b>\r\nDATA\r\n";
  size_t n = strlen(in);
  for (size_t a = 0; a <= n; a++) {
    line_reader_init(&lr, 100);
    collected d = {0};
    feed(&lr, "MAIL FROM:<us", 13, &d);
    line_reader_gap(&lr);
    feed(&lr, in, a, &d);
    feed(&lr, in + a, n - a, &d);
    assert_int_equal(d.n, 3);
    assert_string_equal(d.lines[0], "er>");
    assert_true(d.gap[0]);
    assert_string_equal(d.lines[1], "RCPT TO:<b>");
    assert_false(d.gap[1]);
    assert_false(d.gap[2]);
    line_reader_free(&lr);
  }
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(every_split_gives_the_same_lines),
      cmocka_unit_test(long_lines_are_cut_and_flagged),
      cmocka_unit_test(gap_marks_the_next_line),
      cmocka_unit_test(byte_by_byte_crlf_and_bare_lf),
      cmocka_unit_test(huge_line_memory_stays_bounded),
      cmocka_unit_test(gap_then_flush_and_resync_at_every_split),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
