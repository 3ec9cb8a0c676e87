/* jsonw.c - streaming JSON writer (see jsonw.h). */
#include "jsonw.h"
#include "utf8.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "vec.h"

void jw_init(jsonw *w) { memset(w, 0, sizeof *w); }

void jw_free(jsonw *w) {
  free(w->buf);
  memset(w, 0, sizeof *w);
}

void jw_reset(jsonw *w) {
  w->len = 0;
  w->depth = 0;
  w->need_comma[0] = false;
}

static void reserve(jsonw *w, size_t more) {
  if (w->len + more <= w->cap)
    return;
  size_t ncap = w->cap ? w->cap : 1024;
  while (ncap < w->len + more)
    ncap *= 2;
  w->buf = xrealloc(w->buf, ncap);
  w->cap = ncap;
}

static void put(jsonw *w, const char *s, size_t n) {
  reserve(w, n);
  memcpy(w->buf + w->len, s, n);
  w->len += n;
}

static void putc1(jsonw *w, char c) {
  reserve(w, 1);
  w->buf[w->len++] = c;
}

/* Before a value: a comma unless first in its container, or nothing after
 * a key. */
static void before_value(jsonw *w) {
  if (w->need_comma[w->depth])
    putc1(w, ',');
  w->need_comma[w->depth] = true;
}

static void open_container(jsonw *w, char c) {
  before_value(w);
  putc1(w, c);
  if (w->depth < 63)
    w->depth++;
  w->need_comma[w->depth] = false;
}

static void close_container(jsonw *w, char c) {
  putc1(w, c);
  if (w->depth > 0)
    w->depth--;
}

void jw_obj_begin(jsonw *w) { open_container(w, '{'); }
void jw_obj_end(jsonw *w) { close_container(w, '}'); }
void jw_arr_begin(jsonw *w) { open_container(w, '['); }
void jw_arr_end(jsonw *w) { close_container(w, ']'); }

/* Bytes written as they are inside a JSON string: printable ASCII other
 * than '"' and '\\'. */
static const bool plain[256] = {
    0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
    0, 0, 0, 0, 0, 0, 0, 0, 1, 1, 0, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1,
    1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1,
    1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 0, 1, 1, 1,
    1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1,
    1, 1, 1, 1, 1, 1, 1, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
    0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
    0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
    0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
    0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
    0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
};

/* The worst case is 6 output bytes per input byte (\u00XX), so one
 * reservation covers the whole string and the loop writes directly. */
static void escape_string(jsonw *w, const char *s, size_t n) {
  static const char hex[] = "0123456789abcdef";
  const unsigned char *p = (const unsigned char *)s;
  reserve(w, 6 * n + 2);
  char *o = w->buf + w->len;
  *o++ = '"';
  size_t i = 0;
  while (i < n) {
    size_t run = i;
    while (run < n && plain[p[run]])
      run++;
    if (run > i) {
      memcpy(o, s + i, run - i);
      o += run - i;
      i = run;
      continue;
    }
    unsigned char c = p[i];
    if (c == '"' || c == '\\') {
      *o++ = '\\';
      *o++ = (char)c;
      i++;
    } else if (c < 0x20) {
      *o++ = '\\';
      if (c == '\n' || c == '\r' || c == '\t') {
        *o++ = c == '\n' ? 'n' : c == '\r' ? 'r' : 't';
      } else {
        memcpy(o, "u00", 3);
        o[3] = hex[c >> 4];
        o[4] = hex[c & 15];
        o += 5;
      }
      i++;
    } else {
      uint32_t cp;
      size_t len = utf8_decode(p + i, n - i, &cp);
      if (len) {
        memcpy(o, s + i, len);
        o += len;
        i += len;
      } else {
        /* Not UTF-8: the text \xHH (backslash escaped for JSON). */
        memcpy(o, "\\\\x", 3);
        o[3] = hex[c >> 4];
        o[4] = hex[c & 15];
        o += 5;
        i++;
      }
    }
  }
  *o++ = '"';
  w->len = (size_t)(o - w->buf);
}

/* Keys are the program's own names: plain ASCII, written in one pass
 * (any other key still goes through the escaper). */
void jw_key(jsonw *w, const char *key) {
  before_value(w);
  size_t n = 0;
  while (key[n] && plain[(unsigned char)key[n]])
    n++;
  if (key[n]) {
    escape_string(w, key, n + strlen(key + n));
    putc1(w, ':');
  } else {
    reserve(w, n + 3);
    char *o = w->buf + w->len;
    o[0] = '"';
    memcpy(o + 1, key, n);
    o[n + 1] = '"';
    o[n + 2] = ':';
    w->len += n + 3;
  }
  w->need_comma[w->depth] = false; /* the value follows without a comma */
}

/* After a value written directly after a key, the next key needs a comma. */
static void after_value(jsonw *w) { w->need_comma[w->depth] = true; }

void jw_strn(jsonw *w, const char *s, size_t n) {
  before_value(w);
  escape_string(w, s, n);
  after_value(w);
}

void jw_str(jsonw *w, const char *s) {
  if (!s) {
    jw_null(w);
    return;
  }
  jw_strn(w, s, strlen(s));
}

/* Decimal digits of v, right-aligned so that they end at `end`. */
static char *format_u64(uint64_t v, char *end) {
  char *p = end;
  do {
    *--p = (char)('0' + v % 10);
    v /= 10;
  } while (v);
  return p;
}

void jw_int(jsonw *w, int64_t v) {
  char b[24], *end = b + sizeof b;
  uint64_t mag = v < 0 ? (uint64_t)0 - (uint64_t)v : (uint64_t)v;
  char *p = format_u64(mag, end);
  if (v < 0)
    *--p = '-';
  before_value(w);
  put(w, p, (size_t)(end - p));
}

void jw_uint(jsonw *w, uint64_t v) {
  char b[24], *end = b + sizeof b;
  char *p = format_u64(v, end);
  before_value(w);
  put(w, p, (size_t)(end - p));
}

void jw_bool(jsonw *w, bool v) {
  before_value(w);
  put(w, v ? "true" : "false", v ? 4 : 5);
}

void jw_double(jsonw *w, double v, int decimals) {
  char b[64];
  int n = snprintf(b, sizeof b, "%.*f", decimals, v);
  before_value(w);
  put(w, b, n > 0 && (size_t)n < sizeof b ? (size_t)n : 0);
}

void jw_raw_number(jsonw *w, const char *text) {
  before_value(w);
  put(w, text, strlen(text));
}

void jw_null(jsonw *w) {
  before_value(w);
  put(w, "null", 4);
}

/* Two digits of v at p. */
static void two_digits(char *p, int v) {
  p[0] = (char)('0' + v / 10 % 10);
  p[1] = (char)('0' + v % 10);
}

/* "YYYY-MM-DDTHH:MM:SS" of a second; records come in time order, so the
 * last one formatted is kept (gmtime and printf cost more than the rest of
 * a record's numbers together). */
static const char *second_text(time_t sec) {
  static time_t cached_sec = (time_t)-1;
  static char cached[80];
  static bool valid;
  if (valid && sec == cached_sec)
    return cached;
  struct tm tm;
  if (!gmtime_r(&sec, &tm))
    memset(&tm, 0, sizeof tm);
  int year = tm.tm_year + 1900;
  if (year < 0 || year > 9999) { /* a corrupt capture's timestamp */
    snprintf(cached, sizeof cached, "%04d-%02d-%02dT%02d:%02d:%02d", year,
             tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec);
  } else {
    two_digits(cached, year / 100);
    two_digits(cached + 2, year % 100);
    cached[4] = '-';
    two_digits(cached + 5, tm.tm_mon + 1);
    cached[7] = '-';
    two_digits(cached + 8, tm.tm_mday);
    cached[10] = 'T';
    two_digits(cached + 11, tm.tm_hour);
    cached[13] = ':';
    two_digits(cached + 14, tm.tm_min);
    cached[16] = ':';
    two_digits(cached + 17, tm.tm_sec);
    cached[19] = '\0';
  }
  cached_sec = sec;
  valid = true;
  return cached;
}

void jw_ts(jsonw *w, int64_t usec) {
  time_t sec = (time_t)(usec >= 0 ? usec / 1000000 : (usec - 999999) / 1000000);
  long frac = (long)(usec - (int64_t)sec * 1000000);
  char b[96];
  size_t n = 0;
  const char *date = second_text(sec);
  size_t dl = strlen(date);
  b[n++] = '"';
  memcpy(b + n, date, dl);
  n += dl;
  b[n++] = '.';
  for (int i = 5; i >= 0; i--) {
    b[n + (size_t)i] = (char)('0' + frac % 10);
    frac /= 10;
  }
  n += 6;
  b[n++] = 'Z';
  b[n++] = '"';
  before_value(w);
  put(w, b, n);
}

void jw_kstr(jsonw *w, const char *k, const char *s) {
  jw_key(w, k);
  jw_str(w, s);
}
void jw_kstr_opt(jsonw *w, const char *k, const char *s) {
  if (s)
    jw_kstr(w, k, s);
}
void jw_kint(jsonw *w, const char *k, int64_t v) {
  jw_key(w, k);
  jw_int(w, v);
}
void jw_kuint(jsonw *w, const char *k, uint64_t v) {
  jw_key(w, k);
  jw_uint(w, v);
}
void jw_kbool(jsonw *w, const char *k, bool v) {
  jw_key(w, k);
  jw_bool(w, v);
}
void jw_kts(jsonw *w, const char *k, int64_t usec) {
  jw_key(w, k);
  jw_ts(w, usec);
}

void jw_flush_line(jsonw *w, FILE *f) {
  putc1(w, '\n');
  fwrite(w->buf, 1, w->len, f);
  jw_reset(w);
}
