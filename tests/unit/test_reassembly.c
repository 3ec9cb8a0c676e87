/* test_reassembly.c - one direction of TCP: in order, out of order,
 * retransmission, conflicting overlap, wraparound, gaps (by queue limit,
 * by acknowledgement, at the end), midstream start. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "linklayer.h"
#include "reassembly.h"

typedef struct {
  char out[256];
  size_t len;
  uint64_t gap;
  int gaps, mismatches;
} sink;

static void deliver(void *ctx, ms_dir dir, const uint8_t *p, size_t n,
                    ms_ts ts) {
  (void)dir, (void)ts;
  sink *s = ctx;
  assert_true(s->len + n < sizeof s->out);
  memcpy(s->out + s->len, p, n);
  s->len += n;
  s->out[s->len] = '\0';
}

static void gap(void *ctx, ms_dir dir, uint64_t n, ms_ts ts) {
  (void)dir, (void)ts;
  sink *s = ctx;
  s->gap += n;
  s->gaps++;
  deliver(ctx, dir, (const uint8_t *)"|", 1, ts);
}

static void mismatch(void *ctx, ms_dir dir, uint32_t seq, ms_ts ts) {
  (void)dir, (void)seq, (void)ts;
  ((sink *)ctx)->mismatches++;
}

static const ms_reasm_callbacks cb = {deliver, gap, mismatch, NULL};

static void seg(ms_half *h, sink *s, size_t limit, uint32_t seq, uint8_t flags,
                const char *data) {
  ms_reasm_env env = {&cb, s, limit};
  ms_half_segment(h, MS_CLIENT, seq, flags, (const uint8_t *)data,
                  strlen(data), 0, &env);
}

static void in_order_out_of_order_retransmit(void **state) {
  (void)state;
  ms_half h = {0};
  sink s = {0};
  seg(&h, &s, 1000, 99, MS_TH_SYN, "");
  seg(&h, &s, 1000, 100, MS_TH_ACK, "abc");
  seg(&h, &s, 1000, 106, MS_TH_ACK, "ghi"); /* early */
  seg(&h, &s, 1000, 103, MS_TH_ACK, "def");
  seg(&h, &s, 1000, 100, MS_TH_ACK, "abcdef"); /* retransmission */
  seg(&h, &s, 1000, 107, MS_TH_ACK, "hijk"); /* partly new */
  assert_string_equal(s.out, "abcdefghijk");
  assert_int_equal(s.gaps, 0);
  ms_half_free(&h);
}

static void overlap_mismatch_is_reported(void **state) {
  (void)state;
  ms_half h = {0};
  sink s = {0};
  seg(&h, &s, 1000, 1, 0, "ab");
  seg(&h, &s, 1000, 5, 0, "efgh");
  seg(&h, &s, 1000, 6, 0, "fXh"); /* differs from the queued bytes */
  seg(&h, &s, 1000, 3, 0, "cd");
  assert_string_equal(s.out, "abcdefgh");
  assert_int_equal(s.mismatches, 1);
  ms_half_free(&h);
}

static void wraparound(void **state) {
  (void)state;
  ms_half h = {0};
  sink s = {0};
  seg(&h, &s, 1000, 0xfffffffe, 0, "ab");
  seg(&h, &s, 1000, 2, 0, "ef");
  seg(&h, &s, 1000, 0, 0, "cd");
  assert_string_equal(s.out, "abcdef");
  ms_half_free(&h);
}

static void gap_by_limit_ack_and_flush(void **state) {
  (void)state;
  ms_half h = {0};
  sink s = {0};
  seg(&h, &s, 4, 1, 0, "ab");
  seg(&h, &s, 4, 10, 0, "xyz");  /* queued */
  seg(&h, &s, 4, 13, 0, "uvw");  /* over the limit: skip the hole */
  assert_string_equal(s.out, "ab|xyzuvw");
  assert_int_equal(s.gap, 7);
  ms_reasm_env env = {&cb, &s, 4};
  ms_half_acked(&h, MS_CLIENT, 20, 0, &env); /* 4 bytes never seen */
  assert_int_equal(s.gap, 11);
  seg(&h, &s, 100, 20, 0, "ok");
  seg(&h, &s, 100, 30, 0, "late");
  ms_half_flush(&h, MS_CLIENT, 0, &env);
  assert_string_equal(s.out, "ab|xyzuvw|ok|late");
  assert_int_equal(s.gaps, 3);
  ms_half_free(&h);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(in_order_out_of_order_retransmit),
      cmocka_unit_test(overlap_mismatch_is_reported),
      cmocka_unit_test(wraparound),
      cmocka_unit_test(gap_by_limit_ack_and_flush),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
