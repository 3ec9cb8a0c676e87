/* linklayer.h - pure, bounds-checked decoding of captured frames.
 *
 * ms_decode_frame() strips the link layer and finds the IP header:
 * Ethernet (with 802.1Q / 802.1ad tags, PPPoE sessions, MPLS label stacks
 * with IP or an Ethernet pseudowire, 802.3 LLC/SNAP), Linux SLL and SLL2,
 * raw IPv4/IPv6, BSD NULL and LOOP, PPP (plain, HDLC-framed, with
 * direction, PPPoE), Cisco HDLC, OpenBSD pflog and enc, Linux NFLOG, and
 * unprotected IEEE 802.11 data frames (bare or behind radiotap).
 * ms_decode_ip() reads IPv4 or IPv6 and TCP.
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

/* One tunnel a segment came through (see tunnel.h). */
typedef struct {
  const char *type;         /* "ip-in-ip", "gre", "erspan", "vxlan", ... */
  int ip_version;           /* of the outer packet */
  uint8_t src[16], dst[16]; /* outer addresses, IPv4 in the first 4 bytes */
  uint16_t sport, dport;    /* outer UDP ports; 0 for IP tunnels */
  bool has_id;
  uint32_t id; /* GRE key, ERSPAN session, VNI, GTP TEID, PPTP call id */
} ms_tunnel_hop;

#define MS_MAX_TUNNELS 4

typedef struct {
  int ip_version;
  uint8_t src[16], dst[16]; /* IPv4 in the first 4 bytes */
  uint16_t sport, dport;
  uint32_t seq, ack;
  uint8_t flags;
  uint16_t window;
  uint8_t wscale; /* a SYN's window scale option: its shift + 1; 0: none */
  const uint8_t *payload; /* bounded by the IP length, not frame padding */
  size_t len;
  const ms_tunnel_hop *tunnel; /* outermost first; set by the caller */
  int ntunnel;
} ms_tcp;

typedef enum {
  MS_IP_TCP = 0,
  MS_IP_OTHER,    /* not TCP: ignore */
  MS_IP_FRAGMENT, /* IPv4 or IPv6 fragment: hand to ipdefrag */
  MS_IP_MALFORMED
} ms_ip_status;

ms_ip_status ms_decode_ip(int version, const uint8_t *p, size_t len,
                          ms_tcp *out);

/* Where the payload of an IPv4 or IPv6 packet lies: its protocol (after
 * IPv6 extension headers) and [offset, end) within the packet.  Returns
 * MS_IP_TCP when found (whatever the protocol), else as ms_decode_ip. */
typedef struct {
  uint8_t proto;
  size_t offset, end;
} ms_ip_upper;
ms_ip_status ms_ip_locate_upper(int version, const uint8_t *p, size_t len,
                                ms_ip_upper *u);

/* What follows an ethertype (0x0800, 0x86dd, 0x8100, 0x8847, ...), as
 * ms_decode_frame() does after an Ethernet header. */
ms_l3_status ms_decode_ethertype(uint16_t type, const uint8_t *p, size_t len,
                                 ms_frame *out);

#endif
