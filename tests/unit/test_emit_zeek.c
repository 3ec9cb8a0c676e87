/* test_emit_zeek.c - the Zeek logs on hand-built records: smtp.log (one
 * record per transaction plus the STARTTLS record, Zeek's trans_depth,
 * last_reply, path, header semantics, every RCPT TO in rcptto, fuids),
 * files.log (the attachment under the same fuid, its digests), weird.log
 * (Zeek's names where Zeek has one), pop3.log; Zeek's TSV (header lines,
 * escaping of separators, reserved values, unset and empty fields) and
 * JSON (hostile strings kept on one line). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>

#include <cmocka.h>

#include "emit_fixture.h"
#include "outfile.h"
#include "zeek_out.h"

enum { LOG_SMTP = 0, LOG_FILES = 1, LOG_WEIRD = 2, LOG_POP3 = 3 };

/* The text one log gets for session s (TSV with its header, or JSON). */
static char *log_text(const ms_session *s, size_t log, bool json) {
  ms_outfile *f = outfile_memory();
  zeek_out *z = zeek_out_new(json);
  zeek_out_to(z, log, f, false);
  zeek_out_session(z, s);
  assert_int_equal(zeek_out_close(z), 0);
  const char *p;
  size_t n;
  outfile_take(f, &p, &n);
  char *text = xstrndup(p ? p : "", n);
  outfile_close(f);
  return text;
}

typedef struct {
  size_t lines;
  json_object *rec[8];
} zeek_recs;

static zeek_recs zeek_of_log(const ms_session *s, size_t log) {
  zeek_recs z = {0};
  char *buf = log_text(s, log, true);
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

static zeek_recs zeek_of(const ms_session *s) {
  return zeek_of_log(s, LOG_SMTP);
}

static void zeek_free(zeek_recs *z) {
  for (size_t i = 0; i < z->lines; i++)
    json_object_put(z->rec[i]);
}

static const char *item(json_object *o, const char *key, size_t i) {
  json_object *a = NULL;
  assert_true(json_object_object_get_ex(o, key, &a));
  assert_true(json_object_is_type(a, json_type_array));
  return json_object_get_string(json_object_array_get_idx(a, i));
}

static size_t count(json_object *o, const char *key) {
  json_object *a = NULL;
  if (!json_object_object_get_ex(o, key, &a))
    return 0;
  return json_object_array_length(a);
}

/* A top-level key as written (Zeek's keys hold dots). */
static const char *key_str(json_object *o, const char *key) {
  json_object *v = NULL;
  return json_object_object_get_ex(o, key, &v) ? json_object_get_string(v)
                                               : NULL;
}

static void refused_transaction(void **state) {
  (void)state;
  ms_session *s = fx_smtp();
  zeek_recs z = zeek_of(s);
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
  assert_null(fx_get(r, "mailfrom"));     /* null reverse-path: unset in Zeek */
  assert_null(fx_get(r, "rcptto"));       /* no RCPT refusal recorded */
  assert_int_equal(count(r, "fuids"), 0); /* Zeek's default: [] */
  assert_int_equal(strlen(key_str(r, "community_id")), 30);
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
  zeek_recs z = zeek_of(s);
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
  assert_int_equal(count(r, "fuids"), 1);
  assert_int_equal(strlen(item(r, "fuids", 0)), 18);
  assert_true(item(r, "fuids", 0)[0] == 'F');
  zeek_free(&z);
  ms_session_free(s);
}

/* Zeek logs every RCPT TO argument, accepted or refused, once each. */
static void every_rcpt_to(void **state) {
  (void)state;
  ms_session *s = fx_smtp();
  ms_transaction *t = &s->transactions.items[1];
  ms_rcpt_rejected *rj = vec_push(&t->rcpt_rejected);
  rj->addr = xstrdup("nobody@example.net");
  rj->code = 550;
  rj = vec_push(&t->rcpt_rejected);
  rj->addr = xstrdup("bob@example.net"); /* refused, then accepted */
  rj->code = 450;
  zeek_recs z = zeek_of(s);
  json_object *r = z.rec[1];
  assert_int_equal(count(r, "rcptto"), 3);
  assert_string_equal(item(r, "rcptto", 2), "nobody@example.net");
  zeek_free(&z);
  ms_session_free(s);
}

static void files_log(void **state) {
  (void)state;
  ms_session *s = fx_smtp();
  s->transactions.items[1].message->attachments.items[0].extracted =
      xstrdup("CfixtureSmtp0000001-t2-0-Report.PDF");
  zeek_recs smtp = zeek_of(s);
  zeek_recs z = zeek_of_log(s, LOG_FILES);
  assert_int_equal(z.lines, 1);
  json_object *f = z.rec[0];
  assert_string_equal(key_str(f, "fuid"), item(smtp.rec[1], "fuids", 0));
  assert_string_equal(key_str(f, "uid"), "CfixtureSmtp0000001");
  assert_string_equal(key_str(f, "id.resp_h"), "192.0.2.25");
  assert_string_equal(key_str(f, "source"), "SMTP");
  assert_string_equal(key_str(f, "mime_type"), "application/pdf");
  assert_string_equal(key_str(f, "filename"), "Report.PDF");
  assert_int_equal(json_object_get_int(fx_get(f, "total_bytes")), 1234);
  assert_int_equal(json_object_get_int(fx_get(f, "seen_bytes")), 1234);
  assert_true(json_object_get_boolean(fx_get(f, "is_orig")));
  assert_int_equal(strlen(key_str(f, "md5")), 32);
  assert_int_equal(strlen(key_str(f, "sha256")), 64);
  assert_null(fx_get(f, "sha1")); /* the fixture has none */
  assert_string_equal(key_str(f, "extracted"),
                      "CfixtureSmtp0000001-t2-0-Report.PDF");
  assert_false(json_object_get_boolean(fx_get(f, "extracted_cutoff")));
  assert_int_equal(count(f, "analyzers"), 4); /* MD5 SHA1 SHA256 EXTRACT */
  zeek_free(&z);
  zeek_free(&smtp);
  ms_session_free(s);
  /* POP3: the retrieved message's attachment, sent by the server */
  s = fx_pop3();
  z = zeek_of_log(s, LOG_FILES);
  assert_int_equal(z.lines, 1);
  assert_string_equal(key_str(z.rec[0], "source"), "POP3");
  assert_false(json_object_get_boolean(fx_get(z.rec[0], "is_orig")));
  zeek_recs p = zeek_of_log(s, LOG_POP3);
  assert_string_equal(key_str(z.rec[0], "fuid"), item(p.rec[0], "fuids", 0));
  zeek_free(&z);
  zeek_free(&p);
  ms_session_free(s);
}

static void weird_log(void **state) {
  (void)state;
  ms_session *s = fx_smtp();
  ms_add_anomaly(s, "line_too_long", FX_T0 + 5, "4096 bytes");
  ms_add_anomaly(s, "tcp_gap", FX_T0 + 6, "10 bytes");
  zeek_recs z = zeek_of_log(s, LOG_WEIRD);
  assert_int_equal(z.lines, 3);
  assert_string_equal(key_str(z.rec[0], "name"), "pipelining_not_advertised");
  assert_string_equal(key_str(z.rec[0], "source"), "SMTP");
  assert_string_equal(key_str(z.rec[1], "name"), "contentline_size_exceeded");
  assert_string_equal(key_str(z.rec[1], "addl"), "4096 bytes");
  assert_string_equal(key_str(z.rec[2], "source"), "TCP");
  assert_false(json_object_get_boolean(fx_get(z.rec[2], "notice")));
  assert_string_equal(key_str(z.rec[2], "peer"), "mailscope");
  zeek_free(&z);
  ms_session_free(s);
}

static void pop3_log(void **state) {
  (void)state;
  ms_session *s = fx_pop3();
  zeek_recs z = zeek_of_log(s, LOG_POP3);
  assert_int_equal(z.lines, 1);
  json_object *r = z.rec[0];
  assert_string_equal(key_str(r, "user"), "bob");
  assert_string_equal(key_str(r, "auth_mechanism"), "USER");
  assert_true(json_object_get_boolean(fx_get(r, "auth_success")));
  assert_int_equal(json_object_get_int(fx_get(r, "retrieved")), 1);
  assert_int_equal(json_object_get_int(fx_get(r, "retrieved_bytes")), 2048);
  assert_int_equal(json_object_get_int(fx_get(r, "deleted")), 1);
  assert_int_equal(json_object_get_int(fx_get(r, "mailbox_messages")), 2);
  assert_string_equal(item(r, "subjects", 0), "hello over pop3");
  assert_string_equal(key_str(r, "id.orig_h"), "2001:db8::10");
  zeek_free(&z);
  ms_session_free(s);
  /* an SMTP session has no pop3.log record */
  s = fx_smtp();
  z = zeek_of_log(s, LOG_POP3);
  assert_int_equal(z.lines, 0);
  ms_session_free(s);
}

/* The TSV header, as zeek-cut reads it. */
static void tsv_header(void **state) {
  (void)state;
  ms_session *s = fx_smtp();
  char *text = log_text(s, LOG_SMTP, false);
  assert_true(!strncmp(text,
                       "#separator \\x09\n#set_separator\t,\n"
                       "#empty_field\t(empty)\n#unset_field\t-\n"
                       "#path\tsmtp\n#open\t",
                       strlen("#separator \\x09\n#set_separator\t,\n"
                              "#empty_field\t(empty)\n#unset_field\t-\n"
                              "#path\tsmtp\n#open\t")));
  assert_non_null(strstr(text, "\n#fields\tts\tuid\tid.orig_h\tid.orig_p\t"));
  assert_non_null(strstr(text, "\n#types\ttime\tstring\taddr\tport\t"));
  assert_non_null(strstr(text, "\n#close\t"));
  /* three records, each with as many columns as #fields */
  size_t records = 0, fields = zeek_log_at(LOG_SMTP)->nfields;
  char *save = NULL;
  for (char *line = strtok_r(text, "\n", &save); line;
       line = strtok_r(NULL, "\n", &save)) {
    if (line[0] == '#')
      continue;
    size_t tabs = 0;
    for (char *c = line; *c; c++)
      tabs += *c == '\t';
    assert_int_equal(tabs + 1, fields);
    records++;
  }
  assert_int_equal(records, 3);
  free(text);
  ms_session_free(s);
}

/* Escaping as Zeek's ASCII writer: separators, backslash and control
 * bytes as \xHH, "-" and "(empty)" escaped, empty strings "(empty)",
 * unset fields "-", a comma inside a set element escaped. */
static void tsv_escaping(void **state) {
  (void)state;
  ms_session *s = fx_smtp();
  ms_message *m = s->transactions.items[1].message;
  free(m->subject);
  m->subject = xstrdup("tab\there\\nl\n\xff");
  free(m->date);
  m->date = xstrdup("-");
  free(m->message_id);
  m->message_id = xstrdup("(empty)");
  free(m->in_reply_to);
  m->in_reply_to = xstrdup("");
  free(m->to.items[1].name);
  m->to.items[1].name = xstrdup("Carol, Jr");
  char *text = log_text(s, LOG_SMTP, false);
  assert_non_null(strstr(text, "\ttab\\x09here\\x5cnl\\x0a\\xff\t"));
  assert_non_null(strstr(text, "\t\\x2d\t"));       /* date "-" */
  assert_non_null(strstr(text, "\t\\x28empty)\t")); /* msg_id */
  assert_non_null(strstr(text, "\t(empty)\t"));     /* in_reply_to "" */
  assert_non_null(strstr(text, "\"Carol\\x2c Jr\" <carol@example.net>"));
  free(text);
  ms_session_free(s);
}

static void starttls_record(void **state) {
  (void)state;
  ms_session *s = fx_smtp();
  zeek_recs z = zeek_of(s);
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
  zeek_recs z = zeek_of(s);
  assert_int_equal(z.lines, 0);
  char *text = log_text(s, LOG_SMTP, false);
  assert_string_equal(text, ""); /* no record: not even a header */
  free(text);
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
  zeek_recs z = zeek_of(s);
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
      cmocka_unit_test(every_rcpt_to),
      cmocka_unit_test(files_log),
      cmocka_unit_test(weird_log),
      cmocka_unit_test(pop3_log),
      cmocka_unit_test(tsv_header),
      cmocka_unit_test(tsv_escaping),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
