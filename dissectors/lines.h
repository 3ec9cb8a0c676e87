/* lines.h - the one line splitter shared by SMTP and POP3.
 *
 * Pull interface: the dissector hands over a segment as a cursor and asks
 * for complete lines one by one.  A line wholly inside the segment is
 * returned in place (zero copy); a line split across segments is assembled
 * in the reader's buffer.  CRLF and bare LF both end a line (bare_lf tells
 * which).  A line longer than max_line is returned cut at max_line with
 * too_long set, and the rest of it up to its end is discarded (memory stays
 * bounded).  After a gap, line_reader_gap() drops the partial line; the
 * next line comes with after_gap set, because it may be the tail of a line
 * whose start was lost: the dissector keeps it only if it makes sense.
 */
#ifndef MAILSCOPE_LINES_H
#define MAILSCOPE_LINES_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "record.h"

typedef struct {
  const uint8_t *data; /* line without its terminator */
  size_t len;
  ms_ts ts;       /* timestamp of the segment that completed the line */
  bool bare_lf;   /* ended by LF alone */
  bool too_long;  /* cut at max_line; the rest was dropped */
  bool partial;   /* only from line_reader_flush: no terminator seen */
  bool after_gap; /* first line after lost bytes: it may be a line's tail */
} ms_line;

typedef struct {
  uint8_t *buf;
  size_t len, cap, max_line;
  bool resync;    /* after a gap: the next line gets after_gap */
  bool cut;       /* the current partial line is already too long */
  ms_ts start_ts; /* of the segment where the partial line began */
} line_reader;

void line_reader_init(line_reader *lr, size_t max_line);
void line_reader_free(line_reader *lr);

/* Take the next complete line from *cursor..end.  Returns true and fills
 * *out when a line is complete (out->data is valid until the next call);
 * returns false when the input is used up (a partial line is kept). */
bool line_reader_next(line_reader *lr, const uint8_t **cursor,
                      const uint8_t *end, ms_ts ts, ms_line *out);

/* Give the buffer back when no unfinished line is in it (it is made again
 * by the next line split across segments); everything else stays. */
void line_reader_trim(line_reader *lr);

/* Bytes of an unfinished line held by the reader. */
size_t line_reader_pending(const line_reader *lr);

/* Hand out an unfinished line at the end of the stream (partial = true). */
bool line_reader_flush(line_reader *lr, ms_ts ts, ms_line *out);

/* Bytes were lost: drop the partial line and resync at the next line end. */
void line_reader_gap(line_reader *lr);
/* Before line_reader_gap(): the partial line the gap cuts, without a CR it
 * may end in, timed when it began (after_gap tells whether its start may
 * be lost too; callers judge it as they judge such lines).  The line is
 * gone from the reader. */
bool line_reader_take_cut(line_reader *lr, ms_line *out);

/* Commands and replies are text: a control byte (below 0x20 but TAB, or
 * DEL) is a terminal escape or binary.  Raises control_characters on the
 * session the first time (*warned records it). */
void line_check_controls(ms_session *s, bool *warned, ms_dir dir,
                         const ms_line *l);

#endif
