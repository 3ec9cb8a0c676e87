/* emit_zeek.c - records named like Zeek's smtp.log, one per SMTP
 * transaction, as Zeek writes them with its JSON writer (docs/zeek.md).
 * POP3 sessions have no smtp.log equivalent and are not written. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "emit.h"

static void epoch(jsonw *w, const char *key, ms_ts usec) {
  jw_key(w, key);
  jw_double(w, (double)usec / 1e6, 6);
}

static void addr_set(jsonw *w, const char *key, const ms_addrvec *v) {
  if (!v || !v->len)
    return;
  jw_key(w, key);
  jw_arr_begin(w);
  for (size_t i = 0; i < v->len; i++)
    if (v->items[i].address)
      jw_str(w, v->items[i].address);
  jw_arr_end(w);
}

/* Zeek's "from" is the whole header value; we rebuild "Name <addr>". */
static void first_from(jsonw *w, const ms_message *m) {
  if (!m || !m->from.len || !m->from.items[0].address)
    return;
  const ms_address *a = &m->from.items[0];
  char *v = a->name ? xasprintf("%s <%s>", a->name, a->address)
                    : xasprintf("<%s>", a->address);
  jw_kstr(w, "from", v);
  free(v);
}

static void received_hop(jsonw *w, const char *key, const ms_message *m,
                         size_t i) {
  if (m && m->received.len > i && m->received.items[i].raw)
    jw_kstr(w, key, m->received.items[i].raw);
}

static void one_transaction(const ms_session *s, size_t i, jsonw *w) {
  const ms_transaction *t = &s->transactions.items[i];
  const ms_message *m = t->message;
  jw_obj_begin(w);
  epoch(w, "ts", t->ts);
  jw_kstr(w, "uid", s->uid);
  jw_kstr(w, "id.orig_h", s->client.ip);
  jw_kuint(w, "id.orig_p", s->client.port);
  jw_kstr(w, "id.resp_h", s->server.ip);
  jw_kuint(w, "id.resp_p", s->server.port);
  jw_kuint(w, "trans_depth", i + 1);
  jw_kstr_opt(w, "helo", s->helo);
  jw_kstr(w, "mailfrom", t->mail_from ? t->mail_from : "");
  if (t->rcpt_to.len) {
    jw_key(w, "rcptto");
    jw_arr_begin(w);
    for (size_t j = 0; j < t->rcpt_to.len; j++)
      jw_str(w, t->rcpt_to.items[j]);
    jw_arr_end(w);
  }
  if (m) {
    jw_kstr_opt(w, "date", m->date);
    first_from(w, m);
    addr_set(w, "to", &m->to);
    addr_set(w, "cc", &m->cc);
    if (m->reply_to.len && m->reply_to.items[0].address)
      jw_kstr(w, "reply_to", m->reply_to.items[0].address);
    jw_kstr_opt(w, "msg_id", m->message_id);
    jw_kstr_opt(w, "in_reply_to", m->in_reply_to);
    jw_kstr_opt(w, "subject", m->subject);
    jw_kstr_opt(w, "x_originating_ip", m->x_originating_ip);
    received_hop(w, "first_received", m, 0);
    received_hop(w, "second_received", m, 1);
  }
  if (t->reply.present) {
    char *last = xasprintf("%d %s", t->reply.code,
                           t->reply.text ? t->reply.text : "");
    jw_kstr(w, "last_reply", last);
    free(last);
  }
  jw_key(w, "path");
  jw_arr_begin(w);
  jw_str(w, s->server.ip);
  if (m)
    for (size_t j = 0; j < m->received.len; j++)
      if (m->received.items[j].ip)
        jw_str(w, m->received.items[j].ip);
  jw_str(w, s->client.ip);
  jw_arr_end(w);
  if (m)
    jw_kstr_opt(w, "user_agent", m->user_agent);
  jw_kbool(w, "tls", s->tls != MS_TLS_NONE);
  jw_obj_end(w);
}

size_t emit_zeek_session(const ms_session *s, jsonw *w, FILE *f) {
  if (s->proto != MS_PROTO_SMTP)
    return 0;
  for (size_t i = 0; i < s->transactions.len; i++) {
    one_transaction(s, i, w);
    jw_flush_line(w, f);
  }
  return s->transactions.len;
}
