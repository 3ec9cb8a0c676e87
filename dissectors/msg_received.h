/* msg_received.h - parse one (unfolded) Received header value into
 * from / by / via / with / id / for / date and the sender's IP. */
#ifndef MAILSCOPE_MSG_RECEIVED_H
#define MAILSCOPE_MSG_RECEIVED_H

#include "message_record.h"

/* Fills r (fields NULL when absent); r->raw gets a copy of value. */
void received_parse(const char *value, ms_received *r);
/* Frees the fields of r (not r itself). */
void received_free(ms_received *r);

#endif
