/* msg_headers.h - the lists of a message's own header block, kept within
 * their limits without losing either end or the count:
 * - address headers: every mailbox counted, the first MS_MAX_LIST kept; a
 *   value the header block limit cut loses its last mailbox (it may be cut
 *   in the middle) rather than keep a cut address;
 * - Received: past MS_MAX_RECEIVED hops the first and the last half are
 *   kept (the bottom one is the origin: Zeek's first_received);
 * - unstructured text (Subject, User-Agent) decoded when the block is read
 *   to its end, in the charset it declared (msg_words.c).
 * The caller raises the anomalies (message.c). */
#ifndef MAILSCOPE_MSG_HEADERS_H
#define MAILSCOPE_MSG_HEADERS_H

#include <stdbool.h>
#include <stdint.h>

#include "message_record.h"

/* Appends the mailboxes of `raw` to v and adds their number to *total;
 * false when some were not kept (v holds MS_MAX_LIST). */
bool headers_addresses(ms_addrvec *v, const char *raw, bool cut,
                       uint64_t *total);

/* One more Received header, top first; false when a hop in the middle of
 * the list had to leave it. */
bool headers_received(ms_message *m, const char *value);

/* The message's Subject and User-Agent, stored as read, decoded (charset:
 * the message's Content-Type charset, or NULL). */
void headers_decode_text(ms_message *m, const char *charset);

#endif
