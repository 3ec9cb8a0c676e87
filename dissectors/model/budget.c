/* budget.c - the memory bound's accounting (see budget.h). */
#include "budget.h"

void ms_budget_init(ms_budget *b, uint64_t limit) {
  *b = (ms_budget){0};
  b->limit = limit;
}

void ms_budget_charge(ms_budget *b, ms_mem_kind k, size_t n) {
  if (!b)
    return;
  b->used += n;
  b->by_kind[k] += n;
  if (b->used > b->peak)
    b->peak = b->used;
}

void ms_budget_release(ms_budget *b, ms_mem_kind k, size_t n) {
  if (!b)
    return;
  /* never below zero, whatever a holder's arithmetic */
  n = n < b->by_kind[k] ? n : (size_t)b->by_kind[k];
  b->by_kind[k] -= n;
  b->used -= n;
}

void ms_budget_recharge(ms_budget *b, ms_mem_kind k, size_t was, size_t now) {
  if (now > was)
    ms_budget_charge(b, k, now - was);
  else if (was > now)
    ms_budget_release(b, k, was - now);
}

bool ms_budget_over(const ms_budget *b) {
  return b && b->limit && b->used > b->limit;
}

uint64_t ms_budget_room(const ms_budget *b) {
  if (!b || !b->limit)
    return UINT64_MAX;
  return b->used < b->limit ? b->limit - b->used : 0;
}

void ms_session_mem_add(ms_session *s, size_t n) { s->mem_held += n; }

void ms_session_mem_sub(ms_session *s, size_t n) {
  s->mem_held -= n < s->mem_held ? n : s->mem_held;
}

void ms_session_mem_set(ms_session *s, size_t *charged, size_t now) {
  if (now > *charged)
    ms_session_mem_add(s, now - *charged);
  else
    ms_session_mem_sub(s, *charged - now);
  *charged = now;
}
