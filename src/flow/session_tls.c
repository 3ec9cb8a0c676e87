/* session_tls.c - the session table's TLS glue: where a direction
 * becomes TLS and the TLS layer (tls_layer.h) takes its bytes
 * (session_tls.h). */
#include "session_tls.h"

#include "detect.h"

/* ---- TLS: where the dissector hands a direction over ------------------- */

/* The TLS layer's side of the seam (dissector.h "where TLS begins"):
 * tls_layer.h decodes every byte of a direction after its TLS began and,
 * with keys, hands the plaintext back here for the dissector. */

/* A direction's state for the dissector: plaintext comes, or nothing more
 * (both opaque: only bytes are counted from now). */
static void tls_said(void *ctx, ms_dir dir, ms_tls_state what, ms_ts ts) {
  conn *c = ctx;
  c->dissector->on_tls(dissector_state(c->table, c), dir, what, ts);
  c->opaque[dir] = what == MS_TLS_OPAQUE;
  if (c->opaque[!dir] && c->opaque[dir] && c->state == CONN_ACTIVE)
    c->state = CONN_COUNTING; /* nothing more for the dissector */
}

static void tls_plaintext(void *ctx, ms_dir dir, const uint8_t *p, size_t n,
                          ms_ts ts) {
  conn *c = ctx;
  if (c->state != CONN_ACTIVE)
    return;
  size_t used = n;
  if (c->dissector->on_data(dissector_state(c->table, c), dir, p, n, ts,
                            &used) == MS_STOP)
    c->state = CONN_COUNTING;
}

static void tls_lost(void *ctx, ms_dir dir, uint64_t n, ms_ts ts) {
  conn *c = ctx;
  if (c->state == CONN_ACTIVE)
    c->dissector->on_gap(dissector_state(c->table, c), dir, n, ts);
}

void tls_bytes(conn *c, ms_dir dir, const uint8_t *p, size_t n, ms_ts ts) {
  ms_tls_layer_data(c->tls, dir, p, n, ts);
}

/* Direction dir is TLS from here: the TLS layer has its bytes from now.
 * It decrypts when secrets were given (a key log, or a capture's secrets
 * blocks before this session). */
void tls_begins(ms_table *t, conn *c, ms_dir dir, ms_ts ts) {
  c->dir[dir] = DIR_TLS;
  if (!c->tls) {
    static const ms_tls_layer_cb cb = {tls_said, tls_plaintext, tls_lost, NULL};
    ms_tls_layer_cb mine = cb;
    mine.ctx = c;
    c->table = t;
    bool keys =
        t->keys && (t->opt->tls_keylogs.len || ms_tls_keys_count(t->keys) > 0);
    c->tls = ms_tls_layer_new(c->rec, keys ? t->keys : NULL, &mine);
  }
  ms_tls_layer_begins(c->tls, dir, ts);
}

/* The first bytes of a direction decide what it is: a TLS record means
 * TLS from the first byte (implicit TLS, whatever the port); anything else
 * is the protocol's, even on a TLS port.  Returns whether it is TLS. */
bool tls_first(ms_table *t, conn *c, ms_dir dir, const uint8_t *p, size_t n,
               ms_ts ts) {
  bool tls = ms_detect_tls_record(p, n, false) == 1;
  ms_session *r = c->rec;
  bool tls_port = t->opt->port_tls[c->port[MS_SERVER]];
  bool other_seen = c->dir[!dir] != DIR_UNSEEN;
  c->dir[dir] = tls ? DIR_TLS : DIR_PLAIN;
  if (other_seen && (c->dir[!dir] == DIR_TLS) != tls)
    ms_add_anomaly(r, "tls_mismatch", ts,
                   "the %s speaks TLS from its first byte, the %s does not",
                   (tls ? dir : !dir) == MS_CLIENT ? "client" : "server",
                   (tls ? dir : !dir) == MS_CLIENT ? "server" : "client");
  if (!tls) {
    if (!other_seen && tls_port)
      ms_add_anomaly(r, "plaintext_on_tls_port", ts,
                     "port %u is for TLS from the first byte, but the %s "
                     "speaks plaintext: decoded",
                     c->port[MS_SERVER],
                     dir == MS_CLIENT ? "client" : "server");
    return false;
  }
  if (r->tls == MS_TLS_NONE)
    r->tls = MS_TLS_IMPLICIT;
  if (!tls_port && !r->midstream && dir == MS_CLIENT &&
      ms_detect_tls_record(p, n, true))
    ms_add_anomaly(r, "tls_on_plaintext_port", ts,
                   "the client starts TLS at once (a ClientHello) on port "
                   "%u, without STARTTLS",
                   c->port[MS_SERVER]);
  tls_begins(t, c, dir, ts);
  return true;
}
