/* decompress.c - gzip, zstd and xz captures as plain streams (see
 * decompress.h). */
#include "decompress.h"

#include <errno.h>
#include <lzma.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <zlib.h>
#include <zstd.h>
#include <zstd_errors.h>

#include "vec.h"

#define CHUNK (128u << 10)

typedef struct {
  FILE *raw;
  ms_compression kind;
  uint8_t in[CHUNK], out[CHUNK];
  size_t in_len, in_pos;   /* compressed bytes read, and used */
  size_t out_len, out_pos; /* decompressed bytes ready, and handed out */
  bool raw_eof, in_frame;  /* in_frame: a member/frame/stream is open */
  bool failed;
  off64_t delivered;
  ms_budget *budget;
  uint64_t memlimit; /* for the library's state and window; 0: none */
  size_t charged;    /* what the budget was charged */
  size_t frame_at;   /* zstd: where in in[] the open frame began */
  z_stream z;
  ZSTD_DStream *zs;
  lzma_stream lz;
} dstream;

static char last_error[256];

const char *ms_decompress_error(void) {
  return last_error[0] ? last_error : NULL;
}

void ms_decompress_set_error(const char *why) {
  snprintf(last_error, sizeof last_error, "%s", why ? why : "");
}

ms_compression ms_compression_of(uint32_t magic) {
  uint8_t b[4];
  memcpy(b, &magic, 4);
  if (b[0] == 0x1f && b[1] == 0x8b)
    return MS_COMPRESSION_GZIP;
  if (b[0] == 0x28 && b[1] == 0xb5 && b[2] == 0x2f && b[3] == 0xfd)
    return MS_COMPRESSION_ZSTD;
  if (b[0] == 0xfd && b[1] == '7' && b[2] == 'z' && b[3] == 'X')
    return MS_COMPRESSION_XZ;
  return MS_COMPRESSION_NONE;
}

const char *ms_compression_name(ms_compression c) {
  switch (c) {
  case MS_COMPRESSION_GZIP:
    return "gzip";
  case MS_COMPRESSION_ZSTD:
    return "zstd";
  case MS_COMPRESSION_XZ:
    return "xz";
  default:
    return "none";
  }
}

static void fail(dstream *d, const char *what) {
  d->failed = true;
  snprintf(last_error, sizeof last_error, "%s data %s",
           ms_compression_name(d->kind), what);
}

/* A stream that needs more memory than the bound leaves it: refused. */
static void too_big(dstream *d, const char *what, uint64_t need) {
  d->failed = true;
  char needs[48] = "more";
  if (need)
    snprintf(needs, sizeof needs, "%llu MiB",
             (unsigned long long)((need + (1 << 20) - 1) >> 20));
  snprintf(last_error, sizeof last_error,
           "%s data needs %s of memory for its %s, more than the %llu MiB "
           "--max-memory leaves the decompressor (half of it): refused",
           ms_compression_name(d->kind), needs, what,
           (unsigned long long)(d->memlimit >> 20));
}

/* What the library holds now, charged to the budget.  (After a refusal
 * liblzma's memusage is what it would have needed, not what it holds.) */
static void recharge(dstream *d) {
  size_t now = sizeof *d;
  if (d->failed)
    ;
  else if (d->kind == MS_COMPRESSION_ZSTD)
    now += ZSTD_sizeof_DStream(d->zs);
  else if (d->kind == MS_COMPRESSION_XZ)
    now += (size_t)lzma_memusage(&d->lz);
  else
    now += (7 << 10) + (32 << 10); /* inflate: its state, a 32 KiB window */
  ms_budget_recharge(d->budget, MS_MEM_DECOMPRESS, d->charged, now);
  d->charged = now;
}

/* More compressed input when all of it was used; false at its end. */
static bool refill(dstream *d) {
  if (d->in_pos < d->in_len)
    return true;
  if (d->raw_eof)
    return false;
  d->in_len = fread(d->in, 1, sizeof d->in, d->raw);
  d->in_pos = 0;
  if (d->in_len == 0) {
    d->raw_eof = true;
    if (ferror(d->raw))
      fail(d, "could not be read");
    return false;
  }
  return true;
}

/* One decompression step from in[in_pos..] into out[out_len..]. */
static void step_gzip(dstream *d) {
  z_stream *z = &d->z;
  if (!d->in_frame) {
    if (d->in[d->in_pos] != 0x1f) { /* padding after the last member */
      d->in_pos = d->in_len;
      d->raw_eof = true;
      return;
    }
    if (inflateReset(z) != Z_OK) {
      fail(d, "cannot be decompressed");
      return;
    }
    d->in_frame = true;
  }
  z->next_in = d->in + d->in_pos;
  z->avail_in = (uInt)(d->in_len - d->in_pos);
  z->next_out = d->out + d->out_len;
  z->avail_out = (uInt)(sizeof d->out - d->out_len);
  int rc = inflate(z, Z_NO_FLUSH);
  d->in_pos = d->in_len - z->avail_in;
  d->out_len = sizeof d->out - z->avail_out;
  if (rc == Z_STREAM_END)
    d->in_frame = false; /* another member may follow */
  else if (rc != Z_OK && rc != Z_BUF_ERROR)
    fail(d, z->msg ? "is corrupt" : "cannot be decompressed");
}

/* The window a zstd frame header asks for (RFC 8878 3.1.1.1.2), 0 when
 * it cannot be read here. */
static uint64_t zstd_window(const uint8_t *p, size_t n) {
  if (n < 6 || (p[4] & 0x20)) /* single segment: the content size */
    return 0;
  unsigned exponent = p[5] >> 3, mantissa = p[5] & 7;
  uint64_t base = 1ULL << (10 + exponent);
  return base + base / 8 * mantissa;
}

static void step_zstd(dstream *d) {
  if (!d->in_frame)
    d->frame_at = d->in_pos;
  ZSTD_inBuffer in = {d->in, d->in_len, d->in_pos};
  ZSTD_outBuffer out = {d->out, sizeof d->out, d->out_len};
  size_t rc = ZSTD_decompressStream(d->zs, &out, &in);
  d->in_pos = in.pos;
  d->out_len = out.pos;
  if (ZSTD_isError(rc) &&
      ZSTD_getErrorCode(rc) == ZSTD_error_frameParameter_windowTooLarge)
    too_big(d, "window",
            zstd_window(d->in + d->frame_at, d->in_len - d->frame_at));
  else if (ZSTD_isError(rc))
    fail(d, "is corrupt");
  else
    d->in_frame = rc != 0; /* 0: a frame ended */
}

static void step_xz(dstream *d) {
  lzma_stream *lz = &d->lz;
  lz->next_in = d->in + d->in_pos;
  lz->avail_in = d->in_len - d->in_pos;
  lz->next_out = d->out + d->out_len;
  lz->avail_out = sizeof d->out - d->out_len;
  lzma_ret rc = lzma_code(lz, d->raw_eof ? LZMA_FINISH : LZMA_RUN);
  d->in_pos = d->in_len - lz->avail_in;
  d->out_len = sizeof d->out - lz->avail_out;
  d->in_frame = rc != LZMA_STREAM_END;
  if (rc == LZMA_MEMLIMIT_ERROR)
    too_big(d, "dictionary", lzma_memusage(lz));
  else if (rc != LZMA_OK && rc != LZMA_STREAM_END && rc != LZMA_BUF_ERROR)
    fail(d, "is corrupt");
}

/* Decompressed bytes into out[] (false: none came, at the end or after a
 * failure). */
static bool produce(dstream *d) {
  d->out_len = d->out_pos = 0;
  while (d->out_len == 0 && !d->failed) {
    bool more = refill(d);
    if (!more && d->failed)
      break;
    if (!more && d->kind != MS_COMPRESSION_XZ) {
      if (d->in_frame)
        fail(d, "ends early (the file is cut)");
      break;
    }
    size_t before_in = d->in_pos;
    if (d->kind == MS_COMPRESSION_GZIP)
      step_gzip(d);
    else if (d->kind == MS_COMPRESSION_ZSTD)
      step_zstd(d);
    else
      step_xz(d);
    if (!more && d->out_len == 0) { /* xz: finishing made nothing */
      if (d->in_frame && !d->failed)
        fail(d, "ends early (the file is cut)");
      break;
    }
    if (d->out_len == 0 && d->in_pos == before_in && more &&
        d->in_pos < d->in_len && !d->failed)
      fail(d, "cannot be decompressed"); /* no progress at all */
  }
  recharge(d);
  return d->out_len > 0;
}

static ssize_t dread(void *cookie, char *buf, size_t size) {
  dstream *d = cookie;
  size_t done = 0;
  while (done < size) {
    if (d->out_pos == d->out_len && !produce(d))
      break;
    size_t k = d->out_len - d->out_pos;
    if (k > size - done)
      k = size - done;
    memcpy(buf + done, d->out + d->out_pos, k);
    d->out_pos += k;
    done += k;
  }
  d->delivered += (off64_t)done;
  if (done == 0 && d->failed) {
    errno = EIO;
    return -1;
  }
  return (ssize_t)done;
}

static int dseek(void *cookie, off64_t *offset, int whence) {
  dstream *d = cookie;
  if (whence != SEEK_CUR || *offset != 0)
    return -1; /* a stream: only "where are we" can be answered */
  *offset = d->delivered;
  return 0;
}

static int dclose(void *cookie) {
  dstream *d = cookie;
  if (d->kind == MS_COMPRESSION_GZIP)
    inflateEnd(&d->z);
  else if (d->kind == MS_COMPRESSION_ZSTD)
    ZSTD_freeDStream(d->zs);
  else
    lzma_end(&d->lz);
  ms_budget_release(d->budget, MS_MEM_DECOMPRESS, d->charged);
  int rc = fclose(d->raw);
  free(d);
  return rc;
}

/* The largest zstd window the limit allows (a power of two), or zstd's
 * own largest without a limit: a large window is never called corrupt. */
static int window_log(uint64_t limit) {
  int log = sizeof(size_t) == 4 ? 30 : 31; /* the format's largest */
  while (limit && log > 10 && (1ULL << log) > limit)
    log--;
  return log;
}

static bool start(dstream *d) {
  if (d->kind == MS_COMPRESSION_GZIP)
    return inflateInit2(&d->z, 15 + 16) == Z_OK; /* gzip wrapper */
  if (d->kind == MS_COMPRESSION_ZSTD)
    return (d->zs = ZSTD_createDStream()) != NULL &&
           !ZSTD_isError(ZSTD_DCtx_setParameter(d->zs, ZSTD_d_windowLogMax,
                                                window_log(d->memlimit)));
  lzma_stream init = LZMA_STREAM_INIT;
  d->lz = init;
  return lzma_stream_decoder(&d->lz, d->memlimit ? d->memlimit : UINT64_MAX,
                             LZMA_CONCATENATED) == LZMA_OK;
}

FILE *ms_decompressing(FILE *raw, ms_compression c, uint32_t *magic,
                       ms_budget *budget) {
  static const cookie_io_functions_t io = {dread, NULL, dseek, dclose};
  last_error[0] = '\0';
  dstream *d = xcalloc(1, sizeof *d);
  d->raw = raw;
  d->kind = c;
  d->budget = budget;
  d->memlimit = budget && budget->limit ? budget->limit / 2 : 0;
  if (!start(d)) {
    if (d->zs)
      ZSTD_freeDStream(d->zs);
    fclose(raw);
    free(d);
    errno = ENOMEM;
    return NULL;
  }
  /* the first decompressed bytes, for the caller's magic */
  *magic = 0;
  produce(d);
  if (d->out_len >= 4)
    memcpy(magic, d->out, 4);
  FILE *fp = fopencookie(d, "r", io);
  if (!fp)
    dclose(d);
  return fp;
}
