/* output.c - fan-out of finished sessions (see output.h). */
#include "output.h"

#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "emit.h"
#include "extract.h"
#include "report.h"
#include "vec.h"

struct ms_output {
  const ms_options *opt;
  jsonw w;
  FILE *out; /* standard output, or a worker's buffer */
  FILE *json_file;
  bool own_json; /* opened here (reopened on SIGHUP), not a worker's buffer */
  ms_report *report;
  ms_report_part *report_part; /* a worker's share of the report */
  ms_extract_sink *extract;    /* its file names go into the report */
  emit_options eo;
  bool flush_each; /* live capture: a pipeline sees each record at once */
  bool write_error;
};

static volatile sig_atomic_t reopen_requested;

void output_request_reopen(void) { reopen_requested = 1; }

static const char *extracted_file(void *ctx, const char *uid,
                                  const char *sha256) {
  return extract_sink_name(ctx, uid, sha256);
}

static FILE *open_json_file(const char *path) {
  FILE *f = fopen(path, "a");
  if (!f)
    fprintf(stderr, "mailscope: %s: %s\n", path, strerror(errno));
  return f;
}

ms_output *output_open(const ms_options *opt) {
  ms_output *o = xcalloc(1, sizeof *o);
  o->opt = opt;
  jw_init(&o->w);
  o->eo.timestamps = opt->timestamps;
  o->eo.full_bodies = opt->full_bodies;
  o->flush_each = opt->iface != NULL;
  o->out = stdout;
  o->own_json = true;
  if (opt->json_file && !(o->json_file = open_json_file(opt->json_file)))
    goto fail;
  if (opt->transcript_dir && mkdir(opt->transcript_dir, 0755) != 0 &&
      errno != EEXIST) {
    fprintf(stderr, "mailscope: %s: %s\n", opt->transcript_dir,
            strerror(errno));
    goto fail;
  }
  if (opt->report &&
      !(o->report = report_open(opt->report, opt->extract_dir))) {
    fprintf(stderr, "mailscope: %s: %s\n", opt->report, strerror(errno));
    goto fail;
  }
  if (o->report && (o->extract = extract_sink_of(opt->dissect.sink))) {
    extract_sink_keep_names(o->extract);
    report_set_files(o->report, extracted_file, o->extract);
  }
  return o;
fail:
  if (o->json_file)
    fclose(o->json_file);
  jw_free(&o->w);
  free(o);
  return NULL;
}

static void write_transcript_file(ms_output *o, const ms_session *s) {
  char *path = xasprintf("%s/%s.txt", o->opt->transcript_dir, s->uid);
  FILE *f = fopen(path, "w");
  if (!f) {
    if (!o->write_error && !o->opt->quiet)
      fprintf(stderr, "mailscope: %s: %s\n", path, strerror(errno));
    o->write_error = true;
  } else {
    emit_text_session(s, &o->eo, f);
    fclose(f);
  }
  free(path);
}

static void write_stdout(ms_output *o, const ms_session *s) {
  switch (o->opt->format) {
  case MS_FMT_TRANSCRIPT:
    emit_text_session(s, &o->eo, o->out);
    break;
  case MS_FMT_JSON:
    emit_json_session(s, &o->w);
    jw_flush_line(&o->w, o->out);
    break;
  case MS_FMT_ECS:
    emit_ecs_session(s, &o->w);
    jw_flush_line(&o->w, o->out);
    break;
  case MS_FMT_ZEEK:
    emit_zeek_session(s, &o->w, o->out);
    break;
  }
  if (o->flush_each)
    fflush(o->out);
}

ms_output *output_open_worker(const ms_options *opt, FILE *out, FILE *json) {
  ms_output *o = xcalloc(1, sizeof *o);
  o->opt = opt;
  jw_init(&o->w);
  o->eo.timestamps = opt->timestamps;
  o->eo.full_bodies = opt->full_bodies;
  o->out = out;
  o->json_file = json;
  o->own_json = false;
  if (opt->report_parts) { /* --workers with --report */
    o->extract = extract_sink_of(opt->dissect.sink);
    if (o->extract)
      extract_sink_keep_names(o->extract);
    o->report_part =
        report_part_open(opt->report_parts, opt->worker_index,
                         o->extract ? extracted_file : NULL, o->extract);
  }
  return o;
}

/* SIGHUP asked for --json-file to be reopened (log rotation). */
static void reopen_json_if_asked(ms_output *o) {
  if (!reopen_requested || !o->own_json)
    return;
  reopen_requested = 0;
  FILE *f = open_json_file(o->opt->json_file);
  if (f) {
    fclose(o->json_file);
    o->json_file = f;
  }
}

void output_rendered(ms_output *o, const char *text, size_t text_len,
                     const char *json, size_t json_len) {
  if (text_len)
    fwrite(text, 1, text_len, o->out);
  if (o->flush_each)
    fflush(o->out);
  if (o->json_file && json_len) {
    reopen_json_if_asked(o);
    fwrite(json, 1, json_len, o->json_file);
    if (o->flush_each)
      fflush(o->json_file);
  }
}

void output_session(ms_output *o, ms_session *s) {
  write_stdout(o, s);
  if (o->json_file) {
    reopen_json_if_asked(o);
    emit_json_session(s, &o->w);
    jw_flush_line(&o->w, o->json_file);
    if (o->flush_each)
      fflush(o->json_file);
  }
  if (o->opt->transcript_dir)
    write_transcript_file(o, s);
  if (o->report)
    report_add(o->report, s);
  if (o->report_part)
    report_part_add(o->report_part, s);
  if (o->extract)
    extract_sink_forget(o->extract, s->uid);
  ms_session_free(s);
}

int output_close(ms_output *o, const ms_stats *st) {
  int rc = 0;
  if (!o->own_json) { /* a worker: its parent writes stats and closes */
    if (o->report_part)
      report_part_close(o->report_part, st);
    jw_free(&o->w);
    free(o);
    return 0;
  }
  if (o->opt->stats) {
    if (o->opt->format == MS_FMT_TRANSCRIPT) {
      emit_text_stats(st, o->out);
    } else {
      emit_json_stats(st, &o->w);
      jw_flush_line(&o->w, o->out);
    }
  }
  if (o->json_file) {
    if (o->opt->stats) {
      emit_json_stats(st, &o->w);
      jw_flush_line(&o->w, o->json_file);
    }
    if (fclose(o->json_file) != 0)
      rc = 2;
  }
  if (o->report && report_close(o->report, st) != 0) {
    fprintf(stderr, "mailscope: %s: could not write the report\n",
            o->opt->report);
    rc = 2;
  }
  if (fflush(stdout) != 0)
    rc = 2;
  jw_free(&o->w);
  free(o);
  return rc;
}
