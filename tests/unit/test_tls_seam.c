/* test_tls_seam.c - where TLS begins (dissector.h): the bytes decide, not
 * the port (a plaintext greeting on 465/995 is decoded, a ClientHello on
 * 25/110 is implicit TLS), a chunk that holds the 220 and the ServerHello
 * is split where the records begin, bytes after STARTTLS that are no TLS
 * record are plaintext, STARTTLS command and response injection, a
 * direction the TLS layer decrypts goes on as after STARTTLS. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "dissect_util.h"
#include "session.h"

#define C(s)                                                                   \
  { MS_CLIENT, s, 0 }
#define S(s)                                                                   \
  { MS_SERVER, s, 0 }
#define NSTEPS(a) (sizeof(a) / sizeof((a)[0]))

/* A ClientHello's first bytes and a ServerHello's (records of 5 bytes). */
static const char hello_c[] = "\x16\x03\x01\x00\x05\x01\x00\x00\x01\x03";
static const char hello_s[] = "\x16\x03\x03\x00\x05\x02\x00\x00\x01\x03";
#define HELLO_LEN 10

/* ---- the session layer -------------------------------------------------- */

typedef struct {
  ms_session *got[8];
  int n;
} done_list;

static void on_done(void *ctx, ms_session *s) {
  done_list *d = ctx;
  assert_true(d->n < 8);
  d->got[d->n++] = s;
}

typedef struct {
  ms_table *t;
  uint16_t cport, sport;
  uint32_t seq[2];
  ms_ts ts;
} conn_script;

static void packet(conn_script *c, ms_dir dir, uint8_t flags, const char *p,
                   size_t n) {
  ms_tcp s;
  memset(&s, 0, sizeof s);
  s.ip_version = 4;
  uint8_t a[4] = {192, 0, 2, 10}, b[4] = {192, 0, 2, 25};
  memcpy(dir == MS_CLIENT ? s.src : s.dst, a, 4);
  memcpy(dir == MS_CLIENT ? s.dst : s.src, b, 4);
  s.sport = dir == MS_CLIENT ? c->cport : c->sport;
  s.dport = dir == MS_CLIENT ? c->sport : c->cport;
  s.flags = flags;
  s.seq = c->seq[dir];
  s.ack = c->seq[!dir];
  s.payload = (const uint8_t *)p;
  s.len = n;
  ms_table_packet(c->t, &s, NULL, 0, c->ts++);
  c->seq[dir] += (uint32_t)n + ((flags & MS_TH_SYN) ? 1 : 0);
}

static void open_conn(conn_script *c, ms_table *t, uint16_t cport,
                      uint16_t sport) {
  memset(c, 0, sizeof *c);
  c->t = t;
  c->cport = cport;
  c->sport = sport;
  c->seq[MS_CLIENT] = 1000;
  c->seq[MS_SERVER] = 5000;
  c->ts = 1000000 * (ms_ts)cport;
  packet(c, MS_CLIENT, MS_TH_SYN, NULL, 0);
  packet(c, MS_SERVER, MS_TH_SYN | MS_TH_ACK, NULL, 0);
}

static void say(conn_script *c, ms_dir dir, const char *p, size_t n) {
  packet(c, dir, MS_TH_ACK, p, n ? n : strlen(p));
}

static bool anomaly(const ms_session *s, const char *name) {
  return has_anomaly(s, name);
}

typedef struct {
  ms_options opt;
  ms_stats stats;
  done_list d;
  ms_table *t;
} table_fixture;

static void table_begin(table_fixture *f) {
  memset(f, 0, sizeof *f);
  ms_options_defaults(&f->opt);
  f->t = ms_table_new(&f->opt, on_done, &f->d, &f->stats);
}

/* Every session ends; the table is freed. */
static void table_end(table_fixture *f) {
  ms_table_flush(f->t, MS_END_EOF, 99999999999);
  ms_table_free(f->t);
}

static void done_free(table_fixture *f) {
  for (int i = 0; i < f->d.n; i++)
    ms_session_free(f->d.got[i]);
}

static void bytes_decide_not_port(void **state) {
  (void)state;
  table_fixture f;
  table_begin(&f);
  ms_table *t = f.t;
  done_list *d = &f.d;
  conn_script c;
  /* a plaintext greeting on 465 is decoded */
  open_conn(&c, t, 41000, 465);
  say(&c, MS_SERVER, "220 mx ESMTP\r\n", 0);
  say(&c, MS_CLIENT, "EHLO a\r\n", 0);
  say(&c, MS_SERVER, "250 mx\r\n", 0);
  /* plaintext POP3 on 995 */
  open_conn(&c, t, 41001, 995);
  say(&c, MS_SERVER, "+OK ready\r\n", 0);
  say(&c, MS_CLIENT, "CAPA\r\n", 0);
  say(&c, MS_SERVER, "+OK\r\nUSER\r\n.\r\n", 0);
  /* a ClientHello on 25 without STARTTLS: implicit TLS */
  open_conn(&c, t, 41002, 25);
  say(&c, MS_CLIENT, hello_c, HELLO_LEN);
  say(&c, MS_SERVER, hello_s, HELLO_LEN);
  /* ... and on 110 */
  open_conn(&c, t, 41003, 110);
  say(&c, MS_CLIENT, hello_c, HELLO_LEN);
  /* a ClientHello on 465 answered by a plaintext greeting */
  open_conn(&c, t, 41004, 465);
  say(&c, MS_CLIENT, hello_c, HELLO_LEN);
  say(&c, MS_SERVER, "220 mx ESMTP\r\n", 0);
  table_end(&f);
  assert_int_equal(d->n, 5);

  ms_session *s = d->got[0];
  assert_int_equal(s->tls, MS_TLS_NONE);
  assert_string_equal(s->banner, "mx ESMTP");
  assert_int_equal(s->commands.len, 1);
  assert_int_equal(s->commands.items[0].reply.code, 250);
  assert_true(anomaly(s, "plaintext_on_tls_port"));

  s = d->got[1];
  assert_int_equal(s->proto, MS_PROTO_POP3);
  assert_int_equal(s->tls, MS_TLS_NONE);
  assert_int_equal(s->capabilities.len, 1);

  s = d->got[2];
  assert_int_equal(s->tls, MS_TLS_IMPLICIT);
  assert_int_equal(s->commands.len, 0);
  assert_int_equal(s->bytes[MS_CLIENT], HELLO_LEN);
  assert_true(anomaly(s, "tls_on_plaintext_port"));
  assert_false(anomaly(s, "malformed_reply"));

  s = d->got[3];
  assert_int_equal(s->proto, MS_PROTO_POP3);
  assert_int_equal(s->tls, MS_TLS_IMPLICIT);
  assert_false(anomaly(s, "not_pop3"));

  s = d->got[4];
  assert_int_equal(s->tls, MS_TLS_IMPLICIT);
  assert_string_equal(s->banner, "mx ESMTP");
  assert_true(anomaly(s, "tls_mismatch"));
  done_free(&f);
}

/* "220 ready" and the ServerHello in one segment: the dissector takes the
 * reply, the TLS layer the rest; a clean STARTTLS raises nothing. */
static void starttls_split_in_a_segment(void **state) {
  (void)state;
  table_fixture f;
  table_begin(&f);
  conn_script c;
  open_conn(&c, f.t, 41010, 25);
  say(&c, MS_SERVER, "220 mx ESMTP\r\n", 0);
  say(&c, MS_CLIENT, "EHLO a\r\n", 0);
  say(&c, MS_SERVER, "250-mx\r\n250 STARTTLS\r\n", 0);
  say(&c, MS_CLIENT, "STARTTLS\r\n", 0);
  char both[64];
  memcpy(both, "220 2.0.0 go\r\n", 14);
  memcpy(both + 14, hello_s, HELLO_LEN);
  say(&c, MS_SERVER, both, 14 + HELLO_LEN);
  say(&c, MS_CLIENT, hello_c, HELLO_LEN);
  say(&c, MS_SERVER, "\x17\x03\x03\x00\x02\x00\x00", 7);
  say(&c, MS_CLIENT, "\x17\x03\x03\x00\x02\x00\x00", 7);
  table_end(&f);
  assert_int_equal(f.d.n, 1);
  ms_session *s = f.d.got[0];
  assert_int_equal(s->tls, MS_TLS_STARTTLS);
  assert_int_equal(s->commands.len, 2);
  assert_int_equal(s->commands.items[1].reply.code, 220);
  /* nothing from the dissector, not even a control byte of the records:
   * only the TLS decoder's word on these truncated hellos */
  for (size_t i = 0; i < s->anomalies.len; i++)
    assert_string_equal(s->anomalies.items[i].name, "tls_malformed");
  assert_non_null(s->tls_info); /* the records went to the TLS layer */
  done_free(&f);
}

/* ---- the dissector ------------------------------------------------------ */

static void command_injection(void **state) {
  (void)state;
  const step smtp[] = {
      S("220 mx ESMTP\r\n"),
      C("EHLO a\r\n"),
      S("250-mx\r\n250 STARTTLS\r\n"),
      C("STARTTLS\r\nRSET\r\nMAIL FROM:<evil@example.test>\r\n"),
      S("220 2.0.0 Ready to start TLS\r\n"),
      {MS_CLIENT, hello_c, HELLO_LEN},
      {MS_SERVER, hello_s, HELLO_LEN}};
  const step pop[] = {S("+OK ready\r\n"),
                      C("STLS\r\nUSER evil\r\n"),
                      S("+OK Begin TLS negotiation now.\r\n"),
                      {MS_CLIENT, hello_c, HELLO_LEN}};
  for (size_t split = 0; split < 9; split++) {
    ms_session *s =
        run_steps(&ms_smtp_dissector, smtp, NSTEPS(smtp), split, NULL);
    assert_true(has_anomaly(s, "starttls_command_injection"));
    assert_int_equal(s->commands.len, 2); /* EHLO, STARTTLS */
    assert_int_equal(s->transactions.len, 0);
    assert_int_equal(s->tls, MS_TLS_STARTTLS);
    assert_false(has_anomaly(s, "reply_without_command"));
    ms_session_free(s);
    s = run_steps(&ms_pop3_dissector, pop, NSTEPS(pop), split, NULL);
    assert_true(has_anomaly(s, "starttls_command_injection"));
    assert_int_equal(s->commands.len, 1);
    assert_false(s->auth.present);
    ms_session_free(s);
  }
}

static void response_injection(void **state) {
  (void)state;
  const step steps[] = {S("220 mx ESMTP\r\n"),
                        C("STARTTLS\r\n"),
                        S("220 go\r\n250-injected\r\n250 PIPELINING\r\n"),
                        {MS_CLIENT, hello_c, HELLO_LEN},
                        {MS_SERVER, hello_s, HELLO_LEN}};
  for (size_t split = 0; split < 9; split++) {
    ms_session *s =
        run_steps(&ms_smtp_dissector, steps, NSTEPS(steps), split, NULL);
    assert_int_equal(count_anomaly(s, "starttls_response_injection"), 1);
    assert_false(has_anomaly(s, "reply_without_command"));
    assert_int_equal(s->capabilities.len, 0);
    ms_session_free(s);
  }
}

/* A refused STARTTLS: what the client pipelined after it is commands. */
static void refused_starttls_commands(void **state) {
  (void)state;
  const step steps[] = {S("220 mx\r\n"), C("STARTTLS\r\nNOOP\r\nQUIT\r\n"),
                        S("454 4.7.0 TLS not available\r\n250 ok\r\n"
                          "221 bye\r\n")};
  for (size_t split = 0; split < 7; split++) {
    ms_session *s =
        run_steps(&ms_smtp_dissector, steps, NSTEPS(steps), split, NULL);
    assert_int_equal(s->commands.len, 3);
    assert_int_equal(s->commands.items[2].reply.code, 221);
    assert_int_equal(s->tls, MS_TLS_NONE);
    assert_false(has_anomaly(s, "starttls_command_injection"));
    ms_session_free(s);
  }
}

/* No TLS record after the positive reply: plaintext, decoded. */
static void plaintext_after_starttls(void **state) {
  (void)state;
  const step steps[] = {S("220 mx\r\n"),
                        C("STARTTLS\r\n"),
                        S("220 go\r\n"),
                        C("EHLO again\r\n"),
                        S("250-mx\r\n250 AUTH PLAIN\r\n"),
                        C("QUIT\r\n"),
                        S("221 bye\r\n")};
  ms_session *s = run_steps(&ms_smtp_dissector, steps, NSTEPS(steps), 0, NULL);
  assert_true(has_anomaly(s, "plaintext_after_starttls"));
  assert_false(has_anomaly(s, "starttls_response_injection"));
  assert_int_equal(s->commands.len, 3);
  assert_int_equal(s->commands.items[2].reply.code, 221);
  assert_string_equal(s->capabilities.items[0], "AUTH PLAIN");
  ms_session_free(s);
}

/* An SMTP dissector fed directly (no session layer), as the TLS layer
 * feeds it; the caller frees rec after d->destroy(st). */
typedef struct {
  ms_dissect_config cfg;
  ms_session *rec;
  const ms_dissector *d;
  void *st;
} direct;

static void direct_open(direct *x) {
  ms_dissect_config_defaults(&x->cfg);
  x->rec = ms_session_new();
  x->rec->proto = MS_PROTO_SMTP;
  x->d = &ms_smtp_dissector;
  x->st = x->d->create(x->rec, &x->cfg);
}

/* The TLS layer decrypts: on_data carries the plaintext of both
 * directions, which goes on as after STARTTLS (EHLO again). */
static void decrypted_goes_on(void **state) {
  (void)state;
  direct x;
  direct_open(&x);
  ms_session *rec = x.rec;
  const ms_dissector *d = x.d;
  void *st = x.st;
  size_t used;
#define FEED(dir, p, n) d->on_data(st, dir, (const uint8_t *)(p), n, 1, &used)
  FEED(MS_SERVER, "220 mx\r\n", 8);
  FEED(MS_CLIENT, "STARTTLS\r\n", 10);
  assert_int_equal(FEED(MS_SERVER, "220 go\r\n\x16\x03\x03", 11), MS_TLS);
  assert_int_equal(used, 8);
  assert_int_equal(FEED(MS_CLIENT, hello_c, HELLO_LEN), MS_TLS);
  assert_int_equal(used, 0);
  d->on_tls(st, MS_CLIENT, MS_TLS_PLAINTEXT, 2);
  d->on_tls(st, MS_SERVER, MS_TLS_PLAINTEXT, 2);
  assert_int_equal(FEED(MS_CLIENT, "EHLO in.tls\r\n", 13), MS_CONTINUE);
  assert_int_equal(FEED(MS_SERVER, "250 mx\r\n", 8), MS_CONTINUE);
  assert_int_equal(FEED(MS_CLIENT, "AUTH PLAIN AGJvYgBwdw==\r\n", 25),
                   MS_CONTINUE);
  assert_int_equal(FEED(MS_SERVER, "235 ok\r\n", 8), MS_CONTINUE);
#undef FEED
  rec->end = MS_END_FIN;
  d->on_close(st, 3);
  d->destroy(st);
  assert_int_equal(rec->commands.len, 3); /* STARTTLS, EHLO, AUTH */
  assert_string_equal(rec->helo, "in.tls");
  assert_int_equal(rec->auth.result, MS_AUTH_SUCCESS);
  assert_string_equal(rec->auth.username, "bob");
  assert_false(has_anomaly(rec, "plaintext_after_starttls"));
  assert_int_equal(rec->anomalies.len, 0);
  ms_session_free(rec);
}

/* A client that sends on after STARTTLS without waiting for the reply:
 * at most 64 KiB are held, then they are commands (bounded memory). */
static void starttls_hold_is_bounded(void **state) {
  (void)state;
  size_t n = 20000;
  char *flood = malloc(n * 6);
  for (size_t i = 0; i < n; i++)
    memcpy(flood + i * 6, "NOOP\r\n", 6);
  const step steps[] = {
      S("220 mx\r\n"), C("STARTTLS\r\n"), {MS_CLIENT, flood, n * 6}};
  ms_session *s = run_steps(&ms_smtp_dissector, steps, NSTEPS(steps), 0, NULL);
  assert_true(s->commands.len > 10000 - 10); /* the NOOPs: commands */
  assert_false(has_anomaly(s, "starttls_command_injection"));
  ms_session_free(s);
  free(flood);
}

/* STARTTLS inside decrypted TLS (implicit TLS, then STARTTLS again): the
 * inner TLS is a layer not decoded (tls_nested, once); its bytes are not
 * commands or replies.  A refused inner STARTTLS leaves the session
 * decoding the decrypted lines. */
static void nested_tls(void **state) {
  (void)state;
  for (int refused = 0; refused < 2; refused++) {
    direct x;
    direct_open(&x);
    ms_session *rec = x.rec;
    const ms_dissector *d = x.d;
    void *st = x.st;
    size_t used;
#define FEED(dir, p, n) d->on_data(st, dir, (const uint8_t *)(p), n, 1, &used)
    d->on_tls(st, MS_CLIENT, MS_TLS_PLAINTEXT, 1);
    d->on_tls(st, MS_SERVER, MS_TLS_PLAINTEXT, 1);
    FEED(MS_SERVER, "220 mx\r\n", 8);
    FEED(MS_CLIENT, "STARTTLS\r\n", 10);
    if (refused) {
      FEED(MS_SERVER, "454 no\r\n", 8);
      FEED(MS_CLIENT, "NOOP\r\n", 6);
      FEED(MS_SERVER, "250 ok\r\n", 8);
    } else {
      FEED(MS_SERVER, "220 go\r\n", 8);
      for (int i = 0; i < 3; i++) {
        assert_int_equal(FEED(MS_CLIENT, hello_c, HELLO_LEN), MS_CONTINUE);
        assert_int_equal(used, HELLO_LEN);
        assert_int_equal(FEED(MS_SERVER, hello_s, HELLO_LEN), MS_CONTINUE);
        assert_int_equal(used, HELLO_LEN);
      }
      FEED(MS_CLIENT, "NOOP\r\n", 6); /* inside the inner TLS: not read */
    }
#undef FEED
    rec->end = MS_END_FIN;
    d->on_close(st, 3);
    d->destroy(st);
    assert_int_equal(rec->commands.len, refused ? 2 : 1);
    assert_int_equal(has_anomaly(rec, "tls_nested"), !refused);
    assert_false(has_anomaly(rec, "unknown_command"));
    assert_false(has_anomaly(rec, "control_characters"));
    size_t nested = 0;
    for (size_t i = 0; i < rec->anomalies.len; i++)
      nested += !strcmp(rec->anomalies.items[i].name, "tls_nested");
    assert_true(nested <= 1);
    ms_session_free(rec);
  }
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(bytes_decide_not_port),
      cmocka_unit_test(starttls_split_in_a_segment),
      cmocka_unit_test(command_injection),
      cmocka_unit_test(response_injection),
      cmocka_unit_test(refused_starttls_commands),
      cmocka_unit_test(plaintext_after_starttls),
      cmocka_unit_test(decrypted_goes_on),
      cmocka_unit_test(starttls_hold_is_bounded),
      cmocka_unit_test(nested_tls),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
