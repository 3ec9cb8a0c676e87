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

/* Deliver queued segments that now follow on. */
static void drain(ms_half *h, ms_dir dir, const ms_reasm_env *env) {
  while (h->queue && seq_diff(h->queue->seq, h->next) <= 0) {
    ms_segment *s = h->queue;
    h->queue = s->next;
    h->queued_bytes -= s->len;
    int32_t skip = seq_diff(h->next, s->seq);
    if ((uint32_t)skip < s->len)
      deliver(h, dir, s->data + skip, s->len - (uint32_t)skip, s->ts, env);
    free(s);
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

/* Queue a copy of an out-of-order segment, sorted by seq; report queued
 * neighbours that overlap with different bytes. */
static void enqueue(ms_half *h, ms_dir dir, uint32_t seq, const uint8_t *p,
                    size_t n, ms_ts ts, const ms_reasm_env *env) {
  ms_segment **at = &h->queue;
  while (*at && seq_diff((*at)->seq, seq) < 0)
    at = &(*at)->next;
  for (ms_segment *s = h->queue; s; s = s->next) {
    int32_t lo = seq_diff(s->seq, seq) > 0 ? seq_diff(s->seq, seq) : 0;
    int32_t hi_new = (int32_t)n, hi_old = seq_diff(s->seq + s->len, seq);
    int32_t hi = hi_new < hi_old ? hi_new : hi_old;
    if (hi > lo) {
      const uint8_t *old = s->data + (seq_diff(seq, s->seq) + lo);
      if (memcmp(old, p + lo, (size_t)(hi - lo)) != 0)
        env->cb->overlap_mismatch(env->ctx, dir, seq, ts);
      if (lo == 0 && hi == (int32_t)n)
        return; /* wholly inside a queued segment */
    }
  }
  ms_segment *s = xmalloc(sizeof *s + n);
  s->seq = seq;
  s->len = (uint32_t)n;
  s->ts = ts;
  memcpy(s->data, p, n);
  s->next = *at;
  *at = s;
  h->queued_bytes += n;
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
    deliver(h, dir, p, n, ts, env);
    if (h->queue)
      drain(h, dir, env);
    return;
  }
  enqueue(h, dir, seq, p, n, ts, env);
  if (h->queued_bytes > env->limit && env->cb->limit)
    env->cb->limit(env->ctx, dir, h->queued_bytes, ts);
  while (h->queue && h->queued_bytes > env->limit)
    skip_to(h, dir, h->queue->seq, ts, env);
}

void ms_half_acked(ms_half *h, ms_dir dir, uint32_t ack, ms_ts ts,
                   const ms_reasm_env *env) {
  if (!h->started)
    return;
  uint32_t target = ack;
  if (h->fin_seen && seq_diff(target, h->fin_seq) > 0)
    target = h->fin_seq; /* the FIN itself takes one sequence number */
  int32_t ahead = seq_diff(target, h->next);
  /* Acks far ahead are nonsense (or a different connection): ignore. */
  if (ahead > 0 && ahead < (1 << 30))
    skip_to(h, dir, target, ts, env);
}

void ms_half_flush(ms_half *h, ms_dir dir, ms_ts ts, const ms_reasm_env *env) {
  while (h->queue)
    skip_to(h, dir, h->queue->seq, ts, env);
}

void ms_half_free(ms_half *h) {
  while (h->queue) {
    ms_segment *s = h->queue;
    h->queue = s->next;
    free(s);
  }
  h->queued_bytes = 0;
}
