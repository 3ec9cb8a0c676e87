/* tls_handshake.c - handshake message framing (tls_handshake.h). */
#include "tls_handshake.h"

#include <stdlib.h>
#include <string.h>

#include "tls_info.h"

void tls_hs_free(tls_hs_reader *h) {
  free(h->buf);
  memset(h, 0, sizeof *h);
}

size_t tls_hs_pending(const tls_hs_reader *h) { return h->len; }

static size_t message_len(const uint8_t *p) {
  return (size_t)p[1] << 16 | (size_t)p[2] << 8 | p[3];
}

static void append(tls_hs_reader *h, const uint8_t *p, size_t n) {
  if (h->len + n > h->cap) {
    size_t cap = h->cap ? h->cap : 1024;
    while (cap < h->len + n)
      cap *= 2;
    h->buf = xrealloc(h->buf, cap);
    h->cap = cap;
  }
  memcpy(h->buf + h->len, p, n);
  h->len += n;
}

/* A message header whose length is over the bound: drop the message. */
static bool refuse(tls_hs_reader *h, const uint8_t *hdr, ms_ts ts,
                   const tls_hs_cb *cb) {
  size_t len = message_len(hdr);
  if (len <= MS_TLS_MAX_MESSAGE)
    return false;
  cb->too_long(cb->ctx, hdr[0], len, ts);
  h->skip = len;
  return true;
}

/* Complete the gathered message with bytes of p; returns bytes used. */
static size_t continue_gathered(tls_hs_reader *h, const uint8_t *p, size_t n,
                                ms_ts ts, const tls_hs_cb *cb) {
  size_t used = 0;
  if (h->len < 4) {
    size_t k = 4 - h->len < n ? 4 - h->len : n;
    append(h, p, k);
    used = k;
    if (h->len < 4)
      return used;
    if (refuse(h, h->buf, ts, cb)) {
      h->len = 0;
      return used;
    }
  }
  size_t want = 4 + message_len(h->buf) - h->len;
  size_t k = want < n - used ? want : n - used;
  append(h, p + used, k);
  used += k;
  if (h->len == 4 + message_len(h->buf)) {
    h->len = 0; /* reset first: the callback may feed more */
    cb->message(cb->ctx, h->buf[0], h->buf + 4, message_len(h->buf), ts);
  }
  return used;
}

void tls_hs_feed(tls_hs_reader *h, const uint8_t *p, size_t n, ms_ts ts,
                 const tls_hs_cb *cb) {
  while (n > 0) {
    if (h->skip) {
      size_t k = h->skip < n ? (size_t)h->skip : n;
      h->skip -= k;
      p += k;
      n -= k;
      continue;
    }
    if (h->len) {
      size_t used = continue_gathered(h, p, n, ts, cb);
      p += used;
      n -= used;
      continue;
    }
    if (n >= 4 && refuse(h, p, ts, cb)) {
      p += 4;
      n -= 4;
      continue;
    }
    if (n >= 4 && 4 + message_len(p) <= n) { /* whole: in place */
      size_t len = message_len(p);
      cb->message(cb->ctx, p[0], p + 4, len, ts);
      p += 4 + len;
      n -= 4 + len;
      continue;
    }
    append(h, p, n < 4 ? n : 4);
    size_t used = n < 4 ? n : 4;
    p += used;
    n -= used;
    if (h->len == 4 && refuse(h, h->buf, ts, cb))
      h->len = 0;
  }
}
