/* dissect_util.h - drive a dissector over a scripted exchange in unit
 * tests: each step is a direction and its bytes; `split` cuts every step
 * into pieces of that many bytes (0: whole) so pairing can be checked at
 * every split point. */
#ifndef MAILSCOPE_TEST_DISSECT_UTIL_H
#define MAILSCOPE_TEST_DISSECT_UTIL_H

#include <string.h>

#include "dissector.h"
#include "record.h"

typedef struct {
  ms_dir dir;
  const char *bytes; /* NULL: `len` bytes lost here (a gap notice) */
  size_t len;        /* 0: strlen(bytes) */
} step;

static inline ms_session *run_steps(const ms_dissector *d, const step *steps,
                                    size_t nsteps, size_t split,
                                    const ms_dissect_config *given) {
  ms_dissect_config cfg;
  if (given)
    cfg = *given;
  else
    ms_dissect_config_defaults(&cfg);
  ms_session *rec = ms_session_new();
  rec->proto = d->proto;
  rec->bytes[MS_SERVER] = 1; /* a two-sided capture */
  void *st = d->create(rec, &cfg);
  ms_ts ts = 1000000;
  bool stopped = false, tls[2] = {false, false};
  for (size_t i = 0; i < nsteps && !stopped; i++) {
    ms_dir dir = steps[i].dir;
    if (tls[dir]) /* the TLS layer's bytes, as the session layer does */
      continue;
    if (!steps[i].bytes) {
      d->on_gap(st, dir, steps[i].len, ts);
      continue;
    }
    size_t n = steps[i].len ? steps[i].len : strlen(steps[i].bytes);
    size_t piece = split ? split : n;
    for (size_t off = 0; off < n && !stopped && !tls[dir]; off += piece) {
      size_t m = n - off < piece ? n - off : piece, used = m;
      ms_verdict v = d->on_data(st, dir, (const uint8_t *)steps[i].bytes + off,
                                m, ts, &used);
      stopped = v == MS_STOP;
      if (v == MS_TLS) { /* no keys */
        tls[dir] = true;
        d->on_tls(st, dir, MS_TLS_OPAQUE, ts);
      }
      ts += 10;
    }
  }
  rec->end = MS_END_FIN;
  d->on_close(st, ts);
  d->destroy(st);
  return rec;
}

static inline bool has_anomaly(const ms_session *s, const char *name) {
  for (size_t i = 0; i < s->anomalies.len; i++)
    if (!strcmp(s->anomalies.items[i].name, name))
      return true;
  return false;
}

static inline size_t count_anomaly(const ms_session *s, const char *name) {
  size_t n = 0;
  for (size_t i = 0; i < s->anomalies.len; i++)
    n += !strcmp(s->anomalies.items[i].name, name);
  return n;
}

#endif
