/* test_record.c - the session record's bounds: anomalies stop at
 * MS_MAX_ANOMALIES with one record_limit notice; record_limit notices of
 * other limits still pass; wire strings keep NUL bytes visible. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "record.h"

static void anomalies_are_bounded(void **state) {
  (void)state;
  ms_session *s = ms_session_new();
  for (int i = 0; i < 5000; i++)
    ms_add_anomaly(s, "unknown_command", i, "%d", i);
  assert_int_equal(s->anomalies.len, MS_MAX_ANOMALIES + 1);
  assert_string_equal(s->anomalies.items[MS_MAX_ANOMALIES].name,
                      "record_limit");
  assert_non_null(ms_add_anomaly(s, "record_limit", 0, "commands"));
  assert_null(ms_add_anomaly(s, "tcp_gap", 0, "x"));
  assert_int_equal(s->anomalies.len, MS_MAX_ANOMALIES + 2);
  ms_session_free(s);
}

/* Limit hits are counted even when the anomaly list is full; every limit
 * has a key for the stats record. */
static void limit_hits_are_counted(void **state) {
  (void)state;
  ms_session *s = ms_session_new();
  for (int i = 0; i < 3000; i++)
    ms_limit_hit(s, MS_LIMIT_LINE, "line_too_long", i, "line %d", i);
  assert_int_equal(s->limits[MS_LIMIT_LINE], 3000);
  assert_int_equal(s->limits[MS_LIMIT_ANOMALIES], 1);
  assert_int_equal(s->anomalies.len, MS_MAX_ANOMALIES + 1);
  for (int i = 0; i < MS_LIMIT_COUNT; i++) {
    const char *name = ms_limit_name((ms_limit)i);
    assert_true(strcmp(name, "unknown") != 0);
    for (int j = 0; j < i; j++)
      assert_string_not_equal(name, ms_limit_name((ms_limit)j));
  }
  ms_session_free(s);
}

static void wire_strings_keep_nul_visible(void **state) {
  (void)state;
  char *w = wire_strdup((const uint8_t *)"a\0b", 3);
  assert_string_equal(w, "a\\x00b");
  free(w);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(anomalies_are_bounded),
      cmocka_unit_test(limit_hits_are_counted),
      cmocka_unit_test(wire_strings_keep_nul_visible),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
