/* options.c - the command line: one table drives parsing and -h. */
#include "options.h"

#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

enum {
  OPT_JSON_FILE = 256,
  OPT_FORMAT,
  OPT_REPORT,
  OPT_TRANSCRIPT_DIR,
  OPT_EXTRACT_DIR,
  OPT_PORT,
  OPT_NO_DETECT,
  OPT_SHOW_SECRETS,
  OPT_STATS,
  OPT_WORKERS,
  OPT_TIMESTAMPS,
  OPT_FULL_BODIES,
  OPT_MAX_SESSIONS,
  OPT_MAX_SESSION_BYTES,
  OPT_MAX_LINE,
  OPT_MAX_PIPELINE,
  OPT_MAX_MESSAGE_BYTES,
  OPT_MAX_MIME_DEPTH,
  OPT_MAX_MIME_PARTS,
  OPT_MAX_HEADERS,
  OPT_MAX_COMMANDS,
  OPT_IDLE_TIMEOUT,
  OPT_MAX_DNS_CACHE,
  OPT_DNS_WINDOW,
  OPT_MAX_MEMORY,
  OPT_MAX_RECORD_BYTES,
  OPT_SANDBOX,
  OPT_VERSION,
  OPT_SNAPLEN,
  OPT_BUFFER_SIZE,
  OPT_IMMEDIATE,
  OPT_ZEEK_DIR,
  OPT_SENSOR_NAME,
  OPT_STATS_INTERVAL,
  OPT_COMMUNITY_ID_SEED,
  OPT_ROTATE_SIZE,
  OPT_ROTATE_INTERVAL,
  OPT_ROTATE_FORMAT,
  OPT_POST_ROTATE,
  OPT_MAX_EXTRACT_FILES,
  OPT_FOLLOW_DIR_LINKS
};

typedef struct {
  const char *name; /* long name, or NULL */
  int key;          /* short letter or OPT_* */
  int has_arg;
  const char *arg; /* argument name for -h */
  const char *help;
} option_doc;

static const option_doc option_table[] = {
    {NULL, 'r', 1, "FILE", "read a pcap/pcapng file (repeatable; - is stdin)"},
    {NULL, 'i', 1, "IFACE", "sniff a live interface until SIGINT/SIGTERM"},
    {NULL, 'f', 1, "BPF",
     "filter, applied to IP packets on top of the default"},
    {"json", 'J', 0, NULL, "write NDJSON records instead of transcripts"},
    {"json-file", OPT_JSON_FILE, 1, "FILE",
     "also write the format's JSON to FILE (reopened on SIGHUP)"},
    {"format", OPT_FORMAT, 1, "FMT",
     "transcript (default), json, ecs, zeek, zeek-json"},
    {"zeek-dir", OPT_ZEEK_DIR, 1, "DIR",
     "write Zeek smtp, files, weird and pop3 logs in DIR"},
    {"report", OPT_REPORT, 1, "FILE", "write a self-contained HTML report"},
    {"transcript-dir", OPT_TRANSCRIPT_DIR, 1, "DIR",
     "one transcript file per session"},
    {"extract-dir", OPT_EXTRACT_DIR, 1, "DIR",
     "write messages (.eml) and attachments"},
    {"port", OPT_PORT, 1, "PROTO=PORT[,..]", "analyze smtp/pop3 on more ports"},
    {"no-detect", OPT_NO_DETECT, 0, NULL,
     "do not detect SMTP/POP3 by greeting on other ports"},
    {"show-secrets", OPT_SHOW_SECRETS, 0, NULL,
     "print passwords instead of <redacted>"},
    {"stats", OPT_STATS, 0, NULL, "print a closing stats record / summary"},
    {"stats-interval", OPT_STATS_INTERVAL, 1, "SECONDS",
     "also a stats record every SECONDS"},
    {"sensor-name", OPT_SENSOR_NAME, 1, "NAME",
     "sensor name in every record (live: the host name)"},
    {"community-id-seed", OPT_COMMUNITY_ID_SEED, 1, "N",
     "seed of the Community ID hashes (0)"},
    {"rotate-size", OPT_ROTATE_SIZE, 1, "N",
     "rotate --json-file and --zeek-dir logs at N bytes"},
    {"rotate-interval", OPT_ROTATE_INTERVAL, 1, "SECONDS",
     "rotate them every SECONDS (at multiples of it)"},
    {"rotate-format", OPT_ROTATE_FORMAT, 1, "STRFTIME",
     "time part of rotated names (%Y-%m-%d-%H-%M-%S)"},
    {"post-rotate", OPT_POST_ROTATE, 1, "CMD",
     "run CMD FILE for each rotated file"},
    {"max-extract-files", OPT_MAX_EXTRACT_FILES, 1, "N",
     "files --extract-dir writes at most (10000)"},
    {"follow-dir-links", OPT_FOLLOW_DIR_LINKS, 0, NULL,
     "output directories and --json-file may be symlinks"},
    {NULL, 'Z', 1, "USER",
     "live: run as USER once the interface is open (root: nobody by "
     "default)"},
    {"sandbox", OPT_SANDBOX, 0, NULL,
     "seccomp filter after set-up: no exec, no sockets"},
    {"snaplen", OPT_SNAPLEN, 1, "N",
     "live: bytes kept of each packet (262144)"},
    {"buffer-size", OPT_BUFFER_SIZE, 1, "N",
     "live: kernel ring per capture process (64M)"},
    {"immediate", OPT_IMMEDIATE, 0, NULL,
     "live: hand over each packet at once (slower; default: 100 ms blocks)"},
    {"workers", OPT_WORKERS, 1, "N",
     "worker processes (flows split by hash; live: kernel fanout)"},
    {"timestamps", OPT_TIMESTAMPS, 0, NULL, "transcripts: time of each line"},
    {"full-bodies", OPT_FULL_BODIES, 0, NULL,
     "transcripts: whole message bodies"},
    {"max-sessions", OPT_MAX_SESSIONS, 1, "N",
     "open sessions tracked at once (100000)"},
    {"max-session-bytes", OPT_MAX_SESSION_BYTES, 1, "N",
     "out-of-order bytes queued per direction (1M)"},
    {"max-line", OPT_MAX_LINE, 1, "N", "longest line kept (4096)"},
    {"max-pipeline", OPT_MAX_PIPELINE, 1, "N",
     "outstanding commands before an anomaly (100)"},
    {"max-message-bytes", OPT_MAX_MESSAGE_BYTES, 1, "N",
     "message header/MIME memory per message (1M)"},
    {"max-mime-depth", OPT_MAX_MIME_DEPTH, 1, "N", "MIME nesting analysed (8)"},
    {"max-mime-parts", OPT_MAX_MIME_PARTS, 1, "N",
     "MIME parts listed per message (1000)"},
    {"max-headers", OPT_MAX_HEADERS, 1, "N",
     "header fields kept per MIME entity (1000)"},
    {"max-commands", OPT_MAX_COMMANDS, 1, "N",
     "commands recorded per session (10000)"},
    {"idle-timeout", OPT_IDLE_TIMEOUT, 1, "SECONDS",
     "end sessions idle this long (300)"},
    {"max-dns-cache", OPT_MAX_DNS_CACHE, 1, "N",
     "bytes of DNS answers kept for mail routing (32M)"},
    {"dns-window", OPT_DNS_WINDOW, 1, "SECONDS",
     "longest a DNS answer counts, whatever its TTL (3600)"},
    {"max-memory", OPT_MAX_MEMORY, 1, "N",
     "memory for sessions, queues, fragments, decompression (512M)"},
    {"max-record-bytes", OPT_MAX_RECORD_BYTES, 1, "N",
     "text kept in one session record (16M)"},
    {NULL, 'q', 0, NULL, "no progress or warnings on stderr"},
    {"help", 'h', 0, NULL, "this help"},
    {"version", OPT_VERSION, 0, NULL, "print the version"},
};

#define NOPTIONS (sizeof option_table / sizeof option_table[0])

static void print_help(void) {
  printf("usage: mailscope [options] -r FILE [-r FILE ...]\n"
         "       mailscope [options] -i IFACE [-f BPF]\n\n");
  for (size_t i = 0; i < NOPTIONS; i++) {
    const option_doc *o = &option_table[i];
    char left[64];
    if (o->name && o->key < 256)
      snprintf(left, sizeof left, "-%c, --%s%s%s", o->key, o->name,
               o->arg ? " " : "", o->arg ? o->arg : "");
    else if (o->name)
      snprintf(left, sizeof left, "--%s%s%s", o->name, o->arg ? " " : "",
               o->arg ? o->arg : "");
    else
      snprintf(left, sizeof left, "-%c%s%s", o->key, o->arg ? " " : "",
               o->arg ? o->arg : "");
    printf("  %-30s %s\n", left, o->help);
  }
  printf("\nExit status: 0 done, 1 bad usage, 2 an input could not be read "
         "or an output\nnot written.\n"
         "See mailscope(1) for details.\n");
}

static int usage_error(const char *fmt, const char *what) {
  fprintf(stderr, "mailscope: ");
  fprintf(stderr, fmt, what);
  fprintf(stderr, "\nTry 'mailscope -h' for help.\n");
  return 1;
}

/* A count with an optional K/M/G suffix (powers of 1024). */
static bool parse_count(const char *s, uint64_t *out) {
  char *end;
  errno = 0;
  if (*s == '-' || *s == '\0')
    return false;
  unsigned long long v = strtoull(s, &end, 10);
  if (errno || end == s)
    return false;
  uint64_t mult = 1;
  if (*end == 'k' || *end == 'K')
    mult = 1024, end++;
  else if (*end == 'm' || *end == 'M')
    mult = 1024 * 1024, end++;
  else if (*end == 'g' || *end == 'G')
    mult = 1024ULL * 1024 * 1024, end++;
  if (*end != '\0' || v > UINT64_MAX / mult)
    return false;
  *out = v * mult;
  return true;
}

static void set_port(ms_options *o, uint16_t port, ms_proto proto, bool tls) {
  o->port_proto[port] = (uint8_t)proto;
  o->port_tls[port] = tls;
}

void ms_options_defaults(ms_options *o) {
  memset(o, 0, sizeof *o);
  o->workers = 1;
  o->max_sessions = 100000;
  o->max_session_bytes = 1 << 20;
  o->idle_timeout = 300;
  o->max_dns_cache = 32 << 20;
  o->dns_window = 3600;
  o->max_memory = 512ULL << 20;
  o->max_record_bytes = 16ULL << 20;
  o->max_extract_files = 10000;
  o->out_uid = o->out_gid = -1;
  o->snaplen = 262144;
  o->buffer_size = 64 << 20;
  ms_dissect_config_defaults(&o->dissect);
  set_port(o, 25, MS_PROTO_SMTP, false);
  set_port(o, 587, MS_PROTO_SMTP, false);
  set_port(o, 2525, MS_PROTO_SMTP, false);
  set_port(o, 465, MS_PROTO_SMTP, true);
  set_port(o, 110, MS_PROTO_POP3, false);
  set_port(o, 995, MS_PROTO_POP3, true);
}

void ms_options_free(ms_options *o) { strvec_free(&o->read_files); }

/* --port smtp=25,2526 : plain-text analysis on those ports. */
static int parse_port_option(ms_options *o, const char *arg) {
  const char *eq = strchr(arg, '=');
  if (!eq)
    return usage_error("--port wants PROTO=PORT[,PORT...], got '%s'", arg);
  ms_proto proto;
  if (!strncasecmp(arg, "smtp", (size_t)(eq - arg)) && eq - arg == 4)
    proto = MS_PROTO_SMTP;
  else if (!strncasecmp(arg, "pop3", (size_t)(eq - arg)) && eq - arg == 4)
    proto = MS_PROTO_POP3;
  else
    return usage_error("--port: unknown protocol in '%s' (smtp, pop3)", arg);
  const char *p = eq + 1;
  while (*p) {
    char *end;
    errno = 0;
    long port = strtol(p, &end, 10);
    if (errno || end == p || port < 1 || port > 65535 ||
        (*end != ',' && *end != '\0'))
      return usage_error("--port: bad port list in '%s'", arg);
    set_port(o, (uint16_t)port, proto, false);
    p = *end == ',' ? end + 1 : end;
  }
  return 0;
}

static const char *const format_names[] = {"transcript", "json", "ecs", "zeek",
                                           "zeek-json"};
static const char *const format_said[] = {
    "--format transcript", "--format json", "--format ecs", "--format zeek",
    "--format zeek-json"};

/* -J and --format choose one format; saying two is an error, not a guess. */
static int set_format(ms_options *o, ms_format f, const char *said) {
  if (o->format_option && o->format != f) {
    char what[200];
    snprintf(what, sizeof what,
             "conflicting formats: %s and %%s (choose one format for "
             "standard output; --json-file and --zeek-dir add files)",
             o->format_option);
    return usage_error(what, said);
  }
  o->format_option = said;
  o->format = f;
  return 0;
}

static int parse_format(ms_options *o, const char *arg) {
  for (int i = 0; i < (int)(sizeof format_names / sizeof format_names[0]); i++)
    if (!strcmp(arg, format_names[i]))
      return set_format(o, (ms_format)i, format_said[i]);
  return usage_error("--format: unknown format '%s' (transcript, json, ecs, "
                     "zeek, zeek-json)",
                     arg);
}

ms_format ms_options_file_format(const ms_options *o) {
  if (o->format == MS_FMT_ECS)
    return MS_FMT_ECS;
  if (o->format == MS_FMT_ZEEK || o->format == MS_FMT_ZEEK_JSON)
    return MS_FMT_ZEEK_JSON;
  return MS_FMT_JSON;
}

/* A limit: a count from min to max (suffixes K, M, G). */
static int set_limit(const char *option, const char *arg, uint64_t min,
                     uint64_t max, uint64_t *out) {
  if (parse_count(arg, out) && *out >= min && *out <= max)
    return 0;
  char what[160];
  snprintf(what, sizeof what, "%s: bad value '%%s' (%llu to %llu)", option,
           (unsigned long long)min, (unsigned long long)max);
  return usage_error(what, arg);
}

/* The options of sensor operation (docs/sensor.md). */
static int apply_sensor_option(ms_options *o, int key, const char *arg) {
  switch (key) {
  case OPT_ZEEK_DIR:
    o->zeek_dir = (char *)arg;
    return 0;
  case OPT_SENSOR_NAME:
    o->sensor_name = (char *)arg;
    return *arg ? 0 : usage_error("%s", "--sensor-name: empty name");
  case OPT_STATS_INTERVAL:
    return set_limit("--stats-interval", arg, 1, 86400, &o->stats_interval);
  case OPT_COMMUNITY_ID_SEED:
    return set_limit("--community-id-seed", arg, 0, 65535,
                     &o->community_id_seed);
  case OPT_ROTATE_SIZE:
    return set_limit("--rotate-size", arg, 4096, UINT64_MAX / 2,
                     &o->rotate_bytes);
  case OPT_ROTATE_INTERVAL:
    return set_limit("--rotate-interval", arg, 1, 366 * 86400,
                     &o->rotate_seconds);
  case OPT_ROTATE_FORMAT:
    o->rotate_format = (char *)arg;
    return *arg && !strchr(arg, '/')
               ? 0
               : usage_error("--rotate-format: '%s' must be a non-empty "
                             "strftime format without '/'",
                             arg);
  case OPT_POST_ROTATE:
    o->post_rotate = (char *)arg;
    return 0;
  case OPT_MAX_EXTRACT_FILES:
    return set_limit("--max-extract-files", arg, 1, UINT32_MAX,
                     &o->max_extract_files);
  case OPT_FOLLOW_DIR_LINKS:
    o->follow_dir_links = true;
    return 0;
  default:
    return 1;
  }
}

static int apply_option(ms_options *o, int key, const char *arg) {
  uint64_t v;
  int rc = 0;
  switch (key) {
  case 'r':
    strvec_push(&o->read_files, arg);
    break;
  case 'i':
    o->iface = (char *)arg;
    break;
  case 'f':
    o->bpf = (char *)arg;
    break;
  case 'J':
    return set_format(o, MS_FMT_JSON, "-J");
  case 'Z':
    o->user = (char *)arg;
    break;
  case 'q':
    o->quiet = true;
    break;
  case OPT_JSON_FILE:
    o->json_file = (char *)arg;
    break;
  case OPT_FORMAT:
    return parse_format(o, arg);
  case OPT_REPORT:
    o->report = (char *)arg;
    break;
  case OPT_TRANSCRIPT_DIR:
    o->transcript_dir = (char *)arg;
    break;
  case OPT_EXTRACT_DIR:
    o->extract_dir = (char *)arg;
    break;
  case OPT_PORT:
    return parse_port_option(o, arg);
  case OPT_NO_DETECT:
    o->no_detect = true;
    break;
  case OPT_SHOW_SECRETS:
    o->show_secrets = o->dissect.show_secrets = true;
    break;
  case OPT_STATS:
    o->stats = true;
    break;
  case OPT_SANDBOX:
    o->sandbox = true;
    break;
  case OPT_TIMESTAMPS:
    o->timestamps = true;
    break;
  case OPT_FULL_BODIES:
    o->full_bodies = o->dissect.full_bodies = true;
    break;
  case OPT_SNAPLEN:
    rc = set_limit("--snaplen", arg, 64, 262144, &v);
    o->snaplen = (int)v;
    break;
  case OPT_BUFFER_SIZE:
    rc = set_limit("--buffer-size", arg, 1 << 20, 1ULL << 31, &v);
    o->buffer_size = v;
    break;
  case OPT_IMMEDIATE:
    o->immediate = true;
    break;
  case OPT_WORKERS:
    rc = set_limit("--workers", arg, 1, 64, &v);
    o->workers = (int)v;
    break;
  case OPT_MAX_SESSIONS:
    rc = set_limit("--max-sessions", arg, 1, UINT32_MAX, &o->max_sessions);
    break;
  case OPT_MAX_SESSION_BYTES:
    rc = set_limit("--max-session-bytes", arg, 1, SIZE_MAX,
                   &o->max_session_bytes);
    break;
  case OPT_IDLE_TIMEOUT:
    rc = set_limit("--idle-timeout", arg, 1, UINT32_MAX, &o->idle_timeout);
    break;
  case OPT_MAX_DNS_CACHE:
    rc = set_limit("--max-dns-cache", arg, 0, SIZE_MAX / 2, &o->max_dns_cache);
    break;
  case OPT_DNS_WINDOW:
    rc = set_limit("--dns-window", arg, 1, 7 * 86400, &v);
    o->dns_window = (uint32_t)v;
    break;
  case OPT_MAX_MEMORY:
    rc =
        set_limit("--max-memory", arg, 16ULL << 20, 1ULL << 50, &o->max_memory);
    break;
  case OPT_MAX_RECORD_BYTES:
    rc = set_limit("--max-record-bytes", arg, 64 << 10, 1ULL << 40,
                   &o->max_record_bytes);
    break;
  case OPT_MAX_LINE:
    rc = set_limit("--max-line", arg, 64, 16 << 20, &v);
    o->dissect.max_line = (size_t)v;
    break;
  case OPT_MAX_PIPELINE:
    rc = set_limit("--max-pipeline", arg, 1, MS_MAX_OUTSTANDING, &v);
    o->dissect.max_pipeline = (size_t)v;
    break;
  case OPT_MAX_MESSAGE_BYTES:
    rc = set_limit("--max-message-bytes", arg, 1024, SIZE_MAX / 2, &v);
    o->dissect.max_message_bytes = (size_t)v;
    break;
  case OPT_MAX_MIME_DEPTH:
    rc = set_limit("--max-mime-depth", arg, 1, 64, &v);
    o->dissect.max_mime_depth = (int)v;
    break;
  case OPT_MAX_MIME_PARTS:
    rc = set_limit("--max-mime-parts", arg, 1, INT32_MAX, &v);
    o->dissect.max_mime_parts = (size_t)v;
    break;
  case OPT_MAX_HEADERS:
    rc = set_limit("--max-headers", arg, 1, SIZE_MAX, &v);
    o->dissect.max_headers = (size_t)v;
    break;
  case OPT_MAX_COMMANDS:
    rc = set_limit("--max-commands", arg, 1, SIZE_MAX / 4, &v);
    o->dissect.max_commands = (size_t)v;
    break;
  default:
    return apply_sensor_option(o, key, arg);
  }
  return rc;
}

int ms_options_parse(ms_options *o, int argc, char **argv) {
  struct option longopts[NOPTIONS + 1];
  char shortopts[64];
  size_t nl = 0, ns = 0;
  shortopts[ns++] = ':';
  for (size_t i = 0; i < NOPTIONS; i++) {
    const option_doc *d = &option_table[i];
    if (d->name)
      longopts[nl++] = (struct option){
          d->name, d->has_arg ? required_argument : no_argument, NULL, d->key};
    if (d->key < 256) {
      shortopts[ns++] = (char)d->key;
      if (d->has_arg)
        shortopts[ns++] = ':';
    }
  }
  shortopts[ns] = '\0';
  memset(&longopts[nl], 0, sizeof longopts[nl]);
  opterr = 0;
  optind = 0; /* glibc: a full reset, also of a cluster left half-read */
  int c;
  while ((c = getopt_long(argc, argv, shortopts, longopts, NULL)) != -1) {
    if (c == 'h') {
      print_help();
      return -1;
    }
    if (c == OPT_VERSION) {
      printf("mailscope %s\n", MAILSCOPE_VERSION);
      return -1;
    }
    if (c == ':')
      return usage_error("option '%s' needs an argument", argv[optind - 1]);
    if (c == '?')
      return usage_error("unknown option '%s'", argv[optind - 1]);
    if (apply_option(o, c, optarg) != 0)
      return 1;
  }
  if (optind < argc)
    return usage_error("unexpected argument '%s'", argv[optind]);
  if (!o->read_files.len && !o->iface)
    return usage_error("%s", "nothing to read: give -r FILE or -i IFACE");
  if (o->read_files.len && o->iface)
    return usage_error("%s", "-r and -i cannot be combined");
  if (o->user && !o->iface)
    return usage_error("%s", "-Z only applies to live capture (-i)");
  if ((o->rotate_bytes || o->rotate_seconds || o->post_rotate ||
       o->rotate_format) &&
      !o->json_file && !o->zeek_dir)
    return usage_error("%s", "--rotate-size, --rotate-interval, "
                             "--rotate-format and --post-rotate apply to "
                             "--json-file and --zeek-dir: give one");
  if (o->stats_interval && o->workers > 1 && !o->iface)
    return usage_error("%s", "--stats-interval with --workers needs -i: "
                             "reading files, workers report at the end");
  if (o->post_rotate && !o->rotate_bytes && !o->rotate_seconds)
    return usage_error("%s", "--post-rotate needs --rotate-size or "
                             "--rotate-interval");
  for (size_t i = 0; o->workers > 1 && i < o->read_files.len; i++)
    if (!strcmp(o->read_files.items[i], "-")) {
      /* every worker reads the whole input: a pipe can be read only once */
      if (!o->quiet)
        fprintf(stderr, "mailscope: --workers: standard input can be read "
                        "only once: it is analysed in one process\n");
      o->workers = 1;
    }
  return 0;
}
