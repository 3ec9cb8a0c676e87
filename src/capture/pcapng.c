/* pcapng.c - pcapng blocks to packets (see pcapng.h). */
#include "pcapng.h"

#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "vec.h"

#define BLOCK_SHB PCAPNG_MAGIC
#define BLOCK_IDB 1u
#define BLOCK_OPB 2u /* obsolete Packet Block */
#define BLOCK_SPB 3u
#define BLOCK_EPB 6u
#define BLOCK_DSB 10u
#define BYTE_ORDER_MAGIC 0x1A2B3C4Du
#define OPT_IF_TSRESOL 9
#define OPT_IF_TSOFFSET 14
#define MAX_INTERFACES 4096

typedef struct {
  int dlt;
  uint32_t snaplen;
  uint64_t units_per_second; /* from if_tsresol; 10^6 by default */
  int64_t offset_seconds;    /* if_tsoffset */
} interface;

struct pcapng_reader {
  FILE *fp;
  bool swapped; /* the section's byte order is not ours */
  bool in_section;
  int64_t last_ts; /* for Simple Packet Blocks, which have none */
  VEC(interface) ifaces;
  pcapng_secrets_fn secrets;
  void *secrets_ctx;
  uint8_t *block;
  size_t block_cap;
  char error[160];
};

pcapng_reader *pcapng_open(FILE *fp) {
  pcapng_reader *r = xcalloc(1, sizeof *r);
  r->fp = fp;
  return r;
}

void pcapng_close(pcapng_reader *r) {
  if (!r)
    return;
  vec_free(&r->ifaces);
  free(r->block);
  free(r);
}

const char *pcapng_error(const pcapng_reader *r) { return r->error; }

void pcapng_on_secrets(pcapng_reader *r, pcapng_secrets_fn fn, void *ctx) {
  r->secrets = fn;
  r->secrets_ctx = ctx;
}

static uint32_t swap32(uint32_t v) {
  return (v >> 24) | ((v >> 8) & 0xff00) | ((v << 8) & 0xff0000) | (v << 24);
}

static uint32_t rd32(const pcapng_reader *r, const uint8_t *p) {
  uint32_t v;
  memcpy(&v, p, 4);
  return r->swapped ? swap32(v) : v;
}

static uint16_t rd16(const pcapng_reader *r, const uint8_t *p) {
  uint16_t v;
  memcpy(&v, p, 2);
  return r->swapped ? (uint16_t)(v >> 8 | v << 8) : v;
}

__attribute__((format(printf, 2, 3))) static int fail(pcapng_reader *r,
                                                      const char *fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(r->error, sizeof r->error, fmt, ap);
  va_end(ap);
  return -1;
}

/* if_tsresol: a power of ten, or of two when the top bit is set. */
static bool resolution(uint8_t v, uint64_t *ups) {
  unsigned e = v & 0x7f;
  if (v & 0x80) {
    if (e > 63)
      return false;
    *ups = (uint64_t)1 << e;
    return true;
  }
  if (e > 19)
    return false;
  uint64_t u = 1;
  while (e--)
    u *= 10;
  *ups = u;
  return true;
}

/* The options of an Interface Description Block, from p to end. */
static void interface_options(const pcapng_reader *r, const uint8_t *p,
                              const uint8_t *end, interface *ifc) {
  while (end - p >= 4) {
    uint16_t code = rd16(r, p), len = rd16(r, p + 2);
    p += 4;
    if (code == 0 || (size_t)(end - p) < len)
      return;
    if (code == OPT_IF_TSRESOL && len >= 1) {
      uint64_t ups;
      if (resolution(p[0], &ups))
        ifc->units_per_second = ups;
    } else if (code == OPT_IF_TSOFFSET && len >= 8) {
      uint64_t lo = rd32(r, p), hi = rd32(r, p + 4);
      /* 64-bit values are written in the section's order as a whole. */
      uint64_t v = r->swapped ? (lo << 32 | hi) : (hi << 32 | lo);
      ifc->offset_seconds = (int64_t)v;
    }
    p += (len + 3u) & ~3u;
  }
}

/* Read `n` bytes or say why not. */
static int read_exact(pcapng_reader *r, uint8_t *buf, size_t n, bool at_start) {
  size_t got = fread(buf, 1, n, r->fp);
  if (got == n)
    return 1;
  if (ferror(r->fp))
    return fail(r, "%s", "read error");
  if (got == 0 && at_start)
    return 0; /* a clean end between blocks */
  return fail(r, "truncated block (%zu bytes missing)", n - got);
}

/* The next block: its type and body (after the 8-byte header, before the
 * trailing length) in r->block. */
static int next_block(pcapng_reader *r, uint32_t *type, size_t *body_len) {
  uint8_t head[8];
  int rc = read_exact(r, head, 8, true);
  if (rc <= 0)
    return rc;
  uint32_t raw_type;
  memcpy(&raw_type, head, 4);
  if (raw_type == BLOCK_SHB) {
    /* The byte order comes from the magic inside the block. */
    uint8_t bom[4];
    if (read_exact(r, bom, 4, false) < 0)
      return -1;
    uint32_t magic;
    memcpy(&magic, bom, 4);
    if (magic == BYTE_ORDER_MAGIC)
      r->swapped = false;
    else if (swap32(magic) == BYTE_ORDER_MAGIC)
      r->swapped = true;
    else
      return fail(r, "%s", "bad byte-order magic in a section header");
    uint32_t total = rd32(r, head + 4);
    if (total < 28 || total % 4 || total > PCAPNG_MAX_BLOCK)
      return fail(r, "bad section header length %u", total);
    if (r->block_cap < total) {
      r->block = xrealloc(r->block, total);
      r->block_cap = total;
    }
    memcpy(r->block, bom, 4);
    if (read_exact(r, r->block + 4, total - 12, false) < 0)
      return -1;
    *type = BLOCK_SHB;
    *body_len = total - 12;
  } else {
    if (!r->in_section)
      return fail(r, "%s", "a block before any section header");
    uint32_t total = rd32(r, head + 4);
    if (total < 12 || total % 4 || total > PCAPNG_MAX_BLOCK)
      return fail(r, "bad block length %u", total);
    if (r->block_cap < total) {
      r->block = xrealloc(r->block, total);
      r->block_cap = total;
    }
    if (read_exact(r, r->block, total - 8, false) < 0)
      return -1;
    *type = rd32(r, head);
    *body_len = total - 12;
  }
  uint32_t trailer = rd32(r, r->block + *body_len);
  if (trailer != *body_len + 12)
    return fail(r, "block lengths at its start and end differ (%u)", trailer);
  return 1;
}

/* Files carry LINKTYPE_ values; libpcap hands out DLT_ values, which are
 * the same numbers except for a few, of which raw IP is the one we read. */
static int dlt_of_linktype(int linktype) {
  enum { LINKTYPE_RAW = 101, DLT_RAW_ = 12 };
  return linktype == LINKTYPE_RAW ? DLT_RAW_ : linktype;
}

static int add_interface(pcapng_reader *r, const uint8_t *b, size_t n) {
  if (n < 8)
    return fail(r, "interface description block too short (%zu)", n);
  if (r->ifaces.len >= MAX_INTERFACES)
    return fail(r, "more than %d interfaces", MAX_INTERFACES);
  interface *ifc = vec_push(&r->ifaces);
  ifc->dlt = dlt_of_linktype(rd16(r, b));
  ifc->snaplen = rd32(r, b + 4);
  ifc->units_per_second = 1000000;
  ifc->offset_seconds = 0;
  interface_options(r, b + 8, b + n, ifc);
  return 1;
}

/* Seconds from the epoch a timestamp is kept within: what a pcap file can
 * hold (32 bits), either side.  A 64-bit count of units plus a 64-bit
 * offset can say far more; kept as it is it overflowed the microseconds
 * (fuzz_capture finding) and any later difference of two timestamps. */
#define TS_LIMIT_SECONDS ((int64_t)1 << 32)

static int64_t timestamp(const interface *ifc, uint32_t high, uint32_t low) {
  uint64_t t = (uint64_t)high << 32 | low, ups = ifc->units_per_second;
  uint64_t sec = t / ups, frac = t % ups;
  uint64_t usec = (uint64_t)((unsigned __int128)frac * 1000000 / ups);
  __int128 s = (__int128)sec + ifc->offset_seconds;
  if (s > TS_LIMIT_SECONDS)
    s = TS_LIMIT_SECONDS;
  else if (s < -TS_LIMIT_SECONDS)
    s = -TS_LIMIT_SECONDS;
  return (int64_t)s * 1000000 + (int64_t)usec;
}

/* A packet's data: caplen bytes at `at` inside a body of n bytes. */
static int packet_data(pcapng_reader *r, const uint8_t *b, size_t n, size_t at,
                       uint32_t caplen, pcapng_packet *pkt) {
  if (at > n || caplen > n - at)
    return fail(r, "captured length %u beyond its block", caplen);
  pkt->data = b + at;
  pkt->caplen = caplen;
  return 1;
}

static const interface *interface_of(pcapng_reader *r, uint32_t id) {
  if (id >= r->ifaces.len) {
    fail(r, "a packet of interface %u, which was not described", id);
    return NULL;
  }
  return &r->ifaces.items[id];
}

/* Enhanced and obsolete Packet blocks share their layout after the
 * interface id (32 bits, or 16 bits and a drop count): timestamp high and
 * low, captured length, length on the wire, data. */
static int timed_packet(pcapng_reader *r, const uint8_t *b, size_t n,
                        bool obsolete, pcapng_packet *pkt) {
  if (n < 20)
    return fail(r, "packet block too short (%zu)", n);
  const interface *ifc = interface_of(r, obsolete ? rd16(r, b) : rd32(r, b));
  if (!ifc)
    return -1;
  pkt->dlt = ifc->dlt;
  pkt->ts_usec = timestamp(ifc, rd32(r, b + 4), rd32(r, b + 8));
  pkt->len = rd32(r, b + 16);
  return packet_data(r, b, n, 20, rd32(r, b + 12), pkt);
}

/* A Simple Packet Block has no timestamp: it gets the previous packet's. */
static int simple_packet(pcapng_reader *r, const uint8_t *b, size_t n,
                         pcapng_packet *pkt) {
  if (n < 4)
    return fail(r, "simple packet block too short (%zu)", n);
  const interface *ifc = interface_of(r, 0);
  if (!ifc)
    return -1;
  uint32_t len = rd32(r, b), cap = len;
  if (ifc->snaplen && cap > ifc->snaplen)
    cap = ifc->snaplen;
  if (cap > n - 4)
    cap = (uint32_t)(n - 4);
  pkt->dlt = ifc->dlt;
  pkt->ts_usec = r->last_ts;
  pkt->len = len;
  return packet_data(r, b, n, 4, cap, pkt);
}

/* A Decryption Secrets Block: type, length, the secrets, options.  One
 * whose length does not fit is handed on with no data (the receiver says
 * so); the file goes on, its framing being sound. */
static void secrets_block(pcapng_reader *r, const uint8_t *b, size_t n) {
  if (!r->secrets)
    return;
  uint32_t len = n >= 8 ? rd32(r, b + 4) : 0;
  if (n < 8 || len > n - 8)
    r->secrets(r->secrets_ctx, n >= 4 ? rd32(r, b) : 0, NULL, 0);
  else
    r->secrets(r->secrets_ctx, rd32(r, b), b + 8, len);
}

static int remember_ts(pcapng_reader *r, int rc, const pcapng_packet *pkt) {
  if (rc == 1)
    r->last_ts = pkt->ts_usec;
  return rc;
}

int pcapng_next(pcapng_reader *r, pcapng_packet *pkt) {
  for (;;) {
    uint32_t type = 0;
    size_t n = 0;
    int rc = next_block(r, &type, &n);
    if (rc <= 0)
      return rc;
    const uint8_t *b = r->block;
    switch (type) {
    case BLOCK_SHB:
      r->in_section = true;
      r->ifaces.len = 0; /* interfaces belong to their section */
      break;
    case BLOCK_IDB:
      if (add_interface(r, b, n) < 0)
        return -1;
      break;
    case BLOCK_EPB:
      return remember_ts(r, timed_packet(r, b, n, false, pkt), pkt);
    case BLOCK_OPB:
      return remember_ts(r, timed_packet(r, b, n, true, pkt), pkt);
    case BLOCK_SPB:
      return simple_packet(r, b, n, pkt);
    case BLOCK_DSB:
      secrets_block(r, b, n);
      break;
    default:
      break; /* name resolution, statistics, comments: skipped */
    }
  }
}
