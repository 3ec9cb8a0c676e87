/* engine.c - wires capture, IP defragmentation and the session table
 * together (see engine.h). */
#include "engine.h"

#include <malloc.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "budget.h"
#include "capture.h"
#include "dnsobs.h"
#include "filter.h"
#include "ipdefrag.h"
#include "keylog.h"
#include "routing.h"
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
  ms_budget *budget;
  uint64_t frag_memory_drops; /* as last added to the stats */
  ms_ts last_ts;
  ms_session_done_fn done;
  void *done_ctx;
  size_t open_high; /* most sessions open since memory was last returned */
  ms_tunnel_hop hops[MS_MAX_TUNNELS]; /* the tunnels of the packet at hand */
  ms_dnsobs *dns;                     /* DNS answers for the sessions' routes */
  bool dns_shared;  /* live --workers: DNS comes from the shared capture */
  bool in_shared;   /* the packet at hand is from it */
  ms_stats scratch; /* its counters, which are not the stats' */
} engine;

/* Every finished session passes here.  When the open sessions fell to half
 * of their high-water mark (and that mark was large), the memory the closed
 * ones used is handed back to the system: glibc keeps freed pages
 * otherwise, and a burst of 100,000 sessions would hold ~200 MiB forever. */
static void on_done(void *ctx, ms_session *rec) {
  engine *e = ctx;
  ms_route_decide(ms_dnsobs_cache(e->dns), rec);
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

/* Fragments overlapped: name it in the connection they belong to (when
 * it can be told: a datagram dropped for it hands back its start). */
static void fragment_overlap(engine *e, int version, const uint8_t *ip,
                             size_t len, ms_frag_note note, ms_ts ts) {
  ms_tcp seg;
  if (ms_decode_ip(version, ip, len, &seg) != MS_IP_TCP)
    return;
  ms_table_anomaly(
      e->table, &seg, "ip_fragment_overlap", ts,
      note == MS_FRAG_DUPLICATE_DIFFERS
          ? "a duplicate IP fragment carried other bytes: the first copy was "
            "kept, as Linux keeps it"
          : "IP fragments overlapped in part: the datagram was dropped, as "
            "Linux drops it (RFC 5722); its bytes count only if sent again");
}

/* Fragments given up to stay under --max-memory count as that limit. */
static void count_fragment_drops(engine *e) {
  e->stats->fragments_dropped = ms_defrag_dropped(e->defrag);
  uint64_t mem = ms_defrag_dropped_for_memory(e->defrag);
  e->stats->limits[MS_LIMIT_MEMORY] += mem - e->frag_memory_drops;
  e->frag_memory_drops = mem;
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
  ms_frag_note note = MS_FRAG_CLEAN;
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
    note = ms_defrag_note(e->defrag);
    count_fragment_drops(e);
    if (note == MS_FRAG_OVERLAP_DROPPED && whole)
      fragment_overlap(e, f->ip_version, whole, whole_len, note, ts);
    if (!whole || note == MS_FRAG_OVERLAP_DROPPED)
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
    e->stats->packets_ignored++; /* DNS too: it makes no session */
    if (e->in_shared || !e->dns_shared)
      ms_dnsobs_udp(e->dns, f->ip_version, ip, len, ts);
    return;
  }
  if (e->in_shared || !e->dns_shared)
    ms_dnsobs_tcp(e->dns, &seg, ts);
  /* live --workers: DNS over TCP is the shared capture's, the rest the
   * fanout's */
  bool dns_tcp = seg.sport == MS_DNS_PORT || seg.dport == MS_DNS_PORT;
  if (e->dns_shared && dns_tcp != e->in_shared)
    return;
  seg.tunnel = depth ? e->hops : NULL;
  seg.ntunnel = depth;
  ms_table_packet(e->table, &seg, f->vlan, f->nvlan, ts);
  if (note == MS_FRAG_DUPLICATE_DIFFERS)
    fragment_overlap(e, f->ip_version, ip, len, note, ts);
}

static ms_tick_fn tick_fn;
static void *tick_ctx;
static time_t last_tick;

void engine_set_tick(ms_tick_fn fn, void *ctx) {
  tick_fn = fn;
  tick_ctx = ctx;
}

/* The tick, when the wall clock has moved to another second (a coarse
 * clock: a few nanoseconds per packet). */
static void maybe_tick(engine *e) {
  struct timespec now;
  clock_gettime(CLOCK_REALTIME_COARSE, &now);
  if (now.tv_sec == last_tick)
    return;
  last_tick = now.tv_sec;
  tick_fn(tick_ctx, now.tv_sec, e->stats, ms_table_open_count(e->table));
}

static void on_packet(void *ctx, const ms_frame *f, ms_ts ts) {
  engine *e = ctx;
  if (ts > e->last_ts)
    e->last_ts = ts;
  on_ip(e, f, ts, 0, false);
  if (tick_fn)
    maybe_tick(e);
}

/* Live --workers: a packet of the shared capture (capture.h). */
static void on_shared(void *ctx, const ms_frame *f, ms_ts ts) {
  engine *e = ctx;
  ms_stats *real = e->stats;
  e->stats = &e->scratch;
  e->in_shared = true;
  on_ip(e, f, ts, 0, false);
  e->in_shared = false;
  e->stats = real;
}

static void on_idle(void *ctx, ms_ts now) {
  engine *e = ctx;
  ms_table_expire(e->table, now);
  if (tick_fn)
    maybe_tick(e);
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
  /* --max-memory holds for all processes together: each worker its share */
  static ms_budget budget;
  ms_budget_init(&budget, opt->workers > 1
                              ? opt->max_memory / (uint64_t)opt->workers
                              : opt->max_memory);
  static engine e; /* large (scratch stats): not on the stack */
  memset(&e, 0, sizeof e);
  e.stats = stats;
  e.budget = &budget;
  e.done = done;
  e.done_ctx = ctx;
  e.quiet = opt->quiet;
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
  ms_defrag_set_budget(e.defrag, &budget);
  e.dns = ms_dnsobs_new(opt, stats);
  e.table = ms_table_new(opt, on_done, &e, stats);
  ms_table_set_keys(e.table, e.keys);
  ms_table_set_budget(e.table, &budget);
  ms_table_set_dns(e.table, e.dns);
  e.dns_shared = opt->iface && opt->fanout_group;
  const capture_callbacks cb = {on_packet, on_idle,
                                e.dns_shared ? on_shared : NULL, on_secrets};
  int rc = capture_run(opt, &cb, &e, stats, &budget);
  ms_table_flush(e.table, MS_END_EOF, e.last_ts);
  ms_table_free(e.table);
  ms_dnsobs_free(e.dns);
  ms_defrag_free(e.defrag);
  ms_filter_free(e.filter);
  ms_keylog_close(e.keylog);
  ms_tls_keys_free(e.keys);
  clock_gettime(CLOCK_MONOTONIC, &t1);
  stats->seconds =
      (double)(t1.tv_sec - t0.tv_sec) + (double)(t1.tv_nsec - t0.tv_nsec) / 1e9;
  return rc;
}
