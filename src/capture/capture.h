/* capture.h - packets from capture files or a live interface.
 *
 * capture_run() reads each -r file in order (pcap or pcapng, "-" is
 * standard input) or the live interface, decodes the link layer and hands
 * every IP packet to the callback.  The user's -f filter is not applied
 * here: the engine owns it (filter.h) and applies it to the IP packet.
 */
#ifndef MAILSCOPE_CAPTURE_H
#define MAILSCOPE_CAPTURE_H

#include <stdbool.h>

#include "linklayer.h"
#include "options.h"
#include "record.h"
#include "stats.h"

typedef struct {
  void (*packet)(void *ctx, const ms_frame *f, ms_ts ts);
  void (*idle)(void *ctx, ms_ts now); /* live: no packet for a while */
  /* A pcapng Decryption Secrets Block of `file`, in its place among the
   * packets (data NULL: the block was malformed). */
  void (*secrets)(void *ctx, const char *file, uint32_t type,
                  const uint8_t *data, size_t len);
} capture_callbacks;

/* Returns 0, or 2 after printing "mailscope: FILE: ..." for an input that
 * could not be read (the callbacks got everything before the fault). */
int capture_run(const ms_options *opt, const capture_callbacks *cb, void *ctx,
                ms_stats *stats);
void capture_request_stop(void);
bool capture_stop_requested(void);

#endif
