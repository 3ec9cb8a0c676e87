/* tls_loopback.h - real TLS records for the decryption tests: OpenSSL's
 * libssl (test-only: mailscope links libcrypto alone) runs a client and a
 * server over memory BIOs, every record crossing between them is kept with
 * its direction, and the key log callback's NSS lines are kept beside.
 * The session then sends the caller's bytes each way (optionally after a
 * TLS 1.3 KeyUpdate), so the test can decrypt what libssl wrote with the
 * key log alone and compare.  Certificates (RSA 2048 and EC P-256) are
 * made once per process. */
#ifndef MAILSCOPE_TEST_TLS_LOOPBACK_H
#define MAILSCOPE_TEST_TLS_LOOPBACK_H

#include <openssl/err.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

typedef struct {
  int dir; /* 0: client to server, 1: server to client */
  uint8_t type;
  uint16_t version;
  size_t len;
  uint8_t *frag; /* the bytes after the header */
} lb_record;

typedef struct {
  int version;              /* TLS1_VERSION .. TLS1_3_VERSION, min = max */
  const char *ciphers;      /* OpenSSL names: a TLS 1.2 list or 1.3 suites */
  bool ec_cert;             /* EC P-256 instead of RSA 2048 */
  bool no_etm;              /* SSL_OP_NO_ENCRYPT_THEN_MAC on the client */
  bool key_update;          /* TLS 1.3: the client updates (peer asked too) */
  SSL_SESSION *resume;      /* offered by the client (NULL: full handshake) */
  SSL_CTX **server_ctx;     /* kept across connections (resumption), or NULL */
  const uint8_t *up, *down; /* application data each way */
  size_t up_len, down_len;
} lb_params;

typedef struct {
  lb_record *recs;
  size_t nrecs;
  char *keylog; /* NSS lines, '\n'-terminated */
  size_t keylog_len;
  uint8_t client_random[32], server_random[32];
  uint16_t version, suite;
  bool resumed;
  SSL_SESSION *session; /* for a later resumption; caller frees */
  uint8_t pending[2][1 << 17];
  size_t npending[2];
} lb_session;

static EVP_PKEY *lb_keys[2];
static X509 *lb_certs[2];

static X509 *lb_self_signed(EVP_PKEY *key) {
  X509 *x = X509_new();
  X509_set_version(x, 2);
  ASN1_INTEGER_set(X509_get_serialNumber(x), 1);
  X509_gmtime_adj(X509_getm_notBefore(x), -3600);
  X509_gmtime_adj(X509_getm_notAfter(x), 86400);
  X509_set_pubkey(x, key);
  X509_NAME *n = X509_get_subject_name(x);
  X509_NAME_add_entry_by_txt(n, "CN", MBSTRING_ASC,
                             (const unsigned char *)"mail.example.test", -1, -1,
                             0);
  X509_set_issuer_name(x, n);
  X509_sign(x, key, EVP_sha256());
  return x;
}

static void lb_init_certs(void) {
  if (lb_keys[0])
    return;
  lb_keys[0] = EVP_PKEY_Q_keygen(NULL, NULL, "RSA", (size_t)2048);
  lb_keys[1] = EVP_PKEY_Q_keygen(NULL, NULL, "EC", "P-256");
  for (int i = 0; i < 2; i++)
    lb_certs[i] = lb_self_signed(lb_keys[i]);
}

static void lb_keylog_cb(const SSL *ssl, const char *line) {
  lb_session *s = SSL_get_app_data(ssl);
  size_t n = strlen(line);
  s->keylog = realloc(s->keylog, s->keylog_len + n + 2);
  memcpy(s->keylog + s->keylog_len, line, n);
  s->keylog_len += n;
  s->keylog[s->keylog_len++] = '\n';
  s->keylog[s->keylog_len] = 0;
}

/* Move what `from` wrote to `to`, keeping each whole record. */
static void lb_pump(lb_session *s, int dir, BIO *from, BIO *to) {
  uint8_t *buf = s->pending[dir];
  size_t *have = &s->npending[dir];
  int n;
  while ((n = BIO_read(from, buf + *have,
                       (int)(sizeof s->pending[0] - *have))) > 0) {
    BIO_write(to, buf + *have, n);
    *have += (size_t)n;
  }
  size_t at = 0;
  while (*have - at >= 5) {
    size_t len = (size_t)buf[at + 3] << 8 | buf[at + 4];
    if (*have - at < 5 + len)
      break;
    s->recs = realloc(s->recs, (s->nrecs + 1) * sizeof *s->recs);
    lb_record *r = &s->recs[s->nrecs++];
    r->dir = dir;
    r->type = buf[at];
    r->version = (uint16_t)(buf[at + 1] << 8 | buf[at + 2]);
    r->len = len;
    r->frag = malloc(len ? len : 1);
    memcpy(r->frag, buf + at + 5, len);
    at += 5 + len;
  }
  memmove(buf, buf + at, *have - at);
  *have -= at;
}

static SSL_CTX *lb_ctx(const lb_params *p, bool server) {
  SSL_CTX *ctx =
      SSL_CTX_new(server ? TLS_server_method() : TLS_client_method());
  SSL_CTX_set_security_level(ctx, 0);
  SSL_CTX_set_min_proto_version(ctx, p->version);
  SSL_CTX_set_max_proto_version(ctx, p->version);
  if (p->version == TLS1_3_VERSION)
    SSL_CTX_set_ciphersuites(ctx, p->ciphers);
  else
    SSL_CTX_set_cipher_list(ctx, p->ciphers);
  SSL_CTX_set_keylog_callback(ctx, lb_keylog_cb);
  if (server) {
    SSL_CTX_use_certificate(ctx, lb_certs[p->ec_cert]);
    SSL_CTX_use_PrivateKey(ctx, lb_keys[p->ec_cert]);
    SSL_CTX_set_dh_auto(ctx, 1);
    SSL_CTX_set_session_id_context(ctx, (const unsigned char *)"lb", 2);
  } else if (p->no_etm) {
    SSL_CTX_set_options(ctx, SSL_OP_NO_ENCRYPT_THEN_MAC);
  }
  return ctx;
}

/* Write all of data on `w`, reading it on `r` as it arrives. */
static bool lb_send(lb_session *s, SSL *w, SSL *r, int dir, BIO *wout, BIO *rin,
                    const uint8_t *data, size_t len, uint8_t *sink) {
  size_t sent = 0, got = 0;
  for (int rounds = 0; got < len && rounds < 10000; rounds++) {
    if (sent < len) {
      int n = SSL_write(w, data + sent,
                        (int)(len - sent > 16384 ? 16384 : len - sent));
      if (n > 0)
        sent += (size_t)n;
    }
    lb_pump(s, dir, wout, rin);
    int n = SSL_read(r, sink + got, (int)(len - got));
    if (n > 0)
      got += (size_t)n;
  }
  return got == len && !memcmp(sink, data, len);
}

/* One connection; false when libssl could not complete it. */
static bool lb_run(lb_session *s, const lb_params *p) {
  lb_init_certs();
  memset(s, 0, sizeof *s);
  SSL_CTX *cctx = lb_ctx(p, false), *sctx;
  if (p->server_ctx && *p->server_ctx) {
    sctx = *p->server_ctx;
    SSL_CTX_up_ref(sctx);
  } else {
    sctx = lb_ctx(p, true);
    if (p->server_ctx) {
      SSL_CTX_up_ref(sctx);
      *p->server_ctx = sctx;
    }
  }
  SSL *c = SSL_new(cctx), *sv = SSL_new(sctx);
  BIO *c_in = BIO_new(BIO_s_mem()), *c_out = BIO_new(BIO_s_mem());
  BIO *s_in = BIO_new(BIO_s_mem()), *s_out = BIO_new(BIO_s_mem());
  SSL_set_bio(c, c_in, c_out);
  SSL_set_bio(sv, s_in, s_out);
  SSL_set_app_data(c, s);
  SSL_set_app_data(sv, s);
  if (p->resume)
    SSL_set_session(c, p->resume);
  SSL_set_connect_state(c);
  SSL_set_accept_state(sv);
  bool done = false;
  for (int i = 0; i < 100 && !done; i++) {
    int rc = SSL_do_handshake(c);
    lb_pump(s, 0, c_out, s_in);
    int rs = SSL_do_handshake(sv);
    lb_pump(s, 1, s_out, c_in);
    done = rc == 1 && rs == 1;
  }
  size_t big = p->up_len > p->down_len ? p->up_len : p->down_len;
  uint8_t *sink = malloc(big + 1);
  bool ok = done;
  if (ok && p->key_update)
    ok = SSL_key_update(c, SSL_KEY_UPDATE_REQUESTED) == 1;
  if (ok && p->up_len)
    ok = lb_send(s, c, sv, 0, c_out, s_in, p->up, p->up_len, sink);
  if (ok && p->down_len)
    ok = lb_send(s, sv, c, 1, s_out, c_in, p->down, p->down_len, sink);
  free(sink);
  if (ok) { /* close_notify both ways, so that the session stays resumable */
    SSL_shutdown(c);
    lb_pump(s, 0, c_out, s_in);
    SSL_shutdown(sv);
    lb_pump(s, 1, s_out, c_in);
    SSL_shutdown(c);
  }
  if (ok) {
    SSL_get_client_random(c, s->client_random, 32);
    SSL_get_server_random(c, s->server_random, 32);
    s->version = (uint16_t)SSL_version(c);
    s->suite = (uint16_t)SSL_CIPHER_get_protocol_id(SSL_get_current_cipher(c));
    s->resumed = SSL_session_reused(c);
    s->session = SSL_get1_session(c);
  }
  SSL_free(c);
  SSL_free(sv);
  SSL_CTX_free(cctx);
  SSL_CTX_free(sctx);
  return ok;
}

static void lb_free(lb_session *s) {
  for (size_t i = 0; i < s->nrecs; i++)
    free(s->recs[i].frag);
  free(s->recs);
  free(s->keylog);
  SSL_SESSION_free(s->session);
  memset(s, 0, sizeof *s);
}

#endif
