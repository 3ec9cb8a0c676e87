/* ipdefrag.h - IPv4 and IPv6 fragment reassembly with bounded memory.
 *
 * ms_defrag_add() takes one fragment (the whole IP packet: IPv4 with MF or
 * an offset, IPv6 with a Fragment extension header) and returns the
 * reassembled datagram once every piece has arrived, or NULL: an IPv4
 * packet with the fragment fields cleared, or an IPv6 packet without the
 * Fragment header (the header before it names the upper layer).  The returned
 * buffer belongs to the table and is valid until the next call.  At most
 * MS_DEFRAG_MAX datagrams are pending at once (the oldest is dropped beyond
 * that) and a datagram whose pieces do not all arrive within MS_DEFRAG_TIMEOUT
 * seconds of its first one is dropped; drops are counted.
 */
#ifndef MAILSCOPE_IPDEFRAG_H
#define MAILSCOPE_IPDEFRAG_H

#include <stddef.h>
#include <stdint.h>

#define MS_DEFRAG_MAX 1024
#define MS_DEFRAG_TIMEOUT 30

typedef struct ms_defrag ms_defrag;

ms_defrag *ms_defrag_new(void);
void ms_defrag_free(ms_defrag *d);
const uint8_t *ms_defrag_add(ms_defrag *d, const uint8_t *ip, size_t len,
                             int64_t now_usec, size_t *out_len);
uint64_t ms_defrag_dropped(const ms_defrag *d);

#endif
