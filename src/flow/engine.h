/* engine.h - the road bytes travel: capture -> link layer -> IP (defrag)
 * -> TCP reassembly -> session table -> dissector -> finished record.
 *
 * engine_run() reads every -r file in order as one timeline (or the live
 * interface) and calls done() once for every session, when it ends (FIN,
 * RST, idle timeout, limit, end of input).  done() takes ownership of rec
 * and must ms_session_free() it.  Returns the exit status: 0, or 2 when an
 * input could not be opened or is corrupt (after emitting everything decoded
 * before the fault, and printing "mailscope: FILE: what, at offset N").
 */
#ifndef MAILSCOPE_ENGINE_H
#define MAILSCOPE_ENGINE_H

#include <time.h>

#include "options.h"
#include "record.h"
#include "stats.h"

typedef void (*ms_session_done_fn)(void *ctx, ms_session *rec);

int engine_run(const ms_options *opt, ms_session_done_fn done, void *ctx,
               ms_stats *stats);

/* Periodic work while engine_run runs (--stats-interval, rotation by
 * time, SIGHUP reopening): fn is called about once a second of wall-clock
 * time, at a packet or, live, when the interface is idle, with the
 * counters so far and the sessions open.  NULL: none. */
typedef void (*ms_tick_fn)(void *ctx, time_t now, const ms_stats *st,
                           size_t open_sessions);
void engine_set_tick(ms_tick_fn fn, void *ctx);

/* Ask a running engine_run to stop (signal-safe): it flushes every open
 * session and returns. */
void engine_request_stop(void);
/* Whether a stop was asked for (SIGINT, SIGTERM). */
bool engine_stop_requested(void);

#endif
