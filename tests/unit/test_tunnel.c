/* test_tunnel.c - ms_decap(): IP-in-IP, GRE (with its optional fields),
 * ERSPAN II and III, PPTP, VXLAN, VXLAN-GPE, Geneve and GTP-U, each inner
 * packet found; every truncation refused or kept inside the packet; what
 * is not a tunnel left alone. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "linklayer.h"
#include "tunnel.h"

/* What the last ms_decap() said of its tunnel. */
static ms_tunnel_hop hop;

/* The inner packet: IPv4 + TCP 40000 -> 25 carrying "QUIT\r\n". */
static size_t inner_tcp(uint8_t *b) {
  size_t tot = 20 + 20 + 6;
  memset(b, 0, tot);
  b[0] = 0x45, b[3] = (uint8_t)tot, b[8] = 64, b[9] = 6;
  memcpy(b + 12, "\xc0\x00\x02\x0a\xc0\x00\x02\x19", 8);
  b[20] = 0x9c, b[21] = 0x40, b[23] = 25, b[32] = 0x50, b[33] = 0x18;
  memcpy(b + 40, "QUIT\r\n", 6);
  return tot;
}

/* An outer IPv4 packet of protocol `proto` around hdr + body. */
static size_t outer_ipv4(uint8_t *out, uint8_t proto, const uint8_t *hdr,
                         size_t hlen, const uint8_t *body, size_t blen) {
  size_t tot = 20 + hlen + blen;
  memset(out, 0, 20);
  out[0] = 0x45, out[2] = (uint8_t)(tot >> 8), out[3] = (uint8_t)tot;
  out[8] = 64, out[9] = proto;
  memcpy(out + 12, "\xc6\x33\x64\x01\xc6\x33\x64\x02", 8);
  if (hlen)
    memcpy(out + 20, hdr, hlen);
  if (blen)
    memcpy(out + 20 + hlen, body, blen);
  return tot;
}

/* A UDP header to `port` followed by `hdr` (the tunnel's own header). */
static size_t udp_to(uint8_t *out, uint16_t port, const uint8_t *hdr,
                     size_t hlen, size_t body_len) {
  size_t ulen = 8 + hlen + body_len;
  uint8_t u[8] = {0xc0,
                  0x00,
                  (uint8_t)(port >> 8),
                  (uint8_t)port,
                  (uint8_t)(ulen >> 8),
                  (uint8_t)ulen,
                  0,
                  0};
  memcpy(out, u, 8);
  memcpy(out + 8, hdr, hlen);
  return 8 + hlen;
}

/* The outer packet decapsulates to the inner TCP segment, and no cut of
 * it reads beyond what is left. */
static void finds_inner(const uint8_t *pkt, size_t len, const char *type,
                        long id) {
  ms_frame in;
  assert_int_equal(ms_decap(4, pkt, len, &in, &hop), MS_L3_OK);
  assert_string_equal(hop.type, type);
  assert_int_equal(hop.ip_version, 4);
  assert_memory_equal(hop.src, "\xc6\x33\x64\x01", 4);
  assert_memory_equal(hop.dst, "\xc6\x33\x64\x02", 4);
  assert_int_equal(hop.has_id, id >= 0);
  if (id >= 0)
    assert_int_equal(hop.id, id);
  assert_int_equal(in.ip_version, 4);
  ms_tcp seg;
  assert_int_equal(ms_decode_ip(in.ip_version, in.l3, in.l3_len, &seg),
                   MS_IP_TCP);
  assert_int_equal(seg.sport, 40000);
  assert_int_equal(seg.dport, 25);
  assert_int_equal(seg.len, 6);
  assert_memory_equal(seg.payload, "QUIT\r\n", 6);
  uint8_t copy[512];
  for (size_t cut = 0; cut < len; cut++) {
    memcpy(copy, pkt, cut);
    if (cut >= 4) { /* keep the IP length consistent with the cut */
      copy[2] = (uint8_t)(cut >> 8);
      copy[3] = (uint8_t)cut;
    }
    if (ms_decap(4, copy, cut, &in, &hop) == MS_L3_OK)
      assert_true(in.l3 + in.l3_len <= copy + cut);
  }
}

static const uint8_t eth_v4[14] = {2, 0, 0, 0, 0, 2,    2,
                                   0, 0, 0, 0, 1, 0x08, 0x00};

static void ip_in_ip_and_gre(void **state) {
  (void)state;
  uint8_t in[64], pkt[256];
  size_t n = inner_tcp(in);
  finds_inner(pkt, outer_ipv4(pkt, 4, NULL, 0, in, n), "ip-in-ip", -1);
  /* GRE, plain; with checksum, key and sequence number */
  static const uint8_t gre[] = {0, 0, 0x08, 0x00};
  finds_inner(pkt, outer_ipv4(pkt, 47, gre, sizeof gre, in, n), "gre", -1);
  static const uint8_t gre_cks[] = {0xb0, 0, 0x08, 0x00, 0, 0, 0, 0,
                                    0,    0, 0,    7,    0, 0, 0, 1};
  finds_inner(pkt, outer_ipv4(pkt, 47, gre_cks, sizeof gre_cks, in, n), "gre",
              7);
  /* GRE with Ethernet inside (transparent bridging) */
  uint8_t teb[4 + 14] = {0, 0, 0x65, 0x58};
  memcpy(teb + 4, eth_v4, 14);
  finds_inner(pkt, outer_ipv4(pkt, 47, teb, sizeof teb, in, n), "gre", -1);
  /* GRE with source routing, or of an unknown version: not followed */
  static const uint8_t routed[] = {0x40, 0, 0x08, 0x00, 0, 0, 0, 0};
  ms_frame f;
  n = outer_ipv4(pkt, 47, routed, sizeof routed, in, n);
  assert_int_equal(ms_decap(4, pkt, n, &f, &hop), MS_L3_NOT_IP);
  pkt[21] = 0x02;
  assert_int_equal(ms_decap(4, pkt, n, &f, &hop), MS_L3_NOT_IP);
}

static void erspan_and_pptp(void **state) {
  (void)state;
  uint8_t in[64], pkt[256];
  size_t n = inner_tcp(in);
  uint8_t e2[8 + 8 + 14] = {0x10, 0, 0x88, 0xbe, 0, 0, 0, 1,
                            0x10, 1, 0,    5,    0, 0, 0, 0};
  memcpy(e2 + 16, eth_v4, 14);
  finds_inner(pkt, outer_ipv4(pkt, 47, e2, sizeof e2, in, n), "erspan", 5);
  /* type I: no sequence number, no ERSPAN header */
  uint8_t e1[4 + 14] = {0, 0, 0x88, 0xbe};
  memcpy(e1 + 4, eth_v4, 14);
  finds_inner(pkt, outer_ipv4(pkt, 47, e1, sizeof e1, in, n), "erspan", -1);
  /* type III, with the optional platform subheader (O bit) */
  uint8_t e3[8 + 20 + 14] = {0x10, 0, 0x22, 0xeb, 0, 0, 0, 1};
  e3[8 + 11] = 0x01;
  memcpy(e3 + 28, eth_v4, 14);
  finds_inner(pkt, outer_ipv4(pkt, 47, e3, sizeof e3, in, n), "erspan", 0);
  /* PPTP: GRE version 1, key (payload length, call id), sequence, PPP */
  size_t ppp_len = 4 + n;
  uint8_t pptp[12 + 4] = {0x30, 0x01, 0x88, 0x0b, 0, (uint8_t)ppp_len,
                          0,    9,    0,    0,    0, 5,
                          0xff, 0x03, 0x00, 0x21};
  finds_inner(pkt, outer_ipv4(pkt, 47, pptp, sizeof pptp, in, n), "pptp", 9);
  /* a PPTP acknowledgment alone carries nothing */
  static const uint8_t ack[] = {0x20, 0x81, 0x88, 0x0b, 0, 0, 0, 9, 0, 0, 0, 5};
  ms_frame f;
  size_t m = outer_ipv4(pkt, 47, ack, sizeof ack, NULL, 0);
  assert_int_equal(ms_decap(4, pkt, m, &f, &hop), MS_L3_NOT_IP);
}

static void udp_tunnels(void **state) {
  (void)state;
  uint8_t in[64], hdr[128], pkt[256];
  size_t n = inner_tcp(in);
  /* VXLAN on 4789 and Linux's 8472 */
  uint8_t vx[8 + 14] = {0x08, 0, 0, 0, 0, 0x13, 0x89, 0};
  memcpy(vx + 8, eth_v4, 14);
  uint16_t ports[] = {4789, 8472};
  for (int i = 0; i < 2; i++) {
    size_t h = udp_to(hdr, ports[i], vx, sizeof vx, n);
    finds_inner(pkt, outer_ipv4(pkt, 17, hdr, h, in, n), "vxlan", 5001);
  }
  /* VXLAN without the I flag is not VXLAN */
  vx[0] = 0;
  size_t h = udp_to(hdr, 4789, vx, sizeof vx, n);
  size_t m = outer_ipv4(pkt, 17, hdr, h, in, n);
  ms_frame f;
  assert_int_equal(ms_decap(4, pkt, m, &f, &hop), MS_L3_NOT_IP);
  /* VXLAN-GPE with IPv4 next */
  static const uint8_t gpe[] = {0x0c, 0, 0, 1, 0, 0, 1, 0};
  h = udp_to(hdr, 4790, gpe, sizeof gpe, n);
  finds_inner(pkt, outer_ipv4(pkt, 17, hdr, h, in, n), "vxlan-gpe", 1);
  /* Geneve with 8 bytes of options and an IPv4 payload */
  static const uint8_t gnv[] = {0x02, 0, 0x08, 0x00, 0, 0, 1, 0,
                                0,    1, 0x80, 1,    0, 0, 0, 0};
  h = udp_to(hdr, 6081, gnv, sizeof gnv, n);
  finds_inner(pkt, outer_ipv4(pkt, 17, hdr, h, in, n), "geneve", 1);
  /* GTP-U T-PDU, with an extension header, and from port 2152 */
  uint8_t gtp[16] = {
      0x34, 0xff, 0, (uint8_t)(8 + n), 0, 0, 0, 1, 0, 0, 0, 0x85, 1, 0, 9, 0};
  h = udp_to(hdr, 2152, gtp, sizeof gtp, n);
  finds_inner(pkt, outer_ipv4(pkt, 17, hdr, h, in, n), "gtp-u", 1);
  h = udp_to(hdr, 40000, gtp, sizeof gtp, n);
  hdr[0] = 0x08, hdr[1] = 0x68; /* source port 2152 */
  finds_inner(pkt, outer_ipv4(pkt, 17, hdr, h, in, n), "gtp-u", 1);
  /* GTP-U signalling (echo request) is not user traffic */
  gtp[1] = 1;
  h = udp_to(hdr, 2152, gtp, sizeof gtp, n);
  m = outer_ipv4(pkt, 17, hdr, h, in, n);
  assert_int_equal(ms_decap(4, pkt, m, &f, &hop), MS_L3_NOT_IP);
  /* DNS is not a tunnel */
  h = udp_to(hdr, 53, gpe, sizeof gpe, n);
  m = outer_ipv4(pkt, 17, hdr, h, in, n);
  assert_int_equal(ms_decap(4, pkt, m, &f, &hop), MS_L3_NOT_IP);
}

static void ipv6_outer_and_garbage(void **state) {
  (void)state;
  uint8_t in[64], pkt[256];
  size_t n = inner_tcp(in);
  /* IPv4 inside IPv6 (protocol 4) */
  memset(pkt, 0, 40);
  pkt[0] = 0x60, pkt[5] = (uint8_t)n, pkt[6] = 4, pkt[7] = 64;
  memcpy(pkt + 40, in, n);
  ms_frame f;
  assert_int_equal(ms_decap(6, pkt, 40 + n, &f, &hop), MS_L3_OK);
  assert_int_equal(f.ip_version, 4);
  /* the inner packet must be of the announced version */
  pkt[40] = 0x65;
  assert_int_equal(ms_decap(6, pkt, 40 + n, &f, &hop), MS_L3_NOT_IP);
  /* random bytes never read out of bounds */
  uint8_t junk[300];
  uint32_t x = 12345;
  for (int round = 0; round < 20000; round++) {
    size_t len = (size_t)(x % sizeof junk);
    for (size_t i = 0; i < len; i++) {
      x = x * 1103515245u + 12345u;
      junk[i] = (uint8_t)(x >> 16);
    }
    if (len > 20) {
      junk[0] = 0x45;
      junk[9] = (uint8_t[]){4, 17, 41, 47}[x % 4];
      junk[2] = (uint8_t)(len >> 8), junk[3] = (uint8_t)len;
      junk[6] = junk[7] = 0;
    }
    if (ms_decap(4, junk, len, &f, &hop) == MS_L3_OK)
      assert_true(f.l3 + f.l3_len <= junk + len);
  }
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(ip_in_ip_and_gre),
      cmocka_unit_test(erspan_and_pptp),
      cmocka_unit_test(udp_tunnels),
      cmocka_unit_test(ipv6_outer_and_garbage),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
