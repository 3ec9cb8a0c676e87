/* escape.c - terminal-safe text (see escape.h). */
#include "escape.h"

#include <stdint.h>
#include <string.h>

/* Decode one UTF-8 sequence; returns its length (0 if invalid). */
static size_t utf8_decode(const unsigned char *p, size_t n, uint32_t *cp) {
  unsigned char c = p[0];
  size_t len;
  uint32_t min, v;
  if (c >= 0xc2 && c <= 0xdf)
    len = 2, min = 0x80, v = c & 0x1f;
  else if (c >= 0xe0 && c <= 0xef)
    len = 3, min = 0x800, v = c & 0x0f;
  else if (c >= 0xf0 && c <= 0xf4)
    len = 4, min = 0x10000, v = c & 0x07;
  else
    return 0;
  if (n < len)
    return 0;
  for (size_t i = 1; i < len; i++) {
    if ((p[i] & 0xc0) != 0x80)
      return 0;
    v = v << 6 | (p[i] & 0x3f);
  }
  if (v < min || v > 0x10ffff || (v >= 0xd800 && v <= 0xdfff))
    return 0;
  *cp = v;
  return len;
}

static int dangerous_codepoint(uint32_t cp) {
  return (cp >= 0x80 && cp <= 0x9f) ||     /* C1 controls */
         (cp >= 0x202a && cp <= 0x202e) || /* bidi embeddings, overrides */
         (cp >= 0x2066 && cp <= 0x2069) || /* bidi isolates */
         cp == 0x200e || cp == 0x200f || cp == 0x061c || /* marks */
         cp == 0x2028 || cp == 0x2029 || cp == 0xfeff;
}

size_t esc_write(FILE *f, const char *s, size_t n) {
  const unsigned char *p = (const unsigned char *)s;
  size_t cols = 0, i = 0;
  while (i < n) {
    size_t run = i;
    while (run < n && p[run] >= 0x20 && p[run] < 0x7f)
      run++;
    if (run > i) {
      fwrite(s + i, 1, run - i, f);
      cols += run - i;
      i = run;
      continue;
    }
    unsigned char c = p[i];
    uint32_t cp;
    size_t len;
    if (c == '\t') {
      fputs("\\t", f);
      cols += 2;
      i++;
    } else if (c < 0x80) {
      fprintf(f, "\\x%02x", c);
      cols += 4;
      i++;
    } else if ((len = utf8_decode(p + i, n - i, &cp)) == 0) {
      fprintf(f, "\\x%02x", c);
      cols += 4;
      i++;
    } else if (dangerous_codepoint(cp)) {
      cols += (size_t)fprintf(f, "\\u{%04x}", cp);
      i += len;
    } else {
      fwrite(s + i, 1, len, f);
      cols += 1;
      i += len;
    }
  }
  return cols;
}

size_t esc_puts(FILE *f, const char *s) {
  return s ? esc_write(f, s, strlen(s)) : 0;
}
