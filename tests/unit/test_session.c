/* test_session.c - the session table: who is the client, protocol by port
 * and by greeting, ignoring servers that do not greet, the table limit,
 * FIN / RST / idle timeout / end of input, the packets after both FINs,
 * RSTs and FINs a Linux receiver would drop, the memory bound, stable
 * uids. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "budget.h"
#include "session.h"

#define UID_PINNED "CEkojxH4JbSDT26tZo"

typedef struct {
  ms_session *got[16];
  int n;
} done_list;

static void on_done(void *ctx, ms_session *s) {
  done_list *d = ctx;
  assert_true(d->n < 16);
  d->got[d->n++] = s;
}

static void free_done(done_list *d) {
  for (int i = 0; i < d->n; i++)
    ms_session_free(d->got[i]);
  d->n = 0;
}

static ms_options opt;
static ms_stats stats;

static ms_tcp seg(int from_client, uint16_t cport, uint16_t sport,
                  uint8_t flags, uint32_t seq, uint32_t ack, const char *data) {
  ms_tcp t;
  memset(&t, 0, sizeof t);
  t.ip_version = 4;
  uint8_t c[4] = {192, 0, 2, 10}, s[4] = {192, 0, 2, 25};
  memcpy(from_client ? t.src : t.dst, c, 4);
  memcpy(from_client ? t.dst : t.src, s, 4);
  t.sport = from_client ? cport : sport;
  t.dport = from_client ? sport : cport;
  t.flags = flags;
  t.seq = seq;
  t.ack = ack;
  t.payload = (const uint8_t *)data;
  t.len = data ? strlen(data) : 0;
  return t;
}

static void exchange(ms_table *t, uint16_t cport, uint16_t sport, bool syn,
                     const char *greeting, const char *command, ms_ts ts) {
  ms_tcp p;
  uint32_t cs = 100, ss = 500;
  if (syn) {
    p = seg(1, cport, sport, MS_TH_SYN, cs - 1, 0, NULL);
    ms_table_packet(t, &p, NULL, 0, ts++);
    p = seg(0, cport, sport, MS_TH_SYN | MS_TH_ACK, ss - 1, cs, NULL);
    ms_table_packet(t, &p, NULL, 0, ts++);
  }
  p = seg(0, cport, sport, MS_TH_ACK, ss, cs, greeting);
  ms_table_packet(t, &p, NULL, 0, ts++);
  ss += (uint32_t)strlen(greeting);
  p = seg(1, cport, sport, MS_TH_ACK, cs, ss, command);
  ms_table_packet(t, &p, NULL, 0, ts++);
}

static void setup_opts(void) {
  ms_options_defaults(&opt);
  memset(&stats, 0, sizeof stats);
}

static void port_and_greeting_detection(void **state) {
  (void)state;
  setup_opts();
  done_list d = {0};
  ms_table *t = ms_table_new(&opt, on_done, &d, &stats);
  exchange(t, 40000, 25, true, "220 mx ESMTP\r\n", "EHLO a\r\n", 1000);
  exchange(t, 40001, 2626, true, "220 odd.example ESMTP ready\r\n",
           "HELO b\r\n", 2000);
  exchange(t, 40002, 4444, true, "+OK pop ready\r\n", "CAPA\r\n", 3000);
  exchange(t, 40003, 8080, true, "HTTP/1.1 200 OK\r\n", "x\r\n", 4000);
  ms_table_flush(t, MS_END_EOF, 5000);
  assert_int_equal(d.n, 3); /* the HTTP one is not mail */
  assert_int_equal(d.got[0]->proto, MS_PROTO_SMTP);
  assert_string_equal(d.got[0]->client.ip, "192.0.2.10");
  assert_int_equal(d.got[0]->server.port, 25);
  assert_false(d.got[0]->midstream);
  assert_int_equal(d.got[0]->end, MS_END_EOF);
  assert_int_equal(d.got[1]->proto, MS_PROTO_SMTP);
  assert_string_equal(d.got[1]->helo, "b");
  assert_int_equal(d.got[2]->proto, MS_PROTO_POP3);
  assert_int_equal(d.got[2]->commands.len, 1);
  free_done(&d);
  ms_table_free(t);
}

static void client_speaks_first_is_not_a_greeting(void **state) {
  (void)state;
  setup_opts();
  done_list d = {0};
  ms_table *t = ms_table_new(&opt, on_done, &d, &stats);
  ms_tcp p = seg(1, 40000, 6379, MS_TH_SYN, 9, 0, NULL);
  ms_table_packet(t, &p, NULL, 0, 1);
  p = seg(1, 40000, 6379, MS_TH_ACK, 10, 0, "AUTH x\r\n");
  ms_table_packet(t, &p, NULL, 0, 2);
  p = seg(0, 40000, 6379, MS_TH_ACK, 50, 18, "+OK\r\n");
  ms_table_packet(t, &p, NULL, 0, 3);
  ms_table_flush(t, MS_END_EOF, 4);
  assert_int_equal(d.n, 0);
  ms_table_free(t);
}

static void midstream_server_by_port_and_no_detect(void **state) {
  (void)state;
  setup_opts();
  done_list d = {0};
  ms_table *t = ms_table_new(&opt, on_done, &d, &stats);
  /* first packet from the server side, no handshake */
  exchange(t, 40010, 110, false, "+OK ready\r\n", "USER x\r\n", 10);
  ms_table_flush(t, MS_END_EOF, 20);
  assert_int_equal(d.n, 1);
  assert_true(d.got[0]->midstream);
  assert_int_equal(d.got[0]->server.port, 110);
  assert_int_equal(d.got[0]->client.port, 40010);
  free_done(&d);
  ms_table_free(t);
  opt.no_detect = true;
  t = ms_table_new(&opt, on_done, &d, &stats);
  exchange(t, 40011, 2626, true, "220 x ESMTP\r\n", "HELO y\r\n", 30);
  ms_table_flush(t, MS_END_EOF, 40);
  assert_int_equal(d.n, 0);
  ms_table_free(t);
}

static void table_limit_counts_drops(void **state) {
  (void)state;
  setup_opts();
  opt.max_sessions = 2;
  opt.quiet = true;
  done_list d = {0};
  ms_table *t = ms_table_new(&opt, on_done, &d, &stats);
  for (uint16_t i = 0; i < 4; i++)
    exchange(t, (uint16_t)(41000 + i), 25, true, "220 mx ESMTP\r\n", "NOOP\r\n",
             100 + i * 10);
  ms_table_flush(t, MS_END_EOF, 200);
  /* the two dropped ones are reported at once: end "limit", nothing else */
  assert_int_equal(d.n, 4);
  assert_int_equal(stats.sessions_dropped, 2);
  for (int i = 0; i < 2; i++) {
    assert_int_equal(d.got[i]->end, MS_END_LIMIT);
    assert_int_equal(d.got[i]->client.port, 41002 + i);
    assert_int_equal(d.got[i]->proto, MS_PROTO_SMTP);
    assert_int_equal(d.got[i]->commands.len, 0);
    assert_string_equal(d.got[i]->anomalies.items[0].name, "session_limit");
  }
  assert_int_equal(d.got[2]->end, MS_END_EOF);
  free_done(&d);
  ms_table_free(t);
}

/* A table full of half-open connections (a SYN flood) makes room for a
 * new one: the least recently active connection that never carried a byte
 * is evicted (counted), and a mail session in the table is never. */
static void half_open_connections_give_way(void **state) {
  (void)state;
  setup_opts();
  opt.max_sessions = 3;
  opt.quiet = true;
  done_list d = {0};
  ms_table *t = ms_table_new(&opt, on_done, &d, &stats);
  exchange(t, 45000, 25, true, "220 mx ESMTP\r\n", "NOOP\r\n", 10);
  for (uint16_t i = 0; i < 10; i++) {
    ms_tcp p = seg(1, (uint16_t)(46000 + i), 25, MS_TH_SYN, 1, 0, NULL);
    ms_table_packet(t, &p, NULL, 0, 20 + i);
  }
  assert_int_equal(stats.sessions_evicted, 8);
  assert_int_equal(stats.sessions_dropped, 0);
  exchange(t, 45001, 25, true, "220 mx ESMTP\r\n", "NOOP\r\n", 40);
  assert_int_equal(stats.sessions_evicted, 9);
  assert_int_equal(ms_table_open_count(t), 3);
  ms_table_flush(t, MS_END_EOF, 100);
  assert_int_equal(d.n, 2); /* the two mail sessions, nothing else */
  assert_int_equal(d.got[0]->client.port, 45000);
  assert_int_equal(d.got[1]->client.port, 45001);
  free_done(&d);
  ms_table_free(t);
}

static void fin_rst_and_timeout(void **state) {
  (void)state;
  setup_opts();
  opt.idle_timeout = 60;
  done_list d = {0};
  ms_table *t = ms_table_new(&opt, on_done, &d, &stats);
  exchange(t, 42000, 25, true, "220 mx ESMTP\r\n", "QUIT\r\n", 1000000);
  ms_tcp p = seg(1, 42000, 25, MS_TH_FIN | MS_TH_ACK, 106, 514, NULL);
  ms_table_packet(t, &p, NULL, 0, 1000010);
  p = seg(0, 42000, 25, MS_TH_FIN | MS_TH_ACK, 514, 107, NULL);
  ms_table_packet(t, &p, NULL, 0, 1000020);
  assert_int_equal(d.n, 0); /* over, lingering for its last packets */
  exchange(t, 42001, 25, true, "220 mx ESMTP\r\n", "NOOP\r\n", 7000000);
  assert_int_equal(d.n, 1); /* more than 5 s without a packet: reported */
  assert_int_equal(d.got[0]->end, MS_END_FIN);
  assert_int_equal(d.got[0]->end_ts, 1000020);
  p = seg(0, 42001, 25, MS_TH_RST, 514, 0, NULL);
  ms_table_packet(t, &p, NULL, 0, 7000010);
  ms_table_expire(t, 7000010 + 5000001);
  assert_int_equal(d.n, 2);
  assert_int_equal(d.got[1]->end, MS_END_RST);
  exchange(t, 42002, 25, true, "220 mx ESMTP\r\n", "NOOP\r\n", 20000000);
  ms_table_expire(t, 20000000 + 61 * 1000000LL);
  assert_int_equal(d.n, 3);
  assert_int_equal(d.got[2]->end, MS_END_TIMEOUT);
  assert_int_equal(ms_table_open_count(t), 0);
  free_done(&d);
  ms_table_free(t);
}

/* Counts like conn.log: the last ACK and the RSTs after both FINs belong to
 * the connection (packets, end_ts); a new SYN on the same addresses and
 * ports is a new connection; packets of connections that are not reported
 * are counted as ignored. */
static void packets_after_both_fins(void **state) {
  (void)state;
  setup_opts();
  done_list d = {0};
  ms_table *t = ms_table_new(&opt, on_done, &d, &stats);
  exchange(t, 42100, 25, true, "220 mx ESMTP\r\n", "QUIT\r\n", 1000000);
  ms_tcp p = seg(0, 42100, 25, MS_TH_FIN | MS_TH_ACK, 514, 106, NULL);
  ms_table_packet(t, &p, NULL, 0, 1000010);
  p = seg(1, 42100, 25, MS_TH_FIN | MS_TH_ACK, 106, 515, NULL);
  ms_table_packet(t, &p, NULL, 0, 1000020);
  p = seg(0, 42100, 25, MS_TH_ACK, 515, 107, NULL); /* the last ACK */
  ms_table_packet(t, &p, NULL, 0, 1000030);
  p = seg(1, 42100, 25, MS_TH_RST, 107, 0, NULL);
  ms_table_packet(t, &p, NULL, 0, 4000000);
  p = seg(1, 42100, 25, MS_TH_RST, 107, 0, NULL); /* 3 s later: still its */
  ms_table_packet(t, &p, NULL, 0, 7000000);
  assert_int_equal(d.n, 0);
  /* the port is reused: the old connection is reported first */
  exchange(t, 42100, 25, true, "220 mx ESMTP\r\n", "NOOP\r\n", 7500000);
  assert_int_equal(d.n, 1);
  assert_int_equal(d.got[0]->end, MS_END_FIN);
  assert_int_equal(d.got[0]->packets[MS_CLIENT], 5); /* SYN QUIT FIN 2 RST */
  assert_int_equal(d.got[0]->packets[MS_SERVER], 4); /* SYN greeting FIN ACK */
  assert_int_equal(d.got[0]->end_ts, 7000000);
  /* a connection attempt that never carried a byte is not reported: its
   * packets went to no session */
  uint64_t before = stats.packets_ignored_flows;
  p = seg(1, 42200, 25, MS_TH_SYN, 1, 0, NULL);
  ms_table_packet(t, &p, NULL, 0, 8000000);
  p = seg(0, 42200, 25, MS_TH_RST | MS_TH_ACK, 0, 2, NULL);
  ms_table_packet(t, &p, NULL, 0, 8000001);
  ms_table_flush(t, MS_END_EOF, 9000000);
  assert_int_equal(d.n, 2); /* the reused port's session */
  assert_int_equal(d.got[1]->packets[MS_CLIENT], 2);
  assert_int_equal(stats.packets_ignored_flows - before, 2);
  free_done(&d);
  ms_table_free(t);
}

static void multiline_greeting_and_non_mail_220(void **state) {
  (void)state;
  setup_opts();
  done_list d = {0};
  ms_table *t = ms_table_new(&opt, on_done, &d, &stats);
  exchange(t, 43000, 2700, true,
           "220-first line\r\n220-mx.example.test ESMTP\r\n220 go\r\n",
           "EHLO a\r\n", 100);
  exchange(t, 43001, 2121, true, "220 ProFTPD Server ready\r\n", "USER x\r\n",
           200);
  ms_table_flush(t, MS_END_EOF, 300);
  assert_int_equal(d.n, 1);
  assert_int_equal(d.got[0]->server.port, 2700);
  assert_int_equal(d.got[0]->proto, MS_PROTO_SMTP);
  free_done(&d);
  ms_table_free(t);
}

static void held_bytes_replayed_in_wire_order(void **state) {
  (void)state;
  setup_opts();
  done_list d = {0};
  ms_table *t = ms_table_new(&opt, on_done, &d, &stats);
  /* Midstream on an odd port: the client's command comes before the
   * server's next line; both are held until the "+OK" decides. */
  ms_tcp p = seg(1, 45000, 3110, MS_TH_ACK, 100, 500, "STAT\r\n");
  ms_table_packet(t, &p, NULL, 0, 10);
  p = seg(0, 45000, 3110, MS_TH_ACK, 500, 106, "+OK 2 320\r\n");
  ms_table_packet(t, &p, NULL, 0, 20);
  ms_table_flush(t, MS_END_EOF, 30);
  assert_int_equal(d.n, 1);
  ms_session *r = d.got[0];
  assert_int_equal(r->proto, MS_PROTO_POP3);
  assert_true(r->midstream);
  assert_int_equal(r->server.port, 3110);
  assert_int_equal(r->commands.len, 1);
  assert_int_equal(r->commands.items[0].ts, 10); /* its own time */
  assert_int_equal(r->bytes[MS_CLIENT], 6);
  assert_int_equal(r->bytes[MS_SERVER], 11);
  assert_int_equal(r->packets[MS_CLIENT], 1);
  free_done(&d);
  ms_table_free(t);
}

/* Through an HTTP proxy: the client's CONNECT request, the proxy's
 * response, then the server's first bytes and the client's HELO. */
static void via_proxy(ms_table *t, uint16_t cport, const char *req,
                      const char *resp, const char *greet, ms_ts ts) {
  uint32_t cs = 100, ss = 500;
  ms_tcp p = seg(1, cport, 8240, MS_TH_SYN, cs - 1, 0, NULL);
  ms_table_packet(t, &p, NULL, 0, ts++);
  p = seg(0, cport, 8240, MS_TH_SYN | MS_TH_ACK, ss - 1, cs, NULL);
  ms_table_packet(t, &p, NULL, 0, ts++);
  p = seg(1, cport, 8240, MS_TH_ACK, cs, ss, req);
  ms_table_packet(t, &p, NULL, 0, ts++);
  cs += (uint32_t)strlen(req);
  p = seg(0, cport, 8240, MS_TH_ACK, ss, cs, resp);
  ms_table_packet(t, &p, NULL, 0, ts++);
  ss += (uint32_t)strlen(resp);
  p = seg(0, cport, 8240, MS_TH_ACK, ss, cs, greet);
  ms_table_packet(t, &p, NULL, 0, ts++);
  ss += (uint32_t)strlen(greet);
  p = seg(1, cport, 8240, MS_TH_ACK, cs, ss, "HELO c.example\r\n");
  ms_table_packet(t, &p, NULL, 0, ts++);
}

/* A client that talks to an HTTP proxy first: "CONNECT host:25", the
 * proxy's "200", then the mail server's greeting through the tunnel.  The
 * prelude is not SMTP (it is left out), the session is; a refused CONNECT,
 * a tunnel that carries something else, or another HTTP request is not
 * mail. */
static void http_connect_tunnel(void **state) {
  (void)state;
  setup_opts();
  done_list d = {0};
  ms_table *t = ms_table_new(&opt, on_done, &d, &stats);
  static const char req[] = "CONNECT mx.example.test:25 HTTP/1.0\r\n"
                            "User-Agent: x\r\n\r\n";
  static const char ok[] = "HTTP/1.0 200 Connection established\r\n\r\n";
  static const char greet[] = "220 mx.example.test ESMTP\r\n";
  via_proxy(t, 46000, req, ok, greet, 10);
  via_proxy(t, 46001, req, "HTTP/1.1 407 Proxy Authentication\r\n\r\n", greet,
            20);
  via_proxy(t, 46002, req, ok, "SSH-2.0-OpenSSH_9.2\r\n", 30);
  via_proxy(t, 46003, "GET / HTTP/1.0\r\n\r\n", ok, greet, 40);
  /* the proxy's header block split over two segments, bare LFs */
  via_proxy(t, 46004, "CONNECT pop.example.test:110 HTTP/1.1\n\n",
            "HTTP/1.1 200 OK\nVia: p\n", "\n+OK ready\r\n", 50);
  ms_table_flush(t, MS_END_EOF, 60);
  assert_int_equal(d.n, 2);
  ms_session *r = d.got[0];
  assert_int_equal(r->proto, MS_PROTO_SMTP);
  assert_string_equal(r->banner, "mx.example.test ESMTP");
  assert_string_equal(r->helo, "c.example");
  assert_int_equal(r->commands.len, 1); /* HELO: CONNECT is not a command */
  assert_string_equal(r->commands.items[0].verb, "HELO");
  assert_int_equal(r->anomalies.len, 1);
  assert_string_equal(r->anomalies.items[0].name, "http_connect_tunnel");
  assert_string_equal(r->anomalies.items[0].detail,
                      "CONNECT mx.example.test:25 HTTP/1.0, answered "
                      "HTTP/1.0 200 Connection established");
  /* the prelude's bytes are still the connection's bytes */
  assert_int_equal(r->bytes[MS_CLIENT], sizeof req - 1 + 16);
  r = d.got[1];
  assert_int_equal(r->proto, MS_PROTO_POP3);
  assert_string_equal(r->banner, "ready");
  assert_int_equal(r->commands.len, 1);
  free_done(&d);
  ms_table_free(t);
}

/* One SOCKS5 session on port 1080: the client's greeting, RFC 1929 user
 * name and password and CONNECT in one flight, the proxy's answers, the
 * greeting through the tunnel, HELO. */
static void via_socks5(ms_table *t, uint16_t cport, ms_ts ts) {
  static const char req[] = "\x05\x01\x02"
                            "\x01\x06mstest\x08sock-pw!"
                            "\x05\x01\x00\x03\x0bmx.example.\x00\x19";
  static const char resp[] = "\x05\x02\x01\x00"
                             "\x05\x00\x00\x01\x7f\x00\x00\x01\x04\x38"
                             "220 mx ESMTP\r\n";
  uint32_t cs = 100, ss = 500;
  ms_tcp p = seg(1, cport, 1080, MS_TH_SYN, cs - 1, 0, NULL);
  ms_table_packet(t, &p, NULL, 0, ts++);
  p = seg(0, cport, 1080, MS_TH_SYN | MS_TH_ACK, ss - 1, cs, NULL);
  ms_table_packet(t, &p, NULL, 0, ts++);
  p = seg(1, cport, 1080, MS_TH_ACK, cs, ss, req);
  p.len = sizeof req - 1;
  ms_table_packet(t, &p, NULL, 0, ts++);
  cs += sizeof req - 1;
  p = seg(0, cport, 1080, MS_TH_ACK, ss, cs, resp);
  p.len = sizeof resp - 1;
  ms_table_packet(t, &p, NULL, 0, ts++);
  ss += sizeof resp - 1;
  p = seg(1, cport, 1080, MS_TH_ACK, cs, ss, "HELO c.example\r\n");
  ms_table_packet(t, &p, NULL, 0, ts++);
}

/* SMTP through SOCKS5: the proxy hop recorded (the password only with
 * --show-secrets), the SOCKS bytes left out of the decoding. */
static void socks5_tunnel(void **state) {
  (void)state;
  setup_opts();
  done_list d = {0};
  ms_table *t = ms_table_new(&opt, on_done, &d, &stats);
  via_socks5(t, 47000, 10);
  opt.dissect.show_secrets = true;
  ms_table *t2 = ms_table_new(&opt, on_done, &d, &stats);
  via_socks5(t2, 47001, 20);
  ms_table_flush(t, MS_END_EOF, 60);
  ms_table_flush(t2, MS_END_EOF, 60);
  assert_int_equal(d.n, 2);
  ms_session *r = d.got[0];
  assert_int_equal(r->proto, MS_PROTO_SMTP);
  assert_string_equal(r->proxy.type, "socks5");
  assert_string_equal(r->proxy.host, "mx.example.");
  assert_int_equal(r->proxy.port, 25);
  assert_string_equal(r->proxy.username, "mstest");
  assert_string_equal(r->proxy.password, "<redacted>");
  assert_string_equal(r->banner, "mx ESMTP");
  assert_int_equal(r->commands.len, 1);
  assert_string_equal(r->commands.items[0].verb, "HELO");
  assert_string_equal(r->anomalies.items[0].name, "socks_tunnel");
  assert_string_equal(r->anomalies.items[0].detail,
                      "socks5 CONNECT to mx.example. port 25 as mstest");
  assert_string_equal(d.got[1]->proxy.password, "sock-pw!");
  free_done(&d);
  ms_table_free(t);
  ms_table_free(t2);
}

static void non_mail_connections_give_way(void **state) {
  (void)state;
  setup_opts();
  opt.max_sessions = 2;
  done_list d = {0};
  ms_table *t = ms_table_new(&opt, on_done, &d, &stats);
  exchange(t, 44000, 8080, true, "HTTP/1.1 200 OK\r\n", "x\r\n", 10);
  exchange(t, 44001, 8081, true, "HTTP/1.1 200 OK\r\n", "x\r\n", 20);
  exchange(t, 44002, 25, true, "220 mx ESMTP\r\n", "NOOP\r\n", 30);
  exchange(t, 44003, 25, true, "220 mx ESMTP\r\n", "NOOP\r\n", 40);
  assert_int_equal(stats.sessions_dropped, 0);
  /* Now the table holds two mail sessions: the next one is dropped, and
   * its later packets do not count it again. */
  opt.quiet = true;
  exchange(t, 44004, 25, true, "220 mx ESMTP\r\n", "NOOP\r\n", 50);
  exchange(t, 44004, 25, false, "250 ok\r\n", "QUIT\r\n", 60);
  assert_int_equal(stats.sessions_dropped, 1);
  /* A slot frees up: the rest of the dropped connection is still not
   * picked up midstream, but a new connection is tracked. */
  assert_int_equal(d.n, 1); /* the dropped one, reported as such */
  assert_int_equal(d.got[0]->end, MS_END_LIMIT);
  ms_tcp p = seg(0, 44002, 25, MS_TH_RST, 514, 0, NULL);
  ms_table_packet(t, &p, NULL, 0, 70);
  assert_int_equal(d.n, 1); /* over, lingering: the first to make room */
  exchange(t, 44004, 25, false, "250 ok\r\n", "NOOP\r\n", 80);
  assert_int_equal(ms_table_open_count(t), 2);
  exchange(t, 44005, 25, true, "220 mx ESMTP\r\n", "NOOP\r\n", 90);
  assert_int_equal(d.n, 2);
  assert_int_equal(d.got[1]->end, MS_END_RST);
  assert_int_equal(ms_table_open_count(t), 2);
  ms_table_flush(t, MS_END_EOF, 100);
  assert_int_equal(d.n, 4);
  assert_int_equal(d.got[3]->client.port, 44005);
  free_done(&d);
  ms_table_free(t);
}

static void lost_client_segment_found_by_ack(void **state) {
  (void)state;
  setup_opts();
  done_list d = {0};
  ms_table *t = ms_table_new(&opt, on_done, &d, &stats);
  exchange(t, 46000, 25, true, "220 mx ESMTP\r\n", "EHLO a\r\n", 10);
  /* client seq 108: "MAIL FROM:<a@b>\r\n" (17 bytes) is lost; the server's
   * reply acknowledges it, then the client goes on. */
  ms_tcp p = seg(0, 46000, 25, MS_TH_ACK, 514, 125, "250 ok\r\n");
  ms_table_packet(t, &p, NULL, 0, 20);
  p = seg(1, 46000, 25, MS_TH_ACK, 125, 522, "QUIT\r\n");
  ms_table_packet(t, &p, NULL, 0, 30);
  ms_table_flush(t, MS_END_EOF, 40);
  assert_int_equal(d.n, 1);
  ms_session *r = d.got[0];
  assert_int_equal(r->gap_bytes, 17);
  bool found = false;
  for (size_t i = 0; i < r->anomalies.len; i++)
    found |= !strcmp(r->anomalies.items[i].name, "tcp_gap");
  assert_true(found);
  assert_string_equal(r->commands.items[r->commands.len - 1].verb, "QUIT");
  free_done(&d);
  ms_table_free(t);
}

static bool has_anomaly(const ms_session *r, const char *name) {
  for (size_t i = 0; i < r->anomalies.len; i++)
    if (!strcmp(r->anomalies.items[i].name, name))
      return true;
  return false;
}

/* An RST away from the next byte, or one inside the window but not at it,
 * and FINs far outside the window: ignored with a name; the session goes
 * on, and an RST at the next byte ends it. */
static void rst_and_fin_out_of_window(void **state) {
  (void)state;
  setup_opts();
  done_list d = {0};
  ms_table *t = ms_table_new(&opt, on_done, &d, &stats);
  exchange(t, 47000, 25, true, "220 mx ESMTP\r\n", "EHLO a\r\n", 10);
  /* client next is 108, server next 514 */
  ms_tcp p =
      seg(1, 47000, 25, MS_TH_RST | MS_TH_ACK, 108 + 0x40000000, 514, NULL);
  ms_table_packet(t, &p, NULL, 0, 20);
  p = seg(1, 47000, 25, MS_TH_RST, 110, 0, NULL);
  ms_table_packet(t, &p, NULL, 0, 21);
  p = seg(0, 47000, 25, MS_TH_FIN | MS_TH_ACK, 514 + 0x30000000, 108, NULL);
  ms_table_packet(t, &p, NULL, 0, 22);
  p = seg(1, 47000, 25, MS_TH_FIN | MS_TH_ACK, 108 + 0x30000000, 514, NULL);
  ms_table_packet(t, &p, NULL, 0, 23);
  assert_int_equal(d.n, 0); /* still open */
  p = seg(0, 47000, 25, MS_TH_ACK, 514, 108, "250 mx\r\n");
  ms_table_packet(t, &p, NULL, 0, 30);
  p = seg(1, 47000, 25, MS_TH_ACK, 108, 522, "QUIT\r\n");
  ms_table_packet(t, &p, NULL, 0, 31);
  p = seg(1, 47000, 25, MS_TH_RST, 114, 0, NULL); /* at the next byte */
  ms_table_packet(t, &p, NULL, 0, 32);
  assert_int_equal(d.n, 0); /* over, lingering for its last packets */
  ms_table_flush(t, MS_END_EOF, 40);
  assert_int_equal(d.n, 1);
  ms_session *r = d.got[0];
  assert_int_equal(r->end, MS_END_RST);
  assert_int_equal(r->commands.len, 2);
  assert_true(has_anomaly(r, "tcp_rst_out_of_window"));
  assert_true(has_anomaly(r, "tcp_fin_out_of_window"));
  free_done(&d);
  ms_table_free(t);
}

/* Over the memory bound the sessions holding the most end first: here the
 * one with 600 KB queued behind a hole, not the small one. */
static void memory_bound_ends_the_heaviest(void **state) {
  (void)state;
  setup_opts();
  done_list d = {0};
  ms_budget b;
  ms_budget_init(&b, 512 << 10);
  ms_table *t = ms_table_new(&opt, on_done, &d, &stats);
  ms_table_set_budget(t, &b);
  exchange(t, 48000, 25, true, "220 mx ESMTP\r\n", "EHLO a\r\n", 10);
  exchange(t, 48001, 25, true, "220 mx ESMTP\r\n", "EHLO b\r\n", 20);
  static char chunk[1401];
  memset(chunk, 'x', 1400);
  for (uint32_t i = 0; i < 430 && d.n == 0; i++) { /* after a 1-byte hole */
    ms_tcp p = seg(1, 48000, 25, MS_TH_ACK, 109 + i * 1400, 514, chunk);
    ms_table_packet(t, &p, NULL, 0, 30 + i);
  }
  assert_int_equal(d.n, 1);
  assert_int_equal(d.got[0]->client.port, 48000);
  assert_int_equal(d.got[0]->end, MS_END_LIMIT);
  assert_true(has_anomaly(d.got[0], "memory_limit"));
  assert_true(b.used <= b.limit);
  assert_int_equal(ms_table_open_count(t), 1);
  ms_table_flush(t, MS_END_EOF, 1000);
  assert_int_equal(d.n, 2);
  assert_true(stats.limits[MS_LIMIT_MEMORY] >= 1);
  free_done(&d);
  ms_table_free(t);
  assert_int_equal(b.used, 0); /* everything given back */
}

static void uids_are_stable(void **state) {
  (void)state;
  ms_tcp a = seg(1, 40000, 25, MS_TH_SYN, 1, 0, NULL);
  ms_tcp b = seg(0, 40000, 25, MS_TH_SYN | MS_TH_ACK, 1, 0, NULL);
  char u1[24], u2[24], u3[24];
  ms_make_uid(u1, 123456, &a);
  ms_make_uid(u2, 123456, &b); /* either direction */
  ms_make_uid(u3, 123457, &a);
  assert_string_equal(u1, u2);
  assert_string_not_equal(u1, u3);
  assert_int_equal(strlen(u1), 18);
  assert_int_equal(u1[0], 'C');
  /* The same on every run and every machine: pinned. */
  assert_string_equal(u1, UID_PINNED);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(port_and_greeting_detection),
      cmocka_unit_test(client_speaks_first_is_not_a_greeting),
      cmocka_unit_test(midstream_server_by_port_and_no_detect),
      cmocka_unit_test(table_limit_counts_drops),
      cmocka_unit_test(half_open_connections_give_way),
      cmocka_unit_test(fin_rst_and_timeout),
      cmocka_unit_test(packets_after_both_fins),
      cmocka_unit_test(multiline_greeting_and_non_mail_220),
      cmocka_unit_test(held_bytes_replayed_in_wire_order),
      cmocka_unit_test(http_connect_tunnel),
      cmocka_unit_test(socks5_tunnel),
      cmocka_unit_test(non_mail_connections_give_way),
      cmocka_unit_test(lost_client_segment_found_by_ack),
      cmocka_unit_test(rst_and_fin_out_of_window),
      cmocka_unit_test(memory_bound_ends_the_heaviest),
      cmocka_unit_test(uids_are_stable),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
