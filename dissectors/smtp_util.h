/* smtp_util.h - small pure parsers used by the SMTP dissector: paths,
 * reply lines, enhanced status codes, queue ids, MAIL parameters. */
#ifndef MAILSCOPE_SMTP_UTIL_H
#define MAILSCOPE_SMTP_UTIL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* "FROM:<a@b> SIZE=10" after the verb: the path without brackets (new
 * string, "" for <>), and *params points at the parameters (or NULL).
 * Returns NULL when there is no "FROM:"/"TO:" keyword. */
char *smtp_parse_path(const char *arg, const char *keyword,
                      const char **params);

/* A reply line "250-text" / "250 text" / "250": fills code and whether it
 * continues; *text points into line.  Returns false when not a reply. */
bool smtp_parse_reply_line(const uint8_t *line, size_t len, int *code,
                           bool *more, const uint8_t **text, size_t *tlen);

/* Length of an RFC 3463 enhanced status code at the start of text whose
 * class matches the reply code's first digit ("2.1.0"), or 0. */
size_t smtp_enhanced_len(const char *text, int code);

/* The queue id in a final reply text, or NULL (new string). */
char *smtp_queue_id(const char *text);

/* BDAT argument "1234 LAST": returns false for a bad size. */
bool smtp_parse_bdat(const char *arg, uint64_t *size, bool *last);

/* Whether a MAIL parameter list holds the keyword (RFC 5321 esmtp-keyword,
 * compared without case), alone or as "KEYWORD=value". */
bool smtp_has_mail_param(const char *params, const char *keyword);

/* MAIL declared a body that may hold 8-bit bytes: BODY=8BITMIME or
 * BINARYMIME (RFC 6152, 3030), or SMTPUTF8 (RFC 6531). */
bool smtp_eight_bit_declared(const char *params);

#endif
