/* record.h - the session record: what dissectors fill and emitters read.
 *
 * One ms_session per TCP connection.  The session layer (src/flow/session.c)
 * fills the connection fields (endpoints, counters, end reason); the
 * protocol dissector (dissectors/smtp.c, pop3.c) fills everything else.
 * Emitters (src/emit_*.c) only read it.  Every string is owned by the record
 * and freed by ms_session_free(); strings hold wire bytes as they were (a
 * NUL byte is stored as the text "\x00", see wire_strdup), emitters escape.
 *
 * Field documentation for users lives in docs/json.md, whose names the
 * fields below follow.
 */
#ifndef MAILSCOPE_RECORD_H
#define MAILSCOPE_RECORD_H

#include <stdbool.h>
#include <stdint.h>

#include "message_record.h"
#include "route.h"
#include "tls_info.h"
#include "vec.h"

/* Microseconds since the Unix epoch, UTC. */
typedef int64_t ms_ts;

typedef enum { MS_CLIENT = 0, MS_SERVER = 1 } ms_dir;

typedef enum { MS_PROTO_NONE = 0, MS_PROTO_SMTP, MS_PROTO_POP3 } ms_proto;

typedef enum {
  MS_END_NONE = 0, /* still open */
  MS_END_FIN,
  MS_END_RST,
  MS_END_TIMEOUT,
  MS_END_EOF,
  MS_END_LIMIT /* dropped because a resource limit was hit */
} ms_end;

typedef enum { MS_TLS_NONE = 0, MS_TLS_STARTTLS, MS_TLS_IMPLICIT } ms_tls;

typedef struct {
  char ip[48]; /* printable, IPv6 in RFC 5952 form */
  uint16_t port;
} ms_endpoint;

/* A server reply (SMTP) or response (POP3).  present == false: no reply. */
typedef struct {
  bool present;
  ms_ts ts;
  int code;          /* SMTP reply code; 0 for POP3 */
  char *pop3_status; /* "+OK" / "-ERR" for POP3, NULL for SMTP */
  char *enhanced;    /* RFC 3463 "2.1.0", NULL when absent */
  char *text;        /* text after code/status; lines of a multi-line reply
                        joined with "\n" (without their code prefix) */
} ms_reply;

typedef struct {
  ms_ts ts;
  char *verb; /* upper case */
  char *arg;  /* rest of the line after the verb and one space; NULL if none */
  bool pipelined;
  ms_reply reply;
} ms_command;

typedef enum {
  MS_AUTH_UNKNOWN = 0,
  MS_AUTH_SUCCESS,
  MS_AUTH_FAILURE
} ms_auth_result;

typedef struct {
  bool present;
  char *mechanism; /* "PLAIN", "LOGIN", "CRAM-MD5", "USER", "APOP", ... */
  char *username;
  char *password; /* "<redacted>" unless --show-secrets; NULL if none seen */
  char *authzid;
  char *challenge; /* CRAM-MD5 challenge / APOP timestamp, when seen */
  ms_auth_result result;
  int attempts; /* login attempts in the session (extension) */
  int failures; /* failed attempts (extension) */
} ms_auth;

typedef struct {
  char *name; /* snake_case, listed in docs/anomalies.md */
  ms_ts ts;
  char *detail;
} ms_anomaly;

/* One line of the human transcript, in wire order.  The dissector says
 * what it knows of each line, so that no emitter re-parses SMTP or POP3
 * syntax (docs/design.md "Presentation knows no protocol"). */
enum {
  MS_TL_PIPELINED = 1 << 0,   /* command sent before the previous reply */
  MS_TL_GROUP_START = 1 << 1, /* first command of a pipelined group */
  MS_TL_SUMMARY = 1 << 2,     /* generated text, e.g. "[message: ...]" */
  MS_TL_BODY = 1 << 3,        /* a line of a message body (--full-bodies) */
  MS_TL_NOTICE = 1 << 4,      /* mailscope's own remark (gap, TLS, ...) */
  MS_TL_REPLY_START = 1 << 5, /* server: first line of a reply/response */
  MS_TL_REPLY_END = 1 << 6,   /* server: last line of a reply/response
                                 (a one-line reply has both) */
  MS_TL_SASL = 1 << 7,        /* a SASL step: 334 / "+ " challenge, or the
                                 client's response line */
  MS_TL_REDACTED = 1 << 8     /* text (or note) had a secret replaced */
};

/* The class of a server line's reply, for colouring and counting. */
typedef enum {
  MS_RC_NONE = 0,     /* not a reply line, or unparseable */
  MS_RC_POSITIVE,     /* SMTP 2xx, POP3 +OK */
  MS_RC_INTERMEDIATE, /* SMTP 3xx (354, 334), POP3 "+ " continuation */
  MS_RC_TRANSIENT,    /* SMTP 4xx */
  MS_RC_PERMANENT,    /* SMTP 5xx, POP3 -ERR */
  MS_RC_OTHER         /* SMTP 1xx or a line no reply grammar fits */
} ms_reply_class;

typedef struct {
  ms_ts ts;
  ms_dir dir;
  unsigned flags;
  uint16_t code;       /* server line: SMTP reply code, 0 for POP3/none */
  uint8_t reply_class; /* server line: ms_reply_class */
  uint32_t group;      /* client line: pipelined group number, counted
                          from 1 in the session; 0: not pipelined */
  char *text;          /* the line as on the wire, without CRLF */
  char *note; /* shown in brackets beside the line (decoded base64), or NULL */
} ms_tline;

typedef struct {
  char *addr;
  int code;
} ms_rcpt_rejected;

typedef enum {
  MS_TX_PENDING = 0, /* no outcome yet */
  MS_TX_QUEUED,
  MS_TX_REJECTED,
  MS_TX_ABORTED
} ms_tx_status;

typedef struct {
  ms_ts ts;
  char *mail_from;   /* without angle brackets; "" for the null path */
  char *mail_params; /* parameters after the path, as sent, or NULL */
  strvec rcpt_to;    /* accepted forward-paths without angle brackets */
  VEC(ms_rcpt_rejected) rcpt_rejected;
  strvec rcpt_unanswered; /* forward-paths whose reply is not in the capture
                             (one side only, lost, the session ended) */
  ms_tx_status status;
  ms_reply reply; /* reply to the end of data (or the rejecting reply) */
  char *queue_id;
  ms_message *message; /* NULL when no body was sent */
} ms_transaction;

typedef struct {
  int number;
  char *uid;      /* from UIDL when known */
  char *command;  /* "RETR" or "TOP" */
  uint64_t bytes; /* octets of the message as retrieved, after unstuffing */
  ms_message *message;
} ms_pop3_message;

/* The resource limits a session can hit.  Each hit raises a named anomaly
 * and is counted here (ms_limit_hit); the session layer adds the counts to
 * the stats record ("limits", docs/json.md).  The first eight are options
 * (src/cli/options.c), the others fixed bounds listed in docs/design.md. */
typedef enum {
  MS_LIMIT_SESSION_BYTES = 0, /* --max-session-bytes: reassembly_limit */
  MS_LIMIT_LINE,              /* --max-line: line_too_long */
  MS_LIMIT_PIPELINE,          /* --max-pipeline: too_many_outstanding */
  MS_LIMIT_MESSAGE_BYTES,     /* --max-message-bytes: header_too_large */
  MS_LIMIT_MIME_DEPTH,        /* --max-mime-depth: mime_too_deep */
  MS_LIMIT_MIME_PARTS,        /* --max-mime-parts: mime_too_many_parts */
  MS_LIMIT_HEADERS,           /* --max-headers: too_many_headers */
  MS_LIMIT_COMMANDS,          /* --max-commands: record_limit */
  MS_LIMIT_ANOMALIES,         /* MS_MAX_ANOMALIES: record_limit */
  MS_LIMIT_OUTSTANDING,       /* MS_MAX_OUTSTANDING: too_many_outstanding */
  MS_LIMIT_REPLY,             /* MS_MAX_REPLY_TEXT: reply_too_long */
  MS_LIMIT_HEADER_VALUE,      /* MS_MAX_HEADER_VALUE: header_too_long */
  MS_LIMIT_LIST,              /* MS_MAX_LIST: record_limit */
  MS_LIMIT_MEMORY,            /* --max-memory: memory_limit (sessions ended,
                                 fragments dropped to stay under the bound) */
  MS_LIMIT_RECORD_BYTES,      /* --max-record-bytes: record_truncated */
  MS_LIMIT_COUNT
} ms_limit;

/* The key of a limit in the stats record's "limits" object. */
const char *ms_limit_name(ms_limit l);

/* A tunnel the session was carried in, as its first packet came. */
typedef struct {
  const char *type;           /* static: "gre", "vxlan", ... */
  ms_endpoint client, server; /* the outer ends on either side */
  bool has_id;
  uint32_t id;
} ms_tunnel;

/* The proxy the client reached the server through (an HTTP CONNECT or
 * SOCKS prelude before the greeting); type NULL: none.  The session's
 * server is the proxy. */
typedef struct {
  const char *type; /* static: "http-connect", "socks4", "socks4a", "socks5" */
  char *host;       /* where the client asked to go: a name or an address */
  uint16_t port;
  char *username; /* SOCKS4 user id, RFC 1929 user name, HTTP Basic user */
  char *password; /* "<redacted>" unless --show-secrets; NULL: none sent */
} ms_proxy;

typedef struct ms_session {
  /* --- connection: filled by the session layer --- */
  ms_proto proto;
  ms_tls tls;
  char uid[24];
  ms_ts ts, end_ts;
  ms_endpoint client, server;
  int ip_version;
  VEC(uint16_t) vlan;     /* outermost first */
  VEC(ms_tunnel) tunnels; /* outermost first; empty when none */
  ms_proxy proxy;
  uint64_t bytes[2]; /* payload bytes, indexed by ms_dir */
  uint64_t packets[2];
  ms_end end;
  bool midstream;
  uint64_t gap_bytes;
  ms_tls_info *tls_info; /* the TLS decoder's (tls_info.h); NULL: none */
  /* reporting order (not printed): see session.c */
  uint64_t order_end, order_start;
  uint32_t order_phase;
  /* flags of the parts below, kept here where they fill no hole */
  bool record_cut;      /* memory */
  bool esmtp;           /* SMTP */
  bool mailbox_present; /* POP3 */
  /* memory (not printed): what its dissector holds for it (budget.h), and
   * the record's own size against its bound (ms_record_keep) */
  uint64_t mem_held;
  uint64_t record_bytes, record_budget;       /* budget 0: no bound */
  size_t replies_counted, tx_replies_counted; /* see ms_record_account */

  /* --- protocol: filled by the dissector --- */
  char *banner;
  VEC(ms_command) commands;
  ms_auth auth;
  VEC(ms_anomaly) anomalies; /* at most MS_MAX_ANOMALIES (+ notices) */
  bool anomalies_capped;
  uint32_t limits[MS_LIMIT_COUNT]; /* times each limit was hit */
  VEC(ms_tline) transcript;
  strvec capabilities;

  /* SMTP */
  char *helo;
  VEC(ms_transaction) transactions;
  ms_route *route; /* from the capture's DNS (route.h); NULL: none seen */

  /* POP3 */
  uint64_t mailbox_messages, mailbox_octets;
  VEC(ms_pop3_message) messages;
  VEC(int) deleted;
} ms_session;

/* Allocation and release. */
ms_session *ms_session_new(void);
void ms_session_free(ms_session *s);

/* Anomalies kept per session: a hostile peer cannot grow the list without
 * bound; the first one refused adds a final "record_limit". */
#define MS_MAX_ANOMALIES 1000
/* Commands awaiting a reply that a dissector tracks; later ones are only
 * counted, replies pair with the tracked ones first (too_many_outstanding). */
#define MS_MAX_OUTSTANDING 10000
/* Text kept of one (multi-line) SMTP reply (reply_too_long). */
#define MS_MAX_REPLY_TEXT 16384
/* Longest header value reported (header_too_long). */
#define MS_MAX_HEADER_VALUE 8192
/* Entries kept in a list that the peer makes grow: capabilities, addresses
 * of one message, Received hops (100 of those), POP3 deletions. */
#define MS_MAX_LIST 1000

/* Helpers dissectors use to fill the record; each copies its arguments.
 * ms_add_anomaly returns NULL once the session holds MS_MAX_ANOMALIES. */
ms_anomaly *ms_add_anomaly(ms_session *s, const char *name, ms_ts ts,
                           const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));
/* A resource limit was hit: count it and raise the anomaly `name` (which
 * goes through the same cap as any other; the count does not). */
ms_anomaly *ms_limit_hit(ms_session *s, ms_limit which, const char *name,
                         ms_ts ts, const char *fmt, ...)
    __attribute__((format(printf, 5, 6)));
/* The record's size bound (--max-record-bytes, record_budget): text a
 * record keeps is counted as the JSON emitter may write it at worst (6
 * bytes for a control byte, 5 for one that is not ASCII, 1 else), with
 * every entry's own size.  ms_record_keep() says how many of the n bytes
 * at p a new text keeps: all of them while the record is under its bound,
 * then none (the first cut raises record_truncated, once: the record still
 * lists every command, reply code and transcript line, without their
 * text).  ms_record_room() counts an entry of `cost` bytes (a MIME part,
 * an address) and says whether the record may still list it.  The helpers
 * below apply both. */
size_t ms_record_keep(ms_session *s, const uint8_t *p, size_t n, ms_ts ts);
bool ms_record_room(ms_session *s, size_t cost, ms_ts ts);
/* Replies are set by the dissectors, not through ms_record_keep: the
 * session layer counts those of commands and transactions answered since
 * the last call, after every packet (their text goes once over the bound),
 * and every one left at the end of the session (ms_record_finish). */
void ms_record_account(ms_session *s, ms_ts ts);
void ms_record_finish(ms_session *s, ms_ts ts);
ms_tline *ms_add_tline(ms_session *s, ms_ts ts, ms_dir dir, unsigned flags,
                       const uint8_t *text, size_t len, const char *note);
ms_command *ms_add_command(ms_session *s, ms_ts ts, const char *verb,
                           const uint8_t *arg, size_t arg_len);
void ms_reply_clear(ms_reply *r);
/* Free what a transaction owns (not the transaction itself). */
void ms_transaction_free(ms_transaction *t);
/* Free what a retrieved POP3 message owns. */
void ms_pop3_message_free(ms_pop3_message *m);
/* Replace *r with an SMTP reply (copies enhanced, which may be NULL, and
 * text). */
void ms_reply_set(ms_reply *r, ms_ts ts, int code, const char *enhanced,
                  const char *text);
void ms_reply_copy(ms_reply *dst, const ms_reply *src);
void ms_auth_clear(ms_auth *a);

const char *ms_proto_name(ms_proto p); /* "smtp", "pop3" */
const char *ms_end_name(ms_end e);     /* "fin", "rst", ... */
const char *ms_tls_name(ms_tls t);     /* "none", "starttls", ... */
const char *ms_auth_result_name(ms_auth_result r);
const char *ms_tx_status_name(ms_tx_status st);

#endif
