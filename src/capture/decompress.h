/* decompress.h - compressed captures (gzip, zstd, xz) read as plain ones.
 *
 * Captures are often kept compressed (Wireshark reads .pcap.gz, .pcapng.zst
 * ...).  ms_compression_of() tells from a file's first four bytes whether
 * it is compressed; ms_decompressing() then wraps the open stream in one
 * that yields the decompressed bytes (gzip members may be concatenated,
 * as may zstd frames and xz streams).  The new stream owns `raw` and closes
 * it; its ftell() counts decompressed bytes; the first four decompressed
 * bytes come back in *magic.  A corrupt or cut compressed stream makes a
 * read fail (EIO) and ms_decompress_error() says why.
 *
 * The decompressor's memory is charged to `budget` (NULL: none) while the
 * stream is open, and may be at most half of its bound: a zstd frame asking
 * for a larger window, an xz stream for a larger dictionary, is refused
 * with an error that names --max-memory (not "corrupt"), before its memory
 * is taken.
 */
#ifndef MAILSCOPE_DECOMPRESS_H
#define MAILSCOPE_DECOMPRESS_H

#include <stdint.h>
#include <stdio.h>

#include "budget.h"

typedef enum {
  MS_COMPRESSION_NONE = 0,
  MS_COMPRESSION_GZIP,
  MS_COMPRESSION_ZSTD,
  MS_COMPRESSION_XZ
} ms_compression;

ms_compression ms_compression_of(uint32_t magic);
const char *ms_compression_name(ms_compression c);
FILE *ms_decompressing(FILE *raw, ms_compression c, uint32_t *magic,
                       ms_budget *budget);
/* The reason of the last failed read, or NULL. */
const char *ms_decompress_error(void);
/* --workers: the reason the parent's decompressor gave (fileshare.h), or
 * NULL to forget it. */
void ms_decompress_set_error(const char *why);

#endif
