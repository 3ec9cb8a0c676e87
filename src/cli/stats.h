/* stats.h - counters for the stats records (--stats, --stats-interval). */
#ifndef MAILSCOPE_STATS_H
#define MAILSCOPE_STATS_H

#include <stdint.h>

#include "dns.h"
#include "record.h"

/* The DNS path (src/flow/dnsobs.c): every worker sees every DNS packet. */
typedef struct {
  uint64_t messages;  /* DNS messages decoded, UDP and TCP */
  uint64_t responses; /* of them responses, whose answers were cached */
  uint64_t malformed; /* messages with an anomaly (counted below) */
  uint64_t evicted;   /* answers dropped for --max-dns-cache */
  uint64_t anomalies[MS_DNS_A_COUNT]; /* by ms_dns_anomaly */
} ms_dns_stats;

typedef struct {
  uint64_t packets, bytes;        /* read from the inputs */
  uint64_t packets_ignored;       /* not TCP, filtered out */
  uint64_t packets_ignored_flows; /* by the session table: not mail, stray;
                                     per flow, so per worker */
  uint64_t packets_malformed;     /* undecodable headers */
  uint64_t packets_truncated;     /* captured shorter than sent (snaplen) */
  uint64_t packets_tunnelled;     /* carried in a tunnel that was opened */
  uint64_t sessions_smtp, sessions_pop3;
  uint64_t sessions_dropped;   /* dropped for the session table limit */
  uint64_t sessions_evicted;   /* handshake-only, evicted for a new one */
  uint64_t sessions_truncated; /* stopped decoding at max_session_bytes */
  uint64_t fragments, fragments_dropped;
  uint64_t kernel_drops; /* live: pcap_stats ps_drop */
  uint64_t gap_bytes;
  /* sensor operation (docs/sensor.md) */
  uint64_t interface_drops; /* live: pcap_stats ps_ifdrop */
  uint64_t files_extracted; /* --extract-dir files written */
  uint64_t extract_refused; /* not written: --max-extract-files reached */
  uint64_t extract_failed;  /* could not be written (extraction stopped) */
  uint64_t records_lost;    /* live: records an output could not take */
  uint64_t limits[MS_LIMIT_COUNT]; /* limit hits of the sessions (ms_limit) */
  ms_dns_stats dns;
  double seconds; /* wall time */
} ms_stats;

/* What a periodic stats record (--stats-interval) adds to the counters:
 * the moment, the counts since the previous record (rates), the sessions
 * open, and, live with --workers, each worker's share. */
typedef struct {
  int64_t now;    /* wall clock, microseconds since the epoch */
  double seconds; /* since the previous record (or the start) */
  ms_stats since; /* counters of the previous record, for the rates */
  uint64_t sessions_open;
  int nworkers;            /* 0: one process */
  const ms_stats *workers; /* nworkers of each */
  const uint64_t *workers_open;
} ms_stats_interval;

/* total += part, counter by counter (wall time: the longest). */
void ms_stats_add(ms_stats *total, const ms_stats *part);
void ms_dns_stats_add(ms_dns_stats *total, const ms_dns_stats *part);

#endif
