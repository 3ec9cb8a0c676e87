/* tls_layer.c - the TLS layer of one session (tls_layer.h). */
#include "tls_layer.h"

#include <stdlib.h>

#include "budget.h"
#include "tls.h"
#include "tls_protect.h"
#include "vec.h"

struct ms_tls_layer {
  ms_session *rec;
  ms_tls_layer_cb cb;
  ms_tls_protect *protect; /* NULL without a key store */
  ms_tls_conn *conn;       /* made at the first byte */
  bool begun[2], said[2];
  bool plain[2];  /* said MS_TLS_PLAINTEXT */
  size_t charged; /* what the session record was told (budget.h) */
};

/* The layer's memory, its TLS buffers (up to a record and a handshake
 * message per direction), as the session record is told: the session
 * table charges it to --max-memory with the session. */
static void recount(ms_tls_layer *l) {
  size_t now = sizeof *l + (l->conn ? ms_tls_conn_mem(l->conn) : 0);
  ms_session_mem_set(l->rec, &l->charged, now);
}

static void say(ms_tls_layer *l, ms_dir dir, ms_tls_state what, ms_ts ts) {
  if (l->said[dir])
    return;
  l->said[dir] = true;
  l->plain[dir] = what == MS_TLS_PLAINTEXT;
  l->cb.said(l->cb.ctx, dir, what, ts);
}

static void on_plaintext(void *ctx, ms_dir dir, const uint8_t *p, size_t n,
                         ms_ts ts) {
  ms_tls_layer *l = ctx;
  if (l->plain[dir])
    l->cb.plaintext(l->cb.ctx, dir, p, n, ts);
}

static void on_decrypting(void *ctx, ms_dir dir, bool yes, ms_ts ts) {
  say(ctx, dir, yes ? MS_TLS_PLAINTEXT : MS_TLS_OPAQUE, ts);
}

static void on_lost(void *ctx, ms_dir dir, uint64_t n, ms_ts ts) {
  ms_tls_layer *l = ctx;
  l->cb.lost(l->cb.ctx, dir, n, ts);
}

ms_tls_layer *ms_tls_layer_new(ms_session *rec, ms_tls_keys *keys,
                               const ms_tls_layer_cb *cb) {
  ms_tls_layer *l = xcalloc(1, sizeof *l);
  l->rec = rec;
  l->cb = *cb;
  if (keys)
    l->protect = ms_tls_protect_new(keys, rec);
  recount(l);
  return l;
}

void ms_tls_layer_begins(ms_tls_layer *l, ms_dir dir, ms_ts ts) {
  l->begun[dir] = true;
  if (!l->protect)
    say(l, dir, MS_TLS_OPAQUE, ts);
}

void ms_tls_layer_data(ms_tls_layer *l, ms_dir dir, const uint8_t *p, size_t n,
                       ms_ts ts) {
  if (!l->conn) {
    ms_tls_hooks h = {NULL, on_plaintext, l, on_decrypting, on_lost};
    if (l->protect)
      h.protection = ms_tls_protect_hooks(l->protect);
    l->conn = ms_tls_conn_new(l->rec, &h);
  }
  ms_tls_conn_data(l->conn, dir, p, n, ts);
  recount(l);
}

void ms_tls_layer_gap(ms_tls_layer *l, ms_dir dir, uint64_t n, ms_ts ts) {
  if (l->conn) {
    ms_tls_conn_gap(l->conn, dir, n, ts);
    recount(l);
  }
}

void ms_tls_layer_settle(ms_tls_layer *l, ms_ts ts) {
  for (int d = 0; d < 2; d++)
    if (l->begun[d])
      say(l, (ms_dir)d, MS_TLS_OPAQUE, ts);
}

void ms_tls_layer_close(ms_tls_layer *l, ms_ts ts) {
  if (!l)
    return;
  if (l->conn) {
    ms_tls_conn_close(l->conn, ts);
    ms_tls_conn_free(l->conn);
  }
  ms_tls_protect_free(l->protect);
  ms_session_mem_sub(l->rec, l->charged);
  free(l);
}
