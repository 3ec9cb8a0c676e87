/* linklayer.h - pure, bounds-checked decoding of captured frames.
 *
 * ms_decode_frame() strips the link layer (Ethernet with any number of
 * 802.1Q / 802.1ad tags, Linux SLL and SLL2, raw IPv4/IPv6, BSD NULL and
 * LOOP) and finds the IP header; ms_decode_ip() reads IPv4 or IPv6 and TCP.
 * Nothing here allocates or verifies checksums (captures taken on the
 * sending host carry offloaded, wrong checksums).
 */
#ifndef MAILSCOPE_LINKLAYER_H
#define MAILSCOPE_LINKLAYER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define MS_MAX_VLAN 4

typedef struct {
  uint16_t vlan[MS_MAX_VLAN]; /* outermost first */
  int nvlan;
  int ip_version; /* 4 or 6 */
  const uint8_t *l3;
  size_t l3_len;
} ms_frame;

typedef enum {
  MS_L3_OK = 0,
  MS_L3_NOT_IP,     /* ARP, LLDP, ...: ignore */
  MS_L3_TRUNCATED,  /* headers cut short: malformed */
  MS_L3_UNSUPPORTED /* the link type itself is not supported */
} ms_l3_status;

/* Is this DLT (pcap_datalink value) one we decode?  name gets a label. */
bool ms_linktype_supported(int dlt);
ms_l3_status ms_decode_frame(int dlt, const uint8_t *p, size_t caplen,
                             ms_frame *out);

enum { MS_TH_FIN = 0x01, MS_TH_SYN = 0x02, MS_TH_RST = 0x04, MS_TH_ACK = 0x10 };

typedef struct {
  int ip_version;
  uint8_t src[16], dst[16]; /* IPv4 in the first 4 bytes */
  uint16_t sport, dport;
  uint32_t seq, ack;
  uint8_t flags;
  uint16_t window;
  const uint8_t *payload; /* bounded by the IP length, not frame padding */
  size_t len;
} ms_tcp;

typedef enum {
  MS_IP_TCP = 0,
  MS_IP_OTHER,    /* not TCP: ignore */
  MS_IP_FRAGMENT, /* IPv4 or IPv6 fragment: hand to ipdefrag */
  MS_IP_MALFORMED
} ms_ip_status;

ms_ip_status ms_decode_ip(int version, const uint8_t *p, size_t len,
                          ms_tcp *out);

#endif
