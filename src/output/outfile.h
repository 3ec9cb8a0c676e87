/* outfile.h - the checked writer every output goes through: standard
 * output, --json-file, the Zeek logs, transcripts, the report.
 *
 * Nothing is lost silently.  Every write is checked; the first failure of
 * a file is reported once on stderr ("mailscope: PATH: why").  Offline the
 * run then ends (the fatal hook stops the engine; outfile_close returns -1
 * and the exit status is 2).  Live (config.live), the record is counted as
 * lost (outfile_records_lost, the stats record's "records_lost"), and the
 * next record is tried again; when writing works again that is said too,
 * with the count.  A record cut by a failure is followed by a newline, so
 * that line-oriented readers resynchronise.
 *
 * Files named by a path are opened relative to a directory descriptor with
 * O_NOFOLLOW (outfile_open): the descriptor, kept open, lets the file be
 * reopened (SIGHUP, outfile_request_reopen) and rotated (by size, by time:
 * renamed to NAME.<strftime>.EXT with a rename that never replaces a file,
 * then the post-rotate hook) after privileges are dropped.  A file created
 * while running as root is given to the user mailscope will become.
 *
 * Memory outfiles (outfile_memory) collect bytes for a worker process,
 * which hands them to its parent (outfile_take, outfile_clear).
 */
#ifndef MAILSCOPE_OUTFILE_H
#define MAILSCOPE_OUTFILE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <sys/types.h>
#include <time.h>

typedef struct ms_outfile ms_outfile;

typedef struct {
  bool live;                 /* keep going after a write error */
  bool follow_links;         /* the file itself may be a symbolic link */
  uint64_t rotate_bytes;     /* rotate once the file holds this much; 0: no */
  uint64_t rotate_seconds;   /* rotate at multiples of this period; 0: no */
  const char *rotate_format; /* strftime of the rotated name's time part */
  uid_t owner_uid;           /* (uid_t)-1: keep; else chown new files */
  gid_t owner_gid;
  /* Called after each file is opened (a new or reopened file) and before
   * it is closed: Zeek's #-header lines and #close. */
  void (*header)(ms_outfile *f, void *ctx);
  void (*footer)(ms_outfile *f, void *ctx);
  void *ctx;
} outfile_config;

/* The default rotate_format: "%Y-%m-%d-%H-%M-%S" (UTC). */
extern const char outfile_default_rotate_format[];

void outfile_config_init(outfile_config *c);

/* An already open descriptor (standard output: fd 1, name "standard
 * output"); not closed by outfile_close. */
ms_outfile *outfile_fd(int fd, const char *name, const outfile_config *c);
/* NAME in the directory dirfd (dup'ed and kept), shown as DIRPATH/NAME
 * (dirpath "." shows NAME alone); appended to.  NULL after a message. */
ms_outfile *outfile_open(int dirfd, const char *dirpath, const char *name,
                         const outfile_config *c);
ms_outfile *outfile_memory(void);

void outfile_write(ms_outfile *f, const void *p, size_t n);
void outfile_puts(ms_outfile *f, const char *s);
/* A stdio stream writing into f (fflush it before outfile_end_record);
 * owned by f. */
FILE *outfile_stream(ms_outfile *f);
/* One record is complete: live, it is written at once; then rotation is
 * due when the size or time says so. */
void outfile_end_record(ms_outfile *f);
/* Write what is buffered; false when a write failed. */
bool outfile_flush(ms_outfile *f);
/* Memory outfiles: the bytes collected, and forgetting them. */
void outfile_take(ms_outfile *f, const char **p, size_t *n);
void outfile_clear(ms_outfile *f);
/* Whether a write of f ever failed (offline: the run failed). */
bool outfile_failed(const ms_outfile *f);
/* When the file now open was opened (wall clock, seconds). */
time_t outfile_open_time(const ms_outfile *f);
/* Flush, footer, close; 0, or -1 when any write of f failed. */
int outfile_close(ms_outfile *f);

/* Reopen every named outfile before its next record (SIGHUP;
 * signal-safe). */
void outfile_request_reopen(void);
/* Time passes (wall clock, seconds): reopen and rotate what is due. */
void outfile_tick(time_t now);
/* Records counted as lost by live outfiles, over the whole process. */
uint64_t outfile_records_lost(void);
/* Offline: called once on the first write error (stops the engine). */
void outfile_set_fatal(void (*fn)(void));
/* Called with the path of each file rotated away (post-rotate command). */
void outfile_set_rotated(void (*fn)(const char *path));
/* A failure of a write done outside an outfile (the merge of worker
 * output): report it like one, once per name. */
void outfile_report(const char *name, int err);
/* A file could not be created or written outside an outfile (one
 * transcript): said; offline the run ends, live a record is lost. */
void outfile_failure(const char *name, int err, bool live);

#endif
