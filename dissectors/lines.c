/* lines.c - the line splitter shared by SMTP and POP3 (see lines.h). */
#include "lines.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "vec.h"

void line_reader_init(line_reader *lr, size_t max_line) {
  memset(lr, 0, sizeof *lr);
  lr->max_line = max_line ? max_line : 1;
}

void line_reader_free(line_reader *lr) {
  free(lr->buf);
  memset(lr, 0, sizeof *lr);
}

void line_reader_trim(line_reader *lr) {
  if (lr->len || !lr->buf)
    return;
  free(lr->buf);
  lr->buf = NULL;
  lr->cap = 0;
}

size_t line_reader_pending(const line_reader *lr) { return lr->len; }

/* Append up to the room left under max_line; the rest is dropped. */
static void keep_bytes(line_reader *lr, const uint8_t *p, size_t n) {
  /* One byte more than max_line, so that a CR before the LF still fits
   * (without overflowing when max_line is SIZE_MAX). */
  size_t room = 0;
  if (lr->len <= lr->max_line)
    room = lr->max_line - lr->len < SIZE_MAX ? lr->max_line - lr->len + 1
                                             : SIZE_MAX;
  if (n > room) {
    n = room;
    lr->cut = true;
  }
  if (n == 0)
    return;
  if (lr->len + n > lr->cap) {
    size_t ncap = lr->cap ? lr->cap : 256;
    while (ncap < lr->len + n)
      ncap *= 2;
    lr->buf = xrealloc(lr->buf, ncap);
    lr->cap = ncap;
  }
  memcpy(lr->buf + lr->len, p, n);
  lr->len += n;
}

static void strip_cr(ms_line *out) {
  out->bare_lf = true;
  if (out->len > 0 && out->data[out->len - 1] == '\r') {
    out->len--;
    out->bare_lf = false;
  }
}

bool line_reader_next(line_reader *lr, const uint8_t **cursor,
                      const uint8_t *end, ms_ts ts, ms_line *out) {
  const uint8_t *p = *cursor;
  while (p < end) {
    const uint8_t *nl = memchr(p, '\n', (size_t)(end - p));
    if (!nl) {
      if (lr->len == 0 && !lr->cut)
        lr->start_ts = ts;
      keep_bytes(lr, p, (size_t)(end - p));
      *cursor = end;
      return false;
    }
    memset(out, 0, sizeof *out);
    out->ts = ts;
    out->after_gap = lr->resync;
    lr->resync = false;
    if (lr->len == 0 && !lr->cut) {
      /* Whole line inside this segment: hand it out in place. */
      out->data = p;
      out->len = (size_t)(nl - p);
      strip_cr(out);
    } else {
      keep_bytes(lr, p, (size_t)(nl - p));
      out->data = lr->buf;
      out->len = lr->len;
      if (lr->cut)
        out->too_long = true;
      else
        strip_cr(out);
      lr->len = 0;
      lr->cut = false;
    }
    if (out->len > lr->max_line) {
      out->len = lr->max_line;
      out->too_long = true;
    }
    *cursor = nl + 1;
    return true;
  }
  *cursor = end;
  return false;
}

bool line_reader_flush(line_reader *lr, ms_ts ts, ms_line *out) {
  if (lr->len == 0 && !lr->cut)
    return false;
  memset(out, 0, sizeof *out);
  out->data = lr->buf;
  out->len = lr->len;
  out->ts = ts;
  out->partial = true;
  out->too_long = lr->cut;
  out->after_gap = lr->resync;
  lr->resync = false;
  if (out->len > lr->max_line) {
    out->len = lr->max_line;
    out->too_long = true;
  }
  lr->len = 0;
  lr->cut = false;
  return true;
}

bool line_reader_take_cut(line_reader *lr, ms_line *out) {
  if (!line_reader_flush(lr, lr->start_ts, out))
    return false;
  if (out->len && out->data[out->len - 1] == '\r')
    out->len--;
  return out->len > 0;
}

void line_reader_gap(line_reader *lr) {
  lr->len = 0;
  lr->cut = false;
  lr->resync = true;
}

void line_check_controls(ms_session *s, bool *warned, ms_dir dir,
                         const ms_line *l) {
  if (*warned)
    return;
  for (size_t i = 0; i < l->len; i++) {
    uint8_t c = l->data[i];
    if ((c < 0x20 && c != '\t') || c == 0x7f) {
      *warned = true;
      ms_add_anomaly(s, "control_characters", l->ts,
                     "a %s line holds the control byte 0x%02x at offset %zu",
                     dir == MS_CLIENT ? "client" : "server", c, i);
      return;
    }
  }
}
