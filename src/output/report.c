/* report.c - the self-contained HTML report (--report FILE, docs/report.md).
 *
 * report_add() streams each session's table row and ladder diagram into two
 * temporary files as sessions end; only small aggregates stay in memory
 * (counters and bounded tallies for the top lists).  report_close() writes
 * FILE: inline style, summary, sortable table, ladders, inline script
 * (report_assets.h).  Nothing is fetched when the file is opened.
 *
 * Every string from the wire goes through html_text(): & < > " ' become
 * entities; control bytes, DEL and bytes that are not UTF-8 are shown as
 * \xHH; C1 controls, bidi overrides/isolates and line/paragraph separators
 * as \u{HHHH}; long values are cut (with an ellipsis) so a hostile peer
 * cannot bloat the report. */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "emit.h"
#include "report_assets.h"
#include "utf8.h"

#define LADDER_MAX_LINES 400 /* ladder lines per session, then "... N more" */
#define CELL_MAX 200         /* bytes of a table cell value shown */
#define LINE_MAX_SHOWN 300   /* bytes of one ladder line shown */
#define RCPT_SHOWN 5         /* recipients listed in a table row */
#define TALLY_CAP 16384      /* distinct names counted per top list */
#define TALLY_NAME_MAX 256   /* bytes of a counted name kept */
#define TOP_SHOWN 10

/* ---- bounded tallies (open addressing, FNV-1a) ----------------------------
 */

typedef struct {
  char *name;
  uint64_t count;
} tally_slot;

typedef struct {
  tally_slot *slots; /* capacity 2 * TALLY_CAP, allocated on first use */
  size_t used;
  uint64_t uncounted; /* occurrences of names past the cap */
} tally;

static uint64_t fnv1a(const char *s) {
  uint64_t h = 1469598103934665603ULL;
  for (; *s; s++)
    h = (h ^ (unsigned char)*s) * 1099511628211ULL;
  return h;
}

static void tally_add(tally *t, const char *name, uint64_t n) {
  if (!name || !*name || !n)
    return;
  char key[TALLY_NAME_MAX + 1];
  snprintf(key, sizeof key, "%s", name);
  const size_t cap = 2 * TALLY_CAP;
  if (!t->slots)
    t->slots = xcalloc(cap, sizeof *t->slots);
  for (size_t i = fnv1a(key) % cap;; i = (i + 1) % cap) {
    tally_slot *s = &t->slots[i];
    if (s->name && !strcmp(s->name, key)) {
      s->count += n;
      return;
    }
    if (!s->name) {
      if (t->used >= TALLY_CAP) {
        t->uncounted += n;
        return;
      }
      s->name = xstrdup(key);
      s->count = n;
      t->used++;
      return;
    }
  }
}

static void tally_free(tally *t) {
  for (size_t i = 0; t->slots && i < 2 * TALLY_CAP; i++)
    free(t->slots[i].name);
  free(t->slots);
}

enum {
  T_SENDERS,
  T_RECIPIENTS,
  T_FAILED_USERS,
  T_FAILED_CLIENTS,
  T_ANOMALIES,
  T_COUNT
};

struct ms_report {
  char *path;
  FILE *rows, *ladders; /* temporary */
  uint64_t sessions, smtp, pop3, tls, midstream, queued, rejected, aborted,
      pending, logins_ok, logins_failed, retrieved, anomalies,
      sessions_with_anomalies;
  ms_ts first_ts, last_ts;
  tally tallies[T_COUNT];
};

/* ---- escaping --------------------------------------------------------------
 */

static bool shown_as_code_point(uint32_t cp) {
  return (cp >= 0x80 && cp <= 0x9f) || cp == 0x200e || cp == 0x200f ||
         (cp >= 0x202a && cp <= 0x202e) || (cp >= 0x2066 && cp <= 0x2069) ||
         cp == 0x2028 || cp == 0x2029 || cp == 0x061c;
}

static void html_byte(FILE *f, unsigned char c, bool keep_newlines) {
  switch (c) {
  case '&':
    fputs("&amp;", f);
    break;
  case '<':
    fputs("&lt;", f);
    break;
  case '>':
    fputs("&gt;", f);
    break;
  case '"':
    fputs("&quot;", f);
    break;
  case '\'':
    fputs("&#39;", f);
    break;
  default:
    if (c == '\n' && keep_newlines)
      fputc('\n', f);
    else if (c < 0x20 || c == 0x7f)
      fprintf(f, "\\x%02x", c);
    else
      fputc(c, f);
  }
}

/* Write at most max bytes of s (0: no limit), escaped for HTML text and
 * attribute values; "…" marks a cut. */
static void html_text(FILE *f, const char *s, size_t max, bool keep_newlines) {
  const unsigned char *p = (const unsigned char *)(s ? s : "");
  size_t n = strlen((const char *)p);
  size_t limit = max && n > max ? max : n;
  size_t i = 0;
  while (i < limit) {
    if (p[i] < 0x80) {
      html_byte(f, p[i], keep_newlines);
      i++;
      continue;
    }
    uint32_t cp;
    size_t len = utf8_decode(p + i, n - i, &cp);
    if (!len) {
      fprintf(f, "\\x%02x", p[i]);
      i++;
    } else if (i + len > limit) {
      break; /* never cut inside a character */
    } else {
      if (shown_as_code_point(cp))
        fprintf(f, "\\u{%04" PRIx32 "}", cp);
      else
        fwrite(p + i, 1, len, f);
      i += len;
    }
  }
  if (i < n)
    fputs("\xe2\x80\xa6", f);
}

static void html(FILE *f, const char *s) { html_text(f, s, CELL_MAX, false); }

/* ---- per-session facts
 * ------------------------------------------------------- */

static const char *session_outcome(const ms_session *s) {
  bool rejected = false;
  for (size_t i = 0; i < s->transactions.len; i++) {
    if (s->transactions.items[i].status == MS_TX_QUEUED)
      return "queued";
    rejected |= s->transactions.items[i].status == MS_TX_REJECTED;
  }
  if (rejected)
    return "rejected";
  if (s->transactions.len)
    return "aborted";
  if (s->messages.len)
    return "retrieved";
  if (s->auth.present && s->auth.result == MS_AUTH_FAILURE)
    return "login failed";
  if (s->auth.present && s->auth.result == MS_AUTH_SUCCESS)
    return "login";
  if (s->tls != MS_TLS_NONE)
    return "tls";
  return "no mail";
}

static const ms_message *first_message(const ms_session *s) {
  for (size_t i = 0; i < s->transactions.len; i++)
    if (s->transactions.items[i].message)
      return s->transactions.items[i].message;
  for (size_t i = 0; i < s->messages.len; i++)
    if (s->messages.items[i].message)
      return s->messages.items[i].message;
  return NULL;
}

static void time_text(char *b, size_t n, ms_ts usec) {
  time_t sec = (time_t)(usec / 1000000);
  struct tm tm;
  gmtime_r(&sec, &tm);
  size_t k = strftime(b, n, "%Y-%m-%d %H:%M:%S", &tm);
  snprintf(b + k, n - k, ".%03d", (int)(usec % 1000000 / 1000));
}

static void endpoint_cell(FILE *f, const ms_endpoint *e) {
  fputs("<td class=\"w\">", f);
  bool v6 = strchr(e->ip, ':') != NULL;
  fputs(v6 ? "[" : "", f);
  html(f, e->ip);
  fprintf(f, "%s:%u</td>", v6 ? "]" : "", e->port);
}

/* The distinct accepted recipients of every transaction, the first
 * RCPT_SHOWN of them listed. */
static void recipients_cell(FILE *f, const ms_session *s) {
  const char *shown[RCPT_SHOWN];
  size_t nshown = 0, more = 0;
  for (size_t i = 0; i < s->transactions.len; i++) {
    const ms_transaction *t = &s->transactions.items[i];
    for (size_t j = 0; j < t->rcpt_to.len; j++) {
      const char *a = t->rcpt_to.items[j];
      bool seen = false;
      for (size_t k = 0; k < nshown && !seen; k++)
        seen = !strcmp(shown[k], a);
      if (seen)
        continue;
      if (nshown == RCPT_SHOWN) {
        more++; /* may count a repeat past the shown ones: "+N more" */
        continue;
      }
      fputs(nshown ? ", " : "", f);
      html(f, a);
      shown[nshown++] = a;
    }
  }
  if (more)
    fprintf(f, " <span class=\"note\">+%zu more</span>", more);
}

/* ---- the table row
 * ------------------------------------------------------------ */

static void row(ms_report *r, const ms_session *s) {
  FILE *f = r->rows;
  char when[48];
  time_text(when, sizeof when, s->ts);
  fprintf(f,
          "<tr id=\"row-%s\" data-i=\"%" PRIu64
          "\"><td class=\"w\" data-v=\"%" PRId64
          "\"><a href=\"#s-%s\">%s</a></td>",
          s->uid, r->sessions, s->ts, s->uid, when);
  endpoint_cell(f, &s->client);
  endpoint_cell(f, &s->server);
  fprintf(f, "<td>%s</td><td>", ms_proto_name(s->proto));
  html(f, s->auth.username);
  fputs("</td><td>", f);
  const ms_transaction *t =
      s->transactions.len ? &s->transactions.items[0] : NULL;
  if (t)
    html(f, t->mail_from && *t->mail_from ? t->mail_from : "<>");
  fputs("</td><td>", f);
  recipients_cell(f, s);
  fputs("</td><td>", f);
  const ms_message *m = first_message(s);
  html(f, m ? m->subject : NULL);
  const char *outcome = session_outcome(s);
  fputs("</td><td class=\"o-", f);
  for (const char *c = outcome; *c; c++)
    fputc(*c == ' ' ? '-' : *c, f);
  fprintf(f, "\">%s</td><td class=\"n\" data-v=\"%zu\">%zu</td></tr>\n",
          outcome, s->anomalies.len, s->anomalies.len);
}

/* ---- the ladder
 * --------------------------------------------------------------- */

typedef struct {
  FILE *f;
  size_t lines; /* ladder lines written */
  size_t hidden;
  ms_ts t0;
  bool in_flight;
  int flights;
} ladder_state;

static const char *reply_class(const char *line) {
  if (!strncmp(line, "+OK", 3))
    return "ok";
  if (!strncmp(line, "-ERR", 4))
    return "err";
  if (line[0] == '+')
    return "mid"; /* POP3 SASL continuation */
  switch (line[0]) {
  case '2':
    return "ok";
  case '3':
    return "mid";
  case '4':
    return "tmp";
  case '5':
    return "err";
  }
  return "";
}

static bool is_smtp_continuation(const char *line) {
  return strlen(line) >= 4 && line[0] >= '1' && line[0] <= '5' &&
         line[3] == '-';
}

/* Does this server line start a new response (rather than continue one)? */
static bool starts_response(const ms_session *s, size_t i) {
  if (i == 0)
    return true;
  const ms_tline *prev = &s->transcript.items[i - 1];
  if (prev->dir != MS_SERVER || (prev->flags & (MS_TL_NOTICE | MS_TL_SUMMARY)))
    return true;
  if (s->proto == MS_PROTO_SMTP)
    return !is_smtp_continuation(prev->text);
  const char *t = s->transcript.items[i].text;
  return !strncmp(t, "+OK", 3) || !strncmp(t, "-ERR", 4) ||
         !strncmp(t, "+ ", 2);
}

static void step_open(ladder_state *ls, const ms_tline *t, const char *dir,
                      const char *cls) {
  double rel = (double)(t->ts - ls->t0) / 1e6;
  fprintf(ls->f,
          "<div class=\"st %s%s%s\"><span class=\"t\">+%.3fs</span>"
          "<div class=\"tx\">",
          dir, *cls ? " " : "", cls, rel < 0 ? 0.0 : rel);
}

static void step_close(ladder_state *ls) {
  fputs("</div><div class=\"ar\"></div></div>\n", ls->f);
}

static void flight_end(ladder_state *ls) {
  if (ls->in_flight)
    fputs("</div>\n", ls->f);
  ls->in_flight = false;
}

/* Commands of one pipelined flight: from a group start through the
 * following client lines marked pipelined. */
static size_t flight_size(const ms_session *s, size_t i) {
  size_t n = 1;
  for (size_t j = i + 1; j < s->transcript.len; j++) {
    const ms_tline *t = &s->transcript.items[j];
    if (t->dir != MS_CLIENT || !(t->flags & MS_TL_PIPELINED) ||
        (t->flags & MS_TL_GROUP_START))
      break;
    n++;
  }
  return n;
}

static void client_line(ladder_state *ls, const ms_session *s, size_t i) {
  const ms_tline *t = &s->transcript.items[i];
  if (t->flags & MS_TL_GROUP_START) {
    flight_end(ls);
    fprintf(ls->f,
            "<div class=\"flight f%d\"><span class=\"lbl\">pipelined: %zu "
            "commands</span>\n",
            ls->flights++ % 3, flight_size(s, i));
    ls->in_flight = true;
  } else if (!(t->flags & MS_TL_PIPELINED)) {
    flight_end(ls);
  }
  step_open(ls, t, "c2s", t->flags & MS_TL_SUMMARY ? "sum" : "");
  html_text(ls->f, t->text, LINE_MAX_SHOWN, false);
  if (t->note) {
    fputs(" <i>[", ls->f);
    html_text(ls->f, t->note, LINE_MAX_SHOWN, false);
    fputs("]</i>", ls->f);
  }
  step_close(ls);
  ls->lines++;
}

/* A server response: line i and the lines continuing it; returns the index
 * of the last line used. */
static size_t server_response(ladder_state *ls, const ms_session *s, size_t i) {
  const ms_tline *t = &s->transcript.items[i];
  flight_end(ls);
  step_open(ls, t, "s2c", reply_class(t->text));
  size_t j = i;
  for (;;) {
    const ms_tline *l = &s->transcript.items[j];
    if (ls->lines < LADDER_MAX_LINES) {
      if (j > i)
        fputc('\n', ls->f);
      html_text(ls->f, l->text, LINE_MAX_SHOWN, false);
      if (l->note) {
        fputs(" <i>[", ls->f);
        html_text(ls->f, l->note, LINE_MAX_SHOWN, false);
        fputs("]</i>", ls->f);
      }
      ls->lines++;
    } else {
      ls->hidden++;
    }
    if (j + 1 >= s->transcript.len ||
        s->transcript.items[j + 1].dir != MS_SERVER ||
        (s->transcript.items[j + 1].flags &
         (MS_TL_NOTICE | MS_TL_SUMMARY | MS_TL_BODY)) ||
        starts_response(s, j + 1))
      break;
    j++;
  }
  step_close(ls);
  return j;
}

static void transcript_ladder(ladder_state *ls, const ms_session *s) {
  for (size_t i = 0; i < s->transcript.len; i++) {
    const ms_tline *t = &s->transcript.items[i];
    if (t->flags & MS_TL_BODY)
      continue;
    if (ls->lines >= LADDER_MAX_LINES) {
      ls->hidden++;
      continue;
    }
    if (t->flags & MS_TL_NOTICE) {
      flight_end(ls);
      fputs("<div class=\"notice\">", ls->f);
      html_text(ls->f, t->text, LINE_MAX_SHOWN, false);
      fputs("</div>\n", ls->f);
      ls->lines++;
    } else if (t->dir == MS_CLIENT) {
      client_line(ls, s, i);
    } else {
      i = server_response(ls, s, i);
    }
  }
  flight_end(ls);
}

static void ladder(ms_report *r, const ms_session *s) {
  FILE *f = r->ladders;
  fprintf(f, "<section class=\"ladder\" id=\"s-%s\"><h3>%s ", s->uid,
          ms_proto_name(s->proto));
  html(f, s->client.ip);
  fprintf(f, ":%u &rarr; ", s->client.port);
  html(f, s->server.ip);
  char when[48];
  time_text(when, sizeof when, s->ts);
  fprintf(f,
          ":%u <small>%s UTC, uid %s</small><a class=\"back\" "
          "href=\"#row-%s\">&uarr; table</a></h3>\n",
          s->server.port, when, s->uid, s->uid);
  fputs("<div class=\"ends\"><span>client</span><span>server</span></div>\n"
        "<div class=\"lad\">\n",
        f);
  ladder_state ls = {.f = f, .t0 = s->ts};
  transcript_ladder(&ls, s);
  if (s->tls == MS_TLS_IMPLICIT)
    fprintf(f,
            "<div class=\"notice\">TLS from the first byte (implicit TLS): "
            "%s</div>\n",
            ms_tls_decrypted_any(s->tls_info) ? "decrypted" : "not decoded");
  fputs("</div>\n", f);
  if (ls.hidden)
    fprintf(f, "<p class=\"more\">... %zu more lines</p>\n", ls.hidden);
  if (s->anomalies.len) {
    fputs("<p class=\"note\">anomalies:", f);
    for (size_t i = 0; i < s->anomalies.len && i < 20; i++) {
      fputc(' ', f);
      html(f, s->anomalies.items[i].name);
    }
    if (s->anomalies.len > 20)
      fprintf(f, " ... (%zu in all)", s->anomalies.len);
    fputs("</p>\n", f);
  }
  fputs("</section>\n", f);
}

/* ---- API
 * ---------------------------------------------------------------------- */

ms_report *report_open(const char *path) {
  FILE *probe = fopen(path, "w"); /* fail early on an unwritable path */
  if (!probe)
    return NULL;
  fclose(probe);
  ms_report *r = xcalloc(1, sizeof *r);
  r->path = xstrdup(path);
  r->rows = tmpfile();
  r->ladders = tmpfile();
  if (!r->rows || !r->ladders) {
    int e = errno;
    if (r->rows)
      fclose(r->rows);
    if (r->ladders)
      fclose(r->ladders);
    free(r->path);
    free(r);
    errno = e;
    return NULL;
  }
  return r;
}

static void count_session(ms_report *r, const ms_session *s) {
  if (!r->sessions || s->ts < r->first_ts)
    r->first_ts = s->ts;
  if (s->end_ts > r->last_ts)
    r->last_ts = s->end_ts;
  r->sessions++;
  r->smtp += s->proto == MS_PROTO_SMTP;
  r->pop3 += s->proto == MS_PROTO_POP3;
  r->tls += s->tls != MS_TLS_NONE;
  r->midstream += s->midstream;
  r->anomalies += s->anomalies.len;
  r->sessions_with_anomalies += s->anomalies.len > 0;
  for (size_t i = 0; i < s->anomalies.len; i++)
    tally_add(&r->tallies[T_ANOMALIES], s->anomalies.items[i].name, 1);
  for (size_t i = 0; i < s->transactions.len; i++) {
    const ms_transaction *t = &s->transactions.items[i];
    r->queued += t->status == MS_TX_QUEUED;
    r->rejected += t->status == MS_TX_REJECTED;
    r->aborted += t->status == MS_TX_ABORTED;
    r->pending += t->status == MS_TX_PENDING;
    tally_add(&r->tallies[T_SENDERS],
              t->mail_from && *t->mail_from ? t->mail_from : "<>", 1);
    for (size_t j = 0; j < t->rcpt_to.len; j++)
      tally_add(&r->tallies[T_RECIPIENTS], t->rcpt_to.items[j], 1);
  }
  r->retrieved += s->messages.len;
  if (s->auth.present) {
    r->logins_ok += s->auth.result == MS_AUTH_SUCCESS;
    uint64_t failed = s->auth.failures > 0 ? (uint64_t)s->auth.failures
                      : s->auth.result == MS_AUTH_FAILURE ? 1
                                                          : 0;
    r->logins_failed += failed;
    tally_add(&r->tallies[T_FAILED_USERS],
              s->auth.username ? s->auth.username : "(unknown)", failed);
    tally_add(&r->tallies[T_FAILED_CLIENTS], s->client.ip, failed);
  }
}

void report_add(ms_report *r, const ms_session *s) {
  count_session(r, s);
  row(r, s);
  ladder(r, s);
}

static int by_count(const void *a, const void *b) {
  const tally_slot *x = a, *y = b;
  if (x->count != y->count)
    return x->count < y->count ? 1 : -1;
  return strcmp(x->name, y->name);
}

static void top_list(FILE *f, const char *id, const char *title, tally *t) {
  size_t n = 0;
  tally_slot *all = xcalloc(t->used ? t->used : 1, sizeof *all);
  for (size_t i = 0; t->slots && i < 2 * TALLY_CAP; i++)
    if (t->slots[i].name)
      all[n++] = t->slots[i];
  qsort(all, n, sizeof *all, by_count);
  fprintf(f, "<div class=\"card\" id=\"%s\"><h3>%s</h3><ol>", id, title);
  for (size_t i = 0; i < n && i < TOP_SHOWN; i++) {
    fputs("<li>", f);
    html(f, all[i].name);
    fprintf(f, " <b>%" PRIu64 "</b></li>", all[i].count);
  }
  fputs("</ol>", f);
  if (!n)
    fputs("<span class=\"note\">none</span>", f);
  else if (n > TOP_SHOWN)
    fprintf(f, "<span class=\"note\">%zu distinct</span>", n);
  if (t->uncounted)
    fprintf(f,
            "<br><span class=\"note\">approximate: %" PRIu64
            " more past %d distinct names</span>",
            t->uncounted, TALLY_CAP);
  fputs("</div>\n", f);
  free(all);
}

static void summary(FILE *f, ms_report *r, const ms_stats *st) {
  char from[48] = "-", to[48] = "-";
  if (r->sessions) {
    time_text(from, sizeof from, r->first_ts);
    time_text(to, sizeof to, r->last_ts);
  }
  fprintf(f,
          "<p class=\"note\">%s &ndash; %s UTC</p>\n"
          "<div class=\"cards\" id=\"summary\">"
          "<div class=\"card\" id=\"counts\"><h3>Sessions</h3><ul>"
          "<li>sessions <b>%" PRIu64 "</b></li>"
          "<li>smtp <b>%" PRIu64 "</b>, pop3 <b>%" PRIu64 "</b></li>"
          "<li>tls <b>%" PRIu64 "</b>, midstream <b>%" PRIu64 "</b></li>"
          "<li>with anomalies <b>%" PRIu64 "</b> (%" PRIu64 " in all)</li>"
          "<li>packets <b>%" PRIu64 "</b></li></ul></div>\n"
          "<div class=\"card\" id=\"outcomes\"><h3>Outcomes</h3><ul>"
          "<li>transactions queued <b>%" PRIu64 "</b></li>"
          "<li>rejected <b>%" PRIu64 "</b></li>"
          "<li>aborted <b>%" PRIu64 "</b></li>"
          "<li>unfinished <b>%" PRIu64 "</b></li>"
          "<li>logins succeeded <b>%" PRIu64 "</b>, failed <b>%" PRIu64
          "</b></li>"
          "<li>messages retrieved (POP3) <b>%" PRIu64 "</b></li></ul></div>\n",
          from, to, r->sessions, r->smtp, r->pop3, r->tls, r->midstream,
          r->sessions_with_anomalies, r->anomalies,
          (uint64_t)(st ? st->packets : 0), r->queued, r->rejected, r->aborted,
          r->pending, r->logins_ok, r->logins_failed, r->retrieved);
  top_list(f, "top-senders", "Top senders", &r->tallies[T_SENDERS]);
  top_list(f, "top-recipients", "Top recipients", &r->tallies[T_RECIPIENTS]);
  top_list(f, "failed-users", "Failed logins by user",
           &r->tallies[T_FAILED_USERS]);
  top_list(f, "failed-clients", "Failed logins by client",
           &r->tallies[T_FAILED_CLIENTS]);
  top_list(f, "top-anomalies", "Anomalies", &r->tallies[T_ANOMALIES]);
  fputs("</div>\n", f);
}

static int copy_file(FILE *from, FILE *to) {
  char buf[65536];
  size_t n;
  if (fflush(from) != 0 || ferror(from))
    return -1;
  rewind(from);
  while ((n = fread(buf, 1, sizeof buf, from)) > 0)
    if (fwrite(buf, 1, n, to) != n)
      return -1;
  return ferror(from) ? -1 : 0;
}

static const char table_head[] =
    "<h2>Sessions</h2>\n<p class=\"note\">Click a column to sort, again to "
    "reverse; click a time for the session's ladder.</p>\n"
    "<table id=\"sessions\"><thead><tr>"
    "<th data-key=\"time\">time (UTC)</th><th data-key=\"client\">client</th>"
    "<th data-key=\"server\">server</th><th data-key=\"proto\">protocol</th>"
    "<th data-key=\"user\">user</th><th data-key=\"sender\">sender</th>"
    "<th data-key=\"rcpt\">recipients</th>"
    "<th data-key=\"subject\">subject</th>"
    "<th data-key=\"outcome\">outcome</th>"
    "<th data-key=\"anomalies\">anomalies</th></tr></thead><tbody>\n";

static const char ladder_head[] =
    "</tbody></table>\n<h2>Ladders</h2>\n<p class=\"legend note\">"
    "<span style=\"color:#176117\">2xx / +OK</span>"
    "<span style=\"color:#1a4f8a\">3xx / + continuation</span>"
    "<span style=\"color:#9a6500\">4xx</span>"
    "<span style=\"color:#b00020\">5xx / -ERR</span>"
    "<span>coloured band: commands of one pipelined flight</span>"
    "<span>left column: seconds since the session's first packet</span></p>\n";

int report_close(ms_report *r, const ms_stats *st) {
  int rc = 0;
  FILE *f = fopen(r->path, "w");
  if (!f) {
    rc = -1;
  } else {
    fprintf(f,
            "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">"
            "<meta name=\"generator\" content=\"mailscope\">"
            "<title>mailscope report</title><style>%s</style></head>"
            "<body>\n<h1>mailscope report</h1>\n",
            report_style);
    summary(f, r, st);
    fputs(table_head, f);
    rc |= copy_file(r->rows, f);
    fputs(ladder_head, f);
    rc |= copy_file(r->ladders, f);
    fprintf(f, "<script>%s</script>\n</body></html>\n", report_script);
    if (ferror(f))
      rc = -1;
    if (fclose(f) != 0)
      rc = -1;
  }
  fclose(r->rows);
  fclose(r->ladders);
  for (int i = 0; i < T_COUNT; i++)
    tally_free(&r->tallies[i]);
  free(r->path);
  free(r);
  return rc;
}
