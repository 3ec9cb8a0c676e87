/* dns_build.h - DNS messages for the unit tests (test_dns.c,
 * test_routing.c): names written without compression unless asked. */
#ifndef MAILSCOPE_DNS_BUILD_H
#define MAILSCOPE_DNS_BUILD_H

#include <stdint.h>
#include <string.h>

typedef struct {
  uint8_t b[4096];
  size_t n;
} dnsb;

static inline void db_u8(dnsb *d, unsigned v) { d->b[d->n++] = (uint8_t)v; }
static inline void db_u16(dnsb *d, unsigned v) {
  db_u8(d, v >> 8);
  db_u8(d, v & 0xff);
}
static inline void db_u32(dnsb *d, uint32_t v) {
  db_u16(d, v >> 16);
  db_u16(d, v & 0xffff);
}

/* "a.b.c" as labels and the root byte. */
static inline void db_name(dnsb *d, const char *name) {
  while (*name) {
    const char *dot = strchr(name, '.');
    size_t len = dot ? (size_t)(dot - name) : strlen(name);
    db_u8(d, (unsigned)len);
    memcpy(d->b + d->n, name, len);
    d->n += len;
    name += len + (dot ? 1 : 0);
  }
  db_u8(d, 0);
}

/* Header: a response (qr) with these counts, rcode. */
static inline void db_header(dnsb *d, int qr, unsigned rcode, unsigned qd,
                             unsigned an, unsigned ns, unsigned ar) {
  d->n = 0;
  db_u16(d, 0x1234);
  db_u8(d, qr ? 0x81 : 0x01);
  db_u8(d, qr ? (0x80 | rcode) : 0);
  db_u16(d, qd);
  db_u16(d, an);
  db_u16(d, ns);
  db_u16(d, ar);
}

static inline void db_question(dnsb *d, const char *name, unsigned type) {
  db_name(d, name);
  db_u16(d, type);
  db_u16(d, 1);
}

/* The fixed part of a record after its owner, then the RDATA length. */
static inline void db_rr_head(dnsb *d, unsigned type, uint32_t ttl,
                              unsigned rdlen) {
  db_u16(d, type);
  db_u16(d, 1);
  db_u32(d, ttl);
  db_u16(d, rdlen);
}

static inline void db_a(dnsb *d, const char *owner, uint32_t ttl, uint8_t a,
                        uint8_t b, uint8_t c, uint8_t e) {
  db_name(d, owner);
  db_rr_head(d, 1, ttl, 4);
  db_u8(d, a);
  db_u8(d, b);
  db_u8(d, c);
  db_u8(d, e);
}

static inline size_t db_name_len(const char *name) {
  return *name ? strlen(name) + 2 : 1;
}

/* CNAME (5) or PTR (12) */
static inline void db_target(dnsb *d, const char *owner, unsigned type,
                             uint32_t ttl, const char *target) {
  db_name(d, owner);
  db_rr_head(d, type, ttl, (unsigned)db_name_len(target));
  db_name(d, target);
}

static inline void db_mx(dnsb *d, const char *owner, uint32_t ttl,
                         unsigned pref, const char *host) {
  db_name(d, owner);
  db_rr_head(d, 15, ttl, (unsigned)db_name_len(host) + 2);
  db_u16(d, pref);
  db_name(d, host);
}

#endif
