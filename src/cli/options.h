/* options.h - everything the command line sets; filled by options.c. */
#ifndef MAILSCOPE_OPTIONS_H
#define MAILSCOPE_OPTIONS_H

#include <stdbool.h>
#include <stdint.h>

#include "dissector.h"
#include "vec.h"

typedef enum {
  MS_FMT_TRANSCRIPT = 0,
  MS_FMT_JSON,
  MS_FMT_ECS,
  MS_FMT_ZEEK,     /* Zeek TSV (smtp.log) */
  MS_FMT_ZEEK_JSON /* Zeek's JSON writer */
} ms_format;

struct ms_report_parts; /* report.h: --report with --workers */

typedef struct {
  strvec read_files;              /* -r, in order; "-" is stdin */
  char *iface;                    /* -i */
  char *bpf;                      /* -f, applied on top of the default filter */
  ms_format format;               /* -J / --format */
  char *json_file;                /* --json-file */
  char *report;                   /* --report */
  char *transcript_dir;           /* --transcript-dir */
  char *extract_dir;              /* --extract-dir */
  char *user;                     /* -Z */
  int workers;                    /* --workers, 1 by default */
  int worker_index, worker_count; /* set in each worker process */
  struct ms_report_parts *report_parts; /* --report with --workers (main.c) */
  bool no_detect, show_secrets, stats, timestamps, full_bodies, quiet;
  bool sandbox;         /* --sandbox: seccomp filter after set-up */
  int fanout_group;     /* live workers: PACKET_FANOUT group id, 0 = none */
  int snaplen;          /* live: --snaplen */
  uint64_t buffer_size; /* live: --buffer-size, the kernel ring in bytes */
  bool immediate;       /* live: --immediate (TPACKET_V2, no batching) */

  /* Port table: proto by server port; port_tls marks implicit TLS. */
  uint8_t port_proto[65536]; /* ms_proto */
  bool port_tls[65536];

  /* Limits */
  uint64_t max_sessions;      /* open sessions in the table */
  uint64_t max_session_bytes; /* reassembly buffer per direction */
  uint64_t idle_timeout;      /* seconds without a packet */
  uint64_t max_dns_cache;     /* bytes of DNS answers kept (dnscache.h) */
  uint32_t dns_window;        /* seconds a DNS answer is kept at most */
  uint64_t max_memory;        /* --max-memory: the one memory bound, bytes
                                 (split evenly over --workers) */
  uint64_t max_record_bytes;  /* --max-record-bytes: one session record */
  ms_dissect_config dissect;  /* max_line, max_pipeline, ... */

  /* Sensor operation (docs/sensor.md) */
  char *zeek_dir;             /* --zeek-dir: smtp, files, weird, pop3 logs */
  char *sensor_name;          /* --sensor-name, NULL: the host name, live */
  uint64_t stats_interval;    /* --stats-interval seconds, 0: none */
  uint64_t community_id_seed; /* --community-id-seed, 0 by default */
  uint64_t rotate_bytes;      /* --rotate-size, 0: none */
  uint64_t rotate_seconds;    /* --rotate-interval, 0: none */
  char *rotate_format;        /* --rotate-format (strftime), NULL: default */
  char *post_rotate;          /* --post-rotate CMD */
  uint64_t max_extract_files; /* --max-extract-files */
  bool follow_dir_links;      /* --follow-dir-links */
  const char *format_option;  /* how the format was chosen: -J, --format */
  long out_uid, out_gid;      /* who new output files are given to while
                                 root (the -Z user), -1: nobody */
} ms_options;

/* The format --json-file writes: the JSON form of the selected format
 * (ECS documents, Zeek JSON smtp.log records, else -J records). */
ms_format ms_options_file_format(const ms_options *o);

void ms_options_defaults(ms_options *o);
void ms_options_free(ms_options *o);
/* Parse argv; returns 0, or 1 after printing a usage error, or -1 when the
 * program should exit 0 at once (-h, --version). */
int ms_options_parse(ms_options *o, int argc, char **argv);

#endif
