/* test_routing.c - the DNS answer cache (time, TTL, window, changes, the
 * byte bound, the keyed hash) and the route verdicts and anomalies it
 * gives an SMTP session. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "dns_build.h"
#include "dnscache.h"
#include "routing.h"

#define SEC 1000000LL
#define T0 (1700000000LL * SEC)

static ms_dns_msg msg;

static void feed(ms_dnscache *c, const dnsb *d, ms_ts ts) {
  assert_true(ms_dns_parse(d->b, d->n, &msg));
  ms_dnscache_add(c, &msg, ts);
}

/* two.test: MX 10 mx1, 20 mx2 with their A records in the additional
 * section; mx1's address is a. */
static void two_test(ms_dnscache *c, ms_ts ts, uint8_t a) {
  dnsb d;
  db_header(&d, 1, 0, 1, 2, 0, 2);
  db_question(&d, "two.test", 15);
  db_mx(&d, "two.test", 300, 20, "mx2.two.test");
  db_mx(&d, "two.test", 300, 10, "mx1.two.test");
  db_a(&d, "mx1.two.test", 300, 127, 0, 1, a);
  db_a(&d, "mx2.two.test", 300, 127, 0, 1, 20);
  feed(c, &d, ts);
}

static ms_session *smtp_session(const char *server, const char *rcpt,
                                ms_ts ts) {
  ms_session *s = ms_session_new();
  s->proto = MS_PROTO_SMTP;
  s->ts = ts;
  s->end_ts = ts + SEC;
  strcpy(s->client.ip, "127.0.5.5");
  strcpy(s->server.ip, server);
  s->server.port = 25;
  ms_transaction *t = vec_push(&s->transactions);
  strvec_push(&t->rcpt_to, rcpt);
  return s;
}

static bool has_anomaly(const ms_session *s, const char *name) {
  for (size_t i = 0; i < s->anomalies.len; i++)
    if (!strcmp(s->anomalies.items[i].name, name))
      return true;
  return false;
}

static void answers_count_from_when_they_were_seen(void **state) {
  (void)state;
  ms_dnscache *c = ms_dnscache_new(1 << 20, 3600);
  two_test(c, T0, 10);
  const ms_dns_answer *a = ms_dnscache_get(c, "two.test", 15, T0 - 1, NULL);
  assert_null(a); /* not yet seen */
  a = ms_dnscache_get(c, "two.test", 15, T0, NULL);
  assert_non_null(a);
  assert_int_equal(a->n, 2);
  assert_int_equal(a->rd[0].pref, 10); /* canonical order */
  assert_string_equal(a->rd[0].target, "mx1.two.test");
  /* TTL 300: gone after it */
  assert_non_null(ms_dnscache_get(c, "two.test", 15, T0 + 300 * SEC, NULL));
  assert_null(ms_dnscache_get(c, "two.test", 15, T0 + 301 * SEC, NULL));
  ms_dnscache_free(c);
}

static void ttl_zero_lasts_the_grace_and_window_caps_long_ttls(void **state) {
  (void)state;
  ms_dnscache *c = ms_dnscache_new(1 << 20, 600);
  dnsb d;
  db_header(&d, 1, 0, 1, 2, 0, 0);
  db_question(&d, "z.test", 1);
  db_a(&d, "z.test", 0, 10, 0, 0, 1);
  db_a(&d, "long.test", 86400, 10, 0, 0, 2);
  feed(c, &d, T0);
  assert_non_null(
      ms_dnscache_get(c, "z.test", 1, T0 + MS_DNS_GRACE * SEC, NULL));
  assert_null(
      ms_dnscache_get(c, "z.test", 1, T0 + (MS_DNS_GRACE + 1) * SEC, NULL));
  assert_non_null(ms_dnscache_get(c, "long.test", 1, T0 + 600 * SEC, NULL));
  assert_null(ms_dnscache_get(c, "long.test", 1, T0 + 601 * SEC, NULL));
  ms_dnscache_free(c);
}

static void negative_answers_and_cnames(void **state) {
  (void)state;
  ms_dnscache *c = ms_dnscache_new(1 << 20, 3600);
  dnsb d;
  db_header(&d, 1, 0, 1, 0, 0, 0); /* NODATA */
  db_question(&d, "nomx.test", 15);
  feed(c, &d, T0);
  const ms_dns_answer *a = ms_dnscache_get(c, "nomx.test", 15, T0, NULL);
  assert_non_null(a);
  assert_int_equal(a->n, 0);
  assert_int_equal(a->rcode, 0);
  db_header(&d, 1, 3, 1, 0, 0, 0); /* NXDOMAIN */
  db_question(&d, "gone.test", 15);
  feed(c, &d, T0);
  assert_int_equal(ms_dnscache_get(c, "gone.test", 15, T0, NULL)->rcode, 3);
  /* A of a name that is a CNAME: the negative answer (none here) belongs
   * to the end of the chain */
  db_header(&d, 1, 0, 1, 2, 0, 0);
  db_question(&d, "mail.test", 1);
  db_target(&d, "mail.test", 5, 60, "real.test");
  db_a(&d, "real.test", 60, 10, 0, 0, 9);
  feed(c, &d, T0);
  assert_null(ms_dnscache_get(c, "mail.test", 1, T0, NULL));
  assert_non_null(ms_dnscache_get(c, "mail.test", 5, T0, NULL));
  assert_int_equal(ms_dnscache_get(c, "real.test", 1, T0, NULL)->n, 1);
  /* a cut response stores no negative answer */
  db_header(&d, 1, 0, 1, 1, 0, 0);
  db_question(&d, "cut.test", 15);
  feed(c, &d, T0);
  assert_null(ms_dnscache_get(c, "cut.test", 15, T0, NULL));
  ms_dnscache_free(c);
}

static void a_changed_answer_keeps_the_one_before(void **state) {
  (void)state;
  ms_dnscache *c = ms_dnscache_new(1 << 20, 3600);
  two_test(c, T0, 10);
  two_test(c, T0 + 10 * SEC, 10); /* the same: refreshed */
  const ms_dns_answer *prev = NULL;
  ms_dnscache_get(c, "mx1.two.test", 1, T0 + 20 * SEC, &prev);
  assert_null(prev);
  two_test(c, T0 + 30 * SEC, 66);
  const ms_dns_answer *now =
      ms_dnscache_get(c, "mx1.two.test", 1, T0 + 40 * SEC, &prev);
  assert_int_equal(now->rd[0].addr[3], 66);
  assert_non_null(prev);
  assert_int_equal(prev->rd[0].addr[3], 10);
  /* a moment before the change still sees the old answer */
  now = ms_dnscache_get(c, "mx1.two.test", 1, T0 + 15 * SEC, &prev);
  assert_int_equal(now->rd[0].addr[3], 10);
  ms_dnscache_free(c);
}

static void the_byte_bound_evicts_the_least_recent(void **state) {
  (void)state;
  ms_dnscache *c = ms_dnscache_new(16 * 1024, 3600);
  dnsb d;
  char name[64];
  for (int i = 0; i < 1000; i++) {
    snprintf(name, sizeof name, "host%d.flood.test", i);
    db_header(&d, 1, 0, 0, 1, 0, 0);
    db_a(&d, name, 300, 10, 0, (uint8_t)(i >> 8), (uint8_t)i);
    feed(c, &d, T0 + i);
    assert_true(ms_dnscache_bytes(c) <= 16 * 1024);
  }
  assert_true(ms_dnscache_evicted(c) > 800);
  assert_null(ms_dnscache_get(c, "host0.flood.test", 1, T0 + SEC, NULL));
  assert_non_null(ms_dnscache_get(c, "host999.flood.test", 1, T0 + SEC, NULL));
  /* unseen for the window: dropped (not counted as evicted) */
  uint64_t evicted = ms_dnscache_evicted(c);
  db_header(&d, 1, 0, 0, 1, 0, 0);
  db_a(&d, "late.test", 300, 10, 9, 9, 9);
  feed(c, &d, T0 + 4000 * SEC);
  assert_int_equal(ms_dnscache_evicted(c), evicted);
  assert_true(ms_dnscache_bytes(c) < 1024);
  ms_dnscache_free(c);
}

/* ---- routes -------------------------------------------------------------- */

static void verdict_mx_with_its_preference(void **state) {
  (void)state;
  ms_dnscache *c = ms_dnscache_new(1 << 20, 3600);
  two_test(c, T0, 10);
  ms_session *s = smtp_session("127.0.1.20", "Bob@TWO.test.", T0 + SEC);
  ms_dnscache_attempt(c, "127.0.1.10", T0 + SEC / 2); /* mx1 was tried */
  ms_route_decide(c, s);
  assert_non_null(s->route);
  assert_int_equal(s->route->verdict, MS_ROUTE_MX);
  const ms_route_domain *d = &s->route->domains.items[0];
  assert_string_equal(d->domain, "two.test");
  assert_int_equal(d->preference, 20);
  assert_string_equal(d->mx_host, "mx2.two.test");
  assert_int_equal(d->mx.len, 2);
  assert_false(d->mx.items[0].server);
  assert_true(d->mx.items[1].server);
  assert_false(has_anomaly(s, "mx_lower_preference"));
  ms_session_free(s);
  /* the same without the attempt: the better MX answered, was not tried */
  s = smtp_session("127.0.1.20", "bob@two.test", T0 + 2 * SEC);
  ms_dnscache *c2 = ms_dnscache_new(1 << 20, 3600);
  two_test(c2, T0, 10);
  ms_route_decide(c2, s);
  assert_true(has_anomaly(s, "mx_lower_preference"));
  ms_session_free(s);
  /* ... but not when its answer is older than a minute */
  s = smtp_session("127.0.1.20", "bob@two.test", T0 + 90 * SEC);
  ms_route_decide(c2, s);
  assert_false(has_anomaly(s, "mx_lower_preference"));
  ms_session_free(s);
  ms_dnscache_free(c);
  ms_dnscache_free(c2);
}

static void verdict_not_mx_and_dns_after_the_session(void **state) {
  (void)state;
  ms_dnscache *c = ms_dnscache_new(1 << 20, 3600);
  two_test(c, T0, 10);
  ms_session *s = smtp_session("127.0.9.9", "x@two.test", T0 + SEC);
  ms_route_decide(c, s);
  assert_int_equal(s->route->verdict, MS_ROUTE_NOT_MX);
  assert_true(has_anomaly(s, "delivery_not_mx"));
  ms_session_free(s);
  /* a submission: the verdict stands, no anomaly */
  s = smtp_session("127.0.9.9", "x@two.test", T0 + SEC);
  s->server.port = 587;
  ms_route_decide(c, s);
  assert_int_equal(s->route->verdict, MS_ROUTE_NOT_MX);
  assert_true(s->route->submission);
  assert_false(has_anomaly(s, "delivery_not_mx"));
  ms_session_free(s);
  /* DNS seen only after the session began does not count */
  s = smtp_session("127.0.9.9", "x@two.test", T0 - SEC);
  ms_route_decide(c, s);
  assert_null(s->route);
  assert_int_equal(s->anomalies.len, 0);
  ms_session_free(s);
  ms_dnscache_free(c);
}

static void implicit_mx_null_mx_and_unknown(void **state) {
  (void)state;
  ms_dnscache *c = ms_dnscache_new(1 << 20, 3600);
  dnsb d;
  db_header(&d, 1, 0, 1, 0, 0, 0);
  db_question(&d, "nomx.test", 15);
  feed(c, &d, T0);
  db_header(&d, 1, 0, 1, 1, 0, 0);
  db_question(&d, "nomx.test", 1);
  db_a(&d, "nomx.test", 60, 127, 0, 3, 10);
  feed(c, &d, T0);
  ms_session *s = smtp_session("127.0.3.10", "c@nomx.test", T0 + SEC);
  ms_route_decide(c, s);
  assert_int_equal(s->route->verdict, MS_ROUTE_IMPLICIT_MX);
  assert_int_equal(s->route->domains.items[0].mx_result, MS_DNSR_NODATA);
  ms_session_free(s);
  /* null MX (RFC 7505) */
  db_header(&d, 1, 0, 1, 1, 0, 0);
  db_question(&d, "nomail.test", 15);
  db_mx(&d, "nomail.test", 60, 0, "");
  feed(c, &d, T0);
  s = smtp_session("127.0.3.11", "c@nomail.test", T0 + SEC);
  ms_route_decide(c, s);
  assert_true(s->route->domains.items[0].null_mx);
  assert_int_equal(s->route->verdict, MS_ROUTE_NOT_MX);
  ms_session_free(s);
  /* MX seen, its host's addresses not: unknown, no anomaly */
  db_header(&d, 1, 0, 1, 1, 0, 0);
  db_question(&d, "half.test", 15);
  db_mx(&d, "half.test", 60, 10, "mx.half.test");
  feed(c, &d, T0);
  s = smtp_session("127.0.3.12", "c@half.test", T0 + SEC);
  ms_route_decide(c, s);
  assert_int_equal(s->route->verdict, MS_ROUTE_UNKNOWN);
  assert_false(has_anomaly(s, "delivery_not_mx"));
  ms_session_free(s);
  /* no DNS at all about the session: no route */
  s = smtp_session("127.0.3.12", "c@elsewhere.test", T0 + SEC);
  ms_route_decide(c, s);
  assert_null(s->route);
  ms_session_free(s);
  ms_dnscache_free(c);
}

static void ptr(ms_dnscache *c, const char *rev, const char *name, ms_ts ts) {
  dnsb d;
  db_header(&d, 1, 0, 1, 1, 0, 0);
  db_question(&d, rev, 12);
  db_target(&d, rev, 12, 60, name);
  feed(c, &d, ts);
}

static void helo_against_the_ptr(void **state) {
  (void)state;
  ms_dnscache *c = ms_dnscache_new(1 << 20, 3600);
  /* looked up by the server once the client connected */
  ptr(c, "5.5.0.127.in-addr.arpa", "sender.test", T0 + SEC / 2);
  dnsb d;
  db_header(&d, 1, 0, 1, 1, 0, 0);
  db_question(&d, "sender.test", 1);
  db_a(&d, "sender.test", 60, 127, 0, 5, 5);
  feed(c, &d, T0 + SEC / 2);
  ms_session *s = smtp_session("127.0.1.10", "a@unseen.test", T0);
  s->helo = xstrdup("Sender.Test.");
  ms_route_decide(c, s);
  assert_non_null(s->route);
  assert_int_equal(s->route->ptr_result, MS_DNSR_ANSWERED);
  assert_string_equal(s->route->ptr.items[0], "sender.test");
  assert_int_equal(s->route->helo, MS_HELO_MATCH);
  assert_int_equal(s->route->helo_forward, 1);
  assert_int_equal(s->route->verdict, MS_ROUTE_UNKNOWN);
  ms_session_free(s);
  s = smtp_session("127.0.1.10", "a@unseen.test", T0);
  s->helo = xstrdup("mail.bank.test");
  ms_route_decide(c, s);
  assert_int_equal(s->route->helo, MS_HELO_MISMATCH);
  assert_int_equal(s->route->helo_forward, -1);
  assert_true(has_anomaly(s, "helo_ptr_mismatch"));
  ms_session_free(s);
  s = smtp_session("127.0.1.10", "a@unseen.test", T0);
  s->helo = xstrdup("[127.0.5.5]");
  ms_route_decide(c, s);
  assert_int_equal(s->route->helo, MS_HELO_LITERAL);
  ms_session_free(s);
  ms_dnscache_free(c);
}

static void a_changed_mx_is_an_anomaly_a_rotating_pool_is_not(void **state) {
  (void)state;
  ms_dnscache *c = ms_dnscache_new(1 << 20, 3600);
  two_test(c, T0, 10);
  two_test(c, T0 + 60 * SEC, 66);
  ms_session *s = smtp_session("127.0.1.66", "a@two.test", T0 + 61 * SEC);
  ms_route_decide(c, s);
  assert_int_equal(s->route->verdict, MS_ROUTE_MX);
  assert_true(has_anomaly(s, "dns_answer_changed"));
  size_t changed = 0;
  for (size_t i = 0; i < s->anomalies.len; i++)
    changed += !strcmp(s->anomalies.items[i].name, "dns_answer_changed");
  assert_int_equal(changed, 1);
  ms_session_free(s);
  /* a pool that keeps some of its addresses */
  ms_dnscache *p = ms_dnscache_new(1 << 20, 3600);
  dnsb d;
  db_header(&d, 1, 0, 1, 3, 0, 0);
  db_question(&d, "pool.test", 1);
  db_mx(&d, "pool.test", 60, 10, "pool.test");
  db_a(&d, "pool.test", 60, 10, 0, 0, 1);
  db_a(&d, "pool.test", 60, 10, 0, 0, 2);
  feed(p, &d, T0);
  db_header(&d, 1, 0, 1, 3, 0, 0);
  db_question(&d, "pool.test", 1);
  db_mx(&d, "pool.test", 60, 10, "pool.test");
  db_a(&d, "pool.test", 60, 10, 0, 0, 2);
  db_a(&d, "pool.test", 60, 10, 0, 0, 3);
  feed(p, &d, T0 + SEC);
  s = smtp_session("10.0.0.3", "a@pool.test", T0 + 2 * SEC);
  ms_route_decide(p, s);
  assert_int_equal(s->route->verdict, MS_ROUTE_MX);
  assert_false(has_anomaly(s, "dns_answer_changed"));
  ms_session_free(s);
  ms_dnscache_free(p);
  ms_dnscache_free(c);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(answers_count_from_when_they_were_seen),
      cmocka_unit_test(ttl_zero_lasts_the_grace_and_window_caps_long_ttls),
      cmocka_unit_test(negative_answers_and_cnames),
      cmocka_unit_test(a_changed_answer_keeps_the_one_before),
      cmocka_unit_test(the_byte_bound_evicts_the_least_recent),
      cmocka_unit_test(verdict_mx_with_its_preference),
      cmocka_unit_test(verdict_not_mx_and_dns_after_the_session),
      cmocka_unit_test(implicit_mx_null_mx_and_unknown),
      cmocka_unit_test(helo_against_the_ptr),
      cmocka_unit_test(a_changed_mx_is_an_anomaly_a_rotating_pool_is_not),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
