/* siphash.c - SipHash-1-3 with a per-run key (see siphash.h).
 *
 * Written from the algorithm's description (Aumasson and Bernstein,
 * "SipHash: a fast short-input PRF", 2012): four 64-bit words of state,
 * the message in little-endian 64-bit words, the last one carrying the
 * length in its top byte; c rounds per word, d at the end. */
#include "siphash.h"

#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <time.h>
#include <unistd.h>

static uint64_t rotl(uint64_t x, int b) { return (x << b) | (x >> (64 - b)); }

typedef struct {
  uint64_t v0, v1, v2, v3;
} sip_state;

static inline void sip_round(sip_state *s) {
  s->v0 += s->v1;
  s->v1 = rotl(s->v1, 13) ^ s->v0;
  s->v0 = rotl(s->v0, 32);
  s->v2 += s->v3;
  s->v3 = rotl(s->v3, 16) ^ s->v2;
  s->v0 += s->v3;
  s->v3 = rotl(s->v3, 21) ^ s->v0;
  s->v2 += s->v1;
  s->v1 = rotl(s->v1, 17) ^ s->v2;
  s->v2 = rotl(s->v2, 32);
}

static uint64_t le64(const uint8_t *p) {
  uint64_t v;
  memcpy(&v, p, 8);
#if __BYTE_ORDER__ == __ORDER_BIG_ENDIAN__
  v = __builtin_bswap64(v);
#endif
  return v;
}

static inline void sip_word(sip_state *s, uint64_t m, int c) {
  s->v3 ^= m;
  for (int i = 0; i < c; i++)
    sip_round(s);
  s->v0 ^= m;
}

static inline uint64_t sip(uint64_t k0, uint64_t k1, int c, int d,
                           const uint8_t *p, size_t len) {
  sip_state s = {k0 ^ 0x736f6d6570736575ULL, k1 ^ 0x646f72616e646f6dULL,
                 k0 ^ 0x6c7967656e657261ULL, k1 ^ 0x7465646279746573ULL};
  size_t whole = len & ~(size_t)7;
  for (size_t i = 0; i < whole; i += 8)
    sip_word(&s, le64(p + i), c);
  uint64_t last = (uint64_t)(len & 0xff) << 56;
  for (size_t i = 0; i < (len & 7); i++)
    last |= (uint64_t)p[whole + i] << (8 * i);
  sip_word(&s, last, c);
  s.v2 ^= 0xff;
  for (int i = 0; i < d; i++)
    sip_round(&s);
  return s.v0 ^ s.v1 ^ s.v2 ^ s.v3;
}

uint64_t ms_siphash_with(const uint8_t key[16], int c, int d, const void *data,
                         size_t len) {
  return sip(le64(key), le64(key + 8), c, d, data, len);
}

static uint64_t key0, key1;
static bool keyed;

/* getrandom never fails for 16 bytes once the pool is ready; should it
 * (an old kernel), the time and pid still make a key nobody chose. */
void ms_siphash_init(void) {
  if (keyed)
    return;
  uint8_t k[16];
  ssize_t got;
  do
    got = getrandom(k, sizeof k, 0);
  while (got < 0 && errno == EINTR);
  if (got != (ssize_t)sizeof k) {
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    uint64_t t = (uint64_t)ts.tv_sec * 1000000007ULL ^ (uint64_t)ts.tv_nsec;
    uint64_t pid = (uint64_t)getpid();
    memcpy(k, &t, 8);
    memcpy(k + 8, &pid, 8);
  }
  key0 = le64(k);
  key1 = le64(k + 8);
  keyed = true;
}

const ms_sipkey *ms_siphash_key(void) {
  static ms_sipkey key;
  if (!keyed)
    ms_siphash_init();
  key.k0 = key0;
  key.k1 = key1;
  return &key;
}

uint64_t ms_siphash(const void *data, size_t len) {
  if (!keyed)
    ms_siphash_init();
  return sip(key0, key1, 1, 3, data, len);
}
