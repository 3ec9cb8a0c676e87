/* fuzz_message.c - libFuzzer harness for the message layer
 * (dissectors/message.c, msg_decode.c, msg_received.c).
 *
 * Input: one option byte, one split-seed byte, then the message as the
 * dissectors hand it over (after dot-unstuffing, line ends as sent).
 * Option bits: 0 an extraction sink (in memory), 1 the session ended
 * inside the message (truncated), 2 small limits (4 KiB headers, depth 2,
 * 8 MIME parts, 8 header fields),
 * 3 envelope checks against MAIL FROM <a@example.test> and RCPT TO
 * <b@example.test>, 4 the real --extract-dir sink (src/output/extract.c) into a
 * temporary directory instead of the memory one.  fuzz/seeds.c writes
 * seeds from the messages of capture files.
 *
 * The message is parsed twice: once fed whole, once cut into chunks at
 * points drawn from the split seed (and with the sink when asked).  Checks
 * beyond the sanitizers:
 *  - both parses give the same message object (emit_message_json) and the
 *    same session anomalies: where the bytes are cut must not matter;
 *  - bytes and sha256 are those of the input;
 *  - the .eml written to the sink is the input, and each attachment file
 *    holds the number of bytes and the md5 the message object says;
 *  - with the real sink, every file is a plain file directly in the
 *    directory, named <uid>-t1.eml or <uid>-t1-<n>-<safe name>, and every
 *    name extract_safe_name() makes of an attachment's file name keeps its
 *    promises (extract.h);
 *  - the JSON of the message object parses.
 */
#include <dirent.h>
#include <openssl/evp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

#include "emit.h"
#include "extract.h"
#include "fuzz_common.h"
#include "message.h"

#define FUZZ_MAX_INPUT (1u << 20)

enum {
  OPT_SINK = 1 << 0,
  OPT_TRUNCATED = 1 << 1,
  OPT_SMALL = 1 << 2,
  OPT_ENVELOPE = 1 << 3,
  OPT_EXTRACT = 1 << 4
};

typedef struct {
  ms_session *s;
  ms_message *m;
  char *json;      /* emit_message_json of m */
  char *anomalies; /* the session's anomalies, one "name: detail" a line */
} parse_result;

static void hex(const unsigned char *d, size_t n, char *out) {
  for (size_t i = 0; i < n; i++)
    sprintf(out + 2 * i, "%02x", d[i]);
}

static void digest_hex(const EVP_MD *md, const uint8_t *p, size_t n,
                       char *out) {
  unsigned char d[EVP_MAX_MD_SIZE];
  unsigned int dl = 0;
  EVP_Digest(p, n, d, &dl, md, NULL);
  hex(d, dl, out);
}

static char *anomaly_text(const ms_session *s) {
  char *buf = NULL;
  size_t len = 0;
  FILE *f = open_memstream(&buf, &len);
  for (size_t i = 0; i < s->anomalies.len; i++)
    fprintf(f, "%s: %s\n", s->anomalies.items[i].name,
            s->anomalies.items[i].detail ? s->anomalies.items[i].detail : "");
  fclose(f);
  return buf;
}

static void parse(const ms_dissect_config *cfg, uint8_t opts,
                  const uint8_t *msg, size_t n, fuzz_rng *split,
                  parse_result *r) {
  r->s = ms_session_new();
  r->s->proto = MS_PROTO_SMTP;
  snprintf(r->s->uid, sizeof r->s->uid, "%s", "Cfuzz");
  r->m = ms_message_new();
  const ms_ts ts = 1000000; /* one time for all: anomalies compare equal */
  ms_msg_parser *p = ms_msg_begin(r->s, r->m, cfg, "t1", ts);
  for (size_t i = 0; i < n;) {
    size_t k = split ? fuzz_rng_chunk(split, n - i) : n - i;
    ms_msg_feed(p, msg + i, k, ts);
    i += k;
  }
  ms_msg_end(p, opts & OPT_TRUNCATED, ts);
  if (opts & OPT_ENVELOPE) {
    strvec rcpt = {0};
    strvec_push(&rcpt, "b@example.test");
    ms_msg_check_envelope(r->s, r->m, "a@example.test", &rcpt, ts);
    strvec_free(&rcpt);
  }
  free(ms_msg_summary(r->m));
  /* the names of extracted files are the sink's business, checked by
   * check_extract_dir; the object must not depend on them otherwise */
  char *extracted = r->m->extracted;
  r->m->extracted = NULL;
  char **att = xcalloc(r->m->attachments.len + 1, sizeof *att);
  for (size_t i = 0; i < r->m->attachments.len; i++) {
    att[i] = r->m->attachments.items[i].extracted;
    r->m->attachments.items[i].extracted = NULL;
  }
  jsonw w;
  jw_init(&w);
  emit_message_json(r->m, &w);
  r->m->extracted = extracted;
  for (size_t i = 0; i < r->m->attachments.len; i++)
    r->m->attachments.items[i].extracted = att[i];
  free(att);
  fuzz_check_json("message", w.buf, w.len);
  r->json = xstrndup(w.buf, w.len);
  jw_free(&w);
  r->anomalies = anomaly_text(r->s);
}

static void result_free(parse_result *r) {
  ms_message_free(r->m);
  ms_session_free(r->s);
  free(r->json);
  free(r->anomalies);
}

/* What the sink received against what the message object says. */
static void check_sink(const fuzz_sink *k, const ms_message *m,
                       const uint8_t *msg, size_t n) {
  size_t emls = 0;
  for (size_t i = 0; i < k->files.len; i++) {
    const fuzz_file *f = k->files.items[i];
    if (!strcmp(f->kind, "eml")) {
      emls++;
      FUZZ_CHECK(f->written == n && f->len == n &&
                     (n == 0 || !memcmp(f->data, msg, n)),
                 "the .eml differs from the message (%llu of %zu bytes)",
                 (unsigned long long)f->written, n);
      continue;
    }
    FUZZ_CHECK(f->index >= 0 && (size_t)f->index < m->attachments.len,
               "attachment file %d of %zu attachments", f->index,
               m->attachments.len);
    const ms_attachment *a = &m->attachments.items[f->index];
    FUZZ_CHECK(f->written == a->bytes,
               "attachment %d: %llu bytes written, %llu in the record",
               f->index, (unsigned long long)f->written,
               (unsigned long long)a->bytes);
    char md5[33];
    digest_hex(EVP_md5(), f->data, f->len, md5);
    FUZZ_CHECK(f->len < f->written || !strcmp(md5, a->md5),
               "attachment %d: md5 %s of the bytes written, %s in the record",
               f->index, md5, a->md5);
  }
  FUZZ_CHECK(emls == 1, "%zu .eml files for one message", emls);
}

/* The promises of extract_safe_name() (extract.h). */
static void check_safe_name(const char *wire) {
  static const char *const devices[] = {"CON",  "PRN",  "AUX",  "NUL",
                                        "COM1", "COM9", "LPT1", "LPT9"};
  char *safe = extract_safe_name(wire);
  size_t n = strlen(safe);
  FUZZ_CHECK(n > 0 && n <= 100, "safe name of %zu bytes", n);
  FUZZ_CHECK(safe[0] != '.' && !strstr(safe, ".."), "safe name with dots: %s",
             safe);
  FUZZ_CHECK(safe[n - 1] != '.' && safe[n - 1] != ' ',
             "safe name ends in a dot or space: %s", safe);
  for (const unsigned char *c = (const unsigned char *)safe; *c; c++)
    FUZZ_CHECK(*c >= 0x20 && *c != 0x7f && !strchr("/\\:*?\"<>|", *c),
               "safe name with byte 0x%02x: %s", *c, safe);
  size_t stem = strcspn(safe, ".");
  for (size_t i = 0; i < sizeof devices / sizeof devices[0]; i++)
    FUZZ_CHECK(strlen(devices[i]) != stem ||
                   strncasecmp(safe, devices[i], stem),
               "safe name is a device name: %s", safe);
  free(safe);
}

static char *read_file(const char *path, size_t *len) {
  FILE *f = fopen(path, "rb");
  FUZZ_CHECK(f, "%s: cannot read it back", path);
  char *buf = NULL;
  FILE *m = open_memstream(&buf, len);
  char chunk[65536];
  size_t got;
  while ((got = fread(chunk, 1, sizeof chunk, f)) > 0)
    fwrite(chunk, 1, got, m);
  fclose(f);
  fclose(m);
  return buf;
}

/* What the real sink wrote into dir, against the message; then empty it. */
static void check_extract_dir(const char *dir, const ms_message *m,
                              const uint8_t *msg, size_t n) {
  DIR *d = opendir(dir);
  FUZZ_CHECK(d, "%s: cannot list it", dir);
  size_t emls = 0, atts = 0;
  struct dirent *e;
  while ((e = readdir(d))) {
    if (!strcmp(e->d_name, ".") || !strcmp(e->d_name, ".."))
      continue;
    char *path = xasprintf("%s/%s", dir, e->d_name);
    struct stat st;
    FUZZ_CHECK(lstat(path, &st) == 0 && S_ISREG(st.st_mode),
               "extract dir: %s is not a plain file", e->d_name);
    size_t len;
    char *data = read_file(path, &len);
    if (!strcmp(e->d_name, "Cfuzz-t1.eml")) {
      emls++;
      FUZZ_CHECK(len == n && (n == 0 || !memcmp(data, msg, n)),
                 "extracted .eml differs from the message");
    } else {
      int index = -1, used = 0;
      FUZZ_CHECK(sscanf(e->d_name, "Cfuzz-t1-%d-%n", &index, &used) == 1 &&
                     used > 0 && index >= 0 &&
                     (size_t)index < m->attachments.len,
                 "extract dir: unexpected file %s", e->d_name);
      FUZZ_CHECK(len == m->attachments.items[index].bytes,
                 "extracted attachment %d: %zu bytes, record %llu", index, len,
                 (unsigned long long)m->attachments.items[index].bytes);
      atts++;
    }
    free(data);
    unlink(path);
    free(path);
  }
  closedir(d);
  FUZZ_CHECK(emls == 1 && atts == m->attachments.len,
             "extract dir: %zu .eml, %zu of %zu attachments", emls, atts,
             m->attachments.len);
}

static char *temp_dir;

static void remove_temp_dir(void) { rmdir(temp_dir); }

/* A temporary directory for the real sink, emptied after every input and
 * removed at exit. */
static const char *extract_dir(void) {
  if (!temp_dir) {
    const char *tmp = getenv("TMPDIR");
    temp_dir = xasprintf("%s/fuzz_message.XXXXXX", tmp && *tmp ? tmp : "/tmp");
    FUZZ_CHECK(mkdtemp(temp_dir), "mkdtemp %s failed", temp_dir);
    atexit(remove_temp_dir);
  }
  return temp_dir;
}

/* The whole and the split parse must agree; on a difference, show where. */
static void check_same(const char *what, const char *whole, const char *split) {
  size_t i = 0;
  while (whole[i] && whole[i] == split[i])
    i++;
  size_t from = i > 120 ? i - 120 : 0;
  FUZZ_CHECK(!whole[i] && !split[i],
             "%s depends on the split, from offset %zu:\nwhole: ...%.400s\n"
             "split: ...%.400s",
             what, i, whole + from, split + from);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  if (size < 2 || size > FUZZ_MAX_INPUT)
    return 0;
  uint8_t opts = data[0];
  const uint8_t *msg = data + 2;
  size_t n = size - 2;
  ms_dissect_config cfg;
  ms_dissect_config_defaults(&cfg);
  if (opts & OPT_SMALL) {
    cfg.max_message_bytes = 4096;
    cfg.max_mime_depth = 2;
    cfg.max_mime_parts = 8;
    cfg.max_headers = 8;
  }

  parse_result whole, split;
  parse(&cfg, opts, msg, n, NULL, &whole);

  fuzz_sink sink;
  fuzz_sink_init(&sink);
  ms_extract_sink *real = NULL;
  if (opts & OPT_EXTRACT) {
    static const extract_config quiet = {true, false, 0};
    real = extract_sink_create(extract_dir(), &quiet);
    FUZZ_CHECK(real, "extract_sink_create failed");
    cfg.sink = extract_sink_get(real);
  } else if (opts & OPT_SINK) {
    cfg.sink = &sink.sink;
  }
  fuzz_rng rng;
  fuzz_rng_seed(&rng, data[1]);
  parse(&cfg, opts, msg, n, &rng, &split);

  check_same("message object", whole.json, split.json);
  check_same("anomalies", whole.anomalies, split.anomalies);
  FUZZ_CHECK(split.m->bytes == n, "message bytes %llu, input %zu",
             (unsigned long long)split.m->bytes, n);
  char sha[65];
  digest_hex(EVP_sha256(), msg, n, sha);
  FUZZ_CHECK(!strcmp(sha, split.m->sha256), "sha256 %s, input's %s",
             split.m->sha256, sha);
  if (real) {
    extract_sink_destroy(real);
    check_extract_dir(extract_dir(), split.m, msg, n);
  } else if (opts & OPT_SINK) {
    check_sink(&sink, split.m, msg, n);
  }
  fuzz_sink_finish(&sink);
  for (size_t i = 0; i < split.m->attachments.len; i++)
    check_safe_name(split.m->attachments.items[i].filename);
  result_free(&whole);
  result_free(&split);
  return 0;
}
