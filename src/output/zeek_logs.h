/* zeek_logs.h - the Zeek logs mailscope writes and their producers
 * (docs/zeek.md): smtp.log (emit_zeek.c), files.log (emit_zeek_files.c),
 * weird.log (emit_zeek_weird.c), pop3.log (emit_zeek_pop3.c), ssl.log and
 * x509.log (emit_zeek_ssl.c, through emit_zeek_tls.c).
 *
 * A producer turns one finished session into records of its log: it fills
 * r (zeek_log.h) and calls emit(ctx, r) for each, which writes and resets
 * it; it returns the number of records.  The field lists are Zeek's, taken
 * from Zeek's base scripts (each definition names its source); pop3.log is
 * mailscope's own (Zeek has none) and documented the same way. */
#ifndef MAILSCOPE_ZEEK_LOGS_H
#define MAILSCOPE_ZEEK_LOGS_H

#include "record.h"
#include "zeek_log.h"

typedef void (*zeek_emit_fn)(void *ctx, zeek_rec *r);
typedef size_t (*zeek_producer_fn)(const ms_session *s, zeek_rec *r,
                                   zeek_emit_fn emit, void *ctx);

extern const zeek_log_def zeek_smtp_log, zeek_files_log, zeek_weird_log,
    zeek_pop3_log;

size_t zeek_smtp_records(const ms_session *s, zeek_rec *r, zeek_emit_fn emit,
                         void *ctx);
size_t zeek_files_records(const ms_session *s, zeek_rec *r, zeek_emit_fn emit,
                          void *ctx);
size_t zeek_weird_records(const ms_session *s, zeek_rec *r, zeek_emit_fn emit,
                          void *ctx);
size_t zeek_pop3_records(const ms_session *s, zeek_rec *r, zeek_emit_fn emit,
                         void *ctx);
size_t zeek_ssl_log_records(const ms_session *s, zeek_rec *r, zeek_emit_fn emit,
                            void *ctx);
size_t zeek_x509_log_records(const ms_session *s, zeek_rec *r,
                             zeek_emit_fn emit, void *ctx);

/* The file id of attachment `index` of the message labelled `label` ("t1",
 * "m3") of session uid: "F" + 17 base62 characters, the same on every run
 * (smtp.log's and pop3.log's fuids, files.log's fuid). */
#define ZEEK_FUID_LEN 19
void zeek_fuid(const char *uid, const char *label, size_t index,
               char out[ZEEK_FUID_LEN]);
/* Add the fuids of message m's attachments to field `field` of r. */
void zeek_add_fuids(zeek_rec *r, const char *field, const char *uid,
                    const char *label, const ms_message *m);
/* The common beginning of connection records: ts, uid, id.*. */
void zeek_conn_fields(zeek_rec *r, const ms_session *s, ms_ts ts);

#endif
