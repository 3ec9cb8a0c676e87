/* test_tls_cert.c - certificate summaries (dissectors/tls_cert.c) of
 * certificates made here with OpenSSL, name matching (RFC 6125), and the
 * checks of dissectors/tls_checks.c: validity at handshake time,
 * self-signed, names against the SNI and the server's greeting and EHLO
 * host, obsolete versions and weak suites. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <cmocka.h>

#include "tls_cert.h"
#include "tls_certgen.h"
#include "tls_checks.h"

static bool has_anomaly(const ms_session *s, const char *name) {
  for (size_t i = 0; i < s->anomalies.len; i++)
    if (!strcmp(s->anomalies.items[i].name, name))
      return true;
  return false;
}

static void summarise(ms_tls_cert *c, const certgen *g) {
  size_t n;
  uint8_t *der = certgen_der(g, &n);
  tls_cert_summarise(c, der, n);
  free(der);
}

static void rsa_self_signed(void **state) {
  (void)state;
  certgen g = {"mail.example.test",
               "DNS:mail.example.test,IP:192.0.2.7",
               -1,
               365,
               false,
               false};
  ms_tls_cert c;
  summarise(&c, &g);
  assert_true(c.parsed);
  assert_int_equal(c.version, 3);
  assert_string_equal(c.serial, "1234");
  assert_string_equal(c.subject, "CN=mail.example.test,O=Mailscope Tests");
  assert_string_equal(c.subject_cn, "mail.example.test");
  assert_string_equal(c.subject_org, "Mailscope Tests");
  assert_string_equal(c.key_type, "rsa");
  assert_string_equal(c.key_alg, "rsaEncryption");
  assert_int_equal(c.key_bits, 2048);
  assert_string_equal(c.exponent, "65537");
  assert_null(c.curve);
  assert_string_equal(c.sig_alg, "sha256WithRSAEncryption");
  assert_int_equal(c.san_dns.len, 1);
  assert_int_equal(c.san_ip.len, 1);
  assert_string_equal(c.san_ip.items[0], "192.0.2.7");
  assert_true(c.self_issued);
  assert_true(c.self_signed);
  assert_true(c.has_validity);
  assert_true(c.not_after - c.not_before == 366LL * 86400 * 1000000);
  assert_int_equal(strlen(c.sha256), 64);
  assert_int_equal(strlen(c.sha1), 40);
  ms_tls_cert_clear(&c);
}

static void ec_other_issuer(void **state) {
  (void)state;
  certgen g = {"mx.example.test", NULL, -10, 10, true, true};
  ms_tls_cert c;
  summarise(&c, &g);
  assert_true(c.parsed);
  assert_string_equal(c.key_type, "ec");
  assert_string_equal(c.curve, "prime256v1");
  assert_int_equal(c.key_bits, 256);
  assert_string_equal(c.sig_alg, "ecdsa-with-SHA256");
  assert_string_equal(c.issuer, "CN=Test CA");
  assert_false(c.self_issued);
  assert_false(c.self_signed);
  ms_tls_cert_clear(&c);
}

/* Bytes that are not DER, and DER followed by more bytes. */
static void not_a_certificate(void **state) {
  (void)state;
  ms_tls_cert c;
  tls_cert_summarise(&c, (const uint8_t *)"\x30\x82\xff\xff garbage", 13);
  assert_false(c.parsed);
  assert_non_null(c.error);
  assert_int_equal(strlen(c.sha256), 64);
  ms_tls_cert_clear(&c);
  certgen g = {"a.example", NULL, -1, 1, true, false};
  size_t n;
  uint8_t *der = certgen_der(&g, &n);
  uint8_t *more = malloc(n + 3);
  memcpy(more, der, n);
  memcpy(more + n, "xyz", 3);
  tls_cert_summarise(&c, more, n + 3);
  assert_false(c.parsed);
  assert_string_equal(c.error, "3 bytes after the certificate's DER");
  ms_tls_cert_clear(&c);
  free(der);
  free(more);
}

static void matching(void **state) {
  (void)state;
  certgen g = {"ignored.example",
               "DNS:*.example.test,DNS:mx.other.test",
               -1,
               1,
               true,
               false};
  ms_tls_cert c;
  summarise(&c, &g);
  assert_true(tls_cert_matches(&c, "mx.example.test"));
  assert_true(tls_cert_matches(&c, "MX.Example.Test."));
  assert_false(tls_cert_matches(&c, "a.b.example.test"));
  assert_false(tls_cert_matches(&c, "example.test"));
  assert_true(tls_cert_matches(&c, "mx.other.test"));
  assert_false(tls_cert_matches(&c, "ignored.example")); /* SANs win */
  assert_false(tls_cert_matches(&c, "192.0.2.1"));
  ms_tls_cert_clear(&c);
  certgen cn_only = {"mail.example.test", NULL, -1, 1, true, false};
  summarise(&c, &cn_only);
  assert_true(tls_cert_matches(&c, "mail.example.test"));
  assert_false(tls_cert_matches(&c, "mx.example.test"));
  ms_tls_cert_clear(&c);
}

/* ---- checks
 * ------------------------------------------------------------------ */

/* A session whose server greeted as `banner`, answered EHLO with `ehlo`,
 * chose `version`/`suite`, and presented the certificate of g; the
 * handshake happened now. */
static ms_session *session(const char *banner, const char *ehlo,
                           const char *sni, const certgen *g, uint16_t version,
                           uint16_t suite) {
  ms_session *s = ms_session_new();
  s->proto = MS_PROTO_SMTP;
  s->banner = banner ? xstrdup(banner) : NULL;
  if (ehlo) {
    ms_command *c = ms_add_command(s, 1, "EHLO", (const uint8_t *)"c", 1);
    ms_reply_set(&c->reply, 2, 250, NULL, ehlo);
  }
  ms_tls_info *t = s->tls_info = ms_tls_info_new();
  t->client.present = true;
  t->client.server_name = sni ? xstrdup(sni) : NULL;
  t->server.present = true;
  t->server.ts = (ms_ts)time(NULL) * 1000000;
  t->server.version = version;
  t->server.cipher_suite = suite;
  t->server.cipher_name = ms_tls_suite_name(suite);
  if (g)
    summarise(vec_push(&t->server_certs), g);
  tls_checks(s, t->server.ts);
  return s;
}

static void clean_handshake(void **state) {
  (void)state;
  certgen g = {"mx.example.test", "DNS:mx.example.test", -1, 30, true, true};
  ms_session *s = session("mx.example.test ESMTP", "mx.example.test\nSIZE",
                          NULL, &g, 0x0303, 0xc02f);
  assert_int_equal(s->anomalies.len, 0);
  ms_session_free(s);
}

static void expired_and_not_yet_valid(void **state) {
  (void)state;
  certgen old = {"mx.example.test", NULL, -30, -1, true, true};
  ms_session *s =
      session("mx.example.test ESMTP", NULL, NULL, &old, 0x0303, 0xc02f);
  assert_true(has_anomaly(s, "tls_certificate_expired"));
  assert_false(has_anomaly(s, "tls_certificate_not_yet_valid"));
  ms_session_free(s);
  certgen later = {"mx.example.test", NULL, 2, 30, true, true};
  s = session("mx.example.test ESMTP", NULL, NULL, &later, 0x0303, 0xc02f);
  assert_true(has_anomaly(s, "tls_certificate_not_yet_valid"));
  ms_session_free(s);
}

static void self_signed(void **state) {
  (void)state;
  certgen g = {"mx.example.test", NULL, -1, 30, true, false};
  ms_session *s =
      session("mx.example.test ESMTP", NULL, NULL, &g, 0x0304, 0x1301);
  assert_true(has_anomaly(s, "tls_certificate_self_signed"));
  assert_int_equal(s->anomalies.len, 1);
  ms_session_free(s);
}

/* The certificate must cover the SNI or a host the server named; a POP3
 * greeting's host-like word counts, "ready." does not. */
static void names(void **state) {
  (void)state;
  certgen g = {"mx.example.test", "DNS:mx.example.test", -1, 30, true, true};
  ms_session *s =
      session("other.example ESMTP", "other.example", NULL, &g, 0x0303, 0xc02f);
  assert_true(has_anomaly(s, "tls_certificate_name_mismatch"));
  ms_session_free(s);
  s = session("other.example ESMTP", NULL, "mx.example.test", &g, 0x0303,
              0xc02f);
  assert_false(has_anomaly(s, "tls_certificate_name_mismatch"));
  ms_session_free(s);
  s = session("Dovecot ready.", NULL, NULL, &g, 0x0303, 0xc02f);
  assert_false(has_anomaly(s, "tls_certificate_name_mismatch")); /* no name */
  ms_session_free(s);
  char *got[4];
  ms_session *p = ms_session_new();
  p->proto = MS_PROTO_POP3;
  p->banner = xstrdup("ladymacbeth.local Cyrus POP3 v2.3.16 server ready");
  assert_int_equal(tls_server_names(p, got, 4), 1);
  assert_string_equal(got[0], "ladymacbeth.local");
  free(got[0]);
  ms_session_free(p);
}

static void versions_and_suites(void **state) {
  (void)state;
  static const struct {
    uint16_t version, suite;
    const char *anomaly;
  } cases[] = {{0x0300, 0xc02f, "tls_obsolete_version"},
               {0x0301, 0xc02f, "tls_obsolete_version"},
               {0x0302, 0xc02f, "tls_obsolete_version"},
               {0x0303, 0x0005, "tls_weak_cipher"},
               {0x0303, 0x0003, "tls_weak_cipher"},
               {0x0303, 0x0002, "tls_weak_cipher"},
               {0x0303, 0xc011, "tls_weak_cipher"}};
  for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
    ms_session *s =
        session(NULL, NULL, NULL, NULL, cases[i].version, cases[i].suite);
    assert_int_equal(s->anomalies.len, 1);
    assert_string_equal(s->anomalies.items[0].name, cases[i].anomaly);
    ms_session_free(s);
  }
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(rsa_self_signed),
      cmocka_unit_test(ec_other_issuer),
      cmocka_unit_test(not_a_certificate),
      cmocka_unit_test(matching),
      cmocka_unit_test(clean_handshake),
      cmocka_unit_test(expired_and_not_yet_valid),
      cmocka_unit_test(self_signed),
      cmocka_unit_test(names),
      cmocka_unit_test(versions_and_suites),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
