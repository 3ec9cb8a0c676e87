/* msg_output.c - where the decoded bytes of a MIME part go (see
 * msg_output.h). */
#include "msg_output.h"

#include <stdlib.h>
#include <string.h>

#include "message_int.h"
#include "vec.h"

/* The message's own bytes held back for hashing (see ms_msg_feed) go in
 * with an attachment's decoded bytes: the two hash side by side. */
static void hash_with_held(ms_msg_parser *p, part_output *o, const uint8_t *d,
                           size_t n) {
  if (!p->hash) { /* a parser of an encoded message/rfc822 part */
    ms_hash_update(o->hash, d, n);
    return;
  }
  ms_hash_update2(o->hash, d, n, p->hash, p->held, p->held_len);
  p->held_len = 0;
}

void msg_output_flush(ms_msg_parser *p, part_output *o) {
  if (!o->batch_len)
    return;
  hash_with_held(p, o, o->batch, o->batch_len);
  if (o->file && p->cfg->sink)
    p->cfg->sink->write(o->file, o->batch, o->batch_len);
  o->batch_len = 0;
}

void msg_output_write(ms_msg_parser *p, part_output *o, const uint8_t *d,
                      size_t n) {
  if (o->part >= 0)
    p->out->parts.items[o->part].bytes += n;
  if (o->attachment < 0)
    return;
  p->out->attachments.items[o->attachment].bytes += n;
  if (o->batch_len + n > OUTPUT_BATCH)
    msg_output_flush(p, o);
  if (n >= OUTPUT_BATCH) { /* large runs go straight through */
    hash_with_held(p, o, d, n);
    if (o->file && p->cfg->sink)
      p->cfg->sink->write(o->file, d, n);
    return;
  }
  memcpy(o->batch + o->batch_len, d, n);
  o->batch_len += n;
}

/* Part `part` is an attachment: list it, start its digests and file. */
void msg_output_attach(ms_msg_parser *p, part_output *o, int part) {
  const ms_part *pt = &p->out->parts.items[part];
  ms_record_room(p->s, 128 + text_len(pt->filename), p->ts); /* as its part */
  ms_attachment *a = vec_push(&p->out->attachments);
  a->filename = pt->filename ? xstrdup(pt->filename) : NULL;
  a->content_type = xstrdup(pt->content_type);
  a->disposition = pt->disposition ? xstrdup(pt->disposition) : NULL;
  a->encoding = pt->encoding ? xstrdup(pt->encoding) : NULL;
  a->part = part;
  o->attachment = (int)p->out->attachments.len - 1;
  o->hash = ms_hash_new(true);
  ms_hash_add_sha1(o->hash);
  o->batch = p->spare_batch ? p->spare_batch : xmalloc(OUTPUT_BATCH);
  p->spare_batch = NULL;
  o->batch_len = 0;
  o->file = NULL;
  if (p->cfg->sink)
    o->file = p->cfg->sink->open(p->cfg->sink->ctx, p->s, p->label, "att",
                                 o->attachment, a->filename);
}

/* The name an extracted file got, asked before it is closed (NULL when it
 * could not be written: the sink removed it). */
char *msg_extracted_name(const ms_msg_sink *sink, void *file) {
  const char *name = file && sink->name ? sink->name(file) : NULL;
  return name ? xstrdup(name) : NULL;
}

void msg_output_close(ms_msg_parser *p, part_output *o) {
  if (o->attachment >= 0) {
    msg_output_flush(p, o);
    if (!p->spare_batch)
      p->spare_batch = o->batch;
    else
      free(o->batch);
    o->batch = NULL;
    ms_attachment *a = &p->out->attachments.items[o->attachment];
    ms_hash_final3(o->hash, a->md5, a->sha1, a->sha256);
    o->hash = NULL;
    if (o->file && p->cfg->sink) {
      a->extracted = msg_extracted_name(p->cfg->sink, o->file);
      p->cfg->sink->close(o->file);
    }
    o->file = NULL;
  }
  o->part = o->attachment = -1;
}
