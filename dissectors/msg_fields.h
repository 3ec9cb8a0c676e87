/* msg_fields.h - header fields in their plainest form, parsed without
 * GMime.
 *
 * GMime turns every address list, Content-Type and Content-Disposition into
 * a tree of GObjects (allocations, locks, RFC 2047/2231 decoding, IDN); on
 * mail traffic that was a tenth of the run.  Most fields are plain ASCII in
 * the simplest form of their grammar, and there GMime's answer is known in
 * advance.  Each function here either gives exactly GMime's result
 * (tests/unit/test_msg_fields.c compares the two on generated fields) or
 * returns false having changed nothing, and the caller asks GMime.
 */
#ifndef MAILSCOPE_MSG_FIELDS_H
#define MAILSCOPE_MSG_FIELDS_H

#include <stdbool.h>
#include <stddef.h>

#include "message_record.h"

/* Printable ASCII without "=?": RFC 2047 decoding would return v as is. */
bool fields_plain_text(const char *v);

/* "a@b.c", "Name Words <a@b.c>", "<a@b.c>", separated by commas; appends
 * to out until it holds `limit` entries (like the GMime path) and adds the
 * number of mailboxes in v, kept or not, to *total. */
bool fields_addresses(const char *v, ms_addrvec *out, size_t limit,
                      size_t *total);

/* Any address list, through GMime (groups flattened, four levels deep);
 * the same `limit` and `total`. */
void fields_addresses_gmime(const char *v, ms_addrvec *out, size_t limit,
                            size_t *total);

/* The parameters a caller wants from "; attr=value" lists. */
typedef struct {
  const char *name; /* compared without case */
  char *value;      /* set when present (caller frees) */
} fields_param;

/* "type/subtype" (lower-cased into *type) or, with slash false, a lone
 * token such as "attachment", followed by parameters; fills params[]. */
bool fields_typed_params(const char *v, bool slash, char **type,
                         fields_param *params, size_t nparams);

#endif
