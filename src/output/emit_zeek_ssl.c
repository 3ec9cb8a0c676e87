/* emit_zeek_ssl.c - ssl.log and x509.log records (emit_zeek_ssl.h).
 *
 * ssl.log: SSL::Info of Zeek's base/protocols/ssl/main.zeek (ts ...
 * ssl_history) and files.zeek (cert_chain_fps, client_cert_chain_fps,
 * sni_matches_cert), Zeek 6 and later; ja3 and ja3s as the salesforce/ja3
 * Zeek package adds them, ja4 as FoxIO's ja4 Zeek package does.
 * x509.log: X509::Info of base/files/x509/main.zeek with its Certificate,
 * SubjectAlternativeName and BasicConstraints records flattened as Zeek
 * flattens them ("certificate.serial").  Zeek names versions "TLSv12" and
 * key types "rsa"/"dsa"/"ecdsa" (consts.zeek, x509 analyzer); fingerprints
 * are sha256 of the DER, Zeek's default X509::hash_function. */
#include "emit_zeek_ssl.h"

#include <string.h>

#include "tls_cert.h"

const zeek_tls_column zeek_ssl_columns[] = {
    {"ts", "time"},
    {"uid", "string"},
    {"id.orig_h", "addr"},
    {"id.orig_p", "port"},
    {"id.resp_h", "addr"},
    {"id.resp_p", "port"},
    {"version", "string"},
    {"cipher", "string"},
    {"curve", "string"},
    {"server_name", "string"},
    {"resumed", "bool"},
    {"last_alert", "string"},
    {"next_protocol", "string"},
    {"established", "bool"},
    {"ssl_history", "string"},
    {"cert_chain_fps", "vector[string]"},
    {"client_cert_chain_fps", "vector[string]"},
    {"sni_matches_cert", "bool"},
    {"ja3", "string"},
    {"ja3s", "string"},
    {"ja4", "string"},
};
const size_t zeek_ssl_ncolumns =
    sizeof zeek_ssl_columns / sizeof zeek_ssl_columns[0];
const zeek_log_def zeek_ssl_log = {"ssl", zeek_ssl_columns,
                                   sizeof zeek_ssl_columns /
                                       sizeof zeek_ssl_columns[0]};

const zeek_tls_column zeek_x509_columns[] = {
    {"ts", "time"},
    {"fingerprint", "string"},
    {"certificate.version", "count"},
    {"certificate.serial", "string"},
    {"certificate.subject", "string"},
    {"certificate.issuer", "string"},
    {"certificate.not_valid_before", "time"},
    {"certificate.not_valid_after", "time"},
    {"certificate.key_alg", "string"},
    {"certificate.sig_alg", "string"},
    {"certificate.key_type", "string"},
    {"certificate.key_length", "count"},
    {"certificate.exponent", "string"},
    {"certificate.curve", "string"},
    {"san.dns", "vector[string]"},
    {"san.uri", "vector[string]"},
    {"san.email", "vector[string]"},
    {"san.ip", "vector[addr]"},
    {"basic_constraints.ca", "bool"},
    {"basic_constraints.path_len", "count"},
    {"host_cert", "bool"},
    {"client_cert", "bool"},
};
const size_t zeek_x509_ncolumns =
    sizeof zeek_x509_columns / sizeof zeek_x509_columns[0];
const zeek_log_def zeek_x509_log = {"x509", zeek_x509_columns,
                                    sizeof zeek_x509_columns /
                                        sizeof zeek_x509_columns[0]};

/* ---- ssl.log --------------------------------------------------------------
 */

/* Zeek's version_strings: ours without the dot ("TLSv12", "SSLv3"). */
static const char *zeek_version(uint16_t v, char out[8]) {
  const char *name = ms_tls_version_name(v);
  if (!name)
    return NULL;
  size_t n = 0;
  for (; *name && n < 7; name++)
    if (*name != '.')
      out[n++] = *name;
  out[n] = '\0';
  return out;
}

static void fps(const zeek_tls_sink *k, const char *field, const ms_tls_cert *c,
                size_t n) {
  if (!n)
    return;
  k->container(k->ctx, field);
  for (size_t i = 0; i < n; i++)
    k->add(k->ctx, field, c[i].sha256);
}

static const ms_tls_alert *last_plain_alert(const ms_tls_info *t) {
  for (size_t i = t->alerts.len; i-- > 0;)
    if (!t->alerts.items[i].encrypted)
      return &t->alerts.items[i];
  return NULL;
}

static void ssl_choice(const ms_tls_info *t, const zeek_tls_sink *k) {
  const ms_tls_server_hello *sh = &t->server;
  if (sh->present) {
    char version[8];
    k->str(k->ctx, "version", zeek_version(sh->version, version));
    k->str(k->ctx, "cipher", sh->cipher_name);
    if (sh->group)
      k->str(k->ctx, "curve", ms_tls_group_name(sh->group));
  }
  k->str(k->ctx, "server_name", t->client.server_name);
  k->boolean(k->ctx, "resumed", t->resumed);
  const ms_tls_alert *a = last_plain_alert(t);
  if (a)
    k->str(k->ctx, "last_alert", ms_tls_alert_name(a->description));
  k->str(k->ctx, "next_protocol", sh->alpn);
  k->boolean(k->ctx, "established", t->completed != MS_TLS_NOT_DONE);
  k->str(k->ctx, "ssl_history", t->history);
}

size_t zeek_ssl_records(const ms_session *s, const zeek_tls_sink *k) {
  const ms_tls_info *t = s->tls_info;
  if (!t || (!t->client.present && !t->server.present))
    return 0;
  k->time(k->ctx, "ts", t->ts);
  k->str(k->ctx, "uid", s->uid);
  k->conn_id(k->ctx, s->client.ip, s->client.port, s->server.ip,
             s->server.port);
  ssl_choice(t, k);
  fps(k, "cert_chain_fps", t->server_certs.items, t->server_certs.len);
  fps(k, "client_cert_chain_fps", t->client_certs.items, t->client_certs.len);
  if (t->client.server_name && t->server_certs.len &&
      t->server_certs.items[0].parsed)
    k->boolean(
        k->ctx, "sni_matches_cert",
        tls_cert_matches(&t->server_certs.items[0], t->client.server_name));
  if (t->client.present) {
    k->str(k->ctx, "ja3", t->client.ja3);
  }
  if (t->server.present && t->server.version != 0x0002)
    k->str(k->ctx, "ja3s", t->server.ja3s);
  if (t->client.present)
    k->str(k->ctx, "ja4", t->client.ja4);
  k->end(k->ctx);
  return 1;
}

/* ---- x509.log --------------------------------------------------------------
 */

static const char *zeek_key_type(const char *ours) {
  if (!ours)
    return NULL;
  return !strcmp(ours, "ec") ? "ecdsa" : ours;
}

static void names(const zeek_tls_sink *k, const char *field, const strvec *v) {
  if (!v->len)
    return;
  k->container(k->ctx, field);
  for (size_t i = 0; i < v->len; i++)
    k->add(k->ctx, field, v->items[i]);
}

static void certificate(const ms_tls_cert *c, const zeek_tls_sink *k) {
  k->count(k->ctx, "certificate.version", (uint64_t)c->version);
  k->str(k->ctx, "certificate.serial", c->serial);
  k->str(k->ctx, "certificate.subject", c->subject);
  k->str(k->ctx, "certificate.issuer", c->issuer);
  if (c->has_validity) {
    k->time(k->ctx, "certificate.not_valid_before", c->not_before);
    k->time(k->ctx, "certificate.not_valid_after", c->not_after);
  }
  k->str(k->ctx, "certificate.key_alg", c->key_alg);
  k->str(k->ctx, "certificate.sig_alg", c->sig_alg);
  k->str(k->ctx, "certificate.key_type", zeek_key_type(c->key_type));
  if (c->key_bits > 0)
    k->count(k->ctx, "certificate.key_length", (uint64_t)c->key_bits);
  k->str(k->ctx, "certificate.exponent", c->exponent);
  k->str(k->ctx, "certificate.curve", c->curve);
  names(k, "san.dns", &c->san_dns);
  names(k, "san.uri", &c->san_uri);
  names(k, "san.email", &c->san_email);
  names(k, "san.ip", &c->san_ip);
  if (c->has_basic_constraints) {
    k->boolean(k->ctx, "basic_constraints.ca", c->ca);
    if (c->path_len >= 0)
      k->count(k->ctx, "basic_constraints.path_len", (uint64_t)c->path_len);
  }
}

static size_t chain(const ms_tls_info *t, const ms_tls_cert *c, size_t n,
                    bool client, const zeek_tls_sink *k) {
  size_t written = 0;
  for (size_t i = 0; i < n; i++) {
    if (!c[i].parsed)
      continue; /* Zeek's x509 analyzer logs nothing it cannot parse */
    k->time(k->ctx, "ts", t->server.present ? t->server.ts : t->ts);
    k->str(k->ctx, "fingerprint", c[i].sha256);
    certificate(&c[i], k);
    k->boolean(k->ctx, "host_cert", i == 0);
    k->boolean(k->ctx, "client_cert", client);
    k->end(k->ctx);
    written++;
  }
  return written;
}

size_t zeek_x509_records(const ms_session *s, const zeek_tls_sink *k) {
  const ms_tls_info *t = s->tls_info;
  if (!t)
    return 0;
  return chain(t, t->server_certs.items, t->server_certs.len, false, k) +
         chain(t, t->client_certs.items, t->client_certs.len, true, k);
}
