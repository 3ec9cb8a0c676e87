/* test_starttls.c - STARTTLS/STLS checks of one session (dissectors/
 * starttls.c: refused after being advertised, a capability overwritten
 * with X's) and the capture-wide memory of servers (src/flow/
 * starttls_memory.c): an EHLO reply without STARTTLS after or before a
 * session that advertised it, a client that used STARTTLS and later sends
 * mail in clear, servers and clients kept apart. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "starttls_memory.h"

static size_t count(const ms_session *s, const char *name) {
  size_t n = 0;
  for (size_t i = 0; i < s->anomalies.len; i++)
    n += !strcmp(s->anomalies.items[i].name, name);
  return n;
}

typedef struct {
  const char *client, *server;
  bool advertise; /* EHLO lists STARTTLS */
  const char *extra_cap;
  int starttls_reply; /* 0: no STARTTLS command */
  bool mail;          /* a transaction in clear */
} plan;

static ms_session *smtp(const plan *p, int n) {
  ms_session *s = ms_session_new();
  s->proto = MS_PROTO_SMTP;
  snprintf(s->uid, sizeof s->uid, "C%d", n);
  s->ts = (ms_ts)n * 1000000;
  snprintf(s->client.ip, sizeof s->client.ip, "%s", p->client);
  snprintf(s->server.ip, sizeof s->server.ip, "%s", p->server);
  s->server.port = 25;
  ms_command *c = ms_add_command(s, s->ts, "EHLO", (const uint8_t *)"c", 1);
  ms_reply_set(&c->reply, s->ts, 250, NULL, "mx");
  strvec_push(&s->capabilities, "PIPELINING");
  if (p->advertise)
    strvec_push(&s->capabilities, "STARTTLS");
  if (p->extra_cap)
    strvec_push(&s->capabilities, p->extra_cap);
  if (p->starttls_reply) {
    c = ms_add_command(s, s->ts, "STARTTLS", NULL, 0);
    ms_reply_set(&c->reply, s->ts, p->starttls_reply, NULL, "x");
    if (p->starttls_reply == 220)
      s->tls = MS_TLS_STARTTLS;
  }
  if (p->mail)
    vec_push(&s->transactions);
  return s;
}

static ms_session *run(ms_starttls_memory *m, const plan *p, int n) {
  ms_session *s = smtp(p, n);
  ms_starttls_memory_session(m, s);
  return s;
}

static void refused(void **state) {
  (void)state;
  ms_starttls_memory *m = ms_starttls_memory_new();
  plan p = {"192.0.2.1", "192.0.2.25", true, NULL, 454, false};
  ms_session *s = run(m, &p, 1);
  assert_int_equal(count(s, "starttls_refused"), 1);
  assert_non_null(strstr(s->anomalies.items[0].detail, "454"));
  ms_session_free(s);
  plan q = {"192.0.2.1", "192.0.2.26", false, NULL, 502, false};
  s = run(m, &q, 2); /* not advertised: a plain refusal */
  assert_int_equal(s->anomalies.len, 0);
  ms_session_free(s);
  ms_starttls_memory_free(m);
}

static void overwritten(void **state) {
  (void)state;
  ms_starttls_memory *m = ms_starttls_memory_new();
  plan good = {"192.0.2.1", "192.0.2.25", true, NULL, 220, false};
  ms_session_free(run(m, &good, 1));
  plan x = {"192.0.2.2", "192.0.2.25", false, "XXXXXXXA", 0, true};
  ms_session *s = run(m, &x, 2);
  assert_int_equal(count(s, "starttls_stripped"), 1); /* once, not twice */
  assert_non_null(strstr(s->anomalies.items[0].detail, "XXXXXXXA"));
  ms_session_free(s);
  ms_starttls_memory_free(m);
}

/* Advertised first, stripped later: the stripped session is named. */
static void stripped_after(void **state) {
  (void)state;
  ms_starttls_memory *m = ms_starttls_memory_new();
  plan good = {"192.0.2.1", "192.0.2.25", true, NULL, 220, false};
  plan bad = {"192.0.2.2", "192.0.2.25", false, NULL, 0, true};
  ms_session *a = run(m, &good, 1), *b = run(m, &bad, 2);
  assert_int_equal(a->anomalies.len, 0);
  assert_int_equal(count(b, "starttls_stripped"), 1);
  assert_non_null(strstr(b->anomalies.items[0].detail, "session C1"));
  ms_session_free(a);
  ms_session_free(b);
  /* another server is another story */
  plan other = {"192.0.2.2", "192.0.2.99", false, NULL, 0, true};
  ms_session *c = run(m, &other, 3);
  assert_int_equal(c->anomalies.len, 0);
  ms_session_free(c);
  ms_starttls_memory_free(m);
}

/* Stripped sessions that ended first are named once, by the first later
 * session that advertises. */
static void stripped_before(void **state) {
  (void)state;
  ms_starttls_memory *m = ms_starttls_memory_new();
  plan bad = {"192.0.2.2", "192.0.2.25", false, NULL, 0, true};
  plan good = {"192.0.2.1", "192.0.2.25", true, NULL, 220, false};
  ms_session *a = run(m, &bad, 1), *b = run(m, &bad, 2);
  ms_session *c = run(m, &good, 3), *d = run(m, &good, 4);
  assert_int_equal(a->anomalies.len, 0);
  assert_int_equal(b->anomalies.len, 0);
  assert_int_equal(count(c, "starttls_stripped"), 1);
  assert_non_null(strstr(c->anomalies.items[0].detail, "2 earlier"));
  assert_non_null(strstr(c->anomalies.items[0].detail, "the first C1"));
  assert_int_equal(d->anomalies.len, 0);
  ms_session *e = run(m, &bad, 5); /* now known: named at once */
  assert_int_equal(count(e, "starttls_stripped"), 1);
  ms_session *all[] = {a, b, c, d, e};
  for (size_t i = 0; i < 5; i++)
    ms_session_free(all[i]);
  ms_starttls_memory_free(m);
}

static void starttls_downgrade(void **state) {
  (void)state;
  ms_starttls_memory *m = ms_starttls_memory_new();
  plan tls = {"192.0.2.1", "192.0.2.25", true, NULL, 220, false};
  plan clear = {"192.0.2.1", "192.0.2.25", true, NULL, 0, true};
  plan other_client = {"192.0.2.7", "192.0.2.25", true, NULL, 0, true};
  plan no_mail = {"192.0.2.1", "192.0.2.25", true, NULL, 0, false};
  ms_session *a = run(m, &tls, 1), *b = run(m, &clear, 2),
             *c = run(m, &other_client, 3), *d = run(m, &no_mail, 4);
  assert_int_equal(a->anomalies.len, 0);
  assert_int_equal(count(b, "starttls_downgrade"), 1);
  assert_non_null(strstr(b->anomalies.items[0].detail, "session C1"));
  assert_int_equal(c->anomalies.len, 0);
  assert_int_equal(d->anomalies.len, 0);
  ms_session *all[] = {a, b, c, d};
  for (size_t i = 0; i < 4; i++)
    ms_session_free(all[i]);
  ms_starttls_memory_free(m);
}

static void pop3_stls(void **state) {
  (void)state;
  ms_session *s = ms_session_new();
  s->proto = MS_PROTO_POP3;
  ms_command *c = ms_add_command(s, 1, "CAPA", NULL, 0);
  ms_reply_clear(&c->reply);
  c->reply.present = true;
  c->reply.pop3_status = xstrdup("+OK");
  strvec_push(&s->capabilities, "STLS");
  c = ms_add_command(s, 2, "STLS", NULL, 0);
  c->reply.present = true;
  c->reply.pop3_status = xstrdup("-ERR");
  starttls_facts f;
  starttls_session_checks(s, &f);
  assert_true(f.capabilities_seen);
  assert_true(f.advertised);
  assert_false(f.used);
  assert_int_equal(count(s, "starttls_refused"), 1);
  assert_non_null(strstr(s->anomalies.items[0].detail, "STLS"));
  ms_session_free(s);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(refused),
      cmocka_unit_test(overwritten),
      cmocka_unit_test(stripped_after),
      cmocka_unit_test(stripped_before),
      cmocka_unit_test(starttls_downgrade),
      cmocka_unit_test(pop3_stls),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
