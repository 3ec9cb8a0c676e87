/* linklayer.c - link layer, IP and TCP header decoding (see linklayer.h). */
#include "linklayer.h"

#include <string.h>

/* DLT values as libpcap reports them on Linux. */
enum {
  DLT_NULL_ = 0,
  DLT_EN10MB_ = 1,
  DLT_RAW_ = 12,
  DLT_RAW_BSD_ = 14,
  DLT_LOOP_ = 108,
  DLT_LINUX_SLL_ = 113,
  DLT_IPV4_ = 228,
  DLT_IPV6_ = 229,
  DLT_LINUX_SLL2_ = 276
};

enum {
  ETH_IPV4 = 0x0800,
  ETH_IPV6 = 0x86dd,
  ETH_VLAN = 0x8100,
  ETH_QINQ = 0x88a8,
  ETH_QINQ_OLD = 0x9100
};

static uint16_t rd16(const uint8_t *p) { return (uint16_t)(p[0] << 8 | p[1]); }
static uint32_t rd32(const uint8_t *p) {
  return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 |
         p[3];
}

bool ms_linktype_supported(int dlt) {
  switch (dlt) {
  case DLT_NULL_:
  case DLT_EN10MB_:
  case DLT_RAW_:
  case DLT_RAW_BSD_:
  case DLT_LOOP_:
  case DLT_LINUX_SLL_:
  case DLT_IPV4_:
  case DLT_IPV6_:
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

/* From an ethertype on: VLAN tags, then IPv4/IPv6. */
static ms_l3_status after_ethertype(uint16_t type, const uint8_t *p, size_t len,
                                    ms_frame *out) {
  while (type == ETH_VLAN || type == ETH_QINQ || type == ETH_QINQ_OLD) {
    if (len < 4)
      return MS_L3_TRUNCATED;
    if (out->nvlan < MS_MAX_VLAN)
      out->vlan[out->nvlan++] = rd16(p) & 0x0fff;
    type = rd16(p + 2);
    p += 4;
    len -= 4;
  }
  if (type == ETH_IPV4)
    return set_l3(out, 4, p, len);
  if (type == ETH_IPV6)
    return set_l3(out, 6, p, len);
  return MS_L3_NOT_IP;
}

/* Raw IP: the version nibble decides. */
static ms_l3_status raw_ip(const uint8_t *p, size_t len, ms_frame *out) {
  if (len < 1)
    return MS_L3_TRUNCATED;
  int v = p[0] >> 4;
  if (v == 4 || v == 6)
    return set_l3(out, v, p, len);
  return MS_L3_NOT_IP;
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

ms_l3_status ms_decode_frame(int dlt, const uint8_t *p, size_t caplen,
                             ms_frame *out) {
  memset(out, 0, sizeof *out);
  switch (dlt) {
  case DLT_EN10MB_:
    if (caplen < 14)
      return MS_L3_TRUNCATED;
    return after_ethertype(rd16(p + 12), p + 14, caplen - 14, out);
  case DLT_LINUX_SLL_:
    if (caplen < 16)
      return MS_L3_TRUNCATED;
    return after_ethertype(rd16(p + 14), p + 16, caplen - 16, out);
  case DLT_LINUX_SLL2_:
    if (caplen < 20)
      return MS_L3_TRUNCATED;
    return after_ethertype(rd16(p), p + 20, caplen - 20, out);
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
  default:
    return MS_L3_UNSUPPORTED;
  }
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
  out->payload = p + hlen;
  out->len = len - hlen;
  return MS_IP_TCP;
}

static ms_ip_status decode_ipv4(const uint8_t *p, size_t len, ms_tcp *out) {
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
  if (p[9] != 6)
    return MS_IP_OTHER;
  out->ip_version = 4;
  memset(out->src, 0, 16);
  memset(out->dst, 0, 16);
  memcpy(out->src, p + 12, 4);
  memcpy(out->dst, p + 16, 4);
  return decode_tcp(p + ihl, total - ihl, out);
}

static bool ipv6_ext_header(uint8_t nh) {
  return nh == 0 || nh == 43 || nh == 60 || nh == 51 || nh == 135 ||
         nh == 139 || nh == 140;
}

static ms_ip_status decode_ipv6(const uint8_t *p, size_t len, ms_tcp *out) {
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
  if (nh != 6)
    return MS_IP_OTHER;
  out->ip_version = 6;
  memcpy(out->src, p + 8, 16);
  memcpy(out->dst, p + 24, 16);
  return decode_tcp(p + off, total - off, out);
}

ms_ip_status ms_decode_ip(int version, const uint8_t *p, size_t len,
                          ms_tcp *out) {
  return version == 4 ? decode_ipv4(p, len, out) : decode_ipv6(p, len, out);
}
