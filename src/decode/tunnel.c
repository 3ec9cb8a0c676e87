/* tunnel.c - decapsulation of tunnelled packets (see tunnel.h). */
#include "tunnel.h"

#include <string.h>

enum {
  IPPROTO_IPIP_ = 4,
  IPPROTO_UDP_ = 17,
  IPPROTO_IPV6_ = 41,
  IPPROTO_GRE_ = 47
};

enum {
  GRE_TEB = 0x6558, /* transparent Ethernet bridging */
  GRE_ERSPAN_1_2 = 0x88be,
  GRE_ERSPAN_3 = 0x22eb,
  GRE_WCCP = 0x883e,
  GRE_PPP = 0x880b
};

enum {
  PORT_GTP_U = 2152,
  PORT_VXLAN = 4789,
  PORT_VXLAN_GPE = 4790,
  PORT_GENEVE = 6081,
  PORT_VXLAN_LINUX = 8472
};

#define DLT_EN10MB_ 1
#define DLT_PPP_ 9

static uint16_t rd16(const uint8_t *p) { return (uint16_t)(p[0] << 8 | p[1]); }
static uint32_t rd32(const uint8_t *p) {
  return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 |
         p[3];
}

static void set_id(ms_tunnel_hop *hop, uint32_t id) {
  hop->has_id = true;
  hop->id = id;
}

static ms_l3_status ethernet(const uint8_t *p, size_t len, ms_frame *in) {
  return ms_decode_frame(DLT_EN10MB_, p, len, in);
}

static ms_l3_status inner_ip(int version, const uint8_t *p, size_t len,
                             ms_frame *in) {
  memset(in, 0, sizeof *in);
  if (len < 1)
    return MS_L3_TRUNCATED;
  if (p[0] >> 4 != version)
    return MS_L3_NOT_IP;
  in->ip_version = version;
  in->l3 = p;
  in->l3_len = len;
  return MS_L3_OK;
}

/* GRE version 0 (RFC 2784, 2890; the optional fields of RFC 1701). */
static ms_l3_status gre0(uint16_t flags, uint16_t proto, const uint8_t *p,
                         size_t len, ms_frame *in, ms_tunnel_hop *hop) {
  if (flags & 0x4000) /* RFC 1701 source routing: not met in practice */
    return MS_L3_NOT_IP;
  size_t off = 4;
  if (flags & 0x8000) /* checksum */
    off += 4;
  bool keyed = flags & 0x2000, sequenced = flags & 0x1000;
  size_t key_at = off;
  if (keyed)
    off += 4;
  if (sequenced)
    off += 4;
  if (off > len)
    return MS_L3_TRUNCATED;
  hop->type = "gre";
  if (keyed)
    set_id(hop, rd32(p + key_at));
  p += off;
  len -= off;
  switch (proto) {
  case GRE_TEB:
    return ethernet(p, len, in);
  case GRE_ERSPAN_1_2: /* type II has a sequence number and 8 bytes more */
    hop->type = "erspan";
    hop->has_id = false;
    if (!sequenced)
      return ethernet(p, len, in);
    if (len < 8)
      return MS_L3_TRUNCATED;
    set_id(hop, (uint32_t)rd16(p + 2) & 0x03ff);
    return ethernet(p + 8, len - 8, in);
  case GRE_ERSPAN_3: { /* 12 bytes, and 8 of platform data when O is set */
    hop->type = "erspan";
    if (len < 12)
      return MS_L3_TRUNCATED;
    set_id(hop, (uint32_t)rd16(p + 2) & 0x03ff);
    size_t hlen = (p[11] & 0x01) ? 20 : 12;
    if (len < hlen)
      return MS_L3_TRUNCATED;
    return ethernet(p + hlen, len - hlen, in);
  }
  case GRE_WCCP: /* a 4-byte redirect header, then IPv4 */
    if (len < 4)
      return MS_L3_TRUNCATED;
    return inner_ip(4, p + 4, len - 4, in);
  default:
    return ms_decode_ethertype(proto, p, len, in);
  }
}

/* Enhanced GRE (version 1, RFC 2637): PPTP's PPP frames. */
static ms_l3_status gre1(uint16_t flags, uint16_t proto, const uint8_t *p,
                         size_t len, ms_frame *in, ms_tunnel_hop *hop) {
  if (proto != GRE_PPP || !(flags & 0x2000))
    return MS_L3_NOT_IP;
  size_t off = 8; /* header and key (payload length, call id) */
  if (len < off)
    return MS_L3_TRUNCATED;
  size_t payload = rd16(p + 4);
  hop->type = "pptp";
  set_id(hop, rd16(p + 6));
  if (flags & 0x1000)
    off += 4;
  if (flags & 0x0080) /* acknowledgment number */
    off += 4;
  if (off > len)
    return MS_L3_TRUNCATED;
  if (payload == 0)
    return MS_L3_NOT_IP; /* an acknowledgment alone */
  if (payload > len - off)
    payload = len - off;
  return ms_decode_frame(DLT_PPP_, p + off, payload, in);
}

static ms_l3_status gre(const uint8_t *p, size_t len, ms_frame *in,
                        ms_tunnel_hop *hop) {
  if (len < 4)
    return MS_L3_TRUNCATED;
  uint16_t flags = rd16(p), proto = rd16(p + 2);
  switch (flags & 0x0007) {
  case 0:
    return gre0(flags, proto, p, len, in, hop);
  case 1:
    return gre1(flags, proto, p, len, in, hop);
  default:
    return MS_L3_NOT_IP;
  }
}

/* VXLAN (RFC 7348): 8 bytes with the I flag, then Ethernet. */
static ms_l3_status vxlan(const uint8_t *p, size_t len, ms_frame *in,
                          ms_tunnel_hop *hop) {
  if (len < 8)
    return MS_L3_TRUNCATED;
  if (!(p[0] & 0x08))
    return MS_L3_NOT_IP;
  hop->type = "vxlan";
  set_id(hop, rd32(p + 4) >> 8);
  return ethernet(p + 8, len - 8, in);
}

/* VXLAN-GPE: the next protocol in byte 3 (1 IPv4, 2 IPv6, 3 Ethernet). */
static ms_l3_status vxlan_gpe(const uint8_t *p, size_t len, ms_frame *in,
                              ms_tunnel_hop *hop) {
  if (len < 8)
    return MS_L3_TRUNCATED;
  if (!(p[0] & 0x04)) /* no next-protocol field: plain VXLAN */
    return vxlan(p, len, in, hop);
  hop->type = "vxlan-gpe";
  set_id(hop, rd32(p + 4) >> 8);
  switch (p[3]) {
  case 1:
    return inner_ip(4, p + 8, len - 8, in);
  case 2:
    return inner_ip(6, p + 8, len - 8, in);
  case 3:
    return ethernet(p + 8, len - 8, in);
  default:
    return MS_L3_NOT_IP;
  }
}

/* Geneve (RFC 8926): version 0, options, then an ethertype's payload. */
static ms_l3_status geneve(const uint8_t *p, size_t len, ms_frame *in,
                           ms_tunnel_hop *hop) {
  if (len < 8)
    return MS_L3_TRUNCATED;
  if (p[0] >> 6 != 0)
    return MS_L3_NOT_IP;
  hop->type = "geneve";
  set_id(hop, rd32(p + 4) >> 8);
  size_t hlen = 8 + (size_t)(p[0] & 0x3f) * 4;
  if (hlen > len)
    return MS_L3_TRUNCATED;
  uint16_t proto = rd16(p + 2);
  if (proto == GRE_TEB)
    return ethernet(p + hlen, len - hlen, in);
  return ms_decode_ethertype(proto, p + hlen, len - hlen, in);
}

/* GTP-U version 1 T-PDU (3GPP TS 29.281): 8 bytes, 4 more when any of the
 * E, S, PN flags is set, then the extension headers (each a length in
 * 4-byte units and ending with the next type), then the user's IP packet. */
static ms_l3_status gtp_u(const uint8_t *p, size_t len, ms_frame *in,
                          ms_tunnel_hop *hop) {
  if (len < 8)
    return MS_L3_TRUNCATED;
  if (p[0] >> 5 != 1 || !(p[0] & 0x10) || p[1] != 0xff)
    return MS_L3_NOT_IP;
  hop->type = "gtp-u";
  set_id(hop, rd32(p + 4));
  size_t off = 8;
  if (p[0] & 0x07) {
    if (len < 12)
      return MS_L3_TRUNCATED;
    off = 12;
    uint8_t next = (p[0] & 0x04) ? p[11] : 0;
    for (int n = 0; next != 0; n++) {
      if (n >= 16 || off >= len)
        return MS_L3_TRUNCATED;
      size_t ext = (size_t)p[off] * 4;
      if (ext == 0 || ext > len - off)
        return MS_L3_TRUNCATED;
      next = p[off + ext - 1];
      off += ext;
    }
  }
  if (off >= len)
    return MS_L3_TRUNCATED;
  int version = p[off] >> 4;
  if (version != 4 && version != 6)
    return MS_L3_NOT_IP;
  return inner_ip(version, p + off, len - off, in);
}

static ms_l3_status udp(const uint8_t *p, size_t len, ms_frame *in,
                        ms_tunnel_hop *hop) {
  if (len < 8)
    return MS_L3_NOT_IP;
  uint16_t sport = rd16(p), dport = rd16(p + 2);
  hop->sport = sport;
  hop->dport = dport;
  size_t ulen = rd16(p + 4);
  if (ulen >= 8 && ulen < len)
    len = ulen; /* frame padding after the datagram */
  p += 8;
  len -= 8;
  switch (dport) {
  case PORT_VXLAN:
  case PORT_VXLAN_LINUX:
    return vxlan(p, len, in, hop);
  case PORT_VXLAN_GPE:
    return vxlan_gpe(p, len, in, hop);
  case PORT_GENEVE:
    return geneve(p, len, in, hop);
  case PORT_GTP_U:
    return gtp_u(p, len, in, hop);
  default:
    /* GTP-U answers come from port 2152 to an ephemeral one too */
    if (sport == PORT_GTP_U)
      return gtp_u(p, len, in, hop);
    return MS_L3_NOT_IP;
  }
}

ms_l3_status ms_decap(int version, const uint8_t *ip, size_t len,
                      ms_frame *inner, ms_tunnel_hop *hop) {
  memset(inner, 0, sizeof *inner);
  memset(hop, 0, sizeof *hop);
  ms_ip_upper u;
  if (ms_ip_locate_upper(version, ip, len, &u) != MS_IP_TCP)
    return MS_L3_NOT_IP;
  hop->ip_version = version;
  if (version == 4) {
    memcpy(hop->src, ip + 12, 4);
    memcpy(hop->dst, ip + 16, 4);
  } else {
    memcpy(hop->src, ip + 8, 16);
    memcpy(hop->dst, ip + 24, 16);
  }
  hop->type = "ip-in-ip";
  const uint8_t *p = ip + u.offset;
  size_t plen = u.end - u.offset;
  switch (u.proto) {
  case IPPROTO_IPIP_:
    return inner_ip(4, p, plen, inner);
  case IPPROTO_IPV6_:
    return inner_ip(6, p, plen, inner);
  case IPPROTO_GRE_:
    return gre(p, plen, inner, hop);
  case IPPROTO_UDP_:
    return udp(p, plen, inner, hop);
  default:
    return MS_L3_NOT_IP;
  }
}
