/* workers.h - --workers N for capture files: N worker processes each read
 * the whole capture (cheap next to decoding: the page cache serves it) and
 * analyse the flows whose symmetric 5-tuple hash falls to them; the parent
 * merges their records on the reporting order every worker computes the
 * same way (session.c), so the output equals a single process's, record for
 * record. */
#ifndef MAILSCOPE_WORKERS_H
#define MAILSCOPE_WORKERS_H

#include "options.h"

/* Run the analysis in opt->workers processes; returns the exit status. */
int workers_run(ms_options *opt);

#endif
