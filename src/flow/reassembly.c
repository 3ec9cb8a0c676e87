/* reassembly.c - TCP reassembly of one direction (see reassembly.h). */
#include "reassembly.h"

#include <stdlib.h>
#include <string.h>

#include "linklayer.h"
#include "vec.h"

struct ms_segment {
  ms_segment *next;
  uint32_t seq;
  uint32_t len;
  ms_ts ts;
  uint8_t data[];
};

/* Sequence arithmetic modulo 2^32. */
static int32_t seq_diff(uint32_t a, uint32_t b) { return (int32_t)(a - b); }

static void deliver(ms_half *h, ms_dir dir, const uint8_t *p, size_t n,
                    ms_ts ts, const ms_reasm_env *env) {
  h->next += (uint32_t)n;
  env->cb->deliver(env->ctx, dir, p, n, ts);
}

static ms_segment *pop_head(ms_half *h) {
  ms_segment *s = h->queue;
  h->queue = s->next;
  if (!h->queue)
    h->tail = NULL;
  h->queued_bytes -= s->len;
  h->queued_segments--;
  return s;
}

/* Deliver queued segments that now follow on. */
static void drain(ms_half *h, ms_dir dir, const ms_reasm_env *env) {
  while (h->queue && seq_diff(h->queue->seq, h->next) <= 0) {
    ms_segment *s = pop_head(h);
    int32_t skip = seq_diff(h->next, s->seq);
    if ((uint32_t)skip < s->len)
      deliver(h, dir, s->data + skip, s->len - (uint32_t)skip, s->ts, env);
    free(s);
  }
}

/* In-order bytes [seq, seq+n) are about to be delivered: compare them with
 * queued copies of the same range. */
static void check_queued_overlap(const ms_half *h, ms_dir dir, uint32_t seq,
                                 const uint8_t *p, size_t n, ms_ts ts,
                                 const ms_reasm_env *env) {
  for (const ms_segment *s = h->queue; s; s = s->next) {
    int32_t from = seq_diff(s->seq, seq); /* offset of s in the new bytes */
    if (from >= (int32_t)n)
      break; /* sorted: nothing further overlaps */
    size_t end = (size_t)from + s->len < n ? (size_t)from + s->len : n;
    if (memcmp(p + from, s->data, end - (size_t)from) != 0) {
      env->cb->overlap_mismatch(env->ctx, dir, s->seq, ts);
      return;
    }
  }
}

/* Jump over a hole up to target (or the first queued segment before it). */
static void skip_to(ms_half *h, ms_dir dir, uint32_t target, ms_ts ts,
                    const ms_reasm_env *env) {
  while (seq_diff(target, h->next) > 0) {
    drain(h, dir, env);
    if (seq_diff(target, h->next) <= 0)
      break;
    uint32_t upto = target;
    if (h->queue && seq_diff(h->queue->seq, target) < 0)
      upto = h->queue->seq;
    uint32_t missing = upto - h->next;
    h->next = upto;
    env->cb->gap(env->ctx, dir, missing, ts);
  }
  drain(h, dir, env);
}

/* Does the new segment [seq, seq+n) overlap queued s with other bytes?
 * Sets *inside when it lies wholly within s. */
static bool differs_from(const ms_segment *s, uint32_t seq, const uint8_t *p,
                         size_t n, bool *inside) {
  int32_t lo = seq_diff(s->seq, seq) > 0 ? seq_diff(s->seq, seq) : 0;
  int32_t hi_old = seq_diff(s->seq + s->len, seq);
  int32_t hi = (int32_t)n < hi_old ? (int32_t)n : hi_old;
  if (hi <= lo)
    return false;
  if (lo == 0 && hi == (int32_t)n)
    *inside = true;
  const uint8_t *old = s->data + (seq_diff(seq, s->seq) + lo);
  return memcmp(old, p + lo, (size_t)(hi - lo)) != 0;
}

/* Queue a copy of an out-of-order segment, sorted by seq; report queued
 * neighbours that overlap with different bytes.  A segment that starts at or
 * after the end of the queue (the usual case after a loss) is appended
 * without a walk. */
static void enqueue(ms_half *h, ms_dir dir, uint32_t seq, const uint8_t *p,
                    size_t n, ms_ts ts, const ms_reasm_env *env) {
  ms_segment **at = &h->queue;
  bool inside = false, mismatch = false;
  if (h->tail && seq_diff(seq, h->tail->seq) >= 0) {
    mismatch = differs_from(h->tail, seq, p, n, &inside);
    at = &h->tail->next;
  } else {
    while (*at && seq_diff((*at)->seq, seq) < 0)
      at = &(*at)->next;
    for (ms_segment *s = h->queue; s && !inside; s = s->next)
      if (seq_diff(s->seq, seq + (uint32_t)n) < 0)
        mismatch |= differs_from(s, seq, p, n, &inside);
  }
  if (mismatch)
    env->cb->overlap_mismatch(env->ctx, dir, seq, ts);
  if (inside)
    return; /* wholly inside a queued segment: the first copy wins */
  ms_segment *s = xmalloc(sizeof *s + n);
  s->seq = seq;
  s->len = (uint32_t)n;
  s->ts = ts;
  memcpy(s->data, p, n);
  s->next = *at;
  *at = s;
  if (!s->next)
    h->tail = s;
  h->queued_bytes += n;
  h->queued_segments++;
}

/* The hole the peer acknowledged, if any: bytes [next, end) were received
 * by the peer but never seen here. */
static bool acked_hole(const ms_half *h, uint32_t *end) {
  if (!h->acked_valid)
    return false;
  uint32_t target = h->acked;
  if (h->fin_seen && seq_diff(target, h->fin_seq) > 0)
    target = h->fin_seq; /* the FIN itself takes one sequence number */
  int32_t ahead = seq_diff(target, h->next);
  /* Acks far ahead are nonsense (or a different connection): ignore. */
  if (ahead <= 0 || ahead >= (1 << 30))
    return false;
  *end = target;
  return true;
}

static bool over_limit(const ms_half *h, const ms_reasm_env *env) {
  return h->queued_bytes > env->limit ||
         h->queued_segments > MS_REASM_MAX_SEGMENTS;
}

/* Once over the limit, holes are skipped until the queue is down to half
 * of it: a stream of holes hits the limit once per half-queue, not once
 * per segment. */
static bool over_half_limit(const ms_half *h, const ms_reasm_env *env) {
  return h->queued_bytes > env->limit / 2 ||
         h->queued_segments > MS_REASM_MAX_SEGMENTS / 2;
}

void ms_half_segment(ms_half *h, ms_dir dir, uint32_t seq, uint8_t flags,
                     const uint8_t *p, size_t n, ms_ts ts,
                     const ms_reasm_env *env) {
  if (flags & MS_TH_SYN) {
    if (!h->started || !h->syn_seen) {
      h->next = seq + 1;
      h->started = h->syn_seen = true;
    }
    seq += 1;
  }
  if (!h->started) {
    h->next = seq;
    h->started = true;
  }
  if ((flags & MS_TH_FIN) && !h->fin_seen) {
    h->fin_seen = true;
    h->fin_seq = seq + (uint32_t)n;
  }
  if (n == 0)
    return;
  /* Data beyond a hole the peer already acknowledged: the hole was lost
   * before the capture point and will not come; skip it now. */
  uint32_t hole_end;
  if (seq_diff(seq, h->next) > 0 && acked_hole(h, &hole_end) &&
      seq_diff(seq, hole_end) >= 0)
    skip_to(h, dir, hole_end, ts, env);
  int32_t off = seq_diff(seq, h->next);
  if (off < 0) {
    if ((size_t)(-(int64_t)off) >= n) {
      h->retransmitted_bytes += n;
      return;
    }
    h->retransmitted_bytes += (uint64_t)(-(int64_t)off);
    p += -off;
    n -= (size_t)(-off);
    seq = h->next;
    off = 0;
  }
  if (off == 0) {
    if (h->queue)
      check_queued_overlap(h, dir, seq, p, n, ts, env);
    deliver(h, dir, p, n, ts, env);
    if (h->queue)
      drain(h, dir, env);
    return;
  }
  enqueue(h, dir, seq, p, n, ts, env);
  if (!over_limit(h, env))
    return;
  if (env->cb->limit)
    env->cb->limit(env->ctx, dir, h->queued_bytes, ts);
  while (h->queue && over_half_limit(h, env))
    skip_to(h, dir, h->queue->seq, ts, env);
}

void ms_half_acked(ms_half *h, uint32_t ack) {
  if (!h->started)
    return;
  /* Acks far from what was seen are nonsense (or another connection). */
  int32_t ahead = seq_diff(ack, h->next);
  if (ahead >= (1 << 30) || ahead <= -(1 << 30))
    return;
  if (!h->acked_valid || seq_diff(ack, h->acked) > 0) {
    h->acked = ack;
    h->acked_valid = true;
  }
}

void ms_half_skip_acked(ms_half *h, ms_dir dir, ms_ts ts,
                        const ms_reasm_env *env) {
  uint32_t end;
  if (acked_hole(h, &end))
    skip_to(h, dir, end, ts, env);
}

void ms_half_flush(ms_half *h, ms_dir dir, ms_ts ts, const ms_reasm_env *env) {
  ms_half_skip_acked(h, dir, ts, env);
  while (h->queue)
    skip_to(h, dir, h->queue->seq, ts, env);
}

void ms_half_free(ms_half *h) {
  while (h->queue)
    free(pop_head(h));
}
