/* pop3.c - the POP3 dissector (RFC 1939, 2449, 5034, 2595, 3206, 6856):
 * its grammar and what each response means.
 *
 * The exchange core (exchange.c) pairs each status line (+OK / -ERR) with
 * the oldest outstanding command, marks pipelining, runs SASL and the
 * greeting.  After +OK to CAPA, LIST or UIDL without argument, RETR, TOP,
 * AUTH or LANG without argument, the response runs to the "." line: list
 * responses are read line by line, RETR/TOP messages are scanned as a
 * stream (dotbody.h) into the message layer (pop3_mailbox.c keeps the
 * listings and retrievals).  docs/pop3.md lists every anomaly.
 */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "pop3_state.h"

typedef struct {
  const char *verb;
  p3_kind kind;
  bool needs_login;
} p3_verb;

static const p3_verb verbs[] = {
    {"USER", P_USER, false},  {"PASS", P_PASS, false}, {"APOP", P_APOP, false},
    {"AUTH", P_AUTH, false},  {"STAT", P_STAT, true},  {"LIST", P_LIST, true},
    {"UIDL", P_UIDL, true},   {"RETR", P_RETR, true},  {"TOP", P_TOP, true},
    {"DELE", P_DELE, true},   {"RSET", P_RSET, true},  {"QUIT", P_QUIT, false},
    {"CAPA", P_CAPA, false},  {"STLS", P_STLS, false}, {"LANG", P_LANG, false},
    {"NOOP", P_NOOP, true},   {"UTF8", P_UTF8, false}, {"LAST", P_OTHER, true},
    {"RPOP", P_OTHER, false}, {"XTND", P_OTHER, true}};

static const p3_verb *lookup(const char *v) {
  for (size_t i = 0; i < sizeof verbs / sizeof verbs[0]; i++)
    if (!strcmp(verbs[i].verb, v))
      return &verbs[i];
  return NULL;
}

static bool find_verb(const char *v, int *kind, unsigned *flags) {
  const p3_verb *vi = lookup(v);
  if (!vi)
    return false;
  *kind = (int)vi->kind;
  *flags = vi->kind == P_AUTH   ? EX_AUTH | EX_NO_SALVAGE
           : vi->kind == P_STLS ? EX_TLS
                                : 0;
  return true;
}

/* The peers speak something else (a service on a POP3 port, or a port
 * given with --port): one anomaly, and decoding stops. */
static void not_pop3(pop3 *st, const char *why, const ms_line *l, ms_ts ts) {
  char *text = ex_wire_text(l->data, l->len, 80);
  ms_add_anomaly(st->x.rec, "not_pop3", ts, "%s: %s", why, text);
  free(text);
  st->x.stop = true;
  st->x.stop_note = "not POP3: the rest is not decoded";
}

/* ---- commands ----------------------------------------------------------- */

/* The user name of a USER line: its first word.  RFC 1939 USER takes one
 * argument; more words are a client mistake, most likely the password
 * typed on the same line. */
static size_t user_word(const char *arg) { return strcspn(arg, " \t"); }

static bool more_words(const char *arg) {
  const char *rest = arg + user_word(arg);
  return rest[strspn(rest, " \t")] != '\0';
}

/* The argument of a command that carries a secret, as shown. */
static char *pop3_redact(int kind, const char *verb, const char *arg) {
  (void)verb;
  if (!arg)
    return NULL;
  if (kind == P_PASS)
    return xstrdup("<redacted>");
  if (kind == P_APOP || (kind == P_USER && more_words(arg))) {
    size_t nl = user_word(arg);
    return xasprintf("%.*s <redacted>", (int)nl, arg);
  }
  return NULL;
}

/* Record one USER/PASS or APOP attempt when its outcome is known (or the
 * session ended first).  As for SASL (sasl.c): every attempt counts, and
 * the auth fields describe the successful login if there was one, else the
 * last attempt. */
static void pop3_commit_login(pop3 *st, const p3_pending *p,
                              ms_auth_result result) {
  ms_auth *a = &st->x.rec->auth;
  a->present = true;
  a->attempts++;
  if (result == MS_AUTH_FAILURE)
    a->failures++;
  if (a->result == MS_AUTH_SUCCESS && result != MS_AUTH_SUCCESS)
    return;
  ms_auth_clear(a); /* keeps the counters */
  a->present = true;
  a->mechanism = xstrdup(p->base.kind == P_APOP ? "APOP" : "USER");
  a->username = p->user ? xstrdup(p->user) : NULL;
  if (p->secret)
    a->password = xstrdup(st->x.cfg->show_secrets ? p->secret : "<redacted>");
  if (p->base.kind == P_APOP && st->apop_challenge)
    a->challenge = xstrdup(st->apop_challenge);
  a->result = result;
}

static void auth_command(pop3 *st, p3_pending *p, ex_cmd *c, ms_ts ts) {
  const char *arg = c->argstr;
  size_t ml = strcspn(arg, " ");
  if (ml >= sizeof st->auth_mech)
    ml = sizeof st->auth_mech - 1;
  for (size_t k = 0; k < ml; k++)
    st->auth_mech[k] = (char)toupper((unsigned char)arg[k]);
  st->auth_mech[ml] = '\0';
  ex_sasl_begin(&st->x, c, ts);
  p->base.flags |= EX_SASL;
}

/* What a command's argument gives its pending entry. */
static void command_effects(pop3 *st, p3_pending *p, ex_cmd *c, ms_ts ts) {
  const char *arg = c->argstr;
  bool ok;
  p->has_arg = arg != NULL && arg[0] != '\0';
  p->number = pop3_number(arg, &ok);
  switch (p->base.kind) {
  case P_USER:
    free(st->pending_user);
    st->pending_user = arg ? xstrndup(arg, user_word(arg)) : NULL;
    p->user = arg ? xstrndup(arg, user_word(arg)) : NULL;
    if (arg && more_words(arg))
      ms_add_anomaly(st->x.rec, "password_on_user_line", ts,
                     "USER %s followed by more words: taken as a password, "
                     "not shown",
                     p->user);
    break;
  case P_PASS:
    p->user = st->pending_user ? xstrdup(st->pending_user) : NULL;
    p->secret = xstrdup(arg ? arg : "");
    break;
  case P_APOP: {
    size_t nl = arg ? user_word(arg) : 0;
    p->user = arg ? xstrndup(arg, nl) : NULL;
    p->secret = xstrdup(arg && arg[nl] ? arg + nl + 1 : "");
    break;
  }
  case P_AUTH:
    if (p->has_arg)
      auth_command(st, p, c, ts);
    break;
  case P_RETR:
  case P_TOP:
  case P_DELE:
    if (!ok)
      ms_add_anomaly(st->x.rec, "bad_argument", ts,
                     "%s without a message number", c->verb);
    else if (p->base.kind == P_TOP &&
             !isdigit((unsigned char)*pop3_after_number(arg)))
      ms_add_anomaly(st->x.rec, "bad_argument", ts, "%s",
                     "TOP without the number of lines");
    break;
  default:
    break;
  }
}

static void pop3_command(void *owner, const ms_line *l, ms_ts ts) {
  pop3 *st = owner;
  ex *x = &st->x;
  ex_cmd c;
  ex_command_begin(x, l, ts, &c);
  const p3_verb *vi = lookup(c.verb);
  if (!vi) {
    char *text = ex_wire_text(l->data, l->len, 200);
    ms_add_anomaly(x->rec, "unknown_command", ts, "%s", text);
    free(text);
    if (!x->greeted && !x->rec->midstream && ++st->unknown_before_greeting >= 3)
      not_pop3(st, "the client speaks first, and not POP3", l, ts);
  } else if (vi->needs_login && !st->logged_in && !x->rec->midstream) {
    ms_add_anomaly(x->rec, "command_before_login", ts,
                   "%s before a successful login", c.verb);
  }
  p3_pending *p = ex_push(x, c.kind, c.flags, c.ci, ts);
  command_effects(st, p, &c, ts);
  ex_command_end(&c);
}

/* ---- what each response means ------------------------------------------- */

static bool multiline_on_ok(const void *pending) {
  const p3_pending *p = pending;
  switch (p->base.kind) {
  case P_CAPA:
  case P_RETR:
  case P_TOP:
    return true;
  case P_LIST:
  case P_UIDL:
  case P_LANG:
  case P_AUTH:
    return !p->has_arg;
  default:
    return false;
  }
}

static void login_failed(pop3 *st, const char *mech, const char *user,
                         const char *text, ms_ts ts) {
  ms_add_anomaly(st->x.rec, "login_failed", ts, "%s login%s%s failed: %s", mech,
                 user ? " of " : "", user ? user : "", text);
}

static void login_reply(pop3 *st, const p3_pending *p, bool ok,
                        const ex_reply *r) {
  pop3_commit_login(st, p, ok ? MS_AUTH_SUCCESS : MS_AUTH_FAILURE);
  if (ok)
    st->logged_in = true;
  else
    login_failed(st, p->base.kind == P_APOP ? "APOP" : "USER", p->user, r->text,
                 r->ts);
}

/* USER refused: a failed attempt of its own, unless the client already sent
 * the PASS that goes with it (that one's -ERR will count). */
static void user_refused(pop3 *st, const p3_pending *p, const ex_reply *r) {
  for (size_t i = 0;; i++) {
    const ex_pending *q = ex_peek(&st->x, i);
    if (!q || q->kind == P_USER || q->kind == P_APOP || q->kind == P_AUTH)
      break;
    if (q->kind == P_PASS)
      return;
  }
  pop3_commit_login(st, p, MS_AUTH_FAILURE);
  login_failed(st, "USER", p->user, r->text, r->ts);
}

/* AUTH answered: the core ended the SASL exchange (which counted it); name
 * the user when the auth fields describe this attempt. */
static void auth_reply(pop3 *st, const p3_pending *p, bool ok,
                       const ex_reply *r) {
  if (!(p->base.flags & EX_SASL))
    return; /* AUTH without a mechanism: the list of mechanisms */
  if (ok) {
    st->logged_in = true;
  } else if (!st->x.sasl_cancelled) {
    const ms_auth *a = &st->x.rec->auth;
    bool this_one = a->result == MS_AUTH_FAILURE;
    char *mech = xasprintf("AUTH %s", st->auth_mech);
    login_failed(st, mech, this_one ? a->username : NULL, r->text, r->ts);
    free(mech);
  }
}

/* "+OK nn mm" (RFC 1939 5): messages and octets, each a number in range;
 * otherwise the mailbox is not filled and the text stays in the reply. */
static void stat_reply(pop3 *st, const ex_reply *r) {
  uint64_t n, o;
  const char *p = r->text, *end;
  while (*p == ' ')
    p++;
  bool ok = ex_number(p, EX_NUMBER_MAX, &n, &end) && *end == ' ';
  if (ok) {
    for (p = end; *p == ' ';)
      p++;
    ok = ex_number(p, EX_NUMBER_MAX, &o, &end) && (!*end || *end == ' ');
  }
  if (!ok) {
    pop3_bad_number(st, "STAT", r->text, r->ts);
    return;
  }
  st->x.rec->mailbox_present = true;
  st->x.rec->mailbox_messages = n;
  st->x.rec->mailbox_octets = o;
}

static void dele_reply(pop3 *st, const p3_pending *p, ms_ts ts) {
  ms_session *rec = st->x.rec;
  if (p->number > 0 && rec->deleted.len < st->x.cfg->max_commands)
    *vec_push(&rec->deleted) = (int)p->number;
  else if (p->number > 0)
    ex_record_full(&st->x, ts);
}

/* A positive response that runs to the "." line. */
static void multiline_begins(pop3 *st, const p3_pending *p, ms_ts ts) {
  st->current = *p;
  st->current.user = st->current.secret = NULL;
  if (p->base.kind == P_RETR || p->base.kind == P_TOP) {
    st->mode = SV_MESSAGE;
    pop3_start_retrieval(st, p, ts);
    return;
  }
  st->mode = SV_LIST;
  if (p->base.kind == P_CAPA) {
    strvec_free(&st->x.rec->capabilities);
    st->x.caps_known = true;
    st->x.pipelining = false;
  }
}

static void pop3_on_reply(void *owner, void *pending, const ex_reply *r) {
  pop3 *st = owner;
  p3_pending *p = pending;
  bool ok = r->cls == MS_RC_POSITIVE;
  switch (p->base.kind) {
  case P_PASS:
  case P_APOP:
    login_reply(st, p, ok, r);
    break;
  case P_USER:
    if (!ok)
      user_refused(st, p, r);
    break;
  case P_AUTH:
    auth_reply(st, p, ok, r);
    break;
  case P_STAT:
    if (ok)
      stat_reply(st, r);
    break;
  case P_LIST:
  case P_UIDL:
    if (ok && p->has_arg)
      pop3_listing_fact(st, p->base.kind, r->text, r->ts);
    break;
  case P_DELE:
    if (ok)
      dele_reply(st, p, r->ts);
    break;
  case P_RSET:
    if (ok)
      st->x.rec->deleted.len = 0;
    break;
  case P_QUIT:
    if (ok && st->logged_in)
      st->deletions_committed = true;
    break;
  case P_STLS:
    if (ok)
      st->x.rec->tls = MS_TLS_STARTTLS;
    break;
  default:
    break;
  }
  if (ok && multiline_on_ok(p))
    multiline_begins(st, p, r->ts);
}

/* An -ERR nobody asked for is a server closing the session (dovecot: "Too
 * many invalid bad commands.", "Disconnected for inactivity."), as SMTP's
 * unsolicited 421; an unasked +OK is out of step. */
static void pop3_unsolicited(void *owner, const ex_reply *r) {
  pop3 *st = owner;
  if (r->cls == MS_RC_POSITIVE)
    ms_add_anomaly(st->x.rec, "response_without_command", r->ts, "+OK %s",
                   r->text);
}

/* A server greets before it reads commands, so its first line is the
 * greeting, unless the client spoke first or the server never greeted (or
 * the capture began after it).  A status line that may begin the
 * multi-line response to the oldest command (CAPA, LIST, RETR...) is
 * decided by the next line: a listing line means it was that response, a
 * status line that it was the greeting.  Any other is the greeting unless
 * the client's next command comes before another response. */
static ex_greeting_shape pop3_greeting_shape(void *owner, const ex_reply *r,
                                             const void *head) {
  (void)owner;
  if (!head)
    return EX_GREETING_YES;
  if (r->cls == MS_RC_POSITIVE && multiline_on_ok(head))
    return EX_GREETING_LATER;
  return EX_GREETING_MAYBE;
}

static void pop3_greeting(void *owner, const ex_reply *r) {
  pop3 *st = owner;
  ms_session *rec = st->x.rec;
  free(rec->banner);
  rec->banner = xstrdup(r->text);
  const char *lt = strchr(r->text, '<'), *gt = lt ? strchr(lt, '>') : NULL;
  if (lt && gt && memchr(lt, '@', (size_t)(gt - lt))) {
    free(st->apop_challenge);
    st->apop_challenge = xstrndup(lt, (size_t)(gt - lt + 1));
  }
  if (r->cls != MS_RC_POSITIVE)
    ms_add_anomaly(rec, "greeting_refused", r->ts, "-ERR %s", r->text);
}

/* ---- server lines ------------------------------------------------------- */

bool pop3_looks_like_status(const ms_line *l) {
  return (l->len >= 3 && !strncasecmp((const char *)l->data, "+OK", 3) &&
          (l->len == 3 || l->data[3] == ' ')) ||
         (l->len >= 4 && !strncasecmp((const char *)l->data, "-ERR", 4) &&
          (l->len == 4 || l->data[4] == ' '));
}

void pop3_status_line(pop3 *st, const ms_line *l, ms_ts ts) {
  ex *x = &st->x;
  const char *d = (const char *)l->data;
  const ex_pending *head = ex_peek(x, 0);
  /* SASL continuation: "+ base64" or "+" alone */
  if (l->len >= 1 && d[0] == '+' && (l->len == 1 || d[1] == ' ') && head &&
      head->kind == P_AUTH) {
    size_t tl = ex_server_tline(
        x, l, ts, MS_TL_REPLY_START | MS_TL_REPLY_END | MS_TL_SASL, 0,
        MS_RC_INTERMEDIATE);
    x->server_spoke = true;
    if (head->flags & EX_SASL) {
      size_t off = l->len > 2 ? 2 : l->len;
      char *text = wire_strdup(l->data + off, l->len - off);
      ex_reply r = {0, NULL, MS_RC_INTERMEDIATE, NULL, text, ts, tl};
      ex_sasl_challenge(x, &r);
      free(text);
    }
    return;
  }
  bool ok;
  size_t skip;
  if (l->len >= 3 && !strncasecmp(d, "+OK", 3)) {
    ok = true;
    skip = 3;
  } else if (l->len >= 4 && !strncasecmp(d, "-ERR", 4)) {
    ok = false;
    skip = 4;
  } else {
    ex_server_tline(x, l, ts, 0, 0, MS_RC_OTHER);
    x->server_spoke = true;
    if (!x->greeted && !x->rec->midstream)
      not_pop3(st, "the server's first line is not +OK or -ERR", l, ts);
    else {
      char *text = ex_wire_text(l->data, l->len, 200);
      ms_add_anomaly(x->rec, "malformed_response", ts, "%s", text);
      free(text);
    }
    return;
  }
  ms_reply_class cls = ok ? MS_RC_POSITIVE : MS_RC_PERMANENT;
  size_t tl =
      ex_server_tline(x, l, ts, MS_TL_REPLY_START | MS_TL_REPLY_END, 0, cls);
  x->server_spoke = true;
  while (skip < l->len && d[skip] == ' ')
    skip++;
  char *text = wire_strdup(l->data + skip, l->len - skip);
  ex_reply r = {0, ok ? "+OK" : "-ERR", cls, NULL, text, ts, tl};
  ex_reply_done(x, &r);
  /* a multi-line response goes on: its status line does not end it */
  ms_tline *t = ex_tline_at(x, tl);
  if (t && st->mode != SV_STATUS)
    t->flags &= ~(unsigned)MS_TL_REPLY_END;
  free(text);
}

static bool pop3_server_line(void *owner, const ms_line *l, ms_ts ts) {
  pop3 *st = owner;
  if (l->after_gap && st->mode == SV_STATUS && !pop3_looks_like_status(l))
    return true; /* the tail of a line whose start was lost */
  if (st->x.greeting_later) {
    ex_greeting_settle(&st->x, pop3_looks_like_status(l));
    return false; /* the line again, in the mode now decided */
  }
  line_check_controls(st->x.rec, &st->x.controls_warned, MS_SERVER, l);
  if (st->mode == SV_LIST)
    pop3_listing_line(st, l, ts);
  else
    pop3_status_line(st, l, ts);
  return true;
}

/* ---- the dissector interface -------------------------------------------- */

static void pop3_pending_free(void *pending) {
  p3_pending *p = pending;
  free(p->user);
  free(p->secret);
  p->user = p->secret = NULL;
}

/* ex_proto.held: the state, the listing and the --full-bodies line
 * buffer (the uids of the listing are not counted). */
static size_t pop3_held(const void *owner) {
  const pop3 *st = owner;
  return sizeof *st + st->listing.cap * sizeof *st->listing.items +
         st->body_lines.cap;
}

static const ex_proto pop3_proto = {
    .reply_noun = "response",
    .lost_name = "response_lost",
    .record_needs_transcript = false,
    .pending_size = sizeof(p3_pending),
    .pending_free = pop3_pending_free,
    .verb = find_verb,
    .redact = pop3_redact,
    .command = pop3_command,
    .server_line = pop3_server_line,
    .client_raw = NULL,
    .server_raw = pop3_server_raw,
    .on_reply = pop3_on_reply,
    .on_unsolicited = pop3_unsolicited,
    .on_greeting = pop3_greeting,
    .greeting_shape = pop3_greeting_shape,
    .due = NULL,
    .held = pop3_held,
};

static void *pop3_create(ms_session *rec, const ms_dissect_config *cfg) {
  pop3 *st = xcalloc(1, sizeof *st);
  ex_init(&st->x, rec, cfg, &pop3_proto, st);
  st->msg_index = (size_t)-1;
  return st;
}

static void pop3_gap(void *state, ms_dir dir, uint64_t n, ms_ts ts) {
  pop3 *st = state;
  ex *x = &st->x;
  /* The start of a status line the gap cut (a snaplen keeps a packet's
   * first bytes) still says +OK or -ERR, which keeps the pairing right;
   * its cut text could mislead (octets, counts): only the status is taken. */
  ms_line l;
  if (dir == MS_SERVER && st->mode != SV_MESSAGE && !x->stop &&
      line_reader_take_cut(&x->lines[MS_SERVER], &l) &&
      pop3_looks_like_status(&l)) {
    ms_line status = l;
    status.len = l.data[0] == '+' ? 3 : 4;
    if (st->mode == SV_LIST)
      pop3_listing_line(st, &status, l.ts);
    else
      pop3_status_line(st, &status, l.ts);
  }
  /* ... and so does a command's start its verb (its argument is cut) */
  if (dir == MS_CLIENT)
    ex_salvage_command(x);
  line_reader_gap(&x->lines[dir]);
  if (dir == MS_SERVER)
    x->server_gap = true;
  if (dir == MS_SERVER && st->mode == SV_MESSAGE)
    pop3_message_gap(st, n, ts);
  ex_gap_notice(x, dir, n, ts);
  ex_charge(x);
}

static void pop3_close(void *state, ms_ts ts) {
  pop3 *st = state;
  ex *x = &st->x;
  ms_line l;
  if (!x->stop) {
    if (line_reader_flush(&x->lines[MS_CLIENT], ts, &l)) {
      ms_add_anomaly(x->rec, "incomplete_line", ts,
                     "client line without its end at the end of the session");
      ex_client_line(x, &l, ts);
    }
    if (st->mode != SV_MESSAGE &&
        line_reader_flush(&x->lines[MS_SERVER], ts, &l)) {
      ms_add_anomaly(x->rec, "incomplete_line", ts,
                     "server line without its end at the end of the session");
      ex_server_line(x, &l, ts);
    }
  }
  if (st->mode == SV_MESSAGE || st->mode == SV_LIST)
    ms_add_anomaly(x->rec, "multiline_unterminated", ts,
                   "the session ended inside a multi-line response");
  if (st->mode == SV_MESSAGE)
    pop3_finish_retrieval(st, true, ts);
  ex_close(x, ts);
  /* Logins whose response never came still count, with outcome unknown. */
  p3_pending p;
  while (ex_pop(x, &p)) {
    if (p.base.kind == P_PASS || p.base.kind == P_APOP)
      pop3_commit_login(st, &p, MS_AUTH_UNKNOWN);
    pop3_pending_free(&p);
  }
  if (x->rec->deleted.len && !st->deletions_committed && !x->stop)
    ms_add_anomaly(x->rec, "dele_not_committed", ts,
                   "%zu message(s) marked deleted, but the session ended "
                   "without QUIT: the server keeps them",
                   x->rec->deleted.len);
}

static void pop3_destroy(void *state) {
  pop3 *st = state;
  ex_free(&st->x);
  pop3_mailbox_free(st);
  free(st->pending_user);
  free(st->apop_challenge);
  free(st);
}

const ms_dissector ms_pop3_dissector = {.name = "pop3",
                                        .proto = MS_PROTO_POP3,
                                        .create = pop3_create,
                                        .on_data = ex_on_data,
                                        .on_gap = pop3_gap,
                                        .on_tls = ex_on_tls,
                                        .on_close = pop3_close,
                                        .destroy = pop3_destroy};
