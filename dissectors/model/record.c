/* record.c - allocation, release and fill helpers of the session record. */
#include "record.h"
#include "dissector.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

ms_session *ms_session_new(void) { return xcalloc(1, sizeof(ms_session)); }

void ms_reply_clear(ms_reply *r) {
  free(r->pop3_status);
  free(r->enhanced);
  free(r->text);
  memset(r, 0, sizeof *r);
}

static char *dup_or_null(const char *s) { return s ? xstrdup(s) : NULL; }

void ms_reply_set(ms_reply *r, ms_ts ts, int code, const char *enhanced,
                  const char *text) {
  ms_reply_clear(r);
  r->present = true;
  r->ts = ts;
  r->code = code;
  r->enhanced = dup_or_null(enhanced);
  r->text = xstrdup(text ? text : "");
}

void ms_reply_copy(ms_reply *dst, const ms_reply *src) {
  ms_reply_clear(dst);
  *dst = *src;
  dst->pop3_status = dup_or_null(src->pop3_status);
  dst->enhanced = dup_or_null(src->enhanced);
  dst->text = dup_or_null(src->text);
}

void ms_auth_clear(ms_auth *a) {
  free(a->mechanism);
  free(a->username);
  free(a->password);
  free(a->authzid);
  free(a->challenge);
  int attempts = a->attempts, failures = a->failures;
  memset(a, 0, sizeof *a);
  a->attempts = attempts;
  a->failures = failures;
}

void ms_transaction_free(ms_transaction *t) {
  free(t->mail_from);
  free(t->mail_params);
  strvec_free(&t->rcpt_to);
  for (size_t i = 0; i < t->rcpt_rejected.len; i++)
    free(t->rcpt_rejected.items[i].addr);
  vec_free(&t->rcpt_rejected);
  ms_reply_clear(&t->reply);
  free(t->queue_id);
  ms_message_free(t->message);
}

void ms_pop3_message_free(ms_pop3_message *m) {
  free(m->uid);
  free(m->command);
  ms_message_free(m->message);
}

void ms_session_free(ms_session *s) {
  if (!s)
    return;
  vec_free(&s->vlan);
  vec_free(&s->tunnels);
  ms_tls_info_free(s->tls_info);
  free(s->banner);
  for (size_t i = 0; i < s->commands.len; i++) {
    free(s->commands.items[i].verb);
    free(s->commands.items[i].arg);
    ms_reply_clear(&s->commands.items[i].reply);
  }
  vec_free(&s->commands);
  ms_auth_clear(&s->auth);
  for (size_t i = 0; i < s->anomalies.len; i++) {
    free(s->anomalies.items[i].name);
    free(s->anomalies.items[i].detail);
  }
  vec_free(&s->anomalies);
  for (size_t i = 0; i < s->transcript.len; i++) {
    free(s->transcript.items[i].text);
    free(s->transcript.items[i].note);
  }
  vec_free(&s->transcript);
  strvec_free(&s->capabilities);
  free(s->helo);
  for (size_t i = 0; i < s->transactions.len; i++)
    ms_transaction_free(&s->transactions.items[i]);
  vec_free(&s->transactions);
  for (size_t i = 0; i < s->messages.len; i++)
    ms_pop3_message_free(&s->messages.items[i]);
  vec_free(&s->messages);
  vec_free(&s->deleted);
  free(s);
}

static ms_anomaly *add_anomaly_v(ms_session *s, const char *name, ms_ts ts,
                                 const char *fmt, va_list ap) {
  /* record_limit notices always pass: each limit raises its own once */
  if (s->anomalies.len >= MS_MAX_ANOMALIES && strcmp(name, "record_limit")) {
    if (!s->anomalies_capped) {
      s->anomalies_capped = true;
      s->limits[MS_LIMIT_ANOMALIES]++;
      ms_anomaly *last = vec_push(&s->anomalies);
      last->name = xstrdup("record_limit");
      last->ts = ts;
      last->detail = xasprintf("more than %d anomalies: later ones are not "
                               "recorded",
                               MS_MAX_ANOMALIES);
    }
    return NULL;
  }
  ms_anomaly *a = vec_push(&s->anomalies);
  a->name = xstrdup(name);
  a->ts = ts;
  if (fmt) {
    va_list aq;
    va_copy(aq, ap);
    int n = vsnprintf(NULL, 0, fmt, aq);
    va_end(aq);
    a->detail = xmalloc(n > 0 ? (size_t)n + 1 : 1);
    a->detail[0] = '\0';
    if (n > 0)
      vsnprintf(a->detail, (size_t)n + 1, fmt, ap);
  }
  return a;
}

ms_anomaly *ms_add_anomaly(ms_session *s, const char *name, ms_ts ts,
                           const char *fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  ms_anomaly *a = add_anomaly_v(s, name, ts, fmt, ap);
  va_end(ap);
  return a;
}

ms_anomaly *ms_limit_hit(ms_session *s, ms_limit which, const char *name,
                         ms_ts ts, const char *fmt, ...) {
  if (which < MS_LIMIT_COUNT && s->limits[which] < UINT32_MAX)
    s->limits[which]++;
  va_list ap;
  va_start(ap, fmt);
  ms_anomaly *a = add_anomaly_v(s, name, ts, fmt, ap);
  va_end(ap);
  return a;
}

const char *ms_limit_name(ms_limit l) {
  static const char *const names[MS_LIMIT_COUNT] = {
      [MS_LIMIT_SESSION_BYTES] = "max_session_bytes",
      [MS_LIMIT_LINE] = "max_line",
      [MS_LIMIT_PIPELINE] = "max_pipeline",
      [MS_LIMIT_MESSAGE_BYTES] = "max_message_bytes",
      [MS_LIMIT_MIME_DEPTH] = "max_mime_depth",
      [MS_LIMIT_MIME_PARTS] = "max_mime_parts",
      [MS_LIMIT_HEADERS] = "max_headers",
      [MS_LIMIT_COMMANDS] = "max_commands",
      [MS_LIMIT_ANOMALIES] = "anomalies",
      [MS_LIMIT_OUTSTANDING] = "outstanding",
      [MS_LIMIT_REPLY] = "reply_text",
      [MS_LIMIT_HEADER_VALUE] = "header_value",
      [MS_LIMIT_LIST] = "list_entries"};
  return l < MS_LIMIT_COUNT ? names[l] : "unknown";
}

ms_tline *ms_add_tline(ms_session *s, ms_ts ts, ms_dir dir, unsigned flags,
                       const uint8_t *text, size_t len, const char *note) {
  ms_tline *t = vec_push(&s->transcript);
  memset(t, 0, sizeof *t);
  t->ts = ts;
  t->dir = dir;
  t->flags = flags;
  t->text = wire_strdup(text, len);
  t->note = note ? xstrdup(note) : NULL;
  return t;
}

ms_command *ms_add_command(ms_session *s, ms_ts ts, const char *verb,
                           const uint8_t *arg, size_t arg_len) {
  ms_command *c = vec_push(&s->commands);
  c->ts = ts;
  c->verb = xstrdup(verb);
  c->arg = arg ? wire_strdup(arg, arg_len) : NULL;
  return c;
}

const char *ms_proto_name(ms_proto p) {
  switch (p) {
  case MS_PROTO_SMTP:
    return "smtp";
  case MS_PROTO_POP3:
    return "pop3";
  default:
    return "unknown";
  }
}

const char *ms_end_name(ms_end e) {
  static const char *const names[] = {"open", "fin",     "rst",
                                      "eof",  "timeout", "limit"};
  switch (e) {
  case MS_END_FIN:
    return names[1];
  case MS_END_RST:
    return names[2];
  case MS_END_EOF:
    return names[3];
  case MS_END_TIMEOUT:
    return names[4];
  case MS_END_LIMIT:
    return names[5];
  default:
    return names[0];
  }
}

const char *ms_tls_name(ms_tls t) {
  return t == MS_TLS_STARTTLS   ? "starttls"
         : t == MS_TLS_IMPLICIT ? "implicit"
                                : "none";
}

const char *ms_auth_result_name(ms_auth_result r) {
  return r == MS_AUTH_SUCCESS   ? "success"
         : r == MS_AUTH_FAILURE ? "failure"
                                : "unknown";
}

const char *ms_tx_status_name(ms_tx_status st) {
  switch (st) {
  case MS_TX_QUEUED:
    return "queued";
  case MS_TX_REJECTED:
    return "rejected";
  case MS_TX_ABORTED:
    return "aborted";
  default:
    return "pending";
  }
}

void ms_dissect_config_defaults(ms_dissect_config *cfg) {
  memset(cfg, 0, sizeof *cfg);
  cfg->max_line = 4096;
  cfg->max_pipeline = 100;
  cfg->max_message_bytes = 1 << 20;
  cfg->max_mime_depth = 8;
  cfg->max_mime_parts = 1000;
  cfg->max_headers = 1000;
  cfg->max_commands = 10000;
  cfg->transcript = true;
}
