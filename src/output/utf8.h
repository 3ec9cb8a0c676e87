/* utf8.h - strict UTF-8 decoding of one sequence, shared by the JSON
 * writer and the terminal escaper. */
#ifndef MAILSCOPE_UTF8_H
#define MAILSCOPE_UTF8_H

#include <stddef.h>
#include <stdint.h>

/* The length (2-4) of the valid multi-byte UTF-8 sequence at p (n bytes
 * available) and its code point in *cp, or 0 when it is not valid UTF-8
 * (overlong forms, surrogates and values past U+10FFFF are not).  ASCII
 * bytes are the caller's business. */
size_t utf8_decode(const unsigned char *p, size_t n, uint32_t *cp);

#endif
