/* test_pop3.c - the POP3 dissector: every command, multi-line pairing
 * under every split point with pipelining, logins, RETR sizes, STLS,
 * unterminated responses. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "dissect_util.h"

#define C(s) {MS_CLIENT, s, 0}
#define S(s) {MS_SERVER, s, 0}

static const step session[] = {
    S("+OK POP3 ready <1896.697170952@dbc.mtview.ca.us>\r\n"),
    C("CAPA\r\n"),
    S("+OK\r\nUSER\r\nPIPELINING\r\nUIDL\r\nTOP\r\n.\r\n"),
    C("USER mrose\r\nPASS secret\r\n"),
    S("+OK\r\n-ERR [AUTH] invalid password\r\n"),
    C("APOP mrose c4c9334bac560ecc979e58001b3e22fb\r\n"),
    S("+OK maildrop has 2 messages (320 octets)\r\n"),
    C("STAT\r\nLIST\r\nUIDL\r\nRETR 1\r\nTOP 2 0\r\nDELE 1\r\nLIST 2\r\n"),
    S("+OK 2 320\r\n+OK 2 messages\r\n1 20\r\n2 200\r\n.\r\n"
      "+OK\r\n1 whqtswO00WBw418f9t5JxYwZ\r\n2 QhdPYR:00WBw1Ph7x7\r\n.\r\n"
      "+OK 20 octets\r\nSubject: a\r\n\r\n..dot\r\n.\r\n"
      "+OK top of message follows\r\nSubject: b\r\n\r\n.\r\n"
      "+OK message 1 deleted\r\n+OK 2 200\r\n"),
    C("QUIT\r\n"),
    S("+OK dewey POP3 server signing off (1 message left)\r\n"),
};

static void full_session_at_every_split(void **state) {
  (void)state;
  for (size_t split = 0; split <= 48; split++) {
    ms_session *s = run_steps(&ms_pop3_dissector, session,
                              sizeof session / sizeof(step), split, NULL);
    static const char *verbs[] = {"CAPA", "USER", "PASS", "APOP", "STAT",
                                  "LIST", "UIDL", "RETR", "TOP",  "DELE",
                                  "LIST", "QUIT"};
    static const char *status[] = {"+OK", "+OK", "-ERR", "+OK", "+OK", "+OK",
                                   "+OK", "+OK", "+OK",  "+OK", "+OK", "+OK"};
    assert_int_equal(s->commands.len, 12);
    for (size_t i = 0; i < 12; i++) {
      assert_string_equal(s->commands.items[i].verb, verbs[i]);
      assert_true(s->commands.items[i].reply.present);
      assert_string_equal(s->commands.items[i].reply.pop3_status, status[i]);
    }
    assert_true(s->commands.items[2].pipelined);  /* PASS after USER */
    assert_false(s->commands.items[4].pipelined); /* STAT leads */
    assert_true(s->commands.items[5].pipelined);
    assert_string_equal(s->commands.items[2].reply.text,
                        "[AUTH] invalid password");
    assert_string_equal(s->commands.items[2].arg, "<redacted>");
    assert_string_equal(s->auth.mechanism, "APOP");
    assert_string_equal(s->auth.username, "mrose");
    assert_string_equal(s->auth.challenge,
                        "<1896.697170952@dbc.mtview.ca.us>");
    assert_int_equal(s->auth.result, MS_AUTH_SUCCESS);
    assert_int_equal(s->auth.attempts, 2);
    assert_int_equal(s->auth.failures, 1);
    assert_true(has_anomaly(s, "login_failed"));
    assert_true(s->mailbox_present);
    assert_int_equal(s->mailbox_messages, 2);
    assert_int_equal(s->mailbox_octets, 320);
    assert_int_equal(s->capabilities.len, 4);
    assert_int_equal(s->messages.len, 2);
    assert_int_equal(s->messages.items[0].number, 1);
    assert_string_equal(s->messages.items[0].command, "RETR");
    assert_string_equal(s->messages.items[0].uid, "whqtswO00WBw418f9t5JxYwZ");
    assert_int_equal(s->messages.items[0].bytes, 20); /* unstuffed */
    assert_string_equal(s->messages.items[0].message->subject, "a");
    assert_string_equal(s->messages.items[1].command, "TOP");
    assert_int_equal(s->deleted.len, 1);
    assert_int_equal(s->deleted.items[0], 1);
    assert_false(has_anomaly(s, "retr_size_mismatch"));
    assert_false(has_anomaly(s, "response_without_command"));
    assert_false(has_anomaly(s, "dele_not_committed"));
    ms_session_free(s);
  }
}

static void size_mismatch_and_unterminated(void **state) {
  (void)state;
  const step steps[] = {S("+OK hi\r\n"), C("USER a\r\n"), S("+OK\r\n"),
                        C("PASS b\r\n"), S("+OK\r\n"), C("LIST 1\r\n"),
                        S("+OK 1 10\r\n"), C("RETR 1\r\n"),
                        S("+OK\r\nSubject: abc\r\n\r\nx\r\n.\r\n"),
                        C("DELE 1\r\nRETR 1\r\n"),
                        S("+OK\r\n+OK\r\nSubject: never ends\r\n")};
  ms_session *s = run_steps(&ms_pop3_dissector, steps, 11, 0, NULL);
  assert_true(has_anomaly(s, "retr_size_mismatch"));
  assert_true(has_anomaly(s, "multiline_unterminated"));
  assert_true(has_anomaly(s, "dele_not_committed"));
  assert_int_equal(s->messages.len, 2);
  assert_true(s->messages.items[1].message->truncated);
  ms_session_free(s);
}

static void auth_sasl_and_stls(void **state) {
  (void)state;
  const step steps[] = {S("+OK ready\r\n"), C("AUTH PLAIN\r\n"), S("+ \r\n"),
                        C("AGJvYgBwdw==\r\n"), S("+OK welcome\r\n"),
                        C("STLS\r\n"), S("+OK begin TLS\r\n"),
                        C("\x16\x03\x01 tls bytes\r\n")};
  ms_session *s = run_steps(&ms_pop3_dissector, steps, 8, 0, NULL);
  assert_string_equal(s->auth.mechanism, "PLAIN");
  assert_string_equal(s->auth.username, "bob");
  assert_string_equal(s->auth.password, "<redacted>");
  assert_int_equal(s->auth.result, MS_AUTH_SUCCESS);
  assert_int_equal(s->tls, MS_TLS_STARTTLS);
  assert_int_equal(s->commands.len, 2);
  ms_session_free(s);
}

static void odd_input(void **state) {
  (void)state;
  const step steps[] = {S("+OK ready\r\n"), C("STAT\r\nFOO bar\r\n"),
                        S("-ERR not logged in\r\n-ERR unknown\r\n+OK extra\r\n"),
                        C("QUIT")};
  ms_session *s = run_steps(&ms_pop3_dissector, steps, 4, 1, NULL);
  assert_true(has_anomaly(s, "command_before_login"));
  assert_true(has_anomaly(s, "unknown_command"));
  assert_true(has_anomaly(s, "response_without_command"));
  assert_true(has_anomaly(s, "incomplete_line"));
  ms_session_free(s);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(full_session_at_every_split),
      cmocka_unit_test(size_mismatch_and_unterminated),
      cmocka_unit_test(auth_sasl_and_stls),
      cmocka_unit_test(odd_input),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
