/* keyhash.c - SipHash-2-4 under a per-process key (see keyhash.h). */
#include "keyhash.h"

#include <string.h>
#include <sys/random.h>
#include <time.h>
#include <unistd.h>

#define ROTL(x, b) (uint64_t)(((x) << (b)) | ((x) >> (64 - (b))))

static uint64_t le64(const uint8_t *p) {
  uint64_t v = 0;
  for (int i = 7; i >= 0; i--)
    v = v << 8 | p[i];
  return v;
}

static void sipround(uint64_t v[4]) {
  v[0] += v[1];
  v[1] = ROTL(v[1], 13);
  v[1] ^= v[0];
  v[0] = ROTL(v[0], 32);
  v[2] += v[3];
  v[3] = ROTL(v[3], 16);
  v[3] ^= v[2];
  v[0] += v[3];
  v[3] = ROTL(v[3], 21);
  v[3] ^= v[0];
  v[2] += v[1];
  v[1] = ROTL(v[1], 17);
  v[1] ^= v[2];
  v[2] = ROTL(v[2], 32);
}

static void compress(uint64_t v[4], uint64_t m) {
  v[3] ^= m;
  sipround(v);
  sipround(v);
  v[0] ^= m;
}

uint64_t ms_siphash(const uint8_t key[16], const void *data, size_t n) {
  const uint8_t *p = data;
  uint64_t k0 = le64(key), k1 = le64(key + 8);
  uint64_t v[4] = {k0 ^ 0x736f6d6570736575ULL, k1 ^ 0x646f72616e646f6dULL,
                   k0 ^ 0x6c7967656e657261ULL, k1 ^ 0x7465646279746573ULL};
  size_t whole = n - n % 8;
  for (size_t i = 0; i < whole; i += 8)
    compress(v, le64(p + i));
  uint8_t last[8] = {0};
  memcpy(last, p + whole, n % 8);
  last[7] = (uint8_t)n;
  compress(v, le64(last));
  v[2] ^= 0xff;
  for (int i = 0; i < 4; i++)
    sipround(v);
  return v[0] ^ v[1] ^ v[2] ^ v[3];
}

const uint8_t *ms_keyhash_key(void) {
  static uint8_t key[16];
  static int ready;
  if (!ready) {
    if (getrandom(key, sizeof key, GRND_NONBLOCK) != (ssize_t)sizeof key) {
      uint64_t a = (uint64_t)time(NULL), b = (uint64_t)getpid();
      memcpy(key, &a, 8);
      memcpy(key + 8, &b, 8);
    }
    ready = 1;
  }
  return key;
}

uint64_t ms_keyhash(const void *data, size_t n) {
  return ms_siphash(ms_keyhash_key(), data, n);
}
