/* fuzz_options.c - libFuzzer harness for src/cli/options.c: the command
 * line, as main() hands it over.
 *
 * Input: the arguments, separated by NUL bytes (argv[0] is "mailscope").
 *
 * Checks beyond the sanitizers: ms_options_parse() returns 0, 1 or -1;
 * parsing the same arguments twice gives the same verdict and the same
 * options (it is called again for each input: nothing may survive from the
 * last one, not even getopt's state); what it accepts keeps the promises
 * of the option table: something to read and not both -r and -i, every
 * limit within its range, ports named by --port given a protocol.
 * Help goes to /dev/null.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fuzz_common.h"
#include "options.h"

#define MAX_ARGS 64

static ms_options first, second; /* large (port tables): not on the stack */

static int parse(ms_options *o, char **argv, int argc) {
  char *copy[MAX_ARGS + 1]; /* getopt permutes argv */
  memcpy(copy, argv, sizeof(char *) * (size_t)(argc + 1));
  ms_options_defaults(o);
  return ms_options_parse(o, argc, copy);
}

static void check_accepted(const ms_options *o) {
  FUZZ_CHECK(o->read_files.len || o->iface, "accepted with nothing to read");
  FUZZ_CHECK(!(o->read_files.len && o->iface), "accepted -r with -i");
  FUZZ_CHECK(o->workers >= 1 && o->workers <= 64, "workers %d", o->workers);
  FUZZ_CHECK(o->max_sessions >= 1 && o->max_sessions <= UINT32_MAX,
             "max_sessions %llu", (unsigned long long)o->max_sessions);
  FUZZ_CHECK(o->max_memory >= 16u << 20, "max_memory %llu",
             (unsigned long long)o->max_memory);
  FUZZ_CHECK(o->max_record_bytes >= 64u << 10, "max_record_bytes %llu",
             (unsigned long long)o->max_record_bytes);
  FUZZ_CHECK(o->dissect.max_line >= 64 && o->dissect.max_line <= 16u << 20,
             "max_line %zu", o->dissect.max_line);
  FUZZ_CHECK(o->dissect.max_mime_depth >= 1 && o->dissect.max_mime_depth <= 64,
             "max_mime_depth %d", o->dissect.max_mime_depth);
  FUZZ_CHECK(o->dissect.max_message_bytes >= 1024, "max_message_bytes %zu",
             o->dissect.max_message_bytes);
  for (int p = 0; p < 65536; p++)
    FUZZ_CHECK(!o->port_tls[p] || o->port_proto[p] != MS_PROTO_NONE,
               "port %d TLS without a protocol", p);
}

static bool same(const ms_options *a, const ms_options *b) {
  if (a->read_files.len != b->read_files.len)
    return false;
  for (size_t i = 0; i < a->read_files.len; i++)
    if (strcmp(a->read_files.items[i], b->read_files.items[i]))
      return false;
  return a->workers == b->workers && a->format == b->format &&
         a->max_memory == b->max_memory &&
         a->max_record_bytes == b->max_record_bytes &&
         a->max_sessions == b->max_sessions &&
         !memcmp(a->port_proto, b->port_proto, sizeof a->port_proto) &&
         !memcmp(&a->dissect, &b->dissect, sizeof a->dissect);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  static bool quiet;
  if (!quiet) /* -h prints (usage errors go to stderr, which libFuzzer
               * closes: -close_fd_mask=2) */
    quiet = freopen("/dev/null", "w", stdout) != NULL;
  char *text = xmalloc(size + 1);
  memcpy(text, data, size);
  text[size] = '\0';
  char *argv[MAX_ARGS + 1];
  int argc = 0;
  argv[argc++] = "mailscope";
  for (size_t i = 0; i < size && argc < MAX_ARGS;) {
    argv[argc++] = text + i;
    i += strlen(text + i) + 1;
  }
  argv[argc] = NULL;
  int a = parse(&first, argv, argc);
  int b = parse(&second, argv, argc);
  FUZZ_CHECK(a == 0 || a == 1 || a == -1, "ms_options_parse returned %d", a);
  FUZZ_CHECK(a == b, "the same arguments gave %d, then %d", a, b);
  if (a == 0) {
    check_accepted(&first);
    FUZZ_CHECK(same(&first, &second), "the same arguments, other options");
  }
  ms_options_free(&first);
  ms_options_free(&second);
  free(text);
  return 0;
}
