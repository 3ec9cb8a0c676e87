/* report_render.c - what the row, detail and ladder renderers share
 * (report_render.h), and the data hooks for the TLS and routing objects. */
#include "report_render.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "vec.h"

void rr_init(rr_ctx *c) {
  memset(c, 0, sizeof *c);
  jw_init(&c->w);
}

void rr_free(rr_ctx *c) {
  jw_free(&c->w);
  rt_free(&c->text);
}

void rr_str(rr_ctx *c, const char *s, size_t max) {
  if (!s) {
    jw_null(&c->w);
    return;
  }
  rt_display(&c->text, s, max);
  jw_strn(&c->w, c->text.buf, c->text.len);
}

void rr_kstr(rr_ctx *c, const char *key, const char *s, size_t max) {
  if (!s)
    return;
  jw_key(&c->w, key);
  rr_str(c, s, max);
}

void rr_kstrs(rr_ctx *c, const char *key, char *const *items, size_t n) {
  if (!n)
    return;
  jw_key(&c->w, key);
  jw_arr_begin(&c->w);
  for (size_t i = 0; i < n && i < RR_LIST_MAX; i++)
    rr_str(c, items[i], RR_CELL_MAX);
  jw_arr_end(&c->w);
}

const char *rr_outcome(const ms_session *s) {
  bool rejected = false;
  for (size_t i = 0; i < s->transactions.len; i++) {
    if (s->transactions.items[i].status == MS_TX_QUEUED)
      return "queued";
    rejected |= s->transactions.items[i].status == MS_TX_REJECTED;
  }
  if (rejected)
    return "rejected";
  if (s->transactions.len)
    return "aborted";
  if (s->messages.len)
    return "retrieved";
  if (s->auth.present && s->auth.result == MS_AUTH_FAILURE)
    return "login failed";
  if (s->auth.present && s->auth.result == MS_AUTH_SUCCESS)
    return "login";
  if (s->tls != MS_TLS_NONE)
    return "tls";
  return "no mail";
}

void rr_collect_messages(const ms_session *s, rr_msgs *out) {
  for (size_t i = 0; i < s->transactions.len; i++)
    if (s->transactions.items[i].message)
      *vec_push(out) = (rr_msg){s->transactions.items[i].message, "transaction",
                                (long)i + 1, i};
  for (size_t i = 0; i < s->messages.len; i++) {
    const ms_pop3_message *p = &s->messages.items[i];
    if (p->message)
      *vec_push(out) = (rr_msg){p->message, p->command ? p->command : "message",
                                p->number, SIZE_MAX};
  }
}

static bool has_anomaly(const ms_message *m, const char *name) {
  for (size_t i = 0; i < m->anomalies.len; i++)
    if (!strcmp(m->anomalies.items[i], name))
      return true;
  return false;
}

const char *rr_chain_verdict(const ms_message *m) {
  if (!m->received.len)
    return "none";
  if (has_anomaly(m, "received_chain_break"))
    return "break";
  if (has_anomaly(m, "received_host_ip_conflict"))
    return "ip conflict";
  return "ok";
}

/* ---- data hooks ----------------------------------------------------------
 * TLS: today the record says only how TLS started (s->tls).  When the TLS
 * object lands (version, cipher, certificate facts and issues), write it
 * here: in the row as "tls": {"v": VERSION, "iss": [ISSUE, ...]} (the
 * charts "TLS versions" and "certificate issues" and the table's TLS column
 * read exactly these), in the detail as "tls": {any members}, which the
 * session page shows as a list of facts. */
void report_tls(rr_ctx *c, const ms_session *s, bool row) {
  if (s->tls == MS_TLS_NONE)
    return;
  jw_key(&c->w, "tls");
  jw_obj_begin(&c->w);
  jw_kstr(&c->w, "start", ms_tls_name(s->tls));
  (void)row;
  jw_obj_end(&c->w);
}

/* Routing (route.h): the whole route, in the row only (the routing view
 * draws every session's domains, MX hosts and client checks without
 * opening details; the session page reads it from the row): "v" the
 * session's verdict, "helo" the HELO check, "sub" submission, "fwd" the
 * HELO name forward-confirms (1, 0; absent: not seen), "ptrlk" the PTR
 * lookup, "ptr" its names, "dom" per domain its verdict "v", MX lookup
 * "lk", "null" null MX, "mx" [{"p", "h", "cn", "a", "srv"}] and "self"
 * (the domain's own {"cn", "a"}).  "a" is absent when no A/AAAA answer
 * was seen, [] when it held none. */
static void route_addrs(rr_ctx *c, const ms_route_addrs *a) {
  rr_kstrs(c, "cn", a->chain.items, a->chain.len);
  if (a->seen) {
    jw_key(&c->w, "a");
    jw_arr_begin(&c->w);
    for (size_t i = 0; i < a->addresses.len && i < RR_LIST_MAX; i++)
      rr_str(c, a->addresses.items[i], RR_CELL_MAX);
    jw_arr_end(&c->w);
  }
}

static void route_domain(rr_ctx *c, const ms_route_domain *d) {
  jsonw *w = &c->w;
  jw_obj_begin(w);
  rr_kstr(c, "d", d->domain, RR_CELL_MAX);
  jw_kstr(w, "v", ms_route_verdict_name(d->verdict));
  jw_kstr(w, "lk", ms_dns_result_name(d->mx_result));
  if (d->null_mx)
    jw_kbool(w, "null", true);
  jw_key(w, "mx");
  jw_arr_begin(w);
  for (size_t i = 0; i < d->mx.len && i < RR_LIST_MAX; i++) {
    const ms_route_mx *m = &d->mx.items[i];
    jw_obj_begin(w);
    jw_kuint(w, "p", m->preference);
    rr_kstr(c, "h", m->host, RR_CELL_MAX);
    route_addrs(c, &m->addrs);
    if (m->server)
      jw_kbool(w, "srv", true);
    jw_obj_end(w);
  }
  jw_arr_end(w);
  if (d->self.seen || d->self.chain.len) {
    jw_key(w, "self");
    jw_obj_begin(w);
    route_addrs(c, &d->self);
    jw_obj_end(w);
  }
  jw_obj_end(w);
}

void report_route(rr_ctx *c, const ms_session *s) {
  const ms_route *r = s->route;
  if (!r)
    return;
  jsonw *w = &c->w;
  jw_key(w, "route");
  jw_obj_begin(w);
  jw_kstr(w, "v", ms_route_verdict_name(r->verdict));
  jw_kstr(w, "helo", ms_helo_check_name(r->helo));
  if (r->submission)
    jw_kbool(w, "sub", true);
  if (r->helo_forward >= 0)
    jw_kint(w, "fwd", r->helo_forward);
  jw_kstr(w, "ptrlk", ms_dns_result_name(r->ptr_result));
  rr_kstrs(c, "ptr", r->ptr.items, r->ptr.len);
  jw_key(w, "dom");
  jw_arr_begin(w);
  for (size_t i = 0; i < r->domains.len && i < RR_LIST_MAX; i++)
    route_domain(c, &r->domains.items[i]);
  jw_arr_end(w);
  jw_obj_end(w);
}
