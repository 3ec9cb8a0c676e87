/* dns.c - DNS messages and DNS-over-TCP framing (see dns.h). */
#include "dns.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

const char *ms_dns_anomaly_name(ms_dns_anomaly a) {
  static const char *const names[MS_DNS_A_COUNT] = {
      "dns_truncated",     "dns_pointer_loop",     "dns_forward_pointer",
      "dns_pointer_chain", "dns_name_too_long",    "dns_bad_label",
      "dns_bad_rdata",     "dns_too_many_records", "dns_tcp_frame"};
  return (unsigned)a < MS_DNS_A_COUNT ? names[a] : "dns_unknown";
}

static uint16_t rd16(const uint8_t *p) { return (uint16_t)(p[0] << 8 | p[1]); }

static uint32_t rd32(const uint8_t *p) {
  return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 |
         p[3];
}

static bool plain_byte(uint8_t c) {
  return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' ||
         c == '_' || c == '*';
}

/* Append one label as text (lower case, odd bytes as \DDD). */
static size_t put_label(char *out, size_t o, const uint8_t *l, size_t len) {
  if (o)
    out[o++] = '.';
  for (size_t i = 0; i < len; i++) {
    uint8_t c = l[i];
    if (c >= 'A' && c <= 'Z')
      c = (uint8_t)(c + 32);
    if (plain_byte(c))
      out[o++] = (char)c;
    else
      o += (size_t)snprintf(out + o, 5, "\\%03u", c);
  }
  return o;
}

/* A compression pointer at pos to target t: it must point before pos and
 * before every earlier jump of the name (limit), or the walk could go on
 * forever. */
static int check_jump(size_t pos, size_t t, size_t limit, int hops) {
  if (t >= pos)
    return t == pos ? MS_DNS_A_POINTER_LOOP : MS_DNS_A_FORWARD_POINTER;
  if (t >= limit)
    return MS_DNS_A_POINTER_LOOP;
  if (hops >= MS_DNS_MAX_HOPS)
    return MS_DNS_A_POINTER_CHAIN;
  return -1;
}

int ms_dns_read_name(const uint8_t *msg, size_t n, size_t off, char *out,
                     size_t *next) {
  size_t pos = off, limit = off, o = 0, wire = 1;
  int hops = 0;
  bool jumped = false;
  out[0] = '\0';
  for (;;) {
    if (pos >= n)
      return MS_DNS_A_TRUNCATED;
    uint8_t c = msg[pos];
    if (c == 0) {
      if (!jumped)
        *next = pos + 1;
      break;
    }
    if ((c & 0xc0) == 0xc0) {
      if (pos + 1 >= n)
        return MS_DNS_A_TRUNCATED;
      size_t t = (size_t)(c & 0x3f) << 8 | msg[pos + 1];
      int bad = check_jump(pos, t, limit, hops);
      if (bad >= 0)
        return bad;
      if (!jumped)
        *next = pos + 2;
      jumped = true;
      limit = pos = t;
      hops++;
      continue;
    }
    if (c & 0xc0)
      return MS_DNS_A_BAD_LABEL;
    wire += (size_t)c + 1;
    if (wire > 255)
      return MS_DNS_A_NAME_TOO_LONG;
    if (pos + 1 + c > n)
      return MS_DNS_A_TRUNCATED;
    o = put_label(out, o, msg + pos + 1, c);
    pos += (size_t)c + 1;
  }
  if (o == 0)
    out[o++] = '.';
  out[o] = '\0';
  return -1;
}

typedef struct {
  const uint8_t *p;
  size_t n, pos;
  ms_dns_msg *m;
} reader;

static bool fail(reader *r, int anomaly) {
  r->m->anomalies |= 1u << anomaly;
  return false;
}

static bool name_at(reader *r, size_t off, char *out, size_t *next) {
  int bad = ms_dns_read_name(r->p, r->n, off, out, next);
  return bad < 0 || fail(r, bad);
}

/* The target name of a CNAME/PTR/MX: it must end inside the RDATA. */
static bool rdata_name(reader *r, size_t off, size_t end, char *out) {
  size_t next = 0;
  if (!name_at(r, off, out, &next))
    return false;
  return next <= end || fail(r, MS_DNS_A_BAD_RDATA);
}

static bool wanted(uint16_t type) {
  return type == MS_DNS_T_A || type == MS_DNS_T_AAAA ||
         type == MS_DNS_T_CNAME || type == MS_DNS_T_PTR || type == MS_DNS_T_MX;
}

static bool rdata(reader *r, ms_dns_rr *rr, size_t off, size_t len) {
  size_t end = off + len;
  switch (rr->type) {
  case MS_DNS_T_A:
    if (len != 4)
      return fail(r, MS_DNS_A_BAD_RDATA);
    memcpy(rr->addr, r->p + off, 4);
    return true;
  case MS_DNS_T_AAAA:
    if (len != 16)
      return fail(r, MS_DNS_A_BAD_RDATA);
    memcpy(rr->addr, r->p + off, 16);
    return true;
  case MS_DNS_T_MX:
    if (len < 3)
      return fail(r, MS_DNS_A_BAD_RDATA);
    rr->pref = rd16(r->p + off);
    return rdata_name(r, off + 2, end, rr->target);
  default: /* CNAME, PTR */
    return rdata_name(r, off, end, rr->target);
  }
}

/* One resource record; kept in m->rr when it is one mail routing uses. */
static bool record(reader *r, ms_dns_section section) {
  ms_dns_msg *m = r->m;
  bool room = m->nrr < MS_DNS_MAX_RR;
  ms_dns_rr *rr = room ? &m->rr[m->nrr] : NULL;
  char *owner = rr ? rr->name : m->scratch; /* a record not kept */
  size_t next = 0;
  if (!name_at(r, r->pos, owner, &next))
    return false;
  if (next + 10 > r->n)
    return fail(r, MS_DNS_A_TRUNCATED);
  uint16_t type = rd16(r->p + next), cls = rd16(r->p + next + 2);
  uint32_t ttl = rd32(r->p + next + 4);
  size_t len = rd16(r->p + next + 8), off = next + 10;
  if (len > r->n - off)
    return fail(r, MS_DNS_A_TRUNCATED);
  r->pos = off + len;
  if (!wanted(type) || cls != 1)
    return true;
  if (!rr) {
    m->anomalies |= 1u << MS_DNS_A_TOO_MANY_RR;
    return true; /* walked over, to find the end of the message */
  }
  rr->type = type;
  rr->section = (uint8_t)section;
  rr->ttl = ttl & 0x80000000u ? 0 : ttl;
  rr->pref = 0;
  rr->target[0] = '\0';
  memset(rr->addr, 0, sizeof rr->addr);
  if (!rdata(r, rr, off, len))
    return false;
  m->nrr++;
  return true;
}

static bool question(reader *r) {
  ms_dns_msg *m = r->m;
  size_t next = 0;
  if (!name_at(r, r->pos, m->qname, &next))
    return false;
  if (next + 4 > r->n)
    return fail(r, MS_DNS_A_TRUNCATED);
  m->qtype = rd16(r->p + next);
  m->qclass = rd16(r->p + next + 2);
  m->has_question = true;
  r->pos = next + 4;
  return true;
}

/* Further questions (rare; RFC 9619 forbids them) are walked over. */
static bool skip_question(reader *r) {
  size_t next = 0;
  if (!name_at(r, r->pos, r->m->scratch, &next))
    return false;
  if (next + 4 > r->n)
    return fail(r, MS_DNS_A_TRUNCATED);
  r->pos = next + 4;
  return true;
}

static void header(const uint8_t *p, ms_dns_msg *m) {
  m->id = rd16(p);
  m->response = p[2] & 0x80;
  m->opcode = (p[2] >> 3) & 0x0f;
  m->tc = p[2] & 0x02;
  m->rcode = p[3] & 0x0f;
  m->qdcount = rd16(p + 4);
  m->ancount = rd16(p + 6);
  m->nscount = rd16(p + 8);
  m->arcount = rd16(p + 10);
}

bool ms_dns_parse(const uint8_t *p, size_t n, ms_dns_msg *m) {
  m->nrr = 0;
  m->anomalies = 0;
  m->has_question = false;
  m->qname[0] = '\0';
  m->qtype = m->qclass = 0;
  if (n < 12) {
    m->anomalies = 1u << MS_DNS_A_TRUNCATED;
    return false;
  }
  header(p, m);
  reader r = {p, n, 12, m};
  for (unsigned i = 0; i < m->qdcount; i++)
    if (!(i == 0 ? question(&r) : skip_question(&r)))
      return i > 0;
  const uint16_t counts[3] = {m->ancount, m->nscount, m->arcount};
  for (int s = 0; s < 3; s++)
    for (unsigned i = 0; i < counts[s]; i++)
      if (!record(&r, (ms_dns_section)(s + 1)))
        return true;
  return true;
}

/* ---- DNS over TCP --------------------------------------------------------
 */

/* Room for need bytes: the buffer grows with what arrived, not with what
 * the length announced. */
static bool reserve(ms_dns_stream *s, size_t need) {
  if (need <= s->cap)
    return true;
  size_t cap = s->cap ? s->cap * 2 : 512;
  if (cap < need)
    cap = need;
  if (cap > 65535)
    cap = 65535;
  uint8_t *b = realloc(s->buf, cap);
  if (!b) {
    s->broken = true;
    return false;
  }
  s->buf = b;
  s->cap = cap;
  return true;
}

void ms_dns_stream_data(ms_dns_stream *s, const uint8_t *p, size_t n,
                        int64_t ts, ms_dns_message_fn fn, void *ctx) {
  while (n > 0 && !s->broken) {
    if (s->nlen < 2) {
      s->len_bytes[s->nlen++] = *p++;
      n--;
      if (s->nlen < 2)
        continue;
      s->want = rd16(s->len_bytes);
      s->have = 0;
      if (s->want < 12) { /* not a DNS message: the stream is not DNS */
        s->anomalies |= 1u << MS_DNS_A_TCP_FRAME;
        s->broken = true;
        return;
      }
      continue; /* the message's bytes may come later */
    }
    size_t take = s->want - s->have < n ? s->want - s->have : n;
    if (!reserve(s, s->have + take))
      return;
    memcpy(s->buf + s->have, p, take);
    s->have += take;
    p += take;
    n -= take;
    if (s->have == s->want) {
      fn(ctx, s->buf, s->want, ts);
      s->nlen = 0;
    }
  }
}

void ms_dns_stream_gap(ms_dns_stream *s) { s->broken = true; }

void ms_dns_stream_free(ms_dns_stream *s) {
  free(s->buf);
  s->buf = NULL;
  s->cap = 0;
}
