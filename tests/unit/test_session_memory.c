/* test_session_memory.c - what an open session holds (docs/performance.md,
 * "Memory per open session"): the dissectors' buffers are made on first
 * use and given back when empty (the exchange core's line buffers and
 * queue, SMTP's reply builder and DATA body state), the record's commands
 * start at one entry, the reassembly ring starts small yet keeps every
 * delivered byte up to its bound, and what --max-memory is charged is what
 * is held: the record is told the dissector's state and buffers exactly,
 * and gets all of it back. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "budget.h"
#include "pop3_state.h"
#include "reassembly.h"
#include "session_int.h"
#include "smtp_state.h"

static ms_ts now = 1000000;

static void put(const ms_dissector *d, void *st, ms_dir dir, const char *s) {
  size_t used = strlen(s);
  assert_int_equal(
      d->on_data(st, dir, (const uint8_t *)s, strlen(s), now += 10, &used),
      MS_CONTINUE);
}

static void smtp_server(smtp *st, const char *s) {
  put(&ms_smtp_dissector, st, MS_SERVER, s);
}

static void smtp_client(smtp *st, const char *s) {
  put(&ms_smtp_dissector, st, MS_CLIENT, s);
}

/* Nothing is held between replies but the state itself, and the record
 * is told exactly what is held at every step. */
/* The dissectors keep a pointer to their configuration: it outlives them. */
static ms_dissect_config cfg;

/* A dissector of proto made for a new record (the record is *rec). */
static void *open_dissector(const ms_dissector *d, ms_proto proto,
                            ms_session **rec) {
  ms_dissect_config_defaults(&cfg);
  *rec = ms_session_new();
  (*rec)->proto = proto;
  return d->create(*rec, &cfg);
}

static void smtp_buffers_made_and_given_back(void **state) {
  (void)state;
  ms_session *rec;
  smtp *st = open_dissector(&ms_smtp_dissector, MS_PROTO_SMTP, &rec);
  const size_t idle = sizeof *st;

  smtp_server(st, "220 mx"); /* a line split across segments */
  assert_non_null(st->x.lines[MS_SERVER].buf);
  assert_null(st->reply); /* no line complete yet */
  assert_int_equal(rec->mem_held, idle + st->x.lines[MS_SERVER].cap);
  smtp_server(st, " ESMTP\r\n");
  assert_null(st->x.lines[MS_SERVER].buf); /* given back */
  assert_null(st->reply);
  assert_int_equal(rec->mem_held, idle);
  assert_string_equal(rec->banner, "mx ESMTP");

  smtp_client(st, "NOOP\r\n"); /* outstanding: the queue, one slot */
  assert_non_null(st->x.q);
  assert_int_equal(st->x.qcap, 1);
  assert_int_equal(rec->commands.cap, 1);
  assert_int_equal(rec->mem_held, idle + sizeof(smtp_pending));
  smtp_server(st, "250 ok\r\n");
  assert_null(st->x.q);
  assert_int_equal(rec->mem_held, idle);
  assert_int_equal(rec->commands.items[0].reply.code, 250);

  smtp_client(st, "EHLO c\r\n");
  smtp_server(st, "250-mx\r\n"); /* a multi-line reply under way */
  assert_non_null(st->reply);
  assert_int_equal(rec->mem_held, idle + sizeof(smtp_pending) +
                                      sizeof *st->reply + st->reply->tcap);
  smtp_server(st, "250-PIPELINING\r\n250 SIZE 1000\r\n");
  assert_null(st->reply);
  assert_null(st->x.q);
  assert_int_equal(rec->mem_held, idle);
  assert_int_equal(rec->capabilities.len, 2);
  assert_int_equal(rec->commands.cap, 2);

  smtp_client(st, "MAIL FROM:<a@b>\r\nRCPT TO:<c@d>\r\nDATA\r\n");
  assert_int_equal(st->x.qcap, 4); /* grown by doubling: 1, 2, 4 */
  smtp_server(st, "250 ok\r\n250 ok\r\n354 go\r\n");
  assert_non_null(st->body); /* the body state, made with the body */
  assert_null(st->x.q);
  smtp_client(st, "Subject: s\r\n\r\nhi\r\n.\r\n");
  assert_null(st->body); /* given back at its end */
  smtp_server(st, "250 queued\r\n");
  assert_null(st->x.q);
  assert_int_equal(rec->transactions.len, 1);
  assert_int_equal(rec->transactions.items[0].status, MS_TX_QUEUED);
  assert_int_equal(rec->mem_held, idle); /* the message parser's too */

  ms_smtp_dissector.on_close(st, now);
  ms_smtp_dissector.destroy(st);
  assert_int_equal(rec->mem_held, 0); /* everything taken back */
  ms_session_free(rec);
}

/* Client bytes held while DATA awaits its reply are counted. */
static void smtp_held_bytes_are_charged(void **state) {
  (void)state;
  ms_session *rec;
  smtp *st = open_dissector(&ms_smtp_dissector, MS_PROTO_SMTP, &rec);
  smtp_server(st, "220 mx\r\n");
  smtp_client(st, "DATA\r\nSubject: s\r\n");
  assert_int_equal(st->held_len, strlen("Subject: s\r\n"));
  assert_int_equal(rec->mem_held,
                   sizeof *st + sizeof(smtp_pending) + st->held_len);
  ms_smtp_dissector.on_close(st, now);
  ms_smtp_dissector.destroy(st);
  assert_int_equal(rec->mem_held, 0);
  ms_session_free(rec);
}

static void pop3_idle_holds_its_state_only(void **state) {
  (void)state;
  ms_session *rec;
  pop3 *st = open_dissector(&ms_pop3_dissector, MS_PROTO_POP3, &rec);
  put(&ms_pop3_dissector, st, MS_SERVER, "+OK ready\r\n");
  put(&ms_pop3_dissector, st, MS_CLIENT, "CAPA\r");
  assert_non_null(st->x.lines[MS_CLIENT].buf); /* the CR waits for its LF */
  put(&ms_pop3_dissector, st, MS_CLIENT, "\n");
  assert_null(st->x.lines[MS_CLIENT].buf);
  assert_int_equal(rec->mem_held, sizeof *st + sizeof(p3_pending));
  put(&ms_pop3_dissector, st, MS_SERVER, "+OK\r\nUSER\r\n.\r\n");
  assert_null(st->x.q);
  assert_int_equal(rec->mem_held, sizeof *st);
  ms_pop3_dissector.on_close(st, now);
  ms_pop3_dissector.destroy(st);
  assert_int_equal(rec->mem_held, 0);
  ms_session_free(rec);
}

/* ---- the reassembly ring ------------------------------------------------ */

typedef struct {
  int delivered_mismatches;
} seen;

static void on_deliver(void *ctx, ms_dir dir, const uint8_t *p, size_t n,
                       ms_ts ts) {
  (void)ctx, (void)dir, (void)p, (void)n, (void)ts;
}

static void on_mismatch(void *ctx, ms_dir dir, uint32_t seq, bool delivered,
                        ms_ts ts) {
  (void)dir, (void)seq, (void)ts;
  ((seen *)ctx)->delivered_mismatches += delivered;
}

static const ms_reasm_callbacks cb = {on_deliver, NULL, on_mismatch, NULL};

static void segment(ms_half *h, seen *s, uint32_t seq, const char *data) {
  ms_reasm_env env = {&cb, s, 1 << 20, true};
  ms_half_segment(h, MS_SERVER, seq, 0, (const uint8_t *)data, strlen(data), 0,
                  &env);
}

/* The ring starts at 16 bytes and doubles, so that it still holds every
 * delivered byte (up to MS_REASM_RECENT_MAX): a retransmission of the
 * first bytes that differs is reported as before. */
static void ring_small_yet_complete(void **state) {
  (void)state;
  ms_half h = {0};
  seen s = {0};
  segment(&h, &s, 1, "220 mx ESMTP\r\n");
  assert_int_equal(h.recent_cap, 16);
  assert_int_equal(h.mem, 16);
  char big[201];
  memset(big, 'x', 200);
  big[200] = '\0';
  segment(&h, &s, 15, big);
  assert_int_equal(h.recent_cap, 256);
  assert_int_equal(h.mem, 256);
  segment(&h, &s, 1, "220 mx ESMTP\r\n"); /* the same: nothing to say */
  assert_int_equal(s.delivered_mismatches, 0);
  segment(&h, &s, 1, "221 mx"); /* the first bytes, other content */
  assert_int_equal(s.delivered_mismatches, 1);
  ms_half_free(&h);
}

/* ---- the session table's charge ----------------------------------------- */

static ms_tcp tcp(int from_client, uint8_t flags, uint32_t seq, uint32_t ack,
                  const char *data) {
  ms_tcp t;
  memset(&t, 0, sizeof t);
  t.ip_version = 4;
  uint8_t c[4] = {192, 0, 2, 10}, sv[4] = {192, 0, 2, 25};
  memcpy(from_client ? t.src : t.dst, c, 4);
  memcpy(from_client ? t.dst : t.src, sv, 4);
  t.sport = from_client ? 40000 : 25;
  t.dport = from_client ? 25 : 40000;
  t.flags = flags;
  t.seq = seq;
  t.ack = ack;
  t.payload = (const uint8_t *)data;
  t.len = data ? strlen(data) : 0;
  return t;
}

static void on_done(void *ctx, ms_session *s) {
  *(int *)ctx += 1;
  ms_session_free(s);
}

/* An idle session (greeting, NOOP awaiting its reply) is charged its
 * entry, its record and what its dissector and reassembly hold, no more
 * (no estimate), and the budget gets all of it back at the end. */
static void table_charges_what_is_held(void **state) {
  (void)state;
  ms_options opt;
  ms_stats stats;
  ms_options_defaults(&opt);
  memset(&stats, 0, sizeof stats);
  ms_budget b;
  ms_budget_init(&b, 512 << 20);
  int reported = 0;
  ms_table *t = ms_table_new(&opt, on_done, &reported, &stats);
  ms_table_set_budget(t, &b);
  ms_tcp p = tcp(1, MS_TH_SYN, 99, 0, NULL);
  ms_table_packet(t, &p, NULL, 0, 1);
  p = tcp(0, MS_TH_SYN | MS_TH_ACK, 499, 100, NULL);
  ms_table_packet(t, &p, NULL, 0, 2);
  p = tcp(0, MS_TH_ACK, 500, 100, "220 mx ESMTP\r\n");
  ms_table_packet(t, &p, NULL, 0, 3);
  p = tcp(1, MS_TH_ACK, 100, 514, "NOOP\r\n");
  ms_table_packet(t, &p, NULL, 0, 4);

  conn *c = t->lru[LRU_MAIL].head;
  assert_non_null(c);
  ms_session *r = c->rec;
  assert_int_equal(r->mem_held, sizeof(smtp) + sizeof(smtp_pending));
  assert_int_equal(c->half[MS_SERVER].mem + c->half[MS_CLIENT].mem, 16 + 16);
  assert_int_equal(b.used, sizeof *c + sizeof *r + r->mem_held +
                               r->record_bytes + 16 + 16);

  p = tcp(0, MS_TH_ACK, 514, 106, "250 ok\r\n");
  ms_table_packet(t, &p, NULL, 0, 5);
  assert_int_equal(r->mem_held, sizeof(smtp));  /* the queue went back */
  assert_int_equal(c->half[MS_SERVER].mem, 32); /* 22 bytes delivered */
  assert_int_equal(b.used, sizeof *c + sizeof *r + r->mem_held +
                               r->record_bytes + 32 + 16);

  ms_table_flush(t, MS_END_EOF, 10);
  assert_int_equal(reported, 1);
  assert_int_equal(b.used, 0);
  ms_table_free(t);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(smtp_buffers_made_and_given_back),
      cmocka_unit_test(smtp_held_bytes_are_charged),
      cmocka_unit_test(pop3_idle_holds_its_state_only),
      cmocka_unit_test(ring_small_yet_complete),
      cmocka_unit_test(table_charges_what_is_held),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
