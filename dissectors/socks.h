/* socks.h - a SOCKS CONNECT prelude in a connection's first bytes (part of
 * protocol detection, detect.h): SOCKS4 and SOCKS4a, SOCKS5 (RFC 1928)
 * without authentication or with a user name and password (RFC 1929).
 * Pure: the client's and the server's bytes so far in, the verdict and
 * the hop out. */
#ifndef MAILSCOPE_SOCKS_H
#define MAILSCOPE_SOCKS_H

#include <stddef.h>
#include <stdint.h>

#include "detect.h"

/* 1: the bytes start with a granted SOCKS CONNECT (out->prelude, skip,
 * host, port, user, password set); 0: they do not (not SOCKS, another
 * command, refused); -1: more bytes are needed. */
int socks_prelude(const uint8_t *const b[2], const size_t l[2],
                  ms_detect_result *out);

/* An IPv4 (4 bytes) or IPv6 (16) address in printable form into f. */
void socks_address(ms_prelude_field *f, const uint8_t *addr, int len);

#endif
