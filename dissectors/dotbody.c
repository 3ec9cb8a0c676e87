/* dotbody.c - dot-terminated text as a stream (see dotbody.h). */
#include "dotbody.h"

#include "scan.h"

void dot_scan_begin(dot_scanner *s) {
  s->bol = true;
  s->bol_bare = s->last_cr = false;
  s->dot = s->dot_cr = s->end_bare_lf = false;
  s->want_cr = s->bare_cr_end = s->cr_dot = false;
}

/* A bare CR, a dot, then a CR or LF: a "." line to a server that ends
 * lines at a bare CR.  Looks in [p, stop) (a run passed on as data, in
 * which no "." starts a line of ours); q[2] may lie up to `end`. */
static void find_bare_cr_dot(dot_scanner *s, const uint8_t *p,
                             const uint8_t *stop, const uint8_t *end) {
  if (s->cr_dot && p < end) { /* "<CR>." ended the last run */
    s->cr_dot = false;
    if (*p == '\r' || *p == '\n') {
      s->bare_cr_end = true;
      return;
    }
  }
  if (s->last_cr && p < stop && *p == '.') { /* the CR ended the last run */
    if (p + 1 >= end)
      s->cr_dot = true;
    else if (p[1] == '\r' || p[1] == '\n')
      s->bare_cr_end = true;
  }
  for (const uint8_t *q = p; !s->bare_cr_end && q < stop;) {
    q = scan_pair(q, stop, '\r', '.');
    if (!q)
      break;
    if (q + 2 >= end)
      s->cr_dot = true;
    else if (q[2] == '\r' || q[2] == '\n')
      s->bare_cr_end = true;
    q += 1;
  }
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
      if (s->want_cr) /* <LF>.<CR>: a "." line ended by a bare CR */
        s->bare_cr_end = true;
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
    if (s->want_cr && !s->bare_cr_end)
      find_bare_cr_dot(s, p, stop, end);
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
