/* msg_top.h - the message's own header fields into its record.
 *
 * msg_top_field() takes one unfolded field of a message's top-level header
 * block: From, To, Cc and Reply-To become address lists (at most
 * MS_MAX_LIST each, every one counted: msg_headers.c), Subject and
 * User-Agent/X-Mailer are kept as sent and decoded when the block ends
 * (headers_decode_text, in the block's charset), Date, Message-ID, In-Reply-To,
 * References, X-Originating-IP and Return-Path are kept as sent (the first of
 * each), Received hops are parsed (past 100, the first and the last 50); values
 * over MS_MAX_HEADER_VALUE are cut.  What it keeps counts against the record's
 * bound (record.h).  The limits it hits are raised once per message
 * (msg_limit).
 */
#ifndef MAILSCOPE_MSG_TOP_H
#define MAILSCOPE_MSG_TOP_H

#include <stdbool.h>

#include "message_record.h"
#include "record.h"

typedef struct {
  ms_session *s;
  ms_message *m;
  ms_ts ts;
  unsigned *limits_raised; /* bit per ms_limit, for this message */
} msg_top;

/* `cut`: the header block limit cut this field's value (an address list
 * then loses its last, maybe cut, mailbox). */
void msg_top_field(const msg_top *t, const char *name, char *value, bool cut);
/* Header text as UTF-8 (a new string): RFC 2047 words, and bytes that are
 * not UTF-8 read in `charset` (or NULL: windows-1252), msg_words.c. */
char *msg_decode_text(const char *raw, const char *charset);
/* Is `name` among the message's anomaly names? */
bool msg_listed(const ms_message *m, const char *name);
/* A limit hit: once per message (the bit in *raised), counted on the
 * session, named in the message's anomalies. */
void msg_limit(ms_session *s, ms_message *m, unsigned *raised, ms_ts ts,
               ms_limit which, const char *name, const char *fmt,
               const char *arg);

#endif
