/* message.c - PLACEHOLDER until the message layer lands (see message.h):
 * counts bytes only. */
#include "message.h"

#include <stdio.h>
#include <stdlib.h>

struct ms_msg_parser {
  ms_message *out;
};

ms_msg_parser *ms_msg_begin(ms_session *s, ms_message *out,
                            const ms_dissect_config *cfg, const char *label,
                            ms_ts ts) {
  (void)s, (void)cfg, (void)label, (void)ts;
  ms_msg_parser *p = xcalloc(1, sizeof *p);
  p->out = out;
  return p;
}

void ms_msg_feed(ms_msg_parser *p, const uint8_t *data, size_t n, ms_ts ts) {
  (void)data, (void)ts;
  p->out->bytes += n;
}

void ms_msg_end(ms_msg_parser *p, bool truncated, ms_ts ts) {
  (void)ts;
  p->out->truncated = truncated;
  free(p);
}

void ms_msg_check_envelope(ms_session *s, ms_message *m, const char *mail_from,
                           const strvec *rcpt_to, ms_ts ts) {
  (void)s, (void)m, (void)mail_from, (void)rcpt_to, (void)ts;
}

char *ms_msg_summary(const ms_message *m) {
  return xasprintf("[message: %llu bytes]", (unsigned long long)m->bytes);
}
