/* test_redaction.c - fail-safe redaction (issue 14, behaviour 3): every
 * client line between AUTH and the server's final status is SASL data,
 * whether or not a challenge came first; never a command verb, never an
 * anomaly's text; the initial response of any mechanism, known or not, is
 * hidden; the usual client mistakes (a base64 password sent as a command
 * after a refused AUTH LOGIN, a password on the USER line, PASS and a tab)
 * too.  Pairing stays right throughout. */
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

static bool holds(const char *text, const char *secret) {
  return text && strstr(text, secret);
}

/* No field a dissector fills holds the secret. */
static void no_secret(const ms_session *s, const char *secret) {
  for (size_t i = 0; i < s->transcript.len; i++) {
    const ms_tline *t = &s->transcript.items[i];
    if (holds(t->text, secret) || holds(t->note, secret))
      fail_msg("transcript line %zu \"%s\" [%s] shows %s", i, t->text,
               t->note ? t->note : "", secret);
  }
  for (size_t i = 0; i < s->commands.len; i++) {
    const ms_command *c = &s->commands.items[i];
    if (holds(c->verb, secret) || holds(c->arg, secret))
      fail_msg("command %s %s shows %s", c->verb, c->arg ? c->arg : "", secret);
  }
  for (size_t i = 0; i < s->anomalies.len; i++)
    if (holds(s->anomalies.items[i].detail, secret))
      fail_msg("anomaly %s: %s shows %s", s->anomalies.items[i].name,
               s->anomalies.items[i].detail, secret);
  const ms_auth *a = &s->auth;
  assert_false(holds(a->password, secret) || holds(a->username, secret) ||
               holds(a->mechanism, secret) || holds(a->authzid, secret));
}

static void eager_and_refused_auth_smtp(void **state) {
  (void)state;
  /* an eager client: user and password before any 334 */
  const step eager[] = {
      S("220 mx ESMTP\r\n"),
      C("EHLO c\r\n"),
      S("250-mx\r\n250 AUTH LOGIN\r\n"),
      C("AUTH LOGIN\r\nYm9i\r\nczNjcjN0\r\n"), /* bob / s3cr3t */
      S("334 VXNlcm5hbWU6\r\n334 UGFzc3dvcmQ6\r\n235 2.7.0 ok\r\n"),
      C("MAIL FROM:<a@b>\r\n"),
      S("250 ok\r\n")};
  /* the same client, a server that refuses AUTH at once and answers
   * each line as a command */
  const step refused[] = {S("220 mx ESMTP\r\n"),
                          C("EHLO c\r\n"),
                          S("250 mx\r\n"),
                          C("AUTH LOGIN\r\nYm9i\r\nczNjcjN0\r\n"),
                          S("504 5.5.4 Unrecognized authentication type\r\n"
                            "500 5.5.2 Error: command not recognized\r\n"
                            "500 5.5.2 Error: command not recognized\r\n"),
                          C("QUIT\r\n"),
                          S("221 bye\r\n")};
  for (size_t split = 0; split < 8; split++) {
    ms_session *s =
        run_steps(&ms_smtp_dissector, eager, NSTEPS(eager), split, NULL);
    no_secret(s, "czNjcjN0");
    no_secret(s, "s3cr3t");
    assert_int_equal(s->commands.len, 3);
    assert_int_equal(s->commands.items[1].reply.code, 235);
    assert_int_equal(s->commands.items[2].reply.code, 250);
    assert_string_equal(s->auth.username, "bob");
    assert_int_equal(s->auth.result, MS_AUTH_SUCCESS);
    assert_false(has_anomaly(s, "reply_without_command"));
    ms_session_free(s);

    s = run_steps(&ms_smtp_dissector, refused, NSTEPS(refused), split, NULL);
    no_secret(s, "czNjcjN0");
    assert_int_equal(s->commands.len, 3); /* EHLO, AUTH, QUIT */
    assert_int_equal(s->commands.items[1].reply.code, 504);
    assert_int_equal(s->commands.items[2].reply.code, 221);
    assert_false(has_anomaly(s, "reply_without_command"));
    assert_false(has_anomaly(s, "unknown_command"));
    ms_session_free(s);
  }
}

/* The password sent as a command after AUTH LOGIN was refused. */
static void password_after_refused_login(void **state) {
  (void)state;
  const step steps[] = {S("220 mx\r\n"),
                        C("AUTH LOGIN\r\n"),
                        S("334 VXNlcm5hbWU6\r\n"),
                        C("Ym9i\r\n"),
                        S("535 5.7.8 Error: authentication failed\r\n"),
                        C("czNjcjN0\r\n"),
                        S("500 5.5.2 Error: command not recognized\r\n"),
                        C("QUIT\r\n"),
                        S("221 bye\r\n")};
  ms_session *s = run_steps(&ms_smtp_dissector, steps, NSTEPS(steps), 0, NULL);
  no_secret(s, "czNjcjN0");
  assert_true(has_anomaly(s, "sasl_after_failure"));
  assert_false(has_anomaly(s, "unknown_command"));
  assert_int_equal(s->commands.len, 2); /* AUTH, QUIT */
  assert_int_equal(s->commands.items[1].reply.code, 221);
  assert_false(has_anomaly(s, "reply_without_command"));
  ms_session_free(s);
}

/* Initial responses of mechanisms known and unknown; GSSAPI tokens. */
static void initial_responses_of_any_mechanism(void **state) {
  (void)state;
  static const char *const mechs[] = {"X-GOOGLE-TOKEN",
                                      "XOAUTH",
                                      "PLAIN-CLIENTTOKEN",
                                      "OTP",
                                      "WEBEX-TOKEN",
                                      "XOAUTH2",
                                      "OAUTHBEARER",
                                      "GSSAPI",
                                      "NTLM"};
  for (size_t i = 0; i < NSTEPS(mechs); i++) {
    char auth[128];
    snprintf(auth, sizeof auth, "AUTH %s dG9rZW4tc2VjcmV0LXh5eg==\r\n",
             mechs[i]);
    const step steps[] = {
        S("220 mx\r\n"),       {MS_CLIENT, auth, 0},
        S("334 \r\n"),         C("c2Vjb25kLXN0ZXAtdG9rZW4=\r\n"),
        S("235 2.7.0 ok\r\n"), C("QUIT\r\n"),
        S("221 bye\r\n")};
    ms_session *s =
        run_steps(&ms_smtp_dissector, steps, NSTEPS(steps), 0, NULL);
    no_secret(s, "dG9rZW4tc2VjcmV0LXh5eg==");
    no_secret(s, "token-secret-xyz");
    no_secret(s, "c2Vjb25kLXN0ZXAtdG9rZW4=");
    no_secret(s, "second-step-token");
    assert_int_equal(s->commands.len, 2);
    assert_int_equal(s->commands.items[1].reply.code, 221);
    ms_session_free(s);
  }
  /* a credential glued to the verb: no mechanism name */
  const step glued[] = {S("220 mx\r\n"), C("AUTH PLAINAGJvYgBzM2NyM3Rz\r\n"),
                        S("501 5.5.4 bad\r\n")};
  ms_session *s = run_steps(&ms_smtp_dissector, glued, NSTEPS(glued), 0, NULL);
  no_secret(s, "AGJvYgBzM2NyM3Rz");
  assert_true(has_anomaly(s, "sasl_malformed"));
  ms_session_free(s);
}

/* RFC 4954 4: after an initial response that ends the exchange, a client
 * may pipeline; its commands stay commands. */
static void pipelined_after_initial_response(void **state) {
  (void)state;
  const step steps[] = {
      S("220 mx\r\n"), C("EHLO c\r\n"), S("250-mx\r\n250 PIPELINING\r\n"),
      C("AUTH PLAIN AGJvYgBzM2NyM3Q=\r\nMAIL FROM:<a@b>\r\nRCPT TO:<c@d>\r\n"),
      S("235 ok\r\n250 ok\r\n250 ok\r\n")};
  for (size_t split = 0; split < 6; split++) {
    ms_session *s =
        run_steps(&ms_smtp_dissector, steps, NSTEPS(steps), split, NULL);
    no_secret(s, "AGJvYgBzM2NyM3Q=");
    no_secret(s, "s3cr3t");
    assert_int_equal(s->commands.len, 4);
    assert_int_equal(s->commands.items[3].reply.code, 250);
    assert_int_equal(s->transactions.items[0].rcpt_to.len, 1);
    ms_session_free(s);
  }
}

static void pop3_mistakes(void **state) {
  (void)state;
  const step steps[] = {S("+OK ready <1.2@mx>\r\n"),
                        C("USER alice hunter2\r\n"),
                        S("-ERR [AUTH] no\r\n"),
                        C("USER alice\r\n"),
                        S("+OK\r\n"),
                        C("PASS\thunter2\r\n"),
                        S("-ERR [AUTH] no\r\n"),
                        C("APOP alice c4c9334bac560ecc979e58001b3e22fb\r\n"),
                        S("-ERR [AUTH] no\r\n"),
                        C("AUTH PLAIN\r\nAGFsaWNlAGh1bnRlcjI=\r\n"), /* eager */
                        S("+ \r\n+OK in\r\n"),
                        C("STAT\r\n"),
                        S("+OK 0 0\r\n")};
  for (size_t split = 0; split < 8; split++) {
    ms_session *s =
        run_steps(&ms_pop3_dissector, steps, NSTEPS(steps), split, NULL);
    no_secret(s, "hunter2");
    no_secret(s, "c4c9334bac560ecc979e58001b3e22fb");
    no_secret(s, "AGFsaWNlAGh1bnRlcjI=");
    assert_true(has_anomaly(s, "password_on_user_line"));
    assert_false(has_anomaly(s, "unknown_command"));
    assert_int_equal(s->commands.len, 6);
    assert_string_equal(s->commands.items[2].verb, "PASS");
    assert_string_equal(s->commands.items[4].reply.pop3_status, "+OK");
    assert_string_equal(s->commands.items[5].reply.text, "0 0");
    assert_string_equal(s->auth.username, "alice");
    assert_int_equal(s->auth.result, MS_AUTH_SUCCESS);
    ms_session_free(s);
  }
  ms_dissect_config cfg;
  ms_dissect_config_defaults(&cfg);
  cfg.show_secrets = true;
  ms_session *s = run_steps(&ms_pop3_dissector, steps, NSTEPS(steps), 0, &cfg);
  assert_string_equal(s->commands.items[0].arg, "alice hunter2");
  ms_session_free(s);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(eager_and_refused_auth_smtp),
      cmocka_unit_test(password_after_refused_login),
      cmocka_unit_test(initial_responses_of_any_mechanism),
      cmocka_unit_test(pipelined_after_initial_response),
      cmocka_unit_test(pop3_mistakes),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
