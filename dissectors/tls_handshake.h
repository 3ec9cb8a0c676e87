/* tls_handshake.h - handshake messages of one direction, reassembled
 * across records (RFC 8446 4: a 1-byte type and a 3-byte length, then the
 * body; a record may hold several messages, a message may span records).
 *
 * Messages that fit in one record are handed on in place; the rest are
 * gathered, up to MS_TLS_MAX_MESSAGE bytes: a longer one is skipped (its
 * bytes counted away) and reported through `too_long`.
 */
#ifndef MAILSCOPE_TLS_HANDSHAKE_H
#define MAILSCOPE_TLS_HANDSHAKE_H

#include <stddef.h>
#include <stdint.h>

#include "record.h"

enum {
  TLS_HELLO_REQUEST = 0,
  TLS_CLIENT_HELLO = 1,
  TLS_SERVER_HELLO = 2,
  TLS_NEW_SESSION_TICKET = 4,
  TLS_END_OF_EARLY_DATA = 5,
  TLS_ENCRYPTED_EXTENSIONS = 8,
  TLS_CERTIFICATE = 11,
  TLS_SERVER_KEY_EXCHANGE = 12,
  TLS_CERTIFICATE_REQUEST = 13,
  TLS_SERVER_HELLO_DONE = 14,
  TLS_CERTIFICATE_VERIFY = 15,
  TLS_CLIENT_KEY_EXCHANGE = 16,
  TLS_FINISHED = 20,
  TLS_CERTIFICATE_URL = 21,
  TLS_CERTIFICATE_STATUS = 22,
  TLS_SUPPLEMENTAL_DATA = 23,
  TLS_KEY_UPDATE = 24,
  TLS_MESSAGE_HASH = 254
};

typedef struct {
  void (*message)(void *ctx, uint8_t type, const uint8_t *body, size_t len,
                  ms_ts ts);
  void (*too_long)(void *ctx, uint8_t type, size_t len, ms_ts ts);
  void *ctx;
} tls_hs_cb;

typedef struct {
  uint8_t *buf; /* a message begun in an earlier record */
  size_t len, cap;
  size_t skip; /* bytes of an over-long message still to drop */
} tls_hs_reader;

void tls_hs_feed(tls_hs_reader *h, const uint8_t *p, size_t n, ms_ts ts,
                 const tls_hs_cb *cb);
/* Bytes held in a message not yet complete. */
size_t tls_hs_pending(const tls_hs_reader *h);
void tls_hs_free(tls_hs_reader *h);

#endif
