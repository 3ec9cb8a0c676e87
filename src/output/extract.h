/* extract.h - --extract-dir: messages as .eml and decoded attachments.
 *
 * Names tie each file to its session and message:
 *   DIR/<uid>-<label>.eml                     (label t1, t2 ... or m3 ...)
 *   DIR/<uid>-<label>-<n>-<safe filename>     attachment n of that message
 * A filename from the wire never chooses a path outside DIR: see
 * extract_safe_name().  Files are created relative to the directory's
 * descriptor with O_NOFOLLOW|O_EXCL (safefile.h): an existing file or a
 * planted link is never written through; a "-1", "-2" ... suffix is added
 * instead.  The directory itself may not be a link (unless
 * --follow-dir-links).
 *
 * At most --max-extract-files files are written (then extraction stops,
 * said once).  A file that cannot be written is removed (no empty or cut
 * files are left), and extraction stops with a message: the counters
 * (extract_sink_count) go to the stats record.  The counters are shared
 * by the worker processes of --workers.
 */
#ifndef MAILSCOPE_EXTRACT_H
#define MAILSCOPE_EXTRACT_H

#include <stdbool.h>
#include <stdint.h>

#include "message.h"
#include "stats.h"

typedef struct ms_extract_sink ms_extract_sink;

typedef struct {
  bool quiet;
  bool follow_links;  /* DIR may be a symbolic link */
  uint64_t max_files; /* 0: no limit */
} extract_config;

/* Opens DIR (created if needed); NULL after printing an error. */
ms_extract_sink *extract_sink_create(const char *dir, const extract_config *c);
const ms_msg_sink *extract_sink_get(ms_extract_sink *x);
void extract_sink_destroy(ms_extract_sink *x); /* NULL is fine */
/* Add the extraction counters to st (files written, refused over the
 * limit, failed); sink may be NULL. */
void extract_sink_count(const ms_msg_sink *sink, ms_stats *st);
/* Whether a file could not be written (the exit status is 2 then). */
bool extract_sink_failed(const ms_msg_sink *sink);

/* A file name safe in any directory: no '/', '\\', control bytes or
 * leading dots, no "..", no invisible or bidi code points, not a Windows
 * device name in any form, at most 100 bytes, never empty ("attachment").
 * Caller frees. */
char *extract_safe_name(const char *wire_name);

#endif
