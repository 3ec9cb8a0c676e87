/* workers.c - offline analysis split over worker processes (workers.h).
 *
 * Each worker writes frames to its own unlinked temporary file: a header
 * (reporting order, and the lengths of the standard-output and --json-file
 * bytes of one session) followed by those bytes; its last frame carries its
 * stats and exit status.  Files rather than pipes so that no worker ever
 * waits for the merge (with pipes the workers ran in lock-step).  When all
 * are done the parent keeps one frame per worker and always writes the
 * smallest, a k-way merge, straight from the files mapped into memory
 * through its outputs (output_rendered: checked writes). */
#include "workers.h"

#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "capture.h"
#include "emit.h"
#include "engine.h"
#include "extract.h"
#include "fileshare.h"
#include "outfile.h"
#include "output.h"
#include "safefile.h"
#include "sandbox.h"
#include "vec.h"

typedef ms_worker_frame frame_header;

typedef struct {
  FILE *frames; /* the worker's file, written through a 1 MiB buffer */
  bool live;    /* its parent relays each record at once (live_workers.c) */
  ms_output *out;
} worker_ctx;

uint64_t ms_worker_frame_bytes(const ms_worker_frame *h) {
  if (h->last != MS_FRAME_SESSION)
    return h->len[0];
  uint64_t n = 0;
  for (int i = 0; i < MS_OUT_STREAMS; i++)
    n += h->len[i];
  return n;
}

static int write_all(FILE *f, const void *p, size_t n) {
  return n == 0 || fwrite(p, 1, n, f) == n ? 0 : -1;
}

static void worker_session(void *ctx, ms_session *s) {
  worker_ctx *w = ctx;
  frame_header h = {
      s->order_end, s->order_start, s->order_phase, MS_FRAME_SESSION, {0}};
  output_session(w->out, s); /* frees s */
  const char *p[MS_OUT_STREAMS];
  size_t n[MS_OUT_STREAMS];
  output_worker_take(w->out, p, n);
  for (int i = 0; i < MS_OUT_STREAMS; i++)
    h.len[i] = n[i];
  if (write_all(w->frames, &h, sizeof h) != 0)
    _exit(3);
  for (int i = 0; i < MS_OUT_STREAMS; i++)
    if (write_all(w->frames, p[i], n[i]) != 0)
      _exit(3);
  if (w->live && fflush(w->frames) != 0)
    _exit(3);
  output_worker_clear(w->out);
}

/* Live --stats-interval: the counters so far, for the parent's record. */
static void worker_tick(void *ctx, time_t now, const ms_stats *st,
                        size_t open) {
  (void)now;
  worker_ctx *w = ctx;
  ms_stats cur = *st;
  capture_live_counters(&cur);
  frame_header h = {0, 0, 0, MS_FRAME_STATS, {0}};
  h.len[0] = sizeof cur;
  h.len[1] = open;
  if (write_all(w->frames, &h, sizeof h) != 0 ||
      write_all(w->frames, &cur, sizeof cur) != 0 || fflush(w->frames) != 0)
    _exit(3);
}

int workers_child_main(ms_options *opt, int index, int fd) {
  opt->worker_index = index;
  /* Live, the kernel's fanout splits the flows: no second split here. */
  opt->worker_count = opt->iface ? 1 : opt->workers;
  opt->quiet = opt->quiet || index > 0; /* warnings once */
  /* one write per MiB of records, not two per record (glibc takes the
   * size only with a buffer of our own) */
  static char frames_buf[1 << 20];
  worker_ctx w = {.frames = fdopen(dup(fd), "w")};
  if (!w.frames ||
      setvbuf(w.frames, frames_buf, _IOFBF, sizeof frames_buf) != 0)
    _exit(3);
  w.live = opt->iface != NULL;
  w.out = output_open_worker(opt);
  if (w.live && opt->stats_interval)
    engine_set_tick(worker_tick, &w);
  ms_stats st;
  memset(&st, 0, sizeof st);
  int rc = engine_run(opt, worker_session, &w, &st);
  output_close(w.out, &st);
  if (opt->iface && index > 0) /* every live worker saw every DNS packet */
    memset(&st.dns, 0, sizeof st.dns);
  frame_header h = {UINT64_MAX, UINT64_MAX, UINT32_MAX, MS_FRAME_END, {0}};
  h.len[0] = sizeof st;
  h.len[1] = (uint64_t)rc;
  if (write_all(w.frames, &h, sizeof h) != 0 ||
      write_all(w.frames, &st, sizeof st) != 0 || fclose(w.frames) != 0)
    _exit(3);
  return rc;
}

/* A worker's file, mapped once it is complete: its frames are read and
 * written out in place (no copy through stdio: the merge is the part of
 * the run no worker shares). */
typedef struct {
  FILE *f;
  const uint8_t *map;
  size_t size, pos;
  bool done;
  frame_header h;
  const uint8_t *data; /* the current frame's bytes, in the mapping */
  size_t released;     /* bytes before this are written and unmapped */
} source;

/* Give back the pages of frames already written out: the mapped file would
 * otherwise count in the merge's resident size, as large as the output. */
static void release_written(source *src, int n) {
  size_t page = (size_t)sysconf(_SC_PAGESIZE);
  for (int k = 0; k < n; k++) {
    source *s = &src[k];
    if (!s->map || !s->data)
      continue;
    size_t upto = (size_t)(s->data - s->map) / page * page;
    if (upto > s->released) {
      madvise((void *)(s->map + s->released), upto - s->released,
              MADV_DONTNEED);
      s->released = upto;
    }
  }
}

static int map_source(source *s) {
  struct stat st;
  if (fstat(fileno(s->f), &st) != 0 || st.st_size <= 0)
    return -1;
  void *m =
      mmap(NULL, (size_t)st.st_size, PROT_READ, MAP_PRIVATE, fileno(s->f), 0);
  if (m == MAP_FAILED)
    return -1;
  s->map = m;
  s->size = (size_t)st.st_size;
  return 0;
}

static int read_frame(source *s) {
  if (!s->map || s->size - s->pos < sizeof s->h)
    return -1;
  memcpy(&s->h, s->map + s->pos, sizeof s->h);
  s->pos += sizeof s->h;
  uint64_t n = ms_worker_frame_bytes(&s->h);
  if (n > s->size - s->pos)
    return -1;
  s->data = s->map + s->pos;
  s->pos += (size_t)n;
  return 0;
}

static bool before(const frame_header *a, const frame_header *b) {
  if (a->order_end != b->order_end)
    return a->order_end < b->order_end;
  if (a->order_phase != b->order_phase)
    return a->order_phase < b->order_phase;
  return a->order_start < b->order_start;
}

static void add_stats(ms_stats *total, const ms_stats *w, bool first) {
  if (first) { /* every worker read every packet: count them once */
    total->packets = w->packets;
    total->bytes = w->bytes;
    total->fragments = w->fragments;
    total->fragments_dropped = w->fragments_dropped;
    total->packets_malformed = w->packets_malformed;
    total->packets_truncated = w->packets_truncated;
    total->packets_tunnelled = w->packets_tunnelled;
    total->packets_ignored = w->packets_ignored; /* before the flow split */
    total->dns = w->dns; /* every worker decodes every DNS packet */
  }
  total->packets_ignored_flows += w->packets_ignored_flows;
  total->sessions_smtp += w->sessions_smtp;
  total->sessions_pop3 += w->sessions_pop3;
  total->sessions_dropped += w->sessions_dropped;
  total->sessions_evicted += w->sessions_evicted;
  for (int i = 0; i < MS_LIMIT_COUNT; i++)
    total->limits[i] += w->limits[i];
  total->sessions_truncated += w->sessions_truncated;
  total->gap_bytes += w->gap_bytes;
  total->records_lost += w->records_lost;
  if (w->seconds > total->seconds)
    total->seconds = w->seconds;
}

/* Every frame of every worker in the order one process writes them,
 * through the parent's outputs; stops at the first write failure. */
static int merge(source *src, int n, ms_output *out) {
  int rc = 0;
  size_t since_release = 0;
  for (;;) {
    int best = -1;
    for (int k = 0; k < n; k++)
      if (!src[k].done && src[k].h.last == MS_FRAME_SESSION &&
          (best < 0 || before(&src[k].h, &src[best].h)))
        best = k;
    if (best < 0 || output_failed(out))
      break;
    source *s = &src[best];
    const char *p[MS_OUT_STREAMS];
    size_t len[MS_OUT_STREAMS];
    const char *at = (const char *)s->data;
    for (int i = 0; i < MS_OUT_STREAMS; i++) {
      p[i] = at;
      len[i] = (size_t)s->h.len[i];
      at += len[i];
    }
    output_rendered(out, p, len);
    if (++since_release == 256) {
      release_written(src, n);
      since_release = 0;
    }
    if (read_frame(s) != 0)
      s->done = true, rc = 2;
  }
  return rc;
}

/* A worker that died or could not write its records: its sessions are
 * missing from the output, which must be said. */
static void worker_failed(int k, int status) {
  if (WIFSIGNALED(status))
    fprintf(stderr,
            "mailscope: --workers: worker %d was killed by signal %d (%s): "
            "its sessions are missing\n",
            k, WTERMSIG(status), strsignal(WTERMSIG(status)));
  else
    fprintf(stderr,
            "mailscope: --workers: worker %d failed (exit status %d): its "
            "sessions may be missing\n",
            k, WIFEXITED(status) ? WEXITSTATUS(status) : -1);
}

/* The workers, as the parent's reading of the files sees them. */
typedef struct {
  const pid_t *pids;
  int *status;
  bool *reaped; /* waited for already (its status kept) */
} children;

static bool child_alive(void *ctx, int k) {
  children *c = ctx;
  if (c->reaped[k])
    return false;
  pid_t p = waitpid(c->pids[k], &c->status[k], WNOHANG);
  if (p == c->pids[k])
    c->reaped[k] = true;
  return p == 0;
}

/* The parent reads every file once for all the workers (fileshare.h); the
 * decompressors are charged to what one worker may use, as they were when
 * each worker read for itself. */
static void feed_workers(const ms_options *opt, ms_ring *ring, children *kids) {
  static ms_budget budget;
  ms_budget_init(&budget, opt->max_memory / (uint64_t)opt->workers);
  ms_ring_on_consumer(ring, child_alive, kids);
  fileshare_feed(ring, &opt->read_files, &budget, capture_stop_requested);
}

int workers_run(ms_options *opt) {
  int n = opt->workers;
  /* The workers open --transcript-dir without creating it, and the parent
   * opens its outputs only after forking them: create it first, or a fast
   * worker finds it missing. */
  if (opt->transcript_dir) {
    int fd = safe_open_dir(opt->transcript_dir, true, opt->follow_dir_links);
    if (fd < 0)
      return 2;
    close(fd);
  }
  source *src = xcalloc((size_t)n, sizeof *src);
  pid_t *pids = xcalloc((size_t)n, sizeof *pids);
  int *status = xcalloc((size_t)n, sizeof *status);
  bool *reaped = xcalloc((size_t)n, sizeof *reaped);
  children kids = {pids, status, reaped};
  /* The files are read once, by the parent, into shared memory; without
   * the mapping each worker reads them itself (as it can). */
  ms_ring *ring = ms_ring_create(n);
  pid_t parent = getpid();
  fflush(NULL);
  for (int k = 0; k < n; k++) {
    src[k].f = tmpfile();
    if (!src[k].f) {
      fprintf(stderr, "mailscope: temporary file: %s\n", strerror(errno));
      return 2;
    }
    pids[k] = fork();
    if (pids[k] < 0) {
      fprintf(stderr, "mailscope: fork: %s\n", strerror(errno));
      return 2;
    }
    if (pids[k] == 0) {
      /* the parent feeds the ring: a worker it leaves stops, never waits */
      if (ring &&
          (prctl(PR_SET_PDEATHSIG, SIGTERM) != 0 || getppid() != parent))
        _exit(2);
      if (ring)
        capture_share(ring, k);
      int wrc = workers_child_main(opt, k, fileno(src[k].f));
      for (int j = 0; j <= k; j++)
        fclose(src[j].f); /* the parent's copies: nothing buffered */
      free(src);
      free(pids);
      free(status);
      free(reaped);
      ms_ring_destroy(ring);
      _exit(wrc);
    }
  }
  /* The outputs before the sandbox (their directories may need creating)
   * and after the workers are forked (they have outputs of their own). */
  ms_output *out = output_open(opt);
  int rc = out ? 0 : 2;
  for (int k = 0; !out && k < n; k++)
    kill(pids[k], SIGTERM);
  if (!rc && opt->sandbox)
    rc = sandbox_enter(MS_SANDBOX_PARENT);
  if (ring && !rc)
    feed_workers(opt, ring, &kids);
  else if (ring)
    ms_ring_close(ring);
  ms_ring_destroy(ring);
  for (int k = 0; k < n; k++) {
    if (!reaped[k])
      waitpid(pids[k], &status[k], 0);
    if (!WIFEXITED(status[k]) || WEXITSTATUS(status[k]) > 2) {
      worker_failed(k, status[k]);
      rc = 2;
    }
    if (map_source(&src[k]) != 0)
      rc = 2;
  }
  ms_stats total;
  memset(&total, 0, sizeof total);
  for (int k = 0; k < n; k++)
    if (read_frame(&src[k]) != 0)
      src[k].done = true, rc = 2;
  if (out && merge(src, n, out))
    rc = 2;
  for (int k = 0; k < n; k++) {
    if (!src[k].done && src[k].h.last == MS_FRAME_END) {
      ms_stats w;
      memcpy(&w, src[k].data, sizeof w);
      add_stats(&total, &w, k == 0);
      if ((int)src[k].h.len[1] > rc)
        rc = (int)src[k].h.len[1]; /* the worker's exit status */
    }
    if (src[k].map)
      munmap((void *)src[k].map, src[k].size);
    fclose(src[k].f);
  }
  extract_sink_count(opt->dissect.sink, &total);
  total.records_lost += outfile_records_lost();
  if (extract_sink_failed(opt->dissect.sink) && !rc)
    rc = 2;
  int orc = out ? output_close(out, &total) : 2;
  free(src);
  free(pids);
  free(status);
  free(reaped);
  return rc ? rc : orc;
}
