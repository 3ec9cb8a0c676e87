/* test_ipdefrag.c - IPv4 and IPv6 fragment reassembly: in order, reversed,
 * interleaved datagrams, overlapping pieces (memory-safe, the datagram still
 * completes), incomplete datagrams that expire, the table bound, and pieces
 * that would reach past 64 KiB; through the engine, a -f port filter keeps
 * fragmented datagrams (it is applied once they are whole). */
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "engine.h"
#include "ipdefrag.h"

#define PAYLOAD 40

/* The unfragmented datagram: a 20-byte header and PAYLOAD bytes 0..39. */
static void whole_datagram(uint8_t *ip, uint16_t id) {
  memset(ip, 0, 20);
  ip[0] = 0x45;
  ip[2] = 0, ip[3] = 20 + PAYLOAD;
  ip[4] = (uint8_t)(id >> 8), ip[5] = (uint8_t)id;
  ip[8] = 64, ip[9] = 6;
  uint8_t src[4] = {192, 0, 2, 1}, dst[4] = {192, 0, 2, 2};
  memcpy(ip + 12, src, 4);
  memcpy(ip + 16, dst, 4);
  for (int i = 0; i < PAYLOAD; i++)
    ip[20 + i] = (uint8_t)i;
}

/* A fragment of datagram id: payload bytes [off, off+len), fill overrides
 * the bytes when >= 0. */
static size_t fragment(uint8_t *out, uint16_t id, size_t off, size_t len,
                       bool more, int fill) {
  uint8_t whole[20 + PAYLOAD];
  whole_datagram(whole, id);
  memcpy(out, whole, 20);
  memcpy(out + 20, whole + 20 + off, len);
  if (fill >= 0)
    memset(out + 20, fill, len);
  size_t n = 20 + len;
  out[2] = (uint8_t)(n >> 8), out[3] = (uint8_t)n;
  uint16_t fo = (uint16_t)(off / 8) | (more ? 0x2000 : 0);
  out[6] = (uint8_t)(fo >> 8), out[7] = (uint8_t)fo;
  return n;
}

static void check_whole(const uint8_t *out, size_t n, uint16_t id) {
  uint8_t whole[20 + PAYLOAD];
  whole_datagram(whole, id);
  assert_non_null(out);
  assert_int_equal(n, sizeof whole);
  assert_int_equal(out[6], 0); /* fragment fields cleared */
  assert_int_equal(out[7], 0);
  assert_memory_equal(out + 20, whole + 20, PAYLOAD);
  assert_int_equal((out[2] << 8) | out[3], sizeof whole);
}

/* Pieces of 16 + 16 + 8 bytes, fed in the given order. */
static void feed_order(const int order[3]) {
  static const size_t offs[3] = {0, 16, 32}, lens[3] = {16, 16, 8};
  ms_defrag *d = ms_defrag_new();
  const uint8_t *out = NULL;
  size_t n = 0;
  for (int i = 0; i < 3; i++) {
    uint8_t f[64];
    int k = order[i];
    size_t fl = fragment(f, 7, offs[k], lens[k], k < 2, -1);
    out = ms_defrag_add(d, f, fl, i, &n);
    if (i < 2)
      assert_null(out);
  }
  check_whole(out, n, 7);
  assert_int_equal(ms_defrag_dropped(d), 0);
  ms_defrag_free(d);
}

static void in_order_and_reversed(void **state) {
  (void)state;
  feed_order((const int[]){0, 1, 2});
  feed_order((const int[]){2, 1, 0});
  feed_order((const int[]){1, 2, 0});
}

static void interleaved_datagrams(void **state) {
  (void)state;
  ms_defrag *d = ms_defrag_new();
  uint8_t f[64];
  size_t n;
  assert_null(ms_defrag_add(d, f, fragment(f, 1, 0, 24, true, -1), 0, &n));
  assert_null(ms_defrag_add(d, f, fragment(f, 2, 24, 16, false, -1), 0, &n));
  const uint8_t *out =
      ms_defrag_add(d, f, fragment(f, 1, 24, 16, false, -1), 0, &n);
  check_whole(out, n, 1);
  out = ms_defrag_add(d, f, fragment(f, 2, 0, 24, true, -1), 0, &n);
  check_whole(out, n, 2);
  ms_defrag_free(d);
}

/* An 8-byte piece of datagram id at any offset, its bytes all `fill`. */
static size_t piece8(uint8_t *out, uint16_t id, size_t off, int fill) {
  uint8_t whole[20 + PAYLOAD];
  whole_datagram(whole, id);
  memcpy(out, whole, 20);
  memset(out + 20, fill, 8);
  out[2] = 0, out[3] = 28;
  uint16_t fo = (uint16_t)(off / 8) | 0x2000;
  out[6] = (uint8_t)(fo >> 8), out[7] = (uint8_t)fo;
  return 28;
}

/* Overlapping pieces read as Linux reads them: a piece inside bytes
 * already received is a duplicate, ignored (other bytes in it are noted);
 * a piece overlapping them in part drops the datagram, and what it had
 * from offset 0 on comes back to name its connection. */
static void overlapping_pieces(void **state) {
  (void)state;
  ms_defrag *d = ms_defrag_new();
  uint8_t f[64];
  size_t n;
  assert_null(ms_defrag_add(d, f, fragment(f, 3, 0, 24, true, -1), 0, &n));
  assert_null(ms_defrag_add(d, f, fragment(f, 3, 8, 8, true, 0xee), 0, &n));
  assert_int_equal(ms_defrag_note(d), MS_FRAG_DUPLICATE_DIFFERS);
  const uint8_t *out =
      ms_defrag_add(d, f, fragment(f, 3, 24, 16, false, -1), 0, &n);
  check_whole(out, n, 3); /* the first copy */
  assert_int_equal(ms_defrag_note(d), MS_FRAG_DUPLICATE_DIFFERS);
  /* The same bytes again: a duplicate, nothing to note. */
  assert_null(ms_defrag_add(d, f, fragment(f, 6, 0, 24, true, -1), 0, &n));
  assert_null(ms_defrag_add(d, f, fragment(f, 6, 16, 8, true, -1), 0, &n));
  assert_int_equal(ms_defrag_note(d), MS_FRAG_CLEAN);
  out = ms_defrag_add(d, f, fragment(f, 6, 24, 16, false, -1), 0, &n);
  check_whole(out, n, 6);
  assert_int_equal(ms_defrag_note(d), MS_FRAG_CLEAN);
  /* 0-24, then 8-32: overlaps in part, the datagram is dropped. */
  assert_null(ms_defrag_add(d, f, fragment(f, 4, 0, 24, true, -1), 0, &n));
  out = ms_defrag_add(d, f, fragment(f, 4, 8, 24, true, -1), 0, &n);
  assert_int_equal(ms_defrag_note(d), MS_FRAG_OVERLAP_DROPPED);
  assert_non_null(out);
  assert_int_equal(n, 20 + 24);
  assert_int_equal(ms_defrag_dropped(d), 1);
  /* its last piece starts a datagram of its own, which never completes */
  assert_null(ms_defrag_add(d, f, fragment(f, 4, 24, 16, false, -1), 0, &n));
  /* The same piece many times: duplicates, not pieces. */
  for (int i = 0; i < 1000; i++)
    assert_null(ms_defrag_add(d, f, fragment(f, 5, 0, 8, true, -1), 0, &n));
  assert_int_equal(ms_defrag_dropped(d), 1);
  /* More pieces than a datagram may have: it is dropped. */
  for (int i = 0; i < 129; i++)
    assert_null(ms_defrag_add(d, f, piece8(f, 7, (size_t)i * 16, 'x'), 0, &n));
  assert_int_equal(ms_defrag_dropped(d), 2);
  ms_defrag_free(d);
}

/* With a memory budget, the oldest datagrams make room for new ones. */
static void memory_budget_drops_the_oldest(void **state) {
  (void)state;
  ms_budget b;
  ms_budget_init(&b, 40 << 10);
  ms_defrag *d = ms_defrag_new();
  ms_defrag_set_budget(d, &b);
  uint8_t f[64];
  size_t n;
  for (int id = 0; id < 20; id++) /* each holds 4 KiB (one piece at 0) */
    assert_null(ms_defrag_add(d, f, piece8(f, (uint16_t)id, 0, 'y'), id, &n));
  assert_true(b.used <= b.limit);
  assert_true(ms_defrag_dropped_for_memory(d) >= 10);
  assert_int_equal(ms_defrag_dropped(d), ms_defrag_dropped_for_memory(d));
  ms_defrag_free(d);
  assert_int_equal(b.used, 0);
}

static void incomplete_datagrams_expire(void **state) {
  (void)state;
  ms_defrag *d = ms_defrag_new();
  uint8_t f[64];
  size_t n;
  int64_t late = (int64_t)(MS_DEFRAG_TIMEOUT + 1) * 1000000;
  assert_null(ms_defrag_add(d, f, fragment(f, 9, 0, 24, true, -1), 0, &n));
  /* Its last piece comes after the timeout: the first one is gone. */
  assert_null(ms_defrag_add(d, f, fragment(f, 9, 24, 16, false, -1), late, &n));
  assert_int_equal(ms_defrag_dropped(d), 1);
  /* Within the timeout of its own first piece it completes. */
  const uint8_t *out =
      ms_defrag_add(d, f, fragment(f, 9, 0, 24, true, -1), late + 1, &n);
  check_whole(out, n, 9);
  ms_defrag_free(d);
}

static void table_is_bounded(void **state) {
  (void)state;
  ms_defrag *d = ms_defrag_new();
  uint8_t f[64];
  size_t n;
  for (int id = 0; id < MS_DEFRAG_MAX + 10; id++)
    assert_null(
        ms_defrag_add(d, f, fragment(f, (uint16_t)id, 0, 8, true, -1), id, &n));
  assert_int_equal(ms_defrag_dropped(d), 10);
  ms_defrag_free(d);
}

static void hostile_offsets_are_refused(void **state) {
  (void)state;
  ms_defrag *d = ms_defrag_new();
  uint8_t f[64];
  size_t n;
  size_t fl = fragment(f, 11, 0, 16, false, -1);
  f[6] = 0x1f, f[7] = 0xff; /* offset 65528 + 16 bytes: past 64 KiB */
  assert_null(ms_defrag_add(d, f, fl, 0, &n));
  /* Total length larger than what was captured. */
  fl = fragment(f, 12, 0, 16, true, -1);
  assert_null(ms_defrag_add(d, f, fl - 4, 0, &n));
  /* Shorter than an IP header. */
  assert_null(ms_defrag_add(d, f, 10, 0, &n));
  ms_defrag_free(d);
}

/* IPv6 (RFC 8200 4.5): a hop-by-hop header before the Fragment header,
 * pieces in reverse order; the datagram comes back without the Fragment
 * header, the hop-by-hop header naming TCP and the payload length right. */
static size_t fragment6(uint8_t *out, uint32_t id, size_t off, size_t len,
                        bool more) {
  memset(out, 0, 56);
  out[0] = 0x60;
  size_t plen = 8 + 8 + len;
  out[4] = (uint8_t)(plen >> 8), out[5] = (uint8_t)plen;
  out[6] = 0; /* hop-by-hop */
  out[7] = 64;
  out[8] = 0x20, out[9] = 0x01, out[10] = 0x0d, out[11] = 0xb8, out[23] = 1;
  out[24] = 0x20, out[25] = 0x01, out[26] = 0x0d, out[27] = 0xb8, out[39] = 2;
  out[40] = 44; /* hop-by-hop: next is Fragment, length 0 (8 bytes) */
  out[42] = 1, out[43] = 4; /* PadN */
  out[48] = 6;              /* Fragment: next is TCP */
  uint16_t fo = (uint16_t)(off & ~7u) | (more ? 1 : 0);
  out[50] = (uint8_t)(fo >> 8), out[51] = (uint8_t)fo;
  out[52] = (uint8_t)(id >> 24), out[53] = (uint8_t)(id >> 16);
  out[54] = (uint8_t)(id >> 8), out[55] = (uint8_t)id;
  for (size_t i = 0; i < len; i++)
    out[56 + i] = (uint8_t)(off + i);
  return 56 + len;
}

static void ipv6_fragments(void **state) {
  (void)state;
  ms_defrag *d = ms_defrag_new();
  uint8_t f[128];
  size_t n;
  assert_null(
      ms_defrag_add(d, f, fragment6(f, 0x01020304, 24, 16, false), 0, &n));
  /* Same id from another datagram of the same hosts is not mixed in:
   * a different id. */
  assert_null(
      ms_defrag_add(d, f, fragment6(f, 0x01020305, 0, 24, true), 0, &n));
  const uint8_t *out =
      ms_defrag_add(d, f, fragment6(f, 0x01020304, 0, 24, true), 0, &n);
  assert_non_null(out);
  assert_int_equal(n, 40 + 8 + 40);
  assert_int_equal((out[4] << 8) | out[5], 8 + 40); /* payload length */
  assert_int_equal(out[6], 0);                      /* hop-by-hop first */
  assert_int_equal(out[40], 6);                     /* which names TCP now */
  for (int i = 0; i < 40; i++)
    assert_int_equal(out[48 + i], i);
  /* Hostile: a Fragment header cut short, an offset past 64 KiB. */
  size_t fl = fragment6(f, 9, 0, 8, true);
  assert_null(ms_defrag_add(d, f, 52, 0, &n));
  f[50] = 0xff, f[51] = 0xf8;
  assert_null(ms_defrag_add(d, f, fl, 0, &n));
  ms_defrag_free(d);
}

static void count_session(void *ctx, ms_session *rec) {
  *(uint64_t *)ctx += rec->bytes[MS_CLIENT];
  ms_session_free(rec);
}

/* Run from the top of the tree (tests/run_tests.sh does). */
static void port_filter_keeps_fragmented_datagrams(void **state) {
  (void)state;
  static const char *cap = "pcaps/edge/ipv4-fragments.pcap";
  FILE *probe = fopen(cap, "rb");
  if (!probe)
    skip();
  fclose(probe);
  static ms_options opt;
  for (int with_filter = 0; with_filter < 2; with_filter++) {
    ms_options_defaults(&opt);
    opt.quiet = true;
    strvec_push(&opt.read_files, cap);
    static char filter[] = "tcp port 25"; /* like argv: not owned */
    if (with_filter)
      opt.bpf = filter;
    ms_stats st;
    memset(&st, 0, sizeof st);
    uint64_t client_bytes = 0;
    assert_int_equal(engine_run(&opt, count_session, &client_bytes, &st), 0);
    assert_int_equal(client_bytes, 2119); /* the 2 KB DATA went fragmented */
    assert_true(st.fragments > 0);
    ms_options_free(&opt);
  }
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(in_order_and_reversed),
      cmocka_unit_test(interleaved_datagrams),
      cmocka_unit_test(overlapping_pieces),
      cmocka_unit_test(memory_budget_drops_the_oldest),
      cmocka_unit_test(incomplete_datagrams_expire),
      cmocka_unit_test(table_is_bounded),
      cmocka_unit_test(hostile_offsets_are_refused),
      cmocka_unit_test(ipv6_fragments),
      cmocka_unit_test(port_filter_keeps_fragmented_datagrams),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
