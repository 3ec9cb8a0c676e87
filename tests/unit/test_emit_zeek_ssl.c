/* test_emit_zeek_ssl.c - ssl.log and x509.log records (src/output/
 * emit_zeek_ssl.c) of the Arkime smtp-starttls handshake: every field is a
 * column of the log, set in column order and at most once, with a value of
 * the column's type; the values those of the handshake (Arkime's and
 * nDPI's views of it: TLSv1.0, TLS_RSA_WITH_RC4_128_SHA, three
 * certificates, mx.google.com's serial and validity). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "emit_zeek_ssl.h"
#include "tls_fixture.h"

/* A sink that keeps "name=value" lines of each record and checks order. */
typedef struct {
  const zeek_tls_column *cols;
  size_t ncols;
  size_t last; /* index of the last column set */
  char rec[8][4096];
  int nrec;
  int records_ended;
} rec_sink;

static size_t column(rec_sink *k, const char *field, const char *type) {
  for (size_t i = 0; i < k->ncols; i++)
    if (!strcmp(k->cols[i].name, field)) {
      if (type)
        assert_string_equal(k->cols[i].type, type);
      return i;
    }
  fail_msg("no column %s", field);
  return 0;
}

static void put(rec_sink *k, const char *field, const char *type,
                const char *fmt, ...) {
  size_t at = column(k, field, type);
  char *r = k->rec[k->nrec];
  if (*r) /* column order, each once; containers add to themselves */
    assert_true(at > k->last || (at == k->last && !type));
  k->last = at;
  size_t n = strlen(r);
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(r + n, 4096 - n, fmt, ap);
  va_end(ap);
}

static void s_str(void *ctx, const char *f, const char *v) {
  if (v)
    put(ctx, f, "string", "%s=%s;", f, v);
}
static void s_count(void *ctx, const char *f, uint64_t v) {
  put(ctx, f, "count", "%s=%llu;", f, (unsigned long long)v);
}
static void s_bool(void *ctx, const char *f, bool v) {
  put(ctx, f, "bool", "%s=%s;", f, v ? "T" : "F");
}
static void s_time(void *ctx, const char *f, int64_t us) {
  put(ctx, f, "time", "%s=%lld;", f, (long long)(us / 1000000));
}
static void s_container(void *ctx, const char *f) {
  rec_sink *k = ctx;
  const char *type = k->cols[column(k, f, NULL)].type;
  assert_true(!strncmp(type, "vector[", 7) || !strncmp(type, "set[", 4));
  put(ctx, f, type, "%s=", f);
}
static void s_add(void *ctx, const char *f, const char *e) {
  put(ctx, f, NULL, "%s,", e);
}
static void s_conn(void *ctx, const char *oh, uint16_t op, const char *rh,
                   uint16_t rp) {
  put(ctx, "id.orig_h", "addr", "orig=%s:%u;", oh, op);
  put(ctx, "id.resp_p", "port", "resp=%s:%u;", rh, rp);
}
static void s_end(void *ctx) {
  rec_sink *k = ctx;
  k->nrec++;
  k->records_ended++;
  k->last = 0;
}

static zeek_tls_sink sink_for(rec_sink *k, const zeek_tls_column *cols,
                              size_t n) {
  memset(k, 0, sizeof *k);
  k->cols = cols;
  k->ncols = n;
  zeek_tls_sink s = {s_str, s_count, s_bool, s_time, s_container,
                     s_add, s_conn,  s_end,  k};
  return s;
}

static ms_session *arkime(void) {
  ms_session *s = replay("arkime-smtp-starttls.tls", 0);
  strcpy(s->uid, "CtestUid");
  strcpy(s->client.ip, "10.0.0.1");
  s->client.port = 57406;
  strcpy(s->server.ip, "173.194.68.26");
  s->server.port = 25;
  return s;
}

static void ssl_log(void **state) {
  (void)state;
  ms_session *s = arkime();
  rec_sink k;
  zeek_tls_sink sink = sink_for(&k, zeek_ssl_columns, zeek_ssl_ncolumns);
  assert_int_equal(zeek_ssl_records(s, &sink), 1);
  assert_int_equal(k.records_ended, 1);
  const char *r = k.rec[0];
  assert_non_null(strstr(r, "uid=CtestUid;orig=10.0.0.1:57406;"
                            "resp=173.194.68.26:25;version=TLSv10;"
                            "cipher=TLS_RSA_WITH_RC4_128_SHA;resumed=F;"
                            "established=T;ssl_history=CsxnGIti;"));
  assert_non_null(strstr(
      r, "cert_chain_fps=4f0a1ac1c6e873c8805fe2fc56c7aac77025f1dcbbbf907e768f1"
         "ec88c3485db,"));
  assert_non_null(strstr(r, "ja3=fab507fe132c544e8a0eb7c394affeae;"
                            "ja3s=6b96cf9c27b0223177b0e9f135fe4899;"
                            "ja4=t10i290100_cdba58456bdf_e78b541c01a9;"));
  assert_null(strstr(r, "sni_matches_cert")); /* no SNI was sent */
  ms_session_free(s);
}

static void x509_log(void **state) {
  (void)state;
  ms_session *s = arkime();
  rec_sink k;
  zeek_tls_sink sink = sink_for(&k, zeek_x509_columns, zeek_x509_ncolumns);
  assert_int_equal(zeek_x509_records(s, &sink), 3);
  const char *r = k.rec[0];
  assert_non_null(strstr(r, "certificate.version=3;certificate.serial="
                            "325D8297987D50B0;"));
  assert_non_null(strstr(r,
                         "certificate.not_valid_before=1378726355;"
                         "certificate.not_valid_after=1410262355;"
                         "certificate.key_alg=rsaEncryption;"
                         "certificate.sig_alg=sha1WithRSAEncryption;"
                         "certificate.key_type=rsa;certificate.key_length=2048;"
                         "certificate.exponent=65537;"));
  assert_non_null(strstr(r, "san.dns=aspmx.l.google.com,"));
  assert_non_null(strstr(r, "basic_constraints.ca=F;host_cert=T;"
                            "client_cert=F;"));
  assert_non_null(strstr(k.rec[1], "basic_constraints.ca=T;"
                                   "basic_constraints.path_len=0;"
                                   "host_cert=F;"));
  ms_session_free(s);
}

static void nothing_without_tls(void **state) {
  (void)state;
  ms_session *s = ms_session_new();
  rec_sink k;
  zeek_tls_sink sink = sink_for(&k, zeek_ssl_columns, zeek_ssl_ncolumns);
  assert_int_equal(zeek_ssl_records(s, &sink), 0);
  assert_int_equal(zeek_x509_records(s, &sink), 0);
  ms_session_free(s);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(ssl_log),
      cmocka_unit_test(x509_log),
      cmocka_unit_test(nothing_without_tls),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
