/* report.c - the self-contained HTML report (--report FILE).
 *
 * Session rows and ladders are streamed into a temporary file as sessions
 * end; only small aggregates (counts, top senders/recipients, failed logins)
 * stay in memory.  report_close() writes FILE: styles, summary, sortable
 * table, then the ladders, with a few lines of inline JavaScript for
 * sorting.  No network access is needed to view it.  Every string from the
 * wire is HTML-escaped, control bytes shown as \xHH. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "emit.h"

#define LADDER_MAX 300 /* arrows per session before "... N more" */
#define TOP_MAX 4096   /* distinct names counted for the top lists */

typedef struct {
  char *name;
  uint64_t count;
} tally;

typedef VEC(tally) tallies;

struct ms_report {
  char *path;
  FILE *rows, *ladders; /* temporary */
  uint64_t sessions, smtp, pop3, queued, rejected, aborted, logins_ok,
      logins_failed, anomalies;
  tallies senders, recipients, failed_users;
};

static void html(FILE *f, const char *s) {
  for (const unsigned char *p = (const unsigned char *)(s ? s : ""); *p; p++) {
    switch (*p) {
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
    case '\n': /* multi-line replies: the ladder keeps their lines */
      fputc('\n', f);
      break;
    default:
      if (*p < 0x20 || *p == 0x7f)
        fprintf(f, "\\x%02x", *p);
      else
        fputc(*p, f);
    }
  }
}

static void count(tallies *t, const char *name) {
  if (!name || !*name)
    return;
  for (size_t i = 0; i < t->len; i++)
    if (!strcmp(t->items[i].name, name)) {
      t->items[i].count++;
      return;
    }
  if (t->len >= TOP_MAX)
    return;
  tally *n = vec_push(t);
  n->name = xstrdup(name);
  n->count = 1;
}

ms_report *report_open(const char *path) {
  FILE *test = fopen(path, "w");
  if (!test)
    return NULL;
  fclose(test);
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

static void time_text(char *b, size_t n, ms_ts usec) {
  time_t sec = (time_t)(usec / 1000000);
  struct tm tm;
  gmtime_r(&sec, &tm);
  strftime(b, n, "%Y-%m-%d %H:%M:%S", &tm);
}

static const char *session_outcome(const ms_session *s) {
  if (s->auth.present && s->auth.result == MS_AUTH_FAILURE)
    return "login failed";
  for (size_t i = 0; i < s->transactions.len; i++)
    if (s->transactions.items[i].status == MS_TX_QUEUED)
      return "queued";
  for (size_t i = 0; i < s->transactions.len; i++)
    if (s->transactions.items[i].status == MS_TX_REJECTED)
      return "rejected";
  if (s->transactions.len)
    return "aborted";
  if (s->messages.len)
    return "retrieved";
  if (s->tls != MS_TLS_NONE)
    return "tls";
  return "no mail";
}

static const char *first_subject(const ms_session *s) {
  for (size_t i = 0; i < s->transactions.len; i++)
    if (s->transactions.items[i].message &&
        s->transactions.items[i].message->subject)
      return s->transactions.items[i].message->subject;
  for (size_t i = 0; i < s->messages.len; i++)
    if (s->messages.items[i].message && s->messages.items[i].message->subject)
      return s->messages.items[i].message->subject;
  return "";
}

static void row(ms_report *r, const ms_session *s) {
  FILE *f = r->rows;
  char when[32];
  time_text(when, sizeof when, s->ts);
  fprintf(f, "<tr><td>%s</td><td>", when);
  html(f, s->client.ip);
  fprintf(f, ":%u</td><td>", s->client.port);
  html(f, s->server.ip);
  fprintf(f, ":%u</td><td>%s</td><td>", s->server.port, ms_proto_name(s->proto));
  html(f, s->auth.username);
  fputs("</td><td>", f);
  const ms_transaction *t = s->transactions.len ? &s->transactions.items[0]
                                                : NULL;
  html(f, t ? t->mail_from : "");
  fputs("</td><td>", f);
  for (size_t i = 0; t && i < t->rcpt_to.len && i < 5; i++) {
    if (i)
      fputs(", ", f);
    html(f, t->rcpt_to.items[i]);
  }
  fputs("</td><td>", f);
  html(f, first_subject(s));
  fprintf(f, "</td><td>%s</td><td>%zu</td><td><a href=\"#%s\">ladder</a></td></tr>\n",
          session_outcome(s), s->anomalies.len, s->uid);
}

static const char *code_class(const ms_reply *rp) {
  if (rp->pop3_status)
    return rp->pop3_status[0] == '+' ? "ok" : "err";
  return rp->code < 300 ? "ok" : rp->code < 400 ? "mid" : rp->code < 500 ? "tmp"
                                                                       : "err";
}

static void arrow(FILE *f, bool to_server, const char *cls, const char *verb,
                  const char *text, int group) {
  fprintf(f, "<div class=\"step %s%s\"%s>", to_server ? "c2s" : "s2c",
          cls ? cls : "", group ? " title=\"pipelined group\"" : "");
  if (group)
    fprintf(f, "<span class=\"grp g%d\"></span>", group % 4);
  fputs("<span class=\"msg\">", f);
  html(f, verb);
  if (text && *text) {
    fputc(' ', f);
    html(f, text);
  }
  fputs("</span></div>\n", f);
}

static void ladder(ms_report *r, const ms_session *s) {
  FILE *f = r->ladders;
  fprintf(f, "<section class=\"ladder\" id=\"%s\"><h3>%s ", s->uid,
          ms_proto_name(s->proto));
  html(f, s->client.ip);
  fprintf(f, ":%u &rarr; ", s->client.port);
  html(f, s->server.ip);
  fprintf(f, ":%u <small>%s</small></h3>\n", s->server.port, s->uid);
  fputs("<div class=\"ends\"><span>client</span><span>server</span></div>\n", f);
  size_t shown = 0;
  int group = 0;
  if (s->banner) {
    arrow(f, false, " ok", s->banner, NULL, 0);
    shown++;
  }
  for (size_t i = 0; i < s->commands.len && shown < LADDER_MAX; i++) {
    const ms_command *c = &s->commands.items[i];
    bool next_pipelined =
        i + 1 < s->commands.len && s->commands.items[i + 1].pipelined;
    if (!c->pipelined && next_pipelined)
      group++;
    int g = (c->pipelined || next_pipelined) ? group : 0;
    arrow(f, true, NULL, c->verb, c->arg, g);
    shown++;
    if (c->reply.present) {
      char code[16];
      snprintf(code, sizeof code, "%d", c->reply.code);
      char cls[8];
      snprintf(cls, sizeof cls, " %s", code_class(&c->reply));
      arrow(f, false, cls, c->reply.pop3_status ? c->reply.pop3_status : code,
            c->reply.text, 0);
      shown++;
    }
  }
  size_t total = s->commands.len * 2;
  if (shown >= LADDER_MAX && total > shown)
    fprintf(f, "<p class=\"more\">... %zu more steps</p>\n", total - shown);
  fputs("</section>\n", f);
}

void report_add(ms_report *r, const ms_session *s) {
  r->sessions++;
  if (s->proto == MS_PROTO_SMTP)
    r->smtp++;
  else
    r->pop3++;
  r->anomalies += s->anomalies.len;
  for (size_t i = 0; i < s->transactions.len; i++) {
    const ms_transaction *t = &s->transactions.items[i];
    r->queued += t->status == MS_TX_QUEUED;
    r->rejected += t->status == MS_TX_REJECTED;
    r->aborted += t->status == MS_TX_ABORTED;
    count(&r->senders, t->mail_from);
    for (size_t j = 0; j < t->rcpt_to.len; j++)
      count(&r->recipients, t->rcpt_to.items[j]);
  }
  if (s->auth.present) {
    r->logins_ok += s->auth.result == MS_AUTH_SUCCESS;
    r->logins_failed += (uint64_t)s->auth.failures;
    if (s->auth.failures)
      count(&r->failed_users, s->auth.username ? s->auth.username : "?");
  }
  row(r, s);
  ladder(r, s);
}

static int by_count(const void *a, const void *b) {
  const tally *x = a, *y = b;
  if (x->count != y->count)
    return x->count < y->count ? 1 : -1;
  return strcmp(x->name, y->name);
}

static void top_list(FILE *f, const char *title, tallies *t) {
  qsort(t->items, t->len, sizeof(tally), by_count);
  fprintf(f, "<div class=\"card\"><h3>%s</h3><ol>", title);
  for (size_t i = 0; i < t->len && i < 10; i++) {
    fputs("<li>", f);
    html(f, t->items[i].name);
    fprintf(f, " <b>%llu</b></li>", (unsigned long long)t->items[i].count);
  }
  if (!t->len)
    fputs("<li>none</li>", f);
  fputs("</ol></div>\n", f);
}

static void copy_file(FILE *from, FILE *to) {
  char buf[65536];
  size_t n;
  rewind(from);
  while ((n = fread(buf, 1, sizeof buf, from)) > 0)
    fwrite(buf, 1, n, to);
}

static const char style[] =
    "body{font:14px system-ui,sans-serif;margin:1.5em;color:#222}"
    "table{border-collapse:collapse;width:100%}"
    "th,td{border:1px solid #ccc;padding:3px 6px;text-align:left;"
    "vertical-align:top;max-width:22em;overflow-wrap:anywhere}"
    "th{background:#eee;cursor:pointer}th:hover{background:#ddd}"
    ".cards{display:flex;flex-wrap:wrap;gap:1em}"
    ".card{border:1px solid #ccc;border-radius:6px;padding:.5em 1em}"
    ".ladder{border-top:2px solid #999;margin-top:1.5em}"
    ".ends{display:flex;justify-content:space-between;font-weight:bold;"
    "width:44em;border-bottom:1px solid #999}"
    ".step{position:relative;width:44em;margin:2px 0;font-family:monospace;"
    "white-space:pre-wrap;overflow-wrap:anywhere}"
    ".c2s{text-align:left;padding-right:8em}"
    ".c2s .msg:after{content:' \\2192'}"
    ".s2c{text-align:right;padding-left:8em}"
    ".s2c .msg:before{content:'\\2190 '}"
    ".ok .msg{color:#176117}.mid .msg{color:#1a4f8a}.tmp .msg{color:#9a6500}"
    ".err .msg{color:#b00020}"
    ".grp{position:absolute;left:-10px;top:0;bottom:-2px;width:5px}"
    ".g0{background:#e67e22}.g1{background:#8e44ad}.g2{background:#16a085}"
    ".g3{background:#c0392b}.more{color:#666}";

static const char script[] =
    "function sortBy(th){var t=th.closest('table'),b=t.tBodies[0],"
    "i=[].indexOf.call(th.parentNode.children,th),"
    "d=th.dataset.dir=th.dataset.dir==='a'?'d':'a',"
    "r=[].slice.call(b.rows);r.sort(function(x,y){"
    "var p=x.cells[i].textContent,q=y.cells[i].textContent,"
    "n=parseFloat(p)-parseFloat(q);var c=isNaN(n)?p.localeCompare(q):n;"
    "return d==='a'?c:-c});r.forEach(function(e){b.appendChild(e)})}"
    "document.querySelectorAll('th').forEach(function(th){"
    "th.addEventListener('click',function(){sortBy(th)})});"
    "var m=location.hash.match(/^#sort=(\\d+)$/);"
    "if(m){var th=document.querySelectorAll('th')[+m[1]];if(th)sortBy(th)}";

int report_close(ms_report *r, const ms_stats *st) {
  int rc = 0;
  FILE *f = fopen(r->path, "w");
  if (!f) {
    rc = -1;
  } else {
    fprintf(f, "<!DOCTYPE html>\n<html lang=\"en\"><head><meta "
               "charset=\"utf-8\"><title>mailscope report</title><style>%s"
               "</style></head><body>\n<h1>mailscope report</h1>\n",
            style);
    fprintf(f,
            "<div class=\"cards\"><div class=\"card\" id=\"counts\"><h3>"
            "Counts</h3><ul><li>sessions <b>%llu</b> (smtp %llu, pop3 "
            "%llu)</li><li>transactions queued <b>%llu</b>, rejected "
            "<b>%llu</b>, aborted <b>%llu</b></li><li>logins succeeded "
            "<b>%llu</b>, failed <b>%llu</b></li><li>anomalies <b>%llu</b>"
            "</li><li>packets %llu</li></ul></div>\n",
            (unsigned long long)r->sessions, (unsigned long long)r->smtp,
            (unsigned long long)r->pop3, (unsigned long long)r->queued,
            (unsigned long long)r->rejected, (unsigned long long)r->aborted,
            (unsigned long long)r->logins_ok,
            (unsigned long long)r->logins_failed,
            (unsigned long long)r->anomalies,
            (unsigned long long)(st ? st->packets : 0));
    top_list(f, "Top senders", &r->senders);
    top_list(f, "Top recipients", &r->recipients);
    top_list(f, "Failed logins by user", &r->failed_users);
    fputs("</div>\n<h2>Sessions</h2>\n<table id=\"sessions\"><thead><tr>"
          "<th>time</th><th>client</th><th>server</th><th>protocol</th>"
          "<th>user</th><th>sender</th><th>recipients</th><th>subject</th>"
          "<th>outcome</th><th>anomalies</th><th></th></tr></thead><tbody>\n",
          f);
    copy_file(r->rows, f);
    fputs("</tbody></table>\n<h2>Ladders</h2>\n", f);
    copy_file(r->ladders, f);
    fprintf(f, "<script>%s</script>\n</body></html>\n", script);
    if (fclose(f) != 0)
      rc = -1;
  }
  fclose(r->rows);
  fclose(r->ladders);
  tallies *all[] = {&r->senders, &r->recipients, &r->failed_users};
  for (int i = 0; i < 3; i++) {
    for (size_t j = 0; j < all[i]->len; j++)
      free(all[i]->items[j].name);
    vec_free(all[i]);
  }
  free(r->path);
  free(r);
  return rc;
}
