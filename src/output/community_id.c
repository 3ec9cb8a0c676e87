/* community_id.c - Community ID v1 (see community_id.h). */
#include "community_id.h"

#include <arpa/inet.h>
#include <openssl/evp.h>
#include <string.h>

/* An address in network byte order; its length (4 or 16), 0 if invalid. */
static size_t parse_addr(const char *text, uint8_t out[16]) {
  if (inet_pton(AF_INET, text, out) == 1)
    return 4;
  if (inet_pton(AF_INET6, text, out) == 1)
    return 16;
  return 0;
}

bool community_id_v1(const char *saddr, const char *daddr, uint16_t sport,
                     uint16_t dport, uint8_t proto, bool has_ports,
                     uint16_t seed, char out[COMMUNITY_ID_LEN]) {
  uint8_t a[16], b[16];
  size_t alen = parse_addr(saddr, a), blen = parse_addr(daddr, b);
  out[0] = '\0';
  if (!alen || alen != blen)
    return false;
  /* the smaller address:port tuple first */
  int cmp = memcmp(a, b, alen);
  if (cmp > 0 || (cmp == 0 && has_ports && sport > dport)) {
    uint8_t t[16];
    memcpy(t, a, alen);
    memcpy(a, b, alen);
    memcpy(b, t, alen);
    uint16_t p = sport;
    sport = dport;
    dport = p;
  }
  uint8_t in[2 + 16 + 16 + 2 + 4], *p = in;
  *p++ = (uint8_t)(seed >> 8);
  *p++ = (uint8_t)seed;
  memcpy(p, a, alen);
  p += alen;
  memcpy(p, b, alen);
  p += alen;
  *p++ = proto;
  *p++ = 0;
  if (has_ports) {
    *p++ = (uint8_t)(sport >> 8);
    *p++ = (uint8_t)sport;
    *p++ = (uint8_t)(dport >> 8);
    *p++ = (uint8_t)dport;
  }
  unsigned char md[EVP_MAX_MD_SIZE];
  unsigned int mdlen = 0;
  if (EVP_Digest(in, (size_t)(p - in), md, &mdlen, EVP_sha1(), NULL) != 1 ||
      mdlen != 20)
    return false;
  memcpy(out, "1:", 2);
  EVP_EncodeBlock((unsigned char *)out + 2, md, 20); /* 28 chars + NUL */
  return true;
}
