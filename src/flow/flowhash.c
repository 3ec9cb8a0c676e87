/* flowhash.c - flow hashes and session uids (see flowhash.h). */
#include "flowhash.h"

#include <stdbool.h>
#include <string.h>

#include "siphash.h"

static uint64_t mix64(uint64_t x) {
  x ^= x >> 30;
  x *= 0xbf58476d1ce4e5b9ULL;
  x ^= x >> 27;
  x *= 0x94d049bb133111ebULL;
  x ^= x >> 31;
  return x;
}

static uint64_t hash_bytes(uint64_t h, const uint8_t *p, size_t n) {
  for (size_t i = 0; i < n; i++)
    h = (h ^ p[i]) * 0x100000001b3ULL;
  return h;
}

static uint64_t endpoint_hash(const uint8_t *addr, uint16_t port) {
  uint64_t h = hash_bytes(0xcbf29ce484222325ULL, addr, 16);
  return mix64(h ^ port);
}

/* Symmetric: the same for both directions of a connection.  This one
 * makes the uid, computed once per connection; its byte-wise FNV is too
 * slow for every packet. */
static uint64_t uid_hash(const ms_tcp *s) {
  return endpoint_hash(s->src, s->sport) + endpoint_hash(s->dst, s->dport);
}

static uint64_t endpoint_key(const uint8_t *addr, uint16_t port) {
  uint64_t a, b;
  memcpy(&a, addr, 8);
  memcpy(&b, addr + 8, 8);
  return mix64(a ^ mix64(b ^ ((uint64_t)port << 48 | port)));
}

/* --workers' split: symmetric too, a few multiplications per packet, and
 * fixed, so that every worker computes the same split. */
int ms_flow_worker(const ms_tcp *s, int workers) {
  uint64_t h = endpoint_key(s->src, s->sport) + endpoint_key(s->dst, s->dport);
  return workers > 1 ? (int)(mix64(h) % (uint64_t)workers) : 0;
}

/* The table's: SipHash of the tuple in 64-bit words, its two ends in a
 * fixed order (the lower address and port first) so that both directions
 * hash alike.  IPv4: two words, (address << 16 | port) each; IPv6: the
 * lower end's address, the higher's, then both ports. */
uint64_t ms_flow_hash(const ms_tcp *s) {
  static const ms_sipkey *key;
  if (!key)
    key = ms_siphash_key();
  if (s->ip_version == 4) {
    uint32_t a, b;
    memcpy(&a, s->src, 4);
    memcpy(&b, s->dst, 4);
    uint64_t x = (uint64_t)a << 16 | s->sport, y = (uint64_t)b << 16 | s->dport;
    uint64_t w[2] = {x < y ? x : y, x < y ? y : x};
    return ms_siphash_words(key, w, 2);
  }
  int c = memcmp(s->src, s->dst, 16);
  bool swap = c > 0 || (c == 0 && s->sport > s->dport);
  const uint8_t *lo = swap ? s->dst : s->src, *hi = swap ? s->src : s->dst;
  uint64_t w[5];
  memcpy(w, lo, 16);
  memcpy(w + 2, hi, 16);
  w[4] = swap ? (uint64_t)s->dport << 16 | s->sport
              : (uint64_t)s->sport << 16 | s->dport;
  return ms_siphash_words(key, w, 5);
}

void ms_make_uid(char out[24], ms_ts ts, const ms_tcp *seg) {
  static const char digits[] =
      "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";
  uint64_t h = mix64(uid_hash(seg) ^ mix64((uint64_t)ts));
  uint64_t h2 = mix64(h ^ 0x5bd1e995ULL);
  out[0] = 'C';
  for (int i = 1; i <= 11; i++) {
    out[i] = digits[h % 62];
    h /= 62;
  }
  for (int i = 12; i <= 17; i++) {
    out[i] = digits[h2 % 62];
    h2 /= 62;
  }
  out[18] = '\0';
}
