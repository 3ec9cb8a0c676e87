/* msg_words.c - RFC 2047 encoded words and legacy header bytes (see
 * msg_words.h). */
#include "msg_words.h"

#include <ctype.h>
#include <errno.h>
#include <glib.h>
#include <iconv.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "msg_decode.h"
#include "vec.h"

typedef VEC(uint8_t) bytes;

static void put(bytes *b, const void *p, size_t n) {
  vec_reserve_raw((void **)&b->items, &b->cap, 1, b->len + n + 1);
  memcpy(b->items + b->len, p, n);
  b->len += n;
}

static void put_cp(bytes *b, uint32_t cp) {
  char u[8];
  put(b, u, (size_t)g_unichar_to_utf8(cp, u));
}

/* windows-1252 0x80-0x9F; 0: no character (the byte stays raw). */
static const uint16_t cp1252_c1[32] = {
    0x20AC, 0,      0x201A, 0x0192, 0x201E, 0x2026, 0x2020, 0x2021,
    0x02C6, 0x2030, 0x0160, 0x2039, 0x0152, 0,      0x017D, 0,
    0,      0x2018, 0x2019, 0x201C, 0x201D, 0x2022, 0x2013, 0x2014,
    0x02DC, 0x2122, 0x0161, 0x203A, 0x0153, 0,      0x017E, 0x0178};

static void put_cp1252(bytes *b, const uint8_t *p, size_t n) {
  for (size_t i = 0; i < n; i++) {
    uint8_t c = p[i];
    if (c < 0x80)
      put(b, &c, 1);
    else if (c >= 0xA0)
      put_cp(b, c);
    else if (cp1252_c1[c - 0x80])
      put_cp(b, cp1252_c1[c - 0x80]);
    else
      put(b, &c, 1); /* no character: a raw byte, escaped by emitters */
  }
}

/* Valid UTF-8 is kept; a C1 control in it (U+0080-U+009F) is what a
 * windows-1252 byte was mislabelled as: that character, or the raw byte. */
static void put_utf8_checked(bytes *b, const uint8_t *p, size_t n) {
  size_t i = 0;
  while (i < n) {
    if (p[i] < 0x80) {
      put(b, p + i++, 1);
      continue;
    }
    const gchar *s = (const gchar *)p + i;
    gunichar cp = g_utf8_get_char_validated(s, (gssize)(n - i));
    if (cp == (gunichar)-1 || cp == (gunichar)-2) {
      put(b, p + i++, 1); /* not UTF-8: raw */
      continue;
    }
    size_t len = (size_t)(g_utf8_next_char(s) - s);
    if (cp >= 0x80 && cp <= 0x9F) {
      uint8_t byte = (uint8_t)cp;
      put_cp1252(b, &byte, 1);
    } else {
      put(b, p + i, len);
    }
    i += len;
  }
}

/* Labels that mean windows-1252 to a mail client. */
static bool is_cp1252(const char *cs) {
  static const char *const labels[] = {
      "iso-8859-1", "iso8859-1", "iso_8859-1", "latin1",     "l1",
      "us-ascii",   "ascii",     "cp1252",     "x-cp1252",   "windows-1252",
      "cp819",      "ibm819",    "iso-ir-100", "csisolatin1"};
  for (size_t i = 0; i < sizeof labels / sizeof labels[0]; i++)
    if (!strcasecmp(cs, labels[i]))
      return true;
  return false;
}

static bool is_utf8_label(const char *cs) {
  return !strcasecmp(cs, "utf-8") || !strcasecmp(cs, "utf8");
}

/* Bytes in charset `cs` as UTF-8 (C1 controls never).  A byte the charset
 * cannot read stays raw; a charset iconv does not know reads as UTF-8
 * where the bytes are, else as windows-1252. */
static void put_converted(bytes *b, const uint8_t *p, size_t n,
                          const char *cs) {
  if (!n)
    return;
  if (!cs || is_cp1252(cs)) {
    if (!cs && g_utf8_validate((const gchar *)p, (gssize)n, NULL))
      put_utf8_checked(b, p, n);
    else
      put_cp1252(b, p, n);
    return;
  }
  if (is_utf8_label(cs)) {
    put_utf8_checked(b, p, n);
    return;
  }
  iconv_t cd = iconv_open("UTF-8", cs);
  if (cd == (iconv_t)-1) {
    put_converted(b, p, n, NULL);
    return;
  }
  bytes out = {0};
  char *in = (char *)p;
  size_t left = n;
  while (left) {
    vec_reserve_raw((void **)&out.items, &out.cap, 1, out.len + 4 * left + 16);
    char *o = (char *)out.items + out.len;
    size_t room = out.cap - out.len;
    size_t r = iconv(cd, &in, &left, &o, &room);
    out.len = (size_t)((uint8_t *)o - out.items);
    if (r == (size_t)-1 && errno != E2BIG && left) {
      put(&out, in, 1); /* a byte the charset cannot read: raw */
      in++;
      left--;
      iconv(cd, NULL, NULL, NULL, NULL);
    }
  }
  iconv_close(cd);
  put_utf8_checked(b, out.items, out.len);
  free(out.items);
}

/* ---- encoded words ------------------------------------------------------ */

typedef struct {
  const char *start, *end; /* the whole "=?...?=" */
  char charset[64];        /* without an RFC 2231 language */
  char enc;                /* 'B' or 'Q' */
  const char *text, *text_end;
} word;

/* An encoded word starting at p: "=?" charset "?" B|Q "?" text "?=",
 * without white space in it. */
static bool parse_word(const char *p, word *w) {
  if (p[0] != '=' || p[1] != '?')
    return false;
  const char *cs = p + 2, *q = cs;
  while (*q && *q != '?' && !isspace((unsigned char)*q))
    q++;
  if (*q != '?' || q == cs || q - cs >= (ptrdiff_t)sizeof w->charset)
    return false;
  char enc = (char)toupper((unsigned char)q[1]);
  if ((enc != 'B' && enc != 'Q') || q[2] != '?')
    return false;
  const char *text = q + 3, *t = text;
  while (*t && *t != '?' && !isspace((unsigned char)*t))
    t++;
  if (t[0] != '?' || t[1] != '=')
    return false;
  size_t cl = (size_t)(q - cs);
  memcpy(w->charset, cs, cl);
  w->charset[cl] = '\0';
  char *lang = strchr(w->charset, '*');
  if (lang)
    *lang = '\0';
  w->start = p;
  w->end = t + 2;
  w->enc = enc;
  w->text = text;
  w->text_end = t;
  return true;
}

static void collect(void *ctx, const uint8_t *p, size_t n) { put(ctx, p, n); }

static int hexval(char c) {
  if (c >= '0' && c <= '9')
    return c - '0';
  c = (char)toupper((unsigned char)c);
  return c >= 'A' && c <= 'F' ? c - 'A' + 10 : -1;
}

static void q_decode(bytes *b, const char *p, const char *end) {
  while (p < end) {
    int h, l;
    if (*p == '_') {
      put(b, " ", 1);
      p++;
    } else if (*p == '=' && end - p >= 3 && (h = hexval(p[1])) >= 0 &&
               (l = hexval(p[2])) >= 0) {
      uint8_t c = (uint8_t)(h << 4 | l);
      put(b, &c, 1);
      p += 3;
    } else {
      put(b, p++, 1);
    }
  }
}

/* A run of adjacent encoded words of one charset: their bytes, decoded as
 * one (a base64 stream goes on across words, so a quantum or a character
 * split between two words comes out whole). */
typedef struct {
  bytes raw;
  char charset[64];
  bool open;
  b64_stream b64;
} run;

static void run_flush(run *r, bytes *out) {
  if (r->open)
    put_converted(out, r->raw.items, r->raw.len, r->charset);
  r->raw.len = 0;
  r->open = false;
}

static void run_add(run *r, const word *w, bytes *out) {
  if (r->open && strcasecmp(r->charset, w->charset))
    run_flush(r, out);
  if (!r->open) {
    strcpy(r->charset, w->charset);
    b64_stream_init(&r->b64);
    r->open = true;
  }
  if (w->enc == 'B')
    b64_stream_feed(&r->b64, (const uint8_t *)w->text,
                    (size_t)(w->text_end - w->text), collect, &r->raw);
  else
    q_decode(&r->raw, w->text, w->text_end);
}

static bool only_space(const char *p, const char *end) {
  for (; p < end; p++)
    if (!isspace((unsigned char)*p))
      return false;
  return true;
}

/* Text outside encoded words: UTF-8 when it is (RFC 6532), else read in
 * the declared charset (or windows-1252). */
static void put_text(bytes *b, const char *p, size_t n, const char *cs) {
  if (g_utf8_validate(p, (gssize)n, NULL))
    put_utf8_checked(b, (const uint8_t *)p, n);
  else
    put_converted(b, (const uint8_t *)p, n, cs);
}

char *words_decode(const char *raw, const char *charset) {
  bytes out = {0};
  run r = {0};
  const char *p = raw, *text = raw; /* text: start of plain text not put */
  bool after_word = false;
  while (*p) {
    word w;
    if (!(p[0] == '=' && p[1] == '?' && parse_word(p, &w))) {
      p++;
      continue;
    }
    /* white space between two encoded words is not text */
    if (!(after_word && only_space(text, p))) {
      run_flush(&r, &out);
      put_text(&out, text, (size_t)(p - text), charset);
    }
    run_add(&r, &w, &out);
    p = text = w.end;
    after_word = true;
  }
  run_flush(&r, &out);
  put_text(&out, text, (size_t)(p - text), charset);
  free(r.raw.items);
  put(&out, "", 1);
  return (char *)out.items;
}

/* ---- display names ------------------------------------------------------ */

/* The display name before "<addr>" in raw[from, at): after the separator
 * of the previous mailbox and a group's "name:", trimmed, unquoted. */
static char *phrase_before(const char *from, const char *at) {
  const char *s = from;
  bool quoted = false;
  for (const char *q = from; q < at; q++) { /* the last ',' or ':' outside "" */
    if (*q == '"' && (q == from || q[-1] != '\\'))
      quoted = !quoted;
    else if (!quoted && (*q == ',' || *q == ':' || *q == ';'))
      s = q + 1;
  }
  const char *e = at;
  while (s < e && isspace((unsigned char)*s))
    s++;
  while (e > s && isspace((unsigned char)e[-1]))
    e--;
  if (e - s >= 2 && *s == '"' && e[-1] == '"') {
    s++, e--;
    char *out = xmalloc((size_t)(e - s) + 1), *o = out;
    for (; s < e; s++) {
      if (*s == '\\' && s + 1 < e)
        s++;
      *o++ = *s;
    }
    *o = '\0';
    return out;
  }
  return xstrndup(s, (size_t)(e - s));
}

void words_fix_names(const char *raw, ms_addrvec *v, size_t from) {
  const char *cursor = raw;
  for (size_t i = from; i < v->len; i++) {
    ms_address *a = &v->items[i];
    if (!a->address)
      continue;
    char *needle = xasprintf("<%s>", a->address);
    const char *at = strstr(cursor, needle);
    free(needle);
    if (!at)
      continue;
    char *phrase = phrase_before(cursor, at);
    cursor = at + strlen(a->address) + 2;
    if (strstr(phrase, "=?") || !g_utf8_validate(phrase, -1, NULL)) {
      char *name = words_decode(phrase, NULL);
      free(a->name);
      a->name = *name ? name : NULL;
      if (!a->name)
        free(name);
    }
    free(phrase);
  }
}
