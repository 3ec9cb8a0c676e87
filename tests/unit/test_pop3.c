/* test_pop3.c - the POP3 dissector: every command, multi-line pairing
 * under every split point with pipelining, logins (USER/PASS, APOP, SASL)
 * and their RFC 3206 codes, mailbox bookkeeping, RETR sizes, transcripts
 * and redaction, STLS, gaps, unterminated responses, non-POP3 peers. */
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

static void check_session(const ms_session *s) {
  static const char *verbs[] = {"CAPA", "USER", "PASS", "APOP", "STAT", "LIST",
                                "UIDL", "RETR", "TOP",  "DELE", "LIST", "QUIT"};
  static const char *status[] = {"+OK", "+OK", "-ERR", "+OK", "+OK", "+OK",
                                 "+OK", "+OK", "+OK",  "+OK", "+OK", "+OK"};
  assert_int_equal(s->commands.len, 12);
  for (size_t i = 0; i < 12; i++) {
    assert_string_equal(s->commands.items[i].verb, verbs[i]);
    assert_true(s->commands.items[i].reply.present);
    assert_string_equal(s->commands.items[i].reply.pop3_status, status[i]);
  }
  assert_string_equal(s->banner,
                      "POP3 ready <1896.697170952@dbc.mtview.ca.us>");
  assert_true(s->commands.items[2].pipelined);  /* PASS after USER */
  assert_false(s->commands.items[4].pipelined); /* STAT leads */
  assert_true(s->commands.items[5].pipelined);
  assert_true(s->commands.items[10].pipelined);
  assert_string_equal(s->commands.items[2].reply.text,
                      "[AUTH] invalid password");
  assert_string_equal(s->commands.items[2].arg, "<redacted>");
  assert_string_equal(s->commands.items[3].arg, "mrose <redacted>");
  assert_string_equal(s->commands.items[7].reply.text, "20 octets");
  assert_string_equal(s->commands.items[10].reply.text, "2 200");
  assert_string_equal(s->auth.mechanism, "APOP");
  assert_string_equal(s->auth.username, "mrose");
  assert_string_equal(s->auth.password, "<redacted>");
  assert_string_equal(s->auth.challenge, "<1896.697170952@dbc.mtview.ca.us>");
  assert_int_equal(s->auth.result, MS_AUTH_SUCCESS);
  assert_int_equal(s->auth.attempts, 2);
  assert_int_equal(s->auth.failures, 1);
  assert_true(has_anomaly(s, "login_failed"));
  assert_true(s->mailbox_present);
  assert_int_equal(s->mailbox_messages, 2);
  assert_int_equal(s->mailbox_octets, 320);
  assert_int_equal(s->capabilities.len, 4);
  assert_string_equal(s->capabilities.items[1], "PIPELINING");
  assert_int_equal(s->messages.len, 2);
  assert_int_equal(s->messages.items[0].number, 1);
  assert_string_equal(s->messages.items[0].command, "RETR");
  assert_string_equal(s->messages.items[0].uid, "whqtswO00WBw418f9t5JxYwZ");
  assert_int_equal(s->messages.items[0].bytes, 20); /* unstuffed */
  assert_string_equal(s->messages.items[0].message->subject, "a");
  assert_false(s->messages.items[0].message->truncated);
  assert_string_equal(s->messages.items[1].command, "TOP");
  assert_string_equal(s->messages.items[1].uid, "QhdPYR:00WBw1Ph7x7");
  assert_int_equal(s->messages.items[1].bytes, 14);
  assert_int_equal(s->deleted.len, 1);
  assert_int_equal(s->deleted.items[0], 1);
  assert_int_equal(s->anomalies.len, 1); /* login_failed only */
}

/* Every piece size: each step cut into pieces of 1..64 bytes. */
static void full_session_at_every_piece_size(void **state) {
  (void)state;
  for (size_t split = 0; split <= 64; split++) {
    ms_session *s =
        run_steps(&ms_pop3_dissector, session, NSTEPS(session), split, NULL);
    check_session(s);
    ms_session_free(s);
  }
}

/* Every cut point: each step delivered in two segments split at k. */
static void full_session_at_every_cut_point(void **state) {
  (void)state;
  size_t longest = 0;
  for (size_t i = 0; i < NSTEPS(session); i++)
    if (strlen(session[i].bytes) > longest)
      longest = strlen(session[i].bytes);
  for (size_t k = 1; k < longest; k++) {
    ms_dissect_config cfg;
    ms_dissect_config_defaults(&cfg);
    ms_session *rec = ms_session_new();
    rec->proto = MS_PROTO_POP3;
    rec->bytes[MS_SERVER] = 1;
    void *st = ms_pop3_dissector.create(rec, &cfg);
    ms_ts ts = 1000000;
    for (size_t i = 0; i < NSTEPS(session); i++) {
      const uint8_t *b = (const uint8_t *)session[i].bytes;
      size_t n = strlen(session[i].bytes), cut = k < n ? k : n;
      size_t used;
      ms_pop3_dissector.on_data(st, session[i].dir, b, cut, ts++, &used);
      if (cut < n)
        ms_pop3_dissector.on_data(st, session[i].dir, b + cut, n - cut, ts++,
                                  &used);
    }
    rec->end = MS_END_FIN;
    ms_pop3_dissector.on_close(st, ts);
    ms_pop3_dissector.destroy(st);
    check_session(rec);
    ms_session_free(rec);
  }
}

static void lower_case_commands_and_rarer_ones(void **state) {
  (void)state;
  const step steps[] = {S("+OK hi\r\n"),
                        C("capa\r\n"),
                        S("+OK\r\nSTLS\r\nUTF8\r\nLANG\r\n.\r\n"),
                        C("utf8\r\n"),
                        S("+OK UTF8 enabled\r\n"),
                        C("lang\r\n"),
                        S("+OK languages\r\nen English\r\nde Deutsch\r\n.\r\n"),
                        C("lang de\r\n"),
                        S("+OK de Sprache\r\n"),
                        C("user a\r\n"),
                        S("+OK\r\n"),
                        C("pass b\r\n"),
                        S("+OK\r\n"),
                        C("noop\r\n"),
                        S("+OK\r\n"),
                        C("uidl 1\r\n"),
                        S("+OK 1 abc\r\n"),
                        C("list 1\r\n"),
                        S("+OK 1 5\r\n"),
                        C("dele 1\r\nrset\r\n"),
                        S("+OK\r\n+OK maildrop has 1 message\r\n"),
                        C("xyzzy now\r\n"),
                        S("-ERR unknown command\r\n"),
                        C("quit\r\n"),
                        S("+OK bye\r\n")};
  ms_session *s = run_steps(&ms_pop3_dissector, steps, NSTEPS(steps), 0, NULL);
  static const char *verbs[] = {"CAPA", "UTF8",  "LANG", "LANG", "USER",
                                "PASS", "NOOP",  "UIDL", "LIST", "DELE",
                                "RSET", "XYZZY", "QUIT"};
  assert_int_equal(s->commands.len, NSTEPS(verbs));
  for (size_t i = 0; i < NSTEPS(verbs); i++) {
    assert_string_equal(s->commands.items[i].verb, verbs[i]);
    assert_true(s->commands.items[i].reply.present);
  }
  assert_string_equal(s->commands.items[3].arg, "de");
  assert_string_equal(s->commands.items[11].arg, "now");
  assert_string_equal(s->commands.items[11].reply.pop3_status, "-ERR");
  assert_int_equal(s->capabilities.len, 3);
  assert_int_equal(s->deleted.len, 0); /* RSET cleared it */
  assert_true(has_anomaly(s, "unknown_command"));
  assert_false(has_anomaly(s, "dele_not_committed"));
  assert_false(has_anomaly(s, "command_before_login"));
  assert_false(has_anomaly(s, "multiline_unterminated"));
  ms_session_free(s);
}

static void err_codes_and_failed_tries(void **state) {
  (void)state;
  const step steps[] = {S("+OK ready\r\n"),
                        C("USER a\r\n"),
                        S("+OK\r\n"),
                        C("PASS x\r\n"),
                        S("-ERR [IN-USE] mailbox locked\r\n"),
                        C("USER a\r\n"),
                        S("+OK\r\n"),
                        C("PASS y\r\n"),
                        S("-ERR [SYS/TEMP] try later\r\n"),
                        C("USER nobody\r\n"),
                        S("-ERR [AUTH] no such user\r\n"),
                        C("APOP a 0123456789abcdef0123456789abcdef\r\n"),
                        S("-ERR [LOGIN-DELAY] wait\r\n"),
                        C("USER a\r\n"),
                        S("+OK\r\n"),
                        C("PASS z\r\n"),
                        S("+OK in\r\n"),
                        C("PASS again\r\n"),
                        S("-ERR [SYS/PERM] no\r\n"), /* after success */
                        C("QUIT\r\n"),
                        S("+OK\r\n")};
  ms_session *s = run_steps(&ms_pop3_dissector, steps, NSTEPS(steps), 0, NULL);
  assert_int_equal(s->auth.attempts, 6);
  assert_int_equal(s->auth.failures, 5);
  /* the successful login stays */
  assert_string_equal(s->auth.mechanism, "USER");
  assert_string_equal(s->auth.username, "a");
  assert_int_equal(s->auth.result, MS_AUTH_SUCCESS);
  assert_string_equal(s->commands.items[3].reply.text, "[SYS/TEMP] try later");
  static const char *codes[] = {"[IN-USE]", "[SYS/TEMP]", "[AUTH]",
                                "[LOGIN-DELAY]", "[SYS/PERM]"};
  size_t seen = 0;
  for (size_t i = 0; i < s->anomalies.len; i++)
    if (!strcmp(s->anomalies.items[i].name, "login_failed")) {
      assert_true(seen < 5);
      assert_non_null(strstr(s->anomalies.items[i].detail, codes[seen]));
      seen++;
    }
  assert_int_equal(seen, 5);
  ms_session_free(s);
}

static void pipelined_user_pass_refused_counts_once(void **state) {
  (void)state;
  const step steps[] = {S("+OK ready\r\n"), C("USER a\r\nPASS b\r\n"),
                        S("-ERR no\r\n-ERR no USER\r\n")};
  ms_session *s = run_steps(&ms_pop3_dissector, steps, NSTEPS(steps), 0, NULL);
  assert_int_equal(s->auth.attempts, 1);
  assert_int_equal(s->auth.failures, 1);
  assert_int_equal(s->auth.result, MS_AUTH_FAILURE);
  ms_session_free(s);
}

/* pipelining_not_advertised only when CAPA was answered without
 * PIPELINING: a client that never asked (dovecot does pipeline, and the
 * client may know it) is not flagged. */
static void pipelining_advertised_only_from_capa(void **state) {
  (void)state;
  const step no_capa[] = {S("+OK ready\r\n"), C("USER a\r\nPASS b\r\n"),
                          S("+OK\r\n+OK in\r\n"), C("STAT\r\nQUIT\r\n"),
                          S("+OK 0 0\r\n+OK bye\r\n")};
  ms_session *s =
      run_steps(&ms_pop3_dissector, no_capa, NSTEPS(no_capa), 0, NULL);
  assert_true(s->commands.items[1].pipelined);
  assert_false(has_anomaly(s, "pipelining_not_advertised"));
  ms_session_free(s);
  const step without[] = {S("+OK ready\r\n"), C("CAPA\r\n"),
                          S("+OK\r\nUSER\r\nTOP\r\n.\r\n"),
                          C("USER a\r\nPASS b\r\n"), S("+OK\r\n+OK in\r\n")};
  s = run_steps(&ms_pop3_dissector, without, NSTEPS(without), 0, NULL);
  assert_true(has_anomaly(s, "pipelining_not_advertised"));
  ms_session_free(s);
  const step with[] = {S("+OK ready\r\n"), C("CAPA\r\n"),
                       S("+OK\r\nUSER\r\nPIPELINING\r\n.\r\n"),
                       C("USER a\r\nPASS b\r\n"), S("+OK\r\n+OK in\r\n")};
  s = run_steps(&ms_pop3_dissector, with, NSTEPS(with), 0, NULL);
  assert_false(has_anomaly(s, "pipelining_not_advertised"));
  ms_session_free(s);
}

/* TOP n m cuts a message on purpose: a multipart left open by the cut is
 * no mime_missing_end_boundary; the same bytes from RETR are. */
static void top_preview_of_multipart(void **state) {
  (void)state;
  const step top[] = {
      S("+OK ready\r\n"), C("TOP 1 3\r\n"),
      S("+OK\r\nContent-Type: multipart/mixed; boundary=b\r\n\r\n"
        "--b\r\nContent-Type: text/plain\r\n\r\nhello\r\n.\r\n"),
      C("RETR 1\r\n"),
      S("+OK\r\nContent-Type: multipart/mixed; boundary=b\r\n\r\n"
        "--b\r\nContent-Type: text/plain\r\n\r\nhello\r\n.\r\n")};
  ms_session *s = run_steps(&ms_pop3_dissector, top, NSTEPS(top), 0, NULL);
  assert_int_equal(s->messages.len, 2);
  assert_string_equal(s->messages.items[0].command, "TOP");
  assert_false(s->messages.items[0].message->truncated);
  assert_int_equal(s->messages.items[0].message->parts.len, 2);
  assert_int_equal(count_anomaly(s, "mime_missing_end_boundary"), 1);
  assert_int_equal(s->messages.items[1].message->anomalies.len, 1);
  assert_int_equal(s->messages.items[0].message->anomalies.len, 0);
  ms_session_free(s);
}

/* dovecot closes after three bad commands with an -ERR nobody asked for:
 * a server's goodbye (as SMTP's 421), not a response out of step; an
 * unasked +OK still is.  TOP needs its line count (RFC 1939). */
static void unsolicited_err_and_top_arguments(void **state) {
  (void)state;
  const step bye[] = {S("+OK ready\r\n"), C("STAT\r\n"),
                      S("-ERR Unknown command.\r\n"),
                      S("-ERR Too many invalid bad commands.\r\n")};
  ms_session *s = run_steps(&ms_pop3_dissector, bye, NSTEPS(bye), 0, NULL);
  assert_false(has_anomaly(s, "response_without_command"));
  assert_int_equal(s->commands.len, 1);
  assert_string_equal(s->commands.items[0].reply.text, "Unknown command.");
  ms_session_free(s);
  const step top[] = {S("+OK ready\r\n"),
                      C("USER a\r\n"),
                      S("+OK\r\n"),
                      C("PASS b\r\n"),
                      S("+OK\r\n"),
                      C("TOP 2\r\n"),
                      S("-ERR Noise after message number: \r\n"),
                      C("TOP 2 0\r\n"),
                      S("+OK\r\nSubject: x\r\n\r\n.\r\n"),
                      S("+OK stray\r\n")};
  s = run_steps(&ms_pop3_dissector, top, NSTEPS(top), 0, NULL);
  assert_int_equal(count_anomaly(s, "bad_argument"), 1);
  assert_int_equal(s->messages.len, 1);
  assert_true(has_anomaly(s, "response_without_command"));
  ms_session_free(s);
}

static void show_secrets_and_transcript(void **state) {
  (void)state;
  const step steps[] = {S("+OK <1.2@x>\r\n"),
                        C("USER a\r\n"),
                        S("+OK\r\n"),
                        C("PASS hunter2\r\n"),
                        S("+OK\r\n"),
                        C("RETR 1\r\n"),
                        S("+OK\r\nSubject: s\r\n\r\nbody\r\n.\r\n"),
                        C("LIST\r\n"),
                        S("+OK\r\n1 27\r\n.\r\n")};
  ms_session *s = run_steps(&ms_pop3_dissector, steps, NSTEPS(steps), 0, NULL);
  /* wire order, PASS redacted, the message as one summary line */
  static const char *lines[] = {
      "+OK <1.2@x>", "USER a", "+OK",  "PASS <redacted>",
      "+OK",         "RETR 1", "+OK",  NULL,
      "LIST",        "+OK",    "1 27", "."};
  assert_int_equal(s->transcript.len, NSTEPS(lines));
  for (size_t i = 0; i < NSTEPS(lines); i++)
    if (lines[i])
      assert_string_equal(s->transcript.items[i].text, lines[i]);
  assert_true(s->transcript.items[7].flags & MS_TL_SUMMARY);
  assert_int_equal(s->transcript.items[3].dir, MS_CLIENT);
  assert_int_equal(s->transcript.items[10].dir, MS_SERVER);
  assert_string_equal(s->auth.password, "<redacted>");
  ms_session_free(s);

  ms_dissect_config cfg;
  ms_dissect_config_defaults(&cfg);
  cfg.show_secrets = true;
  cfg.full_bodies = true;
  s = run_steps(&ms_pop3_dissector, steps, NSTEPS(steps), 3, &cfg);
  assert_string_equal(s->transcript.items[3].text, "PASS hunter2");
  assert_string_equal(s->commands.items[1].arg, "hunter2");
  assert_string_equal(s->auth.password, "hunter2");
  size_t body = 0;
  for (size_t i = 0; i < s->transcript.len; i++)
    if (s->transcript.items[i].flags & MS_TL_BODY)
      body++;
  assert_int_equal(body, 3); /* Subject, blank, body */
  ms_session_free(s);

  cfg.transcript = false;
  s = run_steps(&ms_pop3_dissector, steps, NSTEPS(steps), 0, &cfg);
  assert_int_equal(s->transcript.len, 0);
  assert_int_equal(s->messages.len, 1);
  ms_session_free(s);
}

static const ms_tline *find_tline(const ms_session *s, const char *text) {
  for (size_t i = 0; i < s->transcript.len; i++)
    if (!strcmp(s->transcript.items[i].text, text))
      return &s->transcript.items[i];
  return NULL;
}

static void sasl_through_pop3(void **state) {
  (void)state;
  /* LOGIN with prompts */
  const step login[] = {
      S("+OK ready\r\n"),     C("AUTH LOGIN\r\n"),     S("+ VXNlcm5hbWU6\r\n"),
      C("Ym9i\r\n"),          S("+ UGFzc3dvcmQ6\r\n"), C("cHc=\r\n"),
      S("+OK logged in\r\n"), C("STAT\r\n"),           S("+OK 0 0\r\n")};
  ms_session *s = run_steps(&ms_pop3_dissector, login, NSTEPS(login), 0, NULL);
  assert_string_equal(s->auth.mechanism, "LOGIN");
  assert_string_equal(s->auth.username, "bob");
  assert_string_equal(s->auth.password, "<redacted>");
  assert_int_equal(s->auth.result, MS_AUTH_SUCCESS);
  assert_int_equal(s->commands.len, 2); /* AUTH is one command */
  assert_string_equal(s->commands.items[0].reply.text, "logged in");
  assert_string_equal(s->commands.items[1].reply.pop3_status, "+OK");
  assert_false(has_anomaly(s, "command_before_login"));
  const ms_tline *t = find_tline(s, "+ VXNlcm5hbWU6");
  assert_non_null(t);
  assert_string_equal(t->note, "Username:");
  t = find_tline(s, "Ym9i");
  assert_non_null(t);
  assert_string_equal(t->note, "bob");
  t = find_tline(s, "<redacted base64>");
  assert_non_null(t);
  assert_string_equal(t->note, "<redacted>");
  assert_null(find_tline(s, "cHc="));
  ms_session_free(s);

  /* RFC 5034 initial response, refused with a code */
  const step plain[] = {S("+OK ready\r\n"),
                        C("AUTH PLAIN AGFsaWNlAHMzY3JldA==\r\n"),
                        S("-ERR [AUTH] bad credentials\r\n")};
  s = run_steps(&ms_pop3_dissector, plain, NSTEPS(plain), 1, NULL);
  assert_string_equal(s->auth.username, "alice");
  assert_int_equal(s->auth.result, MS_AUTH_FAILURE);
  assert_int_equal(s->auth.failures, 1);
  assert_string_equal(s->commands.items[0].arg, "PLAIN <redacted base64>");
  assert_non_null(find_tline(s, "AUTH PLAIN <redacted base64>"));
  assert_true(has_anomaly(s, "login_failed"));
  assert_false(has_anomaly(s, "auth_failed")); /* not twice */
  assert_non_null(strstr(s->anomalies.items[0].detail, "[AUTH]"));
  assert_non_null(strstr(s->anomalies.items[0].detail, "alice"));
  ms_session_free(s);

  /* CRAM-MD5 challenge kept; cancelled exchange: no login_failed */
  const step cram[] = {
      S("+OK ready\r\n"),
      C("AUTH CRAM-MD5\r\n"),
      S("+ PDE4OTYuNjk3MTcwOTUyQHBvc3RvZmZpY2UucmVzdG9uLm1jaS5uZXQ+\r\n"),
      C("dGltIGI5MTNhNjAyYzdlZGE3YTQ5NWI0ZTZlNzMzNGQzODkw\r\n"),
      S("+OK\r\n"),
      C("AUTH LOGIN\r\n"),
      S("+ VXNlcm5hbWU6\r\n"),
      C("*\r\n"),
      S("-ERR cancelled\r\n")};
  s = run_steps(&ms_pop3_dissector, cram, NSTEPS(cram), 0, NULL);
  assert_string_equal(s->auth.mechanism, "CRAM-MD5");
  assert_string_equal(s->auth.username, "tim");
  assert_string_equal(s->auth.challenge,
                      "<1896.697170952@postoffice.reston.mci.net>");
  assert_int_equal(s->auth.attempts, 2);
  assert_int_equal(s->auth.failures, 1);
  assert_false(has_anomaly(s, "login_failed"));
  assert_int_equal(s->commands.len, 2);
  assert_string_equal(s->commands.items[1].reply.pop3_status, "-ERR");
  ms_session_free(s);

  /* garbage base64 and an AUTH listing without argument */
  const step junk[] = {S("+OK ready\r\n"),
                       C("AUTH\r\n"),
                       S("+OK\r\nPLAIN\r\nLOGIN\r\n.\r\n"),
                       C("AUTH PLAIN\r\n"),
                       S("+ \r\n"),
                       C("%%%not base64\r\n"),
                       S("-ERR [AUTH] no\r\n")};
  s = run_steps(&ms_pop3_dissector, junk, NSTEPS(junk), 0, NULL);
  assert_true(has_anomaly(s, "sasl_bad_base64"));
  assert_int_equal(s->commands.len, 2);
  assert_string_equal(s->commands.items[0].reply.pop3_status, "+OK");
  assert_string_equal(s->commands.items[1].reply.pop3_status, "-ERR");
  assert_false(has_anomaly(s, "multiline_unterminated"));
  ms_session_free(s);
}

static void retr_sizes(void **state) {
  (void)state;
  const step steps[] = {
      S("+OK hi\r\n"), C("USER a\r\nPASS b\r\n"), S("+OK\r\n+OK\r\n"),
      C("LIST\r\n"), S("+OK\r\n1 10\r\n2 9\r\n3 8\r\n4 6\r\n.\r\n"),
      /* 1: 19 octets, LIST said 10 */
      C("RETR 1\r\n"), S("+OK\r\nSubject: abc\r\n\r\nx\r\n.\r\n"),
      /* 2: ".." unstuffed: ".a\r\n" + "bbb\r\n" = 4 + 5 = 9 */
      C("RETR 2\r\n"), S("+OK\r\n..a\r\nbbb\r\n.\r\n"),
      /* 3: bare LF line ends count as CRLF: "ab\n" "cd\n" = 6 + 2 = 8 */
      C("RETR 3\r\n"), S("+OK\r\nab\ncd\n.\r\n"),
      /* 4: "abcd\r\n" plus a server-added CRLF before the dot: tolerated */
      C("RETR 4\r\n"), S("+OK\r\nabcd\r\n\r\n.\r\n"), C("QUIT\r\n"),
      S("+OK\r\n")};
  ms_session *s = run_steps(&ms_pop3_dissector, steps, NSTEPS(steps), 0, NULL);
  assert_int_equal(s->messages.len, 4);
  assert_int_equal(s->messages.items[0].bytes, 19);
  assert_int_equal(s->messages.items[1].bytes, 9);
  assert_int_equal(s->messages.items[2].bytes, 6);
  assert_int_equal(s->messages.items[3].bytes, 8);
  size_t mismatches = 0;
  for (size_t i = 0; i < s->anomalies.len; i++)
    if (!strcmp(s->anomalies.items[i].name, "retr_size_mismatch")) {
      mismatches++;
      assert_string_equal(s->anomalies.items[i].detail,
                          "message 1: LIST said 10 octets, RETR carried 19");
    }
  assert_int_equal(mismatches, 1);
  ms_session_free(s);
}

static void stls_stops(void **state) {
  (void)state;
  const step steps[] = {S("+OK ready\r\n"), C("STLS\r\n"),
                        S("+OK begin TLS\r\n"),
                        C("\x16\x03\x01\x02\x00\x01\x00\x01\xfc\x03\x03"),
                        S("\x16\x03\x03\x00\x5a\x02")};
  ms_session *s = run_steps(&ms_pop3_dissector, steps, NSTEPS(steps), 0, NULL);
  assert_int_equal(s->tls, MS_TLS_STARTTLS);
  assert_int_equal(s->commands.len, 1);
  assert_int_equal(s->anomalies.len, 0);
  ms_session_free(s);
  /* refused STLS: decoding goes on */
  const step refused[] = {S("+OK ready\r\n"), C("STLS\r\n"),
                          S("-ERR not now\r\n"), C("QUIT\r\n"), S("+OK\r\n")};
  s = run_steps(&ms_pop3_dissector, refused, NSTEPS(refused), 0, NULL);
  assert_int_equal(s->tls, MS_TLS_NONE);
  assert_int_equal(s->commands.len, 2);
  ms_session_free(s);
}

static void unterminated_and_uncommitted(void **state) {
  (void)state;
  const step steps[] = {S("+OK hi\r\n"),
                        C("USER a\r\n"),
                        S("+OK\r\n"),
                        C("PASS b\r\n"),
                        S("+OK\r\n"),
                        C("DELE 1\r\nRETR 2\r\n"),
                        S("+OK\r\n+OK\r\nSubject: never ends\r\n")};
  ms_session *s = run_steps(&ms_pop3_dissector, steps, NSTEPS(steps), 0, NULL);
  assert_true(has_anomaly(s, "multiline_unterminated"));
  assert_true(has_anomaly(s, "dele_not_committed"));
  assert_int_equal(s->messages.len, 1);
  assert_true(s->messages.items[0].message->truncated);
  assert_int_equal(s->deleted.len, 1); /* what the client asked for */
  ms_session_free(s);

  const step list[] = {S("+OK hi\r\n"), C("USER a\r\nPASS b\r\nLIST\r\n"),
                       S("+OK\r\n+OK\r\n+OK\r\n1 20\r\n")};
  s = run_steps(&ms_pop3_dissector, list, NSTEPS(list), 0, NULL);
  assert_true(has_anomaly(s, "multiline_unterminated"));
  ms_session_free(s);
}

static void gaps(void **state) {
  (void)state;
  ms_dissect_config cfg;
  ms_dissect_config_defaults(&cfg);
  ms_session *rec = ms_session_new();
  rec->proto = MS_PROTO_POP3;
  void *st = ms_pop3_dissector.create(rec, &cfg);
  const ms_dissector *d = &ms_pop3_dissector;
  size_t used;
#define FEED(dir, str)                                                         \
  d->on_data(st, dir, (const uint8_t *)str, strlen(str), 1, &used)
  FEED(MS_SERVER, "+OK hi\r\n");
  FEED(MS_CLIENT, "USER a\r\nPASS b\r\nLIST\r\nRETR 1\r\nSTAT\r\n");
  FEED(MS_SERVER,
       "+OK\r\n+OK\r\n+OK\r\n1 100\r\n.\r\n+OK\r\nSubject: x\r\n\r\nab");
  d->on_gap(st, MS_SERVER, 50, 2);
  FEED(MS_SERVER, "cd\r\nmore\r\n.\r\n+OK 1 100\r\n");
  rec->end = MS_END_FIN;
  d->on_close(st, 3);
  d->destroy(st);
#undef FEED
  assert_true(has_anomaly(rec, "message_gap"));
  assert_false(has_anomaly(rec, "retr_size_mismatch")); /* incomplete */
  assert_int_equal(rec->messages.len, 1);
  assert_true(rec->messages.items[0].message->truncated);
  assert_true(rec->commands.items[4].reply.present); /* STAT paired */
  assert_true(rec->mailbox_present);
  ms_session_free(rec);
}

static void odd_input(void **state) {
  (void)state;
  const step steps[] = {
      S("+OK ready\r\n"), C("STAT\r\nFOO bar\r\n"),
      S("-ERR not logged in\r\n-ERR unknown\r\n+OK extra\r\n"), C("QUIT")};
  ms_session *s = run_steps(&ms_pop3_dissector, steps, NSTEPS(steps), 1, NULL);
  assert_true(has_anomaly(s, "command_before_login"));
  assert_true(has_anomaly(s, "unknown_command"));
  assert_true(has_anomaly(s, "response_without_command"));
  assert_true(has_anomaly(s, "incomplete_line"));
  assert_string_equal(s->commands.items[1].verb, "FOO");
  ms_session_free(s);

  ms_dissect_config cfg;
  ms_dissect_config_defaults(&cfg);
  cfg.max_line = 16;
  const step longl[] = {S("+OK ready\r\n"),
                        C("USER averyveryverylongusername\r\n"),
                        S("+OK fine\r\n")};
  s = run_steps(&ms_pop3_dissector, longl, NSTEPS(longl), 5, &cfg);
  assert_true(has_anomaly(s, "line_too_long"));
  assert_int_equal(s->commands.len, 1);
  assert_true(s->commands.items[0].reply.present);
  ms_session_free(s);
}

/* A redis client and server on a port given to POP3 (zeek's
 * pop3__redis-50-pings capture): one anomaly, no flood. */
static void not_pop3(void **state) {
  (void)state;
  const step steps[] = {C("*2\r\n$4\r\nAUTH\r\n$4\r\nzeek\r\n"), S("+OK\r\n"),
                        C("*1\r\n$4\r\nPING\r\n"), S("+PONG\r\n")};
  ms_session *s = run_steps(&ms_pop3_dissector, steps, NSTEPS(steps), 0, NULL);
  assert_true(has_anomaly(s, "not_pop3"));
  assert_true(s->anomalies.len <= 5);
  ms_session_free(s);
  const step server[] = {S("220 smtp.example ESMTP\r\n"), C("EHLO x\r\n"),
                         S("250 ok\r\n")};
  s = run_steps(&ms_pop3_dissector, server, NSTEPS(server), 0, NULL);
  assert_true(has_anomaly(s, "not_pop3"));
  assert_int_equal(s->anomalies.len, 1);
  ms_session_free(s);
}

static void listings_out_of_order_and_bounded(void **state) {
  (void)state;
  const step steps[] = {
      S("+OK hi\r\n"), C("USER a\r\nPASS b\r\nUIDL\r\nLIST\r\n"),
      S("+OK\r\n+OK\r\n+OK\r\n3 ccc\r\n1 aaa\r\n2 bbb\r\n.\r\n"
        "+OK\r\n2 4\r\n1 4\r\n.\r\n"),
      C("RETR 1\r\nRETR 2\r\nRETR 3\r\nUIDL 3\r\n"),
      S("+OK\r\nab\r\n.\r\n+OK\r\nabc\r\n.\r\n+OK\r\nx\r\n.\r\n+OK 3 ddd\r\n")};
  ms_session *s = run_steps(&ms_pop3_dissector, steps, NSTEPS(steps), 0, NULL);
  assert_int_equal(s->messages.len, 3);
  assert_string_equal(s->messages.items[0].uid, "aaa");
  assert_string_equal(s->messages.items[1].uid, "bbb");
  assert_string_equal(s->messages.items[2].uid, "ccc");
  size_t mismatches = 0;
  for (size_t i = 0; i < s->anomalies.len; i++)
    if (!strcmp(s->anomalies.items[i].name, "retr_size_mismatch")) {
      mismatches++;
      assert_string_equal(s->anomalies.items[i].detail,
                          "message 2: LIST said 4 octets, RETR carried 5");
    }
  assert_int_equal(mismatches, 1);
  ms_session_free(s);

  /* A hostile listing in reverse order: bounded work, the first kept. */
  size_t n = 100005, cap = n * 20 + 64, len = 0;
  char *big = malloc(cap);
  len += (size_t)snprintf(big + len, cap - len, "+OK\r\n+OK\r\n+OK\r\n");
  for (size_t i = n; i >= 1; i--) /* reverse order: must stay fast */
    len += (size_t)snprintf(big + len, cap - len, "%zu u%zu\r\n", i, i);
  len += (size_t)snprintf(big + len, cap - len, ".\r\n");
  const step many[] = {S("+OK hi\r\n"),
                       C("USER a\r\nPASS b\r\nUIDL\r\n"),
                       {MS_SERVER, big, len},
                       C("RETR 100005\r\nRETR 1\r\n"),
                       S("+OK\r\nx\r\n.\r\n+OK\r\ny\r\n.\r\n")};
  s = run_steps(&ms_pop3_dissector, many, NSTEPS(many), 0, NULL);
  assert_int_equal(s->messages.len, 2);
  assert_string_equal(s->messages.items[0].uid, "u100005");
  assert_null(s->messages.items[1].uid); /* arrived when the table was full */
  ms_session_free(s);
  free(big);
}

/* Hostile input: random mixes of POP3 fragments and bytes, any split.
 * Checked for crashes and leaks (make asan), and that pairing holds. */
static void hostile_bytes(void **state) {
  (void)state;
  static const char *words[] = {"+OK",
                                "-ERR",
                                "+ ",
                                "\r\n",
                                "\n",
                                ".",
                                "..",
                                "\r",
                                " ",
                                "USER",
                                "PASS",
                                "AUTH PLAIN",
                                "AUTH LOGIN",
                                "*",
                                "RETR 1",
                                "TOP 1 1",
                                "LIST",
                                "UIDL",
                                "CAPA",
                                "STAT",
                                "DELE 1",
                                "RSET",
                                "QUIT",
                                "APOP",
                                "AGFsaWNlAHB3",
                                "VXNlcm5hbWU6",
                                "=",
                                "\x00",
                                "\x01",
                                "\xff",
                                "1 20",
                                "<a@b>"};
  uint32_t seed = 12345;
  for (int round = 0; round < 300; round++) {
    ms_dissect_config cfg;
    ms_dissect_config_defaults(&cfg);
    cfg.max_line = 64;
    cfg.full_bodies = round & 1;
    cfg.show_secrets = round & 2;
    ms_session *rec = ms_session_new();
    rec->proto = MS_PROTO_POP3;
    rec->midstream = (round % 5) == 0;
    void *st = ms_pop3_dissector.create(rec, &cfg);
    size_t used;
    ms_pop3_dissector.on_data(st, MS_SERVER, (const uint8_t *)"+OK hi\r\n", 8,
                              1, &used);
    bool stopped = false;
    for (int chunk = 0; chunk < 40 && !stopped; chunk++) {
      char buf[256];
      size_t len = 0;
      seed = seed * 1103515245u + 12345u;
      ms_dir dir = (seed >> 16) & 1 ? MS_SERVER : MS_CLIENT;
      int nwords = 1 + (int)((seed >> 8) % 8);
      for (int w = 0; w < nwords; w++) {
        seed = seed * 1103515245u + 12345u;
        const char *word = words[(seed >> 16) % NSTEPS(words)];
        size_t wl = word[0] ? strlen(word) : 1; /* "\x00" is one NUL */
        if (len + wl < sizeof buf) {
          memcpy(buf + len, word, wl);
          len += wl;
        }
      }
      if ((seed >> 4) % 13 == 0)
        ms_pop3_dissector.on_gap(st, dir, 7, chunk);
      stopped = ms_pop3_dissector.on_data(st, dir, (const uint8_t *)buf, len,
                                          chunk, &used) == MS_STOP;
    }
    rec->end = MS_END_RST;
    ms_pop3_dissector.on_close(st, 99);
    ms_pop3_dissector.destroy(st);
    for (size_t i = 0; i < rec->commands.len; i++) {
      const ms_reply *r = &rec->commands.items[i].reply;
      if (r->present)
        assert_true(!strcmp(r->pop3_status, "+OK") ||
                    !strcmp(r->pop3_status, "-ERR"));
    }
    ms_session_free(rec);
  }
}

/* Bounds a server or client controls: unique-ids of at most 70 chars,
 * 1,000 capabilities, and retrievals and deletions beyond --max-commands
 * decoded but not recorded. */
static void recording_is_bounded(void **state) {
  (void)state;
  ms_dissect_config cfg;
  ms_dissect_config_defaults(&cfg);
  cfg.max_commands = 8;
  size_t cap = 1500 * 12 + 4096;
  char *server = malloc(cap);
  size_t sl = (size_t)sprintf(server, "+OK\r\n");
  for (int i = 0; i < 1500; i++)
    sl += (size_t)sprintf(server + sl, "CAP%d\r\n", i);
  sl += (size_t)sprintf(server + sl, ".\r\n+OK\r\n+OK\r\n+OK 1 ");
  memset(server + sl, 'u', 200);
  sl += 200;
  sl += (size_t)sprintf(server + sl, "\r\n");
  for (int i = 1; i <= 6; i++)
    sl += (size_t)sprintf(server + sl, "+OK\r\nSubject: r%d\r\n\r\nx\r\n.\r\n",
                          i);
  for (int i = 1; i <= 6; i++)
    sl += (size_t)sprintf(server + sl, "+OK\r\n");
  const step steps[] = {
      S("+OK hi\r\n"),
      C("CAPA\r\nUSER a\r\nPASS b\r\nUIDL 1\r\n"
        "RETR 1\r\nRETR 2\r\nRETR 3\r\nRETR 4\r\nRETR 5\r\nRETR 6\r\n"
        "DELE 1\r\nDELE 2\r\nDELE 3\r\nDELE 4\r\nDELE 5\r\nDELE 6\r\n"),
      {MS_SERVER, server, sl}};
  ms_session *s = run_steps(&ms_pop3_dissector, steps, NSTEPS(steps), 0, &cfg);
  assert_int_equal(s->capabilities.len, MS_MAX_LIST);
  assert_int_equal(s->limits[MS_LIMIT_LIST], 1);
  assert_int_equal(s->commands.len, 8);
  assert_int_equal(s->messages.len, 6);
  assert_string_equal(s->messages.items[0].uid,
                      "uuuuuuuuuuuuuuuuuuuuuuuuuuuuuuuuuuu"
                      "uuuuuuuuuuuuuuuuuuuuuuuuuuuuuuuuuuu");
  assert_string_equal(s->messages.items[5].message->subject, "r6");
  assert_int_equal(s->deleted.len, 6);
  assert_int_equal(s->limits[MS_LIMIT_COMMANDS], 1);
  assert_true(has_anomaly(s, "malformed_response"));
  ms_session_free(s);

  cfg.max_commands = 3; /* the retrievals themselves spill */
  s = run_steps(&ms_pop3_dissector, steps, NSTEPS(steps), 0, &cfg);
  assert_int_equal(s->messages.len, 3);
  assert_string_equal(s->messages.items[2].message->subject, "r3");
  assert_int_equal(s->deleted.len, 3);
  assert_false(has_anomaly(s, "response_without_command"));
  ms_session_free(s);
  free(server);
}

/* Lost server bytes (a snaplen-cut capture): a client that does not
 * pipeline waits for each response, so a command sent before the next
 * server bytes means the greeting, a response or a message's end was
 * lost; a cut status line still says +OK; a cut command keeps its verb. */
static void gaps_resynchronize(void **state) {
  (void)state;
  static const step steps[] = {
      {MS_SERVER, NULL, 30}, /* the greeting */
      C("USER bob\r\n"),     S("+OK\r\n"),
      C("PASS x\r\n"),       S("+OK Logged in.\r\n"),
      C("STAT\r\n"),         {MS_SERVER, NULL, 12}, /* its response */
      C("RETR 1\r\n"),       S("+OK 120 octets\r\nSubject: a\r\n\r\nfir"),
      {MS_SERVER, NULL, 90}, /* the rest of the message and "." */
      C("DELE 1\r\n"),       S("+OK Mark"),
      {MS_SERVER, NULL, 20},                       /* a status line cut */
      C("LIST 1"),           {MS_CLIENT, NULL, 2}, /* "\r\n" */
      S("+OK 1 120\r\n"),    C("QUIT\r\n"),
      S("+OK Bye\r\n"),
  };
  ms_session *s =
      run_steps(ms_dissector_for(MS_PROTO_POP3), steps, NSTEPS(steps), 0, NULL);
  static const char *verbs[] = {"USER", "PASS", "STAT", "RETR",
                                "DELE", "LIST", "QUIT"};
  static const bool answered[] = {true, true, false, true, true, true, true};
  assert_int_equal(s->commands.len, 7);
  for (size_t i = 0; i < 7; i++) {
    assert_string_equal(s->commands.items[i].verb, verbs[i]);
    assert_int_equal(s->commands.items[i].reply.present, answered[i]);
  }
  assert_string_equal(s->commands.items[6].reply.text, "Bye");
  assert_string_equal(s->commands.items[4].reply.text, ""); /* cut text */
  assert_int_equal(s->auth.result, MS_AUTH_SUCCESS);
  assert_int_equal(s->messages.len, 1);
  assert_true(s->messages.items[0].message->truncated);
  assert_int_equal(s->deleted.len, 1);
  assert_true(has_anomaly(s, "response_lost"));
  assert_true(has_anomaly(s, "command_cut"));
  assert_false(has_anomaly(s, "command_before_login"));
  assert_false(has_anomaly(s, "malformed_response"));
  ms_session_free(s);
}

/* Counts and sizes from the wire are numbers in range (issue 20): STAT
 * "+OK -1 -1" must not become 18446744073709551615; out-of-range values
 * stay text (the reply) and raise number_out_of_range, once.  A listing
 * line over --max-line raises line_too_long. */
static void numbers_in_range_and_long_listing_lines(void **state) {
  (void)state;
  static const char *bad[] = {
      "-1 -1", "18446744073709551616 5", "9007199254740992 1", "+5 10", "5 x",
      "5"};
  for (size_t k = 0; k < NSTEPS(bad); k++) {
    char reply[96];
    snprintf(reply, sizeof reply, "+OK %s\r\n", bad[k]);
    const step steps[] = {S("+OK hi\r\n"),
                          C("USER a\r\nPASS b\r\nSTAT\r\n"),
                          S("+OK\r\n+OK\r\n"),
                          {MS_SERVER, reply, 0}};
    ms_session *s =
        run_steps(&ms_pop3_dissector, steps, NSTEPS(steps), 0, NULL);
    assert_false(s->mailbox_present);
    assert_int_equal(count_anomaly(s, "number_out_of_range"), 1);
    assert_string_equal(s->commands.items[2].reply.text, bad[k]);
    ms_session_free(s);
  }
  const step good[] = {S("+OK hi\r\n"),
                       C("STAT\r\n"),
                       S("+OK 9007199254740991 0\r\n"),
                       C("LIST\r\n"),
                       S("+OK\r\n1 -5\r\n2 100\r\n-3 7\r\n.\r\n"),
                       C("RETR 2\r\nRETR -1\r\n"),
                       S("+OK\r\nx\r\n.\r\n-ERR no\r\n")};
  ms_session *s = run_steps(&ms_pop3_dissector, good, NSTEPS(good), 0, NULL);
  assert_true(s->mailbox_present);
  assert_int_equal(s->mailbox_messages, 9007199254740991ULL);
  assert_int_equal(count_anomaly(s, "number_out_of_range"), 1);
  assert_true(has_anomaly(s, "retr_size_mismatch")); /* 2: LIST said 100 */
  assert_true(has_anomaly(s, "bad_argument"));       /* RETR -1 */
  ms_session_free(s);

  ms_dissect_config cfg;
  ms_dissect_config_defaults(&cfg);
  cfg.max_line = 20;
  const step lng[] = {S("+OK hi\r\n"), C("UIDL\r\n"),
                      S("+OK\r\n1 aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa\r\n.\r\n"),
                      C("QUIT\r\n"), S("+OK bye\r\n")};
  s = run_steps(&ms_pop3_dissector, lng, NSTEPS(lng), 0, &cfg);
  assert_int_equal(count_anomaly(s, "line_too_long"), 1);
  assert_string_equal(s->commands.items[1].reply.text, "bye");
  ms_session_free(s);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(recording_is_bounded),
      cmocka_unit_test(full_session_at_every_piece_size),
      cmocka_unit_test(full_session_at_every_cut_point),
      cmocka_unit_test(lower_case_commands_and_rarer_ones),
      cmocka_unit_test(err_codes_and_failed_tries),
      cmocka_unit_test(pipelined_user_pass_refused_counts_once),
      cmocka_unit_test(pipelining_advertised_only_from_capa),
      cmocka_unit_test(top_preview_of_multipart),
      cmocka_unit_test(unsolicited_err_and_top_arguments),
      cmocka_unit_test(show_secrets_and_transcript),
      cmocka_unit_test(sasl_through_pop3),
      cmocka_unit_test(retr_sizes),
      cmocka_unit_test(stls_stops),
      cmocka_unit_test(unterminated_and_uncommitted),
      cmocka_unit_test(gaps),
      cmocka_unit_test(odd_input),
      cmocka_unit_test(not_pop3),
      cmocka_unit_test(listings_out_of_order_and_bounded),
      cmocka_unit_test(hostile_bytes),
      cmocka_unit_test(gaps_resynchronize),
      cmocka_unit_test(numbers_in_range_and_long_listing_lines),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
