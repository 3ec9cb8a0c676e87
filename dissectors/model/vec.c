/* vec.c - growable arrays and owned strings (see vec.h). */
#include "vec.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static void out_of_memory(void) {
  fputs("mailscope: out of memory\n", stderr);
  abort();
}

void *xmalloc(size_t n) {
  void *p = malloc(n ? n : 1);
  if (!p)
    out_of_memory();
  return p;
}

void *xcalloc(size_t n, size_t size) {
  void *p = calloc(n ? n : 1, size ? size : 1);
  if (!p)
    out_of_memory();
  return p;
}

void *xrealloc(void *p, size_t n) {
  void *q = realloc(p, n ? n : 1);
  if (!q)
    out_of_memory();
  return q;
}

char *xstrdup(const char *s) { return xstrndup(s, strlen(s)); }

char *xstrdup_opt(const char *s) { return s ? xstrdup(s) : NULL; }

char *xstrndup(const char *s, size_t n) {
  char *d = xmalloc(n + 1);
  memcpy(d, s, n);
  d[n] = '\0';
  return d;
}

char *wire_strdup(const uint8_t *p, size_t n) {
  size_t nuls = 0;
  for (size_t i = 0; i < n; i++)
    nuls += p[i] == 0;
  if (nuls == 0)
    return xstrndup((const char *)p, n);
  char *d = xmalloc(n + 3 * nuls + 1), *o = d;
  for (size_t i = 0; i < n; i++) {
    if (p[i] == 0) {
      memcpy(o, "\\x00", 4);
      o += 4;
    } else {
      *o++ = (char)p[i];
    }
  }
  *o = '\0';
  return d;
}

char *xasprintf(const char *fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  int n = vsnprintf(NULL, 0, fmt, ap);
  va_end(ap);
  if (n < 0)
    out_of_memory();
  char *s = xmalloc((size_t)n + 1);
  va_start(ap, fmt);
  vsnprintf(s, (size_t)n + 1, fmt, ap);
  va_end(ap);
  return s;
}

void vec_reserve_raw(void **items, size_t *cap, size_t elem, size_t need) {
  if (need <= *cap)
    return;
  size_t ncap = *cap ? *cap * 2 : 4;
  while (ncap < need)
    ncap *= 2;
  *items = xrealloc(*items, ncap * elem);
  memset((char *)*items + *cap * elem, 0, (ncap - *cap) * elem);
  *cap = ncap;
}

void strvec_push(strvec *v, const char *s) { *vec_push(v) = xstrdup(s); }

void strvec_free(strvec *v) {
  for (size_t i = 0; i < v->len; i++)
    free(v->items[i]);
  vec_free(v);
}

void strvec_copy(strvec *to, const strvec *from) {
  memset(to, 0, sizeof *to);
  for (size_t i = 0; i < from->len; i++)
    strvec_push(to, from->items[i]);
}
