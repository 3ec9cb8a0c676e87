/* tls_msg.c - the handshake messages of a TLS connection (tls_conn_int.h):
 * hellos into the offer and the choice, certificates into summaries, the
 * messages that move the handshake on, and Zeek's history letters. */
#include <stdlib.h>
#include <string.h>

#include "tls_cert.h"
#include "tls_conn_int.h"
#include "tls_fingerprint.h"
#include "tls_read.h"

/* Zeek's ssl_history letter of a handshake type (base/protocols/ssl). */
static char history_letter(uint8_t type) {
  switch (type) {
  case TLS_HELLO_REQUEST:
    return 'h';
  case TLS_CLIENT_HELLO:
    return 'c';
  case TLS_SERVER_HELLO:
    return 's';
  case 3:
    return 'v';
  case TLS_NEW_SESSION_TICKET:
    return 't';
  case TLS_END_OF_EARLY_DATA:
    return 'e';
  case TLS_ENCRYPTED_EXTENSIONS:
    return 'o';
  case TLS_CERTIFICATE:
    return 'x';
  case TLS_SERVER_KEY_EXCHANGE:
    return 'k';
  case TLS_CERTIFICATE_REQUEST:
    return 'r';
  case TLS_SERVER_HELLO_DONE:
    return 'n';
  case TLS_CERTIFICATE_VERIFY:
    return 'y';
  case TLS_CLIENT_KEY_EXCHANGE:
    return 'g';
  case TLS_FINISHED:
    return 'f';
  case TLS_CERTIFICATE_URL:
    return 'w';
  case TLS_CERTIFICATE_STATUS:
    return 'u';
  case TLS_SUPPLEMENTAL_DATA:
    return 'a';
  case TLS_KEY_UPDATE:
    return 'p';
  case TLS_MESSAGE_HASH:
    return 'm';
  default:
    return 'z';
  }
}

static bool is_tls13(uint16_t v) {
  return v == 0x0304 || (v >> 8) == 0x7f; /* or a draft */
}

/* ---- hellos -------------------------------------------------------------- */

static void client_hello(ms_tls_conn *c, const uint8_t *p, size_t n, ms_ts ts) {
  ms_tls_client_hello *h = &c->info->client;
  if (h->present)
    return; /* a second one (after HelloRetryRequest): the first counts */
  h->present = true;
  h->ts = ts;
  h->record_version = c->side[MS_CLIENT].rr.version;
  const char *why = tls_parse_client_hello(h, p, n, &c->client_sid);
  if (why)
    tls_conn_malformed(c, MS_CLIENT, ts, "ClientHello: %s", why);
  tls_fingerprint_client(h);
}

static void retry_request(ms_tls_conn *c, const ms_tls_server_hello *hrr) {
  c->info->server.hello_retry = true;
  c->info->server.group = hrr->group;
}

/* The ServerHello decides the version: TLS 1.3 protects every later
 * record of both sides (handshake keys first). */
static void server_hello(ms_tls_conn *c, const uint8_t *p, size_t n, ms_ts ts) {
  ms_tls_server_hello sh = {0};
  tls_session_id sid = {0};
  bool psk = false;
  const char *why = tls_parse_server_hello(&sh, p, n, &sid, &psk);
  if (why)
    tls_conn_malformed(c, MS_SERVER, ts, "ServerHello: %s", why);
  if (tls_is_hello_retry(sh.random)) {
    retry_request(c, &sh);
    vec_free(&sh.extensions);
    free(sh.alpn);
    return;
  }
  ms_tls_server_hello *s = &c->info->server;
  if (s->present) { /* renegotiation in clear: keep the first */
    vec_free(&sh.extensions);
    free(sh.alpn);
    return;
  }
  sh.hello_retry = s->hello_retry;
  if (!sh.group)
    sh.group = s->group;
  *s = sh;
  s->present = true;
  s->ts = ts;
  tls_fingerprint_server(s);
  c->server_hello = true;
  c->tls13 = is_tls13(s->version);
  if (c->tls13) {
    c->info->resumed = psk;
    c->info->certs_hidden = true;
    tls_conn_protect(c, MS_SERVER, MS_TLS_EPOCH_HANDSHAKE);
    tls_conn_protect(c, MS_CLIENT, MS_TLS_EPOCH_HANDSHAKE);
  } else {
    c->info->resumed = sid.len > 0 && sid.len == c->client_sid.len &&
                       !memcmp(sid.id, c->client_sid.id, sid.len);
  }
}

/* ---- certificates ---------------------------------------------------------
 */

static void add_cert(ms_tls_conn *c, ms_dir dir, const uint8_t *der, size_t n) {
  ms_tls_info *t = c->info;
  if (dir == MS_SERVER ? t->server_certs.len >= MS_TLS_MAX_CERTS
                       : t->client_certs.len >= MS_TLS_MAX_CERTS) {
    t->certs_dropped++;
    return;
  }
  ms_tls_cert *cert = dir == MS_SERVER ? vec_push(&t->server_certs)
                                       : vec_push(&t->client_certs);
  tls_cert_summarise(cert, der, n);
}

/* RFC 5246 7.4.2 (a list of DER certificates) or RFC 8446 4.4.2 (a
 * request context, then each certificate followed by its extensions). */
static void certificate(ms_tls_conn *c, ms_dir dir, const uint8_t *p, size_t n,
                        ms_ts ts) {
  ms_tls_info *t = c->info;
  if ((dir == MS_SERVER ? t->server_certs.len : t->client_certs.len) ||
      (dir == MS_SERVER && t->certs_dropped))
    return; /* one chain per side */
  tls_cur cur = tls_cur_make(p, n);
  if (c->tls13)
    tls_vec(&cur, 1);
  tls_cur list = tls_vec(&cur, 3);
  while (list.n && !list.bad) {
    tls_cur der = tls_vec(&list, 3);
    if (c->tls13)
      tls_vec(&list, 2);
    if (!list.bad)
      add_cert(c, dir, der.p, der.n);
  }
  if (list.bad || cur.bad || cur.n)
    tls_conn_malformed(c, dir, ts,
                       "a Certificate message whose lengths "
                       "do not add up");
  if (dir == MS_SERVER) {
    c->server_sent_keys = true;
    t->certs_hidden = false;
  }
}

/* ---- the rest ---------------------------------------------------------------
 */

static void server_key_exchange(ms_tls_conn *c, const uint8_t *p, size_t n) {
  c->server_sent_keys = true;
  const char *name = c->info->server.cipher_name;
  if (name && strstr(name, "_ECDHE_"))
    c->info->server.group = tls_ske_named_curve(p, n);
}

static void finished(ms_tls_conn *c, ms_dir dir, ms_ts ts, bool decrypted) {
  c->info->finished[dir] = true;
  if (decrypted && c->tls13)
    c->side[dir].pending_epoch = MS_TLS_EPOCH_APPLICATION;
  tls_conn_check_done(c, ts);
}

void tls_msg_handle(ms_tls_conn *c, ms_dir dir, uint8_t type,
                    const uint8_t *body, size_t len, ms_ts ts, bool decrypted) {
  /* Zeek writes a HelloRetryRequest as 'j' */
  bool retry =
      type == TLS_SERVER_HELLO && len >= 34 && tls_is_hello_retry(body + 2);
  tls_conn_history(c, dir, retry ? 'j' : history_letter(type));
  bool from_client = dir == MS_CLIENT;
  switch (type) {
  case TLS_CLIENT_HELLO:
    if (from_client)
      client_hello(c, body, len, ts);
    break;
  case TLS_SERVER_HELLO:
    if (!from_client)
      server_hello(c, body, len, ts);
    break;
  case TLS_CERTIFICATE:
    certificate(c, dir, body, len, ts);
    break;
  case TLS_SERVER_KEY_EXCHANGE:
    if (!from_client)
      server_key_exchange(c, body, len);
    break;
  case TLS_CERTIFICATE_REQUEST:
    if (!from_client)
      c->info->client_cert_requested = true;
    break;
  case TLS_ENCRYPTED_EXTENSIONS: {
    const char *why =
        from_client
            ? NULL
            : tls_parse_encrypted_extensions(&c->info->server, body, len);
    if (why)
      tls_conn_malformed(c, dir, ts, "%s", why);
    break;
  }
  case TLS_FINISHED:
    finished(c, dir, ts, decrypted);
    break;
  case TLS_KEY_UPDATE:
    if (decrypted && c->tls13)
      c->side[dir].pending_epoch = MS_TLS_EPOCH_KEY_UPDATE;
    break;
  default:
    break;
  }
}

/* SSLv2 records: the client's CLIENT-HELLO (which a TLS server may answer
 * with a TLS ServerHello), or a server answering in SSL 2.0 itself. */
void tls_msg_sslv2(ms_tls_conn *c, ms_dir dir, const uint8_t *body, size_t len,
                   ms_ts ts) {
  tls_conn_history(c, dir, dir == MS_CLIENT ? 'c' : 's');
  if (dir == MS_SERVER) {
    ms_tls_server_hello *s = &c->info->server;
    if (!s->present) {
      s->present = true;
      s->ts = ts;
      s->legacy_version = s->version = 0x0002;
    }
    /* SSL 2.0 itself is not decoded further */
    tls_records_stop(&c->side[MS_CLIENT].rr);
    tls_records_stop(&c->side[MS_SERVER].rr);
    return;
  }
  ms_tls_client_hello *h = &c->info->client;
  if (h->present)
    return;
  h->present = true;
  h->ts = ts;
  h->record_version = 0;
  const char *why = tls_parse_sslv2_client_hello(h, body, len);
  if (why)
    tls_conn_malformed(c, dir, ts, "%s", why);
  tls_fingerprint_client(h);
}
