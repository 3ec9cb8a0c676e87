/* zeek_log.h - Zeek logs: a log's field list, a record being filled, and
 * the two encodings of Zeek's ASCII writer (docs/zeek.md).
 *
 * A log is a path ("smtp") and its fields in order, each with the type
 * Zeek writes in its #types line ("time", "string", "addr", "port",
 * "count", "int", "bool", "interval", "double", "set[string]",
 * "vector[addr]", ...).  A producer fills a zeek_rec field by field (by
 * name; an unset field is "-" in TSV and absent in JSON) and writes it:
 *
 *   TSV  (--format zeek, --zeek-dir): the #separator ... #types header,
 *        one tab-separated line per record, #close at the end; bytes
 *        escaped as Zeek's writer does (\xHH for control bytes, the
 *        separators, backslash and bytes that are not UTF-8; "-" and
 *        "(empty)" as values are escaped too, so they never read as unset
 *        or empty).
 *   JSON (--format zeek-json, LogAscii::use_json): one object a line,
 *        "id.orig_h" keys, "ts" in epoch seconds, unset fields left out.
 *
 * When the sensor is named (sensor.h) every record starts with Zeek-style
 * log extension fields (_system_name, _interface), as Zeek writes the
 * fields of Log::default_ext_func.  Adding a log: define its zeek_log_def
 * and producer in its own file and list it in zeek_out.c.
 */
#ifndef MAILSCOPE_ZEEK_LOG_H
#define MAILSCOPE_ZEEK_LOG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include "outfile.h"

typedef struct {
  const char *name; /* "id.orig_h" */
  const char *type; /* "addr", "set[string]", ... */
} zeek_field;

typedef struct {
  const char *path; /* "smtp": the file is smtp.log */
  const zeek_field *fields;
  size_t nfields;
} zeek_log_def;

typedef struct zeek_rec zeek_rec;

zeek_rec *zr_new(const zeek_log_def *def);
void zr_free(zeek_rec *r);
void zr_reset(zeek_rec *r); /* every field unset */
const zeek_log_def *zr_def(const zeek_rec *r);
/* A time field's whole seconds (0 when unset). */
time_t zr_seconds(const zeek_rec *r, const char *field);

/* Setting a field by name; a name the log does not have aborts (a
 * programming error, caught by the unit tests).  NULL strings leave the
 * field unset. */
void zr_str(zeek_rec *r, const char *field, const char *v);
void zr_strn(zeek_rec *r, const char *field, const char *v, size_t n);
void zr_count(zeek_rec *r, const char *field, uint64_t v);
void zr_int(zeek_rec *r, const char *field, int64_t v);
void zr_bool(zeek_rec *r, const char *field, bool v);
void zr_time(zeek_rec *r, const char *field, int64_t usec);
void zr_interval(zeek_rec *r, const char *field, int64_t usec);
/* A set or vector: present and empty, then one element at a time. */
void zr_container(zeek_rec *r, const char *field);
void zr_add(zeek_rec *r, const char *field, const char *elem);
/* The connection's four id.* fields. */
void zr_conn_id(zeek_rec *r, const char *orig_h, uint16_t orig_p,
                const char *resp_h, uint16_t resp_p);

/* One line, "\n" included. */
void zr_write(const zeek_rec *r, bool json, ms_outfile *f);
/* TSV: the header of a file opened at `opened`, and its #close line. */
void zeek_tsv_header(const zeek_log_def *def, time_t opened, ms_outfile *f);
void zeek_tsv_footer(time_t closed, ms_outfile *f);

#endif
