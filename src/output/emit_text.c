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

/* ---- the TLS handshake, in a few lines ------------------------------------
 */

static void tls_prefix(const ms_tls_info *t, const emit_options *o, FILE *f) {
  if (o->timestamps) {
    char ts[80];
    format_ts(ts, sizeof ts, t->ts);
    fprintf(f, "%s ", ts);
  }
  fputs("-- TLS", f);
}

static void day(FILE *f, ms_ts usec) {
  char b[80];
  format_ts(b, sizeof b, usec);
  fprintf(f, "%.10s", b);
}

static void tls_summary(const ms_tls_info *t, const emit_options *o, FILE *f) {
  const ms_tls_server_hello *sh = &t->server;
  tls_prefix(t, o, f);
  const char *v = sh->present ? ms_tls_version_name(sh->version) : NULL;
  if (sh->present && v)
    fprintf(f, " %s", v);
  else if (sh->present)
    fprintf(f, " version 0x%04x", sh->version);
  if (sh->present && sh->cipher_name)
    fprintf(f, " %s", sh->cipher_name);
  else if (sh->present)
    fprintf(f, " cipher 0x%04x", sh->cipher_suite);
  if (!sh->present)
    fputs(" no ServerHello", f);
  static const char *const how[] = {
      [MS_TLS_NOT_DONE] = "not completed",
      [MS_TLS_DONE_FINISHED] = "completed (Finished both ways)",
      [MS_TLS_DONE_TRAFFIC] = "completed (judged from encrypted traffic)",
      [MS_TLS_DONE_DECRYPTED] = "completed (Finished decrypted)"};
  fprintf(f, ", %s", how[t->completed]);
  if (t->resumed)
    fputs(", resumed", f);
  if (t->client.server_name) {
    fputs(", SNI ", f);
    esc_puts(f, t->client.server_name);
  }
  if (sh->alpn) {
    fputs(", ALPN ", f);
    esc_puts(f, sh->alpn);
  }
  fputc('\n', f);
}

static void tls_fingerprints(const ms_tls_info *t, const emit_options *o,
                             FILE *f) {
  if (!t->client.present && !t->server.present)
    return;
  tls_prefix(t, o, f);
  if (t->client.present)
    fprintf(f, " client JA4 %s JA3 %s", t->client.ja4, t->client.ja3);
  if (t->server.present && t->server.version != 0x0002)
    fprintf(f, "%s server JA3S %s", t->client.present ? "," : "",
            t->server.ja3s);
  fputc('\n', f);
}

static void tls_certificate(const ms_tls_info *t, const emit_options *o,
                            FILE *f) {
  if (t->certs_hidden) {
    tls_prefix(t, o, f);
    fputs(" certificate: encrypted (TLS 1.3), not visible without keys\n", f);
    return;
  }
  if (!t->server_certs.len)
    return;
  const ms_tls_cert *c = &t->server_certs.items[0];
  tls_prefix(t, o, f);
  fputs(" certificate: ", f);
  if (!c->parsed) {
    esc_puts(f, c->error ? c->error : "unreadable");
    fputc('\n', f);
    return;
  }
  esc_puts(f, c->subject ? c->subject : "");
  if (c->self_signed)
    fputs(" (self-signed)", f);
  else if (c->issuer) {
    fputs(" issued by ", f);
    esc_puts(f, c->issuer);
  }
  if (c->has_validity) {
    fputs(", valid ", f);
    day(f, c->not_before);
    fputs("..", f);
    day(f, c->not_after);
  }
  fprintf(f, ", %zu in chain, sha256 %.16s...\n", t->server_certs.len,
          c->sha256);
}

static void tls_alerts(const ms_tls_info *t, const emit_options *o, FILE *f) {
  for (size_t i = 0; i < t->alerts.len; i++) {
    const ms_tls_alert *a = &t->alerts.items[i];
    tls_prefix(t, o, f);
    fprintf(f, " alert from %s: ", a->dir == MS_CLIENT ? "client" : "server");
    if (a->encrypted) {
      fputs("encrypted\n", f);
      continue;
    }
    const char *name = ms_tls_alert_name(a->description);
    fprintf(f, "%s %s (%u)\n", a->level == 2 ? "fatal" : "warning",
            name ? name : "unknown", a->description);
  }
}

static void tls_lines(const ms_session *s, const emit_options *o, FILE *f) {
  const ms_tls_info *t = s->tls_info;
  if (s->tls == MS_TLS_IMPLICIT)
    fprintf(f, "-- TLS from the first byte (implicit TLS): %s\n",
            ms_tls_decrypted_any(t) ? "decrypted" : "not decoded");
  if (!t)
    return;
  tls_summary(t, o, f);
  tls_fingerprints(t, o, f);
  tls_certificate(t, o, f);
  tls_alerts(t, o, f);
}

void emit_text_session(const ms_session *s, const emit_options *o, FILE *f) {
  header(s, f);
  emit_route_text(s->route, f);
  /* the TLS lines where TLS began, among the transcript's lines */
  bool tls_done = !s->tls_info && s->tls != MS_TLS_IMPLICIT;
  ms_ts tls_ts = s->tls_info ? s->tls_info->ts : 0;
  for (size_t i = 0; i < s->transcript.len; i++) {
    if (!tls_done && s->transcript.items[i].ts > tls_ts) {
      tls_lines(s, o, f);
      tls_done = true;
    }
    line(s, i, o, f);
  }
  if (!tls_done)
    tls_lines(s, o, f);
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
