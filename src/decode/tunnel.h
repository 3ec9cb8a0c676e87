/* tunnel.h - the packet inside a tunnel, for captures taken on the
 * underlay: mirrored traffic (ERSPAN, VXLAN from cloud traffic mirroring,
 * Geneve), GRE and IP-in-IP links, PPTP, mobile networks (GTP-U).
 *
 * ms_decap() looks at an IPv4 or IPv6 packet that is not TCP and, when its
 * payload is a tunnel mailscope knows, finds the inner frame's IP header:
 *   - IPv4 or IPv6 in IPv4 or IPv6 (protocols 4 and 41);
 *   - GRE (protocol 47) carrying IP, MPLS, Ethernet (transparent bridging),
 *     ERSPAN types I, II and III, WCCP redirects, or, as GRE version 1
 *     (PPTP), PPP;
 *   - UDP to port 4789 or 8472 (VXLAN), 4790 (VXLAN-GPE), 6081 (Geneve),
 *     2152 (GTP-U T-PDUs).
 * The inner frame's VLAN tags are its own (the caller adds the outer
 * ones).  `hop` tells the tunnel: its type ("ip-in-ip", "gre", "erspan",
 * "pptp", "vxlan", "vxlan-gpe", "geneve", "gtp-u"), the outer addresses
 * and UDP ports, and its identifier when it has one (GRE key, ERSPAN
 * session id, VXLAN/Geneve VNI, GTP-U TEID, PPTP call id).  MS_L3_NOT_IP: not a
 * tunnel (or one carrying something else); MS_L3_TRUNCATED: a tunnel whose
 * headers are cut short.  Pure and bounds-checked; nothing is allocated.
 */
#ifndef MAILSCOPE_TUNNEL_H
#define MAILSCOPE_TUNNEL_H

#include "linklayer.h"

ms_l3_status ms_decap(int version, const uint8_t *ip, size_t len,
                      ms_frame *inner, ms_tunnel_hop *hop);

#endif
