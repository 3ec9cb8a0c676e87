/* session.h - the session table: one entry per TCP connection.
 *
 * ms_table_packet() takes every decoded TCP segment in capture order.  The
 * table finds or creates the connection (keyed by the symmetric 5-tuple),
 * decides which side is the client and which protocol it speaks (server
 * port, or the server's greeting on any other port), reassembles both
 * directions and feeds the protocol dissector.  When a connection ends (FIN
 * from both sides, RST, idle timeout, end of input) its record is handed to
 * the done callback, which owns it from then on.  Connections without a
 * single payload byte, and connections that turn out not to be SMTP or POP3,
 * are not reported.
 */
#ifndef MAILSCOPE_SESSION_H
#define MAILSCOPE_SESSION_H

#include "engine.h"
#include "flowhash.h"
#include "linklayer.h"
#include "options.h"
#include "stats.h"
#include "tls_crypto.h"

typedef struct ms_table ms_table;

ms_table *ms_table_new(const ms_options *opt, ms_session_done_fn done,
                       void *ctx, ms_stats *stats);
/* One TCP segment; vlan/nvlan from the frame. */
void ms_table_packet(ms_table *t, const ms_tcp *seg, const uint16_t *vlan,
                     int nvlan, ms_ts ts);
/* Name an anomaly in the connection of s, if it is tracked (IP-level
 * findings: overlapping fragments). */
void ms_table_anomaly(ms_table *t, const ms_tcp *s, const char *name, ms_ts ts,
                      const char *detail);
/* End idle connections (called with the current time when no packet comes). */
void ms_table_expire(ms_table *t, ms_ts now);
/* End every open connection (end of input, or a stop request). */
void ms_table_flush(ms_table *t, ms_end how, ms_ts now);
size_t ms_table_open_count(const ms_table *t);
/* TLS secrets to decrypt with (tls_crypto.h; the caller's, outliving the
 * table).  Sessions decrypt when a key log was given or the store holds
 * keys (a pcapng's secrets blocks) when their TLS begins. */
void ms_table_set_keys(ms_table *t, ms_tls_keys *keys);
/* The memory bound (--max-memory) the table charges and enforces: after
 * every packet, while the budget is over, sessions end by the policy of
 * docs/design.md ("Memory"). */
struct ms_budget;
void ms_table_set_budget(ms_table *t, struct ms_budget *b);
void ms_table_free(ms_table *t);
/* Send DNS over TCP (port 53) to the DNS path instead of detection. */
struct ms_dnsobs;
void ms_table_set_dns(ms_table *t, struct ms_dnsobs *dns);

#endif
