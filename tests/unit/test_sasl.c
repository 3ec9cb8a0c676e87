/* test_sasl.c - each SASL mechanism: good, cancelled, garbage. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
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

static void view_free(sasl_view *v) {
  free(v->note);
  free(v->redacted);
}

static ms_session *exchange(const char *mech, const char *initial,
                            const char *const *lines, size_t n,
                            ms_auth_result result, bool secrets) {
  ms_session *s = ms_session_new();
  sasl_view v;
  sasl_exchange *x =
      sasl_begin(s, secrets, mech, (const uint8_t *)initial,
                 initial ? strlen(initial) : 0, 0, &v);
  view_free(&v);
  for (size_t i = 0; i < n; i++) {
    if (!strncmp(lines[i], "S:", 2)) {
      sasl_server(x, (const uint8_t *)lines[i] + 2, strlen(lines[i] + 2), 0,
                  &v);
    } else {
      sasl_client(x, (const uint8_t *)lines[i], strlen(lines[i]), 0, &v);
    }
    view_free(&v);
  }
  sasl_end(x, result, 0);
  return s;
}

static void plain(void **state) {
  (void)state;
  ms_session *s = exchange("PLAIN", "YWRtaW4AYWxpY2UAczNjcmV0", NULL, 0,
                           MS_AUTH_SUCCESS, false);
  assert_string_equal(s->auth.username, "alice");
  assert_string_equal(s->auth.authzid, "admin");
  assert_string_equal(s->auth.password, "<redacted>");
  assert_int_equal(s->auth.result, MS_AUTH_SUCCESS);
  ms_session_free(s);
  const char *lines[] = {"S:", "AGFsaWNlAHMzY3JldA=="};
  s = exchange("plain", NULL, lines, 2, MS_AUTH_FAILURE, true);
  assert_string_equal(s->auth.mechanism, "plain");
  assert_string_equal(s->auth.password, "s3cret");
  assert_int_equal(s->auth.failures, 1);
  ms_session_free(s);
}

static void login_with_prompts_and_initial(void **state) {
  (void)state;
  const char *lines[] = {"S:VXNlcm5hbWU6", "Ym9i", "S:UGFzc3dvcmQ6", "cHc="};
  ms_session *s = exchange("LOGIN", NULL, lines, 4, MS_AUTH_SUCCESS, true);
  assert_string_equal(s->auth.username, "bob");
  assert_string_equal(s->auth.password, "pw");
  ms_session_free(s);
  const char *lines2[] = {"S:UGFzc3dvcmQ6", "cHc="};
  s = exchange("LOGIN", "Ym9i", lines2, 2, MS_AUTH_SUCCESS, false);
  assert_string_equal(s->auth.username, "bob");
  assert_string_equal(s->auth.password, "<redacted>");
  ms_session_free(s);
}

static void cram_md5(void **state) {
  (void)state;
  const char *lines[] = {
      "S:PDE4OTYuNjk3MTcwOTUyQHBvc3RvZmZpY2UucmVzdG9uLm1jaS5uZXQ+",
      "dGltIGI5MTNhNjAyYzdlZGE3YTQ5NWI0ZTZlNzMzNGQzODkw"};
  ms_session *s = exchange("CRAM-MD5", NULL, lines, 2, MS_AUTH_SUCCESS, false);
  assert_string_equal(s->auth.username, "tim");
  assert_string_equal(s->auth.challenge,
                      "<1896.697170952@postoffice.reston.mci.net>");
  assert_string_equal(s->auth.password, "<redacted>");
  ms_session_free(s);
}

static void oauth(void **state) {
  (void)state;
  /* user=someuser@example.com^Aauth=Bearer ya29.vF9dft4qmTc2Nvb3RlckBhdHRhdmlzdGEuY29tCg^A^A */
  ms_session *s = exchange(
      "XOAUTH2",
      "dXNlcj1zb21ldXNlckBleGFtcGxlLmNvbQFhdXRoPUJlYXJlciB5YTI5LnZGOWRmdDRxbVR"
      "jMk52YjNSbGNrQmhkSFJoZG1semRHRXVZMjl0Q2cBAQ==",
      NULL, 0, MS_AUTH_SUCCESS, false);
  assert_string_equal(s->auth.username, "someuser@example.com");
  assert_string_equal(s->auth.password, "<redacted>");
  ms_session_free(s);
  /* n,a=user@example.com,^Ahost=server.example.com^Aauth=Bearer x^A^A */
  s = exchange("OAUTHBEARER",
               "bixhPXVzZXJAZXhhbXBsZS5jb20sAWhvc3Q9c2VydmVyLmV4YW1wbGUuY29tAW"
               "F1dGg9QmVhcmVyIHgBAQ==",
               NULL, 0, MS_AUTH_SUCCESS, false);
  assert_string_equal(s->auth.username, "user@example.com");
  ms_session_free(s);
}

static void cancel_and_garbage(void **state) {
  (void)state;
  const char *lines[] = {"S:VXNlcm5hbWU6", "*"};
  ms_session *s = exchange("LOGIN", NULL, lines, 2, MS_AUTH_UNKNOWN, false);
  assert_int_equal(s->auth.result, MS_AUTH_FAILURE);
  ms_session_free(s);
  const char *bad[] = {"S:", "!!!!", "S:", "AAAA"};
  s = exchange("PLAIN", NULL, bad, 4, MS_AUTH_FAILURE, false);
  assert_true(has_anomaly(s, "sasl_bad_base64"));
  assert_true(has_anomaly(s, "sasl_malformed"));
  ms_session_free(s);
  s = exchange("GSSAPI", "YIIBzwYJKoZIhvcSAQICAQBuggG+", NULL, 0,
               MS_AUTH_SUCCESS, false);
  assert_string_equal(s->auth.mechanism, "GSSAPI");
  assert_null(s->auth.username);
  assert_int_equal(s->auth.result, MS_AUTH_SUCCESS);
  ms_session_free(s);
}

static void base64_decoder(void **state) {
  (void)state;
  size_t n;
  uint8_t *d = ms_base64_decode((const uint8_t *)"aGVsbG8=", 8, &n);
  assert_int_equal(n, 5);
  assert_memory_equal(d, "hello", 5);
  free(d);
  assert_null(ms_base64_decode((const uint8_t *)"a", 1, &n));
  assert_null(ms_base64_decode((const uint8_t *)"aGV*bG8=", 8, &n));
  assert_null(ms_base64_decode((const uint8_t *)"aG==bG8=", 8, &n));
  d = ms_base64_decode((const uint8_t *)"", 0, &n);
  assert_int_equal(n, 0);
  free(d);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(plain),      cmocka_unit_test(login_with_prompts_and_initial),
      cmocka_unit_test(cram_md5),   cmocka_unit_test(oauth),
      cmocka_unit_test(cancel_and_garbage), cmocka_unit_test(base64_decoder),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
