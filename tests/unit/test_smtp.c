/* test_smtp.c - the SMTP dissector: commands and replies, pipelining at
 * every split point (the RFC 2920 example both ways), transactions, DATA
 * and BDAT, AUTH, STARTTLS, queue ids, hostile input. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "dissect_util.h"
#include "smtp_util.h"

#define C(s)                                                                   \
  { MS_CLIENT, s, 0 }
#define S(s)                                                                   \
  { MS_SERVER, s, 0 }

static const step rfc2920_lockstep[] = {
    S("220 innosoft.com SMTP service ready\r\n"),
    C("EHLO dbc.mtview.ca.us\r\n"),
    S("250-innosoft.com\r\n250 PIPELINING\r\n"),
    C("MAIL FROM:<mrose@dbc.mtview.ca.us>\r\n"),
    S("250 sender OK\r\n"),
    C("RCPT TO:<ned@innosoft.com>\r\n"),
    S("250 recipient OK\r\n"),
    C("RCPT TO:<dan@innosoft.com>\r\n"),
    S("250 recipient OK\r\n"),
    C("RCPT TO:<kvc@innosoft.com>\r\n"),
    S("550 no such user\r\n"),
    C("DATA\r\n"),
    S("354 enter mail\r\n"),
    C("Subject: x\r\n\r\n..dot\r\n.\r\n"),
    S("250 2.0.0 Ok: queued as 4ABC\r\n"),
    C("QUIT\r\n"),
    S("221 bye\r\n"),
};

static const step rfc2920_pipelined[] = {
    S("220 innosoft.com SMTP service ready\r\n"),
    C("EHLO dbc.mtview.ca.us\r\n"),
    S("250-innosoft.com\r\n250 PIPELINING\r\n"),
    C("MAIL FROM:<mrose@dbc.mtview.ca.us>\r\nRCPT TO:<ned@innosoft.com>\r\n"
      "RCPT TO:<dan@innosoft.com>\r\nRCPT TO:<kvc@innosoft.com>\r\nDATA\r\n"),
    S("250 sender OK\r\n250 recipient OK\r\n250 recipient OK\r\n"
      "550 no such user\r\n354 enter mail\r\n"),
    C("Subject: x\r\n\r\n..dot\r\n.\r\nQUIT\r\n"),
    S("250 2.0.0 Ok: queued as 4ABC\r\n221 bye\r\n"),
};

static void check_rfc2920(const ms_session *s, bool pipelined) {
  static const char *verbs[] = {"EHLO", "MAIL", "RCPT", "RCPT",
                                "RCPT", "DATA", "QUIT"};
  static const int codes[] = {250, 250, 250, 250, 550, 354, 221};
  assert_int_equal(s->commands.len, 7);
  for (size_t i = 0; i < 7; i++) {
    const ms_command *c = &s->commands.items[i];
    assert_string_equal(c->verb, verbs[i]);
    assert_true(c->reply.present);
    assert_int_equal(c->reply.code, codes[i]);
    bool expect = pipelined && ((i >= 2 && i <= 5) || i == 6);
    assert_int_equal(c->pipelined, expect);
  }
  assert_string_equal(s->banner, "innosoft.com SMTP service ready");
  assert_int_equal(s->transactions.len, 1);
  const ms_transaction *t = &s->transactions.items[0];
  assert_string_equal(t->mail_from, "mrose@dbc.mtview.ca.us");
  assert_int_equal(t->rcpt_to.len, 2);
  assert_int_equal(t->rcpt_rejected.len, 1);
  assert_string_equal(t->rcpt_rejected.items[0].addr, "kvc@innosoft.com");
  assert_int_equal(t->rcpt_rejected.items[0].code, 550);
  assert_int_equal(t->status, MS_TX_QUEUED);
  assert_string_equal(t->queue_id, "4ABC");
  assert_string_equal(t->reply.enhanced, "2.0.0");
  assert_non_null(t->message);
  assert_int_equal(t->message->bytes, strlen("Subject: x\r\n\r\n.dot\r\n"));
  assert_false(has_anomaly(s, "reply_without_command"));
  assert_false(has_anomaly(s, "pipelining_not_advertised"));
}

static void rfc2920_example_at_every_split(void **state) {
  (void)state;
  for (size_t split = 0; split <= 40; split++) {
    ms_session *a =
        run_steps(&ms_smtp_dissector, rfc2920_lockstep,
                  sizeof rfc2920_lockstep / sizeof(step), split, NULL);
    check_rfc2920(a, false);
    ms_session_free(a);
    ms_session *b =
        run_steps(&ms_smtp_dissector, rfc2920_pipelined,
                  sizeof rfc2920_pipelined / sizeof(step), split, NULL);
    check_rfc2920(b, true);
    ms_session_free(b);
  }
}

static void multiline_reply_and_capabilities(void **state) {
  (void)state;
  const step steps[] = {
      S("220-first\r\n220 mx ESMTP\r\n"), C("ehlo me\r\n"),
      S("250-mx\r\n250-SIZE 1000\r\n250-8BITMIME\r\n250 AUTH PLAIN\r\n"),
      C("MAIL FROM:<a@b> SIZE=5000\r\n"), S("552 5.3.4 too big\r\n")};
  ms_session *s = run_steps(&ms_smtp_dissector, steps, 5, 0, NULL);
  assert_string_equal(s->banner, "first\nmx ESMTP");
  assert_true(s->esmtp);
  assert_string_equal(s->helo, "me");
  assert_int_equal(s->capabilities.len, 3);
  assert_string_equal(s->capabilities.items[0], "SIZE 1000");
  assert_string_equal(s->commands.items[0].verb, "EHLO");
  assert_true(has_anomaly(s, "size_exceeds_limit"));
  assert_int_equal(s->transactions.items[0].status, MS_TX_REJECTED);
  assert_string_equal(s->commands.items[1].reply.enhanced, "5.3.4");
  ms_session_free(s);
}

static void auth_plain_login_and_failure(void **state) {
  (void)state;
  const step steps[] = {S("220 mx\r\n"),
                        C("EHLO c\r\n"),
                        S("250 mx\r\n"),
                        C("AUTH LOGIN\r\n"),
                        S("334 VXNlcm5hbWU6\r\n"),
                        C("Ym9i\r\n"),
                        S("334 UGFzc3dvcmQ6\r\n"),
                        C("d3Jvbmc=\r\n"),
                        S("535 5.7.8 Authentication failed\r\n"),
                        C("AUTH PLAIN AGFsaWNlAHMzY3JldA==\r\n"),
                        S("235 2.7.0 ok\r\n")};
  ms_session *s = run_steps(&ms_smtp_dissector, steps, 11, 0, NULL);
  assert_true(s->auth.present);
  assert_string_equal(s->auth.mechanism, "PLAIN");
  assert_string_equal(s->auth.username, "alice");
  assert_string_equal(s->auth.password, "<redacted>");
  assert_int_equal(s->auth.result, MS_AUTH_SUCCESS);
  assert_int_equal(s->auth.attempts, 2);
  assert_int_equal(s->auth.failures, 1);
  assert_true(has_anomaly(s, "auth_failed"));
  /* one command per AUTH exchange, its reply the final one */
  assert_int_equal(s->commands.len, 3);
  assert_int_equal(s->commands.items[1].reply.code, 535);
  assert_int_equal(s->commands.items[2].reply.code, 235);
  /* the secret is not in the transcript */
  for (size_t i = 0; i < s->transcript.len; i++) {
    assert_null(strstr(s->transcript.items[i].text, "d3Jvbmc="));
    assert_null(strstr(s->transcript.items[i].text, "AGFsaWNlAHMzY3JldA=="));
  }
  ms_session_free(s);

  ms_dissect_config cfg;
  ms_dissect_config_defaults(&cfg);
  cfg.show_secrets = true;
  s = run_steps(&ms_smtp_dissector, steps, 11, 0, &cfg);
  assert_string_equal(s->auth.password, "s3cret");
  ms_session_free(s);
}

static void auth_cancel_and_garbage(void **state) {
  (void)state;
  const step steps[] = {S("220 mx\r\n"),
                        C("AUTH CRAM-MD5\r\n"),
                        S("334 PDEyMzQ1QGhvc3Q+\r\n"),
                        C("*\r\n"),
                        S("501 5.7.0 cancelled\r\n"),
                        C("AUTH XOAUTH2 %%%\r\n"),
                        S("535 no\r\n")};
  ms_session *s = run_steps(&ms_smtp_dissector, steps, 7, 0, NULL);
  assert_int_equal(s->auth.failures, 2);
  assert_true(has_anomaly(s, "sasl_bad_base64"));
  assert_int_equal(s->auth.result, MS_AUTH_FAILURE);
  ms_session_free(s);
}

static void bdat_chunks_pipelined(void **state) {
  (void)state;
  static const char client[] =
      "MAIL FROM:<a@b>\r\nRCPT TO:<c@d>\r\nBDAT 11\r\nab\r\n.\r\ncd\x00\xff"
      "BDAT 3 LAST\r\nxyz";
  const step steps[] = {
      S("220 mx\r\n"),
      C("EHLO c\r\n"),
      S("250-mx\r\n250-PIPELINING\r\n250 CHUNKING\r\n"),
      {MS_CLIENT, client, sizeof client - 1},
      S("250 ok\r\n250 ok\r\n250 11 octets\r\n250 2.0.0 Ok: queued as Q1\r\n"),
      C("QUIT\r\n"),
      S("221 bye\r\n")};
  for (size_t split = 0; split < 12; split++) {
    ms_session *s = run_steps(&ms_smtp_dissector, steps, 7, split, NULL);
    assert_int_equal(s->transactions.len, 1);
    const ms_transaction *t = &s->transactions.items[0];
    assert_int_equal(t->status, MS_TX_QUEUED);
    assert_string_equal(t->queue_id, "Q1");
    assert_int_equal(t->message->bytes, 14);
    assert_int_equal(s->commands.len, 6);
    assert_string_equal(s->commands.items[3].verb, "BDAT");
    assert_string_equal(s->commands.items[4].arg, "3 LAST");
    assert_int_equal(s->commands.items[5].reply.code, 221);
    ms_session_free(s);
  }
}

static void rset_and_dropped_connection_abort(void **state) {
  (void)state;
  const step steps[] = {
      S("220 mx\r\n"),        C("HELO c\r\n"),          S("250 mx\r\n"),
      C("MAIL FROM:<>\r\n"),  S("250 ok\r\n"),          C("RSET\r\n"),
      S("250 ok\r\n"),        C("MAIL FROM:<x@y>\r\n"), S("250 ok\r\n"),
      C("RCPT TO:<z@w>\r\n"), S("250 ok\r\n"),          C("DATA\r\n"),
      S("354 go\r\n"),        C("Subject: cut\r\n")};
  ms_session *s = run_steps(&ms_smtp_dissector, steps, 14, 0, NULL);
  assert_int_equal(s->transactions.len, 2);
  assert_string_equal(s->transactions.items[0].mail_from, "");
  assert_int_equal(s->transactions.items[0].status, MS_TX_ABORTED);
  assert_int_equal(s->transactions.items[1].status, MS_TX_ABORTED);
  assert_true(s->transactions.items[1].message->truncated);
  ms_session_free(s);
}

static void starttls_stops_decoding(void **state) {
  (void)state;
  const step steps[] = {S("220 mx\r\n"), C("STARTTLS\r\n"),
                        S("220 2.0.0 go ahead\r\n"),
                        C("\x16\x03\x01\x02\x00garbage\r\nQUIT\r\n")};
  ms_session *s = run_steps(&ms_smtp_dissector, steps, 4, 0, NULL);
  assert_int_equal(s->tls, MS_TLS_STARTTLS);
  assert_int_equal(s->commands.len, 1);
  ms_session_free(s);
}

static void anomalies_for_odd_sessions(void **state) {
  (void)state;
  const step steps[] = {S("220 mx\r\n"), C("EHLO c\r\n"), S("250 mx\r\n"),
                        C("XYZZY plugh\r\nNOOP\r\n"),
                        S("500 unknown\r\n250 ok\r\n250 extra\r\n")};
  ms_session *s = run_steps(&ms_smtp_dissector, steps, 5, 0, NULL);
  assert_true(has_anomaly(s, "unknown_command"));
  assert_true(has_anomaly(s, "pipelining_not_advertised"));
  assert_true(has_anomaly(s, "reply_without_command"));
  assert_string_equal(s->commands.items[1].verb, "XYZZY");
  ms_session_free(s);
}

static void queue_id_formats(void **state) {
  (void)state;
  static const struct {
    const char *text, *id;
  } cases[] = {{"2.0.0 Ok: queued as 4ABC123", "4ABC123"},
               {"OK id=1abcde-000123-AB", "1abcde-000123-AB"},
               {"2.0.0 x9ABC123 Message accepted for delivery", "x9ABC123"},
               {"2.0.0 OK  1700000000 x123si456.23 - gsmtp", "x123si456.23"},
               {"2.6.0 <m@h> [InternalId=97779625, Hostname=X] Queued mail for "
                "delivery",
                "97779625"},
               {"ok 1187717467 qp 19875", "qp 19875"},
               {"Ok", NULL}};
  for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
    char *id = smtp_queue_id(cases[i].text);
    if (cases[i].id)
      assert_string_equal(id, cases[i].id);
    else
      assert_null(id);
    free(id);
  }
}

static void bdat_argument_parsing(void **state) {
  (void)state;
  uint64_t size;
  bool last;
  assert_true(smtp_parse_bdat("100 LAST", &size, &last));
  assert_int_equal(size, 100);
  assert_true(last);
  assert_true(smtp_parse_bdat("0", &size, &last));
  assert_false(last);
  assert_false(smtp_parse_bdat("-1 LAST", &size, &last));
  assert_false(smtp_parse_bdat("184467440737095516150 LAST", &size, &last));
  assert_false(smtp_parse_bdat("5 X", &size, &last));
  assert_false(smtp_parse_bdat(NULL, &size, &last));
}

/* Bytes lost inside a DATA body or a BDAT chunk: the message is kept and
 * marked truncated, and the session goes on. */
static void gap_in_body_truncates_message(void **state) {
  static const step data_gap[] = {
      S("220 mx ESMTP\r\n"),
      C("EHLO c\r\n"),
      S("250 mx\r\n"),
      C("MAIL FROM:<a@x>\r\n"),
      S("250 ok\r\n"),
      C("RCPT TO:<b@y>\r\n"),
      S("250 ok\r\n"),
      C("DATA\r\n"),
      S("354 go\r\n"),
      C("Subject: part\r\n\r\nfirst\r\n"),
      {MS_CLIENT, NULL, 100},
      C("last\r\n.\r\n"),
      S("250 2.0.0 Ok: queued as 1A\r\n"),
      C("MAIL FROM:<a@x>\r\n"),
      S("250 ok\r\n"),
      C("RCPT TO:<b@y>\r\n"),
      S("250 ok\r\n"),
      C("DATA\r\n"),
      S("354 go\r\n"),
      C("Subject: whole\r\n\r\nbody\r\n.\r\n"),
      S("250 2.0.0 Ok: queued as 1B\r\n"),
  };
  ms_session *s = run_steps(ms_dissector_for(MS_PROTO_SMTP), data_gap,
                            sizeof data_gap / sizeof *data_gap, 0, NULL);
  assert_int_equal(s->transactions.len, 2);
  assert_true(s->transactions.items[0].message->truncated);
  assert_string_equal(s->transactions.items[0].queue_id, "1A");
  assert_false(s->transactions.items[1].message->truncated);
  assert_string_equal(s->transactions.items[1].message->subject, "whole");
  assert_true(has_anomaly(s, "message_gap"));
  ms_session_free(s);

  static const step bdat_gap[] = {
      S("220 mx ESMTP\r\n"),
      C("EHLO c\r\n"),
      S("250-mx\r\n250 CHUNKING\r\n"),
      C("MAIL FROM:<a@x>\r\n"),
      S("250 ok\r\n"),
      C("RCPT TO:<b@y>\r\n"),
      S("250 ok\r\n"),
      C("BDAT 20\r\nSubject: c\r\n\r\n"),
      {MS_CLIENT, NULL, 7},
      S("250 ok\r\n"),
      C("BDAT 4 LAST\r\nend\n"),
      S("250 2.0.0 Ok: queued as 1C\r\n"),
  };
  s = run_steps(ms_dissector_for(MS_PROTO_SMTP), bdat_gap,
                sizeof bdat_gap / sizeof *bdat_gap, 0, NULL);
  assert_int_equal(s->transactions.len, 1);
  assert_true(s->transactions.items[0].message->truncated);
  assert_string_equal(s->transactions.items[0].queue_id, "1C");
  ms_session_free(s);
}

/* Lost server bytes (a snaplen-cut capture): a multi-line reply the gap
 * cut is the reply of its command; replies after it pair with the right
 * commands; a body whose "." was lost ends at the server's reply. */
static void server_gap_resynchronizes(void **state) {
  (void)state;
  static const step snaplen[] = {
      S("220 mx ESMTP\r\n"),
      C("EHLO c\r\n"),
      S("250-mx\r\n250-PIPELINING\r\n"),
      {MS_SERVER, NULL, 40}, /* "250-SIZE ...\r\n250 8BITMIME\r\n" */
      C("MAIL FROM:<a@x>\r\n"),
      S("250 2.1.0 Ok\r\n"),
      C("RCPT TO:<b@y>\r\n"),
      S("250 2.1.5 Ok\r\n"),
      C("DATA\r\n"),
      S("354 go\r\n"),
      C("Subject: cut\r\n\r\nbo"),
      {MS_CLIENT, NULL, 50}, /* the rest of the body and "." */
      S("250 2.0.0 Ok: queued as 9Q\r\n"),
      C("QUIT\r\n"),
      S("221 bye\r\n"),
  };
  ms_session *s = run_steps(ms_dissector_for(MS_PROTO_SMTP), snaplen,
                            sizeof snaplen / sizeof *snaplen, 0, NULL);
  static const char *verbs[] = {"EHLO", "MAIL", "RCPT", "DATA", "QUIT"};
  static const int codes[] = {250, 250, 250, 354, 221};
  assert_int_equal(s->commands.len, 5);
  for (size_t i = 0; i < 5; i++) {
    assert_string_equal(s->commands.items[i].verb, verbs[i]);
    assert_int_equal(s->commands.items[i].reply.code, codes[i]);
  }
  assert_string_equal(s->commands.items[1].reply.enhanced, "2.1.0");
  assert_int_equal(s->capabilities.len, 1);
  assert_string_equal(s->capabilities.items[0], "PIPELINING");
  assert_int_equal(s->transactions.len, 1);
  const ms_transaction *t = &s->transactions.items[0];
  assert_int_equal(t->status, MS_TX_QUEUED);
  assert_string_equal(t->queue_id, "9Q");
  assert_int_equal(t->rcpt_to.len, 1);
  assert_true(t->message->truncated);
  assert_false(has_anomaly(s, "rcpt_without_mail"));
  assert_false(has_anomaly(s, "reply_without_command"));
  assert_false(has_anomaly(s, "unknown_command"));
  ms_session_free(s);

  /* the gap was inside the reply: its last line still comes */
  static const step inside[] = {
      S("220 mx ESMTP\r\n"),          C("EHLO c\r\n"),
      S("250-mx\r\n250-SIZE 10\r\n"), {MS_SERVER, NULL, 20},
      S("250 8BITMIME\r\n"),          C("MAIL FROM:<a@x>\r\n"),
      S("250 2.1.0 Ok\r\n"),
  };
  s = run_steps(ms_dissector_for(MS_PROTO_SMTP), inside,
                sizeof inside / sizeof *inside, 0, NULL);
  assert_int_equal(s->commands.len, 2);
  assert_int_equal(s->commands.items[0].reply.code, 250);
  assert_int_equal(s->capabilities.len, 2);
  assert_string_equal(s->capabilities.items[1], "8BITMIME");
  assert_string_equal(s->commands.items[1].reply.enhanced, "2.1.0");
  ms_session_free(s);

  /* a whole reply lost: HELO's, since MAIL came before the next reply */
  static const step lost[] = {
      S("220 mx ESMTP\r\n"),    C("HELO c\r\n"),       {MS_SERVER, NULL, 9},
      C("MAIL FROM:<a@x>\r\n"), S("250 2.1.0 Ok\r\n"), C("RCPT TO:<b@y>\r\n"),
      S("250 2.1.5 Ok\r\n"),
  };
  s = run_steps(ms_dissector_for(MS_PROTO_SMTP), lost,
                sizeof lost / sizeof *lost, 0, NULL);
  assert_int_equal(s->commands.len, 3);
  assert_int_equal(s->commands.items[0].reply.code, 0);
  assert_string_equal(s->commands.items[1].reply.enhanced, "2.1.0");
  assert_string_equal(s->commands.items[2].reply.enhanced, "2.1.5");
  assert_true(has_anomaly(s, "reply_lost"));
  assert_int_equal(s->transactions.items[0].rcpt_to.len, 1);
  ms_session_free(s);
}

/* The start of a line a gap cut: a command keeps its verb and pairs with
 * its reply; a one-line reply keeps its code, not its cut text. */
static void cut_lines_keep_pairing(void **state) {
  (void)state;
  static const step steps[] = {
      S("220 mx ESMTP\r\n"),
      C("EHLO c\r\n"),
      S("250-mx\r\n250 PIPELINING\r\n"),
      C("MAIL FROM:<alice@exa"),
      {MS_CLIENT, NULL, 12},
      S("250 2.1.0 Ok\r\n"),
      C("RCPT TO:<b@y>\r\n"),
      S("250 2.1.5 Ok\r\n"),
      C("DATA\r\n"),
      S("354 go\r\n"),
      C("Subject: s\r\n\r\nbody\r\n.\r\n"),
      S("250 2.0.0 Ok: queued as 12"),
      {MS_SERVER, NULL, 8}, /* "34ABCD\r\n" */
      C("QUIT\r\n"),
      S("221 bye\r\n"),
  };
  ms_session *s = run_steps(ms_dissector_for(MS_PROTO_SMTP), steps,
                            sizeof steps / sizeof *steps, 0, NULL);
  assert_int_equal(s->commands.len, 5);
  assert_string_equal(s->commands.items[1].verb, "MAIL");
  assert_string_equal(s->commands.items[1].reply.enhanced, "2.1.0");
  assert_int_equal(s->commands.items[4].reply.code, 221);
  assert_true(has_anomaly(s, "command_cut"));
  const ms_transaction *t = &s->transactions.items[0];
  assert_string_equal(t->mail_from, "alice@exa");
  assert_int_equal(t->status, MS_TX_QUEUED);
  assert_null(t->queue_id); /* "12" would be a cut queue id */
  assert_string_equal(t->reply.enhanced, "2.0.0");
  ms_session_free(s);
}

/* 8-bit bytes in a body MAIL did not declare 8-bit: once per message;
 * BODY=8BITMIME, BINARYMIME or SMTPUTF8 declare it; BDAT too. */
static void undeclared_8bit_body(void **state) {
  (void)state;
  static const char *params[] = {"", " BODY=8BITMIME", " body=binarymime",
                                 " SMTPUTF8", " BODY=7BIT"};
  static const bool flagged[] = {true, false, false, false, true};
  for (size_t k = 0; k < 5; k++) {
    char mail[64];
    snprintf(mail, sizeof mail, "MAIL FROM:<a@x>%s\r\n", params[k]);
    const step steps[] = {
        S("220 mx ESMTP\r\n"),
        C("EHLO c\r\n"),
        S("250-mx\r\n250 8BITMIME\r\n"),
        {MS_CLIENT, mail, 0},
        S("250 ok\r\n"),
        C("RCPT TO:<b@y>\r\n"),
        S("250 ok\r\n"),
        C("DATA\r\n"),
        S("354 go\r\n"),
        C("Subject: caf\xc3\xa9\r\n\r\nd\xe9j\xe0 vu\r\n.\r\n"),
        S("250 ok\r\n"),
    };
    ms_session *s = run_steps(ms_dissector_for(MS_PROTO_SMTP), steps,
                              sizeof steps / sizeof *steps, 0, NULL);
    size_t n = 0;
    for (size_t i = 0; i < s->anomalies.len; i++)
      n += !strcmp(s->anomalies.items[i].name, "undeclared_8bit_body");
    assert_int_equal(n, flagged[k] ? 1 : 0);
    ms_session_free(s);
  }
  static const step bdat[] = {
      S("220 mx ESMTP\r\n"),
      C("EHLO c\r\n"),
      S("250-mx\r\n250 CHUNKING\r\n"),
      C("MAIL FROM:<a@x>\r\n"),
      S("250 ok\r\n"),
      C("RCPT TO:<b@y>\r\n"),
      S("250 ok\r\n"),
      C("BDAT 8 LAST\r\n\r\nd\xe9j\xe0\r\n"),
      S("250 ok\r\n"),
  };
  ms_session *s = run_steps(ms_dissector_for(MS_PROTO_SMTP), bdat,
                            sizeof bdat / sizeof *bdat, 0, NULL);
  assert_true(has_anomaly(s, "undeclared_8bit_body"));
  ms_session_free(s);
}

/* Client bytes lost while DATA awaited its reply are replayed where they
 * were lost: the message is truncated, nothing joins across the hole. */
static void client_gap_before_354(void **state) {
  (void)state;
  static const step steps[] = {
      S("220 mx ESMTP\r\n"),
      C("EHLO c\r\n"),
      S("250 mx\r\n"),
      C("MAIL FROM:<a@x>\r\n"),
      S("250 ok\r\n"),
      C("RCPT TO:<b@y>\r\n"),
      S("250 ok\r\n"),
      C("DATA\r\n"),
      C("Subject: early\r\n\r\npa"),
      {MS_CLIENT, NULL, 30},
      S("354 go\r\n"),
      C("tail\r\n.\r\n"),
      S("250 2.0.0 Ok: queued as 7W\r\n"),
  };
  ms_session *s = run_steps(ms_dissector_for(MS_PROTO_SMTP), steps,
                            sizeof steps / sizeof *steps, 0, NULL);
  assert_int_equal(s->transactions.len, 1);
  assert_string_equal(s->transactions.items[0].queue_id, "7W");
  assert_true(s->transactions.items[0].message->truncated);
  assert_string_equal(s->transactions.items[0].message->subject, "early");
  ms_session_free(s);
}

/* An EHLO answered after a MAIL the client sent too early does not undo
 * that MAIL's transaction. */
static void ehlo_reply_after_pipelined_mail(void **state) {
  (void)state;
  static const step steps[] = {
      S("220 mx ESMTP\r\n"),
      C("EHLO c\r\nMAIL FROM:<a@x>\r\n"),
      S("250 mx\r\n250 ok\r\n"),
      C("RCPT TO:<b@y>\r\n"),
      S("250 ok\r\n"),
      C("DATA\r\n"),
      S("354 go\r\n"),
      C("Subject: s\r\n\r\nbody\r\n.\r\n"),
      S("250 2.0.0 Ok: queued as 5E\r\n"),
  };
  ms_session *s = run_steps(ms_dissector_for(MS_PROTO_SMTP), steps,
                            sizeof steps / sizeof *steps, 0, NULL);
  assert_int_equal(s->transactions.len, 1);
  assert_int_equal(s->transactions.items[0].status, MS_TX_QUEUED);
  assert_int_equal(s->transactions.items[0].rcpt_to.len, 1);
  ms_session_free(s);
}

/* MAIL/RCPT paths: brackets or none, spaces after the colon, quoted local
 * parts (with spaces and '>'), source routes, the null path, parameters. */
static void path_parsing(void **state) {
  (void)state;
  static const struct {
    const char *arg, *path, *params;
  } cases[] = {
      {"FROM:<a@b.example> SIZE=10", "a@b.example", "SIZE=10"},
      {"FROM: <a@b.example>", "a@b.example", NULL},
      {"from:<>", "", NULL},
      {"FROM:<> BODY=8BITMIME", "", "BODY=8BITMIME"},
      {"FROM:a@b.example", "a@b.example", NULL},
      {"TO:\"john doe\"@example.org", "\"john doe\"@example.org", NULL},
      {"TO:<\"a>b\"@example.org> NOTIFY=NEVER", "\"a>b\"@example.org",
       "NOTIFY=NEVER"},
      {"TO:<\"q\\\"x\"@example.org>", "\"q\\\"x\"@example.org", NULL},
      {"TO:<@hosta.int,@jkl.org:userc@d.bar.org> ORCPT=rfc822;userc@d.bar.org",
       "userc@d.bar.org", "ORCPT=rfc822;userc@d.bar.org"},
      {"TO:<unterminated@example.org SIZE=1", "unterminated@example.org",
       "SIZE=1"},
      {"TO:<Postmaster>", "Postmaster", NULL},
  };
  for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
    const char *params;
    bool to = cases[i].arg[0] == 'T';
    char *path = smtp_parse_path(cases[i].arg, to ? "TO:" : "FROM:", &params);
    assert_non_null(path);
    assert_string_equal(path, cases[i].path);
    if (cases[i].params)
      assert_string_equal(params, cases[i].params);
    else
      assert_null(params);
    free(path);
  }
  const char *params;
  assert_null(smtp_parse_path("<a@b>", "FROM:", &params));
  assert_null(smtp_parse_path(NULL, "FROM:", &params));
}

/* A client that speaks before the greeting: the greeting stays the
 * greeting and the EHLO gets its own reply; when the server's only line
 * before the client's next command is the greeting, the client took it as
 * its answer and the commands stay paired. */
static void client_spoke_first(void **state) {
  (void)state;
  static const step pregreet[] = {
      C("EHLO bot\r\n"),        S("220 mx ESMTP\r\n"), S("250 mx\r\n"),
      C("MAIL FROM:<a@x>\r\n"), S("250 ok\r\n"),       C("QUIT\r\n"),
      S("221 bye\r\n"),
  };
  ms_session *s = run_steps(ms_dissector_for(MS_PROTO_SMTP), pregreet,
                            sizeof pregreet / sizeof *pregreet, 0, NULL);
  assert_string_equal(s->banner, "mx ESMTP");
  assert_true(has_anomaly(s, "client_spoke_first"));
  assert_false(has_anomaly(s, "reply_without_command"));
  assert_int_equal(s->commands.items[0].reply.code, 250);
  assert_int_equal(s->commands.items[1].reply.code, 250);
  assert_int_equal(s->commands.items[2].reply.code, 221);
  ms_session_free(s);

  static const step glued[] = {
      C("EHLO bot\r\n"),
      S("220 mx ESMTP 250-glued\r\n"),
      C("MAIL FROM:<a@x>\r\n"),
      S("250 ok\r\n"),
      C("RCPT TO:<b@y>\r\n"),
      S("251 ok\r\n"),
      C("QUIT\r\n"),
      S("221 bye\r\n"),
  };
  s = run_steps(ms_dissector_for(MS_PROTO_SMTP), glued,
                sizeof glued / sizeof *glued, 0, NULL);
  assert_true(has_anomaly(s, "client_spoke_first"));
  assert_false(has_anomaly(s, "reply_without_command"));
  /* the one 220 line is the greeting only: EHLO got no reply */
  assert_string_equal(s->banner, "mx ESMTP 250-glued");
  assert_false(s->commands.items[0].reply.present);
  assert_string_equal(s->helo, "bot");
  assert_int_equal(s->commands.items[1].reply.code, 250);
  assert_int_equal(s->commands.items[2].reply.code, 251);
  assert_int_equal(s->transactions.items[0].rcpt_to.len, 1);
  ms_session_free(s);
}

/* --max-commands: transactions, recipients and commands beyond it are
 * decoded (replies still pair, messages still parse) but not recorded; a
 * reply over 16 KiB is cut with reply_too_long; control bytes are named. */
static void recording_is_bounded(void **state) {
  (void)state;
  ms_dissect_config cfg;
  ms_dissect_config_defaults(&cfg);
  cfg.max_commands = 3;
  char client[4096], server[4096];
  size_t cl = 0, sl = 0;
  for (int i = 0; i < 5; i++) {
    cl += (size_t)sprintf(client + cl,
                          "MAIL FROM:<a%d@x>\r\nRCPT TO:<b%d@y>\r\nDATA\r\n"
                          "Subject: m%d\r\n\r\nbody\r\n.\r\n",
                          i, i, i);
    sl += (size_t)sprintf(server + sl,
                          "250 ok\r\n250 ok\r\n354 go\r\n250 ok id=q%d\r\n", i);
  }
  const step steps[] = {S("220 mx ESMTP\r\n"),
                        C("EHLO c\r\n"),
                        S("250-mx\r\n250 PIPELINING\r\n"),
                        {MS_CLIENT, client, cl},
                        {MS_SERVER, server, sl},
                        C("QUIT\r\n"),
                        S("221 bye\r\n")};
  for (size_t split = 0; split <= 7; split += 7) {
    ms_session *s = run_steps(&ms_smtp_dissector, steps, 7, split, &cfg);
    assert_int_equal(s->commands.len, 3); /* EHLO, MAIL, RCPT */
    assert_true(has_anomaly(s, "record_limit"));
    assert_int_equal(s->limits[MS_LIMIT_COMMANDS], 1);
    assert_int_equal(s->transactions.len, 3); /* the other two spill */
    assert_int_equal(s->transactions.items[0].rcpt_to.len, 1);
    assert_int_equal(s->transactions.items[1].rcpt_to.len, 0);
    for (int i = 0; i < 3; i++) {
      const ms_transaction *t = &s->transactions.items[i];
      char want[16];
      assert_int_equal(t->status, MS_TX_QUEUED);
      snprintf(want, sizeof want, "q%d", i);
      assert_string_equal(t->queue_id, want);
      snprintf(want, sizeof want, "m%d", i);
      assert_string_equal(t->message->subject, want);
    }
    assert_false(has_anomaly(s, "reply_without_command"));
    ms_session_free(s);
  }

  size_t big = 40000;
  char *reply = malloc(big + 256);
  size_t rl = 0;
  while (rl < big)
    rl += (size_t)sprintf(reply + rl, "250-%060d\r\n", 7);
  rl += (size_t)sprintf(reply + rl, "250 last\r\n");
  const step esc[] = {S("220 mx \x1b]0;title\x07 ESMTP\r\n"),
                      C("EHLO c\r\n"),
                      {MS_SERVER, reply, rl},
                      C("QUIT\r\n"),
                      S("221 bye\r\n")};
  ms_session *s = run_steps(&ms_smtp_dissector, esc, 5, 0, NULL);
  assert_true(has_anomaly(s, "reply_too_long"));
  assert_true(has_anomaly(s, "control_characters"));
  assert_int_equal(s->limits[MS_LIMIT_REPLY], 1);
  assert_true(strlen(s->commands.items[0].reply.text) < MS_MAX_REPLY_TEXT);
  assert_true(s->capabilities.len < 300);
  assert_int_equal(s->commands.items[1].reply.code, 221);
  ms_session_free(s);
  free(reply);
}

/* Postfix's postscreen (pregreet test): "220-" then, the client having
 * talked first, the reply to its EHLO without the "220 " line.  The
 * greeting ends at the code change; the EHLO gets the 250 and its
 * capabilities.  At every split point. */
static void postscreen_unfinished_greeting(void **state) {
  (void)state;
  static const step pregreet[] = {
      C("EHLO bot\r\n"),
      S("220-mx ESMTP Postfix\r\n"),
      S("250-mx\r\n250-SIZE 1000\r\n250 CHUNKING\r\n"),
      C("MAIL FROM:<a@x>\r\n"),
      S("250 2.1.0 Ok\r\n"),
      C("RCPT TO:<b@y>\r\n"),
      S("550 5.5.1 Protocol error\r\n"),
      C("QUIT\r\n"),
      S("221 2.0.0 Bye\r\n"),
  };
  for (size_t split = 0; split <= 24; split++) {
    ms_session *s = run_steps(ms_dissector_for(MS_PROTO_SMTP), pregreet,
                              sizeof pregreet / sizeof *pregreet, split, NULL);
    assert_string_equal(s->banner, "mx ESMTP Postfix");
    assert_true(has_anomaly(s, "client_spoke_first"));
    assert_int_equal(count_anomaly(s, "reply_code_changed"), 1);
    assert_false(has_anomaly(s, "reply_without_command"));
    assert_int_equal(s->commands.len, 4);
    assert_int_equal(s->commands.items[0].reply.code, 250);
    assert_int_equal(s->capabilities.len, 2);
    assert_string_equal(s->capabilities.items[1], "CHUNKING");
    assert_int_equal(s->commands.items[1].reply.code, 250);
    assert_int_equal(s->commands.items[2].reply.code, 550);
    assert_int_equal(s->commands.items[3].reply.code, 221);
    assert_int_equal(s->transactions.items[0].rcpt_rejected.len, 1);
    ms_session_free(s);
  }
  /* after the greeting, a reply whose lines change code is still one
   * reply (pairing holds), reported once, not once per line */
  static const step mixed[] = {
      S("220 mx\r\n"),
      C("EHLO c\r\n"),
      S("250-mx\r\n251-a\r\n252-b\r\n250 c\r\n"),
      C("QUIT\r\n"),
      S("221 bye\r\n"),
  };
  ms_session *s = run_steps(ms_dissector_for(MS_PROTO_SMTP), mixed,
                            sizeof mixed / sizeof *mixed, 0, NULL);
  assert_int_equal(count_anomaly(s, "reply_code_changed"), 1);
  assert_int_equal(s->commands.items[0].reply.code, 250);
  assert_int_equal(s->commands.items[1].reply.code, 221);
  ms_session_free(s);
}

/* A RCPT whose reply is not in the capture keeps its recipient, in the
 * transaction the client sent it in: the session ends first, or only the
 * client's side was captured. */
static void unanswered_rcpt_kept(void **state) {
  (void)state;
  static const step ended[] = {
      S("220 mx\r\n"),          C("EHLO c\r\n"),        S("250 mx\r\n"),
      C("MAIL FROM:<f@x>\r\n"), S("250 ok\r\n"),        C("RCPT TO:<a@y>\r\n"),
      S("250 ok\r\n"),          C("RCPT TO:<b@y>\r\n"),
  };
  ms_session *s = run_steps(&ms_smtp_dissector, ended,
                            sizeof ended / sizeof *ended, 0, NULL);
  assert_int_equal(s->transactions.len, 1);
  const ms_transaction *t = &s->transactions.items[0];
  assert_int_equal(t->rcpt_to.len, 1);
  assert_string_equal(t->rcpt_to.items[0], "a@y");
  assert_int_equal(t->rcpt_unanswered.len, 1);
  assert_string_equal(t->rcpt_unanswered.items[0], "b@y");
  ms_session_free(s);

  static const step client_only[] = {
      C("EHLO c\r\n"),        C("MAIL FROM:<f@x>\r\n"),
      C("RCPT TO:<a@y>\r\n"), C("MAIL FROM:<g@x>\r\n"),
      C("RCPT TO:<b@y>\r\n"), C("QUIT\r\n"),
  };
  s = run_steps(&ms_smtp_dissector, client_only,
                sizeof client_only / sizeof *client_only, 0, NULL);
  assert_int_equal(s->transactions.len, 2);
  for (size_t i = 0; i < 2; i++) {
    t = &s->transactions.items[i];
    assert_int_equal(t->rcpt_to.len, 0);
    assert_int_equal(t->rcpt_rejected.len, 0);
    assert_int_equal(t->rcpt_unanswered.len, 1);
    assert_string_equal(t->rcpt_unanswered.items[0], i ? "b@y" : "a@y");
  }
  ms_session_free(s);
}

/* The server's reply decides the HELO name: a refused EHLO (a bare "ehlo",
 * 501) leaves the name of the HELO it accepted; with none accepted before,
 * the name the client gave stays. */
static void refused_ehlo_keeps_helo(void **state) {
  (void)state;
  static const step refused[] = {
      S("220 mx\r\n"),
      C("HELO c.example\r\n"),
      S("250 mx\r\n"),
      C("ehlo\r\n"),
      S("501 Syntax: EHLO hostname\r\n"),
      C("EHLO d.example\r\n"),
      S("502 no\r\n"),
  };
  ms_session *s = run_steps(&ms_smtp_dissector, refused,
                            sizeof refused / sizeof *refused, 0, NULL);
  assert_string_equal(s->helo, "c.example");
  assert_false(s->esmtp);
  ms_session_free(s);

  static const step first_refused[] = {
      S("220 mx\r\n"),
      C("EHLO bad..name\r\n"),
      S("501 bad name\r\n"),
  };
  s = run_steps(&ms_smtp_dissector, first_refused,
                sizeof first_refused / sizeof *first_refused, 0, NULL);
  assert_string_equal(s->helo, "bad..name");
  ms_session_free(s);

  static const step accepted_later[] = {
      S("220 mx\r\n"),         C("HELO c.example\r\n"), S("250 mx\r\n"),
      C("EHLO e.example\r\n"), S("250 mx\r\n"),
  };
  s = run_steps(&ms_smtp_dissector, accepted_later,
                sizeof accepted_later / sizeof *accepted_later, 0, NULL);
  assert_string_equal(s->helo, "e.example");
  assert_true(s->esmtp);
  ms_session_free(s);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(recording_is_bounded),
      cmocka_unit_test(rfc2920_example_at_every_split),
      cmocka_unit_test(multiline_reply_and_capabilities),
      cmocka_unit_test(auth_plain_login_and_failure),
      cmocka_unit_test(auth_cancel_and_garbage),
      cmocka_unit_test(bdat_chunks_pipelined),
      cmocka_unit_test(rset_and_dropped_connection_abort),
      cmocka_unit_test(starttls_stops_decoding),
      cmocka_unit_test(anomalies_for_odd_sessions),
      cmocka_unit_test(queue_id_formats),
      cmocka_unit_test(bdat_argument_parsing),
      cmocka_unit_test(gap_in_body_truncates_message),
      cmocka_unit_test(path_parsing),
      cmocka_unit_test(client_spoke_first),
      cmocka_unit_test(postscreen_unfinished_greeting),
      cmocka_unit_test(server_gap_resynchronizes),
      cmocka_unit_test(client_gap_before_354),
      cmocka_unit_test(cut_lines_keep_pairing),
      cmocka_unit_test(undeclared_8bit_body),
      cmocka_unit_test(ehlo_reply_after_pipelined_mail),
      cmocka_unit_test(unanswered_rcpt_kept),
      cmocka_unit_test(refused_ehlo_keeps_helo),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
