/* tls_fingerprint.h - client and server fingerprints from the hellos.
 *
 * JA4 (FoxIO, BSD-3-Clause; technical_details/JA4.md of
 * github.com/FoxIO-LLC/ja4): "t" + version + "d"/"i" (SNI or not) +
 * cipher and extension counts + the first ALPN value's first and last
 * character, then truncated sha256 of the sorted cipher list and of the
 * sorted extension list (SNI and ALPN left out) with the signature
 * algorithms in wire order.  GREASE values are ignored everywhere.
 * ja4_r is the same before hashing.  (JA4S and the other JA4+ methods are
 * under the FoxIO License, not BSD: not computed.)
 *
 * JA3 and JA3S (Salesforce, BSD-3-Clause): md5 of
 * "version,ciphers,extensions,groups,point formats" (server: "version,
 * cipher,extensions"), decimal values joined by '-', GREASE left out.
 */
#ifndef MAILSCOPE_TLS_FINGERPRINT_H
#define MAILSCOPE_TLS_FINGERPRINT_H

#include "tls_info.h"

/* Fill h->ja3, ja3_string, ja4, ja4_r from the offer. */
void tls_fingerprint_client(ms_tls_client_hello *h);
/* Fill s->ja3s and ja3s_string from the choice. */
void tls_fingerprint_server(ms_tls_server_hello *s);

#endif
