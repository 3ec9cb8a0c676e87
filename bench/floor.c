/* floor.c - the benchmark's floor: a plain libpcap loop that reads every
 * packet and touches every byte.  Nothing can read the file faster. */
#include <pcap/pcap.h>
#include <stdint.h>
#include <stdio.h>

int main(int argc, char **argv) {
  char err[PCAP_ERRBUF_SIZE];
  if (argc != 2) {
    fprintf(stderr, "usage: floor CAPTURE\n");
    return 1;
  }
  pcap_t *p = pcap_open_offline(argv[1], err);
  if (!p) {
    fprintf(stderr, "floor: %s\n", err);
    return 2;
  }
  struct pcap_pkthdr *h;
  const u_char *d;
  uint64_t packets = 0, bytes = 0, sum = 0;
  while (pcap_next_ex(p, &h, &d) == 1) {
    packets++;
    bytes += h->caplen;
    for (uint32_t i = 0; i < h->caplen; i++)
      sum += d[i];
  }
  pcap_close(p);
  printf("packets %llu bytes %llu checksum %llu\n", (unsigned long long)packets,
         (unsigned long long)bytes, (unsigned long long)sum);
  return 0;
}
