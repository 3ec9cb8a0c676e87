/* output.h - where finished sessions go: standard output in the chosen
 * format, --json-file (the JSON form of that format), --zeek-dir,
 * --transcript-dir, --report; and the stats records.
 *
 * Every byte goes through a checked writer (outfile.h): a failure is said
 * once with the file and the reason; reading files, the run then ends with
 * exit status 2; live, records are counted as lost and writing is retried.
 * Files are created relative to directory descriptors, never through a
 * link (safefile.h).
 *
 * Worker processes (--workers) render into memory streams, which their
 * parent writes: stream MS_STREAM_STDOUT, MS_STREAM_FILE, then one per
 * Zeek log (MS_STREAM_ZEEK + ZEEK_LOG_*). */
#ifndef MAILSCOPE_OUTPUT_H
#define MAILSCOPE_OUTPUT_H

#include <stdbool.h>
#include <stdio.h>

#include "options.h"
#include "record.h"
#include "stats.h"
#include "zeek_out.h"

enum { MS_STREAM_STDOUT = 0, MS_STREAM_FILE = 1, MS_STREAM_ZEEK = 2 };
#define MS_OUT_STREAMS (MS_STREAM_ZEEK + ZEEK_LOG_COUNT)

typedef struct ms_output ms_output;

/* NULL after printing "mailscope: ..." when an output cannot be opened. */
ms_output *output_open(const ms_options *opt);
/* A worker's output: every stream to memory; its share of the report
 * into a part (--report: options.report_parts); no stats. */
ms_output *output_open_worker(const ms_options *opt);
/* Write one finished session everywhere; takes ownership of s. */
void output_session(ms_output *o, ms_session *s);
/* A worker: the bytes of each stream since the last clear. */
void output_worker_take(ms_output *o, const char *p[MS_OUT_STREAMS],
                        size_t n[MS_OUT_STREAMS]);
void output_worker_clear(ms_output *o);
/* The parent: one session's bytes as a worker rendered them. */
void output_rendered(ms_output *o, const char *const p[MS_OUT_STREAMS],
                     const size_t n[MS_OUT_STREAMS]);
/* Ask for --json-file and the --zeek-dir logs to be reopened before the
 * next record (signal-safe). */
void output_request_reopen(void);
/* A periodic stats record (--stats-interval). */
void output_stats_interval(ms_output *o, const ms_stats *st,
                           const ms_stats_interval *iv);
/* Whether a write failed (reading files: the run must end, status 2). */
bool output_failed(const ms_output *o);
/* Stats record (--stats), report, close; returns 0 or 2 on a write
 * error. */
int output_close(ms_output *o, const ms_stats *st);

#endif
