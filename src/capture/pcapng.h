/* pcapng.h - a pcapng reader of our own (the pcapng draft, IETF opsawg).
 *
 * libpcap refuses a pcapng file whose interfaces have different link types
 * (Wireshark writes one when it captures on, say, an Ethernet card and the
 * loopback at once, and mergecap writes one from files of different link
 * types).  This reader gives each packet with its own interface's link
 * type, honours if_tsresol and if_tsoffset, reads Enhanced, Simple and the
 * obsolete Packet blocks in either byte order and section after section,
 * hands Decryption Secrets Blocks to a callback as they come (a secret
 * applies to the packets after it), and skips every other block.  Every length
 * read from the file is checked before it is used; a block larger than
 * PCAPNG_MAX_BLOCK is an error.
 */
#ifndef MAILSCOPE_PCAPNG_H
#define MAILSCOPE_PCAPNG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#define PCAPNG_MAGIC 0x0A0D0D0Au
#define PCAPNG_MAX_BLOCK (16u << 20)

typedef struct pcapng_reader pcapng_reader;

typedef struct {
  int dlt;             /* the link type of the packet's interface */
  int64_t ts_usec;     /* microseconds since the epoch */
  uint32_t caplen;     /* bytes in data */
  uint32_t len;        /* bytes on the wire */
  const uint8_t *data; /* valid until the next call */
} pcapng_packet;

/* Read from fp (positioned at the first Section Header Block; not closed
 * by the reader). */
pcapng_reader *pcapng_open(FILE *fp);
/* Decryption Secrets Blocks (pcapng draft, block type 0x0A): fn gets the
 * secrets type and data (valid during the call) of each, in file order;
 * data NULL for a block whose secrets length does not fit it. */
typedef void (*pcapng_secrets_fn)(void *ctx, uint32_t type, const uint8_t *data,
                                  size_t len);
void pcapng_on_secrets(pcapng_reader *r, pcapng_secrets_fn fn, void *ctx);
/* 1: a packet; 0: end of file; -1: an error (pcapng_error tells which). */
int pcapng_next(pcapng_reader *r, pcapng_packet *pkt);
const char *pcapng_error(const pcapng_reader *r);
void pcapng_close(pcapng_reader *r);

#endif
