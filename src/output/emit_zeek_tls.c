/* emit_zeek_tls.c - ssl.log and x509.log as producers of the Zeek writer
 * (zeek_logs.h): the field setters of emit_zeek_ssl.c's sink become
 * zeek_rec calls, and each finished record is handed to the writer. */
#include "emit_zeek_ssl.h"
#include "zeek_logs.h"

typedef struct {
  zeek_rec *r;
  zeek_emit_fn emit;
  void *ctx;
} adapter;

static void a_str(void *c, const char *f, const char *v) {
  zr_str(((adapter *)c)->r, f, v);
}

static void a_count(void *c, const char *f, uint64_t v) {
  zr_count(((adapter *)c)->r, f, v);
}

static void a_bool(void *c, const char *f, bool v) {
  zr_bool(((adapter *)c)->r, f, v);
}

static void a_time(void *c, const char *f, int64_t usec) {
  zr_time(((adapter *)c)->r, f, usec);
}

static void a_container(void *c, const char *f) {
  zr_container(((adapter *)c)->r, f);
}

static void a_add(void *c, const char *f, const char *e) {
  zr_add(((adapter *)c)->r, f, e);
}

static void a_conn_id(void *c, const char *oh, uint16_t op, const char *rh,
                      uint16_t rp) {
  zr_conn_id(((adapter *)c)->r, oh, op, rh, rp);
}

static void a_end(void *c) {
  adapter *a = c;
  a->emit(a->ctx, a->r);
}

static zeek_tls_sink sink_for(adapter *a) {
  zeek_tls_sink k = {a_str, a_count,   a_bool, a_time, a_container,
                     a_add, a_conn_id, a_end,  a};
  return k;
}

size_t zeek_ssl_log_records(const ms_session *s, zeek_rec *r, zeek_emit_fn emit,
                            void *ctx) {
  adapter a = {r, emit, ctx};
  zeek_tls_sink k = sink_for(&a);
  return zeek_ssl_records(s, &k);
}

size_t zeek_x509_log_records(const ms_session *s, zeek_rec *r,
                             zeek_emit_fn emit, void *ctx) {
  adapter a = {r, emit, ctx};
  zeek_tls_sink k = sink_for(&a);
  return zeek_x509_records(s, &k);
}
