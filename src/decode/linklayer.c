/* linklayer.c - link layer, IP and TCP header decoding (see linklayer.h). */
#include "linklayer.h"

#include <string.h>

/* DLT values as libpcap reports them on Linux. */
enum {
  DLT_NULL_ = 0,
  DLT_EN10MB_ = 1,
  DLT_PPP_ = 9,
  DLT_RAW_ = 12,
  DLT_RAW_BSD_ = 14,
  DLT_PPP_SERIAL_ = 50,
  DLT_PPP_ETHER_ = 51,
  DLT_C_HDLC_ = 104,
  DLT_IEEE802_11_ = 105,
  DLT_LOOP_ = 108,
  DLT_ENC_ = 109,
  DLT_LINUX_SLL_ = 113,
  DLT_PFLOG_ = 117,
  DLT_IEEE802_11_RADIO_ = 127,
  DLT_PPP_WITH_DIR_ = 204,
  DLT_IPV4_ = 228,
  DLT_IPV6_ = 229,
  DLT_NFLOG_ = 239,
  DLT_LINUX_SLL2_ = 276
};

enum {
  ETH_IPV4 = 0x0800,
  ETH_IPV6 = 0x86dd,
  ETH_VLAN = 0x8100,
  ETH_QINQ = 0x88a8,
  ETH_QINQ_OLD = 0x9100,
  ETH_PPPOE_SESSION = 0x8864,
  ETH_MPLS = 0x8847,
  ETH_MPLS_MULTICAST = 0x8848
};

/* Link headers nested inside one another (MPLS carrying Ethernet carrying
 * PPPoE ...) are followed this deep at most. */
#define MAX_NESTING 8
#define MAX_MPLS_LABELS 16

static uint16_t rd16(const uint8_t *p) { return (uint16_t)(p[0] << 8 | p[1]); }
static uint32_t rd32(const uint8_t *p) {
  return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 |
         p[3];
}

bool ms_linktype_supported(int dlt) {
  switch (dlt) {
  case DLT_NULL_:
  case DLT_EN10MB_:
  case DLT_PPP_:
  case DLT_RAW_:
  case DLT_RAW_BSD_:
  case DLT_PPP_SERIAL_:
  case DLT_PPP_ETHER_:
  case DLT_C_HDLC_:
  case DLT_IEEE802_11_:
  case DLT_LOOP_:
  case DLT_ENC_:
  case DLT_LINUX_SLL_:
  case DLT_PFLOG_:
  case DLT_IEEE802_11_RADIO_:
  case DLT_PPP_WITH_DIR_:
  case DLT_IPV4_:
  case DLT_IPV6_:
  case DLT_NFLOG_:
  case DLT_LINUX_SLL2_:
    return true;
  default:
    return false;
  }
}

static ms_l3_status set_l3(ms_frame *out, int version, const uint8_t *p,
                           size_t len) {
  out->ip_version = version;
  out->l3 = p;
  out->l3_len = len;
  return len ? MS_L3_OK : MS_L3_TRUNCATED;
}

static ms_l3_status after_ethertype(uint16_t type, const uint8_t *p, size_t len,
                                    ms_frame *out, int depth);

/* Raw IP: the version nibble decides. */
static ms_l3_status raw_ip(const uint8_t *p, size_t len, ms_frame *out) {
  if (len < 1)
    return MS_L3_TRUNCATED;
  int v = p[0] >> 4;
  if (v == 4 || v == 6)
    return set_l3(out, v, p, len);
  return MS_L3_NOT_IP;
}

/* An Ethernet frame from its destination address on. */
static ms_l3_status ethernet(const uint8_t *p, size_t len, ms_frame *out,
                             int depth) {
  if (len < 14)
    return MS_L3_TRUNCATED;
  return after_ethertype(rd16(p + 12), p + 14, len - 14, out, depth + 1);
}

/* A PPP frame: the HDLC address and control bytes (ff 03) when present,
 * then the protocol, one byte when compressed (odd) or two. */
static ms_l3_status ppp(const uint8_t *p, size_t len, ms_frame *out) {
  if (len >= 2 && p[0] == 0xff && p[1] == 0x03) {
    p += 2;
    len -= 2;
  }
  if (len < 1)
    return MS_L3_TRUNCATED;
  uint16_t proto;
  if (p[0] & 1) {
    proto = p[0];
    p += 1;
    len -= 1;
  } else {
    if (len < 2)
      return MS_L3_TRUNCATED;
    proto = rd16(p);
    p += 2;
    len -= 2;
  }
  if (proto == 0x0021)
    return set_l3(out, 4, p, len);
  if (proto == 0x0057)
    return set_l3(out, 6, p, len);
  return MS_L3_NOT_IP;
}

/* PPPoE session data (RFC 2516): version/type, code 0, session id, length,
 * then PPP without address and control bytes. */
static ms_l3_status pppoe_session(const uint8_t *p, size_t len, ms_frame *out) {
  if (len < 6)
    return MS_L3_TRUNCATED;
  if (p[0] != 0x11 || p[1] != 0x00)
    return MS_L3_NOT_IP;
  size_t payload = rd16(p + 4);
  if (payload > len - 6)
    payload = len - 6; /* cut by the snaplen */
  return ppp(p + 6, payload, out);
}

/* An MPLS label stack: after the bottom label, IPv4 or IPv6 by the version
 * nibble, or an Ethernet pseudowire behind its control word (first nibble
 * 0, RFC 4448). */
static ms_l3_status mpls(const uint8_t *p, size_t len, ms_frame *out,
                         int depth) {
  for (int labels = 0;; labels++) {
    if (labels >= MAX_MPLS_LABELS)
      return MS_L3_NOT_IP;
    if (len < 4)
      return MS_L3_TRUNCATED;
    bool bottom = p[2] & 0x01;
    p += 4;
    len -= 4;
    if (bottom)
      break;
  }
  if (len < 1)
    return MS_L3_TRUNCATED;
  if (p[0] >> 4 == 0) {
    if (len < 4)
      return MS_L3_TRUNCATED;
    return ethernet(p + 4, len - 4, out, depth);
  }
  return raw_ip(p, len, out);
}

/* An IEEE 802.2 LLC header with SNAP (aa aa 03, an OUI of 0) carries an
 * ethertype; other LLC frames are not IP. */
static ms_l3_status llc_snap(const uint8_t *p, size_t len, ms_frame *out,
                             int depth) {
  if (len < 8)
    return MS_L3_TRUNCATED;
  if (p[0] != 0xaa || p[1] != 0xaa || p[2] != 0x03)
    return MS_L3_NOT_IP;
  if (p[3] != 0 || p[4] != 0 || (p[5] != 0 && p[5] != 0xf8))
    return MS_L3_NOT_IP;
  return after_ethertype(rd16(p + 6), p + 8, len - 8, out, depth + 1);
}

/* From an ethertype on: VLAN tags, PPPoE, MPLS, then IPv4/IPv6.  A value
 * of 1500 or less is an IEEE 802.3 length, followed by LLC. */
static ms_l3_status after_ethertype(uint16_t type, const uint8_t *p, size_t len,
                                    ms_frame *out, int depth) {
  if (depth > MAX_NESTING)
    return MS_L3_NOT_IP;
  while (type == ETH_VLAN || type == ETH_QINQ || type == ETH_QINQ_OLD) {
    if (len < 4)
      return MS_L3_TRUNCATED;
    if (out->nvlan < MS_MAX_VLAN)
      out->vlan[out->nvlan++] = rd16(p) & 0x0fff;
    type = rd16(p + 2);
    p += 4;
    len -= 4;
  }
  switch (type) {
  case ETH_IPV4:
    return set_l3(out, 4, p, len);
  case ETH_IPV6:
    return set_l3(out, 6, p, len);
  case ETH_PPPOE_SESSION:
    return pppoe_session(p, len, out);
  case ETH_MPLS:
  case ETH_MPLS_MULTICAST:
    return mpls(p, len, out, depth);
  default:
    if (type <= 1500)
      return llc_snap(p, type < len ? type : len, out, depth);
    return MS_L3_NOT_IP;
  }
}

ms_l3_status ms_decode_ethertype(uint16_t type, const uint8_t *p, size_t len,
                                 ms_frame *out) {
  memset(out, 0, sizeof *out);
  return after_ethertype(type, p, len, out, 0);
}

/* BSD NULL: address family in host order of the capturing machine; LOOP:
 * network order.  Either way: 2 is IPv4, 24/28/30 are IPv6. */
static ms_l3_status null_loop(const uint8_t *p, size_t len, ms_frame *out) {
  if (len < 4)
    return MS_L3_TRUNCATED;
  uint32_t be = rd32(p);
  uint32_t le =
      (uint32_t)p[3] << 24 | (uint32_t)p[2] << 16 | (uint32_t)p[1] << 8 | p[0];
  uint32_t fam = be < 256 ? be : le;
  if (fam == 2)
    return set_l3(out, 4, p + 4, len - 4);
  if (fam == 24 || fam == 28 || fam == 30)
    return set_l3(out, 6, p + 4, len - 4);
  return MS_L3_NOT_IP;
}

/* An IEEE 802.11 frame: only unprotected data frames with a body carry IP,
 * behind LLC/SNAP.  The header is 24 bytes, 30 with four addresses, 2 more
 * for QoS data, 4 more for HT control. */
static ms_l3_status ieee80211(const uint8_t *p, size_t len, ms_frame *out) {
  if (len < 24)
    return MS_L3_TRUNCATED;
  unsigned type = (p[0] >> 2) & 3, subtype = p[0] >> 4;
  bool to_ds = p[1] & 0x01, from_ds = p[1] & 0x02;
  bool protected_ = p[1] & 0x40, order = p[1] & 0x80;
  if (type != 2 || (subtype & 0x04) || protected_)
    return MS_L3_NOT_IP;
  size_t hlen = 24;
  if (to_ds && from_ds)
    hlen += 6;
  if (subtype & 0x08) {
    hlen += 2;
    if (order)
      hlen += 4;
  }
  if (len < hlen)
    return MS_L3_TRUNCATED;
  return llc_snap(p + hlen, len - hlen, out, 0);
}

/* Radiotap: version 0, then its own length (little-endian) before 802.11. */
static ms_l3_status radiotap(const uint8_t *p, size_t len, ms_frame *out) {
  if (len < 8)
    return MS_L3_TRUNCATED;
  if (p[0] != 0)
    return MS_L3_NOT_IP;
  size_t hlen = (size_t)p[2] | (size_t)p[3] << 8;
  if (hlen < 8 || hlen > len)
    return MS_L3_TRUNCATED;
  return ieee80211(p + hlen, len - hlen, out);
}

/* OpenBSD pflog: the header's length in its first byte, padded to 4. */
static ms_l3_status pflog(const uint8_t *p, size_t len, ms_frame *out) {
  if (len < 4)
    return MS_L3_TRUNCATED;
  size_t hlen = ((size_t)p[0] + 3) & ~(size_t)3;
  if (hlen < 4 || hlen > len)
    return MS_L3_TRUNCATED;
  return raw_ip(p + hlen, len - hlen, out);
}

/* Linux NFLOG: family, version, resource id, then type-length-value
 * attributes padded to 4 bytes, in the capturing host's byte order; the
 * packet is attribute 9 (NFULA_PAYLOAD). */
static ms_l3_status nflog(const uint8_t *p, size_t len, ms_frame *out) {
  if (len < 4)
    return MS_L3_TRUNCATED;
  if (p[1] != 0)
    return MS_L3_NOT_IP;
  size_t off = 4;
  while (off + 4 <= len) {
    uint16_t le_len = (uint16_t)(p[off] | p[off + 1] << 8);
    uint16_t le_type = (uint16_t)(p[off + 2] | p[off + 3] << 8);
    bool little = le_type < 0x100; /* types are small numbers */
    size_t tlen = little ? le_len : rd16(p + off);
    unsigned ttype = (little ? le_type : rd16(p + off + 2)) & 0x7fff;
    if (tlen < 4 || tlen > len - off)
      return MS_L3_TRUNCATED;
    if (ttype == 9)
      return raw_ip(p + off + 4, tlen - 4, out);
    off += (tlen + 3) & ~(size_t)3;
  }
  return MS_L3_NOT_IP;
}

ms_l3_status ms_decode_frame(int dlt, const uint8_t *p, size_t caplen,
                             ms_frame *out) {
  memset(out, 0, sizeof *out);
  switch (dlt) {
  case DLT_EN10MB_:
    return ethernet(p, caplen, out, 0);
  case DLT_LINUX_SLL_:
    if (caplen < 16)
      return MS_L3_TRUNCATED;
    return after_ethertype(rd16(p + 14), p + 16, caplen - 16, out, 0);
  case DLT_LINUX_SLL2_:
    if (caplen < 20)
      return MS_L3_TRUNCATED;
    return after_ethertype(rd16(p), p + 20, caplen - 20, out, 0);
  case DLT_RAW_:
  case DLT_RAW_BSD_:
    return raw_ip(p, caplen, out);
  case DLT_IPV4_:
    return set_l3(out, 4, p, caplen);
  case DLT_IPV6_:
    return set_l3(out, 6, p, caplen);
  case DLT_NULL_:
  case DLT_LOOP_:
    return null_loop(p, caplen, out);
  case DLT_PPP_SERIAL_:
    /* PPP in HDLC framing, which can also carry Cisco HDLC frames */
    if (caplen >= 4 && (p[0] == 0x0f || p[0] == 0x8f) && p[1] == 0)
      return after_ethertype(rd16(p + 2), p + 4, caplen - 4, out, 0);
    return ppp(p, caplen, out);
  case DLT_PPP_:
    return ppp(p, caplen, out);
  case DLT_PPP_WITH_DIR_:
    if (caplen < 1)
      return MS_L3_TRUNCATED;
    return ppp(p + 1, caplen - 1, out);
  case DLT_PPP_ETHER_:
    return pppoe_session(p, caplen, out);
  case DLT_C_HDLC_:
    if (caplen < 4)
      return MS_L3_TRUNCATED;
    return after_ethertype(rd16(p + 2), p + 4, caplen - 4, out, 0);
  case DLT_ENC_:
    if (caplen < 12)
      return MS_L3_TRUNCATED;
    return raw_ip(p + 12, caplen - 12, out);
  case DLT_PFLOG_:
    return pflog(p, caplen, out);
  case DLT_NFLOG_:
    return nflog(p, caplen, out);
  case DLT_IEEE802_11_:
    return ieee80211(p, caplen, out);
  case DLT_IEEE802_11_RADIO_:
    return radiotap(p, caplen, out);
  default:
    return MS_L3_UNSUPPORTED;
  }
}

/* The window scale option of a SYN (RFC 7323 2.2), shift + 1; 0: none. */
static uint8_t window_scale(const uint8_t *opt, size_t n) {
  size_t i = 0;
  while (i < n && opt[i] != 0) {
    if (opt[i] == 1) { /* NOP */
      i++;
      continue;
    }
    if (i + 1 >= n || opt[i + 1] < 2 || i + opt[i + 1] > n)
      return 0;
    if (opt[i] == 3 && opt[i + 1] == 3)
      return (uint8_t)((opt[i + 2] < 14 ? opt[i + 2] : 14) + 1);
    i += opt[i + 1];
  }
  return 0;
}

static ms_ip_status decode_tcp(const uint8_t *p, size_t len, ms_tcp *out) {
  if (len < 20)
    return MS_IP_MALFORMED;
  size_t hlen = (size_t)(p[12] >> 4) * 4;
  if (hlen < 20 || hlen > len)
    return MS_IP_MALFORMED;
  out->sport = rd16(p);
  out->dport = rd16(p + 2);
  out->seq = rd32(p + 4);
  out->ack = rd32(p + 8);
  out->flags = p[13];
  out->window = rd16(p + 14);
  out->wscale = out->flags & MS_TH_SYN ? window_scale(p + 20, hlen - 20) : 0;
  out->payload = p + hlen;
  out->len = len - hlen;
  return MS_IP_TCP;
}

/* IPv4: where the upper layer begins and ends, and its protocol. */
static ms_ip_status upper_ipv4(const uint8_t *p, size_t len, ms_ip_upper *u) {
  if (len < 20 || (p[0] >> 4) != 4)
    return MS_IP_MALFORMED;
  size_t ihl = (size_t)(p[0] & 0x0f) * 4;
  size_t total = rd16(p + 2);
  /* 0: a segmentation-offloaded packet captured on the sending host, whose
   * length the stack had not filled in yet: the frame is the packet. */
  if (total == 0)
    total = len;
  if (ihl < 20 || total < ihl)
    return MS_IP_MALFORMED;
  if (total > len) /* cut by the snaplen: use what was captured */
    total = len;
  uint16_t frag = rd16(p + 6);
  if ((frag & 0x2000) || (frag & 0x1fff))
    return MS_IP_FRAGMENT;
  u->proto = p[9];
  u->offset = ihl;
  u->end = total;
  return MS_IP_TCP;
}

static bool ipv6_ext_header(uint8_t nh) {
  return nh == 0 || nh == 43 || nh == 60 || nh == 51 || nh == 135 ||
         nh == 139 || nh == 140;
}

/* IPv6: past the extension headers. */
static ms_ip_status upper_ipv6(const uint8_t *p, size_t len, ms_ip_upper *u) {
  if (len < 40 || (p[0] >> 4) != 6)
    return MS_IP_MALFORMED;
  size_t total = 40 + (size_t)rd16(p + 4);
  if (total == 40 || total > len) /* 0: jumbogram or offloaded; else snaplen */
    total = len;
  uint8_t nh = p[6];
  size_t off = 40;
  for (int hops = 0; hops < 16; hops++) {
    if (nh == 44) /* a fragment: ipdefrag reassembles the datagram */
      return MS_IP_FRAGMENT;
    if (!ipv6_ext_header(nh))
      break;
    if (off + 8 > total)
      return MS_IP_MALFORMED;
    size_t hl =
        nh == 51 ? ((size_t)p[off + 1] + 2) * 4 : ((size_t)p[off + 1] + 1) * 8;
    nh = p[off];
    off += hl;
    if (off > total)
      return MS_IP_MALFORMED;
  }
  u->proto = nh;
  u->offset = off;
  u->end = total;
  return MS_IP_TCP;
}

ms_ip_status ms_ip_locate_upper(int version, const uint8_t *p, size_t len,
                                ms_ip_upper *u) {
  return version == 4 ? upper_ipv4(p, len, u) : upper_ipv6(p, len, u);
}

ms_ip_status ms_decode_ip(int version, const uint8_t *p, size_t len,
                          ms_tcp *out) {
  ms_ip_upper u;
  ms_ip_status st = ms_ip_locate_upper(version, p, len, &u);
  if (st != MS_IP_TCP)
    return st;
  if (u.proto != 6)
    return MS_IP_OTHER;
  out->ip_version = version;
  out->tunnel = NULL;
  out->ntunnel = 0;
  if (version == 4) {
    memset(out->src, 0, 16);
    memset(out->dst, 0, 16);
    memcpy(out->src, p + 12, 4);
    memcpy(out->dst, p + 16, 4);
  } else {
    memcpy(out->src, p + 8, 16);
    memcpy(out->dst, p + 24, 16);
  }
  return decode_tcp(p + u.offset, u.end - u.offset, out);
}
