/* smtp.c - the SMTP dissector (RFC 5321, 2920, 3030, 4954, 3207): its
 * grammar and what each reply means.
 *
 * The exchange core (exchange.c) pairs each complete reply with the oldest
 * outstanding command, marks pipelining, runs SASL and the greeting; this
 * file reads command and reply lines, assembles multi-line replies and
 * gives each reply its effect on the session (one handler per command).
 * Transactions and their messages (DATA, BDAT) are in smtp_body.c.
 * docs/smtp.md lists every anomaly.
 */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "smtp_state.h"
#include "smtp_util.h"

/* ---- commands ----------------------------------------------------------- */

typedef struct {
  const char *verb;
  cmd_kind kind;
  unsigned flags;
} verb_info;

#define ENDS EX_ENDS_GROUP /* RFC 2920: must be the last command of a group */

static const verb_info verbs[] = {
    {"HELO", K_HELO, EX_WAITS},
    {"EHLO", K_EHLO, ENDS},
    {"MAIL", K_MAIL, 0},
    {"RCPT", K_RCPT, 0},
    {"DATA", K_DATA, ENDS},
    {"BDAT", K_BDAT, EX_NO_SALVAGE},
    {"RSET", K_RSET, 0},
    {"VRFY", K_OTHER, ENDS},
    {"EXPN", K_OTHER, ENDS},
    {"HELP", K_OTHER, 0},
    {"NOOP", K_OTHER, ENDS},
    {"QUIT", K_QUIT, ENDS},
    {"TURN", K_OTHER, ENDS},
    {"ATRN", K_OTHER, ENDS},
    {"ETRN", K_OTHER, 0},
    {"SEND", K_MAIL, 0},
    {"SOML", K_MAIL, 0},
    {"SAML", K_MAIL, 0},
    {"AUTH", K_AUTH, ENDS | EX_AUTH | EX_SASL | EX_NO_SALVAGE},
    {"STARTTLS", K_STARTTLS, ENDS | EX_TLS},
    {"XCLIENT", K_OTHER, ENDS},
    {"XFORWARD", K_OTHER, 0},
    {"VERB", K_OTHER, 0},
    {"ONEX", K_OTHER, 0},
    {"XEXCH50", K_OTHER, ENDS},
    {"X-EXPS", K_OTHER, ENDS},
    {"X-LINK2STATE", K_OTHER, ENDS}};

static bool find_verb(const char *v, int *kind, unsigned *flags) {
  for (size_t i = 0; i < sizeof verbs / sizeof verbs[0]; i++)
    if (!strcmp(verbs[i].verb, v)) {
      *kind = (int)verbs[i].kind;
      *flags = verbs[i].flags;
      return true;
    }
  return false;
}

/* RFC 6531 3.4: an envelope address with UTF-8 needs MAIL ... SMTPUTF8. */
static void check_utf8_path(smtp *st, const char *path, const char *params,
                            const char *verb, ms_ts ts) {
  bool high = false;
  for (const char *s = path; *s; s++)
    high |= (unsigned char)*s >= 0x80;
  if (high && !smtp_has_mail_param(params, "SMTPUTF8"))
    ex_anomaly(&st->x, "utf8_address_without_smtputf8", ts,
               "%s <%s> holds 8-bit bytes, MAIL had no SMTPUTF8", verb, path);
}

/* MAIL opens a transaction in the client's view; the server's reply
 * decides whether it replaces the one the server holds (mail_reply). */
static size_t on_mail(smtp *st, const char *arg, ms_ts ts) {
  const char *params = NULL;
  char *path = smtp_parse_path(arg, "FROM:", &params);
  if (!path) /* the sender is unknown: absent, not the null path "" */
    ex_anomaly(&st->x, "malformed_mail_from", ts,
               "MAIL without FROM:<path>: %s", arg ? arg : "");
  size_t txi = smtp_new_transaction(st, ts);
  ms_transaction *t = smtp_tx_at(st, txi);
  st->tx = txi;
  t->mail_from = path;
  t->mail_params = params ? xstrdup(params) : NULL;
  if (path)
    check_utf8_path(st, path, params, "MAIL FROM", ts);
  /* SIZE= against the advertised limit */
  if (params) {
    const char *sz = strcasestr(params, "SIZE=");
    if (sz && (sz == params || sz[-1] == ' ')) {
      uint64_t declared;
      const char *end;
      unsigned long long limit = smtp_advertised_size(st);
      if (!ex_number(sz + 5, EX_NUMBER_MAX, &declared, &end) ||
          (*end && *end != ' '))
        ex_anomaly(&st->x, "number_out_of_range", ts,
                   "MAIL SIZE=%.*s is not a number from 0 to %llu",
                   (int)strcspn(sz + 5, " "), sz + 5,
                   (unsigned long long)EX_NUMBER_MAX);
      else if (limit && declared > limit)
        ex_anomaly(&st->x, "size_exceeds_limit", ts,
                   "SIZE=%llu above the advertised SIZE %llu",
                   (unsigned long long)declared, limit);
    }
  }
  return txi;
}

static char *rcpt_path(smtp *st, const char *arg, ms_ts ts) {
  const char *params = NULL;
  char *path = smtp_parse_path(arg, "TO:", &params);
  if (!path) {
    ex_anomaly(&st->x, "malformed_rcpt_to", ts, "RCPT without TO:<path>: %s",
               arg ? arg : "");
    path = xstrdup(arg ? arg : "");
  }
  if (st->tx == NO_TX)
    ex_anomaly(&st->x, "rcpt_without_mail", ts,
               "RCPT TO:<%s> outside a transaction", path);
  else
    check_utf8_path(st, path, smtp_tx_at(st, st->tx)->mail_params, "RCPT TO",
                    ts);
  return path;
}

static void on_bdat(smtp *st, smtp_pending *p, const char *arg, ms_ts ts) {
  uint64_t size;
  bool last;
  if (!smtp_parse_bdat(arg, &size, &last)) {
    ex_anomaly(&st->x, "bdat_bad_size", ts, "BDAT %s", arg ? arg : "");
    p->bdat_invalid = true;
    return;
  }
  p->bdat_last = last;
  /* the chunk's bytes follow at once: they go to the client's transaction */
  if (st->tx == NO_TX || !smtp_tx_at(st, st->tx)->message)
    st->tx = smtp_start_message(st, st->tx, ts);
  p->tx = st->tx;
  smtp_bdat_begin(st, size, last, ts);
}

static void smtp_command(void *owner, const ms_line *l, ms_ts ts) {
  smtp *st = owner;
  ex *x = &st->x;
  ex_cmd c;
  ex_command_begin(x, l, ts, &c);
  if (!c.known) {
    char *arg = ex_wire_text(c.arg, c.arg_len, 200);
    ex_anomaly(x, "unknown_command", ts, "%s%s%s",
               c.verb[0] ? c.verb : "(EMPTY)", c.arg_len ? " " : "", arg);
    free(arg);
  }
  switch (c.kind) {
  case K_HELO:
  case K_EHLO: /* the transaction ends when the server accepts it */
    free(x->rec->helo);
    x->rec->helo = c.argstr ? xstrdup(c.argstr) : NULL;
    x->rec->esmtp = c.kind == K_EHLO;
    break;
  case K_MAIL:
    on_mail(st, c.argstr, ts);
    break;
  case K_RSET: /* what follows is outside a transaction; the server's
                  transaction ends at the RSET's reply */
    st->tx = NO_TX;
    break;
  case K_AUTH:
    ex_sasl_begin(x, &c, ts);
    break;
  default:
    break;
  }
  smtp_pending *p = ex_push(x, c.kind, c.flags, c.ci, ts);
  p->tx = st->tx;
  if ((c.kind == K_HELO || c.kind == K_EHLO) && c.argstr)
    p->helo = xstrdup(c.argstr);
  if (c.kind == K_RCPT) { /* recipients beyond --max-commands: not kept */
    char *path = rcpt_path(st, c.argstr, ts);
    if (c.c)
      p->rcpt = path;
    else
      free(path);
  }
  if (c.kind == K_DATA)
    st->mode = CL_DATA_WAIT;
  if (c.kind == K_BDAT)
    on_bdat(st, p, c.argstr, ts);
  ex_command_end(&c);
}

/* ---- what each reply means ---------------------------------------------- */

static void capabilities_from_ehlo(smtp *st, ms_ts ts) {
  ms_session *rec = st->x.rec;
  strvec_free(&rec->capabilities);
  st->x.pipelining = false;
  const strvec *lines = st->reply ? &st->reply->ehlo_lines : NULL;
  for (size_t i = 0; lines && i < lines->len; i++) {
    const char *cap = lines->items[i];
    strvec_push(&rec->capabilities, cap);
    if (!strcasecmp(cap, "PIPELINING"))
      st->x.pipelining = true;
    uint64_t size;
    const char *end;
    if (!strncasecmp(cap, "SIZE ", 5) &&
        (!ex_number(cap + 5, EX_NUMBER_MAX, &size, &end) || *end))
      ex_anomaly(&st->x, "number_out_of_range", ts,
                 "EHLO %s: the size is not a number from 0 to %llu", cap,
                 (unsigned long long)EX_NUMBER_MAX);
  }
}

/* The transaction the server holds ends (RSET, HELO/EHLO accepted). */
static void server_reset(smtp *st, ms_ts ts) {
  if (st->server_tx != NO_TX)
    smtp_end_transaction(st, st->server_tx, ts);
}

/* The session's HELO name: the one the client gave last until the server
 * answers; a refusal gives back the one it accepted before, if any. */
static void helo_name(smtp *st, const smtp_pending *p, bool accepted) {
  ms_session *rec = st->x.rec;
  if (accepted) {
    free(st->helo_accepted_name);
    st->helo_accepted_name = p->helo ? xstrdup(p->helo) : NULL;
    st->helo_accepted_esmtp = p->base.kind == K_EHLO;
    st->helo_accepted = true;
  } else if (!st->helo_accepted) {
    return;
  }
  free(rec->helo);
  rec->helo = st->helo_accepted_name ? xstrdup(st->helo_accepted_name) : NULL;
  rec->esmtp = st->helo_accepted_esmtp;
}

static void helo_reply(smtp *st, const smtp_pending *p, const ex_reply *r) {
  helo_name(st, p, r->cls == MS_RC_POSITIVE);
  if (r->cls == MS_RC_POSITIVE) {
    /* it resets what the server held when it read it, not a MAIL sent
     * after it (pipelined too early): that one has no reply yet */
    server_reset(st, r->ts);
    st->x.caps_known = true;
    if (p->base.kind == K_HELO) { /* plain SMTP: no extensions */
      strvec_free(&st->x.rec->capabilities);
      st->x.pipelining = false;
    }
  }
  if (r->code == 250 && p->base.kind == K_EHLO)
    capabilities_from_ehlo(st, r->ts);
}

/* An accepted MAIL replaces the transaction the server held (RFC 5321
 * wants a 503 for a MAIL inside a transaction; a server that accepts it
 * started anew).  A refused one is rejected, and the server's transaction,
 * with the recipients it accepted, stays open ("503 5.5.1 sender already
 * given"): the client's next commands go to it. */
static void mail_reply(smtp *st, const smtp_pending *p, const ex_reply *r) {
  ms_transaction *t = smtp_tx_at(st, p->tx);
  if (r->code >= 200 && r->code < 400) {
    if (st->server_tx != NO_TX && st->server_tx != p->tx)
      smtp_end_transaction(st, st->server_tx, r->ts);
    if (t && t->status == MS_TX_PENDING)
      st->server_tx = p->tx;
    return;
  }
  if (t) {
    t->status = MS_TX_REJECTED;
    ms_reply_set(&t->reply, r->ts, r->code, r->enhanced, r->text);
  }
  if (st->tx == p->tx)
    st->tx = st->server_tx;
}

/* The transaction a reply to RCPT or DATA concerns: the one the server
 * holds; failing that (its MAIL's reply lost, a midstream capture), the one
 * the client was in when it sent the command. */
static size_t served_tx(const smtp *st, const smtp_pending *p) {
  return st->server_tx != NO_TX ? st->server_tx : p->tx;
}

static void rcpt_reply(smtp *st, smtp_pending *p, const ex_reply *r) {
  ms_transaction *t = smtp_tx_at(st, served_tx(st, p));
  if (!t || !p->rcpt)
    return;
  if (r->cls == MS_RC_POSITIVE) {
    *vec_push(&t->rcpt_to) = p->rcpt;
  } else {
    ms_rcpt_rejected *rj = vec_push(&t->rcpt_rejected);
    rj->addr = p->rcpt;
    rj->code = r->code;
  }
  p->rcpt = NULL;
}

/* A RCPT whose reply is not in the capture (the server's side missing,
 * lost, or the session ended first): the recipient is kept, unanswered. */
static void smtp_unanswered(void *owner, void *pending) {
  smtp *st = owner;
  smtp_pending *p = pending;
  if (p->base.kind != K_RCPT || !p->rcpt)
    return;
  /* no reply decided where it went: the transaction the client sent it in */
  ms_transaction *t = smtp_tx_at(st, p->tx != NO_TX ? p->tx : st->server_tx);
  if (!t)
    return;
  strvec_push(&t->rcpt_unanswered, p->rcpt);
}

/* DATA refused (503, 554 no valid recipients): no body follows, and the
 * transaction stays open for more RCPTs and another DATA (RFC 5321
 * 3.3); the refusal is its reply until something else decides it. */
static void data_refused(smtp *st, const smtp_pending *p, const ex_reply *r) {
  ms_transaction *t = smtp_tx_at(st, served_tx(st, p));
  if (t && t->status == MS_TX_PENDING)
    ms_reply_set(&t->reply, r->ts, r->code, r->enhanced, r->text);
}

static void data_reply(smtp *st, const smtp_pending *p, const ex_reply *r) {
  if (r->code == 354) {
    if (st->mode == CL_DATA_WAIT) {
      size_t txi = served_tx(st, p);
      smtp_body_begin(st, r->ts);
      smtp_data_after_bdat(st, txi, r->ts);
      smtp_start_message(st, txi, r->ts);
      st->x.due = true; /* held client bytes start the body */
    }
    return;
  }
  if (r->code >= 400)
    data_refused(st, p, r);
  if (st->mode == CL_DATA_WAIT) {
    st->mode = CL_COMMANDS;
    st->x.due = true; /* held client bytes are commands again */
  }
}

static void bdat_reply(smtp *st, const smtp_pending *p, const ex_reply *r) {
  if (p->bdat_invalid || !(p->bdat_last || r->code >= 400))
    return;
  if (st->msg && st->msg_tx == p->tx && r->code >= 400)
    smtp_end_message(st, true, r->ts);
  smtp_finish_transaction(st, p->tx, r);
}

static void smtp_on_reply(void *owner, void *pending, const ex_reply *r) {
  smtp *st = owner;
  smtp_pending *p = pending;
  switch (p->base.kind) {
  case K_EHLO:
  case K_HELO:
    helo_reply(st, p, r);
    break;
  case K_MAIL:
    mail_reply(st, p, r);
    break;
  case K_RSET:
    if (r->cls == MS_RC_POSITIVE)
      server_reset(st, r->ts);
    break;
  case K_RCPT:
    rcpt_reply(st, p, r);
    break;
  case K_DATA:
    data_reply(st, p, r);
    break;
  case K_BODY_END:
    smtp_finish_transaction(st, p->tx, r);
    break;
  case K_BDAT:
    bdat_reply(st, p, r);
    break;
  case K_STARTTLS:
    if (r->code == 220) { /* RFC 3207 4.2: both sides start anew */
      server_reset(st, r->ts);
      if (st->tx != NO_TX)
        smtp_end_transaction(st, st->tx, r->ts);
      st->x.rec->tls = MS_TLS_STARTTLS;
    }
    break;
  default:
    break;
  }
}

static void smtp_unsolicited(void *owner, const ex_reply *r) {
  smtp *st = owner;
  if (r->code != 421) /* a server closing the session */
    ex_anomaly(&st->x, "reply_without_command", r->ts, "%d %s", r->code,
               r->text);
}

/* The first reply is the greeting.  A client that spoke before it (a
 * "pregreet", typical of spam bots) does not make it a reply; a reply
 * whose code no greeting has answers the client's first command. */
static ex_greeting_shape smtp_greeting_shape(void *owner, const ex_reply *r,
                                             const void *head) {
  (void)owner;
  (void)head;
  return r->code == 220 || r->code == 421 || r->code == 554 ? EX_GREETING_MAYBE
                                                            : EX_GREETING_NO;
}

static void smtp_greeting(void *owner, const ex_reply *r) {
  smtp *st = owner;
  free(st->x.rec->banner);
  st->x.rec->banner = xstrdup(r->text);
  if (r->code != 220)
    ex_anomaly(&st->x, "greeting_refused", r->ts, "%d %s", r->code, r->text);
}

/* ---- replies ------------------------------------------------------------ */

static ms_reply_class class_of(int code) {
  switch (code / 100) {
  case 2:
    return MS_RC_POSITIVE;
  case 3:
    return MS_RC_INTERMEDIATE;
  case 4:
    return MS_RC_TRANSIENT;
  case 5:
    return MS_RC_PERMANENT;
  default:
    return MS_RC_OTHER;
  }
}

/* The builder is made by a reply's first line and goes with the reply:
 * an idle session holds none. */
static void reply_drop(smtp *st) {
  reply_builder *r = st->reply;
  if (!r)
    return;
  free(r->enhanced);
  free(r->text);
  strvec_free(&r->ehlo_lines);
  free(r);
  st->reply = NULL;
}

static bool reply_open(const smtp *st) { return st->reply && st->reply->open; }

/* The assembled reply to the core, which pairs it; ts: when it came. */
static void dispatch(smtp *st, size_t tl, ms_ts ts) {
  reply_builder *b = st->reply;
  ms_tline *t = ex_tline_at(&st->x, b->last_tl);
  if (t)
    t->flags |= MS_TL_REPLY_END;
  ex_reply r = {
      b->code, NULL, class_of(b->code), b->enhanced, b->text ? b->text : "",
      ts,      tl};
  ex_reply_done(&st->x, &r);
  reply_drop(st);
}

/* Add one line's text to the reply (NUL bytes as "\x00", as the record
 * holds them); past MS_MAX_REPLY_TEXT the rest of the reply is not kept
 * (reply_too_long when it is complete). */
static void reply_append(reply_builder *r, const uint8_t *t, size_t n,
                         int code) {
  char *line = wire_strdup(t, n);
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
    free(line);
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
  free(line);
}

/* The first reply line after lost server bytes (code, at ts).  A reply
 * the gap cut ends there unless this line can continue it: same code,
 * and no later command was sent before it came.  Then replies the gap
 * swallowed whole (ex_drop_lost).  Returns whether the cut reply was
 * dispatched. */
static bool resync_after_gap(smtp *st, int code, ms_ts ts) {
  ex *x = &st->x;
  x->server_gap = false;
  reply_builder *r = st->reply;
  bool dispatched = false;
  if (reply_open(st)) {
    const ex_pending *next = ex_peek(x, 1);
    bool later_sent = next && next->sent < ts;
    if (code == r->code && !later_sent)
      return false;                     /* the rest of the cut reply */
    dispatch(st, EX_NONE, r->first_ts); /* it came when its first line did */
    dispatched = true;
  }
  ex_drop_lost(x, ts);
  return dispatched;
}

/* A reply this line shows was complete: cut by lost bytes, or a greeting
 * whose continuation a new code ended.  Returns whether one was finished
 * (the line then comes again, after what that reply made due). */
static bool finish_earlier(smtp *st, int code, ms_ts ts) {
  reply_builder *r = st->reply;
  if (st->x.server_gap)
    return resync_after_gap(st, code, ts);
  if (reply_open(st) && r->code != code && !st->x.greeted) {
    /* Postfix's postscreen sends "220-" and, when the client talks before
     * the rest of the greeting (pregreet), answers its command without
     * ever sending the "220 " line: the greeting ended there. */
    ex_anomaly(&st->x, "reply_code_changed", ts,
               "greeting %d- not completed: a %d reply followed", r->code,
               code);
    dispatch(st, EX_NONE, ts);
    return true;
  }
  return false;
}

static bool smtp_server_line(void *owner, const ms_line *l, ms_ts ts) {
  smtp *st = owner;
  ex *x = &st->x;
  int code;
  bool more;
  const uint8_t *text;
  size_t tlen;
  bool parsed =
      smtp_parse_reply_line(l->data, l->len, &code, &more, &text, &tlen);
  if (l->after_gap && !parsed)
    return true; /* the tail of a reply line whose start was lost */
  if (parsed && finish_earlier(st, code, ts))
    return false;
  line_check_controls(x->rec, &x->controls_warned, MS_SERVER, l);
  size_t tl = ex_server_tline(x, l, ts, 0, parsed ? code : 0,
                              parsed ? class_of(code) : MS_RC_OTHER);
  x->server_spoke = true;
  if (!parsed) {
    char *line = ex_wire_text(l->data, l->len, 200);
    ex_anomaly(x, "malformed_reply", ts, "%s", line);
    free(line);
    return true;
  }
  if (!st->reply)
    st->reply = xcalloc(1, sizeof *st->reply);
  reply_builder *r = st->reply;
  if (r->open && r->code != code && !r->code_changed) {
    ex_anomaly(x, "reply_code_changed", ts,
               "multi-line reply %d continued with %d", r->code, code);
    r->code_changed = true;
  }
  if (!r->open) {
    r->open = true;
    r->code = code;
    r->first_ts = ts;
    ms_tline *t = ex_tline_at(x, tl);
    if (t)
      t->flags |= MS_TL_REPLY_START;
  }
  r->last_tl = tl;
  /* The EHLO greeting line is not a capability. */
  if (tlen > x->cfg->max_line) /* the line reader cut it already */
    tlen = x->cfg->max_line;
  reply_append(r, text, tlen, code);
  if (more)
    return true;
  /* The server answers a body whose end (the "." line) was in lost client
   * bytes: it ended there, and what the client sent after is commands. */
  if (st->mode == CL_BODY && st->body->gap)
    smtp_body_end(st, ts);
  if (r->truncated)
    ms_limit_hit(x->rec, MS_LIMIT_REPLY, "reply_too_long", ts,
                 "a reply holds more than %d bytes of text: the rest is not "
                 "recorded",
                 MS_MAX_REPLY_TEXT);
  dispatch(st, tl, ts);
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
  if (reply_open(st) || !line_reader_take_cut(&st->x.lines[MS_SERVER], &l) ||
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
  ex_server_line(&st->x, &cut, l.ts);
}

/* ---- the dissector interface -------------------------------------------- */

static void smtp_pending_free(void *pending) {
  smtp_pending *p = pending;
  free(p->rcpt);
  p->rcpt = NULL;
  free(p->helo);
  p->helo = NULL;
}

/* ex_proto.held: the state, the reply being assembled, the client bytes
 * held while DATA awaits its reply, the spill transaction (its strings
 * are not counted: at most one transaction's). */
static size_t smtp_held(const void *owner) {
  const smtp *st = owner;
  size_t n = sizeof *st + st->held_len;
  if (st->body)
    n += sizeof *st->body + st->body->lines.cap;
  if (st->reply)
    n += sizeof *st->reply + st->reply->tcap;
  if (st->spill)
    n += sizeof *st->spill;
  return n;
}

static const ex_proto smtp_proto = {
    .reply_noun = "reply",
    .lost_name = "reply_lost",
    .record_needs_transcript = true,
    .pending_size = sizeof(smtp_pending),
    .pending_free = smtp_pending_free,
    .on_unanswered = smtp_unanswered,
    .verb = find_verb,
    .redact = NULL,
    .command = smtp_command,
    .server_line = smtp_server_line,
    .client_raw = smtp_client_raw,
    .server_raw = NULL,
    .on_reply = smtp_on_reply,
    .on_unsolicited = smtp_unsolicited,
    .on_greeting = smtp_greeting,
    .greeting_shape = smtp_greeting_shape,
    .due = smtp_replay_held,
    .held = smtp_held,
};

static void *smtp_create(ms_session *rec, const ms_dissect_config *cfg) {
  smtp *st = xcalloc(1, sizeof *st);
  ex_init(&st->x, rec, cfg, &smtp_proto, st);
  st->tx = st->server_tx = NO_TX;
  st->msg_tx = NO_TX;
  return st;
}

static void smtp_gap(void *state, ms_dir dir, uint64_t n, ms_ts ts) {
  smtp *st = state;
  if (dir == MS_CLIENT && !smtp_client_gap(st, n, ts))
    return;
  if (dir == MS_SERVER && !st->x.stop) {
    salvage_cut_reply(st);
    /* a reply the gap cut stays open: the next line decides (see
     * resync_after_gap) */
    line_reader_gap(&st->x.lines[MS_SERVER]);
    st->x.server_gap = true;
  }
  ex_gap_notice(&st->x, dir, n, ts);
  ex_charge(&st->x);
}

static void smtp_close(void *state, ms_ts ts) {
  smtp *st = state;
  ex *x = &st->x;
  ms_line l;
  if (!x->stop) {
    while (st->mode == CL_DATA_WAIT && st->held_len) { /* each DATA */
      /* No reply to DATA ever came, but the client sent on: a body. */
      ex_anomaly(x, "data_before_354", ts,
                 "client sent %zu bytes after DATA without its reply",
                 st->held_len);
      smtp_body_begin(st, ts);
      smtp_start_message(st, smtp_data_tx(st), ts);
      smtp_replay_held(st, ts);
    }
    if (line_reader_flush(&x->lines[MS_CLIENT], ts, &l)) {
      ex_anomaly(x, "incomplete_line", ts,
                 "client line without its end at the end of the session");
      if (st->mode == CL_COMMANDS)
        ex_client_line(x, &l, ts);
    }
    if (line_reader_flush(&x->lines[MS_SERVER], ts, &l)) {
      ex_anomaly(x, "incomplete_line", ts,
                 "server line without its end at the end of the session");
      ex_server_line(x, &l, ts);
    }
  }
  if (st->msg)
    smtp_end_message(st, true, ts);
  ex_close(x, ts);
  ex_unanswered(x);
  /* every transaction still open ends unfinished */
  for (size_t i = 0; i < x->rec->transactions.len; i++)
    smtp_end_transaction(st, i, ts);
  smtp_end_transaction(st, SPILL_TX, ts);
}

static void smtp_destroy(void *state) {
  smtp *st = state;
  ex_free(&st->x);
  reply_drop(st);
  smtp_body_free(st);
  free(st->helo_accepted_name);
  free(st);
}

const ms_dissector ms_smtp_dissector = {.name = "smtp",
                                        .proto = MS_PROTO_SMTP,
                                        .create = smtp_create,
                                        .on_data = ex_on_data,
                                        .on_gap = smtp_gap,
                                        .on_tls = ex_on_tls,
                                        .on_close = smtp_close,
                                        .destroy = smtp_destroy};
