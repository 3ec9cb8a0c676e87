/* stream.c - views of a capture's bytes (see stream.h). */
#include "stream.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "vec.h"

void ms_stream_init(ms_stream *s, ms_stream_next_fn next, void *ctx,
                    uint64_t offset) {
  memset(s, 0, sizeof *s);
  s->next = next;
  s->ctx = ctx;
  s->view_offset = offset;
}

void ms_stream_free(ms_stream *s) {
  free(s->stitch);
  s->stitch = NULL;
}

/* The next view, the old one used up.  false at the end or on an error. */
static bool refill(ms_stream *s) {
  if (s->eof || s->err)
    return false;
  const uint8_t *p = NULL;
  ssize_t n;
  do {
    errno = 0;
    n = s->next(s->ctx, &p);
  } while (n < 0 && errno == EINTR);
  s->view_offset += s->len;
  s->view = NULL;
  s->pos = s->len = 0;
  if (n < 0) {
    s->err = errno ? errno : EIO;
    return false;
  }
  if (n == 0) {
    s->eof = true;
    return false;
  }
  s->view = p;
  s->len = (size_t)n;
  if (s->view_offset < MS_STREAM_HEAD) {
    size_t k = MS_STREAM_HEAD - (size_t)s->view_offset;
    memcpy(s->head + s->view_offset, p, k < s->len ? k : s->len);
  }
  return true;
}

size_t ms_stream_read(ms_stream *s, void *buf, size_t n) {
  size_t got = 0;
  while (got < n) {
    if (s->pos == s->len && !refill(s))
      break;
    size_t k = s->len - s->pos;
    if (k > n - got)
      k = n - got;
    memcpy((uint8_t *)buf + got, s->view + s->pos, k);
    s->pos += k;
    got += k;
  }
  return got;
}

size_t ms_stream_get_slow(ms_stream *s, size_t need, const uint8_t **p) {
  if (need > MS_STREAM_MAX_GET)
    need = MS_STREAM_MAX_GET;
  if (!s->stitch)
    s->stitch = xmalloc(MS_STREAM_MAX_GET);
  size_t got = ms_stream_read(s, s->stitch, need);
  *p = s->stitch;
  return got;
}

static ssize_t cookie_read(void *cookie, char *buf, size_t size) {
  ms_stream *s = cookie;
  size_t got = ms_stream_read(s, buf, size);
  if (got == 0 && s->err) {
    errno = s->err;
    return -1;
  }
  return (ssize_t)got;
}

static int cookie_seek(void *cookie, off64_t *offset, int whence) {
  ms_stream *s = cookie;
  if (whence != SEEK_CUR || *offset != 0)
    return -1; /* only "where are we" */
  *offset = (off64_t)ms_stream_offset(s);
  return 0;
}

FILE *ms_stream_fopen(ms_stream *s) {
  static const cookie_io_functions_t io = {cookie_read, NULL, cookie_seek,
                                           NULL};
  FILE *fp = fopencookie(s, "r", io);
  if (fp && setvbuf(fp, NULL, _IONBF, 0) != 0) {
    fclose(fp);
    return NULL;
  }
  return fp;
}
