/* siphash.h - SipHash-1-3 under a secret key drawn once per run.
 *
 * Every table whose keys come from the wire (the session table, the
 * memory of dropped flows, IP fragments being reassembled) picks its
 * buckets with it: without the key, nobody can choose keys that share a
 * bucket.  The key comes from getrandom(2) the first time it is needed;
 * ms_siphash_init() draws it early (before a seccomp sandbox or a fork).
 * Nothing mailscope prints may depend on the key: it only places entries
 * in buckets.
 *
 * ms_siphash() hashes bytes; ms_siphash_words() the same function of
 * whole little-endian 64-bit words, inline, for the per-packet table hash.
 * ms_siphash_with() takes an explicit key and round counts (c = 1, d = 3
 * is SipHash-1-3; 2, 4 is SipHash-2-4) for the unit tests' vectors.
 */
#ifndef MAILSCOPE_SIPHASH_H
#define MAILSCOPE_SIPHASH_H

#include <stddef.h>
#include <stdint.h>

typedef struct {
  uint64_t k0, k1;
} ms_sipkey;

void ms_siphash_init(void);
/* The run's key (drawn if it was not yet). */
const ms_sipkey *ms_siphash_key(void);
uint64_t ms_siphash(const void *data, size_t len);
uint64_t ms_siphash_with(const uint8_t key[16], int c, int d, const void *data,
                         size_t len);

static inline uint64_t ms_sip_rotl(uint64_t x, int b) {
  return (x << b) | (x >> (64 - b));
}

#define MS_SIPROUND(v0, v1, v2, v3)                                            \
  do {                                                                         \
    v0 += v1;                                                                  \
    v1 = ms_sip_rotl(v1, 13) ^ v0;                                             \
    v0 = ms_sip_rotl(v0, 32);                                                  \
    v2 += v3;                                                                  \
    v3 = ms_sip_rotl(v3, 16) ^ v2;                                             \
    v0 += v3;                                                                  \
    v3 = ms_sip_rotl(v3, 21) ^ v0;                                             \
    v2 += v1;                                                                  \
    v1 = ms_sip_rotl(v1, 17) ^ v2;                                             \
    v2 = ms_sip_rotl(v2, 32);                                                  \
  } while (0)

/* SipHash-1-3 of the 8n bytes that the words are, in little-endian. */
static inline uint64_t ms_siphash_words(const ms_sipkey *k, const uint64_t *w,
                                        size_t n) {
  uint64_t v0 = k->k0 ^ 0x736f6d6570736575ULL,
           v1 = k->k1 ^ 0x646f72616e646f6dULL;
  uint64_t v2 = k->k0 ^ 0x6c7967656e657261ULL,
           v3 = k->k1 ^ 0x7465646279746573ULL;
  for (size_t i = 0; i <= n; i++) {
    uint64_t m = i < n ? w[i] : (uint64_t)(8 * n & 0xff) << 56;
    v3 ^= m;
    MS_SIPROUND(v0, v1, v2, v3);
    v0 ^= m;
  }
  v2 ^= 0xff;
  MS_SIPROUND(v0, v1, v2, v3);
  MS_SIPROUND(v0, v1, v2, v3);
  MS_SIPROUND(v0, v1, v2, v3);
  return v0 ^ v1 ^ v2 ^ v3;
}

#endif
