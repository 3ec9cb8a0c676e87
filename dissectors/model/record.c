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

/* ---- the record's size bound (record.h) ------------------------------ */

/* What an entry itself adds to the output (keys, time, punctuation). */
#define ENTRY_COST 64

/* What the JSON emitter may write for each byte, at worst. */
static size_t text_cost(const uint8_t *p, size_t n) {
  size_t cost = n;
  for (size_t i = 0; i < n; i++)
    cost += p[i] < 0x20 || p[i] == 0x7f ? 5 : p[i] >= 0x80 ? 4 : 0;
  return cost;
}

static void cut_record(ms_session *s, ms_ts ts) {
  if (s->record_cut)
    return;
  s->record_cut = true;
  ms_limit_hit(s, MS_LIMIT_RECORD_BYTES, "record_truncated", ts,
               "the record outgrew --max-record-bytes %llu: later commands, "
               "replies and transcript lines are kept without their text, "
               "later MIME parts and addresses are not listed",
               (unsigned long long)s->record_budget);
}

bool ms_record_room(ms_session *s, size_t cost, ms_ts ts) {
  s->record_bytes += cost;
  if (!s->record_budget || s->record_bytes <= s->record_budget)
    return true;
  cut_record(s, ts);
  return false;
}

/* The n bytes at p, `copies` times in the record (a reply line is also in
 * its command's reply): all of them while there is room, else none. */
static size_t keep_text(ms_session *s, const uint8_t *p, size_t n,
                        size_t copies, ms_ts ts) {
  s->record_bytes += ENTRY_COST;
  if (!s->record_budget || n == 0)
    return n;
  if (s->record_cut)
    return 0;
  size_t cost = copies * text_cost(p, n);
  if (s->record_bytes + cost <= s->record_budget) {
    s->record_bytes += cost;
    return n;
  }
  cut_record(s, ts);
  return 0;
}

size_t ms_record_keep(ms_session *s, const uint8_t *p, size_t n, ms_ts ts) {
  return keep_text(s, p, n, 1, ts);
}

/* A reply's text, counted once it is set (the dissectors set replies
 * without ms_record_keep): kept while there is room, else emptied. */
static void account_reply(ms_session *s, ms_reply *r, ms_ts ts) {
  if (!r->present || !r->text)
    return;
  size_t n = strlen(r->text);
  if (keep_text(s, (const uint8_t *)r->text, n, 1, ts) < n) {
    free(r->text);
    r->text = xstrdup("");
  }
}

void ms_record_account(ms_session *s, ms_ts ts) {
  /* replies come in order: a cursor each, past the answered ones */
  while (s->replies_counted < s->commands.len &&
         s->commands.items[s->replies_counted].reply.present)
    account_reply(s, &s->commands.items[s->replies_counted++].reply, ts);
  while (s->tx_replies_counted < s->transactions.len &&
         s->transactions.items[s->tx_replies_counted].reply.present)
    account_reply(s, &s->transactions.items[s->tx_replies_counted++].reply, ts);
}

void ms_record_finish(ms_session *s, ms_ts ts) {
  for (size_t i = s->replies_counted; i < s->commands.len; i++)
    account_reply(s, &s->commands.items[i].reply, ts);
  for (size_t i = s->tx_replies_counted; i < s->transactions.len; i++)
    account_reply(s, &s->transactions.items[i].reply, ts);
  s->replies_counted = s->commands.len;
  s->tx_replies_counted = s->transactions.len;
}

void ms_reply_set(ms_reply *r, ms_ts ts, int code, const char *enhanced,
                  const char *text) {
  ms_reply_clear(r);
  r->present = true;
  r->ts = ts;
  r->code = code;
  r->enhanced = xstrdup_opt(enhanced);
  r->text = xstrdup(text ? text : "");
}

void ms_reply_copy(ms_reply *dst, const ms_reply *src) {
  ms_reply_clear(dst);
  *dst = *src;
  dst->pop3_status = xstrdup_opt(src->pop3_status);
  dst->enhanced = xstrdup_opt(src->enhanced);
  dst->text = xstrdup_opt(src->text);
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
  strvec_free(&t->rcpt_unanswered);
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
  free(s->proxy.host);
  free(s->proxy.username);
  free(s->proxy.password);
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
  ms_route_free(s->route);
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
    /* past the record's bound the detail goes (not the anomaly itself);
     * the anomaly that says so keeps its own */
    if (n > 0 && strcmp(name, "record_truncated") &&
        !keep_text(s, (const uint8_t *)a->detail, (size_t)n, 1, ts)) {
      free(a->detail);
      a->detail = xstrdup("");
    }
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
      [MS_LIMIT_LIST] = "list_entries",
      [MS_LIMIT_MEMORY] = "max_memory",
      [MS_LIMIT_RECORD_BYTES] = "max_record_bytes"};
  return l < MS_LIMIT_COUNT ? names[l] : "unknown";
}

ms_tline *ms_add_tline(ms_session *s, ms_ts ts, ms_dir dir, unsigned flags,
                       const uint8_t *text, size_t len, const char *note) {
  /* a server line of a reply is kept twice: here and in the reply */
  bool reply = dir == MS_SERVER &&
               !(flags & (MS_TL_BODY | MS_TL_SUMMARY | MS_TL_NOTICE));
  size_t keep = keep_text(s, text, len, reply ? 2 : 1, ts);
  if (note && keep == len)
    note = ms_record_keep(s, (const uint8_t *)note, strlen(note), ts) ? note
                                                                      : NULL;
  ms_tline *t = vec_push(&s->transcript);
  memset(t, 0, sizeof *t);
  t->ts = ts;
  t->dir = dir;
  t->flags = flags;
  t->text = wire_strdup(text, keep);
  t->note = note && keep == len ? xstrdup(note) : NULL;
  return t;
}

ms_command *ms_add_command(ms_session *s, ms_ts ts, const char *verb,
                           const uint8_t *arg, size_t arg_len) {
  size_t keep = arg ? keep_text(s, arg, arg_len, 1, ts) : 0;
  if (!s->commands.cap) { /* an idle session has sent one or two commands */
    s->commands.items = xcalloc(1, sizeof *s->commands.items);
    s->commands.cap = 1;
  }
  ms_command *c = vec_push(&s->commands);
  c->ts = ts;
  c->verb = xstrdup(verb);
  c->arg = arg ? wire_strdup(arg, keep) : NULL;
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
