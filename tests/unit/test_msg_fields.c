/* test_msg_fields.c - the GMime-free header parsers give GMime's result
 * whenever they accept a field: address lists, Content-Type and
 * Content-Disposition parameters, plain text.  Fields are generated from
 * pieces that are valid, nearly valid and hostile (comments, quotes,
 * encoded words, IDN, 8-bit bytes, doubled dots and spaces, RFC 2231
 * parameters, repeats), plus random bytes; each one is parsed both ways. */
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <gmime/gmime.h>

#include "msg_fields.h"
#include "vec.h"

static uint32_t seed = 1;

static uint32_t rnd(uint32_t n) {
  seed = seed * 1103515245u + 12345u;
  return (seed >> 8) % n;
}

static const char *pick(const char *const *v, size_t n) {
  return v[rnd((uint32_t)n)];
}
#define PICK(a) pick(a, sizeof a / sizeof a[0])

static void addr_free(ms_addrvec *v) {
  for (size_t i = 0; i < v->len; i++) {
    free(v->items[i].address);
    free(v->items[i].name);
  }
  vec_free(v);
}

static bool same(const char *a, const char *b) {
  return (!a && !b) || (a && b && !strcmp(a, b));
}

static int accepted;

static void check_addresses(const char *v) {
  ms_addrvec fast = {0}, slow = {0};
  if (!fields_addresses(v, &fast, 1000)) {
    assert_int_equal(fast.len, 0);
    return;
  }
  accepted++;
  fields_addresses_gmime(v, &slow, 1000);
  if (fast.len != slow.len)
    fail_msg("[%s]: %zu addresses, GMime %zu", v, fast.len, slow.len);
  for (size_t i = 0; i < fast.len; i++)
    if (!same(fast.items[i].address, slow.items[i].address) ||
        !same(fast.items[i].name, slow.items[i].name))
      fail_msg("[%s] #%zu: %s / %s, GMime %s / %s", v, i, fast.items[i].address,
               fast.items[i].name, slow.items[i].address, slow.items[i].name);
  addr_free(&fast);
  addr_free(&slow);
}

/* Pieces GMime and the fast path both take, and pieces that are odd. */
static const char *const good_names[] = {
    "User", "5", "O'Brien", "A-B_C", "x", "Mary-Jane", "a1", "Z"};
static const char *const odd_names[] = {"J\xc3\xb6hn", "=?utf-8?q?J=C3=B6?=",
                                        "\"Quoted\"",  "\"Q, R\"",
                                        "(c)",         "Us.er",
                                        "-",           "'",
                                        "_x",          "a=?b",
                                        "D\\e",        "Mr.",
                                        "X\tY",        "Z:",
                                        "-x",          "x'"};
static const char *const good_addrs[] = {
    "a@b",         "a.b@c.d", "user5@example.test",
    "a+b@c",       "-@-",     "a_b@c-d.e",
    "A@B.EXAMPLE", "x@-y.z",  "a@b.c-",
    "a.b.c@d.e.f", "x@xn-y.z"};
static const char *const odd_addrs[] = {
    "a..b@c",       "a@b.",        ".a@b",   "a.@b",  "a@xn--bcher-kva.example",
    "a@XN--x",      "a@[1.2.3.4]", "@b",     "a@",    "a@b..c",
    "\"q r\"@b",    "a@b@c",       "a%b@c",  "a!b@c", "a@b_c",
    "\xc3\xa9@x.y", "user",        "a@b (c)"};

static const char *name_piece(void) {
  return rnd(4) ? PICK(good_names) : PICK(odd_names);
}

static const char *addr_piece(void) {
  return rnd(4) ? PICK(good_addrs) : PICK(odd_addrs);
}
static const char *const gaps[] = {"", " ", "  ", "\t"};

static void gen_mailbox(char *o, size_t cap) {
  size_t n = strlen(o);
  switch (rnd(4)) {
  case 0:
    snprintf(o + n, cap - n, "%s", addr_piece());
    break;
  case 1:
    snprintf(o + n, cap - n, "<%s>", addr_piece());
    break;
  default: {
    int words = 1 + (int)rnd(3);
    for (int w = 0; w < words; w++) {
      n = strlen(o);
      snprintf(o + n, cap - n, "%s%s", w ? (rnd(6) ? " " : PICK(gaps)) : "",
               name_piece());
    }
    n = strlen(o);
    snprintf(o + n, cap - n, "%s<%s>%s", rnd(5) ? " " : PICK(gaps),
             addr_piece(), rnd(8) ? "" : PICK(gaps));
  }
  }
}

static void addresses_agree(void **state) {
  (void)state;
  char v[1024];
  accepted = 0;
  for (int round = 0; round < 20000; round++) {
    v[0] = '\0';
    if (rnd(6) == 0)
      strcat(v, PICK(gaps));
    int count = 1 + (int)rnd(3);
    for (int i = 0; i < count; i++) {
      if (i)
        strcat(v, rnd(4) ? ", " : rnd(2) ? "," : rnd(2) ? " , " : ",,");
      gen_mailbox(v, sizeof v);
    }
    if (rnd(10) == 0)
      strcat(v, rnd(2) ? "," : " ");
    check_addresses(v);
  }
  assert_true(accepted > 2000); /* the common forms do take the fast path */
  static const char alphabet[] = "ab1 <>@.,\"()\\;:=?-_'\t\xc3\xa9";
  for (int round = 0; round < 20000; round++) {
    size_t n = rnd(24);
    for (size_t i = 0; i < n; i++)
      v[i] = alphabet[rnd(sizeof alphabet - 1)];
    v[n] = '\0';
    check_addresses(v);
  }
}

static void check_params(const char *v, bool slash) {
  fields_param want[3] = {
      {"boundary", NULL}, {"charset", NULL}, {"name", NULL}};
  fields_param want_cd[1] = {{"filename", NULL}};
  fields_param *w = slash ? want : want_cd;
  size_t nw = slash ? 3 : 1;
  char *type = NULL;
  if (!fields_typed_params(v, slash, &type, w, nw))
    return;
  accepted++;
  const char *gtype;
  char *gmt = NULL;
  GMimeParamList *pl;
  GObject *obj;
  if (slash) {
    GMimeContentType *ct = g_mime_content_type_parse(NULL, v);
    assert_non_null(ct);
    gtype = gmt = g_mime_content_type_get_mime_type(ct);
    pl = g_mime_content_type_get_parameters(ct);
    obj = G_OBJECT(ct);
  } else {
    GMimeContentDisposition *cd = g_mime_content_disposition_parse(NULL, v);
    assert_non_null(cd);
    gtype = g_mime_content_disposition_get_disposition(cd);
    pl = g_mime_content_disposition_get_parameters(cd);
    obj = G_OBJECT(cd);
  }
  char *lower = g_ascii_strdown(gtype, -1);
  if (strcmp(type, lower))
    fail_msg("[%s]: type %s, GMime %s", v, type, lower);
  for (size_t i = 0; i < nw; i++) {
    GMimeParam *prm = g_mime_param_list_get_parameter(pl, w[i].name);
    const char *gv = prm ? g_mime_param_get_value(prm) : NULL;
    if (!same(w[i].value, gv))
      fail_msg("[%s]: %s=%s, GMime %s", v, w[i].name, w[i].value, gv);
    free(w[i].value);
  }
  g_free(lower);
  g_free(gmt);
  g_object_unref(obj);
  free(type);
}

static void params_agree(void **state) {
  (void)state;
  static const char *const types[] = {"text/plain",
                                      "TEXT/Plain",
                                      "multipart/mixed",
                                      "application/octet-stream",
                                      "text",
                                      "text/",
                                      "/x",
                                      "a/b/c",
                                      "message/rfc822",
                                      "x-y/z.w+v"};
  static const char *const dispositions[] = {"attachment", "Inline", "x-y",
                                             "attachment/x", ""};
  static const char *const attrs[] = {"boundary", "Boundary", "charset",
                                      "name",     "filename", "name*",
                                      "name*0",   "x",        "CHARSET"};
  static const char *const values[] = {"BOUND",
                                       "\"BOUND\"",
                                       "us-ascii",
                                       "\"a b.txt\"",
                                       "\"----=_Part_1.2\"",
                                       "\"=?utf-8?q?x?=\"",
                                       "utf-8''%41",
                                       "\"\"",
                                       "\" x\"",
                                       "\"x \"",
                                       "\"a\\\"b\"",
                                       "a=b",
                                       "\"a;b\"",
                                       "x(y)",
                                       "\"\xc3\xa9\"",
                                       "file1.bin",
                                       "\"(c)\"",
                                       "a/b"};
  static const char *const seps[] = {"; ", ";", " ; ", ";  ", "; \t"};
  char v[1024];
  for (int slash = 0; slash < 2; slash++) {
    accepted = 0;
    for (int round = 0; round < 20000; round++) {
      snprintf(v, sizeof v, "%s", slash ? PICK(types) : PICK(dispositions));
      int n = (int)rnd(4);
      for (int i = 0; i < n; i++) {
        size_t len = strlen(v);
        snprintf(v + len, sizeof v - len, "%s%s%s%s",
                 rnd(4) ? "; " : PICK(seps), PICK(attrs), rnd(10) ? "=" : " = ",
                 PICK(values));
      }
      if (rnd(10) == 0)
        strcat(v, rnd(2) ? ";" : " ");
      check_params(v, slash);
    }
    assert_true(accepted > 2000);
  }
}

static void plain_text_agrees(void **state) {
  (void)state;
  static const char alphabet[] = "ab =?Q_\t\x7f\x80\xc3\xa9\x01";
  char v[64];
  accepted = 0;
  for (int round = 0; round < 20000; round++) {
    size_t n = rnd(20);
    for (size_t i = 0; i < n; i++)
      v[i] = alphabet[rnd(sizeof alphabet - 1)];
    v[n] = '\0';
    if (!fields_plain_text(v))
      continue;
    accepted++;
    char *d = g_mime_utils_header_decode_text(NULL, v);
    if (strcmp(d, v))
      fail_msg("[%s]: GMime [%s]", v, d);
    g_free(d);
  }
  assert_true(accepted > 500);
}

int main(void) {
  g_mime_init();
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(addresses_agree),
      cmocka_unit_test(params_agree),
      cmocka_unit_test(plain_text_agrees),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
