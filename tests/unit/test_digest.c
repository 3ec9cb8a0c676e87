/* test_digest.c - the message layer's digests against OpenSSL's EVP: both
 * paths (SHA extensions when the CPU has them, and EVP), sha256 alone and
 * with md5 and/or sha1, every length from 0 to 1000 (the block and padding
 * boundaries) and random ones, fed whole and in random pieces; and the
 * FIPS 180 / RFC 1321 test vectors written out. */
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

/* Every combination: sha256 alone, with md5, with sha1, with both. */
static void check(const uint8_t *p, size_t n, bool pieces) {
  char want_md5[33], want_sha1[41], want_sha[65];
  reference("MD5", p, n, want_md5);
  reference("SHA1", p, n, want_sha1);
  reference("SHA256", p, n, want_sha);
  for (int combo = 0; combo < 4; combo++) {
    bool with_md5 = combo & 1, with_sha1 = combo & 2;
    ms_hash *h = ms_hash_new(with_md5);
    if (with_sha1)
      ms_hash_add_sha1(h);
    for (size_t off = 0; off < n;) {
      size_t step = pieces ? 1 + rnd(200) : n;
      if (step > n - off)
        step = n - off;
      ms_hash_update(h, p + off, step);
      off += step;
    }
    char md5[33] = "", sha1[41] = "", sha[65] = "";
    if (with_sha1)
      ms_hash_final3(h, with_md5 ? md5 : NULL, sha1, sha);
    else
      ms_hash_final(h, with_md5 ? md5 : NULL, sha);
    assert_string_equal(sha, want_sha);
    if (with_md5)
      assert_string_equal(md5, want_md5);
    if (with_sha1)
      assert_string_equal(sha1, want_sha1);
  }
}

/* Two streams of different lengths through ms_hash_update2, in random
 * pieces, the first with or without md5 and sha1; the second sometimes
 * with sha1 (then they are hashed one after the other). */
static void check_two(const uint8_t *p, size_t n, const uint8_t *p2,
                      size_t n2) {
  char want_md5[33], want_sha1[41], want_sha[65], want_sha2[65],
      want_sha1_2[41];
  reference("MD5", p, n, want_md5);
  reference("SHA1", p, n, want_sha1);
  reference("SHA256", p, n, want_sha);
  reference("SHA1", p2, n2, want_sha1_2);
  reference("SHA256", p2, n2, want_sha2);
  for (int combo = 0; combo < 5; combo++) {
    bool with_md5 = combo & 1, with_sha1 = combo & 2, second_sha1 = combo == 4;
    ms_hash *h = ms_hash_new(with_md5), *h2 = ms_hash_new(false);
    if (with_sha1)
      ms_hash_add_sha1(h);
    if (second_sha1)
      ms_hash_add_sha1(h2);
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
    char md5[33] = "", sha1[41] = "", sha[65] = "", sha2[65] = "",
         sha1_2[41] = "";
    ms_hash_final3(h, with_md5 ? md5 : NULL, with_sha1 ? sha1 : NULL, sha);
    ms_hash_final3(h2, NULL, second_sha1 ? sha1_2 : NULL, sha2);
    assert_string_equal(sha, want_sha);
    assert_string_equal(sha2, want_sha2);
    if (with_md5)
      assert_string_equal(md5, want_md5);
    if (with_sha1)
      assert_string_equal(sha1, want_sha1);
    if (second_sha1)
      assert_string_equal(sha1_2, want_sha1_2);
  }
}

/* The published vectors: FIPS 180-2 appendices (sha1, sha256: "abc", the
 * 448-bit message, a million 'a'), RFC 1321 A.5 (md5), and the empty
 * message. */
static void check_vector(const char *text, size_t repeat, const char *md5_want,
                         const char *sha1_want, const char *sha_want) {
  ms_hash *h = ms_hash_new(true);
  ms_hash_add_sha1(h);
  for (size_t i = 0; i < repeat; i++)
    ms_hash_update(h, (const uint8_t *)text, strlen(text));
  char md5[33], sha1[41], sha[65];
  ms_hash_final3(h, md5, sha1, sha);
  assert_string_equal(md5, md5_want);
  assert_string_equal(sha1, sha1_want);
  assert_string_equal(sha, sha_want);
}

static void vectors(void) {
  check_vector("", 1, "d41d8cd98f00b204e9800998ecf8427e",
               "da39a3ee5e6b4b0d3255bfef95601890afd80709",
               "e3b0c44298fc1c149afbf4c8996fb924"
               "27ae41e4649b934ca495991b7852b855");
  check_vector("abc", 1, "900150983cd24fb0d6963f7d28e17f72",
               "a9993e364706816aba3e25717850c26c9cd0d89d",
               "ba7816bf8f01cfea414140de5dae2223"
               "b00361a396177a9cb410ff61f20015ad");
  check_vector("abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq", 1,
               "8215ef0796a20bcaaae116d3876c664a",
               "84983e441c3bd26ebaae4aa1f95129e5e54670f1",
               "248d6a61d20638b8e5c026930c3e6039"
               "a33ce45964ff2167f6ecedd419db06c1");
  check_vector("aaaaaaaaaa", 100000, "7707d6ae4e027c70eea2a935c2296f21",
               "34aa973cd4c4daa4f61eeb2bdbad27316534016f",
               "cdc76e5c9914fb9281a1c7e284d73e67"
               "f1809a48a497200e046d39ccc7112cd0");
}

static void run_all(void) {
  static uint8_t data[70000];
  for (size_t i = 0; i < sizeof data; i++)
    data[i] = (uint8_t)rnd(256);
  vectors();
  for (size_t n = 0; n <= 1000; n++)
    check(data + n % 7, n, n % 2);
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
