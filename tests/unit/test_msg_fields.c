/* test_msg_fields.c - the GMime-free header parsers give GMime's result
 * whenever they accept a field: address lists, Content-Type and
 * Content-Disposition parameters, plain text.  Fields are generated from
 * pieces that are valid, nearly valid and hostile (comments, quotes,
 * encoded words, IDN, 8-bit bytes, doubled dots and spaces, RFC 2231
 * parameters, repeats), plus random bytes; each one is parsed both ways.
 * Both count every mailbox of a list beyond the ones they keep.  Encoded
 * words are decoded by msg_words.c, not GMime: whole where GMime 3.2 loses
 * text, GMime's result where GMime is right, never a C1 control. */
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
#include "msg_words.h"
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
  size_t fast_total = 0, slow_total = 0;
  if (!fields_addresses(v, &fast, 1000, &fast_total)) {
    assert_int_equal(fast.len, 0);
    return;
  }
  accepted++;
  fields_addresses_gmime(v, &slow, 1000, &slow_total);
  if (fast.len != slow.len || fast_total != slow_total)
    fail_msg("[%s]: %zu addresses (%zu in all), GMime %zu (%zu)", v, fast.len,
             fast_total, slow.len, slow_total);
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

/* Both paths keep `limit` mailboxes and count them all (groups too). */
static void address_totals(void **state) {
  (void)state;
  size_t cap = 1500 * 24 + 64;
  char *plain = malloc(cap), *group = malloc(cap + 32);
  size_t n = 0;
  for (int i = 0; i < 1500; i++)
    n += (size_t)snprintf(plain + n, cap - n, "%su%d@example.test",
                          i ? ", " : "", i);
  snprintf(group, cap + 32, "team: %s;", plain);
  ms_addrvec v = {0};
  size_t total = 0;
  assert_true(fields_addresses(plain, &v, 1000, &total));
  assert_int_equal(v.len, 1000);
  assert_int_equal(total, 1500);
  assert_string_equal(v.items[999].address, "u999@example.test");
  addr_free(&v);
  total = 0;
  fields_addresses_gmime(group, &v, 1000, &total);
  assert_int_equal(v.len, 1000);
  assert_int_equal(total, 1500);
  addr_free(&v);
  free(plain);
  free(group);
}

static void decodes_to(const char *raw, const char *charset,
                       const char *expected) {
  char *d = words_decode(raw, charset);
  if (strcmp(d, expected))
    fail_msg("[%s] (%s): [%s], expected [%s]", raw, charset ? charset : "-", d,
             expected);
  free(d);
}

/* What GMime 3.2 gets wrong (issue 14 behaviour 7), and the rest. */
static void encoded_words_whole(void **state) {
  (void)state;
  /* padded B words in a row: GMime keeps "Hello" (gmime issue 133) */
  decodes_to("=?UTF-8?B?SGVsbG8=?= =?UTF-8?B?IHdvcmxk?=", NULL, "Hello world");
  /* without a space between them */
  decodes_to("=?UTF-8?B?SGVsbG8=?==?UTF-8?B?IHdvcmxk?=", NULL, "Hello world");
  /* a UTF-8 character split between two Q words, and between B words
   * (its base64 quantum too) */
  decodes_to("=?utf-8?Q?pasi=C5=BEad=C4?=\r\n =?utf-8?Q?=97jim=C5=B3?=", NULL,
             "pasižadėjimų");
  decodes_to("=?utf-8?B?5Lit5?= =?utf-8?B?paH?=", NULL, "中文");
  decodes_to("=?utf-8?B?QmVow?= =?utf-8?B?7ZyZGVu?=", NULL, "Behörden");
  /* empty words, text around words, a word glued to text */
  decodes_to("a =?utf-8?B?\?= b", NULL, "a  b");
  decodes_to("=?utf-8?Q?\?=x", NULL, "x");
  decodes_to("Re:=?utf-8?Q?_caf=C3=A9?= ok", NULL, "Re: café ok");
  /* two charsets in a row: each run on its own, the space dropped */
  decodes_to("=?iso-8859-1?Q?Gr=FC=DFe?= =?koi8-r?B?8NLJ18XU?=", NULL,
             "GrüßeПривет");
  /* ISO-8859-1 labels read as windows-1252: GMime drops 0x80 */
  decodes_to("=?iso-8859-1?Q?=80uro_=93q=94?=", NULL, "€uro “q”");
  /* an RFC 2231 language in the charset */
  decodes_to("=?UTF-8*en?Q?caf=C3=A9?=", NULL, "café");
  /* not encoded words: left as they are */
  decodes_to("=?utf-8?X?abc?= =?bad", NULL, "=?utf-8?X?abc?= =?bad");
  /* bytes that are not UTF-8 outside words: the declared charset, else
   * windows-1252; UTF-8 stays UTF-8 (RFC 6532) */
  decodes_to("caf\xe9 \x93x\x94", NULL, "café “x”");
  decodes_to("\xf0\xd2\xc9\xd7\xc5\xd4", "koi8-r", "Привет");
  decodes_to("caf\xc3\xa9", "iso-8859-1", "café");
  decodes_to("x\xe9", "no-such-charset", "xé");
  /* C1 controls never: U+0085 from UTF-8 is windows-1252's "…"; 0x81 has
   * no character in windows-1252 and stays a raw byte (escaped by the
   * emitters) */
  decodes_to("=?UTF-8?B?wg==?= =?UTF-8?B?hQ==?=", NULL, "…");
  decodes_to("=?windows-1252?Q?a=81b?=", NULL,
             "a\x81"
             "b");
  /* a byte the declared charset cannot read stays raw */
  decodes_to("=?utf-8?Q?a=FFb?=", NULL,
             "a\xff"
             "b");
}

/* Where GMime is right (one word at a time, valid input), the same
 * result; on any input, never a C1 control. */
static void encoded_words_like_gmime_where_it_is_right(void **state) {
  (void)state;
  static const char *const words[] = {"=?UTF-8?B?SGVsbG8gd29ybGQ=?=",
                                      "=?utf-8?q?caf=C3=A9_au_lait?=",
                                      "=?KOI8-R?Q?=F0=D2=C9=D7=C5=D4?=",
                                      "=?windows-1252?Q?=93q=94?=",
                                      "plain",
                                      "two words",
                                      "=?UTF-8?Q?a?=",
                                      "=?ISO-2022-JP?B?GyRCJDMbKEI=?="};
  char v[256];
  for (int round = 0; round < 2000; round++) {
    size_t n = 0;
    int k = 1 + (int)rnd(3);
    v[0] = '\0';
    for (int i = 0; i < k; i++) /* words and text, separated by text */
      n += (size_t)snprintf(v + n, sizeof v - n, "%s%s", i ? " x " : "",
                            words[rnd(sizeof words / sizeof words[0])]);
    char *g = g_mime_utils_header_decode_text(NULL, v);
    char *d = words_decode(v, NULL);
    if (strcmp(g, d))
      fail_msg("[%s]: [%s], GMime [%s]", v, d, g);
    g_free(g);
    free(d);
  }
  static const char alphabet[] = "=?QB_a8\x80\x85\xc2\xe9 ";
  for (int round = 0; round < 20000; round++) {
    size_t n = rnd(40);
    for (size_t i = 0; i < n; i++)
      v[i] = alphabet[rnd(sizeof alphabet - 1)];
    v[n] = '\0';
    char *d = words_decode(v, rnd(2) ? NULL : "iso-8859-15");
    for (const unsigned char *p = (const unsigned char *)d; *p; p++)
      if (p[0] == 0xc2 && p[1] >= 0x80 && p[1] <= 0x9f)
        fail_msg("[%s]: a C1 control in [%s]", v, d);
    free(d);
  }
}

int main(void) {
  g_mime_init();
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(addresses_agree),
      cmocka_unit_test(params_agree),
      cmocka_unit_test(plain_text_agrees),
      cmocka_unit_test(address_totals),
      cmocka_unit_test(encoded_words_whole),
      cmocka_unit_test(encoded_words_like_gmime_where_it_is_right),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
