/* emit_ecs_message.c - one ECS document per SMTP transaction and per POP3
 * retrieval (see emit_ecs.c for the contract, docs/ecs.md for the fields).
 *
 * Each describes one message with ECS's single-message email.* field set
 * (every attachment under email.attachments), repeats the connection
 * (source, destination, network with community_id) so that it can be
 * found alone, and names its session: event.id is the session uid plus
 * "-tN" (transaction N) or "-rN" (retrieval N), mailscope.uid is the
 * session uid, the session document's event.id. */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "emit_ecs_parts.h"
#include "mail_date.h"

static size_t address_count(const ms_addrvec *v) {
  size_t n = 0;
  for (size_t i = 0; i < v->len; i++)
    n += v->items[i].address != NULL;
  return n;
}

/* "from": {"address": [...]} with the parseable addresses; nothing when
 * there is none. */
static void address_list(jsonw *w, const char *key, const ms_addrvec *v) {
  if (!address_count(v))
    return;
  ecs_begin_obj(w, key);
  jw_key(w, "address");
  jw_arr_begin(w);
  for (size_t i = 0; i < v->len; i++)
    if (v->items[i].address)
      jw_str(w, v->items[i].address);
  jw_arr_end(w);
  jw_obj_end(w);
}

/* The extension of a file name: after the last dot, short and plain. */
static bool file_extension(const char *name, char *out, size_t cap) {
  const char *dot = name ? strrchr(name, '.') : NULL;
  if (!dot || dot == name || !dot[1])
    return false;
  size_t n = strlen(dot + 1);
  if (n >= cap)
    return false;
  for (size_t i = 0; i < n; i++) {
    unsigned char ch = (unsigned char)dot[1 + i];
    if (!isalnum(ch))
      return false;
    out[i] = (char)tolower(ch);
  }
  out[n] = '\0';
  return true;
}

static void attachments(jsonw *w, const ms_message *m) {
  if (!m->attachments.len)
    return;
  jw_key(w, "attachments");
  jw_arr_begin(w);
  for (size_t i = 0; i < m->attachments.len; i++) {
    const ms_attachment *a = &m->attachments.items[i];
    char ext[16];
    jw_obj_begin(w);
    ecs_begin_obj(w, "file");
    jw_kstr_opt(w, "name", a->filename);
    if (file_extension(a->filename, ext, sizeof ext))
      jw_kstr(w, "extension", ext);
    jw_kstr_opt(w, "mime_type", a->content_type);
    jw_kuint(w, "size", a->bytes);
    ecs_begin_obj(w, "hash");
    jw_kstr(w, "md5", a->md5);
    if (a->sha1[0])
      jw_kstr(w, "sha1", a->sha1);
    jw_kstr(w, "sha256", a->sha256);
    jw_obj_end(w);
    jw_obj_end(w);
    jw_obj_end(w);
  }
  jw_arr_end(w);
}

/* Return-Path "<a@b>" -> "a@b" (POP3's view of the envelope sender). */
static void return_path_sender(jsonw *w, const char *rp) {
  while (*rp == ' ' || *rp == '\t')
    rp++;
  size_t n = strlen(rp);
  while (n && (rp[n - 1] == ' ' || rp[n - 1] == '\t'))
    n--;
  if (n >= 2 && rp[0] == '<' && rp[n - 1] == '>') {
    rp++;
    n -= 2;
  }
  ecs_begin_obj(w, "sender");
  jw_key(w, "address");
  jw_strn(w, rp, n);
  jw_obj_end(w);
}

static void email_message(jsonw *w, const ms_message *m) {
  address_list(w, "from", &m->from);
  address_list(w, "to", &m->to);
  address_list(w, "cc", &m->cc);
  address_list(w, "bcc", &m->bcc);
  address_list(w, "reply_to", &m->reply_to);
  jw_kstr_opt(w, "subject", m->subject);
  jw_kstr_opt(w, "message_id", m->message_id);
  jw_kstr_opt(w, "x_mailer", m->user_agent);
  jw_kstr_opt(w, "content_type", m->content_type);
  ms_ts composed;
  if (m->date && mail_date_parse(m->date, &composed))
    jw_kts(w, "origination_timestamp", composed);
  attachments(w, m);
}

/* related: the addresses, the login, the attachments' digests. */
static void related(jsonw *w, const ms_session *s, const ms_message *m) {
  ecs_begin_obj(w, "related");
  const char *ips[] = {s->client.ip, s->server.ip};
  ecs_str_array(w, "ip", ips, strcmp(ips[0], ips[1]) ? 2 : 1);
  if (s->auth.present && s->auth.username) {
    const char *users[] = {s->auth.username};
    ecs_str_array(w, "user", users, 1);
  }
  if (m && m->attachments.len) {
    jw_key(w, "hash");
    jw_arr_begin(w);
    for (size_t i = 0; i < m->attachments.len; i++) {
      jw_str(w, m->attachments.items[i].md5);
      if (m->attachments.items[i].sha1[0])
        jw_str(w, m->attachments.items[i].sha1);
      jw_str(w, m->attachments.items[i].sha256);
    }
    jw_arr_end(w);
  }
  jw_obj_end(w);
}

static void event(jsonw *w, const ms_session *s, const char *id,
                  const char *action, ms_ts start, ms_ts end,
                  const char *outcome) {
  ecs_begin_obj(w, "event");
  jw_kstr(w, "kind", "event");
  static const char *const categories[] = {"email", "network"};
  ecs_str_array(w, "category", categories, 2);
  static const char *const types[] = {"info"};
  ecs_str_array(w, "type", types, 1);
  jw_kstr(w, "module", "mailscope");
  char dataset[32];
  snprintf(dataset, sizeof dataset, "mailscope.%s", ms_proto_name(s->proto));
  jw_kstr(w, "dataset", dataset);
  jw_kstr(w, "id", id);
  jw_kstr(w, "action", action);
  jw_kts(w, "start", start);
  if (end >= start) {
    jw_kts(w, "end", end);
    jw_kint(w, "duration", (end - start) * 1000);
  }
  jw_kstr(w, "outcome", outcome);
  jw_obj_end(w);
}

/* mailscope.* of a message document: the session, and the message as -J
 * describes it where ECS has no field. */
static void message_ns(jsonw *w, const ms_session *s, const ms_message *m) {
  jw_kstr(w, "uid", s->uid);
  if (!m)
    return;
  jw_kuint(w, "bytes", m->bytes);
  jw_kbool(w, "truncated", m->truncated);
  if (m->sha256[0])
    jw_kstr(w, "sha256", m->sha256);
  jw_kstr_opt(w, "extracted", m->extracted);
  jw_kuint(w, "attachment_count", m->attachments.len);
  if (m->anomalies.len) {
    jw_key(w, "anomalies");
    jw_arr_begin(w);
    for (size_t i = 0; i < m->anomalies.len; i++)
      jw_str(w, m->anomalies.items[i]);
    jw_arr_end(w);
  }
}

static const char *tx_outcome(const ms_transaction *t) {
  return t->status == MS_TX_QUEUED     ? "success"
         : t->status == MS_TX_REJECTED ? "failure"
                                       : "unknown";
}

static void transaction_doc(const ms_session *s, size_t i, jsonw *w) {
  const ms_transaction *t = &s->transactions.items[i];
  const ms_message *m = t->message;
  char id[48];
  snprintf(id, sizeof id, "%s-t%zu", s->uid, i + 1);
  jw_obj_begin(w);
  ecs_head(w, t->ts);
  event(w, s, id, "smtp-transaction", t->ts,
        t->reply.present ? t->reply.ts : t->ts - 1, tx_outcome(t));
  ecs_connection(w, s);
  related(w, s, m);
  ecs_user(w, s);
  ecs_begin_obj(w, "email");
  if (m)
    email_message(w, m);
  ecs_begin_obj(w, "sender");
  jw_kstr(w, "address", t->mail_from ? t->mail_from : "");
  jw_obj_end(w);
  jw_kstr_opt(w, "local_id", t->queue_id);
  if (t->status == MS_TX_QUEUED && t->reply.present)
    jw_kts(w, "delivery_timestamp", t->reply.ts);
  jw_obj_end(w);
  ecs_begin_obj(w, "mailscope");
  jw_kuint(w, "transaction", i + 1);
  jw_kstr(w, "status", ms_tx_status_name(t->status));
  if (t->reply.present)
    jw_kint(w, "reply_code", t->reply.code);
  jw_key(w, "rcpt_to");
  jw_arr_begin(w);
  for (size_t j = 0; j < t->rcpt_to.len; j++)
    jw_str(w, t->rcpt_to.items[j]);
  jw_arr_end(w);
  if (t->rcpt_rejected.len) {
    jw_key(w, "rcpt_rejected");
    jw_arr_begin(w);
    for (size_t j = 0; j < t->rcpt_rejected.len; j++)
      jw_str(w, t->rcpt_rejected.items[j].addr);
    jw_arr_end(w);
  }
  if (t->rcpt_unanswered.len) {
    jw_key(w, "rcpt_unanswered");
    jw_arr_begin(w);
    for (size_t j = 0; j < t->rcpt_unanswered.len; j++)
      jw_str(w, t->rcpt_unanswered.items[j]);
    jw_arr_end(w);
  }
  message_ns(w, s, m);
  jw_obj_end(w);
  jw_obj_end(w);
}

/* The RETR or TOP command that retrieved POP3 message `number`, its
 * reply's time as the end (the n-th of them when retrieved again). */
static const ms_command *retrieval_command(const ms_session *s, int number,
                                           size_t nth) {
  for (size_t i = 0; i < s->commands.len; i++) {
    const ms_command *c = &s->commands.items[i];
    if ((!strcmp(c->verb, "RETR") || !strcmp(c->verb, "TOP")) && c->arg &&
        atoi(c->arg) == number && nth-- == 0)
      return c;
  }
  return NULL;
}

static void retrieval_doc(const ms_session *s, size_t i, jsonw *w) {
  const ms_pop3_message *pm = &s->messages.items[i];
  const ms_message *m = pm->message;
  size_t before = 0; /* earlier retrievals of the same number */
  for (size_t k = 0; k < i; k++)
    before += s->messages.items[k].number == pm->number;
  const ms_command *c = retrieval_command(s, pm->number, before);
  ms_ts ts = c ? c->ts : s->ts;
  char id[48];
  snprintf(id, sizeof id, "%s-r%zu", s->uid, i + 1);
  jw_obj_begin(w);
  ecs_head(w, ts);
  event(w, s, id, "pop3-retrieval", ts,
        c && c->reply.present ? c->reply.ts : ts - 1,
        m && !m->truncated ? "success" : "unknown");
  ecs_connection(w, s);
  related(w, s, m);
  ecs_user(w, s);
  if (m) {
    ecs_begin_obj(w, "email");
    email_message(w, m);
    if (m->return_path)
      return_path_sender(w, m->return_path);
    jw_obj_end(w);
  }
  ecs_begin_obj(w, "mailscope");
  jw_kuint(w, "retrieval", i + 1);
  jw_kint(w, "number", pm->number);
  jw_kstr_opt(w, "command", pm->command);
  jw_kstr_opt(w, "pop3_uid", pm->uid);
  message_ns(w, s, m);
  jw_obj_end(w);
  jw_obj_end(w);
}

size_t ecs_message_documents(const ms_session *s, jsonw *w,
                             void (*doc)(void *ctx, jsonw *w), void *ctx) {
  size_t n = 0;
  for (size_t i = 0; i < s->transactions.len; i++, n++) {
    transaction_doc(s, i, w);
    doc(ctx, w);
  }
  for (size_t i = 0; i < s->messages.len; i++, n++) {
    retrieval_doc(s, i, w);
    doc(ctx, w);
  }
  return n;
}
