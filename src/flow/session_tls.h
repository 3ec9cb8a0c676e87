/* session_tls.h - the session table's TLS glue (session_tls.c): a
 * direction's first bytes tell whether it is TLS (tls_first), a direction
 * becomes TLS (tls_begins, after STARTTLS or from the first byte) and its
 * bytes go to the TLS layer (tls_bytes), which hands plaintext, gaps and
 * its verdicts back to the dissector. */
#ifndef MAILSCOPE_SESSION_TLS_H
#define MAILSCOPE_SESSION_TLS_H

#include "session_int.h"

void tls_bytes(conn *c, ms_dir dir, const uint8_t *p, size_t n, ms_ts ts);
void tls_begins(ms_table *t, conn *c, ms_dir dir, ms_ts ts);
bool tls_first(ms_table *t, conn *c, ms_dir dir, const uint8_t *p, size_t n,
               ms_ts ts);

#endif
