/* mail_date.h - the RFC 5322 Date header as a time: "[Day,] DD Mon YYYY
 * HH:MM[:SS] zone" and its obsolete forms (2- and 3-digit years, named
 * zones such as GMT or EST, military letters read as UTC, comments), with
 * every field range-checked. */
#ifndef MAILSCOPE_MAIL_DATE_H
#define MAILSCOPE_MAIL_DATE_H

#include <stdbool.h>

#include "record.h"

/* Microseconds since the epoch (UTC) in *out; false when text is not a
 * valid date. */
bool mail_date_parse(const char *text, ms_ts *out);

#endif
