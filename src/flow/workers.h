/* workers.h - --workers N for capture files: N worker processes each read
 * the whole capture (cheap next to decoding: the page cache serves it) and
 * analyse the flows whose symmetric 5-tuple hash falls to them; the parent
 * merges their records on the reporting order every worker computes the
 * same way (session.c), so the output equals a single process's, record for
 * record. */
#ifndef MAILSCOPE_WORKERS_H
#define MAILSCOPE_WORKERS_H

#include <stdint.h>

#include "options.h"

/* What a worker writes for each finished session: this header, then
 * out_len bytes of standard-output text and json_len bytes of --json-file
 * NDJSON.  The last frame has last = 1, out_len = sizeof(ms_stats) bytes of
 * stats follow, and json_len is the worker's exit status. */
typedef struct {
  uint64_t order_end, order_start;
  uint32_t order_phase;
  uint32_t last;
  uint64_t out_len, json_len;
} ms_worker_frame;

/* Run the analysis in opt->workers processes; returns the exit status. */
int workers_run(ms_options *opt);

/* A worker process's whole life: run the engine on its share of the flows
 * (opt->workers > 1 offline: the symmetric hash; live: whatever the
 * kernel's fanout gives it) and write its frames to fd.  Returns the exit
 * status. */
int workers_child_main(ms_options *opt, int index, int fd);

#endif
