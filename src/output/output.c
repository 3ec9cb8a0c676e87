/* output.c - fan-out of finished sessions (see output.h). */
#include "output.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/time.h>
#include <unistd.h>

#include "emit.h"
#include "outfile.h"
#include "postrotate.h"
#include "report.h"
#include "safefile.h"
#include "vec.h"

struct ms_output {
  const ms_options *opt;
  bool worker; /* streams to memory, for a parent */
  jsonw w;
  emit_options eo;
  ms_format file_format; /* what --json-file holds */
  ms_outfile *std;       /* standard output (a worker: memory) */
  ms_outfile *file;      /* --json-file, or NULL */
  zeek_out *std_zeek;    /* --format zeek/zeek-json: smtp.log on std */
  zeek_out *file_zeek;   /* ... and as Zeek JSON in --json-file */
  zeek_out *dir_zeek;    /* --zeek-dir, or NULL */
  int transcript_dirfd;  /* --transcript-dir, or -1 */
  bool transcript_failed;
  ms_report *report;
  ms_report_part *report_part; /* a worker's share of the report */
  bool post_rotate;            /* the helper runs */
};

void output_request_reopen(void) { outfile_request_reopen(); }

static bool zeek_format(ms_format f) {
  return f == MS_FMT_ZEEK || f == MS_FMT_ZEEK_JSON;
}

/* The configuration of --json-file and the --zeek-dir logs. */
static outfile_config file_config(const ms_options *opt) {
  outfile_config c;
  outfile_config_init(&c);
  c.live = opt->iface != NULL;
  c.follow_links = opt->follow_dir_links;
  c.rotate_bytes = opt->rotate_bytes;
  c.rotate_seconds = opt->rotate_seconds;
  if (opt->rotate_format)
    c.rotate_format = opt->rotate_format;
  if (opt->out_uid >= 0) {
    c.owner_uid = (uid_t)opt->out_uid;
    c.owner_gid = (gid_t)opt->out_gid;
  }
  return c;
}

static ms_outfile *open_json_file(const ms_options *opt) {
  char *dir, *name;
  safe_split_path(opt->json_file, &dir, &name);
  ms_outfile *f = NULL;
  int dirfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (dirfd < 0)
    fprintf(stderr, "mailscope: %s: %s\n", dir, strerror(errno));
  else {
    outfile_config c = file_config(opt);
    f = outfile_open(dirfd, dir, name, &c);
    close(dirfd);
  }
  free(dir);
  free(name);
  return f;
}

static zeek_out *new_zeek(const ms_options *opt, bool json) {
  zeek_out *z = zeek_out_new(json);
  if (!opt->iface)
    zeek_out_network_time(z);
  return z;
}

static ms_output *new_output(const ms_options *opt) {
  ms_output *o = xcalloc(1, sizeof *o);
  o->opt = opt;
  jw_init(&o->w);
  o->eo.timestamps = opt->timestamps;
  o->eo.full_bodies = opt->full_bodies;
  o->file_format = ms_options_file_format(opt);
  o->transcript_dirfd = -1;
  return o;
}

static void free_output(ms_output *o) {
  zeek_out_close(o->std_zeek);
  zeek_out_close(o->file_zeek);
  zeek_out_close(o->dir_zeek);
  outfile_close(o->file);
  outfile_close(o->std);
  if (o->transcript_dirfd >= 0)
    close(o->transcript_dirfd);
  jw_free(&o->w);
  free(o);
}

/* The outputs named by a path or a directory; false after a message. */
/* Zeek JSON records in --json-file (the Zeek formats). */
static void file_zeek(ms_output *o) {
  if (o->file && zeek_format(o->file_format)) {
    o->file_zeek = new_zeek(o->opt, true);
    zeek_out_to(o->file_zeek, ZEEK_LOG_SMTP, o->file, true);
  }
}

static bool open_files(ms_output *o) {
  const ms_options *opt = o->opt;
  if (opt->json_file && !(o->file = open_json_file(opt)))
    return false;
  file_zeek(o);
  if (opt->transcript_dir &&
      (o->transcript_dirfd =
           safe_open_dir(opt->transcript_dir, true, opt->follow_dir_links)) < 0)
    return false;
  if (opt->zeek_dir) {
    int fd = safe_open_dir(opt->zeek_dir, true, opt->follow_dir_links);
    if (fd < 0)
      return false;
    outfile_config c = file_config(opt);
    o->dir_zeek = new_zeek(opt, opt->format == MS_FMT_ZEEK_JSON);
    zeek_out_to_dir(o->dir_zeek, fd, opt->zeek_dir, &c);
    close(fd); /* the log files keep their own copy */
  }
  if (opt->report &&
      !(o->report = report_open(opt->report, opt->extract_dir))) {
    fprintf(stderr, "mailscope: %s: %s\n", opt->report, strerror(errno));
    return false;
  }
  if (opt->post_rotate) {
    if (postrotate_start(opt->post_rotate,
                         opt->out_uid >= 0 ? (uid_t)opt->out_uid : (uid_t)-1,
                         (gid_t)opt->out_gid) != 0)
      return false;
    o->post_rotate = true;
    outfile_set_rotated(postrotate_send);
  }
  return true;
}

ms_output *output_open(const ms_options *opt) {
  ms_output *o = new_output(opt);
  outfile_config c;
  outfile_config_init(&c);
  c.live = opt->iface != NULL;
  o->std = outfile_fd(STDOUT_FILENO, "standard output", &c);
  if (zeek_format(opt->format)) {
    o->std_zeek = new_zeek(opt, opt->format == MS_FMT_ZEEK_JSON);
    zeek_out_to(o->std_zeek, ZEEK_LOG_SMTP, o->std, false);
  }
  if (!open_files(o)) {
    free_output(o);
    return NULL;
  }
  return o;
}

ms_output *output_open_worker(const ms_options *opt) {
  ms_output *o = new_output(opt);
  o->worker = true;
  o->std = outfile_memory();
  if (zeek_format(opt->format)) {
    o->std_zeek = new_zeek(opt, opt->format == MS_FMT_ZEEK_JSON);
    zeek_out_to(o->std_zeek, ZEEK_LOG_SMTP, o->std, true);
  }
  if (opt->json_file)
    o->file = outfile_memory();
  file_zeek(o);
  if (opt->zeek_dir) {
    o->dir_zeek = new_zeek(opt, opt->format == MS_FMT_ZEEK_JSON);
    zeek_out_to_memory(o->dir_zeek);
  }
  /* made here too: the parent opens its outputs after forking the workers,
   * so the directory may not be there yet */
  if (opt->transcript_dir &&
      (o->transcript_dirfd =
           safe_open_dir(opt->transcript_dir, true, opt->follow_dir_links)) < 0)
    o->transcript_failed = true;
  if (opt->report_parts) /* --workers with --report */
    o->report_part = report_part_open(opt->report_parts, opt->worker_index);
  return o;
}

/* ---- one session ------------------------------------------------------ */

typedef struct {
  ms_outfile *f;
} doc_sink;

static void write_doc(void *ctx, jsonw *w) {
  ms_outfile *f = ((doc_sink *)ctx)->f;
  outfile_write(f, w->buf, w->len);
  outfile_write(f, "\n", 1);
  jw_reset(w);
}

/* s in a JSON format (-J or ECS) into f, as one record. */
static void write_json(ms_output *o, ms_format fmt, const ms_session *s,
                       ms_outfile *f) {
  jw_reset(&o->w);
  if (fmt == MS_FMT_ECS) {
    doc_sink d = {f};
    emit_ecs_session(s, &o->w, write_doc, &d);
  } else {
    emit_json_session(s, &o->w);
    write_doc(&(doc_sink){f}, &o->w);
  }
  outfile_end_record(f);
}

static void write_stdout(ms_output *o, const ms_session *s) {
  switch (o->opt->format) {
  case MS_FMT_TRANSCRIPT: {
    FILE *f = outfile_stream(o->std);
    emit_text_session(s, &o->eo, f);
    fflush(f);
    outfile_end_record(o->std);
    break;
  }
  case MS_FMT_JSON:
  case MS_FMT_ECS:
    write_json(o, o->opt->format, s, o->std);
    break;
  case MS_FMT_ZEEK:
  case MS_FMT_ZEEK_JSON:
    zeek_out_session(o->std_zeek, s);
    break;
  }
}

static void write_file(ms_output *o, const ms_session *s) {
  if (o->file_zeek)
    zeek_out_session(o->file_zeek, s);
  else
    write_json(o, o->file_format, s, o->file);
}

/* DIR/UID.txt, created never through a link nor over a file (a uid seen
 * twice gets UID-1.txt).  A failure is said once; reading files it ends
 * the run, live the session's transcript is counted lost. */
static void write_transcript_file(ms_output *o, const ms_session *s) {
  if (o->transcript_failed)
    return;
  bool live = o->opt->iface != NULL;
  char *name = NULL;
  int fd = safe_create_unique(o->transcript_dirfd, s->uid, ".txt", &name);
  char *path = xasprintf("%s/%s%s", o->opt->transcript_dir,
                         name ? name : s->uid, name ? "" : ".txt");
  bool ok = fd >= 0;
  if (!ok) {
    outfile_failure(path, errno, live);
  } else {
    outfile_config c;
    outfile_config_init(&c);
    c.live = live;
    ms_outfile *f = outfile_fd(fd, path, &c);
    FILE *stream = outfile_stream(f);
    emit_text_session(s, &o->eo, stream);
    fflush(stream);
    ok = outfile_close(f) == 0;
    if (close(fd) != 0 && ok) {
      outfile_failure(path, errno, live);
      ok = false;
    }
  }
  if (!ok && !live)
    o->transcript_failed = true;
  free(path);
  free(name);
}

void output_session(ms_output *o, ms_session *s) {
  write_stdout(o, s);
  if (o->file)
    write_file(o, s);
  if (o->dir_zeek)
    zeek_out_session(o->dir_zeek, s);
  if (o->opt->transcript_dir)
    write_transcript_file(o, s);
  if (o->report)
    report_add(o->report, s);
  if (o->report_part)
    report_part_add(o->report_part, s);
  ms_session_free(s);
}

/* ---- workers and their parent ----------------------------------------- */

void output_worker_take(ms_output *o, const char *p[MS_OUT_STREAMS],
                        size_t n[MS_OUT_STREAMS]) {
  for (int i = 0; i < MS_OUT_STREAMS; i++) {
    p[i] = NULL;
    n[i] = 0;
  }
  outfile_take(o->std, &p[MS_STREAM_STDOUT], &n[MS_STREAM_STDOUT]);
  if (o->file)
    outfile_take(o->file, &p[MS_STREAM_FILE], &n[MS_STREAM_FILE]);
  for (size_t i = 0; o->dir_zeek && i < ZEEK_LOG_COUNT; i++)
    outfile_take(zeek_out_memory(o->dir_zeek, i), &p[MS_STREAM_ZEEK + i],
                 &n[MS_STREAM_ZEEK + i]);
}

void output_worker_clear(ms_output *o) {
  outfile_clear(o->std);
  if (o->file)
    outfile_clear(o->file);
  for (size_t i = 0; o->dir_zeek && i < ZEEK_LOG_COUNT; i++)
    outfile_clear(zeek_out_memory(o->dir_zeek, i));
}

void output_rendered(ms_output *o, const char *const p[MS_OUT_STREAMS],
                     const size_t n[MS_OUT_STREAMS]) {
  if (n[MS_STREAM_STDOUT]) {
    if (o->std_zeek) {
      zeek_out_rows(o->std_zeek, ZEEK_LOG_SMTP, p[MS_STREAM_STDOUT],
                    n[MS_STREAM_STDOUT]);
    } else {
      outfile_write(o->std, p[MS_STREAM_STDOUT], n[MS_STREAM_STDOUT]);
      outfile_end_record(o->std);
    }
  }
  if (o->file && n[MS_STREAM_FILE]) {
    outfile_write(o->file, p[MS_STREAM_FILE], n[MS_STREAM_FILE]);
    outfile_end_record(o->file);
  }
  for (size_t i = 0; o->dir_zeek && i < ZEEK_LOG_COUNT; i++)
    zeek_out_rows(o->dir_zeek, i, p[MS_STREAM_ZEEK + i], n[MS_STREAM_ZEEK + i]);
}

/* ---- stats ------------------------------------------------------------- */

static int64_t now_usec(void) {
  struct timeval tv;
  gettimeofday(&tv, NULL);
  return (int64_t)tv.tv_sec * 1000000 + tv.tv_usec;
}

/* One stats record (iv NULL: the closing one) in format fmt into f. */
static void stats_record(ms_output *o, ms_format fmt, const ms_stats *st,
                         const ms_stats_interval *iv, ms_outfile *f) {
  jw_reset(&o->w);
  if (fmt == MS_FMT_ECS)
    emit_ecs_stats(st, iv, now_usec(), &o->w);
  else if (iv)
    emit_json_stats_interval(st, iv, &o->w);
  else
    emit_json_stats(st, &o->w);
  if (fmt == MS_FMT_TRANSCRIPT)
    outfile_puts(f, "# stats ");
  write_doc(&(doc_sink){f}, &o->w);
  outfile_end_record(f);
}

/* Where stats records go: standard output in its format (Zeek formats:
 * standard error, so that the logs stay Zeek's), and --json-file in its
 * format unless it holds Zeek records. */
static void write_stats(ms_output *o, const ms_stats *st,
                        const ms_stats_interval *iv) {
  ms_format fmt = o->opt->format;
  if (zeek_format(fmt)) {
    jw_reset(&o->w);
    if (iv)
      emit_json_stats_interval(st, iv, &o->w);
    else
      emit_json_stats(st, &o->w);
    fprintf(stderr, "%.*s\n", (int)o->w.len, o->w.buf);
  } else if (fmt == MS_FMT_TRANSCRIPT && !iv) {
    FILE *f = outfile_stream(o->std);
    emit_text_stats(st, f);
    fflush(f);
    outfile_end_record(o->std);
  } else {
    stats_record(o, fmt, st, iv, o->std);
  }
  if (o->file && !zeek_format(o->file_format))
    stats_record(o, o->file_format, st, iv, o->file);
}

void output_stats_interval(ms_output *o, const ms_stats *st,
                           const ms_stats_interval *iv) {
  write_stats(o, st, iv);
}

bool output_failed(const ms_output *o) {
  return outfile_failed(o->std) || (o->file && outfile_failed(o->file)) ||
         o->transcript_failed;
}

int output_close(ms_output *o, const ms_stats *st) {
  int rc = 0;
  if (o->worker) { /* its parent writes stats and closes */
    if (o->report_part)
      report_part_close(o->report_part, st);
    free_output(o);
    return 0;
  }
  if (o->opt->stats)
    write_stats(o, st, NULL);
  if (o->report && report_close(o->report, st) != 0) {
    fprintf(stderr, "mailscope: %s: could not write the report\n",
            o->opt->report);
    rc = 2;
  }
  if (o->transcript_failed)
    rc = 2;
  if (zeek_out_close(o->std_zeek) != 0 || zeek_out_close(o->dir_zeek) != 0 ||
      zeek_out_close(o->file_zeek) != 0)
    rc = 2;
  o->std_zeek = o->dir_zeek = o->file_zeek = NULL;
  if (outfile_close(o->file) != 0 || outfile_close(o->std) != 0)
    rc = 2;
  o->file = o->std = NULL;
  if (o->post_rotate)
    postrotate_stop();
  free_output(o);
  return rc;
}
