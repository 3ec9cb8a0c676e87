/* ipdefrag.c - IPv4 fragment reassembly (see ipdefrag.h). */
#include "ipdefrag.h"

#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "vec.h"

#define MAX_PIECES 128
#define MAX_DATAGRAM 65535

typedef struct {
  bool used;
  uint8_t src[4], dst[4], proto;
  uint16_t id;
  int64_t first_seen;
  uint8_t header[60];
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
  uint8_t out[MAX_DATAGRAM + 60];
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

static bool same_datagram(const datagram *g, const uint8_t *ip) {
  return g->used && g->id == ((ip[4] << 8) | ip[5]) && g->proto == ip[9] &&
         !memcmp(g->src, ip + 12, 4) && !memcmp(g->dst, ip + 16, 4);
}

/* Find the datagram of this fragment, or a slot for it (expiring old ones,
 * evicting the oldest when full). */
static datagram *find_slot(ms_defrag *d, const uint8_t *ip, int64_t now) {
  datagram *free_slot = NULL, *oldest = NULL;
  for (int i = 0; i < MS_DEFRAG_MAX; i++) {
    datagram *g = &d->slots[i];
    if (g->used && now - g->first_seen > (int64_t)MS_DEFRAG_TIMEOUT * 1000000) {
      release(g);
      d->dropped++;
    }
    if (same_datagram(g, ip))
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
  memcpy(free_slot->src, ip + 12, 4);
  memcpy(free_slot->dst, ip + 16, 4);
  free_slot->proto = ip[9];
  free_slot->id = (uint16_t)((ip[4] << 8) | ip[5]);
  free_slot->first_seen = now;
  free_slot->data = xmalloc(MAX_DATAGRAM);
  return free_slot;
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
  if (len < 20)
    return NULL;
  size_t ihl = (size_t)(ip[0] & 0x0f) * 4;
  size_t total_len = (size_t)(ip[2] << 8 | ip[3]);
  if (ihl < 20 || total_len < ihl || total_len > len)
    return NULL;
  uint16_t frag = (uint16_t)(ip[6] << 8 | ip[7]);
  uint32_t start = (uint32_t)(frag & 0x1fff) * 8;
  uint32_t plen = (uint32_t)(total_len - ihl);
  bool more = frag & 0x2000;
  if (start + plen > MAX_DATAGRAM)
    return NULL;
  datagram *g = find_slot(d, ip, now);
  if (g->npieces >= MAX_PIECES) {
    release(g);
    d->dropped++;
    return NULL;
  }
  if (start == 0) {
    memcpy(g->header, ip, ihl);
    g->header_len = ihl;
  }
  memcpy(g->data + start, ip + ihl, plen);
  g->pieces[g->npieces].start = start;
  g->pieces[g->npieces].end = start + plen;
  g->npieces++;
  if (!more)
    g->total = start + plen;
  if (!g->header_len || !complete(g))
    return NULL;
  size_t out = g->header_len + g->total;
  if (out > sizeof d->out) {
    release(g);
    d->dropped++;
    return NULL;
  }
  memcpy(d->out, g->header, g->header_len);
  memcpy(d->out + g->header_len, g->data, g->total);
  d->out[2] = (uint8_t)(out >> 8);
  d->out[3] = (uint8_t)out;
  d->out[6] = d->out[7] = 0;
  *out_len = out;
  release(g);
  return d->out;
}
