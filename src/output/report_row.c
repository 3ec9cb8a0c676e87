/* report_row.c - a session's row in the report's table data: what the
 * table shows, what the filters and free-text search match and what the
 * overview charts count, with the session's messages and attachments for
 * the messages and attachments tables (docs/report.md lists the members). */
#include "report_render.h"

#include <stdlib.h>
#include <string.h>

#include "vec.h"

#define SUBJECTS_MAX 10

typedef VEC(const char *) cstrvec;

static bool contains(const cstrvec *v, const char *s) {
  for (size_t i = 0; i < v->len; i++)
    if (!strcmp(v->items[i], s))
      return true;
  return false;
}

/* Add s unless already there; false once the list is full. */
static bool add_distinct(cstrvec *v, const char *s, size_t cap) {
  if (!s || contains(v, s))
    return true;
  if (v->len >= cap)
    return false;
  *vec_push(v) = s;
  return true;
}

static void kstr_list(rr_ctx *c, const char *key, const cstrvec *v) {
  rr_kstrs(c, key, (char *const *)v->items, v->len);
}

static void endpoints(rr_ctx *c, const ms_session *s) {
  rr_kstr(c, "c", s->client.ip, RR_CELL_MAX);
  jw_kuint(&c->w, "cp", s->client.port);
  rr_kstr(c, "s", s->server.ip, RR_CELL_MAX);
  jw_kuint(&c->w, "sp", s->server.port);
}

static void auth(rr_ctx *c, const ms_auth *a) {
  if (!a->present)
    return;
  jw_key(&c->w, "au");
  jw_obj_begin(&c->w);
  rr_kstr(c, "u", a->username, RR_CELL_MAX);
  rr_kstr(c, "m", a->mechanism, RR_CELL_MAX);
  jw_kstr(&c->w, "r", ms_auth_result_name(a->result));
  jw_kint(&c->w, "n", a->attempts);
  jw_kint(&c->w, "f", a->failures);
  jw_obj_end(&c->w);
}

/* Envelope senders and recipients (distinct) and transaction outcomes. */
static void envelope(rr_ctx *c, const ms_session *s) {
  cstrvec from = {0}, rcpt = {0};
  size_t rcpt_all = 0;
  uint64_t st[4] = {0};
  for (size_t i = 0; i < s->transactions.len; i++) {
    const ms_transaction *t = &s->transactions.items[i];
    add_distinct(&from, t->mail_from && *t->mail_from ? t->mail_from : "<>",
                 RR_LIST_MAX);
    for (size_t j = 0; j < t->rcpt_to.len; j++) {
      rcpt_all++;
      add_distinct(&rcpt, t->rcpt_to.items[j], RR_LIST_MAX);
    }
    if ((unsigned)t->status < 4)
      st[t->status]++;
  }
  kstr_list(c, "f", &from);
  kstr_list(c, "r", &rcpt);
  if (rcpt_all > rcpt.len && rcpt.len == RR_LIST_MAX)
    jw_kuint(&c->w, "rn", rcpt_all);
  if (s->transactions.len) { /* pending, queued, rejected, aborted */
    jw_key(&c->w, "tx");
    jw_arr_begin(&c->w);
    for (int i = 0; i < 4; i++)
      jw_uint(&c->w, st[i]);
    jw_arr_end(&c->w);
  }
  if (s->messages.len)
    jw_kuint(&c->w, "rt", s->messages.len);
  vec_free(&from);
  vec_free(&rcpt);
}

/* Replies by class, counted on the line that starts each reply. */
static void reply_classes(rr_ctx *c, const ms_session *s) {
  uint64_t n[MS_RC_OTHER + 1] = {0};
  bool any = false;
  for (size_t i = 0; i < s->transcript.len; i++) {
    const ms_tline *t = &s->transcript.items[i];
    if (t->dir == MS_SERVER && (t->flags & MS_TL_REPLY_START) &&
        t->reply_class > MS_RC_NONE && t->reply_class <= MS_RC_OTHER) {
      n[t->reply_class]++;
      any = true;
    }
  }
  if (!any)
    return;
  jw_key(&c->w, "rc"); /* positive, intermediate, transient, permanent, other */
  jw_arr_begin(&c->w);
  for (int k = MS_RC_POSITIVE; k <= MS_RC_OTHER; k++)
    jw_uint(&c->w, n[k]);
  jw_arr_end(&c->w);
}

/* Anomaly names with their counts, in order of first appearance. */
static void anomaly_names(rr_ctx *c, const ms_session *s) {
  if (!s->anomalies.len)
    return;
  cstrvec names = {0};
  for (size_t i = 0; i < s->anomalies.len; i++)
    add_distinct(&names, s->anomalies.items[i].name, RR_LIST_MAX);
  jw_key(&c->w, "an");
  jw_arr_begin(&c->w);
  for (size_t k = 0; k < names.len; k++) {
    uint64_t count = 0;
    for (size_t i = 0; i < s->anomalies.len; i++)
      count += !strcmp(s->anomalies.items[i].name, names.items[k]);
    jw_arr_begin(&c->w);
    rr_str(c, names.items[k], RR_CELL_MAX);
    jw_uint(&c->w, count);
    jw_arr_end(&c->w);
  }
  jw_arr_end(&c->w);
  vec_free(&names);
}

/* ---- messages and attachments ------------------------------------------ */

static void address_list(rr_ctx *c, const char *key, const ms_addrvec *v) {
  if (!v->len)
    return;
  jw_key(&c->w, key);
  jw_arr_begin(&c->w);
  for (size_t i = 0; i < v->len && i < RR_LIST_MAX; i++)
    rr_str(c, v->items[i].address ? v->items[i].address : v->items[i].name,
           RR_CELL_MAX);
  jw_arr_end(&c->w);
}

static void message_entry(rr_ctx *c, const ms_session *s, const rr_msg *r) {
  const ms_message *m = r->m;
  jw_obj_begin(&c->w);
  rr_kstr(c, "k", r->kind, RR_CELL_MAX);
  jw_kint(&c->w, "no", r->number);
  address_list(c, "f", &m->from);
  address_list(c, "to", &m->to);
  address_list(c, "cc", &m->cc);
  rr_kstr(c, "j", m->subject, RR_CELL_MAX);
  jw_kuint(&c->w, "b", m->bytes);
  jw_key(&c->w, "mm"); /* envelope / header mismatches */
  jw_arr_begin(&c->w);
  for (size_t i = 0; i < m->anomalies.len; i++)
    if (!strncmp(m->anomalies.items[i], "envelope_", 9))
      rr_str(c, m->anomalies.items[i], RR_CELL_MAX);
  jw_arr_end(&c->w);
  address_list(c, "bcc", &m->bcc);
  jw_kstr(&c->w, "rv", rr_chain_verdict(m));
  jw_kuint(&c->w, "h", m->received.len);
  if (*m->sha256)
    jw_kstr(&c->w, "sha", m->sha256);
  rr_kstr(c, "x", m->extracted, RR_TEXT_MAX);
  if (m->truncated)
    jw_kbool(&c->w, "cut", true);
  jw_obj_end(&c->w);
}

static void attachment_entry(rr_ctx *c, const ms_session *s,
                             const ms_attachment *a, size_t msg) {
  jw_obj_begin(&c->w);
  rr_kstr(c, "n", a->filename, RR_CELL_MAX);
  rr_kstr(c, "ct", a->content_type, RR_CELL_MAX);
  jw_kuint(&c->w, "b", a->bytes);
  jw_kstr(&c->w, "md5", a->md5);
  jw_kstr(&c->w, "sha", a->sha256);
  rr_kstr(c, "x", a->extracted, RR_TEXT_MAX);
  jw_kuint(&c->w, "m", msg);
  jw_obj_end(&c->w);
}

static void messages(rr_ctx *c, const ms_session *s) {
  rr_msgs refs = {0};
  rr_collect_messages(s, &refs);
  cstrvec subjects = {0};
  size_t natt = 0;
  for (size_t i = 0; i < refs.len; i++) {
    add_distinct(&subjects, refs.items[i].m->subject, SUBJECTS_MAX);
    natt += refs.items[i].m->attachments.len;
  }
  kstr_list(c, "j", &subjects);
  if (refs.len) {
    jw_key(&c->w, "ms");
    jw_arr_begin(&c->w);
    for (size_t i = 0; i < refs.len && i < RR_LIST_MAX; i++)
      message_entry(c, s, &refs.items[i]);
    jw_arr_end(&c->w);
  }
  if (natt) {
    size_t shown = 0;
    jw_key(&c->w, "at");
    jw_arr_begin(&c->w);
    for (size_t i = 0; i < refs.len && i < RR_LIST_MAX; i++)
      for (size_t j = 0;
           j < refs.items[i].m->attachments.len && shown < RR_LIST_MAX;
           j++, shown++)
        attachment_entry(c, s, &refs.items[i].m->attachments.items[j], i);
    jw_arr_end(&c->w);
    if (natt > shown)
      jw_kuint(&c->w, "atn", natt);
  }
  vec_free(&subjects);
  vec_free(&refs);
}

void report_row(rr_ctx *c, const ms_session *s) {
  jw_obj_begin(&c->w);
  rr_kstr(c, "u", s->uid, RR_CELL_MAX);
  jw_kint(&c->w, "t", s->ts);
  jw_kint(&c->w, "e", s->end_ts >= s->ts ? s->end_ts : s->ts);
  jw_kstr(&c->w, "p", ms_proto_name(s->proto));
  endpoints(c, s);
  jw_kstr(&c->w, "o", rr_outcome(s));
  if (s->midstream)
    jw_kbool(&c->w, "mid", true);
  rr_kstr(c, "h", s->helo, RR_CELL_MAX);
  auth(c, &s->auth);
  envelope(c, s);
  messages(c, s);
  reply_classes(c, s);
  anomaly_names(c, s);
  if (s->anomalies.len)
    jw_kuint(&c->w, "na", s->anomalies.len);
  report_tls(c, s, true);
  report_route(c, s);
  jw_obj_end(&c->w);
}
