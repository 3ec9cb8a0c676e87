/* gen_capture.c - deterministic benchmark captures for `make bench`.
 *
 *   gen_capture mix OUT.pcap MEGABYTES [CONCURRENT]
 *       interleaved SMTP and POP3 sessions until the file reaches MEGABYTES:
 *       IPv4 and IPv6, some 802.1Q, handshakes and FINs, MSS-sized segments
 *       with ACKs, EHLO + PIPELINING groups, AUTH PLAIN/LOGIN, messages from
 *       200 bytes to 200 KB (many multipart with base64 attachments,
 *       dot-stuffed lines), sometimes BDAT; POP3 USER/PASS, STAT, LIST,
 *       UIDL, RETR, DELE, QUIT.  CONCURRENT sessions (default 64) are open
 *       at once and their packets interleave.
 *       Every fifth session is TLS with a real handshake
 * (bench/tls_handshakes.h, TLS 1.2 with its certificates or TLS 1.3): SMTP
 * STARTTLS on 25, implicit TLS on 465, POP3 STLS on 110 or implicit on 995, the
 * mail exchange after it as encrypted records of the same sizes. gen_capture
 * tls OUT.pcap MEGABYTES [CONCURRENT] the same with every session TLS.
 *   gen_capture scale OUT.pcap SESSIONS
 *       SESSIONS connections opened together, each exchanging a greeting and
 *       a command, then all closed: memory must follow open sessions.  Says
 *       on stderr at which byte all are open and at which all are closed.
 *   gen_capture keylog OUT.pcap MEGABYTES [CONCURRENT]
 *       the sessions of mix made TLS by OpenSSL's libssl (see "keylog"
 *       below), their key log in OUT.pcap.keylog, and the same sessions in
 *       the clear in OUT.pcap.plain.pcap: what decryption costs.
 *
 * A fixed-seed PRNG makes the output identical on every run.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tls_handshakes.h"

static uint64_t rng_state = 0x6d61696c73636f70ULL;
static uint32_t rnd(void) {
  rng_state ^= rng_state << 13;
  rng_state ^= rng_state >> 7;
  rng_state ^= rng_state << 17;
  return (uint32_t)(rng_state >> 16);
}

static FILE *out;
static uint64_t now_us = 1763800000ULL * 1000000;
static uint64_t written;

static void put16be(uint8_t *p, uint16_t v) {
  p[0] = (uint8_t)(v >> 8);
  p[1] = (uint8_t)v;
}
static void put32be(uint8_t *p, uint32_t v) {
  p[0] = (uint8_t)(v >> 24);
  p[1] = (uint8_t)(v >> 16);
  p[2] = (uint8_t)(v >> 8);
  p[3] = (uint8_t)v;
}

typedef struct {
  int v6, vlan;
  uint8_t caddr[16], saddr[16];
  uint16_t cport, sport;
  uint32_t seq[2];
  /* the script: steps of one direction's bytes (see step()) */
  char *script;
  size_t len, pos;
  int step_dir;     /* direction of the current step */
  size_t step_left; /* its bytes not sent yet */
  int state;        /* 0 new, 1 open, 2 closed */
} flow;

static void write_packet(const flow *f, int dir, uint8_t flags,
                         const uint8_t *data, size_t n) {
  uint8_t pkt[1600];
  size_t o = 0;
  memcpy(pkt, "\x02\x00\x00\x00\x00\x02\x02\x00\x00\x00\x00\x01", 12);
  o = 12;
  if (f->vlan) {
    put16be(pkt + o, 0x8100);
    put16be(pkt + o + 2, (uint16_t)f->vlan);
    o += 4;
  }
  put16be(pkt + o, f->v6 ? 0x86dd : 0x0800);
  o += 2;
  const uint8_t *src = dir ? f->saddr : f->caddr;
  const uint8_t *dst = dir ? f->caddr : f->saddr;
  size_t tcp_len = 20 + n;
  if (f->v6) {
    memset(pkt + o, 0, 40);
    pkt[o] = 0x60;
    put16be(pkt + o + 4, (uint16_t)tcp_len);
    pkt[o + 6] = 6;
    pkt[o + 7] = 64;
    memcpy(pkt + o + 8, src, 16);
    memcpy(pkt + o + 24, dst, 16);
    o += 40;
  } else {
    memset(pkt + o, 0, 20);
    pkt[o] = 0x45;
    put16be(pkt + o + 2, (uint16_t)(20 + tcp_len));
    pkt[o + 8] = 64;
    pkt[o + 9] = 6;
    memcpy(pkt + o + 12, src, 4);
    memcpy(pkt + o + 16, dst, 4);
    o += 20;
  }
  memset(pkt + o, 0, 20);
  put16be(pkt + o, dir ? f->sport : f->cport);
  put16be(pkt + o + 2, dir ? f->cport : f->sport);
  put32be(pkt + o + 4, f->seq[dir]);
  put32be(pkt + o + 8, f->seq[!dir]);
  pkt[o + 12] = 0x50;
  pkt[o + 13] = flags;
  put16be(pkt + o + 14, 65535);
  o += 20;
  memcpy(pkt + o, data, n);
  o += n;
  now_us += 1 + rnd() % 50;
  uint32_t hdr[4] = {(uint32_t)(now_us / 1000000), (uint32_t)(now_us % 1000000),
                     (uint32_t)o, (uint32_t)o};
  fwrite(hdr, 4, 4, out);
  fwrite(pkt, 1, o, out);
  written += 16 + o;
}

/* ---- scripts ------------------------------------------------------------ */

typedef struct {
  char *p;
  size_t len, cap;
} buf;

static void add(buf *b, const char *s, size_t n) {
  if (b->len + n + 1 > b->cap) {
    b->cap = (b->len + n + 1) * 2;
    b->p = realloc(b->p, b->cap);
    if (!b->p)
      abort();
  }
  memcpy(b->p + b->len, s, n);
  b->len += n;
}

/* A step: 'C' or 'S', its length (4 bytes, big-endian), its bytes. */
static void step(buf *b, int dir, const char *s, size_t n) {
  char h[5] = {dir ? 'S' : 'C', (char)(n >> 24), (char)(n >> 16),
               (char)(n >> 8), (char)n};
  add(b, h, 5);
  add(b, s, n);
}
static void steps(buf *b, int dir, const char *s) {
  step(b, dir, s, strlen(s));
}

static const char b64[] =
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

static void message(buf *b, size_t target, int id) {
  char line[256];
  int n = snprintf(
      line, sizeof line,
      "Received: from client%d.example.test (client%d.example.test "
      "[192.0.2.%d]) by mx.example.test with ESMTP id Q%d\r\n"
      "From: User %d <user%d@example.test>\r\nTo: rcpt%d@example.org\r\n"
      "Subject: benchmark message %d\r\nMessage-ID: <%d@example.test>\r\n",
      id % 200, id % 200, id % 250 + 1, id, id, id, id % 97, id, id);
  add(b, line, (size_t)n);
  int multipart = target > 2000 && rnd() % 3 != 0;
  if (multipart)
    add(b,
        "MIME-Version: 1.0\r\nContent-Type: multipart/mixed; "
        "boundary=\"BOUND\"\r\n\r\n"
        "--BOUND\r\nContent-Type: text/plain\r\n\r\n",
        strlen("MIME-Version: 1.0\r\nContent-Type: multipart/mixed; "
               "boundary=\"BOUND\"\r\n\r\n--BOUND\r\nContent-Type: "
               "text/plain\r\n\r\n"));
  else
    add(b, "\r\n", 2);
  size_t text = multipart ? target / 5 : target;
  size_t start = b->len;
  while (b->len - start < text) {
    if (rnd() % 20 == 0)
      add(b, "..a line that starts with a dot\r\n", 33);
    else
      add(b,
          "The quick brown fox jumps over the lazy dog, again and again.\r\n",
          63);
  }
  if (multipart) {
    n = snprintf(line, sizeof line,
                 "--BOUND\r\nContent-Type: application/octet-stream\r\n"
                 "Content-Disposition: attachment; filename=\"file%d.bin\"\r\n"
                 "Content-Transfer-Encoding: base64\r\n\r\n",
                 id);
    add(b, line, (size_t)n);
    size_t att = target - text;
    for (size_t done = 0; done < att; done += 78) {
      char l[80];
      for (int i = 0; i < 76; i++)
        l[i] = b64[rnd() % 64];
      l[76] = '\r';
      l[77] = '\n';
      add(b, l, 78);
    }
    add(b, "--BOUND--\r\n", 11);
  }
}

static size_t message_size(void) {
  uint32_t r = rnd() % 100;
  if (r < 50)
    return 200 + rnd() % 2000;
  if (r < 85)
    return 2000 + rnd() % 30000;
  return 30000 + rnd() % 170000;
}

static char *smtp_script(int id, size_t *len) {
  buf b = {0};
  steps(&b, 1, "220 mx.example.test ESMTP Postfix\r\n");
  steps(&b, 0, "EHLO client.example.test\r\n");
  steps(&b, 1,
        "250-mx.example.test\r\n250-PIPELINING\r\n250-SIZE 52428800\r\n"
        "250-AUTH PLAIN LOGIN\r\n250-8BITMIME\r\n250 CHUNKING\r\n");
  if (id % 2) {
    steps(&b, 0, "AUTH PLAIN AHVzZXIAcGFzc3dvcmQ=\r\n");
    steps(&b, 1, "235 2.7.0 Authentication successful\r\n");
  } else if (id % 3 == 0) {
    steps(&b, 0, "AUTH LOGIN\r\n");
    steps(&b, 1, "334 VXNlcm5hbWU6\r\n");
    steps(&b, 0, "dXNlcg==\r\n");
    steps(&b, 1, "334 UGFzc3dvcmQ6\r\n");
    steps(&b, 0, "cGFzc3dvcmQ=\r\n");
    steps(&b, 1, "235 2.7.0 Authentication successful\r\n");
  }
  int messages = 1 + (int)(rnd() % 3);
  for (int m = 0; m < messages; m++) {
    char cmd[256];
    buf body = {0};
    message(&body, message_size(), id * 4 + m);
    if (rnd() % 8 == 0) { /* BDAT */
      int n = snprintf(
          cmd, sizeof cmd,
          "MAIL FROM:<user%d@example.test>\r\nRCPT TO:<rcpt%d@example.org>\r\n"
          "BDAT %zu LAST\r\n",
          id, id % 97, body.len);
      buf c = {0};
      add(&c, cmd, (size_t)n);
      add(&c, body.p, body.len);
      step(&b, 0, c.p, c.len);
      free(c.p);
      steps(&b, 1,
            "250 2.1.0 Ok\r\n250 2.1.5 Ok\r\n250 2.0.0 Ok: queued as B123\r\n");
    } else {
      int n = snprintf(cmd, sizeof cmd,
                       "MAIL FROM:<user%d@example.test> SIZE=%zu\r\nRCPT "
                       "TO:<rcpt%d@example.org>\r\n"
                       "RCPT TO:<other%d@example.org>\r\nDATA\r\n",
                       id, body.len, id % 97, id % 13);
      step(&b, 0, cmd, (size_t)n);
      steps(&b, 1,
            "250 2.1.0 Ok\r\n250 2.1.5 Ok\r\n250 2.1.5 Ok\r\n354 End data\r\n");
      add(&body, ".\r\n", 3);
      step(&b, 0, body.p, body.len);
      steps(&b, 1, "250 2.0.0 Ok: queued as 4ABC123\r\n");
    }
    free(body.p);
  }
  steps(&b, 0, "QUIT\r\n");
  steps(&b, 1, "221 2.0.0 Bye\r\n");
  *len = b.len;
  return b.p;
}

static char *pop3_script(int id, size_t *len) {
  buf b = {0};
  steps(&b, 1, "+OK POP3 ready <1234.5678@mail.example.test>\r\n");
  steps(&b, 0, "USER user\r\n");
  steps(&b, 1, "+OK\r\n");
  steps(&b, 0, "PASS password\r\n");
  steps(&b, 1, "+OK Logged in.\r\n");
  buf msg = {0};
  message(&msg, message_size(), id);
  char line[160];
  int n = snprintf(line, sizeof line, "+OK 1 %zu\r\n", msg.len);
  steps(&b, 0, "STAT\r\nLIST\r\nUIDL\r\n");
  buf r = {0};
  add(&r, line, (size_t)n);
  n = snprintf(line, sizeof line,
               "+OK\r\n1 %zu\r\n.\r\n+OK\r\n1 UID%d\r\n.\r\n", msg.len, id);
  add(&r, line, (size_t)n);
  step(&b, 1, r.p, r.len);
  free(r.p);
  steps(&b, 0, "RETR 1\r\n");
  buf m = {0};
  n = snprintf(line, sizeof line, "+OK %zu octets\r\n", msg.len);
  add(&m, line, (size_t)n);
  /* dot-stuff the message for the wire */
  for (size_t i = 0; i < msg.len; i++) {
    if (msg.p[i] == '.' && (i == 0 || msg.p[i - 1] == '\n'))
      add(&m, ".", 1);
    add(&m, msg.p + i, 1);
  }
  add(&m, ".\r\n", 3);
  step(&b, 1, m.p, m.len);
  free(m.p);
  free(msg.p);
  steps(&b, 0, "DELE 1\r\n");
  steps(&b, 1, "+OK Marked to be deleted.\r\n");
  steps(&b, 0, "QUIT\r\n");
  steps(&b, 1, "+OK Logging out.\r\n");
  *len = b.len;
  return b.p;
}

/* ---- TLS sessions -----------------------------------------------------------
 */

/* The steps of `script` from step `from` on, as TLS application data
 * records of the same sizes: random bytes, as encryption makes them, at
 * most 16 KiB of data a record plus its overhead (TLS 1.3: type and tag;
 * TLS 1.2 AES-GCM: explicit nonce and tag). */
static void encrypted_steps(buf *b, const char *script, size_t len, int from,
                            int tls13) {
  int index = 0;
  for (size_t at = 0; at + 5 <= len; index++) {
    const unsigned char *h = (const unsigned char *)script + at;
    int dir = h[0] == 'S';
    size_t n =
        (size_t)h[1] << 24 | (size_t)h[2] << 16 | (size_t)h[3] << 8 | h[4];
    at += 5 + n;
    if (index < from)
      continue;
    buf records = {0};
    for (size_t done = 0; done < n;) {
      size_t k = n - done < 16384 ? n - done : 16384;
      size_t body = k + (tls13 ? 17 : 24);
      char hdr[5] = {23, 3, 3, (char)(body >> 8), (char)body};
      add(&records, hdr, 5);
      for (size_t i = 0; i < body; i++) {
        char c = (char)rnd();
        add(&records, &c, 1);
      }
      done += k;
    }
    step(b, dir, records.p, records.len);
    free(records.p);
  }
}

enum { TLS_STARTTLS_SMTP, TLS_SMTPS, TLS_STLS_POP3, TLS_POP3S, TLS_KINDS };

static char *smtp_script(int id, size_t *len);
static char *pop3_script(int id, size_t *len);

/* A TLS session of kind (TLS_*): the plaintext exchange up to the switch,
 * a real handshake (TLS 1.2 for STARTTLS SMTP and 995, 1.3 for the
 * others), then the mail exchange encrypted. */
static char *tls_script(int id, int kind, size_t *len) {
  int pop = kind == TLS_STLS_POP3 || kind == TLS_POP3S;
  int tls13 = kind == TLS_SMTPS || kind == TLS_STLS_POP3;
  size_t plain_len;
  char *plain = pop ? pop3_script(id, &plain_len) : smtp_script(id, &plain_len);
  buf b = {0};
  if (kind == TLS_STARTTLS_SMTP) {
    steps(&b, 1, "220 mx.example.test ESMTP Postfix\r\n");
    steps(&b, 0, "EHLO client.example.test\r\n");
    steps(&b, 1,
          "250-mx.example.test\r\n250-PIPELINING\r\n250-SIZE 52428800\r\n"
          "250-STARTTLS\r\n250 CHUNKING\r\n");
    steps(&b, 0, "STARTTLS\r\n");
    steps(&b, 1, "220 2.0.0 Ready to start TLS\r\n");
  } else if (kind == TLS_STLS_POP3) {
    steps(&b, 1, "+OK POP3 ready\r\n");
    steps(&b, 0, "STLS\r\n");
    steps(&b, 1, "+OK Begin TLS negotiation now.\r\n");
  }
  const tls_flight *hs = tls13 ? tls13_handshake : tls12_handshake;
  size_t nhs = tls13 ? sizeof tls13_handshake / sizeof tls13_handshake[0]
                     : sizeof tls12_handshake / sizeof tls12_handshake[0];
  for (size_t i = 0; i < nhs; i++)
    step(&b, hs[i].dir, hs[i].bytes, (size_t)hs[i].len);
  /* after STARTTLS/STLS the greeting is not repeated */
  int implicit = kind == TLS_SMTPS || kind == TLS_POP3S;
  encrypted_steps(&b, plain, plain_len, implicit ? 0 : 1, tls13);
  free(plain);
  *len = b.len;
  return b.p;
}

static int all_tls; /* gen_capture tls */
/* gen_capture keylog: the scripts made TLS by libssl start in the clear
 * (a TLS script wrapped in TLS again would be TLS inside TLS) */
static int no_tls;

/* ---- keylog: a session's script through real TLS ---------------------------
 * OpenSSL's libssl plays client and server over memory BIOs: the plaintext
 * steps are written by their side and the records that cross become the
 * steps of the TLS script; the key log goes to the .keylog file.  By
 * session number: TLS 1.3 AES-128-GCM, TLS 1.3 ChaCha20-Poly1305, TLS 1.2
 * ECDHE-ECDSA-AES128-GCM-SHA256, TLS 1.2 ECDHE-ECDSA-AES128-SHA256 (CBC
 * with encrypt_then_mac); odd sessions use STARTTLS/STLS on 25/110 (the
 * greeting, EHLO or nothing, STARTTLS/STLS in the clear), even ones
 * implicit TLS on 465/995.  The keys and randoms come from OpenSSL, so
 * unlike the rest these bytes differ from run to run (their sizes do not). */
#include <openssl/ssl.h>
#include <openssl/x509.h>

static FILE *keylog_out;
static SSL_CTX *kl_server[4], *kl_client[4];

static void keylog_line(const SSL *ssl, const char *line) {
  (void)ssl;
  fprintf(keylog_out, "%s\n", line);
}

static void keylog_contexts(void) {
  EVP_PKEY *key = EVP_PKEY_Q_keygen(NULL, NULL, "EC", "P-256");
  X509 *x = X509_new();
  X509_set_version(x, 2);
  ASN1_INTEGER_set(X509_get_serialNumber(x), 1);
  X509_gmtime_adj(X509_getm_notBefore(x), 0);
  X509_gmtime_adj(X509_getm_notAfter(x), 86400L * 3650);
  X509_set_pubkey(x, key);
  X509_NAME_add_entry_by_txt(X509_get_subject_name(x), "CN", MBSTRING_ASC,
                             (const unsigned char *)"mx.example.test", -1, -1,
                             0);
  X509_set_issuer_name(x, X509_get_subject_name(x));
  X509_sign(x, key, EVP_sha256());
  static const char *const suites[4][2] = {
      {NULL, "TLS_AES_128_GCM_SHA256"},
      {NULL, "TLS_CHACHA20_POLY1305_SHA256"},
      {"ECDHE-ECDSA-AES128-GCM-SHA256", NULL},
      {"ECDHE-ECDSA-AES128-SHA256", NULL}};
  for (int i = 0; i < 4; i++) {
    int v = suites[i][0] ? TLS1_2_VERSION : TLS1_3_VERSION;
    for (int server = 0; server < 2; server++) {
      SSL_CTX *c =
          SSL_CTX_new(server ? TLS_server_method() : TLS_client_method());
      SSL_CTX_set_min_proto_version(c, v);
      SSL_CTX_set_max_proto_version(c, v);
      if (suites[i][0])
        SSL_CTX_set_cipher_list(c, suites[i][0]);
      else
        SSL_CTX_set_ciphersuites(c, suites[i][1]);
      SSL_CTX_set_keylog_callback(c, keylog_line);
      SSL_CTX_set_session_cache_mode(c, SSL_SESS_CACHE_OFF);
      SSL_CTX_set_num_tickets(c, 0);
      if (server) {
        SSL_CTX_use_certificate(c, x);
        SSL_CTX_use_PrivateKey(c, key);
        kl_server[i] = c;
      } else {
        kl_client[i] = c;
      }
    }
  }
  X509_free(x);
  EVP_PKEY_free(key);
}

/* What one side wrote, as a step of the TLS script, and on to the peer. */
static void keylog_pump(buf *b, int dir, BIO *from, BIO *to) {
  char chunk[16384];
  buf got = {0};
  int n;
  while ((n = BIO_read(from, chunk, sizeof chunk)) > 0) {
    add(&got, chunk, (size_t)n);
    BIO_write(to, chunk, n);
  }
  if (got.len)
    step(b, dir, got.p, got.len);
  free(got.p);
}

/* The steps of a plaintext script from step `first` on, through TLS,
 * appended to b. */
static void keylog_steps(buf *b, const char *plain, size_t len, int first,
                         int suite) {
  SSL *ssl[2] = {SSL_new(kl_client[suite]), SSL_new(kl_server[suite])};
  BIO *in[2], *outb[2];
  for (int d = 0; d < 2; d++) {
    in[d] = BIO_new(BIO_s_mem());
    outb[d] = BIO_new(BIO_s_mem());
    SSL_set_bio(ssl[d], in[d], outb[d]);
  }
  SSL_set_connect_state(ssl[0]);
  SSL_set_accept_state(ssl[1]);
  for (int i = 0, done = 0; i < 50 && !done; i++) {
    done = SSL_do_handshake(ssl[0]) == 1;
    keylog_pump(b, 0, outb[0], in[1]);
    done &= SSL_do_handshake(ssl[1]) == 1;
    keylog_pump(b, 1, outb[1], in[0]);
  }
  char *sink = malloc(1 << 16);
  int k = 0;
  for (size_t pos = 0; pos < len; k++) {
    const uint8_t *h = (const uint8_t *)plain + pos;
    int d = h[0] == 'S';
    size_t n =
        (size_t)h[1] << 24 | (size_t)h[2] << 16 | (size_t)h[3] << 8 | h[4];
    pos += 5;
    for (size_t off = 0; k >= first && off < n;) {
      size_t part = n - off < 16384 ? n - off : 16384;
      int w = SSL_write(ssl[d], plain + pos + off, (int)part);
      if (w <= 0)
        abort();
      off += (size_t)w;
      keylog_pump(b, d, outb[d], in[!d]);
      while (SSL_read(ssl[!d], sink, 1 << 16) > 0)
        ;
      keylog_pump(b, !d, outb[!d], in[d]);
    }
    pos += n;
  }
  free(sink);
  SSL_free(ssl[0]);
  SSL_free(ssl[1]);
}

/* The session's plaintext script made TLS: implicit, or after STARTTLS. */
static char *keylog_script(const char *plain, size_t len, int id, int pop,
                           int starttls, size_t *out_len) {
  buf b = {0};
  if (starttls && pop) {
    steps(&b, 1, "+OK POP3 ready <1234.5678@mail.example.test>\r\n");
    steps(&b, 0, "STLS\r\n");
    steps(&b, 1, "+OK Begin TLS negotiation now.\r\n");
  } else if (starttls) {
    steps(&b, 1, "220 mx.example.test ESMTP Postfix\r\n");
    steps(&b, 0, "EHLO client.example.test\r\n");
    steps(&b, 1, "250-mx.example.test\r\n250-PIPELINING\r\n250 STARTTLS\r\n");
    steps(&b, 0, "STARTTLS\r\n");
    steps(&b, 1, "220 2.0.0 Ready to start TLS\r\n");
  }
  /* after STARTTLS the greeting is not said again */
  keylog_steps(&b, plain, len, starttls ? 1 : 0, id % 4);
  *out_len = b.len;
  return b.p;
}

static void open_flow(flow *f, int id, int smtp_only) {
  memset(f, 0, sizeof *f);
  f->v6 = id % 5 == 0;
  f->vlan = id % 7 == 0 ? 100 + id % 10 : 0;
  if (f->v6) {
    memcpy(f->caddr, "\x20\x01\x0d\xb8\x00\x01\x00\x00\x00\x00\x00\x00\x00\x00",
           14);
    f->caddr[14] = (uint8_t)(id >> 8);
    f->caddr[15] = (uint8_t)id;
    memcpy(f->saddr,
           "\x20\x01\x0d\xb8\x00\x02\x00\x00\x00\x00\x00\x00\x00\x00\x00\x25",
           16);
  } else {
    uint8_t c[4] = {10, (uint8_t)(id >> 16), (uint8_t)(id >> 8), (uint8_t)id};
    uint8_t s[4] = {192, 0, 2, 25};
    memcpy(f->caddr, c, 4);
    memcpy(f->saddr, s, 4);
  }
  f->cport = (uint16_t)(20000 + id % 40000);
  int pop = !smtp_only && id % 3 == 2;
  f->sport = pop ? 110 : 25;
  f->seq[0] = rnd();
  f->seq[1] = rnd();
  if (!smtp_only && !no_tls && (all_tls || id % 5 == 4)) {
    static const uint16_t ports[TLS_KINDS] = {25, 465, 110, 995};
    int kind = (all_tls ? id : id / 5) % TLS_KINDS;
    f->sport = ports[kind];
    f->script = tls_script(id, kind, &f->len);
    return;
  }
  f->script = pop ? pop3_script(id, &f->len) : smtp_script(id, &f->len);
  f->pos = 0;
}

/* keylog mode: the session made TLS (f) and its twin in the clear. */
static void open_keylog_pair(flow *f, flow *twin, int id) {
  open_flow(f, id, 0);
  *twin = *f;
  twin->script = malloc(f->len);
  memcpy(twin->script, f->script, f->len);
  int pop = f->sport == 110, starttls = id % 2;
  size_t n;
  char *t = keylog_script(f->script, f->len, id, pop, starttls, &n);
  free(f->script);
  f->script = t;
  f->len = n;
  if (!starttls)
    f->sport = pop ? 995 : 465;
}

/* Advance a flow by one packet (or one exchange); returns 0 when done. */
static int advance(flow *f) {
  if (f->state == 2)
    return 0;
  if (f->state == 0) {
    f->seq[0]--;
    f->seq[1]--;
    write_packet(f, 0, 0x02, NULL, 0);
    f->seq[0]++;
    write_packet(f, 1, 0x12, NULL, 0);
    f->seq[1]++;
    write_packet(f, 0, 0x10, NULL, 0);
    f->state = 1;
    return 1;
  }
  if (f->pos >= f->len) {
    write_packet(f, 0, 0x11, NULL, 0);
    f->seq[0]++;
    write_packet(f, 1, 0x11, NULL, 0);
    f->seq[1]++;
    write_packet(f, 0, 0x10, NULL, 0);
    free(f->script);
    f->state = 2;
    return 0;
  }
  if (!f->step_left) {
    const unsigned char *h = (const unsigned char *)f->script + f->pos;
    f->step_dir = h[0] == 'S';
    f->step_left =
        (size_t)h[1] << 24 | (size_t)h[2] << 16 | (size_t)h[3] << 8 | h[4];
    f->pos += 5;
  }
  size_t n = f->step_left < 1448 ? f->step_left : 1448;
  int d = f->step_dir;
  write_packet(f, d, 0x18, (const uint8_t *)f->script + f->pos, n);
  f->seq[d] += (uint32_t)n;
  f->pos += n;
  f->step_left -= n;
  if (f->pos >= f->len || !f->step_left || rnd() % 2)
    write_packet(f, !d, 0x10, NULL, 0); /* an ACK */
  return 1;
}

static void header(void) {
  uint32_t h[6] = {0xa1b2c3d4, 0x00040002, 0, 0, 65535, 1};
  fwrite(h, 4, 6, out);
}

/* gen_capture keylog OUT MB [CONCURRENT]: OUT, OUT.keylog, OUT.plain.pcap. */
static FILE *open_out(const char *name, const char *suffix) {
  char path[4096];
  snprintf(path, sizeof path, "%s%s", name, suffix);
  FILE *f = fopen(path, "wb");
  if (!f) {
    perror(path);
    exit(1);
  }
  return f;
}

static int advance_into(flow *f, FILE *to, uint64_t *count) {
  FILE *was = out;
  uint64_t before = written;
  out = to;
  written = *count;
  int more = advance(f);
  *count = written;
  written = before;
  out = was;
  return more;
}

static void gen_keylog(const char *name, uint64_t target, int conc) {
  FILE *tls_out = out, *plain_out = open_out(name, ".plain.pcap");
  keylog_out = open_out(name, ".keylog");
  no_tls = 1;
  keylog_contexts();
  out = plain_out;
  header();
  out = tls_out;
  uint64_t wt = 24, wp = 24;
  flow *fl = calloc((size_t)conc, sizeof(flow));
  flow *tw = calloc((size_t)conc, sizeof(flow));
  int next_id = 1;
  for (int i = 0; i < conc; i++, next_id++)
    open_keylog_pair(&fl[i], &tw[i], next_id);
  while (wt < target) {
    int i = (int)(rnd() % (uint32_t)conc);
    int more = advance_into(&fl[i], tls_out, &wt);
    advance_into(&tw[i], plain_out, &wp);
    if (!more) {
      while (advance_into(&tw[i], plain_out, &wp))
        ;
      open_keylog_pair(&fl[i], &tw[i], next_id++);
    }
  }
  for (int i = 0; i < conc; i++) {
    while (advance_into(&fl[i], tls_out, &wt))
      ;
    while (advance_into(&tw[i], plain_out, &wp))
      ;
  }
  free(fl);
  free(tw);
  fclose(plain_out);
  fclose(keylog_out);
  fprintf(stderr,
          "gen_capture: %d TLS sessions, %.1f MB (in the clear %.1f MB)\n",
          next_id - 1, (double)wt / 1e6, (double)wp / 1e6);
}

int main(int argc, char **argv) {
  if (argc < 4) {
    fprintf(stderr,
            "usage: gen_capture mix|tls OUT MB [CONCURRENT] | scale OUT N | "
            "keylog OUT MB [CONCURRENT]\n");
    return 1;
  }
  out = fopen(argv[2], "wb");
  if (!out) {
    perror(argv[2]);
    return 1;
  }
  header();
  if (!strcmp(argv[1], "scale")) {
    int n = atoi(argv[3]);
    flow *fl = calloc((size_t)n, sizeof(flow));
    for (int i = 0; i < n; i++) {
      open_flow(&fl[i], i, 1);
      advance(&fl[i]); /* handshake */
      free(fl[i].script);
      buf b = {0};
      steps(&b, 1, "220 mx ESMTP\r\n");
      steps(&b, 0, "NOOP\r\n");
      fl[i].script = b.p;
      fl[i].len = b.len;
      advance(&fl[i]);
      advance(&fl[i]);
    }
    /* where the closing starts, for the benchmark's memory samples */
    fprintf(stderr, "gen_capture: %d sessions open at byte %llu,", n,
            (unsigned long long)(written + 24));
    for (int i = 0; i < n; i++)
      while (advance(&fl[i]))
        ;
    free(fl);
    fprintf(stderr, " all closed at byte %llu\n",
            (unsigned long long)(written + 24));
  } else if (!strcmp(argv[1], "keylog")) {
    gen_keylog(argv[2], (uint64_t)atoll(argv[3]) * 1000000,
               argc > 4 ? atoi(argv[4]) : 64);
  } else {
    all_tls = !strcmp(argv[1], "tls");
    uint64_t target = (uint64_t)atoll(argv[3]) * 1000000;
    int conc = argc > 4 ? atoi(argv[4]) : 64;
    flow *fl = calloc((size_t)conc, sizeof(flow));
    int next_id = 1;
    for (int i = 0; i < conc; i++)
      open_flow(&fl[i], next_id++, 0);
    while (written < target) {
      int i = (int)(rnd() % (uint32_t)conc);
      if (!advance(&fl[i]))
        open_flow(&fl[i], next_id++, 0);
    }
    for (int i = 0; i < conc; i++)
      while (advance(&fl[i]))
        ;
    free(fl);
    fprintf(stderr, "gen_capture: %d sessions, %.1f MB\n", next_id - 1,
            (double)written / 1e6);
  }
  fclose(out);
  return 0;
}
