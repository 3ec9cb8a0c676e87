/* engine.c - wires capture, IP defragmentation and the session table
 * together (see engine.h). */
#include "engine.h"

#include <time.h>

#include "capture.h"
#include "ipdefrag.h"
#include "session.h"

typedef struct {
  ms_table *table;
  ms_defrag *defrag;
  ms_stats *stats;
  ms_ts last_ts;
} engine;

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
    st = ms_decode_ip(4, whole, len, &seg);
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

int engine_run(const ms_options *opt, ms_session_done_fn done, void *ctx,
               ms_stats *stats) {
  struct timespec t0, t1;
  clock_gettime(CLOCK_MONOTONIC, &t0);
  engine e = {ms_table_new(opt, done, ctx, stats), ms_defrag_new(), stats, 0};
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
