/* test_report.c - the HTML report on hand-built records: hostile strings
 * (<script>, quotes, control bytes, bidi overrides, invalid UTF-8, huge
 * values) come out as inert text; one row and one ladder per session; the
 * summary counts; pipelined flights and reply classes in the ladder; the
 * ladder cap with its "... N more lines" note; bounded top lists; an
 * unwritable path fails at open. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <unistd.h>

#include <cmocka.h>

#include "emit_fixture.h"

static char *slurp(const char *path, size_t *len) {
  FILE *f = fopen(path, "rb");
  assert_non_null(f);
  fseek(f, 0, SEEK_END);
  long n = ftell(f);
  rewind(f);
  char *buf = xmalloc((size_t)n + 1);
  assert_int_equal(fread(buf, 1, (size_t)n, f), (size_t)n);
  buf[n] = '\0';
  fclose(f);
  if (len)
    *len = (size_t)n;
  return buf;
}

static size_t occurrences(const char *hay, const char *needle) {
  size_t n = 0;
  for (const char *p = strstr(hay, needle); p; p = strstr(p + 1, needle))
    n++;
  return n;
}

/* Write a report of the given sessions; returns its text. */
static char *report_of(ms_session **s, size_t n, size_t *len) {
  char path[] = "/tmp/test_report_XXXXXX";
  int fd = mkstemp(path);
  assert_true(fd >= 0);
  close(fd);
  ms_report *r = report_open(path);
  assert_non_null(r);
  for (size_t i = 0; i < n; i++)
    report_add(r, s[i]);
  ms_stats st;
  memset(&st, 0, sizeof st);
  st.packets = 42;
  assert_int_equal(report_close(r, &st), 0);
  char *text = slurp(path, len);
  unlink(path);
  return text;
}

static void hostile_strings_are_inert(void **state) {
  (void)state;
  ms_session *s = fx_smtp();
  free(s->auth.username);
  s->auth.username = xstrdup("<script>alert(1)</script>");
  ms_transaction *t = &s->transactions.items[1];
  free(t->mail_from);
  t->mail_from = xstrdup("\"onmouseover='x'\"@evil");
  free(t->message->subject);
  t->message->subject =
      xstrdup("esc\x1b[2J bell\x07 bidi\xe2\x80\xae txt bad\xff end");
  fx_line(s, FX_T0 + 5000, MS_CLIENT, 0, "</div><img src=x onerror=alert(1)>");
  size_t len;
  char *html = report_of(&s, 1, &len);
  assert_int_equal(occurrences(html, "<script"), 1); /* ours only */
  assert_null(strstr(html, "<img"));
  assert_non_null(strstr(html, "&lt;script&gt;alert(1)&lt;/script&gt;"));
  assert_non_null(strstr(html, "&lt;/div&gt;&lt;img src=x onerror=alert(1)"));
  assert_non_null(strstr(html, "&quot;onmouseover=&#39;x&#39;&quot;@evil"));
  assert_non_null(
      strstr(html, "esc\\x1b[2J bell\\x07 bidi\\u{202e} txt bad\\xff end"));
  for (size_t i = 0; i < len; i++) {
    unsigned char c = (unsigned char)html[i];
    assert_true(c >= 0x20 || c == '\n');
    assert_true(c != 0x7f && c != 0xff);
  }
  free(html);
  ms_session_free(s);
}

static void huge_values_are_cut(void **state) {
  (void)state;
  ms_session *s = fx_smtp();
  ms_message *m = s->transactions.items[1].message;
  free(m->subject);
  size_t n = 1 << 20;
  m->subject = xmalloc(n + 1);
  for (size_t i = 0; i < n; i += 2)
    memcpy(m->subject + i, "\xc3\xa9", 2); /* never cut inside a character */
  m->subject[n] = '\0';
  size_t len;
  char *html = report_of(&s, 1, &len);
  assert_true(len < 64 * 1024);
  assert_non_null(strstr(html, "\xc3\xa9\xe2\x80\xa6</td>"));
  free(html);
  ms_session_free(s);
}

static void rows_ladders_and_summary(void **state) {
  (void)state;
  ms_session *s[3] = {fx_smtp(), fx_pop3(), fx_smtp()};
  s[2]->auth.result = MS_AUTH_FAILURE;
  s[2]->auth.failures = 4;
  snprintf(s[2]->uid, sizeof s[2]->uid, "%s", "CfixtureSmtp0000002");
  char *html = report_of(s, 3, NULL);
  assert_int_equal(occurrences(html, "<tr id=\"row-"), 3);
  assert_int_equal(occurrences(html, "<section class=\"ladder\""), 3);
  assert_non_null(strstr(html, "href=\"#s-CfixtureSmtp0000002\""));
  assert_non_null(strstr(html, "id=\"s-CfixtureSmtp0000002\""));
  assert_non_null(strstr(html, "href=\"#s-CfixturePop30000001\""));
  /* the summary comes first */
  assert_true(strstr(html, "id=\"summary\"") < strstr(html, "id=\"sessions\""));
  assert_non_null(strstr(html, "smtp <b>2</b>, pop3 <b>1</b>"));
  assert_non_null(strstr(html, "transactions queued <b>2</b>"));
  assert_non_null(strstr(html, "rejected <b>2</b>"));
  assert_non_null(strstr(html, "logins succeeded <b>2</b>, failed <b>5</b>"));
  assert_non_null(strstr(html, "messages retrieved (POP3) <b>1</b>"));
  assert_non_null(strstr(html, "packets <b>42</b>"));
  assert_non_null(strstr(html, "<li>alice <b>5</b></li>")); /* failed logins */
  assert_non_null(strstr(html, "<li>192.0.2.10 <b>5</b></li>"));
  assert_non_null(strstr(html, "<li>bob@example.net <b>2</b></li>"));
  assert_non_null(strstr(html, "<li>&lt;&gt; <b>2</b></li>")); /* null path */
  /* ladder details */
  assert_non_null(strstr(html, "pipelined: 2 commands"));
  assert_non_null(strstr(html, "class=\"st s2c err\"")); /* 550 */
  assert_non_null(strstr(html, "class=\"st s2c ok\""));  /* 250, +OK */
  assert_non_null(strstr(html, "250-mx.example.test\n250 PIPELINING"));
  assert_non_null(strstr(html, "+OK\nUIDL\n.")); /* POP3 multi-line */
  assert_non_null(strstr(html, "[2001:db8::10]:50000"));
  /* IPv6 endpoints, data-v sort keys, outcome */
  assert_non_null(strstr(html, "data-v=\"1763800000000000\""));
  assert_non_null(strstr(html, "class=\"o-queued\">queued<"));
  assert_non_null(strstr(html, ">retrieved<"));
  for (int i = 0; i < 3; i++)
    ms_session_free(s[i]);
  free(html);
}

static void ladder_is_capped(void **state) {
  (void)state;
  ms_session *s = fx_pop3();
  size_t before = s->transcript.len;
  for (int i = 0; i < 1000; i++) {
    fx_line(s, FX_T0 + 10000 + i, MS_CLIENT, 0, "NOOP");
    fx_line(s, FX_T0 + 10000 + i, MS_SERVER, 0, "+OK");
  }
  char *html = report_of(&s, 1, NULL);
  size_t total = before + 2000, shown = 400;
  char want[64];
  snprintf(want, sizeof want, "... %zu more lines", total - shown);
  assert_non_null(strstr(html, want));
  /* 400 lines in 398 arrows: the CAPA response's 3 lines are one arrow */
  assert_int_equal(occurrences(html, "<div class=\"st "), shown - 2);
  free(html);
  ms_session_free(s);
}

static void top_lists_are_bounded(void **state) {
  (void)state;
  ms_session *s = fx_smtp();
  char path[] = "/tmp/test_report_XXXXXX";
  int fd = mkstemp(path);
  close(fd);
  ms_report *r = report_open(path);
  ms_transaction *t = &s->transactions.items[1];
  for (int i = 0; i < 16384 + 10; i++) {
    free(t->mail_from);
    t->mail_from = xasprintf("sender%d@example.org", i);
    report_add(r, s);
  }
  assert_int_equal(report_close(r, NULL), 0);
  char *html = slurp(path, NULL);
  unlink(path);
  /* "<>" and 16,383 of the 16,394 other senders fit: 11 uncounted */
  assert_non_null(strstr(html, "approximate: 11 more past 16384"));
  /* the null-path sender of every session's first transaction leads */
  assert_non_null(strstr(html, "<li>&lt;&gt; <b>16394</b></li>"));
  free(html);
  ms_session_free(s);
}

static void unwritable_path_fails(void **state) {
  (void)state;
  assert_null(report_open("/nonexistent-dir/report.html"));
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(hostile_strings_are_inert),
      cmocka_unit_test(huge_values_are_cut),
      cmocka_unit_test(rows_ladders_and_summary),
      cmocka_unit_test(ladder_is_capped),
      cmocka_unit_test(top_lists_are_bounded),
      cmocka_unit_test(unwritable_path_fails),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
