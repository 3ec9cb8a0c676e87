/* dotbody.h - the dot-terminated, dot-stuffed text of SMTP DATA and of
 * POP3 multi-line responses (RFC 5321 4.5.2, RFC 1939 3), scanned as a
 * stream: no line-length limit, no per-line work on the hot path.
 *
 * dot_scan() hands the content, with the stuffing dots removed and line
 * ends kept as transferred, to out() in runs, and stops right after the
 * terminating "." line (CRLF or bare LF), returning true (end_bare_lf tells
 * which).  After a gap, dot_scan_lost() makes the scanner wait for the next
 * line end before it trusts a "." again. */
#ifndef MAILSCOPE_DOTBODY_H
#define MAILSCOPE_DOTBODY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

typedef struct {
  bool bol;      /* at the start of a line */
  bool bol_bare; /* ... that a bare LF began */
  bool last_cr;  /* the last byte passed on was CR */
  bool dot;      /* a "." seen at the start of the line */
  bool dot_cr;   /* ".\r" seen at the start of the line */
  /* Set when dot_scan() returns true: the terminating "." line had a bare
   * LF before or after it (<LF>.<LF>, <CR><LF>.<LF>, <LF>.<CR><LF>), which
   * servers that want <CR><LF>.<CR><LF> read on past (SMTP smuggling). */
  bool end_bare_lf;
  /* With want_cr (set by the caller after dot_scan_begin): the body holds
   * a "." line that a bare CR delimits (<CR>.<CR>, <CR>.<CR><LF>,
   * <CR>.<LF>, <CR><LF>.<CR>), which is no end here but is one to a server
   * that takes a bare CR for a line end (SMTP smuggling).  Once set it
   * stays set until dot_scan_begin, and no more scanning is done for it. */
  bool want_cr;
  bool bare_cr_end;
  bool cr_dot; /* "<CR>." seen at the end of the last run */
} dot_scanner;

typedef void (*dot_out_fn)(void *ctx, const uint8_t *p, size_t n);

void dot_scan_begin(dot_scanner *s);
bool dot_scan(dot_scanner *s, const uint8_t **cursor, const uint8_t *end,
              dot_out_fn out, void *ctx);
void dot_scan_lost(dot_scanner *s);

#endif
