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
#define BUFFER (2 * CHUNK) /* room for a chunk and a record split by it */
#define RECORD_HEADER 16
/* libpcap's largest record for every link type mailscope decodes
 * (MAXIMUM_SNAPLEN; only D-Bus, EBHSCR and USBPcap allow more). */
#define MAX_CAPLEN 262144u

struct pcapfile {
  int fd;
  bool swapped, nano;
  uint32_t snapshot; /* libpcap's, from the file header */
  uint8_t *buf;
  size_t start, end; /* unread bytes: buf[start..end) */
  off_t file_pos;    /* file offset of buf[end] */
  bool eof;
  int read_errno; /* a read failed */
  char err[PCAP_ERRBUF_SIZE];
};

static uint32_t get32(const pcapfile *f, const uint8_t *p) {
  uint32_t v;
  memcpy(&v, p, 4);
  return f->swapped ? __builtin_bswap32(v) : v;
}

pcapfile *pcapfile_open(pcap_t *p, FILE *fp) {
  int fd = fileno(fp);
  struct stat st;
  uint8_t hdr[24];
  if (fd < 0 || fstat(fd, &st) != 0 || !S_ISREG(st.st_mode) ||
      pread(fd, hdr, sizeof hdr, 0) != (ssize_t)sizeof hdr)
    return NULL;
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
  int own = dup(fd);
  if (own < 0)
    return NULL;
  pcapfile *f = xcalloc(1, sizeof *f);
  f->fd = own;
  f->swapped = swapped;
  f->nano = nano;
  f->snapshot = (uint32_t)snapshot;
  f->buf = xmalloc(BUFFER);
  f->file_pos = sizeof hdr;
  return f;
}

/* Make `need` unread bytes contiguous in the buffer, as far as the file
 * has them; returns how many there are (less only at the end or after a
 * read error). */
static size_t fill(pcapfile *f, size_t need) {
  if (f->end - f->start >= need)
    return need;
  if (f->start + need > BUFFER) {
    memmove(f->buf, f->buf + f->start, f->end - f->start);
    f->end -= f->start;
    f->start = 0;
  }
  while (f->end - f->start < need && !f->eof && !f->read_errno) {
    size_t room = BUFFER - f->end;
    ssize_t n =
        pread(f->fd, f->buf + f->end, room < CHUNK ? room : CHUNK, f->file_pos);
    if (n < 0 && errno == EINTR)
      continue;
    if (n < 0)
      f->read_errno = errno;
    else if (n == 0)
      f->eof = true;
    else {
      f->end += (size_t)n;
      f->file_pos += n;
    }
  }
  size_t have = f->end - f->start;
  return have < need ? have : need;
}

/* A record ends early: consume what there is (libpcap's fread would
 * have) and say so in libpcap's words. */
static int short_read(pcapfile *f, size_t got, const char *what,
                      unsigned long wanted) {
  f->start += got;
  if (f->read_errno)
    snprintf(f->err, sizeof f->err, "error reading dump file: %s",
             strerror(f->read_errno));
  else
    snprintf(f->err, sizeof f->err,
             "truncated dump file; tried to read %lu %s bytes, only got %zu",
             wanted, what, got);
  return -1;
}

int pcapfile_next(pcapfile *f, struct pcap_pkthdr *h, const uint8_t **data) {
  size_t got = fill(f, RECORD_HEADER);
  if (got == 0 && !f->read_errno)
    return 0;
  if (got < RECORD_HEADER)
    return short_read(f, got, "header", RECORD_HEADER);
  const uint8_t *r = f->buf + f->start;
  /* Times are unsigned 32-bit seconds (the pcap draft, and what pcapng's
   * 64-bit counts give), in either byte order: 2038 on is not 1901.
   * libpcap's own reader has them signed in a file of the host's order;
   * capture.c reads its records the same way as these. */
  uint32_t sec = get32(f, r), frac = get32(f, r + 4);
  h->ts.tv_sec = (time_t)sec;
  h->ts.tv_usec = (suseconds_t)(f->nano ? frac / 1000 : frac);
  h->caplen = get32(f, r + 8);
  h->len = get32(f, r + 12);
  f->start += RECORD_HEADER;
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
  got = fill(f, caplen);
  if (caplen > f->snapshot && got < f->snapshot)
    return short_read(f, got, "captured", f->snapshot);
  if (got < caplen)
    return short_read(f, got, "captured", caplen);
  /* Longer than the file's snapshot length: cut, the rest skipped. */
  if (caplen > f->snapshot)
    h->caplen = f->snapshot;
  *data = f->buf + f->start;
  f->start += caplen;
  return 1;
}

const char *pcapfile_error(const pcapfile *f) { return f->err; }

long pcapfile_offset(const pcapfile *f) {
  return (long)(f->file_pos - (off_t)(f->end - f->start));
}

void pcapfile_close(pcapfile *f) {
  if (!f)
    return;
  close(f->fd);
  free(f->buf);
  free(f);
}
