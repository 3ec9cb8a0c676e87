/* test_outfile.c - the checked writer: large writes through its stdio
 * stream arrive whole; /dev/full reading files: said once, the fatal hook
 * once, close reports it; live: each failed record counted lost, no fatal;
 * named files: created relative to the directory, a link refused, rotation
 * by size with header and footer hooks and a rename that never replaces a
 * file, by time (and not when nothing was written), SIGHUP's reopen after
 * the file was moved away. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <dirent.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include "outfile.h"
#include "vec.h"

static int fatal_calls;
static void on_fatal(void) { fatal_calls++; }

static char *slurp(const char *path, size_t *len) {
  FILE *f = fopen(path, "rb");
  if (!f)
    return NULL;
  size_t cap = 1 << 22;
  char *buf = xmalloc(cap);
  *len = fread(buf, 1, cap, f);
  fclose(f);
  return buf;
}

static char *make_dir(void) {
  char *dir = xstrdup("/tmp/mailscope-outfile-XXXXXX");
  assert_non_null(mkdtemp(dir));
  return dir;
}

static void remove_dir(const char *dir) {
  char *cmd = xasprintf("rm -rf '%s'", dir);
  assert_int_equal(system(cmd), 0);
  free(cmd);
}

/* 3 MiB through the stdio stream, in pieces larger and smaller than both
 * buffers: every byte arrives, in order. */
static void large_stream_writes(void **state) {
  (void)state;
  char *dir = make_dir();
  int dirfd = open(dir, O_RDONLY | O_DIRECTORY);
  outfile_config c;
  outfile_config_init(&c);
  ms_outfile *f = outfile_open(dirfd, dir, "big.txt", &c);
  assert_non_null(f);
  FILE *s = outfile_stream(f);
  char *chunk = xmalloc(300000);
  size_t total = 0;
  for (int i = 0; i < 30; i++) {
    size_t n = (size_t)(i % 3 == 0 ? 300000 : 1000 + i);
    memset(chunk, 'a' + i % 26, n);
    fwrite(chunk, 1, n, s);
    total += n;
    fflush(s);
    outfile_end_record(f);
  }
  assert_int_equal(outfile_close(f), 0);
  char *path = xasprintf("%s/big.txt", dir);
  size_t len = 0;
  char *got = slurp(path, &len);
  assert_int_equal(len, total);
  assert_int_equal(got[0], 'a');
  assert_int_equal(got[len - 1], 'a' + 29 % 26);
  free(got);
  free(path);
  free(chunk);
  close(dirfd);
  remove_dir(dir);
  free(dir);
}

static void dev_full_offline(void **state) {
  (void)state;
  int fd = open("/dev/full", O_WRONLY);
  assert_true(fd >= 0);
  fatal_calls = 0;
  outfile_set_fatal(on_fatal);
  outfile_config c;
  outfile_config_init(&c);
  ms_outfile *f = outfile_fd(fd, "/dev/full", &c);
  for (int i = 0; i < 3; i++) {
    outfile_puts(f, "a record\n");
    outfile_end_record(f);
  }
  assert_false(outfile_flush(f));
  assert_true(outfile_failed(f));
  assert_int_equal(fatal_calls, 1);
  assert_int_equal(outfile_close(f), -1);
  outfile_set_fatal(NULL);
  close(fd);
}

static void dev_full_live(void **state) {
  (void)state;
  int fd = open("/dev/full", O_WRONLY);
  fatal_calls = 0;
  outfile_set_fatal(on_fatal);
  outfile_config c;
  outfile_config_init(&c);
  c.live = true;
  ms_outfile *f = outfile_fd(fd, "/dev/full", &c);
  uint64_t before = outfile_records_lost();
  for (int i = 0; i < 4; i++) {
    outfile_puts(f, "a record\n");
    outfile_end_record(f);
  }
  assert_int_equal(outfile_records_lost() - before, 4);
  assert_int_equal(fatal_calls, 0);
  outfile_close(f);
  outfile_set_fatal(NULL);
  close(fd);
}

static int headers, footers;
static void header(ms_outfile *f, void *ctx) {
  (void)ctx;
  headers++;
  outfile_puts(f, "#open\n");
}
static void footer(ms_outfile *f, void *ctx) {
  (void)ctx;
  footers++;
  outfile_puts(f, "#close\n");
}

static size_t count_files(const char *dir, const char *prefix) {
  DIR *d = opendir(dir);
  size_t n = 0;
  for (struct dirent *e; (e = readdir(d));)
    n += !strncmp(e->d_name, prefix, strlen(prefix));
  closedir(d);
  return n;
}

/* Rotation by size: every rotated file whole (header, records, footer),
 * named NAME.TIME.EXT, none replaced; a planted name is kept. */
static void rotation_by_size(void **state) {
  (void)state;
  char *dir = make_dir();
  int dirfd = open(dir, O_RDONLY | O_DIRECTORY);
  outfile_config c;
  outfile_config_init(&c);
  c.live = true;
  c.rotate_bytes = 4096;
  c.rotate_format = "fixed";
  c.header = header;
  c.footer = footer;
  headers = footers = 0;
  char *planted = xasprintf("%s/log.fixed.ndjson", dir);
  FILE *p = fopen(planted, "w");
  fputs("keep me", p);
  fclose(p);
  ms_outfile *f = outfile_open(dirfd, dir, "log.ndjson", &c);
  assert_non_null(f);
  char line[100];
  memset(line, 'x', sizeof line - 1);
  line[sizeof line - 2] = '\n';
  line[sizeof line - 1] = '\0';
  for (int i = 0; i < 200; i++) { /* 20,000 bytes: 4 rotations */
    outfile_puts(f, line);
    outfile_end_record(f);
  }
  assert_int_equal(outfile_close(f), 0);
  assert_int_equal(count_files(dir, "log.fixed"), 5); /* planted + 4 */
  assert_int_equal(headers, 5);
  assert_int_equal(footers, 5);
  size_t len = 0;
  char *kept = slurp(planted, &len);
  assert_memory_equal(kept, "keep me", 7);
  free(kept);
  char *first = xasprintf("%s/log.fixed-1.ndjson", dir);
  char *got = slurp(first, &len);
  assert_true(len >= 4096);
  assert_memory_equal(got, "#open\n", 6);
  assert_memory_equal(got + len - 7, "#close\n", 7);
  free(got);
  free(first);
  free(planted);
  close(dirfd);
  remove_dir(dir);
  free(dir);
}

/* A link at the name is refused; moved away, the file is reopened. */
static void links_and_reopen(void **state) {
  (void)state;
  char *dir = make_dir();
  int dirfd = open(dir, O_RDONLY | O_DIRECTORY);
  char *link = xasprintf("%s/link.ndjson", dir);
  assert_int_equal(symlink("/etc/passwd", link), 0);
  outfile_config c;
  outfile_config_init(&c);
  c.live = true;
  assert_null(outfile_open(dirfd, dir, "link.ndjson", &c));
  ms_outfile *f = outfile_open(dirfd, dir, "r.ndjson", &c);
  outfile_puts(f, "one\n");
  outfile_end_record(f);
  char *from = xasprintf("%s/r.ndjson", dir);
  char *to = xasprintf("%s/r.ndjson.1", dir);
  assert_int_equal(rename(from, to), 0);
  outfile_request_reopen();
  outfile_puts(f, "two\n");
  outfile_end_record(f);
  assert_int_equal(outfile_close(f), 0);
  size_t len = 0;
  char *a = slurp(to, &len);
  assert_int_equal(len, 4);
  assert_memory_equal(a, "one\n", 4);
  free(a);
  char *b = slurp(from, &len);
  assert_int_equal(len, 4);
  assert_memory_equal(b, "two\n", 4);
  free(b);
  free(from);
  free(to);
  free(link);
  close(dirfd);
  remove_dir(dir);
  free(dir);
}

/* Rotation by time: at the period's end, by a tick; a file with no record
 * is not rotated (no empty files). */
static void rotation_by_time(void **state) {
  (void)state;
  char *dir = make_dir();
  int dirfd = open(dir, O_RDONLY | O_DIRECTORY);
  outfile_config c;
  outfile_config_init(&c);
  c.live = true;
  c.rotate_seconds = 1;
  ms_outfile *f = outfile_open(dirfd, dir, "t.log", &c);
  outfile_puts(f, "a record\n");
  outfile_end_record(f);
  time_t start = time(NULL);
  while (time(NULL) == start)
    usleep(20000);
  outfile_tick(time(NULL));
  assert_int_equal(count_files(dir, "t."), 2); /* t.log, t.TIME.log */
  time_t second = time(NULL);
  while (time(NULL) == second)
    usleep(20000);
  outfile_tick(time(NULL)); /* nothing written since: no rotation */
  assert_int_equal(count_files(dir, "t."), 2);
  assert_int_equal(outfile_close(f), 0);
  close(dirfd);
  remove_dir(dir);
  free(dir);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(large_stream_writes), cmocka_unit_test(dev_full_offline),
      cmocka_unit_test(dev_full_live),       cmocka_unit_test(rotation_by_size),
      cmocka_unit_test(rotation_by_time),    cmocka_unit_test(links_and_reopen),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
