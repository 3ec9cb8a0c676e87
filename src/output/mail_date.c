/* mail_date.c - RFC 5322 Date header -> microseconds since the epoch
 * (see mail_date.h). */
#include "mail_date.h"

#include <ctype.h>
#include <stdint.h>
#include <string.h>
#include <strings.h>

typedef struct {
  const char *p, *end;
} cursor;

/* Skip folding white space and (possibly nested) comments. */
static void skip_cfws(cursor *c) {
  int depth = 0;
  while (c->p < c->end) {
    char ch = *c->p;
    if (ch == '(')
      depth++;
    else if (ch == ')' && depth > 0)
      depth--;
    else if (!depth && ch != ' ' && ch != '\t' && ch != '\r' && ch != '\n')
      return;
    c->p++;
  }
}

/* Up to max_digits decimal digits; -1 when there is none. */
static long number(cursor *c, int max_digits, int *ndigits) {
  long v = 0;
  int n = 0;
  while (c->p < c->end && n < max_digits && isdigit((unsigned char)*c->p)) {
    v = v * 10 + (*c->p - '0');
    c->p++;
    n++;
  }
  if (ndigits)
    *ndigits = n;
  return n ? v : -1;
}

static int word(cursor *c, char *out, size_t cap) {
  size_t n = 0;
  while (c->p < c->end && isalpha((unsigned char)*c->p)) {
    if (n + 1 < cap)
      out[n++] = *c->p;
    c->p++;
  }
  out[n] = '\0';
  return (int)n;
}

static int month_index(const char *m) {
  static const char *const names[] = {"jan", "feb", "mar", "apr", "may", "jun",
                                      "jul", "aug", "sep", "oct", "nov", "dec"};
  for (int i = 0; i < 12; i++)
    if (!strcasecmp(m, names[i]))
      return i + 1;
  return 0;
}

/* Minutes east of UTC for the obsolete zone names; 0 for UT/GMT/Z and for
 * the military letters, whose meaning RFC 5322 says to ignore. */
static bool named_zone(const char *z, long *minutes) {
  static const struct {
    const char *name;
    int hours;
  } zones[] = {{"UT", 0},   {"GMT", 0},  {"UTC", 0},  {"Z", 0},
               {"EST", -5}, {"EDT", -4}, {"CST", -6}, {"CDT", -5},
               {"MST", -7}, {"MDT", -6}, {"PST", -8}, {"PDT", -7}};
  for (size_t i = 0; i < sizeof zones / sizeof zones[0]; i++)
    if (!strcasecmp(z, zones[i].name)) {
      *minutes = zones[i].hours * 60L;
      return true;
    }
  if (strlen(z) == 1) {
    *minutes = 0;
    return true;
  }
  return false;
}

/* Days since 1970-01-01 of a proleptic Gregorian date. */
static int64_t days_from_civil(long y, long m, long d) {
  y -= m <= 2;
  long era = (y >= 0 ? y : y - 399) / 400;
  long yoe = y - era * 400;
  long doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
  long doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
  return (int64_t)era * 146097 + doe - 719468;
}

static int days_in_month(long y, long m) {
  static const int days[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  bool leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
  return m == 2 && leap ? 29 : days[m - 1];
}

/* Parse "[Day,] DD Mon YYYY HH:MM[:SS] zone"; false when it is not one. */
bool mail_date_parse(const char *text, ms_ts *out) {
  cursor c = {text, text + strlen(text)};
  char w[16];
  skip_cfws(&c);
  const char *mark = c.p;
  if (word(&c, w, sizeof w)) { /* optional day of week */
    skip_cfws(&c);
    if (c.p < c.end && *c.p == ',')
      c.p++;
    else if (month_index(w))
      c.p = mark; /* no day name: "Nov 22 ..." is not RFC 5322 anyway */
    skip_cfws(&c);
  }
  int nd;
  long day = number(&c, 2, NULL);
  skip_cfws(&c);
  word(&c, w, sizeof w);
  long month = month_index(w);
  skip_cfws(&c);
  long year = number(&c, 4, &nd);
  if (day < 1 || !month || year < 0)
    return false;
  if (nd == 2)
    year += year < 50 ? 2000 : 1900;
  else if (nd == 3)
    year += 1900;
  skip_cfws(&c);
  long hour = number(&c, 2, NULL), minute = -1, second = 0;
  skip_cfws(&c);
  if (c.p < c.end && *c.p == ':') {
    c.p++;
    skip_cfws(&c);
    minute = number(&c, 2, NULL);
  }
  skip_cfws(&c);
  if (c.p < c.end && *c.p == ':') {
    c.p++;
    skip_cfws(&c);
    second = number(&c, 2, NULL);
  }
  skip_cfws(&c);
  long zone = 0;
  if (c.p < c.end && (*c.p == '+' || *c.p == '-')) {
    int sign = *c.p == '-' ? -1 : 1;
    c.p++;
    long hhmm = number(&c, 4, &nd);
    if (nd != 4 || hhmm % 100 > 59)
      return false;
    zone = sign * ((hhmm / 100) * 60 + hhmm % 100);
  } else if (!word(&c, w, sizeof w) || !named_zone(w, &zone)) {
    return false;
  }
  if (year < 1900 || year > 9999 || day > days_in_month(year, month) ||
      hour < 0 || hour > 23 || minute < 0 || minute > 59 || second < 0 ||
      second > 60)
    return false;
  int64_t sec = days_from_civil(year, month, day) * 86400 + hour * 3600 +
                minute * 60 + second - zone * 60;
  *out = sec * 1000000;
  return true;
}
