/* emit_fixture.h - hand-built session records for the emitter tests
 * (test_emit_ecs.c, test_emit_zeek.c, test_report.c): an SMTP session with
 * two transactions (the first refused at RCPT, the second queued with a
 * message and an attachment) that switches to TLS at the end, and a POP3
 * session that retrieves one message.  Every string is owned by the record
 * (freed by ms_session_free). */
#ifndef MAILSCOPE_EMIT_FIXTURE_H
#define MAILSCOPE_EMIT_FIXTURE_H

#include <string.h>

#include <json-c/json.h>

#include "emit.h"

#define FX_T0 1763800000000000LL /* 2025-11-22T08:26:40Z */

static inline void fx_address(ms_addrvec *v, const char *name,
                              const char *address) {
  ms_address *a = vec_push(v);
  a->name = name ? xstrdup(name) : NULL;
  a->address = address ? xstrdup(address) : NULL;
}

static inline ms_command *fx_command(ms_session *s, ms_ts ts, const char *verb,
                                     const char *arg, int code,
                                     const char *enhanced, const char *text) {
  ms_command *c =
      ms_add_command(s, ts, verb, (const uint8_t *)arg, arg ? strlen(arg) : 0);
  if (code)
    ms_reply_set(&c->reply, ts + 1000, code, enhanced, text);
  return c;
}

static inline void fx_line(ms_session *s, ms_ts ts, ms_dir dir, unsigned flags,
                           const char *text) {
  ms_add_tline(s, ts, dir, flags, (const uint8_t *)text, strlen(text), NULL);
}

static inline ms_message *fx_message(const char *subject) {
  ms_message *m = ms_message_new();
  m->bytes = 2048;
  fx_address(&m->from, "Alice \"A\" Smith", "alice@example.org");
  fx_address(&m->to, NULL, "bob@example.net");
  fx_address(&m->to, "Carol", "carol@example.net");
  fx_address(&m->cc, NULL, "dave@example.net");
  fx_address(&m->reply_to, NULL, "replies@example.org");
  m->subject = xstrdup(subject);
  m->date = xstrdup("Tue, 8 Dec 2015 22:30:00 +0100 (CET)");
  m->message_id = xstrdup("<1@example.org>");
  m->user_agent = xstrdup("Roundcube Webmail/1.6.0");
  m->x_originating_ip = xstrdup("[198.51.100.7]");
  m->content_type = xstrdup("multipart/mixed");
  ms_received *r = vec_push(&m->received);
  r->raw = xstrdup("from relay.example.org ([203.0.113.5]) by mx");
  r->ip = xstrdup("203.0.113.5");
  r = vec_push(&m->received);
  r->raw = xstrdup("from laptop ([192.168.1.20]) by relay.example.org");
  r->ip = xstrdup("192.168.1.20");
  ms_attachment *a = vec_push(&m->attachments);
  a->filename = xstrdup("Report.PDF");
  a->content_type = xstrdup("application/pdf");
  a->bytes = 1234;
  memset(a->md5, 'a', 32);
  memset(a->sha256, 'b', 64);
  return m;
}

static inline void fx_endpoints(ms_session *s, const char *client,
                                uint16_t cport, const char *server,
                                uint16_t sport) {
  snprintf(s->client.ip, sizeof s->client.ip, "%s", client);
  s->client.port = cport;
  snprintf(s->server.ip, sizeof s->server.ip, "%s", server);
  s->server.port = sport;
}

static inline ms_session *fx_smtp(void) {
  ms_session *s = ms_session_new();
  s->proto = MS_PROTO_SMTP;
  snprintf(s->uid, sizeof s->uid, "%s", "CfixtureSmtp0000001");
  s->ts = FX_T0;
  s->end_ts = FX_T0 + 2500000; /* 2.5 s */
  fx_endpoints(s, "192.0.2.10", 40001, "192.0.2.25", 25);
  s->ip_version = 4;
  *vec_push(&s->vlan) = 100;
  *vec_push(&s->vlan) = 200;
  s->bytes[MS_CLIENT] = 3000;
  s->bytes[MS_SERVER] = 400;
  s->packets[MS_CLIENT] = 12;
  s->packets[MS_SERVER] = 10;
  s->end = MS_END_FIN;
  s->tls = MS_TLS_STARTTLS;
  s->banner = xstrdup("mx.example.test ESMTP");
  s->helo = xstrdup("client.example.org");
  s->auth.present = true;
  s->auth.mechanism = xstrdup("PLAIN");
  s->auth.username = xstrdup("alice");
  s->auth.result = MS_AUTH_SUCCESS;
  s->auth.attempts = 2;
  s->auth.failures = 1;

  fx_line(s, FX_T0 + 1000, MS_SERVER, 0, "220 mx.example.test ESMTP");
  fx_command(s, FX_T0 + 2000, "EHLO", "client.example.org", 250, NULL,
             "mx.example.test\nPIPELINING");
  fx_line(s, FX_T0 + 2000, MS_CLIENT, 0, "EHLO client.example.org");
  fx_line(s, FX_T0 + 3000, MS_SERVER, 0, "250-mx.example.test");
  fx_line(s, FX_T0 + 3000, MS_SERVER, 0, "250 PIPELINING");

  /* transaction 1: refused at RCPT, then RSET */
  ms_transaction *t = vec_push(&s->transactions);
  t->ts = FX_T0 + 100000;
  t->mail_from = xstrdup("");
  t->status = MS_TX_REJECTED;
  ms_reply_set(&t->reply, FX_T0 + 101000, 550, "5.1.1", "no such user");
  fx_command(s, FX_T0 + 100000, "MAIL", "FROM:<>", 250, "2.1.0", "Ok");
  fx_command(s, FX_T0 + 100500, "RCPT", "TO:<nobody@example.test>", 550,
             "5.1.1", "no such user");
  fx_command(s, FX_T0 + 102000, "RSET", NULL, 250, "2.0.0", "Ok");
  fx_line(s, FX_T0 + 100000, MS_CLIENT, MS_TL_GROUP_START, "MAIL FROM:<>");
  fx_line(s, FX_T0 + 100500, MS_CLIENT, MS_TL_PIPELINED,
          "RCPT TO:<nobody@example.test>");
  fx_line(s, FX_T0 + 101000, MS_SERVER, 0, "250 2.1.0 Ok");
  fx_line(s, FX_T0 + 101000, MS_SERVER, 0, "550 5.1.1 no such user");

  /* transaction 2: queued with a message */
  t = vec_push(&s->transactions);
  t->ts = FX_T0 + 200000;
  t->mail_from = xstrdup("alice@example.org");
  strvec_push(&t->rcpt_to, "bob@example.net");
  strvec_push(&t->rcpt_to, "carol@example.net");
  t->status = MS_TX_QUEUED;
  t->queue_id = xstrdup("4ABC123");
  ms_reply_set(&t->reply, FX_T0 + 900000, 250, "2.0.0",
               "Ok: queued as 4ABC123");
  t->message = fx_message("Quarterly \"report\" <b>");
  fx_command(s, FX_T0 + 200000, "MAIL", "FROM:<alice@example.org>", 250,
             "2.1.0", "Ok");
  fx_line(s, FX_T0 + 200000, MS_CLIENT, 0, "MAIL FROM:<alice@example.org>");
  fx_line(s, FX_T0 + 900000, MS_SERVER, 0, "250 2.0.0 Ok: queued as 4ABC123");

  fx_command(s, FX_T0 + 1000000, "STARTTLS", NULL, 220, "2.0.0",
             "Ready to start TLS");
  fx_line(s, FX_T0 + 1000000, MS_CLIENT, 0, "STARTTLS");
  fx_line(s, FX_T0 + 1001000, MS_SERVER, 0, "220 2.0.0 Ready to start TLS");
  ms_add_anomaly(s, "pipelining_not_advertised", FX_T0 + 100500, "test");
  return s;
}

static inline ms_session *fx_pop3(void) {
  ms_session *s = ms_session_new();
  s->proto = MS_PROTO_POP3;
  snprintf(s->uid, sizeof s->uid, "%s", "CfixturePop30000001");
  s->ts = FX_T0;
  s->end_ts = FX_T0 + 1000000;
  fx_endpoints(s, "2001:db8::10", 50000, "2001:db8::110", 110);
  s->ip_version = 6;
  s->end = MS_END_FIN;
  s->banner = xstrdup("Dovecot ready.");
  s->auth.present = true;
  s->auth.mechanism = xstrdup("USER");
  s->auth.username = xstrdup("bob");
  s->auth.result = MS_AUTH_SUCCESS;
  s->auth.attempts = 1;
  s->mailbox_present = true;
  s->mailbox_messages = 2;
  s->mailbox_octets = 5000;
  ms_pop3_message *pm = vec_push(&s->messages);
  pm->number = 1;
  pm->uid = xstrdup("uid-1");
  pm->command = xstrdup("RETR");
  pm->bytes = 2048;
  pm->message = fx_message("hello over pop3");
  pm->message->return_path = xstrdup(" <bounces@example.org> ");
  *vec_push(&s->deleted) = 1;
  fx_line(s, FX_T0 + 1000, MS_SERVER, 0, "+OK Dovecot ready.");
  fx_command(s, FX_T0 + 2000, "USER", "bob", 0, NULL, NULL);
  fx_line(s, FX_T0 + 2000, MS_CLIENT, 0, "USER bob");
  fx_line(s, FX_T0 + 3000, MS_SERVER, 0, "+OK");
  fx_line(s, FX_T0 + 4000, MS_CLIENT, 0, "CAPA");
  fx_line(s, FX_T0 + 5000, MS_SERVER, 0, "+OK");
  fx_line(s, FX_T0 + 5000, MS_SERVER, 0, "UIDL");
  fx_line(s, FX_T0 + 5000, MS_SERVER, 0, ".");
  return s;
}

/* JSON object path lookup: "a.b.c" through nested objects. */
static inline json_object *fx_get(json_object *o, const char *path) {
  char buf[256];
  snprintf(buf, sizeof buf, "%s", path);
  char *save = NULL;
  for (char *k = strtok_r(buf, ".", &save); k && o;
       k = strtok_r(NULL, ".", &save)) {
    json_object *next = NULL;
    if (!json_object_object_get_ex(o, k, &next))
      return NULL;
    o = next;
  }
  return o;
}

static inline const char *fx_str(json_object *o, const char *path) {
  json_object *v = fx_get(o, path);
  return v ? json_object_get_string(v) : NULL;
}

#endif
