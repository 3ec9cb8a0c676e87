/* test_budget.c - the memory bound's accounting (budget.h). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "budget.h"

static void charges_and_releases(void **state) {
  (void)state;
  ms_budget b;
  ms_budget_init(&b, 1000);
  ms_budget_charge(&b, MS_MEM_SESSIONS, 600);
  ms_budget_charge(&b, MS_MEM_FRAGMENTS, 300);
  assert_false(ms_budget_over(&b));
  assert_int_equal(ms_budget_room(&b), 100);
  ms_budget_recharge(&b, MS_MEM_SESSIONS, 600, 800);
  assert_true(ms_budget_over(&b));
  assert_int_equal(ms_budget_room(&b), 0);
  assert_int_equal(b.peak, 1100);
  ms_budget_release(&b, MS_MEM_FRAGMENTS, 5000); /* never below zero */
  assert_int_equal(b.by_kind[MS_MEM_FRAGMENTS], 0);
  assert_int_equal(b.used, 800);
  ms_budget_recharge(&b, MS_MEM_SESSIONS, 800, 0);
  assert_int_equal(b.used, 0);
  assert_int_equal(b.peak, 1100);
}

static void no_budget_and_no_limit(void **state) {
  (void)state;
  ms_budget_charge(NULL, MS_MEM_CACHES, 1 << 30);
  assert_false(ms_budget_over(NULL));
  assert_true(ms_budget_room(NULL) == UINT64_MAX);
  ms_budget b;
  ms_budget_init(&b, 0);
  ms_budget_charge(&b, MS_MEM_CACHES, 1 << 30);
  assert_false(ms_budget_over(&b));
  assert_true(ms_budget_room(&b) == UINT64_MAX);
}

static void session_memory(void **state) {
  (void)state;
  ms_session *s = ms_session_new();
  ms_session_mem_add(s, 100);
  ms_session_mem_sub(s, 30);
  assert_int_equal(s->mem_held, 70);
  ms_session_mem_sub(s, 1000);
  assert_int_equal(s->mem_held, 0);
  ms_session_free(s);
}

/* The record's own bound: text counted as JSON may write it; past the
 * bound, entries stay but lose their text, once named. */
static void record_bound(void **state) {
  (void)state;
  ms_session *s = ms_session_new();
  s->record_budget = 1000;
  ms_add_command(s, 1, "NOOP", (const uint8_t *)"\x01\x02", 2);
  assert_int_equal(s->record_bytes, 64 + 12); /* an entry, two \u00XX */
  uint8_t big[2000];
  for (size_t i = 0; i < sizeof big; i++)
    big[i] = 'a';
  ms_tline *l = ms_add_tline(s, 2, MS_CLIENT, 0, big, sizeof big, NULL);
  assert_string_equal(l->text, "");
  assert_true(s->record_cut);
  assert_int_equal(s->limits[MS_LIMIT_RECORD_BYTES], 1);
  ms_command *c = ms_add_command(s, 3, "QUIT", (const uint8_t *)"x", 1);
  assert_string_equal(c->arg, "");
  assert_string_equal(c->verb, "QUIT");
  ms_reply_set(&c->reply, 4, 221, NULL, "bye");
  ms_record_account(s, 4); /* in order: NOOP has no reply yet */
  assert_string_equal(c->reply.text, "bye");
  ms_record_finish(s, 5); /* the end counts every reply left */
  assert_string_equal(c->reply.text, "");
  size_t named = 0;
  for (size_t i = 0; i < s->anomalies.len; i++)
    named += !strcmp(s->anomalies.items[i].name, "record_truncated");
  assert_int_equal(named, 1);
  ms_session_free(s);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(charges_and_releases),
      cmocka_unit_test(no_budget_and_no_limit),
      cmocka_unit_test(session_memory),
      cmocka_unit_test(record_bound),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
