/* emit_json.c - the NDJSON session and stats records of docs/json.md.
 * Optional fields are left out when they have no value. */
#include <string.h>

#include "emit.h"
#include "sensor.h"

static void endpoint(jsonw *w, const char *key, const ms_endpoint *e) {
  jw_key(w, key);
  jw_obj_begin(w);
  jw_kstr(w, "ip", e->ip);
  jw_kuint(w, "port", e->port);
  jw_obj_end(w);
}

/* An outer end of a tunnel: the port only for UDP tunnels. */
static void tunnel_end(jsonw *w, const char *key, const ms_endpoint *e) {
  jw_key(w, key);
  jw_obj_begin(w);
  jw_kstr(w, "ip", e->ip);
  if (e->port)
    jw_kuint(w, "port", e->port);
  jw_obj_end(w);
}

static void tunnels(jsonw *w, const ms_session *s) {
  if (!s->tunnels.len)
    return;
  jw_key(w, "tunnel");
  jw_arr_begin(w);
  for (size_t i = 0; i < s->tunnels.len; i++) {
    const ms_tunnel *t = &s->tunnels.items[i];
    jw_obj_begin(w);
    jw_kstr(w, "type", t->type);
    tunnel_end(w, "client", &t->client);
    tunnel_end(w, "server", &t->server);
    if (t->has_id)
      jw_kuint(w, "id", t->id);
    jw_obj_end(w);
  }
  jw_arr_end(w);
}

/* The proxy hop: where the client asked an HTTP or SOCKS proxy to go. */
static void proxy(jsonw *w, const ms_proxy *x) {
  if (!x->type)
    return;
  jw_key(w, "proxy");
  jw_obj_begin(w);
  jw_kstr(w, "type", x->type);
  jw_kstr_opt(w, "host", x->host);
  if (x->port)
    jw_kuint(w, "port", x->port);
  jw_kstr_opt(w, "username", x->username);
  jw_kstr_opt(w, "password", x->password);
  jw_obj_end(w);
}

static void per_direction(jsonw *w, const char *key, const uint64_t v[2]) {
  jw_key(w, key);
  jw_obj_begin(w);
  jw_kuint(w, "client", v[MS_CLIENT]);
  jw_kuint(w, "server", v[MS_SERVER]);
  jw_obj_end(w);
}

static void reply(jsonw *w, const char *key, const ms_reply *r, bool with_ts) {
  if (!r->present)
    return;
  jw_key(w, key);
  jw_obj_begin(w);
  if (with_ts)
    jw_kts(w, "ts", r->ts);
  if (r->pop3_status) /* one type per field: POP3's is "status" */
    jw_kstr(w, "status", r->pop3_status);
  else
    jw_kint(w, "code", r->code);
  jw_kstr_opt(w, "enhanced", r->enhanced);
  jw_kstr(w, "text", r->text ? r->text : "");
  jw_obj_end(w);
}

static void commands(jsonw *w, const ms_session *s) {
  jw_key(w, "commands");
  jw_arr_begin(w);
  for (size_t i = 0; i < s->commands.len; i++) {
    const ms_command *c = &s->commands.items[i];
    jw_obj_begin(w);
    jw_kts(w, "ts", c->ts);
    jw_kstr(w, "verb", c->verb);
    jw_kstr_opt(w, "arg", c->arg);
    jw_kbool(w, "pipelined", c->pipelined);
    reply(w, "reply", &c->reply, true);
    jw_obj_end(w);
  }
  jw_arr_end(w);
}

static void auth(jsonw *w, const ms_auth *a) {
  if (!a->present)
    return;
  jw_key(w, "auth");
  jw_obj_begin(w);
  jw_kstr_opt(w, "mechanism", a->mechanism);
  jw_kstr_opt(w, "username", a->username);
  jw_kstr_opt(w, "password", a->password);
  jw_kstr_opt(w, "authzid", a->authzid);
  jw_kstr_opt(w, "challenge", a->challenge);
  jw_kstr(w, "result", ms_auth_result_name(a->result));
  jw_kint(w, "attempts", a->attempts);
  jw_kint(w, "failures", a->failures);
  jw_obj_end(w);
}

static void anomalies(jsonw *w, const ms_session *s) {
  jw_key(w, "anomalies");
  jw_arr_begin(w);
  for (size_t i = 0; i < s->anomalies.len; i++) {
    const ms_anomaly *a = &s->anomalies.items[i];
    jw_obj_begin(w);
    jw_kstr(w, "name", a->name);
    jw_kts(w, "ts", a->ts);
    jw_kstr(w, "detail", a->detail ? a->detail : "");
    jw_obj_end(w);
  }
  jw_arr_end(w);
}

static void strings(jsonw *w, const char *key, const strvec *v) {
  jw_key(w, key);
  jw_arr_begin(w);
  for (size_t i = 0; i < v->len; i++)
    jw_str(w, v->items[i]);
  jw_arr_end(w);
}

static void transaction(jsonw *w, const ms_transaction *t) {
  jw_obj_begin(w);
  jw_kts(w, "ts", t->ts);
  jw_kstr_opt(w, "mail_from", t->mail_from); /* absent: sender unknown */
  jw_kstr_opt(w, "mail_params", t->mail_params);
  strings(w, "rcpt_to", &t->rcpt_to);
  jw_key(w, "rcpt_rejected");
  jw_arr_begin(w);
  for (size_t i = 0; i < t->rcpt_rejected.len; i++) {
    jw_obj_begin(w);
    jw_kstr(w, "addr", t->rcpt_rejected.items[i].addr);
    jw_kint(w, "code", t->rcpt_rejected.items[i].code);
    jw_obj_end(w);
  }
  jw_arr_end(w);
  if (t->rcpt_unanswered.len) /* absent when every RCPT was answered */
    strings(w, "rcpt_unanswered", &t->rcpt_unanswered);
  jw_kstr(w, "status", ms_tx_status_name(t->status));
  reply(w, "reply", &t->reply, false);
  jw_kstr_opt(w, "queue_id", t->queue_id);
  if (t->message) {
    jw_key(w, "message");
    emit_message_json(t->message, w);
  }
  jw_obj_end(w);
}

static void smtp_fields(jsonw *w, const ms_session *s) {
  jw_kstr_opt(w, "helo", s->helo);
  jw_kbool(w, "esmtp", s->esmtp);
  strings(w, "capabilities", &s->capabilities);
  jw_key(w, "transactions");
  jw_arr_begin(w);
  for (size_t i = 0; i < s->transactions.len; i++)
    transaction(w, &s->transactions.items[i]);
  jw_arr_end(w);
  emit_route_json(s->route, w);
}

static void pop3_fields(jsonw *w, const ms_session *s) {
  strings(w, "capabilities", &s->capabilities);
  if (s->mailbox_present) {
    jw_key(w, "mailbox");
    jw_obj_begin(w);
    jw_kuint(w, "messages", s->mailbox_messages);
    jw_kuint(w, "octets", s->mailbox_octets);
    jw_obj_end(w);
  }
  jw_key(w, "messages");
  jw_arr_begin(w);
  for (size_t i = 0; i < s->messages.len; i++) {
    const ms_pop3_message *m = &s->messages.items[i];
    jw_obj_begin(w);
    jw_kint(w, "number", m->number);
    jw_kstr_opt(w, "uid", m->uid);
    jw_kstr(w, "command", m->command);
    jw_kuint(w, "bytes", m->bytes);
    if (m->message) {
      jw_key(w, "message");
      emit_message_json(m->message, w);
    }
    jw_obj_end(w);
  }
  jw_arr_end(w);
  jw_key(w, "deleted");
  jw_arr_begin(w);
  for (size_t i = 0; i < s->deleted.len; i++)
    jw_int(w, s->deleted.items[i]);
  jw_arr_end(w);
}

void emit_json_session(const ms_session *s, jsonw *w) {
  jw_obj_begin(w);
  jw_kstr(w, "event", "session");
  jw_kstr(w, "proto", ms_proto_name(s->proto));
  jw_kstr(w, "uid", s->uid);
  emit_json_sensor(w);
  jw_kts(w, "ts", s->ts);
  jw_kts(w, "end_ts", s->end_ts);
  endpoint(w, "client", &s->client);
  endpoint(w, "server", &s->server);
  jw_kint(w, "ip_version", s->ip_version);
  char cid[COMMUNITY_ID_LEN];
  sensor_community_id(s, cid);
  if (*cid)
    jw_kstr(w, "community_id", cid);
  if (s->vlan.len) {
    jw_key(w, "vlan");
    jw_arr_begin(w);
    for (size_t i = 0; i < s->vlan.len; i++)
      jw_uint(w, s->vlan.items[i]);
    jw_arr_end(w);
  }
  tunnels(w, s);
  proxy(w, &s->proxy);
  per_direction(w, "bytes", s->bytes);
  per_direction(w, "packets", s->packets);
  jw_kstr(w, "end", ms_end_name(s->end));
  jw_kbool(w, "midstream", s->midstream);
  jw_kuint(w, "gap_bytes", s->gap_bytes);
  jw_kstr(w, "tls", ms_tls_name(s->tls));
  jw_kstr_opt(w, "banner", s->banner);
  if (s->proto == MS_PROTO_SMTP)
    smtp_fields(w, s);
  else if (s->proto == MS_PROTO_POP3)
    pop3_fields(w, s);
  commands(w, s);
  auth(w, &s->auth);
  anomalies(w, s);
  jw_obj_end(w);
}

/* Only when DNS was seen: the "dns" object of the stats record. */
static void dns_stats(jsonw *w, const ms_dns_stats *d) {
  if (!d->messages)
    return;
  jw_key(w, "dns");
  jw_obj_begin(w);
  jw_kuint(w, "messages", d->messages);
  jw_kuint(w, "responses", d->responses);
  jw_kuint(w, "malformed", d->malformed);
  jw_kuint(w, "evicted", d->evicted);
  jw_key(w, "anomalies");
  jw_obj_begin(w);
  for (int i = 0; i < MS_DNS_A_COUNT; i++)
    if (d->anomalies[i])
      jw_kuint(w, ms_dns_anomaly_name((ms_dns_anomaly)i), d->anomalies[i]);
  jw_obj_end(w);
  jw_obj_end(w);
}

void emit_json_stats(const ms_stats *st, jsonw *w) {
  jw_obj_begin(w);
  jw_kstr(w, "event", "stats");
  emit_json_sensor(w);
  emit_json_stats_fields(st, w);
  jw_obj_end(w);
}

void emit_json_stats_fields(const ms_stats *st, jsonw *w) {
  jw_kuint(w, "packets", st->packets);
  jw_kuint(w, "bytes", st->bytes);
  jw_kuint(w, "packets_ignored",
           st->packets_ignored + st->packets_ignored_flows);
  jw_kuint(w, "packets_malformed", st->packets_malformed);
  jw_kuint(w, "packets_truncated", st->packets_truncated);
  jw_kuint(w, "packets_tunnelled", st->packets_tunnelled);
  jw_key(w, "sessions");
  jw_obj_begin(w);
  jw_kuint(w, "smtp", st->sessions_smtp);
  jw_kuint(w, "pop3", st->sessions_pop3);
  jw_obj_end(w);
  jw_kuint(w, "sessions_dropped", st->sessions_dropped);
  jw_kuint(w, "sessions_evicted", st->sessions_evicted);
  jw_kuint(w, "sessions_truncated", st->sessions_truncated);
  jw_kuint(w, "fragments", st->fragments);
  jw_kuint(w, "fragments_dropped", st->fragments_dropped);
  jw_kuint(w, "gap_bytes", st->gap_bytes);
  jw_kuint(w, "kernel_drops", st->kernel_drops);
  jw_kuint(w, "interface_drops", st->interface_drops);
  jw_kuint(w, "files_extracted", st->files_extracted);
  jw_kuint(w, "extract_refused", st->extract_refused);
  jw_kuint(w, "extract_failed", st->extract_failed);
  jw_kuint(w, "records_lost", st->records_lost);
  jw_key(w, "limits");
  jw_obj_begin(w);
  jw_kuint(w, "max_sessions", st->sessions_dropped + st->sessions_evicted);
  for (int i = 0; i < MS_LIMIT_COUNT; i++)
    jw_kuint(w, ms_limit_name((ms_limit)i), st->limits[i]);
  jw_obj_end(w);
  dns_stats(w, &st->dns);
  jw_key(w, "seconds");
  jw_double(w, st->seconds, 3);
  jw_key(w, "mb_per_s");
  jw_double(w, st->seconds > 0 ? (double)st->bytes / 1e6 / st->seconds : 0, 1);
}
