/* capture.c - libpcap files and live interfaces (see capture.h). */
#define _DEFAULT_SOURCE
#include "capture.h"
#include "decompress.h"
#include "fileshare.h"
#include "pcapfile.h"
#include "pcapng.h"
#include "privileges.h"
#include "sandbox.h"

#include <errno.h>
#include <fcntl.h>
#include <linux/filter.h>
#include <linux/if_packet.h>
#include <pcap/pcap.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/time.h>
#include <time.h>
#include <unistd.h>

static volatile sig_atomic_t stop_requested;
static pcap_t *volatile live_handle;
static ms_ring *shared_ring; /* --workers: the parent reads the files */
static int shared_consumer;
static const int *shared_cancelled; /* the shared stream's error, or NULL */

void capture_share(ms_ring *ring, int consumer) {
  shared_ring = ring;
  shared_consumer = consumer;
}

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
  bool compressed;   /* the file at hand is: offsets are decompressed ones */
  ms_budget *budget; /* what the decompressor is charged to */
} reader;

/* A record's time.  libpcap's reader (pipes, old file versions) has the
 * 32-bit seconds of a file in the host's byte order signed: from 2038 on
 * they come negative, and are read unsigned here, as pcapfile.c and pcapng
 * read them.  (A live capture's times are never negative.) */
static ms_ts record_time(const struct pcap_pkthdr *h) {
  int64_t sec = (int64_t)h->ts.tv_sec;
  if (sec < 0 && sec >= INT32_MIN)
    sec += (int64_t)1 << 32;
  return (ms_ts)sec * 1000000 + h->ts.tv_usec;
}

static void one_packet(reader *r, const struct pcap_pkthdr *h,
                       const uint8_t *data) {
  ms_ts ts = record_time(h);
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

/* What is wrong with a file, on stderr: by one worker only when the
 * workers read the same bytes from the parent (the others would say the
 * same). */
static void file_message(const char *fmt, ...) {
  if (shared_ring && shared_consumer > 0)
    return;
  va_list ap;
  va_start(ap, fmt);
  vfprintf(stderr, fmt, ap);
  va_end(ap);
}

/* The shared stream ended because the parent stopped reading: not an
 * error, a stop (as the signal the parent had would be). */
static bool cancelled(void) {
  if (!shared_cancelled || *shared_cancelled != ECANCELED)
    return false;
  capture_request_stop();
  return true;
}

/* A read error: say what and where (off < 0: unknown), after what was
 * read is handled.  In a compressed file the decompressor's reason is the
 * one to tell, and the offset counts decompressed bytes. */
static void read_error(const reader *r, const char *name, long off,
                       const char *what) {
  if (cancelled())
    return;
  if (r->compressed && ms_decompress_error())
    what = ms_decompress_error();
  if (off >= 0 && r->compressed)
    file_message("mailscope: %s: %s, at offset %ld of the decompressed data\n",
                 name, what, off);
  else if (off >= 0)
    file_message("mailscope: %s: %s, at offset %ld\n", name, what, off);
  else
    file_message("mailscope: %s: %s\n", name, what);
}

/* st: the stream fp reads (a shared file), or NULL. */
static int read_pcap(const char *name, FILE *fp, ms_stream *st, reader *r) {
  char errbuf[PCAP_ERRBUF_SIZE] = "";
  pcap_t *p = open_pcap(fp, errbuf);
  if (!p) {
    fclose(fp);
    const char *why = r->compressed && ms_decompress_error()
                          ? ms_decompress_error()
                          : without_name(errbuf, name);
    if (!cancelled())
      file_message("mailscope: %s: %s\n", name, why);
    return 2;
  }
  r->dlt = pcap_datalink(p);
  if (!ms_linktype_supported(r->dlt)) {
    const char *dname = pcap_datalink_val_to_name(r->dlt);
    file_message("mailscope: %s: unsupported link type %s (%d)\n", name,
                 dname ? dname : "unknown", r->dlt);
    pcap_close(p);
    return 2;
  }
  int rc = 0;
  /* Our own record reader when it can stand in for libpcap's. */
  pcapfile *pf = st ? pcapfile_open_stream(p, st) : pcapfile_open(p, fp);
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
      file_message(
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
    file_message("mailscope: %s: %s\n", name, strerror(errno));
    return 2;
  }
  ms_compression comp = ms_compression_of(magic);
  r->compressed = comp != MS_COMPRESSION_NONE;
  if (r->compressed) {
    fp = ms_decompressing(fp, comp, &magic, r->budget);
    if (!fp) {
      file_message("mailscope: %s: %s\n", name, strerror(errno));
      return 2;
    }
  }
  if (magic == PCAPNG_MAGIC)
    return read_pcapng(name, fp, r);
  return read_pcap(name, fp, NULL, r);
}

/* File `index` of the list from the parent's ring (fileshare.h). */
static int read_shared(const char *name, uint32_t index, reader *r) {
  fileshare_reader fr;
  if (!fileshare_begin(&fr, shared_ring, shared_consumer, index,
                       capture_stop_requested)) {
    if (errno == ECANCELED) { /* the parent stopped reading: so do we */
      capture_request_stop();
      return 0;
    }
    file_message("mailscope: %s: %s\n", name, strerror(errno));
    return 2;
  }
  if (fr.direct)
    return read_file(name, r);
  r->compressed = fr.compressed;
  FILE *fp = ms_stream_fopen(&fr.st);
  int rc = 2;
  shared_cancelled = &fr.st.err;
  if (!fp)
    file_message("mailscope: %s: %s\n", name, strerror(errno));
  else if (fr.magic == PCAPNG_MAGIC)
    rc = read_pcapng(name, fp, r);
  else
    rc = read_pcap(name, fp, &fr.st, r);
  shared_cancelled = NULL;
  if (fr.st.err == ECANCELED)
    rc = 0; /* stopped, as on a signal */
  fileshare_end(&fr);
  return rc;
}

/* How long the kernel may hold a block of packets before handing it over
 * (TPACKET_V3 block timeout, and the wait of an idle loop): the delay a
 * record can have behind its session's last packet. */
#define LIVE_TIMEOUT_MS 100

/* Ring settings from the options: by default TPACKET_V3 blocks (immediate
 * mode off), which hand over packets in batches with one wake-up each;
 * --immediate asks for a wake-up per packet (TPACKET_V2 slots of
 * --snaplen bytes each, a much smaller ring in packets).  `buffer`: the
 * ring's bytes. */
static pcap_t *open_live(const ms_options *opt, uint64_t buffer) {
  char errbuf[PCAP_ERRBUF_SIZE] = "";
  pcap_t *p = pcap_create(opt->iface, errbuf);
  if (!p) {
    fprintf(stderr, "mailscope: %s: %s\n", opt->iface, errbuf);
    return NULL;
  }
  pcap_set_snaplen(p, opt->snaplen);
  pcap_set_promisc(p, 1);
  pcap_set_timeout(p, LIVE_TIMEOUT_MS);
  pcap_set_immediate_mode(p, opt->immediate);
  pcap_set_buffer_size(p, (int)buffer);
  int rc = pcap_activate(p);
  if (rc < 0) {
    fprintf(stderr, "mailscope: %s: %s\n", opt->iface, pcap_geterr(p));
    pcap_close(p);
    return NULL;
  }
  return p;
}

static bool is_loopback(const char *iface) {
  pcap_if_t *all = NULL;
  char errbuf[PCAP_ERRBUF_SIZE];
  bool lo = false;
  if (pcap_findalldevs(&all, errbuf) != 0)
    return false;
  for (pcap_if_t *d = all; d; d = d->next)
    if (!strcmp(d->name, iface))
      lo = (d->flags & PCAP_IF_LOOPBACK) != 0;
  pcap_freealldevs(all);
  return lo;
}

/* On a loopback interface the kernel shows every packet twice, once as it
 * leaves and once as it arrives; libpcap drops the first copy only after
 * it went through the ring, so it took ring space and, when the ring was
 * full, counted as a second drop.  A socket filter of our own (libpcap's
 * "inbound" is run again in user space, where it rejects everything)
 * keeps only the arriving copy.  The user's -f filter is applied later, to
 * the IP packet. */
static int loopback_inbound_only(pcap_t *p, const char *iface) {
  if (!is_loopback(iface))
    return 0;
  struct sock_filter code[] = {
      BPF_STMT(BPF_LD | BPF_W | BPF_ABS, SKF_AD_OFF + SKF_AD_PKTTYPE),
      BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, PACKET_OUTGOING, 1, 0),
      BPF_STMT(BPF_RET | BPF_K, 0xffffffffu),
      BPF_STMT(BPF_RET | BPF_K, 0),
  };
  struct sock_fprog prog = {(unsigned short)(sizeof code / sizeof code[0]),
                            code};
  if (setsockopt(pcap_fileno(p), SOL_SOCKET, SO_ATTACH_FILTER, &prog,
                 sizeof prog) != 0) {
    fprintf(stderr, "mailscope: %s: loopback filter: %s\n", iface,
            strerror(errno));
    return -1;
  }
  return 0;
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

static void live_packet(u_char *user, const struct pcap_pkthdr *h,
                        const u_char *bytes) {
  one_packet((reader *)user, h, bytes);
}

/* After a stop request: what the kernel captured before it is still
 * analysed.  The block being filled is handed over when its timeout
 * passes, so the ring is read without waiting for a little longer than
 * that. */
static void drain_ring(pcap_t *p, reader *r) {
  char errbuf[PCAP_ERRBUF_SIZE];
  if (pcap_setnonblock(p, 1, errbuf) != 0)
    return;
  ms_ts until = now_usec() + 2 * LIVE_TIMEOUT_MS * 1000;
  while (now_usec() < until) {
    int got = pcap_dispatch(p, -1, live_packet, (u_char *)r);
    if (got < 0)
      break;
    if (got == 0) {
      struct timespec ts = {0, 10 * 1000 * 1000};
      nanosleep(&ts, NULL);
    }
  }
}

/* Live --workers: every worker's own capture of the DNS path's packets
 * (capture.h "shared"), opened with privileges, filtered in the kernel. */
#define SHARED_FILTER                                                          \
  "port 53 or (tcp[tcpflags] & (tcp-syn|tcp-ack) == tcp-syn) or "              \
  "(vlan and (port 53 or (tcp[tcpflags] & (tcp-syn|tcp-ack) == tcp-syn)))"

static pcap_t *open_shared(const ms_options *opt, const reader *r) {
  if (!opt->fanout_group || !r->cb->shared)
    return NULL;
  pcap_t *p = open_live(opt, 4 << 20);
  struct bpf_program prog;
  if (p &&
      pcap_compile(p, &prog, SHARED_FILTER, 1, PCAP_NETMASK_UNKNOWN) == 0) {
    int rc = pcap_setfilter(p, &prog);
    pcap_freecode(&prog);
    if (rc == 0)
      return p;
  }
  if (p) {
    fprintf(stderr, "mailscope: %s: DNS capture filter: %s\n", opt->iface,
            pcap_geterr(p));
    pcap_close(p);
  }
  return NULL;
}

static void shared_packet(u_char *user, const struct pcap_pkthdr *h,
                          const u_char *data) {
  reader *r = (reader *)user;
  ms_frame f;
  if (ms_decode_frame(r->dlt, data, h->caplen, &f) == MS_L3_OK)
    r->cb->shared(r->ctx, &f, (ms_ts)h->ts.tv_sec * 1000000 + h->ts.tv_usec);
}

/* Both captures of a live worker: whichever has packets, idle after
 * LIVE_TIMEOUT_MS without any.  Returns 0, or 2 on a capture error. */
static int two_captures(const ms_options *opt, reader *r, pcap_t *p,
                        pcap_t *dns) {
  char errbuf[PCAP_ERRBUF_SIZE];
  pcap_setnonblock(p, 1, errbuf);
  pcap_setnonblock(dns, 1, errbuf);
  struct pollfd fds[2] = {{pcap_get_selectable_fd(p), POLLIN, 0},
                          {pcap_get_selectable_fd(dns), POLLIN, 0}};
  while (!stop_requested) {
    int n = poll(fds, 2, LIVE_TIMEOUT_MS);
    if (n < 0 && errno != EINTR)
      break;
    if (n <= 0) {
      r->cb->idle(r->ctx, now_usec());
      continue;
    }
    if (pcap_dispatch(dns, -1, shared_packet, (u_char *)r) == PCAP_ERROR ||
        pcap_dispatch(p, -1, live_packet, (u_char *)r) == PCAP_ERROR) {
      fprintf(stderr, "mailscope: %s: %s\n", opt->iface, pcap_geterr(p));
      return 2;
    }
  }
  /* What both captures hold at the stop was seen before it: analysed too
   * (a bounded number of rounds, should packets keep coming). */
  for (int round = 0; round < 64; round++) {
    int a = pcap_dispatch(dns, -1, shared_packet, (u_char *)r);
    int b = pcap_dispatch(p, -1, live_packet, (u_char *)r);
    if (a <= 0 && b <= 0 && b != PCAP_ERROR_BREAK)
      break;
  }
  return 0;
}

void capture_live_counters(ms_stats *st) {
  struct pcap_stat ps;
  if (live_handle && pcap_stats(live_handle, &ps) == 0) {
    st->kernel_drops = ps.ps_drop;
    st->interface_drops = ps.ps_ifdrop;
  }
}

/* tcpdump's line, once the capture runs. */
static void listening(pcap_t *p, const char *iface) {
  int dlt = pcap_datalink(p);
  const char *name = pcap_datalink_val_to_name(dlt);
  const char *desc = pcap_datalink_val_to_description(dlt);
  fprintf(stderr,
          "mailscope: listening on %s, link-type %s (%s), snapshot length %d "
          "bytes\n",
          iface, name ? name : "?", desc ? desc : "?", pcap_snapshot(p));
}

/* Non-blocking reads, so that an idle interface still gives the engine
 * its idle calls (timeouts, periodic stats, rotation): libpcap's own
 * timeout does not return in immediate mode.  0 when LIVE_TIMEOUT_MS
 * passed without a packet (a TPACKET_V3 block is handed over by then). */
static int wait_for_packets(pcap_t *p) {
  struct pollfd pfd = {pcap_get_selectable_fd(p), POLLIN, 0};
  return poll(&pfd, 1, LIVE_TIMEOUT_MS);
}

static int read_live(const ms_options *opt, reader *r) {
  pcap_t *p = open_live(opt, opt->buffer_size);
  if (!p)
    return 2;
  pcap_t *dns = open_shared(opt, r);
  if ((opt->fanout_group && r->cb->shared && !dns) ||
      loopback_inbound_only(p, opt->iface) != 0 ||
      finish_live_setup(p, opt) != 0) {
    if (dns)
      pcap_close(dns);
    pcap_close(p);
    return 2;
  }
  r->dlt = pcap_datalink(p);
  if (!ms_linktype_supported(r->dlt)) {
    const char *dname = pcap_datalink_val_to_name(r->dlt);
    fprintf(stderr, "mailscope: %s: unsupported link type %s (%d)\n",
            opt->iface, dname ? dname : "unknown", r->dlt);
    if (dns)
      pcap_close(dns);
    pcap_close(p);
    return 2;
  }
  live_handle = p;
  if (!opt->quiet)
    listening(p, opt->iface);
  char errbuf[PCAP_ERRBUF_SIZE];
  pcap_setnonblock(p, 1, errbuf);
  int rc = 0;
  if (dns)
    rc = two_captures(opt, r, p, dns);
  while (!dns && !stop_requested) {
    /* a whole block of packets per call (TPACKET_V3), or what is there */
    int got = pcap_dispatch(p, -1, live_packet, (u_char *)r);
    if (got == 0 && wait_for_packets(p) == 0)
      r->cb->idle(r->ctx, now_usec());
    else if (got == 0)
      continue;
    else if (got == PCAP_ERROR_BREAK)
      break;
    else if (got < 0) {
      fprintf(stderr, "mailscope: %s: %s\n", opt->iface, pcap_geterr(p));
      rc = 2;
      break;
    }
  }
  if (rc == 0 && !dns)
    drain_ring(p, r);
  capture_live_counters(r->stats);
  live_handle = NULL;
  if (dns)
    pcap_close(dns);
  pcap_close(p);
  return rc;
}

int capture_run(const ms_options *opt, const capture_callbacks *cb, void *ctx,
                ms_stats *stats, ms_budget *budget) {
  reader r = {cb, ctx, stats, 0, opt->quiet, false, budget};
  int rc = 0;
  if (opt->iface) {
    rc = read_live(opt, &r);
  } else if (opt->sandbox && sandbox_enter(MS_SANDBOX_ANALYSIS) != 0) {
    rc = 2;
  } else {
    for (size_t i = 0; i < opt->read_files.len && !stop_requested; i++) {
      const char *name = opt->read_files.items[i];
      int frc = shared_ring ? read_shared(name, (uint32_t)i, &r)
                            : read_file(name, &r);
      if (frc)
        rc = frc;
    }
    if (shared_ring)
      ms_ring_leave(shared_ring, shared_consumer);
  }
  return rc;
}
