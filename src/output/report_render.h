/* report_render.h - one session as the report's data (docs/report.md).
 *
 * A session becomes two JSON objects: its row (report_row.c: what the
 * table, the filters and the charts need, with its messages and
 * attachments) and its detail (report_detail.c: the facts of the session
 * page; report_ladder.c: its ladder).  Both are rendered from the record
 * alone; no protocol syntax is read here (the dissector marked each
 * transcript line: reply start/end, class, code, group, SASL, redaction).
 * Every string from the wire goes through rr_str (report_text.h). */
#ifndef MAILSCOPE_REPORT_RENDER_H
#define MAILSCOPE_REPORT_RENDER_H

#include "jsonw.h"
#include "record.h"
#include "report_text.h"
#include "vec.h"

/* Bytes of one value shown: a table cell, a header, a ladder line. */
#define RR_CELL_MAX 200
#define RR_TEXT_MAX 1000
#define RR_LINE_MAX 300
/* Entries kept per list, so that a hostile session stays small. */
#define RR_LIST_MAX 100
#define RR_LADDER_MAX 400 /* ladder lines per session */

typedef struct {
  jsonw w;
  rt_buf text; /* scratch for display forms */
} rr_ctx;

void rr_init(rr_ctx *c);
void rr_free(rr_ctx *c);

/* A wire string, display form, at most max bytes (NULL writes null). */
void rr_str(rr_ctx *c, const char *s, size_t max);
/* Key and string; nothing at all when s is NULL. */
void rr_kstr(rr_ctx *c, const char *key, const char *s, size_t max);
/* Key and an array of strings (at most RR_LIST_MAX); nothing when empty. */
void rr_kstrs(rr_ctx *c, const char *key, char *const *items, size_t n);

/* The session's outcome for the table: "queued", "rejected", "aborted",
 * "retrieved", "login failed", "login", "tls" or "no mail". */
const char *rr_outcome(const ms_session *s);

/* The session's messages in report order: SMTP transactions' messages,
 * then POP3 retrieved messages; the row and the detail number them alike. */
typedef struct {
  const ms_message *m;
  const char *kind; /* "transaction" or the POP3 command */
  long number;      /* transaction index + 1, or the POP3 message number */
  size_t tx;        /* the transaction's index; SIZE_MAX for POP3 */
} rr_msg;
typedef VEC(rr_msg) rr_msgs;
void rr_collect_messages(const ms_session *s, rr_msgs *out);
/* The Received path's verdict from the checks the message layer made
 * (its anomaly names): "none" (no hops), "ok", "break", "ip conflict". */
const char *rr_chain_verdict(const ms_message *m);

void report_row(rr_ctx *c, const ms_session *s);
void report_detail(rr_ctx *c, const ms_session *s);
/* The "lad" member of the detail: steps and the anomalies placed on them. */
void report_ladder(rr_ctx *c, const ms_session *s);
/* The "tls" member of the row (row) or of the detail, and the row's
 * "route", or nothing: report_render.c says what each holds. */
void report_tls(rr_ctx *c, const ms_session *s, bool row);
void report_route(rr_ctx *c, const ms_session *s);

#endif
