/* emit_zeek.c - SMTP sessions as records named like Zeek's smtp.log
 * (SMTP::Info), written the way Zeek's JSON writer writes them: one object
 * a line, flattened "id.orig_h" keys, epoch-seconds "ts", unset optional
 * fields left out.  docs/zeek.md maps every field and lists the
 * differences.
 *
 * One record per SMTP transaction.  As in Zeek, a session whose client
 * switched to TLS gets one more record after its transactions (tls true,
 * last_reply the 220 to STARTTLS); trans_depth counts transferred message
 * bodies as Zeek does (a refused transaction does not advance it).
 * POP3 sessions have no smtp.log counterpart: nothing is written. */
#include <arpa/inet.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "emit.h"

static void epoch(jsonw *w, const char *key, ms_ts usec) {
  jw_key(w, key);
  jw_double(w, (double)usec / 1e6, 6);
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
static void mailbox_set(jsonw *w, const char *key, const ms_addrvec *v) {
  bool open = false;
  for (size_t i = 0; i < v->len; i++) {
    if (!v->items[i].address)
      continue;
    if (!open) {
      jw_key(w, key);
      jw_arr_begin(w);
      open = true;
    }
    char *text = mailbox_text(&v->items[i]);
    jw_str(w, text);
    free(text);
  }
  if (open)
    jw_arr_end(w);
}

/* Zeek's from/reply_to: the header value; rebuilt as "a, b". */
static void mailbox_header(jsonw *w, const char *key, const ms_addrvec *v) {
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
  if (joined) {
    jw_kstr(w, key, joined);
    free(joined);
  }
}

/* x_originating_ip is an addr in Zeek: written only when the header holds
 * one ("[192.0.2.1]" and "192.0.2.1" both do). */
static void originating_ip(jsonw *w, const char *v) {
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
  unsigned char bin[16];
  if (inet_pton(AF_INET, ip, bin) == 1 || inet_pton(AF_INET6, ip, bin) == 1)
    jw_kstr(w, "x_originating_ip", ip);
}

static bool valid_ip(const char *ip) {
  unsigned char bin[16];
  return ip && (inet_pton(AF_INET, ip, bin) == 1 ||
                inet_pton(AF_INET6, ip, bin) == 1);
}

/* path: the server, the client, then each Received hop's address, top
 * first, skipping a repeat of the previous entry (Zeek's order). */
static void path(jsonw *w, const ms_session *s, const ms_message *m) {
  jw_key(w, "path");
  jw_arr_begin(w);
  jw_str(w, s->server.ip);
  jw_str(w, s->client.ip);
  const char *last = s->client.ip;
  for (size_t j = 0; m && j < m->received.len; j++) {
    const char *ip = m->received.items[j].ip;
    if (!valid_ip(ip) || !strcmp(ip, last))
      continue;
    jw_str(w, ip);
    last = ip;
  }
  jw_arr_end(w);
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

static void last_reply(jsonw *w, const ms_reply *r) {
  if (!r->present)
    return;
  /* Zeek keeps the last line of a multi-line reply */
  const char *text = r->text ? r->text : "";
  const char *nl = strrchr(text, '\n');
  char *v = r->enhanced ? xasprintf("%d %s %s", r->code, r->enhanced,
                                    nl ? nl + 1 : text)
                        : xasprintf("%d %s", r->code, nl ? nl + 1 : text);
  jw_kstr(w, "last_reply", v);
  free(v);
}

static void connection(jsonw *w, const ms_session *s, ms_ts ts, size_t depth) {
  epoch(w, "ts", ts);
  jw_kstr(w, "uid", s->uid);
  jw_kstr(w, "id.orig_h", s->client.ip);
  jw_kuint(w, "id.orig_p", s->client.port);
  jw_kstr(w, "id.resp_h", s->server.ip);
  jw_kuint(w, "id.resp_p", s->server.port);
  jw_kuint(w, "trans_depth", depth);
  jw_kstr_opt(w, "helo", s->helo);
}

static void message_headers(jsonw *w, const ms_message *m) {
  jw_kstr_opt(w, "date", m->date);
  mailbox_header(w, "from", &m->from);
  mailbox_set(w, "to", &m->to);
  mailbox_set(w, "cc", &m->cc);
  mailbox_header(w, "reply_to", &m->reply_to);
  jw_kstr_opt(w, "msg_id", m->message_id);
  jw_kstr_opt(w, "in_reply_to", m->in_reply_to);
  jw_kstr_opt(w, "subject", m->subject);
  originating_ip(w, m->x_originating_ip);
  /* Zeek: first_received is the last Received header read (the bottom
   * one), second_received the one before it. */
  size_t n = m->received.len;
  if (n && m->received.items[n - 1].raw)
    jw_kstr(w, "first_received", m->received.items[n - 1].raw);
  if (n > 1 && m->received.items[n - 2].raw)
    jw_kstr(w, "second_received", m->received.items[n - 2].raw);
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

static void one_transaction(const ms_session *s, size_t i, size_t depth,
                            jsonw *w) {
  const ms_transaction *t = &s->transactions.items[i];
  const ms_message *m = t->message;
  jw_obj_begin(w);
  connection(w, s, t->ts, depth);
  if (t->mail_from && *t->mail_from)
    jw_kstr(w, "mailfrom", t->mail_from);
  if (t->rcpt_to.len || t->rcpt_unanswered.len) {
    /* as Zeek: the recipients the client named, less the refused ones */
    jw_key(w, "rcptto");
    jw_arr_begin(w);
    for (size_t j = 0; j < t->rcpt_to.len; j++)
      jw_str(w, t->rcpt_to.items[j]);
    for (size_t j = 0; j < t->rcpt_unanswered.len; j++)
      jw_str(w, t->rcpt_unanswered.items[j]);
    jw_arr_end(w);
  }
  if (m)
    message_headers(w, m);
  const ms_reply *reply = reply_of(s, i);
  if (reply)
    last_reply(w, reply);
  path(w, s, m);
  if (m)
    jw_kstr_opt(w, "user_agent", m->user_agent);
  jw_kbool(w, "tls", false);
  jw_kbool(w, "is_webmail", m && webmail(m->user_agent));
  jw_obj_end(w);
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
static void tls_record(const ms_session *s, size_t depth, jsonw *w) {
  const ms_command *c = starttls_command(s);
  jw_obj_begin(w);
  connection(w, s, c ? c->ts : s->ts, depth);
  if (c)
    last_reply(w, &c->reply);
  path(w, s, NULL);
  jw_kbool(w, "tls", true);
  jw_kbool(w, "is_webmail", false);
  jw_obj_end(w);
}

size_t emit_zeek_session(const ms_session *s, jsonw *w, FILE *f) {
  if (s->proto != MS_PROTO_SMTP)
    return 0;
  size_t lines = 0, transferred = 0;
  for (size_t i = 0; i < s->transactions.len; i++) {
    const ms_transaction *t = &s->transactions.items[i];
    one_transaction(s, i, transferred + 1, w);
    jw_flush_line(w, f);
    lines++;
    transferred += t->message != NULL;
  }
  if (s->tls == MS_TLS_STARTTLS) {
    tls_record(s, transferred + 1, w);
    jw_flush_line(w, f);
    lines++;
  }
  return lines;
}
