/* tls_build.h - hand-built TLS bytes for the unit tests: a byte buffer
 * with big-endian writers, length-prefixed blocks filled in afterwards,
 * and the messages the tests need (hellos, records, alerts). */
#ifndef MAILSCOPE_TEST_TLS_BUILD_H
#define MAILSCOPE_TEST_TLS_BUILD_H

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

typedef struct {
  uint8_t b[65536];
  size_t n;
} tb;

static void tb_u8(tb *t, unsigned v) { t->b[t->n++] = (uint8_t)v; }
static void tb_u16(tb *t, unsigned v) {
  tb_u8(t, v >> 8);
  tb_u8(t, v & 0xff);
}
static void tb_u24(tb *t, unsigned v) {
  tb_u8(t, v >> 16);
  tb_u16(t, v & 0xffff);
}
static void tb_bytes(tb *t, const void *p, size_t n) {
  memcpy(t->b + t->n, p, n);
  t->n += n;
}
/* Open a length field of `width` bytes; tb_close fills it in. */
static size_t tb_open(tb *t, int width) {
  size_t at = t->n;
  for (int i = 0; i < width; i++)
    tb_u8(t, 0);
  return at | (size_t)width << 56;
}
static void tb_close(tb *t, size_t mark) {
  int width = (int)(mark >> 56);
  size_t at = mark & (((size_t)1 << 56) - 1);
  size_t len = t->n - at - (size_t)width;
  for (int i = width - 1; i >= 0; i--, len >>= 8)
    t->b[at + (size_t)i] = (uint8_t)(len & 0xff);
}

/* One extension with raw contents. */
static void tb_ext(tb *t, unsigned type, const void *data, size_t n) {
  tb_u16(t, type);
  tb_u16(t, (unsigned)n);
  tb_bytes(t, data, n);
}

/* A handshake message around body bytes. */
static void tb_handshake(tb *out, unsigned type, const tb *body) {
  tb_u8(out, type);
  tb_u24(out, (unsigned)body->n);
  tb_bytes(out, body->b, body->n);
}

/* A record around payload bytes. */
static void tb_record(tb *out, unsigned type, unsigned version,
                      const void *payload, size_t n) {
  tb_u8(out, type);
  tb_u16(out, version);
  tb_u16(out, (unsigned)n);
  tb_bytes(out, payload, n);
}

/* A ClientHello body: version, 32-byte random of `fill`, no session id,
 * the suites, null compression, then the extension block given (may be
 * NULL: no extensions at all). */
static void tb_client_hello(tb *out, unsigned version, const uint16_t *suites,
                            size_t nsuites, const tb *exts) {
  tb_u16(out, version);
  for (int i = 0; i < 32; i++)
    tb_u8(out, 0x11);
  tb_u8(out, 0);
  tb_u16(out, (unsigned)(2 * nsuites));
  for (size_t i = 0; i < nsuites; i++)
    tb_u16(out, suites[i]);
  tb_u8(out, 1);
  tb_u8(out, 0);
  if (exts) {
    tb_u16(out, (unsigned)exts->n);
    tb_bytes(out, exts->b, exts->n);
  }
}

/* A ServerHello body. */
static void tb_server_hello(tb *out, unsigned version, unsigned suite,
                            const tb *exts) {
  tb_u16(out, version);
  for (int i = 0; i < 32; i++)
    tb_u8(out, 0x22);
  tb_u8(out, 0);
  tb_u16(out, suite);
  tb_u8(out, 0);
  if (exts) {
    tb_u16(out, (unsigned)exts->n);
    tb_bytes(out, exts->b, exts->n);
  }
}

#endif
