/* siphash.h - SipHash-1-3 under a secret key drawn once per run.
 *
 * Every table whose keys come from the wire (the session table, the
 * memory of dropped flows, IP fragments being reassembled) picks its
 * buckets with ms_siphash(): without the key, nobody can choose keys that
 * share a bucket.  The key comes from getrandom(2) the first time it is
 * needed; ms_siphash_init() draws it early (before a seccomp sandbox or a
 * fork).  Nothing mailscope prints may depend on the key: it only places
 * entries in buckets.
 *
 * ms_siphash_with() takes an explicit key and round counts (c = 1, d = 3
 * is SipHash-1-3; 2, 4 is SipHash-2-4) for the unit tests' vectors.
 */
#ifndef MAILSCOPE_SIPHASH_H
#define MAILSCOPE_SIPHASH_H

#include <stddef.h>
#include <stdint.h>

void ms_siphash_init(void);
uint64_t ms_siphash(const void *data, size_t len);
uint64_t ms_siphash_with(const uint8_t key[16], int c, int d, const void *data,
                         size_t len);

#endif
