/* tls_protect.h - the TLS decoder's record protection (tls.h
 * ms_tls_protection) backed by the key store (tls_crypto.h): at each
 * switch to protected records it looks up the secret for the session's
 * client random and makes the direction's cipher.
 *
 * One per TLS connection (it says things of that session once): a session
 * whose client random has no key gets the anomaly tls_no_key ("no key for
 * client random ..."), a suite we cannot decrypt tls_cannot_decrypt, each
 * once.  Secrets are copied only into the cipher and wiped from the stack;
 * never into the record.  Pure: no files.
 */
#ifndef MAILSCOPE_TLS_PROTECT_H
#define MAILSCOPE_TLS_PROTECT_H

#include "record.h"
#include "tls.h"
#include "tls_crypto.h"

typedef struct ms_tls_protect ms_tls_protect;

/* keys and rec outlive it. */
ms_tls_protect *ms_tls_protect_new(ms_tls_keys *keys, ms_session *rec);
/* What ms_tls_hooks.protection points to (valid while p lives). */
const ms_tls_protection *ms_tls_protect_hooks(const ms_tls_protect *p);
void ms_tls_protect_free(ms_tls_protect *p);

#endif
