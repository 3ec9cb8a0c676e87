/* test_pcapfile.c - our pcap record reader against libpcap's: the same
 * packets (headers and bytes), the same end, and on a damaged file the same
 * message at the same offset.  Over every pcap in pcaps/, over files built
 * here (both byte orders, micro- and nanoseconds, negative and oversized
 * times, records longer than the snapshot length or than any snapshot,
 * truncated headers and bodies, records across the reader's buffer) and
 * over thousands of randomly damaged copies. */
#define _DEFAULT_SOURCE
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "pcapfile.h"

static char tmpl[] = "/tmp/test_pcapfile.XXXXXX";

typedef struct {
  uint8_t *b;
  size_t n, cap;
  bool be;
} file;

static void put(file *f, const void *p, size_t n) {
  if (f->n + n > f->cap) {
    f->cap = (f->n + n) * 2;
    f->b = realloc(f->b, f->cap);
    assert_non_null(f->b);
  }
  memcpy(f->b + f->n, p, n);
  f->n += n;
}

static void put32(file *f, uint32_t v) {
  uint8_t b[4];
  for (int i = 0; i < 4; i++)
    b[i] = (uint8_t)(f->be ? v >> (24 - 8 * i) : v >> (8 * i));
  put(f, b, 4);
}

static void put16(file *f, uint16_t v) {
  uint8_t b[2] = {(uint8_t)(f->be ? v >> 8 : v), (uint8_t)(f->be ? v : v >> 8)};
  put(f, b, 2);
}

static void header(file *f, bool be, bool nano, uint32_t snaplen,
                   uint16_t minor) {
  f->n = 0;
  f->be = be;
  put32(f, nano ? 0xa1b23c4du : 0xa1b2c3d4u);
  put16(f, 2);
  put16(f, minor);
  put32(f, 0);
  put32(f, 0);
  put32(f, snaplen);
  put32(f, 1); /* Ethernet */
}

static void record(file *f, uint32_t sec, uint32_t frac, uint32_t caplen,
                   uint32_t len, size_t body) {
  put32(f, sec);
  put32(f, frac);
  put32(f, caplen);
  put32(f, len);
  for (size_t i = 0; i < body; i++) {
    uint8_t c = (uint8_t)(i * 7 + caplen);
    put(f, &c, 1);
  }
}

static const char *write_file(const file *f) {
  FILE *fp = fopen(tmpl, "wb");
  assert_non_null(fp);
  assert_int_equal(fwrite(f->b, 1, f->n, fp), f->n);
  fclose(fp);
  return tmpl;
}

static int taken; /* files our reader took over */

/* Read path with libpcap and with our reader, side by side. */
static void compare(const char *path) {
  char eb[PCAP_ERRBUF_SIZE];
  FILE *a = fopen(path, "rb"), *b = fopen(path, "rb");
  assert_non_null(a);
  assert_non_null(b);
  pcap_t *pa = pcap_fopen_offline_with_tstamp_precision(
      a, PCAP_TSTAMP_PRECISION_MICRO, eb);
  pcap_t *pb = pcap_fopen_offline_with_tstamp_precision(
      b, PCAP_TSTAMP_PRECISION_MICRO, eb);
  if (!pa) {
    assert_null(pb);
    fclose(a);
    fclose(b);
    return;
  }
  assert_non_null(pb);
  pcapfile *f = pcapfile_open(pb, b);
  if (f) {
    taken++;
    for (;;) {
      struct pcap_pkthdr *ha, hb;
      const u_char *da;
      const uint8_t *db;
      int ra = pcap_next_ex(pa, &ha, &da);
      int rb = pcapfile_next(f, &hb, &db);
      if (ra == 1) {
        assert_int_equal(rb, 1);
        /* libpcap has a native-order file's seconds signed: 2038 on
         * they are negative, ours unsigned (the same 32 bits) */
        assert_int_equal((uint32_t)ha->ts.tv_sec, hb.ts.tv_sec);
        if (hb.ts.tv_usec <= 999999) /* else not a fraction at all */
          assert_int_equal(ha->ts.tv_usec, hb.ts.tv_usec);
        assert_int_equal(ha->caplen, hb.caplen);
        assert_int_equal(ha->len, hb.len);
        assert_memory_equal(da, db, ha->caplen);
        continue;
      }
      if (ra == PCAP_ERROR_BREAK) {
        assert_int_equal(rb, 0);
        break;
      }
      assert_int_equal(rb, -1);
      assert_string_equal(pcap_geterr(pa), pcapfile_error(f));
      assert_int_equal(ftell(pcap_file(pa)), pcapfile_offset(f));
      break;
    }
    pcapfile_close(f);
  }
  pcap_close(pa);
  pcap_close(pb);
}

static void every_capture(void **state) {
  (void)state;
  FILE *list = popen("find pcaps -name '*.pcap' | sort", "r");
  assert_non_null(list);
  char path[4096];
  int n = 0;
  taken = 0;
  while (fgets(path, sizeof path, list)) {
    path[strcspn(path, "\n")] = '\0';
    compare(path);
    n++;
  }
  pclose(list);
  assert_true(n > 20);
  assert_true(taken > 20); /* the usual files do take the fast path */
}

/* Both byte orders and both resolutions, odd times. */
static void built_files(void **state) {
  (void)state;
  file f = {0};
  taken = 0;
  for (int be = 0; be < 2; be++)
    for (int nano = 0; nano < 2; nano++) {
      header(&f, be, nano, 65535, 4);
      record(&f, 1700000000, 123456789, 60, 60, 60);
      record(&f, 0x80000001u, 0xfffffff0u, 1, 1500, 1); /* negative */
      record(&f, 0xffffffffu, 999999999, 0, 0, 0);
      record(&f, 5, 2000000000u, 14, 10, 14); /* len < caplen */
      compare(write_file(&f));
    }
  assert_int_equal(taken, 4);
  free(f.b);
}

/* Seconds are unsigned in both byte orders: 2040-01-01 is not 1903. */
static void times_from_2038(void **state) {
  (void)state;
  file f = {0};
  for (int be = 0; be < 2; be++) {
    header(&f, be, false, 65535, 4);
    record(&f, 2208988800u, 5, 14, 14, 14);
    const char *path = write_file(&f);
    char eb[PCAP_ERRBUF_SIZE];
    FILE *fp = fopen(path, "rb");
    pcap_t *p = pcap_fopen_offline_with_tstamp_precision(
        fp, PCAP_TSTAMP_PRECISION_MICRO, eb);
    assert_non_null(p);
    pcapfile *pf = pcapfile_open(p, fp);
    assert_non_null(pf);
    struct pcap_pkthdr h;
    const uint8_t *d;
    assert_int_equal(pcapfile_next(pf, &h, &d), 1);
    assert_true((int64_t)h.ts.tv_sec == 2208988800LL);
    assert_int_equal(h.ts.tv_usec, 5);
    pcapfile_close(pf);
    pcap_close(p);
  }
  free(f.b);
}

/* Records longer than the snapshot length are cut; longer than any
 * snapshot length is an error; headers and bodies cut short. */
static void damaged_files(void **state) {
  (void)state;
  file f = {0};
  static const uint32_t snaps[] = {0, 100, 65535, 262144, 300000, 0x80000000u};
  for (size_t s = 0; s < sizeof snaps / sizeof snaps[0]; s++) {
    header(&f, false, false, snaps[s], 4);
    record(&f, 1, 2, 150, 150, 150);
    record(&f, 1, 3, 70000, 70000, 70000);
    compare(write_file(&f));
    size_t whole = f.n;
    record(&f, 1, 4, 300000, 300000, 0); /* bigger than any snapshot */
    compare(write_file(&f));
    f.n = whole;
    record(&f, 1, 5, 262144, 262144, 262144);
    compare(write_file(&f));
    for (size_t cut = whole - 200; cut < f.n; cut += 1 + (f.n - cut) / 3) {
      size_t keep = f.n;
      f.n = cut;
      compare(write_file(&f));
      f.n = keep;
    }
    for (size_t cut = 1; cut < 16; cut += 5) { /* a record header cut */
      f.n = whole + cut;
      compare(write_file(&f));
    }
  }
  /* other versions stay with libpcap, and still agree */
  header(&f, false, false, 65535, 3);
  record(&f, 1, 2, 60, 50, 60);
  record(&f, 1, 2, 50, 60, 50);
  compare(write_file(&f));
  free(f.b);
}

/* Many records of every size, so that some cross each refill of the
 * reader's buffer; then random damage to the record headers. */
static void across_buffers_and_random_damage(void **state) {
  (void)state;
  file f = {0};
  header(&f, false, false, 262144, 4);
  uint32_t x = 12345;
  size_t offsets[4096], n = 0;
  while (f.n < (3u << 20) && n < 4096) {
    x = x * 1103515245u + 12345u;
    uint32_t len = (x >> 8) % 5 == 0 ? (x >> 4) % 262145 : (x >> 4) % 1600;
    offsets[n++] = f.n;
    record(&f, x, x >> 3, len, len, len);
  }
  compare(write_file(&f));
  uint8_t *orig = malloc(f.n);
  assert_non_null(orig);
  memcpy(orig, f.b, f.n);
  for (int round = 0; round < 300; round++) {
    memcpy(f.b, orig, f.n);
    x = x * 1103515245u + 12345u;
    size_t at = offsets[(x >> 8) % n] + (x >> 2) % 16; /* in a record header */
    x = x * 1103515245u + 12345u;
    f.b[at] = (uint8_t)(x >> 16);
    size_t keep = f.n;
    if (round % 3 == 0)
      f.n = offsets[(x >> 4) % n] + (x >> 12) % 2000;
    if (f.n > keep)
      f.n = keep;
    compare(write_file(&f));
    f.n = keep;
  }
  free(orig);
  free(f.b);
}

int main(void) {
  int fd = mkstemp(tmpl);
  if (fd < 0)
    return 1;
  close(fd);
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(every_capture),
      cmocka_unit_test(built_files),
      cmocka_unit_test(times_from_2038),
      cmocka_unit_test(damaged_files),
      cmocka_unit_test(across_buffers_and_random_damage),
  };
  int rc = cmocka_run_group_tests(tests, NULL, NULL);
  unlink(tmpl);
  return rc;
}
