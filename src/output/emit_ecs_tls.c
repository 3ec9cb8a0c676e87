/* emit_ecs_tls.c - the ECS tls.* field set (ECS 8.11 "TLS" and "x509"
 * field sets) of a session: version, cipher, curve, established, resumed,
 * next_protocol, the client's ja3, server_name and offered suites, the
 * server's ja3s, certificate hashes, subject, issuer and validity, and the
 * server's leaf certificate as tls.server.x509.* (the client's as
 * tls.client.x509.*).  JA4 has no ECS field: mailscope.ja4 (emit_ecs.c).
 * docs/ecs.md maps every field. */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "emit.h"

static void begin_obj(jsonw *w, const char *key) {
  jw_key(w, key);
  jw_obj_begin(w);
}

static void one_string_array(jsonw *w, const char *key, const char *v) {
  if (!v)
    return;
  jw_key(w, key);
  jw_arr_begin(w);
  jw_str(w, v);
  jw_arr_end(w);
}

/* "1.2" and "tls", or "3.0" and "ssl". */
static void version(jsonw *w, uint16_t v) {
  static const struct {
    uint16_t code;
    const char *version, *protocol;
  } names[] = {{0x0002, "2.0", "ssl"}, {0x0300, "3.0", "ssl"},
               {0x0301, "1.0", "tls"}, {0x0302, "1.1", "tls"},
               {0x0303, "1.2", "tls"}, {0x0304, "1.3", "tls"}};
  for (size_t i = 0; i < sizeof names / sizeof names[0]; i++)
    if (names[i].code == v) {
      jw_kstr(w, "version", names[i].version);
      jw_kstr(w, "version_protocol", names[i].protocol);
    }
}

static void dn(jsonw *w, const char *key, const char *dn_text, const char *cn,
               const char *org) {
  begin_obj(w, key);
  jw_kstr_opt(w, "distinguished_name", dn_text);
  one_string_array(w, "common_name", cn);
  one_string_array(w, "organization", org);
  jw_obj_end(w);
}

static void x509(jsonw *w, const ms_tls_cert *c) {
  begin_obj(w, "x509");
  char vnum[12], keyalg[24] = "";
  snprintf(vnum, sizeof vnum, "%d", c->version);
  jw_kstr(w, "version_number", vnum);
  jw_kstr_opt(w, "serial_number", c->serial);
  dn(w, "subject", c->subject, c->subject_cn, c->subject_org);
  dn(w, "issuer", c->issuer, c->issuer_cn, c->issuer_org);
  if (c->has_validity) {
    jw_kts(w, "not_before", c->not_before);
    jw_kts(w, "not_after", c->not_after);
  }
  for (size_t i = 0; c->key_type && c->key_type[i] && i + 1 < sizeof keyalg;
       i++)
    keyalg[i] = (char)toupper((unsigned char)c->key_type[i]);
  if (*keyalg)
    jw_kstr(w, "public_key_algorithm", keyalg);
  if (c->key_bits > 0)
    jw_kint(w, "public_key_size", c->key_bits);
  jw_kstr_opt(w, "public_key_curve", c->curve);
  if (c->exponent && strlen(c->exponent) < 19)
    jw_kint(w, "public_key_exponent", strtoll(c->exponent, NULL, 10));
  jw_kstr_opt(w, "signature_algorithm", c->sig_alg);
  if (c->san_dns.len) {
    jw_key(w, "alternative_names");
    jw_arr_begin(w);
    for (size_t i = 0; i < c->san_dns.len; i++)
      jw_str(w, c->san_dns.items[i]);
    jw_arr_end(w);
  }
  jw_obj_end(w);
}

/* hash, subject, issuer, validity and x509 of a side's first certificate */
static void leaf(jsonw *w, const ms_tls_cert *c) {
  begin_obj(w, "hash");
  jw_kstr(w, "sha1", c->sha1);
  jw_kstr(w, "sha256", c->sha256);
  jw_obj_end(w);
  if (!c->parsed)
    return;
  jw_kstr_opt(w, "subject", c->subject);
  jw_kstr_opt(w, "issuer", c->issuer);
  if (c->has_validity) {
    jw_kts(w, "not_before", c->not_before);
    jw_kts(w, "not_after", c->not_after);
  }
  x509(w, c);
}

static void client(jsonw *w, const ms_tls_info *t) {
  const ms_tls_client_hello *h = &t->client;
  begin_obj(w, "client");
  if (h->present) {
    jw_kstr(w, "ja3", h->ja3);
    jw_kstr_opt(w, "server_name", h->server_name);
    jw_key(w, "supported_ciphers");
    jw_arr_begin(w);
    for (size_t i = 0; i < h->cipher_suites.len; i++) {
      uint16_t cs = h->cipher_suites.items[i];
      const char *name = ms_tls_suite_name(cs);
      char hex[8];
      snprintf(hex, sizeof hex, "0x%04x", cs);
      jw_str(w, name ? name : hex);
    }
    jw_arr_end(w);
  }
  if (t->client_certs.len)
    leaf(w, &t->client_certs.items[0]);
  jw_obj_end(w);
}

static void server(jsonw *w, const ms_tls_info *t) {
  begin_obj(w, "server");
  if (t->server.present && t->server.version != 0x0002)
    jw_kstr(w, "ja3s", t->server.ja3s);
  if (t->server_certs.len)
    leaf(w, &t->server_certs.items[0]);
  jw_obj_end(w);
}

void emit_ecs_tls(const ms_session *s, jsonw *w) {
  const ms_tls_info *t = s->tls_info;
  if (!t && s->tls == MS_TLS_NONE)
    return;
  begin_obj(w, "tls");
  jw_kbool(w, "established", t && t->completed != MS_TLS_NOT_DONE);
  if (t) {
    const ms_tls_server_hello *sh = &t->server;
    if (sh->present) {
      version(w, sh->version);
      jw_kstr_opt(w, "cipher", sh->cipher_name);
      if (sh->group)
        jw_kstr_opt(w, "curve", ms_tls_group_name(sh->group));
      jw_kstr_opt(w, "next_protocol", sh->alpn);
    }
    jw_kbool(w, "resumed", t->resumed);
    client(w, t);
    server(w, t);
  }
  jw_obj_end(w);
}
