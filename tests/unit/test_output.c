/* test_output.c - the JSON writer (escaping, invalid UTF-8, json-c reads
 * back every output), terminal escaping, safe extraction names and the
 * no-overwrite rule, the option parser. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>
#include <json-c/json.h>

#include "escape.h"
#include "extract.h"
#include "jsonw.h"
#include "options.h"

static void json_escaping_round_trips(void **state) {
  (void)state;
  jsonw w;
  jw_init(&w);
  static const char hostile[] = "quote\" back\\ nl\n tab\t esc\x1b nul? "
                                "\xff\xfe bad \xc3\xa9 ok \xe2\x80\xae bidi "
                                "\xed\xa0\x80 surrogate";
  jw_obj_begin(&w);
  jw_kstr(&w, "s", hostile);
  jw_key(&w, "list");
  jw_arr_begin(&w);
  jw_int(&w, -5);
  jw_uint(&w, 18446744073709551615ULL);
  jw_bool(&w, true);
  jw_null(&w);
  jw_obj_begin(&w);
  jw_obj_end(&w);
  jw_arr_end(&w);
  jw_kts(&w, "ts", 1763800000123456LL);
  jw_key(&w, "d");
  jw_double(&w, 1.5, 3);
  jw_obj_end(&w);
  char *text = xstrndup(w.buf, w.len);
  json_object *o = json_tokener_parse(text);
  assert_non_null(o);
  json_object *s;
  assert_true(json_object_object_get_ex(o, "s", &s));
  const char *back = json_object_get_string(s);
  assert_non_null(strstr(back, "quote\" back\\ nl\n"));
  assert_non_null(strstr(back, "\\xff\\xfe bad \xc3\xa9 ok"));
  assert_non_null(strstr(back, "\\xed\\xa0\\x80 surrogate"));
  json_object *ts;
  assert_true(json_object_object_get_ex(o, "ts", &ts));
  assert_string_equal(json_object_get_string(ts),
                      "2025-11-22T08:26:40.123456Z");
  json_object_put(o);
  /* every byte is valid UTF-8 in the output */
  for (size_t i = 0; i < w.len; i++)
    assert_true((unsigned char)w.buf[i] != 0xff);
  free(text);
  jw_free(&w);
}

static char *escaped(const char *s, size_t n) {
  char *buf = NULL;
  size_t len = 0;
  FILE *f = open_memstream(&buf, &len);
  esc_write(f, s, n);
  fclose(f);
  return buf;
}

static void terminal_escaping(void **state) {
  (void)state;
  char *e = escaped("a\x1b[2Jb\x07\tc\x00"
                    "d",
                    11);
  assert_string_equal(e, "a\\x1b[2Jb\\x07\\tc\\x00d");
  free(e);
  static const char bidi[] = "x\xe2\x80\xaey\xc2\x9bz\xc3\xa9\xff";
  e = escaped(bidi, sizeof bidi - 1);
  assert_string_equal(e, "x\\u{202e}y\\u{009b}z\xc3\xa9\\xff");
  free(e);
}

static void safe_names(void **state) {
  (void)state;
  static const struct {
    const char *in, *out;
  } cases[] = {{"report.pdf", "report.pdf"},
               {"../../etc/passwd", "_._etc_passwd"},
               {"..", "attachment"},
               {"/abs/path", "_abs_path"},
               {"a\\b\x01.txt", "a_b_.txt"},
               {".hidden", "hidden"},
               {"CON", "_CON"},
               {"nul.txt", "_nul.txt"},
               {"", "attachment"},
               {NULL, "attachment"},
               {"trailing. ", "trailing"}};
  for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
    char *s = extract_safe_name(cases[i].in);
    assert_string_equal(s, cases[i].out);
    free(s);
  }
  char longname[400];
  memset(longname, 'a', sizeof longname - 1);
  longname[sizeof longname - 1] = '\0';
  char *s = extract_safe_name(longname);
  assert_true(strlen(s) <= 100);
  free(s);
}

static void extraction_never_overwrites(void **state) {
  (void)state;
  char dir[] = "/tmp/mailscope-test-XXXXXX";
  assert_non_null(mkdtemp(dir));
  extract_config c = {true, false, 0};
  ms_extract_sink *x = extract_sink_create(dir, &c);
  assert_non_null(x);
  const ms_msg_sink *sink = extract_sink_get(x);
  ms_session *s = ms_session_new();
  strcpy(s->uid, "Cabc");
  for (int i = 0; i < 2; i++) {
    void *f = sink->open(sink->ctx, s, "t1", "att", 0, "../evil.txt");
    assert_non_null(f);
    sink->write(f, (const uint8_t *)"data", 4);
    sink->close(f);
  }
  char p1[128], p2[128];
  snprintf(p1, sizeof p1, "%s/Cabc-t1-0-_evil.txt", dir);
  snprintf(p2, sizeof p2, "%s/Cabc-t1-0-_evil.txt-1", dir);
  assert_int_equal(access(p1, F_OK), 0);
  assert_int_equal(access(p2, F_OK), 0);
  unlink(p1);
  unlink(p2);
  rmdir(dir);
  ms_session_free(s);
  extract_sink_destroy(x);
}

static ms_options opt;

static int parse(int argc, const char **argv) {
  ms_options_free(&opt);
  ms_options_defaults(&opt);
  FILE *saved = stderr;
  stderr = fopen("/dev/null", "w");
  int rc = ms_options_parse(&opt, argc, (char **)argv);
  fclose(stderr);
  stderr = saved;
  return rc;
}

static void options(void **state) {
  (void)state;
  const char *ok[] = {"mailscope",  "-r", "a.pcap",         "-r",
                      "-",          "-J", "--port",         "smtp=2526,2527",
                      "--max-line", "8K", "--show-secrets", "--max-sessions",
                      "5"};
  assert_int_equal(parse(13, ok), 0);
  assert_int_equal(opt.read_files.len, 2);
  assert_int_equal(opt.format, MS_FMT_JSON);
  assert_int_equal(opt.port_proto[2527], MS_PROTO_SMTP);
  assert_int_equal(opt.port_proto[110], MS_PROTO_POP3);
  assert_true(opt.port_tls[995]);
  assert_int_equal(opt.dissect.max_line, 8192);
  assert_true(opt.dissect.show_secrets);
  assert_int_equal(opt.max_sessions, 5);
  const char *none[] = {"mailscope"};
  assert_int_equal(parse(1, none), 1);
  const char *badport[] = {"mailscope", "-r", "x", "--port", "imap=143"};
  assert_int_equal(parse(5, badport), 1);
  const char *badnum[] = {"mailscope", "-r", "x", "--max-line", "-3"};
  assert_int_equal(parse(5, badnum), 1);
  const char *badfmt[] = {"mailscope", "-r", "x", "--format", "xml"};
  assert_int_equal(parse(5, badfmt), 1);
  const char *both[] = {"mailscope", "-r", "x", "-i", "eth0"};
  assert_int_equal(parse(5, both), 1);
  ms_options_free(&opt);
}

/* Conflicting formats are refused, the same one twice is not; the sensor
 * options and their checks. */
static void sensor_options(void **state) {
  (void)state;
  const char *jecs[] = {"mailscope", "-r", "x", "-J", "--format", "ecs"};
  assert_int_equal(parse(6, jecs), 1);
  const char *two[] = {"mailscope", "-r",       "x",        "--format",
                       "zeek",      "--format", "zeek-json"};
  assert_int_equal(parse(7, two), 1);
  const char *same[] = {"mailscope", "-r", "x", "-J", "--format", "json"};
  assert_int_equal(parse(6, same), 0);
  assert_int_equal(opt.format, MS_FMT_JSON);
  const char *zj[] = {"mailscope", "-r",          "x", "--format",
                      "zeek-json", "--json-file", "f"};
  assert_int_equal(parse(7, zj), 0);
  assert_int_equal(opt.format, MS_FMT_ZEEK_JSON);
  assert_int_equal(ms_options_file_format(&opt), MS_FMT_ZEEK_JSON);
  const char *ecs[] = {"mailscope", "-r", "x", "--format", "ecs"};
  assert_int_equal(parse(5, ecs), 0);
  assert_int_equal(ms_options_file_format(&opt), MS_FMT_ECS);
  const char *text[] = {"mailscope", "-r", "x"};
  assert_int_equal(parse(3, text), 0);
  assert_int_equal(ms_options_file_format(&opt), MS_FMT_JSON);
  assert_int_equal(opt.max_extract_files, 10000);
  const char *all[] = {"mailscope",
                       "-r",
                       "x",
                       "--json-file",
                       "f",
                       "--rotate-size",
                       "1M",
                       "--rotate-interval",
                       "3600",
                       "--post-rotate",
                       "gzip",
                       "--community-id-seed",
                       "7",
                       "--sensor-name",
                       "s1",
                       "--max-extract-files",
                       "5",
                       "--follow-dir-links",
                       "--stats-interval",
                       "10"};
  assert_int_equal(parse(20, all), 0);
  assert_int_equal(opt.rotate_bytes, 1 << 20);
  assert_int_equal(opt.rotate_seconds, 3600);
  assert_string_equal(opt.post_rotate, "gzip");
  assert_int_equal(opt.community_id_seed, 7);
  assert_string_equal(opt.sensor_name, "s1");
  assert_int_equal(opt.max_extract_files, 5);
  assert_true(opt.follow_dir_links);
  assert_int_equal(opt.stats_interval, 10);
  const char *norotate[] = {"mailscope", "-r", "x", "--rotate-size", "1M"};
  assert_int_equal(parse(5, norotate), 1); /* nothing to rotate */
  const char *seed[] = {"mailscope", "-r", "x", "--community-id-seed", "65536"};
  assert_int_equal(parse(5, seed), 1);
  const char *slash[] = {"mailscope",       "-r", "x", "--json-file", "f",
                         "--rotate-format", "a/b"};
  assert_int_equal(parse(7, slash), 1);
  ms_options_free(&opt);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(json_escaping_round_trips),
      cmocka_unit_test(terminal_escaping),
      cmocka_unit_test(safe_names),
      cmocka_unit_test(extraction_never_overwrites),
      cmocka_unit_test(options),
      cmocka_unit_test(sensor_options),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
