/* tls_cipher.h - the inside of an ms_tls_cipher (tls_crypto.h), shared by
 * tls_crypto.c (keys, AEAD records) and tls_cbc.c (CBC records with their
 * MAC).  Internal: nothing outside those two files includes it.
 */
#ifndef MAILSCOPE_TLS_CIPHER_H
#define MAILSCOPE_TLS_CIPHER_H

#include <openssl/evp.h>

#include "tls_crypto.h"
#include "tls_suites.h"

#define MS_TLS_MAX_KEY 32
#define MS_TLS_MAX_IV 16
#define MS_TLS_MAX_MAC 48
#define MS_TLS_MAX_SECRET 48

struct ms_tls_cipher {
  const ms_tls_suite *suite;
  uint16_t version;     /* negotiated, 0x0301-0x0304 */
  bool etm;             /* RFC 7366 encrypt_then_mac (CBC) */
  EVP_CIPHER *evp;      /* fetched once */
  EVP_CIPHER_CTX *ctx;  /* keyed once; the IV is set per record */
  EVP_MAC_CTX *hmac;    /* CBC: keyed with the MAC key once */
  EVP_MD_CTX *pad_hash; /* CBC, MAC-then-encrypt: see tls_cbc.c */
  EVP_MD *md;           /* the MAC's digest (CBC) */
  uint8_t key[MS_TLS_MAX_KEY];
  /* AEAD: the static IV (12 bytes) or salt (4); CBC, TLS 1.0: the chained
   * IV, the last ciphertext block of the previous record. */
  uint8_t iv[MS_TLS_MAX_IV];
  uint8_t iv_len, tag_len, mac_len, block;
  uint64_t seq;
  /* TLS 1.3: the traffic secret, for KeyUpdate. */
  uint8_t secret[MS_TLS_MAX_SECRET];
  uint8_t secret_len;
};

/* CBC set-up once the cipher key is in c->ctx: the HMAC keyed with
 * mac_key (c->mac_len bytes).  False when libcrypto fails. */
bool ms_tls_cbc_init(ms_tls_cipher *c, const uint8_t *mac_key);
/* One CBC record (tls_crypto.h's ms_tls_cipher_decrypt, older versions). */
ms_tls_dec_status ms_tls_cbc_decrypt(ms_tls_cipher *c, uint8_t type,
                                     uint16_t version, const uint8_t *in,
                                     size_t n, uint8_t *out, size_t *out_len);

/* The 8-byte big-endian sequence number. */
static inline void ms_tls_put_seq(uint8_t out[8], uint64_t seq) {
  for (int i = 7; i >= 0; i--, seq >>= 8)
    out[i] = (uint8_t)seq;
}

#endif
