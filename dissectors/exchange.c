/* exchange.c - the request/response machinery SMTP and POP3 share (see
 * exchange.h). */
#include "exchange.h"

#include <ctype.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "budget.h"

/* ---- recording ---------------------------------------------------------- */

void ex_anomaly(ex *x, const char *name, ms_ts ts, const char *fmt, ...) {
  char detail[512];
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(detail, sizeof detail, fmt, ap);
  va_end(ap);
  ms_add_anomaly(x->rec, name, ts, "%s", detail);
}

void ex_record_full(ex *x, ms_ts ts) {
  if (!x->record_full_warned)
    ms_limit_hit(x->rec, MS_LIMIT_COMMANDS, "record_limit", ts,
                 "more than %zu commands (--max-commands): later ones are "
                 "decoded but not recorded",
                 x->cfg->max_commands);
  x->record_full_warned = true;
}

bool ex_room(ex *x, ms_ts ts, bool transcript) {
  if (x->rec->commands.len < x->cfg->max_commands &&
      (!transcript || x->rec->transcript.len < x->cfg->max_commands * 4))
    return true;
  ex_record_full(x, ts);
  return false;
}

size_t ex_tline(ex *x, ms_ts ts, ms_dir dir, unsigned flags, const uint8_t *p,
                size_t n, const char *note) {
  if (!x->cfg->transcript || x->rec->transcript.len >= x->cfg->max_commands * 4)
    return EX_NONE;
  ms_add_tline(x->rec, ts, dir, flags, p, n, note);
  return x->rec->transcript.len - 1;
}

ms_tline *ex_tline_at(ex *x, size_t i) {
  return i < x->rec->transcript.len ? &x->rec->transcript.items[i] : NULL;
}

void ex_notice(ex *x, ms_ts ts, ms_dir dir, const char *text) {
  ex_tline(x, ts, dir, MS_TL_NOTICE, (const uint8_t *)text, strlen(text), NULL);
}

size_t ex_server_tline(ex *x, const ms_line *l, ms_ts ts, unsigned flags,
                       int code, ms_reply_class cls) {
  size_t tl = ex_tline(x, ts, MS_SERVER, flags, l->data, l->len, NULL);
  ms_tline *t = ex_tline_at(x, tl);
  if (t) {
    t->code = code > 0 && code < 1000 ? (uint16_t)code : 0;
    t->reply_class = (uint8_t)cls;
  }
  return tl;
}

/* ---- the queue ---------------------------------------------------------- */

size_t ex_outstanding(const ex *x) { return x->qlen - x->qhead; }

static uint8_t *slot(const ex *x, size_t i) {
  return x->q + i * x->p->pending_size;
}

void *ex_peek(const ex *x, size_t i) {
  return i < ex_outstanding(x) ? slot(x, x->qhead + i) : NULL;
}

static void pending_free(ex *x, void *p) {
  if (x->p->pending_free)
    x->p->pending_free(p);
}

/* Beyond MS_MAX_OUTSTANDING, commands are only counted (untracked): the
 * replies pair with the tracked ones first, in order, then use up the
 * count; the caller fills a scratch entry that is forgotten. */
void *ex_push(ex *x, int kind, unsigned flags, size_t cmd, ms_ts ts) {
  size_t size = x->p->pending_size;
  /* raised when the bound is crossed, not for every command beyond it */
  if (ex_outstanding(x) == x->cfg->max_pipeline && x->cfg->max_pipeline)
    ms_limit_hit(x->rec, MS_LIMIT_PIPELINE, "too_many_outstanding", ts,
                 "%zu commands awaiting %ss (--max-pipeline %zu)",
                 ex_outstanding(x) + 1, x->p->reply_noun, x->cfg->max_pipeline);
  ex_pending *p;
  if (x->untracked || ex_outstanding(x) >= MS_MAX_OUTSTANDING) {
    if (!x->queue_full_warned)
      ms_limit_hit(x->rec, MS_LIMIT_OUTSTANDING, "too_many_outstanding", ts,
                   "%d commands without %s: later ones are not paired",
                   MS_MAX_OUTSTANDING, x->p->reply_noun);
    x->queue_full_warned = true;
    x->untracked++;
    if (!x->scratch)
      x->scratch = xcalloc(1, size);
    pending_free(x, x->scratch);
    p = (ex_pending *)x->scratch;
    cmd = EX_NONE;
  } else {
    if (x->qhead > 0 && x->qhead == x->qlen) {
      x->qlen = x->qhead = 0;
    } else if (x->qhead > 1024) {
      memmove(x->q, slot(x, x->qhead), ex_outstanding(x) * size);
      x->qlen -= x->qhead;
      x->qhead = 0;
    }
    if (x->qlen == x->qcap) { /* most sessions wait for each reply */
      x->qcap = x->qcap ? x->qcap * 2 : 1;
      x->q = xrealloc(x->q, x->qcap * size);
    }
    p = (ex_pending *)slot(x, x->qlen++);
  }
  memset(p, 0, size);
  p->kind = kind;
  p->flags = flags;
  p->cmd = cmd;
  p->sent = ts;
  if (flags & EX_TLS)
    ex_tls_asked(x);
  return p;
}

bool ex_pop(ex *x, void *out) {
  if (!ex_outstanding(x))
    return false;
  memcpy(out, slot(x, x->qhead++), x->p->pending_size);
  if (x->qhead == x->qlen)
    x->qlen = x->qhead = 0;
  return true;
}

const char *ex_verb_of(const ex *x, const ex_pending *p) {
  return p->cmd != EX_NONE && p->cmd < x->rec->commands.len
             ? x->rec->commands.items[p->cmd].verb
             : "a command";
}

/* ---- setup -------------------------------------------------------------- */

void ex_init(ex *x, ms_session *rec, const ms_dissect_config *cfg,
             const ex_proto *p, void *owner) {
  memset(x, 0, sizeof *x);
  x->rec = rec;
  x->cfg = cfg;
  x->p = p;
  x->owner = owner;
  line_reader_init(&x->lines[0], cfg->max_line);
  line_reader_init(&x->lines[1], cfg->max_line);
  x->flight_leader_tline = EX_NONE;
}

static void reply_free(ex_reply *r) {
  free((char *)r->status);
  free((char *)r->enhanced);
  free((char *)r->text);
  memset(r, 0, sizeof *r);
}

/* The tentative greeting (made on first use: most sessions never hold one)
 * goes. */
static void drop_greeting(ex *x) {
  if (x->greeting)
    reply_free(x->greeting);
  free(x->greeting);
  x->greeting = NULL;
}

/* The buffers that hold nothing now go back: an idle session keeps none. */
static void trim(ex *x) {
  line_reader_trim(&x->lines[0]);
  line_reader_trim(&x->lines[1]);
  if (!ex_outstanding(x) && x->q) {
    free(x->q);
    x->q = NULL;
    x->qcap = x->qlen = x->qhead = 0;
  }
}

/* The line buffers grow with the longest line (lines.c), the queue with
 * the commands outstanding: what the state holds is told to the session's
 * record (budget.h) as it is, not a worst case. */
void ex_charge(ex *x) {
  trim(x);
  size_t now = x->lines[0].cap + x->lines[1].cap +
               x->qcap * x->p->pending_size + x->tls_held_len;
  if (x->scratch)
    now += x->p->pending_size;
  if (x->greeting)
    now += sizeof *x->greeting;
  if (x->p->held)
    now += x->p->held(x->owner);
  ms_session_mem_set(x->rec, &x->mem_charged, now);
}

void ex_free(ex *x) {
  line_reader_free(&x->lines[0]);
  line_reader_free(&x->lines[1]);
  ms_session_mem_sub(x->rec, x->mem_charged);
  x->mem_charged = 0;
  for (size_t i = x->qhead; i < x->qlen; i++)
    pending_free(x, slot(x, i));
  free(x->q);
  if (x->scratch)
    pending_free(x, x->scratch);
  free(x->scratch);
  drop_greeting(x);
  ex_tls_free(x);
  if (x->sasl)
    sasl_end(x->sasl, MS_AUTH_UNKNOWN, 0);
  x->sasl = NULL;
}

/* ---- commands ----------------------------------------------------------- */

static bool blank(uint8_t c) { return c == ' ' || c == '\t'; }

bool ex_number(const char *s, uint64_t max, uint64_t *out, const char **end) {
  uint64_t v = 0;
  bool ok = isdigit((unsigned char)*s);
  for (; isdigit((unsigned char)*s); s++) {
    unsigned d = (unsigned)(*s - '0');
    if (v > (max - d) / 10)
      ok = false; /* past max (and never past 2^64) */
    else
      v = v * 10 + d;
  }
  *end = s;
  *out = ok ? v : 0;
  return ok;
}

char *ex_wire_text(const uint8_t *p, size_t n, size_t max) {
  return p ? wire_strdup(p, n < max ? n : max) : xstrdup("");
}

void ex_split_verb(const uint8_t *p, size_t n, char verb[EX_VERB_MAX],
                   const uint8_t **arg, size_t *arg_len) {
  size_t i = 0, o = 0;
  while (i < n && !blank(p[i]) && i < 15) {
    if (p[i] == 0) {
      memcpy(verb + o, "\\x00", 4);
      o += 4;
    } else {
      verb[o++] = (char)toupper(p[i]);
    }
    i++;
  }
  verb[o] = '\0';
  size_t vend = i;
  while (vend < n && !blank(p[vend]))
    vend++; /* an over-long verb: the rest is part of nothing */
  if (vend < n) {
    *arg = p + vend + 1;
    *arg_len = n - vend - 1;
  } else {
    *arg = NULL;
    *arg_len = 0;
  }
}

static bool known_verb(const ex *x, const ms_line *l, int *kind,
                       unsigned *flags) {
  char verb[EX_VERB_MAX];
  const uint8_t *arg;
  size_t arg_len;
  ex_split_verb(l->data, l->len, verb, &arg, &arg_len);
  int k;
  unsigned f;
  bool known = x->p->verb(verb, &k, &f);
  if (kind)
    *kind = k;
  if (flags)
    *flags = f;
  return known;
}

/* Pipelining marks: a command sent while an earlier one still awaited its
 * reply, with no server line between, is pipelined; the first command of
 * such a flight starts a group.  After lost server bytes the awaited reply
 * may have been among them: no claim of pipelining. */
static void mark_pipelining(ex *x, ms_command *c, size_t tl, const char *verb,
                            ms_ts ts) {
  bool pipelined = ex_outstanding(x) > 0 && !x->server_spoke && !x->server_gap;
  if (!pipelined) {
    x->flight_leader_tline = tl;
    x->flight_has_group = false;
    return;
  }
  if (c)
    c->pipelined = true;
  if (!x->flight_has_group) {
    x->flight_has_group = true;
    x->group++;
    ms_tline *leader = ex_tline_at(x, x->flight_leader_tline);
    if (leader) {
      leader->flags |= MS_TL_GROUP_START;
      leader->group = x->group;
    }
    /* Only when the capabilities were seen in this session: a client that
     * did not ask may know the server. */
    if (!x->pipelining && x->caps_known)
      ex_anomaly(x, "pipelining_not_advertised", ts,
                 "%s sent before the previous %s, without PIPELINING", verb,
                 x->p->reply_noun);
  }
  ms_tline *t = ex_tline_at(x, tl);
  if (t) {
    t->flags |= MS_TL_PIPELINED;
    t->group = x->group;
  }
}

void ex_command_begin(ex *x, const ms_line *l, ms_ts ts, ex_cmd *out) {
  memset(out, 0, sizeof *out);
  ex_split_verb(l->data, l->len, out->verb, &out->arg, &out->arg_len);
  out->known = x->p->verb(out->verb, &out->kind, &out->flags);
  if (!out->known) {
    out->kind = 0;
    out->flags = 0;
  }
  out->argstr = out->arg ? wire_strdup(out->arg, out->arg_len) : NULL;
  char *shown = x->p->redact && !x->cfg->show_secrets
                    ? x->p->redact(out->kind, out->verb, out->argstr)
                    : NULL;
  bool record = ex_room(x, ts, x->p->record_needs_transcript);
  if (shown) {
    char *text = xasprintf("%s %s", out->verb, shown);
    out->tl = ex_tline(x, ts, MS_CLIENT, MS_TL_REDACTED, (const uint8_t *)text,
                       strlen(text), NULL);
    free(text);
  } else {
    out->tl = ex_tline(x, ts, MS_CLIENT, 0, l->data, l->len, NULL);
  }
  if (ex_outstanding(x) > 0 && !x->server_spoke && x->last_ends_group &&
      !x->server_gap &&
      x->rec->bytes[MS_SERVER] > 0) /* not in one-sided captures */
    ex_anomaly(x, "pipelining_after_group_end", ts,
               "%s sent in the same flight after %s", out->verb, x->last_verb);
  out->ci = EX_NONE;
  if (record) {
    const char *verb = out->verb[0] ? out->verb : "(EMPTY)";
    if (shown)
      out->c = ms_add_command(x->rec, ts, verb, (const uint8_t *)shown,
                              strlen(shown));
    else
      out->c = ms_add_command(x->rec, ts, verb, out->arg, out->arg_len);
    out->ci = x->rec->commands.len - 1;
  }
  free(shown);
  mark_pipelining(x, out->c, out->tl, out->verb, ts);
  snprintf(x->last_verb, sizeof x->last_verb, "%s", out->verb);
  x->last_ends_group = out->known && (out->flags & EX_ENDS_GROUP);
  x->server_spoke = false;
}

void ex_command_end(ex_cmd *c) {
  free(c->argstr);
  c->argstr = NULL;
}

/* ---- SASL --------------------------------------------------------------- */

/* RFC 4422 3.1: a mechanism name is 1 to 20 of A-Z 0-9 - _ (taken in
 * any case).  Anything else may be a credential glued to the verb. */
static bool mech_name(const char *m, size_t n) {
  if (n < 1 || n > 20)
    return false;
  for (size_t i = 0; i < n; i++)
    if (!isalnum((unsigned char)m[i]) && m[i] != '-' && m[i] != '_')
      return false;
  return true;
}

/* The AUTH line's argument in the record and the transcript. */
static void auth_shown(ex *x, ex_cmd *c, const char *shown) {
  ms_tline *t = ex_tline_at(x, c->tl);
  if (t) {
    free(t->text);
    t->text = xasprintf("AUTH %s", shown);
  }
  if (c->c && c->c->arg) {
    free(c->c->arg);
    c->c->arg = xstrdup(shown);
  }
}

void ex_sasl_begin(ex *x, ex_cmd *c, ms_ts ts) {
  const char *arg = c->argstr ? c->argstr : "";
  size_t ml = strcspn(arg, " \t");
  const char *initial = arg[ml] ? arg + ml + 1 : NULL;
  char mech[24] = "";
  bool valid = mech_name(arg, ml);
  for (size_t i = 0; valid && i < ml; i++)
    mech[i] = (char)toupper((unsigned char)arg[i]);
  if (!valid && ml) { /* shown as nothing but its redaction */
    snprintf(mech, sizeof mech, "(invalid)");
    initial = NULL;
    ex_anomaly(x, "sasl_malformed", ts,
               "AUTH with an argument that is no mechanism name (RFC 4422 "
               "3.1): not shown");
  }
  sasl_view view = {0};
  if (x->sasl)
    sasl_end(x->sasl, MS_AUTH_UNKNOWN, ts);
  x->sasl_cancelled = false;
  x->sasl_failed = false;
  x->sasl =
      sasl_begin(x->rec, x->cfg->show_secrets, mech, (const uint8_t *)initial,
                 initial ? strlen(initial) : 0, ts, &view);
  x->sasl_wants_response = false;
  ms_tline *t = ex_tline_at(x, c->tl);
  if (t && view.note) {
    free(t->note);
    t->note = xstrdup(view.note);
  }
  bool hide = !x->cfg->show_secrets;
  if (hide && !valid && ml) {
    auth_shown(x, c, "<redacted>");
  } else if (hide && view.redacted) {
    char *shown = xasprintf("%s %s", mech, view.redacted);
    auth_shown(x, c, shown);
    free(shown);
  }
  if (t && hide && (view.redacted || view.hidden || (!valid && ml)))
    t->flags |= MS_TL_REDACTED;
  free(view.note);
  free(view.redacted);
}

/* A client line of the open exchange.  One that no challenge asked for
 * (an eager client, or a server that already ended the exchange) is also
 * queued: if the server ended the exchange first, it answers the line as
 * a command; a challenge that comes takes it instead (absorbed). */
static void sasl_line(ex *x, const ms_line *l, ms_ts ts) {
  sasl_view view = {0};
  bool asked = x->sasl_wants_response;
  x->sasl_wants_response = false;
  size_t tl = ex_tline(x, ts, MS_CLIENT, MS_TL_SASL, l->data, l->len, NULL);
  if (!sasl_client(x->sasl, l->data, l->len, ts, &view))
    x->sasl_cancelled = true;
  sasl_view_apply(&view, ex_tline_at(x, tl));
  x->server_spoke = false;
  if (!asked)
    ex_push(x, EX_KIND_SASL_DATA, EX_SASL_DATA, EX_NONE, ts);
}

/* A line after a failed exchange that is no command: a SASL response the
 * client sent too late (the usual case: a password after a refused AUTH
 * LOGIN), never a verb or an anomaly's text.  The server answers it as a
 * command. */
static void late_sasl_line(ex *x, const ms_line *l, ms_ts ts) {
  static const char hidden[] = "<redacted>";
  bool show = x->cfg->show_secrets;
  ex_tline(x, ts, MS_CLIENT, MS_TL_SASL | (show ? 0 : MS_TL_REDACTED),
           show ? l->data : (const uint8_t *)hidden,
           show ? l->len : sizeof hidden - 1, NULL);
  ex_anomaly(x, "sasl_after_failure", ts,
             "a line after a refused AUTH is no command: taken as a SASL "
             "response sent too late, not shown");
  x->server_spoke = false;
  ex_push(x, EX_KIND_SASL_DATA, EX_SASL_DATA, EX_NONE, ts);
}

/* A challenge (334, "+ ") to the AUTH at the head of the queue. */
void ex_sasl_challenge(ex *x, const ex_reply *r) {
  ms_tline *t = ex_tline_at(x, r->tl);
  if (t)
    t->flags |= MS_TL_SASL;
  if (!x->sasl)
    return;
  sasl_view view = {0};
  sasl_server(x->sasl, (const uint8_t *)r->text, strlen(r->text), r->ts, &view);
  if (t && view.note) {
    free(t->note);
    t->note = view.note;
    view.note = NULL;
  }
  free(view.note);
  free(view.redacted);
  /* a line the client sent before this challenge answers it */
  for (size_t i = 1;; i++) {
    ex_pending *p = ex_peek(x, i);
    if (!p || !(p->flags & EX_SASL_DATA))
      break;
    if (!(p->flags & EX_ABSORBED)) {
      p->flags |= EX_ABSORBED;
      return;
    }
  }
  x->sasl_wants_response = true;
}

static ms_auth_result outcome(ms_reply_class cls) {
  switch (cls) {
  case MS_RC_POSITIVE:
    return MS_AUTH_SUCCESS;
  case MS_RC_TRANSIENT:
  case MS_RC_PERMANENT:
    return MS_AUTH_FAILURE;
  default:
    return MS_AUTH_UNKNOWN;
  }
}

/* ---- replies ------------------------------------------------------------ */

/* Hold a copy of r as the tentative greeting. */
static void keep_greeting(ex *x, const ex_reply *src) {
  if (!x->greeting)
    x->greeting = xcalloc(1, sizeof *x->greeting);
  ex_reply *dst = x->greeting;
  reply_free(dst);
  *dst = *src;
  dst->status = src->status ? xstrdup(src->status) : NULL;
  dst->enhanced = src->enhanced ? xstrdup(src->enhanced) : NULL;
  dst->text = xstrdup(src->text ? src->text : "");
  dst->tl = EX_NONE;
}

static void set_command_reply(ex *x, size_t ci, const ex_reply *r) {
  if (ci == EX_NONE || ci >= x->rec->commands.len)
    return;
  ms_reply *m = &x->rec->commands.items[ci].reply;
  if (r->status) {
    ms_reply_clear(m);
    m->present = true;
    m->ts = r->ts;
    m->pop3_status = xstrdup(r->status);
    m->text = xstrdup(r->text);
  } else {
    ms_reply_set(m, r->ts, r->code, r->enhanced, r->text);
  }
}

/* A short name of a reply for anomaly texts: "250", "+OK". */
static void reply_name(const ex_reply *r, char out[16]) {
  if (r->status)
    snprintf(out, 16, "%s", r->status);
  else
    snprintf(out, 16, "%d", r->code);
}

static void greet(ex *x, const ex_reply *r, bool client_first) {
  if (client_first)
    ex_anomaly(x, "client_spoke_first", r->ts,
               "%zu command(s) sent before the server's greeting",
               ex_outstanding(x));
  x->greeted = true;
  x->p->on_greeting(x->owner, r);
}

/* The first reply answers the oldest command: there was no greeting, or
 * the capture began after it. */
static void no_greeting(ex *x, const ex_reply *r) {
  char name[16];
  reply_name(r, name);
  x->greeted = true;
  const ex_pending *head = ex_peek(x, 0);
  if (!head)
    ex_anomaly(x, "greeting_missing", r->ts,
               "the capture began after the greeting: the first %s (%s) "
               "answers a command sent before it",
               x->p->reply_noun, name);
  else if (x->rec->midstream)
    ex_anomaly(x, "greeting_missing", r->ts,
               "the capture began after the greeting: the first %s (%s) "
               "answers %s",
               x->p->reply_noun, name, ex_verb_of(x, head));
  else
    ex_anomaly(x, "greeting_missing", r->ts,
               "no greeting: the server's first %s (%s) answers %s",
               x->p->reply_noun, name, ex_verb_of(x, head));
}

/* The oldest command leaves the queue without a reply. */
static void drop_head(ex *x) {
  uint8_t buf[256];
  void *p =
      x->p->pending_size <= sizeof buf ? buf : xmalloc(x->p->pending_size);
  if (ex_pop(x, p)) {
    if (x->p->on_unanswered)
      x->p->on_unanswered(x->owner, p);
    pending_free(x, p);
  }
  if (p != buf)
    free(p);
}

/* SASL lines a challenge took are owed no reply of their own. */
static void drop_absorbed(ex *x) {
  ex_pending *head;
  while ((head = ex_peek(x, 0)) && (head->flags & EX_ABSORBED)) {
    x->qhead++;
    if (x->qhead == x->qlen)
      x->qlen = x->qhead = 0;
  }
}

/* The first reply of the session: the greeting, unless it answers a
 * command.  Nothing outstanding: the greeting (in a midstream capture
 * only when the protocol says it may be one; otherwise it answers a
 * command sent before the capture).  Commands outstanding: in a midstream
 * capture, or when its shape says it cannot be a greeting, it answers the
 * oldest; else the protocol decides now or later (ex_proto.greeting_shape).
 * Returns true when the reply was used up as (or held for) the greeting. */
static bool greeting(ex *x, const ex_reply *r) {
  size_t n = ex_outstanding(x);
  ex_greeting_shape shape = x->p->greeting_shape(x->owner, r, ex_peek(x, 0));
  if (n == 0) {
    if (x->rec->midstream && shape == EX_GREETING_NO) {
      no_greeting(x, r); /* its command is not in the capture */
      return true;
    }
    greet(x, r, false);
    return true;
  }
  if (x->rec->midstream || shape == EX_GREETING_NO) {
    no_greeting(x, r);
    return false;
  }
  if (shape == EX_GREETING_LATER) {
    keep_greeting(x, r);
    x->greeting_later = true;
    return true;
  }
  if (shape == EX_GREETING_MAYBE) {
    x->greeting_may_answer = true;
    keep_greeting(x, r);
  }
  greet(x, r, true);
  return true;
}

void ex_greeting_settle(ex *x, bool was_greeting) {
  if (!x->greeting_later)
    return;
  x->greeting_later = false;
  ex_reply r = *x->greeting;
  free(x->greeting);
  x->greeting = NULL;
  if (was_greeting) {
    greet(x, &r, true);
  } else {
    no_greeting(x, &r);
    ex_reply_done(x, &r);
  }
  reply_free(&r);
}

/* The client sent its next command before any reply but the greeting: it
 * took the greeting as the answer to its oldest command.  The server sent
 * one line, its greeting; that command is left without a reply (the server
 * sent it none) so that later replies pair with later commands. */
void ex_greeting_was_answer(ex *x) {
  x->greeting_may_answer = false;
  drop_greeting(x);
  drop_head(x);
}

void ex_reply_done(ex *x, const ex_reply *r) {
  if (!x->greeted && greeting(x, r))
    return;
  x->greeted = true;
  x->greeting_may_answer = false;
  drop_absorbed(x);
  ex_pending *head = ex_peek(x, 0);
  if (head && (head->flags & EX_SASL) && r->cls == MS_RC_INTERMEDIATE) {
    ex_sasl_challenge(x, r);
    return; /* the AUTH command stays outstanding until its final reply */
  }
  uint8_t buf[256];
  void *pend =
      x->p->pending_size <= sizeof buf ? buf : xmalloc(x->p->pending_size);
  if (!ex_pop(x, pend)) {
    if (x->untracked)
      x->untracked--; /* the reply to a command not tracked */
    else if (x->tls[MS_CLIENT] != EX_TLS_RECORDS &&
             x->tls[MS_CLIENT] != EX_TLS_OPAQUE)
      x->p->on_unsolicited(x->owner, r); /* (what TLS sent is unseen) */
    if (pend != buf)
      free(pend);
    return;
  }
  ex_pending *p = pend;
  set_command_reply(x, p->cmd, r);
  if (p->flags & EX_SASL) {
    ms_auth_result res = outcome(r->cls);
    if (x->sasl)
      sasl_end(x->sasl, res, r->ts);
    x->sasl = NULL;
    x->sasl_wants_response = false;
    x->sasl_failed = res == MS_AUTH_FAILURE;
  }
  if (p->flags & EX_TLS)
    ex_tls_replied(x, r->cls == MS_RC_POSITIVE, r->ts);
  if (!(p->flags & EX_SASL_DATA))
    x->p->on_reply(x->owner, p, r);
  pending_free(x, p);
  drop_absorbed(x);
  if (pend != buf)
    free(pend);
}

void ex_drop_lost(ex *x, ms_ts ts) {
  while (ex_outstanding(x) >= 2) {
    const ex_pending *head = ex_peek(x, 0), *next = ex_peek(x, 1);
    bool waits = (head->flags & (EX_ENDS_GROUP | EX_WAITS)) || !x->pipelining;
    if (!waits || (head->flags & EX_AUTH) || next->sent >= ts)
      break;
    ex_anomaly(x, x->p->lost_name, ts,
               "the %s to %s was in the lost server bytes", x->p->reply_noun,
               ex_verb_of(x, head));
    drop_head(x);
  }
}

void ex_unanswered(ex *x) {
  while (ex_outstanding(x))
    drop_head(x);
}

/* ---- the client side ---------------------------------------------------- */

void ex_client_line(ex *x, const ms_line *l, ms_ts ts) {
  if (l->after_gap && !known_verb(x, l, NULL, NULL))
    return; /* the tail of a line whose start was lost */
  if (l->too_long)
    ms_limit_hit(x->rec, MS_LIMIT_LINE, "line_too_long", ts,
                 "client line longer than %zu bytes (--max-line)",
                 x->cfg->max_line);
  line_check_controls(x->rec, &x->controls_warned, MS_CLIENT, l);
  /* Fail-safe: every line between AUTH and its final reply is SASL data,
   * whether a challenge asked for it or not; only a line the protocol
   * knows as a command, sent while no challenge waits, is a command (RFC
   * 4954 4: a client may pipeline after an initial response that ends the
   * exchange).  After a refused exchange, lines that are no command are
   * late SASL responses. */
  bool known = known_verb(x, l, NULL, NULL);
  if (x->sasl && (x->sasl_wants_response || !known)) {
    sasl_line(x, l, ts);
    return;
  }
  if (x->sasl_failed && !known) {
    late_sasl_line(x, l, ts);
    return;
  }
  x->sasl_failed = false;
  if (x->greeting_may_answer)
    ex_greeting_was_answer(x);
  x->p->command(x->owner, l, ts);
}

static void run_due(ex *x, ms_ts ts) {
  ex_tls_replay(x, ts);
  if (x->due && x->p->due) {
    x->due = false;
    x->p->due(x->owner, ts);
  }
}

size_t ex_client_bytes(ex *x, const uint8_t *data, size_t n, ms_ts ts) {
  const uint8_t *cur = data, *end = data + n;
  while (cur < end && !x->stop) {
    ex_step step = ex_tls_client(x, &cur, end, ts);
    if (step == EX_STEP_TLS)
      return (size_t)(cur - data);
    if (step == EX_STEP_TAKEN)
      continue;
    if (x->p->client_raw && x->p->client_raw(x->owner, &cur, end, ts))
      continue;
    ms_line l;
    if (!line_reader_next(&x->lines[MS_CLIENT], &cur, end, ts, &l))
      break;
    ex_client_line(x, &l, ts);
    run_due(x, ts);
  }
  return n;
}

/* A cut command line worth keeping: a known verb whose cut argument does
 * not steer what follows. */
void ex_salvage_command(ex *x) {
  ms_line l;
  int kind;
  unsigned flags;
  if (x->sasl || !line_reader_take_cut(&x->lines[MS_CLIENT], &l) ||
      !known_verb(x, &l, &kind, &flags) || (flags & EX_NO_SALVAGE))
    return;
  /* the anomaly shows the argument as the command record would */
  char verb[EX_VERB_MAX];
  const uint8_t *arg;
  size_t arg_len;
  ex_split_verb(l.data, l.len, verb, &arg, &arg_len);
  char *argstr = arg ? wire_strdup(arg, arg_len) : NULL;
  char *shown = x->p->redact && !x->cfg->show_secrets
                    ? x->p->redact(kind, verb, argstr)
                    : NULL;
  if (shown) {
    ex_anomaly(x, "command_cut", l.ts, "%s %s... (the rest was lost)", verb,
               shown);
  } else {
    char *text = ex_wire_text(l.data, l.len, 200);
    ex_anomaly(x, "command_cut", l.ts, "%s... (the rest was lost)", text);
    free(text);
  }
  free(shown);
  free(argstr);
  ex_client_line(x, &l, l.ts);
}

/* ---- the server side ---------------------------------------------------- */

void ex_server_line(ex *x, const ms_line *l, ms_ts ts) {
  if (l->too_long)
    ms_limit_hit(x->rec, MS_LIMIT_LINE, "line_too_long", ts,
                 "server line longer than %zu bytes (--max-line)",
                 x->cfg->max_line);
  /* the protocol may first finish a reply the line shows was complete,
   * then take the line itself after what that reply made due */
  while (!x->p->server_line(x->owner, l, ts) && !x->stop)
    run_due(x, ts);
  run_due(x, ts);
}

static size_t server_bytes(ex *x, const uint8_t *data, size_t n, ms_ts ts) {
  const uint8_t *cur = data, *end = data + n;
  while (cur < end && !x->stop) {
    ex_step step = ex_tls_server(x, &cur, end, ts);
    if (step == EX_STEP_TLS)
      return (size_t)(cur - data);
    if (step == EX_STEP_TAKEN)
      continue;
    if (x->p->server_raw && x->p->server_raw(x->owner, &cur, end, ts)) {
      run_due(x, ts);
      continue;
    }
    ms_line l;
    if (!line_reader_next(&x->lines[MS_SERVER], &cur, end, ts, &l))
      break;
    ex_server_line(x, &l, ts);
  }
  return n;
}

ms_verdict ex_on_data(void *state, ms_dir dir, const uint8_t *data, size_t n,
                      ms_ts ts, size_t *used) {
  ex *x = state;
  *used = dir == MS_CLIENT ? ex_client_bytes(x, data, n, ts)
                           : server_bytes(x, data, n, ts);
  ex_charge(x);
  if (x->stop) {
    if (x->stop_note) {
      ex_notice(x, ts, MS_SERVER, x->stop_note);
      x->stop_note = NULL;
    }
    return MS_STOP;
  }
  return *used < n || x->tls[dir] == EX_TLS_RECORDS ? MS_TLS : MS_CONTINUE;
}

void ex_gap_notice(ex *x, ms_dir dir, uint64_t n, ms_ts ts) {
  char note[64];
  snprintf(note, sizeof note, "%llu bytes missing here", (unsigned long long)n);
  ex_notice(x, ts, dir, note);
}

void ex_on_tls(void *state, ms_dir dir, ms_tls_state what, ms_ts ts) {
  ex_tls(state, dir, what, ts);
  ex_charge(state);
}

void ex_close(ex *x, ms_ts ts) {
  ex_greeting_settle(x, true);
  if (x->tls[MS_CLIENT] == EX_TLS_ASKED) { /* no reply ever came */
    x->tls[MS_CLIENT] = EX_TLS_NONE;
    x->tls_replay = x->tls_held_len > 0;
    ex_tls_replay(x, ts);
  }
  if (x->sasl) {
    sasl_end(x->sasl, MS_AUTH_UNKNOWN, ts);
    x->sasl = NULL;
  }
}
