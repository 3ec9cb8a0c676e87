/* message.h - the streaming message layer (RFC 5322 + MIME).
 *
 * SMTP DATA/BDAT bodies and POP3 RETR/TOP responses are fed here as their
 * bytes arrive (after dot-unstuffing, line ends as transferred).  The parser
 * fills an ms_message: headers, Received path, MIME part tree, attachments
 * with decoded size, md5 and sha256.  Memory per message is bounded by
 * cfg->max_message_bytes however large the message is.  When cfg->sink is
 * set, the message (.eml) and each attachment (decoded) are written through
 * it; the sink (src/output/extract.c) decides file names and does the I/O.
 */
#ifndef MAILSCOPE_MESSAGE_H
#define MAILSCOPE_MESSAGE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "dissector.h"
#include "message_record.h"
#include "record.h"

/* Where extracted bytes go.  kind is "eml" for the message itself or "att"
 * for an attachment (index = its position in message->attachments, filename
 * as decoded from the wire, possibly NULL or hostile: the sink sanitises). */
typedef struct ms_msg_sink {
  void *ctx;
  void *(*open)(void *ctx, const ms_session *s, const char *label,
                const char *kind, int index, const char *filename);
  void (*write)(void *file, const uint8_t *p, size_t n);
  void (*close)(void *file);
  /* The name the file got, recorded as "extracted" (may be NULL). */
  const char *(*name)(void *file);
} ms_msg_sink;

typedef struct ms_msg_parser ms_msg_parser;

/* Start a message.  label names it in extracted files ("t1" for the first
 * SMTP transaction, "m3" for POP3 message 3).  out must stay valid until
 * ms_msg_end(). */
ms_msg_parser *ms_msg_begin(ms_session *s, ms_message *out,
                            const ms_dissect_config *cfg, const char *label,
                            ms_ts ts);
void ms_msg_feed(ms_msg_parser *p, const uint8_t *data, size_t n, ms_ts ts);
/* Finish (truncated: the session ended first) and free the parser. */
void ms_msg_end(ms_msg_parser *p, bool truncated, ms_ts ts);
/* The message is a preview cut on purpose (POP3 TOP n m): the multiparts
 * left open at its end are not mime_missing_end_boundary. */
void ms_msg_set_preview(ms_msg_parser *p);

/* SMTP: compare the envelope with the headers of a finished message: fills
 * m->bcc and raises envelope_from_mismatch and friends on the session. */
void ms_msg_check_envelope(ms_session *s, ms_message *m, const char *mail_from,
                           const strvec *rcpt_to, ms_ts ts);

/* One-line transcript summary, e.g.
 * [message: 5,123 bytes, Subject "Hello", 1 attachment "a.pdf"] */
char *ms_msg_summary(const ms_message *m);

#endif
