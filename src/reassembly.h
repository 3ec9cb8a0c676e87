/* reassembly.h - one direction of a TCP connection, put back in order.
 *
 * Our own reassembly, the same for IPv4 and IPv6 (docs/design.md says why
 * libnids is not used in this role).  In-order payload is delivered straight
 * from the packet buffer; out-of-order segments are copied and queued, at
 * most `limit` bytes per direction.  Retransmitted bytes are delivered once;
 * queued segments that overlap with different bytes are reported.  When the
 * queue outgrows its limit, when the peer acknowledges bytes that were never
 * seen (they were lost before the capture point), or when the connection
 * ends, the hole is skipped: its size goes to the gap callback and delivery
 * resumes after it.  A direction first seen without its SYN starts at the
 * first segment seen (midstream).
 */
#ifndef MAILSCOPE_REASSEMBLY_H
#define MAILSCOPE_REASSEMBLY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "record.h"

typedef struct ms_reasm_callbacks {
  void (*deliver)(void *ctx, ms_dir dir, const uint8_t *p, size_t n,
                  ms_ts ts);
  void (*gap)(void *ctx, ms_dir dir, uint64_t n, ms_ts ts);
  void (*overlap_mismatch)(void *ctx, ms_dir dir, uint32_t seq, ms_ts ts);
  /* out-of-order bytes outgrew the limit: a hole is skipped early */
  void (*limit)(void *ctx, ms_dir dir, size_t queued, ms_ts ts);
} ms_reasm_callbacks;

typedef struct ms_segment ms_segment;

typedef struct {
  bool started;  /* next is meaningful */
  bool syn_seen;
  bool fin_seen;
  uint32_t fin_seq; /* sequence number of the FIN */
  uint32_t next;    /* next expected sequence number */
  ms_segment *queue; /* out-of-order segments, sorted by seq */
  size_t queued_bytes;
  uint64_t retransmitted_bytes;
} ms_half;

typedef struct {
  const ms_reasm_callbacks *cb;
  void *ctx;
  size_t limit; /* bytes queued per direction before a gap is forced */
} ms_reasm_env;

/* A segment of direction dir (flags: MS_TH_*). */
void ms_half_segment(ms_half *h, ms_dir dir, uint32_t seq, uint8_t flags,
                     const uint8_t *p, size_t n, ms_ts ts,
                     const ms_reasm_env *env);
/* The peer acknowledged everything before ack: bytes before it that were
 * never seen are lost; skip them. */
void ms_half_acked(ms_half *h, ms_dir dir, uint32_t ack, ms_ts ts,
                   const ms_reasm_env *env);
/* End of the connection: deliver what is queued, skipping holes. */
void ms_half_flush(ms_half *h, ms_dir dir, ms_ts ts, const ms_reasm_env *env);
void ms_half_free(ms_half *h);

#endif
