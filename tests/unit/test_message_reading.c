/* test_message_reading.c - messages read as mail clients read them (issue
 * 14): a close delimiter with text after it ends the part, so the
 * attachment's bytes and hashes are its own (behaviour 6); encoded words
 * decoded whole in the subject and the display names, raw 8-bit header
 * text in the declared charset (behaviour 7); both ends of long lists
 * kept, their true count, no address cut in the middle, zero-padded IPv4
 * literals (behaviour 9).  Every case at every chunk size from 1 byte. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "message.h"
#include "msg_fixture.h"

/* "hello" in base64, then a close delimiter with junk after it, then an
 * epilogue that a strict parser would take as more of the part. */
static const char trailing_close[] =
    "Content-Type: multipart/mixed; boundary=\"b1\"\r\n\r\n"
    "--b1\r\n"
    "Content-Type: application/octet-stream; name=\"a.bin\"\r\n"
    "Content-Transfer-Encoding: base64\r\n\r\n"
    "aGVsbG8=\r\n"
    "--b1--junk after the close\r\n"
    "ZXZpbA==\r\n"
    "epilogue\r\n";

static void close_delimiter_with_text_after_it(void **state) {
  (void)state;
  for (size_t chunk = 1; chunk <= sizeof trailing_close; chunk++) {
    ms_session *s = ms_session_new();
    ms_message *m = parse(s, trailing_close, chunk);
    assert_int_equal(m->attachments.len, 1);
    ms_attachment *a = &m->attachments.items[0];
    assert_int_equal(a->bytes, 5); /* "hello", and nothing after */
    assert_string_equal(a->md5, "5d41402abc4b2a76b9719d911017c592");
    assert_true(has_anomaly(s, "mime_boundary_trailing_text"));
    assert_false(has_anomaly(s, "mime_missing_end_boundary"));
    ms_message_free(m);
    ms_session_free(s);
  }
  /* white space after a close delimiter is no finding; a separator with
   * text after it is not a delimiter (the part goes on) */
  ms_session *s = ms_session_new();
  ms_message *m = parse(s,
                        "Content-Type: multipart/mixed; boundary=b\r\n\r\n"
                        "--b\r\nContent-Disposition: attachment\r\n\r\n"
                        "one\r\n--bx\r\ntwo\r\n--b-- \t\r\n",
                        0);
  assert_int_equal(m->attachments.len, 1);
  assert_int_equal(m->attachments.items[0].bytes, 14); /* one--bxtwo, CRLFs */
  assert_false(has_anomaly(s, "mime_boundary_trailing_text"));
  ms_message_free(m);
  ms_session_free(s);
}

static void encoded_words_in_subject_and_names(void **state) {
  (void)state;
  static const char text[] =
      "From: =?UTF-8?B?SGVsbG8=?= =?UTF-8?B?IHdvcmxk?= <h@example.test>\r\n"
      "To: \"=?utf-8?B?5Lit5?= =?utf-8?B?paH?=\" <z@example.test>, "
      "Andr\xe9 <a@example.test>\r\n"
      "Subject: =?UTF-8?B?SGVsbG8=?= =?UTF-8?B?IHdvcmxk?= \xe9t\xe9\r\n"
      "Content-Type: text/plain; charset=iso-8859-15\r\n\r\nbody\r\n";
  for (size_t chunk = 1; chunk <= sizeof text; chunk += 7) {
    ms_session *s = ms_session_new();
    ms_message *m = parse(s, text, chunk);
    assert_string_equal(m->subject, "Hello world été");
    assert_string_equal(m->from.items[0].name, "Hello world");
    assert_string_equal(m->to.items[0].name, "中文");
    assert_string_equal(m->to.items[1].name, "André");
    assert_string_equal(m->to.items[1].address, "a@example.test");
    ms_message_free(m);
    ms_session_free(s);
  }
  /* raw 8-bit text in a message that declares KOI8-R */
  ms_session *s = ms_session_new();
  ms_message *m = parse(s,
                        "Subject: \xf0\xd2\xc9\xd7\xc5\xd4\r\n"
                        "Content-Type: text/plain; charset=koi8-r\r\n\r\nx\r\n",
                        0);
  assert_string_equal(m->subject, "Привет");
  ms_message_free(m);
  ms_session_free(s);
}

/* A message with `hops` Received headers, hop i naming "hI.example" and
 * 10.0.I/256.I%256 (hop 1 on top, the newest). */
static char *received_message(int hops) {
  size_t cap = (size_t)hops * 128 + 64, n = 0;
  char *t = malloc(cap);
  for (int i = 1; i <= hops; i++)
    n += (size_t)snprintf(t + n, cap - n,
                          "Received: from h%d.example ([10.0.%d.%d]) by "
                          "h%d.example; Sat, 1 Nov 2025 10:00:00 +0000\r\n",
                          i + 1, (i + 1) / 256, (i + 1) % 256, i);
  snprintf(t + n, cap - n, "Subject: hops\r\n\r\nx\r\n");
  return t;
}

static void both_ends_of_the_received_hops(void **state) {
  (void)state;
  char *t = received_message(230);
  ms_session *s = ms_session_new();
  ms_message *m = parse(s, t, 97);
  assert_int_equal(m->received.len, 100);
  assert_int_equal(m->totals.received, 230);
  assert_string_equal(m->received.items[0].by, "h1.example");
  assert_string_equal(m->received.items[49].by, "h50.example");
  assert_string_equal(m->received.items[50].by, "h181.example");
  assert_string_equal(m->received.items[99].by, "h230.example");
  assert_string_equal(m->received.items[99].ip, "10.0.0.231"); /* origin */
  assert_true(has_anomaly(s, "record_limit"));
  /* the chain links everywhere, and the cut is not a break */
  ms_msg_check_envelope(s, m, NULL, NULL, 0);
  assert_false(has_anomaly(s, "received_chain_break"));
  ms_message_free(m);
  ms_session_free(s);
  free(t);
  t = received_message(100); /* exactly the limit: nothing cut */
  s = ms_session_new();
  m = parse(s, t, 0);
  assert_int_equal(m->received.len, 100);
  assert_int_equal(m->totals.received, 100);
  assert_false(has_anomaly(s, "record_limit"));
  ms_message_free(m);
  ms_session_free(s);
  free(t);
}

static void zero_padded_address_literals(void **state) {
  (void)state;
  ms_session *s = ms_session_new();
  ms_message *m = parse(
      s,
      "Received: from mx.example ([10.000.000.002]) by b.example; x\r\n"
      "Received: from c.example (c.example [192.000.002.010]) by mx.example; "
      "x\r\n"
      "Received: from d.example ([1.2.3.0400]) by c.example; x\r\n\r\nx\r\n",
      0);
  assert_int_equal(m->received.len, 3);
  assert_string_equal(m->received.items[0].ip, "10.0.0.2");
  assert_string_equal(m->received.items[1].ip, "192.0.2.10");
  assert_null(m->received.items[2].ip); /* four digits: not an address */
  ms_message_free(m);
  ms_session_free(s);
}

static void long_address_lists(void **state) {
  (void)state;
  size_t cap = 1200 * 40 + 64, n = 0;
  char *t = malloc(cap);
  n += (size_t)snprintf(t, cap, "To: ");
  for (int i = 0; i < 1200; i++)
    n += (size_t)snprintf(t + n, cap - n, "%s\"U %d\" <u%d@example.test>",
                          i ? ",\r\n " : "", i, i);
  snprintf(t + n, cap - n, "\r\nSubject: many\r\n\r\nx\r\n");
  ms_session *s = ms_session_new();
  ms_message *m = parse(s, t, 1000);
  assert_int_equal(m->to.len, 1000);
  assert_int_equal(m->totals.to, 1200);
  assert_string_equal(m->to.items[999].address, "u999@example.test");
  assert_string_equal(m->subject, "many");
  assert_true(has_anomaly(s, "record_limit"));
  ms_message_free(m);
  ms_session_free(s);
  free(t);
}

/* The header block limit cuts the To header inside its third address: the
 * cut address is left out, not listed cut. */
static void cut_address_is_left_out(void **state) {
  (void)state;
  static const char text[] =
      "To: a@example.test, b@example.test, ccccccccc@example.test\r\n"
      "\r\nbody\r\n";
  for (size_t chunk = 1; chunk <= sizeof text; chunk++) {
    ms_session *s = ms_session_new();
    /* 45 bytes keep "To: a@..., b@..., cccc" */
    ms_message *m = parse_max(s, text, chunk, 45);
    assert_true(has_anomaly(s, "header_too_large"));
    assert_int_equal(m->to.len, 2);
    assert_string_equal(m->to.items[1].address, "b@example.test");
    assert_int_equal(m->totals.to, 2);
    ms_message_free(m);
    ms_session_free(s);
  }
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(close_delimiter_with_text_after_it),
      cmocka_unit_test(encoded_words_in_subject_and_names),
      cmocka_unit_test(both_ends_of_the_received_hops),
      cmocka_unit_test(zero_padded_address_literals),
      cmocka_unit_test(long_address_lists),
      cmocka_unit_test(cut_address_is_left_out),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
