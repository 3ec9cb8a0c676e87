/* report_text.c - display forms and script-safe JSON (report_text.h). */
#include "report_text.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "escape.h"
#include "utf8.h"
#include "vec.h"

void rt_free(rt_buf *b) {
  free(b->buf);
  b->buf = NULL;
  b->len = b->cap = 0;
}

static void reserve(rt_buf *b, size_t more) {
  if (b->len + more + 1 <= b->cap)
    return;
  size_t cap = b->cap ? b->cap : 256;
  while (cap < b->len + more + 1)
    cap *= 2;
  b->buf = xrealloc(b->buf, cap);
  b->cap = cap;
}

void rt_append(rt_buf *b, const char *p, size_t n) {
  reserve(b, n);
  memcpy(b->buf + b->len, p, n);
  b->len += n;
  b->buf[b->len] = '\0';
}

static void append_fmt(rt_buf *b, const char *fmt, uint32_t v) {
  char tmp[16];
  int n = snprintf(tmp, sizeof tmp, fmt, v);
  rt_append(b, tmp, (size_t)n);
}

/* The end of the prefix of s (n bytes) kept under max bytes: never inside
 * a UTF-8 sequence. */
static size_t cut_point(const unsigned char *p, size_t n, size_t max) {
  if (!max || n <= max)
    return n;
  size_t i = max;
  while (i > 0 && (p[i] & 0xc0) == 0x80)
    i--;
  return i;
}

const char *rt_display(rt_buf *b, const char *s, size_t max) {
  b->len = 0;
  reserve(b, 0);
  b->buf[0] = '\0';
  const unsigned char *p = (const unsigned char *)(s ? s : "");
  size_t n = strlen((const char *)p);
  size_t limit = cut_point(p, n, max);
  size_t i = 0;
  while (i < limit) {
    size_t run = i;
    while (run < limit && p[run] >= 0x20 && p[run] < 0x7f)
      run++;
    if (run > i) {
      rt_append(b, (const char *)p + i, run - i);
      i = run;
      continue;
    }
    uint32_t cp;
    size_t len = p[i] < 0x80 ? 0 : utf8_decode(p + i, limit - i, &cp);
    if (!len) {
      append_fmt(b, "\\x%02x", p[i]);
      i++;
    } else if (esc_dangerous_codepoint(cp)) {
      append_fmt(b, "\\u{%04x}", cp);
      i += len;
    } else {
      rt_append(b, (const char *)p + i, len);
      i += len;
    }
  }
  if (limit < n)
    rt_append(b, "\xe2\x80\xa6", 3);
  return b->buf;
}

void rt_script_safe(rt_buf *out, const char *p, size_t n) {
  size_t i = 0;
  reserve(out, n);
  while (i < n) {
    size_t run = i;
    while (run < n && p[run] != '<' && p[run] != '>' && p[run] != '&' &&
           (unsigned char)p[run] != 0xe2)
      run++;
    rt_append(out, p + i, run - i);
    i = run;
    if (i >= n)
      break;
    const unsigned char *u = (const unsigned char *)p + i;
    if (*u == 0xe2 && n - i >= 3 && u[1] == 0x80 &&
        (u[2] == 0xa8 || u[2] == 0xa9)) {
      rt_append(out, u[2] == 0xa8 ? "\\u2028" : "\\u2029", 6);
      i += 3;
    } else if (*u == 0xe2) {
      rt_append(out, p + i, 1);
      i++;
    } else {
      append_fmt(out, "\\u%04x", *u);
      i++;
    }
  }
}
