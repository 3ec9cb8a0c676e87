/* stats.c - adding up the counters of several workers (stats.h). */
#include "stats.h"

/* A new counter in ms_stats must be added below too. */
_Static_assert(sizeof(ms_stats) == (21 + MS_LIMIT_COUNT) * sizeof(uint64_t) +
                                       sizeof(ms_dns_stats) + sizeof(double),
               "ms_stats changed: update ms_stats_add");

_Static_assert(sizeof(ms_dns_stats) == (4 + MS_DNS_A_COUNT) * sizeof(uint64_t),
               "ms_dns_stats changed: update ms_dns_stats_add");

void ms_dns_stats_add(ms_dns_stats *total, const ms_dns_stats *part) {
  total->messages += part->messages;
  total->responses += part->responses;
  total->malformed += part->malformed;
  total->evicted += part->evicted;
  for (int i = 0; i < MS_DNS_A_COUNT; i++)
    total->anomalies[i] += part->anomalies[i];
}

void ms_stats_add(ms_stats *total, const ms_stats *part) {
  total->packets += part->packets;
  total->bytes += part->bytes;
  total->packets_ignored += part->packets_ignored;
  total->packets_ignored_flows += part->packets_ignored_flows;
  total->packets_malformed += part->packets_malformed;
  total->packets_truncated += part->packets_truncated;
  total->packets_tunnelled += part->packets_tunnelled;
  total->sessions_smtp += part->sessions_smtp;
  total->sessions_pop3 += part->sessions_pop3;
  total->sessions_dropped += part->sessions_dropped;
  total->sessions_evicted += part->sessions_evicted;
  total->sessions_truncated += part->sessions_truncated;
  total->fragments += part->fragments;
  total->fragments_dropped += part->fragments_dropped;
  total->kernel_drops += part->kernel_drops;
  total->gap_bytes += part->gap_bytes;
  total->interface_drops += part->interface_drops;
  total->files_extracted += part->files_extracted;
  total->extract_refused += part->extract_refused;
  total->extract_failed += part->extract_failed;
  total->records_lost += part->records_lost;
  for (int i = 0; i < MS_LIMIT_COUNT; i++)
    total->limits[i] += part->limits[i];
  ms_dns_stats_add(&total->dns, &part->dns);
  if (part->seconds > total->seconds)
    total->seconds = part->seconds;
}
