/* test_pcapng.c - our pcapng reader: interfaces of different link types,
 * if_tsresol and if_tsoffset, Simple and obsolete Packet blocks, skipped
 * blocks, a big-endian section after a little-endian one; Decryption
 * Secrets Blocks handed on in their place among the packets; and every kind
 * of broken file ends in an error, never a read outside the block. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "pcapng.h"

typedef struct {
  uint8_t b[4096];
  size_t n;
  bool be;
} file;

static void put32(file *f, uint32_t v) {
  for (int i = 0; i < 4; i++)
    f->b[f->n++] = (uint8_t)(f->be ? v >> (24 - 8 * i) : v >> (8 * i));
}

static void put16(file *f, uint16_t v) {
  f->b[f->n++] = (uint8_t)(f->be ? v >> 8 : v);
  f->b[f->n++] = (uint8_t)(f->be ? v : v >> 8);
}

/* A block: type, body bytes, both lengths. */
static void block(file *f, uint32_t type, const uint8_t *body, size_t n) {
  size_t padded = (n + 3) & ~(size_t)3;
  put32(f, type);
  put32(f, (uint32_t)(padded + 12));
  memcpy(f->b + f->n, body, n);
  memset(f->b + f->n + n, 0, padded - n);
  f->n += padded;
  put32(f, (uint32_t)(padded + 12));
}

static void section(file *f, bool be) {
  f->be = be;
  file body = {.be = be};
  put32(&body, 0x1A2B3C4D);
  put16(&body, 1);
  put16(&body, 0);
  put32(&body, 0xffffffff);
  put32(&body, 0xffffffff);
  block(f, PCAPNG_MAGIC, body.b, body.n);
}

static void interface(file *f, uint16_t linktype, int tsresol,
                      int64_t tsoffset) {
  file body = {.be = f->be};
  put16(&body, linktype);
  put16(&body, 0);
  put32(&body, 65535);
  if (tsresol >= 0) {
    put16(&body, 9);
    put16(&body, 1);
    body.b[body.n++] = (uint8_t)tsresol;
    body.n += 3;
  }
  if (tsoffset) {
    put16(&body, 14);
    put16(&body, 8);
    uint64_t v = (uint64_t)tsoffset;
    if (f->be) {
      put32(&body, (uint32_t)(v >> 32));
      put32(&body, (uint32_t)v);
    } else {
      put32(&body, (uint32_t)v);
      put32(&body, (uint32_t)(v >> 32));
    }
  }
  put32(&body, 0); /* opt_endofopt */
  block(f, 1, body.b, body.n);
}

static void packet(file *f, uint32_t iface, uint64_t ts, const char *data) {
  file body = {.be = f->be};
  size_t n = strlen(data);
  put32(&body, iface);
  put32(&body, (uint32_t)(ts >> 32));
  put32(&body, (uint32_t)ts);
  put32(&body, (uint32_t)n);
  put32(&body, (uint32_t)n + 10);
  memcpy(body.b + body.n, data, n);
  body.n += n;
  block(f, 6, body.b, body.n);
}

/* Read every packet; returns the last pcapng_next result. */
static int read_all(const file *f, pcapng_packet *pkts, int max, int *count) {
  FILE *fp = fmemopen((void *)f->b, f->n, "rb");
  assert_non_null(fp);
  pcapng_reader *r = pcapng_open(fp);
  int rc;
  *count = 0;
  pcapng_packet p;
  static uint8_t copies[8][64];
  while ((rc = pcapng_next(r, &p)) == 1) {
    if (*count < max) {
      assert_true(p.caplen <= sizeof copies[0]);
      memcpy(copies[*count], p.data, p.caplen);
      pkts[*count] = p;
      pkts[*count].data = copies[*count];
    }
    (*count)++;
  }
  if (rc < 0)
    assert_true(strlen(pcapng_error(r)) > 0);
  pcapng_close(r);
  fclose(fp);
  return rc;
}

static void interfaces_resolutions_and_sections(void **state) {
  (void)state;
  static file f;
  memset(&f, 0, sizeof f);
  section(&f, false);
  interface(&f, 1, 9, 0);      /* Ethernet, nanoseconds */
  interface(&f, 101, -1, 100); /* raw IP (a DLT_RAW), +100 s */
  block(&f, 0x00000BAD, (const uint8_t *)"skip me", 7);
  packet(&f, 0, 1763800000123456789ull, "ether");
  packet(&f, 1, 5000001ull, "raw");
  file spb = {.be = false};
  put32(&spb, 3);
  memcpy(spb.b + spb.n, "abc", 3);
  spb.n += 3;
  block(&f, 3, spb.b, spb.n); /* Simple: interface 0, previous time */
  section(&f, true);
  interface(&f, 113, 0x80 | 10, 0); /* SLL, 1/1024 s, big-endian */
  packet(&f, 0, 2048, "sll");
  pcapng_packet p[8];
  int n;
  assert_int_equal(read_all(&f, p, 8, &n), 0);
  assert_int_equal(n, 4);
  assert_int_equal(p[0].dlt, 1);
  assert_int_equal(p[0].ts_usec, 1763800000123456ll);
  assert_int_equal(p[0].caplen, 5);
  assert_int_equal(p[0].len, 15);
  assert_memory_equal(p[0].data, "ether", 5);
  assert_int_equal(p[1].dlt, 12);
  assert_int_equal(p[1].ts_usec, 105000001ll);
  assert_int_equal(p[2].dlt, 1); /* the Simple block: interface 0 */
  assert_int_equal(p[2].ts_usec, 105000001ll);
  assert_int_equal(p[2].caplen, 3);
  assert_int_equal(p[3].dlt, 113);
  assert_int_equal(p[3].ts_usec, 2000000);
  assert_memory_equal(p[3].data, "sll", 3);
}

/* fuzz_capture finding: a 64-bit timestamp in microseconds (or a huge
 * if_tsoffset) overflowed the int64 microseconds (UBSan).  Timestamps are
 * now kept within +-2^32 seconds of the epoch, the range of a pcap file. */
static void huge_timestamps_are_clamped(void **state) {
  (void)state;
  static file f;
  memset(&f, 0, sizeof f);
  section(&f, false);
  interface(&f, 1, -1, 0);          /* microseconds */
  interface(&f, 1, 9, INT64_MIN);   /* nanoseconds, far past */
  interface(&f, 1, -1, INT64_MAX);  /* far future */
  packet(&f, 0, UINT64_MAX, "max"); /* 1.8e13 s */
  packet(&f, 1, 1763800000123456789ull, "min");
  packet(&f, 2, 1, "off");
  packet(&f, 0, 4294967295000001ull, "edge"); /* just inside */
  pcapng_packet p[8];
  int n;
  assert_int_equal(read_all(&f, p, 8, &n), 0);
  assert_int_equal(n, 4);
  const int64_t limit = ((int64_t)1 << 32) * 1000000;
  assert_int_equal(p[0].ts_usec, limit + 551615); /* UINT64_MAX % 10^6 */
  assert_int_equal(p[1].ts_usec, -limit + 123456);
  assert_int_equal(p[2].ts_usec, limit + 1);
  assert_int_equal(p[3].ts_usec, 4294967295000001ll);
}

/* Decryption Secrets Blocks: type, length, data (padded), options. */
static void secrets(file *f, uint32_t type, const char *data, int32_t len) {
  file body = {.be = f->be};
  size_t n = strlen(data);
  put32(&body, type);
  put32(&body, len < 0 ? (uint32_t)n : (uint32_t)len);
  memcpy(body.b + body.n, data, n);
  body.n += (n + 3) & ~(size_t)3;
  put32(&body, 0); /* opt_endofopt */
  block(f, 10, body.b, body.n);
}

typedef struct {
  char log[256];
  int packets_before[8], nsecrets;
  int packets;
} secrets_seen;

static void on_secrets(void *ctx, uint32_t type, const uint8_t *data,
                       size_t len) {
  secrets_seen *s = ctx;
  char one[64];
  snprintf(one, sizeof one, "%08x:%.*s;", type, data ? (int)len : 4,
           data ? (const char *)data : "NULL");
  strncat(s->log, one, sizeof s->log - strlen(s->log) - 1);
  s->packets_before[s->nsecrets++ & 7] = s->packets;
}

static void decryption_secrets_blocks(void **state) {
  (void)state;
  static file f;
  memset(&f, 0, sizeof f);
  for (int be = 0; be < 2; be++) {
    section(&f, be);
    interface(&f, 1, -1, 0);
    packet(&f, 0, 1, "first");
    secrets(&f, 0x544c534b, "CLIENT_RANDOM a b\n", -1);
    packet(&f, 0, 2, "second");
    secrets(&f, 0x57474b4c, "wg", -1);   /* WireGuard: handed on too */
    secrets(&f, 0x544c534b, "xyz", 200); /* longer than its block */
  }
  FILE *fp = fmemopen((void *)f.b, f.n, "rb");
  pcapng_reader *r = pcapng_open(fp);
  secrets_seen seen;
  memset(&seen, 0, sizeof seen);
  pcapng_on_secrets(r, on_secrets, &seen);
  pcapng_packet p;
  int rc;
  while ((rc = pcapng_next(r, &p)) == 1)
    seen.packets++;
  assert_int_equal(rc, 0);
  assert_int_equal(seen.packets, 4);
  assert_string_equal(seen.log, "544c534b:CLIENT_RANDOM a b\n;57474b4c:wg;"
                                "544c534b:NULL;544c534b:CLIENT_RANDOM a b\n;"
                                "57474b4c:wg;544c534b:NULL;");
  static const int before[6] = {1, 2, 2, 3, 4, 4}; /* each in its place */
  assert_memory_equal(seen.packets_before, before, sizeof before);
  pcapng_close(r);
  fclose(fp);
}

/* One good packet, then the damage; the good packet is still read. */
static void check_broken(void (*damage)(file *f)) {
  static file f;
  memset(&f, 0, sizeof f);
  section(&f, false);
  interface(&f, 1, -1, 0);
  packet(&f, 0, 1, "good");
  damage(&f);
  pcapng_packet p[2];
  int n;
  assert_int_equal(read_all(&f, p, 2, &n), -1);
  assert_int_equal(n, 1);
}

static void truncated_block(file *f) {
  packet(f, 0, 2, "cut short");
  f->n -= 5;
}

static void lengths_differ(file *f) {
  packet(f, 0, 2, "x");
  f->b[f->n - 4] ^= 4;
}

static void huge_length(file *f) {
  put32(f, 6);
  put32(f, 0xfffffff0);
  put32(f, 0);
}

static void odd_length(file *f) {
  put32(f, 6);
  put32(f, 13);
  put32(f, 0);
  put32(f, 0);
}

static void unknown_interface(file *f) { packet(f, 7, 2, "where"); }

static void caplen_beyond_block(file *f) {
  packet(f, 0, 2, "abcd");
  /* the captured length field (body offset 12) says 200 */
  size_t body = f->n - 4 - 4 - 20;
  f->b[body + 12] = 200;
}

static void short_epb(file *f) {
  uint8_t b[8] = {0};
  block(f, 6, b, sizeof b);
}

static void bad_byte_order(file *f) {
  put32(f, PCAPNG_MAGIC);
  put32(f, 28);
  put32(f, 0x11223344);
  f->n += 16;
}

static void broken_files_end_in_an_error(void **state) {
  (void)state;
  check_broken(truncated_block);
  check_broken(lengths_differ);
  check_broken(huge_length);
  check_broken(odd_length);
  check_broken(unknown_interface);
  check_broken(caplen_beyond_block);
  check_broken(short_epb);
  check_broken(bad_byte_order);
  /* A block before any section header. */
  static file f;
  memset(&f, 0, sizeof f);
  interface(&f, 1, -1, 0);
  pcapng_packet p[1];
  int n;
  assert_int_equal(read_all(&f, p, 1, &n), -1);
  /* Empty input: a clean end. */
  f.n = 0;
  assert_int_equal(read_all(&f, p, 1, &n), 0);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(interfaces_resolutions_and_sections),
      cmocka_unit_test(broken_files_end_in_an_error),
      cmocka_unit_test(huge_timestamps_are_clamped),
      cmocka_unit_test(decryption_secrets_blocks),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
