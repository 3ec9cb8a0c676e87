/* test_tls_records.c - tls_crypto.h against records a real TLS stack
 * wrote: OpenSSL's libssl as client and server over memory BIOs
 * (tls_loopback.h), the key log it wrote fed to our key store, every
 * record opened by a small record walker here (what dissectors/tls*.c do
 * for real), and the application data compared with what was sent.
 *
 * TLS 1.3: AES-128/256-GCM, ChaCha20-Poly1305, AES-128-CCM and CCM-8,
 * KeyUpdate both ways, a resumed session.  TLS 1.2: ECDHE/DHE/RSA key
 * exchange with AES-GCM, ChaCha20-Poly1305, AES-CCM/CCM-8, AES-CBC with
 * HMAC-SHA1/SHA256/SHA384, encrypt_then_mac on and off, a resumed
 * session.  TLS 1.1 and 1.0 with CBC (explicit and chained IVs).  Each
 * again with one application record damaged: BAD_RECORD for it, the rest
 * of both directions still decrypted.  And with a wrong or missing key. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include <cmocka.h>

#include "tls_crypto.h"
#include "tls_loopback.h"

/* ---- a record walker: what the record layer does with our API ----------- */

typedef struct {
  ms_tls_keys *keys;
  ms_tls_cipher *c[2];
  bool app_keys[2]; /* TLS 1.3: application secrets in use */
  uint8_t *app[2];  /* the application data of each direction */
  size_t app_len[2];
  int bad, ok;
  long damage;           /* this record index is damaged first (-1: none) */
  bool app_record[4096]; /* which records carried application data */
} walker;

static void walker_init(walker *w, const lb_session *s, long damage) {
  memset(w, 0, sizeof *w);
  w->keys = ms_tls_keys_new();
  w->damage = damage;
  const char *p = s->keylog, *end = s->keylog + s->keylog_len;
  while (p < end) {
    const char *nl = memchr(p, '\n', (size_t)(end - p));
    assert_true(ms_tls_keys_add_line(w->keys, p, (size_t)(nl - p)) >= 0);
    p = nl + 1;
  }
}

static void walker_free(walker *w) {
  for (int d = 0; d < 2; d++) {
    ms_tls_cipher_free(w->c[d]);
    free(w->app[d]);
  }
  ms_tls_keys_free(w->keys);
}

static ms_tls_cipher *tls13_cipher(walker *w, const lb_session *s, int dir,
                                   bool app) {
  static const ms_tls_key_label labels[2][2] = {
      {MS_TLS_KEY_CLIENT_HS, MS_TLS_KEY_CLIENT_AP0},
      {MS_TLS_KEY_SERVER_HS, MS_TLS_KEY_SERVER_AP0}};
  uint8_t secret[64];
  size_t n =
      ms_tls_keys_find(w->keys, labels[dir][app], s->client_random, secret);
  return n ? ms_tls_cipher_new13(s->suite, secret, n) : NULL;
}

/* TLS 1.3 handshake messages of one record: Finished switches to the
 * application secret, KeyUpdate to the next one (after this record). */
static void after_handshake(walker *w, const lb_session *s, int dir,
                            const uint8_t *p, size_t n) {
  bool finished = false, update = false;
  for (size_t at = 0; at + 4 <= n;) {
    size_t len = (size_t)p[at + 1] << 16 | (size_t)p[at + 2] << 8 | p[at + 3];
    finished |= p[at] == 20;
    update |= p[at] == 24;
    at += 4 + len;
  }
  if (finished && !w->app_keys[dir]) {
    ms_tls_cipher_free(w->c[dir]);
    w->c[dir] = tls13_cipher(w, s, dir, true);
    w->app_keys[dir] = true;
  } else if (update) {
    assert_true(ms_tls_cipher_key_update(w->c[dir]));
  }
}

static void keep_app(walker *w, int dir, const uint8_t *p, size_t n) {
  w->app[dir] = realloc(w->app[dir], w->app_len[dir] + n + 1);
  memcpy(w->app[dir] + w->app_len[dir], p, n);
  w->app_len[dir] += n;
}

/* The cipher for this record, made when its direction starts encrypting;
 * NULL for a record sent in the clear. */
static ms_tls_cipher *cipher_for(walker *w, const lb_session *s,
                                 const lb_record *r, bool etm) {
  int d = r->dir;
  if (s->version == TLS1_3_VERSION) {
    if (r->type != 23)
      return NULL; /* ServerHello, compatibility ChangeCipherSpec */
    if (!w->c[d] && !w->app_keys[d])
      w->c[d] = tls13_cipher(w, s, d, false);
    return w->c[d];
  }
  if (r->type == 20) { /* ChangeCipherSpec: what follows is protected */
    uint8_t master[64];
    size_t n = ms_tls_keys_find(w->keys, MS_TLS_KEY_CLIENT_RANDOM,
                                s->client_random, master);
    ms_tls_cipher_free(w->c[d]);
    w->c[d] = n == 48 ? ms_tls_cipher_new12(s->version, s->suite, master,
                                            s->client_random, s->server_random,
                                            d == 1, etm)
                      : NULL;
    return NULL;
  }
  return w->c[d];
}

static void walk(walker *w, const lb_session *s, bool etm) {
  for (size_t i = 0; i < s->nrecs; i++) {
    const lb_record *r = &s->recs[i];
    ms_tls_cipher *c = cipher_for(w, s, r, etm);
    if (!c)
      continue;
    uint8_t *frag = malloc(r->len + 1), *out = malloc(r->len + 1), inner;
    memcpy(frag, r->frag, r->len);
    if ((long)i == w->damage)
      frag[r->len / 3] ^= 0x20;
    size_t n;
    ms_tls_dec_status st = ms_tls_cipher_decrypt(c, r->type, r->version, frag,
                                                 r->len, out, &n, &inner);
    assert_int_not_equal(st, MS_TLS_DEC_ERROR);
    if (st == MS_TLS_DEC_OK) {
      w->ok++;
      assert_true(n <= r->len);
      if (inner == 23) {
        keep_app(w, r->dir, out, n);
        /* (TLS 1.0 CBC: OpenSSL sends an empty record before each one) */
        if (n > 0 && i < sizeof w->app_record)
          w->app_record[i] = true;
      }
      if (inner == 22 && s->version == TLS1_3_VERSION)
        after_handshake(w, s, r->dir, out, n);
    } else {
      w->bad++;
    }
    free(frag);
    free(out);
  }
}

/* ---- the sessions ------------------------------------------------------- */

static uint8_t up[40000], down[23456];

static void fill(void) {
  uint32_t x = 12345;
  for (size_t i = 0; i < sizeof up; i++)
    up[i] = (uint8_t)((x = x * 1103515245u + 12345u) >> 16);
  for (size_t i = 0; i < sizeof down; i++)
    down[i] = (uint8_t)((x = x * 1103515245u + 12345u) >> 16);
}

static lb_params params(int version, const char *ciphers) {
  lb_params p = {.version = version,
                 .ciphers = ciphers,
                 .up = up,
                 .down = down,
                 .up_len = sizeof up,
                 .down_len = sizeof down};
  return p;
}

/* The first record of dir 0 that carried application data in w. */
static long first_app_record(const walker *w, const lb_session *s) {
  for (size_t i = 0; i < s->nrecs && i < sizeof w->app_record; i++)
    if (w->app_record[i] && s->recs[i].dir == 0)
      return (long)i;
  return -1;
}

/* Run a session, decrypt it whole, then with one application record of the
 * client's damaged. */
static void check_session(const lb_params *p, uint16_t want_suite,
                          lb_session *keep) {
  static lb_session s;
  assert_true(lb_run(&s, p));
  if (want_suite)
    assert_int_equal(s.suite, want_suite);
  bool etm = !p->no_etm;
  walker w;
  walker_init(&w, &s, -1);
  walk(&w, &s, etm);
  assert_int_equal(w.bad, 0);
  assert_int_equal(w.app_len[0], p->up_len);
  assert_memory_equal(w.app[0], p->up, p->up_len);
  assert_int_equal(w.app_len[1], p->down_len);
  assert_memory_equal(w.app[1], p->down, p->down_len);
  long victim = first_app_record(&w, &s);
  size_t victim_len = 0;
  walker_free(&w);
  assert_true(victim >= 0);
  /* the damaged record fails alone; what follows it still decrypts */
  walker_init(&w, &s, victim);
  walk(&w, &s, etm);
  assert_int_equal(w.bad, 1);
  victim_len = p->up_len - w.app_len[0];
  assert_true(victim_len > 0 && victim_len <= 16384);
  assert_memory_equal(w.app[0], p->up + victim_len, w.app_len[0]);
  assert_int_equal(w.app_len[1], p->down_len);
  assert_memory_equal(w.app[1], p->down, p->down_len);
  walker_free(&w);
  if (keep)
    *keep = s;
  else
    lb_free(&s);
}

typedef struct {
  int version;
  const char *ciphers;
  uint16_t suite;
  bool ec;
} suite_case;

static void run_cases(const suite_case *cases, size_t n) {
  for (size_t i = 0; i < n; i++) {
    for (int no_etm = 0; no_etm < 2; no_etm++) {
      lb_params p = params(cases[i].version, cases[i].ciphers);
      p.ec_cert = cases[i].ec;
      p.no_etm = no_etm;
      print_message("  %s %s%s\n", cases[i].ciphers,
                    cases[i].version == TLS1_3_VERSION ? "TLS 1.3" : "",
                    no_etm ? " (no encrypt_then_mac)" : "");
      check_session(&p, cases[i].suite, NULL);
      if (cases[i].version == TLS1_3_VERSION)
        break; /* encrypt_then_mac is a CBC matter */
    }
  }
}

static void tls13_suites(void **state) {
  (void)state;
  static const suite_case cases[] = {
      {TLS1_3_VERSION, "TLS_AES_128_GCM_SHA256", 0x1301, false},
      {TLS1_3_VERSION, "TLS_AES_256_GCM_SHA384", 0x1302, true},
      {TLS1_3_VERSION, "TLS_CHACHA20_POLY1305_SHA256", 0x1303, false},
      {TLS1_3_VERSION, "TLS_AES_128_CCM_SHA256", 0x1304, true},
      {TLS1_3_VERSION, "TLS_AES_128_CCM_8_SHA256", 0x1305, false},
  };
  run_cases(cases, sizeof cases / sizeof *cases);
}

static void tls12_aead(void **state) {
  (void)state;
  static const suite_case cases[] = {
      {TLS1_2_VERSION, "ECDHE-RSA-AES128-GCM-SHA256", 0xC02F, false},
      {TLS1_2_VERSION, "ECDHE-ECDSA-AES256-GCM-SHA384", 0xC02C, true},
      {TLS1_2_VERSION, "DHE-RSA-AES256-GCM-SHA384", 0x009F, false},
      {TLS1_2_VERSION, "AES128-GCM-SHA256", 0x009C, false},
      {TLS1_2_VERSION, "ECDHE-RSA-CHACHA20-POLY1305", 0xCCA8, false},
      {TLS1_2_VERSION, "ECDHE-ECDSA-CHACHA20-POLY1305", 0xCCA9, true},
      {TLS1_2_VERSION, "DHE-RSA-CHACHA20-POLY1305", 0xCCAA, false},
      {TLS1_2_VERSION, "ECDHE-ECDSA-AES128-CCM", 0xC0AC, true},
      {TLS1_2_VERSION, "ECDHE-ECDSA-AES256-CCM8", 0xC0AF, true},
      {TLS1_2_VERSION, "AES256-CCM", 0xC09D, false},
  };
  run_cases(cases, sizeof cases / sizeof *cases);
}

static void tls12_cbc(void **state) {
  (void)state;
  static const suite_case cases[] = {
      {TLS1_2_VERSION, "AES128-SHA", 0x002F, false},
      {TLS1_2_VERSION, "ECDHE-RSA-AES256-SHA", 0xC014, false},
      {TLS1_2_VERSION, "DHE-RSA-AES128-SHA", 0x0033, false},
      {TLS1_2_VERSION, "ECDHE-RSA-AES128-SHA256", 0xC027, false},
      {TLS1_2_VERSION, "DHE-RSA-AES256-SHA256", 0x006B, false},
      {TLS1_2_VERSION, "ECDHE-ECDSA-AES256-SHA384", 0xC024, true},
      {TLS1_2_VERSION, "ECDHE-RSA-AES256-SHA384", 0xC028, false},
  };
  run_cases(cases, sizeof cases / sizeof *cases);
}

static void tls11_tls10_cbc(void **state) {
  (void)state;
  static const suite_case cases[] = {
      {TLS1_1_VERSION, "ECDHE-RSA-AES128-SHA", 0xC013, false},
      {TLS1_1_VERSION, "AES256-SHA", 0x0035, false},
      {TLS1_VERSION, "ECDHE-ECDSA-AES256-SHA", 0xC00A, true},
      {TLS1_VERSION, "AES128-SHA", 0x002F, false},
  };
  run_cases(cases, sizeof cases / sizeof *cases);
}

static void tls13_key_update(void **state) {
  (void)state;
  lb_params p = params(TLS1_3_VERSION, "TLS_AES_256_GCM_SHA384");
  p.key_update = true;
  check_session(&p, 0x1302, NULL);
  p.ciphers = "TLS_CHACHA20_POLY1305_SHA256";
  check_session(&p, 0x1303, NULL);
}

/* A second connection resuming the first: new randoms, the same master
 * secret (TLS 1.2) or a PSK handshake (TLS 1.3), a key log line each. */
static void resumed(int version, const char *ciphers) {
  lb_params p = params(version, ciphers);
  SSL_CTX *server = NULL; /* one server, so that it knows the session */
  p.server_ctx = &server;
  static lb_session first;
  check_session(&p, 0, &first);
  assert_false(first.resumed);
  assert_non_null(first.session);
  p.resume = first.session;
  static lb_session second;
  assert_true(lb_run(&second, &p));
  assert_true(second.resumed);
  assert_memory_not_equal(second.client_random, first.client_random, 32);
  lb_free(&second);
  check_session(&p, 0, NULL);
  lb_free(&first);
  SSL_CTX_free(server);
}

static void resumption(void **state) {
  (void)state;
  resumed(TLS1_2_VERSION, "ECDHE-RSA-AES128-GCM-SHA256");
  resumed(TLS1_2_VERSION, "ECDHE-RSA-AES128-SHA");
  resumed(TLS1_3_VERSION, "TLS_AES_128_GCM_SHA256");
}

/* A key log for another session, a wrong secret, or none: no plaintext. */
static void wrong_keys(void **state) {
  (void)state;
  static lb_session s;
  for (int version = TLS1_2_VERSION; version <= TLS1_3_VERSION; version++) {
    lb_params p =
        params(version, version == TLS1_3_VERSION ? "TLS_AES_128_GCM_SHA256"
                                                  : "ECDHE-RSA-AES128-SHA256");
    assert_true(lb_run(&s, &p));
    /* every secret's last hex digit changed */
    for (size_t i = 0; i + 1 < s.keylog_len; i++)
      if (s.keylog[i + 1] == '\n')
        s.keylog[i] = s.keylog[i] == '0' ? '1' : '0';
    walker w;
    walker_init(&w, &s, -1);
    walk(&w, &s, true);
    assert_int_equal(w.ok, 0);
    assert_true(w.bad > 0);
    assert_int_equal(w.app_len[0] + w.app_len[1], 0);
    walker_free(&w);
    /* no key at all: nothing to decrypt with */
    s.keylog_len = 0;
    walker_init(&w, &s, -1);
    walk(&w, &s, true);
    assert_int_equal(w.ok + w.bad, 0);
    walker_free(&w);
    lb_free(&s);
  }
}

int main(void) {
  fill();
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(tls13_suites),     cmocka_unit_test(tls12_aead),
      cmocka_unit_test(tls12_cbc),        cmocka_unit_test(tls11_tls10_cbc),
      cmocka_unit_test(tls13_key_update), cmocka_unit_test(resumption),
      cmocka_unit_test(wrong_keys),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
