/* seeds.c - fuzz seeds from capture files, through the real engine.
 *
 *   seeds OUTDIR CAPTURE...
 *
 * Runs each capture through mailscope's engine (capture, link layers,
 * defragmentation, reassembly, sessions) with this file's dissector
 * registry in place of dissectors/registry.c: each dissector is wrapped so
 * that the bytes the session layer hands it are also written, in wire
 * order, as a chunk script for fuzz_smtp / fuzz_pop3 (fuzz_dissector.c),
 * and each message the message layer sees is written as an input for
 * fuzz_message (option byte 0x09: memory sink and envelope checks, or 0x19
 * for every other message: the real extraction sink; split seed 0).  Files:
 * OUTDIR/smtp/NAME-N, OUTDIR/pop3/NAME-N, OUTDIR/message/NAME-N, NAME the
 * capture's file name.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "dissector.h"
#include "engine.h"
#include "message.h"
#include "options.h"

static const char *out_dir, *capture_name;
static unsigned counter;

static void write_file(const char *kind, const uint8_t *p, size_t n) {
  char *path = xasprintf("%s/%s/%s-%u", out_dir, kind, capture_name, ++counter);
  FILE *f = fopen(path, "wb");
  if (!f || fwrite(p, 1, n, f) != n || fclose(f) != 0) {
    fprintf(stderr, "seeds: %s: %s\n", path, strerror(errno));
    exit(1);
  }
  free(path);
}

/* ---- the recording dissector -------------------------------------------- */

typedef struct {
  const ms_dissector *real;
  void *state;
  char *buf; /* the chunk script */
  size_t len;
  FILE *script;
  bool gap[2]; /* a gap notice is due before the next chunk */
  bool stopped;
} recorder;

#define MAX_SCRIPT (1u << 20)

static void *rec_create(const ms_dissector *real, ms_session *rec,
                        const ms_dissect_config *cfg) {
  recorder *r = xcalloc(1, sizeof *r);
  r->real = real;
  r->state = real->create(rec, cfg);
  r->script = open_memstream(&r->buf, &r->len);
  return r;
}

static void *rec_create_smtp(ms_session *rec, const ms_dissect_config *cfg) {
  return rec_create(&ms_smtp_dissector, rec, cfg);
}

static void *rec_create_pop3(ms_session *rec, const ms_dissect_config *cfg) {
  return rec_create(&ms_pop3_dissector, rec, cfg);
}

static ms_verdict rec_data(void *state, ms_dir dir, const uint8_t *data,
                           size_t n, ms_ts ts, size_t *used) {
  recorder *r = state;
  for (size_t i = 0; i < n && !r->stopped && ftell(r->script) < MAX_SCRIPT;) {
    size_t k = n - i < 64 ? n - i : 64;
    fputc((int)((k - 1) << 2 | (r->gap[dir] ? 2u : 0u) | (unsigned)dir),
          r->script);
    fwrite(data + i, 1, k, r->script);
    r->gap[dir] = false;
    i += k;
  }
  ms_verdict v = r->real->on_data(r->state, dir, data, n, ts, used);
  r->stopped |= v == MS_STOP;
  return v;
}

static void rec_gap(void *state, ms_dir dir, uint64_t n, ms_ts ts) {
  recorder *r = state;
  r->gap[dir] = true;
  r->real->on_gap(r->state, dir, n, ts);
}

static void rec_tls(void *state, ms_dir dir, ms_tls_state what, ms_ts ts) {
  recorder *r = state;
  r->real->on_tls(r->state, dir, what, ts);
}

static void rec_close(void *state, ms_ts ts) {
  recorder *r = state;
  r->real->on_close(r->state, ts);
}

static void rec_destroy(void *state) {
  recorder *r = state;
  r->real->destroy(r->state);
  fclose(r->script);
  if (r->len)
    write_file(r->real->name, (const uint8_t *)r->buf, r->len);
  free(r->buf);
  free(r);
}

static const ms_dissector smtp_recorder = {.name = "smtp",
                                           .proto = MS_PROTO_SMTP,
                                           .create = rec_create_smtp,
                                           .on_data = rec_data,
                                           .on_gap = rec_gap,
                                           .on_tls = rec_tls,
                                           .on_close = rec_close,
                                           .destroy = rec_destroy};
static const ms_dissector pop3_recorder = {.name = "pop3",
                                           .proto = MS_PROTO_POP3,
                                           .create = rec_create_pop3,
                                           .on_data = rec_data,
                                           .on_gap = rec_gap,
                                           .on_tls = rec_tls,
                                           .on_close = rec_close,
                                           .destroy = rec_destroy};

/* Replaces dissectors/registry.c in this program. */
const ms_dissector *ms_dissector_for(ms_proto proto) {
  switch (proto) {
  case MS_PROTO_SMTP:
    return &smtp_recorder;
  case MS_PROTO_POP3:
    return &pop3_recorder;
  default:
    return NULL;
  }
}

/* ---- messages ------------------------------------------------------------ */

typedef struct {
  char *buf;
  size_t len;
  FILE *f;
} eml;

static void *sink_open(void *ctx, const ms_session *s, const char *label,
                       const char *kind, int index, const char *filename) {
  if (strcmp(kind, "eml") != 0)
    return NULL; /* attachments: not seeds */
  eml *e = xcalloc(1, sizeof *e);
  e->f = open_memstream(&e->buf, &e->len);
  /* fuzz_message options: a sink (memory, or every other message the real
   * one), envelope checks */
  static bool real_sink;
  fputc(real_sink ? 0x19 : 0x09, e->f);
  real_sink = !real_sink;
  fputc(0, e->f); /* split seed */
  return e;
}

static void sink_write(void *file, const uint8_t *p, size_t n) {
  eml *e = file;
  if (e && ftell(e->f) < MAX_SCRIPT)
    fwrite(p, 1, n, e->f);
}

static void sink_close(void *file) {
  eml *e = file;
  if (!e)
    return;
  fclose(e->f);
  if (e->len > 2)
    write_file("message", (const uint8_t *)e->buf, e->len);
  free(e->buf);
  free(e);
}

static void on_session(void *ctx, ms_session *s) { ms_session_free(s); }

static ms_options opt;

int main(int argc, char **argv) {
  if (argc < 3) {
    fprintf(stderr, "usage: seeds OUTDIR CAPTURE...\n");
    return 1;
  }
  out_dir = argv[1];
  const char *kinds[] = {"", "/smtp", "/pop3", "/message"};
  for (size_t i = 0; i < sizeof kinds / sizeof kinds[0]; i++) {
    char *d = xasprintf("%s%s", out_dir, kinds[i]);
    if (mkdir(d, 0755) != 0 && errno != EEXIST) {
      fprintf(stderr, "seeds: %s: %s\n", d, strerror(errno));
      return 1;
    }
    free(d);
  }
  static const ms_msg_sink sink = {NULL, sink_open, sink_write, sink_close,
                                   NULL};
  int rc = 0;
  for (int a = 2; a < argc; a++) {
    ms_options_defaults(&opt);
    strvec_push(&opt.read_files, argv[a]);
    opt.quiet = true;
    opt.dissect.sink = &sink;
    const char *slash = strrchr(argv[a], '/');
    capture_name = slash ? slash + 1 : argv[a];
    counter = 0;
    ms_stats stats;
    memset(&stats, 0, sizeof stats);
    if (engine_run(&opt, on_session, NULL, &stats) != 0)
      rc = 2; /* a corrupt capture: what was read still made seeds */
    ms_options_free(&opt);
  }
  return rc;
}
