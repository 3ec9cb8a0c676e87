/* ring.h - chunks of bytes passed from one process to several, in order.
 *
 * --workers' parent reads each capture file once into this ring and every
 * worker takes every chunk (fileshare.h).  The ring is a shared anonymous
 * mapping made before fork(): MS_RING_CHUNKS slots of MS_RING_CHUNK bytes,
 * a sequence number per chunk (slot = sequence % MS_RING_CHUNKS).  The
 * producer claims the next slot, fills it and publishes it; each consumer
 * takes the chunks in order and releases each when done with its bytes.
 * A slot is reused once every consumer still there has released it.
 * Waits sleep on process-shared futexes (no spinning: the machine may have
 * as many cores as processes) with a timeout after which the waiter asks
 * whether the other side is still there: the producer a callback per
 * consumer (a consumer that died holds no chunk), a consumer whether the
 * producer closed the ring or it should give up.  Never a hang.
 */
#ifndef MAILSCOPE_RING_H
#define MAILSCOPE_RING_H

#include <stdbool.h>
#include <stdint.h>

#define MS_RING_CHUNKS 16
#define MS_RING_CHUNK (256u << 10)
#define MS_RING_MAX_CONSUMERS 64

/* What a chunk holds (the producer's words to its consumers). */
typedef struct {
  uint32_t tag;   /* the producer's: here the input file's index */
  uint32_t kind;  /* the producer's: data, end of file, error ... */
  uint32_t len;   /* bytes of data */
  int32_t err;    /* an errno */
  uint32_t value; /* the producer's */
  uint32_t flags; /* the producer's */
  char msg[256];  /* text, NUL-terminated */
} ms_chunk_info;

typedef struct ms_ring ms_ring;

/* Before fork(): NULL with errno when the mapping fails. */
ms_ring *ms_ring_create(int consumers);
/* In every process that has it, once done (the mapping goes with the last). */
void ms_ring_destroy(ms_ring *r);

/* Producer.  alive(ctx, k): whether consumer k is still there (asked after
 * each wait's timeout; false once means gone for good). */
void ms_ring_on_consumer(ms_ring *r, bool (*alive)(void *ctx, int k),
                         void *ctx);
/* The next free chunk's data (MS_RING_CHUNK bytes) and *info to fill;
 * waits while every slot is held.  NULL when no consumer is left. */
uint8_t *ms_ring_claim(ms_ring *r, ms_chunk_info **info);
void ms_ring_publish(ms_ring *r);
/* No more chunks: consumers that took every chunk get NULL. */
void ms_ring_close(ms_ring *r);
/* Consumers still there. */
int ms_ring_consumers(const ms_ring *r);

/* Consumer k.  give_up(): asked after each wait's timeout (NULL: never).
 * The next chunk's data and *info, valid until ms_ring_release(); NULL
 * when the ring is closed and drained, or give_up() said so. */
const uint8_t *ms_ring_take(ms_ring *r, int k, const ms_chunk_info **info,
                            bool (*give_up)(void));
void ms_ring_release(ms_ring *r, int k);
/* Consumer k takes no more chunks (and holds none). */
void ms_ring_leave(ms_ring *r, int k);

#endif
