/* emit_ecs.c - one Elastic Common Schema (ECS 8.x) document per session.
 *
 * Contract (docs/ecs.md maps every field): the document is one connection
 * event (event.category network + email, + authentication when a login was
 * seen).  email.* describes the session's primary message: the first SMTP
 * transaction that carried a body (else the first transaction), or the
 * first message retrieved over POP3.  Every transaction and every retrieved
 * message is also listed under mailscope.*, the namespace for what ECS has
 * no field for, so nothing is lost.  Only ECS field names with values of
 * their ECS type appear outside mailscope.* (tests/ecs_check.py checks it).
 * Strings are written as recorded; jsonw makes them valid JSON/UTF-8. */
#include <ctype.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "emit.h"

/* ---- RFC 5322 Date header -> microseconds since the epoch ------------- */

typedef struct {
  const char *p, *end;
} cursor;

/* Skip folding white space and (possibly nested) comments. */
static void skip_cfws(cursor *c) {
  int depth = 0;
  while (c->p < c->end) {
    char ch = *c->p;
    if (ch == '(')
      depth++;
    else if (ch == ')' && depth > 0)
      depth--;
    else if (!depth && ch != ' ' && ch != '\t' && ch != '\r' && ch != '\n')
      return;
    c->p++;
  }
}

/* Up to max_digits decimal digits; -1 when there is none. */
static long number(cursor *c, int max_digits, int *ndigits) {
  long v = 0;
  int n = 0;
  while (c->p < c->end && n < max_digits && isdigit((unsigned char)*c->p)) {
    v = v * 10 + (*c->p - '0');
    c->p++;
    n++;
  }
  if (ndigits)
    *ndigits = n;
  return n ? v : -1;
}

static int word(cursor *c, char *out, size_t cap) {
  size_t n = 0;
  while (c->p < c->end && isalpha((unsigned char)*c->p)) {
    if (n + 1 < cap)
      out[n++] = *c->p;
    c->p++;
  }
  out[n] = '\0';
  return (int)n;
}

static int month_index(const char *m) {
  static const char *const names[] = {"jan", "feb", "mar", "apr", "may", "jun",
                                      "jul", "aug", "sep", "oct", "nov", "dec"};
  for (int i = 0; i < 12; i++)
    if (!strcasecmp(m, names[i]))
      return i + 1;
  return 0;
}

/* Minutes east of UTC for the obsolete zone names; 0 for UT/GMT/Z and for
 * the military letters, whose meaning RFC 5322 says to ignore. */
static bool named_zone(const char *z, long *minutes) {
  static const struct {
    const char *name;
    int hours;
  } zones[] = {{"UT", 0},   {"GMT", 0},  {"UTC", 0},  {"Z", 0},
               {"EST", -5}, {"EDT", -4}, {"CST", -6}, {"CDT", -5},
               {"MST", -7}, {"MDT", -6}, {"PST", -8}, {"PDT", -7}};
  for (size_t i = 0; i < sizeof zones / sizeof zones[0]; i++)
    if (!strcasecmp(z, zones[i].name)) {
      *minutes = zones[i].hours * 60L;
      return true;
    }
  if (strlen(z) == 1) {
    *minutes = 0;
    return true;
  }
  return false;
}

/* Days since 1970-01-01 of a proleptic Gregorian date. */
static int64_t days_from_civil(long y, long m, long d) {
  y -= m <= 2;
  long era = (y >= 0 ? y : y - 399) / 400;
  long yoe = y - era * 400;
  long doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
  long doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
  return (int64_t)era * 146097 + doe - 719468;
}

static int days_in_month(long y, long m) {
  static const int days[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  bool leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
  return m == 2 && leap ? 29 : days[m - 1];
}

/* Parse "[Day,] DD Mon YYYY HH:MM[:SS] zone"; false when it is not one. */
static bool parse_mail_date(const char *text, ms_ts *out) {
  cursor c = {text, text + strlen(text)};
  char w[16];
  skip_cfws(&c);
  const char *mark = c.p;
  if (word(&c, w, sizeof w)) { /* optional day of week */
    skip_cfws(&c);
    if (c.p < c.end && *c.p == ',')
      c.p++;
    else if (month_index(w))
      c.p = mark; /* no day name: "Nov 22 ..." is not RFC 5322 anyway */
    skip_cfws(&c);
  }
  int nd;
  long day = number(&c, 2, NULL);
  skip_cfws(&c);
  word(&c, w, sizeof w);
  long month = month_index(w);
  skip_cfws(&c);
  long year = number(&c, 4, &nd);
  if (day < 1 || !month || year < 0)
    return false;
  if (nd == 2)
    year += year < 50 ? 2000 : 1900;
  else if (nd == 3)
    year += 1900;
  skip_cfws(&c);
  long hour = number(&c, 2, NULL), minute = -1, second = 0;
  skip_cfws(&c);
  if (c.p < c.end && *c.p == ':') {
    c.p++;
    skip_cfws(&c);
    minute = number(&c, 2, NULL);
  }
  skip_cfws(&c);
  if (c.p < c.end && *c.p == ':') {
    c.p++;
    skip_cfws(&c);
    second = number(&c, 2, NULL);
  }
  skip_cfws(&c);
  long zone = 0;
  if (c.p < c.end && (*c.p == '+' || *c.p == '-')) {
    int sign = *c.p == '-' ? -1 : 1;
    c.p++;
    long hhmm = number(&c, 4, &nd);
    if (nd != 4 || hhmm % 100 > 59)
      return false;
    zone = sign * ((hhmm / 100) * 60 + hhmm % 100);
  } else if (!word(&c, w, sizeof w) || !named_zone(w, &zone)) {
    return false;
  }
  if (year < 1900 || year > 9999 || day > days_in_month(year, month) ||
      hour < 0 || hour > 23 || minute < 0 || minute > 59 || second < 0 ||
      second > 60)
    return false;
  int64_t sec = days_from_civil(year, month, day) * 86400 + hour * 3600 +
                minute * 60 + second - zone * 60;
  *out = sec * 1000000;
  return true;
}

/* ---- helpers ------------------------------------------------------------ */

typedef struct {
  const ms_message *message;
  const ms_transaction *transaction; /* SMTP only */
} primary;

static primary primary_message(const ms_session *s) {
  primary p = {NULL, NULL};
  for (size_t i = 0; i < s->transactions.len; i++)
    if (s->transactions.items[i].message) {
      p.transaction = &s->transactions.items[i];
      p.message = p.transaction->message;
      return p;
    }
  if (s->transactions.len) {
    p.transaction = &s->transactions.items[0];
    return p;
  }
  for (size_t i = 0; i < s->messages.len; i++)
    if (s->messages.items[i].message) {
      p.message = s->messages.items[i].message;
      return p;
    }
  return p;
}

static void begin_obj(jsonw *w, const char *key) {
  jw_key(w, key);
  jw_obj_begin(w);
}

static void str_array(jsonw *w, const char *key, const char *const *v,
                      size_t n) {
  jw_key(w, key);
  jw_arr_begin(w);
  for (size_t i = 0; i < n; i++)
    jw_str(w, v[i]);
  jw_arr_end(w);
}

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
  begin_obj(w, key);
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
  begin_obj(w, key);
  jw_kstr(w, "address", e->ip);
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

/* ---- field sets ---------------------------------------------------------- */

static void event(jsonw *w, const ms_session *s) {
  const char *proto = ms_proto_name(s->proto);
  begin_obj(w, "event");
  jw_kstr(w, "kind", "event");
  jw_key(w, "category");
  jw_arr_begin(w);
  jw_str(w, "network");
  jw_str(w, "email");
  if (s->auth.present)
    jw_str(w, "authentication");
  jw_arr_end(w);
  static const char *const types[] = {"connection", "protocol", "info"};
  str_array(w, "type", types, 3);
  jw_kstr(w, "module", "mailscope");
  char dataset[32];
  snprintf(dataset, sizeof dataset, "mailscope.%s", proto);
  jw_kstr(w, "dataset", dataset);
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
  begin_obj(w, "vlan");
  jw_kstr(w, "id", text);
  jw_obj_end(w);
}

static void network(jsonw *w, const ms_session *s) {
  begin_obj(w, "network");
  jw_kstr(w, "transport", "tcp");
  jw_kstr(w, "protocol", ms_proto_name(s->proto));
  jw_kstr(w, "type", s->ip_version == 6 ? "ipv6" : "ipv4");
  jw_kuint(w, "bytes", s->bytes[MS_CLIENT] + s->bytes[MS_SERVER]);
  jw_kuint(w, "packets", s->packets[MS_CLIENT] + s->packets[MS_SERVER]);
  if (s->vlan.len)
    vlan_id(w, s->vlan.items[0]);
  if (s->vlan.len > 1) {
    begin_obj(w, "inner");
    vlan_id(w, s->vlan.items[1]);
    jw_obj_end(w);
  }
  jw_obj_end(w);
}

static void related(jsonw *w, const ms_session *s) {
  begin_obj(w, "related");
  const char *ips[] = {s->client.ip, s->server.ip};
  str_array(w, "ip", ips, strcmp(ips[0], ips[1]) ? 2 : 1);
  if (s->auth.present && s->auth.username) {
    const char *users[] = {s->auth.username};
    str_array(w, "user", users, 1);
  }
  jw_obj_end(w);
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
    begin_obj(w, "file");
    jw_kstr_opt(w, "name", a->filename);
    if (file_extension(a->filename, ext, sizeof ext))
      jw_kstr(w, "extension", ext);
    jw_kstr_opt(w, "mime_type", a->content_type);
    jw_kuint(w, "size", a->bytes);
    begin_obj(w, "hash");
    jw_kstr(w, "md5", a->md5);
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
  begin_obj(w, "sender");
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
  if (m->date && parse_mail_date(m->date, &composed))
    jw_kts(w, "origination_timestamp", composed);
  attachments(w, m);
}

static void email(jsonw *w, const primary *p) {
  const ms_transaction *t = p->transaction;
  if (!p->message && !t)
    return;
  begin_obj(w, "email");
  if (p->message)
    email_message(w, p->message);
  if (t) {
    if (t->mail_from) { /* absent: the sender is unknown */
      begin_obj(w, "sender");
      jw_kstr(w, "address", t->mail_from);
      jw_obj_end(w);
    }
    jw_kstr_opt(w, "local_id", t->queue_id);
    if (t->status == MS_TX_QUEUED && t->reply.present)
      jw_kts(w, "delivery_timestamp", t->reply.ts);
  } else if (p->message->return_path) {
    return_path_sender(w, p->message->return_path);
  }
  jw_obj_end(w);
}

static void user(jsonw *w, const ms_session *s) {
  if (!s->auth.present || !s->auth.username)
    return;
  begin_obj(w, "user");
  jw_kstr(w, "name", s->auth.username);
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
    begin_obj(w, "mailbox");
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
  begin_obj(w, "mailscope");
  jw_kstr(w, "uid", s->uid);
  jw_kstr(w, "end", ms_end_name(s->end));
  jw_kbool(w, "midstream", s->midstream);
  jw_kuint(w, "gap_bytes", s->gap_bytes);
  jw_kstr(w, "tls", ms_tls_name(s->tls));
  if (s->tls_info && s->tls_info->client.present)
    jw_kstr(w, "ja4", s->tls_info->client.ja4);
  jw_kstr_opt(w, "banner", s->banner);
  jw_kstr_opt(w, "helo", s->helo);
  jw_kuint(w, "commands", s->commands.len);
  if (s->auth.present) {
    begin_obj(w, "auth");
    jw_kstr_opt(w, "mechanism", s->auth.mechanism);
    jw_kstr(w, "result", ms_auth_result_name(s->auth.result));
    jw_kint(w, "attempts", s->auth.attempts);
    jw_kint(w, "failures", s->auth.failures);
    jw_obj_end(w);
  }
  if (s->proto == MS_PROTO_SMTP)
    ns_transactions(w, s);
  ns_messages(w, s);
  jw_kuint(w, "anomaly_count", s->anomalies.len);
  jw_key(w, "anomalies");
  jw_arr_begin(w);
  for (size_t i = 0; i < s->anomalies.len; i++)
    jw_str(w, s->anomalies.items[i].name);
  jw_arr_end(w);
  jw_obj_end(w);
}

void emit_ecs_session(const ms_session *s, jsonw *w) {
  primary p = primary_message(s);
  jw_obj_begin(w);
  jw_kts(w, "@timestamp", s->ts);
  begin_obj(w, "ecs");
  jw_kstr(w, "version", "8.11.0");
  jw_obj_end(w);
  event(w, s);
  endpoint(w, "source", &s->client, s->bytes[MS_CLIENT], s->packets[MS_CLIENT]);
  endpoint(w, "destination", &s->server, s->bytes[MS_SERVER],
           s->packets[MS_SERVER]);
  network(w, s);
  related(w, s);
  user(w, s);
  emit_ecs_tls(s, w);
  email(w, &p);
  mailscope_ns(w, s);
  jw_obj_end(w);
}
