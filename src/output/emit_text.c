/* emit_text.c - transcripts for people (mailscope(1), OUTPUT: "Transcripts").
 *
 *   # smtp 192.0.2.10:51234 -> 192.0.2.25:25 2026-11-22T10:00:00.000000Z
 *   S: 220 mx.example.test ESMTP
 *   C: YWxpY2U=                          [alice]
 *      -- pipelined group: 3 commands --
 *   C: MAIL FROM:<a@example.test>        (pipelined)
 *
 * Every string from the wire goes through escape.c. */
#include <inttypes.h>
#include <string.h>
#include <time.h>

#include "emit.h"
#include "escape.h"

#define NOTE_COLUMN 38

static void format_ts(char *b, size_t n, ms_ts usec) {
  time_t sec = (time_t)(usec / 1000000);
  struct tm tm;
  gmtime_r(&sec, &tm);
  snprintf(b, n, "%04d-%02d-%02dT%02d:%02d:%02d.%06ldZ", tm.tm_year + 1900,
           tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec,
           (long)(usec % 1000000));
}

static void print_endpoint(FILE *f, const ms_endpoint *e) {
  if (strchr(e->ip, ':'))
    fprintf(f, "[%s]:%u", e->ip, e->port);
  else
    fprintf(f, "%s:%u", e->ip, e->port);
}

/* An outer end of a tunnel: IP tunnels have no port. */
static void print_tunnel_end(FILE *f, const ms_endpoint *e) {
  if (e->port)
    print_endpoint(f, e);
  else
    fputs(e->ip, f);
}

static void header(const ms_session *s, FILE *f) {
  char ts[80];
  format_ts(ts, sizeof ts, s->ts);
  fprintf(f, "# %s ", ms_proto_name(s->proto));
  print_endpoint(f, &s->client);
  fputs(" -> ", f);
  print_endpoint(f, &s->server);
  fprintf(f, " %s uid=%s", ts, s->uid);
  if (s->vlan.len) {
    fputs(" vlan=", f);
    for (size_t i = 0; i < s->vlan.len; i++)
      fprintf(f, "%s%u", i ? "," : "", s->vlan.items[i]);
  }
  for (size_t i = 0; i < s->tunnels.len; i++) {
    const ms_tunnel *t = &s->tunnels.items[i];
    fprintf(f, " %s=%s", i ? "in" : "tunnel", t->type);
    if (t->has_id)
      fprintf(f, ":%u", (unsigned)t->id);
    fputc('(', f);
    print_tunnel_end(f, &t->client);
    fputs("->", f);
    print_tunnel_end(f, &t->server);
    fputc(')', f);
  }
  if (s->proxy.type) { /* never the password */
    fprintf(f, " proxy=%s(", s->proxy.type);
    if (s->proxy.username) {
      esc_puts(f, s->proxy.username);
      fputc('@', f);
    }
    esc_puts(f, s->proxy.host ? s->proxy.host : "?");
    fprintf(f, ":%u)", (unsigned)s->proxy.port);
  }
  if (s->midstream)
    fputs(" midstream", f);
  fputc('\n', f);
}

/* How many commands the pipelined group starting at line i holds. */
static size_t group_size(const ms_session *s, size_t i) {
  size_t n = 1;
  for (size_t j = i + 1; j < s->transcript.len; j++) {
    const ms_tline *t = &s->transcript.items[j];
    if (t->dir == MS_SERVER || (t->flags & MS_TL_GROUP_START))
      break;
    if (!(t->flags & (MS_TL_SUMMARY | MS_TL_BODY | MS_TL_NOTICE)))
      n++;
  }
  return n;
}

static void line(const ms_session *s, size_t i, const emit_options *o,
                 FILE *f) {
  const ms_tline *t = &s->transcript.items[i];
  const char *prefix = t->dir == MS_CLIENT ? "C: " : "S: ";
  char ts[80] = "";
  if (o->timestamps)
    format_ts(ts, sizeof ts, t->ts);
  if (t->flags & MS_TL_GROUP_START)
    fprintf(f, "%s%s   -- pipelined group: %zu commands --\n", ts,
            o->timestamps ? " " : "", group_size(s, i));
  if (o->timestamps)
    fprintf(f, "%s ", ts);
  if (t->flags & MS_TL_NOTICE)
    prefix = "-- ";
  fputs(prefix, f);
  size_t cols = 3 + esc_puts(f, t->text);
  if (t->note) {
    for (; cols < NOTE_COLUMN - 1; cols++)
      fputc(' ', f);
    fputs(" [", f);
    esc_puts(f, t->note);
    fputc(']', f);
  }
  if (t->flags & MS_TL_PIPELINED)
    fputs(t->note ? " (pipelined)" : "        (pipelined)", f);
  fputc('\n', f);
}

static void footer(const ms_session *s, FILE *f) {
  fprintf(f, "# end: %s, bytes client %" PRIu64 " server %" PRIu64,
          ms_end_name(s->end), s->bytes[MS_CLIENT], s->bytes[MS_SERVER]);
  if (s->gap_bytes)
    fprintf(f, ", %" PRIu64 " bytes missing", s->gap_bytes);
  if (s->tls != MS_TLS_NONE)
    fprintf(f, ", tls %s", ms_tls_name(s->tls));
  fputc('\n', f);
  if (s->auth.present) {
    fputs("# auth: ", f);
    esc_puts(f, s->auth.mechanism ? s->auth.mechanism : "?");
    if (s->auth.username) {
      fputs(" user ", f);
      esc_puts(f, s->auth.username);
    }
    fprintf(f, " %s\n", ms_auth_result_name(s->auth.result));
  }
  for (size_t i = 0; i < s->transactions.len; i++) {
    const ms_transaction *t = &s->transactions.items[i];
    fprintf(f, "# transaction %zu: %s", i + 1, ms_tx_status_name(t->status));
    if (t->queue_id) {
      fputs(" queue id ", f);
      esc_puts(f, t->queue_id);
    }
    fprintf(f, ", %zu recipient(s) accepted, %zu rejected", t->rcpt_to.len,
            t->rcpt_rejected.len);
    if (t->rcpt_unanswered.len)
      fprintf(f, ", %zu unanswered", t->rcpt_unanswered.len);
    fputc('\n', f);
  }
  if (s->anomalies.len) {
    fputs("# anomalies:", f);
    for (size_t i = 0; i < s->anomalies.len; i++) {
      fputc(' ', f);
      esc_puts(f, s->anomalies.items[i].name);
    }
    fputc('\n', f);
  }
}

void emit_text_session(const ms_session *s, const emit_options *o, FILE *f) {
  header(s, f);
  emit_route_text(s->route, f);
  for (size_t i = 0; i < s->transcript.len; i++)
    line(s, i, o, f);
  if (s->tls == MS_TLS_IMPLICIT)
    fputs("-- TLS from the first byte (implicit TLS port): not decoded\n", f);
  footer(s, f);
  fputc('\n', f);
}

void emit_text_stats(const ms_stats *st, FILE *f) {
  fprintf(f,
          "# stats: %" PRIu64 " packets, %" PRIu64 " bytes, %" PRIu64
          " smtp and %" PRIu64 " pop3 sessions, %" PRIu64
          " dropped for limits, %" PRIu64 " bytes missing, %.3f s\n",
          st->packets, st->bytes, st->sessions_smtp, st->sessions_pop3,
          st->sessions_dropped, st->gap_bytes, st->seconds);
  /* every limit hit, by the name of its key in the JSON stats record */
  fputs("# limits hit:", f);
  int hits = 0;
  uint64_t table = st->sessions_dropped + st->sessions_evicted;
  if (table)
    hits += fprintf(f, " max_sessions %" PRIu64, table) > 0;
  for (int i = 0; i < MS_LIMIT_COUNT; i++)
    if (st->limits[i])
      hits += fprintf(f, "%s %s %" PRIu64, hits ? "," : "",
                      ms_limit_name((ms_limit)i), st->limits[i]) > 0;
  fputs(hits ? "\n" : " none\n", f);
  if (st->dns.messages)
    fprintf(f,
            "# dns: %" PRIu64 " messages, %" PRIu64 " responses, %" PRIu64
            " malformed, %" PRIu64 " answers evicted\n",
            st->dns.messages, st->dns.responses, st->dns.malformed,
            st->dns.evicted);
}
