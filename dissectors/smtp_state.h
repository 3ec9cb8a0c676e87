/* smtp_state.h - the SMTP dissector's state, shared by smtp.c (commands
 * and replies) and smtp_body.c (transactions and their messages).  Private
 * to those two files. */
#ifndef MAILSCOPE_SMTP_STATE_H
#define MAILSCOPE_SMTP_STATE_H

#include "dotbody.h"
#include "exchange.h"
#include "message.h"

#define NO_TX ((size_t)-1)
#define SPILL_TX ((size_t)-2) /* the transaction beyond --max-commands */

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
  ex_pending base;
  size_t tx;  /* transaction, or NO_TX */
  char *rcpt; /* RCPT: the forward-path */
  char *helo; /* HELO/EHLO: the name given, or NULL */
  bool bdat_last;
  bool bdat_invalid; /* no chunk was started: its refusal ends nothing */
} smtp_pending;

typedef enum {
  CL_COMMANDS,
  CL_DATA_WAIT, /* DATA sent, its reply not yet seen: hold client bytes */
  CL_BODY,      /* DATA body, up to the "." line */
  CL_BDAT       /* counted chunk bytes */
} client_mode;

/* A multi-line reply being assembled. */
typedef struct {
  int code;
  bool open;
  ms_ts first_ts; /* of its first line */
  size_t last_tl; /* transcript line of its last line so far */
  char *enhanced;
  char *text; /* grows up to MS_MAX_REPLY_TEXT; NULL until the first line */
  size_t tlen, tcap;
  size_t lines;
  strvec ehlo_lines; /* continuation lines, for EHLO capabilities */
  bool truncated;
  bool code_changed; /* reply_code_changed raised for this reply */
} reply_builder;

/* A DATA body being read (CL_BODY): made by smtp_body_begin, given back
 * by smtp_body_end. */
typedef struct {
  dot_scanner scan;  /* the "." line, dot-stuffing */
  ms_ts now;         /* timestamp of the bytes being scanned */
  line_reader lines; /* --full-bodies transcript lines only */
  bool gap;          /* bytes of the body were lost */
} smtp_dot_body;

typedef struct { /* pointers and counters, then the small fields: no holes */
  ex x;          /* first: ex_on_data and ex_on_tls take the state as an ex */
  reply_builder *reply; /* the reply being assembled, NULL between replies */
  /* Two views of the open transaction: the client's (the last MAIL it
   * sent, for what it sends next: RCPT checks, BDAT chunks) and the
   * server's (the last MAIL it accepted: replies decide, RFC 5321 4.1.1:
   * only RSET, HELO/EHLO, the end of the data or an accepted MAIL start
   * anew). */
  size_t tx;        /* client's view, or NO_TX */
  size_t server_tx; /* server's view, or NO_TX */
  /* message body */
  ms_msg_parser *msg;
  size_t msg_tx;
  uint64_t bdat_left;
  smtp_dot_body *body; /* CL_BODY only: made when the body begins */
  uint8_t *held;       /* CL_DATA_WAIT */
  size_t held_len;
  size_t held_gap_at;  /* client bytes lost after held[0..held_gap_at) */
  uint64_t held_gap_n; /* how many (0: none) */
  /* The last HELO/EHLO the server accepted: a refused one leaves it the
   * session's (RFC 5321 4.1.4: a refused EHLO changes nothing). */
  char *helo_accepted_name;
  /* Transactions beyond --max-commands are decoded here, not recorded
   * (made when the first one comes). */
  ms_transaction *spill;
  client_mode mode;
  int tx_counter;
  bool msg_gap; /* bytes of the open message were lost: it is truncated */
  bool bdat_last;
  bool msg_8bit_known; /* the open message may carry 8-bit bytes, or one
                          was reported already */
  bool helo_accepted;
  bool helo_accepted_esmtp;
} smtp;

/* ---- smtp_body.c: transactions and their messages ---------------------- */

ms_transaction *smtp_tx_at(smtp *st, size_t i);
/* A new transaction (in the record, or the spill slot beyond
 * --max-commands): its index. */
size_t smtp_new_transaction(smtp *st, ms_ts ts);
/* Transaction txi ends unfinished (RSET, HELO/EHLO, an accepted MAIL,
 * STARTTLS, the end of the session): aborted, or rejected when the server
 * had refused its DATA; its message, if open, is truncated. */
void smtp_end_transaction(smtp *st, size_t txi, ms_ts ts);
/* The final reply to its data (or a refused chunk). */
void smtp_finish_transaction(smtp *st, size_t txi, const ex_reply *r);
/* The transaction a DATA body the server never answered goes to (sent
 * without waiting, or the session ended first): the client's. */
size_t smtp_data_tx(const smtp *st);
/* The SIZE the EHLO reply advertised (RFC 1870), 0 when none or no limit. */
unsigned long long smtp_advertised_size(const smtp *st);
/* The message of transaction txi begins (NO_TX: a body without any
 * transaction, data_without_mail); returns the transaction it is in. */
size_t smtp_start_message(smtp *st, size_t txi, ms_ts ts);
void smtp_end_message(smtp *st, bool truncated, ms_ts ts);
/* DATA accepted while BDAT chunks without LAST are open: drop them. */
void smtp_data_after_bdat(smtp *st, size_t txi, ms_ts ts);
/* The DATA body begins (after 354, or bytes sent without waiting). */
void smtp_body_begin(smtp *st, ms_ts ts);
/* The "." line (or the reply to a body whose end was lost). */
void smtp_body_end(smtp *st, ms_ts ts);
/* A BDAT chunk of `size` bytes follows the command. */
void smtp_bdat_begin(smtp *st, uint64_t size, bool last, ms_ts ts);
/* ex_proto.client_raw: body, chunk and held bytes. */
bool smtp_client_raw(void *owner, const uint8_t **cur, const uint8_t *end,
                     ms_ts ts);
/* Feed the bytes held while DATA awaited its reply, in the mode now
 * decided (ex_proto.due). */
void smtp_replay_held(void *owner, ms_ts ts);
/* What lost client bytes mean in the current mode; false: say nothing
 * (inside a BDAT chunk). */
bool smtp_client_gap(smtp *st, uint64_t n, ms_ts ts);
void smtp_body_free(smtp *st);

#endif
