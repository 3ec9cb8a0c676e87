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

/* ---- where TLS begins: the seam between a dissector and the TLS layer ---
 *
 * The bytes decide, not the port.  The session layer looks at the first
 * bytes of each direction: a TLS record there is TLS from the first byte
 * (implicit TLS, on any port), and the dissector never sees that
 * direction's records.  Otherwise the dissector decodes, and it alone
 * knows when TLS may start: after a positive reply to STARTTLS/STLS, the
 * first TLS record of a direction ends that direction's protocol.  on_data
 * then returns MS_TLS with *used set to the bytes of the chunk that were
 * still the protocol's (a chunk may hold "220 ready\r\n" and the
 * ServerHello); the session layer hands the rest of the chunk, and every
 * later byte and gap of that direction, to its TLS layer.  The TLS layer
 * answers with on_tls() for that direction: MS_TLS_PLAINTEXT when it can
 * decrypt (keys from a key log): later on_data calls of that direction
 * carry the decrypted application data, and the protocol goes on as after
 * STARTTLS (the client says EHLO again; under implicit TLS the greeting
 * comes first); MS_TLS_OPAQUE when it cannot: nothing more of that
 * direction comes.  Bytes that are not a TLS record after the positive
 * reply are decoded as plaintext (a decrypted capture, a client that
 * never started TLS), with an anomaly. */

/* Result of on_data. */
typedef enum {
  MS_CONTINUE = 0, /* every byte was the protocol's: go on */
  MS_STOP,         /* nothing more to decode in either direction (not this
                      protocol): the session layer only counts bytes */
  MS_TLS           /* this direction is TLS from byte *used of the chunk */
} ms_verdict;

/* The TLS layer's word on a direction that went to TLS (on_tls). */
typedef enum {
  MS_TLS_PLAINTEXT, /* decrypted: on_data carries its plaintext from now */
  MS_TLS_OPAQUE     /* no keys: nothing more of this direction */
} ms_tls_state;

typedef struct ms_dissector {
  const char *name; /* "smtp", "pop3" */
  ms_proto proto;
  /* Create state for a session; rec outlives the state. */
  void *(*create)(ms_session *rec, const ms_dissect_config *cfg);
  /* Bytes of one direction, in order.  n > 0.  *used: the bytes of the
   * chunk that were the protocol's (n unless MS_TLS). */
  ms_verdict (*on_data)(void *state, ms_dir dir, const uint8_t *data, size_t n,
                        ms_ts ts, size_t *used);
  /* n bytes of direction dir are missing before the next on_data. */
  void (*on_gap)(void *state, ms_dir dir, uint64_t n, ms_ts ts);
  /* Direction dir went to TLS (MS_TLS, or TLS from its first byte): what
   * the TLS layer makes of it.  Called once per direction. */
  void (*on_tls)(void *state, ms_dir dir, ms_tls_state what, ms_ts ts);
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
