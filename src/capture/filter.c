/* filter.c - the -f filter compiled for raw IP (see filter.h). */
#include "filter.h"

#include <pcap/pcap.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct ms_filter {
  struct bpf_program prog;
};

ms_filter *ms_filter_compile(const char *expr) {
  ms_filter *f = calloc(1, sizeof *f);
  pcap_t *dead = pcap_open_dead(DLT_RAW, 262144);
  if (!f || !dead) {
    fprintf(stderr, "mailscope: out of memory compiling the filter\n");
    free(f);
    if (dead)
      pcap_close(dead);
    return NULL;
  }
  if (pcap_compile(dead, &f->prog, expr, 1, PCAP_NETMASK_UNKNOWN) != 0) {
    fprintf(stderr, "mailscope: bad filter '%s': %s\n", expr,
            pcap_geterr(dead));
    free(f);
    f = NULL;
  }
  pcap_close(dead);
  return f;
}

bool ms_filter_accepts(const ms_filter *f, const uint8_t *ip, size_t len) {
  if (!f)
    return true;
  struct pcap_pkthdr h;
  memset(&h, 0, sizeof h);
  h.caplen = h.len = (bpf_u_int32)len;
  return pcap_offline_filter(&f->prog, &h, ip) != 0;
}

void ms_filter_free(ms_filter *f) {
  if (!f)
    return;
  pcap_freecode(&f->prog);
  free(f);
}
