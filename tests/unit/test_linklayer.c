/* test_linklayer.c - link types, VLAN tags, IPv4/IPv6 and TCP headers,
 * truncated frames, IPv4 defragmentation; PPP, PPPoE, Cisco HDLC, pflog,
 * enc, NFLOG, 802.11 and radiotap, MPLS and LLC/SNAP. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "ipdefrag.h"
#include "linklayer.h"

/* IPv4 + TCP (ports 40000 -> 25, flags PA) carrying "HELO x\r\n". */
static size_t ipv4_tcp(uint8_t *b, uint16_t frag) {
  static const char payload[] = "HELO x\r\n";
  size_t plen = sizeof payload - 1, tot = 20 + 20 + plen;
  memset(b, 0, tot);
  b[0] = 0x45;
  b[2] = (uint8_t)(tot >> 8);
  b[3] = (uint8_t)tot;
  b[4] = 0x12, b[5] = 0x34;
  b[6] = (uint8_t)(frag >> 8), b[7] = (uint8_t)frag;
  b[8] = 64, b[9] = 6;
  memcpy(b + 12, "\xc0\x00\x02\x0a\xc0\x00\x02\x19", 8);
  uint8_t *t = b + 20;
  t[0] = 0x9c, t[1] = 0x40, t[2] = 0, t[3] = 25;
  t[4] = 0, t[5] = 0, t[6] = 0x03, t[7] = 0xe8; /* seq 1000 */
  t[12] = 0x50, t[13] = 0x18;
  memcpy(t + 20, payload, plen);
  return tot;
}

static size_t ipv6_tcp(uint8_t *b) {
  static const char payload[] = "QUIT\r\n";
  size_t plen = sizeof payload - 1;
  memset(b, 0, 40 + 8 + 20 + plen);
  b[0] = 0x60;
  size_t pl = 8 + 20 + plen;
  b[4] = (uint8_t)(pl >> 8), b[5] = (uint8_t)pl;
  b[6] = 0; /* hop-by-hop options first */
  b[7] = 64;
  b[8] = 0x20, b[9] = 0x01, b[10] = 0x0d, b[11] = 0xb8, b[23] = 0x10;
  b[24] = 0x20, b[25] = 0x01, b[26] = 0x0d, b[27] = 0xb8, b[39] = 0x25;
  b[40] = 6; /* next: TCP, length 0 (8 bytes) */
  uint8_t *t = b + 48;
  t[0] = 0x9c, t[1] = 0x41, t[2] = 0x02, t[3] = 0x4b; /* -> 587 */
  t[12] = 0x50, t[13] = 0x11;                         /* FIN ACK */
  memcpy(t + 20, payload, plen);
  return 48 + 20 + plen;
}

static void check_tcp4(const ms_frame *f) {
  ms_tcp seg;
  assert_int_equal(ms_decode_ip(f->ip_version, f->l3, f->l3_len, &seg),
                   MS_IP_TCP);
  assert_int_equal(seg.ip_version, 4);
  assert_int_equal(seg.sport, 40000);
  assert_int_equal(seg.dport, 25);
  assert_int_equal(seg.seq, 1000);
  assert_int_equal(seg.flags, 0x18);
  assert_int_equal(seg.len, 8);
  assert_memory_equal(seg.payload, "HELO x\r\n", 8);
}

static void ethernet_with_tags(void **state) {
  (void)state;
  uint8_t frame[256], ip[128];
  size_t iplen = ipv4_tcp(ip, 0);
  /* none, one 802.1Q, QinQ (802.1ad + 802.1Q), old 0x9100 + two */
  static const uint16_t outer[][4] = {
      {0}, {0x8100}, {0x88a8, 0x8100}, {0x9100, 0x8100, 0x8100}};
  for (int k = 0; k < 4; k++) {
    size_t o = 12;
    memset(frame, 0xaa, 12);
    int ntags = 0;
    for (int i = 0; i < 4 && outer[k][i]; i++, ntags++) {
      frame[o++] = (uint8_t)(outer[k][i] >> 8);
      frame[o++] = (uint8_t)outer[k][i];
      frame[o++] = (uint8_t)((100 + i) >> 8) | 0x20; /* PCP bits set */
      frame[o++] = (uint8_t)(100 + i);
    }
    frame[o++] = 0x08, frame[o++] = 0x00;
    memcpy(frame + o, ip, iplen);
    memset(frame + o + iplen, 0, 6); /* Ethernet padding */
    ms_frame f;
    assert_int_equal(ms_decode_frame(1, frame, o + iplen + 6, &f), MS_L3_OK);
    assert_int_equal(f.nvlan, ntags);
    for (int i = 0; i < ntags; i++)
      assert_int_equal(f.vlan[i], 100 + i);
    check_tcp4(&f); /* padding is not payload */
  }
}

static void other_link_types(void **state) {
  (void)state;
  uint8_t frame[256], ip[128];
  size_t iplen = ipv4_tcp(ip, 0);
  ms_frame f;
  /* SLL */
  memset(frame, 0, 16);
  frame[14] = 0x08;
  memcpy(frame + 16, ip, iplen);
  assert_int_equal(ms_decode_frame(113, frame, 16 + iplen, &f), MS_L3_OK);
  check_tcp4(&f);
  /* SLL2 */
  memset(frame, 0, 20);
  frame[0] = 0x08;
  memcpy(frame + 20, ip, iplen);
  assert_int_equal(ms_decode_frame(276, frame, 20 + iplen, &f), MS_L3_OK);
  check_tcp4(&f);
  /* NULL, both byte orders, and LOOP */
  uint8_t le[4] = {2, 0, 0, 0}, be[4] = {0, 0, 0, 2};
  memcpy(frame, le, 4);
  memcpy(frame + 4, ip, iplen);
  assert_int_equal(ms_decode_frame(0, frame, 4 + iplen, &f), MS_L3_OK);
  check_tcp4(&f);
  memcpy(frame, be, 4);
  assert_int_equal(ms_decode_frame(108, frame, 4 + iplen, &f), MS_L3_OK);
  check_tcp4(&f);
  /* raw */
  assert_int_equal(ms_decode_frame(12, ip, iplen, &f), MS_L3_OK);
  check_tcp4(&f);
  assert_int_equal(ms_decode_frame(147, ip, iplen, &f), MS_L3_UNSUPPORTED);
  assert_false(ms_linktype_supported(147));
}

static void ipv6_with_extension_header(void **state) {
  (void)state;
  uint8_t ip[256];
  size_t n = ipv6_tcp(ip);
  ms_frame f;
  assert_int_equal(ms_decode_frame(12, ip, n, &f), MS_L3_OK);
  assert_int_equal(f.ip_version, 6);
  ms_tcp seg;
  assert_int_equal(ms_decode_ip(6, f.l3, f.l3_len, &seg), MS_IP_TCP);
  assert_int_equal(seg.dport, 587);
  assert_int_equal(seg.len, 6);
  assert_int_equal(seg.src[15], 0x10);
}

static void truncated_headers_are_safe(void **state) {
  (void)state;
  uint8_t ip[128], frame[256];
  size_t iplen = ipv4_tcp(ip, 0);
  memset(frame, 0, 14);
  frame[12] = 0x08;
  memcpy(frame + 14, ip, iplen);
  for (size_t cut = 0; cut < 14 + iplen; cut++) {
    ms_frame f;
    ms_l3_status st = ms_decode_frame(1, frame, cut, &f);
    if (st != MS_L3_OK)
      continue;
    ms_tcp seg;
    ms_ip_status is = ms_decode_ip(f.ip_version, f.l3, f.l3_len, &seg);
    if (is == MS_IP_TCP)
      assert_true(seg.payload + seg.len <= frame + cut);
  }
}

static void ipv4_fragments_any_order(void **state) {
  (void)state;
  uint8_t whole[128];
  size_t n = ipv4_tcp(whole, 0);
  /* split the 28-byte IP payload into 8 + 8 + 12 */
  uint8_t frags[3][64];
  size_t flen[3];
  size_t offs[3] = {0, 8, 16}, lens[3] = {8, 8, n - 20 - 16};
  for (int i = 0; i < 3; i++) {
    memcpy(frags[i], whole, 20);
    memcpy(frags[i] + 20, whole + 20 + offs[i], lens[i]);
    flen[i] = 20 + lens[i];
    frags[i][2] = (uint8_t)(flen[i] >> 8), frags[i][3] = (uint8_t)flen[i];
    uint16_t fo = (uint16_t)(offs[i] / 8) | (i < 2 ? 0x2000 : 0);
    frags[i][6] = (uint8_t)(fo >> 8), frags[i][7] = (uint8_t)fo;
    ms_tcp seg;
    assert_int_equal(ms_decode_ip(4, frags[i], flen[i], &seg), MS_IP_FRAGMENT);
  }
  static const int orders[][3] = {{0, 1, 2}, {2, 1, 0}, {1, 2, 0}};
  for (int o = 0; o < 3; o++) {
    ms_defrag *d = ms_defrag_new();
    const uint8_t *out = NULL;
    size_t outlen = 0;
    for (int i = 0; i < 3; i++) {
      int k = orders[o][i];
      out = ms_defrag_add(d, frags[k], flen[k], 0, &outlen);
      if (i < 2)
        assert_null(out);
    }
    assert_non_null(out);
    assert_int_equal(outlen, n);
    ms_frame f = {.ip_version = 4, .l3 = out, .l3_len = outlen};
    check_tcp4(&f);
    ms_defrag_free(d);
  }
  /* an incomplete datagram expires */
  ms_defrag *d = ms_defrag_new();
  size_t outlen;
  assert_null(ms_defrag_add(d, frags[0], flen[0], 0, &outlen));
  assert_null(ms_defrag_add(d, frags[1], flen[1], 60 * 1000000LL, &outlen));
  assert_int_equal(ms_defrag_dropped(d), 1);
  ms_defrag_free(d);
}

static void null_loop_ipv6_families_and_raw_types(void **state) {
  (void)state;
  uint8_t ip[256], frame[300];
  size_t n = ipv6_tcp(ip);
  ms_frame f;
  static const uint8_t fams[] = {24, 28, 30};
  for (int i = 0; i < 3; i++) {
    /* little-endian (NULL written on x86) and network order (LOOP) */
    uint8_t le[4] = {fams[i], 0, 0, 0}, be[4] = {0, 0, 0, fams[i]};
    memcpy(frame, le, 4);
    memcpy(frame + 4, ip, n);
    assert_int_equal(ms_decode_frame(0, frame, 4 + n, &f), MS_L3_OK);
    assert_int_equal(f.ip_version, 6);
    memcpy(frame, be, 4);
    assert_int_equal(ms_decode_frame(108, frame, 4 + n, &f), MS_L3_OK);
    assert_int_equal(f.ip_version, 6);
  }
  uint8_t other[4] = {0, 0, 0, 7}; /* not IP */
  memcpy(frame, other, 4);
  assert_int_equal(ms_decode_frame(0, frame, 4 + n, &f), MS_L3_NOT_IP);
  /* LINKTYPE_IPV4 / IPV6 and SLL2 carrying IPv6 */
  assert_int_equal(ms_decode_frame(229, ip, n, &f), MS_L3_OK);
  assert_int_equal(f.ip_version, 6);
  uint8_t ip4[128];
  size_t n4 = ipv4_tcp(ip4, 0);
  assert_int_equal(ms_decode_frame(228, ip4, n4, &f), MS_L3_OK);
  check_tcp4(&f);
  memset(frame, 0, 20);
  frame[0] = 0x86, frame[1] = 0xdd;
  memcpy(frame + 20, ip, n);
  assert_int_equal(ms_decode_frame(276, frame, 20 + n, &f), MS_L3_OK);
  assert_int_equal(f.ip_version, 6);
  /* Ethernet carrying ARP */
  memset(frame, 0, 60);
  frame[12] = 0x08, frame[13] = 0x06;
  assert_int_equal(ms_decode_frame(1, frame, 60, &f), MS_L3_NOT_IP);
}

static void ipv4_options_length_zero_and_window(void **state) {
  (void)state;
  uint8_t plain[128], ip[160];
  size_t n = ipv4_tcp(plain, 0);
  /* Same packet with 8 bytes of IP options (IHL 7). */
  memcpy(ip, plain, 20);
  memset(ip + 20, 1, 8); /* NOPs */
  memcpy(ip + 28, plain + 20, n - 20);
  ip[0] = 0x47;
  ip[3] = (uint8_t)(n + 8);
  ip[28 + 14] = 0x72, ip[28 + 15] = 0x10; /* window 29200 */
  ms_frame f = {.ip_version = 4, .l3 = ip, .l3_len = n + 8};
  check_tcp4(&f);
  ms_tcp seg;
  assert_int_equal(ms_decode_ip(4, ip, n + 8, &seg), MS_IP_TCP);
  assert_int_equal(seg.window, 29200);
  /* Total length 0: a segmentation-offloaded packet seen on the sender. */
  plain[2] = plain[3] = 0;
  f.l3 = plain;
  f.l3_len = n;
  check_tcp4(&f);
  /* Not TCP */
  plain[9] = 17;
  assert_int_equal(ms_decode_ip(4, plain, n, &seg), MS_IP_OTHER);
  /* IPv6 fragment header after hop-by-hop: handed to ipdefrag */
  uint8_t ip6[256];
  size_t n6 = ipv6_tcp(ip6);
  ip6[40] = 44;
  assert_int_equal(ms_decode_ip(6, ip6, n6, &seg), MS_IP_FRAGMENT);
}

/* Frame `ip` behind `hdr` and decode it with `dlt`. */
static void decodes_behind(int dlt, const uint8_t *hdr, size_t hlen,
                           const uint8_t *ip, size_t iplen) {
  uint8_t frame[512];
  memcpy(frame, hdr, hlen);
  memcpy(frame + hlen, ip, iplen);
  ms_frame f;
  assert_true(ms_linktype_supported(dlt));
  assert_int_equal(ms_decode_frame(dlt, frame, hlen + iplen, &f), MS_L3_OK);
  check_tcp4(&f);
  /* every shorter cut is refused or stays inside the frame */
  for (size_t cut = 0; cut < hlen + iplen; cut++) {
    ms_l3_status st = ms_decode_frame(dlt, frame, cut, &f);
    if (st == MS_L3_OK)
      assert_true(f.l3 + f.l3_len <= frame + cut);
  }
}

static void ppp_hdlc_pflog_enc_link_types(void **state) {
  (void)state;
  uint8_t ip[128];
  size_t iplen = ipv4_tcp(ip, 0);
  static const uint8_t ppp[] = {0xff, 0x03, 0x00, 0x21};
  decodes_behind(9, ppp, sizeof ppp, ip, iplen);
  decodes_behind(50, ppp, sizeof ppp, ip, iplen);
  decodes_behind(9, ppp + 2, 2, ip, iplen);      /* no address and control */
  static const uint8_t ppp_dir[] = {0x01, 0x21}; /* compressed protocol */
  decodes_behind(204, ppp_dir, sizeof ppp_dir, ip, iplen);
  static const uint8_t pppoe[] = {0x11, 0, 0x12, 0x34, 0, 50, 0x00, 0x21};
  decodes_behind(51, pppoe, sizeof pppoe, ip, iplen);
  static const uint8_t chdlc[] = {0x0f, 0x00, 0x08, 0x00};
  decodes_behind(104, chdlc, sizeof chdlc, ip, iplen);
  decodes_behind(50, chdlc, sizeof chdlc, ip, iplen); /* Cisco in PPP_SERIAL */
  uint8_t pflog[64] = {61, 2};
  decodes_behind(117, pflog, sizeof pflog, ip, iplen);
  uint8_t enc[12] = {2};
  decodes_behind(109, enc, sizeof enc, ip, iplen);
  /* PPP with another protocol (LCP) is not IP */
  static const uint8_t lcp[] = {0xff, 0x03, 0xc0, 0x21, 1, 1, 0, 4};
  ms_frame f;
  assert_int_equal(ms_decode_frame(9, lcp, sizeof lcp, &f), MS_L3_NOT_IP);
}

static void nflog_attributes_either_byte_order(void **state) {
  (void)state;
  uint8_t ip[128];
  size_t iplen = ipv4_tcp(ip, 0);
  /* header, a 5-byte prefix attribute (padded to 8+4), then the payload */
  uint8_t hdr[4 + 12 + 4] = {2, 0, 0, 1};
  hdr[4] = 9, hdr[6] = 10; /* length 9, type 10 (prefix), little-endian */
  memcpy(hdr + 8, "smtp", 5);
  uint16_t n = (uint16_t)(4 + iplen);
  hdr[16] = (uint8_t)n, hdr[17] = (uint8_t)(n >> 8), hdr[18] = 9;
  decodes_behind(239, hdr, sizeof hdr, ip, iplen);
  /* the same from a big-endian host */
  uint8_t be[sizeof hdr] = {2, 0, 0, 1, 0, 9, 0, 10, 's', 'm', 't', 'p'};
  be[16] = (uint8_t)(n >> 8), be[17] = (uint8_t)n, be[19] = 9;
  decodes_behind(239, be, sizeof be, ip, iplen);
  /* no payload attribute */
  ms_frame f;
  assert_int_equal(ms_decode_frame(239, hdr, 16, &f), MS_L3_NOT_IP);
}

static void ieee80211_data_frames(void **state) {
  (void)state;
  uint8_t ip[128];
  size_t iplen = ipv4_tcp(ip, 0);
  static const uint8_t snap[] = {0xaa, 0xaa, 0x03, 0, 0, 0, 0x08, 0x00};
  uint8_t wlan[64] = {0x08, 0x01}; /* data, to the DS */
  memcpy(wlan + 24, snap, sizeof snap);
  decodes_behind(105, wlan, 24 + sizeof snap, ip, iplen);
  /* QoS data between access points: four addresses and QoS control */
  uint8_t qos[64] = {0x88, 0x03};
  memcpy(qos + 32, snap, sizeof snap);
  decodes_behind(105, qos, 32 + sizeof snap, ip, iplen);
  /* behind radiotap (length 8) */
  uint8_t rt[8 + 24 + 8] = {0, 0, 8, 0};
  memcpy(rt + 8, wlan, 24 + sizeof snap);
  decodes_behind(127, rt, sizeof rt, ip, iplen);
  /* protected (encrypted) and management frames are not IP */
  uint8_t frame[128];
  memcpy(frame, wlan, 32);
  frame[1] |= 0x40;
  memcpy(frame + 32, ip, iplen);
  ms_frame f;
  assert_int_equal(ms_decode_frame(105, frame, 32 + iplen, &f), MS_L3_NOT_IP);
  frame[0] = 0x80, frame[1] = 0; /* beacon */
  assert_int_equal(ms_decode_frame(105, frame, 32 + iplen, &f), MS_L3_NOT_IP);
}

static void ethernet_pppoe_mpls_llc(void **state) {
  (void)state;
  uint8_t ip[128];
  size_t iplen = ipv4_tcp(ip, 0);
  uint8_t eth[64];
  memset(eth, 0x02, 12);
  /* PPPoE session data */
  static const uint8_t pppoe[] = {0x88, 0x64, 0x11, 0, 0, 1, 0, 50, 0, 0x21};
  memcpy(eth + 12, pppoe, sizeof pppoe);
  decodes_behind(1, eth, 12 + sizeof pppoe, ip, iplen);
  /* MPLS: two labels, the second at the bottom of the stack */
  static const uint8_t mpls[] = {0x88, 0x47, 0,    0x10, 0x00,
                                 64,   0,    0x20, 0x01, 64};
  memcpy(eth + 12, mpls, sizeof mpls);
  decodes_behind(1, eth, 12 + sizeof mpls, ip, iplen);
  /* MPLS Ethernet pseudowire: label, control word, a tagged frame */
  uint8_t pw[64];
  memcpy(pw, eth, 12);
  static const uint8_t pwhdr[] = {0x88, 0x47, 0, 0x30, 0x01, 64, 0, 0, 0, 0};
  memcpy(pw + 12, pwhdr, sizeof pwhdr);
  memset(pw + 22, 0x04, 12);
  static const uint8_t tag[] = {0x81, 0x00, 0x00, 0x07, 0x08, 0x00};
  memcpy(pw + 34, tag, sizeof tag);
  uint8_t frame[256];
  memcpy(frame, pw, 40);
  memcpy(frame + 40, ip, iplen);
  ms_frame f;
  assert_int_equal(ms_decode_frame(1, frame, 40 + iplen, &f), MS_L3_OK);
  assert_int_equal(f.nvlan, 1);
  assert_int_equal(f.vlan[0], 7);
  check_tcp4(&f);
  /* 802.3 length and LLC/SNAP */
  uint8_t llc[64];
  memcpy(llc, eth, 12);
  llc[12] = 0, llc[13] = (uint8_t)(iplen + 8);
  static const uint8_t snap[] = {0xaa, 0xaa, 0x03, 0, 0, 0, 0x08, 0x00};
  memcpy(llc + 14, snap, sizeof snap);
  decodes_behind(1, llc, 22, ip, iplen);
  /* an MPLS stack that never ends is given up */
  uint8_t endless[14 + 4 * 20];
  memcpy(endless, eth, 12);
  endless[12] = 0x88, endless[13] = 0x47;
  memset(endless + 14, 0, sizeof endless - 14);
  assert_int_equal(ms_decode_frame(1, endless, sizeof endless, &f),
                   MS_L3_NOT_IP);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(ethernet_with_tags),
      cmocka_unit_test(other_link_types),
      cmocka_unit_test(ipv6_with_extension_header),
      cmocka_unit_test(truncated_headers_are_safe),
      cmocka_unit_test(ipv4_fragments_any_order),
      cmocka_unit_test(null_loop_ipv6_families_and_raw_types),
      cmocka_unit_test(ipv4_options_length_zero_and_window),
      cmocka_unit_test(ppp_hdlc_pflog_enc_link_types),
      cmocka_unit_test(nflog_attributes_either_byte_order),
      cmocka_unit_test(ieee80211_data_frames),
      cmocka_unit_test(ethernet_pppoe_mpls_llc),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
