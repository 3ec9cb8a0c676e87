/* extract.c - the --extract-dir sink (see extract.h). */
#include "extract.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/mman.h>
#include <unistd.h>

#include "escape.h"
#include "safefile.h"
#include "utf8.h"
#include "vec.h"

#define MAX_NAME 100

/* Counters every worker process shares (a MAP_SHARED page made before
 * the workers are forked). */
typedef struct {
  uint64_t written, refused, failed;
  int stopped; /* a write failed: no more files */
  int limit_said;
} shared_counts;

struct ms_extract_sink {
  ms_msg_sink sink;
  char *dir;
  int dirfd;
  extract_config cfg;
  shared_counts *counts;
};

typedef struct {
  ms_extract_sink *owner;
  int fd;
  char *name;
  bool failed;
} open_file;

/* ---- names ----------------------------------------------------------------
 */

/* Code points that show nothing, or reorder what is around them: removed
 * from names (zero-width spaces and joiners, marks, bidi controls, word
 * joiner and invisible operators, BOM, tags, soft hyphen, fillers). */
static bool invisible(uint32_t cp) {
  return (cp >= 0x200b && cp <= 0x200f) || (cp >= 0x202a && cp <= 0x202e) ||
         (cp >= 0x2060 && cp <= 0x206f) || cp == 0xfeff || cp == 0x00ad ||
         cp == 0x034f || cp == 0x061c || cp == 0x180e ||
         (cp >= 0xfe00 && cp <= 0xfe0f) || (cp >= 0xe0000 && cp <= 0xe0fff) ||
         cp == 0x115f || cp == 0x1160 || cp == 0x3164 || cp == 0xffa0;
}

/* COM and LPT take 0-9 and the superscripts 1, 2, 3 (Windows reserves
 * "COM\u00b9" too). */
static bool device_digit(const char *s, size_t n) {
  if (n == 1 && s[0] >= '0' && s[0] <= '9')
    return true;
  return n == 2 && (unsigned char)s[0] == 0xc2 &&
         ((unsigned char)s[1] == 0xb9 || (unsigned char)s[1] == 0xb2 ||
          (unsigned char)s[1] == 0xb3);
}

/* A Windows device name, with any extension ("nul.txt", "CON .tar.gz"):
 * the part before the first dot, trailing spaces dropped. */
static bool is_device_name(const char *s) {
  static const char *const plain[] = {"CON",    "PRN",     "AUX",   "NUL",
                                      "CONIN$", "CONOUT$", "CLOCK$"};
  size_t stem = strcspn(s, ".");
  while (stem > 0 && s[stem - 1] == ' ')
    stem--;
  for (size_t i = 0; i < sizeof plain / sizeof plain[0]; i++)
    if (strlen(plain[i]) == stem && !strncasecmp(s, plain[i], stem))
      return true;
  return stem >= 4 &&
         (!strncasecmp(s, "COM", 3) || !strncasecmp(s, "LPT", 3)) &&
         device_digit(s + 3, stem - 3);
}

/* No trailing space or dot (Windows drops them); returns the length. */
static size_t trim_end(char *out, size_t n) {
  while (n > 0 && (out[n - 1] == ' ' || out[n - 1] == '.'))
    n--;
  out[n] = '\0';
  return n;
}

/* One byte of ASCII as it may stand in a name; 0: leave it out. */
static char ascii_in_name(unsigned char c, const char *out, size_t n) {
  if (c < 0x20 || c == 0x7f || c == '/' || c == '\\' || c == ':' || c == '*' ||
      c == '?' || c == '"' || c == '<' || c == '>' || c == '|')
    return '_';
  if (c == '.' && (n == 0 || out[n - 1] == '.'))
    return 0; /* no leading dots (hidden files), no ".." anywhere */
  return (char)c;
}

/* The name as a file in DIR: no separators, no "..", no leading dot, no
 * control byte, no Windows device name, at most MAX_NAME bytes; UTF-8 is
 * kept whole; invisible and bidi code points are dropped ("gnp.exe" shown
 * as "exe.png" is "gnp.exe" here); bytes that are not UTF-8 and other code
 * points that act on a display (C1 controls, line separators) become '_'. */
char *extract_safe_name(const char *wire) {
  char out[MAX_NAME + 16];
  size_t n = 0;
  const unsigned char *p = (const unsigned char *)(wire ? wire : "");
  size_t len = strlen((const char *)p);
  for (size_t i = 0; i < len && n < MAX_NAME;) {
    unsigned char c = p[i];
    if (c < 0x80) {
      char k = ascii_in_name(c, out, n);
      if (k)
        out[n++] = k;
      i++;
      continue;
    }
    uint32_t cp;
    size_t l = utf8_decode(p + i, len - i, &cp);
    if (l && invisible(cp)) {
      i += l;
      continue;
    }
    if (l && !esc_dangerous_codepoint(cp)) {
      if (n + l > MAX_NAME)
        break; /* never cut inside a character */
      memcpy(out + n, p + i, l);
      n += l;
    } else {
      out[n++] = '_';
    }
    i += l ? l : 1;
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

/* ---- files ----------------------------------------------------------------
 */

/* A file could not be written: remove it, stop extracting, say so once. */
static void file_failed(open_file *f, int err) {
  ms_extract_sink *x = f->owner;
  if (!f->failed) {
    f->failed = true;
    __atomic_add_fetch(&x->counts->failed, 1, __ATOMIC_RELAXED);
    if (f->name)
      unlinkat(x->dirfd, f->name, 0);
  }
  if (__atomic_exchange_n(&x->counts->stopped, 1, __ATOMIC_RELAXED) == 0)
    fprintf(stderr,
            "mailscope: %s/%s: %s: extraction stopped (the file was "
            "removed; see extract_failed in the stats record)\n",
            x->dir, f->name ? f->name : "", strerror(err));
}

/* The limit was reached: this file and later ones are not written. */
static bool over_limit(ms_extract_sink *x) {
  uint64_t max = x->cfg.max_files;
  if (!max ||
      __atomic_add_fetch(&x->counts->written, 1, __ATOMIC_RELAXED) <= max)
    return false;
  __atomic_sub_fetch(&x->counts->written, 1, __ATOMIC_RELAXED);
  __atomic_add_fetch(&x->counts->refused, 1, __ATOMIC_RELAXED);
  if (__atomic_exchange_n(&x->counts->limit_said, 1, __ATOMIC_RELAXED) == 0 &&
      !x->cfg.quiet)
    fprintf(stderr,
            "mailscope: %s: --max-extract-files %llu reached: later files "
            "are not written (counted as extract_refused)\n",
            x->dir, (unsigned long long)max);
  return true;
}

static void *sink_open(void *ctx, const ms_session *s, const char *label,
                       const char *kind, int index, const char *filename) {
  ms_extract_sink *x = ctx;
  if (__atomic_load_n(&x->counts->stopped, __ATOMIC_RELAXED) || over_limit(x))
    return NULL;
  if (!x->cfg.max_files)
    __atomic_add_fetch(&x->counts->written, 1, __ATOMIC_RELAXED);
  char *safe_label = extract_safe_name(label);
  char *base;
  if (!strcmp(kind, "eml")) {
    base = xasprintf("%s-%s", s->uid, safe_label);
  } else {
    char *name = extract_safe_name(filename);
    base = xasprintf("%s-%s-%d-%s", s->uid, safe_label, index, name);
    free(name);
  }
  open_file *f = xcalloc(1, sizeof *f);
  f->owner = x;
  f->fd = safe_create_unique(x->dirfd, base, strcmp(kind, "eml") ? "" : ".eml",
                             &f->name);
  if (f->fd < 0) {
    f->name = xasprintf("%s%s", base, strcmp(kind, "eml") ? "" : ".eml");
    f->failed = true; /* nothing was created: nothing to remove */
    __atomic_sub_fetch(&x->counts->written, 1, __ATOMIC_RELAXED);
    __atomic_add_fetch(&x->counts->failed, 1, __ATOMIC_RELAXED);
    file_failed(f, errno);
  }
  free(base);
  free(safe_label);
  return f;
}

static void sink_write(void *file, const uint8_t *p, size_t n) {
  open_file *f = file;
  if (!f || f->failed)
    return;
  if (__atomic_load_n(&f->owner->counts->stopped, __ATOMIC_RELAXED)) {
    file_failed(f, ECANCELED); /* another file failed: no cut files */
    return;
  }
  while (n > 0) {
    ssize_t w = write(f->fd, p, n);
    if (w < 0 && errno == EINTR)
      continue;
    if (w <= 0) {
      file_failed(f, w < 0 ? errno : EIO);
      return;
    }
    p += w;
    n -= (size_t)w;
  }
}

static const char *sink_name(void *file) {
  open_file *f = file;
  return f && !f->failed ? f->name : NULL;
}

static void sink_close(void *file) {
  open_file *f = file;
  if (!f)
    return;
  if (f->fd >= 0 && close(f->fd) != 0 && !f->failed)
    file_failed(f, errno);
  if (!f->failed && f->name &&
      __atomic_load_n(&f->owner->counts->stopped, __ATOMIC_RELAXED))
    file_failed(f, ECANCELED);
  if (f->failed && f->fd >= 0) /* counted as written when opened */
    __atomic_sub_fetch(&f->owner->counts->written, 1, __ATOMIC_RELAXED);
  free(f->name);
  free(f);
}

ms_extract_sink *extract_sink_create(const char *dir, const extract_config *c) {
  int fd = safe_open_dir(dir, true, c->follow_links);
  if (fd < 0)
    return NULL;
  shared_counts *counts = mmap(NULL, sizeof *counts, PROT_READ | PROT_WRITE,
                               MAP_SHARED | MAP_ANONYMOUS, -1, 0);
  if (counts == MAP_FAILED) {
    fprintf(stderr, "mailscope: %s: %s\n", dir, strerror(errno));
    close(fd);
    return NULL;
  }
  memset(counts, 0, sizeof *counts);
  ms_extract_sink *x = xcalloc(1, sizeof *x);
  x->dir = xstrdup(dir);
  x->dirfd = fd;
  x->cfg = *c;
  x->counts = counts;
  x->sink.ctx = x;
  x->sink.open = sink_open;
  x->sink.write = sink_write;
  x->sink.close = sink_close;
  x->sink.name = sink_name;
  return x;
}

const ms_msg_sink *extract_sink_get(ms_extract_sink *x) { return &x->sink; }

void extract_sink_count(const ms_msg_sink *sink, ms_stats *st) {
  if (!sink || sink->open != sink_open)
    return;
  const shared_counts *c = ((const ms_extract_sink *)sink->ctx)->counts;
  st->files_extracted += __atomic_load_n(&c->written, __ATOMIC_RELAXED);
  st->extract_refused += __atomic_load_n(&c->refused, __ATOMIC_RELAXED);
  st->extract_failed += __atomic_load_n(&c->failed, __ATOMIC_RELAXED);
}

bool extract_sink_failed(const ms_msg_sink *sink) {
  if (!sink || sink->open != sink_open)
    return false;
  const shared_counts *c = ((const ms_extract_sink *)sink->ctx)->counts;
  return __atomic_load_n(&c->failed, __ATOMIC_RELAXED) != 0;
}

void extract_sink_destroy(ms_extract_sink *x) {
  if (!x)
    return;
  munmap(x->counts, sizeof *x->counts);
  close(x->dirfd);
  free(x->dir);
  free(x);
}
