/* extract.c - the --extract-dir sink (see extract.h). */
#include "extract.h"

#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

#include "digest.h"
#include "escape.h"
#include "utf8.h"
#include "vec.h"

#define MAX_NAME 100

/* A file written, for the report's links: by session and content. */
typedef struct {
  char uid[24];
  char sha256[65];
  char *name; /* in DIR */
} kept_name;

struct ms_extract_sink {
  ms_msg_sink sink;
  char *dir;
  bool quiet, warned;
  bool keep_names;
  VEC(kept_name) names;
};

typedef struct {
  ms_extract_sink *owner;
  int fd;
  char uid[24];
  char *name;    /* the file's name in DIR, when names are kept */
  ms_hash *hash; /* of the bytes written, when names are kept */
} open_file;

static bool is_device_name(const char *s) {
  static const char *const devices[] = {
      "CON",  "PRN",  "AUX",  "NUL",  "COM1", "COM2", "COM3",  "COM4",
      "COM5", "COM6", "COM7", "COM8", "COM9", "LPT1", "LPT2",  "LPT3",
      "LPT4", "LPT5", "LPT6", "LPT7", "LPT8", "LPT9", "CLOCK$"};
  size_t stem = strcspn(s, ".");
  for (size_t i = 0; i < sizeof devices / sizeof devices[0]; i++)
    if (strlen(devices[i]) == stem && !strncasecmp(s, devices[i], stem))
      return true;
  return false;
}

/* No trailing space or dot (Windows drops them); returns the length. */
static size_t trim_end(char *out, size_t n) {
  while (n > 0 && (out[n - 1] == ' ' || out[n - 1] == '.'))
    n--;
  out[n] = '\0';
  return n;
}

/* The name as a file in DIR: no separators, no "..", no leading dot, no
 * control byte, no Windows device name, at most MAX_NAME bytes; UTF-8 is
 * kept whole, bytes that are not UTF-8 and code points that reorder or act
 * on a display (bidi overrides: "gnp.exe" shown as "exe.png") become '_'. */
char *extract_safe_name(const char *wire) {
  char out[MAX_NAME + 16];
  size_t n = 0;
  const unsigned char *p = (const unsigned char *)(wire ? wire : "");
  size_t len = strlen((const char *)p);
  for (size_t i = 0; i < len && n < MAX_NAME;) {
    unsigned char c = p[i];
    if (c >= 0x80) {
      uint32_t cp;
      size_t l = utf8_decode(p + i, len - i, &cp);
      if (l && !esc_dangerous_codepoint(cp)) {
        if (n + l > MAX_NAME)
          break; /* never cut inside a character */
        memcpy(out + n, p + i, l);
        n += l;
      } else {
        out[n++] = '_';
      }
      i += l ? l : 1;
      continue;
    }
    i++;
    if (c < 0x20 || c == 0x7f || c == '/' || c == '\\' || c == ':' ||
        c == '*' || c == '?' || c == '"' || c == '<' || c == '>' || c == '|')
      c = '_';
    if (c == '.' && n == 0)
      continue; /* no leading dots: no hidden files, no ".." */
    if (c == '.' && n > 0 && out[n - 1] == '.')
      continue; /* no ".." anywhere */
    out[n++] = (char)c;
  }
  n = trim_end(out, n);
  if (n == 0)
    return xstrdup("attachment");
  if (is_device_name(out)) { /* "_" in front, still at most MAX_NAME */
    if (n == MAX_NAME) {     /* drop the last character, whole */
      do
        n--;
      while (n > 0 && ((unsigned char)out[n] & 0xc0) == 0x80);
      n = trim_end(out, n);
    }
    memmove(out + 1, out, n + 1);
    out[0] = '_';
  }
  return xstrdup(out);
}

static void warn_once(ms_extract_sink *x, const char *path) {
  if (!x->warned && !x->quiet)
    fprintf(stderr, "mailscope: %s: %s\n", path, strerror(errno));
  x->warned = true;
}

/* Open base (+ "-N" before the extension if taken) with O_EXCL; *name
 * gets the file's name in DIR. */
static int create_unique(ms_extract_sink *x, const char *base, const char *ext,
                         char **name) {
  for (int i = 0; i < 1000; i++) {
    char *file =
        i ? xasprintf("%s-%d%s", base, i, ext) : xasprintf("%s%s", base, ext);
    char *path = xasprintf("%s/%s", x->dir, file);
    int fd =
        open(path, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0644);
    if (fd >= 0 || errno != EEXIST) {
      if (fd < 0)
        warn_once(x, path);
      free(path);
      if (fd >= 0)
        *name = file;
      else
        free(file);
      return fd;
    }
    free(path);
    free(file);
  }
  return -1;
}

static void *sink_open(void *ctx, const ms_session *s, const char *label,
                       const char *kind, int index, const char *filename) {
  ms_extract_sink *x = ctx;
  char *safe_label = extract_safe_name(label);
  char *created = NULL;
  int fd;
  if (!strcmp(kind, "eml")) {
    char *base = xasprintf("%s-%s", s->uid, safe_label);
    fd = create_unique(x, base, ".eml", &created);
    free(base);
  } else {
    char *name = extract_safe_name(filename);
    char *base = xasprintf("%s-%s-%d-%s", s->uid, safe_label, index, name);
    fd = create_unique(x, base, "", &created);
    free(base);
    free(name);
  }
  free(safe_label);
  if (fd < 0)
    return NULL;
  open_file *f = xcalloc(1, sizeof *f);
  f->owner = x;
  f->fd = fd;
  if (x->keep_names) {
    snprintf(f->uid, sizeof f->uid, "%s", s->uid);
    f->name = created;
    f->hash = ms_hash_new(false);
  } else {
    free(created);
  }
  return f;
}

static void sink_write(void *file, const uint8_t *p, size_t n) {
  open_file *f = file;
  if (!f || f->fd < 0)
    return;
  while (n > 0) {
    ssize_t w = write(f->fd, p, n);
    if (w < 0) {
      if (errno == EINTR)
        continue;
      warn_once(f->owner, f->owner->dir);
      close(f->fd);
      f->fd = -1;
      return;
    }
    if (f->hash)
      ms_hash_update(f->hash, p, (size_t)w);
    p += w;
    n -= (size_t)w;
  }
}

/* A file written whole: remember its name by its content. */
static void keep_name(open_file *f) {
  kept_name *k = vec_push(&f->owner->names);
  memcpy(k->uid, f->uid, sizeof k->uid);
  ms_hash_final(f->hash, NULL, k->sha256);
  f->hash = NULL;
  k->name = f->name;
  f->name = NULL;
}

static void sink_close(void *file) {
  open_file *f = file;
  if (!f)
    return;
  if (f->fd >= 0) {
    if (f->hash)
      keep_name(f);
    close(f->fd);
  }
  if (f->hash) {
    char discard[65];
    ms_hash_final(f->hash, NULL, discard);
  }
  free(f->name);
  free(f);
}

ms_extract_sink *extract_sink_create(const char *dir, bool quiet) {
  if (mkdir(dir, 0755) != 0 && errno != EEXIST) {
    fprintf(stderr, "mailscope: %s: %s\n", dir, strerror(errno));
    return NULL;
  }
  struct stat st;
  if (stat(dir, &st) != 0 || !S_ISDIR(st.st_mode)) {
    fprintf(stderr, "mailscope: %s: not a directory\n", dir);
    return NULL;
  }
  ms_extract_sink *x = xcalloc(1, sizeof *x);
  x->dir = xstrdup(dir);
  x->quiet = quiet;
  x->sink.ctx = x;
  x->sink.open = sink_open;
  x->sink.write = sink_write;
  x->sink.close = sink_close;
  return x;
}

const ms_msg_sink *extract_sink_get(ms_extract_sink *x) { return &x->sink; }

ms_extract_sink *extract_sink_of(const ms_msg_sink *s) {
  return s && s->open == sink_open ? s->ctx : NULL;
}

void extract_sink_keep_names(ms_extract_sink *x) { x->keep_names = true; }

const char *extract_sink_name(ms_extract_sink *x, const char *uid,
                              const char *sha256) {
  for (size_t i = 0; i < x->names.len; i++) {
    const kept_name *k = &x->names.items[i];
    if (!strcmp(k->uid, uid) && !strcmp(k->sha256, sha256))
      return k->name;
  }
  return NULL;
}

void extract_sink_forget(ms_extract_sink *x, const char *uid) {
  size_t kept = 0;
  for (size_t i = 0; i < x->names.len; i++) {
    kept_name *k = &x->names.items[i];
    if (!strcmp(k->uid, uid))
      free(k->name);
    else
      x->names.items[kept++] = *k;
  }
  x->names.len = kept;
}

void extract_sink_destroy(ms_extract_sink *x) {
  if (!x)
    return;
  for (size_t i = 0; i < x->names.len; i++)
    free(x->names.items[i].name);
  vec_free(&x->names);
  free(x->dir);
  free(x);
}
