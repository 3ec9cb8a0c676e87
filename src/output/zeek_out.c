/* zeek_out.c - Zeek record destinations (see zeek_out.h). */
#include "zeek_out.h"

#include <stdlib.h>
#include <string.h>

#include "vec.h"
#include "zeek_logs.h"

typedef struct {
  const zeek_log_def *def;
  zeek_producer_fn produce;
} zeek_log_entry;

/* Every log mailscope writes, in the order of ZEEK_LOG_*. */
static const zeek_log_entry logs[ZEEK_LOG_COUNT] = {
    {&zeek_smtp_log, zeek_smtp_records},
    {&zeek_files_log, zeek_files_records},
    {&zeek_weird_log, zeek_weird_records},
    {&zeek_pop3_log, zeek_pop3_records},
};

typedef struct {
  ms_outfile *out;
  bool owned;       /* opened here (--zeek-dir), closed here */
  bool rows_only;   /* no header lines */
  bool header_done; /* standard output: the header is written */
  bool wanted;      /* this log has a destination */
  zeek_rec *rec;
} zeek_dest;

struct zeek_out {
  bool json;
  zeek_dest d[ZEEK_LOG_COUNT];
  int dirfd; /* --zeek-dir, -1 */
  char *dirpath;
  outfile_config base;
  bool dir_failed[ZEEK_LOG_COUNT];
  bool failed;
};

const zeek_log_def *zeek_log_at(size_t i) {
  return i < ZEEK_LOG_COUNT ? logs[i].def : NULL;
}

zeek_out *zeek_out_new(bool json) {
  zeek_out *z = xcalloc(1, sizeof *z);
  z->json = json;
  z->dirfd = -1;
  return z;
}

void zeek_out_to(zeek_out *z, size_t i, ms_outfile *f, bool rows_only) {
  z->d[i].out = f;
  z->d[i].rows_only = rows_only || z->json;
  z->d[i].wanted = true;
}

void zeek_out_to_memory(zeek_out *z) {
  for (size_t i = 0; i < ZEEK_LOG_COUNT; i++) {
    zeek_out_to(z, i, outfile_memory(), true);
    z->d[i].owned = true;
  }
}

ms_outfile *zeek_out_memory(zeek_out *z, size_t i) { return z->d[i].out; }

/* outfile hooks of a --zeek-dir TSV file: header at each open, #close. */
static void file_header(ms_outfile *f, void *ctx) {
  zeek_tsv_header(ctx, outfile_open_time(f), f);
}

static void file_footer(ms_outfile *f, void *ctx) {
  (void)ctx;
  zeek_tsv_footer(time(NULL), f);
}

void zeek_out_to_dir(zeek_out *z, int dirfd, const char *dirpath,
                     const outfile_config *base) {
  z->dirfd = dirfd;
  z->dirpath = xstrdup(dirpath);
  z->base = *base;
  for (size_t i = 0; i < ZEEK_LOG_COUNT; i++)
    z->d[i].wanted = true;
}

/* The destination of log i, its file opened at the first record. */
static ms_outfile *dest(zeek_out *z, size_t i) {
  zeek_dest *d = &z->d[i];
  if (d->out || z->dirfd < 0 || z->dir_failed[i])
    return d->out;
  outfile_config c = z->base;
  if (!z->json) {
    c.header = file_header;
    c.footer = file_footer;
    c.ctx = (void *)logs[i].def;
  }
  char *name = xasprintf("%s.log", logs[i].def->path);
  d->out = outfile_open(z->dirfd, z->dirpath, name, &c);
  free(name);
  if (!d->out) { /* said; the run ends offline, live this log is lost */
    z->dir_failed[i] = z->failed = true;
    return NULL;
  }
  d->owned = true;
  d->rows_only = true; /* the hooks write the header */
  return d->out;
}

/* Standard output's header, before its first record. */
static void header_once(zeek_out *z, size_t i, ms_outfile *f) {
  zeek_dest *d = &z->d[i];
  if (d->rows_only || d->header_done)
    return;
  zeek_tsv_header(logs[i].def, time(NULL), f);
  d->header_done = true;
}

typedef struct {
  zeek_out *z;
  size_t i;
} emit_ctx;

static void emit_one(void *ctx, zeek_rec *r) {
  emit_ctx *e = ctx;
  ms_outfile *f = dest(e->z, e->i);
  if (f) {
    header_once(e->z, e->i, f);
    zr_write(r, e->z->json, f);
    outfile_end_record(f);
  }
  zr_reset(r);
}

void zeek_out_session(zeek_out *z, const ms_session *s) {
  for (size_t i = 0; i < ZEEK_LOG_COUNT; i++) {
    if (!z->d[i].wanted)
      continue;
    if (!z->d[i].rec)
      z->d[i].rec = zr_new(logs[i].def);
    emit_ctx e = {z, i};
    logs[i].produce(s, z->d[i].rec, emit_one, &e);
  }
}

void zeek_out_rows(zeek_out *z, size_t i, const char *p, size_t n) {
  if (!n || i >= ZEEK_LOG_COUNT || !z->d[i].wanted)
    return;
  ms_outfile *f = dest(z, i);
  if (!f)
    return;
  header_once(z, i, f);
  outfile_write(f, p, n);
  outfile_end_record(f);
}

int zeek_out_close(zeek_out *z) {
  if (!z)
    return 0;
  int rc = z->failed ? -1 : 0;
  for (size_t i = 0; i < ZEEK_LOG_COUNT; i++) {
    zeek_dest *d = &z->d[i];
    if (d->out && d->header_done && !z->json)
      zeek_tsv_footer(time(NULL), d->out);
    if (d->out && d->owned && outfile_close(d->out) != 0)
      rc = -1;
    else if (d->out && !d->owned && outfile_failed(d->out))
      rc = -1;
    zr_free(d->rec);
  }
  free(z->dirpath);
  free(z);
  return rc;
}
