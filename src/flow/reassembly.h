/* reassembly.h - one direction of a TCP connection, put back in order.
 *
 * Our own reassembly, the same for IPv4 and IPv6 (docs/design.md says why
 * libnids is not used in this role).  In-order payload is delivered straight
 * from the packet buffer; out-of-order segments are copied and queued, at
 * most `limit` bytes per direction, sorted and never overlapping: of bytes
 * sent twice the first copy is kept (the reading of a Linux or BSD
 * receiver, docs/design.md), and a copy that differs is reported, whether
 * the first one is queued or already delivered (the last RECENT_MAX bytes
 * delivered are kept to compare).  When the queue outgrows its limit, when
 * the peer acknowledges bytes that were never seen (they were lost before
 * the capture point), or when the connection ends, the hole is skipped: its
 * size goes to the gap callback and delivery resumes after it (an
 * acknowledged hole is skipped lazily: as soon as data that follows it on
 * the wire must be delivered).  A direction first seen without its SYN
 * starts at the first segment seen (midstream).  Finding a segment's place
 * in the queue is a binary search: no segment costs a walk of the queue.
 *
 * `mem` counts what a direction holds (queued segments, the window of
 * delivered bytes); the session table charges it to the memory budget.
 */
#ifndef MAILSCOPE_REASSEMBLY_H
#define MAILSCOPE_REASSEMBLY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "record.h"

typedef struct ms_reasm_callbacks {
  void (*deliver)(void *ctx, ms_dir dir, const uint8_t *p, size_t n, ms_ts ts);
  void (*gap)(void *ctx, ms_dir dir, uint64_t n, ms_ts ts);
  /* bytes from seq on were sent twice with different content; `delivered`:
   * the first copy had been delivered already, else it was queued */
  void (*overlap_mismatch)(void *ctx, ms_dir dir, uint32_t seq, bool delivered,
                           ms_ts ts);
  /* out-of-order bytes outgrew the limit: a hole is skipped early */
  void (*limit)(void *ctx, ms_dir dir, size_t queued, ms_ts ts);
} ms_reasm_callbacks;

typedef struct ms_segment ms_segment;

/* Out-of-order segments queued per direction before a hole is skipped,
 * whatever their bytes: keeps a flood of tiny segments bounded. */
#define MS_REASM_MAX_SEGMENTS 4096
/* Delivered bytes kept per direction to compare retransmissions with. */
#define MS_REASM_RECENT_MAX 2048

typedef struct {
  bool started; /* next is meaningful */
  bool syn_seen;
  bool fin_seen;
  bool acked_valid; /* acked is meaningful */
  uint32_t fin_seq; /* sequence number of the FIN */
  uint32_t next;    /* next expected sequence number */
  uint32_t acked;   /* highest ack the peer sent for this direction */
  /* out-of-order segments queue[first..end): sorted by seq, disjoint */
  uint32_t first, end, cap;
  uint32_t queued_segments; /* end - first, at most MS_REASM_MAX_SEGMENTS */
  uint32_t recent_cap, recent_len; /* delivered bytes, at seq % recent_cap */
  ms_segment **queue;
  uint8_t *recent;
  size_t queued_bytes;
  size_t mem; /* bytes allocated for this direction */
} ms_half;

typedef struct {
  const ms_reasm_callbacks *cb;
  void *ctx;
  size_t limit;        /* bytes queued per direction before a gap is forced */
  bool keep_delivered; /* keep the last delivered bytes to compare */
} ms_reasm_env;

/* A segment of direction dir (flags: MS_TH_*). */
void ms_half_segment(ms_half *h, ms_dir dir, uint32_t seq, uint8_t flags,
                     const uint8_t *p, size_t n, ms_ts ts,
                     const ms_reasm_env *env);
/* The peer acknowledged everything before ack (recorded only: capture
 * order may show an ACK just before the data it acknowledges). */
void ms_half_acked(ms_half *h, uint32_t ack);
/* Something that follows the acknowledged bytes on the wire is about to be
 * delivered (the peer's data): bytes before the peer's ack that were never
 * seen are lost; skip them.  Also done by ms_half_segment for later data of
 * this direction, and by ms_half_flush. */
void ms_half_skip_acked(ms_half *h, ms_dir dir, ms_ts ts,
                        const ms_reasm_env *env);
/* End of the connection: deliver what is queued, skipping holes. */
void ms_half_flush(ms_half *h, ms_dir dir, ms_ts ts, const ms_reasm_env *env);
void ms_half_free(ms_half *h);

/* Would a Linux receiver take an RST with this sequence number from this
 * direction?  Only at the next expected byte (RFC 5961 3.2: anything else
 * draws a challenge ACK or is dropped), after a FIN at it or the byte
 * before, or where the peer's own ACK says it is (bytes lost before the
 * capture point).  A direction not seen yet cannot be judged: true. */
bool ms_half_rst_acceptable(const ms_half *h, uint32_t seq);
/* Would it take a FIN at the end of [seq, seq+n)?  Not before bytes it
 * already took (unless it is the FIN it took), nor more than `window`
 * bytes (the receiver's window) ahead of them (RFC 793 3.3). */
bool ms_half_fin_acceptable(const ms_half *h, uint32_t seq, size_t n,
                            uint64_t window);

#endif
