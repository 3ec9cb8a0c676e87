/* workers.h - --workers N for capture files: N worker processes each read
 * the whole capture (a plain file by itself: the page cache serves it; a
 * compressed one decompressed once by the parent, fileshare.h) and
 * analyse the flows whose symmetric 5-tuple hash falls to them; the parent
 * merges their records on the reporting order every worker computes the
 * same way (session.c), so the output equals a single process's, record for
 * record. */
#ifndef MAILSCOPE_WORKERS_H
#define MAILSCOPE_WORKERS_H

#include <stdint.h>

#include "options.h"
#include "output.h"

/* What a worker writes for each finished session: this header, then the
 * bytes of each output stream (output.h: standard output, --json-file, the
 * --zeek-dir logs), len[i] of stream i.  Kinds other than a session's:
 * MS_FRAME_END, the worker's last frame: sizeof(ms_stats) bytes of stats
 * follow, len[1] is its exit status; MS_FRAME_STATS (live
 * --stats-interval): its counters so far, len[1] its open sessions. */
enum { MS_FRAME_SESSION = 0, MS_FRAME_END = 1, MS_FRAME_STATS = 2 };
typedef struct {
  uint64_t order_end, order_start;
  uint32_t order_phase;
  uint32_t last; /* MS_FRAME_* */
  uint64_t len[MS_OUT_STREAMS];
} ms_worker_frame;

/* The bytes following frame h. */
uint64_t ms_worker_frame_bytes(const ms_worker_frame *h);

/* Run the analysis in opt->workers processes; returns the exit status. */
int workers_run(ms_options *opt);

/* A worker process's whole life: run the engine on its share of the flows
 * (opt->workers > 1 offline: the symmetric hash; live: whatever the
 * kernel's fanout gives it) and write its frames to fd.  Returns the exit
 * status. */
int workers_child_main(ms_options *opt, int index, int fd);

#endif
