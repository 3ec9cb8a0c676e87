/* output.h - where finished sessions go: standard output in the chosen
 * format, --json-file (reopened on SIGHUP), --transcript-dir, --report. */
#ifndef MAILSCOPE_OUTPUT_H
#define MAILSCOPE_OUTPUT_H

#include <stdio.h>

#include "options.h"
#include "record.h"
#include "stats.h"

typedef struct ms_output ms_output;

/* NULL after printing "mailscope: ..." when an output cannot be opened. */
ms_output *output_open(const ms_options *opt);
/* A worker's output: standard-output text and NDJSON (when --json-file is
 * set, else NULL) go to the given streams; no report, no stats. */
ms_output *output_open_worker(const ms_options *opt, FILE *out, FILE *json);
/* Write one finished session everywhere; takes ownership of s. */
void output_session(ms_output *o, ms_session *s);
/* Bytes a worker already rendered for one session: text for standard
 * output, NDJSON for --json-file (when open). */
void output_rendered(ms_output *o, const char *text, size_t text_len,
                     const char *json, size_t json_len);
/* Ask for --json-file to be reopened before the next record (signal-safe). */
void output_request_reopen(void);
/* Stats record, report, close; returns 0 or 2 on a write error. */
int output_close(ms_output *o, const ms_stats *st);

#endif
