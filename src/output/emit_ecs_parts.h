/* emit_ecs_parts.h - the pieces the ECS documents of a session share
 * (emit_ecs.c: the session document; emit_ecs_message.c: one document per
 * SMTP transaction and per POP3 retrieval). */
#ifndef MAILSCOPE_EMIT_ECS_PARTS_H
#define MAILSCOPE_EMIT_ECS_PARTS_H

#include "emit.h"

void ecs_begin_obj(jsonw *w, const char *key);
void ecs_str_array(jsonw *w, const char *key, const char *const *v, size_t n);
/* @timestamp and ecs.version. */
void ecs_head(jsonw *w, ms_ts ts);
/* source, destination, network (with community_id). */
void ecs_connection(jsonw *w, const ms_session *s);
void ecs_user(jsonw *w, const ms_session *s);
/* The message documents of s, each followed by doc(ctx, w). */
size_t ecs_message_documents(const ms_session *s, jsonw *w,
                             void (*doc)(void *ctx, jsonw *w), void *ctx);

#endif
