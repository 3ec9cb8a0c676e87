/* tls_kdf.h - the TLS key schedules decryption needs, through libcrypto's
 * EVP_KDF: the TLS 1.0-1.2 PRF (RFC 2246 section 5, RFC 5246 section 5;
 * "TLS1-PRF") and TLS 1.3's HKDF-Expand-Label (RFC 8446 section 7.1;
 * "HKDF" in expand-only mode with the HkdfLabel we build).  Internal to
 * tls_crypto*.c and their tests.  Every function returns false when
 * libcrypto fails or a length is out of range; out is then undefined.
 */
#ifndef MAILSCOPE_TLS_KDF_H
#define MAILSCOPE_TLS_KDF_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

typedef enum {
  MS_TLS_MD_NONE = 0,
  MS_TLS_MD_SHA1,
  MS_TLS_MD_SHA256,
  MS_TLS_MD_SHA384,
  MS_TLS_MD_MD5_SHA1 /* the TLS 1.0/1.1 PRF: P_MD5 xor P_SHA1 */
} ms_tls_md;

/* libcrypto's name of the digest ("SHA256", ...); NULL for NONE. */
const char *ms_tls_md_name(ms_tls_md md);
/* Its output length in bytes (MD5_SHA1: 36); 0 for NONE. */
size_t ms_tls_md_size(ms_tls_md md);

/* PRF(secret, label, seed) of RFC 5246 (md SHA256/SHA384) or RFC 2246
 * (md MD5_SHA1), out_len bytes. */
bool ms_tls_prf(ms_tls_md md, const uint8_t *secret, size_t secret_len,
                const char *label, const uint8_t *seed, size_t seed_len,
                uint8_t *out, size_t out_len);

/* HKDF-Expand-Label(secret, label, context, out_len); `label` without the
 * "tls13 " prefix, which is added here. */
bool ms_tls13_expand_label(ms_tls_md md, const uint8_t *secret,
                           size_t secret_len, const char *label,
                           const uint8_t *context, size_t context_len,
                           uint8_t *out, size_t out_len);

#endif
