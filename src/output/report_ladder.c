/* report_ladder.c - the session page's ladder as data: the transcript in
 * steps (one client line, one whole server reply, one notice), the
 * pipelined group of each command, SASL steps and redactions, and each
 * anomaly placed on the step of the line that raised it.
 *
 * Everything comes from what the dissector recorded per line: a server
 * reply runs from a line marked MS_TL_REPLY_START to one marked
 * MS_TL_REPLY_END (a record without those marks has each run of server
 * lines as one step), its class and code are the first line's.  An anomaly
 * belongs to the first shown line with its timestamp, else to the last
 * line before it; one later than every shown line goes after them. */
#include "report_render.h"

#include <stdlib.h>
#include <string.h>

#include "vec.h"

typedef struct {
  ms_ts ts;
  size_t step;
} placed_line;

typedef struct {
  rr_ctx *c;
  const ms_session *s;
  size_t steps, lines, hidden;
  bool open_reply; /* the last step is a server reply not yet ended */
  uint32_t group;  /* current pipelined group when the record has none */
  uint32_t groups;
  placed_line shown[RR_LADDER_MAX];
} ladder;

static const char *class_name(uint8_t rc) {
  static const char *const names[] = {"", "ok", "mid", "tmp", "err", "oth"};
  return rc <= MS_RC_OTHER ? names[rc] : "";
}

/* The pipelined group of a client line: the dissector's number, or one
 * counted here from the older group-start / pipelined marks. */
static uint32_t group_of(ladder *l, const ms_tline *t) {
  if (t->group)
    return t->group;
  if (t->flags & MS_TL_GROUP_START)
    l->group = 1000000 + ++l->groups;
  else if (!(t->flags & MS_TL_PIPELINED))
    l->group = 0;
  return l->group;
}

static void line_text(ladder *l, const ms_tline *t) {
  l->shown[l->lines].ts = t->ts;
  l->shown[l->lines].step = l->steps - 1;
  l->lines++;
  rr_str(l->c, t->text, RR_LINE_MAX);
}

static void step_begin(ladder *l, const ms_tline *t, const char *kind) {
  jsonw *w = &l->c->w;
  jw_obj_begin(w);
  jw_kstr(w, "k", kind);
  jw_kint(w, "t", t->ts - l->s->ts);
  l->steps++;
}

static void step_flags(ladder *l, unsigned flags) {
  jsonw *w = &l->c->w;
  if (flags & MS_TL_SASL)
    jw_kbool(w, "sasl", true);
  if (flags & MS_TL_REDACTED)
    jw_kbool(w, "red", true);
  if (flags & MS_TL_SUMMARY)
    jw_kbool(w, "sum", true);
}

/* The lines (and notes) of one step: line i and, for a reply, the lines
 * continuing it.  Returns the index of the last line used. */
static size_t step_lines(ladder *l, size_t i, bool reply, unsigned *flags) {
  const ms_session *s = l->s;
  jsonw *w = &l->c->w;
  size_t j = i, shown = 0;
  bool notes = false;
  jw_key(w, "x");
  jw_arr_begin(w);
  for (;;) {
    const ms_tline *t = &s->transcript.items[j];
    *flags |= t->flags;
    notes |= t->note != NULL;
    if (l->lines < RR_LADDER_MAX) {
      line_text(l, t);
      shown++;
    } else
      l->hidden++;
    const ms_tline *n = j + 1 < s->transcript.len ? t + 1 : NULL;
    if (!reply || (t->flags & MS_TL_REPLY_END) || !n || n->dir != MS_SERVER ||
        (n->flags &
         (MS_TL_REPLY_START | MS_TL_NOTICE | MS_TL_SUMMARY | MS_TL_BODY)))
      break;
    j++;
  }
  jw_arr_end(w);
  if (notes) { /* parallel to "x": the decoded text beside each line */
    jw_key(w, "n");
    jw_arr_begin(w);
    for (size_t k = i; k < i + shown; k++)
      rr_str(l->c, s->transcript.items[k].note, RR_LINE_MAX);
    jw_arr_end(w);
  }
  return j;
}

/* The lines of the step begun at line i, its marks, its end. */
static size_t step_end(ladder *l, size_t i, bool reply, bool marks) {
  unsigned flags = 0;
  size_t j = step_lines(l, i, reply, &flags);
  if (marks)
    step_flags(l, flags);
  jw_obj_end(&l->c->w);
  return j;
}

static size_t client_step(ladder *l, size_t i) {
  const ms_tline *t = &l->s->transcript.items[i];
  step_begin(l, t, "c");
  uint32_t g = group_of(l, t);
  if (g)
    jw_kuint(&l->c->w, "g", g);
  return step_end(l, i, false, true);
}

static size_t server_step(ladder *l, size_t i) {
  const ms_tline *t = &l->s->transcript.items[i];
  step_begin(l, t, "s");
  l->group = 0;
  const char *cls = class_name(t->reply_class);
  if (*cls)
    jw_kstr(&l->c->w, "cl", cls);
  if (t->code)
    jw_kuint(&l->c->w, "code", t->code);
  return step_end(l, i, !(t->flags & MS_TL_SUMMARY), true);
}

static size_t notice_step(ladder *l, size_t i) {
  step_begin(l, &l->s->transcript.items[i], "n");
  l->group = 0;
  return step_end(l, i, false, false);
}

static void steps(ladder *l) {
  const ms_session *s = l->s;
  jw_key(&l->c->w, "st");
  jw_arr_begin(&l->c->w);
  for (size_t i = 0; i < s->transcript.len; i++) {
    const ms_tline *t = &s->transcript.items[i];
    if (t->flags & MS_TL_BODY)
      continue;
    if (l->lines >= RR_LADDER_MAX) {
      l->hidden++;
      continue;
    }
    if (t->flags & MS_TL_NOTICE)
      i = notice_step(l, i);
    else if (t->dir == MS_CLIENT)
      i = client_step(l, i);
    else
      i = server_step(l, i);
  }
  jw_arr_end(&l->c->w);
}

/* The step an anomaly at ts belongs to (see the file comment): -1 before
 * the first line, l->steps after the last shown one. */
static long place(const ladder *l, ms_ts ts) {
  long before = -1;
  for (size_t i = 0; i < l->lines; i++) {
    if (l->shown[i].ts == ts)
      return (long)l->shown[i].step;
    if (l->shown[i].ts < ts)
      before = (long)l->shown[i].step;
  }
  if (l->lines && ts > l->shown[l->lines - 1].ts)
    return (long)l->steps;
  return before;
}

static void anomalies(ladder *l) {
  const ms_session *s = l->s;
  if (!s->anomalies.len)
    return;
  jsonw *w = &l->c->w;
  jw_key(w, "an");
  jw_arr_begin(w);
  for (size_t i = 0; i < s->anomalies.len; i++) {
    const ms_anomaly *a = &s->anomalies.items[i];
    jw_obj_begin(w);
    rr_kstr(l->c, "n", a->name, RR_CELL_MAX);
    jw_kint(w, "t", a->ts - s->ts);
    rr_kstr(l->c, "d", a->detail, RR_TEXT_MAX);
    jw_kint(w, "s", place(l, a->ts));
    jw_obj_end(w);
  }
  jw_arr_end(w);
}

void report_ladder(rr_ctx *c, const ms_session *s) {
  ladder *l = xcalloc(1, sizeof *l);
  l->c = c;
  l->s = s;
  jw_key(&c->w, "lad");
  jw_obj_begin(&c->w);
  steps(l);
  if (l->hidden)
    jw_kuint(&c->w, "hid", l->hidden);
  anomalies(l);
  if (s->anomalies_capped)
    jw_kbool(&c->w, "capped", true);
  jw_obj_end(&c->w);
  free(l);
}
