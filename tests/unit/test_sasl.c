/* test_sasl.c - the shared SASL module: each mechanism good, refused,
 * cancelled and with garbage; transcript notes and redaction; the rule that
 * a successful login is not overwritten; the base64 decoder. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "sasl.h"

static bool has_anomaly(const ms_session *s, const char *name) {
  for (size_t i = 0; i < s->anomalies.len; i++)
    if (!strcmp(s->anomalies.items[i].name, name))
      return true;
  return false;
}

/* Notes and redacted lines of one exchange, in order ("" when none). */
typedef struct {
  char note[8][320];
  char redacted[8][64];
  size_t n;
} views;

static void keep(views *vs, sasl_view *v) {
  if (vs && vs->n < 8) {
    snprintf(vs->note[vs->n], sizeof vs->note[0], "%s", v->note ? v->note : "");
    snprintf(vs->redacted[vs->n], sizeof vs->redacted[0], "%s",
             v->redacted ? v->redacted : "");
    vs->n++;
  }
  free(v->note);
  free(v->redacted);
}

/* lines: "S:<b64>" server challenges, anything else client responses. */
static void run_exchange(ms_session *s, const char *mech, const char *initial,
                         const char *const *lines, size_t n,
                         ms_auth_result result, bool secrets, views *vs) {
  sasl_view v;
  sasl_exchange *x = sasl_begin(s, secrets, mech, (const uint8_t *)initial,
                                initial ? strlen(initial) : 0, 0, &v);
  keep(vs, &v);
  for (size_t i = 0; i < n; i++) {
    if (!strncmp(lines[i], "S:", 2))
      sasl_server(x, (const uint8_t *)lines[i] + 2, strlen(lines[i] + 2), 0,
                  &v);
    else
      sasl_client(x, (const uint8_t *)lines[i], strlen(lines[i]), 0, &v);
    keep(vs, &v);
  }
  sasl_end(x, result, 0);
}

static ms_session *exchange(const char *mech, const char *initial,
                            const char *const *lines, size_t n,
                            ms_auth_result result, bool secrets, views *vs) {
  ms_session *s = ms_session_new();
  s->proto = MS_PROTO_SMTP;
  run_exchange(s, mech, initial, lines, n, result, secrets, vs);
  return s;
}

static void plain_initial_and_after_empty_challenge(void **state) {
  (void)state;
  views vs = {0};
  /* admin\0alice\0s3cret */
  ms_session *s = exchange("PLAIN", "YWRtaW4AYWxpY2UAczNjcmV0", NULL, 0,
                           MS_AUTH_SUCCESS, false, &vs);
  assert_string_equal(s->auth.mechanism, "PLAIN");
  assert_string_equal(s->auth.username, "alice");
  assert_string_equal(s->auth.authzid, "admin");
  assert_string_equal(s->auth.password, "<redacted>");
  assert_int_equal(s->auth.result, MS_AUTH_SUCCESS);
  assert_int_equal(s->auth.attempts, 1);
  assert_int_equal(s->auth.failures, 0);
  assert_string_equal(vs.note[0], "admin\\0alice\\0<redacted>");
  assert_string_equal(vs.redacted[0], "<redacted base64>");
  assert_int_equal(s->anomalies.len, 0);
  ms_session_free(s);

  const char *lines[] = {"S:", "AGFsaWNlAHMzY3JldA=="};
  memset(&vs, 0, sizeof vs);
  s = exchange("plain", NULL, lines, 2, MS_AUTH_FAILURE, true, &vs);
  assert_string_equal(s->auth.mechanism, "plain"); /* as sent */
  assert_string_equal(s->auth.password, "s3cret");
  assert_null(s->auth.authzid);
  assert_int_equal(s->auth.result, MS_AUTH_FAILURE);
  assert_int_equal(s->auth.failures, 1);
  assert_string_equal(vs.note[2], "\\0alice\\0s3cret");
  assert_string_equal(vs.redacted[2], ""); /* secrets shown: wire kept */
  assert_true(has_anomaly(s, "auth_failed"));
  ms_session_free(s);
}

static void plain_garbage(void **state) {
  (void)state;
  views vs = {0};
  /* "AAAA" is three NULs: four fields */
  const char *bad[] = {"S:", "!!!!", "S:", "AAAA"};
  ms_session *s = exchange("PLAIN", NULL, bad, 4, MS_AUTH_FAILURE, false, &vs);
  assert_true(has_anomaly(s, "sasl_bad_base64"));
  assert_true(has_anomaly(s, "sasl_malformed"));
  assert_string_equal(vs.redacted[2], "<redacted base64>"); /* not base64 */
  assert_null(s->auth.username);
  ms_session_free(s);
  /* only one NUL */
  s = exchange("PLAIN", "YWxpY2UAcHc=", NULL, 0, MS_AUTH_FAILURE, false, NULL);
  assert_true(has_anomaly(s, "sasl_malformed"));
  ms_session_free(s);
  /* "AUTH PLAIN =" (RFC 4954's empty initial response, refused by
   * Postfix/Dovecot with 535): malformed, but no secret to hide; the same
   * empty response after the 334 */
  const char *empty[] = {"S:", "="};
  for (int k = 0; k < 2; k++) {
    views ve = {0};
    s = exchange("PLAIN", k ? NULL : "=", k ? empty : NULL, k ? 2 : 0,
                 MS_AUTH_FAILURE, false, &ve);
    assert_true(has_anomaly(s, "sasl_malformed"));
    assert_string_equal(ve.note[k ? 2 : 0], "empty PLAIN response");
    assert_string_equal(ve.redacted[k ? 2 : 0], "");
    assert_null(s->auth.password);
    ms_session_free(s);
  }
}

static void login_prompts_and_initial_response(void **state) {
  (void)state;
  views vs = {0};
  const char *lines[] = {"S:VXNlcm5hbWU6", "Ym9i", "S:UGFzc3dvcmQ6", "cHc="};
  ms_session *s =
      exchange("LOGIN", NULL, lines, 4, MS_AUTH_SUCCESS, false, &vs);
  assert_string_equal(s->auth.username, "bob");
  assert_string_equal(s->auth.password, "<redacted>");
  assert_string_equal(vs.note[1], "Username:");
  assert_string_equal(vs.note[2], "bob");
  assert_string_equal(vs.redacted[2], ""); /* the user name is no secret */
  assert_string_equal(vs.note[3], "Password:");
  assert_string_equal(vs.note[4], "<redacted>");
  assert_string_equal(vs.redacted[4], "<redacted base64>");
  ms_session_free(s);

  const char *lines2[] = {"S:UGFzc3dvcmQ6", "cHc="};
  s = exchange("LOGIN", "Ym9i", lines2, 2, MS_AUTH_SUCCESS, true, NULL);
  assert_string_equal(s->auth.username, "bob");
  assert_string_equal(s->auth.password, "pw");
  ms_session_free(s);

  /* "User Name\0" prompt (a Microsoft variant), then an unreadable one */
  const char *lines3[] = {"S:VXNlciBOYW1lAA==", "Ym9i", "S:", "cHc="};
  s = exchange("LOGIN", NULL, lines3, 4, MS_AUTH_FAILURE, true, NULL);
  assert_string_equal(s->auth.username, "bob");
  assert_string_equal(s->auth.password, "pw");
  assert_int_equal(s->auth.result, MS_AUTH_FAILURE);
  ms_session_free(s);
}

static void login_cancelled(void **state) {
  (void)state;
  views vs = {0};
  const char *lines[] = {"S:VXNlcm5hbWU6", "*"};
  ms_session *s =
      exchange("LOGIN", NULL, lines, 2, MS_AUTH_FAILURE, false, &vs);
  assert_string_equal(vs.note[2], "cancelled");
  assert_int_equal(s->auth.result, MS_AUTH_FAILURE);
  assert_int_equal(s->auth.failures, 1);
  assert_int_equal(s->anomalies.len, 0); /* the client's choice */
  ms_session_free(s);
  /* no final reply: the outcome stays unknown */
  s = exchange("LOGIN", NULL, lines, 2, MS_AUTH_UNKNOWN, false, NULL);
  assert_int_equal(s->auth.result, MS_AUTH_UNKNOWN);
  assert_int_equal(s->auth.attempts, 1);
  ms_session_free(s);
}

static void cram_md5(void **state) {
  (void)state;
  views vs = {0};
  const char *lines[] = {
      "S:PDE4OTYuNjk3MTcwOTUyQHBvc3RvZmZpY2UucmVzdG9uLm1jaS5uZXQ+",
      "dGltIGI5MTNhNjAyYzdlZGE3YTQ5NWI0ZTZlNzMzNGQzODkw"};
  ms_session *s =
      exchange("CRAM-MD5", NULL, lines, 2, MS_AUTH_SUCCESS, false, &vs);
  assert_string_equal(s->auth.username, "tim");
  assert_string_equal(s->auth.challenge,
                      "<1896.697170952@postoffice.reston.mci.net>");
  assert_string_equal(s->auth.password, "<redacted>");
  assert_string_equal(vs.note[1], "<1896.697170952@postoffice.reston.mci.net>");
  assert_string_equal(vs.note[2], "tim <redacted>");
  assert_string_equal(vs.redacted[2], "<redacted base64>");
  assert_int_equal(s->anomalies.len, 0);
  ms_session_free(s);

  s = exchange("CRAM-MD5", NULL, lines, 2, MS_AUTH_SUCCESS, true, NULL);
  assert_string_equal(s->auth.password, "b913a602c7eda7a495b4e6e7334d3890");
  ms_session_free(s);

  const char *bad[] = {"S:PDE+", "dGltIHNob3J0"}; /* "tim short" */
  s = exchange("CRAM-MD5", NULL, bad, 2, MS_AUTH_FAILURE, false, NULL);
  assert_true(has_anomaly(s, "sasl_malformed"));
  assert_string_equal(s->auth.username, "tim");
  ms_session_free(s);
}

static void xoauth2(void **state) {
  (void)state;
  views vs = {0};
  ms_session *s = exchange(
      "XOAUTH2",
      "dXNlcj1zb21ldXNlckBleGFtcGxlLmNvbQFhdXRoPUJlYXJlciB5YTI5dG9rAQE=", NULL,
      0, MS_AUTH_SUCCESS, false, &vs);
  assert_string_equal(s->auth.username, "someuser@example.com");
  assert_string_equal(s->auth.password, "<redacted>");
  assert_string_equal(vs.note[0], "user=someuser@example.com\\x01auth=Bearer "
                                  "<redacted>\\x01\\x01");
  assert_int_equal(s->anomalies.len, 0);
  ms_session_free(s);

  /* refused: the server's JSON error, the client's empty acknowledgement */
  const char *err[] = {
      "S:eyJzdGF0dXMiOiI0MDEiLCJzY2hlbWVzIjoiYmVhcmVyIiwic2NvcGUiOiJodHRwczov"
      "L21haWwuZ29vZ2xlLmNvbS8ifQ==",
      ""};
  memset(&vs, 0, sizeof vs);
  s = exchange(
      "XOAUTH2",
      "dXNlcj1zb21ldXNlckBleGFtcGxlLmNvbQFhdXRoPUJlYXJlciB5YTI5dG9rAQE=", err,
      2, MS_AUTH_FAILURE, true, &vs);
  assert_string_equal(s->auth.password, "ya29tok");
  assert_int_equal(s->auth.result, MS_AUTH_FAILURE);
  assert_string_equal(vs.note[2], "(error acknowledged)");
  assert_false(has_anomaly(s, "sasl_malformed"));
  ms_session_free(s);

  s = exchange("XOAUTH2", "Ym9i", NULL, 0, MS_AUTH_FAILURE, false, NULL);
  assert_true(has_anomaly(s, "sasl_malformed"));
  ms_session_free(s);
}

static void oauthbearer(void **state) {
  (void)state;
  views vs = {0};
  ms_session *s = exchange(
      "OAUTHBEARER",
      "bixhPXVzZXJAZXhhbXBsZS5jb20sAWhvc3Q9c2VydmVyLmV4YW1wbGUuY29tAXBvcnQ9MTQz"
      "AWF1dGg9QmVhcmVyIHZGOWRmdDRxbVRjMk52YjNSbGNrQmhkSFJoZG1semRHRXVZMjl0Q2c9"
      "PQEB",
      NULL, 0, MS_AUTH_SUCCESS, true, &vs);
  assert_string_equal(s->auth.username, "user@example.com");
  assert_string_equal(s->auth.password,
                      "vF9dft4qmTc2Nvb3RlckBhdHRhdmlzdGEuY29tCg==");
  assert_int_equal(s->anomalies.len, 0);
  ms_session_free(s);

  s = exchange("OAUTHBEARER", "Ym9i", NULL, 0, MS_AUTH_FAILURE, false, NULL);
  assert_true(has_anomaly(s, "sasl_malformed"));
  assert_null(s->auth.username);
  ms_session_free(s);
}

/* SCRAM as msmtp and mpop speak it to dovecot: the authzid of the gs2
 * header, saslname escapes, the proof (the secret) hidden alone, the
 * empty response after the server signature, a client-first message
 * without n=. */
static void scram_authzid_proof_and_final_ack(void **state) {
  (void)state;
  views vs = {0};
  /* c=biws,r=abcdef,p=cHJvb2Y= ; v=c2ln ; the empty response */
  const char *steps[] = {"S:cj1hYmNkZWYscz1jMkZzZEE9PSxpPTQwOTY=",
                         "Yz1iaXdzLHI9YWJjZGVmLHA9Y0hKdmIyWT0=", "S:dj1jMmxu",
                         ""};
  /* n,a=ad=2Cmin,n=us=3Der=2Cx,r=abc */
  ms_session *s = exchange(
      "SCRAM-SHA-256", "bixhPWFkPTJDbWluLG49dXM9M0Rlcj0yQ3gscj1hYmM=", steps, 4,
      MS_AUTH_SUCCESS, false, &vs);
  assert_string_equal(s->auth.username, "us=er,x");
  assert_string_equal(s->auth.authzid, "ad,min");
  assert_string_equal(s->auth.password, "<redacted>");
  assert_string_equal(vs.note[2], "c=biws,r=abcdef,p=<redacted>");
  assert_string_equal(vs.redacted[2], "<redacted base64>");
  assert_string_equal(vs.note[4], "(server signature acknowledged)");
  assert_string_equal(vs.redacted[4], "");
  assert_int_equal(s->anomalies.len, 0);
  ms_session_free(s);

  s = exchange("SCRAM-SHA-1",
               "bixhPWFkPTJDbWluLG49dXM9M0Rlcj0yQ3gscj1hYmM=", steps, 4,
               MS_AUTH_SUCCESS, true, NULL);
  assert_string_equal(s->auth.password, "cHJvb2Y=");
  ms_session_free(s);

  /* y,,r=abc: no user name */
  s = exchange("SCRAM-SHA-1", "eSwscj1hYmM=", NULL, 0, MS_AUTH_FAILURE, false,
               NULL);
  assert_null(s->auth.username);
  assert_true(has_anomaly(s, "sasl_malformed"));
  ms_session_free(s);
}

static void external_anonymous_scram_others(void **state) {
  (void)state;
  ms_session *s =
      exchange("EXTERNAL", "YWRtaW4=", NULL, 0, MS_AUTH_SUCCESS, false, NULL);
  assert_string_equal(s->auth.authzid, "admin");
  assert_null(s->auth.password);
  ms_session_free(s);
  s = exchange("EXTERNAL", "=", NULL, 0, MS_AUTH_SUCCESS, false, NULL);
  assert_null(s->auth.authzid);
  assert_int_equal(s->anomalies.len, 0);
  ms_session_free(s);

  s = exchange("ANONYMOUS", "dHJhY2VAZXhhbXBsZQ==", NULL, 0, MS_AUTH_SUCCESS,
               false, NULL);
  assert_string_equal(s->auth.username, "trace@example");
  ms_session_free(s);

  views vs = {0};
  const char *scram[] = {
      "S:cj1meWtvK2QybGJiRmdPTlJ2OXFreGRhd0wzcmZjTkhZSlkxWlZ2V1ZzN2oscz1RU1hD"
      "UitRNnNlazhiZjkyLGk9NDA5Ng==",
      "Yz1iaXdzLHI9ZnlrbytkMmxiYkZnT05Sdjlxa3hkYXdMM3JmY05IWUpZMVpWdldWczdqLHA9"
      "djBYOHYzQnoyVDBDSkdiSlF5RjBYK0hJNFRzPQ=="};
  s = exchange("SCRAM-SHA-1",
               "biwsbj11c2VyLHI9ZnlrbytkMmxiYkZnT05Sdjlxa3hkYXdM", scram, 2,
               MS_AUTH_SUCCESS, false, &vs);
  assert_string_equal(s->auth.username, "user");
  assert_string_equal(vs.note[0], "n,,n=user,r=fyko+d2lbbFgONRv9qkxdawL");
  assert_string_equal(vs.note[2],
                      "c=biws,r=fyko+d2lbbFgONRv9qkxdawL3rfcNHYJY1ZVvWVs7j,"
                      "p=<redacted>");
  assert_string_equal(vs.redacted[2], "<redacted base64>");
  assert_string_equal(s->auth.password, "<redacted>");
  ms_session_free(s);

  s = exchange("GSSAPI", "YIIBzwYJKoZIhvcSAQICAQBuggG+", NULL, 0,
               MS_AUTH_SUCCESS, false, NULL);
  assert_string_equal(s->auth.mechanism, "GSSAPI");
  assert_null(s->auth.username);
  assert_int_equal(s->auth.result, MS_AUTH_SUCCESS);
  assert_int_equal(s->anomalies.len, 0);
  ms_session_free(s);

  s = exchange("NTLM", "not base64!", NULL, 0, MS_AUTH_FAILURE, false, NULL);
  assert_true(has_anomaly(s, "sasl_bad_base64"));
  ms_session_free(s);

  s = exchange("", NULL, NULL, 0, MS_AUTH_FAILURE, false, NULL);
  assert_true(has_anomaly(s, "sasl_malformed"));
  ms_session_free(s);
}

static void control_bytes_are_malformed(void **state) {
  (void)state;
  views vs = {0};
  const char *lines[] = {"S:VXNlcm5hbWU6", "YWxpY2UBAg=="}; /* alice^A^B */
  ms_session *s =
      exchange("LOGIN", NULL, lines, 2, MS_AUTH_FAILURE, false, &vs);
  assert_true(has_anomaly(s, "sasl_malformed"));
  assert_string_equal(vs.note[2], "alice\\x01\\x02");
  ms_session_free(s);
}

static void success_is_not_overwritten(void **state) {
  (void)state;
  ms_session *s = ms_session_new();
  s->proto = MS_PROTO_SMTP;
  const char *bad[] = {"S:", "AGV2ZQB4"}; /* \0eve\0x */
  run_exchange(s, "PLAIN", NULL, bad, 2, MS_AUTH_FAILURE, false, NULL);
  assert_string_equal(s->auth.username, "eve");
  run_exchange(s, "PLAIN", "AGFsaWNlAHMzY3JldA==", NULL, 0, MS_AUTH_SUCCESS,
               false, NULL);
  assert_string_equal(s->auth.username, "alice");
  const char *later[] = {"S:", "AG1hbGxvcnkAeA=="}; /* \0mallory\0x */
  run_exchange(s, "PLAIN", NULL, later, 2, MS_AUTH_FAILURE, false, NULL);
  assert_string_equal(s->auth.username, "alice");
  assert_int_equal(s->auth.result, MS_AUTH_SUCCESS);
  assert_int_equal(s->auth.attempts, 3);
  assert_int_equal(s->auth.failures, 2);
  ms_session_free(s);
}

static void pop3_sessions_leave_the_anomaly_to_pop3(void **state) {
  (void)state;
  ms_session *s = ms_session_new();
  s->proto = MS_PROTO_POP3;
  run_exchange(s, "PLAIN", "AGFsaWNlAHMzY3JldA==", NULL, 0, MS_AUTH_FAILURE,
               false, NULL);
  assert_false(has_anomaly(s, "auth_failed"));
  assert_int_equal(s->auth.failures, 1);
  ms_session_free(s);
}

static void base64_decoder(void **state) {
  (void)state;
  size_t n;
  uint8_t *d = ms_base64_decode((const uint8_t *)"aGVsbG8=", 8, &n);
  assert_int_equal(n, 5);
  assert_memory_equal(d, "hello", 6); /* NUL-terminated */
  free(d);
  d = ms_base64_decode((const uint8_t *)"aGVsbG8", 7, &n); /* no padding */
  assert_int_equal(n, 5);
  free(d);
  d = ms_base64_decode((const uint8_t *)"aGVsbG8= ", 9, &n); /* trailing */
  assert_int_equal(n, 5);
  free(d);
  assert_null(ms_base64_decode((const uint8_t *)"a", 1, &n));
  assert_null(ms_base64_decode((const uint8_t *)"aGV*bG8=", 8, &n));
  assert_null(ms_base64_decode((const uint8_t *)"aG==bG8=", 8, &n));
  assert_null(ms_base64_decode((const uint8_t *)"====", 4, &n));
  assert_null(ms_base64_decode((const uint8_t *)"aGVs\x80", 5, &n));
  d = ms_base64_decode((const uint8_t *)"", 0, &n);
  assert_non_null(d);
  assert_int_equal(n, 0);
  free(d);
  /* every byte value round-trips */
  static const char all[] =
      "AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8gISIjJCUmJygpKissLS4vMDEy"
      "MzQ1Njc4OTo7PD0+P0BBQkNERUZHSElKS0xNTk9QUVJTVFVWV1hZWltcXV5fYGFiY2Rl"
      "ZmdoaWprbG1ub3BxcnN0dXZ3eHl6e3x9fn+AgYKDhIWGh4iJiouMjY6PkJGSk5SVlpeY"
      "mZqbnJ2en6ChoqOkpaanqKmqq6ytrq+wsbKztLW2t7i5uru8vb6/wMHCw8TFxsfIycrL"
      "zM3Oz9DR0tPU1dbX2Nna29zd3t/g4eLj5OXm5+jp6uvs7e7v8PHy8/T19vf4+fr7/P3+/"
      "w==";
  d = ms_base64_decode((const uint8_t *)all, strlen(all), &n);
  assert_int_equal(n, 256);
  for (size_t i = 0; i < 256; i++)
    assert_int_equal(d[i], i);
  free(d);
}

/* NTLM (MS-NLMP): NEGOTIATE, CHALLENGE, AUTHENTICATE built by hand:
 * domain "DOMAIN", user "jürgen" and workstation "WS01" in UTF-16LE, a
 * 48-byte (NTLMv2) NT response; then one whose UserName points outside. */
static const char ntlm_negotiate[] =
    "TlRMTVNTUAABAAAAB4IIogAAAAAAAAAAAAAAAAAAAAA=";
static const char ntlm_challenge[] =
    "S:TlRMTVNTUAACAAAADAAMADgAAAAFgomiASNFZ4mrze8AAAAAAAAAAAAAAAA4AAAACgBjRQ"
    "AAAA9EAE8ATQBBAEkATgA=";
static const char ntlm_authenticate[] =
    "TlRMTVNTUAADAAAAGAAYAGgAAAAwADAAgAAAAAwADABIAAAADAAMAFQAAAAIAAgAYAAAAAAA"
    "AACwAAAABYKIogoAY0UAAAAPRABPAE0AQQBJAE4AagD8AHIAZwBlAG4AVwBTADAAMQAAAAAA"
    "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAQIDBAUGBwgJCgsMDQ4PEBESExQVFhcYGRobHB0eHyAh"
    "IiMkJSYnKCkqKywtLi8=";
static const char ntlm_outside[] =
    "TlRMTVNTUAADAAAAGAAYAGgAAAAwADAAgAAAAAwADABIAAAADAAMAIgTAAAIAAgAYAAAAAAA"
    "AACwAAAABYKIogoAY0UAAAAPRABPAE0AQQBJAE4AagD8AHIAZwBlAG4AVwBTADAAMQAAAAAA"
    "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAQIDBAUGBwgJCgsMDQ4PEBESExQVFhcYGRobHB0eHyAh"
    "IiMkJSYnKCkqKywtLi8=";

static void ntlm(void **state) {
  (void)state;
  views vs = {0};
  const char *lines[] = {ntlm_challenge, ntlm_authenticate};
  ms_session *s =
      exchange("NTLM", ntlm_negotiate, lines, 2, MS_AUTH_SUCCESS, false, &vs);
  assert_string_equal(s->auth.mechanism, "NTLM");
  assert_string_equal(s->auth.username, "DOMAIN\\j\xc3\xbcrgen");
  assert_string_equal(s->auth.password, "<redacted>");
  assert_int_equal(vs.n, 3);
  assert_string_equal(vs.note[0], "NTLM negotiate, flags 0xa2088207");
  assert_string_equal(vs.redacted[0], "");
  assert_string_equal(vs.note[1], "NTLM challenge, target \"DOMAIN\"");
  assert_string_equal(vs.note[2],
                      "NTLM authenticate: user \"DOMAIN\\j\xc3\xbcrgen\", "
                      "workstation \"WS01\", NTLMv2 response");
  assert_string_equal(vs.redacted[2], "<redacted base64>");
  assert_false(has_anomaly(s, "sasl_malformed"));
  ms_session_free(s);

  /* --show-secrets: the NT response, hex, as the credential. */
  s = exchange("ntlm", ntlm_negotiate, lines, 2, MS_AUTH_SUCCESS, true, NULL);
  assert_string_equal(s->auth.password,
                      "000102030405060708090a0b0c0d0e0f101112131415161718191a"
                      "1b1c1d1e1f202122232425262728292a2b2c2d2e2f");
  ms_session_free(s);

  const char *bad[] = {ntlm_challenge, ntlm_outside, "S:bm90IG50bG0="};
  s = exchange("NTLM", ntlm_negotiate, bad, 3, MS_AUTH_FAILURE, false, NULL);
  assert_true(has_anomaly(s, "sasl_malformed"));
  assert_null(s->auth.username);
  ms_session_free(s);
}

/* DIGEST-MD5: the example of RFC 2831 section 4. */
static void digest_md5(void **state) {
  (void)state;
  views vs = {0};
  const char *lines[] = {
      "S:cmVhbG09ImVsd29vZC5pbm5vc29mdC5jb20iLG5vbmNlPSJPQTZNRzl0RVFHbTJoaCIs"
      "cW9wPSJhdXRoIixhbGdvcml0aG09bWQ1LXNlc3MsY2hhcnNldD11dGYtOA==",
      "Y2hhcnNldD11dGYtOCx1c2VybmFtZT0iY2hyaXMiLHJlYWxtPSJlbHdvb2QuaW5ub3NvZnQu"
      "Y29tIixub25jZT0iT0E2TUc5dEVRR20yaGgiLG5jPTAwMDAwMDAxLGNub25jZT0iT0E2TUhY"
      "aDZWcVRyUmsiLGRpZ2VzdC11cmk9ImltYXAvZWx3b29kLmlubm9zb2Z0LmNvbSIscmVzcG9u"
      "c2U9ZDM4OGRhZDkwZDRiYmQ3NjBhMTUyMzIxZjIxNDNhZjcscW9wPWF1dGg=",
      "S:cnNwYXV0aD1lYTQwZjYwMzM1YzQyN2I1NTI3Yjg0ZGJhYmNkZmZmZA==",
      "",
  };
  ms_session *s =
      exchange("DIGEST-MD5", NULL, lines, 4, MS_AUTH_SUCCESS, false, &vs);
  assert_string_equal(s->auth.username, "chris");
  assert_string_equal(s->auth.password, "<redacted>");
  assert_non_null(strstr(vs.note[2], "username=\"chris\""));
  assert_non_null(strstr(vs.note[2], "response=<redacted>,qop=auth"));
  assert_string_equal(vs.redacted[2], "<redacted base64>");
  assert_string_equal(vs.note[3], "rspauth=ea40f60335c427b5527b84dbabcdfffd");
  assert_string_equal(vs.note[4], "(rspauth acknowledged)");
  assert_false(has_anomaly(s, "sasl_malformed"));
  ms_session_free(s);

  s = exchange("DIGEST-MD5", NULL, lines, 2, MS_AUTH_SUCCESS, true, NULL);
  assert_string_equal(s->auth.password, "d388dad90d4bbd760a152321f2143af7");
  ms_session_free(s);

  const char *junk[] = {"bm9uc2Vuc2U="}; /* "nonsense" */
  s = exchange("DIGEST-MD5", NULL, junk, 1, MS_AUTH_FAILURE, false, NULL);
  assert_true(has_anomaly(s, "sasl_malformed"));
  ms_session_free(s);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(plain_initial_and_after_empty_challenge),
      cmocka_unit_test(plain_garbage),
      cmocka_unit_test(login_prompts_and_initial_response),
      cmocka_unit_test(login_cancelled),
      cmocka_unit_test(cram_md5),
      cmocka_unit_test(xoauth2),
      cmocka_unit_test(oauthbearer),
      cmocka_unit_test(external_anonymous_scram_others),
      cmocka_unit_test(scram_authzid_proof_and_final_ack),
      cmocka_unit_test(control_bytes_are_malformed),
      cmocka_unit_test(success_is_not_overwritten),
      cmocka_unit_test(pop3_sessions_leave_the_anomaly_to_pop3),
      cmocka_unit_test(base64_decoder),
      cmocka_unit_test(ntlm),
      cmocka_unit_test(digest_md5),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
