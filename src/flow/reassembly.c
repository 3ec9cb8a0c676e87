/* reassembly.c - TCP reassembly of one direction (see reassembly.h). */
#include "reassembly.h"

#include <stdlib.h>
#include <string.h>

#include "linklayer.h"
#include "vec.h"

struct ms_segment {
  uint32_t seq;
  uint32_t len;
  ms_ts ts;
  uint8_t data[];
};

/* The ring's first size: it doubles as bytes are delivered (up to
 * MS_REASM_RECENT_MAX), so it always holds every byte delivered up to that
 * bound, whatever it starts at; starting small keeps an idle session's
 * (a greeting and a reply or two) at a few dozen bytes. */
#define RECENT_MIN 16

/* Sequence arithmetic modulo 2^32.  Queued segments all lie within 2^31
 * after next, so comparing them through seq_diff is a total order. */
static int32_t seq_diff(uint32_t a, uint32_t b) { return (int32_t)(a - b); }

static uint32_t seg_end(const ms_segment *s) { return s->seq + s->len; }

/* ---- the window of delivered bytes -------------------------------------- */

/* Keep [seq, seq+n), just delivered, in the ring (indexed by seq), which
 * grows by doubling up to MS_REASM_RECENT_MAX. */
static void remember(ms_half *h, uint32_t seq, const uint8_t *p, size_t n) {
  size_t want = h->recent_len + n;
  if (want > h->recent_cap && h->recent_cap < MS_REASM_RECENT_MAX) {
    uint32_t cap = h->recent_cap ? h->recent_cap : RECENT_MIN;
    while (cap < want && cap < MS_REASM_RECENT_MAX)
      cap *= 2;
    uint8_t *ring = xmalloc(cap);
    for (uint32_t i = 0; i < h->recent_len; i++) { /* re-index by seq */
      uint32_t at = seq - h->recent_len + i;
      ring[at & (cap - 1)] = h->recent[at & (h->recent_cap - 1)];
    }
    h->mem += cap - h->recent_cap;
    free(h->recent);
    h->recent = ring;
    h->recent_cap = cap;
  }
  uint32_t cap = h->recent_cap;
  if (n > cap) {
    p += n - cap;
    seq += (uint32_t)(n - cap);
    n = cap;
  }
  uint32_t at = seq & (cap - 1);
  size_t first = n < cap - at ? n : cap - at;
  memcpy(h->recent + at, p, first);
  memcpy(h->recent, p + first, n - first);
  h->recent_len = h->recent_len + n < cap ? h->recent_len + (uint32_t)n : cap;
}

static void forget(ms_half *h) {
  h->mem -= h->recent_cap;
  free(h->recent);
  h->recent = NULL;
  h->recent_cap = h->recent_len = 0;
}

/* A retransmission of [seq, seq+n), which ends before next: compare what
 * the window still holds of it.  A TCP keepalive (one byte, the one before
 * next, whatever its value) is no retransmission. */
static void check_delivered(const ms_half *h, ms_dir dir, uint32_t seq,
                            const uint8_t *p, size_t n, ms_ts ts,
                            const ms_reasm_env *env) {
  if (!h->recent_len || (n == 1 && seq == h->next - 1))
    return;
  int32_t from = seq_diff(h->next - h->recent_len, seq);
  int32_t to = seq_diff(h->next, seq);
  if (from < 0)
    from = 0;
  if ((int64_t)to > (int64_t)n)
    to = (int32_t)n;
  for (int32_t i = from; i < to; i++)
    if (h->recent[(seq + (uint32_t)i) & (h->recent_cap - 1)] != p[i]) {
      env->cb->overlap_mismatch(env->ctx, dir, seq, true, ts);
      return;
    }
}

/* ---- delivery ----------------------------------------------------------- */

static void deliver(ms_half *h, ms_dir dir, const uint8_t *p, size_t n,
                    ms_ts ts, const ms_reasm_env *env) {
  if (env->keep_delivered)
    remember(h, h->next, p, n);
  else if (h->recent)
    forget(h);
  h->next += (uint32_t)n;
  env->cb->deliver(env->ctx, dir, p, n, ts);
}

/* ---- the queue: queue[first..end), sorted, disjoint --------------------- */

static ms_segment *head(const ms_half *h) {
  return h->first < h->end ? h->queue[h->first] : NULL;
}

static ms_segment *pop_head(ms_half *h) {
  ms_segment *s = h->queue[h->first++];
  if (h->first == h->end)
    h->first = h->end = 0;
  h->queued_bytes -= s->len;
  h->queued_segments--;
  h->mem -= sizeof *s + s->len;
  return s;
}

/* Index of the first queued segment that starts after seq. */
static size_t after(const ms_half *h, uint32_t seq) {
  size_t lo = h->first, hi = h->end;
  while (lo < hi) {
    size_t mid = lo + (hi - lo) / 2;
    if (seq_diff(h->queue[mid]->seq, seq) <= 0)
      lo = mid + 1;
    else
      hi = mid;
  }
  return lo;
}

/* Room for `more` pointers at the end of the queue array. */
static void reserve(ms_half *h, size_t more) {
  if (h->end + more <= h->cap)
    return;
  if (h->first > 0) { /* slide down first */
    memmove(h->queue, h->queue + h->first,
            (h->end - h->first) * sizeof *h->queue);
    h->end -= h->first;
    h->first = 0;
  }
  if (h->end + more <= h->cap)
    return;
  size_t cap = h->cap ? h->cap : 16;
  while (cap < h->end + more)
    cap *= 2;
  h->queue = xrealloc(h->queue, cap * sizeof *h->queue);
  h->mem += (cap - h->cap) * sizeof *h->queue;
  h->cap = (uint32_t)cap;
}

/* Deliver queued segments that now follow on. */
static void drain(ms_half *h, ms_dir dir, const ms_reasm_env *env) {
  ms_segment *s;
  while ((s = head(h)) && seq_diff(s->seq, h->next) <= 0) {
    pop_head(h);
    int32_t skip = seq_diff(h->next, s->seq);
    if ((uint32_t)skip < s->len)
      deliver(h, dir, s->data + skip, s->len - (uint32_t)skip, s->ts, env);
    free(s);
  }
}

/* In-order bytes [seq, seq+n) are about to be delivered: compare them with
 * queued copies of the same range (all queued segments start after seq). */
static void check_queued_overlap(const ms_half *h, ms_dir dir, uint32_t seq,
                                 const uint8_t *p, size_t n, ms_ts ts,
                                 const ms_reasm_env *env) {
  for (size_t i = h->first; i < h->end; i++) {
    const ms_segment *s = h->queue[i];
    int32_t from = seq_diff(s->seq, seq); /* offset of s in the new bytes */
    if (from >= (int32_t)n)
      break; /* sorted: nothing further overlaps */
    size_t end = (size_t)from + s->len < n ? (size_t)from + s->len : n;
    if (memcmp(p + from, s->data, end - (size_t)from) != 0) {
      env->cb->overlap_mismatch(env->ctx, dir, s->seq, false, ts);
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
    if (head(h) && seq_diff(head(h)->seq, target) < 0)
      upto = head(h)->seq;
    uint32_t missing = upto - h->next;
    h->next = upto;
    h->recent_len = 0; /* the window holds delivered bytes only */
    env->cb->gap(env->ctx, dir, missing, ts);
  }
  drain(h, dir, env);
}

static ms_segment *new_segment(ms_half *h, uint32_t seq, const uint8_t *p,
                               uint32_t n, ms_ts ts) {
  ms_segment *s = xmalloc(sizeof *s + n);
  s->seq = seq;
  s->len = n;
  s->ts = ts;
  memcpy(s->data, p, n);
  h->queued_bytes += n;
  h->queued_segments++;
  h->mem += sizeof *s + n;
  return s;
}

/* The bytes of [seq, seq+n) that queued segments do not hold, as new
 * segments in order (into *pieces), comparing the others with the queued
 * copies.  [lo, hi) are the indices of the queued segments it meets. */
typedef struct {
  ms_segment **items;
  size_t len, cap;
} piece_list;

static void add_piece(ms_half *h, piece_list *pl, uint32_t seq,
                      const uint8_t *p, uint32_t n, ms_ts ts) {
  if (pl->len == pl->cap) {
    pl->cap = pl->cap ? pl->cap * 2 : 4;
    pl->items = xrealloc(pl->items, pl->cap * sizeof *pl->items);
  }
  pl->items[pl->len++] = new_segment(h, seq, p, n, ts);
}

static bool split_new(ms_half *h, uint32_t seq, const uint8_t *p, size_t n,
                      ms_ts ts, size_t lo, size_t *hi, piece_list *pl) {
  bool mismatch = false;
  uint32_t cur = seq, end = seq + (uint32_t)n;
  if (lo > h->first) { /* the segment before may reach into it */
    const ms_segment *s = h->queue[lo - 1];
    if (seq_diff(seg_end(s), cur) > 0) {
      uint32_t stop = seq_diff(seg_end(s), end) < 0 ? seg_end(s) : end;
      mismatch |= memcmp(s->data + (cur - s->seq), p, stop - cur) != 0;
      cur = stop;
    }
  }
  size_t i = lo;
  for (; i < h->end && seq_diff(h->queue[i]->seq, end) < 0; i++) {
    const ms_segment *s = h->queue[i];
    if (seq_diff(s->seq, cur) > 0)
      add_piece(h, pl, cur, p + (cur - seq), s->seq - cur, ts);
    uint32_t stop = seq_diff(seg_end(s), end) < 0 ? seg_end(s) : end;
    mismatch |= memcmp(s->data, p + (s->seq - seq), stop - s->seq) != 0;
    cur = stop;
  }
  if (seq_diff(end, cur) > 0)
    add_piece(h, pl, cur, p + (cur - seq), end - cur, ts);
  *hi = i;
  return mismatch;
}

/* Queue a copy of an out-of-order segment: the bytes no queued segment
 * holds (the first copy is kept); report queued bytes it contradicts.  The
 * new pieces go between queue[lo..hi) in one move of the array's tail. */
static void enqueue(ms_half *h, ms_dir dir, uint32_t seq, const uint8_t *p,
                    size_t n, ms_ts ts, const ms_reasm_env *env) {
  size_t lo = after(h, seq), hi;
  piece_list pl = {0};
  if (split_new(h, seq, p, n, ts, lo, &hi, &pl))
    env->cb->overlap_mismatch(env->ctx, dir, seq, false, ts);
  if (!pl.len)
    return; /* every byte was queued already */
  size_t lo_off = lo - h->first, hi_off = hi - h->first;
  reserve(h, pl.len);
  lo = h->first + lo_off;
  hi = h->first + hi_off;
  memmove(h->queue + hi + pl.len, h->queue + hi,
          (h->end - hi) * sizeof *h->queue);
  /* merge queue[lo..hi) and the pieces, from the back */
  size_t out = hi + pl.len, q = hi, k = pl.len;
  while (k > 0) {
    if (q > lo && seq_diff(h->queue[q - 1]->seq, pl.items[k - 1]->seq) > 0)
      h->queue[--out] = h->queue[--q];
    else
      h->queue[--out] = pl.items[--k];
  }
  h->end += (uint32_t)pl.len;
  free(pl.items);
}

/* ---- segments ----------------------------------------------------------- */

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

/* Bytes before next: a retransmission.  Returns how many to drop. */
static size_t retransmitted(ms_half *h, ms_dir dir, uint32_t seq,
                            const uint8_t *p, size_t n, ms_ts ts,
                            const ms_reasm_env *env) {
  size_t old = (size_t)(-(int64_t)seq_diff(seq, h->next));
  if (old > n)
    old = n;
  check_delivered(h, dir, seq, p, n, ts, env);
  return old;
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
  if (seq_diff(seq, h->next) < 0) {
    size_t old = retransmitted(h, dir, seq, p, n, ts, env);
    if (old == n)
      return;
    p += old;
    n -= old;
    seq = h->next;
  }
  if (seq == h->next) {
    if (head(h))
      check_queued_overlap(h, dir, seq, p, n, ts, env);
    deliver(h, dir, p, n, ts, env);
    drain(h, dir, env);
    return;
  }
  enqueue(h, dir, seq, p, n, ts, env);
  if (!over_limit(h, env))
    return;
  if (env->cb->limit)
    env->cb->limit(env->ctx, dir, h->queued_bytes, ts);
  while (head(h) && over_half_limit(h, env))
    skip_to(h, dir, head(h)->seq, ts, env);
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
  while (head(h))
    skip_to(h, dir, head(h)->seq, ts, env);
}

void ms_half_free(ms_half *h) {
  while (head(h))
    free(pop_head(h));
  h->mem -= h->cap * sizeof *h->queue;
  free(h->queue);
  h->queue = NULL;
  h->first = h->end = h->cap = 0;
  forget(h);
}

/* ---- what a Linux receiver would accept --------------------------------- */

bool ms_half_rst_acceptable(const ms_half *h, uint32_t seq) {
  if (!h->started || seq == h->next)
    return true;
  if (h->fin_seen && (seq == h->fin_seq || seq == h->fin_seq + 1))
    return true;
  return h->acked_valid && seq == h->acked;
}

bool ms_half_fin_acceptable(const ms_half *h, uint32_t seq, size_t n,
                            uint64_t window) {
  if (!h->started)
    return true;
  uint32_t fin = seq + (uint32_t)n;
  if (h->fin_seen)
    return fin == h->fin_seq; /* the FIN taken, again */
  int32_t ahead = seq_diff(fin, h->next), start = seq_diff(seq, h->next);
  return ahead >= 0 && (start <= 0 || (uint64_t)start <= window);
}
