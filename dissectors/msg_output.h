/* msg_output.h - where the decoded bytes of a MIME part go (message.c).
 *
 * A leaf part's decoded bytes (or a message/rfc822 part's lines) count
 * towards its size in the part tree; an attachment's are also listed in
 * out->attachments, digested (md5, sha1, sha256, hashed beside the held
 * message bytes: see ms_msg_feed) and written through the sink, in batches
 * of OUTPUT_BATCH bytes.  Not a public header: message_int.h's parser.
 */
#ifndef MAILSCOPE_MSG_OUTPUT_H
#define MAILSCOPE_MSG_OUTPUT_H

#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "digest.h"
#include "message.h"

/* Where the decoded bytes of one part go: its size in the part tree and,
 * for an attachment, its size, digests and the sink. */
typedef struct {
  int part;       /* index in out->parts, -1 none */
  int attachment; /* index in out->attachments, -1 none */
  ms_hash *hash;  /* md5 and sha256 of the decoded bytes */
  void *file;     /* sink handle */
  /* decoded bytes are digested and written in batches: a base64 line is
   * 57 bytes, and per-call digest and write costs dominated at that size */
  uint8_t *batch;
  size_t batch_len;
} part_output;

#define OUTPUT_BATCH 16384
#define HELD_BYTES 8192 /* message bytes held to hash with a batch */

/* What listing a text costs the record (record.h), 0 for none. */
static inline size_t text_len(const char *t) { return t ? strlen(t) : 0; }

void msg_output_write(ms_msg_parser *p, part_output *o, const uint8_t *d,
                      size_t n);
void msg_output_flush(ms_msg_parser *p, part_output *o);
/* Part `part` is an attachment: list it, start its digests and file. */
void msg_output_attach(ms_msg_parser *p, part_output *o, int part);
/* Flush, finish the digests, close the file; o is then no part (-1). */
void msg_output_close(ms_msg_parser *p, part_output *o);
/* The name an extracted file got, asked before it is closed (NULL when it
 * could not be written: the sink removed it).  Allocated. */
char *msg_extracted_name(const ms_msg_sink *sink, void *file);

#endif
