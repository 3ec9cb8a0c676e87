/* tls_cert.h - an X.509 certificate from the wire, summarised for the
 * record (ms_tls_cert) by OpenSSL's X509 API.
 *
 * The DER is handed to d2i_X509 with its exact length and must be used up
 * by it; no length inside the certificate is trusted by our code.  Names
 * are printed the way Zeek's x509.log prints them (RFC 2253, UTF-8 kept).
 */
#ifndef MAILSCOPE_TLS_CERT_H
#define MAILSCOPE_TLS_CERT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "tls_info.h"

/* Fill *c (cleared first) from n bytes of DER; c->parsed says whether
 * OpenSSL took them (else c->error says why; the digests are set anyway). */
void tls_cert_summarise(ms_tls_cert *c, const uint8_t *der, size_t n);

/* Whether `host` is a name the certificate covers (RFC 6125 6.4): its
 * dNSName entries, or with none its subject's commonName; a wildcard only
 * as the whole left-most label.  An IP literal matches an iPAddress entry.
 * Case-insensitive; a trailing dot is ignored. */
bool tls_cert_matches(const ms_tls_cert *c, const char *host);

#endif
