/* smtp_util.c - pure SMTP parsing helpers (see smtp_util.h). */
#include "smtp_util.h"

#include <ctype.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "vec.h"

/* The end of a path starting at p: the first `stop` byte outside a quoted
 * string ("john doe"@example.org, "a>b"@example.org), or the string's end. */
static const char *path_end(const char *p, char stop) {
  bool quoted = false;
  for (; *p; p++) {
    if (quoted && *p == '\\' && p[1])
      p++;
    else if (*p == '"')
      quoted = !quoted;
    else if (!quoted && *p == stop)
      return p;
  }
  return p;
}

char *smtp_parse_path(const char *arg, const char *keyword,
                      const char **params) {
  *params = NULL;
  if (!arg)
    return NULL;
  while (*arg == ' ')
    arg++;
  size_t kl = strlen(keyword);
  if (strncasecmp(arg, keyword, kl) != 0)
    return NULL;
  const char *p = arg + kl;
  while (*p == ' ') /* tolerated: "MAIL FROM: <a@b>" */
    p++;
  const char *start, *end;
  if (*p == '<') {
    start = p + 1;
    end = path_end(start, '>');
    if (!*end) { /* unterminated: up to the first space */
      end = start + strcspn(start, " ");
      p = end;
    } else {
      p = end + 1;
    }
  } else {
    start = p;
    end = path_end(p, ' ');
    p = end;
  }
  /* A source route "@a,@b:user@c" (RFC 5321 4.1.2, to be ignored): the
   * mailbox after it. */
  if (start < end && *start == '@') {
    const char *colon = memchr(start, ':', (size_t)(end - start));
    if (colon)
      start = colon + 1;
  }
  while (*p == ' ')
    p++;
  if (*p)
    *params = p;
  return xstrndup(start, (size_t)(end - start));
}

bool smtp_parse_reply_line(const uint8_t *line, size_t len, int *code,
                           bool *more, const uint8_t **text, size_t *tlen) {
  if (len < 3 || !isdigit(line[0]) || !isdigit(line[1]) || !isdigit(line[2]))
    return false;
  if (len > 3 && line[3] != ' ' && line[3] != '-')
    return false;
  *code = (line[0] - '0') * 100 + (line[1] - '0') * 10 + (line[2] - '0');
  *more = len > 3 && line[3] == '-';
  *text = len > 4 ? line + 4 : line + len;
  *tlen = len > 4 ? len - 4 : 0;
  return true;
}

/* digits: 1 to max digits at p; returns count or 0. */
static size_t digits(const char *p, size_t max) {
  size_t n = 0;
  while (n < max && isdigit((unsigned char)p[n]))
    n++;
  return n;
}

size_t smtp_enhanced_len(const char *t, int code) {
  if (!t || (t[0] != '2' && t[0] != '4' && t[0] != '5') ||
      t[0] - '0' != code / 100 || t[1] != '.')
    return 0;
  size_t i = 2, n = digits(t + i, 3);
  if (!n || t[i + n] != '.')
    return 0;
  i += n + 1;
  n = digits(t + i, 3);
  if (!n)
    return 0;
  i += n;
  if (t[i] != '\0' && t[i] != ' ')
    return 0;
  return i;
}

static char *token_at(const char *p) {
  while (*p == ' ')
    p++;
  size_t n = strcspn(p, " \r\n,;[]");
  return n ? xstrndup(p, n) : NULL;
}

/* The word that ends just before `at` in text. */
static char *token_before(const char *text, const char *at) {
  const char *e = at;
  while (e > text && e[-1] == ' ')
    e--;
  const char *s = e;
  while (s > text && s[-1] != ' ')
    s--;
  return e > s ? xstrndup(s, (size_t)(e - s)) : NULL;
}

char *smtp_queue_id(const char *text) {
  if (!text)
    return NULL;
  const char *p;
  if ((p = strcasestr(text, "queued as ")))
    return token_at(p + 10); /* Postfix and many others */
  if ((p = strcasestr(text, "id=")) && (p == text || p[-1] == ' '))
    return token_at(p + 3); /* Exim: "OK id=1abcde-000123-AB" */
  if ((p = strcasestr(text, "InternalId=")))
    return token_at(p + 11); /* Exchange / Microsoft 365 */
  if ((p = strstr(text, " - gsmtp")))
    return token_before(text, p); /* Gmail: "OK 1700000000 x1si2.3 - gsmtp" */
  if ((p = strcasestr(text, " Message accepted for delivery")))
    return token_before(text, p);   /* Sendmail: "x9ABC123 Message accepted" */
  if ((p = strstr(text, " qp "))) { /* qmail: "ok 1187717467 qp 19875" */
    char *t = token_at(p + 4);
    char *id = t ? xasprintf("qp %s", t) : NULL;
    free(t);
    return id;
  }
  return NULL;
}

bool smtp_parse_bdat(const char *arg, uint64_t *size, bool *last) {
  *size = 0;
  *last = false;
  if (!arg)
    return false;
  const char *p = arg;
  while (*p == ' ')
    p++;
  size_t n = digits(p, 20);
  if (!n || n > 18) /* more than 10^18 bytes is nonsense */
    return false;
  for (size_t i = 0; i < n; i++)
    *size = *size * 10 + (uint64_t)(p[i] - '0');
  p += n;
  if (*p && *p != ' ')
    return false;
  while (*p == ' ')
    p++;
  if (*p) {
    if (strcasecmp(p, "LAST") != 0)
      return false;
    *last = true;
  }
  return true;
}

bool smtp_has_mail_param(const char *params, const char *keyword) {
  size_t n = strlen(keyword);
  for (const char *p = params; p && *p;) {
    while (*p == ' ')
      p++;
    if (!strncasecmp(p, keyword, n) && (!p[n] || p[n] == ' ' || p[n] == '='))
      return true;
    p += strcspn(p, " ");
  }
  return false;
}

bool smtp_eight_bit_declared(const char *params) {
  if (smtp_has_mail_param(params, "SMTPUTF8"))
    return true;
  for (const char *p = params; p && *p;) {
    while (*p == ' ')
      p++;
    if (!strncasecmp(p, "BODY=", 5)) {
      const char *v = p + 5;
      size_t n = strcspn(v, " ");
      if ((n == 8 && !strncasecmp(v, "8BITMIME", 8)) ||
          (n == 10 && !strncasecmp(v, "BINARYMIME", 10)))
        return true;
    }
    p += strcspn(p, " ");
  }
  return false;
}
