/* pcapfile.c - classic pcap records without stdio (see pcapfile.h). */
#define _DEFAULT_SOURCE
#include "pcapfile.h"

#include <errno.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "linklayer.h"
#include "vec.h"

#define CHUNK (256u << 10) /* bytes asked of each pread */
#define RECORD_HEADER 16
/* libpcap's largest record for every link type mailscope decodes
 * (MAXIMUM_SNAPLEN; only D-Bus, EBHSCR and USBPcap allow more). */
#define MAX_CAPLEN 262144u

/* A regular file read by preads of CHUNK bytes (the stream's source). */
typedef struct {
  int fd;
  off_t pos;
  uint8_t *buf;
} pread_source;

struct pcapfile {
  bool swapped, nano;
  uint32_t snapshot;  /* libpcap's, from the file header */
  ms_stream own, *st; /* st: own, or the caller's stream */
  pread_source src;
  char err[PCAP_ERRBUF_SIZE];
};

static uint32_t get32(const pcapfile *f, const uint8_t *p) {
  uint32_t v;
  memcpy(&v, p, 4);
  return f->swapped ? __builtin_bswap32(v) : v;
}

static ssize_t pread_next(void *ctx, const uint8_t **p) {
  pread_source *s = ctx;
  ssize_t n = pread(s->fd, s->buf, CHUNK, s->pos);
  if (n > 0)
    s->pos += n;
  *p = s->buf;
  return n;
}

/* The file header hdr is one this reader takes over from libpcap's p. */
static pcapfile *open_header(pcap_t *p, const uint8_t *hdr) {
  uint32_t magic;
  memcpy(&magic, hdr, 4);
  bool swapped = magic == 0xd4c3b2a1u || magic == 0x4d3cb2a1u;
  bool nano = magic == 0xa1b23c4du || magic == 0x4d3cb2a1u;
  if (!swapped && !nano && magic != 0xa1b2c3d4u)
    return NULL; /* Kuznetzov's records, or not what libpcap read */
  uint16_t major, minor;
  memcpy(&major, hdr + 4, 2);
  memcpy(&minor, hdr + 6, 2);
  if (swapped) {
    major = __builtin_bswap16(major);
    minor = __builtin_bswap16(minor);
  }
  int dlt = pcap_datalink(p), snapshot = pcap_snapshot(p);
  /* Earlier versions may swap caplen and len; libpcap byte-swaps the
   * pseudo-header of swapped SLL (CAN) records. */
  if (major != 2 || minor != 4 || snapshot <= 0 ||
      !ms_linktype_supported(dlt) ||
      (swapped && (dlt == DLT_LINUX_SLL || dlt == 276 /* SLL2 */)))
    return NULL;
  pcapfile *f = xcalloc(1, sizeof *f);
  f->swapped = swapped;
  f->nano = nano;
  f->snapshot = (uint32_t)snapshot;
  f->src.fd = -1;
  return f;
}

pcapfile *pcapfile_open(pcap_t *p, FILE *fp) {
  int fd = fileno(fp);
  struct stat st;
  uint8_t hdr[24];
  if (fd < 0 || fstat(fd, &st) != 0 || !S_ISREG(st.st_mode) ||
      pread(fd, hdr, sizeof hdr, 0) != (ssize_t)sizeof hdr)
    return NULL;
  pcapfile *f = open_header(p, hdr);
  if (!f)
    return NULL;
  f->src.fd = dup(fd);
  if (f->src.fd < 0) {
    free(f);
    return NULL;
  }
  f->src.buf = xmalloc(CHUNK);
  f->src.pos = sizeof hdr;
  ms_stream_init(&f->own, pread_next, &f->src, sizeof hdr);
  f->st = &f->own;
  return f;
}

pcapfile *pcapfile_open_stream(pcap_t *p, ms_stream *st) {
  if (ms_stream_offset(st) != 24)
    return NULL; /* libpcap read more than the file header */
  pcapfile *f = open_header(p, st->head);
  if (f)
    f->st = st;
  return f;
}

/* A record ends early: what there was is consumed (libpcap's fread would
 * have) and said in libpcap's words. */
static int short_read(pcapfile *f, size_t got, const char *what,
                      unsigned long wanted) {
  if (f->st->err)
    snprintf(f->err, sizeof f->err, "error reading dump file: %s",
             strerror(f->st->err));
  else
    snprintf(f->err, sizeof f->err,
             "truncated dump file; tried to read %lu %s bytes, only got %zu",
             wanted, what, got);
  return -1;
}

int pcapfile_next(pcapfile *f, struct pcap_pkthdr *h, const uint8_t **data) {
  const uint8_t *r;
  size_t got = ms_stream_get(f->st, RECORD_HEADER, &r);
  if (got == 0 && !f->st->err)
    return 0;
  if (got < RECORD_HEADER)
    return short_read(f, got, "header", RECORD_HEADER);
  /* Times are unsigned 32-bit seconds (the pcap draft, and what pcapng's
   * 64-bit counts give), in either byte order: 2038 on is not 1901.
   * libpcap's own reader has them signed in a file of the host's order;
   * capture.c reads its records the same way as these. */
  uint32_t sec = get32(f, r), frac = get32(f, r + 4);
  h->ts.tv_sec = (time_t)sec;
  h->ts.tv_usec = (suseconds_t)(f->nano ? frac / 1000 : frac);
  h->caplen = get32(f, r + 8);
  h->len = get32(f, r + 12);
  uint32_t caplen = h->caplen;
  if (caplen > MAX_CAPLEN) {
    if (caplen > f->snapshot)
      snprintf(f->err, sizeof f->err,
               "invalid packet capture length %u, bigger than snaplen of %u",
               caplen, f->snapshot);
    else
      snprintf(f->err, sizeof f->err,
               "invalid packet capture length %u, bigger than maximum of %u",
               caplen, MAX_CAPLEN);
    return -1;
  }
  got = ms_stream_get(f->st, caplen, data);
  if (caplen > f->snapshot && got < f->snapshot)
    return short_read(f, got, "captured", f->snapshot);
  if (got < caplen)
    return short_read(f, got, "captured", caplen);
  /* Longer than the file's snapshot length: cut, the rest skipped. */
  if (caplen > f->snapshot)
    h->caplen = f->snapshot;
  return 1;
}

const char *pcapfile_error(const pcapfile *f) { return f->err; }

long pcapfile_offset(const pcapfile *f) {
  return (long)ms_stream_offset(f->st);
}

void pcapfile_close(pcapfile *f) {
  if (!f)
    return;
  if (f->src.fd >= 0) {
    close(f->src.fd);
    ms_stream_free(&f->own);
  }
  free(f->src.buf);
  free(f);
}
