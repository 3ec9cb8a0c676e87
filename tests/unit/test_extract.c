/* test_extract.c - the --extract-dir sink: hostile wire file names never
 * leave DIR, existing files are never overwritten, and a message fed through
 * the message layer comes out as the exact .eml bytes plus its decoded
 * attachments; names are kept by content for the report's links. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>

#include "extract.h"
#include "message.h"

static void name_is(const char *wire, const char *expected) {
  char *safe = extract_safe_name(wire);
  assert_string_equal(safe, expected);
  free(safe);
}

static void hostile_names(void **state) {
  (void)state;
  name_is("../../etc/passwd", "_._etc_passwd");
  name_is("..\\..\\windows\\system32", "_._windows_system32");
  name_is("/abs/path", "_abs_path");
  name_is("...hidden", "hidden");
  name_is("..", "attachment");
  name_is("", "attachment");
  name_is(NULL, "attachment");
  name_is("a\r\nb\tc\x01.txt", "a__b_c_.txt");
  name_is("CON", "_CON");
  name_is("nul.txt", "_nul.txt");
  name_is("com1.pdf", "_com1.pdf");
  name_is("console.txt", "console.txt");
  name_is("report.pdf. . ", "report.pdf");
  name_is("caf\xc3\xa9.txt", "caf\xc3\xa9.txt");
  name_is("\xe2\x80\xaegnp.exe", "_gnp.exe"); /* U+202E shows it as exe.png */
  name_is("a\xc2\x9b"
          "31m\xff\xfe.txt",
          "a_31m__.txt"); /* C1 CSI, bytes that are not UTF-8 */
  name_is("\xe2\x81\xa6x\xef\xbb\xbf", "_x_"); /* isolate, BOM */

  /* Long names are bounded, never cut inside a UTF-8 sequence. */
  char longname[400];
  memset(longname, 'a', 99);
  strcpy(longname + 99, "\xc3\xa9\xc3\xa9 and more");
  char *safe = extract_safe_name(longname);
  assert_true(strlen(safe) <= 100);
  assert_int_equal(strlen(safe), 99);
  free(safe);
  memset(longname, 'a', 98);
  strcpy(longname + 98, "\xe2\x82\xac tail"); /* euro sign across the bound */
  safe = extract_safe_name(longname);
  assert_int_equal(strlen(safe), 98);
  free(safe);

  /* fuzz_message finding: a device name of 100 bytes got its "_" in front
   * past the bound (101 bytes).  And a cut UTF-8 sequence dropped at the
   * end must not leave a trailing dot. */
  memcpy(longname, "CON.", 4);
  memset(longname + 4, 'a', 200);
  longname[204] = '\0';
  safe = extract_safe_name(longname);
  assert_int_equal(strlen(safe), 100);
  assert_memory_equal(safe, "_CON.aaa", 8);
  free(safe);
  memset(longname, 'a', 98);
  strcpy(longname + 98, ".\xe2\x82\xac");
  safe = extract_safe_name(longname);
  assert_int_equal(strlen(safe), 98);
  free(safe);

  /* Whatever the input, no separator, no "..", no control byte. */
  for (int c = 0; c < 256; c++) {
    char wire[8] = {'.', '.', (char)c, '.', '.', (char)c, '/', 0};
    if (c == 0)
      wire[2] = 'x';
    safe = extract_safe_name(wire);
    assert_null(strchr(safe, '/'));
    assert_null(strchr(safe, '\\'));
    assert_null(strstr(safe, ".."));
    assert_true(safe[0] != '.');
    for (const unsigned char *p = (const unsigned char *)safe; *p; p++)
      assert_true(*p >= 0x20 && *p != 0x7f);
    free(safe);
  }
}

static char *read_file(const char *path, size_t *len) {
  FILE *f = fopen(path, "rb");
  if (!f)
    return NULL;
  char *buf = malloc(65536);
  *len = fread(buf, 1, 65535, f);
  buf[*len] = '\0';
  fclose(f);
  return buf;
}

static void file_is(const char *dir, const char *name, const char *content) {
  char path[512];
  snprintf(path, sizeof path, "%s/%s", dir, name);
  size_t len = 0;
  char *got = read_file(path, &len);
  assert_non_null(got);
  assert_int_equal(len, strlen(content));
  assert_memory_equal(got, content, len);
  free(got);
}

static const char message_text[] =
    "From: a@example.org\r\n"
    "Content-Type: multipart/mixed; boundary=b\r\n\r\n"
    "--b\r\nContent-Type: text/plain\r\n\r\nbody\r\n"
    "--b\r\nContent-Type: application/octet-stream\r\n"
    "Content-Disposition: attachment; filename=\"../../evil.sh\"\r\n"
    "Content-Transfer-Encoding: base64\r\n\r\naGVsbG8=\r\n"
    "--b--\r\n";

static void extract_once(const ms_msg_sink *sink, ms_session *s) {
  ms_dissect_config cfg;
  ms_dissect_config_defaults(&cfg);
  cfg.sink = sink;
  ms_message *m = ms_message_new();
  ms_msg_parser *p = ms_msg_begin(s, m, &cfg, "t1", 0);
  size_t n = strlen(message_text);
  for (size_t off = 0; off < n; off += 5)
    ms_msg_feed(p, (const uint8_t *)message_text + off,
                n - off < 5 ? n - off : 5, 0);
  ms_msg_end(p, false, 0);
  assert_int_equal(m->attachments.len, 1);
  assert_string_equal(m->attachments.items[0].filename, "../../evil.sh");
  ms_message_free(m);
}

static void extraction_and_no_overwrite(void **state) {
  (void)state;
  char dir[] = "/tmp/mailscope-extract-XXXXXX";
  assert_non_null(mkdtemp(dir));
  ms_extract_sink *x = extract_sink_create(dir, true);
  assert_non_null(x);
  ms_session *s = ms_session_new();
  snprintf(s->uid, sizeof s->uid, "%s", "CAbc123");

  /* A file already there under the attachment's name stays untouched. */
  char planted[512];
  snprintf(planted, sizeof planted, "%s/CAbc123-t1-0-_._evil.sh", dir);
  FILE *f = fopen(planted, "w");
  assert_non_null(f);
  fputs("keep me", f);
  fclose(f);

  extract_once(extract_sink_get(x), s);
  extract_once(extract_sink_get(x), s); /* same names again */

  file_is(dir, "CAbc123-t1.eml", message_text);
  file_is(dir, "CAbc123-t1-1.eml", message_text);
  file_is(dir, "CAbc123-t1-0-_._evil.sh", "keep me");
  file_is(dir, "CAbc123-t1-0-_._evil.sh-1", "hello");
  file_is(dir, "CAbc123-t1-0-_._evil.sh-2", "hello");

  /* Nothing was written outside DIR. */
  char outside[512];
  snprintf(outside, sizeof outside, "%s/../evil.sh", dir);
  assert_int_not_equal(access(outside, F_OK), 0);

  const char *names[] = {"CAbc123-t1.eml", "CAbc123-t1-1.eml",
                         "CAbc123-t1-0-_._evil.sh", "CAbc123-t1-0-_._evil.sh-1",
                         "CAbc123-t1-0-_._evil.sh-2"};
  for (size_t i = 0; i < sizeof names / sizeof names[0]; i++) {
    char path[512];
    snprintf(path, sizeof path, "%s/%s", dir, names[i]);
    unlink(path);
  }
  assert_int_equal(rmdir(dir), 0); /* nothing else was created */
  ms_session_free(s);
  extract_sink_destroy(x);
}

/* For the report's links: each file written whole, by session and the
 * sha256 the record gives its content; forgotten with the session. */
static void names_kept_by_content(void **state) {
  (void)state;
  char dir[] = "/tmp/mailscope-extract-XXXXXX";
  assert_non_null(mkdtemp(dir));
  ms_extract_sink *x = extract_sink_create(dir, true);
  assert_ptr_equal(extract_sink_of(extract_sink_get(x)), x);
  ms_msg_sink other = {0};
  assert_null(extract_sink_of(&other));
  assert_null(extract_sink_of(NULL));
  extract_sink_keep_names(x);
  ms_session *s = ms_session_new();
  snprintf(s->uid, sizeof s->uid, "%s", "CKeep1");
  ms_dissect_config cfg;
  ms_dissect_config_defaults(&cfg);
  cfg.sink = extract_sink_get(x);
  ms_message *m = ms_message_new();
  ms_msg_parser *p = ms_msg_begin(s, m, &cfg, "t1", 0);
  ms_msg_feed(p, (const uint8_t *)message_text, strlen(message_text), 0);
  ms_msg_end(p, false, 0);
  assert_string_equal(extract_sink_name(x, "CKeep1", m->sha256),
                      "CKeep1-t1.eml");
  assert_string_equal(
      extract_sink_name(x, "CKeep1", m->attachments.items[0].sha256),
      "CKeep1-t1-0-_._evil.sh");
  assert_null(extract_sink_name(x, "COther", m->sha256));
  extract_sink_forget(x, "CKeep1");
  assert_null(extract_sink_name(x, "CKeep1", m->sha256));
  char path[512];
  snprintf(path, sizeof path, "%s/CKeep1-t1.eml", dir);
  unlink(path);
  snprintf(path, sizeof path, "%s/CKeep1-t1-0-_._evil.sh", dir);
  unlink(path);
  assert_int_equal(rmdir(dir), 0);
  ms_message_free(m);
  ms_session_free(s);
  extract_sink_destroy(x);
}

static void unwritable_dir_is_not_fatal(void **state) {
  (void)state;
  assert_null(extract_sink_create("/proc/version/sub", true));
  char dir[] = "/tmp/mailscope-extract-XXXXXX";
  assert_non_null(mkdtemp(dir));
  ms_extract_sink *x = extract_sink_create(dir, true);
  assert_non_null(x);
  assert_int_equal(rmdir(dir), 0); /* the directory vanishes under us */
  ms_session *s = ms_session_new();
  snprintf(s->uid, sizeof s->uid, "%s", "CX");
  extract_once(extract_sink_get(x), s); /* opens fail: no crash */
  ms_session_free(s);
  extract_sink_destroy(x);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(hostile_names),
      cmocka_unit_test(extraction_and_no_overwrite),
      cmocka_unit_test(names_kept_by_content),
      cmocka_unit_test(unwritable_dir_is_not_fatal),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
