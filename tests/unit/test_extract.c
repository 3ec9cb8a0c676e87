/* test_extract.c - the --extract-dir sink: hostile wire file names never
 * leave DIR (and lose invisible code points and every Windows device-name
 * form), existing files and planted links are never written through, a
 * directory that is a link is refused, --max-extract-files holds and is
 * counted, a file that cannot be written is removed and stops extraction,
 * and a message fed through the message layer comes out as the exact .eml
 * bytes plus its decoded attachments. */
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
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
  name_is("\xe2\x80\xaegnp.exe", "gnp.exe"); /* U+202E shows it as exe.png */
  name_is("a\xc2\x9b"
          "31m\xff\xfe.txt",
          "a_31m__.txt"); /* C1 CSI, bytes that are not UTF-8 */
  name_is("\xe2\x81\xa6x\xef\xbb\xbf", "x"); /* isolate, BOM: dropped */
  /* invisible code points are dropped: U+200B zero width space, U+2060
   * word joiner, U+E0041 tag A, U+200D joiner, U+00AD soft hyphen */
  name_is("in\xe2\x80\x8bvoice.p\xe2\x81\xa0"
          "df",
          "invoice.pdf");
  name_is("a\xf3\xa0\x81\x81"
          "b\xe2\x80\x8d\xc2\xad.txt",
          "ab.txt");
  /* Windows device names in every form, with any extension */
  name_is("COM0", "_COM0");
  name_is("lpt0.txt", "_lpt0.txt");
  name_is("COM\xc2\xb9.txt", "_COM\xc2\xb9.txt"); /* superscript one */
  name_is("lpt\xc2\xb2", "_lpt\xc2\xb2");
  name_is("LPT\xc2\xb3.tar.gz", "_LPT\xc2\xb3.tar.gz");
  name_is("CONIN$", "_CONIN$");
  name_is("conout$.log", "_conout$.log");
  name_is("CON .txt", "_CON .txt");
  name_is("aux.tar.gz", "_aux.tar.gz");
  name_is("PRN", "_PRN");
  name_is("com10.txt", "com10.txt");             /* not a device */
  name_is("COM\xc2\xb4.txt", "COM\xc2\xb4.txt"); /* acute accent: not one */
  name_is("C\xe2\x80\x8bON.txt", "_CON.txt");    /* invisible, then device */

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

static const extract_config quiet_config = {true, false, 0};

static void extraction_and_no_overwrite(void **state) {
  (void)state;
  char dir[] = "/tmp/mailscope-extract-XXXXXX";
  assert_non_null(mkdtemp(dir));
  ms_extract_sink *x = extract_sink_create(dir, &quiet_config);
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

static void unwritable_dir_is_not_fatal(void **state) {
  (void)state;
  assert_null(extract_sink_create("/proc/version/sub", &quiet_config));
  char dir[] = "/tmp/mailscope-extract-XXXXXX";
  assert_non_null(mkdtemp(dir));
  ms_extract_sink *x = extract_sink_create(dir, &quiet_config);
  assert_non_null(x);
  assert_int_equal(rmdir(dir), 0); /* the directory vanishes under us */
  ms_session *s = ms_session_new();
  snprintf(s->uid, sizeof s->uid, "%s", "CX");
  extract_once(extract_sink_get(x), s); /* opens fail: no crash */
  ms_session_free(s);
  extract_sink_destroy(x);
}

static size_t files_in(const char *dir) {
  char cmd[600];
  snprintf(cmd, sizeof cmd, "ls -A '%s' | wc -l", dir);
  FILE *p = popen(cmd, "r");
  assert_non_null(p);
  size_t n = 0;
  assert_int_equal(fscanf(p, "%zu", &n), 1);
  pclose(p);
  return n;
}

static void remove_dir(const char *dir) {
  char cmd[600];
  snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
  assert_int_equal(system(cmd), 0);
}

/* A link planted at the name a file will get is not followed: the file
 * gets the next name, the link's target is untouched. */
static void planted_link_not_followed(void **state) {
  (void)state;
  char dir[] = "/tmp/mailscope-extract-XXXXXX";
  assert_non_null(mkdtemp(dir));
  char target[600], link[600];
  snprintf(target, sizeof target, "%s/target", dir);
  FILE *f = fopen(target, "w");
  assert_non_null(f);
  fputs("precious", f);
  fclose(f);
  snprintf(link, sizeof link, "%s/CLink-t1.eml", dir);
  assert_int_equal(symlink(target, link), 0);
  ms_extract_sink *x = extract_sink_create(dir, &quiet_config);
  ms_session *s = ms_session_new();
  snprintf(s->uid, sizeof s->uid, "%s", "CLink");
  extract_once(extract_sink_get(x), s);
  file_is(dir, "target", "precious");
  file_is(dir, "CLink-t1-1.eml", message_text);
  ms_session_free(s);
  extract_sink_destroy(x);
  remove_dir(dir);
}

/* --extract-dir that is itself a link: refused, unless asked. */
static void directory_link_refused(void **state) {
  (void)state;
  char dir[] = "/tmp/mailscope-extract-XXXXXX";
  assert_non_null(mkdtemp(dir));
  char real[600], link[600];
  snprintf(real, sizeof real, "%s/real", dir);
  snprintf(link, sizeof link, "%s/link", dir);
  assert_int_equal(mkdir(real, 0755), 0);
  assert_int_equal(symlink(real, link), 0);
  assert_null(extract_sink_create(link, &quiet_config));
  extract_config follow = {true, true, 0};
  ms_extract_sink *x = extract_sink_create(link, &follow);
  assert_non_null(x);
  extract_sink_destroy(x);
  remove_dir(dir);
}

/* --max-extract-files: the files over it are not written, and counted. */
static void file_limit(void **state) {
  (void)state;
  char dir[] = "/tmp/mailscope-extract-XXXXXX";
  assert_non_null(mkdtemp(dir));
  extract_config c = {true, false, 3};
  ms_extract_sink *x = extract_sink_create(dir, &c);
  ms_session *s = ms_session_new();
  snprintf(s->uid, sizeof s->uid, "%s", "CLimit");
  for (int i = 0; i < 3; i++) /* 2 files each: .eml and the attachment */
    extract_once(extract_sink_get(x), s);
  assert_int_equal(files_in(dir), 3);
  ms_stats st;
  memset(&st, 0, sizeof st);
  extract_sink_count(extract_sink_get(x), &st);
  assert_int_equal(st.files_extracted, 3);
  assert_int_equal(st.extract_refused, 3);
  assert_int_equal(st.extract_failed, 0);
  assert_false(extract_sink_failed(extract_sink_get(x)));
  ms_session_free(s);
  extract_sink_destroy(x);
  remove_dir(dir);
}

/* A file that cannot be written (here: over RLIMIT_FSIZE, as a full disk
 * would refuse it) is removed and extraction stops; nothing empty or cut
 * is left. */
static void write_failure_stops(void **state) {
  (void)state;
  char dir[] = "/tmp/mailscope-extract-XXXXXX";
  assert_non_null(mkdtemp(dir));
  ms_extract_sink *x = extract_sink_create(dir, &quiet_config);
  ms_session *s = ms_session_new();
  snprintf(s->uid, sizeof s->uid, "%s", "CFull");
  struct rlimit old, small = {20, 0};
  assert_int_equal(getrlimit(RLIMIT_FSIZE, &old), 0);
  small.rlim_max = old.rlim_max;
  signal(SIGXFSZ, SIG_IGN);
  assert_int_equal(setrlimit(RLIMIT_FSIZE, &small), 0);
  extract_once(extract_sink_get(x), s);
  extract_once(extract_sink_get(x), s);
  assert_int_equal(setrlimit(RLIMIT_FSIZE, &old), 0);
  signal(SIGXFSZ, SIG_DFL);
  assert_int_equal(files_in(dir), 0);
  ms_stats st;
  memset(&st, 0, sizeof st);
  extract_sink_count(extract_sink_get(x), &st);
  assert_int_equal(st.files_extracted, 0);
  assert_true(st.extract_failed >= 1);
  assert_true(extract_sink_failed(extract_sink_get(x)));
  ms_session_free(s);
  extract_sink_destroy(x);
  remove_dir(dir);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(planted_link_not_followed),
      cmocka_unit_test(directory_link_refused),
      cmocka_unit_test(file_limit),
      cmocka_unit_test(write_failure_stops),
      cmocka_unit_test(hostile_names),
      cmocka_unit_test(extraction_and_no_overwrite),
      cmocka_unit_test(unwritable_dir_is_not_fatal),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
