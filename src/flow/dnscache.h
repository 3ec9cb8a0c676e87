/* dnscache.h - the DNS answers of the capture, kept for a while so that
 * the SMTP sessions they led to can be judged (route.c).
 *
 * One entry per (name, type): the answer (RRset, or a negative answer)
 * last seen for it and the different one it replaced, each with when it
 * was first and last seen and its TTL.  An answer counts for a moment
 * `at` when it was seen at or before it and `at` is within its TTL (at
 * least MS_DNS_GRACE seconds, at most the window) of its last sighting.
 * Entries unseen for the window plus MS_DNS_KEEP_AFTER (sessions are
 * judged when reported, which is up to that long after their last packet:
 * session.c's linger) are dropped; beyond max_bytes (names,
 * records and entries counted) the least recently seen go first, counted
 * in `evicted`.  Connection attempts (SYNs to a mail port) are kept the
 * same way, keyed by address.  Keys are the wire's: hashed with a keyed
 * hash (siphash.h).  Everything runs on capture time, so every worker
 * that sees the same packets holds the same answers.
 */
#ifndef MAILSCOPE_DNSCACHE_H
#define MAILSCOPE_DNSCACHE_H

#include <stdbool.h>
#include <stdint.h>

/* Microseconds an entry outlives the window (>= session.c's linger). */
#define MS_DNS_KEEP_AFTER 5000000

#include "dns.h"
#include "record.h"

#define MS_DNS_GRACE 120 /* seconds an answer lasts at least (TTL 0 ones) */

typedef struct ms_dnscache ms_dnscache;

typedef struct {
  uint16_t pref;
  char *target; /* CNAME, PTR, MX exchange; NULL for addresses */
  uint8_t addr[16];
} ms_dns_rdata;

typedef struct {
  ms_ts first_seen, last_seen;
  uint32_t ttl;
  uint8_t rcode; /* MS_DNS_RCODE_NOERROR (n may be 0: no data), NXDOMAIN */
  uint16_t n;
  ms_dns_rdata *rd; /* in a canonical order */
} ms_dns_answer;

ms_dnscache *ms_dnscache_new(uint64_t max_bytes, uint32_t window_seconds);
void ms_dnscache_free(ms_dnscache *c);

/* A decoded message seen at ts: responses are cached, queries ignored. */
void ms_dnscache_add(ms_dnscache *c, const ms_dns_msg *m, ms_ts ts);
/* A connection attempt to `ip` (printable) on a mail port. */
void ms_dnscache_attempt(ms_dnscache *c, const char *ip, ms_ts ts);

/* The answer for (name, type) that counted at `at`, or NULL.  When it
 * replaced a different answer seen within the window, *previous gets that
 * one (else NULL); previous may be NULL. */
const ms_dns_answer *ms_dnscache_get(const ms_dnscache *c, const char *name,
                                     uint16_t type, ms_ts at,
                                     const ms_dns_answer **previous);
/* Whether a connection attempt to ip was seen in [from, at]. */
bool ms_dnscache_attempted(const ms_dnscache *c, const char *ip, ms_ts from,
                           ms_ts at);

ms_ts ms_dnscache_window(const ms_dnscache *c); /* microseconds */
uint64_t ms_dnscache_evicted(const ms_dnscache *c);
uint64_t ms_dnscache_bytes(const ms_dnscache *c);

#endif
