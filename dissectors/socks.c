/* socks.c - SOCKS4/4a/5 CONNECT preludes (see socks.h).
 *
 * SOCKS4:  client 04 01 PORT(2) IP(4) USERID 00 [HOST 00 when IP is
 *          0.0.0.x, x != 0: SOCKS4a]; proxy 00 5A PORT(2) IP(4) (5A:
 *          granted).
 * SOCKS5:  client 05 N METHODS(N); proxy 05 METHOD (00 none, 02 user and
 *          password); then for 02 client 01 ULEN UNAME PLEN PASSWD, proxy
 *          01 00; then client 05 01 00 ATYP ADDR PORT(2) (ATYP 01 IPv4, 03
 *          length and name, 04 IPv6), proxy 05 00 00 ATYP ADDR PORT(2).
 * A client may send its messages without waiting for the answers: each
 * direction is read as one sequence. */
#include "socks.h"

#include <arpa/inet.h>
#include <stdbool.h>
#include <string.h>

enum { MORE = -1, NOT = 0, YES = 1 };

static void field(ms_prelude_field *f, const uint8_t *p, size_t n) {
  f->set = true;
  f->len = (uint8_t)(n > sizeof f->bytes ? sizeof f->bytes : n);
  memcpy(f->bytes, p, f->len);
}

void socks_address(ms_prelude_field *f, const uint8_t *addr, int len) {
  char text[INET6_ADDRSTRLEN];
  inet_ntop(len == 4 ? AF_INET : AF_INET6, addr, text, sizeof text);
  field(f, (const uint8_t *)text, strlen(text));
}

/* A NUL-terminated string at p[*at..n), at most 255 bytes: its length, or
 * MORE / NOT (too long). */
static int cstring(const uint8_t *p, size_t n, size_t at) {
  const uint8_t *nul = at < n ? memchr(p + at, 0, n - at) : NULL;
  if (!nul)
    return n - at > 255 ? NOT : MORE;
  size_t len = (size_t)(nul - (p + at));
  return len > 255 ? NOT : (int)len;
}

static int socks4(const uint8_t *c, size_t cl, const uint8_t *s, size_t sl,
                  ms_detect_result *out) {
  if (cl < 9)
    return cl >= 2 && c[1] != 1 ? NOT : MORE;
  if (c[1] != 1) /* CONNECT; BIND is not a tunnel to the server */
    return NOT;
  int user = cstring(c, cl, 8);
  if (user < 0)
    return user;
  size_t end = 8 + (size_t)user + 1;
  bool v4a = !c[4] && !c[5] && !c[6] && c[7];
  if (v4a) {
    int host = cstring(c, cl, end);
    if (host < 0)
      return host;
    field(&out->host, c + end, (size_t)host);
    end += (size_t)host + 1;
  } else {
    socks_address(&out->host, c + 4, 4);
  }
  if (sl < 8)
    return sl >= 2 && (s[0] > 4 || s[1] != 0x5A) ? NOT : MORE;
  if (s[0] > 4 || s[1] != 0x5A) /* version 0 (some proxies say 4) */
    return NOT;
  out->prelude = v4a ? MS_PRELUDE_SOCKS4A : MS_PRELUDE_SOCKS4;
  out->port = (uint16_t)(c[2] << 8 | c[3]);
  if (user)
    field(&out->user, c + 8, (size_t)user);
  out->skip[MS_CLIENT] = end;
  out->skip[MS_SERVER] = 8;
  return YES;
}

/* The address of a SOCKS5 request or reply at p[at..n): its length with
 * ATYP, or MORE / NOT. */
static int socks5_addr(const uint8_t *p, size_t n, size_t at) {
  if (n <= at)
    return MORE;
  switch (p[at]) {
  case 1:
    return 1 + 4;
  case 4:
    return 1 + 16;
  case 3:
    return n <= at + 1 ? MORE : 1 + 1 + p[at + 1];
  default:
    return NOT;
  }
}

/* The RFC 1929 exchange at c[*ci..), s[*si..): advances both. */
static int socks5_auth(const uint8_t *c, size_t cl, size_t *ci,
                       const uint8_t *s, size_t sl, size_t *si,
                       ms_detect_result *out) {
  size_t i = *ci;
  if (cl < i + 2)
    return MORE;
  if (c[i] != 1)
    return NOT;
  size_t ulen = c[i + 1];
  if (cl < i + 2 + ulen + 1)
    return MORE;
  size_t plen = c[i + 2 + ulen];
  if (cl < i + 3 + ulen + plen)
    return MORE;
  field(&out->user, c + i + 2, ulen);
  field(&out->password, c + i + 3 + ulen, plen);
  *ci = i + 3 + ulen + plen;
  if (sl < *si + 2)
    return MORE;
  if (s[*si] != 1 || s[*si + 1] != 0) /* refused */
    return NOT;
  *si += 2;
  return YES;
}

static int socks5(const uint8_t *c, size_t cl, const uint8_t *s, size_t sl,
                  ms_detect_result *out) {
  if (cl < 2)
    return MORE;
  size_t ci = 2 + (size_t)c[1], si = 2;
  if (!c[1])
    return NOT;
  if (sl < 2)
    return sl && s[0] != 5 ? NOT : MORE;
  if (s[0] != 5 || (s[1] != 0 && s[1] != 2)) /* FF: nothing acceptable */
    return NOT;
  if (s[1] == 2) {
    int auth = socks5_auth(c, cl, &ci, s, sl, &si, out);
    if (auth != YES)
      return auth;
  }
  if (cl < ci + 4)
    return MORE;
  if (c[ci] != 5 || c[ci + 1] != 1 || c[ci + 2] != 0) /* CONNECT */
    return NOT;
  int alen = socks5_addr(c, cl, ci + 3);
  if (alen < 0)
    return alen;
  size_t port = ci + 3 + (size_t)alen;
  if (cl < port + 2)
    return MORE;
  const uint8_t *a = c + ci + 4;
  if (c[ci + 3] == 3)
    field(&out->host, a + 1, a[0]);
  else
    socks_address(&out->host, a, c[ci + 3] == 1 ? 4 : 16);
  out->port = (uint16_t)(c[port] << 8 | c[port + 1]);
  if (sl < si + 4)
    return MORE;
  if (s[si] != 5 || s[si + 1] != 0) /* not granted */
    return NOT;
  int blen = socks5_addr(s, sl, si + 3);
  if (blen < 0)
    return blen;
  if (sl < si + 3 + (size_t)blen + 2)
    return MORE;
  out->prelude = MS_PRELUDE_SOCKS5;
  out->skip[MS_CLIENT] = port + 2;
  out->skip[MS_SERVER] = si + 3 + (size_t)blen + 2;
  return YES;
}

int socks_prelude(const uint8_t *const b[2], const size_t l[2],
                  ms_detect_result *out) {
  const uint8_t *c = b[MS_CLIENT], *s = b[MS_SERVER];
  size_t cl = l[MS_CLIENT], sl = l[MS_SERVER];
  int r = NOT;
  if (cl && c[0] == 4)
    r = socks4(c, cl, s, sl, out);
  else if (cl && c[0] == 5)
    r = socks5(c, cl, s, sl, out);
  if (r != YES) { /* nothing half-filled is left behind */
    memset(&out->host, 0, sizeof out->host);
    memset(&out->user, 0, sizeof out->user);
    memset(&out->password, 0, sizeof out->password);
    out->port = 0;
  }
  return r;
}
