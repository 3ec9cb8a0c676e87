/* dnscache.c - time-bounded DNS answers (see dnscache.h). */
#include "dnscache.h"

#include <stdlib.h>
#include <string.h>

#include "siphash.h"
#include "vec.h"

#define TYPE_ATTEMPT 0   /* pseudo-type of connection attempts */
#define MAX_CNAME_HOPS 8 /* CNAMEs followed inside one response */

typedef struct entry entry;
struct entry {
  entry *hash_next, *lru_prev, *lru_next;
  uint64_t hash;
  uint16_t type;
  bool has_prev;
  ms_dns_answer cur, prev;
  size_t bytes; /* charged to the cache */
  char name[];
};

struct ms_dnscache {
  entry **buckets;
  size_t nbuckets, count;
  entry *lru_head, *lru_tail; /* least recently seen first */
  uint64_t bytes, max_bytes, evicted;
  ms_ts window;
};

ms_dnscache *ms_dnscache_new(uint64_t max_bytes, uint32_t window_seconds) {
  ms_dnscache *c = xcalloc(1, sizeof *c);
  c->nbuckets = 256;
  c->buckets = xcalloc(c->nbuckets, sizeof(entry *));
  c->max_bytes = max_bytes;
  c->window = (ms_ts)window_seconds * 1000000;
  ms_siphash_init(); /* the key drawn now, before any sandbox */
  return c;
}

static void answer_free(ms_dns_answer *a) {
  for (uint16_t i = 0; i < a->n; i++)
    free(a->rd[i].target);
  free(a->rd);
  memset(a, 0, sizeof *a);
}

static size_t answer_bytes(const ms_dns_answer *a) {
  size_t b = a->n * sizeof(ms_dns_rdata);
  for (uint16_t i = 0; i < a->n; i++)
    if (a->rd[i].target)
      b += strlen(a->rd[i].target) + 1;
  return b;
}

static void lru_unlink(ms_dnscache *c, entry *e) {
  if (e->lru_prev)
    e->lru_prev->lru_next = e->lru_next;
  else
    c->lru_head = e->lru_next;
  if (e->lru_next)
    e->lru_next->lru_prev = e->lru_prev;
  else
    c->lru_tail = e->lru_prev;
  e->lru_prev = e->lru_next = NULL;
}

static void lru_append(ms_dnscache *c, entry *e) {
  e->lru_prev = c->lru_tail;
  e->lru_next = NULL;
  if (c->lru_tail)
    c->lru_tail->lru_next = e;
  else
    c->lru_head = e;
  c->lru_tail = e;
}

static void drop(ms_dnscache *c, entry *e) {
  entry **at = &c->buckets[e->hash & (c->nbuckets - 1)];
  while (*at && *at != e)
    at = &(*at)->hash_next;
  if (*at)
    *at = e->hash_next;
  lru_unlink(c, e);
  c->bytes -= e->bytes;
  c->count--;
  answer_free(&e->cur);
  answer_free(&e->prev);
  free(e);
}

void ms_dnscache_free(ms_dnscache *c) {
  if (!c)
    return;
  while (c->lru_head)
    drop(c, c->lru_head);
  free(c->buckets);
  free(c);
}

static uint64_t key_hash(const char *name, uint16_t type) {
  size_t n = strnlen(name, MS_DNS_NAME_TEXT); /* names are shorter */
  char buf[MS_DNS_NAME_TEXT + 2];
  memcpy(buf, name, n);
  buf[n] = (char)(type >> 8);
  buf[n + 1] = (char)type;
  return ms_siphash(buf, n + 2);
}

static entry *find(const ms_dnscache *c, const char *name, uint16_t type,
                   uint64_t h) {
  for (entry *e = c->buckets[h & (c->nbuckets - 1)]; e; e = e->hash_next)
    if (e->hash == h && e->type == type && !strcmp(e->name, name))
      return e;
  return NULL;
}

static void grow(ms_dnscache *c) {
  size_t n = c->nbuckets * 2;
  entry **b = xcalloc(n, sizeof(entry *));
  for (size_t i = 0; i < c->nbuckets; i++)
    for (entry *e = c->buckets[i], *next; e; e = next) {
      next = e->hash_next;
      e->hash_next = b[e->hash & (n - 1)];
      b[e->hash & (n - 1)] = e;
    }
  free(c->buckets);
  c->buckets = b;
  c->nbuckets = n;
}

/* Entries unseen for the window (and the linger after it) go; then the least
 * recently seen while over the byte budget. */
static void make_room(ms_dnscache *c, ms_ts now) {
  while (c->lru_head &&
         now - c->lru_head->cur.last_seen > c->window + MS_DNS_KEEP_AFTER)
    drop(c, c->lru_head);
  while (c->lru_head && c->bytes > c->max_bytes) {
    c->evicted++;
    drop(c, c->lru_head);
  }
}

static void recharge(ms_dnscache *c, entry *e) {
  size_t b = sizeof *e + strlen(e->name) + 1 + answer_bytes(&e->cur) +
             answer_bytes(&e->prev);
  c->bytes = c->bytes - e->bytes + b;
  e->bytes = b;
}

static bool same_answer(const ms_dns_answer *a, const ms_dns_answer *b) {
  if (a->rcode != b->rcode || a->n != b->n)
    return false;
  for (uint16_t i = 0; i < a->n; i++) {
    const ms_dns_rdata *x = &a->rd[i], *y = &b->rd[i];
    if (x->pref != y->pref || memcmp(x->addr, y->addr, 16) ||
        (!x->target) != (!y->target) ||
        (x->target && strcmp(x->target, y->target)))
      return false;
  }
  return true;
}

/* Store `a` (taken over) for (name, type), seen at ts. */
static void put(ms_dnscache *c, const char *name, uint16_t type,
                ms_dns_answer *a, ms_ts ts) {
  uint64_t h = key_hash(name, type);
  entry *e = find(c, name, type, h);
  if (!e) {
    size_t len = strlen(name);
    e = xcalloc(1, sizeof *e + len + 1);
    memcpy(e->name, name, len + 1);
    e->hash = h;
    e->type = type;
    e->hash_next = c->buckets[h & (c->nbuckets - 1)];
    c->buckets[h & (c->nbuckets - 1)] = e;
    if (++c->count > c->nbuckets)
      grow(c);
    e->cur = *a;
    e->cur.first_seen = e->cur.last_seen = ts;
  } else if (same_answer(&e->cur, a)) {
    e->cur.last_seen = ts;
    e->cur.ttl = a->ttl;
    answer_free(a);
    lru_unlink(c, e);
  } else {
    answer_free(&e->prev);
    e->prev = e->cur;
    e->has_prev = true;
    e->cur = *a;
    e->cur.first_seen = e->cur.last_seen = ts;
    lru_unlink(c, e);
  }
  memset(a, 0, sizeof *a);
  lru_append(c, e);
  recharge(c, e);
  make_room(c, ts);
}

static int rdata_cmp(const void *x, const void *y) {
  const ms_dns_rdata *a = x, *b = y;
  if (a->pref != b->pref)
    return a->pref < b->pref ? -1 : 1;
  if (a->target || b->target)
    return strcmp(a->target ? a->target : "", b->target ? b->target : "");
  return memcmp(a->addr, b->addr, 16);
}

/* The records of m with this owner and type, as one answer. */
static void gather(const ms_dns_msg *m, const char *name, uint16_t type,
                   ms_dns_answer *a) {
  memset(a, 0, sizeof *a);
  a->rd = xcalloc(MS_DNS_MAX_RR, sizeof *a->rd);
  a->ttl = UINT32_MAX;
  for (size_t i = 0; i < m->nrr; i++) {
    const ms_dns_rr *rr = &m->rr[i];
    if (rr->type != type || strcmp(rr->name, name))
      continue;
    ms_dns_rdata *d = &a->rd[a->n];
    d->pref = rr->pref;
    memcpy(d->addr, rr->addr, 16);
    d->target = type == MS_DNS_T_A || type == MS_DNS_T_AAAA
                    ? NULL
                    : xstrdup(rr->target);
    if (a->n && bsearch(d, a->rd, a->n, sizeof *d, rdata_cmp)) {
      free(d->target); /* the same record twice */
      d->target = NULL;
      continue;
    }
    a->n++;
    qsort(a->rd, a->n, sizeof *a->rd, rdata_cmp);
    if (rr->ttl < a->ttl)
      a->ttl = rr->ttl;
  }
  a->rd = xrealloc(a->rd, a->n * sizeof *a->rd);
}

/* Whether an earlier record of m has this owner and type. */
static bool seen_before(const ms_dns_msg *m, size_t i) {
  for (size_t j = 0; j < i; j++)
    if (m->rr[j].type == m->rr[i].type && !strcmp(m->rr[j].name, m->rr[i].name))
      return true;
  return false;
}

/* The name the question ends at after the CNAMEs of the answer. */
static const char *final_name(const ms_dns_msg *m) {
  const char *name = m->qname;
  for (int hop = 0; hop < MAX_CNAME_HOPS; hop++) {
    const char *next = NULL;
    for (size_t i = 0; i < m->nrr && !next; i++)
      if (m->rr[i].type == MS_DNS_T_CNAME && !strcmp(m->rr[i].name, name))
        next = m->rr[i].target;
    if (!next)
      break;
    name = next;
  }
  return name;
}

static bool cacheable_type(uint16_t t) {
  return t == MS_DNS_T_A || t == MS_DNS_T_AAAA || t == MS_DNS_T_MX ||
         t == MS_DNS_T_PTR;
}

/* No record of the asked type at the end of the chain: a negative answer
 * (NODATA or NXDOMAIN), unless the message was cut or broken. */
static void negative(ms_dnscache *c, const ms_dns_msg *m, ms_ts ts) {
  if (!m->has_question || m->qclass != 1 || !cacheable_type(m->qtype) ||
      m->tc || m->anomalies)
    return;
  const char *end = final_name(m);
  for (size_t i = 0; i < m->nrr; i++)
    if (m->rr[i].type == m->qtype && !strcmp(m->rr[i].name, end))
      return;
  ms_dns_answer a = {0};
  a.rcode = m->rcode;
  put(c, end, m->qtype, &a, ts);
}

void ms_dnscache_add(ms_dnscache *c, const ms_dns_msg *m, ms_ts ts) {
  if (!m->response || m->opcode != 0 ||
      (m->rcode != MS_DNS_RCODE_NOERROR && m->rcode != MS_DNS_RCODE_NXDOMAIN))
    return;
  for (size_t i = 0; i < m->nrr; i++) {
    if (seen_before(m, i))
      continue;
    ms_dns_answer a;
    gather(m, m->rr[i].name, m->rr[i].type, &a);
    put(c, m->rr[i].name, m->rr[i].type, &a, ts);
  }
  negative(c, m, ts);
}

void ms_dnscache_attempt(ms_dnscache *c, const char *ip, ms_ts ts) {
  ms_dns_answer a = {0};
  a.ttl = (uint32_t)(c->window / 1000000);
  put(c, ip, TYPE_ATTEMPT, &a, ts);
}

/* Whether answer a counted at `at`. */
static bool usable(const ms_dnscache *c, const ms_dns_answer *a, ms_ts at) {
  ms_ts life = (ms_ts)(a->ttl > MS_DNS_GRACE ? a->ttl : MS_DNS_GRACE) * 1000000;
  if (life > c->window)
    life = c->window;
  return a->first_seen <= at && at <= a->last_seen + life;
}

const ms_dns_answer *ms_dnscache_get(const ms_dnscache *c, const char *name,
                                     uint16_t type, ms_ts at,
                                     const ms_dns_answer **previous) {
  if (previous)
    *previous = NULL;
  const entry *e = find(c, name, type, key_hash(name, type));
  if (!e)
    return NULL;
  if (e->cur.first_seen <= at) {
    if (!usable(c, &e->cur, at))
      return NULL;
    if (previous && e->has_prev &&
        e->cur.first_seen - e->prev.last_seen <= c->window)
      *previous = &e->prev;
    return &e->cur;
  }
  return e->has_prev && usable(c, &e->prev, at) ? &e->prev : NULL;
}

bool ms_dnscache_attempted(const ms_dnscache *c, const char *ip, ms_ts from,
                           ms_ts at) {
  const entry *e = find(c, ip, TYPE_ATTEMPT, key_hash(ip, TYPE_ATTEMPT));
  if (!e)
    return false;
  const ms_dns_answer *a = &e->cur;
  if (e->has_prev && a->first_seen > at)
    a = &e->prev;
  return a->first_seen <= at && a->last_seen >= from;
}

ms_ts ms_dnscache_window(const ms_dnscache *c) { return c->window; }
uint64_t ms_dnscache_evicted(const ms_dnscache *c) { return c->evicted; }
uint64_t ms_dnscache_bytes(const ms_dnscache *c) { return c->bytes; }
