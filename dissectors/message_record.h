/* message_record.h - the message object: what the message layer
 * (dissectors/message.c) fills for an SMTP DATA/BDAT body or a POP3
 * RETR/TOP response, and what emitters print as "message" (docs/json.md).
 * Owned by the transaction / POP3 message entry that points to it; freed by
 * ms_message_free().
 */
#ifndef MAILSCOPE_MESSAGE_RECORD_H
#define MAILSCOPE_MESSAGE_RECORD_H

#include <stdbool.h>
#include <stdint.h>

#include "vec.h"

typedef struct {
  char *name;    /* display name, decoded to UTF-8, or NULL */
  char *address; /* addr-spec, or NULL when unparseable */
} ms_address;

typedef VEC(ms_address) ms_addrvec;

typedef struct {
  char *from, *by, *via, *with, *id, *for_, *date, *ip;
  char *raw;  /* the unfolded header value */
  char *rdns; /* host name in the from clause's comment ("(rdns [ip])"),
                 used by the chain check; not emitted */
} ms_received;

typedef struct {
  char *filename;     /* decoded (RFC 2231 / 2047), NULL when none */
  char *content_type; /* "application/pdf" */
  char *disposition;  /* "attachment" / "inline" / NULL */
  char *encoding;     /* Content-Transfer-Encoding, lower case, or NULL */
  uint64_t bytes;     /* decoded size */
  char md5[33], sha1[41], sha256[65];
  int part;        /* index of the part in the part tree */
  char *extracted; /* --extract-dir: the file's name in DIR, or NULL */
} ms_attachment;

typedef struct {
  int index, parent, depth; /* parent -1 for the root */
  char *content_type, *charset, *encoding, *disposition, *filename;
  uint64_t bytes; /* decoded size of the body of this part */
} ms_part;

/* Received hops listed per message: past it, the first and the last half. */
#define MS_MAX_RECEIVED 100

typedef struct ms_message {
  uint64_t bytes;   /* octets of the message (after dot-unstuffing) */
  bool truncated;   /* the session ended before the end of the message */
  bool headers_cut; /* ... inside its own header section (not emitted) */
  char sha256[65];  /* of the whole message as transferred */
  char *extracted;  /* --extract-dir: the .eml file's name in DIR, or NULL */

  ms_addrvec from, to, cc, reply_to;
  char *subject, *date, *message_id, *in_reply_to, *references;
  char *user_agent; /* User-Agent or X-Mailer */
  char *x_originating_ip, *return_path;
  VEC(ms_received)
  received; /* top first; past MS_MAX_RECEIVED hops the
               first and the last half of them */
  /* How many each list held in the message, kept or not (the lists keep
   * at most MS_MAX_LIST addresses, MS_MAX_RECEIVED hops): emitted where
   * more were seen than kept. */
  struct {
    uint64_t from, to, cc, reply_to, received;
  } totals;
  char *content_type;
  VEC(ms_part) parts;
  VEC(ms_attachment) attachments;
  ms_addrvec bcc;   /* SMTP: envelope recipients no To/Cc names */
  strvec anomalies; /* names of message-level findings; the detail goes to
                       the session's anomaly list */
} ms_message;

ms_message *ms_message_new(void);
void ms_message_free(ms_message *m);

#endif
