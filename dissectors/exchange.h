/* exchange.h - the request/response machinery SMTP and POP3 share.
 *
 * A protocol dissector (smtp.c, pop3.c) keeps its grammar (what a command
 * line and a reply line look like, its verb table) and the effects of each
 * reply; everything else about an exchange of commands and replies lives
 * here, once:
 *  - the bytes loop of both directions (on_data, gaps, the end), with hooks
 *    for the protocol's raw modes (a DATA body, a retrieved message);
 *  - the queue of commands awaiting replies and their pairing, in order,
 *    so pipelined groups (RFC 2920, RFC 2449) pair however they were cut;
 *  - pipelining marks and group numbers, record limits, transcript lines
 *    with what is known of each (reply start/end, code, class, SASL step);
 *  - verb splitting, cut-line salvage, resynchronisation after lost bytes;
 *  - the greeting: a client that speaks first, a server that never greets
 *    or a capture that starts after it, decided by timing and reply shape;
 *  - SASL: the exchange an AUTH command opens, its challenges, and every
 *    client line up to its final reply taken as SASL data (redacted);
 *  - the STARTTLS seam (exchange_tls.c): client bytes held while
 *    STARTTLS/STLS awaits its reply, injection on either side, where TLS
 *    records begin (dissector.h "where TLS begins").
 * Reply handling never calls back into client parsing: what a reply makes
 * due (held client bytes to replay) is done by the server-data loop after
 * the reply's last line.
 *
 * The protocol's state struct starts with its ex (so that ex_on_data and
 * ex_on_tls serve as its dissector.h entries), its pending-command struct
 * with an ex_pending (the queue copies it by value: size in ex_proto).
 */
#ifndef MAILSCOPE_EXCHANGE_H
#define MAILSCOPE_EXCHANGE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "dissector.h"
#include "lines.h"
#include "sasl.h"

#define EX_NONE ((size_t)-1)
/* A verb: at most 15 bytes of the line, a NUL among them as "\x00". */
#define EX_VERB_MAX 64
#define EX_KIND_SASL_DATA (-1) /* ex_pending.kind of an EX_SASL_DATA line */

/* What a pending command is to the core (ex_pending.flags). */
enum {
  EX_ENDS_GROUP = 1 << 0, /* RFC 2920: the client must wait for its reply */
  EX_WAITS = 1 << 1,      /* the client waits for its reply (HELO) */
  EX_SASL = 1 << 2,       /* opens a SASL exchange (AUTH with a mechanism) */
  EX_TLS = 1 << 3,        /* STARTTLS/STLS: a positive reply lets TLS start */
  EX_NO_SALVAGE = 1 << 4, /* a cut line of this verb is not kept (its cut
                             argument would steer what follows) */
  EX_AUTH = 1 << 5,       /* an AUTH command (with or without SASL) */
  EX_SASL_DATA = 1 << 6,  /* no command: a SASL line sent before the server
                             asked, which it answers as a command if the
                             exchange already ended */
  EX_ABSORBED = 1 << 7    /* an EX_SASL_DATA line a challenge took */
};

typedef struct {
  int kind;       /* the protocol's command kind */
  unsigned flags; /* EX_* above */
  size_t cmd;     /* index in rec->commands, EX_NONE when not recorded */
  ms_ts sent;
} ex_pending;

/* A complete reply (SMTP, all its lines) or status line (POP3). */
typedef struct {
  int code;             /* SMTP reply code; 0 for POP3 */
  const char *status;   /* POP3 "+OK" / "-ERR"; NULL for SMTP */
  ms_reply_class cls;   /* positive, intermediate (334, 354, "+ "), ... */
  const char *enhanced; /* RFC 3463 code, or NULL */
  const char *text;
  ms_ts ts;  /* when it came (a reply cut by lost bytes: when it began) */
  size_t tl; /* transcript line of its last line, EX_NONE */
} ex_reply;

/* The greeting question (ex_proto.greeting_shape): may the session's
 * first reply be the server's greeting?  Asked with the oldest outstanding
 * command (NULL when none; in a midstream capture the answer NO then
 * means a reply to a command sent before the capture). */
typedef enum {
  EX_GREETING_MAYBE = 0, /* the greeting (client_spoke_first), unless the
                            client's next command comes before any other
                            reply: then it took it as its answer */
  EX_GREETING_YES,       /* the greeting */
  EX_GREETING_NO,        /* it cannot be one: it answers the oldest command
                            (greeting_missing) */
  EX_GREETING_LATER      /* the protocol's next server line decides
                            (ex_greeting_settle): a POP3 +OK that may begin
                            the multi-line response to CAPA */
} ex_greeting_shape;

typedef struct {
  const char *reply_noun; /* "reply" / "response", for anomaly texts */
  const char *lost_name;  /* "reply_lost" / "response_lost" */
  /* commands are recorded only while the transcript has room too */
  bool record_needs_transcript;
  size_t pending_size; /* of the protocol's pending struct */
  /* Free what the protocol's pending struct owns (not the struct). */
  void (*pending_free)(void *pending);
  /* The protocol's verb table: kind and EX_* flags of an upper-case verb;
   * false for an unknown verb. */
  bool (*verb)(const char *verb, int *kind, unsigned *flags);
  /* The argument to record and show instead of the wire one when it holds
   * a secret (a new string), or NULL.  Not asked with --show-secrets. */
  char *(*redact)(int kind, const char *verb, const char *arg);
  /* A client command line (not SASL data): record it (ex_command_begin),
   * check it and push it (ex_push). */
  void (*command)(void *owner, const ms_line *l, ms_ts ts);
  /* A server line in the protocol's line mode.  Returns false when it
   * only finished an earlier reply (a reply cut by lost bytes, a greeting
   * a new code ended): the line is given again after the work that reply
   * made due. */
  bool (*server_line)(void *owner, const ms_line *l, ms_ts ts);
  /* Raw modes: take bytes from *cur (advance it) and return true, or
   * return false to have the next line read.  NULL: lines only. */
  bool (*client_raw)(void *owner, const uint8_t **cur, const uint8_t *end,
                     ms_ts ts);
  bool (*server_raw)(void *owner, const uint8_t **cur, const uint8_t *end,
                     ms_ts ts);
  /* The server's word on a command: effects of the reply on the session. */
  void (*on_reply)(void *owner, void *pending, const ex_reply *r);
  /* A command leaves the queue without its reply (lost with server bytes,
   * or outstanding when the session ends: ex_unanswered).  May be NULL. */
  void (*on_unanswered)(void *owner, void *pending);
  /* A reply with no command outstanding. */
  void (*on_unsolicited)(void *owner, const ex_reply *r);
  /* The greeting (banner, refusals). */
  void (*on_greeting)(void *owner, const ex_reply *r);
  ex_greeting_shape (*greeting_shape)(void *owner, const ex_reply *r,
                                      const void *head);
  /* Work a reply made due, done by the server-data loop after the reply
   * (SMTP: replay client bytes held while DATA awaited its reply). */
  void (*due)(void *owner, ms_ts ts);
} ex_proto;

/* A command line as the core recorded it (ex_command_begin). */
typedef struct {
  char verb[EX_VERB_MAX]; /* upper case, "" when the line has none */
  const uint8_t *arg;
  size_t arg_len;
  bool known; /* in the verb table */
  int kind;
  unsigned flags;
  char *argstr;  /* the argument as a C string (NUL as "\x00"), as sent
                    (not redacted); owned, freed by ex_command_end */
  size_t tl;     /* transcript line, EX_NONE */
  size_t ci;     /* rec->commands index, EX_NONE when not recorded */
  ms_command *c; /* the record, NULL when not recorded */
} ex_cmd;

typedef struct ex {
  ms_session *rec;
  const ms_dissect_config *cfg;
  const ex_proto *p;
  void *owner;
  line_reader lines[2];
  /* the queue of commands awaiting replies: ring of p->pending_size */
  uint8_t *q;
  size_t qcap, qlen, qhead;
  uint8_t *scratch;   /* for commands beyond MS_MAX_OUTSTANDING */
  uint64_t untracked; /* such commands still owed a reply */
  bool queue_full_warned, record_full_warned, controls_warned;
  /* pipelining: the client's current flight */
  bool server_spoke; /* a server line since the last client command */
  bool server_gap;   /* server bytes lost: no pipelining claimed */
  size_t flight_leader_tline;
  bool flight_has_group;
  uint32_t group;       /* pipelined groups so far */
  bool last_ends_group; /* the previous command must end its group */
  char last_verb[EX_VERB_MAX];
  bool pipelining; /* the server advertised PIPELINING (protocol sets) */
  bool caps_known; /* its capabilities were seen (protocol sets) */
  /* the greeting */
  bool greeted;
  bool greeting_may_answer; /* EX_GREETING_MAYBE, not settled yet */
  bool greeting_later;      /* EX_GREETING_LATER, not settled yet */
  ex_reply greeting;        /* the tentative one, strings owned */
  /* SASL */
  sasl_exchange *sasl;
  bool sasl_wants_response;
  bool sasl_cancelled;
  bool sasl_failed; /* the last exchange was refused: lines that are no
                       command are late SASL responses */
  /* TLS: each direction's state (EX_TLS_*), see exchange_tls.c */
  uint8_t tls[2];
  uint8_t *tls_held; /* client bytes after STARTTLS, before its reply */
  size_t tls_held_len;
  bool tls_replay;         /* STARTTLS refused: they are commands (due) */
  bool tls_client_after;   /* the client spoke after the positive reply */
  bool tls_injection_said; /* starttls_response_injection raised */
  bool tls_noted;          /* the "TLS starts" notice is written */
  bool tls_inside;         /* the bytes come decrypted from a TLS layer */
  bool tls_nested_said;    /* tls_nested raised */
  /* set by on_reply handlers: work for the server-data loop */
  bool due;
  bool stop;             /* decoding stops (MS_STOP) */
  const char *stop_note; /* transcript notice then */
  size_t lines_charged;  /* the line buffers, as the record was told */
} ex;

void ex_init(ex *x, ms_session *rec, const ms_dissect_config *cfg,
             const ex_proto *p, void *owner);
void ex_free(ex *x);

/* ---- the bytes ---------------------------------------------------------- */

/* dissector.h on_data and on_tls of a protocol whose state starts with
 * its ex. */
ms_verdict ex_on_data(void *state, ms_dir dir, const uint8_t *data, size_t n,
                      ms_ts ts, size_t *used);
void ex_on_tls(void *state, ms_dir dir, ms_tls_state what, ms_ts ts);
/* Client bytes through the client loop (replaying held bytes); returns
 * where TLS records began, or n. */
size_t ex_client_bytes(ex *x, const uint8_t *data, size_t n, ms_ts ts);
/* A client line: SASL data or a command. */
void ex_client_line(ex *x, const ms_line *l, ms_ts ts);
/* A server line through the protocol's server_line, with the work its
 * replies make due. */
void ex_server_line(ex *x, const ms_line *l, ms_ts ts);
/* Lost bytes: the cut command line salvaged (client), the notice. */
void ex_gap_notice(ex *x, ms_dir dir, uint64_t n, ms_ts ts);
void ex_salvage_command(ex *x);
/* The end: SASL ended unknown. */
void ex_close(ex *x, ms_ts ts);

/* ---- recording ---------------------------------------------------------- */

/* Anomaly with its detail cut at 512 bytes. */
void ex_anomaly(ex *x, const char *name, ms_ts ts, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));
/* Room for one more command: false (record_limit once) beyond
 * --max-commands; with `transcript`, also when the transcript is full. */
bool ex_room(ex *x, ms_ts ts, bool transcript);
void ex_record_full(ex *x, ms_ts ts);
/* A transcript line; its index or EX_NONE. */
size_t ex_tline(ex *x, ms_ts ts, ms_dir dir, unsigned flags, const uint8_t *p,
                size_t n, const char *note);
ms_tline *ex_tline_at(ex *x, size_t i);
void ex_notice(ex *x, ms_ts ts, ms_dir dir, const char *text);
/* A server line with what the grammar knows of it. */
size_t ex_server_tline(ex *x, const ms_line *l, ms_ts ts, unsigned flags,
                       int code, ms_reply_class cls);

/* ---- commands ----------------------------------------------------------- */

/* "verb rest", split at the first space or tab: the verb upper-cased, at
 * most 15 bytes of it (a NUL byte is written "\x00", as every string of
 * the record holds it: nothing is cut there). */
void ex_split_verb(const uint8_t *p, size_t n, char verb[EX_VERB_MAX],
                   const uint8_t **arg, size_t *arg_len);
/* The largest count or size taken from the wire: 2^53 - 1, which every
 * JSON reader holds exactly. */
#define EX_NUMBER_MAX 9007199254740991ULL
/* A count or size from the wire at s: decimal digits only (no sign, no
 * space), at least one, at most `max`.  False when it is none of that
 * (the caller keeps the text and raises number_out_of_range); *end is set
 * after the digits either way. */
bool ex_number(const char *s, uint64_t max, uint64_t *out, const char **end);
/* Wire bytes for an anomaly's text: at most `max` of them, NUL as
 * "\x00" (a new string). */
char *ex_wire_text(const uint8_t *p, size_t n, size_t max);
/* Record a command line: transcript line, command record, pipelining
 * marks.  An argument the protocol's redact() hides is recorded as it
 * says, and the transcript line reads "VERB shown".  ex_command_end frees
 * what the ex_cmd owns. */
void ex_command_begin(ex *x, const ms_line *l, ms_ts ts, ex_cmd *out);
void ex_command_end(ex_cmd *c);
/* Queue a command; returns the protocol's pending struct (zeroed beyond
 * the ex_pending, which is filled).  Raises too_many_outstanding when the
 * queue crosses --max-pipeline, and beyond MS_MAX_OUTSTANDING returns a
 * scratch entry that is only counted. */
void *ex_push(ex *x, int kind, unsigned flags, size_t cmd, ms_ts ts);
size_t ex_outstanding(const ex *x);
/* The i-th outstanding command (0: the oldest), or NULL. */
void *ex_peek(const ex *x, size_t i);
/* Take the oldest outstanding command into out (p->pending_size bytes). */
bool ex_pop(ex *x, void *out);

/* ---- replies ------------------------------------------------------------ */

/* A complete reply: greeting, SASL challenge, or the answer to the oldest
 * command (its record gets the reply, the protocol's on_reply the rest). */
void ex_reply_done(ex *x, const ex_reply *r);
/* The tentative greeting was the answer to the oldest command after all. */
void ex_greeting_was_answer(ex *x);
/* EX_GREETING_LATER settled by the next server line: the held reply was
 * the greeting (client_spoke_first), or it answers the oldest command
 * (greeting_missing).  Nothing when no greeting is held. */
void ex_greeting_settle(ex *x, bool was_greeting);
/* After lost server bytes, at the first reply line (ts): the commands the
 * client had to wait for whose successors were sent before ts lost their
 * replies with the bytes (raises p->lost_name). */
void ex_drop_lost(ex *x, ms_ts ts);
/* The session ends: every command still outstanding goes to
 * ex_proto.on_unanswered (oldest first) and leaves the queue. */
void ex_unanswered(ex *x);
/* The name of a recorded command, for anomaly texts. */
const char *ex_verb_of(const ex *x, const ex_pending *p);

/* ---- TLS (exchange_tls.c) ----------------------------------------------- */

/* A direction's TLS state. */
enum {
  EX_TLS_NONE = 0, /* plaintext, no STARTTLS */
  EX_TLS_ASKED,    /* client: STARTTLS sent, its reply not yet seen */
  EX_TLS_MAY,      /* positive reply: a TLS record may come */
  EX_TLS_RECORDS,  /* TLS began: the session layer has the bytes */
  EX_TLS_PLAIN,    /* plaintext went on after the positive reply */
  EX_TLS_OPAQUE,   /* TLS without keys: nothing more comes */
  EX_TLS_DECRYPTED /* TLS decrypted: its plaintext comes */
};

/* What a step of the bytes loop did with the bytes at the cursor. */
typedef enum {
  EX_STEP_NONE = 0, /* nothing: read them as usual */
  EX_STEP_TAKEN,    /* consumed (held, or an injected line) */
  EX_STEP_TLS       /* TLS begins at the cursor */
} ex_step;

/* A STARTTLS/STLS command was sent: the client's bytes are held. */
void ex_tls_asked(ex *x);
/* Its reply: positive lets TLS start, a refusal makes the held bytes
 * commands again (replayed by the loop: ex_tls_replay). */
void ex_tls_replied(ex *x, bool positive, ms_ts ts);
bool ex_tls_replay(ex *x, ms_ts ts);
ex_step ex_tls_client(ex *x, const uint8_t **cur, const uint8_t *end, ms_ts ts);
ex_step ex_tls_server(ex *x, const uint8_t **cur, const uint8_t *end, ms_ts ts);
/* dissector.h on_tls: the TLS layer's word on a direction. */
void ex_tls(ex *x, ms_dir dir, ms_tls_state what, ms_ts ts);
void ex_tls_free(ex *x);

/* ---- SASL --------------------------------------------------------------- */

/* AUTH mechanism [initial-response]: start the exchange; the command's
 * transcript line and arg get the initial response redacted. */
void ex_sasl_begin(ex *x, ex_cmd *c, ms_ts ts);
/* A server challenge (the text after "334 " / "+ ") to the open exchange. */
void ex_sasl_challenge(ex *x, const ex_reply *r);

#endif
