/* report_part.c - the report's parts: temporary files of rendered sessions
 * (report.h), written as sessions end and read back, in reporting order,
 * when the page is written (report_page.c).
 *
 * A frame is a part_frame header, the row JSON and the detail JSON (both
 * already safe inside <script>, report_text.h).  A part's last frame has
 * last = 1 and carries the writer's ms_stats as its row. */
#include "report_part.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "vec.h"

typedef struct {
  uint64_t order_end, order_start;
  int64_t ts, end_ts;
  uint32_t order_phase, last;
  uint64_t row_len, detail_len;
} part_frame;

struct ms_report_part {
  FILE *f;
  rr_ctx c;
  rt_buf row, detail;
  bool failed;
};

ms_report_part *report_part_on(FILE *f) {
  ms_report_part *w = xcalloc(1, sizeof *w);
  w->f = f;
  rr_init(&w->c);
  return w;
}

static void write_frame(ms_report_part *w, const part_frame *h, const void *row,
                        const void *detail) {
  if (fwrite(h, sizeof *h, 1, w->f) != 1 ||
      (h->row_len && fwrite(row, 1, h->row_len, w->f) != h->row_len) ||
      (h->detail_len &&
       fwrite(detail, 1, h->detail_len, w->f) != h->detail_len))
    w->failed = true;
}

/* Render with f into out, made script-safe. */
static void render(ms_report_part *w, rt_buf *out,
                   void (*f)(rr_ctx *, const ms_session *),
                   const ms_session *s) {
  jw_reset(&w->c.w);
  f(&w->c, s);
  out->len = 0;
  rt_script_safe(out, w->c.w.buf, w->c.w.len);
}

void report_part_add(ms_report_part *w, const ms_session *s) {
  render(w, &w->row, report_row, s);
  render(w, &w->detail, report_detail, s);
  part_frame h = {s->order_end, s->order_start, s->ts,
                  s->end_ts,    s->order_phase, 0,
                  w->row.len,   w->detail.len};
  write_frame(w, &h, w->row.buf, w->detail.buf);
}

static int part_free(ms_report_part *w) {
  if (fflush(w->f) != 0)
    w->failed = true;
  int rc = w->failed ? -1 : 0;
  rr_free(&w->c);
  rt_free(&w->row);
  rt_free(&w->detail);
  free(w);
  return rc;
}

int report_part_end(ms_report_part *w, const ms_stats *st) {
  ms_stats none;
  memset(&none, 0, sizeof none);
  part_frame h = {UINT64_MAX, UINT64_MAX, 0, 0, UINT32_MAX, 1, sizeof none, 0};
  write_frame(w, &h, st ? st : &none, NULL);
  return part_free(w);
}

void report_part_abandon(ms_report_part *w) { part_free(w); }

/* ---- reading ------------------------------------------------------------ */

typedef struct {
  const uint8_t *map;
  size_t size;
} mapping;

static int map_file(FILE *f, mapping *m) {
  struct stat st;
  m->map = NULL;
  m->size = 0;
  if (fflush(f) != 0 || fstat(fileno(f), &st) != 0)
    return -1;
  if (st.st_size == 0)
    return 0;
  void *p =
      mmap(NULL, (size_t)st.st_size, PROT_READ, MAP_PRIVATE, fileno(f), 0);
  if (p == MAP_FAILED)
    return -1;
  m->map = p;
  m->size = (size_t)st.st_size;
  return 0;
}

/* Index the frames of one part; false when it ends without its last frame
 * (a worker that died) or holds a cut frame. */
static bool index_part(const mapping *m, int part, report_frames *out,
                       ms_stats *st, bool *has_stats) {
  size_t pos = 0;
  uint64_t seq = 0;
  while (m->size - pos >= sizeof(part_frame)) {
    part_frame h;
    memcpy(&h, m->map + pos, sizeof h);
    pos += sizeof h;
    if (h.row_len > m->size - pos || h.detail_len > m->size - pos - h.row_len)
      return false;
    const char *row = (const char *)m->map + pos;
    pos += h.row_len + h.detail_len;
    if (h.last) {
      if (h.row_len == sizeof *st) {
        memcpy(st, row, sizeof *st);
        *has_stats = true;
      }
      return pos == m->size;
    }
    report_frame *f = vec_push(out);
    *f = (report_frame){h.order_end,     h.order_start, h.ts,
                        h.end_ts,        h.order_phase, part,
                        seq++,           row,           h.row_len,
                        row + h.row_len, h.detail_len};
  }
  return false;
}

static bool live_order;

static int cmp_u64(uint64_t a, uint64_t b) { return a < b ? -1 : a > b; }
static int cmp_i64(int64_t a, int64_t b) { return a < b ? -1 : a > b; }

static int by_order(const void *pa, const void *pb) {
  const report_frame *a = pa, *b = pb;
  int c = live_order ? cmp_i64(a->end_ts, b->end_ts)
                     : cmp_u64(a->order_end, b->order_end);
  if (!c)
    c = live_order ? cmp_i64(a->ts, b->ts)
                   : cmp_u64(a->order_phase, b->order_phase);
  if (!c && !live_order)
    c = cmp_u64(a->order_start, b->order_start);
  if (!c)
    c = a->part != b->part ? (a->part < b->part ? -1 : 1)
                           : cmp_u64(a->seq, b->seq);
  return c;
}

int report_parts_read(FILE *const *files, int n, bool live, report_read *out) {
  memset(out, 0, sizeof *out);
  out->maps = xcalloc((size_t)n, sizeof(mapping));
  out->nmaps = n;
  mapping *maps = out->maps;
  int rc = 0;
  for (int k = 0; k < n; k++) {
    ms_stats st;
    bool has = false;
    memset(&st, 0, sizeof st);
    if (map_file(files[k], &maps[k]) != 0 ||
        !index_part(&maps[k], k, &out->frames, &st, &has))
      rc = -1;
    if (has) {
      uint64_t packets = out->stats.packets, bytes = out->stats.bytes;
      ms_stats_add(&out->stats, &st);
      if (!live && k > 0) { /* every offline worker read every packet */
        out->stats.packets = packets;
        out->stats.bytes = bytes;
      }
    }
  }
  if (n > 1) {
    live_order = live;
    qsort(out->frames.items, out->frames.len, sizeof *out->frames.items,
          by_order);
  }
  return rc;
}

void report_parts_release(report_read *r) {
  mapping *maps = r->maps;
  for (int k = 0; k < r->nmaps; k++)
    if (maps[k].map)
      munmap((void *)maps[k].map, maps[k].size);
  free(maps);
  vec_free(&r->frames);
}
