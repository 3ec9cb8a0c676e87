/* pop3_state.h - the POP3 dissector's state, shared by pop3.c (commands
 * and responses) and pop3_mailbox.c (listings and retrieved messages).
 * Private to those two files. */
#ifndef MAILSCOPE_POP3_STATE_H
#define MAILSCOPE_POP3_STATE_H

#include "dotbody.h"
#include "exchange.h"
#include "message.h"

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
  ex_pending base;
  bool has_arg; /* LIST n / UIDL n: single line */
  long number;  /* message number argument */
  char *user;   /* PASS / APOP / USER: the login tried (owned) */
  char *secret; /* PASS / APOP: password or digest as sent (owned) */
} p3_pending;

typedef enum {
  SV_STATUS, /* expecting +OK / -ERR */
  SV_LIST,   /* multi-line listing, line by line */
  SV_MESSAGE /* RETR / TOP body */
} sv_mode;

typedef struct {
  long number;
  uint64_t size;
  char *uid;
  bool has_size;
} listing_entry;

typedef struct {
  ex x; /* first: ex_on_data and ex_on_tls take the state as an ex */
  sv_mode mode;
  p3_pending current; /* the command whose multi-line response is read */
  bool logged_in;
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
  char auth_mech[64]; /* mechanism of the AUTH exchange under way */
  bool list_full_warned;
  bool bad_number_said; /* number_out_of_range raised */
  bool deletions_committed;
  int unknown_before_greeting;
  /* the message being retrieved: octets carried, bare LFs, last bytes */
  uint64_t msg_octets, msg_bare_lf;
  uint8_t msg_tail[4];
  bool msg_gap;
} pop3;

/* pop3.c */
bool pop3_looks_like_status(const ms_line *l);
void pop3_status_line(pop3 *st, const ms_line *l, ms_ts ts);

/* ---- pop3_mailbox.c: listings and retrieved messages ------------------- */

/* A message number (RFC 1939: 1 and up) from the wire, or 0 with !*ok. */
long pop3_number(const char *s, bool *ok);
/* A count, size or message number from the server that is not a number
 * in range: number_out_of_range (once a session). */
void pop3_bad_number(pop3 *st, const char *what, const char *text, ms_ts ts);
/* "n rest": the text after the number and its spaces. */
const char *pop3_after_number(const char *s);
/* "n size" (LIST) or "n unique-id" (UIDL), from a listing line or a
 * single-line response. */
void pop3_listing_fact(pop3 *st, p3_kind kind, const char *text, ms_ts ts);
/* One line of a LIST / UIDL / CAPA / AUTH / LANG listing. */
void pop3_listing_line(pop3 *st, const ms_line *l, ms_ts ts);
void pop3_start_retrieval(pop3 *st, const p3_pending *p, ms_ts ts);
void pop3_finish_retrieval(pop3 *st, bool truncated, ms_ts ts);
/* Bytes of a retrieved message lost. */
void pop3_message_gap(pop3 *st, uint64_t n, ms_ts ts);
/* ex_proto.server_raw: the retrieved message, and the resynchronisation
 * after lost server bytes. */
bool pop3_server_raw(void *owner, const uint8_t **cur, const uint8_t *end,
                     ms_ts ts);
void pop3_mailbox_free(pop3 *st);

#endif
