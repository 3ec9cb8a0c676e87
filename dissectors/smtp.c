/* smtp.c - the SMTP dissector (RFC 5321, 2920, 3030, 4954, 3207).
 *
 * Client and server bytes arrive interleaved in wire order.  Client lines
 * are commands (or, in the DATA state, body lines; in BDAT, counted bytes;
 * during AUTH, SASL responses).  Server lines are assembled into replies;
 * each complete reply is paired with the oldest outstanding command, so
 * pipelined groups pair exactly however they were cut into segments.
 * Transactions open at MAIL and close at the reply to the end of data (or
 * RSET, HELO/EHLO, STARTTLS, the end of the connection).  Message bodies go
 * to the message layer (message.h).  docs/smtp.md lists every anomaly.
 */
#include <ctype.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "dissector.h"
#include "dotbody.h"
#include "lines.h"
#include "message.h"
#include "sasl.h"
#include "scan.h"
#include "smtp_util.h"

#define DATA_HOLD_MAX 65536 /* client bytes held while DATA awaits 354 */
#define NO_TX ((size_t)-1)
#define SPILL_TX ((size_t)-2) /* the transaction beyond --max-commands */
#define NO_CMD ((size_t)-1)

typedef enum {
  K_OTHER,
  K_HELO,
  K_EHLO,
  K_MAIL,
  K_RCPT,
  K_DATA,
  K_BDAT,
  K_RSET,
  K_AUTH,
  K_STARTTLS,
  K_QUIT,
  K_BODY_END /* not a command: the reply to the end of a DATA body */
} cmd_kind;

typedef struct {
  cmd_kind kind;
  size_t cmd; /* index in rec->commands, or NO_CMD */
  size_t tx;  /* transaction, or NO_TX */
  char *rcpt; /* RCPT: the forward-path */
  bool bdat_last;
  bool bdat_invalid; /* no chunk was started: its refusal ends nothing */
  bool ends_group;   /* RFC 2920: the client waits for its reply */
  ms_ts sent;
} pending;

typedef enum {
  CL_COMMANDS,
  CL_DATA_WAIT, /* DATA sent, its reply not yet seen: hold client bytes */
  CL_BODY,      /* DATA body, up to the "." line */
  CL_BDAT,      /* counted chunk bytes */
  CL_STOPPED    /* TLS or given up */
} client_mode;

typedef struct {
  int code;
  bool open;
  ms_ts first_ts; /* of its first line */
  char *enhanced;
  char *text; /* grows up to MS_MAX_REPLY_TEXT; NULL until the first line */
  size_t tlen, tcap;
  size_t lines;
  strvec ehlo_lines; /* continuation lines, for EHLO capabilities */
  bool truncated;
  bool code_changed; /* reply_code_changed raised for this reply */
} reply_builder;

typedef struct {
  ms_session *rec;
  const ms_dissect_config *cfg;
  line_reader lines[2];
  client_mode mode;
  VEC(pending) queue;
  size_t qhead;
  bool greeted;
  /* The greeting came while commands were outstanding (the client spoke
   * first): if the client now sends another command before any other
   * reply, it took the greeting line as the answer to its first one. */
  bool greeting_may_answer;
  int greeting_code;
  ms_ts greeting_ts;
  bool pipelining_advertised;
  bool ehlo_answered; /* capabilities are known (HELO or EHLO answered) */
  bool server_spoke;  /* a server line since the last client command */
  size_t flight_leader_tline; /* transcript line of the flight's first cmd */
  bool flight_has_group;
  bool last_ends_group; /* the previous command must end its group */
  char last_verb[16];
  reply_builder reply;
  size_t tx; /* open transaction or NO_TX */
  /* message body */
  ms_msg_parser *msg;
  bool msg_gap; /* bytes of the open message were lost: it is truncated */
  size_t msg_tx;
  uint64_t bdat_left;
  bool bdat_last;
  /* DATA body scanner: where we are relative to a line start */
  dot_scanner body;
  ms_ts now;              /* timestamp of the bytes being scanned */
  line_reader body_lines; /* --full-bodies transcript lines only */
  uint8_t *held;          /* CL_DATA_WAIT */
  size_t held_len;
  size_t held_gap_at;  /* client bytes lost after held[0..held_gap_at) */
  uint64_t held_gap_n; /* how many (0: none) */
  bool server_gap;     /* server bytes lost: resync at the next reply */
  bool body_gap;       /* bytes of the DATA body were lost */
  bool msg_8bit_known; /* the open message may carry 8-bit bytes, or one
                          was reported already */
  /* AUTH */
  sasl_exchange *sasl;
  bool sasl_wants_response;
  bool record_full_warned;
  bool queue_full_warned;
  uint64_t untracked;        /* commands beyond MS_MAX_OUTSTANDING */
  pending untracked_scratch; /* filled for them, then forgotten */
  bool controls_warned;
  bool stop_after_reply;
  int tx_counter;
  /* Transactions beyond --max-commands are decoded here, not recorded. */
  ms_transaction spill;
  char *long_reply_line; /* max_line + 1 bytes, for lines over 1 KiB */
} smtp;

/* ---- recording helpers -------------------------------------------------- */

/* Anomalies with their detail cut at 512 bytes (the record caps their
 * number: MS_MAX_ANOMALIES, then one record_limit). */
static void smtp_anomaly(smtp *st, const char *name, ms_ts ts, const char *fmt,
                         ...) __attribute__((format(printf, 4, 5)));
static void smtp_anomaly(smtp *st, const char *name, ms_ts ts, const char *fmt,
                         ...) {
  char detail[512];
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(detail, sizeof detail, fmt, ap);
  va_end(ap);
  ms_add_anomaly(st->rec, name, ts, "%s", detail);
}

static bool room_to_record(smtp *st, ms_ts ts) {
  if (st->rec->commands.len < st->cfg->max_commands &&
      st->rec->transcript.len < st->cfg->max_commands * 4)
    return true;
  if (!st->record_full_warned)
    ms_limit_hit(st->rec, MS_LIMIT_COMMANDS, "record_limit", ts,
                 "more than %zu commands (--max-commands): later ones are "
                 "decoded but not recorded",
                 st->cfg->max_commands);
  st->record_full_warned = true;
  return false;
}

static size_t add_tline(smtp *st, ms_ts ts, ms_dir dir, unsigned flags,
                        const uint8_t *p, size_t n, const char *note) {
  if (!st->cfg->transcript ||
      st->rec->transcript.len >= st->cfg->max_commands * 4)
    return (size_t)-1;
  ms_add_tline(st->rec, ts, dir, flags, p, n, note);
  return st->rec->transcript.len - 1;
}

static void add_notice(smtp *st, ms_ts ts, ms_dir dir, const char *text) {
  add_tline(st, ts, dir, MS_TL_NOTICE, (const uint8_t *)text, strlen(text),
            NULL);
}

static ms_transaction *tx_at(smtp *st, size_t i) {
  if (i == SPILL_TX)
    return &st->spill;
  return i == NO_TX || i >= st->rec->transactions.len
             ? NULL
             : &st->rec->transactions.items[i];
}

static ms_command *cmd_at(smtp *st, size_t i) {
  return i == NO_CMD || i >= st->rec->commands.len
             ? NULL
             : &st->rec->commands.items[i];
}

/* ---- the message body --------------------------------------------------- */

static void end_message(smtp *st, bool truncated, ms_ts ts);

/* A new transaction becomes the open one: in the record while it holds
 * fewer than --max-commands, else in the spill slot (decoded the same way,
 * then forgotten: record_limit was raised for the commands). */
static ms_transaction *new_transaction(smtp *st, ms_ts ts) {
  ms_transaction *t;
  if (st->rec->transactions.len < st->cfg->max_commands) {
    t = vec_push(&st->rec->transactions);
    st->tx = st->rec->transactions.len - 1;
  } else {
    if (st->msg && st->msg_tx == SPILL_TX)
      end_message(st, true, ts);
    ms_transaction_free(&st->spill);
    memset(&st->spill, 0, sizeof st->spill);
    t = &st->spill;
    st->tx = SPILL_TX;
  }
  t->ts = ts;
  st->tx_counter++;
  return t;
}

static bool eight_bit_declared(const char *params);

static void start_message(smtp *st, ms_ts ts) {
  ms_transaction *t = tx_at(st, st->tx);
  if (!t) { /* DATA with no MAIL: keep the body somewhere all the same */
    t = new_transaction(st, ts);
    t->mail_from = xstrdup("");
    smtp_anomaly(st, "data_without_mail", ts,
                 "message body sent without an accepted MAIL FROM");
  }
  if (t->message)
    return;
  if (st->msg) /* a body of another transaction was never finished */
    end_message(st, true, ts);
  t->message = ms_message_new();
  char label[24];
  snprintf(label, sizeof label, "t%zu",
           st->tx == SPILL_TX ? (size_t)st->tx_counter : st->tx + 1);
  st->msg = ms_msg_begin(st->rec, t->message, st->cfg, label, ts);
  st->msg_tx = st->tx;
  st->msg_gap = false;
  st->msg_8bit_known = eight_bit_declared(t->mail_params);
}

/* DATA accepted while BDAT chunks without LAST are open in the same
 * transaction (RFC 3030 2: the two do not mix).  The DATA body is a message
 * of its own, headers first: it is not glued to the end of the chunks.  The
 * chunks' message is ended, truncated, and dropped for the DATA body's; the
 * anomaly says how many bytes it held. */
static void data_after_bdat(smtp *st, ms_ts ts) {
  ms_transaction *t = tx_at(st, st->tx);
  if (!t || !t->message || !st->msg || st->msg_tx != st->tx)
    return;
  end_message(st, true, ts);
  smtp_anomaly(st, "data_after_bdat", ts,
               "DATA accepted after %llu bytes of BDAT chunks without LAST: "
               "the message starts again with the DATA body",
               (unsigned long long)t->message->bytes);
  ms_message_free(t->message);
  t->message = NULL;
}

/* The SIZE the EHLO reply advertised (RFC 1870), 0 when none or no limit. */
static unsigned long long advertised_size(const smtp *st) {
  for (size_t i = 0; i < st->rec->capabilities.len; i++) {
    const char *cap = st->rec->capabilities.items[i];
    if (!strncasecmp(cap, "SIZE ", 5))
      return strtoull(cap + 5, NULL, 10);
  }
  return 0;
}

static void end_message(smtp *st, bool truncated, ms_ts ts) {
  if (!st->msg)
    return;
  ms_transaction *t = tx_at(st, st->msg_tx);
  ms_msg_end(st->msg, truncated || st->msg_gap, ts);
  st->msg = NULL;
  unsigned long long limit = advertised_size(st);
  if (t && t->message && limit && t->message->bytes > limit)
    smtp_anomaly(st, "size_exceeds_limit", ts,
                 "message of %llu bytes above the advertised SIZE %llu",
                 (unsigned long long)t->message->bytes, limit);
  if (t && t->message && st->cfg->transcript) {
    char *sum = ms_msg_summary(t->message);
    add_tline(st, ts, MS_CLIENT, MS_TL_SUMMARY, (const uint8_t *)sum,
              strlen(sum), NULL);
    free(sum);
  }
}

/* ---- transactions ------------------------------------------------------- */

static void abort_transaction(smtp *st, ms_ts ts, const char *why) {
  ms_transaction *t = tx_at(st, st->tx);
  if (t && t->status == MS_TX_PENDING) {
    t->status = MS_TX_ABORTED;
    (void)why;
  }
  if (st->msg && st->msg_tx == st->tx)
    end_message(st, true, ts);
  st->tx = NO_TX;
}

static void finish_transaction(smtp *st, size_t txi, int code,
                               const char *enhanced, const char *text,
                               ms_ts ts) {
  ms_transaction *t = tx_at(st, txi);
  if (!t)
    return;
  if (t->status == MS_TX_REJECTED) {
    /* The first refusal decided (RFC 3030: no BDAT after a refused one;
     * Postfix answers later chunks "551 5.0.0 Discarded ... after earlier
     * error"). */
    if (st->tx == txi)
      st->tx = NO_TX;
    return;
  }
  ms_reply_set(&t->reply, ts, code, enhanced, text);
  t->status = code >= 200 && code < 300 ? MS_TX_QUEUED : MS_TX_REJECTED;
  free(t->queue_id);
  t->queue_id = t->status == MS_TX_QUEUED ? smtp_queue_id(text) : NULL;
  if (t->message)
    ms_msg_check_envelope(st->rec, t->message, t->mail_from, &t->rcpt_to, ts);
  if (st->tx == txi)
    st->tx = NO_TX;
}

/* ---- the outstanding-command queue -------------------------------------- */

static size_t outstanding(const smtp *st) { return st->queue.len - st->qhead; }

/* Beyond MS_MAX_OUTSTANDING, commands are only counted (untracked): the
 * replies pair with the tracked ones first, in order, then use up the
 * count; the caller fills a scratch entry that is forgotten. */
static pending *push_pending(smtp *st, cmd_kind kind, size_t cmd, ms_ts ts) {
  if (st->untracked || outstanding(st) >= MS_MAX_OUTSTANDING) {
    if (!st->queue_full_warned)
      ms_limit_hit(st->rec, MS_LIMIT_OUTSTANDING, "too_many_outstanding", ts,
                   "%d commands without reply: later ones are not paired",
                   MS_MAX_OUTSTANDING);
    st->queue_full_warned = true;
    st->untracked++;
    free(st->untracked_scratch.rcpt);
    memset(&st->untracked_scratch, 0, sizeof st->untracked_scratch);
    st->untracked_scratch.kind = kind;
    st->untracked_scratch.cmd = NO_CMD;
    return &st->untracked_scratch;
  }
  if (st->qhead > 0 && st->qhead == st->queue.len) {
    st->queue.len = st->qhead = 0;
  } else if (st->qhead > 1024) {
    memmove(st->queue.items, st->queue.items + st->qhead,
            outstanding(st) * sizeof(pending));
    st->queue.len -= st->qhead;
    st->qhead = 0;
  }
  pending *p = vec_push(&st->queue);
  memset(p, 0, sizeof *p);
  p->kind = kind;
  p->cmd = cmd;
  p->tx = st->tx;
  p->sent = ts;
  return p;
}

static bool pop_pending(smtp *st, pending *out) {
  if (!outstanding(st))
    return false;
  *out = st->queue.items[st->qhead++];
  if (st->qhead == st->queue.len)
    st->queue.len = st->qhead = 0;
  return true;
}

/* ---- commands ----------------------------------------------------------- */

typedef struct {
  const char *verb;
  cmd_kind kind;
  bool ends_group; /* RFC 2920: must be the last command of a group */
} verb_info;

static const verb_info verbs[] = {
    {"HELO", K_HELO, false},        {"EHLO", K_EHLO, true},
    {"MAIL", K_MAIL, false},        {"RCPT", K_RCPT, false},
    {"DATA", K_DATA, true},         {"BDAT", K_BDAT, false},
    {"RSET", K_RSET, false},        {"VRFY", K_OTHER, true},
    {"EXPN", K_OTHER, true},        {"HELP", K_OTHER, false},
    {"NOOP", K_OTHER, true},        {"QUIT", K_QUIT, true},
    {"TURN", K_OTHER, true},        {"ATRN", K_OTHER, true},
    {"ETRN", K_OTHER, false},       {"SEND", K_MAIL, false},
    {"SOML", K_MAIL, false},        {"SAML", K_MAIL, false},
    {"AUTH", K_AUTH, true},         {"STARTTLS", K_STARTTLS, true},
    {"XCLIENT", K_OTHER, true},     {"XFORWARD", K_OTHER, false},
    {"VERB", K_OTHER, false},       {"ONEX", K_OTHER, false},
    {"XEXCH50", K_OTHER, true},     {"X-EXPS", K_OTHER, true},
    {"X-LINK2STATE", K_OTHER, true}};

static const verb_info *find_verb(const char *v) {
  for (size_t i = 0; i < sizeof verbs / sizeof verbs[0]; i++)
    if (!strcmp(verbs[i].verb, v))
      return &verbs[i];
  return NULL;
}

/* Whether a MAIL parameter list holds the keyword (RFC 5321 esmtp-keyword,
 * compared without case), alone or as "KEYWORD=value". */
static bool has_mail_param(const char *params, const char *keyword) {
  size_t n = strlen(keyword);
  for (const char *p = params; p && *p;) {
    while (*p == ' ')
      p++;
    if (!strncasecmp(p, keyword, n) && (!p[n] || p[n] == ' ' || p[n] == '='))
      return true;
    p += strcspn(p, " ");
  }
  return false;
}

/* MAIL declared a body that may hold 8-bit bytes: BODY=8BITMIME or
 * BINARYMIME (RFC 6152, 3030), or SMTPUTF8 (RFC 6531). */
static bool eight_bit_declared(const char *params) {
  if (has_mail_param(params, "SMTPUTF8"))
    return true;
  for (const char *p = params; p && *p;) {
    while (*p == ' ')
      p++;
    if (!strncasecmp(p, "BODY=", 5)) {
      const char *v = p + 5;
      size_t n = strcspn(v, " ");
      if ((n == 8 && !strncasecmp(v, "8BITMIME", 8)) ||
          (n == 10 && !strncasecmp(v, "BINARYMIME", 10)))
        return true;
    }
    p += strcspn(p, " ");
  }
  return false;
}

static bool has_8bit(const char *s) {
  for (; *s; s++)
    if ((unsigned char)*s >= 0x80)
      return true;
  return false;
}

/* RFC 6531 3.4: an envelope address with UTF-8 needs MAIL ... SMTPUTF8. */
static void check_utf8_path(smtp *st, const char *path, const char *params,
                            const char *verb, ms_ts ts) {
  if (has_8bit(path) && !has_mail_param(params, "SMTPUTF8"))
    smtp_anomaly(st, "utf8_address_without_smtputf8", ts,
                 "%s <%s> holds 8-bit bytes, MAIL had no SMTPUTF8", verb, path);
}

static void on_mail(smtp *st, const ms_command *c, ms_ts ts) {
  if (st->tx != NO_TX)
    abort_transaction(st, ts, "new MAIL");
  const char *params = NULL;
  char *path = smtp_parse_path(c->arg, "FROM:", &params);
  if (!path) {
    smtp_anomaly(st, "malformed_mail_from", ts, "MAIL without FROM:<path>: %s",
                 c->arg ? c->arg : "");
    path = xstrdup(c->arg ? c->arg : "");
  }
  ms_transaction *t = new_transaction(st, ts);
  t->mail_from = path;
  t->mail_params = params ? xstrdup(params) : NULL;
  check_utf8_path(st, path, params, "MAIL FROM", ts);
  /* SIZE= against the advertised limit */
  if (params) {
    const char *sz = strcasestr(params, "SIZE=");
    if (sz && (sz == params || sz[-1] == ' ')) {
      unsigned long long declared = strtoull(sz + 5, NULL, 10);
      unsigned long long limit = advertised_size(st);
      if (limit && declared > limit)
        smtp_anomaly(st, "size_exceeds_limit", ts,
                     "SIZE=%llu above the advertised SIZE %llu", declared,
                     limit);
    }
  }
}

static char *rcpt_path(smtp *st, const ms_command *c, ms_ts ts) {
  const char *params = NULL;
  char *path = smtp_parse_path(c->arg, "TO:", &params);
  if (!path) {
    smtp_anomaly(st, "malformed_rcpt_to", ts, "RCPT without TO:<path>: %s",
                 c->arg ? c->arg : "");
    path = xstrdup(c->arg ? c->arg : "");
  }
  if (st->tx == NO_TX)
    smtp_anomaly(st, "rcpt_without_mail", ts,
                 "RCPT TO:<%s> outside a transaction", path);
  else
    check_utf8_path(st, path, tx_at(st, st->tx)->mail_params, "RCPT TO", ts);
  return path;
}

static void begin_auth(smtp *st, ms_command *c, size_t tl, ms_ts ts) {
  char mech[64] = "";
  const char *arg = c->arg ? c->arg : "";
  size_t ml = strcspn(arg, " ");
  if (ml >= sizeof mech)
    ml = sizeof mech - 1;
  memcpy(mech, arg, ml);
  for (size_t i = 0; i < ml; i++)
    mech[i] = (char)toupper((unsigned char)mech[i]);
  const char *initial = arg[ml] == ' ' ? arg + ml + 1 : NULL;
  sasl_view view = {0};
  if (st->sasl)
    sasl_end(st->sasl, MS_AUTH_UNKNOWN, ts);
  st->sasl =
      sasl_begin(st->rec, st->cfg->show_secrets, mech, (const uint8_t *)initial,
                 initial ? strlen(initial) : 0, ts, &view);
  st->sasl_wants_response = false;
  if (tl != (size_t)-1) {
    ms_tline *t = &st->rec->transcript.items[tl];
    if (view.note) {
      free(t->note);
      t->note = xstrdup(view.note);
    }
    if (view.redacted) {
      free(t->text);
      t->text = xasprintf("AUTH %s %s", mech, view.redacted);
    }
  }
  if (view.redacted && c->arg && !st->cfg->show_secrets) {
    free(c->arg);
    c->arg = xasprintf("%s %s", mech, view.redacted);
  }
  free(view.note);
  free(view.redacted);
}

/* Split "verb rest": verb upper-cased into out (at most 15 chars). */
static void split_verb(const ms_line *l, char verb[16], const uint8_t **arg,
                       size_t *arg_len) {
  size_t i = 0;
  while (i < l->len && l->data[i] != ' ' && i < 15) {
    verb[i] = (char)toupper(l->data[i]);
    i++;
  }
  verb[i] = '\0';
  size_t vend = i;
  while (vend < l->len && l->data[vend] != ' ')
    vend++; /* an over-long verb: the rest is part of nothing */
  if (vend < l->len) {
    *arg = l->data + vend + 1;
    *arg_len = l->len - vend - 1;
  } else {
    *arg = NULL;
    *arg_len = 0;
  }
}

static void mark_pipelining(smtp *st, ms_command *c, size_t tl,
                            const char *verb, ms_ts ts) {
  /* after lost server bytes, the awaited reply may have been among them:
   * no claim of pipelining */
  bool pipelined = outstanding(st) > 0 && !st->server_spoke && !st->server_gap;
  if (!pipelined) {
    st->flight_leader_tline = tl;
    st->flight_has_group = false;
    return;
  }
  if (c)
    c->pipelined = true;
  if (tl != (size_t)-1)
    st->rec->transcript.items[tl].flags |= MS_TL_PIPELINED;
  if (!st->flight_has_group) {
    st->flight_has_group = true;
    if (st->flight_leader_tline != (size_t)-1 &&
        st->flight_leader_tline < st->rec->transcript.len)
      st->rec->transcript.items[st->flight_leader_tline].flags |=
          MS_TL_GROUP_START;
    if (!st->pipelining_advertised && st->ehlo_answered)
      smtp_anomaly(st, "pipelining_not_advertised", ts,
                   "%s sent before the previous reply, without PIPELINING",
                   verb);
  }
  (void)verb;
}

static void dispatch_reply(smtp *st, int code, const char *enhanced,
                           const char *text, size_t tl, ms_ts ts);

/* See greeting_may_answer: the greeting line becomes the reply to the
 * oldest outstanding command (a sloppy server, or a capture that glued the
 * reply onto the greeting line). */
static void greeting_as_reply(smtp *st) {
  char *text = xstrdup(st->rec->banner ? st->rec->banner : "");
  dispatch_reply(st, st->greeting_code, NULL, text, (size_t)-1,
                 st->greeting_ts);
  free(text);
}

static void handle_command(smtp *st, const ms_line *l, ms_ts ts) {
  if (st->greeting_may_answer)
    greeting_as_reply(st);
  char verb[16];
  const uint8_t *arg;
  size_t arg_len;
  split_verb(l, verb, &arg, &arg_len);
  const verb_info *vi = find_verb(verb);
  cmd_kind kind = vi ? vi->kind : K_OTHER;
  bool record = room_to_record(st, ts);
  size_t tl = add_tline(st, ts, MS_CLIENT, 0, l->data, l->len, NULL);
  if (outstanding(st) > 0 && !st->server_spoke && st->last_ends_group &&
      !st->server_gap &&
      st->rec->bytes[MS_SERVER] > 0) /* not in one-sided captures */
    smtp_anomaly(st, "pipelining_after_group_end", ts,
                 "%s sent in the same flight after %s", verb, st->last_verb);
  size_t ci = NO_CMD;
  ms_command *c = NULL;
  if (record) {
    c = ms_add_command(st->rec, ts, verb[0] ? verb : "(EMPTY)", arg, arg_len);
    ci = st->rec->commands.len - 1;
  }
  mark_pipelining(st, c, tl, verb, ts);
  snprintf(st->last_verb, sizeof st->last_verb, "%s", verb);
  st->last_ends_group = vi && vi->ends_group;
  st->server_spoke = false;
  if (!vi)
    smtp_anomaly(st, "unknown_command", ts, "%s%s%.*s",
                 verb[0] ? verb : "(EMPTY)", arg_len ? " " : "",
                 (int)(arg_len < 200 ? arg_len : 200),
                 arg ? (const char *)arg : "");
  /* raised when the bound is crossed, not for every command beyond it */
  if (outstanding(st) == st->cfg->max_pipeline && st->cfg->max_pipeline)
    ms_limit_hit(st->rec, MS_LIMIT_PIPELINE, "too_many_outstanding", ts,
                 "%zu commands awaiting replies (--max-pipeline %zu)",
                 outstanding(st) + 1, st->cfg->max_pipeline);
  ms_command tmp = {0};
  ms_command *view = c ? c : &tmp;
  if (!c) {
    tmp.verb = verb;
    tmp.arg = arg ? wire_strdup(arg, arg_len) : NULL;
  }
  switch (kind) {
  case K_HELO:
  case K_EHLO: /* the transaction ends when the server accepts it */
    free(st->rec->helo);
    st->rec->helo = view->arg ? xstrdup(view->arg) : NULL;
    st->rec->esmtp = kind == K_EHLO;
    break;
  case K_MAIL:
    on_mail(st, view, ts);
    break;
  case K_RSET:
    abort_transaction(st, ts, "RSET");
    break;
  case K_AUTH:
    begin_auth(st, view, tl, ts);
    break;
  default:
    break;
  }
  pending *p = push_pending(st, kind, ci, ts);
  p->ends_group = vi && vi->ends_group;
  if (kind == K_RCPT) { /* recipients beyond --max-commands: not recorded */
    char *path = rcpt_path(st, view, ts);
    if (record)
      p->rcpt = path;
    else
      free(path);
  }
  if (kind == K_DATA)
    st->mode = CL_DATA_WAIT;
  if (kind == K_BDAT) {
    uint64_t size;
    bool last;
    if (!smtp_parse_bdat(view->arg, &size, &last)) {
      smtp_anomaly(st, "bdat_bad_size", ts, "BDAT %s",
                   view->arg ? view->arg : "");
      p->bdat_invalid = true;
    } else {
      p->bdat_last = last;
      if (st->tx == NO_TX || !tx_at(st, st->tx)->message)
        start_message(st, ts);
      p->tx = st->tx;
      st->bdat_left = size;
      st->bdat_last = last;
      if (size > 0)
        st->mode = CL_BDAT;
      else if (last)
        end_message(st, false, ts);
    }
  }
  if (!c)
    free(tmp.arg);
}

/* ---- the DATA body ------------------------------------------------------ */

/* The body as transferred, dot-stuffing removed, goes to the message layer
 * in runs (no per-line calls); the "." line ends it.  Lines of any length
 * are fine: nothing is cut. */
/* A message byte above 127 in a body MAIL declared 7-bit (RFC 6152: a
 * server may refuse it or damage it on relay); once per message. */
static void check_8bit(smtp *st, const uint8_t *p, size_t n, ms_ts ts) {
  if (st->msg_8bit_known || !st->msg)
    return;
  const uint8_t *high = scan_8bit(p, n);
  if (!high)
    return;
  st->msg_8bit_known = true;
  smtp_anomaly(st, "undeclared_8bit_body", ts,
               "message byte 0x%02x, but MAIL had no BODY=8BITMIME (or "
               "BINARYMIME, SMTPUTF8)",
               *high);
}

static void feed_body(smtp *st, const uint8_t *p, size_t n, ms_ts ts) {
  if (!n)
    return;
  check_8bit(st, p, n, ts);
  if (st->msg)
    ms_msg_feed(st->msg, p, n, ts);
  if (st->cfg->full_bodies && st->cfg->transcript) {
    const uint8_t *c = p, *e = p + n;
    ms_line l;
    while (line_reader_next(&st->body_lines, &c, e, ts, &l))
      add_tline(st, ts, MS_CLIENT, MS_TL_BODY, l.data, l.len, NULL);
  }
}

static void body_begin(smtp *st) {
  st->body_gap = false;
  dot_scan_begin(&st->body);
  line_reader_free(&st->body_lines);
  line_reader_init(&st->body_lines, st->cfg->max_line);
}

static void body_end(smtp *st, ms_ts ts) {
  if (st->cfg->full_bodies && st->cfg->transcript) {
    ms_line l;
    if (line_reader_flush(&st->body_lines, ts, &l))
      add_tline(st, ts, MS_CLIENT, MS_TL_BODY, l.data, l.len, NULL);
    add_tline(st, ts, MS_CLIENT, MS_TL_BODY, (const uint8_t *)".", 1, NULL);
  }
  end_message(st, false, ts);
  pending *p = push_pending(st, K_BODY_END, NO_CMD, ts);
  p->tx = st->msg_tx;
  st->mode = CL_COMMANDS;
  st->server_spoke = false;
  st->last_ends_group = false;
  st->flight_leader_tline = (size_t)-1;
}

static void body_out(void *ctx, const uint8_t *p, size_t n) {
  smtp *st = ctx;
  feed_body(st, p, n, st->now);
}

static void body_bytes(smtp *st, const uint8_t **cursor, const uint8_t *end,
                       ms_ts ts) {
  st->now = ts;
  if (dot_scan(&st->body, cursor, end, body_out, st)) {
    if (st->body.end_bare_lf)
      smtp_anomaly(st, "bare_lf_end_of_data", ts,
                   "the message ended with a \".\" line and a bare LF: a "
                   "server that wants <CR><LF>.<CR><LF> reads on (SMTP "
                   "smuggling)");
    body_end(st, ts);
  }
}

/* ---- replies ------------------------------------------------------------ */

static void capabilities_from_ehlo(smtp *st) {
  strvec_free(&st->rec->capabilities);
  st->pipelining_advertised = false;
  for (size_t i = 0; i < st->reply.ehlo_lines.len; i++) {
    const char *cap = st->reply.ehlo_lines.items[i];
    strvec_push(&st->rec->capabilities, cap);
    if (!strcasecmp(cap, "PIPELINING"))
      st->pipelining_advertised = true;
  }
}

static void set_command_reply(smtp *st, size_t ci, int code,
                              const char *enhanced, const char *text,
                              ms_ts ts) {
  ms_command *c = cmd_at(st, ci);
  if (!c)
    return;
  ms_reply_set(&c->reply, ts, code, enhanced, text);
}

static void replay_held(smtp *st, ms_ts ts);

static void auth_reply(smtp *st, pending *p, int code, const char *enhanced,
                       const char *text, size_t tl, ms_ts ts) {
  if (code == 334 && st->sasl) {
    sasl_view view = {0};
    sasl_server(st->sasl, (const uint8_t *)text, strlen(text), ts, &view);
    if (view.note && tl != (size_t)-1) {
      ms_tline *t = &st->rec->transcript.items[tl];
      free(t->note);
      t->note = view.note;
      view.note = NULL;
    }
    free(view.note);
    free(view.redacted);
    st->sasl_wants_response = true;
    return; /* the AUTH command stays outstanding until its final reply */
  }
  if (st->sasl) {
    ms_auth_result r = code >= 200 && code < 300 ? MS_AUTH_SUCCESS
                       : code >= 400             ? MS_AUTH_FAILURE
                                                 : MS_AUTH_UNKNOWN;
    sasl_end(st->sasl, r, ts);
    st->sasl = NULL;
  }
  st->sasl_wants_response = false;
  set_command_reply(st, p->cmd, code, enhanced, text, ts);
}

static void dispatch_reply(smtp *st, int code, const char *enhanced,
                           const char *text, size_t tl, ms_ts ts) {
  /* The first reply is the greeting.  A client that spoke before it (a
   * "pregreet", typical of spam bots) does not make it a reply; in a
   * capture that started midstream, outstanding commands do. */
  bool greeting_code = code == 220 || code == 421 || code == 554;
  if (!st->greeted &&
      (outstanding(st) == 0 || (!st->rec->midstream && greeting_code))) {
    if (outstanding(st)) {
      smtp_anomaly(st, "client_spoke_first", ts,
                   "%zu command(s) sent before the server's greeting",
                   outstanding(st));
      st->greeting_may_answer = true;
      st->greeting_code = code;
      st->greeting_ts = ts;
    }
    st->greeted = true;
    free(st->rec->banner);
    st->rec->banner = xstrdup(text);
    if (code != 220)
      smtp_anomaly(st, "greeting_refused", ts, "%d %s", code, text);
    return;
  }
  st->greeted = true;
  st->greeting_may_answer = false;
  if (outstanding(st) && st->queue.items[st->qhead].kind == K_AUTH &&
      code == 334) {
    auth_reply(st, &st->queue.items[st->qhead], code, enhanced, text, tl, ts);
    return;
  }
  pending p;
  if (!pop_pending(st, &p)) {
    if (st->untracked)
      st->untracked--; /* the reply to a command not tracked */
    else if (code != 421)
      smtp_anomaly(st, "reply_without_command", ts, "%d %s", code, text);
    return;
  }
  if (p.kind == K_AUTH) {
    auth_reply(st, &p, code, enhanced, text, tl, ts);
    return;
  }
  set_command_reply(st, p.cmd, code, enhanced, text, ts);
  bool ok = code >= 200 && code < 400;
  ms_transaction *t = tx_at(st, p.tx);
  switch (p.kind) {
  case K_EHLO:
  case K_HELO:
    if (code >= 200 && code < 300) {
      /* it resets what was open when it was sent, not a MAIL sent after
       * it (pipelined too early, or its reply read late after a gap) */
      if (st->tx == p.tx)
        abort_transaction(st, ts, "HELO/EHLO");
      st->ehlo_answered = true;
      if (p.kind == K_HELO) { /* plain SMTP: no extensions */
        strvec_free(&st->rec->capabilities);
        st->pipelining_advertised = false;
      }
    }
    if (code == 250 && p.kind == K_EHLO)
      capabilities_from_ehlo(st);
    break;
  case K_MAIL:
    if (!ok && t) {
      t->status = MS_TX_REJECTED;
      ms_reply_set(&t->reply, ts, code, enhanced, text);
      if (st->tx == p.tx)
        st->tx = NO_TX;
    }
    break;
  case K_RCPT:
    if (t && p.rcpt) {
      if (code >= 200 && code < 300) {
        *vec_push(&t->rcpt_to) = p.rcpt;
        p.rcpt = NULL;
      } else {
        ms_rcpt_rejected *r = vec_push(&t->rcpt_rejected);
        r->addr = p.rcpt;
        r->code = code;
        p.rcpt = NULL;
      }
    }
    break;
  case K_DATA:
    if (code == 354) {
      if (st->mode == CL_DATA_WAIT) {
        st->mode = CL_BODY;
        body_begin(st);
        data_after_bdat(st, ts);
        start_message(st, ts);
        replay_held(st, ts); /* held client bytes start the body */
      }
    } else {
      if (t && (code >= 400)) {
        t->status = MS_TX_REJECTED;
        ms_reply_set(&t->reply, ts, code, enhanced, text);
        if (st->tx == p.tx)
          st->tx = NO_TX;
      }
      if (st->mode == CL_DATA_WAIT) {
        st->mode = CL_COMMANDS;
        replay_held(st, ts);
      }
    }
    break;
  case K_BODY_END:
    finish_transaction(st, p.tx, code, enhanced, text, ts);
    break;
  case K_BDAT:
    if (!p.bdat_invalid && (p.bdat_last || code >= 400)) {
      if (st->msg && st->msg_tx == p.tx && code >= 400)
        end_message(st, true, ts);
      finish_transaction(st, p.tx, code, enhanced, text, ts);
    }
    break;
  case K_STARTTLS:
    if (code == 220) {
      abort_transaction(st, ts, "STARTTLS");
      st->rec->tls = MS_TLS_STARTTLS;
      st->stop_after_reply = true;
    }
    break;
  default:
    break;
  }
  free(p.rcpt);
}

static void reply_reset(reply_builder *r) {
  free(r->enhanced);
  r->enhanced = NULL;
  r->tlen = 0;
  if (r->text)
    r->text[0] = '\0';
  r->lines = 0;
  r->open = false;
  r->truncated = false;
  r->code_changed = false;
  strvec_free(&r->ehlo_lines);
}

/* Add one line's text (at most max_line bytes, copied into line, which has
 * room for max_line + 1) to the reply; past MS_MAX_REPLY_TEXT the rest of
 * the reply is not kept (reply_too_long when it is complete). */
static void reply_append(reply_builder *r, char *line, const uint8_t *t,
                         size_t n, int code) {
  size_t ln = n;
  memcpy(line, t, ln);
  line[ln] = '\0';
  for (size_t i = 0; i < ln; i++)
    if (line[i] == '\0')
      line[i] = ' ';
  size_t el = smtp_enhanced_len(line, code);
  const char *body = line;
  if (el) {
    if (!r->enhanced)
      r->enhanced = xstrndup(line, el);
    body = line + el;
    while (*body == ' ')
      body++;
  }
  size_t bl = strlen(body);
  if (r->truncated || r->tlen + bl + 2 >= MS_MAX_REPLY_TEXT) {
    r->truncated = true;
    return;
  }
  if (r->lines > 0)
    strvec_push(&r->ehlo_lines, line);
  if (r->tlen + bl + 2 > r->tcap) {
    size_t cap = r->tcap ? r->tcap : 256;
    while (cap < r->tlen + bl + 2)
      cap *= 2;
    r->text = xrealloc(r->text, cap);
    r->tcap = cap;
  }
  if (r->lines > 0)
    r->text[r->tlen++] = '\n';
  memcpy(r->text + r->tlen, body, bl);
  r->tlen += bl;
  r->text[r->tlen] = '\0';
  r->lines++;
}

/* The first reply line after lost server bytes (code, at ts).  A reply
 * the gap cut ends there unless this line can continue it: same code,
 * and no later command was sent before it came.  Then replies the gap
 * swallowed whole: a command that must end a pipelined group (EHLO, DATA,
 * QUIT, ...), or any command when the server offered no PIPELINING (after
 * HELO, say), is followed by a command only once its reply came, so when
 * that next command was sent before this line arrived, the reply was
 * lost; such commands are left without one. */
static void resync_after_gap(smtp *st, int code, ms_ts ts) {
  st->server_gap = false;
  reply_builder *r = &st->reply;
  if (r->open) {
    bool later_sent =
        outstanding(st) >= 2 && st->queue.items[st->qhead + 1].sent < ts;
    if (code == r->code && !later_sent)
      return; /* the rest of the cut reply */
    /* it came when its first line did */
    dispatch_reply(st, r->code, r->enhanced, r->text ? r->text : "", (size_t)-1,
                   r->first_ts);
    reply_reset(r);
  }
  while (outstanding(st) >= 2) {
    const pending *head = &st->queue.items[st->qhead];
    bool waits =
        head->ends_group || head->kind == K_HELO || !st->pipelining_advertised;
    if (!waits || head->kind == K_AUTH || head[1].sent >= ts)
      break;
    smtp_anomaly(st, "reply_lost", ts,
                 "the reply to %s was in the lost server bytes",
                 head->cmd != NO_CMD ? st->rec->commands.items[head->cmd].verb
                                     : "a command");
    pending lost;
    if (pop_pending(st, &lost))
      free(lost.rcpt);
  }
}

static void server_line(smtp *st, const ms_line *l, ms_ts ts) {
  int code0;
  bool more0;
  const uint8_t *t0;
  size_t tl0;
  if (l->after_gap &&
      !smtp_parse_reply_line(l->data, l->len, &code0, &more0, &t0, &tl0))
    return; /* the tail of a reply line whose start was lost */
  line_check_controls(st->rec, &st->controls_warned, MS_SERVER, l);
  size_t tl = add_tline(st, ts, MS_SERVER, 0, l->data, l->len, NULL);
  st->server_spoke = true;
  int code;
  bool more;
  const uint8_t *text;
  size_t tlen;
  if (!smtp_parse_reply_line(l->data, l->len, &code, &more, &text, &tlen)) {
    smtp_anomaly(st, "malformed_reply", ts, "%.*s",
                 (int)(l->len < 200 ? l->len : 200), (const char *)l->data);
    return;
  }
  if (st->server_gap)
    resync_after_gap(st, code, ts);
  reply_builder *r = &st->reply;
  if (r->open && r->code != code && !st->greeted) {
    /* Postfix's postscreen sends "220-" and, when the client talks before
     * the rest of the greeting (pregreet), answers its command without
     * ever sending the "220 " line: the greeting ended there. */
    smtp_anomaly(st, "reply_code_changed", ts,
                 "greeting %d- not completed: a %d reply followed", r->code,
                 code);
    dispatch_reply(st, r->code, r->enhanced, r->text ? r->text : "", (size_t)-1,
                   ts);
    reply_reset(r);
  } else if (r->open && r->code != code && !r->code_changed) {
    smtp_anomaly(st, "reply_code_changed", ts,
                 "multi-line reply %d continued with %d", r->code, code);
    r->code_changed = true;
  }
  if (!r->open) {
    r->open = true;
    r->code = code;
    r->first_ts = ts;
  }
  /* The EHLO greeting line is not a capability. */
  char short_line[1024];
  char *buf = short_line;
  if (tlen > st->cfg->max_line) /* the line reader cut it already */
    tlen = st->cfg->max_line;
  if (tlen >= sizeof short_line) { /* allocated once, when first needed */
    if (!st->long_reply_line)
      st->long_reply_line = xmalloc(st->cfg->max_line + 1);
    buf = st->long_reply_line;
  }
  reply_append(r, buf, text, tlen, code);
  if (more)
    return;
  /* The server answers a body whose end (the "." line) was in lost client
   * bytes: it ended there, and what the client sent after is commands. */
  if (st->mode == CL_BODY && st->body_gap)
    body_end(st, ts);
  if (r->truncated)
    ms_limit_hit(st->rec, MS_LIMIT_REPLY, "reply_too_long", ts,
                 "a reply holds more than %d bytes of text: the rest is not "
                 "recorded",
                 MS_MAX_REPLY_TEXT);
  dispatch_reply(st, r->code, r->enhanced, r->text ? r->text : "", tl, ts);
  reply_reset(r);
}

/* ---- client side -------------------------------------------------------- */

/* Does a line that follows lost bytes start with a known verb? */
static bool plausible_command(const ms_line *l) {
  char verb[16];
  const uint8_t *arg;
  size_t arg_len;
  split_verb(l, verb, &arg, &arg_len);
  return find_verb(verb) != NULL;
}

/* A cut command line worth keeping: a known verb whose cut argument does
 * not steer what follows (a BDAT size or an AUTH initial response would). */
static bool salvageable_command(const ms_line *l) {
  char verb[16];
  const uint8_t *arg;
  size_t arg_len;
  split_verb(l, verb, &arg, &arg_len);
  const verb_info *vi = find_verb(verb);
  return vi && vi->kind != K_BDAT && vi->kind != K_AUTH;
}

static void client_line(smtp *st, const ms_line *l, ms_ts ts) {
  if (l->after_gap && !plausible_command(l))
    return; /* the tail of a line whose start was lost */
  if (l->too_long)
    ms_limit_hit(st->rec, MS_LIMIT_LINE, "line_too_long", ts,
                 "client line longer than %zu bytes (--max-line)",
                 st->cfg->max_line);
  line_check_controls(st->rec, &st->controls_warned, MS_CLIENT, l);
  if (st->sasl && st->sasl_wants_response) {
    sasl_view view = {0};
    st->sasl_wants_response = false;
    size_t tl = add_tline(st, ts, MS_CLIENT, 0, l->data, l->len, NULL);
    sasl_client(st->sasl, l->data, l->len, ts, &view);
    sasl_view_apply(&view,
                    tl != (size_t)-1 ? &st->rec->transcript.items[tl] : NULL);
    st->server_spoke = false;
    return;
  }
  handle_command(st, l, ts);
}

static void client_data(smtp *st, const uint8_t *data, size_t n, ms_ts ts);
static bool client_gap_effects(smtp *st, uint64_t n, ms_ts ts);

/* Feed the bytes held during CL_DATA_WAIT in the mode now decided, with
 * the client bytes lost among them where they were lost. */
static void replay_held(smtp *st, ms_ts ts) {
  uint8_t *held = st->held;
  size_t n = st->held_len, gap_at = st->held_gap_at;
  uint64_t gap_n = st->held_gap_n;
  st->held = NULL;
  st->held_len = st->held_gap_at = 0;
  st->held_gap_n = 0;
  if (gap_n) {
    if (gap_at)
      client_data(st, held, gap_at, ts);
    client_gap_effects(st, gap_n, ts);
    if (n > gap_at)
      client_data(st, held + gap_at, n - gap_at, ts);
  } else if (n) {
    client_data(st, held, n, ts);
  }
  free(held);
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
      end_message(st, false, ts); /* the summary comes with the LAST chunk */
  }
}

static void client_data(smtp *st, const uint8_t *data, size_t n, ms_ts ts) {
  const uint8_t *cur = data, *end = data + n;
  while (cur < end) {
    switch (st->mode) {
    case CL_STOPPED:
      return;
    case CL_BDAT:
      bdat_bytes(st, &cur, end, ts);
      break;
    case CL_BODY:
      body_bytes(st, &cur, end, ts);
      break;
    case CL_DATA_WAIT: {
      size_t take = (size_t)(end - cur);
      if (st->held_len + take > DATA_HOLD_MAX) {
        /* the client is clearly sending a body: treat it as one */
        smtp_anomaly(st, "data_before_354", ts,
                     "client sent %zu bytes before the reply to DATA",
                     st->held_len + take);
        st->mode = CL_BODY;
        body_begin(st);
        start_message(st, ts);
        replay_held(st, ts);
        break;
      }
      st->held = xrealloc(st->held, st->held_len + take);
      memcpy(st->held + st->held_len, cur, take);
      st->held_len += take;
      cur = end;
      break;
    }
    default: {
      ms_line l;
      if (!line_reader_next(&st->lines[MS_CLIENT], &cur, end, ts, &l))
        return;
      client_line(st, &l, ts);
      break;
    }
    }
  }
}

static void server_data(smtp *st, const uint8_t *data, size_t n, ms_ts ts) {
  const uint8_t *cur = data, *end = data + n;
  ms_line l;
  while (!st->stop_after_reply &&
         line_reader_next(&st->lines[MS_SERVER], &cur, end, ts, &l)) {
    if (l.too_long)
      ms_limit_hit(st->rec, MS_LIMIT_LINE, "line_too_long", ts,
                   "server line longer than %zu bytes (--max-line)",
                   st->cfg->max_line);
    server_line(st, &l, ts);
  }
}

/* ---- the dissector interface -------------------------------------------- */

static void *smtp_create(ms_session *rec, const ms_dissect_config *cfg) {
  smtp *st = xcalloc(1, sizeof *st);
  st->rec = rec;
  st->cfg = cfg;
  line_reader_init(&st->lines[0], cfg->max_line);
  line_reader_init(&st->lines[1], cfg->max_line);
  st->tx = NO_TX;
  st->msg_tx = NO_TX;
  st->flight_leader_tline = (size_t)-1;
  return st;
}

static ms_verdict smtp_data(void *state, ms_dir dir, const uint8_t *data,
                            size_t n, ms_ts ts) {
  smtp *st = state;
  if (dir == MS_CLIENT)
    client_data(st, data, n, ts);
  else
    server_data(st, data, n, ts);
  if (st->stop_after_reply) {
    st->mode = CL_STOPPED;
    char note[96];
    snprintf(note, sizeof note,
             "TLS starts: the rest is encrypted, not decoded");
    add_notice(st, ts, MS_SERVER, note);
    return MS_STOP;
  }
  return MS_CONTINUE;
}

/* What lost client bytes mean in the current mode; false: say nothing
 * (inside a BDAT chunk). */
static bool client_gap_effects(smtp *st, uint64_t n, ms_ts ts) {
  if (st->mode ==
      CL_DATA_WAIT) { /* replayed in place once DATA's fate is known */
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
      smtp_anomaly(st, "message_gap", ts,
                   "%llu bytes of a BDAT chunk are missing",
                   (unsigned long long)lost);
    }
    if (st->bdat_left == 0) {
      st->mode = CL_COMMANDS;
      if (st->bdat_last)
        end_message(st, true, ts);
    }
    if (n > lost)
      line_reader_gap(&st->lines[MS_CLIENT]);
    return false;
  }
  if (st->mode == CL_BODY) {
    st->body_gap = true;
    if (st->msg) {
      st->msg_gap = true;
      smtp_anomaly(st, "message_gap", ts,
                   "%llu bytes of a message body are missing",
                   (unsigned long long)n);
    }
    dot_scan_lost(&st->body);
  }
  /* The start of a command line the gap cut (a snaplen keeps a packet's
   * first bytes): a known verb is still that command, its argument cut. */
  ms_line l;
  if (st->mode == CL_COMMANDS && !st->sasl_wants_response &&
      line_reader_take_cut(&st->lines[MS_CLIENT], &l) &&
      salvageable_command(&l)) {
    smtp_anomaly(st, "command_cut", l.ts, "%.*s... (the rest was lost)",
                 (int)(l.len < 200 ? l.len : 200), (const char *)l.data);
    client_line(st, &l, l.ts);
  }
  line_reader_gap(&st->lines[MS_CLIENT]);
  return true;
}

/* The start of a one-line reply the gap cut (a snaplen keeps a packet's
 * first bytes) still tells its code and enhanced code, which keep the
 * pairing right; its cut text could mislead (a queue id, a SIZE), so only
 * they are taken. */
static void salvage_cut_reply(smtp *st) {
  ms_line l;
  int code;
  bool more;
  const uint8_t *text;
  size_t tlen;
  if (st->reply.open || !line_reader_take_cut(&st->lines[MS_SERVER], &l) ||
      !smtp_parse_reply_line(l.data, l.len, &code, &more, &text, &tlen) || more)
    return;
  char words[64];
  snprintf(words, sizeof words, "%.*s", (int)(tlen < 32 ? tlen : 32),
           (const char *)text);
  size_t el = smtp_enhanced_len(words, code);
  if (el >= tlen || (words[el] != ' ')) /* the enhanced code itself cut */
    el = 0;
  char line[64];
  int n = snprintf(line, sizeof line, "%03d %.*s", code, (int)el, words);
  ms_line cut = l;
  cut.data = (const uint8_t *)line;
  cut.len = (size_t)n - (el ? 0 : 1);
  server_line(st, &cut, l.ts);
}

static void smtp_gap(void *state, ms_dir dir, uint64_t n, ms_ts ts) {
  smtp *st = state;
  if (dir == MS_CLIENT && !client_gap_effects(st, n, ts))
    return;
  if (dir == MS_SERVER && st->mode != CL_STOPPED) {
    salvage_cut_reply(st);
    /* a reply the gap cut stays open: the next line decides (see
     * resync_after_gap) */
    line_reader_gap(&st->lines[MS_SERVER]);
    st->server_gap = true;
  }
  char note[64];
  snprintf(note, sizeof note, "%llu bytes missing here", (unsigned long long)n);
  add_notice(st, ts, dir, note);
}

static void smtp_close(void *state, ms_ts ts) {
  smtp *st = state;
  ms_line l;
  if (st->mode != CL_STOPPED) {
    while (st->mode == CL_DATA_WAIT && st->held_len) { /* each DATA */
      /* No reply to DATA ever came, but the client sent on: a body. */
      smtp_anomaly(st, "data_before_354", ts,
                   "client sent %zu bytes after DATA without its reply",
                   st->held_len);
      st->mode = CL_BODY;
      body_begin(st);
      start_message(st, ts);
      replay_held(st, ts);
    }
    if (line_reader_flush(&st->lines[MS_CLIENT], ts, &l)) {
      smtp_anomaly(st, "incomplete_line", ts,
                   "client line without its end at the end of the session");
      if (st->mode == CL_COMMANDS)
        client_line(st, &l, ts);
    }
    if (line_reader_flush(&st->lines[MS_SERVER], ts, &l)) {
      smtp_anomaly(st, "incomplete_line", ts,
                   "server line without its end at the end of the session");
      server_line(st, &l, ts);
    }
  }
  if (st->msg)
    end_message(st, true, ts);
  if (st->sasl) {
    sasl_end(st->sasl, MS_AUTH_UNKNOWN, ts);
    st->sasl = NULL;
  }
  abort_transaction(st, ts, "end of session");
  /* transactions left pending after a refused DATA or similar */
  for (size_t i = 0; i < st->rec->transactions.len; i++)
    if (st->rec->transactions.items[i].status == MS_TX_PENDING)
      st->rec->transactions.items[i].status = MS_TX_ABORTED;
}

static void smtp_destroy(void *state) {
  smtp *st = state;
  line_reader_free(&st->lines[0]);
  line_reader_free(&st->lines[1]);
  line_reader_free(&st->body_lines);
  for (size_t i = st->qhead; i < st->queue.len; i++)
    free(st->queue.items[i].rcpt);
  vec_free(&st->queue);
  free(st->untracked_scratch.rcpt);
  reply_reset(&st->reply);
  free(st->reply.text);
  free(st->held);
  if (st->msg)
    ms_msg_end(st->msg, true, 0);
  if (st->sasl)
    sasl_end(st->sasl, MS_AUTH_UNKNOWN, 0);
  ms_transaction_free(&st->spill);
  free(st->long_reply_line);
  free(st);
}

const ms_dissector ms_smtp_dissector = {"smtp",      MS_PROTO_SMTP, smtp_create,
                                        smtp_data,   smtp_gap,      smtp_close,
                                        smtp_destroy};
