/* tls_cert_cache.h - summaries of the certificates seen last, so that a
 * server's chain sent again in the next session is not decoded again.
 *
 * OpenSSL 3 decodes a certificate's public key through its provider
 * machinery (OSSL_DECODER): ~100-200 us per certificate, most of a TLS
 * session's cost.  A summary is a function of the DER bytes alone, so a
 * copy of an earlier one is the same record.  Keyed by the whole DER
 * (compared byte for byte, not only by digest); a small fixed number of
 * entries, each DER at most MS_TLS_CERT_CACHE_MAX_DER bytes; the oldest
 * entry is replaced first.  Memory: at most entries x (DER + summary).
 */
#ifndef MAILSCOPE_TLS_CERT_CACHE_H
#define MAILSCOPE_TLS_CERT_CACHE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "tls_info.h"

#define MS_TLS_CERT_CACHE_ENTRIES 64
#define MS_TLS_CERT_CACHE_MAX_DER (16u * 1024u)

/* A copy of the summary of these DER bytes into *c (cleared first) when it
 * is cached: true.  False: *c untouched. */
bool tls_cert_cache_get(ms_tls_cert *c, const uint8_t *der, size_t n);
/* Remember a copy of *c as the summary of these DER bytes (too long a DER
 * is not kept). */
void tls_cert_cache_put(const ms_tls_cert *c, const uint8_t *der, size_t n);
/* Forget every entry (tests; the end of a run). */
void tls_cert_cache_clear(void);

#endif
