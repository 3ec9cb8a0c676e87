/* msg_received.c - Received header parsing (see msg_received.h).
 *
 * "from HELO (rDNS [IP]) by HOST (software) with PROTO id ID for <RCPT>;
 * DATE".  Real headers vary a lot (Postfix, Exim, Sendmail, Exchange,
 * Gmail, qmail): clauses may be missing or reordered; comments in
 * parentheses may nest.  The date is what follows the last ';'.  The IP is
 * the first [address] of the from clause (IPv6 with or without "IPv6:"),
 * or a bare address in its comment. */
#include "msg_received.h"

#include <arpa/inet.h>
#include <ctype.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "vec.h"

static char *trimmed(const char *s, size_t n) {
  while (n && isspace((unsigned char)*s))
    s++, n--;
  while (n && isspace((unsigned char)s[n - 1]))
    n--;
  return n ? xstrndup(s, n) : NULL;
}

static bool is_ip(const char *s) {
  unsigned char buf[16];
  return inet_pton(AF_INET, s, buf) == 1 || inet_pton(AF_INET6, s, buf) == 1;
}

/* "10.000.000.002", a dotted quad with zero-padded parts as some MTAs
 * write address literals, in its plain form; NULL when s is not one. */
static char *ipv4_unpadded(const char *s) {
  unsigned v[4];
  for (int k = 0; k < 4; k++) {
    unsigned x = 0;
    int digits = 0;
    while (isdigit((unsigned char)*s) && digits < 3)
      x = x * 10 + (unsigned)(*s++ - '0'), digits++;
    if (!digits || isdigit((unsigned char)*s) || x > 255)
      return NULL;
    v[k] = x;
    if (k < 3 && *s++ != '.')
      return NULL;
  }
  return *s ? NULL : xasprintf("%u.%u.%u.%u", v[0], v[1], v[2], v[3]);
}

/* The first IP address inside [...] (or a bare one) in s..e. */
static char *find_ip(const char *s, const char *e) {
  for (const char *p = s; p < e; p++) {
    if (*p != '[' && *p != '(' && *p != ' ')
      continue;
    const char *q = p + 1;
    if (!strncasecmp(q, "IPv6:", 5))
      q += 5;
    size_t n = strspn(q, "0123456789abcdefABCDEF.:");
    if (n < 2 || n > 45 || q + n > e)
      continue;
    char *cand = xstrndup(q, n);
    if (is_ip(cand))
      return cand;
    char *plain = ipv4_unpadded(cand);
    free(cand);
    if (plain)
      return plain;
  }
  return NULL;
}

/* Word after a keyword: up to whitespace, ';' or '('. */
static char *word_at(const char *p, const char *e) {
  while (p < e && isspace((unsigned char)*p))
    p++;
  const char *q = p;
  while (q < e && !isspace((unsigned char)*q) && *q != ';' && *q != '(')
    q++;
  if (q == p)
    return NULL;
  if (*p == '<' && q[-1] == '>' && q - p > 2)
    return xstrndup(p + 1, (size_t)(q - p - 2));
  return xstrndup(p, (size_t)(q - p));
}

/* The first word of the first comment of the from clause when it looks
 * like a host name: "(mail.example.net [192.0.2.1])" (Postfix, Sendmail,
 * Gmail), "(helo=x)" and "(HELO x)" are not. */
static char *comment_host(const char *s, const char *e) {
  const char *open = memchr(s, '(', (size_t)(e - s));
  if (!open)
    return NULL;
  const char *p = open + 1, *q = p;
  while (q < e &&
         (isalnum((unsigned char)*q) || *q == '.' || *q == '-' || *q == '_'))
    q++;
  size_t n = (size_t)(q - p);
  if (n == 0 || n > 255 || memchr(p, '.', n) == NULL)
    return NULL; /* "unknown", "HELO", "qmail": no dot, not a FQDN */
  char *host = xstrndup(p, n);
  if (is_ip(host)) {
    free(host);
    return NULL;
  }
  return host;
}

static const char *const keywords[] = {"from", "by", "via",
                                       "with", "id", "for"};

void received_parse(const char *value, ms_received *r) {
  memset(r, 0, sizeof *r);
  r->raw = xstrdup(value);
  const char *semi = strrchr(value, ';');
  const char *end = semi ? semi : value + strlen(value);
  if (semi)
    r->date = trimmed(semi + 1, strlen(semi + 1));
  /* Keyword positions outside comments. */
  const char *pos[6] = {0};
  int depth = 0;
  for (const char *p = value; p < end; p++) {
    if (*p == '(')
      depth++;
    else if (*p == ')' && depth > 0)
      depth--;
    if (depth || (p != value && !isspace((unsigned char)p[-1])))
      continue;
    for (int k = 0; k < 6; k++) {
      size_t kl = strlen(keywords[k]);
      if (!pos[k] && !strncasecmp(p, keywords[k], kl) &&
          (p + kl < end && isspace((unsigned char)p[kl])))
        pos[k] = p;
    }
  }
  char **fields[6] = {&r->from, &r->by, &r->via, &r->with, &r->id, &r->for_};
  for (int k = 0; k < 6; k++)
    if (pos[k])
      *fields[k] = word_at(pos[k] + strlen(keywords[k]), end);
  if (pos[0]) {
    const char *clause_end = end;
    for (int k = 1; k < 6; k++)
      if (pos[k] && pos[k] > pos[0] && pos[k] < clause_end)
        clause_end = pos[k];
    r->ip = find_ip(pos[0], clause_end);
    r->rdns = comment_host(pos[0], clause_end);
  }
}

void received_free(ms_received *r) {
  free(r->from);
  free(r->by);
  free(r->via);
  free(r->with);
  free(r->id);
  free(r->for_);
  free(r->date);
  free(r->ip);
  free(r->raw);
  free(r->rdns);
  memset(r, 0, sizeof *r);
}
