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
#include <stdbool.h>

#include "linklayer.h"
#include "reassembly.h"

typedef struct {
  char out[1 << 16];
  size_t len;
  uint64_t gap;
  int gaps, mismatches, delivered_mismatches, limits;
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

static void mismatch(void *ctx, ms_dir dir, uint32_t seq, bool delivered,
                     ms_ts ts) {
  (void)dir, (void)seq, (void)ts;
  ((sink *)ctx)->mismatches++;
  ((sink *)ctx)->delivered_mismatches += delivered;
}

static const ms_reasm_callbacks cb = {deliver, gap, mismatch, NULL};

static void limit_hit(void *ctx, ms_dir dir, size_t queued, ms_ts ts) {
  (void)dir, (void)queued, (void)ts;
  ((sink *)ctx)->limits++;
}

static const ms_reasm_callbacks cb_limit = {deliver, gap, mismatch, limit_hit};

static void seg(ms_half *h, sink *s, size_t limit, uint32_t seq, uint8_t flags,
                const char *data) {
  ms_reasm_env env = {&cb, s, limit, true};
  ms_half_segment(h, MS_CLIENT, seq, flags, (const uint8_t *)data, strlen(data),
                  0, &env);
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
  seg(&h, &s, 1000, 107, MS_TH_ACK, "hijk");   /* partly new */
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
  seg(&h, &s, 4, 10, 0, "xyz"); /* queued */
  seg(&h, &s, 4, 13, 0, "uvw"); /* over the limit: skip the hole */
  assert_string_equal(s.out, "ab|xyzuvw");
  assert_int_equal(s.gap, 7);
  ms_reasm_env env = {&cb, &s, 4, true};
  ms_half_acked(&h, 20);      /* 4 bytes never seen */
  assert_int_equal(s.gap, 7); /* recorded only */
  ms_half_skip_acked(&h, MS_CLIENT, 0, &env);
  assert_int_equal(s.gap, 11);
  seg(&h, &s, 100, 20, 0, "ok");
  seg(&h, &s, 100, 30, 0, "late");
  ms_half_flush(&h, MS_CLIENT, 0, &env);
  assert_string_equal(s.out, "ab|xyzuvw|ok|late");
  assert_int_equal(s.gaps, 3);
  ms_half_free(&h);
}

static void in_order_bytes_checked_against_queue(void **state) {
  (void)state;
  ms_half h = {0};
  sink s = {0};
  seg(&h, &s, 1000, 1, 0, "ab");
  seg(&h, &s, 1000, 5, 0, "XY"); /* queued, later contradicted */
  seg(&h, &s, 1000, 3, 0, "cdef");
  assert_string_equal(s.out, "abcdef"); /* the in-order copy wins */
  assert_int_equal(s.mismatches, 1);
  seg(&h, &s, 1000, 9, 0, "ij");
  seg(&h, &s, 1000, 7, 0, "ghij"); /* same bytes: no anomaly */
  assert_string_equal(s.out, "abcdefghij");
  assert_int_equal(s.mismatches, 1);
  assert_int_equal(h.queued_bytes, 0);
  assert_int_equal(h.queued_segments, 0);
  ms_half_free(&h);
}

static void midstream_starts_at_first_segment(void **state) {
  (void)state;
  ms_half h = {0};
  sink s = {0};
  seg(&h, &s, 1000, 5000, MS_TH_ACK, "mid");
  seg(&h, &s, 1000, 4990, MS_TH_ACK, "before"); /* before the start */
  seg(&h, &s, 1000, 5003, MS_TH_ACK, "dle");
  assert_string_equal(s.out, "middle");
  assert_false(h.syn_seen);
  ms_half_free(&h);
}

static void fin_bounds_ack_gap(void **state) {
  (void)state;
  ms_half h = {0};
  sink s = {0};
  seg(&h, &s, 1000, 0, MS_TH_SYN, "");
  seg(&h, &s, 1000, 1, MS_TH_ACK, "ab");
  seg(&h, &s, 1000, 5, MS_TH_FIN | MS_TH_ACK, "ef"); /* "cd" lost */
  ms_reasm_env env = {&cb, &s, 1000, true};
  ms_half_acked(&h, 8); /* acks the FIN too */
  ms_half_skip_acked(&h, MS_CLIENT, 0, &env);
  assert_string_equal(s.out, "ab|ef");
  assert_int_equal(s.gap, 2);
  ms_half_acked(&h, 0x7fff0000u); /* nonsense: ignored */
  ms_half_skip_acked(&h, MS_CLIENT, 0, &env);
  assert_int_equal(s.gap, 2);
  ms_half_free(&h);
  /* An ACK seen just before the data it acknowledges (capture order on a
   * merged span port): recorded, but the data that follows still arrives
   * in time; only the peer's data forces the skip. */
  memset(&h, 0, sizeof h);
  sink s2 = {0};
  ms_reasm_env env2 = {&cb, &s2, 1000, true};
  seg(&h, &s2, 1000, 0, MS_TH_SYN, "");
  seg(&h, &s2, 1000, 1, MS_TH_ACK, "ab");
  ms_half_acked(&h, 5);
  seg(&h, &s2, 1000, 3, MS_TH_ACK, "cd");
  ms_half_skip_acked(&h, MS_CLIENT, 0, &env2);
  assert_string_equal(s2.out, "abcd");
  assert_int_equal(s2.gaps, 0);
  /* Later data of the same side beyond an acked hole skips it at once. */
  ms_half_acked(&h, 9);
  seg(&h, &s2, 1000, 9, MS_TH_ACK, "ij");
  assert_string_equal(s2.out, "abcd|ij");
  assert_int_equal(s2.gap, 4);
  ms_half_free(&h);
}

static void many_tiny_segments_stay_bounded(void **state) {
  (void)state;
  ms_half h = {0};
  sink s = {0};
  size_t limit = 1 << 20;
  /* Every other byte, in reverse order (the slow path): the segment bound,
   * not the byte limit, forces the holes to be skipped. */
  seg(&h, &s, limit, 0, 0, "a");
  for (uint32_t i = 2 * (MS_REASM_MAX_SEGMENTS + 10); i >= 2; i -= 2) {
    ms_reasm_env env = {&cb, &s, limit, true};
    ms_half_segment(&h, MS_CLIENT, i, 0, (const uint8_t *)"x", 1, 0, &env);
    assert_true(h.queued_segments <= MS_REASM_MAX_SEGMENTS);
  }
  assert_true(s.gaps > 0);
  /* Appending in order after a hole uses the tail: still bounded. */
  ms_half_free(&h);
  memset(&h, 0, sizeof h);
  sink s2 = {0};
  seg(&h, &s2, 64, 0, 0, "a");
  for (uint32_t i = 0; i < 100; i++) {
    ms_reasm_env env = {&cb, &s2, 64, true};
    ms_half_segment(&h, MS_CLIENT, 10 + i, 0, (const uint8_t *)"z", 1, 0, &env);
    assert_true(h.queued_bytes <= 64);
  }
  assert_int_equal(s2.gaps, 1);
  ms_half_free(&h);
}

/* One-byte segments each after a hole of its own, 10,000 of them: the
 * limit is hit once, then the queue is emptied to half of it, so the
 * limit is hit once per half queue (not once per segment, as before). */
static void stream_of_holes_hits_the_limit_rarely(void **state) {
  (void)state;
  ms_half h = {0};
  static sink s;
  memset(&s, 0, sizeof s);
  ms_reasm_env env = {&cb_limit, &s, 1 << 20, true};
  ms_half_segment(&h, MS_CLIENT, 0, 0, (const uint8_t *)"a", 1, 0, &env);
  for (uint32_t i = 0; i < 10000; i++) {
    ms_half_segment(&h, MS_CLIENT, 3 + 2 * i, 0, (const uint8_t *)"x", 1, 0,
                    &env);
    assert_true(h.queued_segments <= MS_REASM_MAX_SEGMENTS);
  }
  assert_true(s.limits >= 1 && s.limits <= 10000 / (MS_REASM_MAX_SEGMENTS / 2));
  ms_half_flush(&h, MS_CLIENT, 0, &env);
  assert_int_equal(s.gaps, 10000);
  assert_int_equal(s.gap, 10001); /* [1,3), then one byte before each */
  ms_half_free(&h);
}

/* A retransmission of bytes already delivered is compared with what was
 * delivered (the last MS_REASM_RECENT_MAX bytes); a keepalive (one byte
 * before next, whatever its value) is not a retransmission. */
static void delivered_bytes_compared(void **state) {
  (void)state;
  ms_half h = {0};
  sink s = {0};
  seg(&h, &s, 1000, 99, MS_TH_SYN, "");
  seg(&h, &s, 1000, 100, 0, "AUTH PLAIN good\r\n");
  seg(&h, &s, 1000, 100, 0, "AUTH PLAIN good\r\n"); /* same: fine */
  assert_int_equal(s.mismatches, 0);
  seg(&h, &s, 1000, 116, 0, "X"); /* keepalive at next - 1 */
  assert_int_equal(s.mismatches, 0);
  seg(&h, &s, 1000, 105, 0, "PLAIN evil\r\nMORE"); /* differs, then new */
  assert_int_equal(s.mismatches, 1);
  assert_int_equal(s.delivered_mismatches, 1);
  assert_string_equal(s.out, "AUTH PLAIN good\r\nMORE"); /* first copy */
  /* Without the window (a TLS session's bytes) nothing is compared. */
  ms_reasm_env off = {&cb, &s, 1000, false};
  ms_half_segment(&h, MS_CLIENT, 121, 0, (const uint8_t *)"next", 4, 0, &off);
  assert_null(h.recent);
  ms_half_segment(&h, MS_CLIENT, 121, 0, (const uint8_t *)"NEXT", 4, 0, &off);
  assert_int_equal(s.mismatches, 1);
  ms_half_free(&h);
  assert_int_equal(h.mem, 0);
}

/* A long window: bytes older than it are no longer compared, the newest
 * still are, across the ring's wrap. */
static void delivered_window_is_bounded(void **state) {
  (void)state;
  ms_half h = {0};
  sink s = {0};
  char chunk[101];
  for (int i = 0; i < 100; i++) {
    memset(chunk, 'a' + i % 26, 100);
    chunk[100] = '\0';
    seg(&h, &s, 1000, (uint32_t)(1 + 100 * i), 0, chunk);
  }
  assert_int_equal(h.recent_cap, MS_REASM_RECENT_MAX);
  seg(&h, &s, 1000, 1, 0, "zzzz"); /* long gone: not compared */
  assert_int_equal(s.mismatches, 0);
  memset(chunk, 'v' /* 99 % 26 = 21 */, 100);
  seg(&h, &s, 1000, 1 + 100 * 99, 0, chunk); /* the same */
  assert_int_equal(s.mismatches, 0);
  chunk[50] = '!';
  seg(&h, &s, 1000, 1 + 100 * 99, 0, chunk);
  assert_int_equal(s.delivered_mismatches, 1);
  ms_half_free(&h);
}

/* Queued segments never overlap: a segment over several queued ones
 * keeps only the bytes between them (first copies win), in order, and a
 * duplicate just before the tail of a long queue finds its place by a
 * binary search (the queue stays sorted and whole). */
static void queued_segments_stay_disjoint(void **state) {
  (void)state;
  ms_half h = {0};
  sink s = {0};
  seg(&h, &s, 1 << 20, 0, 0, "a");
  seg(&h, &s, 1 << 20, 3, 0, "CD");
  seg(&h, &s, 1 << 20, 7, 0, "GH");
  seg(&h, &s, 1 << 20, 2, 0, "bcdefghij"); /* over both: c, d differ */
  assert_int_equal(s.mismatches, 1);
  assert_int_equal(h.queued_segments, 5); /* b, CD, ef, GH, ij */
  seg(&h, &s, 1 << 20, 1, 0, "x");        /* fills the hole */
  assert_string_equal(s.out, "axbCDefGHij");
  ms_half_free(&h);
  memset(&h, 0, sizeof h);
  sink s2 = {0};
  seg(&h, &s2, 1 << 20, 0, 0, "a");
  char one[2] = "q";
  for (uint32_t i = 0; i < 4000; i++) {
    one[0] = (char)('a' + i % 26);
    seg(&h, &s2, 1 << 20, 2 + i, 0, one);
  }
  one[0] = (char)('a' + 3990 % 26);
  for (int k = 0; k < 20000; k++) /* duplicates before the tail */
    seg(&h, &s2, 1 << 20, 2 + 3990, 0, one);
  assert_int_equal(h.queued_segments, 4000);
  assert_int_equal(s2.mismatches, 0);
  seg(&h, &s2, 1 << 20, 1, 0, "-");
  assert_int_equal(s2.len, 4002);
  assert_int_equal(h.queued_segments, 0);
  ms_half_free(&h);
}

/* RST and FIN as a Linux receiver takes them. */
static void rst_and_fin_acceptance(void **state) {
  (void)state;
  ms_half h = {0};
  sink s = {0};
  assert_true(ms_half_rst_acceptable(&h, 12345)); /* nothing seen: can't say */
  seg(&h, &s, 1000, 99, MS_TH_SYN, "");
  seg(&h, &s, 1000, 100, 0, "hello");
  assert_true(ms_half_rst_acceptable(&h, 105));
  assert_false(ms_half_rst_acceptable(&h, 106)); /* in window, not exact */
  assert_false(ms_half_rst_acceptable(&h, 5));
  ms_half_acked(&h, 110); /* the peer got 5 bytes the capture lost */
  assert_true(ms_half_rst_acceptable(&h, 110));
  assert_true(ms_half_fin_acceptable(&h, 105, 0, 65535));
  assert_true(ms_half_fin_acceptable(&h, 103, 2, 65535));  /* overlaps */
  assert_true(ms_half_fin_acceptable(&h, 2000, 0, 65535)); /* a hole */
  assert_false(ms_half_fin_acceptable(&h, 100, 2, 65535)); /* before next */
  assert_false(ms_half_fin_acceptable(&h, 105 + 70000, 0, 65535));
  seg(&h, &s, 1000, 105, MS_TH_FIN, "");
  assert_true(ms_half_fin_acceptable(&h, 105, 0, 65535)); /* again */
  assert_false(ms_half_fin_acceptable(&h, 106, 0, 65535));
  assert_true(ms_half_rst_acceptable(&h, 106)); /* after its FIN */
  ms_half_free(&h);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(in_order_out_of_order_retransmit),
      cmocka_unit_test(overlap_mismatch_is_reported),
      cmocka_unit_test(wraparound),
      cmocka_unit_test(gap_by_limit_ack_and_flush),
      cmocka_unit_test(in_order_bytes_checked_against_queue),
      cmocka_unit_test(midstream_starts_at_first_segment),
      cmocka_unit_test(fin_bounds_ack_gap),
      cmocka_unit_test(many_tiny_segments_stay_bounded),
      cmocka_unit_test(stream_of_holes_hits_the_limit_rarely),
      cmocka_unit_test(delivered_bytes_compared),
      cmocka_unit_test(delivered_window_is_bounded),
      cmocka_unit_test(queued_segments_stay_disjoint),
      cmocka_unit_test(rst_and_fin_acceptance),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
