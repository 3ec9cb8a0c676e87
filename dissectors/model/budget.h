/* budget.h - one memory bound over everything that grows with the input
 * (--max-memory), and the accounting every holder of such memory does.
 *
 * Holders charge what they keep and release what they free, under a kind:
 * the session table (connections, their records and dissector state),
 * reassembly queues, IP fragments, the decompressor's window, caches of
 * any layer.  Charging never fails and never frees: it counts.  The owner
 * of the bound acts on the count: the session table checks
 * ms_budget_over() after every packet and ends sessions by the policy of
 * docs/design.md ("Memory"); a holder that can give memory up by itself
 * (the fragment table, a cache) asks ms_budget_room() before it grows and
 * drops its oldest entries instead.  A NULL budget counts nothing and is
 * never over (unit tests, fuzz harnesses).
 *
 * Memory a dissector keeps for one session (buffers, protocol state) is
 * counted on the session record instead (ms_session_mem_add/_sub): the
 * session table charges it with its session and so knows which session
 * holds how much.  Costs are what is allocated (payload, not allocator
 * overhead: the bound of docs/design.md adds that).
 */
#ifndef MAILSCOPE_BUDGET_H
#define MAILSCOPE_BUDGET_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "record.h"

typedef enum {
  MS_MEM_SESSIONS = 0, /* connection entries, records, dissector state */
  MS_MEM_REASSEMBLY,   /* out-of-order segments, delivered-bytes windows */
  MS_MEM_FRAGMENTS,    /* IP datagrams being reassembled */
  MS_MEM_DECOMPRESS,   /* gzip/zstd/xz state and window */
  MS_MEM_CACHES,       /* tables shared by sessions (DNS answers, TLS keys) */
  MS_MEM_KINDS
} ms_mem_kind;

typedef struct ms_budget {
  uint64_t limit; /* bytes; 0: no limit */
  uint64_t used, peak;
  uint64_t by_kind[MS_MEM_KINDS];
} ms_budget;

void ms_budget_init(ms_budget *b, uint64_t limit);
void ms_budget_charge(ms_budget *b, ms_mem_kind k, size_t n);
void ms_budget_release(ms_budget *b, ms_mem_kind k, size_t n);
/* Move a holder's charge from `was` to `now` bytes. */
void ms_budget_recharge(ms_budget *b, ms_mem_kind k, size_t was, size_t now);
bool ms_budget_over(const ms_budget *b);
/* Bytes that may still be charged before the bound (UINT64_MAX: none). */
uint64_t ms_budget_room(const ms_budget *b);

/* A session's own memory, kept by its dissector (see above). */
void ms_session_mem_add(ms_session *s, size_t n);
void ms_session_mem_sub(ms_session *s, size_t n);
/* A holder that told the record *charged bytes holds `now` bytes now: the
 * record is told the difference and *charged becomes now. */
void ms_session_mem_set(ms_session *s, size_t *charged, size_t now);

#endif
