/* emit_ecs.c - Elastic Common Schema (ECS 8.x) documents of a session.
 *
 * Contract (docs/ecs.md maps every field): a session gives one session
 * document (event.id = the session uid: the connection, login, anomalies,
 * a summary of every transaction or retrieval), then one document per SMTP
 * transaction and per POP3 retrieval (emit_ecs_message.c), each with the
 * email.* of its one message, event.id = uid-tN / uid-rN, and the session
 * uid in mailscope.uid to join them.  What ECS has no field for is under
 * mailscope.*.  Only ECS field names with values of their ECS type appear
 * outside mailscope.* (tests/ecs_check.py checks it, and the index template
 * of docs/examples maps them).  Strings are written as recorded; jsonw
 * makes them valid JSON/UTF-8. */
#include <ctype.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "emit_ecs_parts.h"
#include "sensor.h"

/* ---- helpers ------------------------------------------------------------ */

void ecs_begin_obj(jsonw *w, const char *key) {
  jw_key(w, key);
  jw_obj_begin(w);
}

void ecs_str_array(jsonw *w, const char *key, const char *const *v, size_t n) {
  jw_key(w, key);
  jw_arr_begin(w);
  for (size_t i = 0; i < n; i++)
    jw_str(w, v[i]);
  jw_arr_end(w);
}

static void endpoint(jsonw *w, const char *key, const ms_endpoint *e,
                     uint64_t bytes, uint64_t packets, const char *domain) {
  ecs_begin_obj(w, key);
  jw_kstr(w, "address", e->ip);
  jw_kstr_opt(w, "domain", domain);
  jw_kstr(w, "ip", e->ip);
  jw_kuint(w, "port", e->port);
  jw_kuint(w, "bytes", bytes);
  jw_kuint(w, "packets", packets);
  jw_obj_end(w);
}

/* success: mail was queued, a login succeeded or a message was retrieved;
 * failure: a login failed and nothing succeeded, or every transaction was
 * refused; unknown otherwise. */
static const char *outcome(const ms_session *s) {
  for (size_t i = 0; i < s->transactions.len; i++)
    if (s->transactions.items[i].status == MS_TX_QUEUED)
      return "success";
  if (s->auth.present && s->auth.result == MS_AUTH_SUCCESS)
    return "success";
  if (s->messages.len)
    return "success";
  if (s->auth.present && s->auth.result == MS_AUTH_FAILURE)
    return "failure";
  bool all_rejected = s->transactions.len > 0;
  for (size_t i = 0; i < s->transactions.len; i++)
    all_rejected &= s->transactions.items[i].status == MS_TX_REJECTED;
  return all_rejected ? "failure" : "unknown";
}

/* ---- field sets ---------------------------------------------------------- */

static void event(jsonw *w, const ms_session *s) {
  const char *proto = ms_proto_name(s->proto);
  ecs_begin_obj(w, "event");
  jw_kstr(w, "kind", "event");
  jw_key(w, "category");
  jw_arr_begin(w);
  jw_str(w, "network");
  jw_str(w, "email");
  if (s->auth.present)
    jw_str(w, "authentication");
  jw_arr_end(w);
  static const char *const types[] = {"connection", "protocol", "info"};
  ecs_str_array(w, "type", types, 3);
  jw_kstr(w, "module", "mailscope");
  char dataset[32];
  snprintf(dataset, sizeof dataset, "mailscope.%s", proto);
  jw_kstr(w, "dataset", dataset);
  jw_kstr(w, "id", s->uid);
  jw_kstr(w, "action", "session");
  jw_kts(w, "start", s->ts);
  jw_kts(w, "end", s->end_ts);
  ms_ts span = s->end_ts > s->ts ? s->end_ts - s->ts : 0;
  jw_kint(w, "duration", span * 1000); /* nanoseconds */
  jw_kstr(w, "outcome", outcome(s));
  jw_obj_end(w);
}

static void vlan_id(jsonw *w, uint16_t id) {
  char text[8];
  snprintf(text, sizeof text, "%u", (unsigned)id);
  ecs_begin_obj(w, "vlan");
  jw_kstr(w, "id", text);
  jw_obj_end(w);
}

static void network(jsonw *w, const ms_session *s) {
  ecs_begin_obj(w, "network");
  char cid[COMMUNITY_ID_LEN];
  sensor_community_id(s, cid);
  if (*cid)
    jw_kstr(w, "community_id", cid);
  jw_kstr(w, "transport", "tcp");
  jw_kstr(w, "protocol", ms_proto_name(s->proto));
  jw_kstr(w, "type", s->ip_version == 6 ? "ipv6" : "ipv4");
  jw_kuint(w, "bytes", s->bytes[MS_CLIENT] + s->bytes[MS_SERVER]);
  jw_kuint(w, "packets", s->packets[MS_CLIENT] + s->packets[MS_SERVER]);
  if (s->vlan.len)
    vlan_id(w, s->vlan.items[0]);
  if (s->vlan.len > 1) {
    ecs_begin_obj(w, "inner");
    vlan_id(w, s->vlan.items[1]);
    jw_obj_end(w);
  }
  jw_obj_end(w);
}

static void related(jsonw *w, const ms_session *s) {
  ecs_begin_obj(w, "related");
  const char *ips[] = {s->client.ip, s->server.ip};
  ecs_str_array(w, "ip", ips, strcmp(ips[0], ips[1]) ? 2 : 1);
  emit_route_related_hosts(s, w);
  if (s->auth.present && s->auth.username) {
    const char *users[] = {s->auth.username};
    ecs_str_array(w, "user", users, 1);
  }
  jw_obj_end(w);
}

void ecs_user(jsonw *w, const ms_session *s) {
  if (!s->auth.present || !s->auth.username)
    return;
  ecs_begin_obj(w, "user");
  jw_kstr(w, "name", s->auth.username);
  jw_obj_end(w);
}

static void tls(jsonw *w, const ms_session *s) {
  if (s->tls != MS_TLS_STARTTLS)
    return;
  ecs_begin_obj(w, "tls");
  jw_kbool(w, "established", true);
  jw_obj_end(w);
}

/* ---- mailscope.* ----------------------------------------------------------
 */

static void ns_transactions(jsonw *w, const ms_session *s) {
  jw_kuint(w, "transaction_count", s->transactions.len);
  jw_key(w, "transactions");
  jw_arr_begin(w);
  for (size_t i = 0; i < s->transactions.len; i++) {
    const ms_transaction *t = &s->transactions.items[i];
    jw_obj_begin(w);
    jw_kts(w, "ts", t->ts);
    jw_kstr_opt(w, "mail_from", t->mail_from);
    jw_key(w, "rcpt_to");
    jw_arr_begin(w);
    for (size_t j = 0; j < t->rcpt_to.len; j++)
      jw_str(w, t->rcpt_to.items[j]);
    jw_arr_end(w);
    if (t->rcpt_unanswered.len) {
      jw_key(w, "rcpt_unanswered");
      jw_arr_begin(w);
      for (size_t j = 0; j < t->rcpt_unanswered.len; j++)
        jw_str(w, t->rcpt_unanswered.items[j]);
      jw_arr_end(w);
    }
    jw_kstr(w, "status", ms_tx_status_name(t->status));
    if (t->reply.present)
      jw_kint(w, "reply_code", t->reply.code);
    jw_kstr_opt(w, "queue_id", t->queue_id);
    if (t->message) {
      jw_kstr_opt(w, "subject", t->message->subject);
      jw_kstr_opt(w, "message_id", t->message->message_id);
      jw_kuint(w, "bytes", t->message->bytes);
      jw_kuint(w, "attachments", t->message->attachments.len);
    }
    jw_obj_end(w);
  }
  jw_arr_end(w);
}

static void ns_messages(jsonw *w, const ms_session *s) {
  if (s->proto != MS_PROTO_POP3)
    return;
  if (s->mailbox_present) {
    ecs_begin_obj(w, "mailbox");
    jw_kuint(w, "messages", s->mailbox_messages);
    jw_kuint(w, "octets", s->mailbox_octets);
    jw_obj_end(w);
  }
  jw_kuint(w, "message_count", s->messages.len);
  jw_key(w, "messages");
  jw_arr_begin(w);
  for (size_t i = 0; i < s->messages.len; i++) {
    const ms_pop3_message *pm = &s->messages.items[i];
    jw_obj_begin(w);
    jw_kint(w, "number", pm->number);
    jw_kstr_opt(w, "uid", pm->uid);
    jw_kstr_opt(w, "command", pm->command);
    jw_kuint(w, "bytes", pm->bytes);
    if (pm->message) {
      jw_kstr_opt(w, "subject", pm->message->subject);
      jw_kstr_opt(w, "message_id", pm->message->message_id);
      jw_kuint(w, "attachments", pm->message->attachments.len);
    }
    jw_obj_end(w);
  }
  jw_arr_end(w);
  jw_kuint(w, "deleted", s->deleted.len);
}

static void mailscope_ns(jsonw *w, const ms_session *s) {
  ecs_begin_obj(w, "mailscope");
  jw_kstr(w, "uid", s->uid);
  jw_kstr(w, "end", ms_end_name(s->end));
  jw_kbool(w, "midstream", s->midstream);
  jw_kuint(w, "gap_bytes", s->gap_bytes);
  jw_kstr(w, "tls", ms_tls_name(s->tls));
  jw_kstr_opt(w, "banner", s->banner);
  jw_kstr_opt(w, "helo", s->helo);
  jw_kuint(w, "commands", s->commands.len);
  if (s->auth.present) {
    ecs_begin_obj(w, "auth");
    jw_kstr_opt(w, "mechanism", s->auth.mechanism);
    jw_kstr(w, "result", ms_auth_result_name(s->auth.result));
    jw_kint(w, "attempts", s->auth.attempts);
    jw_kint(w, "failures", s->auth.failures);
    jw_obj_end(w);
  }
  if (s->proxy.type) { /* no password: ECS documents carry no secret */
    ecs_begin_obj(w, "proxy");
    jw_kstr(w, "type", s->proxy.type);
    jw_kstr_opt(w, "host", s->proxy.host);
    jw_kuint(w, "port", s->proxy.port);
    jw_kstr_opt(w, "username", s->proxy.username);
    jw_obj_end(w);
  }
  if (s->proto == MS_PROTO_SMTP)
    ns_transactions(w, s);
  emit_route_json(s->route, w);
  ns_messages(w, s);
  jw_kuint(w, "anomaly_count", s->anomalies.len);
  jw_key(w, "anomalies");
  jw_arr_begin(w);
  for (size_t i = 0; i < s->anomalies.len; i++)
    jw_str(w, s->anomalies.items[i].name);
  jw_arr_end(w);
  jw_obj_end(w);
}

void ecs_head(jsonw *w, ms_ts ts) {
  jw_kts(w, "@timestamp", ts);
  ecs_begin_obj(w, "ecs");
  jw_kstr(w, "version", "8.11.0");
  jw_obj_end(w);
}

void ecs_connection(jsonw *w, const ms_session *s) {
  endpoint(w, "source", &s->client, s->bytes[MS_CLIENT], s->packets[MS_CLIENT],
           emit_route_client_domain(s->route));
  endpoint(w, "destination", &s->server, s->bytes[MS_SERVER],
           s->packets[MS_SERVER], emit_route_server_domain(s->route));
  network(w, s);
  emit_ecs_observer(w);
}

size_t emit_ecs_session(const ms_session *s, jsonw *w,
                        void (*doc)(void *ctx, jsonw *w), void *ctx) {
  jw_obj_begin(w);
  ecs_head(w, s->ts);
  event(w, s);
  ecs_connection(w, s);
  related(w, s);
  ecs_user(w, s);
  tls(w, s);
  mailscope_ns(w, s);
  jw_obj_end(w);
  doc(ctx, w);
  return 1 + ecs_message_documents(s, w, doc, ctx);
}
