/* fuzz_capture.c - libFuzzer harness for the whole path: capture file bytes
 * -> pcap / pcapng reader -> link layers -> IP defragmentation -> TCP
 * reassembly -> session table -> dissectors -> every emitter.
 *
 * Input: a capture file, pcap or pcapng, exactly as mailscope -r reads it.
 * It is written to a memory file (memfd) and the real engine reads it by
 * its /proc/self/fd name, so nothing of the read path is bypassed.  The last
 * byte of the input also chooses options: bit 0 --full-bodies, bit 1
 * --show-secrets, bit 2 small limits (4 sessions, 8 KiB per direction, 5 s
 * idle timeout, 256-byte lines, 4 KiB headers, depth 2, 8 MIME parts, 8
 * header fields, 16 commands), bit 3 a -f filter
 * ("tcp"), bit 4 --no-detect, bit 5 an extraction sink (in memory).
 *
 * Checks beyond the sanitizers: every session record goes through every
 * emitter (fuzz_emit_all: JSON parses, transcript terminal-safe); records
 * are SMTP or POP3 with an end reason; the HTML report is UTF-8 and holds
 * exactly one executable <script> element (ours) besides its JSON data
 * blocks, none of which holds a '<' (nothing from the wire became markup);
 * the stats record parses.
 */
#include <ctype.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include <glib.h>

#include "emit.h"
#include "engine.h"
#include "fuzz_common.h"
#include "options.h"
#include "report.h"

static ms_options opt; /* large (port tables): not on the stack */
static int capture_fd = -1, report_fd = -1;
static char *capture_path, *report_path;
static ms_options defaults;

typedef struct {
  bool full_bodies;
  ms_report *report;
  size_t sessions;
} run_ctx;

static void on_session(void *ctx, ms_session *s) {
  run_ctx *r = ctx;
  FUZZ_CHECK(s->proto == MS_PROTO_SMTP || s->proto == MS_PROTO_POP3,
             "a session record of protocol %d", (int)s->proto);
  FUZZ_CHECK(s->end != MS_END_NONE, "a finished session without an end");
  FUZZ_CHECK(s->uid[0], "a session without a uid");
  fuzz_emit_all(s, r->full_bodies);
  report_add(r->report, s);
  r->sessions++;
  ms_session_free(s);
}

static int memory_file(const char *name, char **path) {
  int fd = memfd_create(name, MFD_CLOEXEC);
  if (fd < 0) {
    perror("memfd_create");
    abort();
  }
  *path = xasprintf("/proc/self/fd/%d", fd);
  return fd;
}

static void setup(void) {
  capture_fd = memory_file("capture", &capture_path);
  report_fd = memory_file("report", &report_path);
  ms_options_defaults(&defaults);
}

static void write_all(int fd, const uint8_t *p, size_t n) {
  if (ftruncate(fd, 0) != 0)
    abort();
  for (size_t off = 0; off < n;) {
    ssize_t w = pwrite(fd, p + off, n - off, (off_t)off);
    if (w <= 0)
      abort();
    off += (size_t)w;
  }
}

static size_t count_ci(const char *hay, size_t n, const char *needle) {
  size_t k = strlen(needle), count = 0;
  for (size_t i = 0; i + k <= n; i++)
    if (!strncasecmp(hay + i, needle, k))
      count++;
  return count;
}

static void check_report(void) {
  off_t size = lseek(report_fd, 0, SEEK_END);
  FUZZ_CHECK(size > 0, "the report is empty");
  char *buf = xmalloc((size_t)size);
  FUZZ_CHECK(pread(report_fd, buf, (size_t)size, 0) == size,
             "could not read the report back");
  const char *bad = NULL;
  FUZZ_CHECK(g_utf8_validate(buf, size, &bad), "report: not UTF-8 at %zu",
             (size_t)(bad - buf));
  size_t scripts = count_ci(buf, (size_t)size, "<script");
  size_t ours = count_ci(buf, (size_t)size, "<script>");
  static const char data[] = "<script type=\"application/json\" id=\"";
  size_t blocks = count_ci(buf, (size_t)size, data);
  FUZZ_CHECK(ours == 1 && scripts == blocks + 1,
             "report: %zu <script> elements, %zu of them data", scripts,
             blocks);
  for (const char *p = memmem(buf, (size_t)size, data, sizeof data - 1); p;
       p = memmem(p + 1, (size_t)(buf + size - p - 1), data, sizeof data - 1)) {
    const char *b = memchr(p, '>', (size_t)(buf + size - p));
    const char *e =
        b ? memmem(b, (size_t)(buf + size - b), "</script>", 9) : NULL;
    FUZZ_CHECK(e && !memchr(b + 1, '<', (size_t)(e - b - 1)),
               "report: a data block holds '<'");
  }
  free(buf);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  if (capture_fd < 0)
    setup();
  uint8_t opts = size ? data[size - 1] : 0;
  memcpy(&opt, &defaults, sizeof opt);
  opt.read_files.items = NULL;
  opt.read_files.len = opt.read_files.cap = 0;
  strvec_push(&opt.read_files, capture_path);
  opt.quiet = true;
  opt.full_bodies = opts & 1;
  opt.show_secrets = opts & 2;
  opt.dissect.transcript = true;
  opt.dissect.full_bodies = opt.full_bodies;
  opt.dissect.show_secrets = opt.show_secrets;
  if (opts & 4) {
    opt.max_sessions = 4;
    opt.max_session_bytes = 8192;
    opt.idle_timeout = 5;
    opt.dissect.max_line = 256;
    opt.dissect.max_pipeline = 8;
    opt.dissect.max_message_bytes = 4096;
    opt.dissect.max_mime_depth = 2;
    opt.dissect.max_mime_parts = 8;
    opt.dissect.max_headers = 8;
    opt.dissect.max_commands = 16;
  }
  opt.bpf = (opts & 8) ? "tcp" : NULL;
  opt.no_detect = opts & 16;
  fuzz_sink sink;
  fuzz_sink_init(&sink);
  if (opts & 32)
    opt.dissect.sink = &sink.sink;
  write_all(capture_fd, data, size);

  run_ctx r = {opt.full_bodies, report_open(report_path, NULL), 0};
  FUZZ_CHECK(r.report, "report_open failed");
  ms_stats stats;
  memset(&stats, 0, sizeof stats);
  engine_run(&opt, on_session, &r, &stats);
  FUZZ_CHECK(stats.sessions_smtp + stats.sessions_pop3 >= r.sessions,
             "%zu records but %llu sessions counted", r.sessions,
             (unsigned long long)(stats.sessions_smtp + stats.sessions_pop3));
  FUZZ_CHECK(report_close(r.report, &stats) == 0, "report_close failed");
  check_report();
  jsonw w;
  jw_init(&w);
  emit_json_stats(&stats, &w);
  fuzz_check_json("stats", w.buf, w.len);
  jw_free(&w);
  FILE *null = fopen("/dev/null", "w");
  emit_text_stats(&stats, null);
  fclose(null);
  fuzz_sink_finish(&sink);
  strvec_free(&opt.read_files);
  return 0;
}
