/* detect.c - protocol detection from a connection's first bytes (see
 * detect.h). */
#include "detect.h"

#include <string.h>
#include <strings.h>

#include "msg_decode.h"
#include "socks.h"

const char *ms_prelude_name(ms_prelude p) {
  switch (p) {
  case MS_PRELUDE_HTTP_CONNECT:
    return "http-connect";
  case MS_PRELUDE_SOCKS4:
    return "socks4";
  case MS_PRELUDE_SOCKS4A:
    return "socks4a";
  case MS_PRELUDE_SOCKS5:
    return "socks5";
  default:
    return NULL;
  }
}

static bool line_has_smtp(const uint8_t *p, size_t n) {
  for (size_t i = 0; i + 4 <= n; i++)
    if (!strncasecmp((const char *)p + i, "SMTP", 4))
      return true;
  return false;
}

/* Which protocol a server's first bytes announce, or NONE (not mail), or
 * -1 when more bytes are needed.  SMTP: a 220 greeting (one line, or a
 * 220- continuation group) that names SMTP or ESMTP; POP3: +OK. */
static int greeting_protocol(const uint8_t *p, size_t n) {
  if (n < 4)
    return memchr(p, '\n', n) ? MS_PROTO_NONE : -1;
  if (!memcmp(p, "+OK", 3) && (p[3] == ' ' || p[3] == '\r' || p[3] == '\n'))
    return MS_PROTO_POP3;
  size_t off = 0;
  while (n - off >= 4 && !memcmp(p + off, "220", 3) &&
         (p[off + 3] == ' ' || p[off + 3] == '-')) {
    const uint8_t *eol = memchr(p + off, '\n', n - off);
    size_t len = eol ? (size_t)(eol - (p + off)) : n - off;
    if (line_has_smtp(p + off, len))
      return MS_PROTO_SMTP;
    if (!eol)
      return n < 512 ? -1 : MS_PROTO_NONE;
    if (p[off + 3] == ' ')
      return MS_PROTO_NONE; /* the last line of the greeting */
    off += len + 1;
  }
  /* A continuation group cut before its next line: wait for more. */
  if (off > 0 && n - off < 4 && !memchr(p + off, '\n', n - off))
    return -1;
  return MS_PROTO_NONE;
}

/* Where the header block that starts at p ends: the offset just past its
 * empty line (CRLF or bare LF), or 0 when it is not complete yet. */
static size_t header_block_end(const uint8_t *p, size_t n) {
  size_t i = 0;
  while (i < n) {
    if (p[i] == '\n')
      return i + 1;
    if (p[i] == '\r' && i + 1 < n && p[i + 1] == '\n')
      return i + 2;
    const uint8_t *eol = memchr(p + i, '\n', n - i);
    if (!eol)
      return 0;
    i = (size_t)(eol - p) + 1;
  }
  return 0;
}

static void set_field(ms_prelude_field *f, const uint8_t *p, size_t n) {
  f->set = true;
  f->len = (uint8_t)(n > sizeof f->bytes ? sizeof f->bytes : n);
  memcpy(f->bytes, p, f->len);
}

/* "CONNECT host:port HTTP/1.x": the host ("[v6]" without its brackets)
 * and the port. */
static void connect_target(const uint8_t *p, size_t n, ms_detect_result *out) {
  const uint8_t *t = p + 8, *end = memchr(t, ' ', n - 8);
  if (!end)
    return;
  const uint8_t *colon = end;
  while (colon > t && colon[-1] != ':')
    colon--;
  if (colon == t)
    return;
  unsigned port = 0;
  for (const uint8_t *d = colon; d < end && port < 65536; d++)
    port = *d >= '0' && *d <= '9' ? port * 10 + (unsigned)(*d - '0') : 65536;
  const uint8_t *h = t, *he = colon - 1;
  if (he - h >= 2 && *h == '[' && he[-1] == ']')
    h++, he--;
  set_field(&out->host, h, (size_t)(he - h));
  out->port = port < 65536 ? (uint16_t)port : 0;
}

static void collect(void *ctx, const uint8_t *p, size_t n) {
  ms_prelude_field *f = ctx;
  size_t room = sizeof f->bytes - f->len;
  n = n < room ? n : room;
  memcpy(f->bytes + f->len, p, n);
  f->len = (uint8_t)(f->len + n);
}

/* "Proxy-Authorization: Basic base64(user:password)" in the request's
 * header block: the user name and the password. */
static void connect_credentials(const uint8_t *p, size_t n,
                                ms_detect_result *out) {
  static const char name[] = "\nProxy-Authorization:";
  for (size_t i = 0; i + sizeof name - 1 < n; i++) {
    if (strncasecmp((const char *)p + i, name, sizeof name - 1))
      continue;
    const uint8_t *v = p + i + sizeof name - 1;
    const uint8_t *e = memchr(v, '\n', n - (size_t)(v - p));
    if (!e)
      return;
    while (v < e && (*v == ' ' || *v == '\t'))
      v++;
    if (e - v < 6 || strncasecmp((const char *)v, "Basic ", 6))
      return;
    ms_prelude_field both = {0};
    b64_stream b;
    b64_stream_init(&b);
    b64_stream_feed(&b, v + 6, (size_t)(e - v - 6), collect, &both);
    const uint8_t *sep = memchr(both.bytes, ':', both.len);
    if (!sep)
      return;
    set_field(&out->user, (const uint8_t *)both.bytes,
              (size_t)(sep - (const uint8_t *)both.bytes));
    set_field(&out->password, sep + 1,
              both.len - (size_t)(sep + 1 - (const uint8_t *)both.bytes));
    return;
  }
}

/* An HTTP CONNECT tunnel (RFC 9110 9.3.6) through a proxy: the client's
 * "CONNECT host:port HTTP/1.x" request and its header block, then the
 * proxy's 2xx response and its header block, then the tunnelled protocol,
 * whose server greets as usual (open proxies relaying spam).  1 when the
 * bytes are such a prelude, with the bytes of each direction it takes in
 * skip; 0 when they are not; -1 when more bytes are needed. */
static int connect_prelude(const uint8_t *const b[2], const size_t l[2],
                           ms_detect_result *out) {
  const uint8_t *cb = b[MS_CLIENT], *sb = b[MS_SERVER];
  size_t cl = l[MS_CLIENT], sl = l[MS_SERVER];
  static const char method[] = "CONNECT ", version[] = "HTTP/";
  if (cl < sizeof method - 1 || memcmp(cb, method, sizeof method - 1))
    return 0;
  size_t vn = sl < sizeof version - 1 ? sl : sizeof version - 1;
  if (memcmp(sb, version, vn))
    return 0;
  const uint8_t *eol = memchr(sb, '\n', sl);
  if (!eol)
    return sl < 512 ? -1 : 0;
  /* "HTTP/1.1 200 Connection established": a 2xx status opens the tunnel */
  const uint8_t *sp = memchr(sb, ' ', (size_t)(eol - sb));
  if (!sp || eol - sp < 4 || sp[1] != '2' || sp[2] < '0' || sp[2] > '9' ||
      sp[3] < '0' || sp[3] > '9')
    return 0;
  size_t cend = header_block_end(cb, cl), send = header_block_end(sb, sl);
  if (!cend || !send)
    return -1;
  out->skip[MS_CLIENT] = cend;
  out->skip[MS_SERVER] = send;
  out->prelude = MS_PRELUDE_HTTP_CONNECT;
  connect_target(cb, cend, out);
  connect_credentials(cb, cend, out);
  return 1;
}

int ms_detect_tls_record(const uint8_t *p, size_t n, bool hello) {
  if (n < 1 || p[0] < 20 || p[0] > 24 || (hello && p[0] != 22))
    return 0;
  if (n >= 2 && p[1] != 3)
    return 0;
  if (n >= 3 && p[2] > 4)
    return 0;
  return 1;
}

int ms_detect_first_line_len(const uint8_t *p, size_t n) {
  size_t len = 0;
  while (len < n && len < 200 && p[len] != '\r' && p[len] != '\n')
    len++;
  return (int)len;
}

ms_detect_verdict ms_detect(const uint8_t *const bytes[2], const size_t len[2],
                            bool midstream, ms_detect_result *out) {
  memset(out, 0, sizeof *out);
  if (!len[MS_SERVER])
    return MS_DETECT_MORE;
  /* SMTP and POP3 servers speak first: when the client spoke before the
   * server's first bytes on a connection whose start we saw, the server's
   * words are a reply, not a greeting (redis answers "+OK" too), unless
   * they are a proxy's answers to CONNECT (HTTP, SOCKS): then the
   * greeting follows them. */
  if (len[MS_CLIENT] && !midstream) {
    int tunnel = connect_prelude(bytes, len, out);
    if (tunnel == 0)
      tunnel = socks_prelude(bytes, len, out);
    if (tunnel < 0)
      return MS_DETECT_MORE;
    if (tunnel == 0)
      return MS_DETECT_NONE;
  }
  int proto = greeting_protocol(bytes[MS_SERVER] + out->skip[MS_SERVER],
                                len[MS_SERVER] - out->skip[MS_SERVER]);
  if (proto < 0)
    return MS_DETECT_MORE;
  if (proto == MS_PROTO_NONE)
    return MS_DETECT_NONE;
  out->proto = (ms_proto)proto;
  return MS_DETECT_FOUND;
}
