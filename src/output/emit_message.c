/* emit_message.c - the "message" object of the NDJSON record (docs/json.md). */
#include "emit.h"

static void addresses(jsonw *w, const char *key, const ms_addrvec *v) {
  jw_key(w, key);
  jw_arr_begin(w);
  for (size_t i = 0; i < v->len; i++)
    jw_str(w, v->items[i].address ? v->items[i].address : "");
  jw_arr_end(w);
}

/* Display names, parallel to the address list, only when one is set. */
static void names(jsonw *w, const char *key, const ms_addrvec *v) {
  bool any = false;
  for (size_t i = 0; i < v->len; i++)
    any |= v->items[i].name != NULL;
  if (!any)
    return;
  jw_key(w, key);
  jw_arr_begin(w);
  for (size_t i = 0; i < v->len; i++)
    jw_str(w, v->items[i].name ? v->items[i].name : "");
  jw_arr_end(w);
}

static void received(jsonw *w, const ms_message *m) {
  jw_key(w, "received");
  jw_arr_begin(w);
  for (size_t i = 0; i < m->received.len; i++) {
    const ms_received *r = &m->received.items[i];
    jw_obj_begin(w);
    jw_kstr_opt(w, "from", r->from);
    jw_kstr_opt(w, "by", r->by);
    jw_kstr_opt(w, "via", r->via);
    jw_kstr_opt(w, "with", r->with);
    jw_kstr_opt(w, "id", r->id);
    jw_kstr_opt(w, "for", r->for_);
    jw_kstr_opt(w, "date", r->date);
    jw_kstr_opt(w, "ip", r->ip);
    jw_obj_end(w);
  }
  jw_arr_end(w);
}

/* How many a list held where more were seen than kept (docs/json.md). */
static void list_totals(jsonw *w, const ms_message *m) {
  const struct {
    const char *key;
    uint64_t total;
    size_t kept;
  } l[] = {{"from", m->totals.from, m->from.len},
           {"to", m->totals.to, m->to.len},
           {"cc", m->totals.cc, m->cc.len},
           {"reply_to", m->totals.reply_to, m->reply_to.len},
           {"received", m->totals.received, m->received.len}};
  bool open = false;
  for (size_t i = 0; i < sizeof l / sizeof l[0]; i++) {
    if (l[i].total <= l[i].kept)
      continue;
    if (!open) {
      jw_key(w, "list_totals");
      jw_obj_begin(w);
      open = true;
    }
    jw_kuint(w, l[i].key, l[i].total);
  }
  if (open)
    jw_obj_end(w);
}

static void attachments(jsonw *w, const ms_message *m) {
  jw_key(w, "attachments");
  jw_arr_begin(w);
  for (size_t i = 0; i < m->attachments.len; i++) {
    const ms_attachment *a = &m->attachments.items[i];
    jw_obj_begin(w);
    jw_kstr_opt(w, "filename", a->filename);
    jw_kstr_opt(w, "content_type", a->content_type);
    jw_kstr_opt(w, "disposition", a->disposition);
    jw_kstr_opt(w, "encoding", a->encoding);
    jw_kuint(w, "bytes", a->bytes);
    jw_kstr(w, "md5", a->md5);
    if (a->sha1[0])
      jw_kstr(w, "sha1", a->sha1);
    jw_kstr(w, "sha256", a->sha256);
    jw_kstr_opt(w, "extracted", a->extracted);
    jw_obj_end(w);
  }
  jw_arr_end(w);
}

static void parts(jsonw *w, const ms_message *m) {
  if (!m->parts.len)
    return;
  jw_key(w, "parts");
  jw_arr_begin(w);
  for (size_t i = 0; i < m->parts.len; i++) {
    const ms_part *p = &m->parts.items[i];
    jw_obj_begin(w);
    jw_kint(w, "index", p->index);
    jw_kint(w, "parent", p->parent);
    jw_kint(w, "depth", p->depth);
    jw_kstr_opt(w, "content_type", p->content_type);
    jw_kstr_opt(w, "charset", p->charset);
    jw_kstr_opt(w, "encoding", p->encoding);
    jw_kstr_opt(w, "disposition", p->disposition);
    jw_kstr_opt(w, "filename", p->filename);
    jw_kuint(w, "bytes", p->bytes);
    jw_obj_end(w);
  }
  jw_arr_end(w);
}

void emit_message_json(const ms_message *m, jsonw *w) {
  jw_obj_begin(w);
  jw_kuint(w, "bytes", m->bytes);
  jw_kbool(w, "truncated", m->truncated);
  if (m->sha256[0])
    jw_kstr(w, "sha256", m->sha256);
  addresses(w, "from", &m->from);
  names(w, "from_name", &m->from);
  addresses(w, "to", &m->to);
  addresses(w, "cc", &m->cc);
  if (m->reply_to.len)
    addresses(w, "reply_to", &m->reply_to);
  jw_kstr_opt(w, "subject", m->subject);
  jw_kstr_opt(w, "date", m->date);
  jw_kstr_opt(w, "message_id", m->message_id);
  jw_kstr_opt(w, "in_reply_to", m->in_reply_to);
  jw_kstr_opt(w, "references", m->references);
  jw_kstr_opt(w, "user_agent", m->user_agent);
  jw_kstr_opt(w, "x_originating_ip", m->x_originating_ip);
  jw_kstr_opt(w, "return_path", m->return_path);
  received(w, m);
  list_totals(w, m);
  jw_kstr_opt(w, "content_type", m->content_type);
  parts(w, m);
  attachments(w, m);
  addresses(w, "bcc", &m->bcc);
  jw_kstr_opt(w, "extracted", m->extracted);
  if (m->anomalies.len) {
    jw_key(w, "anomalies");
    jw_arr_begin(w);
    for (size_t i = 0; i < m->anomalies.len; i++)
      jw_str(w, m->anomalies.items[i]);
    jw_arr_end(w);
  }
  jw_obj_end(w);
}
