/* test_emit_ecs.c - --format ecs on hand-built records: the SMTP session
 * gives a session document and one document per transaction (the refused
 * one and the queued one with its message and attachment), linked by
 * event.id and mailscope.uid; the POP3 session a session document and one
 * per retrieval; hostile strings stay valid JSON; the Date header parsed
 * into email.origination_timestamp (zones, obsolete forms, impossible
 * dates); the stats record as a metric document. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>

#include <cmocka.h>

#include "emit_fixture.h"

typedef struct {
  json_object *doc[8];
  size_t n;
} docs;

static void take_doc(void *ctx, jsonw *w) {
  docs *d = ctx;
  assert_true(d->n < 8);
  assert_null(memchr(w->buf, '\n', w->len)); /* one document, one line */
  char *text = xstrndup(w->buf, w->len);
  d->doc[d->n] = json_tokener_parse(text);
  assert_non_null(d->doc[d->n]);
  d->n++;
  free(text);
  jw_reset(w);
}

static docs ecs_of(const ms_session *s) {
  docs d = {{0}, 0};
  jsonw w;
  jw_init(&w);
  size_t n = emit_ecs_session(s, &w, take_doc, &d);
  assert_int_equal(n, d.n);
  jw_free(&w);
  return d;
}

static void docs_free(docs *d) {
  for (size_t i = 0; i < d->n; i++)
    json_object_put(d->doc[i]);
}

static void smtp_session_document(void **state) {
  (void)state;
  ms_session *s = fx_smtp();
  docs d = ecs_of(s);
  assert_int_equal(d.n, 3); /* the session, two transactions */
  json_object *o = d.doc[0];
  assert_string_equal(fx_str(o, "@timestamp"), "2025-11-22T08:26:40.000000Z");
  assert_string_equal(fx_str(o, "event.dataset"), "mailscope.smtp");
  assert_string_equal(fx_str(o, "event.module"), "mailscope");
  assert_string_equal(fx_str(o, "event.kind"), "event");
  assert_string_equal(fx_str(o, "event.id"), "CfixtureSmtp0000001");
  assert_string_equal(fx_str(o, "event.outcome"), "success");
  assert_int_equal(json_object_get_int64(fx_get(o, "event.duration")),
                   2500000000LL);
  json_object *cat = fx_get(o, "event.category");
  assert_int_equal(json_object_array_length(cat), 3);
  assert_string_equal(json_object_get_string(json_object_array_get_idx(cat, 2)),
                      "authentication");
  assert_string_equal(fx_str(o, "source.ip"), "192.0.2.10");
  assert_int_equal(json_object_get_int(fx_get(o, "source.port")), 40001);
  assert_int_equal(json_object_get_int(fx_get(o, "destination.bytes")), 400);
  assert_int_equal(json_object_get_int(fx_get(o, "network.bytes")), 3400);
  assert_int_equal(json_object_get_int(fx_get(o, "network.packets")), 22);
  assert_string_equal(fx_str(o, "network.type"), "ipv4");
  assert_string_equal(fx_str(o, "network.protocol"), "smtp");
  assert_string_equal(fx_str(o, "network.vlan.id"), "100");
  assert_string_equal(fx_str(o, "network.inner.vlan.id"), "200");
  assert_int_equal(strlen(fx_str(o, "network.community_id")), 30);
  assert_string_equal(fx_str(o, "user.name"), "alice");
  /* STARTTLS accepted, but no handshake in the capture */
  assert_false(json_object_get_boolean(fx_get(o, "tls.established")));
  assert_null(fx_get(o, "email")); /* messages have their own documents */
  /* mailscope.* summarises both transactions */
  assert_int_equal(
      json_object_get_int(fx_get(o, "mailscope.transaction_count")), 2);
  json_object *txs = fx_get(o, "mailscope.transactions");
  assert_int_equal(json_object_array_length(txs), 2);
  json_object *t0 = json_object_array_get_idx(txs, 0);
  assert_string_equal(fx_str(t0, "status"), "rejected");
  assert_string_equal(fx_str(t0, "mail_from"), "");
  assert_int_equal(json_object_get_int(fx_get(t0, "reply_code")), 550);
  assert_string_equal(fx_str(o, "mailscope.auth.result"), "success");
  assert_int_equal(json_object_get_int(fx_get(o, "mailscope.auth.failures")),
                   1);
  assert_string_equal(json_object_get_string(json_object_array_get_idx(
                          fx_get(o, "mailscope.anomalies"), 0)),
                      "pipelining_not_advertised");
  assert_null(fx_get(o, "mailscope.messages"));

  /* the refused transaction: its envelope, no message */
  json_object *r = d.doc[1];
  assert_string_equal(fx_str(r, "event.id"), "CfixtureSmtp0000001-t1");
  assert_string_equal(fx_str(r, "event.action"), "smtp-transaction");
  assert_string_equal(fx_str(r, "event.outcome"), "failure");
  assert_string_equal(fx_str(r, "mailscope.uid"), "CfixtureSmtp0000001");
  assert_string_equal(fx_str(r, "email.sender.address"), "");
  assert_null(fx_get(r, "email.subject"));
  assert_string_equal(fx_str(r, "mailscope.status"), "rejected");
  assert_string_equal(fx_str(r, "network.community_id"),
                      fx_str(o, "network.community_id"));

  /* the queued one: email.* of its message, every attachment */
  json_object *q = d.doc[2];
  assert_string_equal(fx_str(q, "event.id"), "CfixtureSmtp0000001-t2");
  assert_string_equal(fx_str(q, "event.outcome"), "success");
  assert_string_equal(fx_str(q, "email.subject"), "Quarterly \"report\" <b>");
  assert_string_equal(fx_str(q, "email.sender.address"), "alice@example.org");
  assert_string_equal(fx_str(q, "email.local_id"), "4ABC123");
  assert_string_equal(fx_str(q, "email.delivery_timestamp"),
                      "2025-11-22T08:26:40.900000Z");
  assert_string_equal(fx_str(q, "email.origination_timestamp"),
                      "2015-12-08T21:30:00.000000Z");
  json_object *to = fx_get(q, "email.to.address");
  assert_int_equal(json_object_array_length(to), 2);
  assert_string_equal(json_object_get_string(json_object_array_get_idx(to, 1)),
                      "carol@example.net");
  json_object *att = fx_get(q, "email.attachments");
  assert_int_equal(json_object_array_length(att), 1);
  json_object *file = fx_get(json_object_array_get_idx(att, 0), "file");
  assert_string_equal(fx_str(file, "name"), "Report.PDF");
  assert_string_equal(fx_str(file, "extension"), "pdf");
  assert_int_equal(json_object_get_int(fx_get(file, "size")), 1234);
  assert_int_equal(strlen(fx_str(file, "hash.sha256")), 64);
  assert_int_equal(json_object_array_length(fx_get(q, "related.hash")), 2);
  assert_int_equal(json_object_get_int(fx_get(q, "mailscope.transaction")), 2);
  docs_free(&d);
  ms_session_free(s);
}

static void pop3_session_document(void **state) {
  (void)state;
  ms_session *s = fx_pop3();
  docs d = ecs_of(s);
  assert_int_equal(d.n, 2);
  json_object *o = d.doc[0];
  assert_string_equal(fx_str(o, "event.dataset"), "mailscope.pop3");
  assert_string_equal(fx_str(o, "network.protocol"), "pop3");
  assert_string_equal(fx_str(o, "network.type"), "ipv6");
  assert_string_equal(fx_str(o, "source.ip"), "2001:db8::10");
  assert_null(fx_get(o, "network.vlan"));
  assert_null(fx_get(o, "tls"));
  assert_string_equal(fx_str(o, "user.name"), "bob");
  assert_null(fx_get(o, "mailscope.transactions"));
  assert_int_equal(json_object_get_int(fx_get(o, "mailscope.message_count")),
                   1);
  assert_int_equal(json_object_get_int(fx_get(o, "mailscope.mailbox.messages")),
                   2);
  assert_int_equal(json_object_get_int(fx_get(o, "mailscope.deleted")), 1);
  json_object *m = d.doc[1];
  assert_string_equal(fx_str(m, "event.id"), "CfixturePop30000001-r1");
  assert_string_equal(fx_str(m, "event.action"), "pop3-retrieval");
  assert_string_equal(fx_str(m, "email.subject"), "hello over pop3");
  /* POP3: the envelope sender comes from Return-Path */
  assert_string_equal(fx_str(m, "email.sender.address"), "bounces@example.org");
  assert_null(fx_get(m, "email.local_id"));
  assert_string_equal(fx_str(m, "mailscope.pop3_uid"), "uid-1");
  assert_string_equal(fx_str(m, "mailscope.uid"), "CfixturePop30000001");
  docs_free(&d);
  ms_session_free(s);
}

static void hostile_strings_stay_json(void **state) {
  (void)state;
  ms_session *s = fx_smtp();
  ms_message *m = s->transactions.items[1].message;
  free(m->subject);
  m->subject = xstrdup("\"},\"x\":1 \x1b[2J \xff\xfe \\ \n end");
  free(s->auth.username);
  s->auth.username = xstrdup("<script>alert(1)</script>");
  docs d = ecs_of(s);
  const char *subject = fx_str(d.doc[2], "email.subject");
  assert_non_null(strstr(subject, "\"},\"x\":1 \x1b[2J \\xff\\xfe \\ \n end"));
  assert_null(fx_get(d.doc[2], "x"));
  assert_string_equal(fx_str(d.doc[0], "user.name"),
                      "<script>alert(1)</script>");
  docs_free(&d);
  ms_session_free(s);
}

static void stats_metric_document(void **state) {
  (void)state;
  ms_stats st;
  memset(&st, 0, sizeof st);
  st.packets = 10;
  st.kernel_drops = 2;
  jsonw w;
  jw_init(&w);
  emit_ecs_stats(&st, NULL, FX_T0, &w);
  char *text = xstrndup(w.buf, w.len);
  json_object *o = json_tokener_parse(text);
  assert_non_null(o);
  assert_string_equal(fx_str(o, "event.kind"), "metric");
  assert_string_equal(fx_str(o, "event.dataset"), "mailscope.stats");
  assert_string_equal(fx_str(o, "@timestamp"), "2025-11-22T08:26:40.000000Z");
  assert_int_equal(json_object_get_int(fx_get(o, "mailscope.stats.packets")),
                   10);
  assert_int_equal(
      json_object_get_int(fx_get(o, "mailscope.stats.kernel_drops")), 2);
  assert_true(json_object_get_boolean(fx_get(o, "mailscope.stats.final")));
  json_object_put(o);
  free(text);
  jw_free(&w);
}

/* The Date header as ECS sees it: the parsed instant, or no field. */
static char *origination(const char *date) {
  ms_session *s = fx_pop3();
  ms_message *m = s->messages.items[0].message;
  free(m->date);
  m->date = xstrdup(date);
  docs d = ecs_of(s);
  const char *v = fx_str(d.doc[1], "email.origination_timestamp");
  char *copy = v ? xstrdup(v) : NULL;
  docs_free(&d);
  ms_session_free(s);
  return copy;
}

static void date_header_parsing(void **state) {
  (void)state;
  static const struct {
    const char *date, *want;
  } cases[] = {
      {"Sun, 22 Nov 2026 18:35:26 +0000", "2026-11-22T18:35:26.000000Z"},
      {"Mon, 5 Oct 2009 11:36:07 +0530", "2009-10-05T06:06:07.000000Z"},
      {"5 Oct 2009 11:36 -0230", "2009-10-05T14:06:00.000000Z"},
      {"Fri, 21 Nov 97 09:55:06 GMT", "1997-11-21T09:55:06.000000Z"},
      {"Thu, 1 Jan 15 23:59:59 EST", "2015-01-02T04:59:59.000000Z"},
      {"Thu,  4 Mar 2021 10:38:07 +0100 (CET)", "2021-03-04T09:38:07.000000Z"},
      {"29 Feb 2024 00:00:00 Z", "2024-02-29T00:00:00.000000Z"},
      {"31 Dec 1999 23:59:60 +0000", "2000-01-01T00:00:00.000000Z"},
      {"Mon, 30 Feb 2023 10:00:00 +0000", NULL}, /* no such day */
      {"Mon May 16 09:58:20 +0000 2016", NULL},  /* asctime, not RFC 5322 */
      {"Mon, 1 Jan 2020 25:00:00 +0000", NULL},
      {"Mon, 1 Jan 2020 10:00:00 +99", NULL},
      {"yesterday", NULL},
      {"", NULL},
      {"1 Foo 2020 10:00:00 +0000", NULL},
      {"1 Jan 20000 10:00:00 +0000", NULL},
  };
  for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
    char *got = origination(cases[i].date);
    if (cases[i].want) {
      assert_non_null(got);
      assert_string_equal(got, cases[i].want);
    } else {
      assert_null(got);
    }
    free(got);
  }
}

/* A decoded handshake: tls.* from it, the leaf certificate as x509. */
static void tls_fields(void **state) {
  (void)state;
  ms_session *s = fx_smtp();
  ms_tls_info *t = s->tls_info = ms_tls_info_new();
  t->completed = MS_TLS_DONE_TRAFFIC;
  t->client.present = true;
  strcpy(t->client.ja3, "c12b4ccd5320bbb380ca1a9df90f771d");
  strcpy(t->client.ja4, "t13i311000_e8f1e7e78f70_d41ae481755e");
  t->client.server_name = xstrdup("mx.example.test");
  *vec_push(&t->client.cipher_suites) = 0x1302;
  *vec_push(&t->client.cipher_suites) = 0xfafa;
  t->server.present = true;
  t->server.version = 0x0304;
  t->server.cipher_suite = 0x1302;
  t->server.cipher_name = ms_tls_suite_name(0x1302);
  t->server.group = 29;
  strcpy(t->server.ja3s, "15af977ce25de452b96affa2addb1036");
  ms_tls_cert *c = vec_push(&t->server_certs);
  c->parsed = true;
  strcpy(c->sha1, "45156ae749634094f9ab091ef5a7336df37b28fc");
  c->version = 3;
  c->subject_cn = xstrdup("mx.example.test");
  c->key_type = xstrdup("rsa");
  c->key_bits = 2048;
  c->exponent = xstrdup("65537");
  docs d = ecs_of(s);
  json_object *o = d.doc[0]; /* the session document */
  assert_true(json_object_get_boolean(fx_get(o, "tls.established")));
  assert_string_equal(fx_str(o, "tls.version"), "1.3");
  assert_string_equal(fx_str(o, "tls.version_protocol"), "tls");
  assert_string_equal(fx_str(o, "tls.cipher"), "TLS_AES_256_GCM_SHA384");
  assert_string_equal(fx_str(o, "tls.curve"), "x25519");
  assert_string_equal(fx_str(o, "tls.client.server_name"), "mx.example.test");
  json_object *offered = fx_get(o, "tls.client.supported_ciphers");
  assert_string_equal(
      json_object_get_string(json_object_array_get_idx(offered, 1)), "0xfafa");
  assert_string_equal(fx_str(o, "tls.server.ja3s"),
                      "15af977ce25de452b96affa2addb1036");
  assert_string_equal(fx_str(o, "tls.server.hash.sha1"),
                      "45156ae749634094f9ab091ef5a7336df37b28fc");
  assert_string_equal(fx_str(o, "tls.server.x509.version_number"), "3");
  assert_string_equal(fx_str(o, "tls.server.x509.public_key_algorithm"), "RSA");
  assert_int_equal(
      json_object_get_int(fx_get(o, "tls.server.x509.public_key_exponent")),
      65537);
  assert_string_equal(fx_str(o, "mailscope.ja4"),
                      "t13i311000_e8f1e7e78f70_d41ae481755e");
  docs_free(&d);
  ms_session_free(s);
}

static void outcome_reflects_failures(void **state) {
  (void)state;
  ms_session *s = fx_pop3();
  for (size_t i = 0; i < s->messages.len; i++) {
    free(s->messages.items[i].uid);
    free(s->messages.items[i].command);
    ms_message_free(s->messages.items[i].message);
  }
  s->messages.len = 0;
  s->auth.result = MS_AUTH_FAILURE;
  s->auth.failures = 3;
  docs d = ecs_of(s);
  assert_int_equal(d.n, 1);
  assert_string_equal(fx_str(d.doc[0], "event.outcome"), "failure");
  assert_null(fx_get(d.doc[0], "email"));
  docs_free(&d);
  ms_session_free(s);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(smtp_session_document),
      cmocka_unit_test(pop3_session_document),
      cmocka_unit_test(hostile_strings_stay_json),
      cmocka_unit_test(date_header_parsing),
      cmocka_unit_test(outcome_reflects_failures),
      cmocka_unit_test(tls_fields),
      cmocka_unit_test(stats_metric_document),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
