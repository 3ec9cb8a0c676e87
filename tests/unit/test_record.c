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

static void wire_strings_keep_nul_visible(void **state) {
  (void)state;
  char *w = wire_strdup((const uint8_t *)"a\0b", 3);
  assert_string_equal(w, "a\\x00b");
  free(w);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(anomalies_are_bounded),
      cmocka_unit_test(wire_strings_keep_nul_visible),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
