/* digest.c - md5, sha1 and sha256 for the message layer (see digest.h).
 *
 * md5 follows RFC 1321, sha1 and sha256 FIPS 180-4; their constants are
 * the ones those documents define (sines of 1..64, cube and square roots
 * of the first primes, sha1's four round constants inside sha1rnds4).
 * sha256 uses the SHA extensions: sha256rnds2 does two rounds on the state
 * held as the lanes {F,E,B,A} and {H,G,D,C}, which is how the state is kept
 * between blocks here, so it is only rearranged at the start and the end.
 * sha1rnds4 does four rounds on {D,C,B,A}, with E carried apart in the top
 * lane of a second register (sha1nexte rotates it into the next words):
 * both are kept so between blocks too. */
#include "digest.h"

#include <openssl/evp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "vec.h"

struct ms_hash {
  bool fast, with_md5, with_sha1;
  EVP_MD_CTX *evp_md5, *evp_sha256;
  EVP_MD_CTX *evp_sha1; /* files.log's sha1 on the EVP path */
  uint32_t md5[4];
  uint32_t sha[8];  /* F E B A H G D C */
  uint32_t sha1[8]; /* D C B A, then 0 0 0 E */
  uint64_t bytes;
  uint8_t tail[64]; /* an unfinished block */
  size_t tail_len;
};

static const char hexdigits[] = "0123456789abcdef";

static void to_hex(const uint8_t *d, size_t n, char *out) {
  for (size_t i = 0; i < n; i++) {
    out[2 * i] = hexdigits[d[i] >> 4];
    out[2 * i + 1] = hexdigits[d[i] & 15];
  }
  out[2 * n] = '\0';
}

/* ---- OpenSSL ------------------------------------------------------------ */

static EVP_MD_CTX *evp_new(const char *name) {
  static EVP_MD *md5, *sha1, *sha256; /* fetched once, not at every init */
  EVP_MD **slot = !strcmp(name, "MD5")    ? &md5
                  : !strcmp(name, "SHA1") ? &sha1
                                          : &sha256;
  if (!*slot)
    *slot = EVP_MD_fetch(NULL, name, NULL);
  EVP_MD_CTX *c = *slot ? EVP_MD_CTX_new() : NULL;
  if (!c || EVP_DigestInit_ex(c, *slot, NULL) != 1) {
    fputs("mailscope: cannot initialise a digest\n", stderr);
    abort();
  }
  return c;
}

static void evp_final(EVP_MD_CTX *c, char *hex) {
  unsigned char md[EVP_MAX_MD_SIZE];
  unsigned int n = 0;
  EVP_DigestFinal_ex(c, md, &n);
  EVP_MD_CTX_free(c);
  to_hex(md, n, hex);
}

/* ---- the SHA-extension path --------------------------------------------- */

#if defined(__x86_64__)
#include <cpuid.h>
#include <immintrin.h>

#define HASH_TARGET __attribute__((target("sha,ssse3")))

static const uint32_t sha256_k[64] = {
    0x428a2f98u, 0x71374491u, 0xb5c0fbcfu, 0xe9b5dba5u, 0x3956c25bu,
    0x59f111f1u, 0x923f82a4u, 0xab1c5ed5u, 0xd807aa98u, 0x12835b01u,
    0x243185beu, 0x550c7dc3u, 0x72be5d74u, 0x80deb1feu, 0x9bdc06a7u,
    0xc19bf174u, 0xe49b69c1u, 0xefbe4786u, 0x0fc19dc6u, 0x240ca1ccu,
    0x2de92c6fu, 0x4a7484aau, 0x5cb0a9dcu, 0x76f988dau, 0x983e5152u,
    0xa831c66du, 0xb00327c8u, 0xbf597fc7u, 0xc6e00bf3u, 0xd5a79147u,
    0x06ca6351u, 0x14292967u, 0x27b70a85u, 0x2e1b2138u, 0x4d2c6dfcu,
    0x53380d13u, 0x650a7354u, 0x766a0abbu, 0x81c2c92eu, 0x92722c85u,
    0xa2bfe8a1u, 0xa81a664bu, 0xc24b8b70u, 0xc76c51a3u, 0xd192e819u,
    0xd6990624u, 0xf40e3585u, 0x106aa070u, 0x19a4c116u, 0x1e376c08u,
    0x2748774cu, 0x34b0bcb5u, 0x391c0cb3u, 0x4ed8aa4au, 0x5b9cca4fu,
    0x682e6ff3u, 0x748f82eeu, 0x78a5636fu, 0x84c87814u, 0x8cc70208u,
    0x90befffau, 0xa4506cebu, 0xbef9a3f7u, 0xc67178f2u};

static int cpu_has_sha = -1; /* -1: not asked yet */
static bool accelerated_off;

static bool cpu_sha(void) {
  if (cpu_has_sha < 0) {
    unsigned a, b, c, d;
    bool ssse3 = __get_cpuid(1, &a, &b, &c, &d) && (c & bit_SSSE3);
    bool sha = __get_cpuid_count(7, 0, &a, &b, &c, &d) && (b & bit_SHA);
    cpu_has_sha = ssse3 && sha;
  }
  return cpu_has_sha;
}

/* Four rounds of sha256: the message words m (already scheduled) plus their
 * constants, two rounds per instruction. */
#define SHA_QUAD(abef, cdgh, m, q)                                             \
  do {                                                                         \
    __m128i wk_ = _mm_add_epi32(                                               \
        m, _mm_loadu_si128((const __m128i *)(sha256_k + 4 * (q))));            \
    cdgh = _mm_sha256rnds2_epu32(cdgh, abef, wk_);                             \
    abef = _mm_sha256rnds2_epu32(abef, cdgh, _mm_shuffle_epi32(wk_, 0x0e));    \
  } while (0)

/* W[t..t+3] from the four previous groups of four (w0 the oldest). */
#define SHA_SCHEDULE(w0, w1, w2, w3)                                           \
  _mm_sha256msg2_epu32(                                                        \
      _mm_add_epi32(_mm_sha256msg1_epu32(w0, w1), _mm_alignr_epi8(w3, w2, 4)), \
      w3)

#define MD5_F(x, y, z) ((z) ^ ((x) & ((y) ^ (z))))
#define MD5_G(x, y, z) ((y) ^ ((z) & ((x) ^ (y))))
#define MD5_H(x, y, z) ((x) ^ (y) ^ (z))
#define MD5_I(x, y, z) ((y) ^ ((x) | ~(z)))
#define MD5_STEP(f, a, b, c, d, x, t, s)                                       \
  do {                                                                         \
    a += f(b, c, d) + (x) + (t);                                               \
    a = ((a << (s)) | (a >> (32 - (s)))) + b;                                  \
  } while (0)

/* The 64 steps of md5 in sixteen groups of four, so that they can be
 * spread between the sha256 rounds.  X holds the block's words. */
#define MD5_GROUP(g)                                                           \
  do {                                                                         \
    switch (g) {                                                               \
    case 0:                                                                    \
      MD5_STEP(MD5_F, a, b, c, d, X[0], 0xd76aa478u, 7);                       \
      MD5_STEP(MD5_F, d, a, b, c, X[1], 0xe8c7b756u, 12);                      \
      MD5_STEP(MD5_F, c, d, a, b, X[2], 0x242070dbu, 17);                      \
      MD5_STEP(MD5_F, b, c, d, a, X[3], 0xc1bdceeeu, 22);                      \
      break;                                                                   \
    case 1:                                                                    \
      MD5_STEP(MD5_F, a, b, c, d, X[4], 0xf57c0fafu, 7);                       \
      MD5_STEP(MD5_F, d, a, b, c, X[5], 0x4787c62au, 12);                      \
      MD5_STEP(MD5_F, c, d, a, b, X[6], 0xa8304613u, 17);                      \
      MD5_STEP(MD5_F, b, c, d, a, X[7], 0xfd469501u, 22);                      \
      break;                                                                   \
    case 2:                                                                    \
      MD5_STEP(MD5_F, a, b, c, d, X[8], 0x698098d8u, 7);                       \
      MD5_STEP(MD5_F, d, a, b, c, X[9], 0x8b44f7afu, 12);                      \
      MD5_STEP(MD5_F, c, d, a, b, X[10], 0xffff5bb1u, 17);                     \
      MD5_STEP(MD5_F, b, c, d, a, X[11], 0x895cd7beu, 22);                     \
      break;                                                                   \
    case 3:                                                                    \
      MD5_STEP(MD5_F, a, b, c, d, X[12], 0x6b901122u, 7);                      \
      MD5_STEP(MD5_F, d, a, b, c, X[13], 0xfd987193u, 12);                     \
      MD5_STEP(MD5_F, c, d, a, b, X[14], 0xa679438eu, 17);                     \
      MD5_STEP(MD5_F, b, c, d, a, X[15], 0x49b40821u, 22);                     \
      break;                                                                   \
    case 4:                                                                    \
      MD5_STEP(MD5_G, a, b, c, d, X[1], 0xf61e2562u, 5);                       \
      MD5_STEP(MD5_G, d, a, b, c, X[6], 0xc040b340u, 9);                       \
      MD5_STEP(MD5_G, c, d, a, b, X[11], 0x265e5a51u, 14);                     \
      MD5_STEP(MD5_G, b, c, d, a, X[0], 0xe9b6c7aau, 20);                      \
      break;                                                                   \
    case 5:                                                                    \
      MD5_STEP(MD5_G, a, b, c, d, X[5], 0xd62f105du, 5);                       \
      MD5_STEP(MD5_G, d, a, b, c, X[10], 0x02441453u, 9);                      \
      MD5_STEP(MD5_G, c, d, a, b, X[15], 0xd8a1e681u, 14);                     \
      MD5_STEP(MD5_G, b, c, d, a, X[4], 0xe7d3fbc8u, 20);                      \
      break;                                                                   \
    case 6:                                                                    \
      MD5_STEP(MD5_G, a, b, c, d, X[9], 0x21e1cde6u, 5);                       \
      MD5_STEP(MD5_G, d, a, b, c, X[14], 0xc33707d6u, 9);                      \
      MD5_STEP(MD5_G, c, d, a, b, X[3], 0xf4d50d87u, 14);                      \
      MD5_STEP(MD5_G, b, c, d, a, X[8], 0x455a14edu, 20);                      \
      break;                                                                   \
    case 7:                                                                    \
      MD5_STEP(MD5_G, a, b, c, d, X[13], 0xa9e3e905u, 5);                      \
      MD5_STEP(MD5_G, d, a, b, c, X[2], 0xfcefa3f8u, 9);                       \
      MD5_STEP(MD5_G, c, d, a, b, X[7], 0x676f02d9u, 14);                      \
      MD5_STEP(MD5_G, b, c, d, a, X[12], 0x8d2a4c8au, 20);                     \
      break;                                                                   \
    case 8:                                                                    \
      MD5_STEP(MD5_H, a, b, c, d, X[5], 0xfffa3942u, 4);                       \
      MD5_STEP(MD5_H, d, a, b, c, X[8], 0x8771f681u, 11);                      \
      MD5_STEP(MD5_H, c, d, a, b, X[11], 0x6d9d6122u, 16);                     \
      MD5_STEP(MD5_H, b, c, d, a, X[14], 0xfde5380cu, 23);                     \
      break;                                                                   \
    case 9:                                                                    \
      MD5_STEP(MD5_H, a, b, c, d, X[1], 0xa4beea44u, 4);                       \
      MD5_STEP(MD5_H, d, a, b, c, X[4], 0x4bdecfa9u, 11);                      \
      MD5_STEP(MD5_H, c, d, a, b, X[7], 0xf6bb4b60u, 16);                      \
      MD5_STEP(MD5_H, b, c, d, a, X[10], 0xbebfbc70u, 23);                     \
      break;                                                                   \
    case 10:                                                                   \
      MD5_STEP(MD5_H, a, b, c, d, X[13], 0x289b7ec6u, 4);                      \
      MD5_STEP(MD5_H, d, a, b, c, X[0], 0xeaa127fau, 11);                      \
      MD5_STEP(MD5_H, c, d, a, b, X[3], 0xd4ef3085u, 16);                      \
      MD5_STEP(MD5_H, b, c, d, a, X[6], 0x04881d05u, 23);                      \
      break;                                                                   \
    case 11:                                                                   \
      MD5_STEP(MD5_H, a, b, c, d, X[9], 0xd9d4d039u, 4);                       \
      MD5_STEP(MD5_H, d, a, b, c, X[12], 0xe6db99e5u, 11);                     \
      MD5_STEP(MD5_H, c, d, a, b, X[15], 0x1fa27cf8u, 16);                     \
      MD5_STEP(MD5_H, b, c, d, a, X[2], 0xc4ac5665u, 23);                      \
      break;                                                                   \
    case 12:                                                                   \
      MD5_STEP(MD5_I, a, b, c, d, X[0], 0xf4292244u, 6);                       \
      MD5_STEP(MD5_I, d, a, b, c, X[7], 0x432aff97u, 10);                      \
      MD5_STEP(MD5_I, c, d, a, b, X[14], 0xab9423a7u, 15);                     \
      MD5_STEP(MD5_I, b, c, d, a, X[5], 0xfc93a039u, 21);                      \
      break;                                                                   \
    case 13:                                                                   \
      MD5_STEP(MD5_I, a, b, c, d, X[12], 0x655b59c3u, 6);                      \
      MD5_STEP(MD5_I, d, a, b, c, X[3], 0x8f0ccc92u, 10);                      \
      MD5_STEP(MD5_I, c, d, a, b, X[10], 0xffeff47du, 15);                     \
      MD5_STEP(MD5_I, b, c, d, a, X[1], 0x85845dd1u, 21);                      \
      break;                                                                   \
    case 14:                                                                   \
      MD5_STEP(MD5_I, a, b, c, d, X[8], 0x6fa87e4fu, 6);                       \
      MD5_STEP(MD5_I, d, a, b, c, X[15], 0xfe2ce6e0u, 10);                     \
      MD5_STEP(MD5_I, c, d, a, b, X[6], 0xa3014314u, 15);                      \
      MD5_STEP(MD5_I, b, c, d, a, X[13], 0x4e0811a1u, 21);                     \
      break;                                                                   \
    default:                                                                   \
      MD5_STEP(MD5_I, a, b, c, d, X[4], 0xf7537e82u, 6);                       \
      MD5_STEP(MD5_I, d, a, b, c, X[11], 0xbd3af235u, 10);                     \
      MD5_STEP(MD5_I, c, d, a, b, X[2], 0x2ad7d2bbu, 15);                      \
      MD5_STEP(MD5_I, b, c, d, a, X[9], 0xeb86d391u, 21);                      \
    }                                                                          \
  } while (0)

/* One quad-round of a sha256 stream: its message words (loaded or
 * scheduled) and four rounds. */
#define SHA_STEP(abef, cdgh, w, p, q)                                          \
  do {                                                                         \
    __m128i m_;                                                                \
    if ((q) < 4)                                                               \
      m_ = _mm_shuffle_epi8(_mm_loadu_si128((const __m128i *)(p + 16 * (q))),  \
                            bswap);                                            \
    else                                                                       \
      m_ = SHA_SCHEDULE(w[(q)&3], w[((q) + 1) & 3], w[((q) + 2) & 3],          \
                        w[((q) + 3) & 3]);                                     \
    w[(q)&3] = m_;                                                             \
    SHA_QUAD(abef, cdgh, m_, q);                                               \
  } while (0)

/* The four rounds of sha1 quad q (0..19): its round function and
 * constant are q / 5, an immediate, so each is spelt out. */
#define SHA1_RNDS4(abcd, e, q)                                                 \
  do {                                                                         \
    switch ((q) / 5) {                                                         \
    case 0:                                                                    \
      abcd = _mm_sha1rnds4_epu32(abcd, e, 0);                                  \
      break;                                                                   \
    case 1:                                                                    \
      abcd = _mm_sha1rnds4_epu32(abcd, e, 1);                                  \
      break;                                                                   \
    case 2:                                                                    \
      abcd = _mm_sha1rnds4_epu32(abcd, e, 2);                                  \
      break;                                                                   \
    default:                                                                   \
      abcd = _mm_sha1rnds4_epu32(abcd, e, 3);                                  \
    }                                                                          \
  } while (0)

/* One quad-round of sha1: its message words, W[4q..4q+3] with W[4q] in
 * the top lane (loaded, or W[t] = rol1(W[t-3]^W[t-8]^W[t-14]^W[t-16]) by
 * sha1msg1/sha1msg2 from the four groups before), E of this quad (the
 * state's E for the first, else A of four rounds ago rotated by sha1nexte)
 * added to them, then four rounds.  prev keeps {D,C,B,A} of before. */
#define SHA1_STEP(abcd, e, prev, w, p, q)                                      \
  do {                                                                         \
    __m128i m_, e_;                                                            \
    if ((q) < 4)                                                               \
      m_ = _mm_shuffle_epi8(_mm_loadu_si128((const __m128i *)(p + 16 * (q))),  \
                            reverse);                                          \
    else                                                                       \
      m_ = _mm_sha1msg2_epu32(                                                 \
          _mm_xor_si128(_mm_sha1msg1_epu32(w[(q)&3], w[((q) + 1) & 3]),        \
                        w[((q) + 2) & 3]),                                     \
          w[((q) + 3) & 3]);                                                   \
    w[(q)&3] = m_;                                                             \
    e_ = (q) == 0 ? _mm_add_epi32(e, m_) : _mm_sha1nexte_epu32(prev, m_);      \
    prev = abcd;                                                               \
    SHA1_RNDS4(abcd, e_, q);                                                   \
  } while (0)

/* Which digests a pass computes; constants in each caller, so each
 * combination is compiled apart. */
enum { WITH_MD5 = 1, WITH_SHA1 = 2, WITH_SECOND = 4 };

/* Blocks of 64 bytes into sha256 and, by `with`, md5 and sha1 of the same
 * bytes and n blocks of another stream (p2) into a second sha256 (sha2).
 * The steps of all the chains are interleaved, step q of each together:
 * sha1 has 20 quad-rounds, each sha256 16, md5 16 groups of four steps
 * (each chain is a run of dependent steps; side by side the core runs them
 * at once, and md5's chain, the longest, sets the pace: bench/digest_cost.c
 * measures md5 + sha1 + sha256 at about the cost of md5 + sha256). */
HASH_TARGET static inline __attribute__((always_inline)) void
blocks_of(uint32_t sha[8], uint32_t *md5, uint32_t *sha1, const uint8_t *p,
          uint32_t *sha2, const uint8_t *p2, size_t n, const int with) {
  const bool with_md5 = with & WITH_MD5, with_sha1 = with & WITH_SHA1,
             with_second = with & WITH_SECOND;
  const __m128i bswap =
      _mm_setr_epi8(3, 2, 1, 0, 7, 6, 5, 4, 11, 10, 9, 8, 15, 14, 13, 12);
  const __m128i reverse =
      _mm_setr_epi8(15, 14, 13, 12, 11, 10, 9, 8, 7, 6, 5, 4, 3, 2, 1, 0);
  __m128i abef = _mm_loadu_si128((const __m128i *)sha);
  __m128i cdgh = _mm_loadu_si128((const __m128i *)(sha + 4));
  __m128i abef2 = _mm_setzero_si128(), cdgh2 = _mm_setzero_si128();
  __m128i abcd = _mm_setzero_si128(), e = _mm_setzero_si128();
  if (with_second) {
    abef2 = _mm_loadu_si128((const __m128i *)sha2);
    cdgh2 = _mm_loadu_si128((const __m128i *)(sha2 + 4));
  }
  if (with_sha1) {
    abcd = _mm_loadu_si128((const __m128i *)sha1);
    e = _mm_loadu_si128((const __m128i *)(sha1 + 4));
  }
  uint32_t a = 0, b = 0, c = 0, d = 0;
  if (with_md5)
    a = md5[0], b = md5[1], c = md5[2], d = md5[3];
  for (; n; n--, p += 64) {
    const __m128i abef0 = abef, cdgh0 = cdgh, abef20 = abef2, cdgh20 = cdgh2;
    const __m128i abcd0 = abcd, e0 = e;
    const uint32_t a0 = a, b0 = b, c0 = c, d0 = d;
    uint32_t X[16];
    if (with_md5)
      memcpy(X, p, 64); /* md5's words are little-endian, as x86 reads */
    __m128i w[4], w2[4], w1[4], prev1 = abcd;
    /* the compiler unrolls the loop, the switches fold away */
#pragma GCC unroll 20
    for (int q = 0; q < 20; q++) { /* 16..19: sha1 alone */
      if (q < 16)
        SHA_STEP(abef, cdgh, w, p, q);
      if (with_second && q < 16)
        SHA_STEP(abef2, cdgh2, w2, p2, q);
      if (with_md5 && q < 16)
        MD5_GROUP(q);
      if (with_sha1)
        SHA1_STEP(abcd, e, prev1, w1, p, q);
    }
    abef = _mm_add_epi32(abef, abef0);
    cdgh = _mm_add_epi32(cdgh, cdgh0);
    if (with_second) {
      abef2 = _mm_add_epi32(abef2, abef20);
      cdgh2 = _mm_add_epi32(cdgh2, cdgh20);
      p2 += 64; /* only here: p2 is NULL without a second stream, and even
                   NULL + 0 is undefined (clang's UBSan, fuzz_message) */
    }
    if (with_sha1) {
      e = _mm_sha1nexte_epu32(prev1, e0); /* E += rol30(A of 4 rounds ago) */
      abcd = _mm_add_epi32(abcd, abcd0);
    }
    a += a0, b += b0, c += c0, d += d0;
  }
  _mm_storeu_si128((__m128i *)sha, abef);
  _mm_storeu_si128((__m128i *)(sha + 4), cdgh);
  if (with_second) {
    _mm_storeu_si128((__m128i *)sha2, abef2);
    _mm_storeu_si128((__m128i *)(sha2 + 4), cdgh2);
  }
  if (with_sha1) {
    _mm_storeu_si128((__m128i *)sha1, abcd);
    _mm_storeu_si128((__m128i *)(sha1 + 4), e);
  }
  if (with_md5)
    md5[0] = a, md5[1] = b, md5[2] = c, md5[3] = d;
}

/* The compiled combinations, one function each (the digests a stream
 * carries: sha256 always, md5 and sha1 when asked; a second sha256
 * stream alongside). */
#define BLOCKS_FN(name, with)                                                  \
  HASH_TARGET static void name(uint32_t sha[8], uint32_t *md5, uint32_t *sha1, \
                               const uint8_t *p, uint32_t *sha2,               \
                               const uint8_t *p2, size_t n) {                  \
    blocks_of(sha, md5, sha1, p, sha2, p2, n, with);                           \
  }
BLOCKS_FN(sha_blocks, 0)
BLOCKS_FN(md5_sha_blocks, WITH_MD5)
BLOCKS_FN(sha1_sha_blocks, WITH_SHA1)
BLOCKS_FN(md5_sha1_sha_blocks, WITH_MD5 | WITH_SHA1)
BLOCKS_FN(sha_with_sha_blocks, WITH_SECOND)
BLOCKS_FN(md5_sha_with_sha_blocks, WITH_MD5 | WITH_SECOND)
BLOCKS_FN(sha1_sha_with_sha_blocks, WITH_SHA1 | WITH_SECOND)
BLOCKS_FN(md5_sha1_sha_with_sha_blocks, WITH_MD5 | WITH_SHA1 | WITH_SECOND)

typedef void blocks_fn(uint32_t *, uint32_t *, uint32_t *, const uint8_t *,
                       uint32_t *, const uint8_t *, size_t);

/* The function for h's digests (md5? sha1?), with a second stream or not. */
static blocks_fn *blocks_for(const ms_hash *h, bool second) {
  static blocks_fn *const table[8] = {sha_blocks,
                                      md5_sha_blocks,
                                      sha1_sha_blocks,
                                      md5_sha1_sha_blocks,
                                      sha_with_sha_blocks,
                                      md5_sha_with_sha_blocks,
                                      sha1_sha_with_sha_blocks,
                                      md5_sha1_sha_with_sha_blocks};
  return table[(h->with_md5 ? WITH_MD5 : 0) | (h->with_sha1 ? WITH_SHA1 : 0) |
               (second ? WITH_SECOND : 0)];
}

/* md5 alone (the last blocks: md5 and sha256 pad the length differently). */
static void md5_blocks(uint32_t md5[4], const uint8_t *p, size_t n) {
  uint32_t a = md5[0], b = md5[1], c = md5[2], d = md5[3];
  for (; n; n--, p += 64) {
    const uint32_t a0 = a, b0 = b, c0 = c, d0 = d;
    uint32_t X[16];
    memcpy(X, p, 64);
    for (int g = 0; g < 16; g++)
      MD5_GROUP(g);
    a += a0, b += b0, c += c0, d += d0;
  }
  md5[0] = a, md5[1] = b, md5[2] = c, md5[3] = d;
}

static void fast_init(ms_hash *h) {
  static const uint32_t iv[8] = {0x6a09e667u, 0xbb67ae85u, 0x3c6ef372u,
                                 0xa54ff53au, 0x510e527fu, 0x9b05688cu,
                                 0x1f83d9abu, 0x5be0cd19u}; /* A..H */
  static const uint32_t lanes[8] = {5, 4, 1, 0,
                                    7, 6, 3, 2}; /* F E B A H G D C */
  for (int i = 0; i < 8; i++)
    h->sha[i] = iv[lanes[i]];
  h->md5[0] = 0x67452301u;
  h->md5[1] = 0xefcdab89u;
  h->md5[2] = 0x98badcfeu;
  h->md5[3] = 0x10325476u;
}

static void fast_blocks(ms_hash *h, const uint8_t *p, size_t n) {
  blocks_for(h, false)(h->sha, h->md5, h->sha1, p, NULL, NULL, n);
}

/* n blocks of each into h (md5, sha1 or not) and h2 (sha256 only),
 * together. */
static void fast_blocks2(ms_hash *h, const uint8_t *p, ms_hash *h2,
                         const uint8_t *p2, size_t n) {
  blocks_for(h, true)(h->sha, h->md5, h->sha1, p, h2->sha, p2, n);
}

static void fast_init_sha1(ms_hash *h) {
  static const uint32_t iv[8] = {0x10325476u, 0x98badcfeu, 0xefcdab89u,
                                 0x67452301u, 0,           0,
                                 0,           0xc3d2e1f0u}; /* D C B A, E */
  memcpy(h->sha1, iv, sizeof iv);
  h->with_sha1 = true;
}

/* The padded last block(s): 0x80, zeros, the length in bits, big-endian
 * for sha256 and sha1, little-endian for md5. */
static void fast_final(ms_hash *h, char *md5_hex, char *sha1_hex,
                       char *sha256_hex) {
  uint8_t pad[128];
  size_t n = h->tail_len, total = n + 9 <= 64 ? 64 : 128;
  uint64_t bits = h->bytes * 8;
  memcpy(pad, h->tail, n);
  pad[n] = 0x80;
  memset(pad + n + 1, 0, total - n - 1);
  for (int i = 0; i < 8; i++)
    pad[total - 1 - i] = (uint8_t)(bits >> (8 * i));
  (h->with_sha1 ? sha1_sha_blocks : sha_blocks)(h->sha, NULL, h->sha1, pad,
                                                NULL, NULL, total / 64);
  static const int order[8] = {3, 2, 7, 6, 1, 0, 5, 4}; /* A..H in lanes */
  uint8_t out[32];
  for (int i = 0; i < 8; i++)
    for (int k = 0; k < 4; k++)
      out[4 * i + k] = (uint8_t)(h->sha[order[i]] >> (24 - 8 * k));
  to_hex(out, 32, sha256_hex);
  static const int order1[5] = {3, 2, 1, 0, 7}; /* A..E in lanes */
  for (int i = 0; i < 5 && h->with_sha1 && sha1_hex; i++)
    for (int k = 0; k < 4; k++)
      out[4 * i + k] = (uint8_t)(h->sha1[order1[i]] >> (24 - 8 * k));
  if (h->with_sha1 && sha1_hex)
    to_hex(out, 20, sha1_hex);
  if (!h->with_md5)
    return;
  for (int i = 0; i < 8; i++)
    pad[total - 8 + i] = (uint8_t)(bits >> (8 * i));
  md5_blocks(h->md5, pad, total / 64);
  for (int i = 0; i < 4; i++)
    for (int k = 0; k < 4; k++)
      out[4 * i + k] = (uint8_t)(h->md5[i] >> (8 * k));
  to_hex(out, 16, md5_hex);
}

#else /* no SHA extensions to use */

static bool accelerated_off;
static bool cpu_sha(void) { return false; }
static void fast_init(ms_hash *h) { (void)h; }
static void fast_blocks(ms_hash *h, const uint8_t *p, size_t n) {
  (void)h, (void)p, (void)n;
}
static void fast_blocks2(ms_hash *h, const uint8_t *p, ms_hash *h2,
                         const uint8_t *p2, size_t n) {
  (void)h, (void)p, (void)h2, (void)p2, (void)n;
}
static void fast_init_sha1(ms_hash *h) { (void)h; }
static void fast_final(ms_hash *h, char *md5_hex, char *sha1_hex,
                       char *sha256_hex) {
  (void)h, (void)md5_hex, (void)sha1_hex, (void)sha256_hex;
}

#endif

bool ms_hash_accelerated(void) { return cpu_sha() && !accelerated_off; }

void ms_hash_set_accelerated(bool on) { accelerated_off = !on; }

ms_hash *ms_hash_new(bool with_md5) {
  ms_hash *h = xcalloc(1, sizeof *h);
  h->with_md5 = with_md5;
  h->fast = ms_hash_accelerated();
  if (h->fast) {
    fast_init(h);
  } else {
    h->evp_sha256 = evp_new("SHA256");
    if (with_md5)
      h->evp_md5 = evp_new("MD5");
  }
  return h;
}

void ms_hash_add_sha1(ms_hash *h) {
  if (h->fast)
    fast_init_sha1(h);
  else if (!h->evp_sha1)
    h->evp_sha1 = evp_new("SHA1");
}

/* Complete h's unfinished block from *p; false when *p ran out first. */
static bool top_up(ms_hash *h, const uint8_t **p, size_t *n) {
  h->bytes += *n;
  if (!h->tail_len)
    return true;
  size_t take = 64 - h->tail_len < *n ? 64 - h->tail_len : *n;
  memcpy(h->tail + h->tail_len, *p, take);
  h->tail_len += take;
  *p += take;
  *n -= take;
  if (h->tail_len < 64)
    return false;
  fast_blocks(h, h->tail, 1);
  h->tail_len = 0;
  return true;
}

static void keep_tail(ms_hash *h, const uint8_t *p, size_t n) {
  memcpy(h->tail, p, n);
  h->tail_len = n;
}

void ms_hash_update(ms_hash *h, const uint8_t *p, size_t n) {
  if (!n)
    return; /* p may be NULL */
  if (!h->fast) {
    if (h->evp_sha1)
      EVP_DigestUpdate(h->evp_sha1, p, n);
    EVP_DigestUpdate(h->evp_sha256, p, n);
    if (h->evp_md5)
      EVP_DigestUpdate(h->evp_md5, p, n);
    return;
  }
  if (!top_up(h, &p, &n))
    return;
  if (n >= 64)
    fast_blocks(h, p, n / 64);
  keep_tail(h, p + n / 64 * 64, n % 64);
}

void ms_hash_update2(ms_hash *h, const uint8_t *p, size_t n, ms_hash *h2,
                     const uint8_t *p2, size_t n2) {
  if (!n || !n2 || !h->fast || !h2->fast || h2->with_md5 || h2->with_sha1) {
    ms_hash_update(h, p, n);
    ms_hash_update(h2, p2, n2);
    return;
  }
  bool more = top_up(h, &p, &n), more2 = top_up(h2, &p2, &n2);
  size_t k = more ? n / 64 : 0, k2 = more2 ? n2 / 64 : 0;
  size_t both = k < k2 ? k : k2;
  if (both)
    fast_blocks2(h, p, h2, p2, both);
  if (k > both)
    fast_blocks(h, p + 64 * both, k - both);
  if (k2 > both)
    fast_blocks(h2, p2 + 64 * both, k2 - both);
  if (more)
    keep_tail(h, p + 64 * k, n % 64);
  if (more2)
    keep_tail(h2, p2 + 64 * k2, n2 % 64);
}

void ms_hash_final(ms_hash *h, char md5_hex[33], char sha256_hex[65]) {
  ms_hash_final3(h, md5_hex, NULL, sha256_hex);
}

void ms_hash_final3(ms_hash *h, char md5_hex[33], char sha1_hex[41],
                    char sha256_hex[65]) {
  if (h->fast) {
    fast_final(h, md5_hex, sha1_hex, sha256_hex);
  } else {
    if (h->evp_sha1 && sha1_hex)
      evp_final(h->evp_sha1, sha1_hex);
    else if (h->evp_sha1)
      EVP_MD_CTX_free(h->evp_sha1);
    evp_final(h->evp_sha256, sha256_hex);
    if (h->evp_md5)
      evp_final(h->evp_md5, md5_hex);
  }
  free(h);
}
