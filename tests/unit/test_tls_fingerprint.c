/* test_tls_fingerprint.c - JA4, JA3 and JA3S (dissectors/tls_fingerprint.c)
 * against the vectors their specifications publish: FoxIO's JA4.md and
 * its Rust implementation's unit test (t13d1516h2_8daaf6152771_e5627efa2ab1),
 * the ALPN rules of JA4.md, and Salesforce's JA3 README example; GREASE
 * values (RFC 8701) left out wherever they appear. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "tls_fingerprint.h"

static void push(ms_u16vec *v, const uint16_t *x, size_t n) {
  for (size_t i = 0; i < n; i++)
    *vec_push(v) = x[i];
}

static void set_alpn(ms_tls_client_hello *h, const uint8_t *p, size_t n) {
  strvec_push(&h->alpn, "x");
  h->alpn_first_len = (uint16_t)n;
  h->alpn_first_ends[0] = n ? p[0] : 0;
  h->alpn_first_ends[1] = n ? p[n - 1] : 0;
}

static void free_hello(ms_tls_client_hello *h) {
  vec_free(&h->supported_versions);
  vec_free(&h->cipher_suites);
  vec_free(&h->extensions);
  vec_free(&h->groups);
  vec_free(&h->ec_point_formats);
  vec_free(&h->sig_algs);
  strvec_free(&h->alpn);
  free(h->ja3_string);
  free(h->ja4_r);
  memset(h, 0, sizeof *h);
}

/* JA4.md's example, with GREASE values mixed in when `grease`. */
static void spec_hello(ms_tls_client_hello *h, bool grease, bool sigs) {
  static const uint16_t ciphers[] = {0x1301, 0x1302, 0x1303, 0xc02b, 0xc02f,
                                     0xc02c, 0xc030, 0xcca9, 0xcca8, 0xc013,
                                     0xc014, 0x009c, 0x009d, 0x002f, 0x0035};
  static const uint16_t exts[] = {
      0x001b, 0x0000, 0x0033, 0x0010, 0x4469, 0x0017, 0x002d, 0x000d,
      0x0005, 0x0023, 0x0012, 0x002b, 0xff01, 0x000b, 0x000a, 0x0015};
  static const uint16_t algs[] = {0x0403, 0x0804, 0x0401, 0x0503,
                                  0x0805, 0x0501, 0x0806, 0x0601};
  static const uint16_t versions[] = {0x0304, 0x0303};
  memset(h, 0, sizeof *h);
  h->version = 0x0303;
  if (grease) {
    *vec_push(&h->cipher_suites) = 0x0a0a;
    *vec_push(&h->extensions) = 0xdada;
    *vec_push(&h->supported_versions) = 0x7a7a;
    *vec_push(&h->sig_algs) = 0x1a1a;
  }
  push(&h->cipher_suites, ciphers, 15);
  push(&h->extensions, exts, 16);
  if (grease)
    *vec_push(&h->extensions) = 0xfafa;
  push(&h->supported_versions, versions, 2);
  if (sigs)
    push(&h->sig_algs, algs, 8);
  set_alpn(h, (const uint8_t *)"h2", 2);
}

static void ja4_spec(void **state) {
  (void)state;
  for (int grease = 0; grease < 2; grease++) {
    ms_tls_client_hello h;
    spec_hello(&h, grease, true);
    tls_fingerprint_client(&h);
    assert_string_equal(h.ja4, "t13d1516h2_8daaf6152771_e5627efa2ab1");
    assert_string_equal(
        h.ja4_r,
        "t13d1516h2_002f,0035,009c,009d,1301,1302,1303,c013,c014,c02b,c02c,"
        "c02f,c030,cca8,cca9_0005,000a,000b,000d,0012,0015,0017,001b,0023,"
        "002b,002d,0033,4469,ff01_0403,0804,0401,0503,0805,0501,0806,0601");
    free_hello(&h);
  }
}

/* JA4.md: without signature algorithms the extension part ends without
 * an underscore (6d807ffa2a79); without ciphers or extensions a part is
 * twelve zeros. */
static void ja4_empty_parts(void **state) {
  (void)state;
  ms_tls_client_hello h;
  spec_hello(&h, false, false);
  tls_fingerprint_client(&h);
  assert_string_equal(h.ja4 + 24, "6d807ffa2a79");
  free_hello(&h);
  memset(&h, 0, sizeof h);
  h.version = 0x0301;
  tls_fingerprint_client(&h);
  assert_string_equal(h.ja4, "t10i000000_000000000000_000000000000");
  free_hello(&h);
}

/* JA4.md "ALPN Extension Value": first and last alphanumeric character,
 * else the first and last character of the value's hex form. */
static void ja4_alpn(void **state) {
  (void)state;
  static const struct {
    const char *bytes;
    size_t n;
    const char *want;
  } cases[] = {{"http/1.1", 8, "h1"},
               {"h2", 2, "h2"},
               {"x", 1, "xx"},
               {"\xab", 1, "ab"},
               {"\xab\xcd", 2, "ad"},
               {"\x30\xab", 2, "3b"},
               {"\x30\x31\xab\xcd", 4, "3d"},
               {"\x30\xab\xcd\x31", 4, "01"},
               {"", 0, "00"}};
  for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
    ms_tls_client_hello h;
    memset(&h, 0, sizeof h);
    h.version = 0x0303;
    set_alpn(&h, (const uint8_t *)cases[i].bytes, cases[i].n);
    tls_fingerprint_client(&h);
    assert_memory_equal(h.ja4 + 8, cases[i].want, 2);
    free_hello(&h);
  }
}

/* JA4.md: versions from supported_versions (the highest, GREASE aside),
 * else the hello's; SSL 3.0 "s3", unknown "00"; SNI "d" only with the
 * server_name extension. */
static void ja4_version_sni(void **state) {
  (void)state;
  static const struct {
    uint16_t legacy, supported;
    const char *want;
  } cases[] = {{0x0303, 0, "t12i"},
               {0x0300, 0, "ts3i"},
               {0x0303, 0x0304, "t13i"},
               {0x0303, 0x0302, "t11i"},
               {0x0205, 0, "t00i"}};
  for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
    ms_tls_client_hello h;
    memset(&h, 0, sizeof h);
    h.version = cases[i].legacy;
    if (cases[i].supported)
      *vec_push(&h.supported_versions) = cases[i].supported;
    tls_fingerprint_client(&h);
    assert_memory_equal(h.ja4, cases[i].want, 4);
    free_hello(&h);
  }
  ms_tls_client_hello h;
  memset(&h, 0, sizeof h);
  h.version = 0x0303;
  *vec_push(&h.extensions) = 0x0000;
  tls_fingerprint_client(&h);
  assert_memory_equal(h.ja4, "t12d0001", 8);
  free_hello(&h);
}

/* The JA3 README's example string and hash. */
static void ja3_readme(void **state) {
  (void)state;
  static const uint16_t ciphers[] = {47,    53,    5,  10, 49161, 49162,
                                     49171, 49172, 50, 56, 19,    4};
  static const uint16_t exts[] = {0, 10, 11}, groups[] = {23, 24, 25};
  ms_tls_client_hello h;
  memset(&h, 0, sizeof h);
  h.version = 769;
  *vec_push(&h.cipher_suites) = 0x2a2a; /* GREASE: left out */
  push(&h.cipher_suites, ciphers, 12);
  push(&h.extensions, exts, 3);
  *vec_push(&h.extensions) = 0x3a3a;
  push(&h.groups, groups, 3);
  *vec_push(&h.groups) = 0x4a4a;
  *vec_push(&h.ec_point_formats) = 0;
  tls_fingerprint_client(&h);
  assert_string_equal(h.ja3_string, "769,47-53-5-10-49161-49162-49171-49172-"
                                    "50-56-19-4,0-10-11,23-24-25,0");
  assert_string_equal(h.ja3, "ada70206e40642a3e4461f35503241d5");
  free_hello(&h);
}

static void ja3s(void **state) {
  (void)state;
  ms_tls_server_hello s;
  memset(&s, 0, sizeof s);
  s.legacy_version = 769;
  s.cipher_suite = 5;
  *vec_push(&s.extensions) = 65281;
  *vec_push(&s.extensions) = 35;
  tls_fingerprint_server(&s);
  /* Arkime's smtp-starttls.test: ja3sstring and ja3s */
  assert_string_equal(s.ja3s_string, "769,5,65281-35");
  assert_string_equal(s.ja3s, "6b96cf9c27b0223177b0e9f135fe4899");
  vec_free(&s.extensions);
  free(s.ja3s_string);
}

static void grease_values(void **state) {
  (void)state;
  assert_true(ms_tls_is_grease(0x0a0a));
  assert_true(ms_tls_is_grease(0xfafa));
  assert_false(ms_tls_is_grease(0x0a1a));
  assert_false(ms_tls_is_grease(0x1301));
  assert_false(ms_tls_is_grease(0x0b0b));
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(ja4_spec),      cmocka_unit_test(ja4_empty_parts),
      cmocka_unit_test(ja4_alpn),      cmocka_unit_test(ja4_version_sni),
      cmocka_unit_test(ja3_readme),    cmocka_unit_test(ja3s),
      cmocka_unit_test(grease_values),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
