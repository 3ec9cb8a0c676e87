/* tls_certgen.h - certificates made at test time with OpenSSL, as DER:
 * self-signed or signed by a second key, with a subject CN, dNSName SANs
 * and a validity window relative to now. */
#ifndef MAILSCOPE_TEST_TLS_CERTGEN_H
#define MAILSCOPE_TEST_TLS_CERTGEN_H

#include <openssl/evp.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

typedef struct {
  const char *cn;
  const char *san;   /* "DNS:a.example,DNS:*.b.example" or NULL */
  long from_days;    /* notBefore, days from now (negative: past) */
  long to_days;      /* notAfter */
  bool ec;           /* P-256 instead of RSA 2048 */
  bool other_issuer; /* signed by another key, issuer CN "Test CA" */
} certgen;

/* The DER (malloc'd) and its length. */
static uint8_t *certgen_der(const certgen *g, size_t *len) {
  EVP_PKEY *key = g->ec ? EVP_PKEY_Q_keygen(NULL, NULL, "EC", "P-256")
                        : EVP_PKEY_Q_keygen(NULL, NULL, "RSA", (size_t)2048);
  EVP_PKEY *signer =
      g->other_issuer ? EVP_PKEY_Q_keygen(NULL, NULL, "EC", "P-256") : key;
  X509 *x = X509_new();
  X509_set_version(x, 2);
  ASN1_INTEGER_set(X509_get_serialNumber(x), 0x1234);
  X509_gmtime_adj(X509_getm_notBefore(x), g->from_days * 86400);
  X509_gmtime_adj(X509_getm_notAfter(x), g->to_days * 86400);
  X509_set_pubkey(x, key);
  X509_NAME *name = X509_get_subject_name(x);
  X509_NAME_add_entry_by_txt(name, "O", MBSTRING_ASC,
                             (const unsigned char *)"Mailscope Tests", -1, -1,
                             0);
  X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_ASC,
                             (const unsigned char *)g->cn, -1, -1, 0);
  X509_NAME *issuer = X509_NAME_new();
  X509_NAME_add_entry_by_txt(issuer, "CN", MBSTRING_ASC,
                             (const unsigned char *)"Test CA", -1, -1, 0);
  X509_set_issuer_name(x, g->other_issuer ? issuer : name);
  X509_NAME_free(issuer);
  if (g->san) {
    X509V3_CTX ctx;
    X509V3_set_ctx_nodb(&ctx);
    X509V3_set_ctx(&ctx, x, x, NULL, NULL, 0);
    X509_EXTENSION *ext =
        X509V3_EXT_conf_nid(NULL, &ctx, NID_subject_alt_name, g->san);
    X509_add_ext(x, ext, -1);
    X509_EXTENSION_free(ext);
  }
  X509_sign(x, signer, EVP_sha256());
  unsigned char *der = NULL;
  int n = i2d_X509(x, &der);
  uint8_t *out = malloc((size_t)n);
  memcpy(out, der, (size_t)n);
  *len = (size_t)n;
  OPENSSL_free(der);
  X509_free(x);
  if (signer != key)
    EVP_PKEY_free(signer);
  EVP_PKEY_free(key);
  return out;
}

#endif
