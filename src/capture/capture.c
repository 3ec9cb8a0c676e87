/* capture.c - libpcap files and live interfaces (see capture.h). */
#define _DEFAULT_SOURCE
#include "capture.h"
#include "decompress.h"
#include "pcapfile.h"
#include "pcapng.h"
#include "privileges.h"
#include "sandbox.h"

#include <errno.h>
#include <fcntl.h>
#include <linux/if_packet.h>
#include <pcap/pcap.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/time.h>
#include <unistd.h>

static volatile sig_atomic_t stop_requested;
static pcap_t *volatile live_handle;

bool capture_stop_requested(void) { return stop_requested != 0; }

void capture_request_stop(void) {
  stop_requested = 1;
  if (live_handle)
    pcap_breakloop(live_handle);
}

typedef struct {
  const capture_callbacks *cb;
  void *ctx;
  ms_stats *stats;
  int dlt;
  bool quiet;
  bool compressed; /* the file at hand is: offsets are decompressed ones */
} reader;

static void one_packet(reader *r, const struct pcap_pkthdr *h,
                       const uint8_t *data) {
  ms_ts ts = (ms_ts)h->ts.tv_sec * 1000000 + h->ts.tv_usec;
  r->stats->packets++;
  r->stats->bytes += h->caplen;
  if (h->caplen < h->len)
    r->stats->packets_truncated++;
  ms_frame f;
  ms_l3_status st = ms_decode_frame(r->dlt, data, h->caplen, &f);
  if (st != MS_L3_OK) {
    if (st == MS_L3_TRUNCATED)
      r->stats->packets_malformed++;
    else
      r->stats->packets_ignored++;
    return;
  }
  r->cb->packet(r->ctx, &f, ts);
}

/* Standard input through a stream that counts what it read, so that the
 * offset of a fault can be told even when stdin is a pipe (ftell asks the
 * seek function for the position and subtracts what is still buffered). */
typedef struct {
  int fd;
  off_t consumed;
  uint8_t peeked[4]; /* the magic, read before the stream was opened */
  size_t npeeked, peek_pos;
} counted_input;

static ssize_t counted_read(void *cookie, char *buf, size_t size) {
  counted_input *in = cookie;
  if (in->peek_pos < in->npeeked) {
    size_t k = in->npeeked - in->peek_pos;
    if (k > size)
      k = size;
    memcpy(buf, in->peeked + in->peek_pos, k);
    in->peek_pos += k;
    return (ssize_t)k;
  }
  ssize_t n;
  do
    n = read(in->fd, buf, size);
  while (n < 0 && errno == EINTR);
  if (n > 0)
    in->consumed += n;
  return n;
}

static int counted_seek(void *cookie, off64_t *offset, int whence) {
  counted_input *in = cookie;
  if (whence != SEEK_CUR || *offset != 0)
    return -1; /* a pipe: only "where are we" can be answered */
  *offset = in->consumed;
  return 0;
}

static counted_input stdin_counter;

/* Standard input as a stream, its first four bytes (the magic) read first
 * into *magic and then given to the stream again. */
static FILE *open_counted_stdin(uint32_t *magic) {
  static const cookie_io_functions_t io = {counted_read, NULL, counted_seek,
                                           NULL};
  memset(&stdin_counter, 0, sizeof stdin_counter);
  stdin_counter.fd = STDIN_FILENO;
  while (stdin_counter.npeeked < 4) {
    ssize_t n = read(STDIN_FILENO, stdin_counter.peeked + stdin_counter.npeeked,
                     4 - stdin_counter.npeeked);
    if (n < 0 && errno == EINTR)
      continue;
    if (n <= 0)
      break;
    stdin_counter.npeeked += (size_t)n;
    stdin_counter.consumed += n;
  }
  *magic = 0;
  if (stdin_counter.npeeked == 4)
    memcpy(magic, stdin_counter.peeked, 4);
  return fopencookie(&stdin_counter, "r", io);
}

/* A named file, its magic read and the stream put back at the start. */
static FILE *open_named(const char *name, uint32_t *magic) {
  FILE *fp = fopen(name, "rb");
  if (!fp)
    return NULL;
  *magic = 0;
  if (fread(magic, 1, 4, fp) != 4)
    *magic = 0;
  if (fseek(fp, 0, SEEK_SET) != 0) {
    fclose(fp);
    return NULL;
  }
  return fp;
}

/* libpcap's message often starts with the file name already. */
static const char *without_name(const char *msg, const char *name) {
  size_t n = strlen(name);
  if (!strncmp(msg, name, n) && msg[n] == ':' && msg[n + 1] == ' ')
    return msg + n + 2;
  return msg;
}

static pcap_t *open_pcap(FILE *fp, char *errbuf) {
  return pcap_fopen_offline_with_tstamp_precision(
      fp, PCAP_TSTAMP_PRECISION_MICRO, errbuf);
}

/* A progress line on stderr while reading a file, when stderr is a
 * terminal and -q was not given: bytes and share of the file, MB/s,
 * sessions so far.  Updated every 16384 packets, at most 4 times a second. */
typedef struct {
  bool on;
  long size;
  struct timeval start, last;
} progress;

static void progress_begin(progress *pg, FILE *fp, bool quiet) {
  memset(pg, 0, sizeof *pg);
  struct stat st;
  if (quiet || !isatty(2) || !fp || fstat(fileno(fp), &st) != 0 ||
      !S_ISREG(st.st_mode))
    return;
  pg->on = true;
  pg->size = (long)st.st_size;
  gettimeofday(&pg->start, NULL);
  pg->last = pg->start;
}

static double seconds_between(const struct timeval *a,
                              const struct timeval *b) {
  return (double)(b->tv_sec - a->tv_sec) +
         (double)(b->tv_usec - a->tv_usec) / 1e6;
}

static void progress_show(progress *pg, long off, const char *name,
                          const ms_stats *st) {
  struct timeval now;
  gettimeofday(&now, NULL);
  if (seconds_between(&pg->last, &now) < 0.25)
    return;
  pg->last = now;
  double secs = seconds_between(&pg->start, &now);
  fprintf(stderr,
          "\rmailscope: %s: %.1f of %.1f MB (%ld%%), %.0f MB/s, %llu "
          "sessions   ",
          name, off / 1e6, pg->size / 1e6, pg->size ? off * 100 / pg->size : 0,
          secs > 0 ? off / 1e6 / secs : 0,
          (unsigned long long)(st->sessions_smtp + st->sessions_pop3));
}

static void progress_end(progress *pg) {
  if (pg->on)
    fputs("\r\033[K", stderr);
}

/* A read error: say what and where (off < 0: unknown), after what was
 * read is handled.  In a compressed file the decompressor's reason is the
 * one to tell, and the offset counts decompressed bytes. */
static void read_error(const reader *r, const char *name, long off,
                       const char *what) {
  if (r->compressed && ms_decompress_error())
    what = ms_decompress_error();
  if (off >= 0 && r->compressed)
    fprintf(stderr,
            "mailscope: %s: %s, at offset %ld of the decompressed data\n", name,
            what, off);
  else if (off >= 0)
    fprintf(stderr, "mailscope: %s: %s, at offset %ld\n", name, what, off);
  else
    fprintf(stderr, "mailscope: %s: %s\n", name, what);
}

static int read_pcap(const char *name, FILE *fp, reader *r) {
  char errbuf[PCAP_ERRBUF_SIZE] = "";
  pcap_t *p = open_pcap(fp, errbuf);
  if (!p) {
    fclose(fp);
    const char *why = r->compressed && ms_decompress_error()
                          ? ms_decompress_error()
                          : without_name(errbuf, name);
    fprintf(stderr, "mailscope: %s: %s\n", name, why);
    return 2;
  }
  r->dlt = pcap_datalink(p);
  if (!ms_linktype_supported(r->dlt)) {
    const char *dname = pcap_datalink_val_to_name(r->dlt);
    fprintf(stderr, "mailscope: %s: unsupported link type %s (%d)\n", name,
            dname ? dname : "unknown", r->dlt);
    pcap_close(p);
    return 2;
  }
  int rc = 0;
  /* Our own record reader when it can stand in for libpcap's. */
  pcapfile *pf = pcapfile_open(p, fp);
  progress pg;
  progress_begin(&pg, fp, r->quiet);
  for (uint64_t n = 1;; n++) {
    if (stop_requested)
      break;
    struct pcap_pkthdr *h, own;
    const u_char *data;
    int got =
        pf ? pcapfile_next(pf, h = &own, &data) : pcap_next_ex(p, &h, &data);
    if (got == 1) {
      one_packet(r, h, data);
      if (pg.on && (n & 16383) == 0)
        progress_show(&pg, pf ? pcapfile_offset(pf) : ftell(fp), name,
                      r->stats);
      continue;
    }
    if (got == PCAP_ERROR_BREAK || (pf && got == 0))
      break;
    progress_end(&pg);
    pg.on = false;
    if (pf)
      read_error(r, name, pcapfile_offset(pf), pcapfile_error(pf));
    else
      read_error(r, name, ftell(pcap_file(p)), pcap_geterr(p));
    rc = 2;
    break;
  }
  progress_end(&pg);
  pcapfile_close(pf);
  pcap_close(p);
  return rc;
}

typedef struct {
  reader *r;
  const char *name;
} secrets_ctx;

static void on_secrets(void *ctx, uint32_t type, const uint8_t *data,
                       size_t len) {
  secrets_ctx *s = ctx;
  if (s->r->cb->secrets)
    s->r->cb->secrets(s->r->ctx, s->name, type, data, len);
}

/* pcapng through our own reader: interfaces may differ in link type. */
static int read_pcapng(const char *name, FILE *fp, reader *r) {
  pcapng_reader *ng = pcapng_open(fp);
  secrets_ctx sc = {r, name};
  pcapng_on_secrets(ng, on_secrets, &sc);
  int rc = 0, warned_dlt = -1;
  progress pg;
  progress_begin(&pg, fp, r->quiet);
  for (uint64_t n = 1; !stop_requested; n++) {
    pcapng_packet pkt;
    int got = pcapng_next(ng, &pkt);
    if (got == 0)
      break;
    if (got < 0) {
      progress_end(&pg);
      pg.on = false;
      read_error(r, name, ftell(fp), pcapng_error(ng));
      rc = 2;
      break;
    }
    if (!ms_linktype_supported(pkt.dlt) && pkt.dlt != warned_dlt) {
      const char *dname = pcap_datalink_val_to_name(pkt.dlt);
      fprintf(stderr,
              "mailscope: %s: an interface has the unsupported link type %s "
              "(%d): its packets are skipped\n",
              name, dname ? dname : "unknown", pkt.dlt);
      warned_dlt = pkt.dlt;
    }
    struct pcap_pkthdr h;
    memset(&h, 0, sizeof h);
    h.ts.tv_sec = (time_t)(pkt.ts_usec / 1000000);
    h.ts.tv_usec = (suseconds_t)(pkt.ts_usec % 1000000);
    if (h.ts.tv_usec < 0) {
      h.ts.tv_sec--;
      h.ts.tv_usec += 1000000;
    }
    h.caplen = pkt.caplen;
    h.len = pkt.len;
    r->dlt = pkt.dlt;
    one_packet(r, &h, pkt.data);
    if (pg.on && (n & 16383) == 0)
      progress_show(&pg, ftell(fp), name, r->stats);
  }
  progress_end(&pg);
  pcapng_close(ng);
  fclose(fp);
  return rc;
}

static int read_file(const char *name, reader *r) {
  uint32_t magic = 0;
  bool is_stdin = !strcmp(name, "-");
  FILE *fp = is_stdin ? open_counted_stdin(&magic) : open_named(name, &magic);
  if (!fp) {
    fprintf(stderr, "mailscope: %s: %s\n", name, strerror(errno));
    return 2;
  }
  ms_compression comp = ms_compression_of(magic);
  r->compressed = comp != MS_COMPRESSION_NONE;
  if (r->compressed) {
    fp = ms_decompressing(fp, comp, &magic);
    if (!fp) {
      fprintf(stderr, "mailscope: %s: %s\n", name, strerror(errno));
      return 2;
    }
  }
  if (magic == PCAPNG_MAGIC)
    return read_pcapng(name, fp, r);
  return read_pcap(name, fp, r);
}

static pcap_t *open_live(const char *iface) {
  char errbuf[PCAP_ERRBUF_SIZE] = "";
  pcap_t *p = pcap_create(iface, errbuf);
  if (!p) {
    fprintf(stderr, "mailscope: %s: %s\n", iface, errbuf);
    return NULL;
  }
  pcap_set_snaplen(p, 262144);
  pcap_set_promisc(p, 1);
  pcap_set_timeout(p, 200);
  pcap_set_immediate_mode(p, 1);
  pcap_set_buffer_size(p, 32 << 20);
  int rc = pcap_activate(p);
  if (rc < 0) {
    fprintf(stderr, "mailscope: %s: %s\n", iface, pcap_geterr(p));
    pcap_close(p);
    return NULL;
  }
  return p;
}

static ms_ts now_usec(void) {
  struct timeval tv;
  gettimeofday(&tv, NULL);
  return (ms_ts)tv.tv_sec * 1000000 + tv.tv_usec;
}

static void discard_packet(u_char *user, const struct pcap_pkthdr *h,
                           const u_char *bytes) {
  (void)user, (void)h, (void)bytes;
}

/* Join the kernel's PACKET_FANOUT group of the live workers: each flow
 * (symmetric hash, fragments reassembled first) goes to one member.  What
 * the socket queued before it joined was meant for every worker: it is
 * discarded, so that no flow is seen by two workers. */
static int join_fanout(pcap_t *p, const ms_options *opt) {
  uint32_t arg =
      ((uint32_t)opt->fanout_group & 0xffff) |
      ((uint32_t)(PACKET_FANOUT_HASH | PACKET_FANOUT_FLAG_DEFRAG) << 16);
  if (setsockopt(pcap_fileno(p), SOL_PACKET, PACKET_FANOUT, &arg, sizeof arg) !=
      0) {
    fprintf(stderr, "mailscope: %s: --workers: PACKET_FANOUT: %s\n", opt->iface,
            strerror(errno));
    return -1;
  }
  char errbuf[PCAP_ERRBUF_SIZE];
  if (pcap_setnonblock(p, 1, errbuf) == 0) {
    while (pcap_dispatch(p, -1, discard_packet, NULL) > 0)
      ;
    pcap_setnonblock(p, 0, errbuf);
  }
  return 0;
}

/* Everything that needs privileges is done: give them up, then (with
 * --sandbox) close the door behind. */
static int finish_live_setup(pcap_t *p, const ms_options *opt) {
  if (opt->fanout_group && join_fanout(p, opt) != 0)
    return -1;
  if (privileges_drop(opt) != 0)
    return -1;
  if (opt->sandbox && sandbox_enter(MS_SANDBOX_ANALYSIS) != 0)
    return -1;
  return 0;
}

static int read_live(const ms_options *opt, reader *r) {
  pcap_t *p = open_live(opt->iface);
  if (!p)
    return 2;
  if (finish_live_setup(p, opt) != 0) {
    pcap_close(p);
    return 2;
  }
  r->dlt = pcap_datalink(p);
  if (!ms_linktype_supported(r->dlt)) {
    const char *dname = pcap_datalink_val_to_name(r->dlt);
    fprintf(stderr, "mailscope: %s: unsupported link type %s (%d)\n",
            opt->iface, dname ? dname : "unknown", r->dlt);
    pcap_close(p);
    return 2;
  }
  live_handle = p;
  int rc = 0;
  while (!stop_requested) {
    struct pcap_pkthdr *h;
    const u_char *data;
    int got = pcap_next_ex(p, &h, &data);
    if (got == 1)
      one_packet(r, h, data);
    else if (got == 0)
      r->cb->idle(r->ctx, now_usec());
    else if (got == PCAP_ERROR_BREAK)
      break;
    else {
      fprintf(stderr, "mailscope: %s: %s\n", opt->iface, pcap_geterr(p));
      rc = 2;
      break;
    }
  }
  struct pcap_stat ps;
  if (pcap_stats(p, &ps) == 0)
    r->stats->kernel_drops = ps.ps_drop + ps.ps_ifdrop;
  live_handle = NULL;
  pcap_close(p);
  return rc;
}

int capture_run(const ms_options *opt, const capture_callbacks *cb, void *ctx,
                ms_stats *stats) {
  reader r = {cb, ctx, stats, 0, opt->quiet, false};
  int rc = 0;
  if (opt->iface) {
    rc = read_live(opt, &r);
  } else if (opt->sandbox && sandbox_enter(MS_SANDBOX_ANALYSIS) != 0) {
    rc = 2;
  } else {
    for (size_t i = 0; i < opt->read_files.len && !stop_requested; i++) {
      int frc = read_file(opt->read_files.items[i], &r);
      if (frc)
        rc = frc;
    }
  }
  return rc;
}
