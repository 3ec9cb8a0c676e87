/* tls_forge.h - CBC records written the way RFC 5246 6.2.3.2 (MAC, then
 * padding, then encryption) and RFC 7366 (encryption, then MAC) say, with
 * the padding and the MAC under the caller's control, so that the tests
 * (test_tls_crypto.c) and the fuzz harness (fuzz/fuzz_tls_crypto.c) can
 * give the decryption every padding, wrong padding bytes, impossible
 * padding lengths and wrong MACs that no TLS stack would send.  The
 * client's keys come from the key block like the decryptor's, through
 * ms_tls_prf (checked against published vectors elsewhere). */
#ifndef MAILSCOPE_TEST_TLS_FORGE_H
#define MAILSCOPE_TEST_TLS_FORGE_H

#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <stdbool.h>
#include <stdint.h>
#include <string.h>

#include "tls_crypto.h"
#include "tls_kdf.h"

#define FORGE_MAX 20000 /* content + MAC + padding of one forged record */

/* The CBC suites the forger is tried with: protocol version, suite,
 * OpenSSL's names of its cipher and MAC, key length. */
typedef struct {
  uint16_t version, suite;
  const char *cipher, *md;
  size_t key_len;
} forge_suite;

#define FORGE_SUITES 7

/* Suite i (modulo FORGE_SUITES). */
static inline const forge_suite *forge_suite_at(size_t i) {
  static const forge_suite suites[FORGE_SUITES] = {
      {0x0303, 0x002F, "AES-128-CBC", "SHA1", 16},
      {0x0303, 0xC028, "AES-256-CBC", "SHA384", 32},
      {0x0303, 0xC027, "AES-128-CBC", "SHA256", 16},
      {0x0303, 0x000A, "DES-EDE3-CBC", "SHA1", 24},
      {0x0302, 0xC014, "AES-256-CBC", "SHA1", 32},
      {0x0301, 0x002F, "AES-128-CBC", "SHA1", 16},
      {0x0301, 0xC012, "DES-EDE3-CBC", "SHA1", 24},
  };
  return &suites[i % FORGE_SUITES];
}

typedef struct {
  uint16_t version, suite;
  const EVP_CIPHER *cipher;
  const EVP_MD *md;
  size_t mac_len, key_len, bs;
  bool etm;
  uint8_t mac_key[48], key[32], iv[16];
  uint64_t seq;
  int len_byte; /* >= 0: the padding length byte written instead */
  uint8_t master[48], cr[32], sr[32];
} forger;

/* The client's keys for this master secret and these randoms. */
static bool forger_init(forger *f, uint16_t version, uint16_t suite,
                        const EVP_CIPHER *cipher, const EVP_MD *md,
                        size_t key_len, bool etm) {
  memset(f, 0, sizeof *f);
  f->version = version, f->suite = suite, f->cipher = cipher, f->md = md;
  f->mac_len = (size_t)EVP_MD_get_size(md);
  f->key_len = key_len;
  f->bs = (size_t)EVP_CIPHER_get_block_size(cipher);
  f->etm = etm;
  f->len_byte = -1;
  for (int i = 0; i < 48; i++)
    f->master[i] = (uint8_t)(i * 3 + 1);
  for (int i = 0; i < 32; i++)
    f->cr[i] = (uint8_t)i, f->sr[i] = (uint8_t)(100 + i);
  uint8_t seed[64], kb[256];
  memcpy(seed, f->sr, 32);
  memcpy(seed + 32, f->cr, 32);
  ms_tls_md prf = version < 0x0303   ? MS_TLS_MD_MD5_SHA1
                  : f->mac_len == 48 ? MS_TLS_MD_SHA384
                                     : MS_TLS_MD_SHA256;
  size_t need = 2 * (f->mac_len + key_len + f->bs);
  if (!ms_tls_prf(prf, f->master, 48, "key expansion", seed, 64, kb, need))
    return false;
  memcpy(f->mac_key, kb, f->mac_len);
  memcpy(f->key, kb + 2 * f->mac_len, key_len);
  memcpy(f->iv, kb + 2 * (f->mac_len + key_len), f->bs);
  return true;
}

/* HMAC over the record's pseudo-header and n bytes. */
static void forge_hmac(const forger *f, uint8_t type, const uint8_t *p,
                       size_t n, uint8_t *out) {
  static uint8_t buf[13 + FORGE_MAX + 64 + 256 + 16];
  for (int i = 0; i < 8; i++)
    buf[i] = (uint8_t)(f->seq >> (56 - 8 * i));
  buf[8] = type, buf[9] = (uint8_t)(f->version >> 8);
  buf[10] = (uint8_t)f->version;
  buf[11] = (uint8_t)(n >> 8), buf[12] = (uint8_t)n;
  memcpy(buf + 13, p, n);
  unsigned len = 0;
  HMAC(f->md, f->mac_key, (int)f->mac_len, buf, 13 + n, out, &len);
}

/* A record of n content bytes with pad_len padding bytes of value
 * pad_byte (a well-formed record has pad_byte == pad_len), the MAC's first
 * byte xored with mac_xor.  rec has room for FORGE_MAX + 2 * 48 bytes.
 * Returns its length, 0 when the lengths do not fit the block. */
static size_t forge(forger *f, const uint8_t *content, size_t n, size_t pad_len,
                    uint8_t pad_byte, uint8_t mac_xor, uint8_t *rec) {
  static uint8_t plain[FORGE_MAX + 64 + 256];
  uint8_t iv[16];
  size_t at = n, explicit_iv = f->version >= 0x0302 ? f->bs : 0;
  if (n > FORGE_MAX || pad_len > 255)
    return 0;
  memcpy(plain, content, n);
  if (!f->etm) {
    forge_hmac(f, 23, content, n, plain + at);
    plain[at] ^= mac_xor;
    at += f->mac_len;
  }
  memset(plain + at, pad_byte, pad_len + 1);
  plain[at + pad_len] =
      (uint8_t)(f->len_byte >= 0 ? (size_t)f->len_byte : pad_len);
  at += pad_len + 1;
  if (at % f->bs)
    return 0;
  for (size_t i = 0; i < f->bs; i++)
    iv[i] = explicit_iv ? (uint8_t)(f->seq * 31 + i) : f->iv[i];
  memcpy(rec, iv, explicit_iv);
  EVP_CIPHER_CTX *x = EVP_CIPHER_CTX_new();
  int l = 0;
  EVP_EncryptInit_ex2(x, f->cipher, f->key, iv, NULL);
  EVP_CIPHER_CTX_set_padding(x, 0);
  EVP_EncryptUpdate(x, rec + explicit_iv, &l, plain, (int)at);
  EVP_CIPHER_CTX_free(x);
  size_t len = explicit_iv + at;
  if (!explicit_iv)
    memcpy(f->iv, rec + len - f->bs, f->bs);
  if (f->etm) {
    forge_hmac(f, 23, rec, len, rec + len);
    rec[len] ^= mac_xor;
    len += f->mac_len;
  }
  f->seq++;
  return len;
}

/* The decrypting side of the forger's client. */
static ms_tls_cipher *forger_cipher(const forger *f) {
  return ms_tls_cipher_new12(f->version, f->suite, f->master, f->cr, f->sr,
                             false, f->etm);
}

#endif
