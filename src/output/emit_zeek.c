/* emit_zeek.c - smtp.log (SMTP::Info): one record per SMTP transaction, as
 * Zeek logs them; docs/zeek.md maps every field and lists the
 * differences.
 *
 * Fields, in Zeek's order: base/protocols/smtp/main.zeek (ts ... tls),
 * then fuids (base/protocols/smtp/files.zeek), is_webmail
 * (policy/protocols/smtp/software.zeek, loaded by Zeek's default
 * local.zeek) and community_id (as Zeek's community-id scripts name it).
 *
 * As in Zeek, a session whose client switched to TLS gets one more record
 * after its transactions (tls true, last_reply the 220 to STARTTLS);
 * trans_depth counts transferred message bodies as Zeek does (a refused
 * transaction does not advance it); rcptto holds every RCPT TO argument,
 * accepted or refused.  POP3 sessions have no smtp.log record. */
#include <arpa/inet.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "sensor.h"
#include "zeek_logs.h"

static const zeek_field smtp_fields[] = {
    {"ts", "time"},
    {"uid", "string"},
    {"id.orig_h", "addr"},
    {"id.orig_p", "port"},
    {"id.resp_h", "addr"},
    {"id.resp_p", "port"},
    {"trans_depth", "count"},
    {"helo", "string"},
    {"mailfrom", "string"},
    {"rcptto", "set[string]"},
    {"date", "string"},
    {"from", "string"},
    {"to", "set[string]"},
    {"cc", "set[string]"},
    {"reply_to", "string"},
    {"msg_id", "string"},
    {"in_reply_to", "string"},
    {"subject", "string"},
    {"x_originating_ip", "addr"},
    {"first_received", "string"},
    {"second_received", "string"},
    {"last_reply", "string"},
    {"path", "vector[addr]"},
    {"user_agent", "string"},
    {"tls", "bool"},
    {"fuids", "vector[string]"},
    {"is_webmail", "bool"},
    {"community_id", "string"},
};

const zeek_log_def zeek_smtp_log = {"smtp", smtp_fields,
                                    sizeof smtp_fields / sizeof smtp_fields[0]};

void zeek_conn_fields(zeek_rec *r, const ms_session *s, ms_ts ts) {
  zr_time(r, "ts", ts);
  zr_str(r, "uid", s->uid);
  zr_conn_id(r, s->client.ip, s->client.port, s->server.ip, s->server.port);
}

/* A display name needs quotes when it holds RFC 5322 specials. */
static bool needs_quotes(const char *name) {
  return strpbrk(name, "()<>[]:;@\\,.\"") != NULL;
}

/* "Name <addr>" or "addr", as a mail client writes one mailbox. */
static char *mailbox_text(const ms_address *a) {
  if (!a->name || !*a->name)
    return xstrdup(a->address);
  if (!needs_quotes(a->name))
    return xasprintf("%s <%s>", a->name, a->address);
  size_t n = strlen(a->name);
  char *quoted = xmalloc(2 * n + 1), *q = quoted;
  for (size_t i = 0; i < n; i++) {
    if (a->name[i] == '"' || a->name[i] == '\\')
      *q++ = '\\';
    *q++ = a->name[i];
  }
  *q = '\0';
  char *text = xasprintf("\"%s\" <%s>", quoted, a->address);
  free(quoted);
  return text;
}

/* Zeek's to/cc: one entry per mailbox of the header. */
static void mailbox_set(zeek_rec *r, const char *key, const ms_addrvec *v) {
  for (size_t i = 0; i < v->len; i++) {
    if (!v->items[i].address)
      continue;
    char *text = mailbox_text(&v->items[i]);
    zr_add(r, key, text);
    free(text);
  }
}

/* Zeek's from/reply_to: the header value; rebuilt as "a, b". */
static void mailbox_header(zeek_rec *r, const char *key, const ms_addrvec *v) {
  char *joined = NULL;
  for (size_t i = 0; i < v->len; i++) {
    if (!v->items[i].address)
      continue;
    char *one = mailbox_text(&v->items[i]);
    char *next = joined ? xasprintf("%s, %s", joined, one) : one;
    if (joined) {
      free(joined);
      free(one);
    }
    joined = next;
  }
  zr_str(r, key, joined);
  free(joined);
}

static bool valid_ip(const char *ip) {
  unsigned char bin[16];
  return ip && (inet_pton(AF_INET, ip, bin) == 1 ||
                inet_pton(AF_INET6, ip, bin) == 1);
}

/* x_originating_ip is an addr in Zeek: set only when the header holds one
 * ("[192.0.2.1]" and "192.0.2.1" both do). */
static void originating_ip(zeek_rec *r, const char *v) {
  if (!v)
    return;
  while (*v == ' ' || *v == '\t' || *v == '[')
    v++;
  char ip[64];
  size_t n = 0;
  while (v[n] && v[n] != ']' && v[n] != ' ' && v[n] != '\t' &&
         n + 1 < sizeof ip) {
    ip[n] = v[n];
    n++;
  }
  ip[n] = '\0';
  if (valid_ip(ip))
    zr_str(r, "x_originating_ip", ip);
}

/* path: the server, the client, then each Received hop's address, top
 * first, skipping a repeat of the previous entry (Zeek's order). */
static void path(zeek_rec *r, const ms_session *s, const ms_message *m) {
  zr_add(r, "path", s->server.ip);
  zr_add(r, "path", s->client.ip);
  const char *last = s->client.ip;
  for (size_t j = 0; m && j < m->received.len; j++) {
    const char *ip = m->received.items[j].ip;
    if (!valid_ip(ip) || !strcmp(ip, last))
      continue;
    zr_add(r, "path", ip);
    last = ip;
  }
}

/* Webmail front ends by the names they put in User-Agent / X-Mailer. */
static bool webmail(const char *agent) {
  static const char *const products[] = {
      "Roundcube", "SquirrelMail",      "Horde",      "(IMP)",
      "Zimbra",    "RainLoop",          "SnappyMail", "SOGo",
      "NeoMail",   "Messenger Express", "AfterLogic", "Outlook-Web-App"};
  if (!agent)
    return false;
  for (size_t i = 0; i < sizeof products / sizeof products[0]; i++)
    if (strcasestr(agent, products[i]))
      return true;
  return false;
}

static void last_reply(zeek_rec *r, const ms_reply *rep) {
  if (!rep->present)
    return;
  /* Zeek keeps the last line of a multi-line reply */
  const char *text = rep->text ? rep->text : "";
  const char *nl = strrchr(text, '\n');
  char *v = rep->enhanced ? xasprintf("%d %s %s", rep->code, rep->enhanced,
                                      nl ? nl + 1 : text)
                          : xasprintf("%d %s", rep->code, nl ? nl + 1 : text);
  zr_str(r, "last_reply", v);
  free(v);
}

static void connection(zeek_rec *r, const ms_session *s, ms_ts ts,
                       size_t depth) {
  zeek_conn_fields(r, s, ts);
  zr_count(r, "trans_depth", depth);
  zr_str(r, "helo", s->helo);
  char cid[COMMUNITY_ID_LEN];
  sensor_community_id(s, cid);
  if (*cid)
    zr_str(r, "community_id", cid);
  zr_container(r, "fuids");
}

static void message_headers(zeek_rec *r, const ms_message *m) {
  zr_str(r, "date", m->date);
  mailbox_header(r, "from", &m->from);
  mailbox_set(r, "to", &m->to);
  mailbox_set(r, "cc", &m->cc);
  mailbox_header(r, "reply_to", &m->reply_to);
  zr_str(r, "msg_id", m->message_id);
  zr_str(r, "in_reply_to", m->in_reply_to);
  zr_str(r, "subject", m->subject);
  originating_ip(r, m->x_originating_ip);
  /* Zeek: first_received is the last Received header read (the bottom
   * one), second_received the one before it. */
  size_t n = m->received.len;
  if (n)
    zr_str(r, "first_received", m->received.items[n - 1].raw);
  if (n > 1)
    zr_str(r, "second_received", m->received.items[n - 2].raw);
}

/* Zeek's last_reply is the last reply the server sent while this record
 * was current: the reply to the end of the data for a transaction that sent
 * a body, else the last reply before the next transaction began. */
static const ms_reply *reply_of(const ms_session *s, size_t i) {
  const ms_transaction *t = &s->transactions.items[i];
  if (t->message && t->reply.present)
    return &t->reply;
  bool last_tx = i + 1 >= s->transactions.len;
  ms_ts until = last_tx ? 0 : s->transactions.items[i + 1].ts;
  const ms_reply *found = t->reply.present ? &t->reply : NULL;
  for (size_t j = 0; j < s->commands.len; j++) {
    const ms_command *c = &s->commands.items[j];
    if (c->ts < t->ts || (!last_tx && c->ts >= until))
      continue;
    if (c->reply.present && !strcmp(c->verb, "STARTTLS"))
      break; /* what follows belongs to the TLS record */
    if (c->reply.present && (!found || c->reply.ts >= found->ts))
      found = &c->reply;
  }
  return found;
}

/* Zeek's rcptto: every RCPT TO address, accepted, refused or unanswered
 * (its set has each once). */
static const char *recipient(const ms_transaction *t, size_t pass, size_t j) {
  if (pass == 0)
    return t->rcpt_to.items[j];
  return pass == 1 ? t->rcpt_rejected.items[j].addr
                   : t->rcpt_unanswered.items[j];
}

static void recipients(zeek_rec *r, const ms_transaction *t) {
  strvec seen = {0};
  for (size_t pass = 0; pass < 3; pass++) {
    size_t n = pass == 0   ? t->rcpt_to.len
               : pass == 1 ? t->rcpt_rejected.len
                           : t->rcpt_unanswered.len;
    for (size_t j = 0; j < n; j++) {
      const char *a = recipient(t, pass, j);
      if (!a || !*a)
        continue;
      bool dup = false;
      for (size_t k = 0; k < seen.len && !dup; k++)
        dup = !strcmp(seen.items[k], a);
      if (dup)
        continue;
      strvec_push(&seen, a);
      zr_add(r, "rcptto", a);
    }
  }
  strvec_free(&seen);
}

static void one_transaction(const ms_session *s, size_t i, size_t depth,
                            zeek_rec *r) {
  const ms_transaction *t = &s->transactions.items[i];
  const ms_message *m = t->message;
  connection(r, s, t->ts, depth);
  if (t->mail_from && *t->mail_from)
    zr_str(r, "mailfrom", t->mail_from);
  recipients(r, t);
  if (m) {
    message_headers(r, m);
    char label[24];
    snprintf(label, sizeof label, "t%zu", i + 1);
    zeek_add_fuids(r, "fuids", s->uid, label, m);
  }
  const ms_reply *reply = reply_of(s, i);
  if (reply)
    last_reply(r, reply);
  path(r, s, m);
  if (m)
    zr_str(r, "user_agent", m->user_agent);
  zr_bool(r, "tls", false);
  zr_bool(r, "is_webmail", m && webmail(m->user_agent));
}

static const ms_command *starttls_command(const ms_session *s) {
  for (size_t i = s->commands.len; i-- > 0;)
    if (!strcmp(s->commands.items[i].verb, "STARTTLS") &&
        s->commands.items[i].reply.present &&
        s->commands.items[i].reply.code == 220)
      return &s->commands.items[i];
  return NULL;
}

/* The record Zeek writes for the part of the session after STARTTLS. */
static void tls_record(const ms_session *s, size_t depth, zeek_rec *r) {
  const ms_command *c = starttls_command(s);
  connection(r, s, c ? c->ts : s->ts, depth);
  if (c)
    last_reply(r, &c->reply);
  path(r, s, NULL);
  zr_bool(r, "tls", true);
  zr_bool(r, "is_webmail", false);
}

size_t zeek_smtp_records(const ms_session *s, zeek_rec *r, zeek_emit_fn emit,
                         void *ctx) {
  if (s->proto != MS_PROTO_SMTP)
    return 0;
  size_t lines = 0, transferred = 0;
  for (size_t i = 0; i < s->transactions.len; i++) {
    const ms_transaction *t = &s->transactions.items[i];
    one_transaction(s, i, transferred + 1, r);
    emit(ctx, r);
    lines++;
    transferred += t->message != NULL;
  }
  if (s->tls == MS_TLS_STARTTLS) {
    tls_record(s, transferred + 1, r);
    emit(ctx, r);
    lines++;
  }
  return lines;
}
