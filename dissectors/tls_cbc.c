/* tls_cbc.c - CBC records with HMAC (TLS 1.0-1.2), MAC-then-encrypt
 * (RFC 5246 6.2.3.2) or encrypt-then-MAC (RFC 7366).
 *
 * The IV is the record's first block (TLS 1.1 and later) or the last
 * ciphertext block of the previous record (TLS 1.0).  With encrypt-then-MAC
 * the MAC over the ciphertext is checked first and nothing secret depends
 * on the padding.  With MAC-then-encrypt the padding and the MAC are judged
 * in constant-time style, as a TLS endpoint must (Lucky Thirteen, RFC 7366
 * section 1): every padding byte a record could have is examined under a
 * mask, the received MAC is copied out of its secret position by a scan
 * over every place it could start, and the MAC comparison is
 * CRYPTO_memcmp.  HMAC's own running time still follows the content
 * length; the padding bytes are hashed into a digest that is never
 * finished, so that the number of bytes hashed does not depend on the
 * padding.  We are a
 * passive reader and answer nobody, so no padding oracle exists here; the
 * care costs little (a few thousand byte operations a record).
 */
#include <openssl/core_names.h>
#include <openssl/crypto.h>
#include <string.h>

#include "tls_cipher.h"

#define SIZE_BITS (sizeof(size_t) * 8)

/* All ones when the top bit of x is set, else 0. */
static size_t ct_msb(size_t x) { return (size_t)0 - (x >> (SIZE_BITS - 1)); }
/* All ones when a < b (a and b below 2^63). */
static size_t ct_lt(size_t a, size_t b) { return ct_msb(a - b); }
static size_t ct_ge(size_t a, size_t b) { return ~ct_lt(a, b); }
static size_t ct_eq(size_t a, size_t b) {
  size_t x = a ^ b;
  return ct_msb(~x & (x - 1));
}

bool ms_tls_cbc_init(ms_tls_cipher *c, const uint8_t *mac_key) {
  const char *md = ms_tls_md_name(c->suite->mac);
  EVP_MAC *mac = EVP_MAC_fetch(NULL, "HMAC", NULL);
  c->hmac = mac ? EVP_MAC_CTX_new(mac) : NULL;
  EVP_MAC_free(mac);
  c->md = EVP_MD_fetch(NULL, md, NULL);
  c->pad_hash = EVP_MD_CTX_new();
  OSSL_PARAM params[] = {
      OSSL_PARAM_construct_utf8_string(OSSL_MAC_PARAM_DIGEST, (char *)md, 0),
      OSSL_PARAM_construct_end()};
  return c->hmac && c->md && c->pad_hash &&
         EVP_DigestInit_ex2(c->pad_hash, c->md, NULL) &&
         EVP_MAC_init(c->hmac, mac_key, c->mac_len, params);
}

/* HMAC(seq || type || version || length || a || b) into out. */
static bool record_mac(ms_tls_cipher *c, uint8_t type, uint16_t version,
                       const uint8_t *a, size_t a_len, const uint8_t *b,
                       size_t b_len, uint8_t *out) {
  uint8_t head[13];
  size_t len = a_len + b_len, got = 0;
  ms_tls_put_seq(head, c->seq);
  head[8] = type;
  head[9] = (uint8_t)(version >> 8);
  head[10] = (uint8_t)version;
  head[11] = (uint8_t)(len >> 8);
  head[12] = (uint8_t)len;
  return EVP_MAC_init(c->hmac, NULL, 0, NULL) &&
         EVP_MAC_update(c->hmac, head, sizeof head) &&
         (a_len == 0 || EVP_MAC_update(c->hmac, a, a_len)) &&
         (b_len == 0 || EVP_MAC_update(c->hmac, b, b_len)) &&
         EVP_MAC_final(c->hmac, out, &got, MS_TLS_MAX_MAC) && got == c->mac_len;
}

/* Decrypt len bytes (a multiple of the block) with iv, in to out. */
static bool cbc_run(ms_tls_cipher *c, const uint8_t *iv, const uint8_t *in,
                    size_t len, uint8_t *out) {
  int l = 0;
  return EVP_DecryptInit_ex2(c->ctx, NULL, NULL, iv, NULL) &&
         EVP_DecryptUpdate(c->ctx, out, &l, in, (int)len) && (size_t)l == len;
}

/* The padding of the plaintext p (len bytes, len >= 1) checked without a
 * branch on its bytes: *pad is its length byte when it is well formed
 * (every padding byte equals it and min_len bytes remain before it),
 * else 0.  Returns the all-ones mask when well formed. */
static size_t check_padding(const uint8_t *p, size_t len, size_t min_len,
                            size_t *pad) {
  size_t v = p[len - 1];
  size_t good = ct_ge(len, v + 1 + min_len);
  size_t to_check = len < 256 ? len : 256, bad = 0;
  for (size_t i = 0; i < to_check; i++) {
    size_t in_pad = ct_ge(v, i);
    bad |= in_pad & (v ^ p[len - 1 - i]);
  }
  good &= ct_eq(bad & 0xff, 0);
  *pad = v & good;
  return good;
}

/* Copy the mac_len bytes at secret offset `start` of p (len bytes) into
 * out, reading every position the MAC could occupy and nothing else by
 * address: a scan into a rotated buffer, then the rotation undone by
 * masked rotations by each power of two (log2(mac_len) passes). */
static void copy_mac(const uint8_t *p, size_t len, size_t start, size_t mac_len,
                     uint8_t *out) {
  uint8_t rot[MS_TLS_MAX_MAC] = {0}, tmp[MS_TLS_MAX_MAC];
  size_t scan = len > mac_len + 256 ? len - mac_len - 256 : 0;
  size_t offset = 0, j = 0;
  for (size_t i = scan; i < len; i++) {
    size_t in_mac = ct_ge(i, start) & ct_lt(i, start + mac_len);
    offset |= j & ct_eq(i, start);
    rot[j] |= (uint8_t)(p[i] & in_mac);
    j = j + 1 == mac_len ? 0 : j + 1;
  }
  /* the MAC's first byte is at rot[offset]: rotate left by offset */
  for (size_t shift = 1; shift < mac_len; shift <<= 1) {
    uint8_t take = (uint8_t)ct_eq(offset & shift, shift);
    for (size_t k = 0; k < mac_len; k++) {
      size_t from = k + shift;
      tmp[k] = rot[from < mac_len ? from : from - mac_len];
    }
    for (size_t k = 0; k < mac_len; k++)
      rot[k] = (uint8_t)((tmp[k] & take) | (rot[k] & ~take));
  }
  memcpy(out, rot, mac_len);
}

/* MAC-then-encrypt: p holds the decrypted record (len bytes). */
static ms_tls_dec_status mte_check(ms_tls_cipher *c, uint8_t type,
                                   uint16_t version, const uint8_t *p,
                                   size_t len, size_t *out_len) {
  size_t mac_len = c->mac_len, pad;
  size_t good = check_padding(p, len, mac_len, &pad);
  size_t content = len - pad - 1 - mac_len;
  uint8_t want[MS_TLS_MAX_MAC], got[MS_TLS_MAX_MAC];
  copy_mac(p, len, content, mac_len, got);
  bool ok = record_mac(c, type, version, p, content, NULL, 0, want);
  /* as many bytes hashed whatever the padding: the padding goes on into
   * a digest that is never finished */
  ok = EVP_DigestUpdate(c->pad_hash, p + content, pad) && ok;
  good &= ct_eq((size_t)CRYPTO_memcmp(want, got, mac_len), 0);
  if (!ok || !good)
    return MS_TLS_DEC_BAD_RECORD;
  *out_len = content;
  return MS_TLS_DEC_OK;
}

/* Encrypt-then-MAC: the MAC over IV and ciphertext, checked first. */
static bool etm_mac_ok(ms_tls_cipher *c, uint8_t type, uint16_t version,
                       const uint8_t *in, size_t n) {
  uint8_t want[MS_TLS_MAX_MAC];
  size_t body = n - c->mac_len;
  return record_mac(c, type, version, in, body, NULL, 0, want) &&
         CRYPTO_memcmp(want, in + body, c->mac_len) == 0;
}

/* The lengths a record must have: the ciphertext a positive multiple of
 * the block, with room for the MAC and the padding length byte when they
 * are inside it. */
static bool shape_ok(const ms_tls_cipher *c, size_t n, size_t explicit_iv,
                     size_t *ct_len) {
  size_t outside = explicit_iv + (c->etm ? c->mac_len : 0);
  if (n < outside + c->block)
    return false;
  *ct_len = n - outside;
  if (*ct_len % c->block)
    return false;
  return c->etm || *ct_len >= (size_t)c->mac_len + 1;
}

ms_tls_dec_status ms_tls_cbc_decrypt(ms_tls_cipher *c, uint8_t type,
                                     uint16_t version, const uint8_t *in,
                                     size_t n, uint8_t *out, size_t *out_len) {
  size_t bs = c->block, explicit_iv = c->version >= 0x0302 ? bs : 0, ct_len;
  uint8_t iv[MS_TLS_MAX_IV];
  ms_tls_dec_status st = MS_TLS_DEC_BAD_RECORD;
  if (!shape_ok(c, n, explicit_iv, &ct_len) || n > INT32_MAX)
    goto done;
  const uint8_t *ct = in + explicit_iv;
  memcpy(iv, explicit_iv ? in : c->iv, bs);
  if (!explicit_iv) /* TLS 1.0: this record's last block chains on */
    memcpy(c->iv, ct + ct_len - bs, bs);
  if (c->etm && !etm_mac_ok(c, type, version, in, n))
    goto done;
  if (explicit_iv && out == in) { /* in place: the ciphertext moves first */
    memmove(out, ct, ct_len);
    ct = out;
  }
  if (!cbc_run(c, iv, ct, ct_len, out)) {
    st = MS_TLS_DEC_ERROR;
    goto done;
  }
  if (c->etm) {
    size_t pad;
    if (check_padding(out, ct_len, 0, &pad)) {
      *out_len = ct_len - pad - 1;
      st = MS_TLS_DEC_OK;
    }
  } else {
    st = mte_check(c, type, version, out, ct_len, out_len);
  }
done:
  c->seq++;
  return st;
}
