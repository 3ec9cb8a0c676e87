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

#include "budget.h"
#include "linklayer.h"
#include "options.h"
#include "record.h"
#include "ring.h"
#include "stats.h"

typedef struct {
  void (*packet)(void *ctx, const ms_frame *f, ms_ts ts);
  void (*idle)(void *ctx, ms_ts now); /* live: no packet for a while */
  /* Live --workers: packets of a second capture of the interface, outside
   * the fanout group, that every worker gets (port 53 and TCP SYNs, by a
   * kernel filter): the DNS path's share (docs/design.md "Mail routing").
   * Not counted in the stats.  NULL: no such capture. */
  void (*shared)(void *ctx, const ms_frame *f, ms_ts ts);
  /* A pcapng Decryption Secrets Block of `file`, in its place among the
   * packets (data NULL: the block was malformed). */
  void (*secrets)(void *ctx, const char *file, uint32_t type,
                  const uint8_t *data, size_t len);
} capture_callbacks;

/* Returns 0, or 2 after printing "mailscope: FILE: ..." for an input that
 * could not be read (the callbacks got everything before the fault).  The
 * decompressor of a compressed file is charged to `budget` (may be NULL). */
int capture_run(const ms_options *opt, const capture_callbacks *cb, void *ctx,
                ms_stats *stats, ms_budget *budget);
void capture_request_stop(void);
/* --workers offline: this process is consumer `consumer` of the ring the
 * parent reads the -r files into (fileshare.h), instead of reading them. */
void capture_share(ms_ring *ring, int consumer);
/* Live: the kernel's counters of the open interface so far (pcap_stats:
 * kernel_drops = ps_drop, interface_drops = ps_ifdrop); no-op otherwise. */
void capture_live_counters(ms_stats *st);
bool capture_stop_requested(void);

#endif
