/* test_report.c - the HTML report on hand-built records whose transcript
 * lines carry what the dissector knows (reply start/end, class, code,
 * pipelined group, SASL, redaction):
 *  - hostile strings in every field stay data: one executable script (ours,
 *    its hash in the Content-Security-Policy), no '<' inside a data block,
 *    display forms for control bytes, bidi and bytes that are not UTF-8;
 *  - huge values are cut; rows and details per session; the row's facets;
 *  - the ladder is built from the line marks alone, anomalies sit on the
 *    step of the line that raised them, the line cap;
 *  - links to extracted files; --workers parts merged in reporting order;
 *  - an unwritable path fails at open. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>
#include <openssl/evp.h>

#include "emit_fixture.h"
#include "report.h"
#include "report_part.h"

/* ---- helpers ------------------------------------------------------------ */

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

/* Write a report of the given sessions (with --extract-dir /tmp when
 * extract); returns its text. */
static char *report_of(ms_session **s, size_t n, bool extract) {
  char path[] = "/tmp/test_report_XXXXXX";
  int fd = mkstemp(path);
  assert_true(fd >= 0);
  close(fd);
  ms_report *r = report_open(path, extract ? "/tmp" : NULL);
  assert_non_null(r);
  for (size_t i = 0; i < n; i++)
    report_add(r, s[i]);
  ms_stats st;
  memset(&st, 0, sizeof st);
  st.packets = 42;
  assert_int_equal(report_close(r, &st), 0);
  char *text = slurp(path, NULL);
  unlink(path);
  return text;
}

/* The JSON of the data block with that id, parsed. */
static json_object *block(const char *html, const char *id) {
  char open[64];
  snprintf(open, sizeof open, "<script type=\"application/json\" id=\"%s\">",
           id);
  const char *p = strstr(html, open);
  if (!p)
    return NULL;
  p += strlen(open);
  const char *end = strstr(p, "</script>");
  assert_non_null(end);
  char *text = xstrndup(p, (size_t)(end - p));
  json_object *o = json_tokener_parse(text);
  assert_non_null(o);
  free(text);
  return o;
}

static json_object *at(json_object *o, size_t i) {
  assert_true(json_object_is_type(o, json_type_array));
  assert_true(i < json_object_array_length(o));
  return json_object_array_get_idx(o, i);
}

static int64_t num(json_object *o, const char *path) {
  json_object *v = fx_get(o, path);
  assert_non_null(v);
  return json_object_get_int64(v);
}

/* A transcript line with the dissector's marks. */
static void line(ms_session *s, ms_ts ts, ms_dir dir, unsigned flags, int code,
                 int cls, uint32_t group, const char *text, const char *note) {
  ms_tline *t = ms_add_tline(s, ts, dir, flags, (const uint8_t *)text,
                             strlen(text), note);
  t->code = (uint16_t)code;
  t->reply_class = (uint8_t)cls;
  t->group = group;
}

#define RS MS_TL_REPLY_START
#define RE MS_TL_REPLY_END

/* An SMTP session marked as the dissector marks it: a multi-line EHLO
 * reply, AUTH LOGIN with SASL steps and a redacted password, a pipelined
 * flight of three commands and their three replies, a 4xx and a 5xx. */
static ms_session *marked_smtp(void) {
  ms_session *s = fx_smtp();
  for (size_t i = 0; i < s->transcript.len; i++) {
    free(s->transcript.items[i].text);
    free(s->transcript.items[i].note);
  }
  s->transcript.len = 0;
  ms_ts t = FX_T0;
  line(s, t + 1000, MS_SERVER, RS | RE, 220, MS_RC_POSITIVE, 0, "220 mx ESMTP",
       NULL);
  line(s, t + 2000, MS_CLIENT, 0, 0, 0, 0, "EHLO c", NULL);
  line(s, t + 3000, MS_SERVER, RS, 250, MS_RC_POSITIVE, 0, "250-mx", NULL);
  line(s, t + 3000, MS_SERVER, 0, 250, MS_RC_POSITIVE, 0, "250-PIPELINING",
       NULL);
  line(s, t + 3000, MS_SERVER, RE, 250, MS_RC_POSITIVE, 0, "250 AUTH LOGIN",
       NULL);
  line(s, t + 4000, MS_CLIENT, 0, 0, 0, 0, "AUTH LOGIN", NULL);
  line(s, t + 5000, MS_SERVER, RS | RE | MS_TL_SASL, 334, MS_RC_INTERMEDIATE, 0,
       "334 VXNlcm5hbWU6", "Username:");
  line(s, t + 6000, MS_CLIENT, MS_TL_SASL, 0, 0, 0, "YWxpY2U=", "alice");
  line(s, t + 7000, MS_SERVER, RS | RE | MS_TL_SASL, 334, MS_RC_INTERMEDIATE, 0,
       "334 UGFzc3dvcmQ6", "Password:");
  line(s, t + 8000, MS_CLIENT, MS_TL_SASL | MS_TL_REDACTED, 0, 0, 0,
       "<redacted base64>", "<redacted>");
  line(s, t + 9000, MS_SERVER, RS | RE, 235, MS_RC_POSITIVE, 0, "235 ok", NULL);
  line(s, t + 10000, MS_CLIENT, MS_TL_GROUP_START | MS_TL_PIPELINED, 0, 0, 1,
       "MAIL FROM:<a@b>", NULL);
  line(s, t + 10000, MS_CLIENT, MS_TL_PIPELINED, 0, 0, 1, "RCPT TO:<c@d>",
       NULL);
  line(s, t + 10000, MS_CLIENT, MS_TL_PIPELINED, 0, 0, 1, "RCPT TO:<e@f>",
       NULL);
  line(s, t + 11000, MS_SERVER, RS | RE, 250, MS_RC_POSITIVE, 0, "250 ok",
       NULL);
  line(s, t + 11000, MS_SERVER, RS | RE, 450, MS_RC_TRANSIENT, 0,
       "450 try later", NULL);
  line(s, t + 11000, MS_SERVER, RS | RE, 550, MS_RC_PERMANENT, 0,
       "550 no such user", NULL);
  line(s, t + 12000, MS_CLIENT, MS_TL_BODY, 0, 0, 0, "body line", NULL);
  line(s, t + 13000, MS_CLIENT, 0, 0, 0, 0, "QUIT", NULL);
  line(s, t + 14000, MS_SERVER, MS_TL_NOTICE, 0, 0, 0, "[gap: 10 bytes]", NULL);
  /* anomalies: on a line's time, between lines, before and after all */
  for (size_t i = 0; i < s->anomalies.len; i++) {
    free(s->anomalies.items[i].name);
    free(s->anomalies.items[i].detail);
  }
  s->anomalies.len = 0;
  ms_add_anomaly(s, "at_rcpt", t + 10000, "on the flight");
  ms_add_anomaly(s, "between", t + 11500, "after the 550");
  ms_add_anomaly(s, "before", t, "before any line");
  ms_add_anomaly(s, "after", t + 20000, "at the end");
  ms_add_anomaly(s, "at_rcpt", t + 10000, "again");
  return s;
}

/* ---- tests -------------------------------------------------------------- */

static void hostile_strings_are_inert(void **state) {
  (void)state;
  ms_session *s = marked_smtp();
  static const char evil[] = "</script><script>alert(1)</script><!--";
  free(s->auth.username);
  s->auth.username = xstrdup(evil);
  free(s->helo);
  s->helo = xstrdup("<img src=x onerror=alert(1)>");
  ms_transaction *t = &s->transactions.items[1];
  free(t->mail_from);
  t->mail_from = xstrdup("\"onmouseover='x'\"@evil&amp;");
  ms_message *m = t->message;
  free(m->subject);
  m->subject = xstrdup("esc\x1b[2J bell\x07 bidi\xe2\x80\xae txt bad\xff "
                       "ls\xe2\x80\xa8 end");
  free(m->attachments.items[0].filename);
  m->attachments.items[0].filename = xstrdup("<svg onload=alert(1)>.html");
  ms_add_anomaly(s, "x</script>", FX_T0, "detail </SCRIPT><script>");
  line(s, FX_T0 + 15000, MS_CLIENT, 0, 0, 0, 0, evil, evil);
  char *html = report_of(&s, 1, false);
  /* exactly one script runs: the report's own, hashed in the policy */
  assert_int_equal(occurrences(html, "<script>"), 1);
  assert_int_equal(occurrences(html, "<script"), 4); /* + meta, rows, d-0 */
  assert_int_equal(occurrences(html, "</script>"), 4);
  assert_null(strstr(html, "<img"));
  assert_null(strstr(html, "<svg"));
  assert_null(strstr(html, "\xe2\x80\xa8"));
  const char *js = strstr(html, "<script>") + 8;
  const char *js_end = strstr(js, "</script>");
  unsigned char md[32], b64[64];
  unsigned int mdlen;
  EVP_Digest(js, (size_t)(js_end - js), md, &mdlen, EVP_sha256(), NULL);
  EVP_EncodeBlock(b64, md, (int)mdlen);
  char want[128];
  snprintf(want, sizeof want, "script-src 'sha256-%s'", b64);
  assert_non_null(strstr(html, want));
  assert_non_null(strstr(html, "default-src 'none'"));
  /* no '<' inside any data block */
  for (const char *p = strstr(html, "type=\"application/json\""); p;
       p = strstr(p + 1, "type=\"application/json\"")) {
    const char *b = strchr(p, '>') + 1, *e = strstr(b, "</script>");
    assert_null(memchr(b, '<', (size_t)(e - b)));
  }
  /* the values are still all there, as text */
  json_object *rows = block(html, "ms-rows"), *d = block(html, "d-0");
  json_object *r = at(rows, 0);
  assert_string_equal(fx_str(r, "au.u"), evil);
  assert_string_equal(fx_str(r, "h"), "<img src=x onerror=alert(1)>");
  assert_string_equal(json_object_get_string(at(fx_get(r, "f"), 1)),
                      "\"onmouseover='x'\"@evil&amp;");
  assert_string_equal(json_object_get_string(at(fx_get(r, "j"), 0)),
                      "esc\\x1b[2J bell\\x07 bidi\\u{202e} txt bad\\xff "
                      "ls\\u{2028} end");
  assert_string_equal(fx_str(at(fx_get(r, "at"), 0), "n"),
                      "<svg onload=alert(1)>.html");
  json_object *an = fx_get(d, "lad.an");
  json_object *last = at(an, json_object_array_length(an) - 1);
  assert_string_equal(fx_str(last, "n"), "x</script>");
  assert_string_equal(fx_str(last, "d"), "detail </SCRIPT><script>");
  json_object_put(rows);
  json_object_put(d);
  free(html);
  ms_session_free(s);
}

/* The route goes whole into the row (the routing view reads every
 * session's without opening details), not into the detail; DNS names stay
 * text. */
static void route_in_the_row(void **state) {
  (void)state;
  ms_session *s = fx_smtp();
  ms_route *rt = s->route = ms_route_new();
  rt->verdict = MS_ROUTE_NOT_MX;
  rt->helo = MS_HELO_MISMATCH;
  rt->helo_forward = 0;
  rt->ptr_result = MS_DNSR_ANSWERED;
  strvec_push(&rt->ptr, "<img src=x onerror=alert(1)>.test");
  ms_route_domain *d = vec_push(&rt->domains);
  memset(d, 0, sizeof *d);
  d->domain = xstrdup("example.org");
  d->mx_result = MS_DNSR_ANSWERED;
  d->verdict = MS_ROUTE_NOT_MX;
  ms_route_mx *m = vec_push(&d->mx);
  memset(m, 0, sizeof *m);
  m->preference = 10;
  m->host = xstrdup("mx</script>.example.org");
  strvec_push(&m->addrs.chain, "real.hosting.test");
  strvec_push(&m->addrs.addresses, "192.0.2.25");
  m->addrs.seen = true;
  ms_route_mx *m2 = vec_push(&d->mx);
  memset(m2, 0, sizeof *m2);
  m2->preference = 20;
  m2->host = xstrdup("mx2.example.org"); /* addresses not seen */
  char *html = report_of(&s, 1, false);
  assert_int_equal(occurrences(html, "<script>"), 1);
  assert_null(strstr(html, "<img"));
  json_object *rows = block(html, "ms-rows"), *det = block(html, "d-0");
  json_object *r = at(rows, 0);
  assert_string_equal(fx_str(r, "route.v"), "not_mx");
  assert_string_equal(fx_str(r, "route.helo"), "mismatch");
  assert_int_equal(num(r, "route.fwd"), 0);
  assert_string_equal(fx_str(r, "route.ptrlk"), "answered");
  assert_string_equal(json_object_get_string(at(fx_get(r, "route.ptr"), 0)),
                      "<img src=x onerror=alert(1)>.test");
  json_object *dom = at(fx_get(r, "route.dom"), 0);
  assert_string_equal(fx_str(dom, "d"), "example.org");
  assert_string_equal(fx_str(dom, "v"), "not_mx");
  assert_string_equal(fx_str(dom, "lk"), "answered");
  json_object *mx = at(fx_get(dom, "mx"), 0);
  assert_int_equal(num(mx, "p"), 10);
  assert_string_equal(fx_str(mx, "h"), "mx</script>.example.org");
  assert_string_equal(json_object_get_string(at(fx_get(mx, "cn"), 0)),
                      "real.hosting.test");
  assert_string_equal(json_object_get_string(at(fx_get(mx, "a"), 0)),
                      "192.0.2.25");
  assert_null(fx_get(mx, "srv"));
  assert_null(fx_get(at(fx_get(dom, "mx"), 1), "a")); /* not seen */
  assert_null(fx_get(r, "route.sub"));
  assert_null(fx_get(det, "route"));
  json_object_put(rows);
  json_object_put(det);
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
  for (int i = 0; i < 5000; i++) { /* a recipient flood */
    strvec_push(&s->transactions.items[1].rcpt_to, "x@example.org");
    strvec_push(&s->transactions.items[1].rcpt_unanswered, "y@example.org");
  }
  char *html = report_of(&s, 1, false);
  assert_true(strlen(html) < 300 * 1024);
  json_object *d = block(html, "d-0"); /* the unanswered listed up to a cap */
  json_object *tx = at(fx_get(d, "tx"), 1);
  assert_true(json_object_array_length(fx_get(tx, "ru")) < 5000);
  assert_int_equal(num(tx, "run"), 5000);
  json_object_put(d);
  json_object *rows = block(html, "ms-rows");
  const char *subject = json_object_get_string(at(fx_get(at(rows, 0), "j"), 0));
  assert_int_equal(strlen(subject), 200 + 3);
  assert_string_equal(subject + 200, "\xe2\x80\xa6");
  json_object_put(rows);
  free(html);
  ms_session_free(s);
}

static void rows_and_details(void **state) {
  (void)state;
  ms_session *s[3] = {marked_smtp(), fx_pop3(), fx_smtp()};
  s[0]->auth.password = xstrdup("<redacted>");
  s[2]->auth.result = MS_AUTH_FAILURE;
  s[2]->auth.failures = 4;
  snprintf(s[2]->uid, sizeof s[2]->uid, "%s", "CfixtureSmtp0000002");
  /* an RCPT the capture holds no reply to, beside the refused ones */
  strvec_push(&s[0]->transactions.items[0].rcpt_unanswered, "late@example.org");
  char *html = report_of(s, 3, false);
  json_object *meta = block(html, "ms-meta"), *rows = block(html, "ms-rows");
  assert_int_equal(num(meta, "sessions"), 3);
  assert_int_equal(num(meta, "packets"), 42);
  assert_null(fx_get(meta, "extract"));
  assert_int_equal(json_object_array_length(rows), 3);
  json_object *d2 = block(html, "d-2");
  assert_non_null(d2);
  json_object_put(d2);
  assert_null(strstr(html, "id=\"d-3\""));
  json_object *r = at(rows, 0);
  assert_string_equal(fx_str(r, "u"), "CfixtureSmtp0000001");
  assert_int_equal(num(r, "t"), FX_T0);
  assert_string_equal(fx_str(r, "p"), "smtp");
  assert_string_equal(fx_str(r, "c"), "192.0.2.10");
  assert_int_equal(num(r, "sp"), 25);
  assert_string_equal(fx_str(r, "o"), "queued");
  assert_string_equal(fx_str(r, "au.r"), "success");
  assert_int_equal(num(r, "au.f"), 1);
  assert_string_equal(json_object_get_string(at(fx_get(r, "f"), 0)), "<>");
  assert_int_equal(json_object_array_length(fx_get(r, "r")), 2);
  /* pending, queued, rejected, aborted */
  assert_int_equal(json_object_get_int(at(fx_get(r, "tx"), 1)), 1);
  assert_int_equal(json_object_get_int(at(fx_get(r, "tx"), 2)), 1);
  /* replies by class, from the marks: 220 250 334 334 235 250 450 550 */
  int64_t rc[5] = {4, 2, 1, 1, 0};
  for (int k = 0; k < 5; k++)
    assert_int_equal(json_object_get_int64(at(fx_get(r, "rc"), k)), rc[k]);
  json_object *an = at(fx_get(r, "an"), 0); /* [name, count] */
  assert_string_equal(json_object_get_string(at(an, 0)), "at_rcpt");
  assert_int_equal(json_object_get_int(at(an, 1)), 2);
  assert_int_equal(num(r, "na"), 5);
  assert_string_equal(fx_str(r, "tls.start"), "starttls");
  json_object *msg = at(fx_get(r, "ms"), 0);
  assert_string_equal(fx_str(msg, "k"), "transaction");
  assert_int_equal(num(msg, "no"), 2);
  assert_string_equal(fx_str(msg, "rv"), "ok");
  assert_int_equal(num(msg, "h"), 2);
  json_object *att = at(fx_get(r, "at"), 0);
  assert_string_equal(fx_str(att, "n"), "Report.PDF");
  assert_int_equal(num(att, "b"), 1234);
  assert_int_equal(strlen(fx_str(att, "sha")), 64);
  assert_null(fx_get(att, "x")); /* no --extract-dir */
  r = at(rows, 1);
  assert_string_equal(fx_str(r, "c"), "2001:db8::10");
  assert_string_equal(fx_str(r, "o"), "retrieved");
  assert_int_equal(num(r, "rt"), 1);
  assert_string_equal(fx_str(at(fx_get(r, "ms"), 0), "k"), "RETR");
  r = at(rows, 2);
  assert_int_equal(num(r, "au.f"), 4);
  /* the detail: facts of the session page */
  json_object *d = block(html, "d-0");
  assert_string_equal(fx_str(d, "hd.end"), "fin");
  assert_string_equal(fx_str(d, "au.pw"), "<redacted>");
  json_object *tx = at(fx_get(d, "tx"), 0);
  assert_string_equal(fx_str(tx, "st"), "rejected");
  assert_int_equal(num(tx, "m"), -1);
  assert_int_equal(json_object_array_length(fx_get(tx, "ru")), 1);
  assert_string_equal(json_object_get_string(at(fx_get(tx, "ru"), 0)),
                      "late@example.org");
  assert_null(fx_get(tx, "run"));
  assert_int_equal(num(at(fx_get(d, "tx"), 1), "m"), 0);
  assert_null(fx_get(at(fx_get(d, "tx"), 1), "ru"));
  msg = at(fx_get(d, "msg"), 0);
  assert_string_equal(json_object_get_string(at(at(fx_get(msg, "hdr"), 0), 0)),
                      "From");
  assert_string_equal(json_object_get_string(at(at(fx_get(msg, "hdr"), 0), 1)),
                      "Alice \"A\" Smith <alice@example.org>");
  assert_string_equal(fx_str(at(fx_get(msg, "rcv"), 1), "ip"), "192.168.1.20");
  json_object_put(d);
  d = block(html, "d-1");
  assert_int_equal(num(at(fx_get(d, "pm"), 0), "m"), 0);
  assert_int_equal(json_object_get_int(at(fx_get(d, "del"), 0)), 1);
  json_object_put(d);
  json_object_put(meta);
  json_object_put(rows);
  for (int i = 0; i < 3; i++)
    ms_session_free(s[i]);
  free(html);
}

static json_object *steps_of(json_object *d) { return fx_get(d, "lad.st"); }

static const char *step_line(json_object *st, size_t i, size_t k) {
  return json_object_get_string(at(fx_get(at(st, i), "x"), k));
}

static void ladder_from_marks(void **state) {
  (void)state;
  ms_session *s = marked_smtp();
  char *html = report_of(&s, 1, false);
  json_object *d = block(html, "d-0"), *st = steps_of(d);
  /* 220 | EHLO | 250 x3 | AUTH | 334 | user | 334 | pass | 235 | MAIL RCPT
   * RCPT | 250 | 450 | 550 | QUIT | notice; the body line is left out */
  assert_int_equal(json_object_array_length(st), 17);
  assert_string_equal(fx_str(at(st, 0), "k"), "s");
  assert_string_equal(fx_str(at(st, 0), "cl"), "ok");
  assert_int_equal(num(at(st, 0), "code"), 220);
  assert_int_equal(num(at(st, 1), "t"), 2000);
  assert_int_equal(json_object_array_length(fx_get(at(st, 2), "x")), 3);
  assert_string_equal(step_line(st, 2, 2), "250 AUTH LOGIN");
  assert_string_equal(fx_str(at(st, 4), "cl"), "mid");
  assert_true(json_object_get_boolean(fx_get(at(st, 4), "sasl")));
  assert_string_equal(json_object_get_string(at(fx_get(at(st, 5), "n"), 0)),
                      "alice");
  assert_true(json_object_get_boolean(fx_get(at(st, 7), "red")));
  for (int i = 9; i <= 11; i++)
    assert_int_equal(num(at(st, (size_t)i), "g"), 1);
  assert_null(fx_get(at(st, 15), "g"));
  assert_string_equal(step_line(st, 12, 0), "250 ok"); /* replies apart */
  assert_string_equal(fx_str(at(st, 13), "cl"), "tmp");
  assert_string_equal(fx_str(at(st, 14), "cl"), "err");
  assert_string_equal(step_line(st, 15, 0), "QUIT");
  assert_string_equal(fx_str(at(st, 16), "k"), "n");
  /* anomalies on the step of their line */
  json_object *an = fx_get(d, "lad.an");
  assert_int_equal(num(at(an, 0), "s"), 9);  /* MAIL, first at its time */
  assert_int_equal(num(at(an, 1), "s"), 14); /* after the 550 */
  assert_int_equal(num(at(an, 2), "s"), -1); /* before the first line */
  assert_int_equal(num(at(an, 3), "s"), 17); /* after the last */
  assert_int_equal(num(at(an, 1), "t"), 11500);
  json_object_put(d);
  free(html);
  ms_session_free(s);
}

/* Without the marks (older records), a run of server lines is one step. */
static void ladder_without_marks(void **state) {
  (void)state;
  ms_session *s = fx_pop3();
  char *html = report_of(&s, 1, false);
  json_object *d = block(html, "d-0"), *st = steps_of(d);
  assert_int_equal(json_object_array_length(st), 5);
  assert_int_equal(json_object_array_length(fx_get(at(st, 4), "x")), 3);
  assert_null(fx_get(at(st, 0), "cl"));
  json_object_put(d);
  free(html);
  ms_session_free(s);
}

static void ladder_is_capped(void **state) {
  (void)state;
  ms_session *s = fx_pop3();
  size_t before = s->transcript.len;
  for (int i = 0; i < 1000; i++) {
    line(s, FX_T0 + 10000 + i, MS_CLIENT, 0, 0, 0, 0, "NOOP", NULL);
    line(s, FX_T0 + 10000 + i, MS_SERVER, RS | RE, 0, MS_RC_POSITIVE, 0, "+OK",
         NULL);
  }
  ms_add_anomaly(s, "late", FX_T0 + 10999, "on a hidden line");
  char *html = report_of(&s, 1, false);
  json_object *d = block(html, "d-0");
  assert_int_equal(num(d, "lad.hid"), before + 2000 - 400);
  size_t lines = 0;
  json_object *st = steps_of(d);
  for (size_t i = 0; i < json_object_array_length(st); i++)
    lines += json_object_array_length(fx_get(at(st, i), "x"));
  assert_int_equal(lines, 400);
  assert_int_equal(num(at(fx_get(d, "lad.an"), 0), "s"),
                   (int64_t)json_object_array_length(st));
  json_object_put(d);
  free(html);
  ms_session_free(s);
}

static void extracted_file_links(void **state) {
  (void)state;
  ms_session *s = fx_smtp();
  ms_attachment *a = &s->transactions.items[1].message->attachments.items[0];
  a->extracted = xstrdup("Cx-t2-0-Report.PDF"); /* the name the sink gave */
  char *html = report_of(&s, 1, true);
  json_object *meta = block(html, "ms-meta"), *rows = block(html, "ms-rows");
  assert_string_equal(fx_str(meta, "extract"), "./"); /* both in /tmp */
  assert_string_equal(fx_str(at(fx_get(at(rows, 0), "at"), 0), "x"),
                      "Cx-t2-0-Report.PDF");
  json_object_put(meta);
  json_object_put(rows);
  free(html);
  ms_session_free(s);
}

/* Two workers' parts, merged on the reporting order. */
static void worker_parts_merge_in_order(void **state) {
  (void)state;
  char path[] = "/tmp/test_report_XXXXXX";
  int fd = mkstemp(path);
  close(fd);
  ms_report_parts *p = report_parts_create(path, NULL, 2);
  assert_non_null(p);
  ms_report_part *w[2] = {report_part_open(p, 0), report_part_open(p, 1)};
  assert_null(report_part_open(p, 2));
  /* worker k ends the sessions with order_end {k+1, k+3, ...} */
  for (int i = 0; i < 6; i++) {
    ms_session *s = fx_pop3();
    snprintf(s->uid, sizeof s->uid, "Corder%d", i);
    s->order_end = (uint64_t)i + 1;
    s->end_ts = FX_T0 + 1000000 * (6 - i); /* live order: the reverse */
    report_part_add(w[i % 2], s);
    ms_session_free(s);
  }
  ms_stats st;
  memset(&st, 0, sizeof st);
  st.packets = 10;
  report_part_close(w[0], &st);
  report_part_close(w[1], &st);
  assert_int_equal(report_parts_finish(p, false), 0);
  char *html = slurp(path, NULL);
  json_object *rows = block(html, "ms-rows"), *meta = block(html, "ms-meta");
  for (size_t i = 0; i < 6; i++) {
    char uid[16];
    snprintf(uid, sizeof uid, "Corder%zu", i);
    assert_string_equal(fx_str(at(rows, i), "u"), uid);
  }
  assert_int_equal(num(meta, "packets"), 10); /* each worker read them all */
  json_object_put(rows);
  json_object_put(meta);
  free(html);
  unlink(path);
}

/* A worker that died: what it wrote is kept, the merge says it failed. */
static void damaged_part_is_reported(void **state) {
  (void)state;
  char path[] = "/tmp/test_report_XXXXXX";
  int fd = mkstemp(path);
  close(fd);
  ms_report_parts *p = report_parts_create(path, NULL, 2);
  ms_report_part *w0 = report_part_open(p, 0);
  ms_report_part *w1 = report_part_open(p, 1);
  ms_session *s = fx_smtp();
  report_part_add(w0, s);
  report_part_add(w1, s);
  report_part_close(w0, NULL);
  report_part_abandon(w1); /* no last frame */
  assert_int_equal(report_parts_finish(p, true), -1);
  char *html = slurp(path, NULL);
  json_object *rows = block(html, "ms-rows");
  assert_int_equal(json_object_array_length(rows), 2);
  json_object_put(rows);
  free(html);
  unlink(path);
  ms_session_free(s);
}

static void unwritable_path_fails(void **state) {
  (void)state;
  assert_null(report_open("/nonexistent-dir/report.html", NULL));
  assert_null(report_parts_create("/nonexistent-dir/report.html", NULL, 2));
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(hostile_strings_are_inert),
      cmocka_unit_test(route_in_the_row),
      cmocka_unit_test(huge_values_are_cut),
      cmocka_unit_test(rows_and_details),
      cmocka_unit_test(ladder_from_marks),
      cmocka_unit_test(ladder_without_marks),
      cmocka_unit_test(ladder_is_capped),
      cmocka_unit_test(extracted_file_links),
      cmocka_unit_test(worker_parts_merge_in_order),
      cmocka_unit_test(damaged_part_is_reported),
      cmocka_unit_test(unwritable_path_fails),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
