/* test_ring.c - the ring that --workers' parent reads the capture files
 * into (ring.h, fileshare.h): every consumer process gets every chunk in
 * order, slots are reused, a closed ring ends, a consumer that exits or
 * leaves never blocks the producer, a consumer whose producer is gone gives
 * up; through fileshare, a compressed file's bytes arrive whole, a plain
 * file is left to each consumer, and a file that cannot be opened, or
 * whose decompression fails, is said to every consumer with its errno (and
 * the decompressor's reason). */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cmocka.h>

#include "decompress.h"
#include "fileshare.h"
#include "ring.h"

#define ROUNDS (5 * MS_RING_CHUNKS + 3)

typedef struct {
  pid_t pids[4];
  int n;
} kids;

static bool kid_alive(void *ctx, int k) {
  kids *c = ctx;
  int st;
  return waitpid(c->pids[k], &st, WNOHANG) == 0;
}

typedef int (*consumer_fn)(ms_ring *, int);

/* Child k runs fn[k](ring, k) and exits with its result. */
static void spawn(kids *c, int n, ms_ring *r, const consumer_fn *fn) {
  c->n = n;
  for (int k = 0; k < n; k++) {
    c->pids[k] = fork();
    assert_true(c->pids[k] >= 0);
    if (c->pids[k] == 0)
      _exit(fn[k](r, k));
  }
}

static int reap(kids *c, int k) {
  int st = 0;
  if (waitpid(c->pids[k], &st, 0) != c->pids[k])
    return -1; /* reaped by kid_alive: it had exited */
  return WIFEXITED(st) ? WEXITSTATUS(st) : 100;
}

/* Takes every chunk, checks its number and bytes; 0 when all were right. */
static int take_all(ms_ring *r, int k) {
  const ms_chunk_info *info;
  const uint8_t *d;
  uint32_t want = 0;
  while ((d = ms_ring_take(r, k, &info, NULL))) {
    uint32_t got;
    memcpy(&got, d, 4);
    if (info->tag != want || got != want || info->len != 4 + want ||
        d[3 + want] != (uint8_t)want)
      return 1;
    if (k == 1 && want % 7 == 0)
      usleep(2000); /* one slow consumer: the producer must wait for it */
    ms_ring_release(r, k);
    want++;
  }
  return want == ROUNDS ? 0 : 2;
}

static void produce(ms_ring *r, uint8_t **seen) {
  for (uint32_t i = 0; i < ROUNDS; i++) {
    ms_chunk_info *info;
    uint8_t *d = ms_ring_claim(r, &info);
    assert_non_null(d);
    if (seen)
      seen[i] = d;
    memset(d, (uint8_t)i, 4 + i);
    memcpy(d, &i, 4);
    info->tag = i;
    info->len = 4 + i;
    ms_ring_publish(r);
  }
  ms_ring_close(r);
}

static void order_and_reuse(void **state) {
  (void)state;
  ms_ring *r = ms_ring_create(2);
  assert_non_null(r);
  kids c;
  const consumer_fn fn[] = {take_all, take_all};
  spawn(&c, 2, r, fn);
  ms_ring_on_consumer(r, kid_alive, &c);
  uint8_t *seen[ROUNDS];
  produce(r, seen);
  for (int i = MS_RING_CHUNKS; i < ROUNDS; i++)
    assert_ptr_equal(seen[i], seen[i - MS_RING_CHUNKS]); /* slots reused */
  for (int i = 1; i < MS_RING_CHUNKS; i++)
    assert_ptr_not_equal(seen[i], seen[0]);
  assert_int_equal(reap(&c, 0), 0);
  assert_int_equal(reap(&c, 1), 0);
  ms_ring_destroy(r);
}

static int exit_at_once(ms_ring *r, int k) {
  (void)r, (void)k;
  return 0;
}

static int take_three_and_leave(ms_ring *r, int k) {
  const ms_chunk_info *info;
  for (int i = 0; i < 3; i++) {
    if (!ms_ring_take(r, k, &info, NULL))
      return 1;
    ms_ring_release(r, k);
  }
  ms_ring_leave(r, k);
  return 0;
}

/* A consumer that exits without a word (as if it died) and one that
 * leaves: the producer goes on with the third and never waits for them. */
static void consumers_exiting(void **state) {
  (void)state;
  ms_ring *r = ms_ring_create(3);
  kids c;
  const consumer_fn fn[] = {exit_at_once, take_three_and_leave, take_all};
  spawn(&c, 3, r, fn);
  ms_ring_on_consumer(r, kid_alive, &c);
  produce(r, NULL);
  assert_int_equal(ms_ring_consumers(r), 1);
  assert_int_equal(reap(&c, 2), 0);
  reap(&c, 0);
  reap(&c, 1);
  /* none left: claim says so instead of waiting */
  ms_ring *alone = ms_ring_create(1);
  ms_ring_leave(alone, 0);
  ms_chunk_info *info;
  assert_null(ms_ring_claim(alone, &info));
  ms_ring_destroy(alone);
  ms_ring_destroy(r);
}

static int calls;
static bool give_up_third(void) { return ++calls >= 3; }

static void closed_and_given_up(void **state) {
  (void)state;
  ms_ring *r = ms_ring_create(1);
  const ms_chunk_info *info;
  ms_ring_close(r);
  assert_null(ms_ring_take(r, 0, &info, NULL));
  ms_ring_destroy(r);
  /* nobody publishes: the consumer asks give_up after each timeout */
  r = ms_ring_create(1);
  assert_null(ms_ring_take(r, 0, &info, give_up_third));
  assert_int_equal(calls, 3);
  ms_ring_destroy(r);
}

/* fileshare: files fed by the parent, read whole by every child. */
static char dir[] = "/tmp/test_ring.XXXXXX";
static char files[5][64];
static uint8_t *plain;
#define PLAIN_LEN (3 * MS_RING_CHUNK + 12345)

/* File 0 a gzip stream, whole; file 1 missing (ENOENT); file 2 a
 * directory and file 4 a plain file, which each worker reads itself; file
 * 3 a gzip stream cut short (EIO and the decompressor's reason). */
static int read_files(ms_ring *r, int k) {
  fileshare_reader fr;
  if (!fileshare_begin(&fr, r, k, 0, NULL) || !fr.compressed || fr.direct)
    return 1;
  uint8_t *got = malloc(PLAIN_LEN + 1);
  size_t n = ms_stream_read(&fr.st, got, PLAIN_LEN + 1);
  int bad = n != PLAIN_LEN || memcmp(got, plain, PLAIN_LEN) != 0 || !fr.st.eof;
  free(got);
  fileshare_end(&fr);
  if (bad)
    return 2;
  if (fileshare_begin(&fr, r, k, 1, NULL) || errno != ENOENT)
    return 3;
  if (!fileshare_begin(&fr, r, k, 2, NULL) || !fr.direct)
    return 4;
  if (!fileshare_begin(&fr, r, k, 3, NULL) || !fr.compressed)
    return 6;
  uint8_t *all = malloc(PLAIN_LEN);
  n = ms_stream_read(&fr.st, all, PLAIN_LEN);
  bad =
      fr.st.err != EIO || !ms_decompress_error() || memcmp(all, plain, n) != 0;
  free(all);
  fileshare_end(&fr);
  if (bad)
    return 7;
  if (!fileshare_begin(&fr, r, k, 4, NULL) || !fr.direct || fr.compressed)
    return 8;
  return 0;
}

static void files_shared(void **state) {
  (void)state;
  assert_non_null(mkdtemp(dir));
  plain = malloc(PLAIN_LEN);
  for (size_t i = 0; i < PLAIN_LEN; i++)
    plain[i] = (uint8_t)(i * 2654435761u >> 13);
  snprintf(files[0], sizeof files[0], "%s/plain.gz", dir);
  snprintf(files[4], sizeof files[4], "%s/plain", dir);
  snprintf(files[1], sizeof files[1], "%s/missing", dir);
  snprintf(files[2], sizeof files[2], "%s", dir);
  snprintf(files[3], sizeof files[3], "%s/cut.gz", dir);
  FILE *f = fopen(files[4], "wb");
  assert_int_equal(fwrite(plain, 1, PLAIN_LEN, f), PLAIN_LEN);
  fclose(f);
  char cmd[512];
  snprintf(cmd, sizeof cmd, "gzip -c %s > %s && head -c 5000 %s > %s", files[4],
           files[0], files[0], files[3]);
  assert_int_equal(system(cmd), 0);
  strvec list = {0};
  for (int i = 0; i < 5; i++)
    strvec_push(&list, files[i]);
  ms_ring *r = ms_ring_create(2);
  kids c;
  const consumer_fn fn[] = {read_files, read_files};
  spawn(&c, 2, r, fn);
  ms_ring_on_consumer(r, kid_alive, &c);
  fileshare_feed(r, &list, NULL, NULL);
  assert_int_equal(reap(&c, 0), 0);
  assert_int_equal(reap(&c, 1), 0);
  ms_ring_destroy(r);
  strvec_free(&list);
  unlink(files[0]);
  unlink(files[3]);
  unlink(files[4]);
  rmdir(dir);
  free(plain);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(order_and_reuse),
      cmocka_unit_test(consumers_exiting),
      cmocka_unit_test(closed_and_given_up),
      cmocka_unit_test(files_shared),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
