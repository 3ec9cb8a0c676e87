/* emit_sensor.c - what sensors add to the records: the sensor's name and
 * interface (-J, ECS observer.*), the periodic stats record
 * (--stats-interval) and the stats record as an ECS metric document
 * (docs/json.md, docs/ecs.md). */
#include <string.h>

#include "emit.h"
#include "sensor.h"

void emit_json_sensor(jsonw *w) {
  const ms_sensor *sn = sensor_get();
  jw_kstr_opt(w, "sensor", sn->name);
  jw_kstr_opt(w, "interface", sn->interface);
}

void emit_ecs_observer(jsonw *w) {
  const ms_sensor *sn = sensor_get();
  if (!sn->name)
    return;
  jw_key(w, "observer");
  jw_obj_begin(w);
  jw_kstr(w, "name", sn->name);
  jw_kstr(w, "type", "sensor");
  jw_kstr(w, "product", "mailscope");
  jw_kstr(w, "vendor", "mailscope");
  jw_kstr(w, "version", MAILSCOPE_VERSION);
  if (sn->interface) {
    jw_key(w, "ingress");
    jw_obj_begin(w);
    jw_key(w, "interface");
    jw_obj_begin(w);
    jw_kstr(w, "name", sn->interface);
    jw_obj_end(w);
    jw_obj_end(w);
  }
  jw_obj_end(w);
}

static void rate(jsonw *w, const char *key, double v) {
  jw_key(w, key);
  jw_double(w, v, 1);
}

/* The interval part: counts since the previous record, rates, open
 * sessions, the workers' shares. */
static void interval_fields(const ms_stats *st, const ms_stats_interval *iv,
                            jsonw *w) {
  const ms_stats *p = &iv->since;
  uint64_t packets = st->packets - p->packets, bytes = st->bytes - p->bytes;
  uint64_t sessions = st->sessions_smtp + st->sessions_pop3 - p->sessions_smtp -
                      p->sessions_pop3;
  double secs = iv->seconds > 0 ? iv->seconds : 1;
  jw_key(w, "interval");
  jw_obj_begin(w);
  jw_key(w, "seconds");
  jw_double(w, iv->seconds, 3);
  jw_kuint(w, "packets", packets);
  jw_kuint(w, "bytes", bytes);
  jw_kuint(w, "sessions", sessions);
  jw_kuint(w, "kernel_drops", st->kernel_drops - p->kernel_drops);
  jw_kuint(w, "interface_drops", st->interface_drops - p->interface_drops);
  rate(w, "packets_per_s", (double)packets / secs);
  rate(w, "mb_per_s", (double)bytes / 1e6 / secs);
  rate(w, "sessions_per_s", (double)sessions / secs);
  jw_obj_end(w);
  jw_kuint(w, "sessions_open", iv->sessions_open);
  if (!iv->nworkers)
    return;
  jw_key(w, "workers");
  jw_arr_begin(w);
  for (int k = 0; k < iv->nworkers; k++) {
    const ms_stats *ws = &iv->workers[k];
    jw_obj_begin(w);
    jw_kint(w, "worker", k);
    jw_kuint(w, "packets", ws->packets);
    jw_kuint(w, "bytes", ws->bytes);
    jw_kuint(w, "kernel_drops", ws->kernel_drops);
    jw_kuint(w, "interface_drops", ws->interface_drops);
    jw_kuint(w, "sessions", ws->sessions_smtp + ws->sessions_pop3);
    jw_kuint(w, "sessions_open", iv->workers_open[k]);
    jw_obj_end(w);
  }
  jw_arr_end(w);
}

void emit_json_stats_interval(const ms_stats *st, const ms_stats_interval *iv,
                              jsonw *w) {
  jw_obj_begin(w);
  jw_kstr(w, "event", "stats");
  jw_kts(w, "ts", iv->now);
  emit_json_sensor(w);
  interval_fields(st, iv, w);
  emit_json_stats_fields(st, w);
  jw_obj_end(w);
}

void emit_ecs_stats(const ms_stats *st, const ms_stats_interval *iv,
                    int64_t now, jsonw *w) {
  jw_obj_begin(w);
  jw_kts(w, "@timestamp", iv ? iv->now : now);
  jw_key(w, "ecs");
  jw_obj_begin(w);
  jw_kstr(w, "version", "8.11.0");
  jw_obj_end(w);
  jw_key(w, "event");
  jw_obj_begin(w);
  jw_kstr(w, "kind", "metric");
  jw_kstr(w, "module", "mailscope");
  jw_kstr(w, "dataset", "mailscope.stats");
  jw_obj_end(w);
  emit_ecs_observer(w);
  jw_key(w, "mailscope");
  jw_obj_begin(w);
  jw_key(w, "stats");
  jw_obj_begin(w);
  jw_kbool(w, "final", iv == NULL);
  if (iv)
    interval_fields(st, iv, w);
  emit_json_stats_fields(st, w);
  jw_obj_end(w);
  jw_obj_end(w);
  jw_obj_end(w);
}
