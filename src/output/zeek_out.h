/* zeek_out.h - where Zeek records go.
 *
 * A zeek_out writes the logs of zeek_logs.h for each finished session to
 * the destinations it was given: standard output (--format zeek or
 * zeek-json: smtp.log only), DIR/PATH.log (--zeek-dir: every log, each
 * file created at its first record, rotated and reopened like any
 * outfile), or memory (a worker process, whose parent writes the rows it
 * renders: zeek_out_rows).  TSV files get Zeek's header when they are
 * opened and #close when they are closed; on standard output the header
 * comes before the first record.  Adding a log: its producer in its own
 * file, one line in the table of zeek_out.c. */
#ifndef MAILSCOPE_ZEEK_OUT_H
#define MAILSCOPE_ZEEK_OUT_H

#include <stdbool.h>

#include "outfile.h"
#include "record.h"
#include "zeek_log.h"

#define ZEEK_LOG_COUNT 6 /* smtp, files, weird, pop3, ssl, x509 */
#define ZEEK_LOG_SMTP 0

typedef struct zeek_out zeek_out;

const zeek_log_def *zeek_log_at(size_t i);

/* json: Zeek's JSON writer instead of TSV. */
zeek_out *zeek_out_new(bool json);
/* Reading files: #open and #close give the time of the first and last
 * record (network time), so that the output is the same on every run;
 * live they give the wall clock. */
void zeek_out_network_time(zeek_out *z);
/* Log i goes to f (not closed by zeek_out_close); rows_only: no header
 * (a worker's memory, or bytes a parent adds to its own). */
void zeek_out_to(zeek_out *z, size_t i, ms_outfile *f, bool rows_only);
/* Every log goes to DIR/PATH.log (dirfd is duplicated and kept). */
void zeek_out_to_dir(zeek_out *z, int dirfd, const char *dirpath,
                     const outfile_config *base);
/* Every log to memory (a worker); zeek_out_memory gives log i's buffer. */
void zeek_out_to_memory(zeek_out *z);
ms_outfile *zeek_out_memory(zeek_out *z, size_t i);

void zeek_out_session(zeek_out *z, const ms_session *s);
/* Rows of log i rendered elsewhere (a worker), in this zeek_out's
 * encoding. */
void zeek_out_rows(zeek_out *z, size_t i, const char *p, size_t n);
/* Footers, close the files it opened; 0, or -1 when a write failed. */
int zeek_out_close(zeek_out *z);

#endif
