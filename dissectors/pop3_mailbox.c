/* pop3_mailbox.c - what POP3 says about the mailbox: LIST and UIDL facts
 * (kept sorted and bounded), CAPA/LANG/AUTH listings, and RETR/TOP
 * messages scanned as a stream into the message layer; the
 * resynchronisation after lost server bytes.  See pop3_state.h. */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "pop3_state.h"
#include "scan.h"

#define SPILL_MSG ((size_t)-2) /* a retrieval beyond --max-commands */
#define MAX_UID 70             /* RFC 1939 7: a unique-id is 1 to 70 chars */
#define MAX_LISTING 100000     /* messages whose size/uid are kept */
#define MAX_UNORDERED 4096     /* beyond this many, listings only append */

long pop3_number(const char *s, bool *ok) {
  *ok = false;
  if (!s)
    return 0;
  while (*s == ' ')
    s++;
  uint64_t v;
  const char *end;
  if (!ex_number(s, 1000000000, &v, &end))
    return 0;
  *ok = true;
  return (long)v;
}

void pop3_bad_number(pop3 *st, const char *what, const char *text, ms_ts ts) {
  if (st->bad_number_said)
    return; /* once a session: a hostile listing is one finding */
  st->bad_number_said = true;
  ms_add_anomaly(st->x.rec, "number_out_of_range", ts,
                 "%s \"%.80s\" is not a number from 0 to %llu: kept only "
                 "as text",
                 what, text, (unsigned long long)EX_NUMBER_MAX);
}

const char *pop3_after_number(const char *s) {
  while (*s == ' ')
    s++;
  while (isdigit((unsigned char)*s))
    s++;
  while (*s == ' ')
    s++;
  return s;
}

/* The message being retrieved, or NULL. */
static ms_pop3_message *retrieval(pop3 *st) {
  if (st->msg_index == SPILL_MSG)
    return &st->spill;
  return st->msg_index < st->x.rec->messages.len
             ? &st->x.rec->messages.items[st->msg_index]
             : NULL;
}

/* The LIST/UIDL facts of message n, kept sorted by number so that memory
 * follows the lines received (listings arrive in order: appending is the
 * usual case).  With create, a missing entry is added unless the table
 * is full (see MAX_LISTING, MAX_UNORDERED). */
static listing_entry *listing_for(pop3 *st, long n, bool create) {
  if (n < 1 || n > 1000000000L)
    return NULL;
  size_t lo = 0, hi = st->listing.len;
  if (hi && st->listing.items[hi - 1].number < n) {
    lo = hi; /* past the end: the common, in-order case */
  } else {
    while (lo < hi) {
      size_t mid = lo + (hi - lo) / 2;
      if (st->listing.items[mid].number < n)
        lo = mid + 1;
      else
        hi = mid;
    }
    if (lo < st->listing.len && st->listing.items[lo].number == n)
      return &st->listing.items[lo];
  }
  if (!create || st->listing.len >= MAX_LISTING)
    return NULL;
  /* Out-of-order numbers cost a memmove: bounded to small tables so that a
   * hostile listing in reverse order stays linear. */
  if (lo < st->listing.len && st->listing.len >= MAX_UNORDERED)
    return NULL;
  vec_push(&st->listing);
  listing_entry *items = st->listing.items;
  memmove(items + lo + 1, items + lo,
          (st->listing.len - 1 - lo) * sizeof *items);
  memset(&items[lo], 0, sizeof *items);
  items[lo].number = n;
  return &items[lo];
}

void pop3_listing_fact(pop3 *st, p3_kind kind, const char *text, ms_ts ts) {
  bool valid;
  long num = pop3_number(text, &valid);
  if (!valid) {
    pop3_bad_number(st,
                    kind == P_LIST ? "LIST message number"
                                   : "UIDL "
                                     "message number",
                    text, ts);
    return;
  }
  listing_entry *e = listing_for(st, num, true);
  if (!e)
    return;
  const char *rest = pop3_after_number(text);
  if (kind == P_LIST) {
    uint64_t size;
    const char *end;
    if (ex_number(rest, EX_NUMBER_MAX, &size, &end)) {
      e->size = size;
      e->has_size = true;
    } else {
      pop3_bad_number(st, "LIST size", text, ts);
    }
    return;
  }
  size_t n = strcspn(rest, " ");
  if (n > MAX_UID) {
    ms_add_anomaly(st->x.rec, "malformed_response", ts,
                   "a unique-id of %zu characters (at most %d): cut", n,
                   MAX_UID);
    n = MAX_UID;
  }
  free(e->uid);
  e->uid = xstrndup(rest, n);
}

static void capability(pop3 *st, const char *line, ms_ts ts) {
  ms_session *rec = st->x.rec;
  if (rec->capabilities.len < MS_MAX_LIST) {
    strvec_push(&rec->capabilities, line);
    if (!strcasecmp(line, "PIPELINING"))
      st->x.pipelining = true;
  } else if (!st->list_full_warned) {
    st->list_full_warned = true;
    ms_limit_hit(rec, MS_LIMIT_LIST, "record_limit", ts,
                 "more than %d capabilities: later ones are not recorded",
                 MS_MAX_LIST);
  }
}

void pop3_listing_line(pop3 *st, const ms_line *l, ms_ts ts) {
  ex *x = &st->x;
  x->server_spoke = true;
  /* A status line cannot be part of a listing: the server forgot the "."
   * (or lies); take it as the next response. */
  if (pop3_looks_like_status(l) && ex_outstanding(x)) {
    ms_add_anomaly(x->rec, "multiline_unterminated", ts,
                   "a listing ended without its \".\" line");
    st->mode = SV_STATUS;
    pop3_status_line(st, l, ts);
    return;
  }
  bool dot = l->len == 1 && l->data[0] == '.';
  ex_server_tline(x, l, ts, dot ? MS_TL_REPLY_END : 0, 0, MS_RC_POSITIVE);
  if (dot) {
    st->mode = SV_STATUS;
    return;
  }
  const uint8_t *d = l->data;
  size_t n = l->len;
  if (n > 0 && d[0] == '.') {
    d++;
    n--;
  }
  char *line = wire_strdup(d, n);
  switch (st->current.base.kind) {
  case P_CAPA:
    capability(st, line, ts);
    break;
  case P_LIST:
  case P_UIDL:
    pop3_listing_fact(st, st->current.base.kind, line, ts);
    break;
  default:
    break;
  }
  free(line);
}

/* ---- retrieved messages ------------------------------------------------- */

void pop3_start_retrieval(pop3 *st, const p3_pending *p, ms_ts ts) {
  ms_session *rec = st->x.rec;
  if (st->msg) { /* not expected: a retrieval is finished before another */
    ms_msg_end(st->msg, true, ts);
    st->msg = NULL;
  }
  ms_pop3_message *m;
  if (rec->messages.len < st->x.cfg->max_commands) {
    m = vec_push(&rec->messages);
    st->msg_index = rec->messages.len - 1;
  } else {
    ex_record_full(&st->x, ts);
    ms_pop3_message_free(&st->spill);
    memset(&st->spill, 0, sizeof st->spill);
    m = &st->spill;
    st->msg_index = SPILL_MSG;
  }
  m->number = (int)p->number;
  m->command = xstrdup(p->base.kind == P_RETR ? "RETR" : "TOP");
  listing_entry *e = listing_for(st, p->number, false);
  if (e && e->uid)
    m->uid = xstrdup(e->uid);
  m->message = ms_message_new();
  char label[32];
  snprintf(label, sizeof label, "m%ld%s", p->number,
           p->base.kind == P_TOP ? "-top" : "");
  st->msg = ms_msg_begin(rec, m->message, st->x.cfg, label, ts);
  if (p->base.kind == P_TOP) /* TOP n m: headers and m body lines only */
    ms_msg_set_preview(st->msg);
  dot_scan_begin(&st->body);
  st->msg_octets = st->msg_bare_lf = 0;
  memset(st->msg_tail, 0, sizeof st->msg_tail);
  st->msg_gap = false;
  line_reader_free(&st->body_lines);
  line_reader_init(&st->body_lines, st->x.cfg->max_line);
}

/* Whether the octets RETR carried agree with the LIST size: bare LFs count
 * as CRLF, and a server that ends a message already ending in CRLF with one
 * more CRLF before the "." (seen in the wild) is tolerated. */
static bool size_matches(const pop3 *st, uint64_t listed) {
  uint64_t carried = st->msg_octets + st->msg_bare_lf;
  if (carried == listed)
    return true;
  return carried == listed + 2 && !memcmp(st->msg_tail, "\r\n\r\n", 4);
}

void pop3_finish_retrieval(pop3 *st, bool truncated, ms_ts ts) {
  ms_pop3_message *m = retrieval(st);
  if (!m)
    return;
  ex *x = &st->x;
  if (st->msg) {
    ms_msg_end(st->msg, truncated || st->msg_gap, ts);
    st->msg = NULL;
  }
  if (x->cfg->full_bodies && x->cfg->transcript) {
    ms_line l;
    if (line_reader_flush(&st->body_lines, ts, &l))
      ex_tline(x, ts, MS_SERVER, MS_TL_BODY, l.data, l.len, NULL);
  }
  truncated |= st->msg_gap;
  m->bytes = st->msg_octets;
  if (m->message && x->cfg->transcript) {
    char *sum = ms_msg_summary(m->message);
    size_t tl = ex_tline(x, ts, MS_SERVER, MS_TL_SUMMARY | MS_TL_REPLY_END,
                         (const uint8_t *)sum, strlen(sum), NULL);
    ms_tline *t = ex_tline_at(x, tl);
    if (t)
      t->reply_class = MS_RC_POSITIVE;
    free(sum);
  }
  listing_entry *e = listing_for(st, m->number, false);
  if (!truncated && st->current.base.kind == P_RETR && e && e->has_size &&
      !size_matches(st, e->size))
    ms_add_anomaly(x->rec, "retr_size_mismatch", ts,
                   "message %d: LIST said %llu octets, RETR carried %llu",
                   m->number, (unsigned long long)e->size,
                   (unsigned long long)(m->bytes + st->msg_bare_lf));
  st->msg_index = (size_t)-1;
}

/* Counts the body's octets and its bare LFs (an LF not preceded by CR:
 * RFC 1939 sizes count them as CRLF), and keeps its last four bytes; one
 * vector pass per chunk. */
static void count_octets(pop3 *st, const uint8_t *p, size_t n) {
  if (n == 0)
    return;
  st->msg_bare_lf += scan_bare_lf(p, n, st->msg_tail[3]);
  if (n >= 4) {
    memcpy(st->msg_tail, p + n - 4, 4);
  } else {
    memmove(st->msg_tail, st->msg_tail + n, 4 - n);
    memcpy(st->msg_tail + 4 - n, p, n);
  }
  st->msg_octets += n;
}

static void body_out(void *ctx, const uint8_t *p, size_t n) {
  pop3 *st = ctx;
  count_octets(st, p, n);
  if (st->msg)
    ms_msg_feed(st->msg, p, n, st->now);
  if (st->x.cfg->full_bodies && st->x.cfg->transcript) {
    const uint8_t *c = p, *e = p + n;
    ms_line l;
    while (line_reader_next(&st->body_lines, &c, e, st->now, &l)) {
      size_t tl =
          ex_tline(&st->x, st->now, MS_SERVER, MS_TL_BODY, l.data, l.len, NULL);
      ms_tline *t = ex_tline_at(&st->x, tl);
      if (t)
        t->reply_class = MS_RC_POSITIVE;
    }
  }
}

void pop3_message_gap(pop3 *st, uint64_t n, ms_ts ts) {
  dot_scan_lost(&st->body);
  st->msg_gap = true;
  ms_add_anomaly(st->x.rec, "message_gap", ts,
                 "%llu bytes of a retrieved message are missing",
                 (unsigned long long)n);
}

/* ---- lost server bytes -------------------------------------------------- */

/* Was the i-th outstanding command sent before `ts`? */
static bool sent_before(const pop3 *st, size_t i, ms_ts ts) {
  const ex_pending *p = ex_peek(&st->x, i);
  return p && p->sent < ts;
}

static bool starts_status(const uint8_t *p, size_t n) {
  return (n >= 4 && !strncasecmp((const char *)p, "+OK", 3) &&
          (p[3] == ' ' || p[3] == '\r' || p[3] == '\n')) ||
         (n >= 5 && !strncasecmp((const char *)p, "-ERR", 4) &&
          (p[4] == ' ' || p[4] == '\r' || p[4] == '\n'));
}

/* The first server bytes after lost ones, at ts.  A client that does not
 * pipeline waits for each response (and for the greeting) before its next
 * command, so a command sent before these bytes came means that what it
 * waited for was in the lost bytes: the greeting, a message's end (when
 * a status line starts here), whole responses. */
static void resync_after_gap(pop3 *st, const uint8_t *data, size_t n,
                             ms_ts ts) {
  ex *x = &st->x;
  x->server_gap = false;
  if (st->mode == SV_MESSAGE && starts_status(data, n) &&
      sent_before(st, 0, ts)) {
    ms_add_anomaly(x->rec, "response_lost", ts,
                   "the end of a retrieved message was in the lost bytes");
    st->mode = SV_STATUS;
    pop3_finish_retrieval(st, true, ts);
    line_reader_gap(&x->lines[MS_SERVER]);
  }
  if (st->mode == SV_LIST && starts_status(data, n) && sent_before(st, 0, ts)) {
    ms_add_anomaly(x->rec, "multiline_unterminated", ts,
                   "a listing ended in the lost bytes");
    st->mode = SV_STATUS;
  }
  if (st->mode != SV_STATUS)
    return;
  if (!x->greeted && sent_before(st, 0, ts)) {
    x->greeted = true;
    ms_add_anomaly(x->rec, "response_lost", ts,
                   "the greeting was in the lost bytes");
  }
  ex_drop_lost(x, ts);
}

bool pop3_server_raw(void *owner, const uint8_t **cur, const uint8_t *end,
                     ms_ts ts) {
  pop3 *st = owner;
  if (st->x.server_gap)
    resync_after_gap(st, *cur, (size_t)(end - *cur), ts);
  if (st->mode != SV_MESSAGE)
    return false;
  st->now = ts;
  st->x.server_spoke = true;
  if (dot_scan(&st->body, cur, end, body_out, st)) {
    st->mode = SV_STATUS;
    pop3_finish_retrieval(st, false, ts);
  }
  return true;
}

void pop3_mailbox_free(pop3 *st) {
  line_reader_free(&st->body_lines);
  for (size_t i = 0; i < st->listing.len; i++)
    free(st->listing.items[i].uid);
  vec_free(&st->listing);
  if (st->msg)
    ms_msg_end(st->msg, true, 0);
  ms_pop3_message_free(&st->spill);
}
