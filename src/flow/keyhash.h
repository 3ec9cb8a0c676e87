/* keyhash.h - a keyed hash for table keys the wire chooses (DNS names):
 * SipHash-2-4 (Aumasson and Bernstein, 2012) under a key drawn at random
 * once per process, so that a peer cannot aim names at one bucket.
 * Nothing printed depends on it (bucket placement only).
 * TODO(merge): the `hostile` branch adds keyed hashing for the session
 * table in flowhash.c; once it is on main this file gives way to it. */
#ifndef MAILSCOPE_KEYHASH_H
#define MAILSCOPE_KEYHASH_H

#include <stddef.h>
#include <stdint.h>

uint64_t ms_siphash(const uint8_t key[16], const void *data, size_t n);
/* The process's key, drawn on first use (getrandom, else time and pid). */
const uint8_t *ms_keyhash_key(void);
/* ms_siphash under the process's key. */
uint64_t ms_keyhash(const void *data, size_t n);

#endif
