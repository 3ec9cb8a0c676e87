/* msg_fields.c - the plainest header fields without GMime (msg_fields.h).
 *
 * Every grammar here is deliberately narrower than RFC 5322 / RFC 2045:
 * no comments, quoted local parts, groups, encoded words, RFC 2231
 * parameters, IDN domains or doubled spaces.  Anything outside it is
 * GMime's to parse. */
#include "msg_fields.h"

#include <gmime/gmime.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "vec.h"

static bool alnum(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
         (c >= '0' && c <= '9');
}

static bool atom_char(char c) { /* of a local part */
  return alnum(c) || c == '_' || c == '+' || c == '-';
}

static bool label_char(char c) { return alnum(c) || c == '-'; }

static bool word_char(char c) { /* of a display name */
  return alnum(c) || c == '_' || c == '-' || c == '\'';
}

static bool token_char(char c) { /* RFC 2045 token, minus '*', '%', '\'' */
  return alnum(c) || (c && strchr("-.+_!#$&^`{|}~", c));
}

bool fields_plain_text(const char *v) {
  for (const unsigned char *p = (const unsigned char *)v; *p; p++)
    if (*p < 0x20 || *p > 0x7e || (p[0] == '=' && p[1] == '?'))
      return false;
  return true;
}

/* local@domain at p: the end of it, or NULL. */
static const char *addr_spec(const char *p) {
  for (;;) { /* atoms joined by single dots */
    if (!atom_char(*p))
      return NULL;
    while (atom_char(*p))
      p++;
    if (*p != '.')
      break;
    p++;
  }
  if (*p++ != '@')
    return NULL;
  for (;;) { /* labels joined by single dots, no IDN */
    const char *label = p;
    if (!label_char(*p))
      return NULL;
    while (label_char(*p))
      p++;
    if (p - label >= 4 && !strncasecmp(label, "xn--", 4))
      return NULL;
    if (*p != '.')
      break;
    p++;
  }
  return p;
}

typedef struct {
  const char *name, *name_end, *addr, *addr_end;
} mailbox_span;

/* One mailbox at p: its spans and the end of it, or NULL. */
static const char *mailbox(const char *p, mailbox_span *m) {
  m->name = m->name_end = NULL;
  const char *e = addr_spec(p);
  if (e && (*e == '\0' || *e == ',' || *e == ' ')) {
    m->addr = p;
    m->addr_end = e;
    return e;
  }
  const char *q = p;
  if (alnum(*q)) { /* words joined by single spaces */
    for (;;) {
      while (word_char(*q))
        q++;
      if (q[0] != ' ' || !alnum(q[1]))
        break;
      q++;
    }
    m->name = p;
    m->name_end = q;
    while (*q == ' ')
      q++;
  }
  if (*q != '<' || !(e = addr_spec(q + 1)) || *e != '>')
    return NULL;
  m->addr = q + 1;
  m->addr_end = e;
  return e + 1;
}

/* Walk the list; with out, append what it holds and count it. */
static bool address_list(const char *v, ms_addrvec *out, size_t limit,
                         size_t *total) {
  const char *p = v;
  while (*p == ' ')
    p++;
  if (!*p)
    return false;
  for (;;) {
    mailbox_span m;
    if (!(p = mailbox(p, &m)))
      return false;
    if (out)
      ++*total;
    if (out && out->len < limit) {
      ms_address *a = vec_push(out);
      a->address = xstrndup(m.addr, (size_t)(m.addr_end - m.addr));
      a->name = m.name ? xstrndup(m.name, (size_t)(m.name_end - m.name)) : NULL;
    }
    while (*p == ' ')
      p++;
    if (!*p)
      return true;
    if (*p++ != ',')
      return false;
    while (*p == ' ')
      p++;
    if (!*p)
      return false; /* a trailing comma */
  }
}

bool fields_addresses(const char *v, ms_addrvec *out, size_t limit,
                      size_t *total) {
  if (!address_list(v, NULL, limit, NULL))
    return false;
  address_list(v, out, limit, total);
  return true;
}

static void add_mailboxes(ms_addrvec *v, InternetAddressList *list,
                          size_t limit, int depth, size_t *total) {
  int n = list ? internet_address_list_length(list) : 0;
  for (int i = 0; i < n; i++) {
    InternetAddress *ia = internet_address_list_get_address(list, i);
    if (INTERNET_ADDRESS_IS_GROUP(ia)) {
      if (depth < 4)
        add_mailboxes(
            v, internet_address_group_get_members(INTERNET_ADDRESS_GROUP(ia)),
            limit, depth + 1, total);
      continue;
    }
    if (!INTERNET_ADDRESS_IS_MAILBOX(ia))
      continue;
    ++*total;
    if (v->len >= limit)
      continue;
    const char *addr =
        internet_address_mailbox_get_addr(INTERNET_ADDRESS_MAILBOX(ia));
    const char *name = internet_address_get_name(ia);
    ms_address *a = vec_push(v);
    a->address = addr && *addr ? xstrdup(addr) : NULL;
    a->name = name && *name ? xstrdup(name) : NULL;
  }
}

void fields_addresses_gmime(const char *v, ms_addrvec *out, size_t limit,
                            size_t *total) {
  InternetAddressList *list = internet_address_list_parse(NULL, v);
  add_mailboxes(out, list, limit, 0, total);
  if (list)
    g_object_unref(list);
}

#define MAX_WANTED 4

bool fields_typed_params(const char *v, bool slash, char **type,
                         fields_param *params, size_t nparams) {
  if (nparams > MAX_WANTED)
    return false;
  const char *p = v;
  while (token_char(*p))
    p++;
  if (p == v)
    return false;
  if (slash) {
    if (*p++ != '/' || !token_char(*p))
      return false;
    while (token_char(*p))
      p++;
  }
  const char *type_end = p;
  const char *found[MAX_WANTED] = {0}, *found_end[MAX_WANTED] = {0};
  while (*p) {
    if (*p++ != ';')
      return false;
    while (*p == ' ')
      p++;
    const char *attr = p;
    while (token_char(*p))
      p++;
    size_t attr_len = (size_t)(p - attr);
    if (!attr_len || *p++ != '=')
      return false;
    const char *val = p, *val_end;
    if (*p == '"') { /* printable, no escapes, no encoded words */
      val = ++p;
      while (*p >= 0x20 && *p < 0x7f && *p != '"' && *p != '\\' &&
             !(p[0] == '=' && p[1] == '?'))
        p++;
      val_end = p;
      if (*p++ != '"' || val_end == val || val[0] == ' ' || val_end[-1] == ' ')
        return false;
    } else {
      while (token_char(*p))
        p++;
      val_end = p;
      if (val_end == val)
        return false;
    }
    for (size_t i = 0; i < nparams; i++)
      if (strlen(params[i].name) == attr_len &&
          !strncasecmp(attr, params[i].name, attr_len)) {
        if (found[i])
          return false; /* repeated: GMime's choice */
        found[i] = val;
        found_end[i] = val_end;
      }
  }
  char *t = xstrndup(v, (size_t)(type_end - v));
  for (char *c = t; *c; c++)
    if (*c >= 'A' && *c <= 'Z')
      *c = (char)(*c - 'A' + 'a');
  *type = t;
  for (size_t i = 0; i < nparams; i++)
    params[i].value =
        found[i] ? xstrndup(found[i], (size_t)(found_end[i] - found[i])) : NULL;
  return true;
}
