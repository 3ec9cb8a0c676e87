/* detect.h - which protocol a connection speaks, from its first bytes;
 * whether bytes are TLS records.
 *
 * Pure: given what each direction sent so far (while the protocol is
 * unknown, the session layer holds those bytes), say whether they are SMTP
 * or POP3, not mail, or too few to tell.  A prelude that carries the mail
 * protocol inside it (an HTTP CONNECT request and the proxy's answer) is
 * recognised and its length per direction returned, so the session layer
 * can leave it out of the decoding.
 */
#ifndef MAILSCOPE_DETECT_H
#define MAILSCOPE_DETECT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "record.h"

typedef enum {
  MS_DETECT_MORE = -1, /* too few bytes yet */
  MS_DETECT_NONE = 0,  /* not SMTP or POP3 */
  MS_DETECT_FOUND = 1  /* proto and skip are set */
} ms_detect_verdict;

typedef enum { MS_PRELUDE_NONE = 0, MS_PRELUDE_HTTP_CONNECT } ms_prelude;

typedef struct {
  ms_proto proto;
  ms_prelude prelude;
  size_t skip[2]; /* bytes of each direction (ms_dir) the prelude takes */
} ms_detect_result;

/* bytes[d], len[d]: everything direction d sent so far.  `midstream`: the
 * connection's start was not seen (then the client may have spoken first
 * without it meaning anything). */
ms_detect_verdict ms_detect(const uint8_t *const bytes[2], const size_t len[2],
                            bool midstream, ms_detect_result *out);

/* Whether p[0..n) begins with a TLS record header (RFC 8446 5.1: content
 * type 20-24, legacy version 3.x): 1 yes, 0 no.  One byte is enough to
 * tell: a command or reply line never begins with those control bytes.
 * With `hello`, only a handshake record (a ClientHello's), which is what a
 * client that starts TLS sends first. */
int ms_detect_tls_record(const uint8_t *p, size_t n, bool hello);

/* Length of the first line of p (without its line end, at most 200), for
 * an anomaly's detail. */
int ms_detect_first_line_len(const uint8_t *p, size_t n);

#endif
