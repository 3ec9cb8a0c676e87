/* session.c - the session table and the dissector glue (see session.h). */
#include "session.h"

#include <arpa/inet.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "budget.h"
#include "detect.h"
#include "dissector.h"
#include "dns.h"
#include "dnsobs.h"
#include "flowhash.h"
#include "reassembly.h"
#include "session_int.h"
#include "session_tls.h"
#include "siphash.h"
#include "starttls_memory.h"
#include "tls_layer.h"
#include "vec.h"

/* ---- table -------------------------------------------------------------- */

ms_table *ms_table_new(const ms_options *opt, ms_session_done_fn done,
                       void *ctx, ms_stats *stats) {
  ms_table *t = xcalloc(1, sizeof *t);
  t->opt = opt;
  t->done = done;
  t->ctx = ctx;
  t->stats = stats;
  t->nbuckets = 1024;
  t->buckets = xcalloc(t->nbuckets, sizeof(conn *));
  t->dcfg = opt->dissect;
  ms_siphash_init(); /* the bucket key, drawn before any sandbox */
  t->starttls = ms_starttls_memory_new();
  return t;
}

size_t ms_table_open_count(const ms_table *t) { return t->count; }

void ms_table_set_keys(ms_table *t, ms_tls_keys *keys) { t->keys = keys; }

void ms_table_set_dns(ms_table *t, ms_dnsobs *dns) { t->dns = dns; }

/* DNS over TCP: every worker follows it (each holds every answer). */
static bool dns_flow(const ms_table *t, const ms_tcp *s) {
  return t->dns && (s->sport == MS_DNS_PORT || s->dport == MS_DNS_PORT);
}

/* A packet no connection takes; one that every worker sees (DNS over
 * TCP) is counted by the first only, as the workers' counts are added. */
static void count_ignored(ms_table *t, const ms_tcp *s) {
  if (!dns_flow(t, s) || t->opt->worker_count <= 1 || t->opt->worker_index == 0)
    t->stats->packets_ignored_flows++;
}

void ms_table_set_budget(ms_table *t, ms_budget *b) {
  t->budget = b;
  t->dcfg.budget = b;
}

static bool same_flow(const conn *c, const ms_tcp *s, ms_dir *dir) {
  if (c->ip_version != s->ip_version)
    return false;
  if (c->port[0] == s->sport && c->port[1] == s->dport &&
      !memcmp(c->addr[0], s->src, 16) && !memcmp(c->addr[1], s->dst, 16)) {
    *dir = MS_CLIENT;
    return true;
  }
  if (c->port[1] == s->sport && c->port[0] == s->dport &&
      !memcmp(c->addr[1], s->src, 16) && !memcmp(c->addr[0], s->dst, 16)) {
    *dir = MS_SERVER;
    return true;
  }
  return false;
}

static conn *lookup(ms_table *t, const ms_tcp *s, uint64_t h, ms_dir *dir) {
  for (conn *c = t->buckets[h & (t->nbuckets - 1)]; c; c = c->hash_next)
    if (c->hash == h && same_flow(c, s, dir))
      return c;
  return NULL;
}

static void grow(ms_table *t) {
  size_t n = t->nbuckets * 2;
  conn **b = xcalloc(n, sizeof(conn *));
  for (size_t i = 0; i < t->nbuckets; i++) {
    conn *c = t->buckets[i];
    while (c) {
      conn *next = c->hash_next;
      c->hash_next = b[c->hash & (n - 1)];
      b[c->hash & (n - 1)] = c;
      c = next;
    }
  }
  free(t->buckets);
  t->buckets = b;
  t->nbuckets = n;
}

static void lru_unlink(ms_table *t, conn *c) {
  int l = c->lru_list;
  if (c->lru_prev)
    c->lru_prev->lru_next = c->lru_next;
  else
    t->lru[l].head = c->lru_next;
  if (c->lru_next)
    c->lru_next->lru_prev = c->lru_prev;
  else
    t->lru[l].tail = c->lru_prev;
  c->lru_prev = c->lru_next = NULL;
}

static int lru_list_of(const conn *c) {
  if (c->closed)
    return LRU_CLOSED;
  if (c->state == CONN_IGNORED || c->state == CONN_DNS)
    return LRU_NOT_MAIL;
  return c->saw_payload ? LRU_MAIL : LRU_NO_PAYLOAD;
}

/* Append c as the most recently active of its list. */
static void lru_append(ms_table *t, conn *c) {
  int l = c->lru_list = lru_list_of(c);
  c->lru_prev = t->lru[l].tail;
  c->lru_next = NULL;
  if (t->lru[l].tail)
    t->lru[l].tail->lru_next = c;
  else
    t->lru[l].head = c;
  t->lru[l].tail = c;
}

static void unlink_conn(ms_table *t, conn *c) {
  conn **at = &t->buckets[c->hash & (t->nbuckets - 1)];
  while (*at && *at != c)
    at = &(*at)->hash_next;
  if (*at)
    *at = c->hash_next;
  lru_unlink(t, c);
  t->count--;
}

/* ---- which side is the client, which protocol --------------------------- */

static void fill_endpoint(ms_endpoint *e, int version, const uint8_t *addr,
                          uint16_t port) {
  inet_ntop(version == 4 ? AF_INET : AF_INET6, addr, e->ip, sizeof e->ip);
  e->port = port;
}

static void set_endpoints(conn *c) {
  fill_endpoint(&c->rec->client, c->ip_version, c->addr[MS_CLIENT],
                c->port[MS_CLIENT]);
  fill_endpoint(&c->rec->server, c->ip_version, c->addr[MS_SERVER],
                c->port[MS_SERVER]);
}

/* The first packet seen decides who is who: a SYN comes from the client, a
 * SYN-ACK from the server; otherwise the side on a mail port is the server,
 * and failing that the lower port. */
static bool sender_is_server(const ms_options *o, const ms_tcp *s) {
  if ((s->flags & MS_TH_SYN) && !(s->flags & MS_TH_ACK))
    return false;
  if ((s->flags & MS_TH_SYN) && (s->flags & MS_TH_ACK))
    return true;
  bool src_mail = o->port_proto[s->sport] != MS_PROTO_NONE;
  bool dst_mail = o->port_proto[s->dport] != MS_PROTO_NONE;
  if (src_mail != dst_mail)
    return src_mail;
  return s->sport < s->dport;
}

/* The dissector's state is made when the first byte (or gap) reaches it
 * (dissector_state): a connection that never carries one, like the
 * half-open ones of a SYN flood, costs only its entry. */
static void start_dissector(conn *c, ms_proto proto) {
  c->rec->proto = proto;
  c->dissector = ms_dissector_for(proto);
  c->state = CONN_ACTIVE;
}

void *dissector_state(ms_table *t, conn *c) {
  if (!c->dstate)
    c->dstate = c->dissector->create(c->rec, &t->dcfg);
  return c->dstate;
}

static bool was_dropped(const ms_table *t, uint64_t h) {
  return t->dropped_flows[h % DROPPED_MEMORY] == h + 1;
}

/* Said once on stderr, when the table is first full. */
static void warn_full(ms_table *t) {
  if (!t->warned_full && !t->opt->quiet)
    fprintf(stderr,
            "mailscope: session table full (--max-sessions %llu): "
            "connections that never carried a byte make room, else new "
            "sessions are dropped; both are counted in the stats\n",
            (unsigned long long)t->opt->max_sessions);
  t->warned_full = true;
}

/* Sessions are reported in a fixed order that every worker can compute:
 * by the packet that ended them, then by phase (idle timeouts noticed at
 * that packet, the packet's own connection, end of input), then by the
 * packet that created them.  --workers merges on this key. */
enum { PHASE_TIMEOUT = 0, PHASE_PACKET = 1, PHASE_EVICT = 2, PHASE_EOF = 3 };

static void end_conn(ms_table *t, conn *c, ms_end how, ms_ts ts, int phase);

/* A tunnel of the first packet; `from_server`: it was the server's, so the
 * outer source is the server's side. */
static void add_tunnel(ms_session *r, const ms_tunnel_hop *hop,
                       bool from_server) {
  ms_tunnel *t = vec_push(&r->tunnels);
  memset(t, 0, sizeof *t);
  t->type = hop->type;
  ms_endpoint *src = from_server ? &t->server : &t->client;
  ms_endpoint *dst = from_server ? &t->client : &t->server;
  fill_endpoint(src, hop->ip_version, hop->src, hop->sport);
  fill_endpoint(dst, hop->ip_version, hop->dst, hop->dport);
  t->has_id = hop->has_id;
  t->id = hop->id;
}

/* Addresses and ports of the connection of segment s (the first one seen),
 * and its new record. */
static void conn_init(ms_table *t, conn *c, const ms_tcp *s, uint64_t h,
                      const uint16_t *vlan, int nvlan, ms_ts ts, ms_dir *dir) {
  *dir = sender_is_server(t->opt, s) ? MS_SERVER : MS_CLIENT;
  c->hash = h;
  c->ip_version = s->ip_version;
  memcpy(c->addr[*dir], s->src, 16);
  memcpy(c->addr[!*dir], s->dst, 16);
  c->port[*dir] = s->sport;
  c->port[!*dir] = s->dport;
  c->first_packet = t->packet_index;
  c->rec = ms_session_new();
  ms_session *r = c->rec;
  ms_make_uid(r->uid, ts, s);
  r->ts = r->end_ts = ts;
  r->ip_version = s->ip_version;
  for (int i = 0; i < nvlan; i++)
    *vec_push(&r->vlan) = vlan[i];
  for (int i = 0; i < s->ntunnel; i++)
    add_tunnel(r, &s->tunnel[i], *dir == MS_SERVER);
  r->midstream = !(s->flags & MS_TH_SYN);
  r->record_budget = t->opt->max_record_bytes;
  set_endpoints(c);
}

/* A new connection cannot be tracked: count it once (a dropped flow is
 * remembered, approximately, so its later packets are not counted again),
 * warn once, and, when its port says it is mail, report it at once: one
 * record, end "limit", anomaly session_limit, nothing decoded. */
static void table_full(ms_table *t, const ms_tcp *s, uint64_t h,
                       const uint16_t *vlan, int nvlan, ms_ts ts) {
  if (was_dropped(t, h))
    return;
  t->dropped_flows[h % DROPPED_MEMORY] = h + 1;
  t->stats->sessions_dropped++;
  warn_full(t);
  conn tmp = {0};
  ms_dir dir;
  conn_init(t, &tmp, s, h, vlan, nvlan, ts, &dir);
  ms_session *r = tmp.rec;
  uint16_t sport = tmp.port[MS_SERVER];
  r->proto = (ms_proto)t->opt->port_proto[sport];
  if (r->proto == MS_PROTO_NONE) {
    ms_session_free(r); /* not known to be mail: counted only */
    return;
  }
  r->tls = t->opt->port_tls[sport] ? MS_TLS_IMPLICIT : MS_TLS_NONE;
  r->end = MS_END_LIMIT;
  r->packets[dir] = 1;
  ms_add_anomaly(r, "session_limit", ts,
                 "not tracked: --max-sessions %llu sessions were open",
                 (unsigned long long)t->opt->max_sessions);
  r->order_end = r->order_start = t->packet_index;
  r->order_phase = PHASE_PACKET;
  if (r->proto == MS_PROTO_SMTP)
    t->stats->sessions_smtp++;
  else
    t->stats->sessions_pop3++;
  t->done(t->ctx, r);
}

static conn *create_conn(ms_table *t, const ms_tcp *s, uint64_t h,
                         const uint16_t *vlan, int nvlan, ms_ts ts,
                         ms_dir *dir) {
  const ms_options *o = t->opt;
  if (t->count >= o->max_sessions && t->lru[LRU_CLOSED].head) /* report it */
    end_conn(t, t->lru[LRU_CLOSED].head, MS_END_NONE, ts, PHASE_PACKET);
  if (t->count >= o->max_sessions && t->lru[LRU_NOT_MAIL].head)
    end_conn(t, t->lru[LRU_NOT_MAIL].head, MS_END_TIMEOUT, ts, PHASE_PACKET);
  /* A connection that never carried a byte has nothing to report yet: it
   * makes room (if it speaks later, it is picked up midstream). */
  if (t->count >= o->max_sessions && t->lru[LRU_NO_PAYLOAD].head) {
    t->stats->sessions_evicted++;
    warn_full(t);
    end_conn(t, t->lru[LRU_NO_PAYLOAD].head, MS_END_LIMIT, ts, PHASE_PACKET);
  }
  if (t->count >= o->max_sessions) {
    table_full(t, s, h, vlan, nvlan, ts);
    return NULL;
  }
  conn *c = xcalloc(1, sizeof *c);
  conn_init(t, c, s, h, vlan, nvlan, ts, dir);
  uint16_t sport = c->port[MS_SERVER];
  ms_proto proto = o->port_proto[sport];
  if (dns_flow(t, s)) {
    c->state = CONN_DNS;
    c->dns = xcalloc(2, sizeof *c->dns);
  } else if (proto != MS_PROTO_NONE) {
    /* 465, 995: TLS from the first byte if the bytes say so (tls_first) */
    start_dissector(c, proto);
  } else {
    c->state = o->no_detect ? CONN_IGNORED : CONN_DETECT;
  }
  c->hash_next = t->buckets[h & (t->nbuckets - 1)];
  t->buckets[h & (t->nbuckets - 1)] = c;
  lru_append(t, c);
  if (++t->count > t->nbuckets)
    grow(t);
  return c;
}

/* ---- protocol detection (dissectors/detect.c reads the bytes) --------- */

static void feed(ms_table *t, conn *c, ms_dir dir, const uint8_t *p, size_t n,
                 ms_ts ts);

static void drop_held(conn *c) {
  if (!c->held)
    return;
  free(c->held->bytes[0]);
  free(c->held->bytes[1]);
  free(c->held);
  c->held = NULL;
}

static void become_ignored(conn *c) {
  c->state = CONN_IGNORED;
  drop_held(c);
}

/* Keep a chunk while the protocol is unknown; false when over the bound. */
static bool hold(conn *c, ms_dir dir, const uint8_t *p, size_t n, ms_ts ts) {
  if (!c->held)
    c->held = xcalloc(1, sizeof *c->held);
  struct held *h = c->held;
  if (h->len[MS_CLIENT] + h->len[MS_SERVER] + n > DETECT_MAX ||
      h->nchunks == DETECT_CHUNKS)
    return false;
  h->bytes[dir] = xrealloc(h->bytes[dir], h->len[dir] + n);
  memcpy(h->bytes[dir] + h->len[dir], p, n);
  h->len[dir] += n;
  h->chunk[h->nchunks].dir = dir;
  h->chunk[h->nchunks].len = (uint32_t)n;
  h->chunk[h->nchunks].ts = ts;
  h->nchunks++;
  return true;
}

/* The protocol is known: hand what was held to the dissector, chunk by
 * chunk in arrival order, each with its own timestamp, leaving out the
 * first skip[dir] bytes of each direction (an HTTP CONNECT prelude). */
static void replay_held(ms_table *t, conn *c, const size_t skip[2]) {
  struct held *h = c->held;
  c->held = NULL;
  size_t used[2] = {0, 0};
  for (int i = 0; i < h->nchunks; i++) {
    ms_dir d = h->chunk[i].dir;
    size_t from = used[d], to = used[d] + h->chunk[i].len;
    if (from < skip[d])
      from = skip[d] < to ? skip[d] : to;
    if (to > from)
      feed(t, c, d, h->bytes[d] + from, to - from, h->chunk[i].ts);
    used[d] = to;
  }
  free(h->bytes[0]);
  free(h->bytes[1]);
  free(h);
}

static char *prelude_field(const ms_prelude_field *f) {
  return f->set ? wire_strdup((const uint8_t *)f->bytes, f->len) : NULL;
}

/* The proxy hop of a prelude (detect.h) in the record, and its anomaly. */
static void record_proxy(ms_table *t, conn *c, const ms_detect_result *d,
                         ms_ts ts) {
  ms_proxy *x = &c->rec->proxy;
  struct held *h = c->held;
  x->type = ms_prelude_name(d->prelude);
  x->host = prelude_field(&d->host);
  x->port = d->port;
  x->username = prelude_field(&d->user);
  if (d->password.set)
    x->password = t->dcfg.show_secrets ? prelude_field(&d->password)
                                       : xstrdup("<redacted>");
  if (d->prelude == MS_PRELUDE_HTTP_CONNECT)
    ms_add_anomaly(
        c->rec, "http_connect_tunnel", ts, "%.*s, answered %.*s",
        ms_detect_first_line_len(h->bytes[MS_CLIENT], h->len[MS_CLIENT]),
        (const char *)h->bytes[MS_CLIENT],
        ms_detect_first_line_len(h->bytes[MS_SERVER], h->len[MS_SERVER]),
        (const char *)h->bytes[MS_SERVER]);
  else
    ms_add_anomaly(c->rec, "socks_tunnel", ts, "%s CONNECT to %s port %u%s%s",
                   x->type, x->host ? x->host : "?", (unsigned)x->port,
                   x->username ? " as " : "", x->username ? x->username : "");
}

static void detect(ms_table *t, conn *c, ms_dir dir, const uint8_t *p, size_t n,
                   ms_ts ts) {
  if (!hold(c, dir, p, n, ts)) {
    become_ignored(c);
    return;
  }
  if (dir != MS_SERVER)
    return;
  struct held *h = c->held;
  const uint8_t *bytes[2] = {h->bytes[0], h->bytes[1]};
  ms_detect_result d;
  ms_detect_verdict v = ms_detect(bytes, h->len, c->rec->midstream, &d);
  if (v == MS_DETECT_MORE)
    return;
  if (v == MS_DETECT_NONE) {
    become_ignored(c);
    return;
  }
  start_dissector(c, d.proto);
  if (d.prelude != MS_PRELUDE_NONE)
    record_proxy(t, c, &d, ts);
  replay_held(t, c, d.skip);
}

/* ---- reassembly callbacks ----------------------------------------------- */

typedef struct {
  ms_table *t;
  conn *c;
} feed_ctx;

static void feed(ms_table *t, conn *c, ms_dir dir, const uint8_t *p, size_t n,
                 ms_ts ts) {
  switch (c->state) {
  case CONN_DETECT:
    detect(t, c, dir, p, n, ts);
    break;
  case CONN_ACTIVE: {
    if (c->dir[dir] == DIR_UNSEEN && tls_first(t, c, dir, p, n, ts)) {
      tls_bytes(c, dir, p, n, ts);
      break;
    }
    if (c->dir[dir] == DIR_TLS) {
      tls_bytes(c, dir, p, n, ts);
      break;
    }
    size_t used = n;
    ms_verdict v =
        c->dissector->on_data(dissector_state(t, c), dir, p, n, ts, &used);
    if (v == MS_STOP) {
      c->state = CONN_COUNTING;
    } else if (v == MS_TLS) {
      if (used > n)
        used = n;
      tls_begins(t, c, dir, ts);
      if (used < n)
        tls_bytes(c, dir, p + used, n - used, ts);
    }
    break;
  }
  case CONN_COUNTING:
    if (c->dir[dir] == DIR_TLS)
      tls_bytes(c, dir, p, n, ts);
    break;
  case CONN_DNS:
    ms_dns_stream_data(&c->dns[dir], p, n, ts, ms_dnsobs_message, t->dns);
    break;
  default:
    break;
  }
}

static void on_deliver(void *ctx, ms_dir dir, const uint8_t *p, size_t n,
                       ms_ts ts) {
  feed_ctx *f = ctx;
  f->c->rec->bytes[dir] += n;
  f->c->had_payload = true;
  feed(f->t, f->c, dir, p, n, ts);
}

static void on_gap(void *ctx, ms_dir dir, uint64_t n, ms_ts ts) {
  feed_ctx *f = ctx;
  conn *c = f->c;
  c->rec->gap_bytes += n;
  f->t->stats->gap_bytes += n;
  if (c->state == CONN_DNS)
    ms_dns_stream_gap(&c->dns[dir]);
  if (c->state == CONN_IGNORED || c->state == CONN_DNS)
    return;
  if (c->state == CONN_DETECT) {
    become_ignored(c); /* cannot tell what a broken greeting was */
    return;
  }
  ms_add_anomaly(c->rec, "tcp_gap", ts, "%llu bytes missing from the %s",
                 (unsigned long long)n, dir == MS_CLIENT ? "client" : "server");
  if (c->dir[dir] == DIR_TLS)
    ms_tls_layer_gap(c->tls, dir, n, ts);
  else if (c->state == CONN_ACTIVE) {
    c->dissector->on_gap(dissector_state(f->t, c), dir, n, ts);
  }
}

static void on_overlap(void *ctx, ms_dir dir, uint32_t seq, bool delivered,
                       ms_ts ts) {
  feed_ctx *f = ctx;
  if (f->c->state == CONN_IGNORED || f->c->state == CONN_DNS)
    return;
  const char *side = dir == MS_CLIENT ? "client" : "server";
  if (delivered)
    ms_add_anomaly(f->c->rec, "tcp_overlap_mismatch", ts,
                   "%s segment at seq %u retransmits bytes already delivered, "
                   "with other content (the first copy is what was read)",
                   side, seq);
  else
    ms_add_anomaly(f->c->rec, "tcp_overlap_mismatch", ts,
                   "%s segment at seq %u overlaps queued bytes that differ "
                   "(the first copy is what was read)",
                   side, seq);
}

static void on_limit(void *ctx, ms_dir dir, size_t queued, ms_ts ts) {
  feed_ctx *f = ctx;
  if (f->c->state == CONN_IGNORED || f->c->state == CONN_DETECT ||
      f->c->state == CONN_DNS)
    return;
  if (!f->c->truncated)
    f->t->stats->sessions_truncated++;
  f->c->truncated = true;
  ms_limit_hit(f->c->rec, MS_LIMIT_SESSION_BYTES, "reassembly_limit", ts,
               "%zu out-of-order %s bytes exceed --max-session-bytes (or "
               "%d segments): the hole before them is skipped",
               queued, dir == MS_CLIENT ? "client" : "server",
               MS_REASM_MAX_SEGMENTS);
}

static const ms_reasm_callbacks reasm_callbacks = {on_deliver, on_gap,
                                                   on_overlap, on_limit};

/* Delivered bytes are kept to compare retransmissions with while the
 * bytes are read (not for a TLS session's, nor a connection not mail). */
static ms_reasm_env env_for(ms_table *t, feed_ctx *f) {
  conn_state st = f->c->state;
  ms_reasm_env e = {&reasm_callbacks, f, t->opt->max_session_bytes,
                    st == CONN_DETECT || st == CONN_ACTIVE};
  return e;
}

/* ---- ending a connection ------------------------------------------------ */

static void end_dns(ms_table *t, conn *c) {
  if (!c->dns)
    return;
  for (int d = 0; d < 2; d++) {
    ms_dnsobs_stream_anomalies(t->dns, c->dns[d].anomalies);
    ms_dns_stream_free(&c->dns[d]);
  }
  free(c->dns);
  c->dns = NULL;
}

/* The conversation is over: decode what is left, close the dissector. */
static void finish_conn(ms_table *t, conn *c, ms_end how, ms_ts ts) {
  feed_ctx f = {t, c};
  ms_reasm_env env = env_for(t, &f);
  ms_half_flush(&c->half[MS_CLIENT], MS_CLIENT, ts, &env);
  ms_half_flush(&c->half[MS_SERVER], MS_SERVER, ts, &env);
  c->rec->end = how;
  if (c->tls)
    ms_tls_layer_settle(c->tls, ts);
  if (c->dissector && c->dstate) {
    c->dissector->on_close(c->dstate, ts);
    c->dissector->destroy(c->dstate);
    c->dstate = NULL;
  }
  ms_tls_layer_close(c->tls, ts);
  c->tls = NULL;
  ms_record_finish(c->rec, ts);
  for (int i = 0; i < MS_LIMIT_COUNT; i++)
    t->stats->limits[i] += c->rec->limits[i];
  ms_half_free(&c->half[0]);
  ms_half_free(&c->half[1]);
  drop_held(c);
  end_dns(t, c);
}

/* Both FINs, or an RST: finished now, reported after LINGER_USEC without
 * a packet (or at a new SYN on the same addresses and ports). */
static void close_conn(ms_table *t, conn *c, ms_end how, ms_ts ts) {
  finish_conn(t, c, how, ts);
  c->closed = true;
  lru_unlink(t, c);
  lru_append(t, c);
}

/* Report the connection (a closed one keeps the end it had) and forget it.
 * Packets of connections that are not reported went to no session. */
static void end_conn(ms_table *t, conn *c, ms_end how, ms_ts ts, int phase) {
  if (!c->closed)
    finish_conn(t, c, how, ts);
  ms_session *r = c->rec;
  r->order_end = phase == PHASE_EOF ? UINT64_MAX : t->packet_index;
  r->order_phase = (uint32_t)phase;
  r->order_start = c->first_packet;
  unlink_conn(t, c);
  ms_budget_release(t->budget, MS_MEM_SESSIONS, c->charged);
  ms_budget_release(t->budget, MS_MEM_REASSEMBLY, c->charged_reasm);
  bool report = c->had_payload && c->state != CONN_IGNORED &&
                c->state != CONN_DETECT && r->proto != MS_PROTO_NONE;
  if (!report)
    t->stats->packets_ignored_flows += r->packets[0] + r->packets[1];
  free(c);
  if (report && r->proto == MS_PROTO_SMTP) /* the sessions reported */
    t->stats->sessions_smtp++;
  else if (report)
    t->stats->sessions_pop3++;
  if (report) {
    ms_starttls_memory_session(t->starttls, r);
    t->done(t->ctx, r);
  } else {
    ms_session_free(r);
  }
}

void ms_table_anomaly(ms_table *t, const ms_tcp *s, const char *name, ms_ts ts,
                      const char *detail) {
  ms_dir dir;
  conn *c = lookup(t, s, ms_flow_hash(s), &dir);
  if (c && c->state != CONN_IGNORED)
    ms_add_anomaly(c->rec, name, ts, "%s", detail);
}

static int by_first_packet(const void *a, const void *b) {
  const conn *x = *(conn *const *)a, *y = *(conn *const *)b;
  return x->first_packet < y->first_packet ? -1
                                           : x->first_packet > y->first_packet;
}

/* End every connection of the list, in creation order. */
static void end_sorted(ms_table *t, conn **all, size_t n, ms_end how, ms_ts now,
                       int phase) {
  qsort(all, n, sizeof(conn *), by_first_packet);
  for (size_t i = 0; i < n; i++)
    end_conn(t, all[i], how,
             how == MS_END_EOF || how == MS_END_TIMEOUT ? all[i]->last_ts : now,
             phase);
}

void ms_table_expire(ms_table *t, ms_ts now) {
  if (now > t->clock)
    t->clock = now;
  now = t->clock;
  int64_t idle = (int64_t)t->opt->idle_timeout * 1000000, limit[LRU_LISTS];
  for (int l = 0; l < LRU_LISTS; l++)
    limit[l] = l == LRU_CLOSED && LINGER_USEC < idle ? LINGER_USEC : idle;
  size_t n = 0;
  for (int l = 0; l < LRU_LISTS; l++)
    for (conn *c = t->lru[l].head; c && now - c->seen > limit[l];
         c = c->lru_next)
      n++;
  if (!n)
    return;
  conn **all = xmalloc(n * sizeof(conn *));
  n = 0;
  for (int l = 0; l < LRU_LISTS; l++)
    for (conn *c = t->lru[l].head; c && now - c->seen > limit[l];
         c = c->lru_next)
      all[n++] = c;
  /* each ends at the time of its own last packet */
  end_sorted(t, all, n, MS_END_TIMEOUT, 0, PHASE_TIMEOUT);
  free(all);
}

void ms_table_flush(ms_table *t, ms_end how, ms_ts now) {
  if (!t->count)
    return;
  conn **all = xmalloc(t->count * sizeof(conn *));
  size_t n = 0;
  for (int l = 0; l < LRU_LISTS; l++)
    for (conn *c = t->lru[l].head; c; c = c->lru_next)
      all[n++] = c;
  end_sorted(t, all, n, how, now, PHASE_EOF);
  free(all);
}

void ms_table_free(ms_table *t) {
  if (!t)
    return;
  ms_table_flush(t, MS_END_EOF, 0);
  ms_starttls_memory_free(t->starttls);
  free(t->buckets);
  free(t);
}

/* ---- memory (docs/design.md, "Memory") ---------------------------------- */

/* What a connection costs: its entry and record, the bytes held during
 * detection, and what its dissector and record count on the record
 * (budget.h): the dissector its state and buffers as they are (the
 * exchange core's ex_charge), the record the size of what it keeps. */
static size_t conn_cost(const ms_table *t, const conn *c) {
  (void)t;
  size_t n = sizeof *c + sizeof *c->rec;
  if (c->held)
    n += sizeof *c->held + c->held->len[0] + c->held->len[1];
  return n + c->rec->mem_held + c->rec->record_bytes;
}

static void recharge(ms_table *t, conn *c, ms_ts ts) {
  ms_session *r = c->rec;
  if (r->replies_counted < r->commands.len ||
      r->tx_replies_counted < r->transactions.len)
    ms_record_account(r, ts);
  size_t now = conn_cost(t, c), reasm = c->half[0].mem + c->half[1].mem;
  if (now != c->charged)
    ms_budget_recharge(t->budget, MS_MEM_SESSIONS, c->charged, now);
  if (reasm != c->charged_reasm)
    ms_budget_recharge(t->budget, MS_MEM_REASSEMBLY, c->charged_reasm, reasm);
  c->charged = now;
  c->charged_reasm = reasm;
}

static bool above(const ms_table *t, uint64_t target) {
  return t->budget->used > target;
}

/* Entries that are not reported (not mail, never a byte), least recently
 * active first, while above the target. */
static void end_unreported(ms_table *t, int list, uint64_t target, ms_ts ts) {
  while (above(t, target) && t->lru[list].head) {
    t->stats->limits[MS_LIMIT_MEMORY]++;
    end_conn(t, t->lru[list].head, MS_END_LIMIT, ts, PHASE_EVICT);
  }
}

typedef struct {
  conn *c;
  size_t cost;
} weighed;

static int heaviest_first(const void *a, const void *b) {
  const weighed *x = a, *y = b;
  if (x->cost != y->cost)
    return x->cost > y->cost ? -1 : 1;
  return x->c->first_packet < y->c->first_packet ? -1 : 1;
}

/* Sessions, those holding the most first, until the ones chosen free
 * enough to go under the target; each says why it ended. */
static void end_heaviest(ms_table *t, uint64_t target, ms_ts ts) {
  size_t n = 0;
  for (conn *c = t->lru[LRU_MAIL].head; c; c = c->lru_next)
    n++;
  if (!n)
    return;
  weighed *w = xmalloc(n * sizeof *w);
  n = 0;
  for (conn *c = t->lru[LRU_MAIL].head; c; c = c->lru_next)
    w[n++] = (weighed){c, c->charged + c->charged_reasm};
  qsort(w, n, sizeof *w, heaviest_first);
  conn **victims = xmalloc(n * sizeof *victims);
  size_t nv = 0;
  uint64_t used = t->budget->used;
  for (size_t i = 0; i < n && used > target; i++) {
    used -= w[i].cost < used ? w[i].cost : used;
    victims[nv++] = w[i].c;
    ms_limit_hit(w[i].c->rec, MS_LIMIT_MEMORY, "memory_limit", ts,
                 "ended early: --max-memory was reached with %zu sessions "
                 "open, and this one held the most (%zu KiB)",
                 n, w[i].cost >> 10);
  }
  end_sorted(t, victims, nv, MS_END_LIMIT, ts, PHASE_EVICT);
  free(victims);
  free(w);
}

/* Above the bound: end connections until the budget is down to 7/8 of it
 * (so that the next episode is far): those that are not mail, then those
 * that never carried a byte (least recently active first: each holds
 * little), then the sessions that hold the most (an attacker's, as a
 * rule), reported with what was decoded, end "limit", memory_limit. */
static void reclaim(ms_table *t, ms_ts ts) {
  uint64_t target = t->budget->limit - t->budget->limit / 8;
  while (above(t, target) && t->lru[LRU_CLOSED].head) /* over: reported now */
    end_conn(t, t->lru[LRU_CLOSED].head, MS_END_NONE, ts, PHASE_EVICT);
  end_unreported(t, LRU_NOT_MAIL, target, ts);
  end_unreported(t, LRU_NO_PAYLOAD, target, ts);
  if (above(t, target))
    end_heaviest(t, target, ts);
}

/* ---- the packet path ---------------------------------------------------- */

/* Not mail: no reassembly, only enough to know when the connection ends.
 * Returns false when it ended. */
static bool ignored_packet(ms_table *t, conn *c, const ms_tcp *s, ms_dir dir,
                           ms_ts ts) {
  ms_half_free(&c->half[0]);
  ms_half_free(&c->half[1]);
  if (s->flags & MS_TH_FIN)
    c->fin[dir] = true;
  if (s->flags & MS_TH_RST)
    end_conn(t, c, MS_END_RST, ts, PHASE_PACKET);
  else if (c->fin[0] && c->fin[1])
    end_conn(t, c, MS_END_FIN, ts, PHASE_PACKET);
  else
    return true;
  return false;
}

/* The shift of side d's windows: its own option when both SYNs carried one
 * (RFC 7323), none after a handshake without, else unknown: the largest. */
static unsigned window_shift(const conn *c, ms_dir d) {
  if (c->wscale[0] && c->wscale[1])
    return c->wscale[d] - 1u;
  if (c->half[MS_CLIENT].syn_seen && c->half[MS_SERVER].syn_seen)
    return 0;
  return 14;
}

static void note_window(conn *c, const ms_tcp *s, ms_dir dir) {
  if (s->flags & MS_TH_SYN) {
    c->wscale[dir] = s->wscale;
    if (s->window > c->max_window[dir]) /* a SYN's is never scaled */
      c->max_window[dir] = s->window;
    return;
  }
  uint32_t w = (uint32_t)s->window << window_shift(c, dir);
  if (w > c->max_window[dir])
    c->max_window[dir] = w;
}

/* Is the packet's RST or FIN one a Linux receiver takes?  One it would
 * drop is named and the whole segment ignored, as the receiver does. */
static bool control_acceptable(conn *c, const ms_tcp *s, ms_dir dir, ms_ts ts) {
  const ms_half *h = &c->half[dir];
  const char *side = dir == MS_CLIENT ? "client" : "server";
  if (s->flags & MS_TH_RST) {
    if (ms_half_rst_acceptable(h, s->seq))
      return true;
    ms_add_anomaly(c->rec, "tcp_rst_out_of_window", ts,
                   "%s RST at seq %u where %u was next: ignored, as a Linux "
                   "receiver does (RFC 5961)",
                   side, s->seq, h->next);
    return false;
  }
  if (!(s->flags & MS_TH_FIN))
    return true;
  uint32_t seq = s->seq + ((s->flags & MS_TH_SYN) ? 1 : 0);
  /* the receiver's window: unknown before it sent anything, else at
   * least an unscaled one (a zero window does not close it to FINs) */
  uint64_t window = c->max_window[!dir] < 65535 ? 65535 : c->max_window[!dir];
  if (!c->rec->packets[!dir])
    window = UINT64_MAX;
  if (ms_half_fin_acceptable(h, seq, s->len, window))
    return true;
  ms_add_anomaly(c->rec, "tcp_fin_out_of_window", ts,
                 "%s FIN at seq %u, outside the receiver's window from %u: "
                 "ignored with its segment, as a Linux receiver does",
                 side, (uint32_t)(seq + s->len), h->next);
  return false;
}

/* The connection of s, found or made; NULL when it is not tracked. */
static conn *conn_of(ms_table *t, const ms_tcp *s, const uint16_t *vlan,
                     int nvlan, ms_ts ts, ms_dir *dir) {
  uint64_t h = ms_flow_hash(s);
  conn *c = lookup(t, s, h, dir);
  if (c && c->closed && (s->flags & MS_TH_SYN) && !(s->flags & MS_TH_ACK)) {
    end_conn(t, c, MS_END_NONE, ts, PHASE_PACKET); /* the tuple is reused */
    c = NULL;
  }
  if (c)
    return c;
  /* A stray ACK, FIN or RST after the end creates nothing. */
  if (s->len == 0 && !(s->flags & MS_TH_SYN))
    return NULL;
  /* With --no-detect, a connection on no mail port is not tracked; nor
   * is the rest of a connection dropped for the table limit (until a new
   * SYN on the same addresses and ports). */
  if ((t->opt->no_detect && !t->opt->port_proto[s->sport] &&
       !t->opt->port_proto[s->dport] && !dns_flow(t, s)) ||
      (!(s->flags & MS_TH_SYN) && was_dropped(t, h)))
    return NULL;
  c = create_conn(t, s, h, vlan, nvlan, ts, dir);
  if (c && was_dropped(t, h)) /* a new connection on a dropped flow's tuple */
    t->dropped_flows[h % DROPPED_MEMORY] = 0;
  return c;
}

/* One packet of a tracked connection: returns the connection, or NULL
 * when the packet ended it. */
static conn *packet(ms_table *t, conn *c, const ms_tcp *s, ms_dir dir,
                    ms_ts ts) {
  c->last_ts = ts;
  c->seen = t->clock;
  if (s->len > 0)
    c->saw_payload = true;
  lru_unlink(t, c);
  lru_append(t, c);
  ms_session *r = c->rec;
  r->end_ts = ts;
  r->packets[dir]++;
  if (c->closed) /* over: only counted */
    return c;
  if (c->state == CONN_IGNORED)
    return ignored_packet(t, c, s, dir, ts) ? c : NULL;
  if (!control_acceptable(c, s, dir, ts))
    return c;
  note_window(c, s, dir);
  feed_ctx f = {t, c};
  ms_reasm_env env = env_for(t, &f);
  /* What this packet acknowledges was sent before it: skip lost bytes of
   * the other direction first, then take this packet's own bytes (an RST's
   * are not taken: a receiver resets, it does not read them). */
  size_t len = s->flags & MS_TH_RST ? 0 : s->len;
  if (s->flags & MS_TH_ACK)
    ms_half_acked(&c->half[!dir], s->ack);
  if (len > 0)
    ms_half_skip_acked(&c->half[!dir], (ms_dir)!dir, ts, &env);
  ms_half_segment(&c->half[dir], dir, s->seq, s->flags, s->payload, len, ts,
                  &env);
  if (s->flags & MS_TH_RST) {
    close_conn(t, c, MS_END_RST, ts);
    return c;
  }
  if (s->flags & MS_TH_FIN)
    c->fin[dir] = true;
  if (c->fin[0] && c->fin[1])
    close_conn(t, c, MS_END_FIN, ts);
  return c;
}

void ms_table_packet(ms_table *t, const ms_tcp *s, const uint16_t *vlan,
                     int nvlan, ms_ts ts) {
  t->packet_index++;
  ms_table_expire(t, ts);
  /* --workers: each worker takes the flows the fixed split gives it */
  if (t->opt->worker_count > 1 && !dns_flow(t, s) &&
      ms_flow_worker(s, t->opt->worker_count) != t->opt->worker_index)
    return;
  ms_dir dir;
  conn *c = conn_of(t, s, vlan, nvlan, ts, &dir);
  if (!c) {
    count_ignored(t, s);
    return;
  }
  if ((c = packet(t, c, s, dir, ts)))
    recharge(t, c, ts);
  if (t->budget && ms_budget_over(t->budget))
    reclaim(t, ts);
}
