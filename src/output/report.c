/* report.c - the report's life (report.h): parts opened, sessions added,
 * the page written at the end (report_page.c). */
#include "report.h"

#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "report_part.h"
#include "vec.h"

struct ms_report_parts {
  int fd; /* FILE, opened at once: written at the end, after privileges
             are dropped or the sandbox is on */
  char *extract_href; /* --extract-dir relative to FILE's directory */
  FILE **files;
  int n;
};

struct ms_report {
  ms_report_parts *parts;
  ms_report_part *w;
};

/* dir as seen from the directory of file: "../x/" style when both resolve,
 * else dir as given; always ending in '/'. */
static char *href_base(const char *file, const char *dir) {
  char *copy = xstrdup(file);
  char from[PATH_MAX], to[PATH_MAX];
  bool ok = realpath(dirname(copy), from) && realpath(dir, to);
  free(copy);
  if (!ok)
    return xasprintf("%s/", dir);
  size_t common = 0; /* whole path components the two share */
  for (size_t i = 0; from[i] && from[i] == to[i]; i++)
    if (from[i + 1] == '/' || from[i + 1] == '\0')
      if (to[i + 1] == '/' || to[i + 1] == '\0')
        common = i + 1;
  rt_buf b = {0};
  for (const char *p = from + common; *p; p++)
    if (*p == '/')
      rt_append(&b, "../", 3);
  const char *rest = to + common;
  while (*rest == '/')
    rest++;
  if (*rest) {
    rt_append(&b, rest, strlen(rest));
    rt_append(&b, "/", 1);
  }
  if (!b.buf)
    rt_append(&b, "./", 2);
  return b.buf;
}

ms_report_parts *report_parts_create(const char *path, const char *extract_dir,
                                     int workers) {
  int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  if (fd < 0)
    return NULL;
  ms_report_parts *p = xcalloc(1, sizeof *p);
  p->fd = fd;
  p->extract_href = extract_dir ? href_base(path, extract_dir) : NULL;
  p->n = workers;
  p->files = xcalloc((size_t)workers, sizeof *p->files);
  for (int k = 0; k < workers; k++) {
    if (!(p->files[k] = tmpfile())) {
      int e = errno;
      for (int j = 0; j < k; j++)
        fclose(p->files[j]);
      free(p->files);
      free(p->extract_href);
      close(p->fd);
      free(p);
      errno = e;
      return NULL;
    }
  }
  return p;
}

ms_report_part *report_part_open(ms_report_parts *p, int index) {
  if (index < 0 || index >= p->n)
    return NULL;
  return report_part_on(p->files[index]);
}

void report_part_close(ms_report_part *w, const ms_stats *st) {
  report_part_end(w, st);
}

static void parts_free(ms_report_parts *p) {
  for (int k = 0; k < p->n; k++)
    fclose(p->files[k]);
  free(p->files);
  free(p->extract_href);
  free(p);
}

int report_parts_finish(ms_report_parts *p, bool live) {
  report_read r;
  int rc = report_parts_read(p->files, p->n, live, &r);
  if (report_page_write(p->fd, p->extract_href, &r) != 0) /* closes fd */
    rc = -1;
  report_parts_release(&r);
  parts_free(p);
  return rc;
}

/* ---- one process ---------------------------------------------------------
 */

ms_report *report_open(const char *path, const char *extract_dir) {
  ms_report_parts *p = report_parts_create(path, extract_dir, 1);
  if (!p)
    return NULL;
  ms_report *r = xcalloc(1, sizeof *r);
  r->parts = p;
  r->w = report_part_open(p, 0);
  return r;
}

void report_add(ms_report *r, const ms_session *s) { report_part_add(r->w, s); }

int report_close(ms_report *r, const ms_stats *st) {
  int rc = report_part_end(r->w, st);
  if (report_parts_finish(r->parts, false) != 0)
    rc = -1;
  free(r);
  return rc;
}
