/* live_workers.h - --workers N with -i: N worker processes on one interface.
 *
 * Each worker opens the interface itself and joins one Linux PACKET_FANOUT
 * group (PACKET_FANOUT_HASH, fragments defragmented first), so the kernel
 * hands every flow, both directions, to exactly one worker, each with its
 * own reassembly and session state.  Workers render their finished
 * sessions and send them to the parent over a pipe; the parent writes them
 * in the order they arrive (a live capture has no other order), owns
 * --json-file (reopened on SIGHUP), forwards SIGINT/SIGTERM, and sums the
 * workers' stats into the closing record.
 */
#ifndef MAILSCOPE_LIVE_WORKERS_H
#define MAILSCOPE_LIVE_WORKERS_H

#include "options.h"

/* Run the live capture in opt->workers processes; returns the exit status. */
int live_workers_run(ms_options *opt);

#endif
