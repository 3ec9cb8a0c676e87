/* tls_layer.h - the TLS layer of one session: the session table's side of
 * the seam in dissector.h ("where TLS begins").
 *
 * The session table hands it every byte and gap of a direction once that
 * direction is TLS (tls_bytes in session.c), on any port.  It runs the TLS
 * decoder (dissectors/tls.h) over them and, with a key store, decrypts
 * through it (dissectors/tls_protect.h).  It says what it makes of each
 * direction once (said: MS_TLS_PLAINTEXT or MS_TLS_OPAQUE) and hands
 * decrypted application data back (plaintext), with a gap (lost) for a
 * record that did not decrypt.  Without a key store a direction is opaque
 * the moment it begins; with one, at its first switch to protected records
 * (whether the key log has its keys), or at the end.
 */
#ifndef MAILSCOPE_TLS_LAYER_H
#define MAILSCOPE_TLS_LAYER_H

#include "dissector.h"
#include "record.h"
#include "tls_crypto.h"

typedef struct {
  void (*said)(void *ctx, ms_dir dir, ms_tls_state what, ms_ts ts);
  void (*plaintext)(void *ctx, ms_dir dir, const uint8_t *p, size_t n,
                    ms_ts ts);
  void (*lost)(void *ctx, ms_dir dir, uint64_t n, ms_ts ts);
  void *ctx;
} ms_tls_layer_cb;

typedef struct ms_tls_layer ms_tls_layer;

/* keys: NULL, never decrypt; rec, keys and cb->ctx outlive the layer. */
ms_tls_layer *ms_tls_layer_new(ms_session *rec, ms_tls_keys *keys,
                               const ms_tls_layer_cb *cb);
/* Direction dir is TLS from now (say opaque at once without keys). */
void ms_tls_layer_begins(ms_tls_layer *l, ms_dir dir, ms_ts ts);
void ms_tls_layer_data(ms_tls_layer *l, ms_dir dir, const uint8_t *p, size_t n,
                       ms_ts ts);
void ms_tls_layer_gap(ms_tls_layer *l, ms_dir dir, uint64_t n, ms_ts ts);
/* The connection ends: a direction not yet said is opaque (before the
 * dissector's on_close). */
void ms_tls_layer_settle(ms_tls_layer *l, ms_ts ts);
/* Judge the handshake and run the TLS checks (after the dissector's
 * on_close), then free. */
void ms_tls_layer_close(ms_tls_layer *l, ms_ts ts);

#endif
