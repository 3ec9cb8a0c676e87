/* smtp_body.c - SMTP transactions and their messages: the DATA body
 * (dot-terminated, streamed to the message layer), BDAT chunks (counted
 * bytes), and the client bytes held while DATA awaits its reply (a 354
 * makes them the body, a refusal commands again).  See smtp_state.h. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "scan.h"
#include "smtp_state.h"
#include "smtp_util.h"

#define DATA_HOLD_MAX 65536 /* client bytes held while DATA awaits 354 */

/* ---- transactions ------------------------------------------------------- */

ms_transaction *smtp_tx_at(smtp *st, size_t i) {
  if (i == SPILL_TX)
    return st->spill;
  return i == NO_TX || i >= st->x.rec->transactions.len
             ? NULL
             : &st->x.rec->transactions.items[i];
}

/* A new transaction: in the record while it holds fewer than
 * --max-commands, else in the spill slot (decoded the same way, then
 * forgotten: record_limit was raised for the commands). */
size_t smtp_new_transaction(smtp *st, ms_ts ts) {
  ms_transaction *t;
  size_t txi;
  ms_session *rec = st->x.rec;
  if (rec->transactions.len < st->x.cfg->max_commands) {
    t = vec_push(&rec->transactions);
    txi = rec->transactions.len - 1;
  } else {
    if (st->msg && st->msg_tx == SPILL_TX)
      smtp_end_message(st, true, ts);
    if (!st->spill)
      st->spill = xcalloc(1, sizeof *st->spill);
    ms_transaction_free(st->spill);
    memset(st->spill, 0, sizeof *st->spill);
    t = st->spill;
    txi = SPILL_TX;
  }
  t->ts = ts;
  st->tx_counter++;
  return txi;
}

static void forget(smtp *st, size_t txi) {
  if (st->tx == txi)
    st->tx = NO_TX;
  if (st->server_tx == txi)
    st->server_tx = NO_TX;
}

void smtp_end_transaction(smtp *st, size_t txi, ms_ts ts) {
  ms_transaction *t = smtp_tx_at(st, txi);
  if (t && t->status == MS_TX_PENDING)
    t->status = t->reply.present ? MS_TX_REJECTED : MS_TX_ABORTED;
  if (st->msg && st->msg_tx == txi)
    smtp_end_message(st, true, ts);
  forget(st, txi);
}

void smtp_finish_transaction(smtp *st, size_t txi, const ex_reply *r) {
  ms_transaction *t = smtp_tx_at(st, txi);
  forget(st, txi);
  if (!t)
    return;
  if (t->status == MS_TX_REJECTED)
    return; /* The first refusal decided (RFC 3030: no BDAT after a refused
               one; Postfix answers later chunks "551 5.0.0 Discarded ...
               after earlier error"). */
  ms_reply_set(&t->reply, r->ts, r->code, r->enhanced, r->text);
  t->status = r->cls == MS_RC_POSITIVE ? MS_TX_QUEUED : MS_TX_REJECTED;
  free(t->queue_id);
  t->queue_id = t->status == MS_TX_QUEUED ? smtp_queue_id(r->text) : NULL;
  if (t->message)
    ms_msg_check_envelope(st->x.rec, t->message, t->mail_from, &t->rcpt_to,
                          r->ts);
}

unsigned long long smtp_advertised_size(const smtp *st) {
  const strvec *caps = &st->x.rec->capabilities;
  for (size_t i = 0; i < caps->len; i++) {
    uint64_t size;
    const char *end;
    if (!strncasecmp(caps->items[i], "SIZE ", 5) &&
        ex_number(caps->items[i] + 5, EX_NUMBER_MAX, &size, &end) && !*end)
      return size; /* out of range: no limit known (number_out_of_range) */
  }
  return 0;
}

size_t smtp_data_tx(const smtp *st) {
  return st->tx != NO_TX ? st->tx : st->server_tx;
}

/* ---- the message -------------------------------------------------------- */

size_t smtp_start_message(smtp *st, size_t txi, ms_ts ts) {
  ms_transaction *t = smtp_tx_at(st, txi);
  if (!t) { /* DATA with no MAIL: keep the body somewhere all the same; its
               sender is unknown (absent, not the null path) */
    txi = smtp_new_transaction(st, ts);
    t = smtp_tx_at(st, txi);
    st->tx = st->server_tx = txi;
    ex_anomaly(&st->x, "data_without_mail", ts,
               "message body sent without an accepted MAIL FROM");
  }
  if (t->message)
    return txi;
  if (st->msg) /* a body of another transaction was never finished */
    smtp_end_message(st, true, ts);
  t->message = ms_message_new();
  char label[24];
  snprintf(label, sizeof label, "t%zu",
           txi == SPILL_TX ? (size_t)st->tx_counter : txi + 1);
  st->msg = ms_msg_begin(st->x.rec, t->message, st->x.cfg, label, ts);
  st->msg_tx = txi;
  st->msg_gap = false;
  st->msg_8bit_known = smtp_eight_bit_declared(t->mail_params);
  return txi;
}

/* DATA accepted while BDAT chunks without LAST are open in the same
 * transaction (RFC 3030 2: the two do not mix).  The DATA body is a message
 * of its own, headers first: it is not glued to the end of the chunks.  The
 * chunks' message is ended, truncated, and dropped for the DATA body's; the
 * anomaly says how many bytes it held. */
void smtp_data_after_bdat(smtp *st, size_t txi, ms_ts ts) {
  ms_transaction *t = smtp_tx_at(st, txi);
  if (!t || !t->message || !st->msg || st->msg_tx != txi)
    return;
  smtp_end_message(st, true, ts);
  ex_anomaly(&st->x, "data_after_bdat", ts,
             "DATA accepted after %llu bytes of BDAT chunks without LAST: "
             "the message starts again with the DATA body",
             (unsigned long long)t->message->bytes);
  ms_message_free(t->message);
  t->message = NULL;
}

void smtp_end_message(smtp *st, bool truncated, ms_ts ts) {
  if (!st->msg)
    return;
  ms_transaction *t = smtp_tx_at(st, st->msg_tx);
  ms_msg_end(st->msg, truncated || st->msg_gap, ts);
  st->msg = NULL;
  unsigned long long limit = smtp_advertised_size(st);
  if (t && t->message && limit && t->message->bytes > limit)
    ex_anomaly(&st->x, "size_exceeds_limit", ts,
               "message of %llu bytes above the advertised SIZE %llu",
               (unsigned long long)t->message->bytes, limit);
  if (t && t->message && st->x.cfg->transcript) {
    char *sum = ms_msg_summary(t->message);
    ex_tline(&st->x, ts, MS_CLIENT, MS_TL_SUMMARY, (const uint8_t *)sum,
             strlen(sum), NULL);
    free(sum);
  }
}

/* A message byte above 127 in a body MAIL declared 7-bit (RFC 6152: a
 * server may refuse it or damage it on relay); once per message. */
static void check_8bit(smtp *st, const uint8_t *p, size_t n, ms_ts ts) {
  if (st->msg_8bit_known || !st->msg)
    return;
  const uint8_t *high = scan_8bit(p, n);
  if (!high)
    return;
  st->msg_8bit_known = true;
  ex_anomaly(&st->x, "undeclared_8bit_body", ts,
             "message byte 0x%02x, but MAIL had no BODY=8BITMIME (or "
             "BINARYMIME, SMTPUTF8)",
             *high);
}

/* ---- the DATA body ------------------------------------------------------ */

/* The body as transferred, dot-stuffing removed, goes to the message layer
 * in runs (no per-line calls); the "." line ends it.  Lines of any length
 * are fine: nothing is cut. */
static void feed_body(smtp *st, const uint8_t *p, size_t n, ms_ts ts) {
  if (!n)
    return;
  check_8bit(st, p, n, ts);
  if (st->msg)
    ms_msg_feed(st->msg, p, n, ts);
  if (st->x.cfg->full_bodies && st->x.cfg->transcript) {
    const uint8_t *c = p, *e = p + n;
    ms_line l;
    while (line_reader_next(&st->body->lines, &c, e, ts, &l))
      ex_tline(&st->x, ts, MS_CLIENT, MS_TL_BODY, l.data, l.len, NULL);
  }
}

static void drop_body(smtp *st) {
  if (st->body)
    line_reader_free(&st->body->lines);
  free(st->body);
  st->body = NULL;
}

void smtp_body_begin(smtp *st, ms_ts ts) {
  st->mode = CL_BODY;
  drop_body(st);
  st->body = xcalloc(1, sizeof *st->body);
  dot_scan_begin(&st->body->scan);
  st->body->scan.want_cr = true;
  line_reader_init(&st->body->lines, st->x.cfg->max_line);
  (void)ts;
}

void smtp_body_end(smtp *st, ms_ts ts) {
  if (st->body->scan.bare_cr_end)
    ex_anomaly(&st->x, "bare_cr_end_of_data", ts,
               "the message holds a \".\" line a bare CR delimits "
               "(<CR>.<CR>, <CR>.<CR><LF>, <CR><LF>.<CR>, <CR>.<LF>): a "
               "server that ends lines at a bare CR ends the message "
               "there and reads the rest as commands (SMTP smuggling)");
  if (st->x.cfg->full_bodies && st->x.cfg->transcript) {
    ms_line l;
    if (line_reader_flush(&st->body->lines, ts, &l))
      ex_tline(&st->x, ts, MS_CLIENT, MS_TL_BODY, l.data, l.len, NULL);
    ex_tline(&st->x, ts, MS_CLIENT, MS_TL_BODY, (const uint8_t *)".", 1, NULL);
  }
  smtp_end_message(st, false, ts);
  smtp_pending *p = ex_push(&st->x, K_BODY_END, 0, EX_NONE, ts);
  p->tx = st->msg_tx;
  st->mode = CL_COMMANDS;
  drop_body(st);
  st->x.server_spoke = false;
  st->x.last_ends_group = false;
  st->x.flight_leader_tline = EX_NONE;
}

static void body_out(void *ctx, const uint8_t *p, size_t n) {
  smtp *st = ctx;
  feed_body(st, p, n, st->body->now);
}

static void body_bytes(smtp *st, const uint8_t **cursor, const uint8_t *end,
                       ms_ts ts) {
  st->body->now = ts;
  if (dot_scan(&st->body->scan, cursor, end, body_out, st)) {
    if (st->body->scan.end_bare_lf)
      ex_anomaly(&st->x, "bare_lf_end_of_data", ts,
                 "the message ended with a \".\" line and a bare LF: a "
                 "server that wants <CR><LF>.<CR><LF> reads on (SMTP "
                 "smuggling)");
    smtp_body_end(st, ts);
  }
}

/* ---- BDAT chunks -------------------------------------------------------- */

void smtp_bdat_begin(smtp *st, uint64_t size, bool last, ms_ts ts) {
  st->bdat_left = size;
  st->bdat_last = last;
  if (size > 0)
    st->mode = CL_BDAT;
  else if (last)
    smtp_end_message(st, false, ts);
}

static void bdat_bytes(smtp *st, const uint8_t **cur, const uint8_t *end,
                       ms_ts ts) {
  size_t avail = (size_t)(end - *cur);
  size_t take = st->bdat_left < avail ? (size_t)st->bdat_left : avail;
  check_8bit(st, *cur, take, ts);
  if (st->msg)
    ms_msg_feed(st->msg, *cur, take, ts);
  *cur += take;
  st->bdat_left -= take;
  if (st->bdat_left == 0) {
    st->mode = CL_COMMANDS;
    if (st->bdat_last)
      smtp_end_message(st, false, ts); /* the summary comes with LAST */
  }
}

/* ---- bytes held while DATA awaits its reply ----------------------------- */

void smtp_replay_held(void *owner, ms_ts ts) {
  smtp *st = owner;
  uint8_t *held = st->held;
  size_t n = st->held_len, gap_at = st->held_gap_at;
  uint64_t gap_n = st->held_gap_n;
  st->held = NULL;
  st->held_len = st->held_gap_at = 0;
  st->held_gap_n = 0;
  if (gap_n) {
    if (gap_at)
      ex_client_bytes(&st->x, held, gap_at, ts);
    smtp_client_gap(st, gap_n, ts);
    if (n > gap_at)
      ex_client_bytes(&st->x, held + gap_at, n - gap_at, ts);
  } else if (n) {
    ex_client_bytes(&st->x, held, n, ts);
  }
  free(held);
}

static void hold_bytes(smtp *st, const uint8_t **cur, const uint8_t *end,
                       ms_ts ts) {
  size_t take = (size_t)(end - *cur);
  if (st->held_len + take > DATA_HOLD_MAX) {
    /* the client is clearly sending a body: treat it as one */
    ex_anomaly(&st->x, "data_before_354", ts,
               "client sent %zu bytes before the reply to DATA",
               st->held_len + take);
    smtp_body_begin(st, ts);
    smtp_start_message(st, smtp_data_tx(st), ts);
    smtp_replay_held(st, ts);
    return; /* the rest is taken in the body mode */
  }
  st->held = xrealloc(st->held, st->held_len + take);
  memcpy(st->held + st->held_len, *cur, take);
  st->held_len += take;
  *cur = end;
}

bool smtp_client_raw(void *owner, const uint8_t **cur, const uint8_t *end,
                     ms_ts ts) {
  smtp *st = owner;
  switch (st->mode) {
  case CL_BDAT:
    bdat_bytes(st, cur, end, ts);
    return true;
  case CL_BODY:
    body_bytes(st, cur, end, ts);
    return true;
  case CL_DATA_WAIT:
    hold_bytes(st, cur, end, ts);
    return true;
  default:
    return false;
  }
}

/* ---- lost client bytes -------------------------------------------------- */

bool smtp_client_gap(smtp *st, uint64_t n, ms_ts ts) {
  if (st->mode == CL_DATA_WAIT) { /* replayed in place once DATA's fate is
                                     known */
    if (!st->held_gap_n)
      st->held_gap_at = st->held_len;
    st->held_gap_n += n;
    return true;
  }
  if (st->mode == CL_BDAT) {
    uint64_t lost = n < st->bdat_left ? n : st->bdat_left;
    st->bdat_left -= lost;
    if (st->msg) {
      st->msg_gap = true;
      ex_anomaly(&st->x, "message_gap", ts,
                 "%llu bytes of a BDAT chunk are missing",
                 (unsigned long long)lost);
    }
    if (st->bdat_left == 0) {
      st->mode = CL_COMMANDS;
      if (st->bdat_last)
        smtp_end_message(st, true, ts);
    }
    if (n > lost)
      line_reader_gap(&st->x.lines[MS_CLIENT]);
    return false;
  }
  if (st->mode == CL_BODY) {
    st->body->gap = true;
    if (st->msg) {
      st->msg_gap = true;
      ex_anomaly(&st->x, "message_gap", ts,
                 "%llu bytes of a message body are missing",
                 (unsigned long long)n);
    }
    dot_scan_lost(&st->body->scan);
  }
  /* The start of a command line the gap cut (a snaplen keeps a packet's
   * first bytes): a known verb is still that command, its argument cut. */
  if (st->mode == CL_COMMANDS)
    ex_salvage_command(&st->x);
  line_reader_gap(&st->x.lines[MS_CLIENT]);
  return true;
}

void smtp_body_free(smtp *st) {
  drop_body(st);
  free(st->held);
  if (st->msg)
    ms_msg_end(st->msg, true, 0);
  if (st->spill)
    ms_transaction_free(st->spill);
  free(st->spill);
}
