/* tls_cert.c - X.509 certificate summaries (tls_cert.h). */
#include "tls_cert.h"

#include <arpa/inet.h>
#include <openssl/bio.h>
#include <openssl/bn.h>
#include <openssl/core_names.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/objects.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "record.h"
#include "tls_cert_cache.h"

static void hex_digest(const EVP_MD *md, const uint8_t *p, size_t n,
                       char *out) {
  unsigned char d[EVP_MAX_MD_SIZE];
  unsigned int len = 0;
  if (!EVP_Digest(p, n, d, &len, md, NULL))
    len = 0;
  for (unsigned int i = 0; i < len; i++)
    snprintf(out + 2 * i, 3, "%02x", d[i]);
  out[2 * len] = '\0';
}

/* ---- names -------------------------------------------------------------- */

static char *bio_text(BIO *b) {
  char *data = NULL;
  long n = BIO_get_mem_data(b, &data);
  char *s = wire_strdup((const uint8_t *)data, n > 0 ? (size_t)n : 0);
  BIO_free(b);
  return s;
}

static char *name_text(const X509_NAME *name) {
  BIO *b = BIO_new(BIO_s_mem());
  if (!b)
    return NULL;
  X509_NAME_print_ex(b, name, 0, XN_FLAG_RFC2253 & ~ASN1_STRFLGS_ESC_MSB);
  return bio_text(b);
}

static char *asn1_utf8(const ASN1_STRING *s) {
  unsigned char *utf8 = NULL;
  int n = ASN1_STRING_to_UTF8(&utf8, s);
  if (n < 0)
    return NULL;
  char *text = wire_strdup(utf8, (size_t)n);
  OPENSSL_free(utf8);
  return text;
}

static char *name_entry(const X509_NAME *name, int nid) {
  int at = X509_NAME_get_index_by_NID(name, nid, -1);
  if (at < 0)
    return NULL;
  return asn1_utf8(X509_NAME_ENTRY_get_data(X509_NAME_get_entry(name, at)));
}

static char *object_name(const ASN1_OBJECT *o) {
  int nid = OBJ_obj2nid(o);
  if (nid != NID_undef)
    return xstrdup(OBJ_nid2ln(nid));
  char buf[128];
  int n = OBJ_obj2txt(buf, sizeof buf, o, 1);
  return n > 0 ? xstrdup(buf) : NULL;
}

/* ---- subject alternative names ------------------------------------------ */

static void push_name(strvec *v, char *s) {
  if (s && v->len < MS_TLS_MAX_NAMES)
    *vec_push(v) = s;
  else
    free(s);
}

static char *ip_text(const ASN1_OCTET_STRING *ip) {
  char buf[INET6_ADDRSTRLEN];
  int len = ASN1_STRING_length(ip);
  const unsigned char *p = ASN1_STRING_get0_data(ip);
  int af = len == 4 ? AF_INET : len == 16 ? AF_INET6 : 0;
  if (!af || !inet_ntop(af, p, buf, sizeof buf))
    return NULL;
  return xstrdup(buf);
}

static void alt_names(ms_tls_cert *c, X509 *x) {
  GENERAL_NAMES *names = X509_get_ext_d2i(x, NID_subject_alt_name, NULL, NULL);
  if (!names)
    return;
  for (int i = 0; i < sk_GENERAL_NAME_num(names); i++) {
    const GENERAL_NAME *g = sk_GENERAL_NAME_value(names, i);
    switch (g->type) {
    case GEN_DNS:
      push_name(&c->san_dns, asn1_utf8(g->d.dNSName));
      break;
    case GEN_IPADD:
      push_name(&c->san_ip, ip_text(g->d.iPAddress));
      break;
    case GEN_EMAIL:
      push_name(&c->san_email, asn1_utf8(g->d.rfc822Name));
      break;
    case GEN_URI:
      push_name(&c->san_uri, asn1_utf8(g->d.uniformResourceIdentifier));
      break;
    default:
      break;
    }
  }
  GENERAL_NAMES_free(names);
}

/* ---- key, validity, serial ---------------------------------------------- */

static const char *key_type_name(int id) {
  switch (id) {
  case EVP_PKEY_RSA:
    return "rsa";
  case EVP_PKEY_RSA_PSS:
    return "rsa-pss";
  case EVP_PKEY_DSA:
    return "dsa";
  case EVP_PKEY_EC:
    return "ec";
  case EVP_PKEY_ED25519:
    return "ed25519";
  case EVP_PKEY_ED448:
    return "ed448";
  case EVP_PKEY_DH:
    return "dh";
  default:
    return NULL;
  }
}

static void public_key(ms_tls_cert *c, X509 *x) {
  const ASN1_OBJECT *alg = NULL;
  X509_PUBKEY_get0_param((ASN1_OBJECT **)&alg, NULL, NULL, NULL,
                         X509_get_X509_PUBKEY(x));
  if (alg)
    c->key_alg = object_name(alg);
  EVP_PKEY *k = X509_get0_pubkey(x);
  if (!k)
    return;
  const char *type = key_type_name(EVP_PKEY_get_base_id(k));
  c->key_type = type ? xstrdup(type) : NULL;
  c->key_bits = EVP_PKEY_get_bits(k);
  char group[80];
  if (EVP_PKEY_get_base_id(k) == EVP_PKEY_EC &&
      EVP_PKEY_get_utf8_string_param(k, OSSL_PKEY_PARAM_GROUP_NAME, group,
                                     sizeof group, NULL))
    c->curve = xstrdup(group);
  BIGNUM *e = NULL;
  if (EVP_PKEY_get_base_id(k) == EVP_PKEY_RSA &&
      EVP_PKEY_get_bn_param(k, OSSL_PKEY_PARAM_RSA_E, &e)) {
    char *dec = BN_bn2dec(e);
    c->exponent = dec ? xstrdup(dec) : NULL;
    OPENSSL_free(dec);
  }
  BN_free(e);
}

static bool asn1_time_us(const ASN1_TIME *t, ms_tls_ts *out) {
  struct tm tm;
  if (!t || !ASN1_TIME_to_tm(t, &tm))
    return false;
  *out = (ms_tls_ts)timegm(&tm) * 1000000;
  return true;
}

static char *serial_hex(const ASN1_INTEGER *serial) {
  int n = ASN1_STRING_length(serial);
  const unsigned char *p = ASN1_STRING_get0_data(serial);
  if (n <= 0 || !p)
    return xstrdup("00");
  bool negative = ASN1_STRING_type(serial) == V_ASN1_NEG_INTEGER;
  char *s = xmalloc(2 * (size_t)n + 2), *q = s;
  if (negative)
    *q++ = '-';
  for (int i = 0; i < n; i++, q += 2)
    snprintf(q, 3, "%02X", p[i]);
  return s;
}

static void signature(ms_tls_cert *c, X509 *x) {
  const X509_ALGOR *alg = NULL;
  X509_get0_signature(NULL, &alg, x);
  const ASN1_OBJECT *o = NULL;
  if (alg)
    X509_ALGOR_get0(&o, NULL, NULL, alg);
  if (o)
    c->sig_alg = object_name(o);
}

static void constraints_and_issuer(ms_tls_cert *c, X509 *x) {
  uint32_t flags = X509_get_extension_flags(x);
  c->has_basic_constraints = flags & EXFLAG_BCONS;
  c->ca = flags & EXFLAG_CA;
  long path = X509_get_pathlen(x);
  c->path_len = path >= 0 && path <= 1000000 ? (int)path : -1;
  c->self_issued =
      X509_NAME_cmp(X509_get_subject_name(x), X509_get_issuer_name(x)) == 0;
  EVP_PKEY *k = X509_get0_pubkey(x);
  c->self_signed = c->self_issued && k && X509_verify(x, k) == 1;
}

static void fill(ms_tls_cert *c, X509 *x) {
  c->version = (int)X509_get_version(x) + 1;
  c->serial = serial_hex(X509_get0_serialNumber(x));
  const X509_NAME *subject = X509_get_subject_name(x);
  const X509_NAME *issuer = X509_get_issuer_name(x);
  c->subject = name_text(subject);
  c->issuer = name_text(issuer);
  c->subject_cn = name_entry(subject, NID_commonName);
  c->subject_org = name_entry(subject, NID_organizationName);
  c->issuer_cn = name_entry(issuer, NID_commonName);
  c->issuer_org = name_entry(issuer, NID_organizationName);
  c->has_validity = asn1_time_us(X509_get0_notBefore(x), &c->not_before) &&
                    asn1_time_us(X509_get0_notAfter(x), &c->not_after);
  public_key(c, x);
  signature(c, x);
  alt_names(c, x);
  constraints_and_issuer(c, x);
}

void tls_cert_summarise(ms_tls_cert *c, const uint8_t *der, size_t n) {
  if (tls_cert_cache_get(c, der, n))
    return;
  memset(c, 0, sizeof *c);
  c->path_len = -1;
  c->der_len = (uint32_t)n;
  hex_digest(EVP_sha256(), der, n, c->sha256);
  hex_digest(EVP_sha1(), der, n, c->sha1);
  const unsigned char *q = der;
  X509 *x = n <= MS_TLS_MAX_MESSAGE ? d2i_X509(NULL, &q, (long)n) : NULL;
  if (!x) {
    unsigned long e = ERR_peek_last_error();
    const char *reason = e ? ERR_reason_error_string(e) : NULL;
    c->error =
        xasprintf("not an X.509 certificate (%s)", reason ? reason : "no DER");
  } else if ((size_t)(q - der) != n) {
    c->error = xasprintf("%zu bytes after the certificate's DER",
                         n - (size_t)(q - der));
  } else {
    c->parsed = true;
    fill(c, x);
  }
  X509_free(x);
  ERR_clear_error();
  tls_cert_cache_put(c, der, n);
}

/* ---- names against a host ----------------------------------------------- */

static size_t trimmed_len(const char *s) {
  size_t n = strlen(s);
  return n && s[n - 1] == '.' ? n - 1 : n;
}

static bool name_matches(const char *pattern, const char *host) {
  size_t pn = trimmed_len(pattern), hn = trimmed_len(host);
  if (pn > 2 && pattern[0] == '*' && pattern[1] == '.') {
    const char *dot = memchr(host, '.', hn);
    if (!dot || dot == host)
      return false;
    size_t rest = hn - (size_t)(dot - host);
    return rest == pn - 1 && !strncasecmp(dot, pattern + 1, rest);
  }
  return pn == hn && !strncasecmp(pattern, host, hn);
}

/* An IP literal as 16 bytes (IPv4 in the first 4); false if not one. */
static bool ip_bytes(const char *s, unsigned char out[16], int *af) {
  memset(out, 0, 16);
  *af = inet_pton(AF_INET, s, out) == 1    ? AF_INET
        : inet_pton(AF_INET6, s, out) == 1 ? AF_INET6
                                           : 0;
  return *af != 0;
}

bool tls_cert_matches(const ms_tls_cert *c, const char *host) {
  unsigned char want[16], have[16];
  int af, af2;
  if (ip_bytes(host, want, &af)) {
    for (size_t i = 0; i < c->san_ip.len; i++)
      if (ip_bytes(c->san_ip.items[i], have, &af2) && af == af2 &&
          !memcmp(want, have, 16))
        return true;
    return false;
  }
  for (size_t i = 0; i < c->san_dns.len; i++)
    if (name_matches(c->san_dns.items[i], host))
      return true;
  return !c->san_dns.len && c->subject_cn && name_matches(c->subject_cn, host);
}
