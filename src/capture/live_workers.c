/* live_workers.c - live capture over N fanout workers (live_workers.h). */
#include "live_workers.h"

#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "engine.h"
#include "extract.h"
#include "outfile.h"
#include "output.h"
#include "privileges.h"
#include "sandbox.h"
#include "vec.h"
#include "workers.h"

typedef struct {
  pid_t pid;
  int fd;     /* read end of the worker's pipe, -1 once it ended */
  bool ended; /* its last frame (stats) arrived */
  char *buf;
  size_t cap;
  ms_stats latest;      /* its counters at its last stats frame */
  uint64_t latest_open; /* and its open sessions then */
} worker;

/* Read exactly n bytes; 0 at a clean end of file before any byte, 1 when
 * done, -1 on a short read or an error. */
static int read_exact(int fd, void *p, size_t n) {
  char *c = p;
  size_t got = 0;
  while (got < n) {
    ssize_t r = read(fd, c + got, n - got);
    if (r < 0 && errno == EINTR)
      continue;
    if (r <= 0)
      return got == 0 && r == 0 ? 0 : -1;
    got += (size_t)r;
  }
  return 1;
}

/* One frame of a worker that poll() found readable.  Returns false when
 * the worker's pipe is finished (or broken). */
static bool take_frame(worker *w, ms_output *out, ms_stats *total, int *rc) {
  ms_worker_frame h;
  if (read_exact(w->fd, &h, sizeof h) != 1)
    return false;
  uint64_t total_len = ms_worker_frame_bytes(&h);
  if (h.last != MS_FRAME_SESSION && h.len[0] != sizeof(ms_stats))
    return false;
  size_t n = (size_t)total_len;
  if (n > w->cap) {
    w->buf = xrealloc(w->buf, n);
    w->cap = n;
  }
  if (n && read_exact(w->fd, w->buf, n) != 1)
    return false;
  if (h.last == MS_FRAME_STATS) {
    memcpy(&w->latest, w->buf, sizeof w->latest);
    w->latest_open = h.len[1];
    return true;
  }
  if (h.last == MS_FRAME_END) {
    ms_stats part;
    memcpy(&part, w->buf, sizeof part);
    ms_stats_add(total, &part);
    if ((int)h.len[1] > *rc)
      *rc = (int)h.len[1];
    w->ended = true;
    return false;
  }
  const char *p[MS_OUT_STREAMS];
  size_t len[MS_OUT_STREAMS];
  const char *at = w->buf;
  for (int i = 0; i < MS_OUT_STREAMS; i++) {
    p[i] = at;
    len[i] = (size_t)h.len[i];
    at += len[i];
  }
  output_rendered(out, p, len);
  return true;
}

/* The parent's periodic work: rotation by time, SIGHUP reopening, and
 * with --stats-interval a record summing the workers' latest counters. */
typedef struct {
  const ms_options *opt;
  time_t last_tick;
  struct timespec last_stats;
  ms_stats previous;
} parent_ticker;

static void parent_tick(parent_ticker *t, worker *ws, int n, ms_output *out) {
  struct timespec now;
  clock_gettime(CLOCK_REALTIME, &now);
  if (now.tv_sec == t->last_tick)
    return;
  t->last_tick = now.tv_sec;
  outfile_tick(now.tv_sec);
  double since = (double)(now.tv_sec - t->last_stats.tv_sec) +
                 (double)(now.tv_nsec - t->last_stats.tv_nsec) / 1e9;
  if (!t->opt->stats_interval || since < (double)t->opt->stats_interval - 0.05)
    return;
  ms_stats sum, *each = xcalloc((size_t)n, sizeof *each);
  uint64_t *open = xcalloc((size_t)n, sizeof *open);
  memset(&sum, 0, sizeof sum);
  uint64_t open_sum = 0;
  for (int k = 0; k < n; k++) {
    each[k] = ws[k].latest;
    open[k] = ws[k].latest_open;
    ms_stats_add(&sum, &each[k]);
    open_sum += open[k];
  }
  extract_sink_count(t->opt->dissect.sink, &sum);
  sum.records_lost += outfile_records_lost();
  ms_stats_interval iv = {(int64_t)now.tv_sec * 1000000 + now.tv_nsec / 1000,
                          since,
                          t->previous,
                          open_sum,
                          n,
                          each,
                          open};
  output_stats_interval(out, &sum, &iv);
  t->previous = sum;
  t->last_stats = now;
  free(each);
  free(open);
}

static void stop_workers(worker *ws, int n) {
  for (int k = 0; k < n; k++)
    if (ws[k].fd >= 0)
      kill(ws[k].pid, SIGTERM);
}

/* Relay frames until every worker's pipe is closed.  A stop request is
 * passed on to the workers once; a worker that fails (its interface could
 * not be opened, say) stops the others too. */
static void relay(worker *ws, int n, ms_output *out, ms_stats *total, int *rc,
                  const ms_options *opt) {
  struct pollfd *pfd = xcalloc((size_t)n, sizeof *pfd);
  bool stopping = false;
  parent_ticker t = {opt, 0, {0, 0}, {0}};
  clock_gettime(CLOCK_REALTIME, &t.last_stats);
  for (;;) {
    parent_tick(&t, ws, n, out);
    int open = 0;
    for (int k = 0; k < n; k++) {
      pfd[k].fd = ws[k].fd;
      pfd[k].events = POLLIN;
      pfd[k].revents = 0;
      open += ws[k].fd >= 0;
    }
    if (!open)
      break;
    if (!stopping && (engine_stop_requested() || *rc != 0)) {
      stopping = true;
      stop_workers(ws, n);
    }
    if (poll(pfd, (nfds_t)n, 200) < 0 && errno != EINTR)
      break;
    for (int k = 0; k < n; k++) {
      if (ws[k].fd < 0 || !(pfd[k].revents & (POLLIN | POLLHUP | POLLERR)))
        continue;
      if (!take_frame(&ws[k], out, total, rc)) {
        if (!ws[k].ended && *rc < 2)
          *rc = 2; /* the worker died without its closing frame */
        close(ws[k].fd);
        ws[k].fd = -1;
      }
    }
  }
  free(pfd);
}

static int start_workers(ms_options *opt, worker *ws, int n) {
  fflush(NULL);
  for (int k = 0; k < n; k++) {
    int fds[2];
    if (pipe(fds) != 0) {
      fprintf(stderr, "mailscope: pipe: %s\n", strerror(errno));
      return 2;
    }
    ws[k].pid = fork();
    if (ws[k].pid < 0) {
      fprintf(stderr, "mailscope: fork: %s\n", strerror(errno));
      close(fds[0]);
      close(fds[1]);
      return 2;
    }
    if (ws[k].pid == 0) {
      close(fds[0]);
      for (int j = 0; j < k; j++)
        close(ws[j].fd);
      int wrc = workers_child_main(opt, k, fds[1]);
      free(ws);
      _exit(wrc);
    }
    close(fds[1]);
    ws[k].fd = fds[0];
  }
  return 0;
}

int live_workers_run(ms_options *opt) {
  int n = opt->workers;
  opt->fanout_group = (int)(getpid() & 0xffff);
  if (!opt->fanout_group)
    opt->fanout_group = 1;
  worker *ws = xcalloc((size_t)n, sizeof *ws);
  for (int k = 0; k < n; k++)
    ws[k].fd = -1;
  /* Outputs first, with the privileges that may be needed to open them. */
  ms_output *out = output_open(opt);
  int rc = out ? start_workers(opt, ws, n) : 2;
  /* The workers open the interface; the parent only relays. */
  if (!rc && (rc = privileges_drop(opt)) == 0 && opt->sandbox)
    rc = sandbox_enter(MS_SANDBOX_PARENT);
  ms_stats total;
  memset(&total, 0, sizeof total);
  if (!rc)
    relay(ws, n, out, &total, &rc, opt);
  else
    stop_workers(ws, n);
  for (int k = 0; k < n; k++) {
    if (ws[k].fd >= 0)
      close(ws[k].fd);
    int status;
    if (ws[k].pid > 0 && waitpid(ws[k].pid, &status, 0) == ws[k].pid &&
        (!WIFEXITED(status) || WEXITSTATUS(status) > 2))
      rc = 2;
    free(ws[k].buf);
  }
  if (out) {
    extract_sink_count(opt->dissect.sink, &total);
    total.records_lost += outfile_records_lost();
    if (extract_sink_failed(opt->dissect.sink) && !rc)
      rc = 2;
    int orc = output_close(out, &total);
    if (!rc)
      rc = orc;
  }
  free(ws);
  return rc;
}
