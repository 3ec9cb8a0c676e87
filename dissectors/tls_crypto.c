/* tls_crypto.c - record protection keys and AEAD records (tls_crypto.h).
 *
 * Keys: TLS 1.0-1.2 take the key block PRF(master, "key expansion",
 * server_random + client_random) apart (RFC 5246 section 6.3); TLS 1.3
 * expands the traffic secret into "key" and "iv" (RFC 8446 section 7.3).
 * AEAD records: TLS 1.3 and TLS 1.2 ChaCha20-Poly1305 xor the sequence
 * number into the IV (RFC 8446 5.3, RFC 7905); TLS 1.2 GCM and CCM send an
 * 8-byte explicit nonce after the 4-byte salt (RFC 5288, 6655).  CBC
 * records are tls_cbc.c's.
 */
#include <openssl/core_names.h>
#include <openssl/crypto.h>
#include <stdlib.h>
#include <string.h>

#include "tls_cipher.h"
#include "tls_kdf.h"
#include "vec.h"

#define TLS13 0x0304

bool ms_tls_suite_supported(uint16_t version, uint16_t suite) {
  const ms_tls_suite *s = ms_tls_suite_find(suite);
  if (!s)
    return false;
  if (version == TLS13)
    return s->tls13;
  if (s->tls13)
    return false;
  if (version == 0x0303)
    return true;
  /* TLS 1.0 and 1.1 know only the CBC suites with HMAC-SHA1. */
  return (version == 0x0301 || version == 0x0302) && s->mac == MS_TLS_MD_SHA1;
}

void ms_tls_cipher_free(ms_tls_cipher *c) {
  if (!c)
    return;
  EVP_CIPHER_CTX_free(c->ctx);
  EVP_CIPHER_free(c->evp);
  EVP_MAC_CTX_free(c->hmac);
  EVP_MD_CTX_free(c->pad_hash);
  EVP_MD_free(c->md);
  OPENSSL_cleanse(c, sizeof *c);
  free(c);
}

static ms_tls_cipher *cipher_alloc(uint16_t version, const ms_tls_suite *s) {
  ms_tls_cipher *c = xcalloc(1, sizeof *c);
  c->suite = s;
  c->version = version;
  c->evp = EVP_CIPHER_fetch(NULL, ms_tls_cipher_name(s), NULL);
  c->ctx = EVP_CIPHER_CTX_new();
  c->block = (uint8_t)ms_tls_block_size(s);
  c->tag_len = s->bulk == MS_TLS_BULK_CCM8 ? 8
               : ms_tls_bulk_aead(s->bulk) ? 16
                                           : 0;
  if (!c->evp || !c->ctx) {
    ms_tls_cipher_free(c);
    return NULL;
  }
  return c;
}

/* Key c->ctx with c->key (the IV comes with each record). */
static bool set_key(ms_tls_cipher *c) {
  EVP_CIPHER_CTX *x = c->ctx;
  if (c->suite->bulk != MS_TLS_BULK_CCM && c->suite->bulk != MS_TLS_BULK_CCM8) {
    if (!EVP_DecryptInit_ex2(x, c->evp, c->key, NULL, NULL))
      return false;
    return ms_tls_bulk_aead(c->suite->bulk) || EVP_CIPHER_CTX_set_padding(x, 0);
  }
  /* CCM: the nonce and tag lengths before the key. */
  return EVP_DecryptInit_ex2(x, c->evp, NULL, NULL, NULL) &&
         EVP_CIPHER_CTX_ctrl(x, EVP_CTRL_AEAD_SET_IVLEN, 12, NULL) > 0 &&
         EVP_CIPHER_CTX_ctrl(x, EVP_CTRL_AEAD_SET_TAG, c->tag_len, NULL) > 0 &&
         EVP_DecryptInit_ex2(x, NULL, c->key, NULL, NULL);
}

/* The fixed part of the IV in the key block: the AEAD salt or static IV,
 * or the CBC IV (used by TLS 1.0 only). */
static size_t fixed_iv_len(const ms_tls_suite *s) {
  if (s->bulk == MS_TLS_BULK_CHACHA)
    return 12;
  return ms_tls_bulk_aead(s->bulk) ? 4 : ms_tls_block_size(s);
}

ms_tls_cipher *ms_tls_cipher_new12(uint16_t version, uint16_t suite,
                                   const uint8_t master_secret[48],
                                   const uint8_t client_random[32],
                                   const uint8_t server_random[32], bool server,
                                   bool encrypt_then_mac) {
  if (version == TLS13 || !ms_tls_suite_supported(version, suite))
    return NULL;
  const ms_tls_suite *s = ms_tls_suite_find(suite);
  ms_tls_cipher *c = cipher_alloc(version, s);
  if (!c)
    return NULL;
  c->etm = encrypt_then_mac && !ms_tls_bulk_aead(s->bulk);
  c->mac_len = (uint8_t)ms_tls_md_size(s->mac);
  c->iv_len = (uint8_t)fixed_iv_len(s);
  size_t mac = c->mac_len, key = s->key_len, iv = c->iv_len;
  uint8_t seed[64],
      block[2 * (MS_TLS_MAX_MAC + MS_TLS_MAX_KEY + MS_TLS_MAX_IV)];
  memcpy(seed, server_random, 32);
  memcpy(seed + 32, client_random, 32);
  ms_tls_md prf = version < 0x0303 ? MS_TLS_MD_MD5_SHA1 : s->prf;
  bool ok = ms_tls_prf(prf, master_secret, 48, "key expansion", seed, 64, block,
                       2 * (mac + key + iv));
  if (ok) {
    /* client MAC, server MAC, client key, server key, client IV, server IV */
    const uint8_t *mac_key = block + (server ? mac : 0);
    memcpy(c->key, block + 2 * mac + (server ? key : 0), key);
    memcpy(c->iv, block + 2 * (mac + key) + (server ? iv : 0), iv);
    ok = set_key(c) &&
         (ms_tls_bulk_aead(s->bulk) || ms_tls_cbc_init(c, mac_key));
  }
  OPENSSL_cleanse(block, sizeof block);
  if (!ok) {
    ms_tls_cipher_free(c);
    return NULL;
  }
  return c;
}

/* TLS 1.3: key and IV from c->secret; sequence 0. */
static bool traffic_keys(ms_tls_cipher *c) {
  ms_tls_md md = c->suite->prf;
  c->iv_len = 12;
  c->seq = 0;
  return ms_tls13_expand_label(md, c->secret, c->secret_len, "key", NULL, 0,
                               c->key, c->suite->key_len) &&
         ms_tls13_expand_label(md, c->secret, c->secret_len, "iv", NULL, 0,
                               c->iv, 12) &&
         set_key(c);
}

ms_tls_cipher *ms_tls_cipher_new13(uint16_t suite, const uint8_t *secret,
                                   size_t secret_len) {
  const ms_tls_suite *s = ms_tls_suite_find(suite);
  if (!s || !s->tls13 || secret_len != ms_tls_md_size(s->prf))
    return NULL;
  ms_tls_cipher *c = cipher_alloc(TLS13, s);
  if (!c)
    return NULL;
  memcpy(c->secret, secret, secret_len);
  c->secret_len = (uint8_t)secret_len;
  if (!traffic_keys(c)) {
    ms_tls_cipher_free(c);
    return NULL;
  }
  return c;
}

bool ms_tls_cipher_key_update(ms_tls_cipher *c) {
  if (!c || c->version != TLS13)
    return false;
  uint8_t next[MS_TLS_MAX_SECRET];
  if (!ms_tls13_expand_label(c->suite->prf, c->secret, c->secret_len,
                             "traffic upd", NULL, 0, next, c->secret_len))
    return false;
  memcpy(c->secret, next, c->secret_len);
  OPENSSL_cleanse(next, sizeof next);
  return traffic_keys(c);
}

/* The per-record nonce: salt + explicit nonce, or IV xor sequence. */
static void make_nonce(const ms_tls_cipher *c, const uint8_t *explicit_nonce,
                       uint8_t nonce[12]) {
  if (explicit_nonce) {
    memcpy(nonce, c->iv, 4);
    memcpy(nonce + 4, explicit_nonce, 8);
    return;
  }
  memcpy(nonce, c->iv, 12);
  uint8_t seq[8];
  ms_tls_put_seq(seq, c->seq);
  for (int i = 0; i < 8; i++)
    nonce[4 + i] ^= seq[i];
}

/* Run the AEAD over ct (ct_len bytes) into out; true when the tag holds. */
static bool aead_open(ms_tls_cipher *c, const uint8_t nonce[12],
                      const uint8_t *aad, size_t aad_len, const uint8_t *ct,
                      size_t ct_len, const uint8_t *tag, uint8_t *out) {
  EVP_CIPHER_CTX *x = c->ctx;
  int l = 0, l2 = 0;
  if (c->suite->bulk == MS_TLS_BULK_CCM || c->suite->bulk == MS_TLS_BULK_CCM8)
    return EVP_CIPHER_CTX_ctrl(x, EVP_CTRL_AEAD_SET_TAG, c->tag_len,
                               (void *)tag) > 0 &&
           EVP_DecryptInit_ex2(x, NULL, NULL, nonce, NULL) &&
           EVP_DecryptUpdate(x, NULL, &l, NULL, (int)ct_len) &&
           EVP_DecryptUpdate(x, NULL, &l, aad, (int)aad_len) &&
           EVP_DecryptUpdate(x, out, &l, ct, (int)ct_len) > 0;
  return EVP_DecryptInit_ex2(x, NULL, NULL, nonce, NULL) &&
         EVP_DecryptUpdate(x, NULL, &l, aad, (int)aad_len) &&
         (ct_len == 0 || EVP_DecryptUpdate(x, out, &l, ct, (int)ct_len)) &&
         EVP_CIPHER_CTX_ctrl(x, EVP_CTRL_AEAD_SET_TAG, c->tag_len,
                             (void *)tag) > 0 &&
         EVP_DecryptFinal_ex(x, out + l, &l2) > 0;
}

/* TLS 1.3: the content type is the last non-zero byte of the plaintext. */
static ms_tls_dec_status inner_plaintext(uint8_t *out, size_t *len,
                                         uint8_t *inner_type) {
  size_t n = *len;
  while (n > 0 && out[n - 1] == 0)
    n--;
  if (n == 0)
    return MS_TLS_DEC_BAD_RECORD; /* no content type: all padding */
  *inner_type = out[n - 1];
  *len = n - 1;
  return MS_TLS_DEC_OK;
}

static ms_tls_dec_status aead_decrypt(ms_tls_cipher *c, uint8_t type,
                                      uint16_t version, const uint8_t *in,
                                      size_t n, uint8_t *out, size_t *out_len,
                                      uint8_t *inner_type) {
  bool tls13 = c->version == TLS13;
  size_t explicit_len = !tls13 && c->suite->bulk != MS_TLS_BULK_CHACHA ? 8 : 0;
  if (n < explicit_len + c->tag_len + (tls13 ? 1 : 0) || n > INT32_MAX)
    return MS_TLS_DEC_BAD_RECORD;
  size_t ct_len = n - explicit_len - c->tag_len;
  uint8_t nonce[12], tag[16], aad[13], *a = aad;
  make_nonce(c, explicit_len ? in : NULL, nonce);
  memcpy(tag, in + explicit_len + ct_len, c->tag_len);
  if (!tls13) { /* seq, type, version, plaintext length */
    ms_tls_put_seq(a, c->seq);
    a += 8;
  }
  size_t len_field = tls13 ? n : ct_len;
  *a++ = type;
  *a++ = (uint8_t)(version >> 8);
  *a++ = (uint8_t)version;
  *a++ = (uint8_t)(len_field >> 8);
  *a++ = (uint8_t)len_field;
  const uint8_t *ct = in + explicit_len;
  if (explicit_len && out == in) { /* in place: the ciphertext moves first */
    memmove(out, ct, ct_len);
    ct = out;
  }
  bool ok = aead_open(c, nonce, aad, (size_t)(a - aad), ct, ct_len, tag, out);
  c->seq++;
  if (!ok)
    return MS_TLS_DEC_BAD_RECORD;
  *out_len = ct_len;
  *inner_type = type;
  return tls13 ? inner_plaintext(out, out_len, inner_type) : MS_TLS_DEC_OK;
}

ms_tls_dec_status ms_tls_cipher_decrypt(ms_tls_cipher *c, uint8_t type,
                                        uint16_t version, const uint8_t *in,
                                        size_t n, uint8_t *out, size_t *out_len,
                                        uint8_t *inner_type) {
  *out_len = 0;
  *inner_type = type;
  if (!c)
    return MS_TLS_DEC_ERROR;
  if (ms_tls_bulk_aead(c->suite->bulk))
    return aead_decrypt(c, type, version, in, n, out, out_len, inner_type);
  return ms_tls_cbc_decrypt(c, type, version, in, n, out, out_len);
}
