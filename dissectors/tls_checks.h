/* tls_checks.h - what a decoded TLS handshake says is wrong, as anomalies
 * (docs/anomalies.md, "TLS"), judged when the connection ends:
 *
 *   tls_obsolete_version       the server chose SSL 2.0/3.0, TLS 1.0/1.1
 *   tls_weak_cipher            export, NULL or RC4 suite chosen
 *   tls_certificate_expired    the server's certificate had expired at the
 *   tls_certificate_not_yet_valid   time of the handshake (or was not valid
 *                              yet)
 *   tls_certificate_self_signed the server's certificate signs itself
 *   tls_certificate_name_mismatch its names cover neither the SNI nor the
 *                              host the server named in its greeting or
 *                              EHLO reply
 *
 * (tls_handshake_failed, tls_malformed, tls_gap and tls_message_too_long
 * are raised by the decoder as they happen.)  Pure: reads and adds to the
 * record only.
 */
#ifndef MAILSCOPE_TLS_CHECKS_H
#define MAILSCOPE_TLS_CHECKS_H

#include "record.h"

void tls_checks(ms_session *rec, ms_ts now);

/* The host names the server gave before TLS: the first word of an SMTP
 * greeting, a host-like word of a POP3 greeting, the first word of each
 * accepted EHLO reply.  At most `max`, as owned strings; returns how many. */
size_t tls_server_names(const ms_session *rec, char **out, size_t max);

#endif
