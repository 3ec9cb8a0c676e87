/* keylog.c - key log files and Decryption Secrets Blocks (keylog.h). */
#include "keylog.h"

#include <errno.h>
#include <fcntl.h>
#include <openssl/crypto.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define MAX_LINE 1024 /* longer "lines" are not key log lines */

typedef struct {
  const char *name;
  int fd;
  dev_t dev;
  ino_t ino;
  off_t offset;        /* bytes read so far */
  char tail[MAX_LINE]; /* an unfinished last line */
  size_t tail_len;
  bool tail_too_long; /* the line at hand outgrew tail: skip to its end */
  uint64_t line_no, bad_lines, first_bad;
  uint64_t bad_reported;
} keyfile;

struct ms_keylog {
  ms_tls_keys *keys;
  bool quiet;
  VEC(keyfile) files;
};

/* One whole line of a file. */
static void take_line(ms_keylog *kl, keyfile *f, const char *line, size_t n) {
  f->line_no++;
  if (ms_tls_keys_add_line(kl->keys, line, n) < 0 && !f->bad_lines++)
    f->first_bad = f->line_no;
}

/* Bytes read from the file: whole lines to the store, the rest kept. */
static void take_bytes(ms_keylog *kl, keyfile *f, const char *p, size_t n) {
  while (n > 0) {
    const char *nl = memchr(p, '\n', n);
    size_t k = nl ? (size_t)(nl - p) : n;
    if (!f->tail_too_long && f->tail_len + k < sizeof f->tail) {
      memcpy(f->tail + f->tail_len, p, k);
      f->tail_len += k;
    } else {
      f->tail_too_long = true;
    }
    if (!nl)
      return;
    if (f->tail_too_long) {
      f->line_no++;
      if (!f->bad_lines++)
        f->first_bad = f->line_no;
    } else {
      take_line(kl, f, f->tail, f->tail_len);
    }
    OPENSSL_cleanse(f->tail, f->tail_len);
    f->tail_len = 0;
    f->tail_too_long = false;
    p += k + 1;
    n -= k + 1;
  }
}

/* A last line without its newline: taken when it is a good key log line
 * (a file written by hand), else kept until its newline comes. */
static void try_tail(ms_keylog *kl, keyfile *f) {
  if (f->tail_len == 0 || f->tail_too_long)
    return;
  if (ms_tls_keys_add_line(kl->keys, f->tail, f->tail_len) == 1) {
    f->line_no++;
    OPENSSL_cleanse(f->tail, f->tail_len);
    f->tail_len = 0;
  }
}

static void report_bad(const ms_keylog *kl, keyfile *f) {
  if (kl->quiet || f->bad_lines == f->bad_reported)
    return;
  fprintf(stderr,
          "mailscope: %s: %llu line(s) are not key log lines and were "
          "skipped (the first is line %llu)\n",
          f->name, (unsigned long long)f->bad_lines,
          (unsigned long long)f->first_bad);
  f->bad_reported = f->bad_lines;
}

/* A file replaced under its name (log rotation): read the new one. */
static void follow_rename(keyfile *f) {
  struct stat now;
  if (stat(f->name, &now) != 0 ||
      (now.st_dev == f->dev && now.st_ino == f->ino))
    return;
  int fd = open(f->name, O_RDONLY | O_CLOEXEC);
  if (fd < 0)
    return; /* e.g. no longer allowed after dropping privileges */
  close(f->fd);
  f->fd = fd;
  f->dev = now.st_dev;
  f->ino = now.st_ino;
  f->offset = 0;
  f->tail_len = 0;
  f->tail_too_long = false;
}

static void read_file(ms_keylog *kl, keyfile *f, bool first) {
  follow_rename(f);
  struct stat st;
  if (fstat(f->fd, &st) == 0 && st.st_size < f->offset) {
    f->offset = 0; /* truncated: a new log in the same file */
    f->tail_len = 0;
    f->tail_too_long = false;
  }
  char buf[65536];
  for (;;) {
    ssize_t n = pread(f->fd, buf, sizeof buf, f->offset);
    if (n < 0 && errno == EINTR)
      continue;
    if (n <= 0)
      break;
    f->offset += n;
    take_bytes(kl, f, buf, (size_t)n);
  }
  OPENSSL_cleanse(buf, sizeof buf);
  if (first)
    try_tail(kl, f);
  report_bad(kl, f);
}

void ms_keylog_reload(ms_keylog *kl) {
  for (size_t i = 0; kl && i < kl->files.len; i++)
    read_file(kl, &kl->files.items[i], false);
}

static void reload_hook(void *ctx, ms_tls_keys *k) {
  (void)k;
  ms_keylog_reload(ctx);
}

static int open_one(const char *name, struct stat *st) {
  int fd = open(name, O_RDONLY | O_CLOEXEC);
  if (fd >= 0 && fstat(fd, st) != 0) {
    close(fd);
    fd = -1;
  }
  if (fd >= 0 && S_ISDIR(st->st_mode)) {
    close(fd);
    errno = EISDIR;
    fd = -1;
  }
  if (fd < 0)
    fprintf(stderr, "mailscope: %s: %s\n", name, strerror(errno));
  return fd;
}

bool ms_keylog_check(const strvec *files) {
  for (size_t i = 0; i < files->len; i++) {
    struct stat st;
    int fd = open_one(files->items[i], &st);
    if (fd < 0)
      return false;
    close(fd);
  }
  return true;
}

ms_keylog *ms_keylog_open(const strvec *files, ms_tls_keys *keys, bool quiet) {
  ms_keylog *kl = xcalloc(1, sizeof *kl);
  kl->keys = keys;
  kl->quiet = quiet;
  for (size_t i = 0; i < files->len; i++) {
    struct stat st;
    int fd = open_one(files->items[i], &st);
    if (fd < 0) {
      ms_keylog_close(kl);
      return NULL;
    }
    keyfile *f = vec_push(&kl->files);
    f->name = files->items[i];
    f->fd = fd;
    f->dev = st.st_dev;
    f->ino = st.st_ino;
    read_file(kl, f, true);
  }
  ms_tls_keys_set_reload(keys, reload_hook, kl);
  return kl;
}

void ms_keylog_close(ms_keylog *kl) {
  if (!kl)
    return;
  for (size_t i = 0; i < kl->files.len; i++) {
    keyfile *f = &kl->files.items[i];
    if (f->fd >= 0)
      close(f->fd);
    OPENSSL_cleanse(f->tail, sizeof f->tail);
  }
  ms_tls_keys_set_reload(kl->keys, NULL, NULL);
  vec_free(&kl->files);
  free(kl);
}

size_t ms_keylog_add_dsb(ms_tls_keys *keys, uint32_t type, const uint8_t *data,
                         size_t len) {
  if (type != MS_DSB_TLS_KEYLOG || !keys)
    return 0;
  size_t added = 0;
  const char *p = (const char *)data, *end = p + len;
  while (p < end) {
    const char *nl = memchr(p, '\n', (size_t)(end - p));
    size_t n = nl ? (size_t)(nl - p) : (size_t)(end - p);
    if (n < MAX_LINE && ms_tls_keys_add_line(keys, p, n) == 1)
      added++;
    p += n + 1;
  }
  return added;
}
