/* emit.h - output formats.  Emitters read a finished ms_session and know
 * nothing of protocols beyond the record.  JSON-like formats write one
 * object into a jsonw (the caller adds the newline and flushes); line
 * formats write to a FILE. */
#ifndef MAILSCOPE_EMIT_H
#define MAILSCOPE_EMIT_H

#include <stdbool.h>
#include <stdio.h>

#include "jsonw.h"
#include "record.h"
#include "stats.h"

typedef struct {
  bool timestamps;  /* transcript: prefix each line with its time */
  bool full_bodies; /* transcript: body lines were recorded, print them */
  bool color;       /* reserved */
} emit_options;

/* NDJSON session record of SPEC.md (emit_json.c). */
void emit_json_session(const ms_session *s, jsonw *w);
/* `"key": {"client": v[MS_CLIENT], "server": v[MS_SERVER]}` (emit_json.c). */
void emit_json_per_direction(jsonw *w, const char *key, const uint64_t v[2]);
/* The "tls_handshake" key and object of a session record (emit_tls.c). */
void emit_tls_json(const ms_tls_info *t, jsonw *w);
/* Closing stats record (emit_json.c). */
void emit_json_stats(const ms_stats *st, jsonw *w);
/* The message object (emit_message.c, message layer helper). */
void emit_message_json(const ms_message *m, jsonw *w);
/* Human transcript block of SPEC.md (emit_text.c). */
void emit_text_session(const ms_session *s, const emit_options *o, FILE *f);
/* Closing summary for transcript mode (emit_text.c). */
void emit_text_stats(const ms_stats *st, FILE *f);
/* Elastic Common Schema document, one per session (emit_ecs.c). */
void emit_ecs_session(const ms_session *s, jsonw *w);
/* The ECS tls.* object of a session, if it has TLS (emit_ecs_tls.c). */
void emit_ecs_tls(const ms_session *s, jsonw *w);
/* Zeek smtp.log records as JSON lines, one per SMTP transaction, written
 * to f; returns the number of lines (emit_zeek.c). */
size_t emit_zeek_session(const ms_session *s, jsonw *w, FILE *f);

/* Self-contained HTML report (report.c). */
typedef struct ms_report ms_report;
ms_report *report_open(const char *path); /* NULL + errno on failure */
void report_add(ms_report *r, const ms_session *s);
int report_close(ms_report *r, const ms_stats *st); /* 0 or -1 */

#endif
