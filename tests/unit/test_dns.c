/* test_dns.c - the DNS decoder: records mail routing uses, compression,
 * every hostile name (loops, forward pointers, chains, long names, bad
 * labels), cut and malformed messages, and DNS-over-TCP framing. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "dns.h"
#include "dns_build.h"

static ms_dns_msg msg;

static bool has(unsigned anomalies, ms_dns_anomaly a) {
  return anomalies & (1u << a);
}

/* An MX answer whose exchange and additional A use compression. */
static void mx_response(dnsb *d) {
  db_header(d, 1, 0, 1, 2, 0, 1);
  db_question(d, "Example.TEST", 15); /* at 12 */
  /* answer: owner -> pointer to 12, MX 10 "mx1" + pointer to 12 */
  db_u16(d, 0xc00c);
  db_rr_head(d, 15, 300, 2 + 4 + 2);
  db_u16(d, 10);
  size_t mx1 = d->n;
  db_u8(d, 3);
  memcpy(d->b + d->n, "mx1", 3);
  d->n += 3;
  db_u16(d, 0xc00c);
  db_u16(d, 0xc00c);
  db_rr_head(d, 15, 300, 2 + 4 + 2);
  db_u16(d, 20);
  db_u8(d, 3);
  memcpy(d->b + d->n, "mx2", 3);
  d->n += 3;
  db_u16(d, 0xc00c);
  /* additional: A of mx1 through a pointer to the exchange name */
  db_u16(d, 0xc000 | (unsigned)mx1);
  db_rr_head(d, 1, 60, 4);
  db_u32(d, 0x7f00010a);
}

static void mx_and_glue_with_compression(void **state) {
  (void)state;
  dnsb d;
  mx_response(&d);
  assert_true(ms_dns_parse(d.b, d.n, &msg));
  assert_int_equal(msg.anomalies, 0);
  assert_true(msg.response);
  assert_string_equal(msg.qname, "example.test");
  assert_int_equal(msg.qtype, 15);
  assert_int_equal(msg.nrr, 3);
  assert_string_equal(msg.rr[0].name, "example.test");
  assert_int_equal(msg.rr[0].pref, 10);
  assert_string_equal(msg.rr[0].target, "mx1.example.test");
  assert_string_equal(msg.rr[1].target, "mx2.example.test");
  assert_int_equal(msg.rr[1].pref, 20);
  assert_string_equal(msg.rr[2].name, "mx1.example.test");
  assert_int_equal(msg.rr[2].type, MS_DNS_T_A);
  assert_int_equal(msg.rr[2].section, MS_DNS_S_ADDITIONAL);
  assert_int_equal(msg.rr[2].ttl, 60);
  assert_memory_equal(msg.rr[2].addr, "\x7f\x00\x01\x0a", 4);
}

static void aaaa_cname_ptr_and_others_skipped(void **state) {
  (void)state;
  dnsb d;
  db_header(&d, 1, 0, 1, 4, 0, 0);
  db_question(&d, "mail.test", 28);
  db_target(&d, "mail.test", 5, 30, "real.test");
  db_name(&d, "real.test");
  db_rr_head(&d, 28, 30, 16);
  for (int i = 0; i < 15; i++)
    db_u8(&d, 0);
  db_u8(&d, 1);
  db_name(&d, "real.test"); /* TXT: walked over, not kept */
  db_rr_head(&d, 16, 30, 3);
  db_u8(&d, 2);
  db_u16(&d, 0x6869);
  db_target(&d, "1.0.0.127.in-addr.arpa", 12, 0x80000001u, "host.test");
  assert_true(ms_dns_parse(d.b, d.n, &msg));
  assert_int_equal(msg.anomalies, 0);
  assert_int_equal(msg.nrr, 3);
  assert_int_equal(msg.rr[0].type, MS_DNS_T_CNAME);
  assert_string_equal(msg.rr[0].target, "real.test");
  assert_int_equal(msg.rr[1].type, MS_DNS_T_AAAA);
  assert_int_equal(msg.rr[1].addr[15], 1);
  assert_int_equal(msg.rr[2].type, MS_DNS_T_PTR);
  assert_string_equal(msg.rr[2].target, "host.test");
  assert_int_equal(msg.rr[2].ttl, 0); /* top bit set: 0 (RFC 2181 8) */
}

static void odd_bytes_are_escaped_and_root_is_a_dot(void **state) {
  (void)state;
  uint8_t m[64] = {0};
  size_t n = 12;
  m[n++] = 4;
  memcpy(m + n, "a.B\x01", 4);
  n += 4;
  m[n++] = 0;
  m[n++] = 0; /* a root name at n - 1 */
  char out[MS_DNS_NAME_TEXT];
  size_t next = 0;
  assert_int_equal(ms_dns_read_name(m, n, 12, out, &next), -1);
  assert_string_equal(out, "a\\046b\\001");
  assert_int_equal(next, 18);
  assert_int_equal(ms_dns_read_name(m, n, 18, out, &next), -1);
  assert_string_equal(out, ".");
}

static int name_error(const uint8_t *m, size_t n, size_t off) {
  char out[MS_DNS_NAME_TEXT];
  size_t next = 0;
  return ms_dns_read_name(m, n, off, out, &next);
}

static void pointer_loops_and_forward_pointers(void **state) {
  (void)state;
  uint8_t m[64] = {0};
  /* a pointer to itself */
  m[12] = 0xc0, m[13] = 12;
  assert_int_equal(name_error(m, 14, 12), MS_DNS_A_POINTER_LOOP);
  /* a pointer forward */
  m[12] = 0xc0, m[13] = 20;
  m[20] = 0;
  assert_int_equal(name_error(m, 21, 12), MS_DNS_A_FORWARD_POINTER);
  /* backwards into a label that leads to the same pointer: "\1a" at 12,
   * pointer at 14 to 12 */
  m[12] = 1, m[13] = 'a', m[14] = 0xc0, m[15] = 12;
  assert_int_equal(name_error(m, 16, 14), MS_DNS_A_POINTER_LOOP);
  /* two pointers that point at each other's labels */
  m[12] = 1, m[13] = 'a', m[14] = 0xc0, m[15] = 16;
  m[16] = 1, m[17] = 'b', m[18] = 0xc0, m[19] = 12;
  assert_int_not_equal(name_error(m, 20, 18), -1);
  /* a pointer cut in half */
  m[12] = 0xc0;
  assert_int_equal(name_error(m, 13, 12), MS_DNS_A_TRUNCATED);
}

static void long_chains_stop_at_the_bound(void **state) {
  (void)state;
  uint8_t m[512] = {0};
  size_t n = 12;
  m[n++] = 1, m[n++] = 'a', m[n++] = 0;
  size_t prev = 12;
  for (int i = 0; i < MS_DNS_MAX_HOPS + 8; i++) {
    size_t here = n;
    m[n++] = 1, m[n++] = 'b';
    m[n++] = (uint8_t)(0xc0 | prev >> 8), m[n++] = (uint8_t)prev;
    if (i == MS_DNS_MAX_HOPS - 1)
      assert_int_equal(name_error(m, n, here), -1);
    prev = here;
  }
  assert_int_equal(name_error(m, n, prev), MS_DNS_A_POINTER_CHAIN);
}

static void names_over_255_octets_and_bad_labels(void **state) {
  (void)state;
  uint8_t m[600] = {0};
  size_t n = 12;
  for (int l = 0; l < 5; l++) {
    m[n++] = 63;
    memset(m + n, 'x', 63);
    n += 63;
  }
  m[n++] = 0;
  assert_int_equal(name_error(m, n, 12), MS_DNS_A_NAME_TOO_LONG);
  /* 253 characters (255 octets) is the longest that passes */
  n = 12;
  for (int l = 0; l < 4; l++) {
    int len = l < 3 ? 63 : 61;
    m[n++] = (uint8_t)len;
    memset(m + n, 'y', (size_t)len);
    n += (size_t)len;
  }
  m[n++] = 0;
  assert_int_equal(name_error(m, n, 12), -1);
  m[12] = 0x40; /* extended label type */
  assert_int_equal(name_error(m, n, 12), MS_DNS_A_BAD_LABEL);
  m[12] = 0x80;
  assert_int_equal(name_error(m, n, 12), MS_DNS_A_BAD_LABEL);
}

/* Every cut of a good message parses without reading past it: records
 * complete before the cut are kept, the rest is dns_truncated. */
static void every_cut_is_safe(void **state) {
  (void)state;
  dnsb d;
  mx_response(&d);
  for (size_t cut = 0; cut < d.n; cut++) {
    uint8_t *copy = malloc(cut ? cut : 1);
    memcpy(copy, d.b, cut);
    bool ok = ms_dns_parse(copy, cut, &msg);
    assert_true(msg.anomalies != 0);
    assert_true(has(msg.anomalies, MS_DNS_A_TRUNCATED));
    if (cut < 12 + 18)
      assert_false(ok);
    else
      assert_true(ok);
    assert_true(msg.nrr < 3);
    free(copy);
  }
}

static void bad_rdata_lengths(void **state) {
  (void)state;
  dnsb d;
  db_header(&d, 1, 0, 0, 2, 0, 0);
  db_a(&d, "ok.test", 5, 1, 2, 3, 4);
  db_name(&d, "bad.test");
  db_rr_head(&d, 1, 5, 5);
  db_u32(&d, 0x01020304);
  db_u8(&d, 5);
  assert_true(ms_dns_parse(d.b, d.n, &msg));
  assert_true(has(msg.anomalies, MS_DNS_A_BAD_RDATA));
  assert_int_equal(msg.nrr, 1);
  /* a CNAME whose name runs past its RDLENGTH */
  db_header(&d, 1, 0, 0, 1, 0, 0);
  db_name(&d, "c.test");
  db_rr_head(&d, 5, 5, 3);
  db_name(&d, "target.test");
  assert_true(ms_dns_parse(d.b, d.n, &msg));
  assert_true(has(msg.anomalies, MS_DNS_A_BAD_RDATA));
  assert_int_equal(msg.nrr, 0);
  /* an RDLENGTH past the end */
  db_header(&d, 1, 0, 0, 1, 0, 0);
  db_name(&d, "c.test");
  db_rr_head(&d, 1, 5, 400);
  assert_true(ms_dns_parse(d.b, d.n, &msg));
  assert_true(has(msg.anomalies, MS_DNS_A_TRUNCATED));
}

static void records_beyond_the_bound_are_counted(void **state) {
  (void)state;
  dnsb d;
  db_header(&d, 1, 0, 0, MS_DNS_MAX_RR + 6, 0, 0);
  for (int i = 0; i < MS_DNS_MAX_RR + 6; i++)
    db_a(&d, "many.test", 5, 10, 0, 0, (uint8_t)i);
  assert_true(ms_dns_parse(d.b, d.n, &msg));
  assert_int_equal(msg.nrr, MS_DNS_MAX_RR);
  assert_int_equal(msg.anomalies, 1u << MS_DNS_A_TOO_MANY_RR);
}

static void header_only_and_queries(void **state) {
  (void)state;
  dnsb d;
  db_header(&d, 0, 0, 1, 0, 0, 0);
  db_question(&d, "q.test", 15);
  assert_true(ms_dns_parse(d.b, d.n, &msg));
  assert_false(msg.response);
  assert_string_equal(msg.qname, "q.test");
  assert_false(ms_dns_parse(d.b, 11, &msg));
  assert_true(has(msg.anomalies, MS_DNS_A_TRUNCATED));
  assert_string_equal(ms_dns_anomaly_name(MS_DNS_A_POINTER_LOOP),
                      "dns_pointer_loop");
}

/* ---- DNS over TCP -------------------------------------------------------- */

typedef struct {
  int count;
  size_t len[4];
} framed;

static void on_message(void *ctx, const uint8_t *p, size_t n, int64_t ts) {
  framed *f = ctx;
  (void)p, (void)ts;
  if (f->count < 4)
    f->len[f->count] = n;
  f->count++;
}

static void tcp_framing_byte_by_byte(void **state) {
  (void)state;
  dnsb d;
  mx_response(&d);
  uint8_t stream[2 * 4096 + 4];
  size_t n = 0;
  for (int k = 0; k < 2; k++) {
    stream[n++] = (uint8_t)(d.n >> 8);
    stream[n++] = (uint8_t)d.n;
    memcpy(stream + n, d.b, d.n);
    n += d.n;
  }
  ms_dns_stream s = {0};
  framed f = {0};
  for (size_t i = 0; i < n; i++)
    ms_dns_stream_data(&s, stream + i, 1, 0, on_message, &f);
  assert_int_equal(f.count, 2);
  assert_int_equal(f.len[0], d.n);
  assert_int_equal(f.len[1], d.n);
  assert_true(s.cap <= 512); /* as much as arrived, not 64 KiB */
  ms_dns_stream_free(&s);
  /* all at once */
  memset(&f, 0, sizeof f);
  ms_dns_stream s2 = {0};
  ms_dns_stream_data(&s2, stream, n, 0, on_message, &f);
  assert_int_equal(f.count, 2);
  ms_dns_stream_free(&s2);
}

static void tcp_short_frame_and_gap_stop_framing(void **state) {
  (void)state;
  framed f = {0};
  ms_dns_stream s = {0};
  const uint8_t junk[] = {0, 3, 'a', 'b', 'c', 0, 12};
  ms_dns_stream_data(&s, junk, sizeof junk, 0, on_message, &f);
  assert_int_equal(f.count, 0);
  assert_true(s.broken);
  assert_int_equal(s.anomalies, 1u << MS_DNS_A_TCP_FRAME);
  ms_dns_stream_free(&s);
  dnsb d;
  mx_response(&d);
  ms_dns_stream g = {0};
  uint8_t len[2] = {(uint8_t)(d.n >> 8), (uint8_t)d.n};
  ms_dns_stream_data(&g, len, 2, 0, on_message, &f);
  ms_dns_stream_data(&g, d.b, 10, 0, on_message, &f);
  ms_dns_stream_gap(&g);
  ms_dns_stream_data(&g, d.b + 10, d.n - 10, 0, on_message, &f);
  assert_int_equal(f.count, 0);
  ms_dns_stream_free(&g);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(mx_and_glue_with_compression),
      cmocka_unit_test(aaaa_cname_ptr_and_others_skipped),
      cmocka_unit_test(odd_bytes_are_escaped_and_root_is_a_dot),
      cmocka_unit_test(pointer_loops_and_forward_pointers),
      cmocka_unit_test(long_chains_stop_at_the_bound),
      cmocka_unit_test(names_over_255_octets_and_bad_labels),
      cmocka_unit_test(every_cut_is_safe),
      cmocka_unit_test(bad_rdata_lengths),
      cmocka_unit_test(records_beyond_the_bound_are_counted),
      cmocka_unit_test(header_only_and_queries),
      cmocka_unit_test(tcp_framing_byte_by_byte),
      cmocka_unit_test(tcp_short_frame_and_gap_stop_framing),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
