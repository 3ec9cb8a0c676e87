/* tls_keys.c - the key store of tls_crypto.h: NSS key log lines in, a
 * secret out by (label, client random).
 *
 * An open-addressing table hashed with a multiply-shift universal hash
 * under a random key drawn when the store is made, so that a capture whose
 * Decryption Secrets Blocks carry chosen client randoms cannot pile them
 * into one chain.  Memory follows the input (about 100 bytes for each line
 * of at least 140 characters), so no limit of its own is needed.  A repeated
 * (label, client random) replaces the secret: the latest line wins.
 * Secrets are wiped when the store is freed.
 */
#include <openssl/crypto.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>

#include "tls_crypto.h"
#include "vec.h"

typedef struct {
  uint8_t used, label, len;
  uint8_t random[32];
  uint8_t secret[64];
} entry;

struct ms_tls_keys {
  entry *slots;
  size_t cap, count; /* cap: a power of two */
  uint64_t mult[5];  /* the hash key: odd multipliers */
  void (*reload)(void *ctx, ms_tls_keys *k);
  void *reload_ctx;
  bool reloading;
};

static const struct {
  const char *name;
  ms_tls_key_label label;
} labels[] = {
    {"CLIENT_RANDOM", MS_TLS_KEY_CLIENT_RANDOM},
    {"CLIENT_HANDSHAKE_TRAFFIC_SECRET", MS_TLS_KEY_CLIENT_HS},
    {"SERVER_HANDSHAKE_TRAFFIC_SECRET", MS_TLS_KEY_SERVER_HS},
    {"CLIENT_TRAFFIC_SECRET_0", MS_TLS_KEY_CLIENT_AP0},
    {"SERVER_TRAFFIC_SECRET_0", MS_TLS_KEY_SERVER_AP0},
};

ms_tls_keys *ms_tls_keys_new(void) {
  ms_tls_keys *k = xcalloc(1, sizeof *k);
  if (getrandom(k->mult, sizeof k->mult, 0) != (ssize_t)sizeof k->mult) {
    /* no entropy: the table still works, only predictably */
    for (int i = 0; i < 5; i++)
      k->mult[i] = 0x9e3779b97f4a7c15ull * (uint64_t)(i + 1);
  }
  for (int i = 0; i < 5; i++)
    k->mult[i] |= 1;
  return k;
}

void ms_tls_keys_free(ms_tls_keys *k) {
  if (!k)
    return;
  if (k->slots) {
    OPENSSL_cleanse(k->slots, k->cap * sizeof *k->slots);
    free(k->slots);
  }
  free(k);
}

size_t ms_tls_keys_count(const ms_tls_keys *k) { return k ? k->count : 0; }

void ms_tls_keys_set_reload(ms_tls_keys *k,
                            void (*reload)(void *ctx, ms_tls_keys *k),
                            void *ctx) {
  k->reload = reload;
  k->reload_ctx = ctx;
}

static size_t slot_of(const ms_tls_keys *k, uint8_t label,
                      const uint8_t random[32]) {
  uint64_t h = k->mult[4] * (uint64_t)(label + 1);
  for (int i = 0; i < 4; i++) {
    uint64_t w;
    memcpy(&w, random + 8 * i, 8);
    h += k->mult[i] * w;
  }
  return (size_t)(h >> 32) & (k->cap - 1);
}

/* The slot holding (label, random), or the empty one where it would go. */
static entry *probe(const ms_tls_keys *k, uint8_t label,
                    const uint8_t random[32]) {
  for (size_t i = slot_of(k, label, random);; i = (i + 1) & (k->cap - 1)) {
    entry *e = &k->slots[i];
    if (!e->used || (e->label == label && !memcmp(e->random, random, 32)))
      return e;
  }
}

static void grow(ms_tls_keys *k) {
  entry *old = k->slots;
  size_t old_cap = k->cap;
  k->cap = old_cap ? old_cap * 2 : 64;
  k->slots = xcalloc(k->cap, sizeof *k->slots);
  for (size_t i = 0; i < old_cap; i++)
    if (old[i].used)
      *probe(k, old[i].label, old[i].random) = old[i];
  if (old) {
    OPENSSL_cleanse(old, old_cap * sizeof *old);
    free(old);
  }
}

static void put(ms_tls_keys *k, uint8_t label, const uint8_t random[32],
                const uint8_t *secret, size_t len) {
  if ((k->count + 1) * 2 > k->cap)
    grow(k);
  entry *e = probe(k, label, random);
  if (!e->used)
    k->count++;
  e->used = 1;
  e->label = label;
  e->len = (uint8_t)len;
  memcpy(e->random, random, 32);
  memset(e->secret, 0, sizeof e->secret);
  memcpy(e->secret, secret, len);
}

static int hex_nibble(char c) {
  if (c >= '0' && c <= '9')
    return c - '0';
  if (c >= 'a' && c <= 'f')
    return c - 'a' + 10;
  if (c >= 'A' && c <= 'F')
    return c - 'A' + 10;
  return -1;
}

/* Exactly n hex digits (2 * out bytes) into out. */
static bool unhex(const char *p, size_t n, uint8_t *out) {
  if (n % 2)
    return false;
  for (size_t i = 0; i < n; i += 2) {
    int hi = hex_nibble(p[i]), lo = hex_nibble(p[i + 1]);
    if (hi < 0 || lo < 0)
      return false;
    out[i / 2] = (uint8_t)(hi << 4 | lo);
  }
  return true;
}

static bool is_space(char c) { return c == ' ' || c == '\t' || c == '\r'; }

/* The next field of line[*at, len): its start and length. */
static size_t field(const char *line, size_t len, size_t *at,
                    const char **start) {
  size_t i = *at;
  while (i < len && is_space(line[i]))
    i++;
  *start = line + i;
  size_t b = i;
  while (i < len && !is_space(line[i]) && line[i] != '\n')
    i++;
  *at = i;
  return i - b;
}

static int label_of(const char *name, size_t n) {
  for (size_t i = 0; i < sizeof labels / sizeof *labels; i++)
    if (strlen(labels[i].name) == n && !memcmp(labels[i].name, name, n))
      return (int)labels[i].label;
  return -1;
}

int ms_tls_keys_add_line(ms_tls_keys *k, const char *line, size_t len) {
  size_t at = 0;
  const char *name, *rnd, *sec, *extra;
  size_t name_len = field(line, len, &at, &name);
  if (name_len == 0 || name[0] == '#')
    return 0;
  int label = label_of(name, name_len);
  if (label < 0)
    return 0; /* RSA, EXPORTER_SECRET, CLIENT_EARLY_TRAFFIC_SECRET, ... */
  size_t rnd_len = field(line, len, &at, &rnd);
  size_t sec_len = field(line, len, &at, &sec);
  size_t extra_len = field(line, len, &at, &extra);
  uint8_t random[32], secret[64];
  bool ok = rnd_len == 64 && unhex(rnd, 64, random) && sec_len >= 2 &&
            sec_len <= 128 && unhex(sec, sec_len, secret) && extra_len == 0 &&
            (label != MS_TLS_KEY_CLIENT_RANDOM || sec_len == 96);
  if (ok)
    put(k, (uint8_t)label, random, secret, sec_len / 2);
  OPENSSL_cleanse(secret, sizeof secret);
  return ok ? 1 : -1;
}

static size_t lookup(const ms_tls_keys *k, ms_tls_key_label label,
                     const uint8_t client_random[32], uint8_t out[64]) {
  if (!k->cap)
    return 0;
  const entry *e = probe(k, (uint8_t)label, client_random);
  if (!e->used)
    return 0;
  memcpy(out, e->secret, e->len);
  return e->len;
}

size_t ms_tls_keys_find(ms_tls_keys *k, ms_tls_key_label label,
                        const uint8_t client_random[32], uint8_t out[64]) {
  if (!k || (unsigned)label >= MS_TLS_KEY_LABELS)
    return 0;
  size_t n = lookup(k, label, client_random, out);
  if (n || !k->reload || k->reloading)
    return n;
  k->reloading = true; /* a hook that looks keys up does not recurse */
  k->reload(k->reload_ctx, k);
  k->reloading = false;
  return lookup(k, label, client_random, out);
}
