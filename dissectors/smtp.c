/* smtp.c - PLACEHOLDER until the SMTP dissector lands: records every line of
 * the session in the transcript, nothing more. */
#include <stdlib.h>

#include "dissector.h"
#include "lines.h"

typedef struct {
  ms_session *rec;
  const ms_dissect_config *cfg;
  line_reader lines[2];
} smtp_state;

static void *smtp_create(ms_session *rec, const ms_dissect_config *cfg) {
  smtp_state *st = xcalloc(1, sizeof *st);
  st->rec = rec;
  st->cfg = cfg;
  line_reader_init(&st->lines[0], cfg->max_line);
  line_reader_init(&st->lines[1], cfg->max_line);
  return st;
}

static ms_verdict smtp_data(void *state, ms_dir dir, const uint8_t *data,
                          size_t n, ms_ts ts) {
  smtp_state *st = state;
  const uint8_t *cur = data, *end = data + n;
  ms_line line;
  while (line_reader_next(&st->lines[dir], &cur, end, ts, &line))
    if (st->cfg->transcript)
      ms_add_tline(st->rec, ts, dir, 0, line.data, line.len, NULL);
  return MS_CONTINUE;
}

static void smtp_gap(void *state, ms_dir dir, uint64_t n, ms_ts ts) {
  smtp_state *st = state;
  (void)n;
  (void)ts;
  line_reader_gap(&st->lines[dir]);
}

static void smtp_close(void *state, ms_ts ts) { (void)state; (void)ts; }

static void smtp_destroy(void *state) {
  smtp_state *st = state;
  line_reader_free(&st->lines[0]);
  line_reader_free(&st->lines[1]);
  free(st);
}

const ms_dissector ms_smtp_dissector = {
    "smtp", MS_PROTO_SMTP, smtp_create, smtp_data, smtp_gap, smtp_close,
    smtp_destroy};
