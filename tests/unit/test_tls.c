/* test_tls.c - the TLS decoder (dissectors/tls*.c) over real handshakes
 * (tests/unit/data/, files .tls, cut from public and our own captures:
 * README.md there) split at every byte, and over hand-built records: the SSLv2
 * ClientHello, alerts, messages across records, an over-long message, bytes
 * that are not TLS, gaps, and a fake record protection standing in for
 * decryption (TLS 1.2 and 1.3 key switches, decrypted handshake messages
 * through the same parser, application data to the plaintext hook). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "tls.h"
#include "tls_build.h"
#include "tls_certgen.h"
#include "tls_fixture.h"

static bool has_anomaly(const ms_session *s, const char *name) {
  for (size_t i = 0; i < s->anomalies.len; i++)
    if (!strcmp(s->anomalies.items[i].name, name))
      return true;
  return false;
}

/* Arkime's smtp-starttls.pcap: a TLS 1.0 RC4 handshake with Google's MX.
 * Expected values from Arkime's own smtp-starttls.test. */
static void check_arkime(const ms_session *s) {
  const ms_tls_info *t = s->tls_info;
  assert_non_null(t);
  assert_string_equal(t->client.ja3, "fab507fe132c544e8a0eb7c394affeae");
  assert_string_equal(t->client.ja3_string,
                      "769,57-56-136-135-53-132-22-19-10-51-50-154-153-69-68-"
                      "47-150-65-5-4-21-18-9-20-17-8-6-3-255,35,,");
  assert_string_equal(t->client.ja4, "t10i290100_cdba58456bdf_e78b541c01a9");
  assert_string_equal(
      t->client.ja4_r,
      "t10i290100_0003,0004,0005,0006,0008,0009,000a,0011,0012,0013,0014,"
      "0015,0016,002f,0032,0033,0035,0038,0039,0041,0044,0045,0084,0087,0088,"
      "0096,0099,009a,00ff_0023");
  assert_string_equal(t->server.ja3s, "6b96cf9c27b0223177b0e9f135fe4899");
  assert_string_equal(t->server.ja3s_string, "769,5,65281-35");
  assert_string_equal(t->server.cipher_name, "TLS_RSA_WITH_RC4_128_SHA");
  assert_int_equal(t->server.version, 0x0301);
  assert_int_equal(t->server_certs.len, 3);
  assert_string_equal(t->server_certs.items[0].sha1,
                      "45156ae749634094f9ab091ef5a7336df37b28fc");
  assert_string_equal(t->server_certs.items[0].serial, "325D8297987D50B0");
  assert_string_equal(t->server_certs.items[0].subject_cn, "mx.google.com");
  assert_int_equal(t->server_certs.items[0].san_dns.len, 20);
  assert_int_equal(t->server_certs.items[0].not_after, 1410262355000000LL);
  assert_string_equal(t->server_certs.items[1].sha1,
                      "d83c1a7f4d0446bb2081b81a1670f8183451ca24");
  assert_string_equal(t->server_certs.items[2].sha1,
                      "7359755c6df9a0abc3060bce369564c8ec4542a3");
  assert_int_equal(t->completed, MS_TLS_DONE_FINISHED);
  assert_false(t->resumed);
  assert_string_equal(t->history, "CsxnGIti");
  assert_true(has_anomaly(s, "tls_obsolete_version"));
  assert_true(has_anomaly(s, "tls_weak_cipher"));
  assert_false(has_anomaly(s, "tls_malformed"));
}

static void arkime_whole(void **state) {
  (void)state;
  ms_session *s = replay("arkime-smtp-starttls.tls", 0);
  check_arkime(s);
  ms_session_free(s);
}

/* The same bytes cut at every size from 1 to 40: records and handshake
 * messages reassemble the same way. */
static void arkime_every_split(void **state) {
  (void)state;
  for (size_t piece = 1; piece <= 40; piece++) {
    ms_session *s = replay("arkime-smtp-starttls.tls", piece);
    check_arkime(s);
    ms_session_free(s);
  }
}

/* Zeek's tls/pop3-starttls.pcap: TLS 1.2, DHE, a CertificateRequest and the
 * client's (empty) Certificate.  JA3/JA3S as tshark 4.0 computes them. */
static void zeek_pop3(void **state) {
  (void)state;
  ms_session *s = replay("zeek-pop3-starttls.tls", 0);
  const ms_tls_info *t = s->tls_info;
  assert_string_equal(t->client.ja3, "13020a4ccb11b2d3c9c0e6c285c3c415");
  assert_string_equal(t->server.ja3s, "ee644a8a34c434abca4b737ec1d9efad");
  assert_string_equal(t->server.cipher_name,
                      "TLS_DHE_RSA_WITH_AES_256_GCM_SHA384");
  assert_true(t->client_cert_requested);
  assert_int_equal(t->client_certs.len, 0);
  assert_int_equal(t->server_certs.len, 1);
  assert_string_equal(t->server_certs.items[0].subject_cn,
                      "chimaera.lilawelt.de");
  assert_int_equal(t->completed, MS_TLS_DONE_FINISHED);
  assert_int_equal(t->alerts.len, 1); /* the encrypted close_notify */
  assert_true(t->alerts.items[0].encrypted);
  assert_string_equal(t->history, "CsxkrnXGIti");
  ms_session_free(s);
}

/* Our smtp-starttls.pcap (swaks/OpenSSL 3 against postfix): TLS 1.3, the
 * certificate encrypted.  JA3/JA3S as tshark computes them. */
static void tls13_traffic(void **state) {
  (void)state;
  for (size_t piece = 0; piece <= 7; piece += 7) {
    ms_session *s = replay("real-smtp-starttls-tls13.tls", piece);
    const ms_tls_info *t = s->tls_info;
    assert_string_equal(t->client.ja3, "c12b4ccd5320bbb380ca1a9df90f771d");
    assert_string_equal(t->server.ja3s, "15af977ce25de452b96affa2addb1036");
    assert_int_equal(t->server.version, 0x0304);
    assert_int_equal(t->server.legacy_version, 0x0303);
    assert_true(t->certs_hidden);
    assert_int_equal(t->server_certs.len, 0);
    assert_int_equal(t->completed, MS_TLS_DONE_TRAFFIC);
    assert_string_equal(t->history, "CsiI");
    assert_int_equal(s->anomalies.len, 0);
    ms_session_free(s);
  }
}

/* ---- hand-built ------------------------------------------------------------
 */

typedef struct {
  ms_session *s;
  ms_tls_conn *c;
  ms_ts ts;
} run;

static void run_start(run *r, const ms_tls_hooks *hooks) {
  r->s = ms_session_new();
  r->s->proto = MS_PROTO_SMTP;
  r->c = ms_tls_conn_new(r->s, hooks);
  r->ts = 5000000;
}

static void run_send(run *r, ms_dir dir, const tb *bytes) {
  ms_tls_conn_data(r->c, dir, bytes->b, bytes->n, r->ts += 1000);
}

static void run_end(run *r) {
  ms_tls_conn_close(r->c, r->ts);
  ms_tls_conn_free(r->c);
}

/* A ClientHello record with SNI "mx.example.test" and ALPN "smtp". */
static void client_hello_record(tb *out, unsigned record_version) {
  static const uint16_t suites[] = {0x1301, 0xc02f, 0x009c};
  static tb exts, body, msg;
  exts.n = body.n = msg.n = 0;
  static const uint8_t sni[] = {0,   18,  0,   0,   15,  'm', 'x',
                                '.', 'e', 'x', 'a', 'm', 'p', 'l',
                                'e', '.', 't', 'e', 's', 't'};
  static const uint8_t alpn[] = {0, 5, 4, 's', 'm', 't', 'p'};
  tb_ext(&exts, 0, sni, sizeof sni);
  tb_ext(&exts, 16, alpn, sizeof alpn);
  tb_client_hello(&body, 0x0303, suites, 3, &exts);
  tb_handshake(&msg, 1, &body);
  tb_record(out, 22, record_version, msg.b, msg.n);
}

static void server_hello_record(tb *out, unsigned version, unsigned suite) {
  static tb body, msg;
  body.n = msg.n = 0;
  tb_server_hello(&body, version, suite, NULL);
  tb_handshake(&msg, 2, &body);
  tb_record(out, 22, 0x0303, msg.b, msg.n);
}

static void fatal_alert(void **state) {
  (void)state;
  run r;
  run_start(&r, NULL);
  tb ch = {0}, alert = {0};
  client_hello_record(&ch, 0x0301);
  static const uint8_t a[] = {2, 40};
  tb_record(&alert, 21, 0x0303, a, 2);
  run_send(&r, MS_CLIENT, &ch);
  run_send(&r, MS_SERVER, &alert);
  run_end(&r);
  const ms_tls_info *t = r.s->tls_info;
  assert_string_equal(t->client.server_name, "mx.example.test");
  assert_int_equal(t->client.alpn.len, 1);
  assert_string_equal(t->client.alpn.items[0], "smtp");
  assert_memory_equal(t->client.ja4, "t12d0302sp_", 11);
  assert_int_equal(t->alerts.len, 1);
  assert_int_equal(t->alerts.items[0].level, 2);
  assert_int_equal(t->alerts.items[0].description, 40);
  assert_int_equal(t->completed, MS_TLS_NOT_DONE);
  assert_true(has_anomaly(r.s, "tls_handshake_failed"));
  assert_string_equal(t->history, "Cl");
  ms_session_free(r.s);
}

/* One ClientHello cut over three records (RFC 8446 5.1 allows it). */
static void message_across_records(void **state) {
  (void)state;
  tb one = {0};
  client_hello_record(&one, 0x0301);
  const uint8_t *msg = one.b + 5;
  size_t n = one.n - 5, a = 3, b = 40;
  tb three = {0};
  tb_record(&three, 22, 0x0301, msg, a);
  tb_record(&three, 22, 0x0301, msg + a, b - a);
  tb_record(&three, 22, 0x0301, msg + b, n - b);
  run r;
  run_start(&r, NULL);
  run_send(&r, MS_CLIENT, &three);
  run_end(&r);
  assert_true(r.s->tls_info->client.present);
  assert_string_equal(r.s->tls_info->client.server_name, "mx.example.test");
  assert_int_equal(r.s->anomalies.len, 0);
  ms_session_free(r.s);
}

/* RFC 5246 E.2: a 2-byte header, CLIENT-HELLO, 3-byte cipher specs (the
 * SSLv2-only ones, first byte not 0, are dropped), a 16-byte challenge. */
static void sslv2_client_hello(void **state) {
  (void)state;
  static const uint8_t hello[] = {
      0x80, 0x2b, 1,    0x03, 0x01, 0,    18,   0,    0,    0,
      16,   0x07, 0x00, 0xc0, /* SSL_CK_DES_192_EDE3_CBC_WITH_MD5 */
      0x00, 0x00, 0x39, 0x00, 0x00, 0x35, 0x00, 0x00, 0x05, 0x01,
      0x00, 0x80, /* SSL_CK_RC4_128_WITH_MD5 */
      0x00, 0x00, 0xff, 1,    2,    3,    4,    5,    6,    7,
      8,    9,    10,   11,   12,   13,   14,   15,   16};
  run r;
  run_start(&r, NULL);
  tb t = {0};
  tb_bytes(&t, hello, sizeof hello);
  assert_int_equal(ms_tls_sniff(hello, sizeof hello), 1);
  run_send(&r, MS_CLIENT, &t);
  run_end(&r);
  const ms_tls_client_hello *h = &r.s->tls_info->client;
  assert_true(h->sslv2);
  assert_int_equal(h->record_version, 0);
  assert_int_equal(h->version, 0x0301);
  assert_int_equal(h->cipher_suites.len, 4);
  assert_int_equal(h->cipher_suites.items[0], 0x0039);
  assert_int_equal(h->cipher_suites.items[3], 0x00ff);
  assert_int_equal(h->random[15], 0);
  assert_int_equal(h->random[16], 1);
  assert_int_equal(h->random[31], 16);
  assert_string_equal(h->ja3_string, "769,57-53-5-255,,,");
  assert_memory_equal(h->ja4, "t10i040000_", 11);
  assert_int_equal(r.s->anomalies.len, 0);
  ms_session_free(r.s);
}

/* Plain text where TLS should be (a client that never started TLS). */
static void not_tls(void **state) {
  (void)state;
  run r;
  run_start(&r, NULL);
  tb t = {0};
  tb_bytes(&t, "EHLO x\r\n", 8);
  assert_int_equal(ms_tls_sniff(t.b, t.n), 0);
  run_send(&r, MS_CLIENT, &t);
  run_send(&r, MS_CLIENT, &t); /* reported once */
  run_end(&r);
  assert_int_equal(r.s->anomalies.len, 1);
  assert_string_equal(r.s->anomalies.items[0].name, "tls_malformed");
  assert_non_null(strstr(r.s->anomalies.items[0].detail, "\"EHLO \""));
  assert_false(r.s->tls_info->client.present);
  ms_session_free(r.s);
}

/* A Certificate claiming 16 MiB is skipped record by record; the
 * ServerHelloDone after it is read. */
static void over_long_message(void **state) {
  (void)state;
  run r;
  run_start(&r, NULL);
  static tb t;
  static const uint8_t head[] = {11, 0xff, 0xff, 0xff};
  t.n = 0;
  tb_record(&t, 22, 0x0303, head, 4);
  run_send(&r, MS_SERVER, &t);
  static uint8_t filler[16384];
  for (size_t left = 0xffffff; left;) {
    size_t k = left < sizeof filler ? left : sizeof filler;
    t.n = 0;
    tb_record(&t, 22, 0x0303, filler, k);
    run_send(&r, MS_SERVER, &t);
    left -= k;
  }
  static const uint8_t done[] = {14, 0, 0, 0};
  t.n = 0;
  tb_record(&t, 22, 0x0303, done, 4);
  run_send(&r, MS_SERVER, &t);
  run_end(&r);
  assert_true(has_anomaly(r.s, "tls_message_too_long"));
  assert_string_equal(r.s->tls_info->history, "n");
  ms_session_free(r.s);
}

static void gap_in_handshake(void **state) {
  (void)state;
  run r;
  run_start(&r, NULL);
  tb ch = {0};
  client_hello_record(&ch, 0x0301);
  run_send(&r, MS_CLIENT, &ch);
  ms_tls_conn_gap(r.c, MS_SERVER, 100, r.ts);
  tb sh = {0};
  server_hello_record(&sh, 0x0303, 0xc02f);
  run_send(&r, MS_SERVER, &sh); /* not looked at any more */
  run_end(&r);
  assert_true(has_anomaly(r.s, "tls_gap"));
  assert_false(r.s->tls_info->server.present);
  ms_session_free(r.s);
}

static void sniff(void **state) {
  (void)state;
  static const uint8_t hs[] = {22, 3, 1, 0, 5, 1};
  assert_int_equal(ms_tls_sniff(hs, 6), 1);
  assert_int_equal(ms_tls_sniff(hs, 3), -1);
  static const uint8_t plain[] = "220 mx";
  assert_int_equal(ms_tls_sniff(plain, 6), 0);
  static const uint8_t sh[] = {22, 3, 3, 0, 5, 2};
  assert_int_equal(ms_tls_sniff(sh, 6), 0);
}

/* TLS 1.3 after a HelloRetryRequest: the client's compatibility
 * ChangeCipherSpec before its second ClientHello switches nothing; the
 * first ClientHello stays the offer, the retry is noted. */
static void hello_retry(void **state) {
  (void)state;
  run r;
  run_start(&r, NULL);
  tb t = {0};
  client_hello_record(&t, 0x0301);
  run_send(&r, MS_CLIENT, &t);
  static tb exts, body, msg;
  exts.n = body.n = msg.n = t.n = 0;
  static const uint8_t sv[] = {0x03, 0x04}, group[] = {0x00, 0x17};
  tb_ext(&exts, 43, sv, 2);
  tb_ext(&exts, 51, group, 2);
  tb_server_hello(&body, 0x0303, 0x1301, &exts);
  static const uint8_t hrr_random[32] = {
      0xcf, 0x21, 0xad, 0x74, 0xe5, 0x9a, 0x61, 0x11, 0xbe, 0x1d, 0x8c,
      0x02, 0x1e, 0x65, 0xb8, 0x91, 0xc2, 0xa2, 0x11, 0x16, 0x7a, 0xbb,
      0x8c, 0x5e, 0x07, 0x9e, 0x09, 0xe2, 0xc8, 0xa8, 0x33, 0x9c};
  memcpy(body.b + 2, hrr_random, 32);
  tb_handshake(&msg, 2, &body);
  tb_record(&t, 22, 0x0303, msg.b, msg.n);
  run_send(&r, MS_SERVER, &t);
  t.n = 0;
  static const uint8_t ccs[] = {1};
  tb_record(&t, 20, 0x0303, ccs, 1);
  client_hello_record(&t, 0x0303);
  run_send(&r, MS_CLIENT, &t);
  t.n = body.n = msg.n = 0;
  tb_server_hello(&body, 0x0303, 0x1301, &exts);
  tb_handshake(&msg, 2, &body);
  tb_record(&t, 22, 0x0303, msg.b, msg.n);
  run_send(&r, MS_SERVER, &t);
  run_end(&r);
  const ms_tls_info *ti = r.s->tls_info;
  assert_true(ti->server.hello_retry);
  assert_int_equal(ti->server.version, 0x0304);
  assert_int_equal(ti->server.group, 0x0017);
  assert_false(ti->finished[MS_CLIENT]);
  assert_int_equal(ti->completed, MS_TLS_NOT_DONE);
  assert_string_equal(ti->history, "CjICs");
  assert_int_equal(r.s->anomalies.len, 0);
  ms_session_free(r.s);
}

/* ---- a fake record protection ---------------------------------------------
 */

/* "Decrypts" by XOR with 0x5a; the last plaintext byte is the inner
 * content type (as in TLS 1.3).  Records every switch asked for. */
typedef struct {
  int switches;
  ms_tls_epoch epochs[8];
  ms_dir dirs[8];
  char plain[2][256];
  size_t plain_len[2];
} fake_ctx;

static int states_alive;

static void *fake_start(void *ctx, const ms_tls_switch *sw, void *previous) {
  fake_ctx *f = ctx;
  assert_true(f->switches < 8);
  f->epochs[f->switches] = sw->epoch;
  f->dirs[f->switches++] = sw->dir;
  assert_non_null(sw->client_random);
  if (previous)
    return previous;
  states_alive++;
  return xcalloc(1, 1);
}

static ms_tls_dec_status fake_decrypt(void *state, uint8_t type,
                                      uint16_t version, const uint8_t *in,
                                      size_t n, uint8_t *out, size_t *out_len,
                                      uint8_t *inner) {
  (void)state;
  (void)type;
  (void)version;
  if (n < 1)
    return MS_TLS_DEC_BAD_RECORD;
  for (size_t i = 0; i < n; i++)
    out[i] = in[i] ^ 0x5a;
  *inner = out[n - 1];
  *out_len = n - 1;
  return MS_TLS_DEC_OK;
}

static void fake_free(void *state) {
  states_alive--;
  free(state);
}

static void fake_plaintext(void *ctx, ms_dir dir, const uint8_t *p, size_t n,
                           ms_ts ts) {
  (void)ts;
  fake_ctx *f = ctx;
  memcpy(f->plain[dir] + f->plain_len[dir], p, n);
  f->plain_len[dir] += n;
}

/* A protected record: inner bytes + inner type, XORed, as type 23 (1.3)
 * or `outer` (1.2). */
static void protected_record(tb *out, unsigned outer, unsigned inner_type,
                             const void *p, size_t n) {
  uint8_t buf[4096];
  memcpy(buf, p, n);
  buf[n] = (uint8_t)inner_type;
  for (size_t i = 0; i <= n; i++)
    buf[i] ^= 0x5a;
  tb_record(out, outer, 0x0303, buf, n + 1);
}

static void fake_hooks(ms_tls_protection *prot, ms_tls_hooks *hooks,
                       fake_ctx *f) {
  memset(f, 0, sizeof *f);
  memset(hooks, 0, sizeof *hooks);
  prot->start = fake_start;
  prot->decrypt = fake_decrypt;
  prot->free = fake_free;
  prot->ctx = f;
  hooks->protection = prot;
  hooks->plaintext = fake_plaintext;
  hooks->ctx = f;
}

/* TLS 1.2: each side's CCS switches it; the Finished and the data come out
 * of the protection. */
static void protection_tls12(void **state) {
  (void)state;
  fake_ctx f;
  ms_tls_protection prot;
  ms_tls_hooks hooks;
  fake_hooks(&prot, &hooks, &f);
  run r;
  run_start(&r, &hooks);
  tb t = {0};
  client_hello_record(&t, 0x0301);
  run_send(&r, MS_CLIENT, &t);
  t.n = 0;
  server_hello_record(&t, 0x0303, 0xc02f);
  static const uint8_t ccs[] = {1}, fin[] = {20, 0, 0, 2, 0xaa, 0xbb};
  tb_record(&t, 20, 0x0303, ccs, 1);
  protected_record(&t, 22, 22, fin, sizeof fin);
  run_send(&r, MS_SERVER, &t);
  t.n = 0;
  tb_record(&t, 20, 0x0303, ccs, 1);
  protected_record(&t, 22, 22, fin, sizeof fin);
  protected_record(&t, 23, 23, "EHLO c\r\n", 8);
  run_send(&r, MS_CLIENT, &t);
  run_end(&r);
  const ms_tls_info *ti = r.s->tls_info;
  assert_int_equal(f.switches, 2);
  assert_int_equal(f.epochs[0], MS_TLS_EPOCH_12);
  assert_int_equal(f.dirs[0], MS_SERVER);
  assert_int_equal(ti->completed, MS_TLS_DONE_DECRYPTED);
  assert_true(ti->resumed); /* CCS right after the hello: abbreviated */
  assert_int_equal(f.plain_len[MS_CLIENT], 8);
  assert_memory_equal(f.plain[MS_CLIENT], "EHLO c\r\n", 8);
  assert_string_equal(ti->history, "CsifIF");
  assert_int_equal(states_alive, 0);
  ms_session_free(r.s);
}

/* TLS 1.3: handshake keys after the ServerHello, the encrypted
 * EncryptedExtensions and Certificate go through the handshake parser,
 * application keys after each Finished. */
static void protection_tls13(void **state) {
  (void)state;
  certgen g = {"mx.example.test", "DNS:mx.example.test", -1, 30, true, false};
  size_t der_len;
  uint8_t *der = certgen_der(&g, &der_len);
  fake_ctx f;
  ms_tls_protection prot;
  ms_tls_hooks hooks;
  fake_hooks(&prot, &hooks, &f);
  run r;
  run_start(&r, &hooks);
  tb t = {0};
  client_hello_record(&t, 0x0301);
  run_send(&r, MS_CLIENT, &t);
  static tb exts, msgs, body;
  exts.n = msgs.n = body.n = t.n = 0;
  static const uint8_t sv[] = {0x03, 0x04};
  tb_ext(&exts, 43, sv, 2);
  server_hello_record(&t, 0x0303, 0x1301);
  t.n = 0;
  tb_server_hello(&body, 0x0303, 0x1301, &exts);
  tb_handshake(&msgs, 2, &body);
  tb_record(&t, 22, 0x0303, msgs.b, msgs.n);
  static const uint8_t ccs[] = {1};
  tb_record(&t, 20, 0x0303, ccs, 1);
  /* EncryptedExtensions with ALPN "smtp", Certificate, Finished */
  msgs.n = body.n = 0;
  static const uint8_t alpn_ext[] = {0, 16, 0, 7, 0, 5, 4, 's', 'm', 't', 'p'};
  tb_u16(&body, sizeof alpn_ext);
  tb_bytes(&body, alpn_ext, sizeof alpn_ext);
  tb_handshake(&msgs, 8, &body);
  body.n = 0;
  tb_u8(&body, 0);
  size_t list = tb_open(&body, 3);
  tb_u24(&body, (unsigned)der_len);
  tb_bytes(&body, der, der_len);
  tb_u16(&body, 0);
  tb_close(&body, list);
  tb_handshake(&msgs, 11, &body);
  static const uint8_t fin[] = {20, 0, 0, 2, 1, 2};
  tb_bytes(&msgs, fin, sizeof fin);
  protected_record(&t, 23, 22, msgs.b, msgs.n);
  protected_record(&t, 23, 23, "220 mx\r\n", 8);
  run_send(&r, MS_SERVER, &t);
  t.n = 0;
  tb_record(&t, 20, 0x0303, ccs, 1);
  protected_record(&t, 23, 22, fin, sizeof fin);
  run_send(&r, MS_CLIENT, &t);
  run_end(&r);
  const ms_tls_info *ti = r.s->tls_info;
  /* server and client handshake keys, then each side's application keys */
  assert_int_equal(f.switches, 4);
  assert_int_equal(f.epochs[0], MS_TLS_EPOCH_HANDSHAKE);
  assert_int_equal(f.epochs[2], MS_TLS_EPOCH_APPLICATION);
  assert_int_equal(f.dirs[2], MS_SERVER);
  assert_int_equal(f.epochs[3], MS_TLS_EPOCH_APPLICATION);
  assert_int_equal(f.dirs[3], MS_CLIENT);
  assert_string_equal(ti->server.alpn, "smtp");
  assert_false(ti->certs_hidden);
  assert_int_equal(ti->server_certs.len, 1);
  assert_string_equal(ti->server_certs.items[0].subject_cn, "mx.example.test");
  assert_int_equal(ti->completed, MS_TLS_DONE_DECRYPTED);
  assert_memory_equal(f.plain[MS_SERVER], "220 mx\r\n", 8);
  assert_string_equal(ti->history, "CsioxfIF");
  assert_int_equal(states_alive, 0);
  ms_session_free(r.s);
  free(der);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(arkime_whole),
      cmocka_unit_test(arkime_every_split),
      cmocka_unit_test(zeek_pop3),
      cmocka_unit_test(tls13_traffic),
      cmocka_unit_test(fatal_alert),
      cmocka_unit_test(message_across_records),
      cmocka_unit_test(sslv2_client_hello),
      cmocka_unit_test(not_tls),
      cmocka_unit_test(over_long_message),
      cmocka_unit_test(gap_in_handshake),
      cmocka_unit_test(sniff),
      cmocka_unit_test(hello_retry),
      cmocka_unit_test(protection_tls12),
      cmocka_unit_test(protection_tls13),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
