/* test_smtp_server.c - SMTP state follows the server's replies, not the
 * textbook order of the client's commands: a refused DATA or a refused
 * second MAIL leave the transaction the server holds open with the
 * recipients it accepted; only RSET, HELO/EHLO, a completed DATA/BDAT LAST
 * or an accepted MAIL start anew (RFC 5321 4.1.1, 4.1.4, 3.3); mail_from is
 * "" for the null path only, absent when unknown.  Each case lockstep and
 * pipelined, at several split points. */
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

static ms_session *run(const step *steps, size_t n, size_t split) {
  return run_steps(&ms_smtp_dissector, steps, n, split, NULL);
}

/* "503 sender already given": the first transaction goes on, the RCPT
 * sent after the refused MAIL joins it, and its message is queued. */
static void check_nested_mail(const ms_session *s) {
  assert_int_equal(s->transactions.len, 2);
  const ms_transaction *t = &s->transactions.items[0];
  assert_string_equal(t->mail_from, "a@x");
  assert_int_equal(t->rcpt_to.len, 2);
  assert_string_equal(t->rcpt_to.items[0], "b@y");
  assert_string_equal(t->rcpt_to.items[1], "d@y");
  assert_int_equal(t->status, MS_TX_QUEUED);
  assert_non_null(t->message);
  assert_string_equal(t->message->subject, "kept");
  const ms_transaction *u = &s->transactions.items[1];
  assert_string_equal(u->mail_from, "c@x");
  assert_int_equal(u->status, MS_TX_REJECTED);
  assert_int_equal(u->reply.code, 503);
  assert_int_equal(u->rcpt_to.len, 0);
  assert_null(u->message);
  assert_false(has_anomaly(s, "data_without_mail"));
}

static void refused_second_mail_keeps_transaction(void **state) {
  (void)state;
  const step lockstep[] = {S("220 mx ESMTP\r\n"),
                           C("EHLO c\r\n"),
                           S("250-mx\r\n250 PIPELINING\r\n"),
                           C("MAIL FROM:<a@x>\r\n"),
                           S("250 2.1.0 Ok\r\n"),
                           C("RCPT TO:<b@y>\r\n"),
                           S("250 2.1.5 Ok\r\n"),
                           C("MAIL FROM:<c@x>\r\n"),
                           S("503 5.5.1 Error: nested MAIL command\r\n"),
                           C("RCPT TO:<d@y>\r\n"),
                           S("250 2.1.5 Ok\r\n"),
                           C("DATA\r\n"),
                           S("354 go\r\n"),
                           C("Subject: kept\r\n\r\nx\r\n.\r\n"),
                           S("250 2.0.0 Ok: queued as K1\r\n")};
  const step pipelined[] = {
      S("220 mx ESMTP\r\n"),
      C("EHLO c\r\n"),
      S("250-mx\r\n250 PIPELINING\r\n"),
      C("MAIL FROM:<a@x>\r\nRCPT TO:<b@y>\r\nMAIL FROM:<c@x>\r\n"
        "RCPT TO:<d@y>\r\nDATA\r\n"),
      S("250 2.1.0 Ok\r\n250 2.1.5 Ok\r\n503 5.5.1 sender already given\r\n"
        "250 2.1.5 Ok\r\n354 go\r\n"),
      C("Subject: kept\r\n\r\nx\r\n.\r\n"),
      S("250 2.0.0 Ok: queued as K1\r\n")};
  for (size_t split = 0; split < 9; split++) {
    ms_session *s = run(lockstep, NSTEPS(lockstep), split);
    check_nested_mail(s);
    ms_session_free(s);
    s = run(pipelined, NSTEPS(pipelined), split);
    check_nested_mail(s);
    ms_session_free(s);
  }
}

/* A server that accepts a second MAIL started anew: the first transaction
 * is aborted, the second one gets the recipients. */
static void accepted_second_mail_starts_anew(void **state) {
  (void)state;
  const step steps[] = {S("220 mx\r\n"), C("MAIL FROM:<a@x>\r\n"),
                        S("250 ok\r\n"), C("RCPT TO:<b@y>\r\n"),
                        S("250 ok\r\n"), C("MAIL FROM:<c@x>\r\n"),
                        S("250 ok\r\n"), C("RCPT TO:<d@y>\r\n"),
                        S("250 ok\r\n"), C("QUIT\r\n"),
                        S("221 bye\r\n")};
  ms_session *s = run(steps, NSTEPS(steps), 0);
  assert_int_equal(s->transactions.len, 2);
  assert_int_equal(s->transactions.items[0].status, MS_TX_ABORTED);
  assert_int_equal(s->transactions.items[0].rcpt_to.len, 1);
  assert_int_equal(s->transactions.items[1].rcpt_to.len, 1);
  assert_string_equal(s->transactions.items[1].rcpt_to.items[0], "d@y");
  ms_session_free(s);
}

/* DATA refused (no valid recipients yet): no body, the transaction stays
 * open; a recipient accepted afterwards and a second DATA complete it. */
static void refused_data_keeps_transaction(void **state) {
  (void)state;
  const step steps[] = {
      S("220 mx\r\n"),
      C("EHLO c\r\n"),
      S("250-mx\r\n250 PIPELINING\r\n"),
      C("MAIL FROM:<a@x>\r\nRCPT TO:<nobody@y>\r\nDATA\r\n"),
      S("250 ok\r\n550 5.1.1 unknown\r\n554 5.5.1 Error: no valid "
        "recipients\r\n"),
      C("RCPT TO:<b@y>\r\n"),
      S("250 ok\r\n"),
      C("DATA\r\n"),
      S("354 go\r\n"),
      C("Subject: second try\r\n\r\nx\r\n.\r\n"),
      S("250 2.0.0 Ok: queued as D2\r\n"),
      C("QUIT\r\n"),
      S("221 bye\r\n")};
  for (size_t split = 0; split < 7; split++) {
    ms_session *s = run(steps, NSTEPS(steps), split);
    assert_int_equal(s->transactions.len, 1);
    const ms_transaction *t = &s->transactions.items[0];
    assert_int_equal(t->status, MS_TX_QUEUED);
    assert_string_equal(t->queue_id, "D2");
    assert_int_equal(t->rcpt_to.len, 1);
    assert_int_equal(t->rcpt_rejected.len, 1);
    assert_non_null(t->message);
    assert_false(has_anomaly(s, "data_without_mail"));
    ms_session_free(s);
  }
  /* refused, then given up: RSET ends it, rejected by the refusal */
  const step given_up[] = {
      S("220 mx\r\n"), C("MAIL FROM:<a@x>\r\n"),     S("250 ok\r\n"),
      C("DATA\r\n"),   S("503 5.5.1 need RCPT\r\n"), C("RSET\r\n"),
      S("250 ok\r\n"), C("MAIL FROM:<e@x>\r\n"),     S("250 ok\r\n")};
  ms_session *s = run(given_up, NSTEPS(given_up), 0);
  assert_int_equal(s->transactions.len, 2);
  assert_int_equal(s->transactions.items[0].status, MS_TX_REJECTED);
  assert_int_equal(s->transactions.items[0].reply.code, 503);
  assert_int_equal(s->transactions.items[1].status, MS_TX_ABORTED);
  ms_session_free(s);
}

/* What ends a transaction: an accepted EHLO does, a refused one does not;
 * RSET does when the server answers it. */
static void helo_and_rset_end_it(void **state) {
  (void)state;
  const step steps[] = {S("220 mx\r\n"),
                        C("MAIL FROM:<a@x>\r\n"),
                        S("250 ok\r\n"),
                        C("RCPT TO:<b@y>\r\n"),
                        S("250 ok\r\n"),
                        C("EHLO c\r\n"),
                        S("501 5.5.4 bad\r\n"),
                        C("RCPT TO:<c@y>\r\n"),
                        S("250 ok\r\n"),
                        C("EHLO c.example\r\n"),
                        S("250 mx\r\n"),
                        C("RCPT TO:<d@y>\r\n"),
                        S("503 5.5.1 need MAIL\r\n")};
  ms_session *s = run(steps, NSTEPS(steps), 0);
  assert_int_equal(s->transactions.len, 1);
  const ms_transaction *t = &s->transactions.items[0];
  assert_int_equal(t->status, MS_TX_ABORTED);
  assert_int_equal(t->rcpt_to.len, 2); /* b and c: the refused EHLO kept it */
  assert_true(has_anomaly(s, "rcpt_without_mail"));
  ms_session_free(s);
}

/* mail_from: "" is the null path and only that; a sender that cannot be
 * known is absent. */
static void null_path_and_unknown_sender(void **state) {
  (void)state;
  const step steps[] = {S("220 mx\r\n"),
                        C("MAIL FROM:<>\r\n"),
                        S("250 ok\r\n"),
                        C("RSET\r\n"),
                        S("250 ok\r\n"),
                        C("MAIL FROM<broken@x>\r\n"),
                        S("501 5.5.4 Syntax\r\n"),
                        C("MAIL\r\n"),
                        S("501 5.5.4 Syntax\r\n"),
                        C("DATA\r\n"),
                        S("354 go\r\n"),
                        C("Subject: nobody\r\n\r\nx\r\n.\r\n"),
                        S("250 ok\r\n")};
  ms_session *s = run(steps, NSTEPS(steps), 0);
  assert_int_equal(s->transactions.len, 4);
  assert_string_equal(s->transactions.items[0].mail_from, "");
  assert_null(s->transactions.items[1].mail_from);
  assert_int_equal(s->transactions.items[1].status, MS_TX_REJECTED);
  assert_null(s->transactions.items[2].mail_from);
  assert_null(s->transactions.items[3].mail_from); /* data_without_mail */
  assert_int_equal(s->transactions.items[3].status, MS_TX_QUEUED);
  assert_true(has_anomaly(s, "data_without_mail"));
  assert_int_equal(count_anomaly(s, "malformed_mail_from"), 2);
  ms_session_free(s);
}

/* SMTP smuggling with bare CR (issue 20): a "." line a bare CR delimits
 * is no end of data here (as for Postfix), but is one to a server that
 * ends lines at a bare CR: bare_cr_end_of_data, once, and the message
 * goes on to the real <CR><LF>.<CR><LF>.  At every split point. */
static void bare_cr_end_of_data(void **state) {
  (void)state;
  static const struct {
    const char *body;
    size_t anomalies;
  } cases[] = {
      {"a\r.\rMAIL FROM:<x@y>\r\n.\r\n", 1},   /* <CR>.<CR> */
      {"a\r.\r\nMAIL FROM:<x@y>\r\n.\r\n", 1}, /* <CR>.<CR><LF> */
      {"a\r\n.\rMAIL FROM:<x@y>\r\n.\r\n", 1}, /* <CR><LF>.<CR> */
      {"a\r.\nMAIL FROM:<x@y>\r\n.\r\n", 1},   /* <CR>.<LF> */
      {"a\r.\r\nb\r.\r\n.\r\n", 1},            /* once per message */
      {"a\r\n.\r\n", 0},
      {"a\rb\r\n..\r\n.\r\n", 0},
      {"a\r..b\r\n.\r\n", 0},
      {"a\r\n..\rx\r\n.\r\n", 0}, /* a stuffed line ".\rx" */
  };
  for (size_t k = 0; k < sizeof cases / sizeof cases[0]; k++)
    for (size_t split = 0; split < 9; split++) {
      const step steps[] = {
          S("220 mx\r\n"),           C("MAIL FROM:<a@b>\r\nRCPT TO:<c@d>\r\n"),
          S("250 ok\r\n250 ok\r\n"), C("DATA\r\n"),
          S("354 go\r\n"),           C(cases[k].body),
          S("250 queued\r\n")};
      ms_session *s = run(steps, NSTEPS(steps), split);
      assert_int_equal(count_anomaly(s, "bare_cr_end_of_data"),
                       cases[k].anomalies);
      assert_int_equal(s->transactions.len, 1);
      assert_int_equal(s->transactions.items[0].status, MS_TX_QUEUED);
      /* the message ends at <CR><LF>.<CR><LF> only */
      assert_true(s->transactions.items[0].message->bytes >=
                  strlen(cases[k].body) - 5);
      ms_session_free(s);
    }
}

/* SIZE from the wire is a number in range (issue 20). */
static void size_numbers_in_range(void **state) {
  (void)state;
  const step steps[] = {S("220 mx\r\n"),
                        C("EHLO c\r\n"),
                        S("250-mx\r\n250 SIZE -1\r\n"),
                        C("MAIL FROM:<a@b> SIZE=18446744073709551617\r\n"),
                        S("250 ok\r\n"),
                        C("MAIL FROM:<a@b> SIZE=100\r\n"),
                        S("250 ok\r\n")};
  ms_session *s = run(steps, NSTEPS(steps), 0);
  assert_int_equal(count_anomaly(s, "number_out_of_range"), 2);
  assert_false(has_anomaly(s, "size_exceeds_limit")); /* no limit known */
  assert_string_equal(s->capabilities.items[0], "SIZE -1");
  ms_session_free(s);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(refused_second_mail_keeps_transaction),
      cmocka_unit_test(accepted_second_mail_starts_anew),
      cmocka_unit_test(refused_data_keeps_transaction),
      cmocka_unit_test(helo_and_rset_end_it),
      cmocka_unit_test(null_path_and_unknown_sender),
      cmocka_unit_test(bare_cr_end_of_data),
      cmocka_unit_test(size_numbers_in_range),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
