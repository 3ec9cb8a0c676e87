/* starttls_memory.h - what earlier sessions of the capture said about each
 * server's STARTTLS/STLS, to name stripping (docs/design.md "STARTTLS
 * memory"; anomalies in docs/anomalies.md).
 *
 * Fed each finished session in reporting order (session.c, just before it
 * is handed to the outputs), it raises on that session:
 *   starttls_stripped         its EHLO/CAPA reply lacks STARTTLS/STLS which
 *                             an earlier session of the same server
 *                             advertised; or, when the stripped sessions
 *                             ended first, on the first later session that
 *                             advertises, naming them
 *   starttls_downgrade  its client used STARTTLS with this server in
 *                             an earlier session and now sends mail or
 *                             credentials in clear
 * Bounded: MS_STARTTLS_SERVERS servers and as many client-server pairs,
 * each table slot overwritten by a newcomer that hashes to it.  One per
 * session table, so with --workers each worker remembers the sessions of
 * its own flows only.
 */
#ifndef MAILSCOPE_STARTTLS_MEMORY_H
#define MAILSCOPE_STARTTLS_MEMORY_H

#include "record.h"
#include "starttls.h"

#define MS_STARTTLS_SERVERS 4096

typedef struct ms_starttls_memory ms_starttls_memory;

ms_starttls_memory *ms_starttls_memory_new(void);
void ms_starttls_memory_free(ms_starttls_memory *m);
/* Run the in-session checks (starttls.h), compare with the memory, then
 * remember the session. */
void ms_starttls_memory_session(ms_starttls_memory *m, ms_session *rec);

#endif
