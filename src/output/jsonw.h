/* jsonw.h - a streaming JSON writer into a growable buffer.
 *
 * Writes deterministic compact JSON without building object trees.  Strings
 * are escaped per RFC 8259; bytes that are not valid UTF-8 are written as
 * the text "\\xHH" (a literal backslash, x and two hex digits) so the output
 * is always valid UTF-8.  Commas are inserted automatically.
 */
#ifndef MAILSCOPE_JSONW_H
#define MAILSCOPE_JSONW_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

typedef struct {
  char *buf;
  size_t len, cap;
  int depth;
  bool need_comma[64];
} jsonw;

void jw_init(jsonw *w);
void jw_free(jsonw *w);
void jw_reset(jsonw *w); /* empty the buffer, keep its memory */
void jw_obj_begin(jsonw *w);
void jw_obj_end(jsonw *w);
void jw_arr_begin(jsonw *w);
void jw_arr_end(jsonw *w);
void jw_key(jsonw *w, const char *key); /* followed by one value */
void jw_str(jsonw *w, const char *s);   /* NULL writes null */
void jw_strn(jsonw *w, const char *s, size_t n);
void jw_int(jsonw *w, int64_t v);
void jw_uint(jsonw *w, uint64_t v);
void jw_bool(jsonw *w, bool v);
void jw_null(jsonw *w);
void jw_double(jsonw *w, double v, int decimals); /* fixed decimals */
void jw_raw_number(jsonw *w, const char *text); /* a number already formatted */
void jw_ts(jsonw *w, int64_t usec); /* "2026-11-22T10:00:00.123456Z" */
/* key + value shortcuts; the _opt forms write nothing for NULL */
void jw_kstr(jsonw *w, const char *k, const char *s);
void jw_kstr_opt(jsonw *w, const char *k, const char *s);
void jw_kint(jsonw *w, const char *k, int64_t v);
void jw_kuint(jsonw *w, const char *k, uint64_t v);
void jw_kbool(jsonw *w, const char *k, bool v);
void jw_kts(jsonw *w, const char *k, int64_t usec);
/* Write buffer + "\n" to f and reset. */
void jw_flush_line(jsonw *w, FILE *f);

#endif
