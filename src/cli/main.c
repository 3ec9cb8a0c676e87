/* main.c - mailscope: parse the command line, run the engine, write the
 * outputs. */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>

#include "engine.h"
#include "extract.h"
#include "live_workers.h"
#include "options.h"
#include "output.h"
#include "privileges.h"
#include "report.h"
#include "sandbox.h"
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

static ms_options options; /* large (port tables): not on the stack */

/* --workers N: each worker renders its share of the --report into a part,
 * merged in reporting order once all are done. */
static int run_workers(ms_extract_sink *sink) {
  if (options.report &&
      !(options.report_parts = report_parts_create(
            options.report, options.extract_dir, options.workers))) {
    fprintf(stderr, "mailscope: %s: %s\n", options.report, strerror(errno));
    extract_sink_destroy(sink);
    return 2;
  }
  install_signals();
  int rc = options.iface ? live_workers_run(&options) : workers_run(&options);
  extract_sink_destroy(sink);
  if (options.report_parts &&
      report_parts_finish(options.report_parts, options.iface != NULL) != 0) {
    fprintf(stderr, "mailscope: %s: could not write the report\n",
            options.report);
    rc = rc ? rc : 2;
  }
  return rc;
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
  if (privileges_prepare_outputs(&options) != 0) {
    ms_options_free(&options);
    return 2;
  }
  ms_extract_sink *sink = NULL;
  if (options.extract_dir) {
    sink = extract_sink_create(options.extract_dir, options.quiet);
    if (!sink) {
      ms_options_free(&options);
      return 2;
    }
    options.dissect.sink = extract_sink_get(sink);
  }
  if (options.workers > 1) {
    rc = run_workers(sink);
    ms_options_free(&options);
    return rc;
  }
  ms_output *out = output_open(&options);
  if (!out) {
    extract_sink_destroy(sink);
    ms_options_free(&options);
    return 2;
  }
  install_signals();
  ms_stats stats;
  memset(&stats, 0, sizeof stats);
  rc = engine_run(&options, on_session_done, out, &stats);
  int orc = output_close(out, &stats);
  extract_sink_destroy(sink);
  ms_options_free(&options);
  return rc ? rc : orc;
}
