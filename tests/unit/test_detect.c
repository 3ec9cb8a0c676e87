/* test_detect.c - protocol detection from a connection's first bytes
 * (dissectors/detect.c, socks.c): greetings, and the proxy preludes that
 * carry a mail session: HTTP CONNECT (with Basic credentials), SOCKS4,
 * SOCKS4a, SOCKS5 without and with RFC 1929 authentication, to a name, an
 * IPv4 or an IPv6 address; refusals and other commands are not mail; every
 * prefix of a good prelude asks for more; hostile bytes are bounded. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "detect.h"

typedef struct {
  const uint8_t *c, *s;
  size_t cl, sl;
} exchange;

static ms_detect_verdict run(const exchange *x, size_t cl, size_t sl,
                             ms_detect_result *r) {
  const uint8_t *b[2] = {x->c, x->s};
  size_t l[2] = {cl, sl};
  return ms_detect(b, l, false, r);
}

/* The whole exchange is found; every shorter prefix of the client's
 * bytes, and of the server's up to the greeting's first bytes, asks for
 * more. */
static void found_at_every_cut(const exchange *x, ms_detect_result *r) {
  assert_int_equal(run(x, x->cl, x->sl, r), MS_DETECT_FOUND);
  for (size_t cl = 1; cl < x->cl; cl++) {
    ms_detect_result t;
    if (run(x, cl, x->sl, &t) != MS_DETECT_MORE)
      fail_msg("client cut at %zu of %zu", cl, x->cl);
  }
  for (size_t sl = 1; sl < r->skip[MS_SERVER] + 3; sl++) {
    ms_detect_result t;
    if (run(x, x->cl, sl, &t) != MS_DETECT_MORE)
      fail_msg("server cut at %zu of %zu", sl, x->sl);
  }
}

static bool field_is(const ms_prelude_field *f, const char *want) {
  return f->set && f->len == strlen(want) && !memcmp(f->bytes, want, f->len);
}

#define X(c, s)                                                                \
  { (const uint8_t *)(c), (const uint8_t *)(s), sizeof c - 1, sizeof s - 1 }

static void socks4_and_4a(void **state) {
  (void)state;
  ms_detect_result r;
  /* 04 01, port 25, 192.0.2.25, user "alice"; granted; then a greeting */
  static const char c4[] = "\x04\x01\x00\x19\xc0\x00\x02\x19"
                           "alice\x00"
                           "HELO a\r\n";
  static const char s4[] = "\x00\x5a\x00\x00\x00\x00\x00\x00"
                           "220 mx.example.test ESMTP\r\n";
  exchange x = {(const uint8_t *)c4, (const uint8_t *)s4, 14, sizeof s4 - 1};
  found_at_every_cut(&x, &r);
  assert_int_equal(r.proto, MS_PROTO_SMTP);
  assert_int_equal(r.prelude, MS_PRELUDE_SOCKS4);
  assert_string_equal(ms_prelude_name(r.prelude), "socks4");
  assert_true(field_is(&r.host, "192.0.2.25"));
  assert_int_equal(r.port, 25);
  assert_true(field_is(&r.user, "alice"));
  assert_false(r.password.set);
  assert_int_equal(r.skip[MS_CLIENT], 14);
  assert_int_equal(r.skip[MS_SERVER], 8);
  /* 4a: 0.0.0.1 and the name after the user id (empty here) */
  static const char c4a[] = "\x04\x01\x00\x6e\x00\x00\x00\x01"
                            "\x00"
                            "pop.example.test\x00";
  static const char s4a[] = "\x00\x5a\x00\x00\x00\x00\x00\x00+OK ready\r\n";
  exchange y = X(c4a, s4a);
  found_at_every_cut(&y, &r);
  assert_int_equal(r.proto, MS_PROTO_POP3);
  assert_int_equal(r.prelude, MS_PRELUDE_SOCKS4A);
  assert_true(field_is(&r.host, "pop.example.test"));
  assert_int_equal(r.port, 110);
  assert_false(r.user.set);
  assert_int_equal(r.skip[MS_CLIENT], sizeof c4a - 1);
  /* refused (5B), and BIND (02): not a tunnel */
  static const char s4no[] = "\x00\x5b\x00\x00\x00\x00\x00\x00+OK x\r\n";
  exchange z = X(c4a, s4no);
  assert_int_equal(run(&z, z.cl, z.sl, &r), MS_DETECT_NONE);
  static const char c4bind[] = "\x04\x02\x00\x19\xc0\x00\x02\x19\x00";
  exchange w = X(c4bind, s4a);
  assert_int_equal(run(&w, w.cl, w.sl, &r), MS_DETECT_NONE);
}

static void socks5_without_and_with_a_password(void **state) {
  (void)state;
  ms_detect_result r;
  /* no authentication, to a name */
  static const char c[] = "\x05\x01\x00"
                          "\x05\x01\x00\x03\x10mx.example.test.\x00\x19";
  static const char s[] = "\x05\x00"
                          "\x05\x00\x00\x01\x7f\x00\x00\x01\x04\x38"
                          "220 mx ESMTP\r\n";
  exchange x = X(c, s);
  found_at_every_cut(&x, &r);
  assert_int_equal(r.prelude, MS_PRELUDE_SOCKS5);
  assert_true(field_is(&r.host, "mx.example.test."));
  assert_int_equal(r.port, 25);
  assert_false(r.user.set);
  assert_int_equal(r.skip[MS_CLIENT], sizeof c - 1);
  assert_int_equal(r.skip[MS_SERVER], 12);
  /* RFC 1929 user name and password, to an IPv6 address, the client's
   * three messages in one flight (it does not wait) */
  static const char cu[] = "\x05\x02\x00\x02"
                           "\x01\x05mstes\x07s3cr3t!"
                           "\x05\x01\x00\x04"
                           "\x20\x01\x0d\xb8\x00\x00\x00\x00\x00\x00\x00\x00"
                           "\x00\x00\x00\x19\x00\x6e";
  static const char su[] = "\x05\x02\x01\x00"
                           "\x05\x00\x00\x03\x03"
                           "abc\x00\x01"
                           "+OK POP3 ready\r\n";
  exchange y = X(cu, su);
  found_at_every_cut(&y, &r);
  assert_int_equal(r.proto, MS_PROTO_POP3);
  assert_true(field_is(&r.host, "2001:db8::19"));
  assert_int_equal(r.port, 110);
  assert_true(field_is(&r.user, "mstes"));
  assert_true(field_is(&r.password, "s3cr3t!"));
  assert_int_equal(r.skip[MS_SERVER], 4 + 10);
  /* refusals: no method (FF), a bad password (01 01), not granted (05 05),
   * a UDP ASSOCIATE (03) */
  static const char sff[] = "\x05\xff";
  exchange z = X(c, sff);
  assert_int_equal(run(&z, z.cl, z.sl, &r), MS_DETECT_NONE);
  static const char sbad[] = "\x05\x02\x01\x01";
  z = (exchange)X(cu, sbad);
  assert_int_equal(run(&z, z.cl, z.sl, &r), MS_DETECT_NONE);
  assert_false(r.password.set); /* nothing half-filled is left */
  static const char sref[] = "\x05\x00\x05\x05\x00\x01\x00\x00\x00\x00\x00\x00"
                             "220 x\r\n";
  z = (exchange)X(c, sref);
  assert_int_equal(run(&z, z.cl, z.sl, &r), MS_DETECT_NONE);
  static const char cudp[] = "\x05\x01\x00\x05\x03\x00\x01\x00\x00\x00\x00"
                             "\x00\x00";
  z = (exchange)X(cudp, s);
  assert_int_equal(run(&z, z.cl, z.sl, &r), MS_DETECT_NONE);
  /* granted, but what follows is not mail */
  static const char sssh[] = "\x05\x00\x05\x00\x00\x01\x00\x00\x00\x00\x00\x00"
                             "SSH-2.0-OpenSSH_9.2\r\n";
  z = (exchange)X(c, sssh);
  assert_int_equal(run(&z, z.cl, z.sl, &r), MS_DETECT_NONE);
}

static void http_connect_target_and_credentials(void **state) {
  (void)state;
  ms_detect_result r;
  static const char c[] =
      "CONNECT [2001:db8::25]:587 HTTP/1.1\r\n"
      "Host: [2001:db8::25]:587\r\n"
      "Proxy-Authorization: Basic YWxpY2U6cEBzczpfd29yZA==\r\n"
      "\r\n";
  static const char s[] = "HTTP/1.1 200 Connection established\r\n\r\n"
                          "220 mx ESMTP\r\n";
  exchange x = X(c, s);
  assert_int_equal(run(&x, x.cl, x.sl, &r), MS_DETECT_FOUND);
  assert_int_equal(r.prelude, MS_PRELUDE_HTTP_CONNECT);
  assert_true(field_is(&r.host, "2001:db8::25"));
  assert_int_equal(r.port, 587);
  assert_true(field_is(&r.user, "alice"));
  assert_true(field_is(&r.password, "p@ss:_word"));
  static const char c2[] = "CONNECT mx.example.test:25 HTTP/1.0\r\n\r\n";
  exchange y = X(c2, s);
  assert_int_equal(run(&y, y.cl, y.sl, &r), MS_DETECT_FOUND);
  assert_true(field_is(&r.host, "mx.example.test"));
  assert_int_equal(r.port, 25);
  assert_false(r.user.set);
}

/* Random bytes after a SOCKS version byte: never past the buffers (ASan),
 * fields never longer than 255. */
static void hostile_bytes(void **state) {
  (void)state;
  uint32_t seed = 12345;
  uint8_t c[600], s[600];
  for (int round = 0; round < 20000; round++) {
    size_t cl = 1 + (seed = seed * 1103515245 + 12345) % sizeof c;
    size_t sl = 1 + (seed = seed * 1103515245 + 12345) % sizeof s;
    for (size_t i = 0; i < cl; i++)
      c[i] = (uint8_t)((seed = seed * 1103515245 + 12345) >> 16);
    for (size_t i = 0; i < sl; i++)
      s[i] = (uint8_t)((seed = seed * 1103515245 + 12345) >> 16);
    c[0] = (uint8_t)(4 + round % 2);
    s[0] = (uint8_t)(round % 3 ? 5 : 0);
    exchange x = {c, s, cl, sl};
    ms_detect_result r;
    ms_detect_verdict v = run(&x, cl, sl, &r);
    assert_true(v == MS_DETECT_MORE || v == MS_DETECT_NONE ||
                v == MS_DETECT_FOUND);
    assert_true(r.skip[MS_CLIENT] <= cl && r.skip[MS_SERVER] <= sl);
  }
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(socks4_and_4a),
      cmocka_unit_test(socks5_without_and_with_a_password),
      cmocka_unit_test(http_connect_target_and_credentials),
      cmocka_unit_test(hostile_bytes),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
