/* fileshare.c - capture files read once for every worker (fileshare.h). */
#include "fileshare.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "decompress.h"

/* The chunks of one file: START (value: the magic, flags: compressed) or
 * OPEN_FAILED (err), then DATA..., then END or FAILED (err, msg). */
enum { CHUNK_START, CHUNK_OPEN_FAILED, CHUNK_DATA, CHUNK_END, CHUNK_FAILED };
enum { FILE_COMPRESSED = 1, FILE_DIRECT = 2 }; /* START's flags */

/* Publishes a chunk without data; false when no consumer is left. */
static bool say(ms_ring *ring, uint32_t index, uint32_t kind, int err,
                uint32_t value, uint32_t flags, const char *msg) {
  ms_chunk_info *info;
  if (!ms_ring_claim(ring, &info))
    return false;
  info->tag = index;
  info->kind = kind;
  info->err = err;
  info->value = value;
  info->flags = flags;
  snprintf(info->msg, sizeof info->msg, "%s", msg ? msg : "");
  ms_ring_publish(ring);
  return true;
}

/* The file's bytes, decompressed (fp) or as they are (fd).  false when no
 * consumer is left. */
static bool feed_bytes(ms_ring *ring, uint32_t index, FILE *fp, int fd,
                       bool (*stop)(void)) {
  off_t pos = 0;
  for (;;) {
    ms_chunk_info *info;
    uint8_t *d = ms_ring_claim(ring, &info);
    if (!d)
      return false;
    ssize_t n;
    int err = 0;
    if (fp) {
      n = (ssize_t)fread(d, 1, MS_RING_CHUNK, fp);
      if (n < (ssize_t)MS_RING_CHUNK && ferror(fp))
        err = errno ? errno : EIO;
    } else {
      do
        n = pread(fd, d, MS_RING_CHUNK, pos);
      while (n < 0 && errno == EINTR);
      if (n < 0)
        err = errno, n = 0;
    }
    info->tag = index;
    info->kind = CHUNK_DATA;
    info->len = (uint32_t)n;
    pos += n;
    if (n > 0)
      ms_ring_publish(ring);
    if (err) {
      const char *why = fp ? ms_decompress_error() : NULL;
      return say(ring, index, CHUNK_FAILED, err, 0, 0, why);
    }
    if (stop && stop())
      return false; /* the ring is closed mid-file: the workers stop */
    if (n == 0 || (fp && n < (ssize_t)MS_RING_CHUNK))
      return say(ring, index, CHUNK_END, 0, 0, 0, NULL);
  }
}

/* One file, opened as capture.c opens it.  false when no consumer is
 * left. */
static bool feed_file(ms_ring *ring, uint32_t index, const char *name,
                      ms_budget *budget, bool (*stop)(void)) {
  uint32_t magic = 0;
  FILE *fp = fopen(name, "rb");
  if (fp && fread(&magic, 1, 4, fp) != 4)
    magic = 0;
  if (fp && fseek(fp, 0, SEEK_SET) != 0) {
    int err = errno;
    fclose(fp);
    fp = NULL;
    errno = err;
  }
  ms_compression comp = fp ? ms_compression_of(magic) : MS_COMPRESSION_NONE;
  if (fp && comp != MS_COMPRESSION_NONE)
    fp = ms_decompressing(fp, comp, &magic, budget);
  if (!fp)
    return say(ring, index, CHUNK_OPEN_FAILED, errno, 0, 0, NULL);
  /* A plain file is read by each worker itself: measured, the workers'
   * own preads cost less than taking the bytes another core wrote (the
   * cache lines cross between the cores either way, and the parent's
   * copy comes on top).  Decompressing is what is worth doing once. */
  if (comp == MS_COMPRESSION_NONE) {
    fclose(fp);
    return say(ring, index, CHUNK_START, 0, magic, FILE_DIRECT, NULL);
  }
  bool more = say(ring, index, CHUNK_START, 0, magic, FILE_COMPRESSED, NULL) &&
              feed_bytes(ring, index, fp, -1, stop);
  fclose(fp);
  return more;
}

void fileshare_feed(ms_ring *ring, const strvec *files, ms_budget *budget,
                    bool (*stop)(void)) {
  /* Standard input is never shared: --workers reads it in one process. */
  for (size_t i = 0; i < files->len && !(stop && stop()); i++)
    if (!feed_file(ring, (uint32_t)i, files->items[i], budget, stop))
      break;
  ms_ring_close(ring);
}

/* The next chunk of the reader's file (the one held is given back). */
static const uint8_t *next_chunk(fileshare_reader *fr,
                                 const ms_chunk_info **info) {
  if (fr->held)
    ms_ring_release(fr->ring, fr->k);
  fr->held = false;
  const uint8_t *d = ms_ring_take(fr->ring, fr->k, info, fr->give_up);
  if (!d)
    return NULL;
  fr->held = true;
  if ((*info)->tag != fr->index)
    return NULL; /* not this file's: never, as both sides read in order */
  return d;
}

static ssize_t share_next(void *ctx, const uint8_t **p) {
  fileshare_reader *fr = ctx;
  if (fr->done)
    return 0;
  const ms_chunk_info *info;
  const uint8_t *d = next_chunk(fr, &info);
  if (!d) { /* the parent stopped, or we do: no more bytes */
    fr->done = true;
    errno = ECANCELED;
    return -1;
  }
  if (info->kind == CHUNK_DATA) {
    *p = d;
    return (ssize_t)info->len;
  }
  fr->done = true;
  if (info->kind == CHUNK_END)
    return 0;
  if (info->msg[0])
    ms_decompress_set_error(info->msg);
  errno = info->err ? info->err : EIO;
  return -1;
}

bool fileshare_begin(fileshare_reader *fr, ms_ring *ring, int k, uint32_t index,
                     bool (*give_up)(void)) {
  memset(fr, 0, sizeof *fr);
  fr->ring = ring;
  fr->k = k;
  fr->index = index;
  fr->give_up = give_up;
  ms_decompress_set_error(NULL);
  ms_stream_init(&fr->st, share_next, fr, 0);
  const ms_chunk_info *info;
  const uint8_t *d = next_chunk(fr, &info);
  if (!d || info->kind != CHUNK_START) {
    int err = d && info->kind == CHUNK_OPEN_FAILED && info->err ? info->err
              : d                                               ? EPIPE
                                                                : ECANCELED;
    fr->done = !d || info->kind == CHUNK_OPEN_FAILED;
    fileshare_end(fr);
    errno = err;
    return false;
  }
  fr->magic = info->value;
  fr->compressed = (info->flags & FILE_COMPRESSED) != 0;
  fr->direct = (info->flags & FILE_DIRECT) != 0;
  if (fr->direct) {
    fr->done = true;
    fileshare_end(fr);
  }
  return true;
}

void fileshare_end(fileshare_reader *fr) {
  const ms_chunk_info *info;
  while (!fr->done) {
    if (!next_chunk(fr, &info) || info->kind == CHUNK_END ||
        info->kind == CHUNK_FAILED)
      fr->done = true;
  }
  if (fr->held)
    ms_ring_release(fr->ring, fr->k);
  fr->held = false;
  ms_stream_free(&fr->st);
}
