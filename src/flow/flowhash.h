/* flowhash.h - hashes of a TCP flow: the session table's, and the uid.
 *
 * Both are symmetric: the two directions of one connection hash alike.
 * ms_flow_hash() is the table's (and --workers') hash of every packet;
 * ms_make_uid() names a session from its first packet's time and tuple.
 */
#ifndef MAILSCOPE_FLOWHASH_H
#define MAILSCOPE_FLOWHASH_H

#include <stdint.h>

#include "linklayer.h"
#include "record.h"

uint64_t ms_flow_hash(const ms_tcp *s);
/* A second mix of a flow hash, to spread it over --workers. */
uint64_t ms_flow_mix(uint64_t h);
/* Stable session id from the first packet's time and the 5-tuple. */
void ms_make_uid(char out[24], ms_ts ts, const ms_tcp *seg);

#endif
