/* dotbody.c - dot-terminated text as a stream (see dotbody.h). */
#include "dotbody.h"

#include "scan.h"

void dot_scan_begin(dot_scanner *s) {
  s->bol = true;
  s->bol_bare = s->last_cr = false;
  s->dot = s->dot_cr = s->end_bare_lf = false;
}

void dot_scan_lost(dot_scanner *s) { s->bol = s->dot = s->dot_cr = false; }

bool dot_scan(dot_scanner *s, const uint8_t **cursor, const uint8_t *end,
              dot_out_fn out, void *ctx) {
  const uint8_t *p = *cursor;
  while (p < end) {
    if (s->dot_cr) { /* ".\r" at a line start */
      s->dot_cr = s->dot = false;
      if (*p == '\n') {
        s->end_bare_lf = s->bol_bare;
        *cursor = p + 1;
        return true;
      }
      out(ctx, (const uint8_t *)"\r", 1); /* a stuffed ".\r..." line */
      s->bol = false;
      s->last_cr = true;
      continue;
    }
    if (s->dot) {
      if (*p == '\r') {
        s->dot_cr = true;
        p++;
        continue;
      }
      s->dot = false;
      if (*p == '\n') { /* "." and a bare LF end it too */
        s->end_bare_lf = true;
        *cursor = p + 1;
        return true;
      }
      s->bol = false; /* the stuffing dot is dropped */
      continue;
    }
    if (s->bol && *p == '.') {
      s->dot = true;
      p++;
      continue;
    }
    /* One call for the run up to the next line that starts with a dot (or
     * the end of the data), found in one scan. */
    const uint8_t *dot_line = scan_pair(p, end, '\n', '.');
    const uint8_t *stop = dot_line ? dot_line + 1 : end;
    out(ctx, p, (size_t)(stop - p));
    s->bol = stop[-1] == '\n';
    if (s->bol) /* whether that line start came from a bare LF */
      s->bol_bare = stop - 1 > p ? stop[-2] != '\r' : !s->last_cr;
    s->last_cr = stop[-1] == '\r';
    p = stop;
  }
  *cursor = p;
  return false;
}
