/* pop3.c - the POP3 dissector (RFC 1939, 2449, 5034, 2595, 3206, 6856).
 *
 * Client lines are commands; each server status line (+OK / -ERR) answers
 * the oldest outstanding command, so pipelined commands (RFC 2449) pair
 * exactly.  After +OK to CAPA, LIST or UIDL without argument, RETR, TOP,
 * AUTH or LANG without argument, the response runs to the "." line: list
 * responses are read line by line, RETR/TOP messages are scanned as a
 * stream (dotbody.h) into the message layer.  docs/pop3.md lists every
 * anomaly.
 */
#include <ctype.h>
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

#define SPILL_MSG ((size_t)-2) /* a retrieval beyond --max-commands */
#define MAX_UID 70             /* RFC 1939 7: a unique-id is 1 to 70 chars */
#define MAX_LISTING 100000     /* messages whose size/uid are kept */
#define MAX_UNORDERED 4096     /* beyond this many, listings only append */

typedef enum {
  P_OTHER,
  P_USER,
  P_PASS,
  P_APOP,
  P_AUTH,
  P_STAT,
  P_LIST,
  P_UIDL,
  P_RETR,
  P_TOP,
  P_DELE,
  P_RSET,
  P_QUIT,
  P_CAPA,
  P_STLS,
  P_LANG,
  P_NOOP,
  P_UTF8
} p3_kind;

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

typedef struct {
  p3_kind kind;
  size_t cmd;   /* index in rec->commands or (size_t)-1 */
  bool has_arg; /* LIST n / UIDL n: single line */
  long number;  /* message number argument */
  char *user;   /* PASS / APOP / USER: the login tried (owned) */
  char *secret; /* PASS / APOP: password or digest as sent (owned) */
  ms_ts sent;
} p3_pending;

typedef enum {
  SV_STATUS,  /* expecting +OK / -ERR */
  SV_LIST,    /* multi-line listing, line by line */
  SV_MESSAGE, /* RETR / TOP body */
  SV_STOPPED
} sv_mode;

typedef struct {
  long number;
  uint64_t size;
  char *uid;
  bool has_size;
} listing_entry;

typedef struct {
  ms_session *rec;
  const ms_dissect_config *cfg;
  line_reader lines[2];
  VEC(p3_pending) queue;
  size_t qhead;
  sv_mode mode;
  p3_pending current; /* the command whose multi-line response is read */
  bool greeted, logged_in, quit_seen, server_spoke;
  bool capa_seen; /* a CAPA listing was answered: PIPELINING is known */
  size_t flight_leader_tline;
  bool flight_has_group;
  char *pending_user;
  char *apop_challenge;
  VEC(listing_entry) listing; /* sorted by number, at most MAX_LISTING */
  /* message being retrieved */
  dot_scanner body;
  line_reader body_lines;
  ms_msg_parser *msg;
  size_t msg_index;      /* in rec->messages, or SPILL_MSG */
  ms_pop3_message spill; /* retrieved beyond --max-commands: not recorded */
  ms_ts now;
  sasl_exchange *sasl;
  bool sasl_wants_response;
  bool sasl_cancelled;
  char auth_mech[64]; /* mechanism of the AUTH exchange under way */
  bool stop;
  const char *stop_note; /* transcript notice when decoding stops */
  bool record_full_warned;
  bool queue_full_warned;
  uint64_t untracked; /* commands beyond MS_MAX_OUTSTANDING */
  bool list_full_warned;
  bool controls_warned;
  bool deletions_committed;
  int unknown_before_greeting;
  /* the message being retrieved: octets carried, bare LFs, last bytes */
  uint64_t msg_octets, msg_bare_lf;
  uint8_t msg_tail[4];
  bool msg_gap;
  bool server_gap; /* server bytes lost: resync at the next response */
} pop3;

/* ---- recording ---------------------------------------------------------- */

static size_t add_tline(pop3 *st, ms_ts ts, ms_dir dir, unsigned flags,
                        const uint8_t *p, size_t n, const char *note) {
  if (!st->cfg->transcript ||
      st->rec->transcript.len >= st->cfg->max_commands * 4)
    return (size_t)-1;
  ms_add_tline(st->rec, ts, dir, flags, p, n, note);
  return st->rec->transcript.len - 1;
}

static ms_tline *tline_at(pop3 *st, size_t i) {
  return i < st->rec->transcript.len ? &st->rec->transcript.items[i] : NULL;
}

/* --max-commands reached: said once; later commands, retrievals and
 * deletions are decoded but not recorded. */
static void record_full(pop3 *st, ms_ts ts) {
  if (st->record_full_warned)
    return;
  st->record_full_warned = true;
  ms_limit_hit(st->rec, MS_LIMIT_COMMANDS, "record_limit", ts,
               "more than %zu commands (--max-commands): later ones are "
               "decoded but not recorded",
               st->cfg->max_commands);
}

/* The message being retrieved, or NULL. */
static ms_pop3_message *retrieval(pop3 *st) {
  if (st->msg_index == SPILL_MSG)
    return &st->spill;
  return st->msg_index < st->rec->messages.len
             ? &st->rec->messages.items[st->msg_index]
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

/* ---- queue -------------------------------------------------------------- */

static size_t outstanding(const pop3 *st) { return st->queue.len - st->qhead; }

static void pending_free(p3_pending *p) {
  free(p->user);
  free(p->secret);
  p->user = p->secret = NULL;
}

/* Takes p's strings.  Beyond MS_MAX_OUTSTANDING, commands are only
 * counted (untracked): responses pair with the tracked ones first, in
 * order, then use up the count. */
static void push_pending(pop3 *st, p3_pending *p, ms_ts ts) {
  if (st->untracked || outstanding(st) >= MS_MAX_OUTSTANDING) {
    if (!st->queue_full_warned)
      ms_limit_hit(st->rec, MS_LIMIT_OUTSTANDING, "too_many_outstanding", ts,
                   "%d commands without response: later ones are not paired",
                   MS_MAX_OUTSTANDING);
    st->queue_full_warned = true;
    st->untracked++;
    pending_free(p);
    return;
  }
  if (st->qhead > 1024) {
    memmove(st->queue.items, st->queue.items + st->qhead,
            outstanding(st) * sizeof(p3_pending));
    st->queue.len -= st->qhead;
    st->qhead = 0;
  }
  p->sent = ts;
  *vec_push(&st->queue) = *p;
}

static bool pop_pending(pop3 *st, p3_pending *out) {
  if (!outstanding(st))
    return false;
  *out = st->queue.items[st->qhead++];
  if (st->qhead == st->queue.len)
    st->queue.len = st->qhead = 0;
  return true;
}

/* The peers speak something else (a service on a POP3 port, or a port
 * given with --port): one anomaly, and decoding stops. */
static void not_pop3(pop3 *st, const char *why, const ms_line *l, ms_ts ts) {
  ms_add_anomaly(st->rec, "not_pop3", ts, "%s: %.*s", why,
                 (int)(l->len < 80 ? l->len : 80), (const char *)l->data);
  st->stop = true;
  st->stop_note = "not POP3: the rest is not decoded";
}

/* ---- client ------------------------------------------------------------- */

static const p3_verb *find_verb(const char *v) {
  for (size_t i = 0; i < sizeof verbs / sizeof verbs[0]; i++)
    if (!strcmp(verbs[i].verb, v))
      return &verbs[i];
  return NULL;
}

static long parse_number(const char *s, bool *ok) {
  *ok = false;
  if (!s)
    return 0;
  while (*s == ' ')
    s++;
  char *end;
  long v = strtol(s, &end, 10);
  if (end == s || v < 0 || v > 1000000000L)
    return 0;
  *ok = true;
  return v;
}

/* "n rest": the text after the number and its spaces. */
static const char *after_number(const char *s) {
  while (*s == ' ')
    s++;
  while (isdigit((unsigned char)*s))
    s++;
  while (*s == ' ')
    s++;
  return s;
}

static bool pipelining_advertised(const pop3 *st) {
  for (size_t i = 0; i < st->rec->capabilities.len; i++)
    if (!strcasecmp(st->rec->capabilities.items[i], "PIPELINING"))
      return true;
  return false;
}

static void mark_pipelining(pop3 *st, ms_command *c, size_t tl, ms_ts ts) {
  /* after lost server bytes, the awaited response may have been among
   * them: no claim of pipelining */
  bool pipelined = outstanding(st) > 0 && !st->server_spoke && !st->server_gap;
  if (!pipelined) {
    st->flight_leader_tline = tl;
    st->flight_has_group = false;
    return;
  }
  if (c)
    c->pipelined = true;
  ms_tline *t = tline_at(st, tl);
  if (t)
    t->flags |= MS_TL_PIPELINED;
  if (!st->flight_has_group) {
    st->flight_has_group = true;
    ms_tline *leader = tline_at(st, st->flight_leader_tline);
    if (leader)
      leader->flags |= MS_TL_GROUP_START;
    /* Only when CAPA was answered in this session: a client that did
     * not ask may know the server (as SMTP needs the EHLO reply). */
    if (!pipelining_advertised(st) && st->capa_seen)
      ms_add_anomaly(st->rec, "pipelining_not_advertised", ts,
                     "command sent before the previous response, without "
                     "PIPELINING in CAPA");
  }
}

/* The wire text of a command, with its secret hidden when needed. */
static char *shown_text(pop3 *st, p3_kind kind, const char *verb,
                        const char *arg) {
  if (st->cfg->show_secrets || !arg)
    return NULL;
  if (kind == P_PASS)
    return xasprintf("%s <redacted>", verb);
  if (kind == P_APOP) {
    size_t nl = strcspn(arg, " ");
    return xasprintf("%s %.*s <redacted>", verb, (int)nl, arg);
  }
  return NULL;
}

/* Record one USER/PASS or APOP attempt when its outcome is known (or the
 * session ended first).  As for SASL (sasl.c): every attempt counts, and
 * the auth fields describe the successful login if there was one, else the
 * last attempt. */
static void commit_login(pop3 *st, const p3_pending *p, ms_auth_result result) {
  ms_auth *a = &st->rec->auth;
  a->present = true;
  a->attempts++;
  if (result == MS_AUTH_FAILURE)
    a->failures++;
  if (a->result == MS_AUTH_SUCCESS && result != MS_AUTH_SUCCESS)
    return;
  ms_auth_clear(a); /* keeps the counters */
  a->present = true;
  a->mechanism = xstrdup(p->kind == P_APOP ? "APOP" : "USER");
  a->username = p->user ? xstrdup(p->user) : NULL;
  if (p->secret)
    a->password = xstrdup(st->cfg->show_secrets ? p->secret : "<redacted>");
  if (p->kind == P_APOP && st->apop_challenge)
    a->challenge = xstrdup(st->apop_challenge);
  a->result = result;
}

static void command_line(pop3 *st, const ms_line *l, ms_ts ts) {
  char verb[16];
  size_t i = 0;
  while (i < l->len && l->data[i] != ' ' && i < 15) {
    verb[i] = (char)toupper(l->data[i]);
    i++;
  }
  verb[i] = '\0';
  while (i < l->len && l->data[i] != ' ')
    i++;
  const uint8_t *argp = i < l->len ? l->data + i + 1 : NULL;
  size_t arg_len = argp ? l->len - i - 1 : 0;
  char *arg = argp ? wire_strdup(argp, arg_len) : NULL;
  const p3_verb *vi = find_verb(verb);
  p3_kind kind = vi ? vi->kind : P_OTHER;

  char *shown = shown_text(st, kind, verb, arg);
  size_t tl = shown ? add_tline(st, ts, MS_CLIENT, 0, (const uint8_t *)shown,
                                strlen(shown), NULL)
                    : add_tline(st, ts, MS_CLIENT, 0, l->data, l->len, NULL);
  ms_command *c = NULL;
  size_t ci = (size_t)-1;
  if (st->rec->commands.len < st->cfg->max_commands) {
    const char *recorded_arg = arg;
    char *redacted_arg = NULL;
    if (shown) {
      redacted_arg = xstrdup(shown + strlen(verb) + 1);
      recorded_arg = redacted_arg;
    }
    c = ms_add_command(st->rec, ts, verb[0] ? verb : "(EMPTY)",
                       (const uint8_t *)recorded_arg,
                       recorded_arg ? strlen(recorded_arg) : 0);
    free(redacted_arg);
    ci = st->rec->commands.len - 1;
  } else {
    record_full(st, ts);
  }
  free(shown);
  mark_pipelining(st, c, tl, ts);
  st->server_spoke = false;
  if (!vi) {
    ms_add_anomaly(st->rec, "unknown_command", ts, "%.*s",
                   (int)(l->len < 200 ? l->len : 200), (const char *)l->data);
    if (!st->greeted && !st->rec->midstream &&
        ++st->unknown_before_greeting >= 3)
      not_pop3(st, "the client speaks first, and not POP3", l, ts);
  } else if (vi->needs_login && !st->logged_in && !st->rec->midstream)
    ms_add_anomaly(st->rec, "command_before_login", ts,
                   "%s before a successful login", verb);
  /* once each time the count crosses the limit */
  if (outstanding(st) + 1 == st->cfg->max_pipeline + 1 && st->cfg->max_pipeline)
    ms_limit_hit(st->rec, MS_LIMIT_PIPELINE, "too_many_outstanding", ts,
                 "%zu commands awaiting responses (--max-pipeline %zu)",
                 outstanding(st) + 1, st->cfg->max_pipeline);

  p3_pending p = {kind, ci, arg != NULL && arg[0] != '\0', 0, NULL, NULL, 0};
  bool ok;
  p.number = parse_number(arg, &ok);
  switch (kind) {
  case P_USER:
    free(st->pending_user);
    st->pending_user = arg ? xstrdup(arg) : NULL;
    p.user = arg ? xstrdup(arg) : NULL;
    break;
  case P_PASS:
    p.user = st->pending_user ? xstrdup(st->pending_user) : NULL;
    p.secret = xstrdup(arg ? arg : "");
    break;
  case P_APOP: {
    size_t nl = arg ? strcspn(arg, " ") : 0;
    p.user = arg ? xstrndup(arg, nl) : NULL;
    p.secret = xstrdup(arg && arg[nl] ? arg + nl + 1 : "");
    break;
  }
  case P_AUTH:
    if (p.has_arg) {
      char mech[64];
      size_t ml = strcspn(arg, " ");
      if (ml >= sizeof mech)
        ml = sizeof mech - 1;
      for (size_t k = 0; k < ml; k++)
        mech[k] = (char)toupper((unsigned char)arg[k]);
      mech[ml] = '\0';
      memcpy(st->auth_mech, mech, ml + 1);
      const char *initial = arg[ml] == ' ' ? arg + ml + 1 : NULL;
      sasl_view view = {0};
      if (st->sasl)
        sasl_end(st->sasl, MS_AUTH_UNKNOWN, ts);
      st->sasl_cancelled = false;
      st->sasl = sasl_begin(st->rec, st->cfg->show_secrets, mech,
                            (const uint8_t *)initial,
                            initial ? strlen(initial) : 0, ts, &view);
      ms_tline *t = tline_at(st, tl);
      if (t && view.note) {
        t->note = view.note;
        view.note = NULL;
      }
      if (view.redacted) {
        if (t) {
          free(t->text);
          t->text = xasprintf("AUTH %s %s", mech, view.redacted);
        }
        if (c) {
          free(c->arg);
          c->arg = xasprintf("%s %s", mech, view.redacted);
        }
      }
      free(view.note);
      free(view.redacted);
      st->sasl_wants_response = false;
    }
    break;
  case P_RETR:
  case P_TOP:
  case P_DELE:
    if (!ok)
      ms_add_anomaly(st->rec, "bad_argument", ts, "%s without a message number",
                     verb);
    else if (kind == P_TOP && !isdigit((unsigned char)*after_number(arg)))
      ms_add_anomaly(st->rec, "bad_argument", ts, "%s",
                     "TOP without the number of lines");
    break;
  default:
    break;
  }
  free(arg);
  push_pending(st, &p, ts);
}

static bool plausible_command(const ms_line *l) {
  char verb[16];
  size_t i = 0;
  while (i < l->len && l->data[i] != ' ' && i < 15) {
    verb[i] = (char)toupper(l->data[i]);
    i++;
  }
  verb[i] = '\0';
  return find_verb(verb) != NULL;
}

/* A cut command line worth keeping: a known verb, not AUTH (a cut initial
 * response would be decoded as a whole one). */
static bool salvageable_command(const ms_line *l) {
  return plausible_command(l) &&
         !(l->len >= 4 && !strncasecmp((const char *)l->data, "AUTH", 4));
}

static void client_line(pop3 *st, const ms_line *l, ms_ts ts) {
  if (l->after_gap && !plausible_command(l))
    return; /* the tail of a line whose start was lost */
  if (l->too_long)
    ms_limit_hit(st->rec, MS_LIMIT_LINE, "line_too_long", ts,
                 "client line longer than %zu bytes (--max-line)",
                 st->cfg->max_line);
  line_check_controls(st->rec, &st->controls_warned, MS_CLIENT, l);
  if (st->sasl && st->sasl_wants_response) {
    st->sasl_wants_response = false;
    sasl_view view = {0};
    size_t tl = add_tline(st, ts, MS_CLIENT, 0, l->data, l->len, NULL);
    if (!sasl_client(st->sasl, l->data, l->len, ts, &view))
      st->sasl_cancelled = true;
    sasl_view_apply(&view, tline_at(st, tl));
    st->server_spoke = false;
    return;
  }
  command_line(st, l, ts);
}

/* ---- server: status lines ----------------------------------------------- */

static bool multiline_on_ok(const p3_pending *p) {
  switch (p->kind) {
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

static void set_reply(pop3 *st, size_t ci, bool ok, const char *text,
                      ms_ts ts) {
  if (ci >= st->rec->commands.len)
    return;
  ms_reply *r = &st->rec->commands.items[ci].reply;
  ms_reply_clear(r);
  r->present = true;
  r->ts = ts;
  r->pop3_status = xstrdup(ok ? "+OK" : "-ERR");
  r->text = xstrdup(text);
}

static void login_failed(pop3 *st, const char *mech, const char *user,
                         const char *text, ms_ts ts) {
  ms_add_anomaly(st->rec, "login_failed", ts, "%s login%s%s failed: %s", mech,
                 user ? " of " : "", user ? user : "", text);
}

static void login_result(pop3 *st, const p3_pending *p, bool ok,
                         const char *text, ms_ts ts) {
  commit_login(st, p, ok ? MS_AUTH_SUCCESS : MS_AUTH_FAILURE);
  if (ok)
    st->logged_in = true;
  else
    login_failed(st, p->kind == P_APOP ? "APOP" : "USER", p->user, text, ts);
}

/* AUTH refused: the SASL module counted it; name the user when the auth
 * fields describe this attempt (no earlier success shadows it). */
static void auth_refused(pop3 *st, const char *text, ms_ts ts) {
  const ms_auth *a = &st->rec->auth;
  bool this_one = a->result == MS_AUTH_FAILURE;
  char *mech = xasprintf("AUTH %s", st->auth_mech);
  login_failed(st, mech, this_one ? a->username : NULL, text, ts);
  free(mech);
}

/* USER refused: a failed attempt of its own, unless the client already sent
 * the PASS that goes with it (that one's -ERR will count). */
static void user_refused(pop3 *st, const p3_pending *p, const char *text,
                         ms_ts ts) {
  for (size_t i = st->qhead; i < st->queue.len; i++) {
    p3_kind k = st->queue.items[i].kind;
    if (k == P_PASS)
      return;
    if (k == P_USER || k == P_APOP || k == P_AUTH)
      break;
  }
  commit_login(st, p, MS_AUTH_FAILURE);
  login_failed(st, "USER", p->user, text, ts);
}

static void start_retrieval(pop3 *st, const p3_pending *p, ms_ts ts) {
  if (st->msg) { /* not expected: a retrieval is finished before another */
    ms_msg_end(st->msg, true, ts);
    st->msg = NULL;
  }
  ms_pop3_message *m;
  if (st->rec->messages.len < st->cfg->max_commands) {
    m = vec_push(&st->rec->messages);
    st->msg_index = st->rec->messages.len - 1;
  } else {
    record_full(st, ts);
    ms_pop3_message_free(&st->spill);
    memset(&st->spill, 0, sizeof st->spill);
    m = &st->spill;
    st->msg_index = SPILL_MSG;
  }
  m->number = (int)p->number;
  m->command = xstrdup(p->kind == P_RETR ? "RETR" : "TOP");
  listing_entry *e = listing_for(st, p->number, false);
  if (e && e->uid)
    m->uid = xstrdup(e->uid);
  m->message = ms_message_new();
  char label[32];
  snprintf(label, sizeof label, "m%ld%s", p->number,
           p->kind == P_TOP ? "-top" : "");
  st->msg = ms_msg_begin(st->rec, m->message, st->cfg, label, ts);
  if (p->kind == P_TOP) /* TOP n m: headers and m body lines only */
    ms_msg_set_preview(st->msg);
  dot_scan_begin(&st->body);
  st->msg_octets = st->msg_bare_lf = 0;
  memset(st->msg_tail, 0, sizeof st->msg_tail);
  st->msg_gap = false;
  line_reader_free(&st->body_lines);
  line_reader_init(&st->body_lines, st->cfg->max_line);
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

static void finish_retrieval(pop3 *st, bool truncated, ms_ts ts) {
  ms_pop3_message *m = retrieval(st);
  if (!m)
    return;
  if (st->msg) {
    ms_msg_end(st->msg, truncated || st->msg_gap, ts);
    st->msg = NULL;
  }
  if (st->cfg->full_bodies && st->cfg->transcript) {
    ms_line l;
    if (line_reader_flush(&st->body_lines, ts, &l))
      add_tline(st, ts, MS_SERVER, MS_TL_BODY, l.data, l.len, NULL);
  }
  truncated |= st->msg_gap;
  m->bytes = st->msg_octets;
  if (m->message) {
    if (st->cfg->transcript) {
      char *sum = ms_msg_summary(m->message);
      add_tline(st, ts, MS_SERVER, MS_TL_SUMMARY, (const uint8_t *)sum,
                strlen(sum), NULL);
      free(sum);
    }
  }
  listing_entry *e = listing_for(st, m->number, false);
  if (!truncated && st->current.kind == P_RETR && e && e->has_size &&
      !size_matches(st, e->size))
    ms_add_anomaly(st->rec, "retr_size_mismatch", ts,
                   "message %d: LIST said %llu octets, RETR carried %llu",
                   m->number, (unsigned long long)e->size,
                   (unsigned long long)(m->bytes + st->msg_bare_lf));
  st->msg_index = (size_t)-1;
}

static void handle_response(pop3 *st, const p3_pending *answered, bool ok,
                            const char *text, ms_ts ts);

/* "n size" (LIST) or "n unique-id" (UIDL), from a listing line or a
 * single-line response. */
static void listing_fact(pop3 *st, p3_kind kind, const char *text, ms_ts ts) {
  bool valid;
  long num = parse_number(text, &valid);
  listing_entry *e = valid ? listing_for(st, num, true) : NULL;
  if (!e)
    return;
  const char *rest = after_number(text);
  if (kind == P_LIST) {
    e->size = strtoull(rest, NULL, 10);
    e->has_size = true;
    return;
  }
  size_t n = strcspn(rest, " ");
  if (n > MAX_UID) {
    ms_add_anomaly(st->rec, "malformed_response", ts,
                   "a unique-id of %zu characters (at most %d): cut", n,
                   MAX_UID);
    n = MAX_UID;
  }
  free(e->uid);
  e->uid = xstrndup(rest, n);
}

static void status_reply(pop3 *st, bool ok, const char *text, size_t tl,
                         ms_ts ts) {
  /* A server greets before it reads commands, so its first line is the
   * greeting; in a midstream capture only when nothing is outstanding. */
  if (!st->greeted && (!st->rec->midstream || outstanding(st) == 0)) {
    st->greeted = true;
    free(st->rec->banner);
    st->rec->banner = xstrdup(text);
    const char *lt = strchr(text, '<'), *gt = lt ? strchr(lt, '>') : NULL;
    if (lt && gt && memchr(lt, '@', (size_t)(gt - lt)))
      st->apop_challenge = xstrndup(lt, (size_t)(gt - lt + 1));
    if (!ok)
      ms_add_anomaly(st->rec, "greeting_refused", ts, "-ERR %s", text);
    return;
  }
  st->greeted = true;
  p3_pending p;
  if (!pop_pending(st, &p)) {
    if (st->untracked)
      st->untracked--; /* the response to a command not tracked */
    /* An -ERR nobody asked for is a server closing the session (dovecot:
     * "Too many invalid bad commands.", "Disconnected for inactivity."),
     * as SMTP's unsolicited 421; an unasked +OK is out of step. */
    else if (ok)
      ms_add_anomaly(st->rec, "response_without_command", ts, "+OK %s", text);
    return;
  }
  (void)tl;
  set_reply(st, p.cmd, ok, text, ts);
  handle_response(st, &p, ok, text, ts);
  pending_free(&p);
}

/* What a status line means for the command it answers. */
static void handle_response(pop3 *st, const p3_pending *answered, bool ok,
                            const char *text, ms_ts ts) {
  p3_pending p = *answered;
  switch (p.kind) {
  case P_PASS:
  case P_APOP:
    login_result(st, &p, ok, text, ts);
    break;
  case P_USER:
    if (!ok)
      user_refused(st, &p, text, ts);
    break;
  case P_AUTH:
    if (st->sasl) {
      sasl_end(st->sasl, ok ? MS_AUTH_SUCCESS : MS_AUTH_FAILURE, ts);
      st->sasl = NULL;
      st->sasl_wants_response = false;
      if (ok)
        st->logged_in = true;
      else if (!st->sasl_cancelled)
        auth_refused(st, text, ts);
    }
    break;
  case P_STAT:
    if (ok) {
      unsigned long long n, o;
      if (sscanf(text, "%llu %llu", &n, &o) == 2) {
        st->rec->mailbox_present = true;
        st->rec->mailbox_messages = n;
        st->rec->mailbox_octets = o;
      }
    }
    break;
  case P_LIST:
  case P_UIDL:
    if (ok && p.has_arg)
      listing_fact(st, p.kind, text, ts);
    break;
  case P_DELE:
    if (ok && p.number > 0 && st->rec->deleted.len < st->cfg->max_commands)
      *vec_push(&st->rec->deleted) = (int)p.number;
    else if (ok && p.number > 0)
      record_full(st, ts);
    break;
  case P_RSET:
    if (ok)
      st->rec->deleted.len = 0;
    break;
  case P_QUIT:
    if (ok && st->logged_in)
      st->deletions_committed = true;
    break;
  case P_STLS:
    if (ok) {
      st->rec->tls = MS_TLS_STARTTLS;
      st->stop = true;
      st->stop_note = "TLS starts: the rest is encrypted, not decoded";
    }
    break;
  default:
    break;
  }
  if (ok && multiline_on_ok(&p)) {
    st->current = p;
    st->current.user = st->current.secret = NULL;
    if (p.kind == P_RETR || p.kind == P_TOP) {
      st->mode = SV_MESSAGE;
      start_retrieval(st, &p, ts);
    } else {
      st->mode = SV_LIST;
      if (p.kind == P_CAPA) {
        strvec_free(&st->rec->capabilities);
        st->capa_seen = true;
      }
    }
  }
}

/* One line of a LIST / UIDL / CAPA / AUTH / LANG listing. */
static void status_line(pop3 *st, const ms_line *l, ms_ts ts);

static bool looks_like_status(const ms_line *l) {
  return (l->len >= 3 && !strncasecmp((const char *)l->data, "+OK", 3) &&
          (l->len == 3 || l->data[3] == ' ')) ||
         (l->len >= 4 && !strncasecmp((const char *)l->data, "-ERR", 4) &&
          (l->len == 4 || l->data[4] == ' '));
}

static void listing_line(pop3 *st, const ms_line *l, ms_ts ts) {
  st->server_spoke = true;
  /* A status line cannot be part of a listing: the server forgot the "."
   * (or lies); take it as the next response. */
  if (looks_like_status(l) && outstanding(st)) {
    ms_add_anomaly(st->rec, "multiline_unterminated", ts,
                   "a listing ended without its \".\" line");
    st->mode = SV_STATUS;
    status_line(st, l, ts);
    return;
  }
  add_tline(st, ts, MS_SERVER, 0, l->data, l->len, NULL);
  if (l->len == 1 && l->data[0] == '.') {
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
  switch (st->current.kind) {
  case P_CAPA:
    if (st->rec->capabilities.len < MS_MAX_LIST) {
      strvec_push(&st->rec->capabilities, line);
    } else if (!st->list_full_warned) {
      st->list_full_warned = true;
      ms_limit_hit(st->rec, MS_LIMIT_LIST, "record_limit", ts,
                   "more than %d capabilities: later ones are not recorded",
                   MS_MAX_LIST);
    }
    break;
  case P_LIST:
  case P_UIDL:
    listing_fact(st, st->current.kind, line, ts);
    break;
  default:
    break;
  }
  free(line);
}

/* Count the octets of the message being retrieved as RFC 1939 sizes do:
 * bare LF line ends are counted as CRLF for the comparison with LIST. */
/* Counts the body's octets and its bare LFs (an LF not preceded by CR),
 * and keeps its last four bytes; one vector pass per chunk. */
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
  if (st->cfg->full_bodies && st->cfg->transcript) {
    const uint8_t *c = p, *e = p + n;
    ms_line l;
    while (line_reader_next(&st->body_lines, &c, e, st->now, &l))
      add_tline(st, st->now, MS_SERVER, MS_TL_BODY, l.data, l.len, NULL);
  }
}

static void status_line(pop3 *st, const ms_line *l, ms_ts ts) {
  size_t tl = add_tline(st, ts, MS_SERVER, 0, l->data, l->len, NULL);
  st->server_spoke = true;
  if (l->too_long)
    ms_limit_hit(st->rec, MS_LIMIT_LINE, "line_too_long", ts,
                 "server line longer than %zu bytes (--max-line)",
                 st->cfg->max_line);
  const char *d = (const char *)l->data;
  /* SASL continuation: "+ base64" or "+" alone */
  if (l->len >= 1 && d[0] == '+' && (l->len == 1 || d[1] == ' ') &&
      outstanding(st) && st->queue.items[st->qhead].kind == P_AUTH) {
    if (st->sasl) {
      sasl_view view = {0};
      size_t off = l->len > 2 ? 2 : l->len;
      sasl_server(st->sasl, l->data + off, l->len - off, ts, &view);
      ms_tline *t = tline_at(st, tl);
      if (t && view.note) {
        t->note = view.note;
        view.note = NULL;
      }
      free(view.note);
      free(view.redacted);
      st->sasl_wants_response = true;
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
  } else if (!st->greeted && !st->rec->midstream) {
    not_pop3(st, "the server's first line is not +OK or -ERR", l, ts);
    return;
  } else {
    ms_add_anomaly(st->rec, "malformed_response", ts, "%.*s",
                   (int)(l->len < 200 ? l->len : 200), d);
    return;
  }
  while (skip < l->len && d[skip] == ' ')
    skip++;
  char *text = wire_strdup(l->data + skip, l->len - skip);
  status_reply(st, ok, text, tl, ts);
  free(text);
}

/* Was the oldest outstanding command sent before `ts`? */
static bool command_sent_before(const pop3 *st, size_t which, ms_ts ts) {
  return outstanding(st) > which &&
         st->queue.items[st->qhead + which].sent < ts;
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
  st->server_gap = false;
  bool waits = !pipelining_advertised(st);
  if (st->mode == SV_MESSAGE && starts_status(data, n) &&
      command_sent_before(st, 0, ts)) {
    ms_add_anomaly(st->rec, "response_lost", ts,
                   "the end of a retrieved message was in the lost bytes");
    st->mode = SV_STATUS;
    finish_retrieval(st, true, ts);
    line_reader_gap(&st->lines[MS_SERVER]);
  }
  if (st->mode == SV_LIST && starts_status(data, n) &&
      command_sent_before(st, 0, ts)) {
    ms_add_anomaly(st->rec, "multiline_unterminated", ts,
                   "a listing ended in the lost bytes");
    st->mode = SV_STATUS;
  }
  if (st->mode != SV_STATUS)
    return;
  if (!st->greeted && command_sent_before(st, 0, ts)) {
    st->greeted = true;
    ms_add_anomaly(st->rec, "response_lost", ts,
                   "the greeting was in the lost bytes");
  }
  while (waits && command_sent_before(st, 1, ts) &&
         st->queue.items[st->qhead].kind != P_AUTH) {
    p3_pending lost;
    if (!pop_pending(st, &lost))
      break;
    ms_add_anomaly(st->rec, "response_lost", ts,
                   "the response to %s was in the lost bytes",
                   lost.cmd != (size_t)-1
                       ? st->rec->commands.items[lost.cmd].verb
                       : "a command");
    pending_free(&lost);
  }
}

static void server_data(pop3 *st, const uint8_t *data, size_t n, ms_ts ts) {
  if (st->server_gap && n)
    resync_after_gap(st, data, n, ts);
  const uint8_t *cur = data, *end = data + n;
  while (cur < end && !st->stop) {
    if (st->mode == SV_MESSAGE) {
      st->now = ts;
      st->server_spoke = true;
      if (dot_scan(&st->body, &cur, end, body_out, st)) {
        st->mode = SV_STATUS;
        finish_retrieval(st, false, ts);
      }
      continue;
    }
    ms_line l;
    if (!line_reader_next(&st->lines[MS_SERVER], &cur, end, ts, &l))
      return;
    if (l.after_gap && st->mode == SV_STATUS && !looks_like_status(&l))
      continue; /* the tail of a line whose start was lost */
    line_check_controls(st->rec, &st->controls_warned, MS_SERVER, &l);
    if (st->mode == SV_LIST)
      listing_line(st, &l, ts);
    else
      status_line(st, &l, ts);
  }
}

static void client_data(pop3 *st, const uint8_t *data, size_t n, ms_ts ts) {
  const uint8_t *cur = data, *end = data + n;
  ms_line l;
  while (!st->stop &&
         line_reader_next(&st->lines[MS_CLIENT], &cur, end, ts, &l))
    client_line(st, &l, ts);
}

/* ---- interface ---------------------------------------------------------- */

static void *pop3_create(ms_session *rec, const ms_dissect_config *cfg) {
  pop3 *st = xcalloc(1, sizeof *st);
  st->rec = rec;
  st->cfg = cfg;
  line_reader_init(&st->lines[0], cfg->max_line);
  line_reader_init(&st->lines[1], cfg->max_line);
  st->flight_leader_tline = (size_t)-1;
  st->msg_index = (size_t)-1;
  return st;
}

static ms_verdict pop3_data(void *state, ms_dir dir, const uint8_t *data,
                            size_t n, ms_ts ts) {
  pop3 *st = state;
  if (dir == MS_CLIENT)
    client_data(st, data, n, ts);
  else
    server_data(st, data, n, ts);
  if (st->stop) {
    st->mode = SV_STOPPED;
    const char *note = st->stop_note;
    add_tline(st, ts, MS_SERVER, MS_TL_NOTICE, (const uint8_t *)note,
              strlen(note), NULL);
    return MS_STOP;
  }
  return MS_CONTINUE;
}

static void pop3_gap(void *state, ms_dir dir, uint64_t n, ms_ts ts) {
  pop3 *st = state;
  /* The start of a status line the gap cut (a snaplen keeps a packet's
   * first bytes) still says +OK or -ERR, which keeps the pairing right;
   * its cut text could mislead (octets, counts): only the status is taken. */
  ms_line l;
  if (dir == MS_SERVER && st->mode != SV_MESSAGE && st->mode != SV_STOPPED &&
      line_reader_take_cut(&st->lines[MS_SERVER], &l) &&
      looks_like_status(&l)) {
    ms_line status = l;
    status.len = l.data[0] == '+' ? 3 : 4;
    if (st->mode == SV_LIST)
      listing_line(st, &status, l.ts);
    else
      status_line(st, &status, l.ts);
  }
  /* ... and so does a command's start its verb (its argument is cut) */
  if (dir == MS_CLIENT && !st->sasl_wants_response &&
      line_reader_take_cut(&st->lines[MS_CLIENT], &l) &&
      salvageable_command(&l)) {
    ms_add_anomaly(st->rec, "command_cut", l.ts, "%.*s... (the rest was lost)",
                   (int)(l.len < 200 ? l.len : 200), (const char *)l.data);
    client_line(st, &l, l.ts);
  }
  line_reader_gap(&st->lines[dir]);
  if (dir == MS_SERVER)
    st->server_gap = true;
  if (dir == MS_SERVER && st->mode == SV_MESSAGE) {
    dot_scan_lost(&st->body);
    st->msg_gap = true;
    ms_add_anomaly(st->rec, "message_gap", ts,
                   "%llu bytes of a retrieved message are missing",
                   (unsigned long long)n);
  }
  char note[64];
  snprintf(note, sizeof note, "%llu bytes missing here", (unsigned long long)n);
  add_tline(st, ts, dir, MS_TL_NOTICE, (const uint8_t *)note, strlen(note),
            NULL);
}

static void pop3_close(void *state, ms_ts ts) {
  pop3 *st = state;
  ms_line l;
  if (!st->stop) {
    if (line_reader_flush(&st->lines[MS_CLIENT], ts, &l)) {
      ms_add_anomaly(st->rec, "incomplete_line", ts,
                     "client line without its end at the end of the session");
      client_line(st, &l, ts);
    }
    if (st->mode != SV_MESSAGE &&
        line_reader_flush(&st->lines[MS_SERVER], ts, &l)) {
      ms_add_anomaly(st->rec, "incomplete_line", ts,
                     "server line without its end at the end of the session");
      if (st->mode == SV_LIST)
        listing_line(st, &l, ts);
      else
        status_line(st, &l, ts);
    }
  }
  if (st->mode == SV_MESSAGE || st->mode == SV_LIST)
    ms_add_anomaly(st->rec, "multiline_unterminated", ts,
                   "the session ended inside a multi-line response");
  if (st->mode == SV_MESSAGE)
    finish_retrieval(st, true, ts);
  if (st->sasl) {
    sasl_end(st->sasl, MS_AUTH_UNKNOWN, ts);
    st->sasl = NULL;
  }
  /* Logins whose response never came still count, with outcome unknown. */
  p3_pending p;
  while (pop_pending(st, &p)) {
    if (p.kind == P_PASS || p.kind == P_APOP)
      commit_login(st, &p, MS_AUTH_UNKNOWN);
    pending_free(&p);
  }
  if (st->rec->deleted.len && !st->deletions_committed && !st->stop)
    ms_add_anomaly(st->rec, "dele_not_committed", ts,
                   "%zu message(s) marked deleted, but the session ended "
                   "without QUIT: the server keeps them",
                   st->rec->deleted.len);
}

static void pop3_destroy(void *state) {
  pop3 *st = state;
  line_reader_free(&st->lines[0]);
  line_reader_free(&st->lines[1]);
  line_reader_free(&st->body_lines);
  for (size_t i = st->qhead; i < st->queue.len; i++)
    pending_free(&st->queue.items[i]);
  vec_free(&st->queue);
  for (size_t i = 0; i < st->listing.len; i++)
    free(st->listing.items[i].uid);
  vec_free(&st->listing);
  free(st->pending_user);
  free(st->apop_challenge);
  if (st->msg)
    ms_msg_end(st->msg, true, 0);
  if (st->sasl)
    sasl_end(st->sasl, MS_AUTH_UNKNOWN, 0);
  ms_pop3_message_free(&st->spill);
  free(st);
}

const ms_dissector ms_pop3_dissector = {"pop3",      MS_PROTO_POP3, pop3_create,
                                        pop3_data,   pop3_gap,      pop3_close,
                                        pop3_destroy};
