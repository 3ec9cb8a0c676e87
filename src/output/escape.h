/* escape.h - terminal-safe text.  Everything from the wire that could act
 * on a terminal or mislead a reader is shown escaped: control bytes and DEL
 * as \xHH, tab as \t, bytes that are not UTF-8 as \xHH, C1 controls and
 * Unicode bidi overrides/isolates as \u{HHHH}.  Printable ASCII and
 * printable UTF-8 pass through. */
#ifndef MAILSCOPE_ESCAPE_H
#define MAILSCOPE_ESCAPE_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

/* Write s (n bytes) escaped to f; returns the number of columns written. */
size_t esc_write(FILE *f, const char *s, size_t n);
size_t esc_puts(FILE *f, const char *s);

/* C1 controls, bidi embeddings/overrides/isolates/marks, line and paragraph
 * separators, BOM: code points that act on a display or reorder it. */
int esc_dangerous_codepoint(uint32_t cp);

#endif
