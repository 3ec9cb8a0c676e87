/* tls_records.c - the record layer of one direction (tls_records.h). */
#include "tls_records.h"

#include <stdlib.h>
#include <string.h>

void tls_records_init(tls_record_reader *r) { memset(r, 0, sizeof *r); }

void tls_records_stop(tls_record_reader *r) { r->dead = true; }

void tls_records_release(tls_record_reader *r) {
  if (r->in_body && r->gather)
    return; /* a body is being gathered */
  free(r->buf);
  r->buf = NULL;
  r->cap = 0;
}

void tls_records_free(tls_record_reader *r) {
  free(r->buf);
  memset(r, 0, sizeof *r);
}

/* An SSLv2 record header (2 bytes, high bit set) can only open the
 * direction, and only as a CLIENT-HELLO (1) or SERVER-HELLO (4). */
static bool sslv2_header(const tls_record_reader *r) {
  return !r->started && r->hdr_len >= 1 && (r->hdr[0] & 0x80);
}

static bool valid_header(const tls_record_reader *r) {
  uint8_t t = r->hdr[0];
  if (t < TLS_CHANGE_CIPHER_SPEC || t > TLS_HEARTBEAT)
    return false;
  if (r->hdr[1] != 3 || r->hdr[2] > 4)
    return false;
  return ((size_t)r->hdr[3] << 8 | r->hdr[4]) <= TLS_MAX_RECORD;
}

static void begin_body(tls_record_reader *r, const tls_record_cb *cb) {
  r->started = true;
  r->in_body = true;
  r->got = 0;
  r->gather = cb->want(cb->ctx, r->type, r->version, r->len);
  if (r->gather && r->cap < r->len) {
    free(r->buf);
    r->cap = r->len < 512 ? 512 : r->len;
    r->buf = xmalloc(r->cap);
  }
}

/* The header is complete: false when it is not one. */
static bool parse_header(tls_record_reader *r, const tls_record_cb *cb) {
  if (sslv2_header(r)) {
    uint8_t kind = r->hdr[2];
    if (kind != 1 && kind != 4)
      return false;
    r->type = TLS_SSLV2;
    r->version = 0x0002;
    r->len = (size_t)(r->hdr[0] & 0x7f) << 8 | r->hdr[1];
    if (r->len < 1)
      return false;
    begin_body(r, cb);
    if (r->gather)
      r->buf[0] = kind; /* the message type is the body's first byte */
    r->got = 1;
    return true;
  }
  if (!valid_header(r))
    return false;
  r->type = r->hdr[0];
  r->version = (uint16_t)(r->hdr[1] << 8 | r->hdr[2]);
  r->len = (size_t)r->hdr[3] << 8 | r->hdr[4];
  begin_body(r, cb);
  return true;
}

static void end_record(tls_record_reader *r, ms_ts ts,
                       const tls_record_cb *cb) {
  r->hdr_len = 0;
  r->in_body = false;
  r->records++;
  cb->record(cb->ctx, r->type, r->version, r->gather ? r->buf : NULL, r->len,
             ts);
}

/* Bytes of the header; returns how many were used, or 0 on a bad one. */
static size_t read_header(tls_record_reader *r, const uint8_t *p, size_t n,
                          ms_ts ts, const tls_record_cb *cb) {
  size_t used = 0;
  while (used < n) {
    size_t need = sslv2_header(r) ? 3 : 5;
    if (r->hdr_len >= need)
      break;
    r->hdr[r->hdr_len++] = p[used++];
  }
  size_t need = sslv2_header(r) ? 3 : 5;
  if (r->hdr_len < need)
    return used;
  if (!parse_header(r, cb)) {
    r->dead = true;
    cb->malformed(cb->ctx, r->hdr, r->hdr_len, ts);
    return 0;
  }
  if (r->got == r->len)
    end_record(r, ts, cb);
  return used;
}

void tls_records_feed(tls_record_reader *r, const uint8_t *p, size_t n,
                      ms_ts ts, const tls_record_cb *cb) {
  while (n > 0 && !r->dead) {
    if (!r->in_body) {
      size_t used = read_header(r, p, n, ts, cb);
      if (r->dead)
        return;
      p += used;
      n -= used;
      continue;
    }
    size_t k = r->len - r->got < n ? r->len - r->got : n;
    if (r->gather)
      memcpy(r->buf + r->got, p, k);
    r->got += k;
    p += k;
    n -= k;
    if (r->got == r->len)
      end_record(r, ts, cb);
  }
}
