/* scan.h - byte scans over whole runs of a body, shared by the dot-body
 * scanner, the message layer and POP3's octet count.  One vector pass per
 * run instead of a memchr per line: a DATA body is mostly short lines, and
 * the per-call cost of memchr on a 78-byte base64 line was most of the
 * time spent finding the lines. */
#ifndef MAILSCOPE_SCAN_H
#define MAILSCOPE_SCAN_H

#include <stddef.h>
#include <stdint.h>

/* The first q in [p, end - 1) with q[0] == a and q[1] == b, or NULL. */
const uint8_t *scan_pair(const uint8_t *p, const uint8_t *end, uint8_t a,
                         uint8_t b);

/* How many LFs in p[0..n) are not preceded by CR (prev: the byte before
 * p[0]). */
size_t scan_bare_lf(const uint8_t *p, size_t n, uint8_t prev);

/* The first byte of p[0..n) above 127, or NULL. */
const uint8_t *scan_8bit(const uint8_t *p, size_t n);

#endif
