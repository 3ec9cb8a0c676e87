/* tls_records.h - the TLS record layer of one direction.
 *
 * Splits a direction's bytes into records: the 5-byte header (RFC 8446
 * 5.1: type, version, length) or, as the very first record, the 2-byte
 * header of an SSLv2-compatible ClientHello (RFC 5246 E.2), which is
 * handed on as content type TLS_SSLV2.  A record's body is gathered across
 * chunks when the caller wants it (asked at each header) and skipped
 * without a copy otherwise.  A header that cannot be TLS stops the
 * direction: its record boundaries are lost for good.
 */
#ifndef MAILSCOPE_TLS_RECORDS_H
#define MAILSCOPE_TLS_RECORDS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "record.h"

enum {
  TLS_CHANGE_CIPHER_SPEC = 20,
  TLS_ALERT = 21,
  TLS_HANDSHAKE = 22,
  TLS_APPLICATION_DATA = 23,
  TLS_HEARTBEAT = 24,
  TLS_SSLV2 = 0x80 /* pseudo type: an SSLv2-format record */
};

/* RFC 5246 6.2.3: a ciphertext fragment is at most 2^14 + 2048 bytes. */
#define TLS_MAX_RECORD (16384 + 2048)

typedef struct {
  /* At each header: gather this record's body (true) or skip it. */
  bool (*want)(void *ctx, uint8_t type, uint16_t version, size_t len);
  /* A whole record; body is NULL when it was skipped.  ts: the chunk that
   * completed it. */
  void (*record)(void *ctx, uint8_t type, uint16_t version, const uint8_t *body,
                 size_t len, ms_ts ts);
  /* Not a record header: `head` holds its first bytes (at most 5). */
  void (*malformed)(void *ctx, const uint8_t *head, size_t n, ms_ts ts);
  void *ctx;
} tls_record_cb;

typedef struct {
  uint8_t hdr[5];
  uint8_t hdr_len;
  bool started; /* a record header was read */
  bool dead;    /* malformed or after a gap: nothing more is read */
  bool in_body; /* the header is read, the body is coming */
  bool gather;  /* the current body is kept */
  uint8_t type;
  uint16_t version;
  size_t len, got; /* current body: its length, bytes read */
  uint8_t *buf;
  size_t cap;
  uint64_t records;
} tls_record_reader;

void tls_records_init(tls_record_reader *r);
void tls_records_feed(tls_record_reader *r, const uint8_t *p, size_t n,
                      ms_ts ts, const tls_record_cb *cb);
/* Stop reading (a gap): later bytes are not looked at. */
void tls_records_stop(tls_record_reader *r);
/* Give back the body buffer (it is made again if a record wants it). */
void tls_records_release(tls_record_reader *r);
void tls_records_free(tls_record_reader *r);

#endif
