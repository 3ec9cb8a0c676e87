/* msg_words.h - header text as mail clients show it: RFC 2047 encoded
 * words decoded to UTF-8, and bytes that are not UTF-8 read in a legacy
 * charset.
 *
 * Decoded here rather than by GMime, whose decoder (3.2) loses text:
 * consecutive B words that are each padded keep only the first (upstream
 * gmime issue 133), ISO-8859-1 words drop 0x80-0x9F.  Adjacent encoded
 * words of one charset are decoded as one run of bytes (a multi-byte
 * character may be split between them, a base64 quantum too), the
 * whitespace between encoded words is dropped (RFC 2047 6.2), words glued
 * to each other or to text are decoded, empty words give nothing.  Labels
 * of ISO-8859-1 and US-ASCII read as windows-1252, as mail clients and
 * browsers do (WHATWG Encoding).  Never a C1 control character in the
 * result: a windows-1252 byte without a character (0x81, 0x8D, 0x8F, 0x90,
 * 0x9D) and a byte that fits no charset stay raw bytes, which every
 * emitter escapes (docs/json.md: "\xHH").
 */
#ifndef MAILSCOPE_MSG_WORDS_H
#define MAILSCOPE_MSG_WORDS_H

#include <stddef.h>

#include "message_record.h"

/* `raw` (a NUL-terminated unfolded header value) as UTF-8 text (new
 * string).  Text outside encoded words that is not UTF-8 is read in
 * `charset` (the entity's declared charset; NULL, or one iconv does not
 * know: windows-1252). */
char *words_decode(const char *raw, const char *charset);

/* The display names of v->items[from..] as words_decode reads them, for
 * the mailboxes whose name in `raw` (the address header they were parsed
 * from, in order) holds an encoded word or bytes that are not UTF-8;
 * other names are left as the address parser gave them. */
void words_fix_names(const char *raw, ms_addrvec *v, size_t from);

#endif
