/* tls_read.h - a bounds-checked cursor over wire bytes for the TLS parsers.
 *
 * Every read goes through these: reading past the end returns zeros (or
 * NULL for byte runs) and marks the cursor bad, so a parser checks `bad`
 * once at the end of a structure instead of after every field.  Length-
 * prefixed vectors (RFC 8446 3.4) become sub-cursors that cannot reach
 * past their own length, nor past their parent.
 */
#ifndef MAILSCOPE_TLS_READ_H
#define MAILSCOPE_TLS_READ_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

typedef struct {
  const uint8_t *p;
  size_t n; /* bytes left */
  bool bad; /* a read went past the end */
} tls_cur;

static inline tls_cur tls_cur_make(const uint8_t *p, size_t n) {
  tls_cur c = {p, n, false};
  return c;
}

/* n bytes, or NULL (cursor bad) when fewer are left. */
static inline const uint8_t *tls_take(tls_cur *c, size_t n) {
  if (c->bad || n > c->n) {
    c->bad = true;
    c->n = 0;
    return NULL;
  }
  const uint8_t *at = c->p;
  c->p += n;
  c->n -= n;
  return at;
}

static inline uint32_t tls_uint(tls_cur *c, size_t width) {
  const uint8_t *b = tls_take(c, width);
  uint32_t v = 0;
  for (size_t i = 0; b && i < width; i++)
    v = v << 8 | b[i];
  return v;
}

static inline uint8_t tls_u8(tls_cur *c) { return (uint8_t)tls_uint(c, 1); }
static inline uint16_t tls_u16(tls_cur *c) { return (uint16_t)tls_uint(c, 2); }
static inline uint32_t tls_u24(tls_cur *c) { return tls_uint(c, 3); }

/* A vector whose length is the next `width` bytes; a length running past
 * the parent marks both bad (the sub-cursor is empty). */
static inline tls_cur tls_vec(tls_cur *c, size_t width) {
  uint32_t len = tls_uint(c, width);
  const uint8_t *at = tls_take(c, len);
  tls_cur sub = {at, at ? len : 0, at == NULL};
  return sub;
}

#endif
