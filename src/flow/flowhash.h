/* flowhash.h - hashes of a TCP flow: the session table's, the worker
 * split's, and the uid.
 *
 * All are symmetric: the two directions of one connection hash alike.
 * ms_flow_hash() places a packet's flow in the session table's buckets: it
 * is keyed with the per-run secret of siphash.h, so the tuples an attacker
 * chooses offline do not share a bucket; nothing printed depends on it.
 * ms_flow_worker() (which --workers process takes a flow) and ms_make_uid()
 * (the session's name) are fixed functions of the packet: the same on every
 * run and in every worker.
 */
#ifndef MAILSCOPE_FLOWHASH_H
#define MAILSCOPE_FLOWHASH_H

#include <stdint.h>

#include "linklayer.h"
#include "record.h"

uint64_t ms_flow_hash(const ms_tcp *s);
/* The worker (0 .. workers-1) that analyses the flow of s. */
int ms_flow_worker(const ms_tcp *s, int workers);
/* Stable session id from the first packet's time and the 5-tuple. */
void ms_make_uid(char out[24], ms_ts ts, const ms_tcp *seg);

#endif
