/* test_keylog.c - key log files and pcapng secrets into the key store
 * (src/capture/keylog.c): files read whole at start, a growing file reread
 * from where it was when a key is missing (a line still being written
 * waits for its newline), a truncated file and one replaced under its
 * name read again from the start, bad lines reported by number and never
 * by content, several files, unreadable files refused, and the TLSK
 * secrets of a Decryption Secrets Block. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "keylog.h"

#define MS48                                                                   \
  "000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f"           \
  "202122232425262728292a2b2c2d2e2f"

static char dir[64];

static int setup(void **state) {
  (void)state;
  strcpy(dir, "/tmp/ms-keylog-XXXXXX");
  return mkdtemp(dir) ? 0 : -1;
}

static int teardown(void **state) {
  (void)state;
  char cmd[128];
  snprintf(cmd, sizeof cmd, "rm -rf %s", dir);
  return system(cmd);
}

static char *path(const char *name) {
  static char p[4][128];
  static int i;
  char *out = p[i++ & 3];
  snprintf(out, 128, "%s/%s", dir, name);
  return out;
}

static void write_file(const char *name, const char *mode, const char *text) {
  FILE *f = fopen(path(name), mode);
  assert_non_null(f);
  fputs(text, f);
  fclose(f);
}

/* A client random whose every byte is b. */
static void random_of(uint8_t b, uint8_t out[32]) { memset(out, b, 32); }

static char *line(const char *label, uint8_t b, const char *secret) {
  static char buf[4][256];
  static int i;
  char *out = buf[i++ & 3], hex[65];
  for (int k = 0; k < 32; k++)
    sprintf(hex + 2 * k, "%02x", b);
  snprintf(out, 256, "%s %s %s\n", label, hex, secret);
  return out;
}

static size_t find(ms_tls_keys *k, uint8_t b) {
  uint8_t cr[32], out[64];
  random_of(b, cr);
  return ms_tls_keys_find(k, MS_TLS_KEY_CLIENT_RANDOM, cr, out);
}

static strvec files_of(const char *a, const char *b) {
  strvec v = {0};
  strvec_push(&v, path(a));
  if (b)
    strvec_push(&v, path(b));
  return v;
}

static void read_at_start_and_growing(void **state) {
  (void)state;
  write_file("grow.log", "w", "# SSL/TLS secrets log file\n");
  write_file("grow.log", "a", line("CLIENT_RANDOM", 1, MS48));
  strvec files = files_of("grow.log", NULL);
  ms_tls_keys *k = ms_tls_keys_new();
  ms_keylog *kl = ms_keylog_open(&files, k, true);
  assert_non_null(kl);
  assert_int_equal(find(k, 1), 48);
  assert_int_equal(find(k, 2), 0);
  /* the client appends while we run: a miss rereads */
  write_file("grow.log", "a", line("CLIENT_RANDOM", 2, MS48));
  assert_int_equal(find(k, 2), 48);
  /* half a line: not taken before its newline */
  char *l3 = line("CLIENT_RANDOM", 3, MS48);
  char half[256];
  snprintf(half, sizeof half, "%.*s", 100, l3);
  write_file("grow.log", "a", half);
  assert_int_equal(find(k, 3), 0);
  write_file("grow.log", "a", l3 + 100);
  assert_int_equal(find(k, 3), 48);
  assert_int_equal(ms_tls_keys_count(k), 3);
  ms_keylog_close(kl);
  /* the store no longer calls a closed reader */
  assert_int_equal(find(k, 9), 0);
  ms_tls_keys_free(k);
  strvec_free(&files);
}

static void truncated_and_replaced(void **state) {
  (void)state;
  write_file("rot.log", "w", line("CLIENT_RANDOM", 1, MS48));
  write_file("rot.log", "a", line("CLIENT_RANDOM", 2, MS48));
  strvec files = files_of("rot.log", NULL);
  ms_tls_keys *k = ms_tls_keys_new();
  ms_keylog *kl = ms_keylog_open(&files, k, true);
  /* truncated, then a shorter log written in it */
  write_file("rot.log", "w", line("CLIENT_RANDOM", 4, MS48));
  assert_int_equal(find(k, 4), 48);
  /* replaced under its name */
  write_file("rot.new", "w", line("CLIENT_RANDOM", 5, MS48));
  assert_int_equal(rename(path("rot.new"), path("rot.log")), 0);
  assert_int_equal(find(k, 5), 48);
  assert_int_equal(find(k, 1), 48); /* what was read stays */
  ms_keylog_close(kl);
  ms_tls_keys_free(k);
  strvec_free(&files);
}

/* Run fn with stderr into a file; returns what was written. */
static char *stderr_of(void (*fn)(void)) {
  static char text[1024];
  fflush(stderr);
  int saved = dup(2);
  FILE *f = fopen(path("stderr"), "w+");
  dup2(fileno(f), 2);
  fn();
  fflush(stderr);
  dup2(saved, 2);
  close(saved);
  rewind(f);
  size_t n = fread(text, 1, sizeof text - 1, f);
  text[n] = 0;
  fclose(f);
  return text;
}

static void open_bad(void) {
  strvec files = files_of("bad.log", "grow.log");
  ms_tls_keys *k = ms_tls_keys_new();
  ms_keylog *kl = ms_keylog_open(&files, k, false);
  assert_non_null(kl);
  assert_int_equal(find(k, 7), 48);
  assert_int_equal(find(k, 8), 48);
  assert_int_equal(find(k, 1), 48); /* from the second file */
  ms_keylog_close(kl);
  ms_tls_keys_free(k);
  strvec_free(&files);
}

static void bad_lines_by_number(void **state) {
  (void)state;
  write_file("grow.log", "w", line("CLIENT_RANDOM", 1, MS48));
  write_file("bad.log", "w", line("CLIENT_RANDOM", 7, MS48));
  write_file("bad.log", "a", "CLIENT_RANDOM 00 secretsecretsecret\n");
  write_file("bad.log", "a", line("EXPORTER_SECRET", 7, MS48));
  write_file("bad.log", "a", line("CLIENT_RANDOM", 9, "0102"));
  char longline[3000];
  memset(longline, 'a', sizeof longline - 2);
  longline[sizeof longline - 2] = '\n';
  longline[sizeof longline - 1] = 0;
  write_file("bad.log", "a", longline);
  /* the last line without its newline: taken when it is whole */
  char *l8 = line("CLIENT_RANDOM", 8, MS48);
  l8[strlen(l8) - 1] = 0;
  write_file("bad.log", "a", l8);
  char *err = stderr_of(open_bad);
  assert_non_null(strstr(err, "bad.log: 3 line(s) are not key log lines"));
  assert_non_null(strstr(err, "the first is line 2"));
  assert_null(strstr(err, "secret"));
  assert_null(strstr(err, "0102"));
  assert_null(strstr(err, "grow.log"));
}

static void unreadable_files(void **state) {
  (void)state;
  strvec files = files_of("missing.log", NULL);
  assert_false(ms_keylog_check(&files));
  ms_tls_keys *k = ms_tls_keys_new();
  assert_null(ms_keylog_open(&files, k, true));
  strvec_free(&files);
  files = (strvec){0};
  strvec_push(&files, dir); /* a directory */
  assert_false(ms_keylog_check(&files));
  assert_null(ms_keylog_open(&files, k, true));
  strvec_free(&files);
  files = files_of("grow.log", NULL);
  assert_true(ms_keylog_check(&files));
  strvec_free(&files);
  ms_tls_keys_free(k);
}

static void secrets_blocks(void **state) {
  (void)state;
  ms_tls_keys *k = ms_tls_keys_new();
  char dsb[1024];
  snprintf(dsb, sizeof dsb, "%s%s%s", line("CLIENT_RANDOM", 1, MS48),
           "# comment\n", line("SERVER_TRAFFIC_SECRET_0", 2, MS48));
  dsb[strlen(dsb) - 1] = 0; /* the last line may lack its newline */
  assert_int_equal(
      ms_keylog_add_dsb(k, MS_DSB_TLS_KEYLOG, (uint8_t *)dsb, strlen(dsb)), 2);
  assert_int_equal(find(k, 1), 48);
  uint8_t cr[32], out[64];
  random_of(2, cr);
  assert_int_equal(ms_tls_keys_find(k, MS_TLS_KEY_SERVER_AP0, cr, out), 48);
  /* other secrets types (WireGuard, ZigBee, ...) are not ours */
  assert_int_equal(
      ms_keylog_add_dsb(k, 0x57474b4c, (uint8_t *)dsb, strlen(dsb)), 0);
  assert_int_equal(
      ms_keylog_add_dsb(NULL, MS_DSB_TLS_KEYLOG, (uint8_t *)dsb, strlen(dsb)),
      0);
  ms_tls_keys_free(k);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(read_at_start_and_growing),
      cmocka_unit_test(truncated_and_replaced),
      cmocka_unit_test(bad_lines_by_number),
      cmocka_unit_test(unreadable_files),
      cmocka_unit_test(secrets_blocks),
  };
  return cmocka_run_group_tests(tests, setup, teardown);
}
