/* report_detail.c - the facts of a session page: connection, auth,
 * transactions, POP3 mailbox and retrievals, each message's headers,
 * Received hops with the chain verdict and attachments, then the ladder
 * (report_ladder.c) and the TLS / routing hooks (docs/report.md). */
#include "report_render.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "vec.h"

static void counts(jsonw *w, const char *key, const uint64_t v[2]) {
  jw_key(w, key);
  jw_arr_begin(w);
  jw_uint(w, v[MS_CLIENT]);
  jw_uint(w, v[MS_SERVER]);
  jw_arr_end(w);
}

static void endpoint(rr_ctx *c, const char *key, const ms_endpoint *e) {
  jw_key(&c->w, key);
  jw_arr_begin(&c->w);
  rr_str(c, e->ip, RR_CELL_MAX);
  jw_uint(&c->w, e->port);
  jw_arr_end(&c->w);
}

static void tunnels(rr_ctx *c, const ms_session *s) {
  if (!s->tunnels.len)
    return;
  jw_key(&c->w, "tun");
  jw_arr_begin(&c->w);
  for (size_t i = 0; i < s->tunnels.len; i++) {
    const ms_tunnel *t = &s->tunnels.items[i];
    jw_obj_begin(&c->w);
    rr_kstr(c, "type", t->type, RR_CELL_MAX);
    endpoint(c, "c", &t->client);
    endpoint(c, "s", &t->server);
    if (t->has_id)
      jw_kuint(&c->w, "id", t->id);
    jw_obj_end(&c->w);
  }
  jw_arr_end(&c->w);
}

static void connection(rr_ctx *c, const ms_session *s) {
  jsonw *w = &c->w;
  jw_key(w, "hd");
  jw_obj_begin(w);
  jw_kstr(w, "end", ms_end_name(s->end));
  counts(w, "b", s->bytes);
  counts(w, "pk", s->packets);
  if (s->gap_bytes)
    jw_kuint(w, "gap", s->gap_bytes);
  jw_kint(w, "ipv", s->ip_version);
  if (s->vlan.len) {
    jw_key(w, "vlan");
    jw_arr_begin(w);
    for (size_t i = 0; i < s->vlan.len; i++)
      jw_uint(w, s->vlan.items[i]);
    jw_arr_end(w);
  }
  tunnels(c, s);
  rr_kstr(c, "banner", s->banner, RR_TEXT_MAX);
  rr_kstr(c, "helo", s->helo, RR_TEXT_MAX);
  if (s->esmtp)
    jw_kbool(w, "esmtp", true);
  rr_kstrs(c, "caps", s->capabilities.items, s->capabilities.len);
  if (s->mailbox_present) {
    jw_kuint(w, "mbn", s->mailbox_messages);
    jw_kuint(w, "mbb", s->mailbox_octets);
  }
  jw_obj_end(w);
}

static void auth(rr_ctx *c, const ms_auth *a) {
  if (!a->present)
    return;
  jw_key(&c->w, "au");
  jw_obj_begin(&c->w);
  rr_kstr(c, "m", a->mechanism, RR_CELL_MAX);
  rr_kstr(c, "u", a->username, RR_CELL_MAX);
  rr_kstr(c, "z", a->authzid, RR_CELL_MAX);
  rr_kstr(c, "pw", a->password, RR_CELL_MAX);
  rr_kstr(c, "ch", a->challenge, RR_CELL_MAX);
  jw_kstr(&c->w, "r", ms_auth_result_name(a->result));
  jw_kint(&c->w, "n", a->attempts);
  jw_kint(&c->w, "f", a->failures);
  jw_obj_end(&c->w);
}

static void reply(rr_ctx *c, const ms_reply *r) {
  if (!r->present)
    return;
  jw_key(&c->w, "rp");
  jw_obj_begin(&c->w);
  if (r->code)
    jw_kint(&c->w, "code", r->code);
  rr_kstr(c, "st", r->pop3_status, RR_CELL_MAX);
  rr_kstr(c, "enh", r->enhanced, RR_CELL_MAX);
  rr_kstr(c, "x", r->text, RR_TEXT_MAX);
  jw_obj_end(&c->w);
}

/* The index of transaction tx's message in the message list, or -1. */
static long message_of_tx(const rr_msgs *m, size_t tx) {
  for (size_t i = 0; i < m->len; i++)
    if (m->items[i].tx == tx)
      return (long)i;
  return -1;
}

static void transaction(rr_ctx *c, const ms_session *s, size_t i,
                        const rr_msgs *msgs) {
  const ms_transaction *t = &s->transactions.items[i];
  jsonw *w = &c->w;
  jw_obj_begin(w);
  jw_kint(w, "t", t->ts - s->ts);
  rr_kstr(c, "f", t->mail_from && *t->mail_from ? t->mail_from : "<>",
          RR_CELL_MAX);
  rr_kstr(c, "par", t->mail_params, RR_CELL_MAX);
  rr_kstrs(c, "r", t->rcpt_to.items, t->rcpt_to.len);
  if (t->rcpt_to.len > RR_LIST_MAX)
    jw_kuint(w, "rn", t->rcpt_to.len);
  if (t->rcpt_rejected.len) {
    jw_key(w, "rj");
    jw_arr_begin(w);
    for (size_t j = 0; j < t->rcpt_rejected.len && j < RR_LIST_MAX; j++) {
      jw_arr_begin(w);
      rr_str(c, t->rcpt_rejected.items[j].addr, RR_CELL_MAX);
      jw_int(w, t->rcpt_rejected.items[j].code);
      jw_arr_end(w);
    }
    jw_arr_end(w);
  }
  rr_kstrs(c, "ru", t->rcpt_unanswered.items, t->rcpt_unanswered.len);
  if (t->rcpt_unanswered.len > RR_LIST_MAX)
    jw_kuint(w, "run", t->rcpt_unanswered.len);
  jw_kstr(w, "st", ms_tx_status_name(t->status));
  reply(c, &t->reply);
  rr_kstr(c, "q", t->queue_id, RR_CELL_MAX);
  jw_kint(w, "m", message_of_tx(msgs, i));
  jw_obj_end(w);
}

static void transactions(rr_ctx *c, const ms_session *s, const rr_msgs *m) {
  if (!s->transactions.len)
    return;
  jw_key(&c->w, "tx");
  jw_arr_begin(&c->w);
  for (size_t i = 0; i < s->transactions.len && i < RR_LIST_MAX; i++)
    transaction(c, s, i, m);
  jw_arr_end(&c->w);
  if (s->transactions.len > RR_LIST_MAX)
    jw_kuint(&c->w, "txn", s->transactions.len);
}

static void retrieved(rr_ctx *c, const ms_session *s, const rr_msgs *m) {
  jsonw *w = &c->w;
  if (s->messages.len) {
    jw_key(w, "pm");
    jw_arr_begin(w);
    size_t k = 0; /* POP3 messages follow the transactions' */
    while (k < m->len && m->items[k].tx != SIZE_MAX)
      k++;
    for (size_t i = 0; i < s->messages.len && i < RR_LIST_MAX; i++) {
      const ms_pop3_message *p = &s->messages.items[i];
      jw_obj_begin(w);
      jw_kint(w, "no", p->number);
      rr_kstr(c, "uid", p->uid, RR_CELL_MAX);
      rr_kstr(c, "cmd", p->command, RR_CELL_MAX);
      jw_kuint(w, "b", p->bytes);
      jw_kint(w, "m", p->message ? (long)k++ : -1);
      jw_obj_end(w);
    }
    jw_arr_end(w);
  }
  if (s->deleted.len) {
    jw_key(w, "del");
    jw_arr_begin(w);
    for (size_t i = 0; i < s->deleted.len && i < RR_LIST_MAX * 10; i++)
      jw_int(w, s->deleted.items[i]);
    jw_arr_end(w);
  }
}

/* ---- messages ----------------------------------------------------------- */

static void header(rr_ctx *c, const char *name, const char *value) {
  if (!value)
    return;
  jw_arr_begin(&c->w);
  jw_str(&c->w, name);
  rr_str(c, value, RR_TEXT_MAX);
  jw_arr_end(&c->w);
}

/* "Name <address>, ..." of an address list, as one header value. */
static void address_header(rr_ctx *c, const char *name, const ms_addrvec *v) {
  if (!v->len)
    return;
  rt_buf b = {0};
  for (size_t i = 0; i < v->len && i < RR_LIST_MAX; i++) {
    const ms_address *a = &v->items[i];
    if (i)
      rt_append(&b, ", ", 2);
    if (a->name)
      rt_append(&b, a->name, strlen(a->name));
    if (a->name && a->address)
      rt_append(&b, " <", 2);
    if (a->address)
      rt_append(&b, a->address, strlen(a->address));
    if (a->name && a->address)
      rt_append(&b, ">", 1);
  }
  if (v->len > RR_LIST_MAX)
    rt_append(&b, ", ...", 5);
  header(c, name, b.buf ? b.buf : "");
  rt_free(&b);
}

static void headers(rr_ctx *c, const ms_message *m) {
  jw_key(&c->w, "hdr");
  jw_arr_begin(&c->w);
  address_header(c, "From", &m->from);
  address_header(c, "To", &m->to);
  address_header(c, "Cc", &m->cc);
  address_header(c, "Reply-To", &m->reply_to);
  header(c, "Subject", m->subject);
  header(c, "Date", m->date);
  header(c, "Message-ID", m->message_id);
  header(c, "In-Reply-To", m->in_reply_to);
  header(c, "References", m->references);
  header(c, "User-Agent", m->user_agent);
  header(c, "X-Originating-IP", m->x_originating_ip);
  header(c, "Return-Path", m->return_path);
  header(c, "Content-Type", m->content_type);
  address_header(c, "BCC (envelope only)", &m->bcc);
  jw_arr_end(&c->w);
}

static void hops(rr_ctx *c, const ms_message *m) {
  if (!m->received.len)
    return;
  jw_key(&c->w, "rcv");
  jw_arr_begin(&c->w);
  for (size_t i = 0; i < m->received.len; i++) {
    const ms_received *r = &m->received.items[i];
    jw_obj_begin(&c->w);
    rr_kstr(c, "from", r->from, RR_CELL_MAX);
    rr_kstr(c, "by", r->by, RR_CELL_MAX);
    rr_kstr(c, "via", r->via, RR_CELL_MAX);
    rr_kstr(c, "with", r->with, RR_CELL_MAX);
    rr_kstr(c, "id", r->id, RR_CELL_MAX);
    rr_kstr(c, "for", r->for_, RR_CELL_MAX);
    rr_kstr(c, "date", r->date, RR_CELL_MAX);
    rr_kstr(c, "ip", r->ip, RR_CELL_MAX);
    jw_obj_end(&c->w);
  }
  jw_arr_end(&c->w);
}

static void attachments(rr_ctx *c, const ms_session *s, const ms_message *m) {
  if (!m->attachments.len)
    return;
  jsonw *w = &c->w;
  jw_key(w, "att");
  jw_arr_begin(w);
  for (size_t i = 0; i < m->attachments.len && i < RR_LIST_MAX; i++) {
    const ms_attachment *a = &m->attachments.items[i];
    jw_obj_begin(w);
    rr_kstr(c, "n", a->filename, RR_CELL_MAX);
    rr_kstr(c, "ct", a->content_type, RR_CELL_MAX);
    rr_kstr(c, "disp", a->disposition, RR_CELL_MAX);
    rr_kstr(c, "enc", a->encoding, RR_CELL_MAX);
    jw_kuint(w, "b", a->bytes);
    jw_kstr(w, "md5", a->md5);
    jw_kstr(w, "sha", a->sha256);
    rr_kstr(c, "x", a->extracted, RR_TEXT_MAX);
    jw_obj_end(w);
  }
  jw_arr_end(w);
}

static void message(rr_ctx *c, const ms_session *s, const rr_msg *r) {
  const ms_message *m = r->m;
  jsonw *w = &c->w;
  jw_obj_begin(w);
  rr_kstr(c, "k", r->kind, RR_CELL_MAX);
  jw_kint(w, "no", r->number);
  jw_kuint(w, "b", m->bytes);
  if (*m->sha256)
    jw_kstr(w, "sha", m->sha256);
  rr_kstr(c, "x", m->extracted, RR_TEXT_MAX);
  if (m->truncated)
    jw_kbool(w, "cut", true);
  headers(c, m);
  hops(c, m);
  jw_kstr(w, "rv", rr_chain_verdict(m));
  rr_kstrs(c, "an", m->anomalies.items, m->anomalies.len);
  if (m->parts.len)
    jw_kuint(w, "parts", m->parts.len);
  attachments(c, s, m);
  jw_obj_end(w);
}

void report_detail(rr_ctx *c, const ms_session *s) {
  rr_msgs msgs = {0};
  rr_collect_messages(s, &msgs);
  jw_obj_begin(&c->w);
  rr_kstr(c, "u", s->uid, RR_CELL_MAX);
  connection(c, s);
  auth(c, &s->auth);
  transactions(c, s, &msgs);
  retrieved(c, s, &msgs);
  if (msgs.len) {
    jw_key(&c->w, "msg");
    jw_arr_begin(&c->w);
    for (size_t i = 0; i < msgs.len && i < RR_LIST_MAX; i++)
      message(c, s, &msgs.items[i]);
    jw_arr_end(&c->w);
  }
  report_ladder(c, s);
  report_tls(c, s, false);
  jw_obj_end(&c->w);
  vec_free(&msgs);
}
