/* nids_probe.c - what libnids 1.26 recovers from a capture: streams with
 * data and bytes per direction, printed as one line.  Built and timed by
 * bench/run.sh; its results are in docs/performance.md ("libnids
 * measured") and docs/design.md.  Checksums are not verified (captures
 * from the sending host carry offloaded checksums) unless NIDS_CHECKSUM=1;
 * libnids' TCP workarounds are on.  NIDS_FILTER sets a BPF filter. */
#include <nids.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static unsigned long streams, streams_with_data, client_bytes, server_bytes;

static void on_tcp(struct tcp_stream *s, void **param) {
  (void)param;
  switch (s->nids_state) {
  case NIDS_JUST_EST:
    streams++;
    s->client.collect = 1;
    s->server.collect = 1;
    *param = NULL;
    break;
  case NIDS_DATA:
    if (s->server.count_new) {
      server_bytes += s->server.count_new; /* bytes sent to the server */
      if (!*param) {
        streams_with_data++;
        *param = (void *)1;
      }
    }
    if (s->client.count_new) {
      client_bytes += s->client.count_new;
      if (!*param) {
        streams_with_data++;
        *param = (void *)1;
      }
    }
    break;
  default:
    break;
  }
}

int main(int argc, char **argv) {
  if (argc != 2) {
    fprintf(stderr, "usage: nids_probe CAPTURE\n");
    return 1;
  }
  nids_params.filename = argv[1];
  nids_params.scan_num_hosts = 0;
  nids_params.pcap_filter = getenv("NIDS_FILTER"); /* none by default */
  nids_params.n_tcp_streams = 1 << 16;
  nids_params.tcp_workarounds = 1;
  static struct nids_chksum_ctl off = {0, 0, NIDS_DONT_CHKSUM, 0};
  const char *verify = getenv("NIDS_CHECKSUM");
  if (!nids_init()) {
    fprintf(stderr, "nids_probe: %s\n", nids_errbuf);
    return 2;
  }
  if (!verify || strcmp(verify, "1") != 0)
    nids_register_chksum_ctl(&off, 1);
  nids_register_tcp(on_tcp);
  nids_run();
  printf("streams %lu with_data %lu to_server %lu to_client %lu\n", streams,
         streams_with_data, server_bytes, client_bytes);
  return 0;
}
