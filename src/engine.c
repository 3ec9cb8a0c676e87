/* engine.c - wires capture, IP defragmentation and the session table
 * together (see engine.h). */
#include "engine.h"

#include <malloc.h>
#include <time.h>

#include "capture.h"
#include "ipdefrag.h"
#include "session.h"

typedef struct {
  ms_table *table;
  ms_defrag *defrag;
  ms_stats *stats;
  ms_ts last_ts;
  ms_session_done_fn done;
  void *done_ctx;
  size_t open_high; /* most sessions open since memory was last returned */
} engine;

/* Every finished session passes here.  When the open sessions fell to half
 * of their high-water mark (and that mark was large), the memory the closed
 * ones used is handed back to the system: glibc keeps freed pages
 * otherwise, and a burst of 100,000 sessions would hold ~200 MiB forever. */
static void on_done(void *ctx, ms_session *rec) {
  engine *e = ctx;
  e->done(e->done_ctx, rec);
  size_t open = ms_table_open_count(e->table);
  if (open > e->open_high)
    e->open_high = open;
  if (e->open_high >= 4096 && open <= e->open_high / 2) {
    malloc_trim(0);
    e->open_high = open;
  }
}

static void on_packet(void *ctx, const ms_frame *f, ms_ts ts) {
  engine *e = ctx;
  if (ts > e->last_ts)
    e->last_ts = ts;
  ms_tcp seg;
  ms_ip_status st = ms_decode_ip(f->ip_version, f->l3, f->l3_len, &seg);
  if (st == MS_IP_FRAGMENT) {
    e->stats->fragments++;
    size_t len = 0;
    const uint8_t *whole = ms_defrag_add(e->defrag, f->l3, f->l3_len, ts, &len);
    e->stats->fragments_dropped = ms_defrag_dropped(e->defrag);
    if (!whole)
      return;
    if (!capture_filter_accepts(whole, len)) {
      e->stats->packets_ignored++;
      return;
    }
    st = ms_decode_ip(f->ip_version, whole, len, &seg);
  }
  if (st == MS_IP_MALFORMED) {
    e->stats->packets_malformed++;
    return;
  }
  if (st != MS_IP_TCP) {
    e->stats->packets_ignored++;
    return;
  }
  ms_table_packet(e->table, &seg, f->vlan, f->nvlan, ts);
}

static void on_idle(void *ctx, ms_ts now) {
  engine *e = ctx;
  ms_table_expire(e->table, now);
}

void engine_request_stop(void) { capture_request_stop(); }

bool engine_stop_requested(void) { return capture_stop_requested(); }

int engine_run(const ms_options *opt, ms_session_done_fn done, void *ctx,
               ms_stats *stats) {
  struct timespec t0, t1;
  clock_gettime(CLOCK_MONOTONIC, &t0);
  engine e = {NULL, ms_defrag_new(), stats, 0, done, ctx, 0};
  e.table = ms_table_new(opt, on_done, &e, stats);
  static const capture_callbacks cb = {on_packet, on_idle};
  int rc = capture_run(opt, &cb, &e, stats);
  ms_table_flush(e.table, MS_END_EOF, e.last_ts);
  ms_table_free(e.table);
  ms_defrag_free(e.defrag);
  clock_gettime(CLOCK_MONOTONIC, &t1);
  stats->seconds =
      (double)(t1.tv_sec - t0.tv_sec) + (double)(t1.tv_nsec - t0.tv_nsec) / 1e9;
  return rc;
}
