/* report.h - the self-contained HTML report (--report FILE, docs/report.md).
 *
 * Each finished session is rendered at once (report_render.h) into a
 * "part": a temporary file of frames (its reporting order, its row JSON and
 * its detail JSON), so memory does not grow with the capture.  Closing
 * writes FILE: the page (inline style and script, their hashes in a
 * Content-Security-Policy that also forbids any fetch), the capture's
 * counters, the rows as one JSON block and each session's detail in a
 * block of its own, read only when its page is opened.
 *
 * --workers N: before the workers start, report_parts_create() makes N
 * parts; worker k renders its sessions into part k (report_part_open) and
 * the parent merges them in reporting order (report_parts_finish), so the
 * file is the one a single process writes.
 */
#ifndef MAILSCOPE_REPORT_H
#define MAILSCOPE_REPORT_H

#include <stdbool.h>

#include "record.h"
#include "report_render.h"
#include "stats.h"

typedef struct ms_report ms_report;

/* extract_dir: --extract-dir or NULL (then no file links).  NULL + errno
 * when FILE or a temporary file cannot be created. */
ms_report *report_open(const char *path, const char *extract_dir);
void report_add(ms_report *r, const ms_session *s);
int report_close(ms_report *r, const ms_stats *st); /* 0 or -1 */

/* --workers */
typedef struct ms_report_parts ms_report_parts;
typedef struct ms_report_part ms_report_part;

ms_report_parts *report_parts_create(const char *path, const char *extract_dir,
                                     int workers); /* NULL + errno */
/* In worker `index`: its part (render into it with report_part_add). */
ms_report_part *report_part_open(ms_report_parts *p, int index);
void report_part_add(ms_report_part *w, const ms_session *s);
/* The worker's last frame (its stats); frees w. */
void report_part_close(ms_report_part *w, const ms_stats *st);
/* In the parent once every worker has ended: write FILE from the parts in
 * reporting order (live: in order of session end); frees p.  0 or -1. */
int report_parts_finish(ms_report_parts *p, bool live);

#endif
