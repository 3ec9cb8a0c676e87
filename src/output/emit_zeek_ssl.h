/* emit_zeek_ssl.h - a session's TLS as Zeek's ssl.log and x509.log records,
 * as field lists that any Zeek writer (TSV or JSON) can take.
 *
 * The columns and their Zeek types are Zeek's (each list names its
 * source); a producer sets fields by name through a sink, in column order,
 * and leaves a field it has no value for unset (the writer prints "-" or
 * leaves the key out), then ends the record.  The sink's calls have the
 * shape of the Zeek writer's field setters, so wiring these logs to it
 * takes one small adapter.  docs/zeek.md maps every column.
 */
#ifndef MAILSCOPE_EMIT_ZEEK_SSL_H
#define MAILSCOPE_EMIT_ZEEK_SSL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "record.h"
#include "zeek_log.h"

/* A column: its name ("cert_chain_fps") and Zeek's #types word
 * ("vector[string]"). */
typedef zeek_field zeek_tls_column;

extern const zeek_tls_column zeek_ssl_columns[], zeek_x509_columns[];
extern const size_t zeek_ssl_ncolumns, zeek_x509_ncolumns;
/* The two logs for the Zeek writer (zeek_out.c). */
extern const zeek_log_def zeek_ssl_log, zeek_x509_log;

/* A NULL string leaves its field unset. */
typedef struct {
  void (*str)(void *ctx, const char *field, const char *v);
  void (*count)(void *ctx, const char *field, uint64_t v);
  void (*boolean)(void *ctx, const char *field, bool v);
  void (*time)(void *ctx, const char *field, int64_t usec);
  /* A set or vector: present and empty, then its elements. */
  void (*container)(void *ctx, const char *field);
  void (*add)(void *ctx, const char *field, const char *elem);
  /* The connection's id.orig_h, id.orig_p, id.resp_h, id.resp_p. */
  void (*conn_id)(void *ctx, const char *orig_h, uint16_t orig_p,
                  const char *resp_h, uint16_t resp_p);
  void (*end)(void *ctx); /* the record is complete */
  void *ctx;
} zeek_tls_sink;

/* ssl.log: one record for a session with a decoded TLS handshake; returns
 * the number of records (0 or 1). */
size_t zeek_ssl_records(const ms_session *s, const zeek_tls_sink *k);
/* x509.log: one record per certificate (the server's chain, then the
 * client's); returns their number. */
size_t zeek_x509_records(const ms_session *s, const zeek_tls_sink *k);

#endif
