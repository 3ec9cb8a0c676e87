/* ipdefrag.c - IPv4 and IPv6 fragment reassembly (see ipdefrag.h). */
#include "ipdefrag.h"

#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "siphash.h"
#include "vec.h"

#define MAX_PIECES 128
#define MAX_DATAGRAM 65535
#define MAX_HEADER 256 /* IPv4 header, or IPv6 header + extension headers */
#define BUCKETS 2048   /* twice MS_DEFRAG_MAX: chains stay short */
#define NONE (-1)

typedef struct {
  uint32_t start, end;
} run;

typedef struct {
  int version;
  uint8_t src[16], dst[16], proto;
  uint32_t id;
  int64_t first_seen;
  int hash_next;              /* chain of its bucket */
  int older, newer;           /* arrival order: the oldest goes first */
  uint32_t bucket;            /* its bucket */
  uint8_t header[MAX_HEADER]; /* of the first piece, fragment header removed */
  size_t header_len;
  uint8_t *data; /* payload received so far, data_cap bytes */
  size_t data_cap;
  size_t total;         /* payload length, known once the last piece arrived */
  run runs[MAX_PIECES]; /* bytes received: sorted, disjoint, not adjacent */
  int nruns, npieces;
  bool differs; /* a duplicate piece had other bytes */
} datagram;

struct ms_defrag {
  datagram slots[MS_DEFRAG_MAX];
  int bucket[BUCKETS];
  int free_slots[MS_DEFRAG_MAX], nfree;
  int oldest, newest;
  ms_budget *budget;
  ms_frag_note note;
  uint64_t dropped, dropped_memory;
  uint8_t out[MAX_DATAGRAM + MAX_HEADER];
};

ms_defrag *ms_defrag_new(void) {
  ms_defrag *d = xcalloc(1, sizeof(ms_defrag));
  for (int i = 0; i < BUCKETS; i++)
    d->bucket[i] = NONE;
  for (int i = 0; i < MS_DEFRAG_MAX; i++)
    d->free_slots[i] = MS_DEFRAG_MAX - 1 - i;
  d->nfree = MS_DEFRAG_MAX;
  d->oldest = d->newest = NONE;
  return d;
}

void ms_defrag_set_budget(ms_defrag *d, ms_budget *b) { d->budget = b; }

uint64_t ms_defrag_dropped(const ms_defrag *d) { return d->dropped; }

uint64_t ms_defrag_dropped_for_memory(const ms_defrag *d) {
  return d->dropped_memory;
}

ms_frag_note ms_defrag_note(const ms_defrag *d) { return d->note; }

/* ---- the table: keyed buckets, arrival order ---------------------------- */

static int index_of(const ms_defrag *d, const datagram *g) {
  return (int)(g - d->slots);
}

static void release(ms_defrag *d, datagram *g) {
  int i = index_of(d, g);
  int *at = &d->bucket[g->bucket];
  while (*at != i)
    at = &d->slots[*at].hash_next;
  *at = g->hash_next;
  if (g->older != NONE)
    d->slots[g->older].newer = g->newer;
  else
    d->oldest = g->newer;
  if (g->newer != NONE)
    d->slots[g->newer].older = g->older;
  else
    d->newest = g->older;
  ms_budget_release(d->budget, MS_MEM_FRAGMENTS, g->data_cap);
  free(g->data);
  memset(g, 0, sizeof *g);
  d->free_slots[d->nfree++] = i;
}

static void drop(ms_defrag *d, datagram *g) {
  release(d, g);
  d->dropped++;
}

void ms_defrag_free(ms_defrag *d) {
  if (!d)
    return;
  while (d->oldest != NONE)
    release(d, &d->slots[d->oldest]);
  free(d);
}

/* What identifies a fragment's datagram, and where its pieces are. */
typedef struct {
  int version;
  uint8_t src[16], dst[16], proto;
  uint32_t id;
  uint32_t start, len; /* this piece: payload offset and length */
  bool more;
  const uint8_t *payload;
  size_t header_len; /* bytes before the fragmentable part (IPv6: without
                        the fragment header) */
  size_t nh_at;      /* IPv6: the "next header" byte naming the fragment
                        header (6 when it is the fixed header's) */
  size_t frag_at;    /* IPv6: the fragment header's offset */
} piece;

static bool read_ipv4(const uint8_t *ip, size_t len, piece *pc) {
  if (len < 20)
    return false;
  size_t ihl = (size_t)(ip[0] & 0x0f) * 4;
  size_t total_len = (size_t)(ip[2] << 8 | ip[3]);
  if (ihl < 20 || total_len < ihl || total_len > len)
    return false;
  uint16_t frag = (uint16_t)(ip[6] << 8 | ip[7]);
  pc->version = 4;
  memcpy(pc->src, ip + 12, 4);
  memcpy(pc->dst, ip + 16, 4);
  pc->proto = ip[9];
  pc->id = (uint32_t)(ip[4] << 8 | ip[5]);
  pc->start = (uint32_t)(frag & 0x1fff) * 8;
  pc->len = (uint32_t)(total_len - ihl);
  pc->more = frag & 0x2000;
  pc->payload = ip + ihl;
  pc->header_len = ihl;
  return true;
}

/* IPv6: walk the extension headers to the fragment header (RFC 8200 4.5). */
static bool read_ipv6(const uint8_t *ip, size_t len, piece *pc) {
  if (len < 40)
    return false;
  size_t total = 40 + (size_t)(ip[4] << 8 | ip[5]);
  if (total > len)
    return false;
  uint8_t nh = ip[6];
  size_t off = 40, nh_at = 6;
  for (int hops = 0; nh != 44; hops++) {
    bool ext = nh == 0 || nh == 43 || nh == 60 || nh == 51 || nh == 135 ||
               nh == 139 || nh == 140;
    if (!ext || hops == 16 || off + 8 > total)
      return false;
    size_t hl = nh == 51 ? ((size_t)ip[off + 1] + 2) * 4
                         : ((size_t)ip[off + 1] + 1) * 8;
    nh_at = off;
    nh = ip[off];
    off += hl;
  }
  if (off + 8 > total || off > MAX_HEADER)
    return false;
  const uint8_t *fh = ip + off;
  uint16_t fo = (uint16_t)(fh[2] << 8 | fh[3]);
  pc->version = 6;
  memcpy(pc->src, ip + 8, 16);
  memcpy(pc->dst, ip + 24, 16);
  pc->proto = fh[0];
  pc->id = (uint32_t)fh[4] << 24 | (uint32_t)fh[5] << 16 |
           (uint32_t)fh[6] << 8 | fh[7];
  pc->start = (uint32_t)(fo >> 3) * 8;
  pc->len = (uint32_t)(total - off - 8);
  pc->more = fo & 1;
  pc->payload = fh + 8;
  pc->header_len = off;
  pc->nh_at = nh_at;
  pc->frag_at = off;
  return true;
}

static uint32_t bucket_of(const piece *pc) {
  uint8_t key[40];
  size_t alen = pc->version == 4 ? 4 : 16;
  memcpy(key, pc->src, alen);
  memcpy(key + alen, pc->dst, alen);
  memcpy(key + 2 * alen, &pc->id, 4);
  key[2 * alen + 4] = pc->proto;
  return (uint32_t)(ms_siphash(key, 2 * alen + 5) & (BUCKETS - 1));
}

static bool same_datagram(const datagram *g, const piece *pc) {
  return g->version == pc->version && g->id == pc->id &&
         g->proto == pc->proto && !memcmp(g->src, pc->src, 16) &&
         !memcmp(g->dst, pc->dst, 16);
}

/* Datagrams whose first piece is older than the timeout go, oldest first
 * (arrival order is time order in a capture read in order). */
static void expire(ms_defrag *d, int64_t now) {
  while (d->oldest != NONE && now - d->slots[d->oldest].first_seen >
                                  (int64_t)MS_DEFRAG_TIMEOUT * 1000000)
    drop(d, &d->slots[d->oldest]);
}

/* The datagram of this fragment, or a new one (the oldest goes when all
 * are taken). */
static datagram *find_slot(ms_defrag *d, const piece *pc, int64_t now) {
  expire(d, now);
  uint32_t b = bucket_of(pc);
  for (int i = d->bucket[b]; i != NONE; i = d->slots[i].hash_next)
    if (same_datagram(&d->slots[i], pc))
      return &d->slots[i];
  if (!d->nfree)
    drop(d, &d->slots[d->oldest]);
  int i = d->free_slots[--d->nfree];
  datagram *g = &d->slots[i];
  g->version = pc->version;
  memcpy(g->src, pc->src, 16);
  memcpy(g->dst, pc->dst, 16);
  g->proto = pc->proto;
  g->id = pc->id;
  g->first_seen = now;
  g->bucket = b;
  g->hash_next = d->bucket[b];
  d->bucket[b] = i;
  g->older = d->newest;
  g->newer = NONE;
  if (d->newest != NONE)
    d->slots[d->newest].newer = i;
  else
    d->oldest = i;
  d->newest = i;
  return g;
}

/* ---- pieces ------------------------------------------------------------- */

typedef enum { PIECE_NEW, PIECE_DUPLICATE, PIECE_OVERLAP } piece_fit;

/* Where [s, e) falls among the bytes received; *at: the first run that
 * ends at or after s (where a new run goes). */
static piece_fit fit(const datagram *g, uint32_t s, uint32_t e, int *at) {
  int i = 0;
  while (i < g->nruns && g->runs[i].end < s)
    i++;
  *at = i;
  if (i == g->nruns || e < g->runs[i].start)
    return PIECE_NEW;
  const run *r = &g->runs[i];
  if (s >= r->start && e <= r->end)
    return PIECE_DUPLICATE;
  /* touching a run at its edges only is no overlap */
  if (e == r->start || s == r->end) {
    if (s == r->end && i + 1 < g->nruns && e > g->runs[i + 1].start)
      return PIECE_OVERLAP;
    return PIECE_NEW;
  }
  return PIECE_OVERLAP;
}

/* Add [s, e) at run index i, merging with the runs it touches. */
static void add_run(datagram *g, int i, uint32_t s, uint32_t e) {
  if (i < g->nruns && g->runs[i].end == s) {
    g->runs[i].end = e;
  } else if (i < g->nruns && g->runs[i].start == e) {
    g->runs[i].start = s;
  } else {
    memmove(&g->runs[i + 1], &g->runs[i],
            (size_t)(g->nruns - i) * sizeof g->runs[0]);
    g->runs[i] = (run){s, e};
    g->nruns++;
  }
  if (i + 1 < g->nruns && g->runs[i].end == g->runs[i + 1].start) {
    g->runs[i].end = g->runs[i + 1].end;
    memmove(&g->runs[i + 1], &g->runs[i + 2],
            (size_t)(g->nruns - i - 2) * sizeof g->runs[0]);
    g->nruns--;
  }
}

/* Room for payload up to `end`, growing by 4 KiB steps; while the memory
 * budget is over, the oldest other datagrams are dropped first. */
static void make_room(ms_defrag *d, datagram *g, size_t end) {
  if (end <= g->data_cap)
    return;
  size_t cap = (end + 4095) & ~(size_t)4095;
  if (cap > MAX_DATAGRAM)
    cap = MAX_DATAGRAM;
  g->data = xrealloc(g->data, cap);
  ms_budget_charge(d->budget, MS_MEM_FRAGMENTS, cap - g->data_cap);
  g->data_cap = cap;
  while (ms_budget_over(d->budget) && d->oldest != index_of(d, g)) {
    d->dropped_memory++;
    drop(d, &d->slots[d->oldest]);
  }
}

/* The first piece's header becomes the datagram's: IPv4 as it is; IPv6
 * without the fragment header, its "next header" taken over. */
static void keep_header(datagram *g, const uint8_t *ip, const piece *pc) {
  memcpy(g->header, ip, pc->header_len);
  g->header_len = pc->header_len;
  if (pc->version == 6)
    g->header[pc->nh_at] = pc->proto;
}

/* The datagram's header and its first `n` payload bytes into d->out, with
 * the lengths set and the fragment fields cleared. */
static size_t assemble(ms_defrag *d, const datagram *g, size_t n) {
  size_t out = g->header_len + n;
  memcpy(d->out, g->header, g->header_len);
  memcpy(d->out + g->header_len, g->data, n);
  if (g->version == 4) {
    d->out[2] = (uint8_t)(out >> 8);
    d->out[3] = (uint8_t)out;
    d->out[6] = d->out[7] = 0;
  } else {
    d->out[4] = (uint8_t)((out - 40) >> 8);
    d->out[5] = (uint8_t)(out - 40);
  }
  return out;
}

/* Pieces overlapped in part: the datagram is dropped, what it had from
 * offset 0 on handed back to name its connection. */
static const uint8_t *overlap(ms_defrag *d, datagram *g, size_t *out_len) {
  d->note = MS_FRAG_OVERLAP_DROPPED;
  const uint8_t *res = NULL;
  if (g->header_len && g->nruns && g->runs[0].start == 0) {
    *out_len = assemble(d, g, g->runs[0].end);
    res = d->out;
  }
  drop(d, g);
  return res;
}

/* The last piece fixes the length; pieces that disagree with it (or reach
 * past it) make the datagram inconsistent, as Linux judges it. */
static bool consistent_end(datagram *g, const piece *pc) {
  uint32_t e = pc->start + pc->len;
  if (!pc->more) {
    if (g->total && g->total != e)
      return false;
    if (g->nruns && g->runs[g->nruns - 1].end > e)
      return false;
    g->total = e;
    return true;
  }
  return !g->total || e <= g->total;
}

const uint8_t *ms_defrag_add(ms_defrag *d, const uint8_t *ip, size_t len,
                             int64_t now, size_t *out_len) {
  d->note = MS_FRAG_CLEAN;
  piece pc;
  memset(&pc, 0, sizeof pc);
  bool ok = len >= 1 && (ip[0] >> 4) == 6 ? read_ipv6(ip, len, &pc)
                                          : read_ipv4(ip, len, &pc);
  if (!ok || pc.start + pc.len > MAX_DATAGRAM)
    return NULL;
  datagram *g = find_slot(d, &pc, now);
  if (!consistent_end(g, &pc)) {
    drop(d, g);
    return NULL;
  }
  uint32_t s = pc.start, e = pc.start + pc.len;
  int at;
  piece_fit f = pc.len ? fit(g, s, e, &at) : PIECE_DUPLICATE;
  if (f == PIECE_OVERLAP)
    return overlap(d, g, out_len);
  if (f == PIECE_DUPLICATE) {
    if (pc.len && memcmp(g->data + s, pc.payload, pc.len) != 0) {
      g->differs = true;
      d->note = MS_FRAG_DUPLICATE_DIFFERS;
    }
  } else {
    if (g->npieces >= MAX_PIECES) {
      drop(d, g);
      return NULL;
    }
    make_room(d, g, e);
    memcpy(g->data + s, pc.payload, pc.len);
    add_run(g, at, s, e);
    g->npieces++;
  }
  if (pc.start == 0 && !g->header_len)
    keep_header(g, ip, &pc);
  if (!g->header_len || !g->total || g->nruns != 1 || g->runs[0].start != 0 ||
      g->runs[0].end != g->total)
    return NULL;
  if (g->header_len + g->total > sizeof d->out ||
      (g->version == 6 && g->header_len + g->total - 40 > 0xffff)) {
    drop(d, g);
    return NULL;
  }
  if (g->differs)
    d->note = MS_FRAG_DUPLICATE_DIFFERS;
  *out_len = assemble(d, g, g->total);
  release(d, g);
  return d->out;
}
