/* ipdefrag.c - IPv4 and IPv6 fragment reassembly (see ipdefrag.h). */
#include "ipdefrag.h"

#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "vec.h"

#define MAX_PIECES 128
#define MAX_DATAGRAM 65535
#define MAX_HEADER 256 /* IPv4 header, or IPv6 header + extension headers */

typedef struct {
  bool used;
  int version;
  uint8_t src[16], dst[16], proto;
  uint32_t id;
  int64_t first_seen;
  uint8_t header[MAX_HEADER]; /* of the first piece, fragment header removed */
  size_t header_len;
  uint8_t *data; /* MAX_DATAGRAM bytes of payload */
  size_t total;  /* payload length, known once the last piece arrived */
  struct {
    uint32_t start, end;
  } pieces[MAX_PIECES];
  int npieces;
} datagram;

struct ms_defrag {
  datagram slots[MS_DEFRAG_MAX];
  uint8_t out[MAX_DATAGRAM + MAX_HEADER];
  uint64_t dropped;
};

ms_defrag *ms_defrag_new(void) { return xcalloc(1, sizeof(ms_defrag)); }

static void release(datagram *g) {
  free(g->data);
  memset(g, 0, sizeof *g);
}

void ms_defrag_free(ms_defrag *d) {
  if (!d)
    return;
  for (int i = 0; i < MS_DEFRAG_MAX; i++)
    release(&d->slots[i]);
  free(d);
}

uint64_t ms_defrag_dropped(const ms_defrag *d) { return d->dropped; }

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

static bool same_datagram(const datagram *g, const piece *pc) {
  return g->used && g->version == pc->version && g->id == pc->id &&
         g->proto == pc->proto && !memcmp(g->src, pc->src, 16) &&
         !memcmp(g->dst, pc->dst, 16);
}

/* Find the datagram of this fragment, or a slot for it (expiring old ones,
 * evicting the oldest when full). */
static datagram *find_slot(ms_defrag *d, const piece *pc, int64_t now) {
  datagram *free_slot = NULL, *oldest = NULL;
  for (int i = 0; i < MS_DEFRAG_MAX; i++) {
    datagram *g = &d->slots[i];
    if (g->used && now - g->first_seen > (int64_t)MS_DEFRAG_TIMEOUT * 1000000) {
      release(g);
      d->dropped++;
    }
    if (same_datagram(g, pc))
      return g;
    if (!g->used && !free_slot)
      free_slot = g;
    if (g->used && (!oldest || g->first_seen < oldest->first_seen))
      oldest = g;
  }
  if (!free_slot) {
    release(oldest);
    d->dropped++;
    free_slot = oldest;
  }
  free_slot->used = true;
  free_slot->version = pc->version;
  memcpy(free_slot->src, pc->src, 16);
  memcpy(free_slot->dst, pc->dst, 16);
  free_slot->proto = pc->proto;
  free_slot->id = pc->id;
  free_slot->first_seen = now;
  free_slot->data = xmalloc(MAX_DATAGRAM);
  return free_slot;
}

/* The first piece's header becomes the datagram's: IPv4 as it is; IPv6
 * without the fragment header, its "next header" taken over. */
static void keep_header(datagram *g, const uint8_t *ip, const piece *pc) {
  memcpy(g->header, ip, pc->header_len);
  g->header_len = pc->header_len;
  if (pc->version == 6)
    g->header[pc->nh_at] = pc->proto;
}

static bool complete(const datagram *g) {
  if (!g->total)
    return false;
  uint32_t covered = 0;
  bool progress = true;
  while (progress && covered < g->total) {
    progress = false;
    for (int i = 0; i < g->npieces; i++)
      if (g->pieces[i].start <= covered && g->pieces[i].end > covered) {
        covered = g->pieces[i].end;
        progress = true;
      }
  }
  return covered >= g->total;
}

const uint8_t *ms_defrag_add(ms_defrag *d, const uint8_t *ip, size_t len,
                             int64_t now, size_t *out_len) {
  piece pc;
  memset(&pc, 0, sizeof pc);
  bool ok = len >= 1 && (ip[0] >> 4) == 6 ? read_ipv6(ip, len, &pc)
                                          : read_ipv4(ip, len, &pc);
  if (!ok || pc.start + pc.len > MAX_DATAGRAM)
    return NULL;
  datagram *g = find_slot(d, &pc, now);
  if (g->npieces >= MAX_PIECES) {
    release(g);
    d->dropped++;
    return NULL;
  }
  if (pc.start == 0)
    keep_header(g, ip, &pc);
  memcpy(g->data + pc.start, pc.payload, pc.len);
  g->pieces[g->npieces].start = pc.start;
  g->pieces[g->npieces].end = pc.start + pc.len;
  g->npieces++;
  if (!pc.more)
    g->total = pc.start + pc.len;
  if (!g->header_len || !complete(g))
    return NULL;
  size_t out = g->header_len + g->total;
  if (out > sizeof d->out || (g->version == 6 && out - 40 > 0xffff)) {
    release(g);
    d->dropped++;
    return NULL;
  }
  memcpy(d->out, g->header, g->header_len);
  memcpy(d->out + g->header_len, g->data, g->total);
  if (g->version == 4) {
    d->out[2] = (uint8_t)(out >> 8);
    d->out[3] = (uint8_t)out;
    d->out[6] = d->out[7] = 0;
  } else {
    d->out[4] = (uint8_t)((out - 40) >> 8);
    d->out[5] = (uint8_t)(out - 40);
  }
  *out_len = out;
  release(g);
  return d->out;
}
