/* dnsobs.h - the engine's DNS path: DNS messages over UDP (here) and TCP
 * (framed by the session table, session.c) are decoded (dissectors/dns.c)
 * into the answer cache (dnscache.h), and SYNs to SMTP ports are noted as
 * connection attempts.  It runs before the flow split of --workers, so
 * every worker holds every answer.  Counters go to stats->dns.
 */
#ifndef MAILSCOPE_DNSOBS_H
#define MAILSCOPE_DNSOBS_H

#include "dnscache.h"
#include "linklayer.h"
#include "options.h"
#include "stats.h"

#define MS_DNS_PORT 53

typedef struct ms_dnsobs ms_dnsobs;

ms_dnsobs *ms_dnsobs_new(const ms_options *opt, ms_stats *stats);
void ms_dnsobs_free(ms_dnsobs *o);
const ms_dnscache *ms_dnsobs_cache(const ms_dnsobs *o);

/* An IP packet (after defragmentation) that is not TCP; true when it was
 * DNS over UDP. */
bool ms_dnsobs_udp(ms_dnsobs *o, int version, const uint8_t *ip, size_t len,
                   ms_ts ts);
/* Every TCP segment: a client SYN to an SMTP port is an attempt. */
void ms_dnsobs_tcp(ms_dnsobs *o, const ms_tcp *seg, ms_ts ts);
/* One DNS message (an ms_dns_message_fn: ctx is the ms_dnsobs). */
void ms_dnsobs_message(void *o, const uint8_t *p, size_t n, ms_ts ts);
/* Anomalies of a DNS-over-TCP stream (ms_dns_stream.anomalies). */
void ms_dnsobs_stream_anomalies(ms_dnsobs *o, unsigned anomalies);

#endif
