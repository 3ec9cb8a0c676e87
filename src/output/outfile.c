/* outfile.c - the checked writer (see outfile.h). */
#include "outfile.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "vec.h"

#define OFFLINE_BUFFER (256 * 1024)

typedef enum { OUT_FD, OUT_NAMED, OUT_MEMORY } out_kind;

struct ms_outfile {
  out_kind kind;
  outfile_config cfg;
  int fd;     /* -1 while a named file could not be (re)opened */
  int dirfd;  /* OUT_NAMED: the directory, kept open */
  char *name; /* OUT_NAMED: the file's name in the directory */
  char *dirpath;
  char *display; /* what messages call it */
  char *buf;
  size_t len, cap;
  uint64_t size; /* bytes in the file now open */
  time_t opened, next_rotation;
  unsigned reopen_seen; /* reopen requests handled */
  bool mid_record;      /* bytes of a record not yet ended are buffered */
  uint64_t records;     /* records in the file now open */
  bool ever_failed;     /* a write failed at some point */
  bool in_error;        /* live: failing now (reported once) */
  bool partial;         /* a failed write left a line cut */
  uint64_t lost;        /* live: records lost in this failure */
  FILE *stream;
  ms_outfile *next; /* every outfile, for outfile_tick */
};

const char outfile_default_rotate_format[] = "%Y-%m-%d-%H-%M-%S";

static ms_outfile *all_outfiles;
static volatile sig_atomic_t reopen_requests;
static uint64_t records_lost;
static void (*fatal_hook)(void);
static bool fatal_called;
static void (*rotated_hook)(const char *path);

void outfile_config_init(outfile_config *c) {
  memset(c, 0, sizeof *c);
  c->owner_uid = (uid_t)-1;
  c->owner_gid = (gid_t)-1;
  c->rotate_format = outfile_default_rotate_format;
}

void outfile_request_reopen(void) { reopen_requests++; }
uint64_t outfile_records_lost(void) { return records_lost; }
void outfile_set_fatal(void (*fn)(void)) { fatal_hook = fn; }
void outfile_set_rotated(void (*fn)(const char *path)) { rotated_hook = fn; }

void outfile_report(const char *name, int err) {
  fprintf(stderr, "mailscope: %s: %s\n", name, strerror(err));
}

void outfile_failure(const char *name, int err, bool live) {
  fprintf(stderr, "mailscope: %s: %s\n", name, strerror(err));
  if (live)
    records_lost++;
  else if (fatal_hook && !fatal_called) {
    fatal_called = true;
    fatal_hook();
  }
}

static ms_outfile *new_outfile(out_kind kind, const outfile_config *c) {
  ms_outfile *f = xcalloc(1, sizeof *f);
  f->kind = kind;
  if (c)
    f->cfg = *c;
  else
    outfile_config_init(&f->cfg);
  f->fd = -1;
  f->dirfd = -1;
  f->reopen_seen = (unsigned)reopen_requests;
  f->next = all_outfiles;
  all_outfiles = f;
  return f;
}

/* ---- writing ------------------------------------------------------------ */

/* Write all n bytes; 0, or the errno of the failure with *done bytes out. */
static int write_all(int fd, const char *p, size_t n, size_t *done) {
  *done = 0;
  while (*done < n) {
    ssize_t w = write(fd, p + *done, n - *done);
    if (w < 0 && errno == EINTR)
      continue;
    if (w <= 0)
      return w < 0 ? errno : EIO;
    *done += (size_t)w;
  }
  return 0;
}

/* A write or an open failed: said once per failure; offline, the run
 * ends.  Live, the caller counts the record lost (count_lost). */
static void failed(ms_outfile *f, int err) {
  f->ever_failed = true;
  if (!f->in_error) {
    if (err == ELOOP)
      fprintf(stderr,
              "mailscope: %s: is a symbolic link: refused (give "
              "--follow-dir-links to write through it)\n",
              f->display);
    else
      fprintf(stderr, "mailscope: %s: %s%s\n", f->display, strerror(err),
              f->cfg.live ? " (records are counted as lost until writing "
                            "works again)"
                          : "");
  }
  f->in_error = true;
  if (!f->cfg.live && fatal_hook && !fatal_called) {
    fatal_called = true;
    fatal_hook();
  }
}

static void count_lost(ms_outfile *f) {
  if (f->cfg.live) {
    records_lost++;
    f->lost++;
  }
}

static void recovered(ms_outfile *f) {
  if (!f->in_error)
    return;
  fprintf(stderr, "mailscope: %s: writing again (%llu records lost)\n",
          f->display, (unsigned long long)f->lost);
  f->in_error = false;
  f->lost = 0;
}

static bool open_named(ms_outfile *f);

/* Write the bytes buffered so far (not what a stdio stream on f still
 * holds: outfile_write calls this from inside that stream's writes). */
static bool flush_buffer(ms_outfile *f) {
  if (f->kind == OUT_MEMORY || !f->len)
    return true;
  if (f->ever_failed && !f->cfg.live) { /* the run is over: drop */
    f->len = 0;
    return false;
  }
  if (f->fd < 0 && (f->kind != OUT_NAMED || !open_named(f))) {
    f->len = 0; /* no file to write to (said by open_named) */
    count_lost(f);
    return false;
  }
  size_t done = 0;
  int err = 0;
  if (f->partial && (err = write_all(f->fd, "\n", 1, &done)) == 0) {
    f->partial = false;
    f->size++;
  }
  if (!err)
    err = write_all(f->fd, f->buf, f->len, &done);
  f->size += done;
  f->len = 0;
  if (err) {
    f->partial = done > 0;
    failed(f, err);
    count_lost(f);
    return false;
  }
  recovered(f);
  return true;
}

bool outfile_flush(ms_outfile *f) {
  if (f->stream)
    fflush(f->stream);
  return flush_buffer(f);
}

static void reopen_if_asked(ms_outfile *f);

void outfile_write(ms_outfile *f, const void *p, size_t n) {
  if (!n)
    return;
  if (!f->mid_record && f->kind == OUT_NAMED)
    reopen_if_asked(f); /* SIGHUP: this record goes to the new file */
  f->mid_record = true;
  if (f->kind != OUT_MEMORY && !f->cfg.live && f->len + n > OFFLINE_BUFFER)
    flush_buffer(f);
  if (f->len + n > f->cap) {
    size_t cap = f->cap ? f->cap : 4096;
    while (cap < f->len + n)
      cap *= 2;
    f->buf = xrealloc(f->buf, cap);
    f->cap = cap;
  }
  memcpy(f->buf + f->len, p, n);
  f->len += n;
}

void outfile_puts(ms_outfile *f, const char *s) {
  outfile_write(f, s, strlen(s));
}

static ssize_t stream_write(void *cookie, const char *p, size_t n) {
  outfile_write(cookie, p, n);
  return (ssize_t)n;
}

FILE *outfile_stream(ms_outfile *f) {
  if (!f->stream) {
    static const cookie_io_functions_t io = {NULL, stream_write, NULL, NULL};
    f->stream = fopencookie(f, "w", io);
    if (!f->stream)
      abort(); /* out of memory */
  }
  return f->stream;
}

/* ---- named files: open, reopen, rotate ---------------------------------- */

static void schedule_rotation(ms_outfile *f) {
  uint64_t s = f->cfg.rotate_seconds;
  f->next_rotation = s ? (time_t)(((uint64_t)f->opened / s + 1) * s) : 0;
}

static bool open_named(ms_outfile *f) {
  int flags = O_WRONLY | O_APPEND | O_CLOEXEC;
  if (!f->cfg.follow_links)
    flags |= O_NOFOLLOW;
  bool created = true;
  int fd = openat(f->dirfd, f->name, flags | O_CREAT | O_EXCL, 0644);
  if (fd < 0 && errno == EEXIST) {
    created = false;
    fd = openat(f->dirfd, f->name, flags);
  }
  if (fd < 0) {
    failed(f, errno);
    return false;
  }
  if (created && f->cfg.owner_uid != (uid_t)-1 && geteuid() == 0 &&
      fchown(fd, f->cfg.owner_uid, f->cfg.owner_gid) != 0)
    fprintf(stderr, "mailscope: %s: chown: %s\n", f->display, strerror(errno));
  struct stat st;
  f->size =
      fstat(fd, &st) == 0 && S_ISREG(st.st_mode) ? (uint64_t)st.st_size : 0;
  f->fd = fd;
  f->opened = time(NULL);
  f->records = 0;
  schedule_rotation(f);
  if (f->cfg.header) {
    f->mid_record = true; /* no reopen inside the header */
    f->cfg.header(f, f->cfg.ctx);
  }
  f->mid_record = false;
  return true;
}

static void close_named(ms_outfile *f) {
  f->mid_record = true; /* no reopen inside the footer */
  if (f->fd >= 0 && f->cfg.footer)
    f->cfg.footer(f, f->cfg.ctx);
  outfile_flush(f);
  f->mid_record = false;
  if (f->fd >= 0 && close(f->fd) != 0) /* NFS reports write errors here */
    failed(f, errno);
  f->fd = -1;
}

/* NAME.EXT -> NAME.<time>[-n].EXT (n > 0: the name was taken). */
static char *rotated_name(const ms_outfile *f, int n) {
  char stamp[128];
  struct tm tm;
  gmtime_r(&f->opened, &tm);
  if (!strftime(stamp, sizeof stamp, f->cfg.rotate_format, &tm))
    snprintf(stamp, sizeof stamp, "%lld", (long long)f->opened);
  const char *dot = strrchr(f->name, '.');
  if (!dot || dot == f->name)
    dot = f->name + strlen(f->name);
  char suffix[16] = "";
  if (n)
    snprintf(suffix, sizeof suffix, "-%d", n);
  return xasprintf("%.*s.%s%s%s", (int)(dot - f->name), f->name, stamp, suffix,
                   dot);
}

/* Rename without ever replacing a file: renameat2 RENAME_NOREPLACE, or a
 * hard link and an unlink where the file system has no such rename. */
static int rename_noreplace(int dirfd, const char *from, const char *to) {
  if (renameat2(dirfd, from, dirfd, to, RENAME_NOREPLACE) == 0)
    return 0;
  if (errno != EINVAL && errno != ENOSYS)
    return -1;
  if (linkat(dirfd, from, dirfd, to, 0) != 0)
    return -1;
  return unlinkat(dirfd, from, 0);
}

static void rotate(ms_outfile *f) {
  close_named(f);
  char *to = NULL;
  int rc = -1;
  for (int n = 0; n < 100; n++) {
    free(to);
    to = rotated_name(f, n);
    if ((rc = rename_noreplace(f->dirfd, f->name, to)) == 0 || errno != EEXIST)
      break;
  }
  if (rc != 0)
    fprintf(stderr, "mailscope: %s: rotation: %s\n", f->display,
            strerror(errno));
  else if (rotated_hook) {
    char *path = strcmp(f->dirpath, ".") ? xasprintf("%s/%s", f->dirpath, to)
                                         : xstrdup(to);
    rotated_hook(path);
    free(path);
  }
  free(to);
  open_named(f);
}

/* SIGHUP asked for a reopen: the records so far go to the file open now
 * (moved away by logrotate), later ones to a new one. */
static void reopen_if_asked(ms_outfile *f) {
  if (f->reopen_seen == (unsigned)reopen_requests)
    return;
  f->reopen_seen = (unsigned)reopen_requests;
  close_named(f);
  open_named(f);
}

/* A reopen or a rotation is due (between records). */
static void maybe_rotate(ms_outfile *f, time_t now) {
  if (f->kind != OUT_NAMED)
    return;
  reopen_if_asked(f);
  if (f->fd < 0)
    return;
  if (f->next_rotation && now >= f->next_rotation && !f->records) {
    /* nothing to rotate away: no empty files */
    f->next_rotation = (time_t)(((uint64_t)now / f->cfg.rotate_seconds + 1) *
                                f->cfg.rotate_seconds);
    return;
  }
  if ((f->cfg.rotate_bytes && f->size + f->len >= f->cfg.rotate_bytes) ||
      (f->next_rotation && now >= f->next_rotation))
    rotate(f);
}

void outfile_end_record(ms_outfile *f) {
  if (f->stream)
    fflush(f->stream);
  f->mid_record = false;
  f->records++;
  if (f->kind == OUT_MEMORY)
    return;
  if (f->cfg.live)
    flush_buffer(f);
  if (f->kind == OUT_NAMED)
    maybe_rotate(f, f->cfg.rotate_seconds ? time(NULL) : 0);
}

void outfile_tick(time_t now) {
  for (ms_outfile *f = all_outfiles; f; f = f->next) {
    if (f->kind != OUT_NAMED || f->mid_record)
      continue;
    if (f->fd < 0 && f->cfg.live)
      open_named(f); /* retry a file that could not be opened */
    maybe_rotate(f, now);
    if (f->cfg.live)
      outfile_flush(f); /* a header written by a rotation */
  }
}

/* ---- constructors and the rest ------------------------------------------ */

ms_outfile *outfile_fd(int fd, const char *name, const outfile_config *c) {
  ms_outfile *f = new_outfile(OUT_FD, c);
  f->fd = fd;
  f->display = xstrdup(name);
  f->opened = time(NULL);
  if (f->cfg.header)
    f->cfg.header(f, f->cfg.ctx);
  f->mid_record = false;
  return f;
}

ms_outfile *outfile_open(int dirfd, const char *dirpath, const char *name,
                         const outfile_config *c) {
  ms_outfile *f = new_outfile(OUT_NAMED, c);
  f->dirfd = fcntl(dirfd, F_DUPFD_CLOEXEC, 3);
  f->name = xstrdup(name);
  f->dirpath = xstrdup(dirpath);
  f->display =
      strcmp(dirpath, ".") ? xasprintf("%s/%s", dirpath, name) : xstrdup(name);
  if (f->dirfd < 0 || !open_named(f)) {
    if (f->dirfd < 0)
      fprintf(stderr, "mailscope: %s: %s\n", f->display, strerror(errno));
    outfile_close(f);
    return NULL;
  }
  if (f->cfg.live)
    outfile_flush(f);
  return f;
}

ms_outfile *outfile_memory(void) {
  ms_outfile *f = new_outfile(OUT_MEMORY, NULL);
  f->display = xstrdup("(memory)");
  return f;
}

void outfile_take(ms_outfile *f, const char **p, size_t *n) {
  if (f->stream)
    fflush(f->stream);
  *p = f->buf;
  *n = f->len;
}

void outfile_clear(ms_outfile *f) { f->len = 0; }

bool outfile_failed(const ms_outfile *f) { return f->ever_failed; }

time_t outfile_open_time(const ms_outfile *f) { return f->opened; }

int outfile_close(ms_outfile *f) {
  if (!f)
    return 0;
  if (f->kind == OUT_NAMED)
    close_named(f);
  else if (f->kind == OUT_FD) {
    if (f->cfg.footer)
      f->cfg.footer(f, f->cfg.ctx);
    outfile_flush(f);
  }
  if (f->stream)
    fclose(f->stream); /* after the flushes: nothing left in it */
  int rc = f->ever_failed ? -1 : 0;
  for (ms_outfile **p = &all_outfiles; *p; p = &(*p)->next)
    if (*p == f) {
      *p = f->next;
      break;
    }
  if (f->dirfd >= 0)
    close(f->dirfd);
  free(f->buf);
  free(f->name);
  free(f->dirpath);
  free(f->display);
  free(f);
  return rc;
}
