/* emit_tls.c - the session record's "tls_handshake" object (docs/json.md):
 * the TLS part of the record (tls_info.h) as it is, numbers from the wire
 * as "0x%04x" strings in wire order, optional fields left out. */
#include <stdio.h>
#include <string.h>

#include "emit.h"

static void hex16(jsonw *w, uint16_t v) {
  char b[8];
  snprintf(b, sizeof b, "0x%04x", v);
  jw_str(w, b);
}

static void khex16(jsonw *w, const char *key, uint16_t v) {
  jw_key(w, key);
  hex16(w, v);
}

static void hex_list(jsonw *w, const char *key, const ms_u16vec *v) {
  if (!v->len)
    return;
  jw_key(w, key);
  jw_arr_begin(w);
  for (size_t i = 0; i < v->len; i++)
    hex16(w, v->items[i]);
  jw_arr_end(w);
}

static void string_list(jsonw *w, const char *key, const strvec *v) {
  if (!v->len)
    return;
  jw_key(w, key);
  jw_arr_begin(w);
  for (size_t i = 0; i < v->len; i++)
    jw_str(w, v->items[i]);
  jw_arr_end(w);
}

static void client(jsonw *w, const ms_tls_client_hello *h) {
  jw_key(w, "client");
  jw_obj_begin(w);
  jw_kts(w, "ts", h->ts);
  if (h->sslv2)
    jw_kbool(w, "sslv2", true);
  khex16(w, "record_version", h->record_version);
  khex16(w, "version", h->version);
  hex_list(w, "supported_versions", &h->supported_versions);
  hex_list(w, "cipher_suites", &h->cipher_suites);
  jw_key(w, "compression");
  jw_arr_begin(w);
  for (size_t i = 0; i < h->compression.len; i++)
    jw_uint(w, h->compression.items[i]);
  jw_arr_end(w);
  hex_list(w, "extensions", &h->extensions);
  jw_kstr_opt(w, "server_name", h->server_name);
  string_list(w, "alpn", &h->alpn);
  hex_list(w, "supported_groups", &h->groups);
  if (h->ec_point_formats.len) {
    jw_key(w, "ec_point_formats");
    jw_arr_begin(w);
    for (size_t i = 0; i < h->ec_point_formats.len; i++)
      jw_uint(w, h->ec_point_formats.items[i]);
    jw_arr_end(w);
  }
  hex_list(w, "signature_algorithms", &h->sig_algs);
  hex_list(w, "key_share_groups", &h->key_share_groups);
  jw_kstr(w, "ja4", h->ja4);
  jw_kstr_opt(w, "ja4_r", h->ja4_r);
  jw_kstr(w, "ja3", h->ja3);
  jw_kstr_opt(w, "ja3_string", h->ja3_string);
  jw_obj_end(w);
}

static void server(jsonw *w, const ms_tls_server_hello *s) {
  jw_key(w, "server");
  jw_obj_begin(w);
  jw_kts(w, "ts", s->ts);
  khex16(w, "version", s->version);
  khex16(w, "legacy_version", s->legacy_version);
  khex16(w, "cipher_suite", s->cipher_suite);
  jw_kstr_opt(w, "cipher", s->cipher_name);
  jw_kuint(w, "compression", s->compression);
  hex_list(w, "extensions", &s->extensions);
  jw_kstr_opt(w, "alpn", s->alpn);
  if (s->group) {
    const char *g = ms_tls_group_name(s->group);
    if (g)
      jw_kstr(w, "group", g);
    else
      khex16(w, "group", s->group);
  }
  if (s->hello_retry)
    jw_kbool(w, "hello_retry", true);
  if (s->encrypt_then_mac)
    jw_kbool(w, "encrypt_then_mac", true);
  if (s->legacy_version != 0x0002) {
    jw_kstr(w, "ja3s", s->ja3s);
    jw_kstr_opt(w, "ja3s_string", s->ja3s_string);
  }
  jw_obj_end(w);
}

static void cert(jsonw *w, const ms_tls_cert *c) {
  jw_obj_begin(w);
  jw_kstr(w, "sha256", c->sha256);
  jw_kstr(w, "sha1", c->sha1);
  jw_kuint(w, "der_bytes", c->der_len);
  if (!c->parsed) {
    jw_kstr_opt(w, "error", c->error);
    jw_obj_end(w);
    return;
  }
  jw_kint(w, "version", c->version);
  jw_kstr_opt(w, "serial", c->serial);
  jw_kstr_opt(w, "subject", c->subject);
  jw_kstr_opt(w, "issuer", c->issuer);
  jw_kstr_opt(w, "subject_cn", c->subject_cn);
  jw_kstr_opt(w, "subject_org", c->subject_org);
  jw_kstr_opt(w, "issuer_cn", c->issuer_cn);
  jw_kstr_opt(w, "issuer_org", c->issuer_org);
  if (c->has_validity) {
    jw_kts(w, "not_before", c->not_before);
    jw_kts(w, "not_after", c->not_after);
  }
  jw_kstr_opt(w, "key_alg", c->key_alg);
  jw_kstr_opt(w, "key_type", c->key_type);
  if (c->key_bits > 0)
    jw_kint(w, "key_bits", c->key_bits);
  jw_kstr_opt(w, "curve", c->curve);
  jw_kstr_opt(w, "exponent", c->exponent);
  jw_kstr_opt(w, "sig_alg", c->sig_alg);
  string_list(w, "san_dns", &c->san_dns);
  string_list(w, "san_ip", &c->san_ip);
  string_list(w, "san_email", &c->san_email);
  string_list(w, "san_uri", &c->san_uri);
  if (c->has_basic_constraints) {
    jw_kbool(w, "ca", c->ca);
    if (c->path_len >= 0)
      jw_kint(w, "path_len", c->path_len);
  }
  jw_kbool(w, "self_issued", c->self_issued);
  jw_kbool(w, "self_signed", c->self_signed);
  jw_obj_end(w);
}

static void certs(jsonw *w, const char *key, const ms_tls_cert *c, size_t n) {
  if (!n)
    return;
  jw_key(w, key);
  jw_arr_begin(w);
  for (size_t i = 0; i < n; i++)
    cert(w, &c[i]);
  jw_arr_end(w);
}

static void alerts(jsonw *w, const ms_tls_info *t) {
  if (!t->alerts.len)
    return;
  jw_key(w, "alerts");
  jw_arr_begin(w);
  for (size_t i = 0; i < t->alerts.len; i++) {
    const ms_tls_alert *a = &t->alerts.items[i];
    jw_obj_begin(w);
    jw_kts(w, "ts", a->ts);
    jw_kstr(w, "from", a->dir == MS_CLIENT ? "client" : "server");
    if (a->encrypted) {
      jw_kbool(w, "encrypted", true);
    } else {
      jw_kstr(w, "level",
              a->level == 2   ? "fatal"
              : a->level == 1 ? "warning"
                              : "unknown");
      const char *name = ms_tls_alert_name(a->description);
      jw_kstr(w, "description", name ? name : "unknown");
      jw_kuint(w, "code", a->description);
    }
    jw_obj_end(w);
  }
  jw_arr_end(w);
}

/* The negotiated version's name ("TLSv1.3"), else its number. */
static void version_field(jsonw *w, const ms_tls_server_hello *s) {
  if (!s->present)
    return;
  const char *name = ms_tls_version_name(s->version);
  if (name)
    jw_kstr(w, "version", name);
  else
    khex16(w, "version", s->version);
}

void emit_tls_json(const ms_tls_info *t, jsonw *w) {
  jw_key(w, "tls_handshake");
  jw_obj_begin(w);
  jw_kts(w, "ts", t->ts);
  version_field(w, &t->server);
  if (t->server.present)
    jw_kstr_opt(w, "cipher", t->server.cipher_name);
  jw_kbool(w, "completed", t->completed != MS_TLS_NOT_DONE);
  jw_kstr_opt(w, "completed_by", ms_tls_completion_name(t->completed));
  if (t->completed != MS_TLS_NOT_DONE)
    jw_kts(w, "completed_ts", t->completed_ts);
  jw_kbool(w, "resumed", t->resumed);
  if (t->client.present)
    client(w, &t->client);
  if (t->server.present)
    server(w, &t->server);
  certs(w, "certificates", t->server_certs.items, t->server_certs.len);
  certs(w, "client_certificates", t->client_certs.items, t->client_certs.len);
  if (t->certs_dropped)
    jw_kuint(w, "certificates_dropped", t->certs_dropped);
  if (t->certs_hidden)
    jw_kbool(w, "certificates_hidden", true);
  if (t->client_cert_requested)
    jw_kbool(w, "client_certificate_requested", true);
  alerts(w, t);
  if (t->alerts_dropped)
    jw_kuint(w, "alerts_dropped", t->alerts_dropped);
  emit_json_per_direction(w, "application_records", t->app_records);
  emit_json_per_direction(w, "application_bytes", t->app_bytes);
  if (t->decrypted[MS_CLIENT] || t->decrypted[MS_SERVER]) {
    jw_key(w, "decrypted");
    jw_obj_begin(w);
    jw_kbool(w, "client", t->decrypted[MS_CLIENT]);
    jw_kbool(w, "server", t->decrypted[MS_SERVER]);
    jw_obj_end(w);
  }
  jw_kstr(w, "history", t->history);
  jw_obj_end(w);
}
