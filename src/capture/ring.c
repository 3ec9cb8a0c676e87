/* ring.c - one producer, several consumer processes (see ring.h). */
#include "ring.h"

#include <errno.h>
#include <limits.h>
#include <linux/futex.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include "vec.h"

#define WAIT_MS 100 /* a waiter's timeout: then it checks the other side */

typedef struct {
  _Atomic uint32_t head;     /* chunks published; consumers sleep on it */
  _Atomic uint32_t released; /* bumped by each release; the producer sleeps
                                on it */
  _Atomic uint32_t closed;
  _Atomic uint32_t consumers_waiting, producer_waiting;
  _Atomic uint32_t want; /* the producer wants every tail at least here */
  _Atomic uint32_t tail[MS_RING_MAX_CONSUMERS]; /* the next chunk k takes */
  _Atomic uint32_t gone[MS_RING_MAX_CONSUMERS];
  ms_chunk_info info[MS_RING_CHUNKS];
} shared;

struct ms_ring {
  shared *sh;
  uint8_t *data; /* MS_RING_CHUNKS * MS_RING_CHUNK bytes */
  size_t size;   /* of the mapping */
  int n;
  bool (*alive)(void *ctx, int k);
  void *alive_ctx;
};

static size_t header_size(void) {
  size_t page = (size_t)sysconf(_SC_PAGESIZE);
  return (sizeof(shared) + page - 1) / page * page;
}

ms_ring *ms_ring_create(int consumers) {
  if (consumers < 1 || consumers > MS_RING_MAX_CONSUMERS) {
    errno = EINVAL;
    return NULL;
  }
  size_t size = header_size() + (size_t)MS_RING_CHUNKS * MS_RING_CHUNK;
  void *m = mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS,
                 -1, 0);
  if (m == MAP_FAILED)
    return NULL;
  ms_ring *r = xcalloc(1, sizeof *r);
  r->sh = m; /* zero-filled: nothing published, nothing taken */
  r->data = (uint8_t *)m + header_size();
  r->size = size;
  r->n = consumers;
  return r;
}

void ms_ring_destroy(ms_ring *r) {
  if (!r)
    return;
  munmap(r->sh, r->size);
  free(r);
}

/* Sleeps while *w == val, at most WAIT_MS; true when the time ran out. */
static bool futex_wait(_Atomic uint32_t *w, uint32_t val) {
  struct timespec ts = {0, WAIT_MS * 1000000L};
  long rc = syscall(SYS_futex, (uint32_t *)w, FUTEX_WAIT, val, &ts, NULL, 0);
  return rc != 0 && errno == ETIMEDOUT;
}

static void futex_wake(_Atomic uint32_t *w, int n) {
  syscall(SYS_futex, (uint32_t *)w, FUTEX_WAKE, n, NULL, NULL, 0);
}

void ms_ring_on_consumer(ms_ring *r, bool (*alive)(void *ctx, int k),
                         void *ctx) {
  r->alive = alive;
  r->alive_ctx = ctx;
}

int ms_ring_consumers(const ms_ring *r) {
  int live = 0;
  for (int k = 0; k < r->n; k++)
    live += !atomic_load(&r->sh->gone[k]);
  return live;
}

/* 1: slot of sequence s is free, 0: a consumer still holds it, -1: no
 * consumer is left. */
static int slot_free(const ms_ring *r, uint32_t s) {
  int live = 0, held = 0;
  for (int k = 0; k < r->n; k++) {
    if (atomic_load(&r->sh->gone[k]))
      continue;
    live++;
    if (s - atomic_load(&r->sh->tail[k]) >= MS_RING_CHUNKS)
      held = 1;
  }
  return live == 0 ? -1 : !held;
}

static void check_consumers(ms_ring *r) {
  for (int k = 0; r->alive && k < r->n; k++)
    if (!atomic_load(&r->sh->gone[k]) && !r->alive(r->alive_ctx, k))
      atomic_store(&r->sh->gone[k], 1);
}

uint8_t *ms_ring_claim(ms_ring *r, ms_chunk_info **info) {
  shared *sh = r->sh;
  uint32_t s = atomic_load(&sh->head);
  for (;;) {
    uint32_t seen = atomic_load(&sh->released);
    /* woken once a quarter of the ring is free, not for every chunk */
    atomic_store(&sh->want, s - MS_RING_CHUNKS + MS_RING_CHUNKS / 4);
    atomic_store(&sh->producer_waiting, 1);
    int f = slot_free(r, s);
    if (f == 0 && futex_wait(&sh->released, seen))
      check_consumers(r);
    atomic_store(&sh->producer_waiting, 0);
    if (f < 0)
      return NULL;
    if (f > 0)
      break;
  }
  uint32_t slot = s % MS_RING_CHUNKS;
  *info = &sh->info[slot];
  memset(*info, 0, sizeof **info);
  return r->data + (size_t)slot * MS_RING_CHUNK;
}

void ms_ring_publish(ms_ring *r) {
  atomic_fetch_add(&r->sh->head, 1);
  if (atomic_load(&r->sh->consumers_waiting))
    futex_wake(&r->sh->head, INT_MAX);
}

void ms_ring_close(ms_ring *r) {
  atomic_store(&r->sh->closed, 1);
  futex_wake(&r->sh->head, INT_MAX);
}

const uint8_t *ms_ring_take(ms_ring *r, int k, const ms_chunk_info **info,
                            bool (*give_up)(void)) {
  shared *sh = r->sh;
  uint32_t s = atomic_load(&sh->tail[k]);
  for (;;) {
    uint32_t closed = atomic_load(&sh->closed);
    uint32_t h = atomic_load(&sh->head);
    if (h != s)
      break;
    if (closed)
      return NULL;
    atomic_fetch_add(&sh->consumers_waiting, 1);
    bool timed_out = atomic_load(&sh->head) == s && !atomic_load(&sh->closed) &&
                     futex_wait(&sh->head, s);
    atomic_fetch_sub(&sh->consumers_waiting, 1);
    if (timed_out && give_up && give_up())
      return NULL;
  }
  uint32_t slot = s % MS_RING_CHUNKS;
  *info = &sh->info[slot];
  return r->data + (size_t)slot * MS_RING_CHUNK;
}

static void wake_producer(shared *sh, uint32_t tail) {
  atomic_fetch_add(&sh->released, 1);
  if (atomic_load(&sh->producer_waiting) &&
      (int32_t)(tail - atomic_load(&sh->want)) >= 0)
    futex_wake(&sh->released, 1);
}

void ms_ring_release(ms_ring *r, int k) {
  uint32_t t = atomic_fetch_add(&r->sh->tail[k], 1) + 1;
  wake_producer(r->sh, t);
}

void ms_ring_leave(ms_ring *r, int k) {
  atomic_store(&r->sh->gone[k], 1);
  atomic_fetch_add(&r->sh->released, 1);
  futex_wake(&r->sh->released, 1);
}
