/* ntlm.c - NTLMSSP message fields (see ntlm.h). */
#include "ntlm.h"

#include <stdlib.h>
#include <string.h>

#include "vec.h"

#define NTLM_SIGNATURE "NTLMSSP\0"
#define NTLM_SIGNATURE_LEN 8
#define NEGOTIATE_UNICODE 0x00000001u

static uint16_t le16(const uint8_t *p) { return (uint16_t)(p[0] | p[1] << 8); }

static uint32_t le32(const uint8_t *p) {
  return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 |
         (uint32_t)p[3] << 24;
}

/* A security buffer (length, allocated length, offset) at `at`: the bytes
 * it points to, or false when it lies outside the message. */
static bool field(const uint8_t *d, size_t n, size_t at, const uint8_t **p,
                  size_t *len) {
  if (at + 8 > n)
    return false;
  size_t l = le16(d + at), off = le32(d + at + 4);
  if (off > n || l > n - off)
    return false;
  *p = d + off;
  *len = l;
  return true;
}

/* Append code point cp as UTF-8. */
static size_t put_utf8(char *o, uint32_t cp) {
  if (cp < 0x80) {
    o[0] = (char)cp;
    return 1;
  }
  if (cp < 0x800) {
    o[0] = (char)(0xc0 | cp >> 6);
    o[1] = (char)(0x80 | (cp & 0x3f));
    return 2;
  }
  if (cp < 0x10000) {
    o[0] = (char)(0xe0 | cp >> 12);
    o[1] = (char)(0x80 | (cp >> 6 & 0x3f));
    o[2] = (char)(0x80 | (cp & 0x3f));
    return 3;
  }
  o[0] = (char)(0xf0 | cp >> 18);
  o[1] = (char)(0x80 | (cp >> 12 & 0x3f));
  o[2] = (char)(0x80 | (cp >> 6 & 0x3f));
  o[3] = (char)(0x80 | (cp & 0x3f));
  return 4;
}

/* UTF-16LE to UTF-8; a lone surrogate or an odd last byte becomes U+FFFD.
 * A NUL becomes "\x00" text as wire_strdup writes it, so the result is a
 * C string that says what was sent. */
static char *utf16le_to_utf8(const uint8_t *p, size_t len) {
  char *out = xmalloc(len / 2 * 4 + 8), *o = out;
  size_t i = 0;
  while (i + 2 <= len) {
    uint32_t cp = le16(p + i);
    i += 2;
    if (cp >= 0xd800 && cp < 0xdc00 && i + 2 <= len && le16(p + i) >= 0xdc00 &&
        le16(p + i) < 0xe000) {
      cp = 0x10000 + ((cp - 0xd800) << 10) + (le16(p + i) - 0xdc00);
      i += 2;
    } else if (cp >= 0xd800 && cp < 0xe000) {
      cp = 0xfffd;
    }
    if (cp == 0) {
      memcpy(o, "\\x00", 4);
      o += 4;
    } else {
      o += put_utf8(o, cp);
    }
  }
  if (i < len)
    o += put_utf8(o, 0xfffd);
  *o = '\0';
  return out;
}

/* A name field as UTF-8, NULL when empty. */
static char *name(const uint8_t *p, size_t len, bool unicode) {
  if (len == 0)
    return NULL;
  if (!unicode)
    return wire_strdup(p, len);
  return utf16le_to_utf8(p, len);
}

static bool read_type2(const uint8_t *d, size_t n, ntlm_message *m) {
  const uint8_t *p;
  size_t len;
  if (n < 32 || !field(d, n, 12, &p, &len))
    return false;
  m->flags = le32(d + 20);
  m->target = name(p, len, m->flags & NEGOTIATE_UNICODE);
  return true;
}

static bool read_type3(const uint8_t *d, size_t n, ntlm_message *m) {
  const uint8_t *nt, *dom, *usr, *ws;
  size_t nt_len, dom_len, usr_len, ws_len;
  if (!field(d, n, 20, &nt, &nt_len) || !field(d, n, 28, &dom, &dom_len) ||
      !field(d, n, 36, &usr, &usr_len) || !field(d, n, 44, &ws, &ws_len))
    return false;
  /* NegotiateFlags follow the session key field in every version that has
   * them; the oldest messages stop before it and are Unicode in practice. */
  bool unicode = true;
  if (n >= 64) {
    m->flags = le32(d + 60);
    unicode = m->flags & NEGOTIATE_UNICODE;
  }
  m->domain = name(dom, dom_len, unicode);
  m->user = name(usr, usr_len, unicode);
  m->workstation = name(ws, ws_len, unicode);
  m->nt_response = nt;
  m->nt_response_len = nt_len;
  return true;
}

bool ntlm_parse(const uint8_t *d, size_t n, ntlm_message *m) {
  memset(m, 0, sizeof *m);
  if (n < 12 || memcmp(d, NTLM_SIGNATURE, NTLM_SIGNATURE_LEN))
    return false;
  uint32_t type = le32(d + 8);
  bool ok = false;
  if (type == 1) {
    m->flags = n >= 16 ? le32(d + 12) : 0;
    ok = true;
  } else if (type == 2) {
    ok = read_type2(d, n, m);
  } else if (type == 3) {
    ok = read_type3(d, n, m);
  }
  if (!ok) {
    ntlm_message_free(m);
    return false;
  }
  m->type = (int)type;
  return true;
}

void ntlm_message_free(ntlm_message *m) {
  free(m->target);
  free(m->domain);
  free(m->user);
  free(m->workstation);
  memset(m, 0, sizeof *m);
}
