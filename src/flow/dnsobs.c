/* dnsobs.c - DNS packets into the answer cache (see dnsobs.h). */
#include "dnsobs.h"

#include <arpa/inet.h>
#include <stdlib.h>

#include "vec.h"

struct ms_dnsobs {
  const ms_options *opt;
  ms_stats *stats;
  ms_dnscache *cache;
  ms_dns_msg *msg; /* decoding space, reused (large: names are inline) */
};

ms_dnsobs *ms_dnsobs_new(const ms_options *opt, ms_stats *stats) {
  ms_dnsobs *o = xcalloc(1, sizeof *o);
  o->opt = opt;
  o->stats = stats;
  o->cache = ms_dnscache_new(opt->max_dns_cache, opt->dns_window);
  o->msg = xmalloc(sizeof *o->msg);
  return o;
}

void ms_dnsobs_free(ms_dnsobs *o) {
  if (!o)
    return;
  ms_dnscache_free(o->cache);
  free(o->msg);
  free(o);
}

const ms_dnscache *ms_dnsobs_cache(const ms_dnsobs *o) { return o->cache; }

static void count_anomalies(ms_dnsobs *o, unsigned bits) {
  if (!bits)
    return;
  o->stats->dns.malformed++;
  for (int i = 0; i < MS_DNS_A_COUNT; i++)
    if (bits & (1u << i))
      o->stats->dns.anomalies[i]++;
}

void ms_dnsobs_message(void *ctx, const uint8_t *p, size_t n, ms_ts ts) {
  ms_dnsobs *o = ctx;
  ms_dns_msg *m = o->msg;
  o->stats->dns.messages++;
  bool ok = ms_dns_parse(p, n, m);
  count_anomalies(o, m->anomalies);
  if (!ok || !m->response)
    return;
  o->stats->dns.responses++;
  ms_dnscache_add(o->cache, m, ts);
  o->stats->dns.evicted = ms_dnscache_evicted(o->cache);
}

void ms_dnsobs_stream_anomalies(ms_dnsobs *o, unsigned anomalies) {
  count_anomalies(o, anomalies);
}

static uint16_t rd16(const uint8_t *p) { return (uint16_t)(p[0] << 8 | p[1]); }

bool ms_dnsobs_udp(ms_dnsobs *o, int version, const uint8_t *ip, size_t len,
                   ms_ts ts) {
  ms_ip_upper u;
  if (ms_ip_locate_upper(version, ip, len, &u) != MS_IP_TCP || u.proto != 17 ||
      u.end - u.offset < 8)
    return false;
  const uint8_t *udp = ip + u.offset;
  if (rd16(udp) != MS_DNS_PORT && rd16(udp + 2) != MS_DNS_PORT)
    return false;
  size_t n = u.end - u.offset, udp_len = rd16(udp + 4);
  if (udp_len >= 8 && udp_len < n) /* the UDP length, when it is shorter */
    n = udp_len;
  ms_dnsobs_message(o, udp + 8, n - 8, ts);
  return true;
}

void ms_dnsobs_tcp(ms_dnsobs *o, const ms_tcp *seg, ms_ts ts) {
  if ((seg->flags & (MS_TH_SYN | MS_TH_ACK)) != MS_TH_SYN ||
      o->opt->port_proto[seg->dport] != MS_PROTO_SMTP)
    return;
  char ip[48];
  inet_ntop(seg->ip_version == 4 ? AF_INET : AF_INET6, seg->dst, ip, sizeof ip);
  ms_dnscache_attempt(o->cache, ip, ts);
}
