/* fileshare.h - --workers: the capture files read once, shared.
 *
 * The parent (fileshare_feed) opens each -r file in order.  A compressed
 * one it decompresses once and passes the bytes through the ring
 * (ring.h); each worker's capture reader takes them as a stream (stream.h)
 * in place of decompressing the file itself, so pcap and pcapng parsing
 * are the same as in one process, and so are the messages: a file the
 * parent could not open, and a read error with the decompressor's reason,
 * reach every worker in their place.  A plain file each worker reads
 * itself (`direct`): its own preads cost it less than taking the bytes
 * another core wrote (docs/performance.md).  The file list is the same on
 * both sides (the options).
 */
#ifndef MAILSCOPE_FILESHARE_H
#define MAILSCOPE_FILESHARE_H

#include <stdbool.h>
#include <stdint.h>

#include "budget.h"
#include "ring.h"
#include "stream.h"
#include "vec.h"

/* Every file of `files` into the ring, then closes it.  The decompressors
 * are charged to budget (NULL: none).  Stops early when no consumer is
 * left or stop() says so. */
void fileshare_feed(ms_ring *ring, const strvec *files, ms_budget *budget,
                    bool (*stop)(void));

/* A worker's view of one file. */
typedef struct {
  ms_ring *ring;
  int k;
  uint32_t index;
  bool held, done; /* a chunk is taken; the file's end or error was */
  bool (*give_up)(void);
  bool compressed;
  bool direct;    /* a plain file: the worker reads it itself */
  uint32_t magic; /* the first 4 (decompressed) bytes */
  ms_stream st;
} fileshare_reader;

/* Consumer k begins file `index` (the next in the ring).  false, with
 * errno, when the parent could not open it; ECANCELED when the ring ended
 * before it (the parent stopped) or give_up() said so. */
bool fileshare_begin(fileshare_reader *fr, ms_ring *ring, int k, uint32_t index,
                     bool (*give_up)(void));
/* fr->st's views fail with ECANCELED when the ring ends inside the file
 * (the parent stopped reading) or give_up() said so.
 * Skips what the reader left of the file. */
void fileshare_end(fileshare_reader *fr);

#endif
