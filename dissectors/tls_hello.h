/* tls_hello.h - the hellos into the record's client offer and server choice:
 * ClientHello and ServerHello (RFC 8446 4.1.2-4.1.4, RFC 5246 7.4.1), the
 * SSLv2-compatible ClientHello (RFC 5246 E.2) and TLS 1.3's
 * EncryptedExtensions (only visible decrypted).
 *
 * Each returns NULL when the message was well formed, else what was wrong
 * (a static string); what was read before the fault is kept.  Extensions
 * are listed by type in wire order even when their contents are malformed.
 */
#ifndef MAILSCOPE_TLS_HELLO_H
#define MAILSCOPE_TLS_HELLO_H

#include <stddef.h>
#include <stdint.h>

#include "tls_info.h"

/* The session id a hello carried (0 to 32 bytes). */
typedef struct {
  uint8_t len;
  uint8_t id[32];
} tls_session_id;

const char *tls_parse_client_hello(ms_tls_client_hello *h, const uint8_t *p,
                                   size_t n, tls_session_id *sid);
/* body: the SSLv2 record's body, message type byte first. */
const char *tls_parse_sslv2_client_hello(ms_tls_client_hello *h,
                                         const uint8_t *p, size_t n);
/* *psk: the server accepted a pre-shared key (TLS 1.3 resumption). */
const char *tls_parse_server_hello(ms_tls_server_hello *h, const uint8_t *p,
                                   size_t n, tls_session_id *sid, bool *psk);
const char *tls_parse_encrypted_extensions(ms_tls_server_hello *h,
                                           const uint8_t *p, size_t n);
/* ServerKeyExchange of an ECDHE suite: the named curve, or 0. */
uint16_t tls_ske_named_curve(const uint8_t *p, size_t n);

/* The HelloRetryRequest random (RFC 8446 4.1.3). */
bool tls_is_hello_retry(const uint8_t random[32]);

#endif
