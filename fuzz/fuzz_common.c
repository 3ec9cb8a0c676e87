/* fuzz_common.c - shared harness code (see fuzz_common.h). */
#include "fuzz_common.h"

#include <dirent.h>
#include <glib.h>
#include <json-c/json.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "emit.h"
#include "outfile.h"
#include "zeek_out.h"

#if defined(__SANITIZE_ADDRESS__)
#define FUZZ_HAVE_ASAN 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define FUZZ_HAVE_ASAN 1
#endif
#endif
#ifdef FUZZ_HAVE_ASAN
#include <sanitizer/common_interface_defs.h>
#endif

/* The message goes where the sanitizers report ("SUMMARY: fuzz: ..."),
 * which stays open when libFuzzer closes the target's stderr. */
void fuzz_fail(const char *fmt, ...) {
  char msg[2048] = "fuzz: ";
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(msg + 6, sizeof msg - 6, fmt, ap);
  va_end(ap);
#ifdef FUZZ_HAVE_ASAN
  __sanitizer_report_error_summary(msg);
#else
  fprintf(stderr, "%s\n", msg);
#endif
  abort();
}

/* ---- split points ------------------------------------------------------- */

void fuzz_rng_seed(fuzz_rng *r, uint32_t seed) {
  r->state = seed * 2654435761u + 0x9e3779b9u;
}

uint32_t fuzz_rng_next(fuzz_rng *r) { /* xorshift32 */
  uint32_t x = r->state ? r->state : 1;
  x ^= x << 13;
  x ^= x >> 17;
  x ^= x << 5;
  r->state = x;
  return x;
}

size_t fuzz_rng_chunk(fuzz_rng *r, size_t max) {
  uint32_t v = fuzz_rng_next(r);
  size_t n;
  switch (v & 3) {
  case 0:
    n = 1 + (v >> 2) % 3; /* a byte or three: splits inside tokens */
    break;
  case 1:
  case 2:
    n = 1 + (v >> 2) % 80; /* about a line */
    break;
  default:
    n = 1 + (v >> 2) % 4096;
    break;
  }
  return n < max ? n : max;
}

/* ---- memory sink -------------------------------------------------------- */

static void *sink_open(void *ctx, const ms_session *s, const char *label,
                       const char *kind, int index, const char *filename) {
  fuzz_sink *k = ctx;
  FUZZ_CHECK(s && label, "sink opened without a session or label");
  FUZZ_CHECK(!strcmp(kind, "eml") || !strcmp(kind, "att"),
             "sink opened with kind '%s'", kind);
  fuzz_file *f = xcalloc(1, sizeof *f);
  snprintf(f->kind, sizeof f->kind, "%s", kind);
  f->index = index;
  *vec_push(&k->files) = f;
  k->open++;
  (void)filename; /* hostile by contract: the sink sanitises, we ignore */
  return f;
}

static void sink_write(void *file, const uint8_t *p, size_t n) {
  fuzz_file *f = file;
  FUZZ_CHECK(f && !f->closed, "sink write to a closed handle");
  f->written += n;
  size_t keep = f->len < FUZZ_SINK_KEEP ? FUZZ_SINK_KEEP - f->len : 0;
  if (keep > n)
    keep = n;
  if (keep == 0)
    return;
  if (f->len + keep > f->cap) {
    f->cap = (f->len + keep) * 2;
    f->data = xrealloc(f->data, f->cap);
  }
  memcpy(f->data + f->len, p, keep);
  f->len += keep;
}

static void sink_close(void *file) {
  fuzz_file *f = file;
  FUZZ_CHECK(f && !f->closed, "sink handle closed twice");
  f->closed = true;
}

void fuzz_sink_init(fuzz_sink *k) {
  memset(k, 0, sizeof *k);
  k->sink.ctx = k;
  k->sink.open = sink_open;
  k->sink.write = sink_write;
  k->sink.close = sink_close;
}

void fuzz_sink_finish(fuzz_sink *k) {
  for (size_t i = 0; i < k->files.len; i++) {
    fuzz_file *f = k->files.items[i];
    FUZZ_CHECK(f->closed, "sink file %zu (%s) never closed", i, f->kind);
    free(f->data);
    free(f);
  }
  vec_free(&k->files);
  k->open = 0;
}

/* ---- output checks ------------------------------------------------------ */

void fuzz_check_json(const char *what, const char *buf, size_t len) {
  struct json_tokener *tok = json_tokener_new_ex(128);
  json_tokener_set_flags(tok, JSON_TOKENER_STRICT | JSON_TOKENER_VALIDATE_UTF8);
  json_object *o = json_tokener_parse_ex(tok, buf, (int)len);
  enum json_tokener_error err = json_tokener_get_error(tok);
  size_t end = json_tokener_get_parse_end(tok);
  FUZZ_CHECK(o && err == json_tokener_success && end == len,
             "%s: not one JSON document (%s at %zu of %zu): %.*s", what,
             json_tokener_error_desc(err), end, len,
             (int)(len > 400 ? 400 : len), buf);
  FUZZ_CHECK(json_object_is_type(o, json_type_object), "%s: not an object",
             what);
  json_object_put(o);
  json_tokener_free(tok);
}

static bool dangerous_codepoint(gunichar cp) {
  return (cp >= 0x80 && cp <= 0x9f) || (cp >= 0x202a && cp <= 0x202e) ||
         (cp >= 0x2066 && cp <= 0x2069) || cp == 0x200e || cp == 0x200f ||
         cp == 0x061c || cp == 0x2028 || cp == 0x2029 || cp == 0xfeff;
}

void fuzz_check_terminal_safe(const char *what, const char *buf, size_t len) {
  const char *bad = NULL;
  FUZZ_CHECK(g_utf8_validate(buf, (gssize)len, &bad),
             "%s: not UTF-8 at offset %zu", what, (size_t)(bad - buf));
  for (const char *p = buf; p < buf + len; p = g_utf8_next_char(p)) {
    gunichar cp = g_utf8_get_char(p);
    FUZZ_CHECK(cp == '\n' || (cp >= 0x20 && cp != 0x7f),
               "%s: raw control byte 0x%02x at offset %zu", what, cp,
               (size_t)(p - buf));
    FUZZ_CHECK(!dangerous_codepoint(cp), "%s: raw U+%04X at offset %zu", what,
               cp, (size_t)(p - buf));
  }
}

/* Each line of Zeek output is one JSON object. */
static void check_json_lines(const char *what, const char *buf, size_t len,
                             size_t want) {
  size_t lines = 0;
  for (const char *p = buf; p < buf + len;) {
    const char *nl = memchr(p, '\n', (size_t)(buf + len - p));
    FUZZ_CHECK(nl, "%s: last line without a newline", what);
    fuzz_check_json(what, p, (size_t)(nl - p));
    lines++;
    p = nl + 1;
  }
  FUZZ_CHECK(lines == want, "%s: %zu lines, said %zu", what, lines, want);
}

/* One ECS document: valid JSON, no newline inside. */
static void ecs_doc(void *ctx, jsonw *w) {
  (void)ctx;
  fuzz_check_json("ecs", w->buf, w->len);
  jw_reset(w);
}

static size_t count_lines(const char *p, size_t n) {
  size_t lines = 0;
  for (size_t i = 0; i < n; i++)
    lines += p[i] == '\n';
  return lines;
}

void fuzz_emit_all(const ms_session *s, bool full_bodies) {
  char *buf = NULL;
  size_t len = 0;
  for (int ts = 0; ts < 2; ts++) {
    FILE *f = open_memstream(&buf, &len);
    emit_options eo = {.timestamps = ts, .full_bodies = full_bodies};
    emit_text_session(s, &eo, f);
    fclose(f);
    fuzz_check_terminal_safe("transcript", buf, len);
    free(buf);
  }
  jsonw w;
  jw_init(&w);
  emit_json_session(s, &w);
  fuzz_check_json("json", w.buf, w.len);
  jw_reset(&w);
  size_t docs = emit_ecs_session(s, &w, ecs_doc, NULL);
  FUZZ_CHECK(docs >= 1, "ecs: %zu documents", docs);
  jw_free(&w);
  /* every Zeek log, in both encodings: JSON lines parse, TSV rows hold
   * no raw control byte */
  for (int json = 0; json < 2; json++)
    for (size_t i = 0; i < ZEEK_LOG_COUNT; i++) {
      ms_outfile *out = outfile_memory();
      zeek_out *z = zeek_out_new(json);
      zeek_out_to(z, i, out, true);
      zeek_out_session(z, s);
      zeek_out_close(z);
      const char *p;
      size_t n;
      outfile_take(out, &p, &n);
      if (n && json) /* n == 0: nothing written, p may be NULL */
        check_json_lines("zeek", p, n, count_lines(p, n));
      for (size_t k = 0; !json && k < n; k++)
        FUZZ_CHECK((unsigned char)p[k] >= 0x20 || p[k] == '\t' || p[k] == '\n',
                   "zeek tsv: raw byte 0x%02x", (unsigned char)p[k]);
      outfile_close(out);
    }
}

/* ---- standalone replay -------------------------------------------------- */

#ifdef FUZZ_STANDALONE
static int replay_file(const char *path) {
  FILE *f = fopen(path, "rb");
  if (!f) {
    perror(path);
    return 1;
  }
  uint8_t *buf = NULL;
  size_t len = 0, cap = 0, got;
  do {
    if (len == cap) {
      cap = cap ? cap * 2 : 65536;
      buf = xrealloc(buf, cap);
    }
    got = fread(buf + len, 1, cap - len, f);
    len += got;
  } while (got > 0);
  fclose(f);
  /* like libFuzzer: a copy of exactly the input's size, so reading past
   * its end is caught */
  uint8_t *exact = xmalloc(len ? len : 1);
  memcpy(exact, buf, len);
  free(buf);
  LLVMFuzzerTestOneInput(exact, len);
  free(exact);
  return 0;
}

static int replay(const char *path, size_t *count) {
  struct stat st;
  if (stat(path, &st) != 0) {
    perror(path);
    return 1;
  }
  if (!S_ISDIR(st.st_mode)) {
    (*count)++;
    return replay_file(path);
  }
  struct dirent **names;
  int n = scandir(path, &names, NULL, alphasort);
  if (n < 0) {
    perror(path);
    return 1;
  }
  int rc = 0;
  for (int i = 0; i < n; i++) {
    if (names[i]->d_name[0] != '.') {
      char *sub = xasprintf("%s/%s", path, names[i]->d_name);
      rc |= replay(sub, count);
      free(sub);
    }
    free(names[i]);
  }
  free(names);
  return rc;
}

int main(int argc, char **argv) {
  size_t count = 0;
  int rc = 0;
  for (int a = 1; a < argc; a++)
    rc |= replay(argv[a], &count);
  fprintf(stderr, "%s: %zu inputs replayed\n", argv[0], count);
  return rc;
}
#endif
