/* dissector.h - the interface every protocol dissector implements.
 *
 * A dissector is pure: it receives the reassembled bytes of one TCP
 * connection, direction by direction and in wire order, each chunk with the
 * timestamp of the segment that carried it, plus notices of gaps (lost
 * bytes) and of the end.  It fills the ms_session record it was created with.
 * It never touches libpcap, the reassembly engine, JSON or files; whatever it
 * wants written (extracted messages) goes through the sink in its config.
 */
#ifndef MAILSCOPE_DISSECTOR_H
#define MAILSCOPE_DISSECTOR_H

#include <stddef.h>
#include <stdint.h>

#include "record.h"

struct ms_msg_sink; /* message.h: where extracted messages go */
struct ms_budget;   /* budget.h: the memory bound (--max-memory) */

typedef struct {
  size_t max_line;          /* longest line kept (longer: anomaly, cut) */
  size_t max_pipeline;      /* outstanding commands before an anomaly */
  size_t max_message_bytes; /* per-message memory bound of the message layer */
  int max_mime_depth;       /* message/rfc822 and multipart nesting */
  size_t max_mime_parts;    /* MIME parts listed per message */
  size_t max_headers;       /* header fields kept per MIME entity */
  size_t max_commands;      /* commands (and what they create: transactions,
                               retrieved messages, deletions) recorded per
                               session; transcript lines: 4 times as many */
  bool show_secrets;        /* keep passwords instead of "<redacted>" */
  bool transcript;          /* fill ms_session.transcript */
  bool full_bodies;         /* transcript: every body line, not a summary */
  const struct ms_msg_sink *sink; /* NULL: nothing extracted */
  /* What outlives one session (a cache) is charged here; what one session
   * holds, on its record (budget.h).  NULL: no bound. */
  struct ms_budget *budget;
} ms_dissect_config;

void ms_dissect_config_defaults(ms_dissect_config *cfg);

/* Result of on_data: whether the dissector wants more bytes. */
typedef enum {
  MS_CONTINUE = 0,
  MS_STOP /* e.g. after STARTTLS: the session layer only counts bytes now */
} ms_verdict;

typedef struct ms_dissector {
  const char *name; /* "smtp", "pop3" */
  ms_proto proto;
  /* Create state for a session; rec outlives the state. */
  void *(*create)(ms_session *rec, const ms_dissect_config *cfg);
  /* Bytes of one direction, in order.  n > 0. */
  ms_verdict (*on_data)(void *state, ms_dir dir, const uint8_t *data, size_t n,
                        ms_ts ts);
  /* n bytes of direction dir are missing before the next on_data. */
  void (*on_gap)(void *state, ms_dir dir, uint64_t n, ms_ts ts);
  /* The connection ended (rec->end says how): flush partial lines, mark
   * truncated messages, abort open transactions. */
  void (*on_close)(void *state, ms_ts ts);
  void (*destroy)(void *state);
} ms_dissector;

extern const ms_dissector ms_smtp_dissector;
extern const ms_dissector ms_pop3_dissector;

/* The dissector for a protocol, or NULL. */
const ms_dissector *ms_dissector_for(ms_proto proto);

#endif
