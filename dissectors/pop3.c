/* pop3.c - PLACEHOLDER until the POP3 dissector lands: records every line of
 * the session in the transcript, nothing more. */
#include <stdlib.h>

#include "dissector.h"
#include "lines.h"

typedef struct {
  ms_session *rec;
  const ms_dissect_config *cfg;
  line_reader lines[2];
} pop3_state;

static void *pop3_create(ms_session *rec, const ms_dissect_config *cfg) {
  pop3_state *st = xcalloc(1, sizeof *st);
  st->rec = rec;
  st->cfg = cfg;
  line_reader_init(&st->lines[0], cfg->max_line);
  line_reader_init(&st->lines[1], cfg->max_line);
  return st;
}

static ms_verdict pop3_data(void *state, ms_dir dir, const uint8_t *data,
                          size_t n, ms_ts ts) {
  pop3_state *st = state;
  const uint8_t *cur = data, *end = data + n;
  ms_line line;
  while (line_reader_next(&st->lines[dir], &cur, end, ts, &line))
    if (st->cfg->transcript)
      ms_add_tline(st->rec, ts, dir, 0, line.data, line.len, NULL);
  return MS_CONTINUE;
}

static void pop3_gap(void *state, ms_dir dir, uint64_t n, ms_ts ts) {
  pop3_state *st = state;
  (void)n;
  (void)ts;
  line_reader_gap(&st->lines[dir]);
}

static void pop3_close(void *state, ms_ts ts) { (void)state; (void)ts; }

static void pop3_destroy(void *state) {
  pop3_state *st = state;
  line_reader_free(&st->lines[0]);
  line_reader_free(&st->lines[1]);
  free(st);
}

const ms_dissector ms_pop3_dissector = {
    "pop3", MS_PROTO_POP3, pop3_create, pop3_data, pop3_gap, pop3_close,
    pop3_destroy};
