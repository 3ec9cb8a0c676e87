/* stream.h - a capture file's bytes in order, handed out in place.
 *
 * The seam between where a capture's bytes come from (pread(2) of a
 * regular file, or the chunks --workers' parent read once into shared
 * memory, fileshare.h) and the record parsers (pcapfile.c, and through a
 * stdio stream libpcap and pcapng.c).  A source gives views: next() puts
 * its next bytes at *p, valid until it is called again, and returns their
 * count, 0 at the end, -1 on an error (errno set).  ms_stream_get() hands
 * out `need` bytes in place while a view holds them, and copies a record
 * that straddles views into a buffer of its own.
 */
#ifndef MAILSCOPE_STREAM_H
#define MAILSCOPE_STREAM_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <sys/types.h>

#define MS_STREAM_HEAD 24 /* the first bytes are kept: a file header */
/* The most ms_stream_get() can be asked for at once. */
#define MS_STREAM_MAX_GET ((256u << 10) + 64)

typedef ssize_t (*ms_stream_next_fn)(void *ctx, const uint8_t **p);

typedef struct {
  ms_stream_next_fn next;
  void *ctx;
  const uint8_t *view;
  size_t pos, len;      /* view[pos..len) not yet handed out */
  uint64_t view_offset; /* the stream offset of view[0] */
  bool eof;
  int err;                      /* errno of the failed next(), or 0 */
  uint8_t head[MS_STREAM_HEAD]; /* the stream's first bytes */
  uint8_t *stitch;              /* a record across views, copied */
} ms_stream;

/* `offset`: the stream offset of the first byte next() gives. */
void ms_stream_init(ms_stream *s, ms_stream_next_fn next, void *ctx,
                    uint64_t offset);
void ms_stream_free(ms_stream *s);

size_t ms_stream_get_slow(ms_stream *s, size_t need, const uint8_t **p);

/* Up to need (<= MS_STREAM_MAX_GET) bytes, consumed: *p points at them,
 * valid until the next call.  Fewer only at the end or after an error. */
static inline size_t ms_stream_get(ms_stream *s, size_t need,
                                   const uint8_t **p) {
  if (s->len - s->pos >= need) {
    *p = s->view + s->pos;
    s->pos += need;
    return need;
  }
  return ms_stream_get_slow(s, need, p);
}

/* Copies up to n bytes out; fewer only at the end or after an error. */
size_t ms_stream_read(ms_stream *s, void *buf, size_t n);

/* Bytes consumed so far (the stream offset of the next byte). */
static inline uint64_t ms_stream_offset(const ms_stream *s) {
  return s->view_offset + s->pos;
}

/* An unbuffered stdio stream over s (reads only; ftell answers the
 * offset), so that libpcap or pcapng.c read exactly the bytes they ask for
 * and s continues after them.  fclose() leaves s open. */
FILE *ms_stream_fopen(ms_stream *s);

#endif
