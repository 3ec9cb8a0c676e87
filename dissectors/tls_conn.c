/* tls_conn.c - one TLS connection: records of both directions, the
 * switches to protected records, alerts, application data, completion
 * (tls.h).  Handshake messages are tls_msg.c's. */
#include "tls_conn_int.h"

#include <ctype.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tls_checks.h"

static const char *side_name(ms_dir dir) {
  return dir == MS_CLIENT ? "client" : "server";
}

void tls_conn_history(ms_tls_conn *c, ms_dir dir, char letter) {
  char *h = c->info->history;
  size_t n = strlen(h);
  if (n < MS_TLS_MAX_HISTORY) {
    h[n] = (char)(dir == MS_CLIENT ? toupper(letter) : letter);
    h[n + 1] = '\0';
  }
}

void tls_conn_malformed(ms_tls_conn *c, ms_dir dir, ms_ts ts, const char *fmt,
                        ...) {
  if (c->side[dir].malformed)
    return;
  c->side[dir].malformed = true;
  char detail[256];
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(detail, sizeof detail, fmt, ap);
  va_end(ap);
  ms_add_anomaly(c->rec, "tls_malformed", ts, "%s: %s", side_name(dir), detail);
}

/* ---- protection (decryption plugs in here) ------------------------------ */

void tls_conn_protect(ms_tls_conn *c, ms_dir dir, ms_tls_epoch epoch) {
  tls_side *s = &c->side[dir];
  s->encrypted = true;
  s->encrypted_records = 0;
  const ms_tls_protection *p = c->hooks.protection;
  if (!p)
    return;
  ms_tls_switch sw = {dir,
                      epoch,
                      c->info->server.version,
                      c->info->server.cipher_suite,
                      c->info->client.random,
                      c->info->server.random,
                      c->info->server.encrypt_then_mac,
                      c->now};
  void *next = p->start(p->ctx, &sw, s->prot);
  if (s->prot && next != s->prot)
    p->free(s->prot);
  s->prot = next;
  if (!s->said && c->hooks.decrypting) {
    s->said = true;
    c->hooks.decrypting(c->hooks.ctx, dir, next != NULL, c->now);
  }
}

/* A record of dir that did not decrypt: said once per direction; its
 * bytes are a gap of the decrypted stream, which resumes with the next
 * record (the sequence number moved on). */
static void decrypt_failed(ms_tls_conn *c, ms_dir dir, uint8_t type, size_t len,
                           ms_tls_dec_status st, ms_ts ts) {
  tls_side *s = &c->side[dir];
  if (!s->decrypt_failed) {
    s->decrypt_failed = true;
    ms_add_anomaly(c->rec, "tls_decrypt_failed", ts,
                   "a %s record of %zu bytes did not decrypt (%s): its "
                   "bytes are a gap, decoding resumes with the next record",
                   side_name(dir), len,
                   st == MS_TLS_DEC_BAD_RECORD ? "authentication failed"
                                               : "crypto error");
  }
  if (type == TLS_APPLICATION_DATA && c->hooks.lost)
    c->hooks.lost(c->hooks.ctx, dir, len, ts);
}

/* Decrypt one record into s->plain; false when it stays opaque. */
static bool unprotect(ms_tls_conn *c, ms_dir dir, uint8_t type,
                      uint16_t version, const uint8_t *body, size_t len,
                      size_t *out_len, uint8_t *inner, ms_ts ts) {
  tls_side *s = &c->side[dir];
  if (!s->prot || !body)
    return false;
  if (s->plain_cap < len + 1) {
    free(s->plain);
    s->plain_cap = len + 1;
    s->plain = xmalloc(s->plain_cap);
  }
  ms_tls_dec_status st = c->hooks.protection->decrypt(
      s->prot, type, version, body, len, s->plain, out_len, inner);
  if (st == MS_TLS_DEC_OK) {
    c->info->decrypted[dir] = true;
    return true;
  }
  decrypt_failed(c, dir, type, len, st, ts);
  return false;
}

/* ---- completion ---------------------------------------------------------- */

void tls_conn_check_done(ms_tls_conn *c, ms_ts ts) {
  ms_tls_info *t = c->info;
  if (t->completed != MS_TLS_NOT_DONE || !c->server_hello)
    return;
  if (t->finished[MS_CLIENT] && t->finished[MS_SERVER])
    t->completed = t->decrypted[MS_CLIENT] && t->decrypted[MS_SERVER]
                       ? MS_TLS_DONE_DECRYPTED
                       : MS_TLS_DONE_FINISHED;
  else
    return;
  t->completed_ts = ts;
}

/* TLS 1.3 without keys: the server sent a protected record after the
 * client's first protected one (its Finished). */
static void traffic_done(ms_tls_conn *c, ms_dir dir, ms_ts ts) {
  ms_tls_info *t = c->info;
  if (!c->tls13 || t->completed != MS_TLS_NOT_DONE || c->side[dir].prot ||
      dir != MS_SERVER || c->side[MS_CLIENT].encrypted_records == 0)
    return;
  t->completed = MS_TLS_DONE_TRAFFIC;
  t->completed_ts = ts;
}

/* ---- alerts -------------------------------------------------------------- */

static void add_alert(ms_tls_conn *c, ms_dir dir, bool encrypted, uint8_t level,
                      uint8_t desc, ms_ts ts) {
  ms_tls_info *t = c->info;
  if (t->alerts.len >= MS_TLS_MAX_ALERTS) {
    t->alerts_dropped++;
    return;
  }
  ms_tls_alert *a = vec_push(&t->alerts);
  a->ts = ts;
  a->dir = (uint8_t)dir;
  a->encrypted = encrypted;
  a->level = level;
  a->description = desc;
  if (encrypted || level != 2 || t->completed != MS_TLS_NOT_DONE ||
      c->failure_reported)
    return;
  c->failure_reported = true;
  const char *name = ms_tls_alert_name(desc);
  ms_add_anomaly(c->rec, "tls_handshake_failed", ts,
                 "%s sent fatal alert %s (%u) before the handshake completed",
                 side_name(dir), name ? name : "unknown", desc);
}

static void alerts(ms_tls_conn *c, ms_dir dir, const uint8_t *p, size_t n,
                   ms_ts ts) {
  if (n == 0 || n % 2) {
    tls_conn_malformed(c, dir, ts, "an alert record of %zu bytes", n);
    return;
  }
  for (size_t i = 0; i + 1 < n; i += 2) {
    tls_conn_history(c, dir, 'l');
    add_alert(c, dir, false, p[i], p[i + 1], ts);
  }
}

/* ---- records ------------------------------------------------------------- */

typedef struct {
  ms_tls_conn *c;
  ms_dir dir;
} side_ctx;

static void hs_message(void *ctx, uint8_t type, const uint8_t *body, size_t len,
                       ms_ts ts);
static void hs_too_long(void *ctx, uint8_t type, size_t len, ms_ts ts);

/* Handshake bytes; they were decrypted when the direction is protected. */
static void handshake_bytes(ms_tls_conn *c, ms_dir dir, const uint8_t *p,
                            size_t n, ms_ts ts) {
  side_ctx sc = {c, dir};
  tls_hs_cb cb = {hs_message, hs_too_long, &sc};
  tls_hs_feed(&c->side[dir].hs, p, n, ts, &cb);
}

static void hs_message(void *ctx, uint8_t type, const uint8_t *body, size_t len,
                       ms_ts ts) {
  side_ctx *sc = ctx;
  tls_msg_handle(sc->c, sc->dir, type, body, len, ts,
                 sc->c->side[sc->dir].encrypted);
}

static void hs_too_long(void *ctx, uint8_t type, size_t len, ms_ts ts) {
  side_ctx *sc = ctx;
  if (sc->c->too_long_reported)
    return;
  sc->c->too_long_reported = true;
  ms_add_anomaly(sc->c->rec, "tls_message_too_long", ts,
                 "%s handshake message type %u of %zu bytes (over %u): "
                 "skipped",
                 side_name(sc->dir), type, len, MS_TLS_MAX_MESSAGE);
}

static void application_data(ms_tls_conn *c, ms_dir dir, const uint8_t *p,
                             size_t n, ms_ts ts) {
  if (n && c->hooks.plaintext)
    c->hooks.plaintext(c->hooks.ctx, dir, p, n, ts);
}

/* The contents of a record, once decrypted (or never protected). */
static void content(ms_tls_conn *c, ms_dir dir, uint8_t type, const uint8_t *p,
                    size_t n, ms_ts ts) {
  switch (type) {
  case TLS_HANDSHAKE:
    handshake_bytes(c, dir, p, n, ts);
    break;
  case TLS_ALERT:
    alerts(c, dir, p, n, ts);
    break;
  case TLS_APPLICATION_DATA:
    application_data(c, dir, p, n, ts);
    break;
  default:
    break;
  }
}

static void change_cipher_spec(ms_tls_conn *c, ms_dir dir, const uint8_t *body,
                               size_t len, ms_ts ts) {
  if (len != 1 || !body || body[0] != 1)
    tls_conn_malformed(c, dir, ts, "a ChangeCipherSpec of %zu bytes", len);
  c->info->ccs[dir] = true;
  tls_conn_history(c, dir, 'i');
  /* TLS <= 1.2 resumption: the server's ChangeCipherSpec before any
   * Certificate or key exchange (an abbreviated handshake) */
  if (dir == MS_SERVER && !c->tls13 && c->server_hello && !c->server_sent_keys)
    c->info->resumed = true;
  /* TLS 1.3's, and any before the ServerHello (a client's after a
   * HelloRetryRequest), is only for middleboxes (RFC 8446 D.4) */
  if (!c->tls13 && c->server_hello)
    tls_conn_protect(c, dir, MS_TLS_EPOCH_12);
}

/* A protected record: decrypted when keys exist, else judged by its type. */
static void protected_record(ms_tls_conn *c, ms_dir dir, uint8_t type,
                             uint16_t version, const uint8_t *body, size_t len,
                             ms_ts ts) {
  ms_tls_info *t = c->info;
  tls_side *s = &c->side[dir];
  s->encrypted_records++;
  size_t plain_len = 0;
  uint8_t inner = type;
  if (type == TLS_APPLICATION_DATA) { /* decrypted or not */
    t->app_records[dir]++;
    t->app_bytes[dir] += len;
  }
  if (unprotect(c, dir, type, version, body, len, &plain_len, &inner, ts)) {
    content(c, dir, inner, s->plain, plain_len, ts);
    return;
  }
  if (type == TLS_HANDSHAKE && !c->tls13) { /* its Finished */
    t->finished[dir] = true;
    tls_conn_check_done(c, ts);
  } else if (type == TLS_ALERT) {
    add_alert(c, dir, true, 0, 0, ts);
  } else if (type == TLS_APPLICATION_DATA) {
    traffic_done(c, dir, ts);
  }
}

static bool want_body(void *ctx, uint8_t type, uint16_t version, size_t len) {
  side_ctx *sc = ctx;
  (void)version;
  (void)len;
  if (type != TLS_APPLICATION_DATA)
    return true;
  return sc->c->side[sc->dir].prot != NULL;
}

/* Application data before the switch: TLS 1.3 0-RTT data when the client
 * offered early_data (42), else out of place. */
static void early_data(ms_tls_conn *c, ms_dir dir, size_t len, ms_ts ts) {
  const ms_tls_client_hello *h = &c->info->client;
  bool offered = false;
  for (size_t i = 0; i < h->extensions.len; i++)
    offered |= h->extensions.items[i] == 42;
  if (dir == MS_CLIENT && offered) {
    c->info->app_records[dir]++;
    c->info->app_bytes[dir] += len;
    return;
  }
  tls_conn_malformed(c, dir, ts, "application data before encryption");
}

static void apply_pending(ms_tls_conn *c, ms_dir dir) {
  tls_side *s = &c->side[dir];
  if (s->pending_epoch < 0)
    return;
  ms_tls_epoch e = (ms_tls_epoch)s->pending_epoch;
  s->pending_epoch = -1;
  tls_conn_protect(c, dir, e);
}

static void on_record(void *ctx, uint8_t type, uint16_t version,
                      const uint8_t *body, size_t len, ms_ts ts) {
  side_ctx *sc = ctx;
  ms_tls_conn *c = sc->c;
  ms_dir dir = sc->dir;
  if (type == TLS_SSLV2)
    tls_msg_sslv2(c, dir, body, len, ts);
  else if (type == TLS_CHANGE_CIPHER_SPEC)
    change_cipher_spec(c, dir, body, len, ts);
  else if (c->side[dir].encrypted && type != TLS_HEARTBEAT)
    protected_record(c, dir, type, version, body, len, ts);
  else if (type == TLS_APPLICATION_DATA)
    early_data(c, dir, len, ts);
  else if (type != TLS_HEARTBEAT)
    content(c, dir, type, body, len, ts);
  apply_pending(c, dir);
}

static void on_malformed(void *ctx, const uint8_t *head, size_t n, ms_ts ts) {
  side_ctx *sc = ctx;
  char hex[3 * 5 + 1] = "";
  size_t at = 0;
  for (size_t i = 0; i < n && i < 5; i++)
    at += (size_t)snprintf(hex + at, sizeof hex - at, "%s%02x", i ? " " : "",
                           head[i]);
  char text[6] = "";
  bool printable = n > 0;
  for (size_t i = 0; i < n && i < 5; i++) {
    printable &= head[i] >= 0x20 && head[i] < 0x7f;
    text[i] = (char)head[i];
    text[i + 1] = '\0';
  }
  tls_conn_malformed(sc->c, sc->dir, ts, "not a TLS record header (%s%s%s%s)",
                     hex, printable ? ": \"" : "", printable ? text : "",
                     printable ? "\"" : "");
}

/* ---- the public interface ------------------------------------------------ */

ms_tls_conn *ms_tls_conn_new(ms_session *rec, const ms_tls_hooks *hooks) {
  ms_tls_conn *c = xcalloc(1, sizeof *c);
  c->rec = rec;
  if (!rec->tls_info)
    rec->tls_info = ms_tls_info_new();
  c->info = rec->tls_info;
  if (hooks)
    c->hooks = *hooks;
  for (int d = 0; d < 2; d++) {
    tls_records_init(&c->side[d].rr);
    c->side[d].pending_epoch = -1;
  }
  return c;
}

void ms_tls_conn_data(ms_tls_conn *c, ms_dir dir, const uint8_t *p, size_t n,
                      ms_ts ts) {
  if (!c->info->ts)
    c->info->ts = ts;
  c->now = ts;
  side_ctx sc = {c, dir};
  tls_record_cb cb = {want_body, on_record, on_malformed, &sc};
  tls_records_feed(&c->side[dir].rr, p, n, ts, &cb);
  /* Without keys, nothing after the handshake needs a body buffer. */
  if (c->info->completed != MS_TLS_NOT_DONE && !c->side[dir].prot)
    tls_records_release(&c->side[dir].rr);
}

void ms_tls_conn_gap(ms_tls_conn *c, ms_dir dir, uint64_t n, ms_ts ts) {
  tls_side *s = &c->side[dir];
  if (s->rr.dead)
    return;
  tls_records_stop(&s->rr);
  if (s->prot && c->hooks.lost)
    c->hooks.lost(c->hooks.ctx, dir, n, ts);
  if (c->info->completed == MS_TLS_NOT_DONE)
    ms_add_anomaly(c->rec, "tls_gap", ts,
                   "%llu %s bytes lost during the TLS handshake: the rest of "
                   "its records cannot be followed",
                   (unsigned long long)n, side_name(dir));
}

void ms_tls_conn_close(ms_tls_conn *c, ms_ts ts) {
  if (c->closed)
    return;
  c->closed = true;
  tls_checks(c->rec, ts);
}

void ms_tls_conn_free(ms_tls_conn *c) {
  if (!c)
    return;
  for (int d = 0; d < 2; d++) {
    tls_side *s = &c->side[d];
    tls_records_free(&s->rr);
    tls_hs_free(&s->hs);
    if (s->prot && c->hooks.protection)
      c->hooks.protection->free(s->prot);
    free(s->plain);
  }
  free(c);
}

size_t ms_tls_conn_mem(const ms_tls_conn *c) {
  size_t n = sizeof *c;
  for (int d = 0; d < 2; d++)
    n += c->side[d].rr.cap + c->side[d].hs.cap + c->side[d].plain_cap;
  return n;
}

int ms_tls_sniff(const uint8_t *p, size_t n) {
  if (n < 1)
    return -1;
  if (p[0] & 0x80) { /* SSLv2-compatible CLIENT-HELLO: version 3.x */
    if (n < 4)
      return -1;
    return p[2] == 1 && p[3] == 3;
  }
  if (p[0] != TLS_HANDSHAKE)
    return 0;
  if (n < 6)
    return n >= 2 && p[1] != 3 ? 0 : -1;
  return p[1] == 3 && p[2] <= 4 && p[5] == 1;
}
