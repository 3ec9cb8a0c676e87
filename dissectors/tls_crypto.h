/* tls_crypto.h - TLS record protection: keys from a key log, records
 * decrypted.  (Contract fixed before the code: issue 16.  The TLS record
 * layer, dissectors/tls*.c, calls these; the implementation uses OpenSSL's
 * libcrypto EVP interfaces only, no TLS stack.)
 *
 * Pure: no files.  Secrets come from a key store (ms_tls_keys) that the
 * caller fills: src/ reads NSS key log files (--tls-keylog) and pcapng
 * Decryption Secrets Blocks and adds their lines here.  A secret is never
 * printed, logged or copied into a record.
 */
#ifndef MAILSCOPE_TLS_CRYPTO_H
#define MAILSCOPE_TLS_CRYPTO_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* ---- the key store ------------------------------------------------------ */

/* Labels of the NSS key log format. */
typedef enum {
  MS_TLS_KEY_CLIENT_RANDOM = 0, /* TLS <= 1.2: 48-byte master secret */
  MS_TLS_KEY_CLIENT_HS,         /* CLIENT_HANDSHAKE_TRAFFIC_SECRET */
  MS_TLS_KEY_SERVER_HS,         /* SERVER_HANDSHAKE_TRAFFIC_SECRET */
  MS_TLS_KEY_CLIENT_AP0,        /* CLIENT_TRAFFIC_SECRET_0 */
  MS_TLS_KEY_SERVER_AP0,        /* SERVER_TRAFFIC_SECRET_0 */
  MS_TLS_KEY_LABELS
} ms_tls_key_label;

typedef struct ms_tls_keys ms_tls_keys;

ms_tls_keys *ms_tls_keys_new(void);
void ms_tls_keys_free(ms_tls_keys *k);
/* One line of an NSS key log ("LABEL <64 hex client random> <hex secret>").
 * Returns 1 when a secret was added, 0 for a comment, a blank line or a
 * label not listed above, -1 for a malformed line (nothing added). */
int ms_tls_keys_add_line(ms_tls_keys *k, const char *line, size_t len);
/* The secret for (label, client_random), copied to out (at most 64 bytes);
 * its length, or 0 when the store has none.  When the store has none and a
 * reload hook is set (live capture: the key log file grows while we run),
 * the hook is called once and the lookup tried again. */
size_t ms_tls_keys_find(ms_tls_keys *k, ms_tls_key_label label,
                        const uint8_t client_random[32], uint8_t out[64]);
void ms_tls_keys_set_reload(ms_tls_keys *k,
                            void (*reload)(void *ctx, ms_tls_keys *k),
                            void *ctx);
size_t ms_tls_keys_count(const ms_tls_keys *k);

/* ---- one direction's record protection ---------------------------------- */

typedef struct ms_tls_cipher ms_tls_cipher;

/* What a cipher suite needs, or false for a suite we cannot decrypt (then
 * the session says so once: "cannot decrypt cipher suite 0x....").
 * TLS 1.3: AES-128/256-GCM, ChaCha20-Poly1305 (and AES-128-CCM).
 * TLS 1.2: AES-GCM, ChaCha20-Poly1305, AES-CBC with HMAC-SHA1/256/384. */
bool ms_tls_suite_supported(uint16_t version, uint16_t suite);

/* TLS 1.2 and older (version 0x0301-0x0303): keys from the master secret
 * (PRF key expansion; for TLS 1.2 with the suite's PRF hash).  `server`:
 * the direction this cipher decrypts.  encrypt_then_mac: RFC 7366 was
 * negotiated (CBC suites). */
ms_tls_cipher *ms_tls_cipher_new12(uint16_t version, uint16_t suite,
                                   const uint8_t master_secret[48],
                                   const uint8_t client_random[32],
                                   const uint8_t server_random[32], bool server,
                                   bool encrypt_then_mac);
/* TLS 1.3: keys from a traffic secret (HKDF-Expand-Label "key"/"iv").  */
ms_tls_cipher *ms_tls_cipher_new13(uint16_t suite, const uint8_t *secret,
                                   size_t secret_len);
/* TLS 1.3 KeyUpdate: the next traffic secret, keys and sequence 0. */
bool ms_tls_cipher_key_update(ms_tls_cipher *c);
void ms_tls_cipher_free(ms_tls_cipher *c);

typedef enum {
  MS_TLS_DEC_OK = 0,
  MS_TLS_DEC_BAD_RECORD, /* authentication or padding failed, too short */
  MS_TLS_DEC_ERROR       /* libcrypto failed */
} ms_tls_dec_status;

/* Decrypt one record's fragment (the bytes after its 5-byte header; the
 * header's type and version as given).  out has room for n bytes.  On OK,
 * *out_len is the plaintext length and *inner_type the content type (TLS
 * 1.3: the inner type after the padding is removed; older: `type`).  The
 * record sequence number advances on OK and on BAD_RECORD alike. */
ms_tls_dec_status ms_tls_cipher_decrypt(ms_tls_cipher *c, uint8_t type,
                                        uint16_t version, const uint8_t *in,
                                        size_t n, uint8_t *out, size_t *out_len,
                                        uint8_t *inner_type);

#endif
