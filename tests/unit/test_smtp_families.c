/* test_smtp_families.c - the SMTP dissector, second part: every command
 * family and its reply, enhanced codes and multi-line text, MAIL/RCPT
 * arguments, DATA dot-stuffing and bare LF, refused DATA with a hostile
 * pipelined body, rejected transactions, BDAT edge cases, gaps, transcript
 * flags, STARTTLS refused then accepted, and hostile input (garbage, long
 * lines, a flood of commands bounded by record_limit). */
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

static const ms_command *find_cmd(const ms_session *s, const char *verb,
                                  size_t nth) {
  for (size_t i = 0; i < s->commands.len; i++)
    if (!strcmp(s->commands.items[i].verb, verb) && nth-- == 0)
      return &s->commands.items[i];
  return NULL;
}

static void every_command_family(void **state) {
  (void)state;
  const step steps[] = {
      S("220 mx.test ESMTP ready\r\n"),
      C("helo old.test\r\n"),
      S("250 mx.test\r\n"),
      C("ehlo new.test\r\n"),
      S("250-mx.test hello\r\n250-SIZE 1000\r\n250-PIPELINING\r\n"
        "250 8BITMIME\r\n"),
      C("vrfy alice\r\n"),
      S("252 2.5.2 cannot verify\r\n"),
      C("EXPN staff\r\n"),
      S("550 5.7.1 access denied\r\n"),
      C("HELP\r\n"),
      S("214-2.0.0 help one\r\n214 2.0.0 help two\r\n"),
      C("NoOp\r\n"),
      S("250 2.0.0 ok\r\n"),
      C("TURN\r\n"),
      S("502 5.5.1 no\r\n"),
      C("ETRN @example.test\r\n"),
      S("250 queuing started\r\n"),
      C("ATRN example.test\r\n"),
      S("453 no mail\r\n"),
      C("SEND FROM:<s@x>\r\n"),
      S("250 ok\r\n"),
      C("RSET\r\n"),
      S("250 ok\r\n"),
      C("SOML FROM:<s@x>\r\n"),
      S("250 ok\r\n"),
      C("RSET\r\n"),
      S("250 ok\r\n"),
      C("SAML FROM:<s@x>\r\n"),
      S("250 ok\r\n"),
      C("QUIT\r\n"),
      S("221 2.0.0 bye\r\n")};
  for (size_t split = 0; split < 5; split++) {
    ms_session *s =
        run_steps(&ms_smtp_dissector, steps, NSTEPS(steps), split, NULL);
    assert_string_equal(s->banner, "mx.test ESMTP ready");
    assert_string_equal(s->helo, "new.test");
    assert_true(s->esmtp);
    assert_int_equal(s->capabilities.len, 3);
    assert_string_equal(s->capabilities.items[0], "SIZE 1000");
    assert_string_equal(s->capabilities.items[1], "PIPELINING");
    static const char *const verbs[] = {"HELO", "EHLO", "VRFY", "EXPN", "HELP",
                                        "NOOP", "TURN", "ETRN", "ATRN", "SEND",
                                        "RSET", "SOML", "RSET", "SAML", "QUIT"};
    assert_int_equal(s->commands.len, NSTEPS(verbs));
    for (size_t i = 0; i < NSTEPS(verbs); i++) {
      const ms_command *c = &s->commands.items[i];
      assert_string_equal(c->verb, verbs[i]);
      assert_true(c->reply.present);
      assert_false(c->pipelined);
    }
    const ms_command *vrfy = find_cmd(s, "VRFY", 0);
    assert_string_equal(vrfy->arg, "alice");
    assert_int_equal(vrfy->reply.code, 252);
    assert_string_equal(vrfy->reply.enhanced, "2.5.2");
    assert_string_equal(vrfy->reply.text, "cannot verify");
    const ms_command *help = find_cmd(s, "HELP", 0);
    assert_int_equal(help->reply.code, 214);
    assert_string_equal(help->reply.text, "help one\nhelp two");
    assert_null(find_cmd(s, "ATRN", 0)->reply.enhanced);
    assert_int_equal(find_cmd(s, "ATRN", 0)->reply.code, 453);
    assert_null(find_cmd(s, "QUIT", 0)->arg);
    /* SEND/SOML/SAML open transactions like MAIL; RSET aborts them */
    assert_int_equal(s->transactions.len, 3);
    assert_string_equal(s->transactions.items[0].mail_from, "s@x");
    assert_int_equal(s->transactions.items[0].status, MS_TX_ABORTED);
    assert_int_equal(s->transactions.items[2].status, MS_TX_ABORTED);
    assert_false(has_anomaly(s, "unknown_command"));
    assert_false(has_anomaly(s, "reply_without_command"));
    ms_session_free(s);
  }
}

static void enhanced_code_must_match_class(void **state) {
  (void)state;
  const step steps[] = {S("220 mx\r\n"),
                        C("NOOP\r\n"),
                        S("250 5.0.0 not an enhanced code here\r\n"),
                        C("NOOP\r\n"),
                        S("250 2.0.0\r\n"),
                        C("NOOP\r\n"),
                        S("250 2.0 short\r\n")};
  ms_session *s = run_steps(&ms_smtp_dissector, steps, NSTEPS(steps), 0, NULL);
  assert_null(s->commands.items[0].reply.enhanced);
  assert_string_equal(s->commands.items[0].reply.text,
                      "5.0.0 not an enhanced code here");
  assert_string_equal(s->commands.items[1].reply.enhanced, "2.0.0");
  assert_null(s->commands.items[2].reply.enhanced);
  ms_session_free(s);
}

static void mail_and_rcpt_arguments(void **state) {
  (void)state;
  const step steps[] = {
      S("220 mx\r\n"),
      C("EHLO c\r\n"),
      S("250-mx\r\n250-SIZE 1000\r\n250 DSN\r\n"),
      C("MAIL FROM:<> SIZE=500 BODY=8BITMIME RET=HDRS ENVID=x1\r\n"),
      S("250 ok\r\n"),
      C("RCPT TO: bob@example.test NOTIFY=SUCCESS,FAILURE "
        "ORCPT=rfc822;bob@example.test\r\n"),
      S("250 ok\r\n"),
      C("RCPT TO:<nobody@example.test>\r\n"),
      S("550 5.1.1 no such user\r\n"),
      C("RSET\r\n"),
      S("250 ok\r\n"),
      C("MAIL FROM: alice@example.test SIZE=99999 SMTPUTF8 AUTH=<>\r\n"),
      S("552 5.3.4 too big\r\n"),
      C("MAIL\r\n"),
      S("501 syntax\r\n"),
      C("RCPT TO:<x@y>\r\n"),
      S("503 need mail\r\n")};
  ms_session *s = run_steps(&ms_smtp_dissector, steps, NSTEPS(steps), 0, NULL);
  assert_true(s->transactions.len >= 2);
  const ms_transaction *t = &s->transactions.items[0];
  assert_string_equal(t->mail_from, "");
  assert_string_equal(t->mail_params,
                      "SIZE=500 BODY=8BITMIME RET=HDRS ENVID=x1");
  assert_int_equal(t->rcpt_to.len, 1);
  assert_string_equal(t->rcpt_to.items[0], "bob@example.test");
  assert_int_equal(t->rcpt_rejected.len, 1);
  assert_string_equal(t->rcpt_rejected.items[0].addr, "nobody@example.test");
  assert_int_equal(t->rcpt_rejected.items[0].code, 550);
  assert_int_equal(t->status, MS_TX_ABORTED);
  const ms_transaction *big = &s->transactions.items[1];
  assert_string_equal(big->mail_from, "alice@example.test");
  assert_string_equal(big->mail_params, "SIZE=99999 SMTPUTF8 AUTH=<>");
  assert_int_equal(big->status, MS_TX_REJECTED);
  assert_int_equal(big->reply.code, 552);
  assert_int_equal(count_anomaly(s, "size_exceeds_limit"), 1);
  assert_true(has_anomaly(s, "malformed_mail_from"));
  assert_true(has_anomaly(s, "rcpt_without_mail"));
  ms_session_free(s);
}

/* A message larger than the advertised SIZE, with or without a SIZE=
 * parameter (Postfix: 552 5.3.4 at the end of the data), by DATA and by
 * BDAT; one within the limit raises nothing. */
static void message_over_advertised_size(void **state) {
  (void)state;
  const step steps[] = {
      S("220 mx\r\n"),
      C("EHLO c\r\n"),
      S("250-mx\r\n250-SIZE 40\r\n250 CHUNKING\r\n"),
      C("MAIL FROM:<a@b> SIZE=30\r\n"),
      S("250 ok\r\n"),
      C("RCPT TO:<c@d>\r\n"),
      S("250 ok\r\n"),
      C("DATA\r\n"),
      S("354 go\r\n"),
      C("Subject: a message of more than forty bytes\r\n\r\nx\r\n.\r\n"),
      S("552 5.3.4 Error: message file too big\r\n"),
      C("MAIL FROM:<a@b>\r\nRCPT TO:<c@d>\r\nBDAT 41 LAST\r\n"),
      C("Subject: forty-one bytes in one chunk\r\n\r\n"),
      S("250 ok\r\n250 ok\r\n552 5.3.4 too big\r\n"),
      C("MAIL FROM:<a@b>\r\nRCPT TO:<c@d>\r\nBDAT 40 LAST\r\n"),
      C("Subject: forty bytes in a chunk.....\r\n\r\n"),
      S("250 ok\r\n250 ok\r\n250 ok\r\n"),
      C("QUIT\r\n"),
      S("221 bye\r\n")};
  ms_session *s = run_steps(&ms_smtp_dissector, steps, NSTEPS(steps), 0, NULL);
  assert_int_equal(s->transactions.len, 3);
  assert_int_equal(s->transactions.items[0].message->bytes, 50);
  assert_int_equal(s->transactions.items[0].status, MS_TX_REJECTED);
  assert_int_equal(s->transactions.items[1].message->bytes, 41);
  assert_int_equal(s->transactions.items[2].message->bytes, 40);
  assert_int_equal(s->transactions.items[2].status, MS_TX_QUEUED);
  assert_int_equal(count_anomaly(s, "size_exceeds_limit"), 2);
  ms_session_free(s);
}

/* The end of data with a bare LF on either side of the "." (the SMTP
 * smuggling pattern) raises bare_lf_end_of_data; CRLF.CRLF does not, even
 * after bare LFs inside the body or a stuffed ".\r" line.  The hidden
 * commands are commands, as Postfix 3.7 takes them.  At every split. */
static void bare_lf_end_of_data(void **state) {
  (void)state;
  static const struct {
    const char *body;
    size_t anomalies;
    uint64_t bytes;
  } cases[] = {
      {"a\r\n.\r\n", 0, 3},
      {"a\n.\n", 1, 2},
      {"a\r\n.\n", 1, 3},
      {"a\n.\r\n", 1, 2},
      {".\r\n", 0, 0},
      {"a\n..\r\n.\r\n", 0, 5},
      {"a\r\n..\rx\r\n.\r\n", 0, 8},
      {"a\n\r\n.\r\n", 0, 4},
      {"a\r\n.\rx\r\n.\r\n", 0, 7},
      {"a\n.\rx\n.\r\n", 1, 5},
  };
  for (size_t k = 0; k < sizeof cases / sizeof cases[0]; k++)
    for (size_t split = 0; split < 8; split++) {
      const step steps[] = {S("220 mx\r\n"),
                            C("MAIL FROM:<a@b>\r\nRCPT TO:<c@d>\r\n"),
                            S("250 ok\r\n250 ok\r\n"),
                            C("DATA\r\n"),
                            S("354 go\r\n"),
                            C(cases[k].body),
                            C("MAIL FROM:<hidden@b>\r\nQUIT\r\n"),
                            S("250 queued\r\n250 ok\r\n221 bye\r\n")};
      ms_session *s =
          run_steps(&ms_smtp_dissector, steps, NSTEPS(steps), split, NULL);
      assert_int_equal(count_anomaly(s, "bare_lf_end_of_data"),
                       cases[k].anomalies);
      assert_int_equal(s->transactions.len, 2);
      assert_int_equal(s->transactions.items[0].message->bytes, cases[k].bytes);
      assert_int_equal(s->transactions.items[0].status, MS_TX_QUEUED);
      assert_string_equal(s->transactions.items[1].mail_from, "hidden@b");
      ms_session_free(s);
    }
}

static void data_dot_stuffing_and_bare_lf(void **state) {
  (void)state;
  /* body after unstuffing: "Subject: s\r\n\r\n.a\n..b\r\nend\n" = 26 */
  const step steps[] = {S("220 mx\r\n"),
                        C("HELO c\r\n"),
                        S("250 mx\r\n"),
                        C("MAIL FROM:<a@b>\r\n"),
                        S("250 ok\r\n"),
                        C("RCPT TO:<c@d>\r\n"),
                        S("250 ok\r\n"),
                        C("DATA\r\n"),
                        S("354 go\r\n"),
                        C("Subject: s\r\n\r\n..a\n...b\r\nend\n.\n"),
                        S("250 OK id=1abcde-000123-AB\r\n"),
                        C("QUIT\r\n"),
                        S("221 bye\r\n")};
  ms_dissect_config cfg;
  ms_dissect_config_defaults(&cfg);
  cfg.transcript = true;
  for (size_t split = 0; split < 9; split++) {
    ms_session *s =
        run_steps(&ms_smtp_dissector, steps, NSTEPS(steps), split, &cfg);
    assert_int_equal(s->transactions.len, 1);
    const ms_transaction *t = &s->transactions.items[0];
    assert_int_equal(t->status, MS_TX_QUEUED);
    assert_string_equal(t->queue_id, "1abcde-000123-AB");
    assert_int_equal(t->reply.code, 250);
    assert_non_null(t->message);
    assert_int_equal(t->message->bytes, 26);
    assert_false(t->message->truncated);
    assert_string_equal(find_cmd(s, "DATA", 0)->reply.text, "go");
    assert_int_equal(find_cmd(s, "QUIT", 0)->reply.code, 221);
    size_t summaries = 0, body_lines = 0;
    for (size_t i = 0; i < s->transcript.len; i++) {
      summaries += !!(s->transcript.items[i].flags & MS_TL_SUMMARY);
      body_lines += !!(s->transcript.items[i].flags & MS_TL_BODY);
    }
    assert_int_equal(summaries, 1);
    assert_int_equal(body_lines, 0);
    ms_session_free(s);
  }
  cfg.full_bodies = true;
  ms_session *s = run_steps(&ms_smtp_dissector, steps, NSTEPS(steps), 0, &cfg);
  size_t body_lines = 0;
  for (size_t i = 0; i < s->transcript.len; i++)
    body_lines += !!(s->transcript.items[i].flags & MS_TL_BODY);
  assert_true(body_lines >= 5);
  ms_session_free(s);
}

static void data_refused_keeps_sync(void **state) {
  (void)state;
  /* all recipients refused, DATA refused: no body, transaction rejected,
   * and the QUIT sent after the refusal still pairs with its 221 */
  const step steps[] = {
      S("220 mx\r\n"),
      C("EHLO c\r\n"),
      S("250-mx\r\n250 PIPELINING\r\n"),
      C("MAIL FROM:<a@b>\r\nRCPT TO:<c@d>\r\nDATA\r\n"),
      S("250 ok\r\n550 5.1.1 unknown\r\n554 5.5.1 no valid recipients\r\n"),
      C("QUIT\r\n"),
      S("221 bye\r\n")};
  for (size_t split = 0; split < 7; split++) {
    ms_session *s =
        run_steps(&ms_smtp_dissector, steps, NSTEPS(steps), split, NULL);
    assert_int_equal(s->transactions.len, 1);
    const ms_transaction *t = &s->transactions.items[0];
    assert_int_equal(t->status, MS_TX_REJECTED);
    assert_null(t->message);
    assert_int_equal(t->rcpt_rejected.len, 1);
    assert_int_equal(find_cmd(s, "DATA", 0)->reply.code, 554);
    assert_int_equal(find_cmd(s, "QUIT", 0)->reply.code, 221);
    assert_false(has_anomaly(s, "reply_without_command"));
    ms_session_free(s);
  }
}

static void data_refused_with_hostile_body(void **state) {
  (void)state;
  /* the client sends its body without waiting for 354; the server refuses
   * DATA and answers each body line as a bad command: every reply still
   * pairs, and no message is made */
  const step steps[] = {
      S("220 mx\r\n"),
      C("EHLO c\r\n"),
      S("250-mx\r\n250 PIPELINING\r\n"),
      C("MAIL FROM:<a@b>\r\n"),
      S("550 no\r\n"),
      C("DATA\r\nhello world\r\n.\r\nQUIT\r\n"),
      S("503 5.5.1 need MAIL\r\n500 5.5.2 unknown\r\n500 5.5.2 unknown\r\n"
        "221 bye\r\n")};
  ms_session *s = run_steps(&ms_smtp_dissector, steps, NSTEPS(steps), 0, NULL);
  assert_int_equal(find_cmd(s, "DATA", 0)->reply.code, 503);
  assert_int_equal(find_cmd(s, "QUIT", 0)->reply.code, 221);
  assert_false(has_anomaly(s, "reply_without_command"));
  for (size_t i = 0; i < s->transactions.len; i++)
    assert_null(s->transactions.items[i].message);
  ms_session_free(s);
}

static void rejected_after_data(void **state) {
  (void)state;
  const step steps[] = {S("220 mx\r\n"),
                        C("HELO c\r\n"),
                        S("250 mx\r\n"),
                        C("MAIL FROM:<a@b>\r\n"),
                        S("250 ok\r\n"),
                        C("RCPT TO:<c@d>\r\n"),
                        S("250 ok\r\n"),
                        C("DATA\r\n"),
                        S("354 go\r\n"),
                        C("x\r\n.\r\n"),
                        S("554 5.7.1 spam\r\n"),
                        C("MAIL FROM:<e@f>\r\n"),
                        S("250 ok\r\n"),
                        C("RCPT TO:<c@d>\r\n"),
                        S("250 ok\r\n"),
                        C("DATA\r\n"),
                        S("354 go\r\n"),
                        C("y\r\n.\r\n"),
                        S("451 4.3.0 try later\r\n")};
  ms_session *s = run_steps(&ms_smtp_dissector, steps, NSTEPS(steps), 0, NULL);
  assert_int_equal(s->transactions.len, 2);
  assert_int_equal(s->transactions.items[0].status, MS_TX_REJECTED);
  assert_int_equal(s->transactions.items[0].reply.code, 554);
  assert_string_equal(s->transactions.items[0].reply.text, "spam");
  assert_int_equal(s->transactions.items[1].status, MS_TX_REJECTED);
  assert_int_equal(s->transactions.items[1].reply.code, 451);
  assert_null(s->transactions.items[1].queue_id);
  ms_session_free(s);
}

/* Postfix with every recipient refused: "554 5.5.1 Error: no valid
 * recipients" to the first chunk, "551 5.0.0 Discarded 0 bytes after
 * earlier error" to BDAT 0 LAST.  The first refusal decides the
 * transaction; the next transaction is not touched. */
static void bdat_first_refusal_decides(void **state) {
  (void)state;
  const step steps[] = {
      S("220 mx\r\n"),
      C("EHLO c\r\n"),
      S("250-mx\r\n250 CHUNKING\r\n"),
      C("MAIL FROM:<a@b>\r\n"),
      S("250 ok\r\n"),
      C("RCPT TO:<x@y>\r\n"),
      S("554 5.7.1 <x@y>: Recipient address rejected\r\n"),
      C("BDAT 5\r\nhello"),
      C("BDAT 0 LAST\r\n"),
      S("554 5.5.1 Error: no valid recipients\r\n"),
      S("551 5.0.0 Discarded 0 bytes after earlier error\r\n"),
      C("MAIL FROM:<a@b>\r\nRCPT TO:<c@d>\r\nBDAT 2 LAST\r\nok"),
      S("250 ok\r\n250 ok\r\n250 2.0.0 queued as X1\r\n")};
  for (size_t split = 0; split < 6; split++) {
    ms_session *s =
        run_steps(&ms_smtp_dissector, steps, NSTEPS(steps), split, NULL);
    assert_int_equal(s->transactions.len, 2);
    const ms_transaction *t = &s->transactions.items[0];
    assert_int_equal(t->status, MS_TX_REJECTED);
    assert_int_equal(t->reply.code, 554);
    assert_string_equal(t->reply.text, "Error: no valid recipients");
    assert_int_equal(find_cmd(s, "BDAT", 1)->reply.code, 551);
    assert_int_equal(s->transactions.items[1].status, MS_TX_QUEUED);
    assert_string_equal(s->transactions.items[1].queue_id, "X1");
    ms_session_free(s);
  }
}

/* A server that answers DATA with 354 after BDAT chunks without LAST
 * (RFC 3030 forbids mixing them; zeek's smtp-bdat-gap capture): the DATA
 * body is the message, headers first, not the chunks' bytes with the body
 * glued on, which made "hello" + "From: ..." one header line and lost the
 * From. */
static void data_after_bdat_starts_the_message_again(void **state) {
  (void)state;
  const step steps[] = {S("220 mx\r\n"),
                        C("EHLO c\r\n"),
                        S("250-mx\r\n250 CHUNKING\r\n"),
                        C("MAIL FROM:<a@b>\r\n"),
                        S("250 ok\r\n"),
                        C("RCPT TO:<c@d>\r\n"),
                        S("250 ok\r\n"),
                        C("BDAT 5\r\nhello"),
                        S("250 5 octets\r\n"),
                        C("DATA\r\n"),
                        S("354 go\r\n"),
                        C("From: x@y\r\nSubject: hi\r\n\r\nbody\r\n.\r\n"),
                        S("250 queued as Q7\r\n")};
  for (size_t split = 0; split < 6; split++) {
    ms_session *s =
        run_steps(&ms_smtp_dissector, steps, NSTEPS(steps), split, NULL);
    assert_int_equal(s->transactions.len, 1);
    const ms_transaction *t = &s->transactions.items[0];
    assert_int_equal(t->status, MS_TX_QUEUED);
    assert_non_null(t->message);
    assert_int_equal(t->message->bytes, 32);
    assert_false(t->message->truncated);
    assert_int_equal(t->message->from.len, 1);
    assert_string_equal(t->message->from.items[0].address, "x@y");
    assert_string_equal(t->message->subject, "hi");
    assert_int_equal(count_anomaly(s, "data_after_bdat"), 1);
    ms_session_free(s);
  }
}

static void bdat_edge_cases(void **state) {
  (void)state;
  static const char client[] =
      "MAIL FROM:<a@b>\r\nRCPT TO:<c@d>\r\nBDAT 7\r\n\r\n.\r\n\x00\x01"
      "BDAT 0 LAST\r\n";
  const step steps[] = {
      S("220 mx\r\n"),
      C("EHLO c\r\n"),
      S("250-mx\r\n250-PIPELINING\r\n250 CHUNKING\r\n"),
      {MS_CLIENT, client, sizeof client - 1},
      S("250 ok\r\n250 ok\r\n250 7 octets\r\n250 Ok: queued as Z9\r\n"),
      C("BDAT xyz\r\nBDAT -5\r\nBDAT 99999999999999999999999\r\n"),
      S("501 bad\r\n501 bad\r\n501 bad\r\n"),
      C("QUIT\r\n"),
      S("221 bye\r\n")};
  for (size_t split = 0; split < 6; split++) {
    ms_session *s =
        run_steps(&ms_smtp_dissector, steps, NSTEPS(steps), split, NULL);
    assert_int_equal(s->transactions.len, 1);
    const ms_transaction *t = &s->transactions.items[0];
    assert_int_equal(t->status, MS_TX_QUEUED);
    assert_string_equal(t->queue_id, "Z9");
    assert_int_equal(t->message->bytes, 7);
    assert_int_equal(count_anomaly(s, "bdat_bad_size"), 3);
    assert_int_equal(find_cmd(s, "QUIT", 0)->reply.code, 221);
    assert_string_equal(find_cmd(s, "BDAT", 1)->arg, "0 LAST");
    assert_true(find_cmd(s, "BDAT", 1)->pipelined);
    ms_session_free(s);
  }
}

static void transcript_group_flags(void **state) {
  (void)state;
  const step steps[] = {
      S("220 mx\r\n"),
      C("EHLO c\r\n"),
      S("250-mx\r\n250 PIPELINING\r\n"),
      C("MAIL FROM:<a@b>\r\nRCPT TO:<c@d>\r\nRCPT TO:<e@f>\r\n"),
      S("250 ok\r\n250 ok\r\n250 ok\r\n"),
      C("RSET\r\n"),
      S("250 ok\r\n")};
  ms_dissect_config cfg;
  ms_dissect_config_defaults(&cfg);
  cfg.transcript = true;
  ms_session *s = run_steps(&ms_smtp_dissector, steps, NSTEPS(steps), 0, &cfg);
  int mail = -1;
  for (size_t i = 0; i < s->transcript.len; i++)
    if (!strncmp(s->transcript.items[i].text, "MAIL", 4))
      mail = (int)i;
  assert_true(mail >= 0);
  const ms_tline *tl = s->transcript.items;
  assert_true(tl[mail].flags & MS_TL_GROUP_START);
  assert_int_equal(tl[mail + 1].flags & MS_TL_GROUP_START, 0);
  assert_true(tl[mail + 1].flags & MS_TL_PIPELINED);
  assert_true(tl[mail + 2].flags & MS_TL_PIPELINED);
  assert_string_equal(tl[0].text, "220 mx");
  assert_int_equal(tl[0].dir, MS_SERVER);
  assert_false(find_cmd(s, "MAIL", 0)->pipelined);
  assert_true(find_cmd(s, "RCPT", 1)->pipelined);
  assert_false(find_cmd(s, "RSET", 0)->pipelined);
  assert_false(has_anomaly(s, "pipelining_not_advertised"));
  ms_session_free(s);
}

static void group_end_and_outstanding_bound(void **state) {
  (void)state;
  const step steps[] = {
      S("220 mx\r\n"), C("EHLO c\r\n"), S("250-mx\r\n250 PIPELINING\r\n"),
      C("NOOP\r\nNOOP\r\nNOOP\r\nNOOP\r\nNOOP\r\n"),
      S("250 ok\r\n250 ok\r\n250 ok\r\n250 ok\r\n250 ok\r\n")};
  ms_dissect_config cfg;
  ms_dissect_config_defaults(&cfg);
  cfg.max_pipeline = 3;
  ms_session *s = run_steps(&ms_smtp_dissector, steps, NSTEPS(steps), 0, &cfg);
  assert_true(has_anomaly(s, "pipelining_after_group_end"));
  assert_true(has_anomaly(s, "too_many_outstanding"));
  for (size_t i = 0; i < s->commands.len; i++)
    assert_true(s->commands.items[i].reply.present);
  ms_session_free(s);
}

static void gaps_in_body_and_commands(void **state) {
  (void)state;
  ms_dissect_config cfg;
  ms_dissect_config_defaults(&cfg);
  ms_session *rec = ms_session_new();
  rec->proto = MS_PROTO_SMTP;
  rec->bytes[MS_SERVER] = 1;
  void *st = ms_smtp_dissector.create(rec, &cfg);
  static const struct {
    ms_dir dir;
    const char *s;
  } parts[] = {{MS_SERVER, "220 mx\r\n"}, {MS_CLIENT, "HELO c\r\n"},
               {MS_SERVER, "250 mx\r\n"}, {MS_CLIENT, "MAIL FROM:<a@b>\r\n"},
               {MS_SERVER, "250 ok\r\n"}, {MS_CLIENT, "RCPT TO:<c@d>\r\n"},
               {MS_SERVER, "250 ok\r\n"}, {MS_CLIENT, "DATA\r\n"},
               {MS_SERVER, "354 go\r\n"}, {MS_CLIENT, "Subject: a\r\nhal"}};
  ms_ts ts = 1;
  size_t used;
  for (size_t i = 0; i < NSTEPS(parts); i++)
    ms_smtp_dissector.on_data(st, parts[i].dir, (const uint8_t *)parts[i].s,
                              strlen(parts[i].s), ts++, &used);
  ms_smtp_dissector.on_gap(st, MS_CLIENT, 1000, ts++);
  static const char rest[] = "f a line\r\nmore\r\n.\r\nQUIT\r\n";
  ms_smtp_dissector.on_data(st, MS_CLIENT, (const uint8_t *)rest, strlen(rest),
                            ts++, &used);
  static const char srv[] = "250 Ok: queued as G1\r\n221 bye\r\n";
  ms_smtp_dissector.on_data(st, MS_SERVER, (const uint8_t *)srv, strlen(srv),
                            ts++, &used);
  rec->end = MS_END_FIN;
  ms_smtp_dissector.on_close(st, ts);
  ms_smtp_dissector.destroy(st);
  assert_int_equal(rec->transactions.len, 1);
  assert_true(has_anomaly(rec, "message_gap"));
  assert_false(has_anomaly(rec, "tcp_gap")); /* the session layer's job */
  assert_string_equal(rec->transactions.items[0].queue_id, "G1");
  assert_int_equal(find_cmd(rec, "QUIT", 0)->reply.code, 221);
  ms_session_free(rec);
}

static void garbage_and_long_lines(void **state) {
  (void)state;
  uint8_t junk[4096];
  uint32_t x = 12345;
  for (size_t i = 0; i < sizeof junk; i++) {
    x = x * 1103515245u + 12345u;
    junk[i] = (uint8_t)(x >> 16);
  }
  const step steps[] = {{MS_SERVER, (const char *)junk, 1000},
                        {MS_CLIENT, (const char *)junk + 1000, 3000},
                        {MS_SERVER, (const char *)junk + 3000, 1096}};
  for (size_t split = 0; split < 4; split++) {
    ms_session *s = run_steps(&ms_smtp_dissector, steps, 3, split, NULL);
    assert_true(s->anomalies.len > 0);
    ms_session_free(s);
  }
  char longline[600];
  memset(longline, 'A', sizeof longline);
  memcpy(longline, "NOOP ", 5);
  memcpy(longline + sizeof longline - 2, "\r\n", 2);
  const step lsteps[] = {S("220 mx\r\n"),
                         {MS_CLIENT, longline, sizeof longline},
                         S("250 ok\r\n"),
                         C("QUIT\r\nNOOP no end")};
  ms_dissect_config cfg;
  ms_dissect_config_defaults(&cfg);
  cfg.max_line = 100;
  ms_session *s = run_steps(&ms_smtp_dissector, lsteps, 4, 0, &cfg);
  assert_true(has_anomaly(s, "line_too_long"));
  assert_true(has_anomaly(s, "incomplete_line"));
  assert_int_equal(find_cmd(s, "NOOP", 0)->reply.code, 250);
  assert_true(strlen(find_cmd(s, "NOOP", 0)->arg) < 100);
  assert_false(find_cmd(s, "QUIT", 0)->reply.present);
  ms_session_free(s);
}

static void million_commands_are_bounded(void **state) {
  (void)state;
  const size_t n = 30000;
  char *flood = malloc(n * 6);
  for (size_t i = 0; i < n; i++)
    memcpy(flood + i * 6, "NOOP\r\n", 6);
  const step steps[] = {S("220 mx\r\n"), {MS_CLIENT, flood, n * 6}};
  ms_dissect_config cfg;
  ms_dissect_config_defaults(&cfg);
  cfg.transcript = true;
  ms_session *s = run_steps(&ms_smtp_dissector, steps, 2, 0, &cfg);
  assert_true(s->commands.len <= 10000);
  assert_true(s->transcript.len <= 40000);
  /* one for the commands, one for the anomalies (every NOOP after a NOOP
   * in the same flight is pipelining_after_group_end) */
  assert_int_equal(count_anomaly(s, "record_limit"), 2);
  assert_true(s->anomalies.len <= 1002);
  /* the --max-pipeline crossing, once (not once per command beyond it) */
  assert_int_equal(count_anomaly(s, "too_many_outstanding"), 1);
  ms_session_free(s);
  free(flood);
}

static void server_never_replies(void **state) {
  (void)state;
  const step steps[] = {C("EHLO c\r\nMAIL FROM:<a@b>\r\nRCPT TO:<c@d>\r\n")};
  ms_session *s = run_steps(&ms_smtp_dissector, steps, 1, 0, NULL);
  assert_int_equal(s->commands.len, 3);
  for (size_t i = 0; i < 3; i++)
    assert_false(s->commands.items[i].reply.present);
  assert_int_equal(s->transactions.len, 1);
  assert_int_equal(s->transactions.items[0].status, MS_TX_ABORTED);
  ms_session_free(s);
}

static void starttls_refused_goes_on(void **state) {
  (void)state;
  const step steps[] = {S("220 mx\r\n"),
                        C("EHLO c\r\n"),
                        S("250-mx\r\n250 STARTTLS\r\n"),
                        C("STARTTLS\r\n"),
                        S("454 4.7.0 TLS not available\r\n"),
                        C("MAIL FROM:<a@b>\r\n"),
                        S("250 ok\r\n"),
                        C("STARTTLS\r\n"),
                        S("220 2.0.0 ready\r\n"),
                        C("\x16\x03\x01\x00\x05hello")};
  ms_dissect_config cfg;
  ms_dissect_config_defaults(&cfg);
  cfg.transcript = true;
  ms_session *s = run_steps(&ms_smtp_dissector, steps, NSTEPS(steps), 0, &cfg);
  assert_int_equal(s->tls, MS_TLS_STARTTLS);
  assert_int_equal(s->commands.len, 4);
  assert_int_equal(find_cmd(s, "STARTTLS", 0)->reply.code, 454);
  assert_int_equal(find_cmd(s, "STARTTLS", 1)->reply.code, 220);
  /* the open transaction is aborted by the TLS start */
  assert_int_equal(s->transactions.len, 1);
  assert_int_equal(s->transactions.items[0].status, MS_TX_ABORTED);
  bool notice = false;
  for (size_t i = 0; i < s->transcript.len; i++)
    notice |= (s->transcript.items[i].flags & MS_TL_NOTICE) &&
              strstr(s->transcript.items[i].text, "TLS");
  assert_true(notice);
  assert_false(has_anomaly(s, "unknown_command"));
  ms_session_free(s);
}

/* RFC 6531: UTF-8 in an envelope address needs SMTPUTF8 on its MAIL; the
 * keyword is matched as a whole parameter, in any case. */
static void utf8_envelope_needs_smtputf8(void **state) {
  (void)state;
  const step steps[] = {
      S("220 mx.test ESMTP\r\n"),
      C("EHLO c.test\r\n"),
      S("250-mx.test\r\n250 SMTPUTF8\r\n"),
      C("MAIL FROM:<j\xc3\xb6rg@b.test> BODY=8BITMIME\r\n"),
      S("250 ok\r\n"),
      C("RCPT TO:<ascii@b.test>\r\n"),
      S("250 ok\r\n"),
      C("RSET\r\n"),
      S("250 ok\r\n"),
      C("MAIL FROM:<a@b.test> XSMTPUTF8\r\n"),
      S("250 ok\r\n"),
      C("RCPT TO:<m\xc3\xbcller@b.test>\r\n"),
      S("250 ok\r\n"),
      C("RSET\r\n"),
      S("250 ok\r\n"),
      C("MAIL FROM:<j\xc3\xb6rg@b.test> smtputf8 SIZE=10\r\n"),
      S("250 ok\r\n"),
      C("RCPT TO:<m\xc3\xbcller@b.test>\r\n"),
      S("250 ok\r\n"),
  };
  for (size_t split = 0; split <= 7; split += 7) {
    ms_session *s =
        run_steps(&ms_smtp_dissector, steps, NSTEPS(steps), split, NULL);
    assert_int_equal(count_anomaly(s, "utf8_address_without_smtputf8"), 2);
    assert_int_equal(s->transactions.len, 3);
    assert_string_equal(s->transactions.items[2].mail_from,
                        "j\xc3\xb6rg@b.test");
    ms_session_free(s);
  }
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(every_command_family),
      cmocka_unit_test(enhanced_code_must_match_class),
      cmocka_unit_test(mail_and_rcpt_arguments),
      cmocka_unit_test(message_over_advertised_size),
      cmocka_unit_test(bare_lf_end_of_data),
      cmocka_unit_test(bdat_first_refusal_decides),
      cmocka_unit_test(data_dot_stuffing_and_bare_lf),
      cmocka_unit_test(data_refused_keeps_sync),
      cmocka_unit_test(data_refused_with_hostile_body),
      cmocka_unit_test(rejected_after_data),
      cmocka_unit_test(bdat_edge_cases),
      cmocka_unit_test(data_after_bdat_starts_the_message_again),
      cmocka_unit_test(transcript_group_flags),
      cmocka_unit_test(group_end_and_outstanding_bound),
      cmocka_unit_test(gaps_in_body_and_commands),
      cmocka_unit_test(garbage_and_long_lines),
      cmocka_unit_test(million_commands_are_bounded),
      cmocka_unit_test(server_never_replies),
      cmocka_unit_test(starttls_refused_goes_on),
      cmocka_unit_test(utf8_envelope_needs_smtputf8),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
