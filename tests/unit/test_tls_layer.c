/* test_tls_layer.c - the session's TLS layer (src/flow/tls_layer.h) with
 * the key store as its record protection (dissectors/tls_protect.h):
 * records written by OpenSSL's libssl (tls_loopback.h) go in, the
 * plaintext each way comes back with what the layer says of each
 * direction; without keys, with keys of other sessions, with a damaged
 * record; its buffers told to the session record for --max-memory. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include <cmocka.h>

#include "tls_layer.h"
#include "tls_loopback.h"

typedef struct {
  int said[2]; /* -1 not said, else ms_tls_state */
  int said_count[2];
  uint8_t plain[2][4096];
  size_t plain_len[2];
  uint64_t lost[2];
} seen;

static void on_said(void *ctx, ms_dir dir, ms_tls_state what, ms_ts ts) {
  (void)ts;
  seen *s = ctx;
  s->said[dir] = (int)what;
  s->said_count[dir]++;
}

static void on_plain(void *ctx, ms_dir dir, const uint8_t *p, size_t n,
                     ms_ts ts) {
  (void)ts;
  seen *s = ctx;
  assert_true(s->plain_len[dir] + n <= sizeof s->plain[dir]);
  memcpy(s->plain[dir] + s->plain_len[dir], p, n);
  s->plain_len[dir] += n;
}

static void on_lost(void *ctx, ms_dir dir, uint64_t n, ms_ts ts) {
  (void)ts;
  ((seen *)ctx)->lost[dir] += n;
}

static const uint8_t up[] = "EHLO client.example.test\r\nQUIT\r\n";
static const uint8_t down[] = "250 mx.example.test\r\n221 bye\r\n";

static void run_session(lb_session *s, int version, const char *ciphers) {
  lb_params p = {.version = version,
                 .ciphers = ciphers,
                 .up = up,
                 .down = down,
                 .up_len = sizeof up - 1,
                 .down_len = sizeof down - 1};
  assert_true(lb_run(s, &p));
}

static ms_tls_keys *keys_of(const lb_session *s) {
  ms_tls_keys *k = ms_tls_keys_new();
  const char *line = s->keylog, *end = s->keylog + s->keylog_len;
  while (line < end) {
    const char *nl = memchr(line, '\n', (size_t)(end - line));
    size_t len = nl ? (size_t)(nl - line) : (size_t)(end - line);
    ms_tls_keys_add_line(k, line, len);
    line += len + 1;
  }
  return k;
}

/* Feed the session's records, each with its header, in order; damage the
 * last byte of record `damage` (-1: none).  Both directions begin TLS
 * before the first byte, as after STARTTLS. */
static void feed(ms_session *rec, ms_tls_keys *keys, const lb_session *s,
                 long damage, seen *out) {
  memset(out, 0, sizeof *out);
  out->said[0] = out->said[1] = -1;
  ms_tls_layer_cb cb = {on_said, on_plain, on_lost, out};
  ms_tls_layer *l = ms_tls_layer_new(rec, keys, &cb);
  ms_tls_layer_begins(l, MS_CLIENT, 1);
  ms_tls_layer_begins(l, MS_SERVER, 1);
  for (size_t i = 0; i < s->nrecs; i++) {
    const lb_record *r = &s->recs[i];
    uint8_t *b = malloc(r->len + 5);
    b[0] = r->type;
    b[1] = (uint8_t)(r->version >> 8);
    b[2] = (uint8_t)r->version;
    b[3] = (uint8_t)(r->len >> 8);
    b[4] = (uint8_t)r->len;
    memcpy(b + 5, r->frag, r->len);
    if ((long)i == damage)
      b[r->len + 4] ^= 0x55;
    ms_tls_layer_data(l, r->dir ? MS_SERVER : MS_CLIENT, b, r->len + 5,
                      (ms_ts)(2 + i));
    free(b);
  }
  ms_tls_layer_settle(l, 1000);
  ms_tls_layer_close(l, 1000);
  assert_int_equal(rec->mem_held, 0); /* all given back */
}

static int count_anomaly(const ms_session *r, const char *name) {
  int n = 0;
  for (size_t i = 0; i < r->anomalies.len; i++)
    n += !strcmp(r->anomalies.items[i].name, name);
  return n;
}

static void decrypts(int version, const char *ciphers) {
  lb_session s;
  run_session(&s, version, ciphers);
  ms_tls_keys *k = keys_of(&s);
  ms_session *rec = ms_session_new();
  seen out;
  feed(rec, k, &s, -1, &out);
  for (int d = 0; d < 2; d++) {
    assert_int_equal(out.said[d], MS_TLS_PLAINTEXT);
    assert_int_equal(out.said_count[d], 1);
    assert_int_equal(out.lost[d], 0);
    assert_true(rec->tls_info->decrypted[d]);
  }
  assert_int_equal(out.plain_len[0], sizeof up - 1);
  assert_memory_equal(out.plain[0], up, sizeof up - 1);
  assert_int_equal(out.plain_len[1], sizeof down - 1);
  assert_memory_equal(out.plain[1], down, sizeof down - 1);
  assert_int_equal(rec->tls_info->completed, MS_TLS_DONE_DECRYPTED);
  assert_int_equal(count_anomaly(rec, "tls_no_key"), 0);
  assert_int_equal(count_anomaly(rec, "tls_decrypt_failed"), 0);
  assert_int_equal(count_anomaly(rec, "tls_malformed"), 0);
  ms_session_free(rec);
  ms_tls_keys_free(k);
  lb_free(&s);
}

static void tls13_gcm(void **state) {
  (void)state;
  decrypts(TLS1_3_VERSION, "TLS_AES_128_GCM_SHA256");
}

static void tls13_chacha(void **state) {
  (void)state;
  decrypts(TLS1_3_VERSION, "TLS_CHACHA20_POLY1305_SHA256");
}

static void tls12_gcm(void **state) {
  (void)state;
  decrypts(TLS1_2_VERSION, "ECDHE-RSA-AES128-GCM-SHA256");
}

static void tls12_cbc(void **state) {
  (void)state;
  decrypts(TLS1_2_VERSION, "ECDHE-RSA-AES128-SHA256");
}

/* A key store without this session's keys: opaque both ways, said at the
 * switch, "no key for client random" once, no plaintext. */
static void keys_of_other_sessions(void **state) {
  (void)state;
  lb_session s, other;
  run_session(&s, TLS1_3_VERSION, "TLS_AES_128_GCM_SHA256");
  run_session(&other, TLS1_3_VERSION, "TLS_AES_128_GCM_SHA256");
  ms_tls_keys *k = keys_of(&other);
  ms_session *rec = ms_session_new();
  seen out;
  feed(rec, k, &s, -1, &out);
  for (int d = 0; d < 2; d++) {
    assert_int_equal(out.said[d], MS_TLS_OPAQUE);
    assert_int_equal(out.said_count[d], 1);
    assert_int_equal(out.plain_len[d], 0);
  }
  assert_int_equal(count_anomaly(rec, "tls_no_key"), 1);
  char hex[65];
  for (int i = 0; i < 32; i++)
    snprintf(hex + 2 * i, 3, "%02x", s.client_random[i]);
  assert_non_null(strstr(rec->anomalies.items[0].detail, hex));
  ms_session_free(rec);
  ms_tls_keys_free(k);
  lb_free(&s);
  lb_free(&other);
}

/* No key store: opaque at once, the handshake still decoded. */
static void no_key_store(void **state) {
  (void)state;
  lb_session s;
  run_session(&s, TLS1_2_VERSION, "ECDHE-RSA-AES128-GCM-SHA256");
  ms_session *rec = ms_session_new();
  seen out;
  feed(rec, NULL, &s, -1, &out);
  for (int d = 0; d < 2; d++) {
    assert_int_equal(out.said[d], MS_TLS_OPAQUE);
    assert_int_equal(out.said_count[d], 1);
    assert_int_equal(out.plain_len[d], 0);
  }
  assert_int_equal(rec->tls_info->completed, MS_TLS_DONE_FINISHED);
  assert_int_equal(count_anomaly(rec, "tls_no_key"), 0);
  ms_session_free(rec);
  lb_free(&s);
}

/* The client's application record damaged: an anomaly, a gap of its size,
 * the server's plaintext whole. */
static void damaged_record(void **state) {
  (void)state;
  lb_session s;
  run_session(&s, TLS1_2_VERSION, "ECDHE-RSA-AES128-GCM-SHA256");
  long victim = -1;
  for (size_t i = 0; i < s.nrecs && victim < 0; i++)
    if (s.recs[i].type == 23 && s.recs[i].dir == 0)
      victim = (long)i;
  assert_true(victim >= 0);
  ms_tls_keys *k = keys_of(&s);
  ms_session *rec = ms_session_new();
  seen out;
  feed(rec, k, &s, victim, &out);
  assert_int_equal(out.said[0], MS_TLS_PLAINTEXT);
  assert_int_equal(out.lost[0], s.recs[victim].len);
  assert_int_equal(out.plain_len[0], 0);
  assert_int_equal(out.plain_len[1], sizeof down - 1);
  assert_int_equal(count_anomaly(rec, "tls_decrypt_failed"), 1);
  ms_session_free(rec);
  ms_tls_keys_free(k);
  lb_free(&s);
}

/* A direction that began TLS and never switched: opaque at the end. */
static void settled_at_the_end(void **state) {
  (void)state;
  ms_tls_keys *k = ms_tls_keys_new();
  ms_session *rec = ms_session_new();
  seen out = {.said = {-1, -1}};
  ms_tls_layer_cb cb = {on_said, on_plain, on_lost, &out};
  ms_tls_layer *l = ms_tls_layer_new(rec, k, &cb);
  ms_tls_layer_begins(l, MS_CLIENT, 1);
  assert_int_equal(out.said[MS_CLIENT], -1);
  ms_tls_layer_settle(l, 2);
  assert_int_equal(out.said[MS_CLIENT], MS_TLS_OPAQUE);
  assert_int_equal(out.said[MS_SERVER], -1); /* never began */
  ms_tls_layer_close(l, 2);
  ms_session_free(rec);
  ms_tls_keys_free(k);
}

/* The TLS buffers are told to the session record (budget.h), so that the
 * session table charges them to --max-memory: a handshake message spanning
 * records is held whole, a record body while it is gathered; all of it
 * given back when the layer closes. */
static void buffers_are_charged(void **state) {
  (void)state;
  ms_session *rec = ms_session_new();
  seen out = {.said = {-1, -1}};
  ms_tls_layer_cb cb = {on_said, on_plain, on_lost, &out};
  ms_tls_layer *l = ms_tls_layer_new(rec, NULL, &cb);
  uint64_t idle = rec->mem_held;
  assert_true(idle > 0 && idle < 4096); /* the layer alone */
  ms_tls_layer_begins(l, MS_CLIENT, 1);
  /* a ClientHello of 60,000 bytes: its first 16,380 in a full record */
  static uint8_t rec1[5 + 16384];
  memcpy(rec1, "\x16\x03\x01\x40\x00\x01\x00\xea\x60", 9);
  ms_tls_layer_data(l, MS_CLIENT, rec1, sizeof rec1, 2);
  uint64_t held = rec->mem_held; /* the record body and the message so far */
  assert_true(held >= idle + 2 * 16384);
  /* the next record, in two halves: the message grows when it is whole */
  static uint8_t rec2[5 + 16384];
  memcpy(rec2, "\x16\x03\x01\x40\x00", 5);
  ms_tls_layer_data(l, MS_CLIENT, rec2, 5 + 8192, 3);
  assert_true(rec->mem_held >= held);
  ms_tls_layer_data(l, MS_CLIENT, rec2 + 5 + 8192, 8192, 3);
  assert_true(rec->mem_held >= held + 16384);
  assert_int_equal(count_anomaly(rec, "tls_malformed"), 0);
  ms_tls_layer_settle(l, 4);
  ms_tls_layer_close(l, 4);
  assert_int_equal(rec->mem_held, 0);
  ms_session_free(rec);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(tls13_gcm),
      cmocka_unit_test(tls13_chacha),
      cmocka_unit_test(tls12_gcm),
      cmocka_unit_test(tls12_cbc),
      cmocka_unit_test(keys_of_other_sessions),
      cmocka_unit_test(no_key_store),
      cmocka_unit_test(damaged_record),
      cmocka_unit_test(settled_at_the_end),
      cmocka_unit_test(buffers_are_charged),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
