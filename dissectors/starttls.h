/* starttls.h - what a finished SMTP or POP3 session says about STARTTLS
 * (SMTP, RFC 3207) or STLS (POP3, RFC 2595), read from its record.
 *
 * starttls_session_checks() raises the in-session anomalies:
 *   starttls_refused   the server advertised it (EHLO / CAPA) and then
 *                      refused the command
 *   starttls_stripped  the EHLO reply lists "XXXXXXXA" or the like where
 *                      STARTTLS belongs: a middlebox overwrote it (Cisco
 *                      ESMTP inspection does this)
 * and returns the facts that the capture-wide memory of servers
 * (src/flow/starttls_memory.c) compares across sessions.  Pure.
 */
#ifndef MAILSCOPE_STARTTLS_H
#define MAILSCOPE_STARTTLS_H

#include <stdbool.h>

#include "record.h"

typedef struct {
  bool capabilities_seen; /* an EHLO (250) or CAPA (+OK) reply was read */
  bool advertised;        /* ... and it listed STARTTLS / STLS */
  bool used;              /* the command was accepted (TLS followed) */
  bool overwritten;       /* starttls_stripped was raised in-session */
  bool plaintext_use;     /* no TLS, yet mail or credentials went in clear:
                             a MAIL transaction, an AUTH/USER/APOP login,
                             a retrieved message */
} starttls_facts;

void starttls_session_checks(ms_session *rec, starttls_facts *facts);

#endif
