/* fuzz_tls.c - libFuzzer harness for the TLS decoder (dissectors/tls*.c:
 * records, handshake reassembly, hellos, certificates through OpenSSL,
 * fingerprints, checks) and its emitters.
 *
 * Byte 0 sets options: bit 0 plugs in a fake record protection (XOR 0x5a,
 * the last plaintext byte the inner type, as TLS 1.3 does) so that the
 * decrypted paths run: key switches, decrypted handshake messages,
 * application data to the plaintext hook; bit 2 (instead) the real one,
 * dissectors/tls_protect.c over a key store holding secrets for the
 * all-zero client random, every label (so a script whose ClientHello has
 * that random runs the key schedules, the ciphers and the failed
 * authentications of tls_crypto.c); bit 1 marks the session SMTP
 * with a greeting and EHLO reply naming a host (else POP3), for the name
 * checks.  The rest is a chunk script as for fuzz_smtp: a control byte
 * (bit 0 direction, bit 1 a gap notice first, upper six bits + 1 the
 * length), then the bytes.  fuzz/make_seeds.sh turns the TLS fixtures of
 * tests/unit/data/ into such scripts.
 *
 * Besides the sanitizers: the record is decoded twice, as scripted and with
 * consecutive chunks of one direction joined, every chunk at the same time:
 * the tls_handshake objects must be identical (reassembly does not depend
 * on segmentation); the bounds of tls_info.h hold; every emitter's output
 * parses (fuzz_emit_all).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "emit.h"
#include "fuzz_common.h"
#include "tls.h"
#include "tls_cert_cache.h"
#include "tls_protect.h"

static void *fake_start(void *ctx, const ms_tls_switch *sw, void *previous) {
  (void)ctx;
  FUZZ_CHECK(sw->client_random && sw->server_random, "switch without randoms");
  return previous ? previous : xcalloc(1, 1);
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

static void fake_free(void *state) { free(state); }

static void plaintext(void *ctx, ms_dir dir, const uint8_t *p, size_t n,
                      ms_ts ts) {
  (void)ts;
  (void)p;
  FUZZ_CHECK(n > 0 && (dir == MS_CLIENT || dir == MS_SERVER),
             "plaintext hook: %zu bytes", n);
  *(size_t *)ctx += n;
}

/* Secrets for the all-zero client random, made once (never freed: the
 * store lives as long as the process). */
static ms_tls_keys *zero_random_keys(void) {
  static ms_tls_keys *k;
  if (k)
    return k;
  k = ms_tls_keys_new();
  static const char *const labels[] = {
      "CLIENT_RANDOM", "CLIENT_HANDSHAKE_TRAFFIC_SECRET",
      "SERVER_HANDSHAKE_TRAFFIC_SECRET", "CLIENT_TRAFFIC_SECRET_0",
      "SERVER_TRAFFIC_SECRET_0"};
  for (size_t i = 0; i < sizeof labels / sizeof *labels; i++) {
    char line[256];
    int n = snprintf(line, sizeof line, "%s %064d ", labels[i], 0);
    for (int b = 0; b < (i ? 32 : 48); b++)
      n += snprintf(line + n, sizeof line - (size_t)n, "%02x", (int)(i + b));
    ms_tls_keys_add_line(k, line, (size_t)n);
  }
  return k;
}

static ms_session *new_session(bool smtp) {
  ms_session *s = ms_session_new();
  s->proto = smtp ? MS_PROTO_SMTP : MS_PROTO_POP3;
  s->tls = MS_TLS_STARTTLS;
  s->banner = xstrdup(smtp ? "mx.example.test ESMTP" : "pop.example.test");
  if (smtp) {
    ms_command *c = ms_add_command(s, 1, "EHLO", (const uint8_t *)"c", 1);
    ms_reply_set(&c->reply, 2, 250, NULL, "mx.example.test\nSTARTTLS");
  }
  return s;
}

/* Decode the script; `joined`: consecutive chunks of one direction as one
 * chunk, every chunk at the same time. */
static ms_session *decode(const uint8_t *data, size_t size, bool joined) {
  uint8_t opts = size ? data[0] : 0;
  static const ms_tls_protection prot = {fake_start, fake_decrypt, fake_free,
                                         NULL};
  size_t plain = 0;
  ms_tls_hooks hooks = {.protection = (opts & 1) ? &prot : NULL,
                        .plaintext = plaintext,
                        .ctx = &plain};
  ms_session *s = new_session(opts & 2);
  ms_tls_protect *real = NULL;
  if (opts & 4) {
    real = ms_tls_protect_new(zero_random_keys(), s);
    hooks.protection = ms_tls_protect_hooks(real);
  }
  ms_tls_conn *c = ms_tls_conn_new(s, &hooks);
  ms_ts ts = 1000000;
  uint8_t *pending = xmalloc(size + 1);
  size_t npending = 0;
  ms_dir pending_dir = MS_CLIENT;
  for (size_t i = 1; i < size;) {
    uint8_t ctl = data[i++];
    ms_dir dir = (ctl & 1) ? MS_SERVER : MS_CLIENT;
    size_t len = (size_t)(ctl >> 2) + 1;
    if (len > size - i)
      len = size - i;
    if (npending && (dir != pending_dir || !joined || (ctl & 2))) {
      ms_tls_conn_data(c, pending_dir, pending, npending, ts);
      npending = 0;
    }
    if (ctl & 2)
      ms_tls_conn_gap(c, dir, len, ts);
    memcpy(pending + npending, data + i, len);
    npending += len;
    pending_dir = dir;
    i += len;
  }
  if (npending)
    ms_tls_conn_data(c, pending_dir, pending, npending, ts);
  free(pending);
  ms_tls_conn_close(c, ts);
  ms_tls_conn_free(c);
  ms_tls_protect_free(real);
  s->end = MS_END_EOF;
  return s;
}

static void check_bounds(const ms_tls_info *t) {
  FUZZ_CHECK(strlen(t->history) <= MS_TLS_MAX_HISTORY, "history too long");
  FUZZ_CHECK(t->server_certs.len <= MS_TLS_MAX_CERTS &&
                 t->client_certs.len <= MS_TLS_MAX_CERTS,
             "more than %d certificates kept", MS_TLS_MAX_CERTS);
  FUZZ_CHECK(t->alerts.len <= MS_TLS_MAX_ALERTS, "more than %d alerts",
             MS_TLS_MAX_ALERTS);
  FUZZ_CHECK(!t->client.present || strlen(t->client.ja4) == 36,
             "JA4 of %zu characters", strlen(t->client.ja4));
  FUZZ_CHECK(!t->client.present || strlen(t->client.ja3) == 32,
             "JA3 of %zu characters", strlen(t->client.ja3));
  FUZZ_CHECK(t->completed == MS_TLS_NOT_DONE || t->server.present,
             "completed without a ServerHello");
}

static char *tls_json(const ms_session *s) {
  jsonw w;
  jw_init(&w);
  if (s->tls_info)
    emit_tls_json(s->tls_info, &w);
  char *out = xstrndup(w.buf ? w.buf : "", w.len);
  jw_free(&w);
  return out;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  if (size > (1u << 20))
    return 0;
  /* a decodes every certificate afresh; b finds a's in the cache: the
   * comparison below also checks that a cached summary is the same. */
  tls_cert_cache_clear();
  ms_session *a = decode(data, size, false);
  ms_session *b = decode(data, size, true);
  if (a->tls_info)
    check_bounds(a->tls_info);
  char *ja = tls_json(a), *jb = tls_json(b);
  FUZZ_CHECK(!strcmp(ja, jb), "joining chunks changed the result:\n%s\n%s", ja,
             jb);
  free(ja);
  free(jb);
  fuzz_emit_all(a, false);
  ms_session_free(a);
  ms_session_free(b);
  return 0;
}
