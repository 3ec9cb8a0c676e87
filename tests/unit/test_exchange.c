/* test_exchange.c - the exchange core as both dissectors use it: what each
 * transcript line says of itself (reply start and end, code, class,
 * pipelined group, SASL step, redaction), so that emitters render without
 * re-parsing SMTP or POP3. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "dissect_util.h"

#define C(s)                                                                   \
  { MS_CLIENT, s, 0 }
#define S(s)                                                                   \
  { MS_SERVER, s, 0 }
#define NSTEPS(a) (sizeof(a) / sizeof((a)[0]))

static const ms_tline *line_of(const ms_session *s, const char *text) {
  for (size_t i = 0; i < s->transcript.len; i++)
    if (!strcmp(s->transcript.items[i].text, text))
      return &s->transcript.items[i];
  fail_msg("no transcript line \"%s\"", text);
  return NULL;
}

#define START MS_TL_REPLY_START
#define END MS_TL_REPLY_END
#define REPLY_BITS (START | END | MS_TL_SASL | MS_TL_REDACTED)

static void expect(const ms_session *s, const char *text, unsigned bits,
                   int code, ms_reply_class cls) {
  const ms_tline *t = line_of(s, text);
  assert_int_equal(t->flags & REPLY_BITS, bits);
  assert_int_equal(t->code, code);
  assert_int_equal(t->reply_class, cls);
}

static void group_of(const ms_session *s, const char *text, uint32_t group,
                     unsigned bits) {
  const ms_tline *t = line_of(s, text);
  assert_int_equal(t->group, group);
  assert_int_equal(t->flags & (MS_TL_GROUP_START | MS_TL_PIPELINED), bits);
}

static void smtp_lines(void **state) {
  (void)state;
  const step steps[] = {
      S("220 mx ESMTP\r\n"),
      C("EHLO c\r\n"),
      S("250-mx\r\n250-PIPELINING\r\n250 AUTH PLAIN LOGIN\r\n"),
      C("AUTH LOGIN\r\n"),
      S("334 VXNlcm5hbWU6\r\n"),
      C("Ym9i\r\n"),
      S("334 UGFzc3dvcmQ6\r\n"),
      C("c2VjcmV0\r\n"),
      S("235 2.7.0 ok\r\n"),
      C("MAIL FROM:<a@b>\r\nRCPT TO:<c@d>\r\nRCPT TO:<e@f>\r\nDATA\r\n"),
      S("250 ok\r\n450 4.2.0 later\r\n550 5.1.1 no\r\n354 go\r\n"),
      C("Subject: s\r\n\r\nx\r\n.\r\n"),
      S("250 queued\r\n"),
      C("NOOP\r\nQUIT\r\n"),
      S("250 ok\r\n221 bye\r\n"),
      S("garbage\r\n"),
  };
  ms_dissect_config cfg;
  ms_dissect_config_defaults(&cfg);
  for (size_t split = 0; split < 9; split++) {
    ms_session *s =
        run_steps(&ms_smtp_dissector, steps, NSTEPS(steps), split, &cfg);
    expect(s, "220 mx ESMTP", START | END, 220, MS_RC_POSITIVE);
    expect(s, "250-mx", START, 250, MS_RC_POSITIVE);
    expect(s, "250-PIPELINING", 0, 250, MS_RC_POSITIVE);
    expect(s, "250 AUTH PLAIN LOGIN", END, 250, MS_RC_POSITIVE);
    expect(s, "334 VXNlcm5hbWU6", START | END | MS_TL_SASL, 334,
           MS_RC_INTERMEDIATE);
    expect(s, "Ym9i", MS_TL_SASL, 0, MS_RC_NONE); /* the user: shown */
    expect(s, "<redacted base64>", MS_TL_SASL | MS_TL_REDACTED, 0, MS_RC_NONE);
    expect(s, "235 2.7.0 ok", START | END, 235, MS_RC_POSITIVE);
    expect(s, "450 4.2.0 later", START | END, 450, MS_RC_TRANSIENT);
    expect(s, "550 5.1.1 no", START | END, 550, MS_RC_PERMANENT);
    expect(s, "354 go", START | END, 354, MS_RC_INTERMEDIATE);
    expect(s, "garbage", 0, 0, MS_RC_OTHER);
    /* two pipelined groups, numbered from 1 */
    group_of(s, "MAIL FROM:<a@b>", 1, MS_TL_GROUP_START);
    group_of(s, "RCPT TO:<c@d>", 1, MS_TL_PIPELINED);
    group_of(s, "DATA", 1, MS_TL_PIPELINED);
    group_of(s, "NOOP", 2, MS_TL_GROUP_START);
    group_of(s, "QUIT", 2, MS_TL_PIPELINED);
    group_of(s, "EHLO c", 0, 0);
    ms_session_free(s);
  }
  /* an initial response with a secret: the command line is redacted */
  const step plain[] = {S("220 mx\r\n"),
                        C("AUTH PLAIN AGFsaWNlAHMzY3JldA==\r\n"),
                        S("235 ok\r\n")};
  ms_session *s = run_steps(&ms_smtp_dissector, plain, NSTEPS(plain), 0, &cfg);
  expect(s, "AUTH PLAIN <redacted base64>", MS_TL_REDACTED, 0, MS_RC_NONE);
  ms_session_free(s);
}

static void pop3_lines(void **state) {
  (void)state;
  const step steps[] = {
      S("+OK ready\r\n"),
      C("CAPA\r\n"),
      S("+OK caps\r\nUSER\r\nPIPELINING\r\n.\r\n"),
      C("USER a\r\nPASS hunter2\r\n"),
      S("+OK\r\n-ERR [AUTH] no\r\n"),
      C("AUTH PLAIN\r\n"),
      S("+ \r\n"),
      C("AGEAcHc=\r\n"),
      S("+OK in\r\n"),
      C("RETR 1\r\n"),
      S("+OK 9 octets\r\nSubject: x\r\n\r\n.\r\n"),
  };
  ms_dissect_config cfg;
  ms_dissect_config_defaults(&cfg);
  for (size_t split = 0; split < 7; split++) {
    ms_session *s =
        run_steps(&ms_pop3_dissector, steps, NSTEPS(steps), split, &cfg);
    expect(s, "+OK ready", START | END, 0, MS_RC_POSITIVE);
    expect(s, "+OK caps", START, 0, MS_RC_POSITIVE);
    expect(s, "PIPELINING", 0, 0, MS_RC_POSITIVE);
    expect(s, ".", END, 0, MS_RC_POSITIVE);
    expect(s, "-ERR [AUTH] no", START | END, 0, MS_RC_PERMANENT);
    expect(s, "PASS <redacted>", MS_TL_REDACTED, 0, MS_RC_NONE);
    expect(s, "+ ", START | END | MS_TL_SASL, 0, MS_RC_INTERMEDIATE);
    expect(s, "<redacted base64>", MS_TL_SASL | MS_TL_REDACTED, 0, MS_RC_NONE);
    expect(s, "+OK 9 octets", START, 0, MS_RC_POSITIVE);
    group_of(s, "USER a", 1, MS_TL_GROUP_START);
    group_of(s, "PASS <redacted>", 1, MS_TL_PIPELINED);
    /* the retrieved message: its summary ends the response */
    const ms_tline *last = &s->transcript.items[s->transcript.len - 1];
    assert_true(last->flags & MS_TL_SUMMARY);
    assert_true(last->flags & END);
    ms_session_free(s);
  }
}

/* ---- the greeting: by timing and reply shape ----------------------------- */

static ms_session *run_mid(const ms_dissector *d, const step *steps, size_t n,
                           size_t split, bool midstream) {
  ms_dissect_config cfg;
  ms_dissect_config_defaults(&cfg);
  ms_session *rec = ms_session_new();
  rec->proto = d->proto;
  rec->midstream = midstream;
  rec->bytes[MS_SERVER] = 1;
  void *st = d->create(rec, &cfg);
  ms_ts ts = 1000000;
  for (size_t i = 0; i < n; i++) {
    size_t len = strlen(steps[i].bytes), piece = split ? split : len;
    for (size_t off = 0; off < len; off += piece) {
      size_t m = len - off < piece ? len - off : piece, used;
      d->on_data(st, steps[i].dir, (const uint8_t *)steps[i].bytes + off, m, ts,
                 &used);
      ts += 10;
    }
  }
  rec->end = MS_END_FIN;
  d->on_close(st, ts);
  d->destroy(st);
  return rec;
}

static void codes_are(const ms_session *s, const int *codes, size_t n) {
  assert_int_equal(s->commands.len, n);
  for (size_t i = 0; i < n; i++)
    assert_int_equal(s->commands.items[i].reply.code, codes[i]);
}

static void statuses_are(const ms_session *s, const char *const *st, size_t n) {
  assert_int_equal(s->commands.len, n);
  for (size_t i = 0; i < n; i++) {
    assert_true(s->commands.items[i].reply.present);
    assert_string_equal(s->commands.items[i].reply.pop3_status, st[i]);
  }
}

static void smtp_greeting_shapes(void **state) {
  (void)state;
  /* a server that never greets: its first reply answers EHLO */
  const step none[] = {C("EHLO c\r\n"),
                       S("250-mx\r\n250-PIPELINING\r\n250 SIZE 10\r\n"),
                       C("MAIL FROM:<a@b>\r\n"),
                       S("250 ok\r\n"),
                       C("QUIT\r\n"),
                       S("221 bye\r\n")};
  static const int none_codes[] = {250, 250, 221};
  /* the capture began after the greeting, with a reply in flight */
  const step mid[] = {
      S("250 2.1.5 Ok\r\n"), C("DATA\r\n"), S("354 go\r\n"), C("x\r\n.\r\n"),
      S("250 queued\r\n"),   C("QUIT\r\n"), S("221 bye\r\n")};
  static const int mid_codes[] = {354, 221};
  /* the client spoke first (Exim's PIPE_CONNECT): a multi-line greeting,
   * then the reply to its EHLO */
  const step eager[] = {C("EHLO c\r\n"),
                        S("220-mx ESMTP\r\n220 ready\r\n250-mx\r\n"
                          "250 PIPELINING\r\n"),
                        C("QUIT\r\n"), S("221 bye\r\n")};
  static const int eager_codes[] = {250, 221};
  for (size_t split = 0; split < 12; split++) {
    ms_session *s =
        run_mid(&ms_smtp_dissector, none, NSTEPS(none), split, false);
    codes_are(s, none_codes, NSTEPS(none_codes));
    assert_null(s->banner);
    assert_int_equal(s->capabilities.len, 2);
    assert_int_equal(count_anomaly(s, "greeting_missing"), 1);
    assert_false(has_anomaly(s, "client_spoke_first"));
    assert_false(has_anomaly(s, "reply_without_command"));
    ms_session_free(s);

    s = run_mid(&ms_smtp_dissector, mid, NSTEPS(mid), split, true);
    codes_are(s, mid_codes, NSTEPS(mid_codes));
    assert_null(s->banner);
    assert_int_equal(count_anomaly(s, "greeting_missing"), 1);
    assert_false(has_anomaly(s, "reply_without_command"));
    ms_session_free(s);

    s = run_mid(&ms_smtp_dissector, eager, NSTEPS(eager), split, false);
    codes_are(s, eager_codes, NSTEPS(eager_codes));
    assert_string_equal(s->banner, "mx ESMTP\nready");
    assert_true(has_anomaly(s, "client_spoke_first"));
    assert_false(has_anomaly(s, "greeting_missing"));
    assert_int_equal(s->capabilities.len, 1);
    ms_session_free(s);
  }
}

static void pop3_greeting_shapes(void **state) {
  (void)state;
  /* an eager client: CAPA before the greeting */
  const step eager[] = {C("CAPA\r\n"), S("+OK ready <1.2@mx>\r\n"),
                        S("+OK\r\nUSER\r\nPIPELINING\r\n.\r\n"),
                        C("USER a\r\n"), S("+OK\r\n")};
  /* no greeting (or the capture began after it): the +OK begins the
   * CAPA listing, decided by the line after it */
  const step none[] = {C("CAPA\r\n"), S("+OK\r\nUSER\r\nPIPELINING\r\n.\r\n"),
                       C("USER a\r\n"), S("+OK\r\n")};
  static const char *const ok2[] = {"+OK", "+OK"};
  /* single-line: the greeting, then the answer to USER */
  const step user[] = {C("USER a\r\n"), S("+OK hello\r\n"), S("+OK\r\n"),
                       C("PASS b\r\n"), S("-ERR [AUTH] no\r\n")};
  static const char *const user_st[] = {"+OK", "-ERR"};
  for (size_t split = 0; split < 12; split++) {
    ms_session *s =
        run_mid(&ms_pop3_dissector, eager, NSTEPS(eager), split, false);
    statuses_are(s, ok2, 2);
    assert_string_equal(s->banner, "ready <1.2@mx>");
    assert_int_equal(s->capabilities.len, 2);
    assert_true(has_anomaly(s, "client_spoke_first"));
    assert_false(has_anomaly(s, "greeting_missing"));
    assert_false(has_anomaly(s, "malformed_response"));
    ms_session_free(s);

    for (int mid = 0; mid < 2; mid++) {
      s = run_mid(&ms_pop3_dissector, none, NSTEPS(none), split, mid);
      statuses_are(s, ok2, 2);
      assert_null(s->banner);
      assert_int_equal(s->capabilities.len, 2);
      assert_int_equal(count_anomaly(s, "greeting_missing"), 1);
      assert_false(has_anomaly(s, "client_spoke_first"));
      assert_false(has_anomaly(s, "malformed_response"));
      assert_false(has_anomaly(s, "response_without_command"));
      ms_session_free(s);
    }

    s = run_mid(&ms_pop3_dissector, user, NSTEPS(user), split, false);
    statuses_are(s, user_st, 2);
    assert_string_equal(s->banner, "hello");
    assert_true(has_anomaly(s, "client_spoke_first"));
    assert_int_equal(s->auth.failures, 1);
    assert_false(has_anomaly(s, "response_without_command"));
    ms_session_free(s);
  }
}

/* A NUL byte inside a command or reply is kept, written "\x00" as every
 * string of the record holds it: nothing is cut at it (JSON keeps what the
 * transcript shows). */
static void nul_bytes_are_kept(void **state) {
  (void)state;
  static const char cmd[] = "NO\0OP x\0y\r\n";
  static const char reply[] = "500 5.5.2 bad\0command\r\n";
  static const char banner[] = "220 mx\0tail\r\n";
  const step steps[] = {{MS_SERVER, banner, sizeof banner - 1},
                        {MS_CLIENT, cmd, sizeof cmd - 1},
                        {MS_SERVER, reply, sizeof reply - 1}};
  ms_session *s = run_steps(&ms_smtp_dissector, steps, NSTEPS(steps), 0, NULL);
  assert_string_equal(s->banner, "mx\\x00tail");
  assert_string_equal(s->commands.items[0].verb, "NO\\x00OP");
  assert_string_equal(s->commands.items[0].arg, "x\\x00y");
  assert_string_equal(s->commands.items[0].reply.text, "bad\\x00command");
  assert_string_equal(s->anomalies.items[1].detail, "NO\\x00OP x\\x00y");
  ms_session_free(s);
  static const char status[] = "+OK hi\0there\r\n";
  static const char user[] = "USER a\0b\r\n";
  const step pop[] = {S("+OK ready\r\n"),
                      {MS_CLIENT, user, sizeof user - 1},
                      {MS_SERVER, status, sizeof status - 1}};
  s = run_steps(&ms_pop3_dissector, pop, NSTEPS(pop), 0, NULL);
  assert_string_equal(s->commands.items[0].arg, "a\\x00b");
  assert_string_equal(s->commands.items[0].reply.text, "hi\\x00there");
  ms_session_free(s);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(smtp_lines),
      cmocka_unit_test(pop3_lines),
      cmocka_unit_test(smtp_greeting_shapes),
      cmocka_unit_test(pop3_greeting_shapes),
      cmocka_unit_test(nul_bytes_are_kept),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
