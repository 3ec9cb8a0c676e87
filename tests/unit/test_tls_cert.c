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
#include "tls_cert_cache.h"
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

static void same_string(const char *a, const char *b) {
  if (!a || !b)
    assert_ptr_equal(a, b);
  else
    assert_string_equal(a, b);
}

static void same_names(const strvec *a, const strvec *b) {
  assert_int_equal(a->len, b->len);
  for (size_t i = 0; i < a->len; i++)
    assert_string_equal(a->items[i], b->items[i]);
}

/* Every field of two summaries. */
static void same_summary(const ms_tls_cert *a, const ms_tls_cert *b) {
  assert_int_equal(a->parsed, b->parsed);
  same_string(a->error, b->error);
  assert_int_equal(a->der_len, b->der_len);
  assert_string_equal(a->sha256, b->sha256);
  assert_string_equal(a->sha1, b->sha1);
  assert_int_equal(a->version, b->version);
  const char *const fa[] = {a->serial,     a->subject,     a->issuer,
                            a->subject_cn, a->subject_org, a->issuer_cn,
                            a->issuer_org, a->key_alg,     a->key_type,
                            a->curve,      a->exponent,    a->sig_alg};
  const char *const fb[] = {b->serial,     b->subject,     b->issuer,
                            b->subject_cn, b->subject_org, b->issuer_cn,
                            b->issuer_org, b->key_alg,     b->key_type,
                            b->curve,      b->exponent,    b->sig_alg};
  for (size_t i = 0; i < sizeof fa / sizeof fa[0]; i++)
    same_string(fa[i], fb[i]);
  assert_int_equal(a->has_validity, b->has_validity);
  assert_true(a->not_before == b->not_before && a->not_after == b->not_after);
  assert_int_equal(a->key_bits, b->key_bits);
  same_names(&a->san_dns, &b->san_dns);
  same_names(&a->san_ip, &b->san_ip);
  same_names(&a->san_email, &b->san_email);
  same_names(&a->san_uri, &b->san_uri);
  assert_int_equal(a->has_basic_constraints, b->has_basic_constraints);
  assert_int_equal(a->ca, b->ca);
  assert_int_equal(a->path_len, b->path_len);
  assert_int_equal(a->self_issued, b->self_issued);
  assert_int_equal(a->self_signed, b->self_signed);
}

/* A certificate seen again comes from the cache: the same summary, owned
 * by the caller (freed independently); different DER is decoded anew;
 * refused bytes are remembered with their error; old entries give way. */
static void cache(void **state) {
  (void)state;
  tls_cert_cache_clear();
  certgen g = {"mx.example.test",
               "DNS:mx.example.test,DNS:*.mx.example.test",
               -1,
               30,
               true,
               false};
  size_t n;
  uint8_t *der = certgen_der(&g, &n);
  ms_tls_cert first, again;
  tls_cert_summarise(&first, der, n);
  assert_true(tls_cert_cache_get(&again, der, n));
  ms_tls_cert_clear(&again);
  tls_cert_summarise(&again, der, n);
  same_summary(&first, &again);
  ms_tls_cert_clear(&first);
  assert_string_equal(again.san_dns.items[1], "*.mx.example.test");
  ms_tls_cert_clear(&again);
  der[n - 1] ^= 1; /* the signature no longer verifies: another summary */
  assert_false(tls_cert_cache_get(&again, der, n));
  tls_cert_summarise(&again, der, n);
  assert_true(again.parsed);
  assert_false(again.self_signed);
  ms_tls_cert_clear(&again);
  const uint8_t junk[] = "\x30\x03junk";
  tls_cert_summarise(&first, junk, sizeof junk);
  tls_cert_summarise(&again, junk, sizeof junk);
  same_summary(&first, &again);
  assert_non_null(again.error);
  ms_tls_cert_clear(&first);
  ms_tls_cert_clear(&again);
  for (uint8_t i = 0; i < MS_TLS_CERT_CACHE_ENTRIES; i++) {
    uint8_t other[3] = {0x30, 0x01, i};
    tls_cert_summarise(&first, other, sizeof other);
    ms_tls_cert_clear(&first);
  }
  assert_false(tls_cert_cache_get(&again, der, n));
  free(der);
  tls_cert_cache_clear();
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
      cmocka_unit_test(cache),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
