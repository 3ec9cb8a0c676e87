/* engine.c - wires capture, IP defragmentation and the session table
 * together (see engine.h). */
#include "engine.h"

#include <malloc.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "capture.h"
#include "filter.h"
#include "ipdefrag.h"
#include "keylog.h"
#include "session.h"
#include "tunnel.h"

typedef struct {
  ms_table *table;
  ms_defrag *defrag;
  ms_filter *filter; /* -f, NULL when none */
  ms_tls_keys *keys; /* TLS secrets: --tls-keylog, pcapng secrets blocks */
  ms_keylog *keylog;
  bool quiet;
  ms_stats *stats;
  ms_ts last_ts;
  ms_session_done_fn done;
  void *done_ctx;
  size_t open_high; /* most sessions open since memory was last returned */
  ms_tunnel_hop hops[MS_MAX_TUNNELS]; /* the tunnels of the packet at hand */
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

/* An inner packet that is itself a fragment is copied here before ipdefrag
 * sees it: it may point into ipdefrag's own output buffer. */
static uint8_t inner_fragment[65536 + 128];

static void add_outer_vlans(ms_frame *inner, const ms_frame *outer) {
  uint16_t own[MS_MAX_VLAN];
  int nown = inner->nvlan;
  memcpy(own, inner->vlan, sizeof own);
  inner->nvlan = 0;
  for (int i = 0; i < outer->nvlan && inner->nvlan < MS_MAX_VLAN; i++)
    inner->vlan[inner->nvlan++] = outer->vlan[i];
  for (int i = 0; i < nown && inner->nvlan < MS_MAX_VLAN; i++)
    inner->vlan[inner->nvlan++] = own[i];
}

/* One IP packet, at tunnel depth `depth`.  `accepted`: the -f filter has
 * matched an outer packet already (a tunnelled packet passes when its outer
 * or its inner packet matches; a fragment is judged once reassembled). */
static void on_ip(engine *e, const ms_frame *f, ms_ts ts, int depth,
                  bool accepted) {
  const uint8_t *ip = f->l3;
  size_t len = f->l3_len;
  ms_tcp seg;
  ms_ip_status st = ms_decode_ip(f->ip_version, ip, len, &seg);
  if (st == MS_IP_FRAGMENT) {
    e->stats->fragments++;
    if (depth > 0) {
      if (len > sizeof inner_fragment) {
        e->stats->packets_malformed++;
        return;
      }
      memcpy(inner_fragment, ip, len);
      ip = inner_fragment;
    }
    size_t whole_len = 0;
    const uint8_t *whole = ms_defrag_add(e->defrag, ip, len, ts, &whole_len);
    e->stats->fragments_dropped = ms_defrag_dropped(e->defrag);
    if (!whole)
      return;
    ip = whole;
    len = whole_len;
    st = ms_decode_ip(f->ip_version, ip, len, &seg);
  }
  if (!accepted)
    accepted = ms_filter_accepts(e->filter, ip, len);
  if (st == MS_IP_OTHER && depth < MS_MAX_TUNNELS) {
    ms_frame inner;
    ms_l3_status inner_st =
        ms_decap(f->ip_version, ip, len, &inner, &e->hops[depth]);
    if (inner_st == MS_L3_OK) {
      e->stats->packets_tunnelled += depth == 0;
      add_outer_vlans(&inner, f);
      on_ip(e, &inner, ts, depth + 1, accepted);
      return;
    }
    if (inner_st == MS_L3_TRUNCATED)
      st = MS_IP_MALFORMED;
  }
  if (!accepted) {
    e->stats->packets_ignored++;
    return;
  }
  if (st == MS_IP_MALFORMED) {
    e->stats->packets_malformed++;
    return;
  }
  if (st != MS_IP_TCP) {
    e->stats->packets_ignored++;
    return;
  }
  seg.tunnel = depth ? e->hops : NULL;
  seg.ntunnel = depth;
  ms_table_packet(e->table, &seg, f->vlan, f->nvlan, ts);
}

static void on_packet(void *ctx, const ms_frame *f, ms_ts ts) {
  engine *e = ctx;
  if (ts > e->last_ts)
    e->last_ts = ts;
  on_ip(e, f, ts, 0, false);
}

static void on_idle(void *ctx, ms_ts now) {
  engine *e = ctx;
  ms_table_expire(e->table, now);
}

static void on_secrets(void *ctx, const char *file, uint32_t type,
                       const uint8_t *data, size_t len) {
  engine *e = ctx;
  if (data)
    ms_keylog_add_dsb(e->keys, type, data, len);
  else if (!e->quiet)
    fprintf(stderr,
            "mailscope: %s: a decryption secrets block is malformed "
            "(skipped)\n",
            file);
}

void engine_request_stop(void) { capture_request_stop(); }

bool engine_stop_requested(void) { return capture_stop_requested(); }

int engine_run(const ms_options *opt, ms_session_done_fn done, void *ctx,
               ms_stats *stats) {
  struct timespec t0, t1;
  clock_gettime(CLOCK_MONOTONIC, &t0);
  engine e = {
      .stats = stats, .done = done, .done_ctx = ctx, .quiet = opt->quiet};
  if (opt->bpf && !(e.filter = ms_filter_compile(opt->bpf)))
    return 1;
  /* Key logs are read here, in every worker process, before the capture
   * opens (and privileges drop). */
  e.keys = ms_tls_keys_new();
  if (opt->tls_keylogs.len &&
      !(e.keylog = ms_keylog_open(&opt->tls_keylogs, e.keys, opt->quiet))) {
    ms_tls_keys_free(e.keys);
    ms_filter_free(e.filter);
    return 2;
  }
  e.defrag = ms_defrag_new();
  e.table = ms_table_new(opt, on_done, &e, stats);
  ms_table_set_keys(e.table, e.keys);
  static const capture_callbacks cb = {on_packet, on_idle, on_secrets};
  int rc = capture_run(opt, &cb, &e, stats);
  ms_table_flush(e.table, MS_END_EOF, e.last_ts);
  ms_table_free(e.table);
  ms_defrag_free(e.defrag);
  ms_filter_free(e.filter);
  ms_keylog_close(e.keylog);
  ms_tls_keys_free(e.keys);
  clock_gettime(CLOCK_MONOTONIC, &t1);
  stats->seconds =
      (double)(t1.tv_sec - t0.tv_sec) + (double)(t1.tv_nsec - t0.tv_nsec) / 1e9;
  return rc;
}
