/* ipdefrag.h - IPv4 and IPv6 fragment reassembly with bounded memory.
 *
 * ms_defrag_add() takes one fragment (the whole IP packet: IPv4 with MF or
 * an offset, IPv6 with a Fragment extension header) and returns the
 * reassembled datagram once every piece has arrived, or NULL: an IPv4
 * packet with the fragment fields cleared, or an IPv6 packet without the
 * Fragment header (the header before it names the upper layer).  The returned
 * buffer belongs to the table and is valid until the next call.
 *
 * Overlapping pieces are read as Linux reads them (since 4.19, RFC 5722 for
 * IPv6 and IPv4 alike): a piece wholly inside bytes already received is a
 * duplicate and ignored (the first copy stays); a piece that overlaps them
 * only in part makes the whole datagram be dropped.  ms_defrag_note() tells
 * what the last call saw: a duplicate whose bytes differ (the datagram
 * returned is the first copy's), or a datagram dropped for an overlap (then
 * the call returns what was received from offset 0 on, when anything was,
 * so that the caller can name the connection; it is not a packet to read).
 *
 * At most MS_DEFRAG_MAX datagrams are pending at once (the oldest is dropped
 * beyond that), a datagram whose pieces do not all arrive within
 * MS_DEFRAG_TIMEOUT seconds of its first one is dropped, and with a memory
 * budget (--max-memory) the oldest datagrams are dropped while it is over;
 * drops are counted.  Datagrams are found through a hash keyed per run.
 */
#ifndef MAILSCOPE_IPDEFRAG_H
#define MAILSCOPE_IPDEFRAG_H

#include <stddef.h>
#include <stdint.h>

#include "budget.h"

#define MS_DEFRAG_MAX 1024
#define MS_DEFRAG_TIMEOUT 30

typedef struct ms_defrag ms_defrag;

typedef enum {
  MS_FRAG_CLEAN = 0,
  MS_FRAG_DUPLICATE_DIFFERS, /* a duplicate piece with other bytes: ignored */
  MS_FRAG_OVERLAP_DROPPED    /* pieces overlapped in part: datagram dropped */
} ms_frag_note;

ms_defrag *ms_defrag_new(void);
void ms_defrag_set_budget(ms_defrag *d, ms_budget *b);
void ms_defrag_free(ms_defrag *d);
const uint8_t *ms_defrag_add(ms_defrag *d, const uint8_t *ip, size_t len,
                             int64_t now_usec, size_t *out_len);
ms_frag_note ms_defrag_note(const ms_defrag *d);
uint64_t ms_defrag_dropped(const ms_defrag *d);
/* Of those, the ones dropped to stay under the memory budget. */
uint64_t ms_defrag_dropped_for_memory(const ms_defrag *d);

#endif
