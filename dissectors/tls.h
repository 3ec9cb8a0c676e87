/* tls.h - the TLS decoder: one TLS connection (both directions) decoded
 * into the session record's tls_info (model/tls_info.h).
 *
 * Pure like every dissector: it gets the bytes of each direction in wire
 * order, each chunk with its timestamp, gap notices and the end; no
 * capture, no files, no output.  The session layer feeds it the bytes
 * after STARTTLS/STLS, or from the first byte on an implicit-TLS
 * connection.  Records are reassembled across chunks, handshake messages
 * across records; record bodies that nothing needs (encrypted application
 * data without keys) are skipped, not copied.
 *
 * Decryption plugs in through ms_tls_protection: at each point where a
 * direction switches to encrypted records (TLS <= 1.2: its
 * ChangeCipherSpec; TLS 1.3: right after the ServerHello with handshake
 * keys, after that side's Finished with application keys, at a KeyUpdate)
 * the decoder asks it for a decrypting state; with one, the decrypted
 * handshake messages go through the same handshake parser and application
 * data goes to the `plaintext` hook (the session hands it to the mail
 * dissector; tls_protect.h is the protection backed by the key store).  Without
 * one, the decoder says what it can from the record layer alone.
 */
#ifndef MAILSCOPE_TLS_H
#define MAILSCOPE_TLS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "record.h"
#include "tls_crypto.h"

typedef enum {
  MS_TLS_EPOCH_12 = 0,      /* TLS <= 1.2: from the master secret */
  MS_TLS_EPOCH_HANDSHAKE,   /* TLS 1.3 handshake traffic secret */
  MS_TLS_EPOCH_APPLICATION, /* TLS 1.3 traffic secret 0 */
  MS_TLS_EPOCH_KEY_UPDATE   /* TLS 1.3: the next traffic secret */
} ms_tls_epoch;

/* What a switch to encrypted records needs to find its keys. */
typedef struct {
  ms_dir dir; /* the direction whose records will be decrypted */
  ms_tls_epoch epoch;
  uint16_t version; /* negotiated */
  uint16_t suite;
  const uint8_t *client_random; /* 32 bytes */
  const uint8_t *server_random; /* 32 bytes */
  bool encrypt_then_mac;
  ms_ts ts; /* of the record that made the switch */
} ms_tls_switch;

typedef struct {
  /* A decrypting state for the switch, or NULL (no keys: the records stay
   * opaque).  For MS_TLS_EPOCH_KEY_UPDATE, `previous` is the direction's
   * current state (the callee may update and return it; a different
   * return value means the decoder frees `previous`). */
  void *(*start)(void *ctx, const ms_tls_switch *sw, void *previous);
  /* ms_tls_cipher_decrypt's contract (tls_crypto.h). */
  ms_tls_dec_status (*decrypt)(void *state, uint8_t type, uint16_t version,
                               const uint8_t *in, size_t n, uint8_t *out,
                               size_t *out_len, uint8_t *inner_type);
  void (*free)(void *state);
  void *ctx;
} ms_tls_protection;

typedef struct {
  const ms_tls_protection *protection; /* NULL: never decrypt */
  /* Decrypted application data of direction dir (n > 0). */
  void (*plaintext)(void *ctx, ms_dir dir, const uint8_t *p, size_t n,
                    ms_ts ts);
  void *ctx;
  /* The first switch of direction dir to protected records: whether the
   * protection gave a decrypting state (yes: its application data comes
   * through `plaintext`; no: that direction stays opaque).  Once per
   * direction; never when `protection` is NULL. */
  void (*decrypting)(void *ctx, ms_dir dir, bool yes, ms_ts ts);
  /* n bytes of dir's decrypted stream are lost: a record that failed
   * authentication (tls_decrypt_failed), or bytes lost from the capture
   * after the direction began to decrypt. */
  void (*lost)(void *ctx, ms_dir dir, uint64_t n, ms_ts ts);
} ms_tls_hooks;

typedef struct ms_tls_conn ms_tls_conn;

/* rec outlives the decoder; hooks may be NULL and are copied. */
ms_tls_conn *ms_tls_conn_new(ms_session *rec, const ms_tls_hooks *hooks);
void ms_tls_conn_data(ms_tls_conn *c, ms_dir dir, const uint8_t *p, size_t n,
                      ms_ts ts);
/* n bytes of dir are missing: that direction's records cannot be followed
 * any more (its record boundaries are lost). */
void ms_tls_conn_gap(ms_tls_conn *c, ms_dir dir, uint64_t n, ms_ts ts);
/* The connection ended: judge completion, run the checks (tls_checks.h). */
void ms_tls_conn_close(ms_tls_conn *c, ms_ts ts);
void ms_tls_conn_free(ms_tls_conn *c);
/* What the connection holds: itself and its buffers (record bodies being
 * gathered, handshake messages spanning records, decrypted records), for
 * the memory bound (budget.h). */
size_t ms_tls_conn_mem(const ms_tls_conn *c);

/* Whether a direction's first bytes are a TLS handshake record (or an
 * SSLv2-compatible ClientHello): 1 yes, 0 no, -1 too few bytes to say. */
int ms_tls_sniff(const uint8_t *p, size_t n);

#endif
