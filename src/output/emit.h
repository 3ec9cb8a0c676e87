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

/* NDJSON session record of docs/json.md (emit_json.c). */
void emit_json_session(const ms_session *s, jsonw *w);
/* Closing stats record (emit_json.c), and its counters alone. */
void emit_json_stats(const ms_stats *st, jsonw *w);
void emit_json_stats_fields(const ms_stats *st, jsonw *w);
/* The periodic stats record of --stats-interval (emit_sensor.c). */
void emit_json_stats_interval(const ms_stats *st, const ms_stats_interval *iv,
                              jsonw *w);
/* "sensor" and "interface" keys, when known (emit_sensor.c). */
void emit_json_sensor(jsonw *w);
/* ECS observer.* (emit_sensor.c). */
void emit_ecs_observer(jsonw *w);
/* The stats record as an ECS metric document: iv NULL for the closing one
 * (at time now), else a periodic one (emit_sensor.c). */
void emit_ecs_stats(const ms_stats *st, const ms_stats_interval *iv,
                    int64_t now, jsonw *w);
/* The message object (emit_message.c, message layer helper). */
void emit_message_json(const ms_message *m, jsonw *w);
/* Human transcript block (emit_text.c, docs/design.md). */
void emit_text_session(const ms_session *s, const emit_options *o, FILE *f);
/* Closing summary for transcript mode (emit_text.c). */
void emit_text_stats(const ms_stats *st, FILE *f);
/* Elastic Common Schema documents of a session (emit_ecs.c): the session
 * document, then one per SMTP transaction and per POP3 retrieval; after
 * each, doc(ctx, w) takes it from w (and resets w).  Returns how many. */
size_t emit_ecs_session(const ms_session *s, jsonw *w,
                        void (*doc)(void *ctx, jsonw *w), void *ctx);
/* Zeek logs: zeek_out.h. */

/* The route of an SMTP session (emit_route.c): the "route" member (nothing
 * when r is NULL), the ECS host names, the transcript's "# route" lines. */
void emit_route_json(const ms_route *r, jsonw *w);
const char *emit_route_server_domain(const ms_route *r); /* or NULL */
const char *emit_route_client_domain(const ms_route *r); /* or NULL */
void emit_route_related_hosts(const ms_session *s, jsonw *w);
void emit_route_text(const ms_route *r, FILE *f);

/* The self-contained HTML report: report.h. */

#endif
