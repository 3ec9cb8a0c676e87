/* msg_entity.h - the header block of one MIME entity, unfolded and read.
 *
 * msg_entity_parse() walks a header block as the message layer kept it
 * (message.c: lines with their ends, at most --max-message-bytes): each
 * field is unfolded (CR and LF out, TAB and NUL as spaces, trimmed);
 * Content-Type (type, boundary, charset, name), Content-Disposition
 * (disposition, filename) and Content-Transfer-Encoding fill the entity (a
 * repeated one: the last counts), and every field goes to `field` when it
 * is not NULL, after the entity took it.  GMime reads what the plain
 * parsers of msg_fields.c leave.
 */
#ifndef MAILSCOPE_MSG_ENTITY_H
#define MAILSCOPE_MSG_ENTITY_H

#include <stdbool.h>
#include <stddef.h>

typedef struct {
  char *content_type; /* "type/subtype", lower case */
  char *boundary, *charset, *name;
  char *disposition, *filename; /* disposition lower case */
  char *encoding;               /* lower case */
} msg_entity;

/* `last`: the field ends the block (a block cut by its limit cuts it). */
typedef void (*msg_field_fn)(void *ctx, const msg_entity *e, const char *name,
                             char *value, bool last);

void msg_entity_parse(const char *h, size_t n, msg_entity *e,
                      msg_field_fn field, void *ctx);
void msg_entity_free(msg_entity *e);

#endif
