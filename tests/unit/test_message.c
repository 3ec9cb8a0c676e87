/* test_message.c - the message layer: headers and encoded words, address
 * lists, RFC 2231 filenames, nested multipart and message/rfc822, broken
 * MIME, Received parsing, envelope checks; every chunk size gives the same
 * result. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "message.h"
#include "msg_received.h"

static ms_message *parse(ms_session *s, const char *text, size_t chunk) {
  ms_dissect_config cfg;
  ms_dissect_config_defaults(&cfg);
  ms_message *m = ms_message_new();
  ms_msg_parser *p = ms_msg_begin(s, m, &cfg, "t1", 0);
  size_t n = strlen(text);
  if (!chunk)
    chunk = n ? n : 1;
  for (size_t off = 0; off < n; off += chunk)
    ms_msg_feed(p, (const uint8_t *)text + off, n - off < chunk ? n - off : chunk,
                0);
  ms_msg_end(p, false, 0);
  return m;
}

static bool has_anomaly(const ms_session *s, const char *name) {
  for (size_t i = 0; i < s->anomalies.len; i++)
    if (!strcmp(s->anomalies.items[i].name, name))
      return true;
  return false;
}

static const char nested[] =
    "Received: from a.example (a.example [192.0.2.1]) by b.example with ESMTP "
    "id X1 for <bob@example.org>; Sat, 1 Nov 2025 10:00:00 +0000\r\n"
    "Received: from c.example ([2001:db8::1]) by a.example; Sat, 1 Nov 2025 "
    "09:59:00 +0000\r\n"
    "From: =?ISO-8859-1?Q?Andr=E9?= <andre@example.test>\r\n"
    "To: Bob <bob@example.org>, \"Carol, C.\" <carol@example.org>\r\n"
    "Cc: team: dave@example.org, erin@example.org;\r\n"
    "Subject: =?UTF-8?B?w4Rw?=\r\n =?KOI8-R?B?8NLJ18XU?= and\r\n"
    "\t=?windows-1252?Q?=80uro?=\r\n"
    "X-Mailer: test\r\n"
    "Content-Type: multipart/mixed; boundary=\"outer\"\r\n"
    "\r\n"
    "preamble\r\n"
    "--outer\r\n"
    "Content-Type: multipart/alternative; boundary=inner\r\n"
    "\r\n"
    "--inner\r\n"
    "Content-Type: text/plain; charset=us-ascii\r\n"
    "Content-Transfer-Encoding: quoted-printable\r\n"
    "\r\n"
    "soft=\r\nbreak =3D\r\n"
    "--inner--\r\n"
    "--outer\r\n"
    "Content-Type: application/pdf\r\n"
    "Content-Disposition: attachment;\r\n"
    " filename*0*=UTF-8''%E2%82%AC%20report;\r\n"
    " filename*1=\".pdf\"\r\n"
    "Content-Transfer-Encoding: base64\r\n"
    "\r\n"
    "aGVs\r\nbG8=\r\n"
    "--outer\r\n"
    "Content-Type: message/rfc822\r\n"
    "\r\n"
    "Subject: inner message\r\n"
    "Content-Type: text/plain; name=\"=?UTF-8?Q?caf=C3=A9.txt?=\"\r\n"
    "\r\n"
    "inner body\r\n"
    "--outer--\r\n"
    "epilogue\r\n";

static void check_nested(ms_message *m) {
  assert_int_equal(m->bytes, strlen(nested));
  /* RFC 2047: space between adjacent encoded words is dropped */
  assert_string_equal(m->subject, "ÄpПривет and €uro");
  assert_int_equal(m->from.len, 1);
  assert_string_equal(m->from.items[0].name, "André");
  assert_string_equal(m->from.items[0].address, "andre@example.test");
  assert_int_equal(m->to.len, 2);
  assert_string_equal(m->to.items[1].name, "Carol, C.");
  assert_int_equal(m->cc.len, 2);
  assert_string_equal(m->cc.items[1].address, "erin@example.org");
  assert_string_equal(m->user_agent, "test");
  assert_int_equal(m->received.len, 2);
  assert_string_equal(m->received.items[0].from, "a.example");
  assert_string_equal(m->received.items[0].by, "b.example");
  assert_string_equal(m->received.items[0].ip, "192.0.2.1");
  assert_string_equal(m->received.items[0].for_, "bob@example.org");
  assert_string_equal(m->received.items[0].id, "X1");
  assert_string_equal(m->received.items[1].ip, "2001:db8::1");
  assert_string_equal(m->content_type, "multipart/mixed");
  assert_int_equal(m->attachments.len, 2);
  const ms_attachment *a = &m->attachments.items[0];
  assert_string_equal(a->filename, "€ report.pdf");
  assert_int_equal(a->bytes, 5);
  assert_string_equal(a->md5, "5d41402abc4b2a76b9719d911017c592");
  assert_string_equal(a->sha256, "2cf24dba5fb0a30e26e83b2ac5b9e29e1b161e5c1fa7425e73043362938b9824");
  assert_string_equal(m->attachments.items[1].filename, "café.txt");
  assert_int_equal(m->attachments.items[1].bytes, strlen("inner body"));
  /* the quoted-printable part: "soft" + "break =" */
  bool found = false;
  for (size_t i = 0; i < m->parts.len; i++)
    if (m->parts.items[i].encoding &&
        !strcmp(m->parts.items[i].encoding, "quoted-printable")) {
      assert_int_equal(m->parts.items[i].bytes, strlen("softbreak ="));
      found = true;
    }
  assert_true(found);
}

static void nested_mime_at_every_chunk_size(void **state) {
  (void)state;
  for (size_t chunk = 0; chunk < 64; chunk++) {
    ms_session *s = ms_session_new();
    ms_message *m = parse(s, nested, chunk);
    check_nested(m);
    assert_int_equal(s->anomalies.len, 0);
    ms_message_free(m);
    ms_session_free(s);
  }
}

static void broken_mime(void **state) {
  (void)state;
  ms_session *s = ms_session_new();
  ms_message *m = parse(s,
                        "Content-Type: multipart/mixed; boundary=b\r\n\r\n"
                        "--b\r\nContent-Disposition: attachment; filename=x\r\n"
                        "Content-Transfer-Encoding: base64\r\n\r\n"
                        "aGVsbG8*!!=\r\n",
                        7);
  assert_true(has_anomaly(s, "bad_base64"));
  assert_true(has_anomaly(s, "mime_missing_end_boundary"));
  assert_int_equal(m->attachments.len, 1);
  assert_int_equal(m->attachments.items[0].bytes, 5);
  ms_message_free(m);
  ms_session_free(s);

  s = ms_session_new();
  m = parse(s, "Content-Type: multipart/mixed\r\n\r\nno boundary\r\n", 0);
  assert_true(has_anomaly(s, "mime_missing_boundary"));
  ms_message_free(m);
  ms_session_free(s);
}

static void envelope_checks(void **state) {
  (void)state;
  ms_session *s = ms_session_new();
  ms_message *m = parse(
      s,
      "Received: from evil.example ([203.0.113.9]) by mx.example.org; x\r\n"
      "Received: from relay.example ([198.51.100.1]) by other.example; x\r\n"
      "Received: from relay.example ([198.51.100.2]) by z.example; x\r\n"
      "From: ceo@example.org\r\nTo: staff@example.org\r\n\r\nhi\r\n",
      0);
  strvec rcpt = {0};
  strvec_push(&rcpt, "staff@example.org");
  strvec_push(&rcpt, "hidden@example.net");
  ms_msg_check_envelope(s, m, "attacker@evil.example", &rcpt, 0);
  assert_true(has_anomaly(s, "envelope_from_mismatch"));
  assert_true(has_anomaly(s, "received_chain_break"));
  assert_true(has_anomaly(s, "received_host_ip_conflict"));
  assert_int_equal(m->bcc.len, 1);
  assert_string_equal(m->bcc.items[0].address, "hidden@example.net");
  strvec_free(&rcpt);
  ms_message_free(m);
  ms_session_free(s);
}

static void received_variants(void **state) {
  (void)state;
  ms_received r;
  received_parse("from mail-wr1-f54.google.com (mail-wr1-f54.google.com "
                 "[209.85.221.54]) by mx.example.org (Postfix) with ESMTPS id "
                 "4ABC for <x@example.org>; Mon, 1 Jan 2024 00:00:00 +0000",
                 &r);
  assert_string_equal(r.from, "mail-wr1-f54.google.com");
  assert_string_equal(r.by, "mx.example.org");
  assert_string_equal(r.with, "ESMTPS");
  assert_string_equal(r.ip, "209.85.221.54");
  assert_string_equal(r.date, "Mon, 1 Jan 2024 00:00:00 +0000");
  free(r.from), free(r.by), free(r.with), free(r.id), free(r.for_);
  free(r.date), free(r.ip), free(r.raw), free(r.via);
  received_parse("(qmail 1234 invoked by uid 0); 1 Jan 2024", &r);
  assert_null(r.from);
  assert_string_equal(r.date, "1 Jan 2024");
  free(r.date), free(r.raw);
}

static void summary_text(void **state) {
  (void)state;
  ms_session *s = ms_session_new();
  ms_message *m = parse(s, nested, 0);
  char *sum = ms_msg_summary(m);
  assert_non_null(strstr(sum, "[message: 1,"));
  assert_non_null(strstr(sum, "2 attachments: € report.pdf, café.txt]"));
  free(sum);
  ms_message_free(m);
  ms_session_free(s);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(nested_mime_at_every_chunk_size),
      cmocka_unit_test(broken_mime),
      cmocka_unit_test(envelope_checks),
      cmocka_unit_test(received_variants),
      cmocka_unit_test(summary_text),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
