/* fuzz_tls_crypto.c - libFuzzer harness for TLS decryption
 * (dissectors/tls_crypto.h: tls_keys.c, tls_crypto.c, tls_cbc.c).
 *
 * The low two bits of the first byte choose what the rest is:
 *
 * 0  key log text, one NSS line per '\n'.  Every line is added; a line the
 *    store took (1) must then be found under its label and client random
 *    with the secret of the last line that named them, and the store holds
 *    as many keys as distinct (label, random) pairs were taken.
 * 1  records against a cipher the input keys: byte 1 picks the version,
 *    bytes 2-3 pick a suite among those we decrypt, byte 4 the direction
 *    and encrypt_then_mac, then 48 bytes of secret and 64 of randoms, then
 *    records ([type][length, 2 bytes][fragment]).  Each record goes to two
 *    ciphers made alike, once into a separate buffer and once in place:
 *    both must say the same and give the same plaintext, never more bytes
 *    than came in, and never MS_TLS_DEC_ERROR.
 * 2  CBC records forged right or wrong (tests/unit/tls_forge.h): byte 1
 *    picks version, cipher, MAC and encrypt_then_mac, then per record 8
 *    bytes (content length 2, padding length, fault, fault value, damage
 *    offset 2, unused) followed by the content.  The fault (byte % 4) is
 *    none, padding bytes off by the value, the MAC xored with it, or one
 *    byte of the record xored with it.  A record opens to its content
 *    exactly when it has no fault.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fuzz_common.h"
#include "tls_crypto.h"
#include "tls_forge.h"

/* ---- 0: key log lines --------------------------------------------------- */

typedef struct {
  char label[40];
  uint8_t random[32], secret[64];
  size_t len;
} taken;

static int label_index(const char *name) {
  static const char *names[] = {
      "CLIENT_RANDOM", "CLIENT_HANDSHAKE_TRAFFIC_SECRET",
      "SERVER_HANDSHAKE_TRAFFIC_SECRET", "CLIENT_TRAFFIC_SECRET_0",
      "SERVER_TRAFFIC_SECRET_0"};
  for (int i = 0; i < 5; i++)
    if (!strcmp(names[i], name))
      return i;
  return -1;
}

static int hexval(int c) {
  return c >= '0' && c <= '9'   ? c - '0'
         : c >= 'a' && c <= 'f' ? c - 'a' + 10
         : c >= 'A' && c <= 'F' ? c - 'A' + 10
                                : -1;
}

/* A line the store took, read again by sscanf as the reference. */
static bool reference_parse(const char *line, taken *t) {
  char rnd[80], sec[140];
  if (sscanf(line, "%39s %79s %139s", t->label, rnd, sec) != 3)
    return false;
  for (int i = 0; i < 32; i++)
    t->random[i] = (uint8_t)(hexval(rnd[2 * i]) << 4 | hexval(rnd[2 * i + 1]));
  t->len = strlen(sec) / 2;
  for (size_t i = 0; i < t->len; i++)
    t->secret[i] = (uint8_t)(hexval(sec[2 * i]) << 4 | hexval(sec[2 * i + 1]));
  return label_index(t->label) >= 0;
}

static void keylog_lines(const uint8_t *p, size_t n) {
  ms_tls_keys *k = ms_tls_keys_new();
  static taken list[4096];
  size_t nlist = 0;
  for (size_t at = 0; at < n;) {
    const uint8_t *nl = memchr(p + at, '\n', n - at);
    size_t len = nl ? (size_t)(nl - (p + at)) : n - at;
    char line[512];
    int rc = ms_tls_keys_add_line(k, (const char *)p + at, len);
    FUZZ_CHECK(rc >= -1 && rc <= 1, "add_line returned %d", rc);
    if (rc == 1) {
      FUZZ_CHECK(len < sizeof line, "a %zu-byte line taken", len);
      memcpy(line, p + at, len);
      line[len] = 0;
      FUZZ_CHECK(memchr(line, 0, len) == NULL, "a line with NUL taken");
      FUZZ_CHECK(nlist < 4096 && reference_parse(line, &list[nlist]),
                 "taken line not NAME RANDOM SECRET: %s", line);
      nlist++;
    }
    at += len + 1;
  }
  size_t distinct = 0;
  for (size_t i = 0; i < nlist; i++) {
    bool last = true;
    for (size_t j = i + 1; j < nlist && last; j++)
      last = strcmp(list[i].label, list[j].label) ||
             memcmp(list[i].random, list[j].random, 32);
    if (!last)
      continue;
    distinct++;
    uint8_t out[64];
    size_t got = ms_tls_keys_find(
        k, (ms_tls_key_label)label_index(list[i].label), list[i].random, out);
    FUZZ_CHECK(got == list[i].len && !memcmp(out, list[i].secret, got),
               "key %s not found as added", list[i].label);
  }
  FUZZ_CHECK(ms_tls_keys_count(k) == distinct, "count %zu, distinct %zu",
             ms_tls_keys_count(k), distinct);
  ms_tls_keys_free(k);
}

/* ---- 1: records against input keys -------------------------------------- */

static const uint16_t suites[] = {
    0x1301, 0x1302, 0x1303, 0x1304, 0x1305, 0xC02F, 0xC030, 0xCCA8,
    0xC0AC, 0xC0AF, 0x002F, 0xC014, 0xC027, 0xC028, 0x000A, 0x003D};

static ms_tls_cipher *make_cipher(uint16_t version, uint16_t suite,
                                  const uint8_t *keys, uint8_t flags) {
  if (version == 0x0304)
    return ms_tls_cipher_new13(suite, keys, suite == 0x1302 ? 48 : 32);
  return ms_tls_cipher_new12(version, suite, keys, keys + 48, keys + 80,
                             flags & 1, flags & 2);
}

static void garbage_records(const uint8_t *p, size_t n) {
  if (n < 4 + 48 + 64)
    return;
  uint16_t version = (uint16_t)(0x0301 + p[0] % 4);
  uint16_t suite = suites[(p[1] << 8 | p[2]) % (sizeof suites / 2)];
  ms_tls_cipher *a = make_cipher(version, suite, p + 4, p[3]);
  ms_tls_cipher *b = make_cipher(version, suite, p + 4, p[3]);
  FUZZ_CHECK(!a == !b, "two ciphers made alike differ");
  if (!ms_tls_suite_supported(version, suite))
    FUZZ_CHECK(!a, "a cipher for an unsupported suite");
  static uint8_t out[70000], inplace[70000];
  for (size_t at = 4 + 48 + 64; a && at + 3 <= n;) {
    uint8_t type = p[at];
    size_t len = (size_t)p[at + 1] << 8 | p[at + 2];
    at += 3;
    if (len > n - at)
      len = n - at;
    memcpy(inplace, p + at, len);
    size_t na = 0, nb = 0;
    uint8_t ta = 0, tb = 0;
    ms_tls_dec_status sa =
        ms_tls_cipher_decrypt(a, type, 0x0303, p + at, len, out, &na, &ta);
    ms_tls_dec_status sb =
        ms_tls_cipher_decrypt(b, type, 0x0303, inplace, len, inplace, &nb, &tb);
    FUZZ_CHECK(sa != MS_TLS_DEC_ERROR, "libcrypto failed on a record");
    FUZZ_CHECK(sa == sb && na == nb && ta == tb, "in place differs");
    FUZZ_CHECK(na <= len, "%zu plaintext bytes from %zu", na, len);
    FUZZ_CHECK(sa != MS_TLS_DEC_OK || !memcmp(out, inplace, na),
               "in place gives other bytes");
    at += len;
  }
  ms_tls_cipher_free(a);
  ms_tls_cipher_free(b);
}

/* ---- 2: forged CBC records ---------------------------------------------- */

static void forged_records(const uint8_t *p, size_t n) {
  if (n < 1)
    return;
  const forge_suite *suite = forge_suite_at(p[0] >> 1);
  EVP_CIPHER *cipher = EVP_CIPHER_fetch(NULL, suite->cipher, NULL);
  EVP_MD *md = EVP_MD_fetch(NULL, suite->md, NULL);
  forger f;
  FUZZ_CHECK(cipher && md &&
                 forger_init(&f, suite->version, suite->suite, cipher, md,
                             suite->key_len, p[0] & 1),
             "forger set-up");
  ms_tls_cipher *c = forger_cipher(&f);
  FUZZ_CHECK(c != NULL, "no cipher for a forged suite");
  static uint8_t rec[FORGE_MAX + 200], out[FORGE_MAX + 200];
  for (size_t at = 1; at + 8 <= n;) {
    const uint8_t *h = p + at;
    size_t clen = (size_t)(h[0] << 8 | h[1]) % 2048, pad = h[2];
    /* one fault at most, so that two cannot cancel out */
    uint8_t fault = h[3] % 4, v = h[4] ? h[4] : 1;
    at += 8;
    if (clen > n - at)
      clen = n - at;
    /* round the padding up to the block so the record can be written */
    size_t body = clen + (f.etm ? 0 : f.mac_len) + 1;
    while ((body + pad) % f.bs)
      pad++;
    if (pad > 255)
      pad -= f.bs;
    if (fault == 1 && pad == 0)
      fault = 0; /* the length byte alone: nothing to get wrong */
    size_t len = forge(&f, p + at, clen, pad, (uint8_t)(pad + (fault == 1) * v),
                       fault == 2 ? v : 0, rec);
    FUZZ_CHECK(len > 0, "forge refused lengths that fit");
    size_t dmg = (size_t)(h[5] << 8 | h[6]) % len;
    if (fault == 3)
      rec[dmg] ^= v;
    if (f.version < 0x0302) /* the chain follows what was received */
      memcpy(f.iv, rec + len - (f.etm ? f.mac_len : 0) - f.bs, f.bs);
    size_t got = 0;
    uint8_t inner;
    ms_tls_dec_status st =
        ms_tls_cipher_decrypt(c, 23, f.version, rec, len, out, &got, &inner);
    bool right = fault == 0;
    FUZZ_CHECK(st != MS_TLS_DEC_ERROR, "libcrypto failed");
    FUZZ_CHECK(right == (st == MS_TLS_DEC_OK),
               "record forged %s opened %s (pad %zu, fault %u by %u at %zu)",
               right ? "right" : "wrong", st == MS_TLS_DEC_OK ? "OK" : "BAD",
               pad, fault, v, dmg);
    FUZZ_CHECK(!right || (got == clen && !memcmp(out, p + at, clen)),
               "a right record gave other bytes");
    at += clen;
  }
  ms_tls_cipher_free(c);
  EVP_CIPHER_free(cipher);
  EVP_MD_free(md);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  if (size < 1)
    return 0;
  switch (data[0] & 3) {
  case 0:
    keylog_lines(data + 1, size - 1);
    break;
  case 1:
    garbage_records(data + 1, size - 1);
    break;
  default:
    forged_records(data + 1, size - 1);
    break;
  }
  return 0;
}
