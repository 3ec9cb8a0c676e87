/* fuzz_dns.c - libFuzzer harness for the DNS decoder (dissectors/dns.c),
 * the answer cache (src/flow/dnscache.c) and the route of a session
 * (src/flow/routing.c) with its emitters.
 *
 * The low bit of the first byte chooses what the rest is:
 *
 * 0  one DNS message.  Decoded; every kept name must be short enough,
 *    NUL-terminated and of the promised alphabet, TTLs below 2^31.  Then
 *    decoded again as a response into a small cache (4 KiB, so eviction
 *    runs), and an SMTP session whose server is each address of the
 *    message, whose recipients are in each of its names and whose HELO is
 *    its question is routed and emitted in every format.
 * 1  a DNS-over-TCP byte stream, split at points the second byte seeds:
 *    the messages framed must be the ones framed from the whole stream.
 */
#include <arpa/inet.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dns.h"
#include "dnscache.h"
#include "fuzz_common.h"
#include "routing.h"

static ms_dns_msg msg;

static bool name_ok(const char *s) {
  size_t n = strnlen(s, MS_DNS_NAME_TEXT);
  if (n == MS_DNS_NAME_TEXT || n > 4 * 255)
    return false;
  for (size_t i = 0; i < n; i++) {
    char c = s[i];
    bool ok = (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' ||
              c == '_' || c == '*' || c == '.' || c == '\\';
    if (!ok)
      return false;
  }
  return true;
}

static void check_message(const ms_dns_msg *m) {
  FUZZ_CHECK(m->nrr <= MS_DNS_MAX_RR, "%zu records kept", m->nrr);
  FUZZ_CHECK(name_ok(m->qname), "question name out of alphabet");
  for (size_t i = 0; i < m->nrr; i++) {
    const ms_dns_rr *rr = &m->rr[i];
    FUZZ_CHECK(name_ok(rr->name) && name_ok(rr->target), "record %zu name", i);
    FUZZ_CHECK(rr->ttl < 0x80000000u, "ttl %u", rr->ttl);
    FUZZ_CHECK(rr->section >= 1 && rr->section <= 3, "section %u", rr->section);
  }
}

/* A session at time ts to `server` with recipients in m's names. */
static ms_session *session_for(const ms_dns_msg *m, const char *server,
                               ms_ts ts) {
  ms_session *s = ms_session_new();
  s->proto = MS_PROTO_SMTP;
  s->ts = ts;
  s->end_ts = ts + 1000000;
  snprintf(s->client.ip, sizeof s->client.ip, "%s", server);
  snprintf(s->server.ip, sizeof s->server.ip, "%s", server);
  s->server.port = 25;
  ms_transaction *t = vec_push(&s->transactions);
  for (size_t i = 0; i < m->nrr && i < 8; i++) {
    char *rcpt = xasprintf("u@%s", m->rr[i].name);
    strvec_push(&t->rcpt_to, rcpt);
    free(rcpt);
  }
  if (m->has_question)
    s->helo = xstrdup(m->qname);
  return s;
}

static void route_and_emit(ms_dnscache *c, const ms_dns_msg *m, ms_ts ts) {
  char server[48] = "192.0.2.1";
  for (size_t i = 0; i <= m->nrr && i < 4; i++) {
    if (i < m->nrr && m->rr[i].type == MS_DNS_T_A)
      inet_ntop(AF_INET, m->rr[i].addr, server, sizeof server);
    else if (i < m->nrr && m->rr[i].type == MS_DNS_T_AAAA)
      inet_ntop(AF_INET6, m->rr[i].addr, server, sizeof server);
    ms_session *s = session_for(m, server, ts);
    ms_route_decide(c, s);
    fuzz_emit_all(s, false);
    ms_session_free(s);
  }
}

static void one_message(const uint8_t *p, size_t n) {
  ms_dns_parse(p, n, &msg);
  check_message(&msg);
  if (n < 4)
    return;
  /* again as a response, seen twice (the second time changed), routed */
  uint8_t *copy = malloc(n);
  memcpy(copy, p, n);
  copy[2] |= 0x80;
  copy[2] &= 0x87; /* opcode 0 */
  copy[3] &= 0xf0; /* NOERROR */
  ms_dnscache *c = ms_dnscache_new(4096, 3600);
  const ms_ts t0 = 1700000000LL * 1000000;
  if (ms_dns_parse(copy, n, &msg)) {
    ms_dnscache_add(c, &msg, t0);
    ms_dnscache_attempt(c, "192.0.2.1", t0);
    if (n > 12)
      copy[n - 1] ^= 0x01;
    if (ms_dns_parse(copy, n, &msg))
      ms_dnscache_add(c, &msg, t0 + 1000000);
    FUZZ_CHECK(ms_dnscache_bytes(c) <= 4096, "cache over its bound: %llu bytes",
               (unsigned long long)ms_dnscache_bytes(c));
    route_and_emit(c, &msg, t0 + 2000000);
  }
  ms_dnscache_free(c);
  free(copy);
}

/* ---- 1: TCP framing ----------------------------------------------------- */

typedef struct {
  uint64_t hash;
  size_t count;
} framed;

static void on_message(void *ctx, const uint8_t *p, size_t n, int64_t ts) {
  framed *f = ctx;
  (void)ts;
  f->count++;
  for (size_t i = 0; i < n; i++)
    f->hash = (f->hash ^ p[i]) * 0x100000001b3ULL;
  f->hash = (f->hash ^ n) * 0x100000001b3ULL;
  ms_dns_parse(p, n, &msg);
  check_message(&msg);
}

static void tcp_stream(const uint8_t *p, size_t n) {
  if (n < 1)
    return;
  fuzz_rng rng;
  fuzz_rng_seed(&rng, p[0]);
  p++, n--;
  framed whole = {0}, parts = {0};
  ms_dns_stream a = {0}, b = {0};
  ms_dns_stream_data(&a, p, n, 0, on_message, &whole);
  for (size_t off = 0; off < n;) {
    size_t k = fuzz_rng_chunk(&rng, n - off);
    ms_dns_stream_data(&b, p + off, k, 0, on_message, &parts);
    off += k;
  }
  FUZZ_CHECK(whole.count == parts.count && whole.hash == parts.hash,
             "framing depends on the split: %zu vs %zu messages", whole.count,
             parts.count);
  FUZZ_CHECK(a.cap <= 65535 && b.cap <= 65535, "frame buffer over 64 KiB");
  ms_dns_stream_free(&a);
  ms_dns_stream_free(&b);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  if (size < 1)
    return 0;
  if (data[0] & 1)
    tcp_stream(data + 1, size - 1);
  else
    one_message(data + 1, size - 1);
  return 0;
}
