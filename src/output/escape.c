/* escape.c - terminal-safe text (see escape.h). */
#include "escape.h"
#include "utf8.h"

#include <stdint.h>
#include <string.h>

int esc_dangerous_codepoint(uint32_t cp) {
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
    } else if (esc_dangerous_codepoint(cp)) {
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
