/* tls_kdf.c - TLS PRF and HKDF-Expand-Label through EVP_KDF (tls_kdf.h). */
#include "tls_kdf.h"

#include <openssl/core_names.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/kdf.h>
#include <string.h>

const char *ms_tls_md_name(ms_tls_md md) {
  switch (md) {
  case MS_TLS_MD_SHA1:
    return "SHA1";
  case MS_TLS_MD_SHA256:
    return "SHA256";
  case MS_TLS_MD_SHA384:
    return "SHA384";
  case MS_TLS_MD_MD5_SHA1:
    return "MD5-SHA1";
  case MS_TLS_MD_NONE:
    break;
  }
  return NULL;
}

size_t ms_tls_md_size(ms_tls_md md) {
  static const size_t sizes[] = {0, 20, 32, 48, 36};
  return (unsigned)md < sizeof sizes / sizeof *sizes ? sizes[md] : 0;
}

/* One EVP_KDF derivation with the given parameters. */
static bool derive(const char *kdf_name, OSSL_PARAM *params, uint8_t *out,
                   size_t out_len) {
  EVP_KDF *kdf = EVP_KDF_fetch(NULL, kdf_name, NULL);
  EVP_KDF_CTX *ctx = kdf ? EVP_KDF_CTX_new(kdf) : NULL;
  bool ok = ctx && EVP_KDF_derive(ctx, out, out_len, params) > 0;
  EVP_KDF_CTX_free(ctx);
  EVP_KDF_free(kdf);
  return ok;
}

bool ms_tls_prf(ms_tls_md md, const uint8_t *secret, size_t secret_len,
                const char *label, const uint8_t *seed, size_t seed_len,
                uint8_t *out, size_t out_len) {
  const char *name = ms_tls_md_name(md);
  if (!name || md == MS_TLS_MD_SHA1 || out_len == 0)
    return false;
  /* Two seed parameters are concatenated by the KDF: label then seed. */
  OSSL_PARAM params[] = {
      OSSL_PARAM_construct_utf8_string(OSSL_KDF_PARAM_DIGEST, (char *)name, 0),
      OSSL_PARAM_construct_octet_string(OSSL_KDF_PARAM_SECRET, (void *)secret,
                                        secret_len),
      OSSL_PARAM_construct_octet_string(OSSL_KDF_PARAM_SEED, (void *)label,
                                        strlen(label)),
      OSSL_PARAM_construct_octet_string(OSSL_KDF_PARAM_SEED, (void *)seed,
                                        seed_len),
      OSSL_PARAM_construct_end()};
  return derive("TLS1-PRF", params, out, out_len);
}

bool ms_tls13_expand_label(ms_tls_md md, const uint8_t *secret,
                           size_t secret_len, const char *label,
                           const uint8_t *context, size_t context_len,
                           uint8_t *out, size_t out_len) {
  static const char prefix[] = "tls13 ";
  const char *name = ms_tls_md_name(md);
  size_t label_len = strlen(label), full = sizeof prefix - 1 + label_len;
  if (!name || md == MS_TLS_MD_MD5_SHA1 || full > 255 || context_len > 255 ||
      out_len == 0 || out_len > 0xffff)
    return false;
  /* struct { uint16 length; opaque label<7..255>; opaque context<0..255>; } */
  uint8_t info[2 + 1 + 255 + 1 + 255];
  size_t n = 0;
  info[n++] = (uint8_t)(out_len >> 8);
  info[n++] = (uint8_t)out_len;
  info[n++] = (uint8_t)full;
  memcpy(info + n, prefix, sizeof prefix - 1);
  n += sizeof prefix - 1;
  memcpy(info + n, label, label_len);
  n += label_len;
  info[n++] = (uint8_t)context_len;
  if (context_len)
    memcpy(info + n, context, context_len);
  n += context_len;
  int mode = EVP_KDF_HKDF_MODE_EXPAND_ONLY;
  OSSL_PARAM params[] = {
      OSSL_PARAM_construct_int(OSSL_KDF_PARAM_MODE, &mode),
      OSSL_PARAM_construct_utf8_string(OSSL_KDF_PARAM_DIGEST, (char *)name, 0),
      OSSL_PARAM_construct_octet_string(OSSL_KDF_PARAM_KEY, (void *)secret,
                                        secret_len),
      OSSL_PARAM_construct_octet_string(OSSL_KDF_PARAM_INFO, info, n),
      OSSL_PARAM_construct_end()};
  return derive("HKDF", params, out, out_len);
}
