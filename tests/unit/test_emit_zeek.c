/* test_emit_zeek.c - --format zeek on hand-built records: one smtp.log
 * record per transaction plus the STARTTLS record, Zeek's trans_depth,
 * last_reply, path and header semantics, nothing for POP3, and hostile
 * strings kept on one JSON line. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>

#include <cmocka.h>

#include "emit_fixture.h"

typedef struct {
  size_t returned, lines;
  json_object *rec[8];
} zeek_out;

static zeek_out zeek_of(const ms_session *s) {
  zeek_out z = {0};
  char *buf = NULL;
  size_t len = 0;
  FILE *f = open_memstream(&buf, &len);
  jsonw w;
  jw_init(&w);
  z.returned = emit_zeek_session(s, &w, f);
  fclose(f);
  jw_free(&w);
  char *save = NULL;
  for (char *line = strtok_r(buf, "\n", &save); line;
       line = strtok_r(NULL, "\n", &save)) {
    assert_true(z.lines < 8);
    z.rec[z.lines] = json_tokener_parse(line);
    assert_non_null(z.rec[z.lines]);
    z.lines++;
  }
  free(buf);
  return z;
}

static void zeek_free(zeek_out *z) {
  for (size_t i = 0; i < z->lines; i++)
    json_object_put(z->rec[i]);
}

static const char *item(json_object *o, const char *key, size_t i) {
  json_object *a = fx_get(o, key);
  assert_non_null(a);
  assert_true(json_object_is_type(a, json_type_array));
  return json_object_get_string(json_object_array_get_idx(a, i));
}

static size_t count(json_object *o, const char *key) {
  json_object *a = NULL;
  if (!json_object_object_get_ex(o, key, &a))
    return 0;
  return json_object_array_length(a);
}

static void refused_transaction(void **state) {
  (void)state;
  ms_session *s = fx_smtp();
  zeek_out z = zeek_of(s);
  assert_int_equal(z.returned, 3);
  assert_int_equal(z.lines, 3);
  json_object *r = z.rec[0];
  assert_true(json_object_get_double(fx_get(r, "ts")) > 1763800000.0999 &&
              json_object_get_double(fx_get(r, "ts")) < 1763800000.1001);
  assert_string_equal(fx_str(r, "uid"), "CfixtureSmtp0000001");
  /* Zeek's JSON writer flattens the conn_id record */
  json_object *v = NULL;
  assert_true(json_object_object_get_ex(r, "id.orig_h", &v));
  assert_string_equal(json_object_get_string(v), "192.0.2.10");
  assert_true(json_object_object_get_ex(r, "id.resp_p", &v));
  assert_int_equal(json_object_get_int(v), 25);
  assert_int_equal(json_object_get_int(fx_get(r, "trans_depth")), 1);
  assert_string_equal(fx_str(r, "helo"), "client.example.org");
  assert_null(fx_get(r, "mailfrom")); /* null reverse-path: unset in Zeek */
  assert_null(fx_get(r, "rcptto"));   /* no recipient accepted */
  assert_null(fx_get(r, "subject"));
  /* the last reply before the next MAIL: the RSET's */
  assert_string_equal(fx_str(r, "last_reply"), "250 2.0.0 Ok");
  assert_int_equal(count(r, "path"), 2);
  assert_string_equal(item(r, "path", 0), "192.0.2.25");
  assert_string_equal(item(r, "path", 1), "192.0.2.10");
  assert_false(json_object_get_boolean(fx_get(r, "tls")));
  zeek_free(&z);
  ms_session_free(s);
}

static void message_transaction(void **state) {
  (void)state;
  ms_session *s = fx_smtp();
  zeek_out z = zeek_of(s);
  json_object *r = z.rec[1];
  /* trans_depth counts transferred bodies: the refused one did not */
  assert_int_equal(json_object_get_int(fx_get(r, "trans_depth")), 1);
  assert_string_equal(fx_str(r, "mailfrom"), "alice@example.org");
  assert_int_equal(count(r, "rcptto"), 2);
  assert_string_equal(item(r, "rcptto", 1), "carol@example.net");
  assert_string_equal(fx_str(r, "date"),
                      "Tue, 8 Dec 2015 22:30:00 +0100 (CET)");
  assert_string_equal(fx_str(r, "from"),
                      "\"Alice \\\"A\\\" Smith\" <alice@example.org>");
  assert_int_equal(count(r, "to"), 2);
  assert_string_equal(item(r, "to", 0), "bob@example.net");
  assert_string_equal(item(r, "to", 1), "Carol <carol@example.net>");
  assert_string_equal(item(r, "cc", 0), "dave@example.net");
  assert_string_equal(fx_str(r, "reply_to"), "replies@example.org");
  assert_string_equal(fx_str(r, "msg_id"), "<1@example.org>");
  assert_string_equal(fx_str(r, "subject"), "Quarterly \"report\" <b>");
  assert_string_equal(fx_str(r, "x_originating_ip"), "198.51.100.7");
  /* Zeek keeps the last Received read as first_received */
  assert_string_equal(fx_str(r, "first_received"),
                      "from laptop ([192.168.1.20]) by relay.example.org");
  assert_string_equal(fx_str(r, "second_received"),
                      "from relay.example.org ([203.0.113.5]) by mx");
  assert_string_equal(fx_str(r, "last_reply"),
                      "250 2.0.0 Ok: queued as 4ABC123");
  assert_int_equal(count(r, "path"), 4);
  assert_string_equal(item(r, "path", 2), "203.0.113.5");
  assert_string_equal(item(r, "path", 3), "192.168.1.20");
  assert_string_equal(fx_str(r, "user_agent"), "Roundcube Webmail/1.6.0");
  assert_true(json_object_get_boolean(fx_get(r, "is_webmail")));
  assert_false(json_object_get_boolean(fx_get(r, "tls")));
  zeek_free(&z);
  ms_session_free(s);
}

static void starttls_record(void **state) {
  (void)state;
  ms_session *s = fx_smtp();
  zeek_out z = zeek_of(s);
  json_object *r = z.rec[2];
  assert_true(json_object_get_boolean(fx_get(r, "tls")));
  assert_int_equal(json_object_get_int(fx_get(r, "trans_depth")), 2);
  assert_string_equal(fx_str(r, "last_reply"), "220 2.0.0 Ready to start TLS");
  assert_null(fx_get(r, "mailfrom"));
  zeek_free(&z);
  /* without STARTTLS: only the transactions */
  s->tls = MS_TLS_NONE;
  z = zeek_of(s);
  assert_int_equal(z.lines, 2);
  zeek_free(&z);
  ms_session_free(s);
}

static void pop3_writes_nothing(void **state) {
  (void)state;
  ms_session *s = fx_pop3();
  zeek_out z = zeek_of(s);
  assert_int_equal(z.returned, 0);
  assert_int_equal(z.lines, 0);
  ms_session_free(s);
}

static void hostile_strings_one_line(void **state) {
  (void)state;
  ms_session *s = fx_smtp();
  ms_message *m = s->transactions.items[1].message;
  free(m->subject);
  m->subject = xstrdup("line1\r\nline2\x1b[31m \xc3\x28 \"q\"");
  free(m->x_originating_ip);
  m->x_originating_ip = xstrdup("not an address");
  free(s->helo);
  s->helo = xstrdup("\n{\"forged\":true}");
  zeek_out z = zeek_of(s);
  assert_int_equal(z.lines, 3); /* newlines stayed inside strings */
  json_object *r = z.rec[1];
  assert_string_equal(fx_str(r, "subject"),
                      "line1\r\nline2\x1b[31m \\xc3( \"q\"");
  assert_null(fx_get(r, "x_originating_ip")); /* an addr or nothing */
  assert_null(fx_get(r, "forged"));
  zeek_free(&z);
  ms_session_free(s);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(refused_transaction),
      cmocka_unit_test(message_transaction),
      cmocka_unit_test(starttls_record),
      cmocka_unit_test(pop3_writes_nothing),
      cmocka_unit_test(hostile_strings_one_line),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
