/* report_part.h - the report's temporary parts (report_part.c): written as
 * sessions end, read back in reporting order when the page is written.
 * Internal to the report (report.c, report_page.c). */
#ifndef MAILSCOPE_REPORT_PART_H
#define MAILSCOPE_REPORT_PART_H

#include <stdbool.h>
#include <stdio.h>

#include "report.h"
#include "stats.h"
#include "vec.h"

/* A writer on f (which stays the caller's). */
ms_report_part *report_part_on(FILE *f);
/* Write the last frame (st may be NULL), flush, free w: 0 or -1. */
int report_part_end(ms_report_part *w, const ms_stats *st);
/* Flush and free w without its last frame: the part a worker that died
 * leaves (for tests). */
void report_part_abandon(ms_report_part *w);

/* One session's frame, in a mapped part. */
typedef struct {
  uint64_t order_end, order_start;
  int64_t ts, end_ts;
  uint32_t order_phase;
  int part;
  uint64_t seq;
  const char *row;
  size_t row_len;
  const char *detail;
  size_t detail_len;
} report_frame;
typedef VEC(report_frame) report_frames;

typedef struct {
  report_frames frames; /* in reporting order */
  ms_stats stats;       /* the parts' stats, summed */
  void *maps;
  int nmaps;
} report_read;

/* Map and index n parts; frames sorted in reporting order (live: by session
 * end).  -1 when a part is damaged (what could be read is still there). */
int report_parts_read(FILE *const *files, int n, bool live, report_read *out);
void report_parts_release(report_read *r);

/* Write the page from what was read into fd, FILE opened at the start
 * (report_page.c); closes fd.  0 or -1. */
int report_page_write(int fd, const char *extract_href, const report_read *r);

#endif
