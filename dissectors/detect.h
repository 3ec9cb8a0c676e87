/* detect.h - which protocol a connection speaks, from its first bytes;
 * whether bytes are TLS records.
 *
 * Pure: given what each direction sent so far (while the protocol is
 * unknown, the session layer holds those bytes), say whether they are SMTP
 * or POP3, not mail, or too few to tell.  A prelude that carries the mail
 * protocol inside it (an HTTP CONNECT request and the proxy's answer; a
 * SOCKS4, SOCKS4a or SOCKS5 CONNECT, RFC 1928/1929, and the proxy's
 * answers) is recognised, with where the client asked to go, and its
 * length per direction returned, so the session layer can leave it out of
 * the decoding and record the proxy hop.
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

typedef enum {
  MS_PRELUDE_NONE = 0,
  MS_PRELUDE_HTTP_CONNECT,
  MS_PRELUDE_SOCKS4,
  MS_PRELUDE_SOCKS4A,
  MS_PRELUDE_SOCKS5
} ms_prelude;

/* A field of the prelude as the client sent it (bytes from the wire, at
 * most 255; set: the client sent the field, possibly empty). */
typedef struct {
  bool set;
  uint8_t len;
  char bytes[255];
} ms_prelude_field;

typedef struct {
  ms_proto proto;
  ms_prelude prelude;
  size_t skip[2]; /* bytes of each direction (ms_dir) the prelude takes */
  /* where the client asked the proxy to go: a name, or an address given
   * in binary in its printable form; the SOCKS user name (SOCKS4 user id,
   * RFC 1929 UNAME, HTTP Basic) and password (RFC 1929 PASSWD, HTTP
   * Basic: a secret, the session layer redacts it) */
  ms_prelude_field host, user, password;
  uint16_t port;
} ms_detect_result;

/* The name of a prelude ("http-connect", "socks4", ...), NULL for none. */
const char *ms_prelude_name(ms_prelude p);

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
