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
  MS_FMT_ZEEK
} ms_format;

typedef struct {
  strvec read_files;              /* -r, in order; "-" is stdin */
  strvec tls_keylogs;             /* --tls-keylog, NSS key log files */
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
  bool no_detect, show_secrets, stats, timestamps, full_bodies, quiet;
  bool sandbox;     /* --sandbox: seccomp filter after set-up */
  int fanout_group; /* live workers: PACKET_FANOUT group id, 0 = none */

  /* Port table: proto by server port; port_tls marks implicit TLS. */
  uint8_t port_proto[65536]; /* ms_proto */
  bool port_tls[65536];

  /* Limits */
  uint64_t max_sessions;      /* open sessions in the table */
  uint64_t max_session_bytes; /* reassembly buffer per direction */
  uint64_t idle_timeout;      /* seconds without a packet */
  ms_dissect_config dissect;  /* max_line, max_pipeline, ... */
} ms_options;

void ms_options_defaults(ms_options *o);
void ms_options_free(ms_options *o);
/* Parse argv; returns 0, or 1 after printing a usage error, or -1 when the
 * program should exit 0 at once (-h, --version). */
int ms_options_parse(ms_options *o, int argc, char **argv);

#endif
