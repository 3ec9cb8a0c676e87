/* test_digest.c - the message layer's digests against OpenSSL's EVP: both
 * paths (SHA extensions when the CPU has them, and EVP), sha256 alone and
 * with md5, every length around the block and padding boundaries and
 * random ones, fed whole and in random pieces. */
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <openssl/evp.h>

#include "digest.h"

static void reference(const char *name, const uint8_t *p, size_t n, char *hex) {
  unsigned char md[EVP_MAX_MD_SIZE];
  unsigned int len = 0;
  EVP_Digest(p, n, md, &len, EVP_get_digestbyname(name), NULL);
  for (unsigned i = 0; i < len; i++)
    sprintf(hex + 2 * i, "%02x", md[i]);
}

static uint32_t seed = 99;
static uint32_t rnd(uint32_t n) {
  seed = seed * 1103515245u + 12345u;
  return (seed >> 8) % n;
}

static void check(const uint8_t *p, size_t n, bool pieces) {
  char want_md5[33], want_sha[65];
  reference("MD5", p, n, want_md5);
  reference("SHA256", p, n, want_sha);
  for (int with_md5 = 0; with_md5 < 2; with_md5++) {
    ms_hash *h = ms_hash_new(with_md5);
    for (size_t off = 0; off < n;) {
      size_t step = pieces ? 1 + rnd(200) : n;
      if (step > n - off)
        step = n - off;
      ms_hash_update(h, p + off, step);
      off += step;
    }
    char md5[33] = "", sha[65] = "";
    ms_hash_final(h, with_md5 ? md5 : NULL, sha);
    assert_string_equal(sha, want_sha);
    if (with_md5)
      assert_string_equal(md5, want_md5);
  }
}

/* Two streams of different lengths through ms_hash_update2, in random
 * pieces, the first with or without md5. */
static void check_two(const uint8_t *p, size_t n, const uint8_t *p2,
                      size_t n2) {
  char want_md5[33], want_sha[65], want_sha2[65];
  reference("MD5", p, n, want_md5);
  reference("SHA256", p, n, want_sha);
  reference("SHA256", p2, n2, want_sha2);
  for (int with_md5 = 0; with_md5 < 2; with_md5++) {
    ms_hash *h = ms_hash_new(with_md5), *h2 = ms_hash_new(false);
    size_t off = 0, off2 = 0;
    while (off < n || off2 < n2) {
      size_t step = rnd(3000), step2 = rnd(3000);
      step = step > n - off ? n - off : step;
      step2 = step2 > n2 - off2 ? n2 - off2 : step2;
      if (rnd(4) == 0)
        step = 0; /* only h2 takes bytes this time */
      else if (rnd(4) == 0)
        step2 = 0;
      if (rnd(5) == 0)
        ms_hash_update(h2, p2 + off2, step2), step = 0;
      else
        ms_hash_update2(h, p + off, step, h2, p2 + off2, step2);
      off += step, off2 += step2;
    }
    char md5[33] = "", sha[65] = "", sha2[65] = "";
    ms_hash_final(h, with_md5 ? md5 : NULL, sha);
    ms_hash_final(h2, NULL, sha2);
    assert_string_equal(sha, want_sha);
    assert_string_equal(sha2, want_sha2);
    if (with_md5)
      assert_string_equal(md5, want_md5);
  }
}

static void run_all(void) {
  static uint8_t data[70000];
  for (size_t i = 0; i < sizeof data; i++)
    data[i] = (uint8_t)rnd(256);
  for (size_t n = 0; n <= 300; n++)
    check(data, n, n % 2);
  static const size_t sizes[] = {4095, 4096, 4097, 16383, 16384, 65536, 70000};
  for (size_t i = 0; i < sizeof sizes / sizeof *sizes; i++) {
    check(data, sizes[i], false);
    check(data, sizes[i], true);
  }
  for (int round = 0; round < 200; round++)
    check(data + rnd(100), rnd(20000), round % 2);
  for (int round = 0; round < 200; round++)
    check_two(data + rnd(100), rnd(30000), data + 1000 + rnd(100), rnd(40000));
}

static void accelerated_path(void **state) {
  (void)state;
  ms_hash_set_accelerated(true);
  if (!ms_hash_accelerated())
    print_message("no SHA extensions on this CPU: EVP path only\n");
  run_all();
}

static void evp_path(void **state) {
  (void)state;
  ms_hash_set_accelerated(false);
  assert_false(ms_hash_accelerated());
  run_all();
  ms_hash_set_accelerated(true);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(accelerated_path),
      cmocka_unit_test(evp_path),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
