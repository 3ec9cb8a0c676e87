/* zeek_out.c - Zeek record destinations (see zeek_out.h). */
#include "zeek_out.h"

#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "emit_zeek_ssl.h"
#include "sensor.h"
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
    {&zeek_ssl_log, zeek_ssl_log_records},
    {&zeek_x509_log, zeek_x509_log_records},
};

typedef struct zeek_out zeek_out;

typedef struct {
  ms_outfile *out;
  bool owned;       /* opened here (--zeek-dir), closed here */
  bool rows_only;   /* no header lines */
  bool header_done; /* standard output: the header is written */
  bool wanted;      /* this log has a destination */
  zeek_rec *rec;
  const zeek_log_def *def;
  zeek_out *z;
  time_t first, last; /* network time: the records' first and last ts */
} zeek_dest;

struct zeek_out {
  bool json;
  bool network_time; /* #open/#close from the records (reading files) */
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
  for (size_t i = 0; i < ZEEK_LOG_COUNT; i++) {
    z->d[i].def = logs[i].def;
    z->d[i].z = z;
  }
  return z;
}

void zeek_out_network_time(zeek_out *z) { z->network_time = true; }

/* The time of #open (at the first record) and #close (at the end). */
static time_t stamp(const zeek_dest *d, bool at_open) {
  if (!d->z->network_time)
    return time(NULL);
  return at_open ? d->first : d->last;
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
  const zeek_dest *d = ctx;
  zeek_tsv_header(d->def, d->z->network_time ? d->first : outfile_open_time(f),
                  f);
}

static void file_footer(ms_outfile *f, void *ctx) {
  zeek_tsv_footer(stamp(ctx, false), f);
}

void zeek_out_to_dir(zeek_out *z, int dirfd, const char *dirpath,
                     const outfile_config *base) {
  z->dirfd = fcntl(dirfd, F_DUPFD_CLOEXEC, 3);
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
    c.ctx = d;
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
  zeek_tsv_header(logs[i].def, stamp(d, true), f);
  d->header_done = true;
}

typedef struct {
  zeek_out *z;
  size_t i;
} emit_ctx;

/* A record of time t is about to be written to log i. */
static void saw_time(zeek_out *z, size_t i, time_t t) {
  zeek_dest *d = &z->d[i];
  if (!d->first)
    d->first = t;
  if (t > d->last)
    d->last = t;
}

/* The ts of a TSV row rendered elsewhere: its first field after the log
 * extension fields. */
static time_t row_time(const char *p, size_t n) {
  size_t skip = sensor_get()->name ? 2 : 0;
  size_t i = 0;
  for (size_t k = 0; k < skip && i < n; i++)
    k += p[i] == '\t';
  char num[32];
  size_t len = 0;
  while (i < n && len + 1 < sizeof num && p[i] >= '0' && p[i] <= '9')
    num[len++] = p[i++];
  num[len] = '\0';
  return (time_t)strtoll(num, NULL, 10);
}

static void emit_one(void *ctx, zeek_rec *r) {
  emit_ctx *e = ctx;
  saw_time(e->z, e->i, zr_seconds(r, "ts"));
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
  for (size_t at = 0; at < n;) { /* every row's ts */
    const char *nl = memchr(p + at, '\n', n - at);
    size_t end = nl ? (size_t)(nl - p) + 1 : n;
    saw_time(z, i, row_time(p + at, end - at));
    at = end;
  }
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
      zeek_tsv_footer(stamp(d, false), d->out);
    if (d->out && d->owned && outfile_close(d->out) != 0)
      rc = -1;
    else if (d->out && !d->owned && outfile_failed(d->out))
      rc = -1;
    zr_free(d->rec);
  }
  if (z->dirfd >= 0)
    close(z->dirfd);
  free(z->dirpath);
  free(z);
  return rc;
}
