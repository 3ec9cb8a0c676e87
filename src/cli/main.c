/* main.c - mailscope: parse the command line, run the engine, write the
 * outputs. */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "capture.h"
#include "engine.h"
#include "extract.h"
#include "live_workers.h"
#include "options.h"
#include "outfile.h"
#include "output.h"
#include "privileges.h"
#include "report.h"
#include "sandbox.h"
#include "sensor.h"
#include "workers.h"

static void on_stop_signal(int sig) {
  (void)sig;
  engine_request_stop();
}

static void on_hup(int sig) {
  (void)sig;
  output_request_reopen();
}

static void install_signals(void) {
  struct sigaction sa;
  memset(&sa, 0, sizeof sa);
  sa.sa_flags = SA_RESTART; /* a signal must not fail a read of the input */
  sa.sa_handler = on_stop_signal;
  sigaction(SIGINT, &sa, NULL);
  sigaction(SIGTERM, &sa, NULL);
  sa.sa_handler = on_hup;
  sigaction(SIGHUP, &sa, NULL);
  signal(SIGPIPE, SIG_DFL);
}

static void on_session_done(void *ctx, ms_session *s) {
  output_session((ms_output *)ctx, s);
}

/* The counters every stats record adds to the engine's: the kernel's,
 * extraction's, the outputs' lost records. */
static void complete_stats(const ms_options *opt, ms_stats *st) {
  capture_live_counters(st);
  extract_sink_count(opt->dissect.sink, st);
  st->records_lost = outfile_records_lost();
}

/* One process: rotation by time, SIGHUP reopening, and every
 * --stats-interval seconds a stats record. */
typedef struct {
  const ms_options *opt;
  ms_output *out;
  struct timespec last;
  ms_stats previous;
} ticker;

static double seconds_since(const struct timespec *a,
                            const struct timespec *b) {
  return (double)(b->tv_sec - a->tv_sec) +
         (double)(b->tv_nsec - a->tv_nsec) / 1e9;
}

static void on_tick(void *ctx, time_t now, const ms_stats *st, size_t open) {
  ticker *t = ctx;
  outfile_tick(now);
  struct timespec ts;
  clock_gettime(CLOCK_REALTIME, &ts);
  if (!t->opt->stats_interval ||
      seconds_since(&t->last, &ts) < (double)t->opt->stats_interval - 0.05)
    return;
  ms_stats cur = *st;
  complete_stats(t->opt, &cur);
  ms_stats_interval iv = {(int64_t)ts.tv_sec * 1000000 + ts.tv_nsec / 1000,
                          seconds_since(&t->last, &ts),
                          t->previous,
                          open,
                          0,
                          NULL,
                          NULL};
  output_stats_interval(t->out, &cur, &iv);
  t->previous = cur;
  t->last = ts;
}

static ms_options options; /* large (port tables): not on the stack */

/* --workers N: each worker renders its share of the --report into a part,
 * merged in reporting order once all are done. */
static int run_workers(void) {
  if (options.report &&
      !(options.report_parts = report_parts_create(
            options.report, options.extract_dir, options.workers))) {
    fprintf(stderr, "mailscope: %s: %s\n", options.report, strerror(errno));
    return 2;
  }
  install_signals();
  int rc = options.iface ? live_workers_run(&options) : workers_run(&options);
  if (options.report_parts &&
      report_parts_finish(options.report_parts, options.iface != NULL) != 0) {
    fprintf(stderr, "mailscope: %s: could not write the report\n",
            options.report);
    rc = rc ? rc : 2;
  }
  return rc;
}

/* The --extract-dir sink, NULL when none; *rc 2 after an error. */
static ms_extract_sink *open_extraction(int *rc) {
  *rc = 0;
  if (!options.extract_dir)
    return NULL;
  extract_config c = {options.quiet, options.follow_dir_links,
                      options.max_extract_files};
  ms_extract_sink *sink = extract_sink_create(options.extract_dir, &c);
  if (!sink)
    *rc = 2;
  else
    options.dissect.sink = extract_sink_get(sink);
  return sink;
}

static int run_one_process(void) {
  ms_output *out = output_open(&options);
  if (!out)
    return 2;
  install_signals();
  ticker t = {&options, out, {0, 0}, {0}};
  clock_gettime(CLOCK_REALTIME, &t.last);
  engine_set_tick(on_tick, &t);
  ms_stats stats;
  memset(&stats, 0, sizeof stats);
  int rc = engine_run(&options, on_session_done, out, &stats);
  engine_set_tick(NULL, NULL);
  complete_stats(&options, &stats);
  if (!rc && (output_failed(out) || extract_sink_failed(options.dissect.sink)))
    rc = 2;
  int orc = output_close(out, &stats);
  return rc ? rc : orc;
}

int main(int argc, char **argv) {
  ms_options_defaults(&options);
  int rc = ms_options_parse(&options, argc, argv);
  if (rc != 0) {
    ms_options_free(&options);
    return rc < 0 ? 0 : rc;
  }
  options.dissect.transcript = options.format == MS_FMT_TRANSCRIPT ||
                               options.transcript_dir || options.report;
  sensor_init(&options);
  privileges_output_owner(&options, &options.out_uid, &options.out_gid);
  /* A write that fails reading files ends the run (exit status 2). */
  outfile_set_fatal(engine_request_stop);
  if (privileges_prepare_outputs(&options) != 0) {
    ms_options_free(&options);
    return 2;
  }
  ms_extract_sink *sink = open_extraction(&rc);
  if (rc == 0) {
    if (options.workers > 1) {
      rc = run_workers();
    } else {
      rc = run_one_process();
    }
  }
  extract_sink_destroy(sink);
  ms_options_free(&options);
  return rc;
}
