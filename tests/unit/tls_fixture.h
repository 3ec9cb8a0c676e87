/* tls_fixture.h - replay a TLS fixture of tests/unit/data/ (chunks of a
 * connection after STARTTLS: direction byte, 32-bit big-endian length,
 * bytes; README.md there) through the TLS decoder into a new session. */
#ifndef MAILSCOPE_TEST_TLS_FIXTURE_H
#define MAILSCOPE_TEST_TLS_FIXTURE_H

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tls.h"

typedef struct {
  uint8_t *p;
  size_t n;
} blob;

static blob fixture(const char *name) {
  char path[512];
  const char *slash = strrchr(__FILE__, '/');
  int dir = slash ? (int)(slash - __FILE__) : 1;
  snprintf(path, sizeof path, "%.*s/data/%s", dir, slash ? __FILE__ : ".",
           name);
  FILE *f = fopen(path, "rb");
  assert_non_null(f);
  blob b = {malloc(1 << 20), 0};
  b.n = fread(b.p, 1, 1 << 20, f);
  fclose(f);
  return b;
}

/* Replay a fixture's chunks (dir byte, 32-bit length, bytes), each cut
 * into pieces of `piece` bytes (0: whole). */
static ms_session *replay(const char *name, size_t piece) {
  blob b = fixture(name);
  ms_session *s = ms_session_new();
  s->proto = MS_PROTO_SMTP;
  ms_tls_conn *c = ms_tls_conn_new(s, NULL);
  ms_ts ts = 1000000;
  for (size_t at = 0; at + 5 <= b.n;) {
    ms_dir dir = b.p[at] ? MS_SERVER : MS_CLIENT;
    size_t len = (size_t)b.p[at + 1] << 24 | (size_t)b.p[at + 2] << 16 |
                 (size_t)b.p[at + 3] << 8 | b.p[at + 4];
    at += 5;
    assert_true(at + len <= b.n);
    size_t step = piece ? piece : len;
    for (size_t off = 0; off < len; off += step)
      ms_tls_conn_data(c, dir, b.p + at + off,
                       len - off < step ? len - off : step, ts += 10);
    at += len;
  }
  ms_tls_conn_close(c, ts);
  ms_tls_conn_free(c);
  free(b.p);
  return s;
}

#endif
