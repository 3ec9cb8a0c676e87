/* report_text.h - strings from the wire made safe for the HTML report.
 *
 * The report carries its data as JSON inside <script type="application/json">
 * blocks, read by its own script, which only ever puts text into the page
 * as text (textContent, never markup).  Two steps make any byte sequence
 * harmless there:
 *  - rt_display(): the text a person sees.  Control bytes, DEL and bytes
 *    that are not UTF-8 become "\xHH"; C1 controls, bidi overrides and
 *    isolates, marks, line/paragraph separators and the BOM become
 *    "\u{HHHH}" (so nothing reorders or disguises text); a value longer
 *    than `max` bytes is cut at a character boundary and ends with "…".
 *  - rt_script_safe(): JSON text safe inside a <script> element: every
 *    '<', '>' and '&' becomes \u003c, \u003e, \u0026 and raw U+2028/2029
 *    \u2028/\u2029, so no "</script" or "<!--" can occur.
 */
#ifndef MAILSCOPE_REPORT_TEXT_H
#define MAILSCOPE_REPORT_TEXT_H

#include <stdbool.h>
#include <stddef.h>

typedef struct {
  char *buf;
  size_t len, cap;
} rt_buf;

void rt_free(rt_buf *b);
void rt_append(rt_buf *b, const char *p, size_t n);

/* Replace b's content with the display form of s (NULL: empty); max 0
 * keeps all of s.  Returns b->buf (NUL-terminated). */
const char *rt_display(rt_buf *b, const char *s, size_t max);

/* Append JSON text p (n bytes) to out, made safe inside <script>. */
void rt_script_safe(rt_buf *out, const char *p, size_t n);

#endif
