/* community_id.h - Community ID v1 flow hashes (the Corelight Community ID
 * specification, version 1): "1:" + base64(sha1(seed . saddr . daddr .
 * proto . 0 . sport . dport)), endpoints in network byte order, the
 * smaller address:port first.  The same value Zeek's community-id package,
 * Suricata, Packetbeat and Arkime compute for the same flow, so records
 * join across them.  tests/unit/test_community_id.c checks the
 * specification's own baseline values. */
#ifndef MAILSCOPE_COMMUNITY_ID_H
#define MAILSCOPE_COMMUNITY_ID_H

#include <stdbool.h>
#include <stdint.h>

#define COMMUNITY_ID_LEN 31 /* "1:" + 28 base64 characters + NUL */

/* saddr, daddr: printable IPv4 or IPv6 addresses of the same family.
 * has_ports false: a protocol without ports (only the addresses count).
 * false when an address does not parse. */
bool community_id_v1(const char *saddr, const char *daddr, uint16_t sport,
                     uint16_t dport, uint8_t proto, bool has_ports,
                     uint16_t seed, char out[COMMUNITY_ID_LEN]);

#endif
