/* main.c - mailscope: parse the command line, run the engine, write the
 * outputs. */
#include <signal.h>
#include <stdio.h>
#include <string.h>

#include "engine.h"
#include "extract.h"
#include "keylog.h"
#include "live_workers.h"
#include "options.h"
#include "output.h"
#include "privileges.h"
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

int main(int argc, char **argv) {
  ms_options_defaults(&options);
  int rc = ms_options_parse(&options, argc, argv);
  if (rc != 0) {
    ms_options_free(&options);
    return rc < 0 ? 0 : rc;
  }
  options.dissect.transcript = options.format == MS_FMT_TRANSCRIPT ||
                               options.transcript_dir || options.report;
  /* every worker opens the key logs itself: an unreadable one fails once */
  if (!ms_keylog_check(&options.tls_keylogs) ||
      privileges_prepare_outputs(&options) != 0) {
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
    install_signals();
    rc = options.iface ? live_workers_run(&options) : workers_run(&options);
    extract_sink_destroy(sink);
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
