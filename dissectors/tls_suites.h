/* tls_suites.h - what record protection each cipher suite we decrypt uses.
 *
 * The key exchange does not matter to a reader holding the key log (RSA,
 * DHE, ECDHE, PSK all end in the same master secret), so a suite is its
 * bulk cipher, its MAC (CBC suites) and its PRF/HKDF hash.  Names and
 * numbers from the IANA TLS Cipher Suites registry (RFC 5246, 5288, 5289,
 * 5487, 6655, 7251, 7905, 8446).  Internal to tls_crypto*.c.
 */
#ifndef MAILSCOPE_TLS_SUITES_H
#define MAILSCOPE_TLS_SUITES_H

#include <stdbool.h>
#include <stdint.h>

#include "tls_kdf.h"

typedef enum {
  MS_TLS_BULK_GCM = 0,
  MS_TLS_BULK_CCM,  /* 16-byte tag */
  MS_TLS_BULK_CCM8, /* 8-byte tag */
  MS_TLS_BULK_CHACHA,
  MS_TLS_BULK_AES_CBC,
  MS_TLS_BULK_3DES_CBC
} ms_tls_bulk;

typedef struct {
  bool tls13;      /* a TLS 1.3 suite (and only TLS 1.3) */
  uint8_t bulk;    /* ms_tls_bulk */
  uint8_t key_len; /* bytes */
  uint8_t mac;     /* ms_tls_md: the record MAC of CBC suites, NONE for AEAD */
  uint8_t prf;     /* ms_tls_md: the TLS 1.2 PRF / TLS 1.3 HKDF hash */
} ms_tls_suite;

/* The suite with this number, or NULL when we cannot decrypt it. */
const ms_tls_suite *ms_tls_suite_find(uint16_t id);
/* Whether the bulk cipher is an AEAD. */
bool ms_tls_bulk_aead(ms_tls_bulk b);
/* libcrypto's name of the suite's cipher ("AES-128-GCM", ...). */
const char *ms_tls_cipher_name(const ms_tls_suite *s);
/* The cipher's block size (CBC), 0 for AEAD. */
unsigned ms_tls_block_size(const ms_tls_suite *s);

#endif
