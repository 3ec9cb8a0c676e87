/* tls_info.c - release of the TLS record part and the names emitters and
 * the decoder share (tls_info.h).  Names are facts from the IANA TLS
 * registries (alerts: RFC 8446 6; groups: "TLS Supported Groups"). */
#include "tls_info.h"

#include <stdlib.h>
#include <string.h>

ms_tls_info *ms_tls_info_new(void) { return xcalloc(1, sizeof(ms_tls_info)); }

void ms_tls_cert_clear(ms_tls_cert *c) {
  free(c->error);
  free(c->serial);
  free(c->subject);
  free(c->issuer);
  free(c->subject_cn);
  free(c->subject_org);
  free(c->issuer_cn);
  free(c->issuer_org);
  free(c->key_alg);
  free(c->key_type);
  free(c->curve);
  free(c->exponent);
  free(c->sig_alg);
  strvec_free(&c->san_dns);
  strvec_free(&c->san_ip);
  strvec_free(&c->san_email);
  strvec_free(&c->san_uri);
  memset(c, 0, sizeof *c);
}

void ms_tls_cert_copy(ms_tls_cert *to, const ms_tls_cert *from) {
  *to = *from;
  to->error = xstrdup_opt(from->error);
  to->serial = xstrdup_opt(from->serial);
  to->subject = xstrdup_opt(from->subject);
  to->issuer = xstrdup_opt(from->issuer);
  to->subject_cn = xstrdup_opt(from->subject_cn);
  to->subject_org = xstrdup_opt(from->subject_org);
  to->issuer_cn = xstrdup_opt(from->issuer_cn);
  to->issuer_org = xstrdup_opt(from->issuer_org);
  to->key_alg = xstrdup_opt(from->key_alg);
  to->key_type = xstrdup_opt(from->key_type);
  to->curve = xstrdup_opt(from->curve);
  to->exponent = xstrdup_opt(from->exponent);
  to->sig_alg = xstrdup_opt(from->sig_alg);
  strvec_copy(&to->san_dns, &from->san_dns);
  strvec_copy(&to->san_ip, &from->san_ip);
  strvec_copy(&to->san_email, &from->san_email);
  strvec_copy(&to->san_uri, &from->san_uri);
}

static void client_hello_clear(ms_tls_client_hello *h) {
  vec_free(&h->supported_versions);
  vec_free(&h->cipher_suites);
  vec_free(&h->compression);
  vec_free(&h->extensions);
  free(h->server_name);
  strvec_free(&h->alpn);
  vec_free(&h->groups);
  vec_free(&h->ec_point_formats);
  vec_free(&h->sig_algs);
  vec_free(&h->key_share_groups);
  free(h->ja3_string);
  free(h->ja4_r);
}

static void certs_free(ms_tls_cert *items, size_t n) {
  for (size_t i = 0; i < n; i++)
    ms_tls_cert_clear(&items[i]);
  free(items);
}

void ms_tls_info_free(ms_tls_info *t) {
  if (!t)
    return;
  client_hello_clear(&t->client);
  vec_free(&t->server.extensions);
  free(t->server.alpn);
  free(t->server.ja3s_string);
  certs_free(t->server_certs.items, t->server_certs.len);
  certs_free(t->client_certs.items, t->client_certs.len);
  vec_free(&t->alerts);
  free(t->error);
  free(t);
}

bool ms_tls_decrypted_any(const ms_tls_info *t) {
  return t && (t->decrypted[0] || t->decrypted[1]); /* by ms_dir */
}

const char *ms_tls_version_name(uint16_t v) {
  switch (v) {
  case 0x0002:
    return "SSLv2";
  case 0x0300:
    return "SSLv3";
  case 0x0301:
    return "TLSv1.0";
  case 0x0302:
    return "TLSv1.1";
  case 0x0303:
    return "TLSv1.2";
  case 0x0304:
    return "TLSv1.3";
  default:
    return NULL;
  }
}

const char *ms_tls_alert_name(uint8_t d) {
  static const struct {
    uint8_t code;
    const char *name;
  } alerts[] = {{0, "close_notify"},
                {10, "unexpected_message"},
                {20, "bad_record_mac"},
                {21, "decryption_failed"},
                {22, "record_overflow"},
                {30, "decompression_failure"},
                {40, "handshake_failure"},
                {41, "no_certificate"},
                {42, "bad_certificate"},
                {43, "unsupported_certificate"},
                {44, "certificate_revoked"},
                {45, "certificate_expired"},
                {46, "certificate_unknown"},
                {47, "illegal_parameter"},
                {48, "unknown_ca"},
                {49, "access_denied"},
                {50, "decode_error"},
                {51, "decrypt_error"},
                {60, "export_restriction"},
                {70, "protocol_version"},
                {71, "insufficient_security"},
                {80, "internal_error"},
                {86, "inappropriate_fallback"},
                {90, "user_canceled"},
                {100, "no_renegotiation"},
                {109, "missing_extension"},
                {110, "unsupported_extension"},
                {111, "certificate_unobtainable"},
                {112, "unrecognized_name"},
                {113, "bad_certificate_status_response"},
                {114, "bad_certificate_hash_value"},
                {115, "unknown_psk_identity"},
                {116, "certificate_required"},
                {120, "no_application_protocol"}};
  for (size_t i = 0; i < sizeof alerts / sizeof alerts[0]; i++)
    if (alerts[i].code == d)
      return alerts[i].name;
  return NULL;
}

const char *ms_tls_group_name(uint16_t g) {
  static const char *const ec[] = {NULL,
                                   "sect163k1",
                                   "sect163r1",
                                   "sect163r2",
                                   "sect193r1",
                                   "sect193r2",
                                   "sect233k1",
                                   "sect233r1",
                                   "sect239k1",
                                   "sect283k1",
                                   "sect283r1",
                                   "sect409k1",
                                   "sect409r1",
                                   "sect571k1",
                                   "sect571r1",
                                   "secp160k1",
                                   "secp160r1",
                                   "secp160r2",
                                   "secp192k1",
                                   "secp192r1",
                                   "secp224k1",
                                   "secp224r1",
                                   "secp256k1",
                                   "secp256r1",
                                   "secp384r1",
                                   "secp521r1",
                                   "brainpoolP256r1",
                                   "brainpoolP384r1",
                                   "brainpoolP512r1",
                                   "x25519",
                                   "x448"};
  if (g < sizeof ec / sizeof ec[0])
    return ec[g];
  switch (g) {
  case 256:
    return "ffdhe2048";
  case 257:
    return "ffdhe3072";
  case 258:
    return "ffdhe4096";
  case 259:
    return "ffdhe6144";
  case 260:
    return "ffdhe8192";
  case 0x11ec:
    return "X25519MLKEM768";
  case 0x6399:
    return "X25519Kyber768Draft00";
  default:
    return NULL;
  }
}

const char *ms_tls_completion_name(ms_tls_completion c) {
  switch (c) {
  case MS_TLS_DONE_FINISHED:
    return "finished";
  case MS_TLS_DONE_TRAFFIC:
    return "traffic";
  case MS_TLS_DONE_DECRYPTED:
    return "decrypted";
  default:
    return NULL;
  }
}

bool ms_tls_is_grease(uint16_t v) {
  return (v & 0x0f0f) == 0x0a0a && (v >> 8) == (v & 0xff);
}
