/* extract.h - --extract-dir: messages as .eml and decoded attachments.
 *
 * Names tie each file to its session and message:
 *   DIR/<uid>-<label>.eml                     (label t1, t2 ... or m3 ...)
 *   DIR/<uid>-<label>-<n>-<safe filename>     attachment n of that message
 * A filename from the wire never chooses a path outside DIR: see
 * extract_safe_name().  Existing files are never overwritten (O_EXCL; a
 * "-1", "-2" ... suffix is added instead).
 */
#ifndef MAILSCOPE_EXTRACT_H
#define MAILSCOPE_EXTRACT_H

#include <stdbool.h>

#include "message.h"

typedef struct ms_extract_sink ms_extract_sink;

/* Creates DIR if needed; NULL after printing an error. */
ms_extract_sink *extract_sink_create(const char *dir, bool quiet);
const ms_msg_sink *extract_sink_get(ms_extract_sink *x);
void extract_sink_destroy(ms_extract_sink *x); /* NULL is fine */
/* The extract sink behind a message sink, or NULL when it is another. */
ms_extract_sink *extract_sink_of(const ms_msg_sink *s);

/* For the HTML report's links: from now on remember each file written
 * whole, by session uid and the sha256 of its bytes (the digest the record
 * gives a message or an attachment), until the session is forgotten. */
void extract_sink_keep_names(ms_extract_sink *x);
/* The name in DIR of the file of session uid with that content, or NULL. */
const char *extract_sink_name(ms_extract_sink *x, const char *uid,
                              const char *sha256);
void extract_sink_forget(ms_extract_sink *x, const char *uid);

/* A file name safe in any directory: no '/', '\\', control bytes or
 * leading dots, no "..", not a Windows device name, at most 100 bytes,
 * never empty ("attachment").  Caller frees. */
char *extract_safe_name(const char *wire_name);

#endif
