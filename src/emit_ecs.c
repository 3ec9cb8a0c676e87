/* emit_ecs.c - one Elastic Common Schema document per session
 * (docs/ecs.md maps every field).  email.* describes the session's first
 * message; every transaction / retrieved message is listed under
 * mailscope.* so nothing is lost. */
#include <string.h>

#include "emit.h"

static const ms_message *first_message(const ms_session *s) {
  for (size_t i = 0; i < s->transactions.len; i++)
    if (s->transactions.items[i].message)
      return s->transactions.items[i].message;
  for (size_t i = 0; i < s->messages.len; i++)
    if (s->messages.items[i].message)
      return s->messages.items[i].message;
  return NULL;
}

static void address_list(jsonw *w, const char *key, const ms_addrvec *v) {
  if (!v->len)
    return;
  jw_key(w, key);
  jw_obj_begin(w);
  jw_key(w, "address");
  jw_arr_begin(w);
  for (size_t i = 0; i < v->len; i++)
    if (v->items[i].address)
      jw_str(w, v->items[i].address);
  jw_arr_end(w);
  jw_obj_end(w);
}

static void endpoint(jsonw *w, const char *key, const ms_endpoint *e,
                     uint64_t bytes, uint64_t packets) {
  jw_key(w, key);
  jw_obj_begin(w);
  jw_kstr(w, "ip", e->ip);
  jw_kuint(w, "port", e->port);
  jw_kuint(w, "bytes", bytes);
  jw_kuint(w, "packets", packets);
  jw_obj_end(w);
}

static const char *outcome(const ms_session *s) {
  if (s->auth.present && s->auth.result == MS_AUTH_FAILURE)
    return "failure";
  for (size_t i = 0; i < s->transactions.len; i++)
    if (s->transactions.items[i].status == MS_TX_QUEUED)
      return "success";
  if (s->auth.present && s->auth.result == MS_AUTH_SUCCESS)
    return "success";
  return "unknown";
}

static void email(jsonw *w, const ms_session *s, const ms_message *m) {
  const ms_transaction *t = s->transactions.len ? &s->transactions.items[0]
                                                : NULL;
  if (!m && !t)
    return;
  jw_key(w, "email");
  jw_obj_begin(w);
  if (m) {
    address_list(w, "from", &m->from);
    address_list(w, "to", &m->to);
    address_list(w, "cc", &m->cc);
    address_list(w, "bcc", &m->bcc);
    address_list(w, "reply_to", &m->reply_to);
    jw_kstr_opt(w, "subject", m->subject);
    jw_kstr_opt(w, "message_id", m->message_id);
    jw_kstr_opt(w, "x_mailer", m->user_agent);
    jw_kstr_opt(w, "content_type", m->content_type);
    if (m->attachments.len) {
      jw_key(w, "attachments");
      jw_arr_begin(w);
      for (size_t i = 0; i < m->attachments.len; i++) {
        const ms_attachment *a = &m->attachments.items[i];
        jw_obj_begin(w);
        jw_key(w, "file");
        jw_obj_begin(w);
        jw_kstr_opt(w, "name", a->filename);
        jw_kstr_opt(w, "mime_type", a->content_type);
        jw_kuint(w, "size", a->bytes);
        jw_key(w, "hash");
        jw_obj_begin(w);
        jw_kstr(w, "md5", a->md5);
        jw_kstr(w, "sha256", a->sha256);
        jw_obj_end(w);
        jw_obj_end(w);
        jw_obj_end(w);
      }
      jw_arr_end(w);
    }
  }
  if (t) {
    jw_key(w, "sender");
    jw_obj_begin(w);
    jw_kstr(w, "address", t->mail_from ? t->mail_from : "");
    jw_obj_end(w);
    jw_kstr_opt(w, "local_id", t->queue_id);
  }
  jw_obj_end(w);
}

static void mailscope_ns(jsonw *w, const ms_session *s) {
  jw_key(w, "mailscope");
  jw_obj_begin(w);
  jw_kstr(w, "uid", s->uid);
  jw_kstr(w, "end", ms_end_name(s->end));
  jw_kbool(w, "midstream", s->midstream);
  jw_kuint(w, "gap_bytes", s->gap_bytes);
  jw_kstr(w, "tls", ms_tls_name(s->tls));
  jw_kstr_opt(w, "banner", s->banner);
  jw_kstr_opt(w, "helo", s->helo);
  jw_kuint(w, "commands", s->commands.len);
  if (s->auth.present) {
    jw_key(w, "auth");
    jw_obj_begin(w);
    jw_kstr_opt(w, "mechanism", s->auth.mechanism);
    jw_kstr(w, "result", ms_auth_result_name(s->auth.result));
    jw_kint(w, "failures", s->auth.failures);
    jw_obj_end(w);
  }
  jw_key(w, "transactions");
  jw_arr_begin(w);
  for (size_t i = 0; i < s->transactions.len; i++) {
    const ms_transaction *t = &s->transactions.items[i];
    jw_obj_begin(w);
    jw_kstr(w, "mail_from", t->mail_from ? t->mail_from : "");
    jw_key(w, "rcpt_to");
    jw_arr_begin(w);
    for (size_t j = 0; j < t->rcpt_to.len; j++)
      jw_str(w, t->rcpt_to.items[j]);
    jw_arr_end(w);
    jw_kstr(w, "status", ms_tx_status_name(t->status));
    jw_kstr_opt(w, "queue_id", t->queue_id);
    if (t->message && t->message->subject)
      jw_kstr(w, "subject", t->message->subject);
    jw_obj_end(w);
  }
  jw_arr_end(w);
  jw_key(w, "anomalies");
  jw_arr_begin(w);
  for (size_t i = 0; i < s->anomalies.len; i++)
    jw_str(w, s->anomalies.items[i].name);
  jw_arr_end(w);
  jw_obj_end(w);
}

void emit_ecs_session(const ms_session *s, jsonw *w) {
  const char *proto = ms_proto_name(s->proto);
  jw_obj_begin(w);
  jw_kts(w, "@timestamp", s->ts);
  jw_key(w, "ecs");
  jw_obj_begin(w);
  jw_kstr(w, "version", "8.11.0");
  jw_obj_end(w);
  jw_key(w, "event");
  jw_obj_begin(w);
  jw_kstr(w, "kind", "event");
  jw_key(w, "category");
  jw_arr_begin(w);
  jw_str(w, "network");
  jw_str(w, "email");
  jw_arr_end(w);
  jw_key(w, "type");
  jw_arr_begin(w);
  jw_str(w, "connection");
  jw_str(w, "protocol");
  jw_arr_end(w);
  jw_kstr(w, "module", "mailscope");
  jw_key(w, "dataset");
  char dataset[32];
  snprintf(dataset, sizeof dataset, "mailscope.%s", proto);
  jw_str(w, dataset);
  jw_kts(w, "start", s->ts);
  jw_kts(w, "end", s->end_ts);
  jw_kint(w, "duration", (s->end_ts - s->ts) * 1000);
  jw_kstr(w, "outcome", outcome(s));
  jw_obj_end(w);
  endpoint(w, "source", &s->client, s->bytes[MS_CLIENT], s->packets[MS_CLIENT]);
  endpoint(w, "destination", &s->server, s->bytes[MS_SERVER],
           s->packets[MS_SERVER]);
  jw_key(w, "network");
  jw_obj_begin(w);
  jw_kstr(w, "transport", "tcp");
  jw_kstr(w, "protocol", proto);
  jw_kstr(w, "type", s->ip_version == 6 ? "ipv6" : "ipv4");
  jw_kuint(w, "bytes", s->bytes[0] + s->bytes[1]);
  jw_kuint(w, "packets", s->packets[0] + s->packets[1]);
  if (s->vlan.len) {
    char id[8];
    jw_key(w, "vlan");
    jw_obj_begin(w);
    snprintf(id, sizeof id, "%u", s->vlan.items[0]);
    jw_kstr(w, "id", id);
    jw_obj_end(w);
    if (s->vlan.len > 1) {
      jw_key(w, "inner");
      jw_obj_begin(w);
      jw_key(w, "vlan");
      jw_obj_begin(w);
      snprintf(id, sizeof id, "%u", s->vlan.items[1]);
      jw_kstr(w, "id", id);
      jw_obj_end(w);
      jw_obj_end(w);
    }
  }
  jw_obj_end(w);
  if (s->auth.present && s->auth.username) {
    jw_key(w, "user");
    jw_obj_begin(w);
    jw_kstr(w, "name", s->auth.username);
    jw_obj_end(w);
  }
  email(w, s, first_message(s));
  mailscope_ns(w, s);
  jw_obj_end(w);
}
