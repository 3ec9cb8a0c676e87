/* pcapfile.h - classic pcap files read by mailscope itself, for speed.
 *
 * libpcap reads a file through stdio: a 4 KiB read(2) at a time, then one
 * copy of every record into its own buffer.  On the benchmark capture that
 * was an eighth of the run.  This reader takes the file in 256 KiB pread(2)
 * calls (or the views of a stream, stream.h) and hands out each packet in
 * place.  libpcap still opens the file
 * and judges its header (so header errors read as before, word for word);
 * pcapfile_open() then takes over the records of the files it knows how to
 * read exactly as libpcap would: a regular file, format 2.4, micro- or
 * nanosecond magic in either byte order.  For anything else it returns NULL
 * and libpcap goes on reading.  Each packet gets libpcap's header (times
 * scaled to microseconds, caplen cut to the snapshot length), and a damaged
 * file stops with libpcap's message at the offset libpcap would have left
 * the stream at (tests/unit/test_pcapfile.c compares the two on every
 * capture in pcaps/ and on damaged copies).
 */
#ifndef MAILSCOPE_PCAPFILE_H
#define MAILSCOPE_PCAPFILE_H

#include <pcap/pcap.h>
#include <stdint.h>
#include <stdio.h>

#include "stream.h"

typedef struct pcapfile pcapfile;

/* p was opened by libpcap on fp (fp at the first record).  Returns a
 * reader that no longer needs p or fp (the caller closes p, which closes
 * fp), or NULL when libpcap should read this file. */
pcapfile *pcapfile_open(pcap_t *p, FILE *fp);
/* The same over a stream libpcap has just read the file header from
 * (through ms_stream_fopen): the records are taken from st, which the
 * caller keeps open until pcapfile_close(). */
pcapfile *pcapfile_open_stream(pcap_t *p, ms_stream *st);
/* 1: a packet (data valid until the next call); 0: end of file; -1: an
 * error, pcapfile_error() says which, as libpcap would. */
int pcapfile_next(pcapfile *f, struct pcap_pkthdr *h, const uint8_t **data);
const char *pcapfile_error(const pcapfile *f);
/* Where libpcap's stream would be now (ftell). */
long pcapfile_offset(const pcapfile *f);
void pcapfile_close(pcapfile *f);

#endif
