/* msg_fixture.h - run the message layer (message.h) over a text in unit
 * tests: the text is fed in pieces of `chunk` bytes (0: whole) so that
 * every cut can be checked. */
#ifndef MAILSCOPE_TEST_MSG_FIXTURE_H
#define MAILSCOPE_TEST_MSG_FIXTURE_H

#include <stdbool.h>
#include <string.h>

#include "message.h"
#include "record.h"

/* The message in text, parsed with the default limits but
 * --max-message-bytes max_bytes (0: the default). */
static inline ms_message *parse_max(ms_session *s, const char *text,
                                    size_t chunk, size_t max_bytes) {
  ms_dissect_config cfg;
  ms_dissect_config_defaults(&cfg);
  if (max_bytes)
    cfg.max_message_bytes = max_bytes;
  ms_message *m = ms_message_new();
  ms_msg_parser *p = ms_msg_begin(s, m, &cfg, "t1", 0);
  size_t n = strlen(text);
  if (!chunk)
    chunk = n ? n : 1;
  for (size_t off = 0; off < n; off += chunk)
    ms_msg_feed(p, (const uint8_t *)text + off,
                n - off < chunk ? n - off : chunk, 0);
  ms_msg_end(p, false, 0);
  return m;
}

static inline ms_message *parse(ms_session *s, const char *text, size_t chunk) {
  return parse_max(s, text, chunk, 0);
}

static inline bool has_anomaly(const ms_session *s, const char *name) {
  for (size_t i = 0; i < s->anomalies.len; i++)
    if (!strcmp(s->anomalies.items[i].name, name))
      return true;
  return false;
}

#endif
